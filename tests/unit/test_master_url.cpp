// Master URLs, as `spark.master` and `sparkpp worker MASTER` take them.
#include <doctest/doctest.h>

#include "common/master_url.h"

using namespace spp;

TEST_CASE("master URLs") {
  CHECK(parse_master_url("local")->local_cores == 1);
  CHECK(parse_master_url("local[3]")->local_cores == 3);
  CHECK(parse_master_url("local[2,5]")->local_max_failures == 5);
  CHECK(parse_master_url("local[*]")->local_cores >= 1);
  auto c = parse_master_url("spark://h1:7077,h2:7078");
  REQUIRE(c.is_ok());
  CHECK_FALSE(c->local);
  CHECK(c->masters.size() == 2);
  CHECK(c->masters[1].second == 7078);
  auto lc = parse_master_url("local-cluster[3, 2, 1024]");
  REQUIRE(lc.is_ok());
  CHECK(lc->local);
  CHECK(lc->local_cluster);
  CHECK(lc->local_executors == 3);
  CHECK(lc->local_cores == 2);
  CHECK(lc->local_executor_memory_mb == 1024);
  CHECK_FALSE(parse_master_url("local[2]")->local_cluster);
  auto sp = parse_master_url("local[4, 2]");  // PySpark's test_taskcontext uses this spelling
  REQUIRE(sp.is_ok());
  CHECK(sp->local_cores == 4);
  CHECK(sp->local_max_failures == 2);
  CHECK(parse_master_url("local[2]")->local_executors == 1);
  for (const char* bad : {"foo", "local[0]", "local[x]", "spark://h", "spark://h:99999", "spark://h:0", "spark://", "spark://h:1,", "local[2,*]", "yarn",
                          "local-cluster[2,1]", "local-cluster[0,1,512]", "local-cluster[*,1,512]", "local-cluster[2,1,512,3]"})
    CHECK_FALSE(parse_master_url(bad).is_ok());
}
