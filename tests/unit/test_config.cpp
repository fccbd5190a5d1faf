// Settings parsing: sizes, durations, properties files.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "common/config.h"

using namespace spp;

TEST_CASE("sizes") {
  CHECK(parse_size("512m").value() == 512LL << 20);
  CHECK(parse_size("2g").value() == 2LL << 30);
  CHECK(parse_size("1t").value() == 1LL << 40);
  CHECK(parse_size("2GB").value() == 2LL << 30);
  CHECK(parse_size("100").value() == 100);
  CHECK(parse_size("100", 'm').value() == 100LL << 20);
  CHECK_FALSE(parse_size("abc").is_ok());
  CHECK_FALSE(parse_size("12q").is_ok());
  CHECK_FALSE(parse_size("").is_ok());
  CHECK_FALSE(parse_size("99999999999999t").is_ok());
}

TEST_CASE("durations") {
  CHECK(parse_time_ms("60").value() == 60000);
  CHECK(parse_time_ms("100ms").value() == 100);
  CHECK(parse_time_ms("2min").value() == 120000);
  CHECK(parse_time_ms("5", "ms").value() == 5);
  CHECK_FALSE(parse_time_ms("soon").is_ok());
}

TEST_CASE("conf defaults and typed getters") {
  Conf c;
  CHECK(c.get_time_ms("spark.worker.timeout") == 60000);
  CHECK(c.get_bool("spark.deploy.spreadOut"));
  CHECK(c.get_int("spark.deploy.maxExecutorRetries") == 10);
  REQUIRE(c.set_from_arg("spark.worker.timeout=3").is_ok());
  CHECK(c.get_time_ms("spark.worker.timeout") == 3000);
  CHECK_FALSE(c.set_from_arg("novalue").is_ok());
  c.set("spark.deploy.spreadOut", "maybe");
  CHECK_FALSE(c.validate().is_ok());
}

TEST_CASE("properties file") {
  const char* path = "/tmp/sparkpp-test-props.conf";
  {
    std::ofstream f(path);
    f << "# comment\n\nspark.worker.timeout   30\nspark.custom.key=hello world\nmy.key: v\n";
  }
  Conf c;
  REQUIRE(c.load_properties_file(path).is_ok());
  CHECK(c.get("spark.worker.timeout") == "30");
  CHECK(c.get("spark.custom.key") == "hello world");
  CHECK(c.unknown_keys().size() == 2);
  {
    std::ofstream f(path);
    f << "spark.ok 1\njustakey\n";
  }
  Conf bad;
  auto st = bad.load_properties_file(path);
  CHECK_FALSE(st.is_ok());
  CHECK(st.message().find(":2:") != std::string::npos);
  std::remove(path);
  CHECK_FALSE(bad.load_properties_file("/nonexistent/x.conf").is_ok());
}

TEST_CASE("numbers: parse_double, get_double and validation of number settings") {
  CHECK(parse_double("0.75").value() == doctest::Approx(0.75));
  CHECK(parse_double(" 3 ").value() == doctest::Approx(3.0));
  CHECK(parse_double("1e-3").value() == doctest::Approx(0.001));
  CHECK_FALSE(parse_double("").is_ok());
  CHECK_FALSE(parse_double("fast").is_ok());
  CHECK_FALSE(parse_double("0.5x").is_ok());
  CHECK_FALSE(parse_double("nan").is_ok());
  CHECK_FALSE(parse_double("1e999").is_ok());
  Conf c;
  CHECK(c.get_double("spark.speculation.quantile") == doctest::Approx(0.9));  // catalog default
  CHECK(c.get_double("spark.speculation.multiplier") == doctest::Approx(3.0));
  CHECK(c.get_time_ms("spark.speculation.interval") == 100);
  c.set("spark.speculation.multiplier", "1.5");
  CHECK(c.get_double("spark.speculation.multiplier") == doctest::Approx(1.5));
  CHECK(c.validate().is_ok());
  c.set("spark.speculation.multiplier", "fast");
  auto st = c.validate();
  CHECK_FALSE(st.is_ok());
  CHECK(st.message().find("spark.speculation.multiplier") != std::string::npos);
}

TEST_CASE("config: which keys are redacted (Spark's default spark.redaction.regex and more)") {
  for (const char* k : {"spark.authenticate.secret", "spark.ssl.keyPassword", "my.PASSWD", "spark.hadoop.fs.s3a.access.key",
                        "fs.s3a.accessKey", "x.api_key", "gcp.credentials.file", "spark.executorEnv.DB_URL", "a.Token"})
    CHECK_MESSAGE(spp::is_secret_key(k), k);
  for (const char* k : {"spark.app.name", "spark.executor.memory", "spark.sql.shuffle.partitions", "spark.access.mode"})
    CHECK_MESSAGE(!spp::is_secret_key(k), k);
}

TEST_CASE("integer settings with a range: out-of-range values are one-line errors") {
  Conf c;
  c.set("spark.ui.port", "0");
  c.set("spark.default.parallelism", "8");
  CHECK(c.validate().is_ok());
  c.set("spark.ui.port", "99999");
  auto st = c.validate();
  CHECK_FALSE(st.is_ok());
  CHECK(st.message() == "setting spark.ui.port: 99999 is out of range (0 to 65535)");
  c.set("spark.ui.port", "4040");
  c.set("spark.default.parallelism", "-3");
  CHECK(c.validate().message() == "setting spark.default.parallelism: -3 is out of range (1 to 2147483647)");
  c.set("spark.default.parallelism", "99999999999999999999");
  CHECK(c.validate().message().find("invalid integer") != std::string::npos);
  c.set("spark.default.parallelism", "2");
  c.set("spark.deploy.maxExecutorRetries", "-1");  // -1: never give up
  CHECK(c.validate().is_ok());
}
