// In-memory SQL map outputs (local mode): reservations within the cap and the pool, block refs
// found by their (offset, length), removal by shuffle, late attempts of a removed shuffle.
#include <doctest/doctest.h>

#include "executor/map_output_store.h"
#include "sql/exec/memory.h"

using namespace spp;
using namespace spp::executor;
namespace col = spp::sql::col;

namespace {
col::Batch longs(std::initializer_list<int64_t> v) {
  col::Batch b;
  b.schema = col::make_type(col::ColType::strct({"x"}, {col::ColType::scalar(col::TypeId::Long)}));
  auto c = col::make_fixed_column(col::make_type(col::ColType::scalar(col::TypeId::Long)), static_cast<int64_t>(v.size()));
  int64_t i = 0;
  for (int64_t x : v) c->values->template as<int64_t>()[i++] = x;
  b.columns.push_back(c);
  b.num_rows = static_cast<int64_t>(v.size());
  return b;
}
}  // namespace

TEST_CASE("map output store: a published output's block refs find their reduce partitions") {
  sql::exec::MemoryManager pool(1 << 20);
  MapOutputStore store(&pool, 1 << 20);
  std::vector<int64_t> off;
  {
    MapOutputBuilder b(&store, 7, 4);
    CHECK(b.add(0, longs({1, 2})));
    CHECK(b.add(2, longs({3})));
    CHECK(b.add(2, longs({4, 5, 6})));
    CHECK(b.add(3, longs({})));  // no rows: nothing kept
    CHECK(store.used() == b.bytes());
    off = b.publish("/x/shuffle_7_0_1.data");
  }
  REQUIRE(off.size() == 5);
  CHECK(off[0] == 0);
  CHECK(off[1] > 0);
  CHECK(off[1] == off[2]);  // partition 1 is empty
  CHECK(off[3] > off[2]);
  CHECK(off[4] == off[3]);
  CHECK(store.used() > 0);  // the builder's reservation now belongs to the stored output
  auto out = store.get("/x/shuffle_7_0_1.data");
  REQUIRE(out);
  CHECK(out->parts[2].size() == 2);
  // One reduce partition, a coalesced range, and the whole output (a local or broadcast read).
  CHECK(out->partitions(off[0], off[1] - off[0]) == std::pair<int, int>{0, 1});
  auto r = out->partitions(off[2], off[3] - off[2]);
  CHECK(r.first <= 2);
  CHECK(r.second == 3);
  r = out->partitions(0, off[4]);
  CHECK(r.first == 0);
  CHECK(r.second >= 3);
  CHECK(out->partitions(1, 2) == std::pair<int, int>{0, 0});  // not on partition boundaries
  CHECK(store.get("/x/other.data") == nullptr);

  CHECK(store.remove_shuffle(8) == 0);
  CHECK(store.remove_shuffle(7) == 1);
  CHECK(store.used() == 0);
  CHECK(pool.used() == 0);
  CHECK(out->parts[2].size() == 2);  // a reader holding it keeps its batches
}

TEST_CASE("map output store: the cap and the pool both bound it; refused memory is given back") {
  sql::exec::MemoryManager pool(1 << 20);
  const int64_t one = col::memory_size(longs({1}));
  MapOutputStore store(&pool, 2 * one);
  MapOutputBuilder b(&store, 1, 2);
  CHECK(b.add(0, longs({1})));
  CHECK(b.add(1, longs({2})));
  CHECK_FALSE(b.add(1, longs({3})));  // past the cap
  CHECK(pool.used() == 2 * one);
  auto parts = b.take_all();  // the task writes a file instead
  CHECK(parts[0].size() == 1);
  CHECK(parts[1].size() == 1);
  CHECK(store.used() == 0);
  CHECK(pool.used() == 0);

  sql::exec::MemoryManager small(one);
  MapOutputStore s2(&small, 1 << 20);
  {
    MapOutputBuilder b2(&s2, 1, 1);
    CHECK(b2.add(0, longs({1})));
    CHECK_FALSE(b2.add(0, longs({2})));  // the pool is full
    CHECK(small.used() == one);
  }  // a failed or killed task's builder: reservation released
  CHECK(small.used() == 0);
  CHECK(s2.used() == 0);
}

TEST_CASE("map output store: slices of one buffer are reserved once") {
  sql::exec::MemoryManager pool(1 << 20);
  MapOutputStore store(&pool, 1 << 20);
  auto whole = longs({1, 2, 3, 4, 5, 6, 7, 8});
  MapOutputBuilder b(&store, 1, 1);
  CHECK(b.add(0, col::slice(whole, 0, 4)));
  CHECK(b.add(0, col::slice(whole, 4, 4)));
  CHECK(b.bytes() == col::memory_size(whole));
}

TEST_CASE("map output store: a late attempt of a removed shuffle is not kept; a retry replaces") {
  sql::exec::MemoryManager pool(1 << 20);
  MapOutputStore store(&pool, 1 << 20);
  {
    MapOutputBuilder a(&store, 3, 1);
    CHECK(a.add(0, longs({1})));
    a.publish("/s/shuffle_3_0_1.data");
  }
  const int64_t first = store.used();
  {
    MapOutputBuilder a(&store, 3, 1);
    CHECK(a.add(0, longs({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17})));
    a.publish("/s/shuffle_3_0_1.data");  // the same path again: the earlier output's bytes go
  }
  CHECK(store.size() == 1);
  CHECK(store.used() > first);
  CHECK(store.get("/s/shuffle_3_0_1.data")->parts[0][0].num_rows == 17);
  store.remove_shuffle(3);
  {
    MapOutputBuilder late(&store, 3, 1);
    CHECK(late.add(0, longs({1})));
    late.publish("/s/shuffle_3_1_9.data");
  }
  CHECK(store.size() == 0);
  CHECK(store.used() == 0);
  CHECK(pool.used() == 0);
}
