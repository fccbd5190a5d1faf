// Date/time kernels (date_fns) vs hand-computed values: time parts of negative epochs and at a
// fixed session offset, date arithmetic over leap years and month ends, int wrap, NULLs.
#include <doctest/doctest.h>

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
