// TimeZone (kernels/timezone.h) vs java.time's answers: Spark's zone id grammar, a region's DST
// transitions (offsets at instants, gaps moving later, overlaps taking the earlier offset), LMT
// before the first transition, rules past the cached table, and CAST through a region.
#include <doctest/doctest.h>

#include <optional>

#include "sql/kernels/cast.h"
#include "sql/kernels/timezone.h"

using namespace spp::sql::kern;

namespace {
constexpr int64_t kUs = 1000000;
int64_t local(int y, unsigned m, unsigned d, int hh, int mm) { return (int64_t(days_from_civil(y, m, d)) * 86400 + hh * 3600 + mm * 60) * kUs; }
TimeZone zone(const char* id) {
  auto z = TimeZone::of(id);
  REQUIRE_MESSAGE(bool(z), id);
  return z.value();
}
}  // namespace

TEST_CASE("TimeZone::of: offsets, UTC/GMT prefixes, short ids, regions, errors") {
  CHECK(zone("+08:00").offset_at(0) == 8 * 3600);
  CHECK(zone("+8:00").offset_at(0) == 8 * 3600);  // Spark pads +h:mm
  CHECK(zone("-05:3").offset_at(0) == -(5 * 3600 + 3 * 60));  // and +hh:m
  CHECK(zone("+0530").offset_at(0) == 5 * 3600 + 30 * 60);
  CHECK(zone("Z").offset_at(0) == 0);
  CHECK(zone("UTC").offset_at(0) == 0);
  CHECK(zone("GMT+1").offset_at(0) == 3600);
  CHECK(zone("UTC-10:30").offset_at(0) == -(10 * 3600 + 30 * 60));
  CHECK(zone("EST").offset_at(0) == -5 * 3600);
  CHECK(zone("Asia/Kolkata").offset_at(local(2024, 1, 1, 0, 0)) == 5 * 3600 + 30 * 60);
  CHECK(zone("PST").id() == "PST");  // the id as the user wrote it (current_timezone())
  CHECK(zone("PST").offset_at(local(2024, 7, 1, 0, 0)) == -7 * 3600);
  auto bad = TimeZone::of("Mars/Olympus");
  REQUIRE_FALSE(bool(bad));
  CHECK(bad.error_message() == "Unknown time-zone ID: Mars/Olympus");
  CHECK_FALSE(bool(TimeZone::of("+19:00")));
  CHECK_FALSE(bool(TimeZone::of("+1:2:3")));
  CHECK_FALSE(bool(TimeZone::of("")));
}

TEST_CASE("TimeZone: America/Los_Angeles across DST, LMT, far future") {
  TimeZone la = zone("America/Los_Angeles");
  const int64_t spring = 1710064800 * kUs;  // 2024-03-10 10:00:00 UTC: 02:00 PST -> 03:00 PDT
  CHECK(la.offset_at(spring - 1) == -8 * 3600);
  CHECK(la.offset_at(spring) == -7 * 3600);
  CHECK(la.to_local(spring) == local(2024, 3, 10, 3, 0));
  // A wall-clock time in the gap moves later by the gap (ZonedDateTime.of): 02:30 -> 03:30 PDT.
  CHECK(la.to_utc(local(2024, 3, 10, 2, 30)) == spring + 30 * 60 * kUs);
  CHECK(la.to_utc(local(2024, 3, 10, 1, 59)) == spring - 60 * kUs);
  // The overlap takes the earlier offset (PDT): 01:30 on 2024-11-03 is 08:30 UTC.
  CHECK(la.to_utc(local(2024, 11, 3, 1, 30)) == local(2024, 11, 3, 8, 30));
  CHECK(la.to_utc(local(2024, 11, 3, 2, 0)) == local(2024, 11, 3, 10, 0));
  CHECK(la.to_utc(local(2024, 7, 1, 0, 0)) == local(2024, 7, 1, 7, 0));
  // Local mean time before 1883-11-18: -7:52:58.
  CHECK(la.offset_at(local(1800, 1, 1, 0, 0)) == -(7 * 3600 + 52 * 60 + 58));
  CHECK(la.to_utc(local(1850, 6, 1, 0, 0)) == local(1850, 6, 1, 7, 52) + 58 * kUs);
  // Past the TZif transitions (2037) the rules still apply, as java.time.
  CHECK(la.offset_at(local(2500, 7, 1, 0, 0)) == -7 * 3600);
  CHECK(la.offset_at(local(2500, 1, 1, 0, 0)) == -8 * 3600);
  CHECK(la.to_utc(local(2500, 7, 1, 0, 0)) == local(2500, 7, 1, 7, 0));
  // Far past date's year range (|year| <= 32767): July of year 220100 (544 Gregorian cycles after
  // 2500) is still PDT, and to_utc ends (it recursed without end before: fuzz_sql_csv).
  const int64_t cycles = int64_t{544} * 146097 * 86400 * kUs;
  CHECK(la.offset_at(local(2500, 7, 1, 0, 0) + cycles) == -7 * 3600);
  CHECK(la.to_utc(local(2500, 7, 1, 0, 0) + cycles) == local(2500, 7, 1, 7, 0) + cycles);
  CHECK(la.to_utc(local(2500, 1, 1, 0, 0) + cycles) == local(2500, 1, 1, 8, 0) + cycles);
  // Negative epochs: 1969-12-31 16:00 PST is the epoch.
  CHECK(la.to_local(0) == local(1969, 12, 31, 16, 0));
}

TEST_CASE("CAST string <-> timestamp through a region") {
  TimeZone la = zone("America/Los_Angeles");
  CHECK(parse_timestamp("2024-03-10 02:30:00", la) == std::optional<int64_t>(1710064800 * kUs + 30 * 60 * kUs));
  CHECK(parse_timestamp("2024-07-01", la) == std::optional<int64_t>(local(2024, 7, 1, 7, 0)));
  // A zone after the time wins: an offset, a region, UTC.
  CHECK(parse_timestamp("2024-07-01 00:00:00+02:00", la) == std::optional<int64_t>(local(2024, 6, 30, 22, 0)));
  CHECK(parse_timestamp("2024-07-01 00:00:00 Asia/Tokyo", la) == std::optional<int64_t>(local(2024, 6, 30, 15, 0)));
  CHECK(parse_timestamp("2024-07-01T00:00:00Z", la) == std::optional<int64_t>(local(2024, 7, 1, 0, 0)));
  CHECK_FALSE(parse_timestamp("2024-07-01 00:00:00 Nowhere/City", la).has_value());
  CHECK(timestamp_to_string(local(2024, 11, 3, 9, 30), la) == "2024-11-03 01:30:00");  // PST, after the overlap
  CHECK(timestamp_to_string(local(2024, 11, 3, 8, 30), la) == "2024-11-03 01:30:00");  // PDT
  CHECK(timestamp_to_string(local(2024, 1, 1, 0, 0) + 5, la) == "2023-12-31 16:00:00.000005");
}
