// Driver logic without I/O: input splitting, lineage -> task plans.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "driver/driver.h"
#include "driver/file_splits.h"
#include "driver/rdd_graph.h"

using namespace spp;
using namespace spp::driver;
namespace fs = std::filesystem;

TEST_CASE("text splits follow Hadoop's getSplits") {
  std::vector<FileEntry> files = {{"/a", 100}, {"/b", 0}, {"/c", 35}};
  auto s = compute_text_splits(files, 3);  // goal = 135/3 = 45
  // /a: 45, 45, then 10 left (10/45 < 1.1) -> 3 splits; /b: one empty split; /c: 35 -> 1
  REQUIRE(s.size() == 5);
  CHECK(s[0].start == 0);
  CHECK(s[1].start == 45);
  CHECK(s[2].length == 10);
  CHECK(s[3].path == "/b");
  CHECK(s[3].length == 0);
  CHECK(s[4].length == 35);
  // The tail within 10 % of a split stays with the last split.
  auto t = compute_text_splits({{"/x", 105}}, 1);
  REQUIRE(t.size() == 1);
  CHECK(t[0].length == 105);
}

TEST_CASE("input listing: files, directories, globs, missing paths") {
  fs::path dir = fs::temp_directory_path() / "sparkpp-unit-splits";
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  for (const char* n : {"a.txt", "b.txt", "_SUCCESS", ".hidden"}) std::ofstream(dir / n) << "x\n";
  auto d = list_input_files({dir.string()});
  REQUIRE(d.is_ok());
  CHECK(d->size() == 2);  // hidden files and directories are skipped
  auto g = list_input_files({(dir / "*.txt").string()});
  REQUIRE(g.is_ok());
  CHECK(g->size() == 2);
  CHECK_FALSE(list_input_files({(dir / "nope").string()}).is_ok());
  CHECK_FALSE(list_input_files({(dir / "*.csv").string()}).is_ok());
  auto w = group_whole_files(*d, 5);
  CHECK(w.size() == 2);
  fs::remove_all(dir);
}

static msg::PyDefineRdd node(int id, const std::string& kind, std::vector<int> parents, int n, nlohmann::json args = nlohmann::json::object()) {
  msg::PyDefineRdd m;
  m.id = id;
  m.kind = kind;
  m.parents = std::move(parents);
  m.num_partitions = n;
  m.args = std::move(args);
  return m;
}

TEST_CASE("lineage becomes plans: union offsets, coalesce groups, zip, apply") {
  RddGraph g;
  REQUIRE(g.define(node(0, "parallelize", {}, 2, {{"batches", {1, 1}}}), {"p0", "p1"}).is_ok());
  REQUIRE(g.define(node(1, "python", {0}, 0), {"f1"}).value() == 2);
  REQUIRE(g.define(node(2, "union", {0, 1}, 0), {}).value() == 4);
  REQUIRE(g.define(node(3, "coalesce", {2}, 3), {}).value() == 3);
  REQUIRE(g.define(node(4, "zip", {0, 1}, 0), {}).value() == 2);
  CHECK_FALSE(g.define(node(5, "zip", {0, 2}, 0), {}).is_ok());      // partition counts differ
  CHECK_FALSE(g.define(node(6, "python", {99}, 0), {"f"}).is_ok());  // unknown parent
  CHECK_FALSE(g.define(node(1, "python", {0}, 0), {"f"}).is_ok());   // id reused
  CHECK_FALSE(g.define(node(7, "parallelize", {}, 2, {{"batches", {1, 1}}}), {"only one"}).is_ok());
  MapOutputTracker none;
  auto u = g.build_task(2, 3, none);  // union partition 3 = RDD 1 partition 1
  REQUIRE(u.is_ok());
  CHECK(u->plan["op"] == "apply");
  CHECK(u->plan["split"] == 1);
  CHECK(u->funcs == std::vector<int64_t>{1});
  REQUIRE(u->input_blobs.size() == 1);
  CHECK(*u->input_blobs[0] == "p1");
  auto c = g.build_task(3, 0, none);  // coalesce 4 -> 3: partition 0 = union partition 0
  REQUIRE(c.is_ok());
  CHECK(c->plan["op"] == "concat");
  auto c2 = g.build_task(3, 2, none);
  CHECK(c2->plan["children"].size() == 2);
  auto z = g.build_task(4, 1, none);
  REQUIRE(z.is_ok());
  CHECK(z->plan["op"] == "zip");
  CHECK(z->plan["children"][0]["input"] == 0);
  CHECK(z->plan["children"][1]["child"]["input"] == 1);
  CHECK_FALSE(g.build_task(4, 2, none).is_ok());
}

TEST_CASE("shuffle dependencies and shuffle input leaves") {
  RddGraph g;
  REQUIRE(g.define(node(0, "parallelize", {}, 2, {{"batches", {0, 0}}}), {}).is_ok());
  REQUIRE(g.define(node(1, "python", {0}, 0), {"map"}).is_ok());
  REQUIRE(g.define(node(2, "shuffled", {1}, 3), {}).value() == 3);
  REQUIRE(g.define(node(3, "python", {2}, 0), {"reduce"}).is_ok());
  REQUIRE(g.define(node(4, "shuffled", {3}, 2), {}).is_ok());
  REQUIRE(g.define(node(5, "union", {4, 1}, 0), {}).is_ok());
  CHECK(g.shuffle_deps(5) == std::vector<int>{4});
  CHECK(g.shuffle_deps(3) == std::vector<int>{2});
  MapOutputTracker out;
  CHECK_FALSE(g.build_task(3, 0, out).is_ok());  // map outputs missing
  auto& s = out[2];
  s.num_maps = 2;
  s.num_reduce = 3;
  for (int m = 0; m < 2; ++m) {
    auto ms = std::make_shared<MapStatus>();
    ms->exec_id = "e";
    ms->path = "/tmp/s" + std::to_string(m);
    ms->offsets = {0, 10, 10, 25};  // partition 1 empty
    s.maps.push_back(ms);
  }
  auto t = g.build_task(3, 2, out);
  REQUIRE(t.is_ok());
  auto blocks = t->plan["child"]["source"]["blocks"];
  REQUIRE(blocks["offset"].size() == 2);
  CHECK(blocks["offset"][0] == 10);
  CHECK(blocks["length"][0] == 15);
  auto empty = g.build_task(3, 1, out);
  CHECK(empty->plan["child"]["source"]["blocks"]["map"].empty());
}

TEST_CASE("sql file partitions: Spark's maxSplitBytes and next-fit packing of the largest chunks first") {
  const int64_t MB = 1 << 20;
  // 300 MB + 10 MB over 2 cores: 128 MB splits; chunks 128,128,44,10 -> [128] [128] [44,10].
  auto parts = driver::sql_file_partitions({{"/a", 300 * MB}, {"/b", 10 * MB}}, 128 * MB, 4 * MB, 2);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].size() == 1);
  CHECK(parts[0][0].length == 128 * MB);
  CHECK(parts[2].size() == 2);
  CHECK(parts[2][0].path == "/a");
  CHECK(parts[2][0].start == 256 * MB);
  CHECK(parts[2][0].length == 44 * MB);
  CHECK(parts[2][1].path == "/b");
  // Ten 1 KB files on 2 cores: the open cost dominates, five files per partition.
  std::vector<driver::FileEntry> small;
  for (int i = 0; i < 10; ++i) small.push_back({"/s" + std::to_string(i), 1024});
  auto sp = driver::sql_file_partitions(small, 128 * MB, 4 * MB, 2);
  REQUIRE(sp.size() == 2);
  CHECK(sp[0].size() == 5);
  // Gzip files are never split; empty files give nothing.
  auto gz = driver::sql_file_partitions({{"/big.gz", 300 * MB}, {"/empty", 0}}, 128 * MB, 4 * MB, 2);
  REQUIRE(gz.size() == 1);
  CHECK(gz[0][0].length == 300 * MB);
}
