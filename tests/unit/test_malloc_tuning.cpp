#include <doctest/doctest.h>

#include "common/malloc_tuning.h"

using spp::huge_page_tunables;

TEST_CASE("huge_page_tunables adds hugetlb and one arena, once") {
  CHECK(huge_page_tunables(nullptr).value() == "glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1");
  CHECK(huge_page_tunables("").value() == "glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1");
  CHECK(huge_page_tunables("glibc.malloc.tcache_count=0").value() ==
        "glibc.malloc.tcache_count=0:glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1");
  CHECK(huge_page_tunables("glibc.malloc.arena_max=4").value() == "glibc.malloc.arena_max=4:glibc.malloc.hugetlb=1");
  // Named already: the user's choice (or this process was re-executed with it): no re-exec.
  CHECK_FALSE(huge_page_tunables("glibc.malloc.hugetlb=0").has_value());
  CHECK_FALSE(huge_page_tunables("glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1").has_value());
}
