// Settings: one catalog (config.cpp) defines every key sparkpp reads, with type, default and
// doc. Conf holds the values from properties files, --conf and code; getters fall back to the
// catalog default. Unknown keys are kept (and shown), as Spark does.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace spp {

enum class SettingType { kString, kInt, kBool, kBytes, kTime, kDouble };

struct SettingDef {
  const char* key;
  SettingType type;
  const char* default_value;  // "" = unset
  const char* unit;           // for kTime: default unit "s" or "ms"; for kBytes: "m" or "b"
  const char* doc;
};

const std::vector<SettingDef>& settings_catalog();
const SettingDef* find_setting(const std::string& key);

// "512m" "2g" "1t" "1024k" "100" -> bytes; a bare number uses `default_unit` ('b','k','m','g').
Result<int64_t> parse_size(const std::string& s, char default_unit = 'b');
// "60" "60s" "100ms" "2min" "1h" -> milliseconds; a bare number uses `default_unit` ("s"/"ms").
Result<int64_t> parse_time_ms(const std::string& s, const std::string& default_unit = "s");
Result<bool> parse_bool(const std::string& s);
// "0.75" "3" "1e-3" -> double; anything else (trailing text, empty, nan) is an error.
Result<double> parse_double(const std::string& s);

class Conf {
 public:
  // `key value` / `key=value` / `key: value` lines, '#' comments. Malformed lines -> error
  // naming file and line.
  Status load_properties_file(const std::string& path);
  // The parser itself, bytes in (the file's text; `origin` names it in errors).
  Status load_properties_text(std::string_view text, const std::string& origin);
  Status set_from_arg(const std::string& kv);  // "k=v" from --conf
  void set(const std::string& k, const std::string& v) { values_[k] = v; }
  void set_if_missing(const std::string& k, const std::string& v) { values_.emplace(k, v); }
  bool contains(const std::string& k) const { return values_.count(k) > 0; }
  void erase(const std::string& k) { values_.erase(k); }

  std::string get(const std::string& k) const;  // value, else catalog default, else ""
  std::string get(const std::string& k, const std::string& dflt) const;
  int64_t get_int(const std::string& k) const;
  bool get_bool(const std::string& k) const;
  int64_t get_bytes(const std::string& k) const;
  int64_t get_time_ms(const std::string& k) const;
  double get_double(const std::string& k) const;
  // Checks every set key that the catalog knows parses as its type.
  Status validate() const;

  const std::map<std::string, std::string>& values() const { return values_; }
  std::vector<std::string> unknown_keys() const;

 private:
  std::map<std::string, std::string> values_;
};

// True for keys whose values must never be shown or logged (secrets, passwords, tokens, access
// keys, credentials, spark.executorEnv.*): the Environment page, REST, event logs, logs.
bool is_secret_key(const std::string& key);

// The defaults file read when no --properties-file is given (Spark's conf/spark-defaults.conf):
// in $SPARKPP_CONF_DIR, else $SPARK_CONF_DIR, else ./conf, the first existing of
// sparkpp-defaults.conf and spark-defaults.conf; "" if none.
std::string default_properties_file();

}  // namespace spp
