// Spark's datetime patterns (DateTimeFormatter letters, strict): the dateFormat /
// timestampFormat / timestampNTZFormat reader and writer options. Parsing and formatting. Supported letters: y u M L d H h k K a
// m s S E (text, checked) X x Z offsets; [optional] sections; quoted literals; other symbols
// literal.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sql/kernels/timezone.h"

namespace spp::sql::exec {

class DateTimePattern {
 public:
  static Result<DateTimePattern> compile(std::string_view pattern);
  // Local wall-clock µs since the epoch and whether the text named its own offset (then `utc`
  // is adjusted by it); missing fields default as Spark's (1970, January, day 1, midnight).
  struct Parsed { int64_t micros = 0; bool has_offset = false; int64_t offset_seconds = 0; };
  std::optional<Parsed> parse(std::string_view s) const;
  // Convenience: date (days), timestamp in `tz` unless the text has an offset, wall-clock NTZ.
  std::optional<int32_t> parse_date(std::string_view s) const;
  std::optional<int64_t> parse_timestamp(std::string_view s, const kern::TimeZone& tz) const;
  std::optional<int64_t> parse_timestamp_ntz(std::string_view s) const;

  // Formatting (the writers): wall-clock µs `local` shown with `offset_seconds` for X/x/Z;
  // optional sections are printed (DateTimeFormatter prints them when the fields exist).
  void format(int64_t local, int64_t offset_seconds, std::string& out) const;
  void format_date(int32_t days, std::string& out) const { format(int64_t(days) * 86400000000LL, 0, out); }
  void format_timestamp(int64_t utc, const kern::TimeZone& tz, std::string& out) const { format(tz.to_local(utc), tz.offset_at(utc), out); }

 private:
  struct Item { char letter = 0; int count = 0; std::string literal; };  // letter '[' / ']': optional section
  struct Fields {
    int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, sec = 0, frac = 0;
    int ampm = -1;
    bool hour12 = false;
    Parsed r;
  };
  bool parse_items(std::string_view s, size_t from, size_t to, size_t& i, Fields& f) const;
  std::vector<Item> items_;
};

}  // namespace spp::sql::exec
