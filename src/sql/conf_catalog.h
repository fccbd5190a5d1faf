// The spark.sql.* settings sparkpp knows, defined once: their types, defaults and checks, as
// Spark's SQLConf entries. `spark.conf.get` of an unset key answers the default the way Spark's
// getConfString does (through the entry's converter: "10MB" reads back as "10485760b");
// `spark.conf.set` and `SET k=v` check values with the entry's parser and range.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spp::sql {

enum class ConfKind { Bool, Int, Long, Double, Bytes, TimeMs, TimeS, String };

struct SqlConfEntry {
  const char* key;
  ConfKind kind;
  const char* dflt;       // Spark's default string; nullptr: an optional entry (get answers None)
  bool is_static = false;  // set only at startup (spark.sql.warehouse.dir …)
  const char* check = "";  // "positive", "nonnegative", or "one of:a,b,c" (case-insensitive)
};

const SqlConfEntry* find_sql_conf(std::string_view key);

// What an unset key reads as. nullopt: an optional entry (None in Python). `zone` answers
// spark.sql.session.timeZone (the JVM's default zone in Spark).
std::optional<std::string> sql_conf_default(const SqlConfEntry& e, const std::string& zone);

// The error Spark's SQLConf.setConfString raises for `value` (an IllegalArgumentException's
// text), or nullopt when the value is acceptable.
std::optional<std::string> check_sql_conf(const SqlConfEntry& e, const std::string& value);

// The value a catalogued key takes when `set` is its setting ("" when unset): `set` when the
// entry's check accepts it, else the default (an unchecked application --conf value never
// overrides a default with garbage). nullopt: an optional entry left unset. Typed readers below
// parse it by the entry's kind; the key must be in the catalog.
std::optional<std::string> sql_conf_value(const char* key, const std::string& set);
bool sql_conf_flag(const char* key, const std::string& set);
std::optional<long long> sql_conf_number(const char* key, const std::string& set);  // Int / Long / Bytes

// Byte and time strings as Spark's JavaUtils reads them ("10m", "64MB", "-1"; "5s", "300").
std::optional<long long> parse_byte_string(const std::string& v);
std::optional<long long> parse_time_ms(const std::string& v, bool default_seconds);

}  // namespace spp::sql
