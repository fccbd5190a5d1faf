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
  for (const char* bad : {"foo", "local[0]", "local[x]", "spark://h", "spark://h:99999", "spark://h:0", "spark://", "spark://h:1,", "local[2,*]", "yarn"})
    CHECK_FALSE(parse_master_url(bad).is_ok());
}
