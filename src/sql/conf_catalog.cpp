#include "sql/conf_catalog.h"
#include "common/strings.h"

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace spp::sql {
namespace {

using K = ConfKind;

// Spark 3.5's defaults (SQLConf.scala / StaticSQLConf.scala).
const SqlConfEntry kEntries[] = {
    {"spark.sql.shuffle.partitions", K::Int, "200", false, "positive"},
    {"spark.sql.autoBroadcastJoinThreshold", K::Bytes, "10MB"},
    {"spark.sql.broadcastTimeout", K::TimeS, "300"},
    {"spark.sql.join.preferSortMergeJoin", K::Bool, "true"},
    {"spark.sql.crossJoin.enabled", K::Bool, "true"},
    {"spark.sql.caseSensitive", K::Bool, "false"},
    {"spark.sql.ansi.enabled", K::Bool, "false"},
    {"spark.sql.session.timeZone", K::String, ""},
    {"spark.sql.adaptive.enabled", K::Bool, "true"},
    {"spark.sql.adaptive.coalescePartitions.enabled", K::Bool, "true"},
    {"spark.sql.adaptive.coalescePartitions.parallelismFirst", K::Bool, "true"},
    {"spark.sql.adaptive.coalescePartitions.minPartitionSize", K::Bytes, "1MB", false, "positive"},
    {"spark.sql.adaptive.coalescePartitions.minPartitionNum", K::Int, nullptr, false, "positive"},
    {"spark.sql.adaptive.coalescePartitions.initialPartitionNum", K::Int, nullptr, false, "positive"},
    {"spark.sql.adaptive.advisoryPartitionSizeInBytes", K::Bytes, "64MB"},
    {"spark.sql.adaptive.shuffle.targetPostShuffleInputSize", K::Bytes, "64MB"},
    {"spark.sql.adaptive.skewJoin.enabled", K::Bool, "true"},
    {"spark.sql.adaptive.localShuffleReader.enabled", K::Bool, "true"},
    {"spark.sql.files.maxPartitionBytes", K::Bytes, "128MB"},
    {"spark.sql.files.openCostInBytes", K::Bytes, "4MB"},
    {"spark.sql.files.maxRecordsPerFile", K::Long, "0"},
    {"spark.sql.files.ignoreCorruptFiles", K::Bool, "false"},
    {"spark.sql.files.ignoreMissingFiles", K::Bool, "false"},
    {"spark.sql.sources.default", K::String, "parquet"},
    {"spark.sql.sources.partitionColumnTypeInference.enabled", K::Bool, "true"},
    {"spark.sql.sources.partitionOverwriteMode", K::String, "STATIC", false, "one of:STATIC,DYNAMIC"},
    {"spark.sql.parquet.mergeSchema", K::Bool, "false"},
    {"spark.sql.parquet.filterPushdown", K::Bool, "true"},
    {"spark.sql.parquet.compression.codec", K::String, "snappy", false,
     "one of:none,uncompressed,snappy,gzip,lzo,brotli,lz4,zstd"},
    {"spark.sql.parquet.outputTimestampType", K::String, "INT96", false, "one of:INT96,TIMESTAMP_MICROS,TIMESTAMP_MILLIS"},
    {"spark.sql.parquet.binaryAsString", K::Bool, "false"},
    {"spark.sql.parquet.int96AsTimestamp", K::Bool, "true"},
    {"spark.sql.csv.parser.columnPruning.enabled", K::Bool, "true"},
    {"spark.sql.jsonGenerator.ignoreNullFields", K::Bool, "true"},
    {"spark.sql.legacy.timeParserPolicy", K::String, "EXCEPTION", false, "one of:LEGACY,CORRECTED,EXCEPTION"},
    {"spark.sql.timestampType", K::String, "TIMESTAMP_LTZ", false, "one of:TIMESTAMP_LTZ,TIMESTAMP_NTZ"},
    {"spark.sql.mapKeyDedupPolicy", K::String, "EXCEPTION", false, "one of:EXCEPTION,LAST_WIN"},
    {"spark.sql.storeAssignmentPolicy", K::String, "ANSI", false, "one of:ANSI,LEGACY,STRICT"},
    {"spark.sql.datetime.java8API.enabled", K::Bool, "false"},
    {"spark.sql.execution.arrow.pyspark.enabled", K::Bool, "false"},
    {"spark.sql.execution.arrow.pyspark.fallback.enabled", K::Bool, "true"},
    {"spark.sql.execution.arrow.pyspark.selfDestruct.enabled", K::Bool, "false"},
    {"spark.sql.execution.arrow.maxRecordsPerBatch", K::Int, "10000"},
    {"spark.sql.execution.pythonUDF.arrow.enabled", K::Bool, "false"},
    {"spark.sql.execution.pandas.convertToArrowArraySafely", K::Bool, "false"},
    {"spark.sql.inMemoryColumnarStorage.compressed", K::Bool, "true"},
    {"spark.sql.inMemoryColumnarStorage.batchSize", K::Int, "10000"},
    {"spark.sql.codegen.wholeStage", K::Bool, "true"},
    {"spark.sql.cbo.enabled", K::Bool, "false"},
    {"spark.sql.pivotMaxValues", K::Int, "10000"},
    {"spark.sql.debug.maxToStringFields", K::Int, "25"},
    {"spark.sql.repl.eagerEval.enabled", K::Bool, "false"},
    {"spark.sql.repl.eagerEval.maxNumRows", K::Int, "20"},
    {"spark.sql.repl.eagerEval.truncate", K::Int, "20"},
    {"spark.sql.optimizer.excludedRules", K::String, nullptr},
    {"spark.sql.legacy.setCommandRejectsSparkCoreConfs", K::Bool, "true"},
    {"spark.sql.warehouse.dir", K::String, nullptr, true},
    {"spark.sql.extensions", K::String, nullptr, true},
    {"spark.sql.catalogImplementation", K::String, "in-memory", true},
    {"spark.sql.globalTempDatabase", K::String, "global_temp", true},
};

// "-?digits suffix": the number and the lower-cased suffix.
std::optional<std::pair<long long, std::string>> number_and_unit(const std::string& v) {
  std::string s = ascii_lower(ascii_trim(v));
  size_t i = s.size() && s[0] == '-' ? 1 : 0, digits = i;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  if (digits == i || digits - i > 18) return std::nullopt;
  return std::make_pair(std::strtoll(s.substr(0, digits).c_str(), nullptr, 10), s.substr(digits));
}

}  // namespace

const SqlConfEntry* find_sql_conf(std::string_view key) {
  for (const auto& e : kEntries)
    if (key == e.key) return &e;
  return nullptr;
}

std::optional<long long> parse_byte_string(const std::string& v) {
  auto nu = number_and_unit(v);
  if (!nu) return std::nullopt;
  static const std::pair<const char*, int> units[] = {{"", 0}, {"b", 0}, {"k", 10}, {"kb", 10}, {"m", 20}, {"mb", 20},
                                                      {"g", 30}, {"gb", 30}, {"t", 40}, {"tb", 40}, {"p", 50}, {"pb", 50}};
  for (auto [u, shift] : units)
    if (nu->second == u) return nu->first * (1LL << shift);
  return std::nullopt;
}

std::optional<long long> parse_time_ms(const std::string& v, bool default_seconds) {
  auto nu = number_and_unit(v);
  if (!nu) return std::nullopt;
  const std::string& u = nu->second;
  long long n = nu->first;
  if (u.empty()) return default_seconds ? n * 1000 : n;
  if (u == "us") return n / 1000;
  if (u == "ms") return n;
  if (u == "s") return n * 1000;
  if (u == "m" || u == "min") return n * 60000;
  if (u == "h") return n * 3600000;
  if (u == "d") return n * 86400000;
  return std::nullopt;
}

std::optional<std::string> sql_conf_default(const SqlConfEntry& e, const std::string& zone) {
  if (std::string_view(e.key) == "spark.sql.session.timeZone") return zone;
  if (!e.dflt) return std::nullopt;
  std::string d = e.dflt;
  switch (e.kind) {  // the entry's stringConverter over its parsed default
    case K::Bytes: return std::to_string(*parse_byte_string(d)) + "b";
    case K::TimeS: return std::to_string(*parse_time_ms(d, true)) + "ms";
    case K::TimeMs: return std::to_string(*parse_time_ms(d, false)) + "ms";
    default: return d;
  }
}

std::optional<std::string> check_sql_conf(const SqlConfEntry& e, const std::string& value) {
  const std::string key = e.key, v = ascii_trim(value);
  auto number = [&](const char* type) -> std::optional<std::string> {
    char* end = nullptr;
    errno = 0;
    long long n = std::strtoll(v.c_str(), &end, 10);
    bool ok = !v.empty() && *end == '\0' && errno == 0 && (e.kind == K::Long || (n >= INT32_MIN && n <= INT32_MAX));
    if (!ok) return key + " should be " + type + ", but was " + value;
    std::string c = e.check;
    if ((c == "positive" && n <= 0) || (c == "nonnegative" && n < 0))
      return "'" + v + "' in " + key + " is invalid. The value of " + key + " should be " + c + ".";
    return std::nullopt;
  };
  switch (e.kind) {
    case K::Bool: {
      std::string l = ascii_lower(v);
      if (l == "true" || l == "false") return std::nullopt;
      return key + " should be boolean, but was " + value;
    }
    case K::Int: return number("int");
    case K::Long: return number("long");
    case K::Double: {
      char* end = nullptr;
      std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0') return key + " should be double, but was " + value;
      return std::nullopt;
    }
    case K::Bytes: {
      auto b = parse_byte_string(v);
      if (!b)
        return "Size must be specified as bytes (b), kibibytes (k), mebibytes (m), gibibytes (g), tebibytes (t), or "
               "pebibytes(p). E.g. 50b, 100k, or 250m.\nFailed to parse byte string: " + value;
      if (std::string_view(e.check) == "positive" && *b <= 0)
        return "'" + std::to_string(*b) + "' in " + key + " is invalid. The value of " + key + " should be positive.";
      return std::nullopt;
    }
    case K::TimeMs: case K::TimeS:
      if (!parse_time_ms(v, e.kind == K::TimeS))
        return "Time must be specified as seconds (s), milliseconds (ms), microseconds (us), minutes (m or min), hour (h), "
               "or day (d). E.g. 50s, 100ms, or 250us.\nFailed to parse time string: " + value;
      return std::nullopt;
    case K::String: {
      std::string c = e.check;
      if (c.rfind("one of:", 0) != 0) return std::nullopt;
      std::string allowed = c.substr(7), l = ascii_lower(v);
      size_t start = 0;
      while (start <= allowed.size()) {
        size_t comma = allowed.find(',', start);
        if (comma == std::string::npos) comma = allowed.size();
        if (ascii_lower(allowed.substr(start, comma - start)) == l) return std::nullopt;
        start = comma + 1;
      }
      std::string shown;
      for (char ch : allowed) shown += ch == ',' ? std::string(", ") : std::string(1, ch);
      return "The value of " + key + " should be one of " + shown + ", but was " + value;
    }
  }
  return std::nullopt;
}

std::optional<std::string> sql_conf_value(const char* key, const std::string& set) {
  const SqlConfEntry* e = find_sql_conf(key);
  if (!e) return std::nullopt;
  if (!set.empty() && !check_sql_conf(*e, set)) return ascii_trim(set);
  if (!e->dflt) return std::nullopt;
  return std::string(e->dflt);
}

bool sql_conf_flag(const char* key, const std::string& set) {
  auto v = sql_conf_value(key, set);
  return v && ascii_lower(*v) == "true";
}

std::optional<long long> sql_conf_number(const char* key, const std::string& set) {
  const SqlConfEntry* e = find_sql_conf(key);
  auto v = sql_conf_value(key, set);
  if (!e || !v) return std::nullopt;
  if (e->kind == K::Bytes) return parse_byte_string(*v);
  return std::strtoll(v->c_str(), nullptr, 10);
}

}  // namespace spp::sql
