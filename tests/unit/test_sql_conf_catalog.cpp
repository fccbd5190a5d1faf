// The spark.sql.* settings catalog: defaults as Spark's getConfString reads them, value checks.
#include <doctest/doctest.h>

#include "sql/conf_catalog.h"

using namespace spp::sql;

TEST_CASE("sql conf catalog: unset keys read as Spark's converted defaults") {
  auto dflt = [](const char* k) { return sql_conf_default(*find_sql_conf(k), "Etc/UTC"); };
  CHECK(dflt("spark.sql.shuffle.partitions") == "200");
  CHECK(dflt("spark.sql.autoBroadcastJoinThreshold") == "10485760b");  // "10MB" through bytesConf
  CHECK(dflt("spark.sql.files.maxPartitionBytes") == "134217728b");
  CHECK(dflt("spark.sql.broadcastTimeout") == "300000ms");             // seconds through timeConf
  CHECK(dflt("spark.sql.adaptive.enabled") == "true");
  CHECK(dflt("spark.sql.session.timeZone") == "Etc/UTC");
  CHECK(dflt("spark.sql.adaptive.coalescePartitions.minPartitionNum") == std::nullopt);  // optional: None
  CHECK(find_sql_conf("spark.sql.nope") == nullptr);
  CHECK(find_sql_conf("spark.sql.warehouse.dir")->is_static);
}

TEST_CASE("sql conf catalog: values checked with Spark's parsers and messages") {
  auto check = [](const char* k, const char* v) { return check_sql_conf(*find_sql_conf(k), v); };
  CHECK(check("spark.sql.shuffle.partitions", "8") == std::nullopt);
  CHECK(check("spark.sql.shuffle.partitions", "abc") == "spark.sql.shuffle.partitions should be int, but was abc");
  CHECK(check("spark.sql.shuffle.partitions", "99999999999") ==
        "spark.sql.shuffle.partitions should be int, but was 99999999999");
  CHECK(check("spark.sql.shuffle.partitions", "-3") ==
        "'-3' in spark.sql.shuffle.partitions is invalid. The value of spark.sql.shuffle.partitions should be positive.");
  CHECK(check("spark.sql.adaptive.enabled", "TRUE") == std::nullopt);
  CHECK(check("spark.sql.adaptive.enabled", "yes") == "spark.sql.adaptive.enabled should be boolean, but was yes");
  CHECK(check("spark.sql.autoBroadcastJoinThreshold", "-1") == std::nullopt);
  CHECK(check("spark.sql.autoBroadcastJoinThreshold", "20m") == std::nullopt);
  CHECK(check("spark.sql.autoBroadcastJoinThreshold", "1.5m")->find("Failed to parse byte string: 1.5m") != std::string::npos);
  CHECK(check("spark.sql.parquet.compression.codec", "ZSTD") == std::nullopt);
  CHECK(check("spark.sql.parquet.compression.codec", "xz") ==
        "The value of spark.sql.parquet.compression.codec should be one of none, uncompressed, snappy, gzip, lzo, "
        "brotli, lz4, zstd, but was xz");
  CHECK(parse_byte_string("64MB") == 64LL << 20);
  CHECK(parse_byte_string("2g") == 2LL << 30);
  CHECK(parse_byte_string("x") == std::nullopt);
  CHECK(parse_time_ms("5min", true) == 300000);
  CHECK(parse_time_ms("300", true) == 300000);
  CHECK(parse_time_ms("300", false) == 300);
}
