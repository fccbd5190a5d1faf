// The session time zone (spark.sql.session.timeZone) as Spark resolves it (DateTimeUtils.getZoneId:
// ZoneId.of(id, SHORT_IDS) after padding `+h:mm` / `+hh:m`): a fixed offset (`+08:00`, `Z`, `UTC`,
// `GMT+8`, `EST`) or a tz database region (`America/Los_Angeles`, from the system tzdata through
// Debian's libhowardhinnant-date). A region's UTC offsets are read once per zone into a table of
// transitions (years 1800-2400; beyond it the database is asked per value) shared by every
// kernel: conversions are a binary search, no allocation, safe from many threads.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace spp::sql::kern {

struct ZoneRules;  // a region's transitions (timezone.cpp)

class TimeZone {
 public:
  // A fixed offset east of UTC (implicit: an offset in seconds is a zone; 0 is UTC).
  TimeZone(int64_t fixed_offset_seconds = 0) : fixed_(fixed_offset_seconds) {}  // NOLINT
  // Spark's getZoneId; an unknown id is an error with Java's text (`Unknown time-zone ID: x`,
  // `Invalid ID for ZoneOffset, …`). Regions are loaded once per process and cached.
  static Result<TimeZone> of(std::string_view id);

  bool is_fixed() const { return !rules_; }
  // The offset (seconds east of UTC) in force at the instant `utc_micros`.
  int64_t offset_at(int64_t utc_micros) const;
  // Wall-clock micros of an instant in this zone.
  int64_t to_local(int64_t utc_micros) const { return utc_micros + offset_at(utc_micros) * 1000000; }
  // The instant of a wall-clock time, as java.time's ZonedDateTime.of(local, zone): in a DST gap
  // the time moves later by the gap's length, in an overlap the earlier offset wins.
  int64_t to_utc(int64_t local_micros) const;
  // The id this zone was made from (of(): as written, `PST`; current_timezone() shows it),
  // else the offset's (`Z`, `+08:00`).
  std::string id() const;

 private:
  int64_t fixed_ = 0;
  std::shared_ptr<const ZoneRules> rules_;
  std::string name_;
};

}  // namespace spp::sql::kern
