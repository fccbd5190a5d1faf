// Date/time kernels (date_fns) vs hand-computed values: time parts of negative epochs and at a
// fixed session offset, date arithmetic over leap years and month ends, int wrap, NULLs.
#include <doctest/doctest.h>

#include <cmath>
#include <optional>

#include "sql/columnar/builder.h"
#include "sql/kernels/cast.h"
#include "sql/kernels/date_fns.h"

using namespace spp::sql;
using namespace spp::sql::kern;
using col::ColumnBuilder;

namespace {
template <typename T>
Vec fixed(TypeId id, std::vector<std::optional<T>> vals) {
  ColumnBuilder b(type_of(id));
  for (auto& v : vals) v ? b.append<T>(*v) : b.append_null();
  return Vec::flat(b.finish());
}
template <typename T>
std::vector<std::optional<T>> values(const Vec& v, int64_t n) {
  std::vector<std::optional<T>> out;
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = v.constant ? 0 : i;
    if (v.col->is_null(r)) out.push_back(std::nullopt);
    else out.push_back(v.col->vals<T>()[r]);
  }
  return out;
}
int32_t day(int y, unsigned m, unsigned d) { return days_from_civil(y, m, d); }
using OI = std::optional<int32_t>;
}  // namespace

TEST_CASE("time_field: hour/minute/second, negative epochs, session offset, NULL") {
  int64_t t1 = 1428498495LL * 1000000;  // 2015-04-08 13:08:15 UTC
  auto ts = fixed<int64_t>(TypeId::Timestamp, {t1, -1, std::nullopt, 0});
  CHECK(values<int32_t>(time_field(ts, TimeField::Hour, 4, 0), 4) == std::vector<OI>{13, 23, std::nullopt, 0});
  CHECK(values<int32_t>(time_field(ts, TimeField::Minute, 4, 0), 4) == std::vector<OI>{8, 59, std::nullopt, 0});
  CHECK(values<int32_t>(time_field(ts, TimeField::Second, 4, 0), 4) == std::vector<OI>{15, 59, std::nullopt, 0});
  // UTC-08:00: 13:08 becomes 05:08; the epoch is 16:00 the day before.
  CHECK(values<int32_t>(time_field(ts, TimeField::Hour, 4, -8 * 3600), 4) == std::vector<OI>{5, 15, std::nullopt, 16});
  // +05:45 moves minutes too.
  CHECK(values<int32_t>(time_field(ts, TimeField::Minute, 4, 5 * 3600 + 45 * 60), 4) ==
        std::vector<OI>{53, 44, std::nullopt, 45});
}

TEST_CASE("date_add_days / date_diff: NULLs, negative epochs, int wrap") {
  auto d = fixed<int32_t>(TypeId::Date, {day(2024, 2, 28), day(1969, 12, 31), std::nullopt, 2147483647});
  auto k = fixed<int32_t>(TypeId::Int, {2, -1, 1, 1});
  CHECK(values<int32_t>(date_add_days(d, k, 4, false), 4) ==
        std::vector<OI>{day(2024, 3, 1), day(1969, 12, 30), std::nullopt, -2147483647 - 1});
  CHECK(values<int32_t>(date_add_days(d, k, 4, true), 4) ==
        std::vector<OI>{day(2024, 2, 26), day(1970, 1, 1), std::nullopt, 2147483646});
  auto k2 = Vec::constant_of(fixed<int32_t>(TypeId::Int, {std::nullopt}).col);
  CHECK(values<int32_t>(date_add_days(d, k2, 4, false), 4) == std::vector<OI>(4, std::nullopt));
  auto s = fixed<int32_t>(TypeId::Date, {day(2023, 2, 28), day(1970, 1, 1), day(2000, 1, 1), day(1970, 1, 1)});
  CHECK(values<int32_t>(date_diff(d, s, 4), 4) == std::vector<OI>{365, -1, std::nullopt, 2147483647});
}

TEST_CASE("weekday, make_date validity, unix_seconds/millis floor negative epochs") {
  auto d = fixed<int32_t>(TypeId::Date, {day(2024, 2, 29), day(1970, 1, 1), day(1969, 12, 29), std::nullopt});
  CHECK(values<int32_t>(weekday(d, 4), 4) == std::vector<OI>{3, 3, 0, std::nullopt});
  auto y = fixed<int32_t>(TypeId::Int, {2024, 2023, 2013, 1900, 2000, std::nullopt});
  auto m = fixed<int32_t>(TypeId::Int, {2, 2, 13, 2, 12, 1});
  auto dd = fixed<int32_t>(TypeId::Int, {29, 29, 1, 29, 31, 1});
  CHECK(values<int32_t>(make_date(y, m, dd, 6), 6) ==
        std::vector<OI>{day(2024, 2, 29), std::nullopt, std::nullopt, std::nullopt, day(2000, 12, 31), std::nullopt});
  auto ts = fixed<int64_t>(TypeId::Timestamp, {-1, 1500000, -1000000, std::nullopt});
  using OL = std::optional<int64_t>;
  CHECK(values<int64_t>(timestamp_to_unit(ts, 1000000, 4), 4) == std::vector<OL>{-1, 1, -1, std::nullopt});
  CHECK(values<int64_t>(timestamp_to_unit(ts, 1000, 4), 4) == std::vector<OL>{-1, 1500, -1000, std::nullopt});
  CHECK(values<int64_t>(timestamp_to_unit(ts, 1, 4), 4) == std::vector<OL>{-1, 1500000, -1000000, std::nullopt});
}

TEST_CASE("add_months clamps to month ends; last_day over leap years") {
  auto d = fixed<int32_t>(TypeId::Date,
                          {day(2024, 1, 31), day(2023, 1, 31), day(1900, 1, 31), day(2000, 3, 31), day(1969, 12, 15), std::nullopt});
  auto k = fixed<int32_t>(TypeId::Int, {1, 1, 1, -1, -13, 1});
  CHECK(values<int32_t>(add_months(d, k, 6), 6) == std::vector<OI>{day(2024, 2, 29), day(2023, 2, 28), day(1900, 2, 28),
                                                                   day(2000, 2, 29), day(1968, 11, 15), std::nullopt});
  CHECK(values<int32_t>(last_day(d, 6), 6) == std::vector<OI>{day(2024, 1, 31), day(2023, 1, 31), day(1900, 1, 31),
                                                              day(2000, 3, 31), day(1969, 12, 31), std::nullopt});
  auto feb = fixed<int32_t>(TypeId::Date, {day(2024, 2, 1), day(2100, 2, 10), day(-1, 2, 3)});
  CHECK(values<int32_t>(last_day(feb, 3), 3) == std::vector<OI>{day(2024, 2, 29), day(2100, 2, 28), day(-1, 2, 28)});
}

namespace {
int64_t at(int y, unsigned m, unsigned d, int hh = 0, int mi = 0, int ss = 0, int us = 0) {
  return ((int64_t(day(y, m, d)) * 24 + hh) * 60 + mi) * 60000000LL + ss * 1000000LL + us;
}
using OL = std::optional<int64_t>;
TimeZone zone_of(const char* id) { return TimeZone::of(id).value(); }
}  // namespace

TEST_CASE("date_trunc / trunc: every level, invalid levels NULL, DST in the session zone") {
  auto ts = fixed<int64_t>(TypeId::Timestamp, {at(2015, 3, 5, 9, 32, 5, 359123), std::nullopt});
  auto one = [&](const char* f) { return values<int64_t>(date_trunc(ts, trunc_level(f), 2, 0), 2)[0]; };
  CHECK(one("YEAR") == OL(at(2015, 1, 1)));
  CHECK(one("yy") == OL(at(2015, 1, 1)));
  CHECK(one("quarter") == OL(at(2015, 1, 1)));
  CHECK(one("MM") == OL(at(2015, 3, 1)));
  CHECK(one("mon") == OL(at(2015, 3, 1)));
  CHECK(one("WEEK") == OL(at(2015, 3, 2)));  // Monday
  CHECK(one("DD") == OL(at(2015, 3, 5)));
  CHECK(one("HOUR") == OL(at(2015, 3, 5, 9)));
  CHECK(one("minute") == OL(at(2015, 3, 5, 9, 32)));
  CHECK(one("SECOND") == OL(at(2015, 3, 5, 9, 32, 5)));
  CHECK(one("MILLISECOND") == OL(at(2015, 3, 5, 9, 32, 5, 359000)));
  CHECK(one("MICROSECOND") == OL(at(2015, 3, 5, 9, 32, 5, 359123)));
  CHECK(one("decade") == std::nullopt);
  CHECK(values<int64_t>(date_trunc(ts, TruncLevel::Year, 2, 0), 2)[1] == std::nullopt);
  // Negative epochs floor: 1969-12-31 23:59:59.5 -> the second before.
  auto neg = fixed<int64_t>(TypeId::Timestamp, {-500000});
  CHECK(values<int64_t>(date_trunc(neg, TruncLevel::Second, 1, 0), 1)[0] == OL(-1000000));
  // Los Angeles: 2024-03-10 12:00 UTC is 05:00 PDT; its day began at 00:00 PST (08:00 UTC).
  TimeZone la = zone_of("America/Los_Angeles");
  auto dst = fixed<int64_t>(TypeId::Timestamp, {at(2024, 3, 10, 12), at(2024, 11, 3, 9, 30)});
  CHECK(values<int64_t>(date_trunc(dst, TruncLevel::Day, 2, la), 2)[0] == OL(at(2024, 3, 10, 8)));
  // 01:30 PST (the overlap's second pass) keeps its offset: 01:00 PST = 09:00 UTC.
  CHECK(values<int64_t>(date_trunc(dst, TruncLevel::Hour, 2, la), 2)[1] == OL(at(2024, 11, 3, 9)));
  auto d = fixed<int32_t>(TypeId::Date, {day(2015, 3, 5), std::nullopt});
  CHECK(values<int32_t>(trunc_date(d, trunc_level("MM"), 2), 2) == std::vector<OI>{day(2015, 3, 1), std::nullopt});
  CHECK(values<int32_t>(trunc_date(d, trunc_level("year"), 2), 2)[0] == OI(day(2015, 1, 1)));
  CHECK(values<int32_t>(trunc_date(d, trunc_level("week"), 2), 2)[0] == OI(day(2015, 3, 2)));
  CHECK(values<int32_t>(trunc_date(d, trunc_level("DD"), 2), 2)[0] == std::nullopt);  // finer than a week
}

TEST_CASE("months_between (roundOff), next_day, make_timestamp, timestamp_*, convert_tz, extract parts") {
  auto a = fixed<int64_t>(TypeId::Timestamp, {at(1997, 2, 28, 10, 30), at(2024, 3, 31), at(2024, 1, 15, 5), std::nullopt});
  auto b = fixed<int64_t>(TypeId::Timestamp, {at(1996, 10, 30), at(2024, 2, 29), at(2023, 11, 15, 23), at(2020, 1, 1)});
  auto r = values<double>(months_between(a, b, true, 4, 0), 4);
  CHECK(r[0] == std::optional<double>(3.94959677));
  CHECK(r[1] == std::optional<double>(1.0));  // both month ends
  CHECK(r[2] == std::optional<double>(2.0));  // same day of month: the time is ignored
  CHECK(r[3] == std::nullopt);
  CHECK(values<double>(months_between(a, b, false, 1, 0), 1)[0] == std::optional<double>(3.9495967741935485));

  auto d = fixed<int32_t>(TypeId::Date, {day(2015, 7, 27), day(2015, 7, 27), day(2015, 7, 27), std::nullopt});
  auto w = col::ColumnBuilder(type_of(TypeId::String));
  for (const char* s : {"Sun", "MONDAY", "xx", "mo"}) w.append_str(s);
  CHECK(values<int32_t>(next_day(d, Vec::flat(w.finish()), 4), 4) == std::vector<OI>{day(2015, 8, 2), day(2015, 8, 3), std::nullopt, std::nullopt});

  auto ints = [](std::vector<std::optional<int32_t>> v) { return fixed<int32_t>(TypeId::Int, v); };
  ColumnBuilder sb(std::make_shared<col::ColType>(col::ColType::decimal(16, 6)));
  for (__int128 s : {__int128(45887000), __int128(60000000), __int128(60500000), __int128(0)}) sb.append<__int128>(s);
  std::vector<Vec> f{ints({2014, 2014, 2014, 2023}), ints({12, 12, 12, 2}), ints({28, 31, 28, 29}), ints({6, 23, 6, 0}),
                     ints({30, 59, 30, 0}), Vec::flat(sb.finish())};
  TimeZone la = zone_of("America/Los_Angeles");
  CHECK(values<int64_t>(make_timestamp(f, nullptr, 4, la), 4) ==
        std::vector<OL>{at(2014, 12, 28, 14, 30, 45, 887000), at(2015, 1, 1, 8), std::nullopt, std::nullopt});
  ColumnBuilder zb(type_of(TypeId::String));
  for (const char* z : {"CET", "UTC", "CET", "Nowhere/Land"}) zb.append_str(z);
  Vec zones = Vec::flat(zb.finish());
  CHECK(values<int64_t>(make_timestamp(f, &zones, 4, la), 4)[0] == OL(at(2014, 12, 28, 5, 30, 45, 887000)));

  auto secs = fixed<int64_t>(TypeId::Long, {1230219000, -1, INT64_MAX, std::nullopt});
  CHECK(values<int64_t>(timestamp_from_integral(secs, 1000000, 4), 4) == std::vector<OL>{1230219000000000LL, -1000000, std::nullopt, std::nullopt});
  auto dbl = fixed<double>(TypeId::Double, {1230219000.123, -0.5, std::nan(""), 1e300});
  CHECK(values<int64_t>(timestamp_from_double_seconds(dbl, 4), 4) == std::vector<OL>{1230219000123000LL, -500000, std::nullopt, std::nullopt});

  auto ts = fixed<int64_t>(TypeId::Timestamp, {at(2017, 7, 14, 2, 40), at(2024, 3, 10, 2, 30)});
  ColumnBuilder tzb(type_of(TypeId::String));
  for (const char* z : {"GMT+1", "America/Los_Angeles"}) tzb.append_str(z);
  Vec tzs = Vec::flat(tzb.finish());
  CHECK(values<int64_t>(convert_tz(ts, tzs, true, 2), 2) == std::vector<OL>{at(2017, 7, 14, 3, 40), at(2024, 3, 9, 18, 30)});
  // To UTC: 02:30 does not exist in Los Angeles that day: 03:30 PDT = 10:30 UTC.
  CHECK(values<int64_t>(convert_tz(ts, tzs, false, 2), 2) == std::vector<OL>{at(2017, 7, 14, 1, 40), at(2024, 3, 10, 10, 30)});

  auto days = fixed<int32_t>(TypeId::Date, {day(2021, 1, 1), day(2021, 1, 3), day(2024, 12, 30)});
  CHECK(values<int32_t>(extra_field(days, ExtraField::YearOfWeek, 3, 0), 3) == std::vector<OI>{2020, 2020, 2025});
  CHECK(values<int32_t>(extra_field(days, ExtraField::DayOfWeekIso, 3, 0), 3) == std::vector<OI>{5, 7, 1});
  auto sec = fixed<int64_t>(TypeId::Timestamp, {at(2015, 4, 8, 13, 8, 15, 5), -1});
  auto sf = extra_field(sec, ExtraField::SecondsFraction, 2, 0);
  CHECK(sf.col->vals<__int128>()[0] == __int128(15000005));
  CHECK(sf.col->vals<__int128>()[1] == __int128(59999999));
}
