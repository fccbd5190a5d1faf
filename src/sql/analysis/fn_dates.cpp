// Date/time functions (datetimeExpressions.scala): each an ImplicitCastInputTypes expression
// whose inputs Spark casts to DATE / TIMESTAMP / INT; results NULL on NULL input (non-ANSI).
// Time parts read the session time zone at execution (EvalContext), as CAST does.
#include "sql/analysis/fn_library.h"

#include <cctype>
#include <cstdlib>
#include <optional>

namespace spp::sql {

namespace {
// A time window's duration as CalendarInterval text (`5 seconds`, `1 hour 30 minutes`,
// `interval 10 minutes`) in µs; nullopt when it is not one or has months (Spark's TimeWindow
// rejects those too).
std::optional<int64_t> duration_micros(const std::string& text) {
  std::string s;
  for (char ch : text) s += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  size_t i = 0;
  auto skip = [&] { while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i; };
  skip();
  if (s.compare(i, 8, "interval") == 0) i += 8;
  int64_t total = 0;
  bool any = false;
  while (true) {
    skip();
    if (i >= s.size()) break;
    size_t j = i;
    if (s[j] == '-' || s[j] == '+') ++j;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
    if (j == i) return std::nullopt;
    double v = std::strtod(s.substr(i, j - i).c_str(), nullptr);
    i = j;
    skip();
    j = i;
    while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
    std::string unit = s.substr(i, j - i);
    i = j;
    if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
    static const std::pair<const char*, int64_t> kUnits[] = {
        {"microsecond", 1}, {"millisecond", 1000}, {"second", 1000000}, {"minute", 60000000LL},
        {"hour", 3600000000LL}, {"day", 86400000000LL}, {"week", 7 * 86400000000LL}};
    int64_t mult = 0;
    for (const auto& [u, m] : kUnits) if (unit == u) mult = m;
    if (mult == 0) return std::nullopt;
    total += static_cast<int64_t>(v * double(mult));
    any = true;
  }
  if (!any) return std::nullopt;
  return total;
}
}  // namespace

std::optional<LibResult> resolve_date_fn(FnCall& c) {
  const std::string& n = c.n;
  const size_t na = c.na();
  const auto DATE = exact(DataType::date());
  const auto INT = exact(DataType::int_());
  if (n == "hour" || n == "minute" || n == "second") {  // GetTimeField over TimestampType
    if (na != 1) return c.wrong("1");
    return c.typed(n, {exact(DataType::timestamp())}, DataType::int_());
  }
  if (n == "datediff") {
    if (na != 2) return c.wrong("2");
    return c.typed(n, {DATE, DATE}, DataType::int_());
  }
  if (n == "date_add" || n == "date_sub") {
    if (na != 2) return c.wrong("2");
    auto days = ExpectedType::one_of({INT, exact(DataType::short_()), exact(DataType::byte_())});
    if (auto e = c.coerce(n, {DATE, days})) return *e;
    // The kernel reads INT days; widening SMALLINT/TINYINT is exact (an implicit cast).
    if (c.a[1]->type.id != TypeId::Int) c.a[1] = cast(c.a[1], DataType::int_(), false);
    return c.make(n, DataType::date(), c.any_nullable());
  }
  if (n == "add_months") {
    if (na != 2) return c.wrong("2");
    return c.typed(n, {DATE, INT}, DataType::date());
  }
  if (n == "last_day") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {DATE}, DataType::date());
  }
  if (n == "weekday") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {DATE}, DataType::int_());
  }
  if (n == "make_date") {  // non-ANSI: invalid fields give NULL, so always nullable
    if (na != 3) return c.wrong("3");
    return c.typed(n, {INT, INT, INT}, DataType::date(), true);
  }
  if (n == "unix_date") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {DATE}, DataType::int_());
  }
  if (n == "date_from_unix_date") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {INT}, DataType::date());
  }
  if (n == "unix_seconds" || n == "unix_millis" || n == "unix_micros") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {exact(DataType::timestamp())}, DataType::long_());
  }
  const auto TS = exact(DataType::timestamp());
  const auto STR = exact(DataType::string());
  // String, date or timestamp inputs (UnixTime / GetTimestamp's TypeCollection).
  const auto TIME_IN = ExpectedType::one_of({STR, DATE, TS, exact(DataType::timestamp_ntz())});
  const auto default_fmt = [&] { c.a.push_back(lit_string("yyyy-MM-dd HH:mm:ss")); };
  if (n == "timestamp_literal") {  // the parser's TIMESTAMP '...': CAST in the session zone at run time
    if (na != 1) return c.wrong("1");
    return c.typed(n, {STR}, DataType::timestamp(), true);
  }
  if (n == "date_diff") {  // DateDiff under its own name (Spark 3.5)
    if (na != 2) return c.wrong("2");
    return c.typed(n, {DATE, DATE}, DataType::int_());
  }
  if (n == "dateadd") {  // an alias shown as date_add
    c.n = "date_add";
    return resolve_date_fn(c);
  }
  if (n == "to_timestamp") {
    if (na != 1 && na != 2) return c.wrong("[1, 2]");
    if (na == 1) return c.make(n, DataType::timestamp(), true);  // CAST(x AS TIMESTAMP)
    return c.typed(n, {TIME_IN, STR}, DataType::timestamp(), true);
  }
  if (n == "to_timestamp_ltz" || n == "to_timestamp_ntz") {  // ParseToTimestamp of that type
    if (na != 1 && na != 2) return c.wrong("[1, 2]");
    const DataType t = n == "to_timestamp_ltz" ? DataType::timestamp() : DataType::timestamp_ntz();
    if (na == 1) return c.make(n, t, true);  // CAST(x AS t)
    return c.typed(n, {TIME_IN, STR}, t, true);
  }
  if (n == "unix_timestamp" || n == "to_unix_timestamp") {
    if (na > 2 || (na == 0 && n == "to_unix_timestamp")) return c.wrong(n == "unix_timestamp" ? "[0, 1, 2]" : "[1, 2]");
    if (na == 0) c.a.push_back(c.make("current_timestamp", DataType::timestamp(), false));
    if (c.na() == 1) default_fmt();
    return c.typed(n, {TIME_IN, STR}, DataType::long_(), true);
  }
  if (n == "from_unixtime") {
    if (na != 1 && na != 2) return c.wrong("[1, 2]");
    if (na == 1) default_fmt();
    return c.typed(n, {exact(DataType::long_()), STR}, DataType::string(), true);
  }
  if (n == "date_format") {
    if (na != 2) return c.wrong("2");
    return c.typed(n, {TS, STR}, DataType::string(), true);
  }
  if (n == "date_trunc") {
    if (na != 2) return c.wrong("2");
    return c.typed(n, {STR, TS}, DataType::timestamp(), true);
  }
  if (n == "trunc") {
    if (na != 2) return c.wrong("2");
    return c.typed(n, {DATE, STR}, DataType::date(), true);
  }
  if (n == "from_utc_timestamp" || n == "to_utc_timestamp") {
    if (na != 2) return c.wrong("2");
    return c.typed(n, {TS, STR}, DataType::timestamp(), true);
  }
  if (n == "months_between") {
    if (na != 2 && na != 3) return c.wrong("[2, 3]");
    if (na == 2) c.a.push_back(lit_bool(true));
    return c.typed(n, {TS, TS, exact(DataType::boolean())}, DataType::double_());
  }
  if (n == "next_day") {
    if (na != 2) return c.wrong("2");
    return c.typed(n, {DATE, STR}, DataType::date(), true);
  }
  if (n == "make_timestamp") {
    if (na != 6 && na != 7) return c.wrong("[6, 7]");
    std::vector<ExpectedType> want(5, INT);
    want.push_back(exact(DataType::decimal(16, 6)));
    if (na == 7) want.push_back(STR);
    return c.typed(n, want, DataType::timestamp(), true);
  }
  if (n == "window") {
    // TimeWindow(timeColumn, windowDuration[, slideDuration[, startTime]]): the tumbling window
    // struct<start, end> a row's time falls in (Spark's TimeWindowing), computed per row. The
    // durations ride as µs literals.
    if (na < 2 || na > 4) return c.wrong("[2, 3, 4]");
    if (auto e = c.coerce(n, {ExpectedType::of(ExpectedType::Kind::AnyTimestamp)})) return *e;
    int64_t d[3] = {0, 0, 0};
    for (size_t i = 1; i < c.na(); ++i) {
      const Expr& x = *c.a[i];
      std::optional<int64_t> us;
      if (x.kind == ExprKind::Literal && x.type.id == TypeId::String && !x.value.is_null()) us = duration_micros(x.value.as_string());
      if (!us || (i < 3 && *us <= 0))
        return generic_error("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE", "42K09",
                             "Cannot resolve " + to_sql_expr(c.shown(n)->sql()) + " due to data type mismatch: the " +
                                 (i == 1 ? "window duration" : i == 2 ? "slide duration" : "start time") +
                                 " must be a constant interval string of days, hours, minutes, seconds, "
                                 "milliseconds or microseconds (a positive one for durations); however, got " +
                                 to_sql_expr(x.sql()) + ".");
      d[i - 1] = *us;
    }
    if (d[1] == 0) d[1] = d[0];
    if (d[1] != d[0])
      return generic_error("UNSUPPORTED_FEATURE", "0A000",
                           "The feature is not supported: sliding time windows (a slide duration other than the window "
                           "duration; not in sparkpp's SQL engine yet).");
    const DataType tt = c.a[0]->type;
    c.a = {c.a[0], lit_long(d[0]), lit_long(d[1]), lit_long(d[2])};
    return c.make(n, DataType::structure({{"start", tt, true, "{}"}, {"end", tt, true, "{}"}}), true);
  }
  if (n == "make_interval" || n == "make_dt_interval" || n == "make_ym_interval") {
    // MakeInterval(years, months, weeks, days, hours, mins, secs), MakeDTInterval(days, hours,
    // mins, secs), MakeYMInterval(years, months): missing trailing fields are 0 (shown in names).
    const size_t full = n == "make_interval" ? 7 : n == "make_dt_interval" ? 4 : 2;
    if (na > full) return c.wrong(n == "make_interval" ? "[0, 1, 2, 3, 4, 5, 6, 7]" : n == "make_dt_interval" ? "[0, 1, 2, 3, 4]" : "[0, 1, 2]");
    const bool secs = full != 2;
    while (c.na() < full) {
      if (secs && c.na() == full - 1) { Value z; z.v = Value::Decimal{0}; c.a.push_back(lit(z, DataType::decimal(18, 6))); }
      else c.a.push_back(lit_int(0));
    }
    std::vector<ExpectedType> want(secs ? full - 1 : full, INT);
    if (secs) want.push_back(exact(DataType::decimal(18, 6)));
    DataType t = n == "make_interval" ? DataType::calendar_interval()
               : n == "make_dt_interval" ? DataType::day_time_interval() : DataType::year_month_interval();
    return c.typed(n, want, t, n == "make_interval");
  }
  if (n == "make_timestamp_ltz" || n == "make_timestamp_ntz") {
    if (na != 6 && (na != 7 || n == "make_timestamp_ntz")) return c.wrong(n == "make_timestamp_ntz" ? "6" : "[6, 7]");
    std::vector<ExpectedType> want(5, INT);
    want.push_back(exact(DataType::decimal(16, 6)));
    if (na == 7) want.push_back(STR);
    return c.typed(n, want, n == "make_timestamp_ntz" ? DataType::timestamp_ntz() : DataType::timestamp(), true);
  }
  if (n == "try_to_timestamp") {  // to_timestamp, which already gives NULL for text it cannot parse
    if (na != 1 && na != 2) return c.wrong("[1, 2]");
    if (na == 1) return c.typed(n, {TIME_IN}, DataType::timestamp(), true);
    return c.typed(n, {TIME_IN, STR}, DataType::timestamp(), true);
  }
  if (n == "convert_timezone") {  // ConvertTimezone([sourceTz,] targetTz, sourceTs TIMESTAMP_NTZ)
    if (na != 2 && na != 3) return c.wrong("[2, 3]");
    // Two arguments: the source is the session zone, read by the kernel.
    if (na == 2) return c.typed(n, {STR, exact(DataType::timestamp_ntz())}, DataType::timestamp_ntz(), true);
    return c.typed(n, {STR, STR, exact(DataType::timestamp_ntz())}, DataType::timestamp_ntz(), true);
  }
  if (n == "timestamp_seconds") {
    if (na != 1) return c.wrong("1");
    if (auto e = c.coerce(n, {ExpectedType::of(ExpectedType::Kind::AnyNumeric)})) return *e;
    // The kernels read LONG seconds, or DOUBLE for fractional types.
    const bool integral = c.a[0]->type.is_integral();
    if (c.a[0]->type.id != (integral ? TypeId::Long : TypeId::Double))
      c.a[0] = cast(c.a[0], integral ? DataType::long_() : DataType::double_(), false);
    return c.make(n, DataType::timestamp(), true);
  }
  if (n == "timestamp_millis" || n == "timestamp_micros") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {exact(DataType::long_())}, DataType::timestamp(), true);
  }
  if (n == "current_timestamp" || n == "now" || n == "localtimestamp" || n == "current_timezone") {
    if (na != 0) return c.wrong("0");
    // Replaced by literals computed once per query (SqlSession::prepare, ComputeCurrentTime).
    return c.make(n, n == "current_timezone" ? DataType::string() : n == "localtimestamp" ? DataType::timestamp_ntz() : DataType::timestamp(), false);
  }
  if (n == "extract" || n == "date_part" || n == "datepart") {
    if (na != 2) return c.wrong("2");
    const Expr& f = *c.a[0];
    if (f.kind != ExprKind::Literal || f.type.id != TypeId::String || f.value.is_null())
      return AnalysisError{"NON_FOLDABLE_ARGUMENT", "42K08", {{"funcName", "`" + n + "`"}, {"paramName", "`field`"}, {"paramType", "\"STRING\""}},
                           "[NON_FOLDABLE_ARGUMENT] The function `" + n + "` requires the parameter `field` to be a foldable expression of the type \"STRING\", but the actual argument is a non-foldable."};
    std::string u = f.value.as_string();
    for (auto& ch : u) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    // Spark's Extract field names and their synonyms; time fields read the timestamp.
    struct Field { std::vector<const char*> names; const char* part; bool time; };
    static const Field kFields[] = {
        {{"YEAR", "Y", "YEARS", "YR", "YRS"}, "year", false}, {{"YEAROFWEEK"}, "yearofweek", false},
        {{"QUARTER", "QTR"}, "quarter", false}, {{"MONTH", "MON", "MONS", "MONTHS"}, "month", false},
        {{"WEEK", "W", "WEEKS"}, "weekofyear", false}, {{"DAY", "D", "DAYS"}, "dayofmonth", false},
        {{"DAYOFWEEK", "DOW"}, "dayofweek", false}, {{"DAYOFWEEK_ISO", "DOW_ISO"}, "dayofweek_iso", false},
        {{"DOY"}, "dayofyear", false}, {{"HOUR", "H", "HOURS", "HR", "HRS"}, "hour", true},
        {{"MINUTE", "M", "MIN", "MINS", "MINUTES"}, "minute", true}, {{"SECOND", "S", "SEC", "SECONDS", "SECS"}, "second", true}};
    const Field* hit = nullptr;
    for (const auto& fd : kFields)
      for (const char* nm : fd.names)
        if (u == nm) hit = &fd;
    // ANSI intervals (ExtractIntervalPart): a field inside the interval's range, as Spark's
    // ExtractANSIInterval{Years,Months,Days,Hours,Minutes,Seconds}.
    const DataType& src = c.a[1]->type;
    if (src.id == TypeId::DayTimeInterval || src.id == TypeId::YearMonthInterval) {
      const bool ym = src.id == TypeId::YearMonthInterval;
      const std::string part = hit ? hit->part : "";
      int field = -1;
      if (ym) field = part == "year" ? 0 : part == "month" ? 1 : -1;
      else field = part == "dayofmonth" ? 0 : part == "hour" ? 1 : part == "minute" ? 2 : part == "second" ? 3 : -1;
      if (field < src.precision || field > src.interval_end())
        return AnalysisError{"INVALID_EXTRACT_FIELD", "42601", {{"field", "`" + f.value.as_string() + "`"}, {"expr", c.a[1]->sql()}},
                             "[INVALID_EXTRACT_FIELD] Cannot extract `" + f.value.as_string() + "` from " + c.a[1]->sql() + "."};
      static const char* const kYm[] = {"interval_years", "interval_months"};
      static const char* const kDt[] = {"interval_days", "interval_hours", "interval_minutes", "interval_seconds"};
      c.a.push_back(lit_string(ym ? kYm[field] : kDt[field]));
      const DataType t = ym ? (field == 0 ? DataType::int_() : DataType::byte_())
                            : field == 0 ? DataType::int_() : field == 3 ? DataType::decimal(8, 6) : DataType::byte_();
      return c.make(n, t, c.a[1]->nullable);
    }
    if (!hit)
      return AnalysisError{"INVALID_EXTRACT_FIELD", "42601", {{"field", "`" + f.value.as_string() + "`"}, {"expr", c.a[1]->sql()}},
                           "[INVALID_EXTRACT_FIELD] Cannot extract `" + f.value.as_string() + "` from " + c.a[1]->sql() + "."};
    if (auto e = c.coerce(n, {STR, hit->time ? TS : DATE})) return *e;
    // The field rides as a hidden third argument: the part to compute.
    c.a.push_back(lit_string(hit->part));
    const bool secs = std::string(hit->part) == "second";
    return c.make(n, secs ? DataType::decimal(8, 6) : DataType::int_(), c.a[1]->nullable);
  }
  return std::nullopt;
}

}  // namespace spp::sql
