// Date/time library calls -> date_fns kernels; time parts take the session time zone from the
// evaluation context (EvalContext::cast, spark.sql.session.timeZone as a fixed offset).
#include "sql/exec/library.h"

#include <cmath>
#include <optional>

#include "sql/columnar/builder.h"
#include "sql/exec/datetime_pattern.h"
#include "sql/kernels/cast.h"
#include "sql/kernels/date_fns.h"
#include "sql/kernels/fn_util.h"

namespace spp::sql::exec::lib {

namespace {
using kern::Vec;
using A = std::vector<Vec>;
using col::TypeId;
constexpr int64_t kUsDay = 86400LL * 1000000;
int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }
Result<ExprPtr> fail(const std::string& m) { return Result<ExprPtr>::error(m); }

// The constant datetime pattern at a[i]: compiled once (an invalid pattern fails the query, as
// Spark's analysis does); a NULL pattern makes every row NULL.
struct PatternArg {
  std::shared_ptr<const DateTimePattern> p;  // null: the pattern is NULL
};
Result<PatternArg> pattern_arg(const std::vector<ExprPtr>& a, size_t i, const std::string& fn) {
  const col::Column* c = literal(a, i);
  if (!c) return Result<PatternArg>::error(fn + " with a format that is not a constant is not supported by the native engine yet");
  if (c->is_null(0)) return PatternArg{};
  auto p = DateTimePattern::compile(c->str(0));
  if (!p) return Result<PatternArg>::error(p.error_message());
  return PatternArg{std::make_shared<const DateTimePattern>(std::move(p.value()))};
}

// EXTRACT of an ANSI interval's field: Java's truncating / and % of its months or µs, so a
// negative interval gives negative parts (-26 hours: day -1, hour -2).
Result<ExprPtr> extract_interval_part(const std::string& part, std::vector<ExprPtr> src, const col::ColTypePtr& type) {
  const bool ym = part == "interval_years" || part == "interval_months";
  return bind_kernel(src, type, [part, ym, type](const A& x, int64_t n, const EvalContext&) {
    auto out = kern::new_fixed(type, n);
    kern::set_validity(*out, kern::copy_validity(x[0], n));
    const col::Column& c = *x[0].col;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r = x[0].constant ? 0 : i;
      if (c.is_null(r)) continue;
      if (ym) {
        const int32_t m = c.vals<int32_t>()[r];
        if (part == "interval_years") out->values->as<int32_t>()[i] = m / 12;
        else out->values->as<int8_t>()[i] = int8_t(m % 12);
        continue;
      }
      const int64_t us = c.vals<int64_t>()[r];
      if (part == "interval_days") out->values->as<int32_t>()[i] = int32_t(us / kUsDay);
      else if (part == "interval_hours") out->values->as<int8_t>()[i] = int8_t(us % kUsDay / 3600000000LL);
      else if (part == "interval_minutes") out->values->as<int8_t>()[i] = int8_t(us % 3600000000LL / 60000000LL);
      else out->values->as<__int128>()[i] = us % 60000000LL;  // decimal(8, 6): the µs are its unscaled value
    }
    return Vec::flat(out);
  });
}

// What a pattern-based parse yields per input type: the instant (to_timestamp, unix_timestamp)
// or the local date (to_date) in the session zone.
enum class ParseTo { Instant, Seconds, Date };
Vec parse_kernel(const Vec& x, TypeId in, const DateTimePattern* p, ParseTo to, int64_t n, const kern::TimeZone& tz) {
  auto out_type = kern::type_of(to == ParseTo::Date ? TypeId::Date : to == ParseTo::Seconds ? TypeId::Long : TypeId::Timestamp);
  auto finish = [&](int64_t utc, bool is_local_date, int32_t days, auto& o) {
    using O = std::remove_reference_t<decltype(o)>;
    if (to == ParseTo::Date) o = O(is_local_date ? days : floor_div(tz.to_local(utc), kUsDay));
    else if (to == ParseTo::Seconds) o = O(floor_div(utc, 1000000));
    else o = O(utc);
  };
  auto run = [&](auto tag) {
    using O = decltype(tag);
    if (in == TypeId::String) {
      kern::StrArg S(x);
      return kern::gen_fixed<O>(out_type, n, [&](int64_t i, O& o) {
        if (S.null(i) || !p) return false;
        auto r = p->parse(S[i]);
        if (!r) return false;
        if (to == ParseTo::Date && !r->has_offset) { finish(0, true, int32_t(floor_div(r->micros, kUsDay)), o); return true; }
        finish(r->has_offset ? r->micros - r->offset_seconds * 1000000 : tz.to_utc(r->micros), false, 0, o);
        return true;
      });
    }
    if (in == TypeId::Date) {
      kern::FixArg<int32_t> D(x);
      return kern::gen_fixed<O>(out_type, n, [&](int64_t i, O& o) {
        if (D.null(i) || !p) return false;
        if (to == ParseTo::Date) finish(0, true, D[i], o);
        else finish(tz.to_utc(int64_t(D[i]) * kUsDay), false, 0, o);
        return true;
      });
    }
    kern::FixArg<int64_t> T(x);
    const bool ntz = in == TypeId::TimestampNtz;
    return kern::gen_fixed<O>(out_type, n, [&](int64_t i, O& o) {
      if (T.null(i) || !p) return false;
      if (ntz && to == ParseTo::Date) finish(0, true, int32_t(floor_div(T[i], kUsDay)), o);
      else if (ntz && to == ParseTo::Seconds) o = O(floor_div(T[i], 1000000));
      else finish(ntz ? tz.to_utc(T[i]) : T[i], false, 0, o);
      return true;
    });
  };
  if (to == ParseTo::Date) return run(int32_t{});
  return run(int64_t{});
}

// Timestamps (or epoch seconds) shown with a pattern in the session zone.
Vec format_kernel(const Vec& x, bool seconds, const DateTimePattern* p, int64_t n, const kern::TimeZone& tz) {
  kern::FixArg<int64_t> T(x);
  return kern::gen_str(n, [&](int64_t i, std::string& out) {
    if (T.null(i) || !p) return false;
    int64_t u = T[i];
    if (seconds && __builtin_mul_overflow(T[i], int64_t{1000000}, &u)) return false;
    p->format(tz.to_local(u), tz.offset_at(u), out);
    return true;
  });
}
// convert_timezone(sourceTz, targetTz, ts TIMESTAMP_NTZ): the wall clock of sourceTz seen in
// targetTz (DateTimeUtils.convertTimestampNtzToAnotherTz); an unknown zone gives NULL. Zones are
// looked up once per distinct name in the batch.
Vec convert_timezone(const A& x, const col::ColTypePtr& type, int64_t n, const kern::TimeZone& session) {
  const bool two = x.size() == 2;  // convert_timezone(targetTz, ts): from the session zone
  kern::StrArg S(x[0]), D(x[two ? 0 : 1]);
  kern::FixArg<int64_t> T(x[two ? 1 : 2]);
  std::string last_s = "\x01", last_d = "\x01";
  std::optional<kern::TimeZone> zs, zd;
  auto zone = [](std::string_view name, std::string& last, std::optional<kern::TimeZone>& z) {
    if (name != last) {
      last = std::string(name);
      auto r = kern::TimeZone::of(name);
      z = r ? std::optional<kern::TimeZone>(r.value()) : std::nullopt;
    }
    return z.has_value();
  };
  return kern::gen_fixed<int64_t>(type, n, [&](int64_t i, int64_t& o) {
    if ((!two && S.null(i)) || D.null(i) || T.null(i)) return false;
    if (two) zs = session;
    else if (!zone(S[i], last_s, zs)) return false;
    if (!zone(D[i], last_d, zd)) return false;
    o = zd->to_local(zs->to_utc(T[i]));
    return true;
  });
}
}  // namespace

std::optional<Result<ExprPtr>> lower_date_call(const std::string& name, std::vector<ExprPtr>& a,
                                               const col::ColTypePtr& type) {
  for (auto [nm, f] : {std::pair{"hour", kern::TimeField::Hour}, std::pair{"minute", kern::TimeField::Minute},
                       std::pair{"second", kern::TimeField::Second}})
    if (name == nm)
      return bind_kernel(a, type, [f](const A& x, int64_t n, const EvalContext& ctx) {
        return kern::time_field(x[0], f, n, ctx.cast.tz);
      });
  if (name == "date_add" || name == "date_sub") {
    bool sub = name == "date_sub";
    return bind_kernel(a, type, [sub](const A& x, int64_t n, const EvalContext&) { return kern::date_add_days(x[0], x[1], n, sub); });
  }
  if (name == "datediff")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::date_diff(x[0], x[1], n); });
  if (name == "add_months")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::add_months(x[0], x[1], n); });
  if (name == "last_day")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::last_day(x[0], n); });
  if (name == "weekday")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::weekday(x[0], n); });
  if (name == "make_date")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::make_date(x[0], x[1], x[2], n); });
  // DATE and INT share the int32 day count: unix_date / date_from_unix_date only retype it.
  if (name == "unix_date" || name == "date_from_unix_date") {
    col::TypeId to = name == "unix_date" ? col::TypeId::Int : col::TypeId::Date;
    return bind_kernel(a, type, [to](const A& x, int64_t n, const EvalContext&) { return kern::retype_days(x[0], to, n); });
  }
  if (name == "date_diff")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::date_diff(x[0], x[1], n); });
  if ((name == "to_timestamp" && a.size() == 1) || name == "timestamp_literal") return call(Fn::Cast, {a[0]}, type);  // CAST(x AS TIMESTAMP)
  if (name == "to_timestamp" || name == "to_date" || name == "unix_timestamp" || name == "to_unix_timestamp") {
    auto pat = pattern_arg(a, 1, name);
    if (!pat) return fail(pat.error_message());
    const ParseTo to = name == "to_timestamp" ? ParseTo::Instant : name == "to_date" ? ParseTo::Date : ParseTo::Seconds;
    const TypeId in = a[0]->type->id;
    return bind_kernel({a[0]}, type, [p = pat.value().p, to, in](const A& x, int64_t n, const EvalContext& ctx) {
      return parse_kernel(x[0], in, p.get(), to, n, ctx.cast.tz);
    });
  }
  if (name == "date_format" || name == "from_unixtime") {
    auto pat = pattern_arg(a, 1, name);
    if (!pat) return fail(pat.error_message());
    const bool secs = name == "from_unixtime";
    return bind_kernel({a[0]}, type, [p = pat.value().p, secs](const A& x, int64_t n, const EvalContext& ctx) {
      return format_kernel(x[0], secs, p.get(), n, ctx.cast.tz);
    });
  }
  if (name == "date_trunc" || name == "trunc") {
    const bool ts = name == "date_trunc";
    const col::Column* f = literal(a, ts ? 0 : 1);
    if (!f) return fail(name + " with a format that is not a constant is not supported by the native engine yet");
    const kern::TruncLevel level = f->is_null(0) ? kern::TruncLevel::Invalid : kern::trunc_level(f->str(0));
    if (ts)
      return bind_kernel({a[1]}, type, [level](const A& x, int64_t n, const EvalContext& ctx) { return kern::date_trunc(x[0], level, n, ctx.cast.tz); });
    return bind_kernel({a[0]}, type, [level](const A& x, int64_t n, const EvalContext&) { return kern::trunc_date(x[0], level, n); });
  }
  if (name == "months_between") {
    const col::Column* r = literal(a, 2);
    if (!r) return fail("months_between with a roundOff that is not a constant is not supported by the native engine yet");
    const bool round_off = r->is_null(0) || r->bool_at(0);
    return bind_kernel({a[0], a[1]}, type, [round_off](const A& x, int64_t n, const EvalContext& ctx) {
      return kern::months_between(x[0], x[1], round_off, n, ctx.cast.tz);
    });
  }
  if (name == "next_day")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::next_day(x[0], x[1], n); });
  if (name == "make_timestamp" || name == "make_timestamp_ltz")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext& ctx) {
      return kern::make_timestamp(x, x.size() == 7 ? &x[6] : nullptr, n, ctx.cast.tz);
    });
  if (name == "make_timestamp_ntz")  // the wall clock itself: the fields read in UTC
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) {
      Vec v = kern::make_timestamp(x, nullptr, n, kern::TimeZone(0));
      auto c = std::make_shared<col::Column>(*v.col);
      c->type = type;  // TIMESTAMP_NTZ: the same µs
      return Vec{c, v.constant};
    });
  if (name == "try_to_timestamp" || name == "to_timestamp_ltz") {  // to_timestamp already gives NULL for text it cannot parse
    std::string nm = "to_timestamp";
    return lower_date_call(nm, a, type);
  }
  if (name == "to_timestamp_ntz") {
    if (a.size() == 1) return call(Fn::Cast, {a[0]}, type);  // CAST(x AS TIMESTAMP_NTZ)
    auto pat = pattern_arg(a, 1, name);
    if (!pat) return fail(pat.error_message());
    // GetTimestamp(.., TimestampNTZType): text is read as a wall clock (in UTC here, the same
    // µs); a date is its midnight in the session zone and a timestamp keeps its µs, as Spark's.
    const TypeId in = a[0]->type->id;
    return bind_kernel({a[0]}, type, [p = pat.value().p, in, type](const A& x, int64_t n, const EvalContext& ctx) {
      Vec v = parse_kernel(x[0], in, p.get(), ParseTo::Instant, n, in == TypeId::String ? kern::TimeZone(0) : ctx.cast.tz);
      auto c = std::make_shared<col::Column>(*v.col);
      c->type = type;
      return Vec{c, v.constant};
    });
  }
  if (name == "window") {  // struct<start, end>: start = ts - (ts - startTime) mod slide
    int64_t w[3] = {0, 0, 0};
    for (size_t i = 1; i < 4 && i < a.size(); ++i) {
      const col::Column* l = literal(a, i);
      if (!l || l->is_null(0)) return fail("window without its constant durations");
      w[i - 1] = l->vals<int64_t>()[0];
    }
    if (w[0] <= 0 || w[1] <= 0) return fail("window durations must be positive");
    return bind_kernel({a[0]}, type, [w0 = w[0], slide = w[1], start = w[2], type](const A& x, int64_t n, const EvalContext&) {
      kern::FixArg<int64_t> T(x[0]);
      col::ColumnBuilder b(type);
      for (int64_t i = 0; i < n; ++i) {
        if (T.null(i)) { b.append_null(); continue; }
        int64_t m = (T[i] - start) % slide;
        if (m < 0) m += slide;
        const int64_t ws = T[i] - m;
        b.child(0).append<int64_t>(ws);
        b.child(1).append<int64_t>(ws + w0);
        b.finish_struct();
      }
      return Vec::flat(b.finish());
    });
  }
  if (name == "convert_timezone")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext& ctx) { return convert_timezone(x, type, n, ctx.cast.tz); });
  if (name == "timestamp_seconds" && a[0]->type->id == TypeId::Double)
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::timestamp_from_double_seconds(x[0], n); });
  for (auto [nm, unit] : {std::pair{"timestamp_seconds", int64_t{1000000}}, std::pair{"timestamp_millis", int64_t{1000}},
                          std::pair{"timestamp_micros", int64_t{1}}})
    if (name == nm)
      return bind_kernel(a, type, [unit](const A& x, int64_t n, const EvalContext&) { return kern::timestamp_from_integral(x[0], unit, n); });
  if (name == "from_utc_timestamp" || name == "to_utc_timestamp") {
    const bool from = name == "from_utc_timestamp";
    return bind_kernel(a, type, [from](const A& x, int64_t n, const EvalContext&) { return kern::convert_tz(x[0], x[1], from, n); });
  }
  if (name == "extract" || name == "date_part" || name == "datepart") {
    const col::Column* part = literal(a, 2);
    if (!part) return fail("extract without its part");
    const std::string pn(part->str(0));
    std::vector<ExprPtr> src{a[1]};
    if (pn.rfind("interval_", 0) == 0) return extract_interval_part(pn, src, type);
    if (pn == "yearofweek" || pn == "dayofweek_iso" || pn == "second") {
      const auto f = pn == "yearofweek" ? kern::ExtraField::YearOfWeek : pn == "second" ? kern::ExtraField::SecondsFraction : kern::ExtraField::DayOfWeekIso;
      return bind_kernel(src, type, [f](const A& x, int64_t n, const EvalContext& ctx) { return kern::extra_field(x[0], f, n, ctx.cast.tz); });
    }
    if (pn == "year") return call(Fn::Year, src, type);
    if (pn == "month") return call(Fn::Month, src, type);
    if (pn == "dayofmonth") return call(Fn::DayOfMonth, src, type);
    if (auto r = lower_library_call(pn, src, type)) return std::move(*r);
    return fail("extract: no part " + pn);
  }
  for (auto [nm, unit] : {std::pair{"unix_seconds", int64_t{1000000}}, std::pair{"unix_millis", int64_t{1000}},
                          std::pair{"unix_micros", int64_t{1}}})
    if (name == nm)
      return bind_kernel(a, type, [unit](const A& x, int64_t n, const EvalContext&) { return kern::timestamp_to_unit(x[0], unit, n); });
  return std::nullopt;
}

}  // namespace spp::sql::exec::lib
