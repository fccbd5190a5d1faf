#include <doctest/doctest.h>

#include "common/ids.h"

using namespace spp::ids;

TEST_CASE("ids: application ids as the master makes them, nothing else") {
  CHECK(valid_app_id("app-20260101000000-0000"));
  CHECK(valid_app_id("app-20260101000000-12345"));
  for (const char* bad : {"", "app-", "app-2026010100000-0000", "app-20260101000000-000", "app-20260101000000_0000",
                          "../../ESCAPED", "app-20260101000000-0000/..", "app-20260101000000-0000\n", "APP-20260101000000-0000",
                          "app-2026010100000a-0000", "app-20260101000000-00000000000"})
    CHECK_MESSAGE(!valid_app_id(bad), bad);
}

TEST_CASE("ids: worker ids are plain names") {
  CHECK(valid_worker_id("worker-20260101000000-10.0.0.1-7078"));
  CHECK(valid_worker_id("worker-20260101000000-fe80::1-7078"));
  CHECK(valid_worker_id("worker-a"));
  for (const char* bad : {"", "a/b", "..\\x", "w k", "<script>"}) CHECK_MESSAGE(!valid_worker_id(bad), bad);
  CHECK(!valid_worker_id(std::string(257, 'a')));
}

TEST_CASE("ids: executor environment allow-list") {
  for (const char* ok : {"JAVA_HOME", "MY_VAR", "PYSPARK_PYTHON", "SPARKPP_PYTHON", "SPARKPP_LOG_LEVEL", "PYTHONHASHSEED",
                         "OMP_NUM_THREADS", "_X"})
    CHECK_MESSAGE(allowed_executor_env(ok), ok);
  for (const char* bad : {"LD_PRELOAD", "LD_LIBRARY_PATH", "PATH", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP",
                          "SPARKPP_APP_SECRET", "SPARKPP_DRIVER_PORT", "BASH_ENV", "IFS", "1X", "A-B", "A=B", "",
                          "SPARK_EXECUTOR_DIRS", "SPARK_LOG_URL_STDOUT", "HOME", "NODE_OPTIONS", "MALLOC_CONF"})
    CHECK_MESSAGE(!allowed_executor_env(bad), bad);
  std::vector<std::string> dropped;
  auto out = filter_executor_env({{"A", "1"}, {"PATH", "/x"}}, &dropped);
  CHECK(out.size() == 1);
  CHECK(dropped == std::vector<std::string>{"PATH"});
}

TEST_CASE("ids: links from peers are http(s) URLs or nothing") {
  for (const char* ok : {"http://10.0.0.1:8081", "https://node-1.example:443/proxy/app-1?x=1&y=%20", "HTTP://H",
                         "http://[fe80::1]:8080/logPage/?appId=app-20260101000000-0001&executorId=0&logType=stdout"})
    CHECK_MESSAGE(valid_http_url(ok), ok);
  for (const char* bad : {"javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html,<b>x</b>",
                          "//evil.example/x", "http://", "http:///x", "http://:80", "http://h/\"onmouseover=x",
                          "http://h/<script>", "http://h/ x", "http://h/\nx", "vbscript:x", "ftp://h/", "",
                          "http://h/\x7f", "https://h/`x`"})
    CHECK_MESSAGE(!valid_http_url(bad), bad);
  CHECK(!valid_http_url("http://h/" + std::string(2100, 'a')));
  CHECK(http_url_or_empty("javascript:alert(1)").empty());
  auto kept = valid_http_urls({{"stdout", "http://h:1/a"}, {"stderr", "javascript:alert(1)"}});
  CHECK(kept.size() == 1);
  CHECK(kept.count("stdout") == 1);
}
