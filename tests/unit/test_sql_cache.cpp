// The session's CacheManager: sameResult across analyses, useCachedData, explain's drawing of a
// cached scan, and the cache commands (persist / getStorageLevel / unpersist / catalog).
#include <doctest/doctest.h>

#include <regex>

#include "sql/session.h"

using namespace spp::sql;
using nlohmann::json;

namespace {

json range(int64_t end) { return {{"range", {{"end", std::to_string(end)}, {"numPartitions", 2}}}}; }
json col(const char* name) { return {{"unresolvedAttribute", {{"unparsedIdentifier", name}}}}; }
json filter(json input, json cond) { return {{"filter", {{"input", input}, {"condition", cond}}}}; }
json gt(json a, int64_t v) {
  return {{"unresolvedFunction", {{"functionName", ">"}, {"arguments", {a, {{"literal", {{"long", std::to_string(v)}}}}}}}}};
}
json cmd(const char* op, json body) { return {{"command", {{op, body}}}}; }
json level(bool disk, bool mem, bool deser) {
  return {{"use_disk", disk}, {"use_memory", mem}, {"use_off_heap", false}, {"deserialized", deser}, {"replication", 1}};
}
std::string physical(SqlSession& s, const json& rel) {
  auto text = s.explain({{"root", rel}}, "simple");
  REQUIRE(text.contains("text"));
  return std::regex_replace(text["text"].get<std::string>(), std::regex("#[0-9]+"), "#N");
}

}  // namespace

TEST_CASE("sql cache: sameResult ignores expression ids and aliases, not data") {
  SqlSession s;
  auto a = s.prepare({{"root", filter(range(10), gt(col("id"), 3))}});
  auto b = s.prepare({{"root", filter(range(10), gt(col("id"), 3))}});
  auto c = s.prepare({{"root", filter(range(10), gt(col("id"), 4))}});
  auto d = s.prepare({{"root", filter(range(11), gt(col("id"), 3))}});
  REQUIRE(std::holds_alternative<PreparedQuery>(a));
  const auto& pa = std::get<PreparedQuery>(a).analyzed;
  CHECK(pa->output()[0]->id != std::get<PreparedQuery>(b).analyzed->output()[0]->id);  // two analyses
  CHECK(same_result(pa, std::get<PreparedQuery>(b).analyzed));
  CHECK_FALSE(same_result(pa, std::get<PreparedQuery>(c).analyzed));  // another literal
  CHECK_FALSE(same_result(pa, std::get<PreparedQuery>(d).analyzed));  // another range
  CHECK(storage_level_string(level(true, true, true)) == "StorageLevel(disk, memory, deserialized, 1 replicas)");
  CHECK(storage_level_string(level(true, false, false)) == "StorageLevel(disk, 1 replicas)");
}

TEST_CASE("sql cache: persisted plans are scanned by later queries, explain draws them as Spark") {
  SqlSession s;
  const json base = filter(range(10), gt(col("id"), 3));
  CHECK(s.command(cmd("getStorageLevel", {{"relation", base}}))["storageLevel"] == level(false, false, false));
  CHECK(s.command(cmd("persist", {{"relation", base}, {"storageLevel", level(true, true, true)}})) == json::object());
  CHECK(s.command(cmd("getStorageLevel", {{"relation", base}}))["storageLevel"] == level(true, true, true));
  CHECK(physical(s, base) ==
        "== Physical Plan ==\n"
        "*(1) ColumnarToRow\n"
        "+- InMemoryTableScan [id#NL]\n"
        "      +- InMemoryRelation [id#NL], StorageLevel(disk, memory, deserialized, 1 replicas)\n"
        "            +- *(1) Filter (id#NL > 3)\n"
        "               +- *(1) Range (0, 10, step=1, splits=2)\n\n");
  // A query over it: the filter runs above the scan of the cached blocks.
  auto q = s.prepare({{"root", filter(base, gt(col("id"), 5))}});
  REQUIRE(std::holds_alternative<PreparedQuery>(q));
  const auto& pq = std::get<PreparedQuery>(q);
  CHECK(pq.optimized->tree_string().find("InMemoryRelation") != std::string::npos);
  CHECK(pq.analyzed->tree_string().find("InMemoryRelation") == std::string::npos);  // as Spark's analyzed plan
  const json frag = pq.stages.back().to_json()["plan"];
  CHECK(frag.dump().find("\"data\":\"cache:1\"") != std::string::npos);
  // The scan shows the filter's conjuncts as its predicates (InMemoryTableScanExec); the Filter
  // stays above it.
  CHECK(physical(s, filter(base, gt(col("id"), 5))) ==
        "== Physical Plan ==\n"
        "*(1) Filter (id#NL > 5)\n"
        "+- *(1) ColumnarToRow\n"
        "   +- InMemoryTableScan [id#NL], [(id#NL > 5)]\n"
        "         +- InMemoryRelation [id#NL], StorageLevel(disk, memory, deserialized, 1 replicas)\n"
        "               +- *(1) Filter (id#NL > 3)\n"
        "                  +- *(1) Range (0, 10, step=1, splits=2)\n\n");
  CHECK(s.take_dropped_caches().empty());
  CHECK(s.command(cmd("unpersist", {{"relation", base}})) == json::object());
  CHECK(s.take_dropped_caches() == std::vector<int>{1});
  CHECK(physical(s, base).find("InMemory") == std::string::npos);
}

TEST_CASE("sql cache: catalog cacheTable / isCached / uncacheTable / clearCache on a view") {
  SqlSession s;
  json view = {{"command", {{"createDataframeView", {{"input", range(5)}, {"name", "t"}, {"replace", true}}}}}};
  REQUIRE(s.command(view) == json::object());
  auto cat = [&](const char* op, json body) { return s.command({{"command", {{"catalog", {{op, body}}}}}}); };
  CHECK(cat("isCached", {{"tableName", "t"}})["rows"] == json::parse("[[false]]"));
  CHECK(cat("cacheTable", {{"tableName", "t"}})["rows"] == json::array());
  CHECK(cat("isCached", {{"tableName", "t"}})["rows"] == json::parse("[[true]]"));
  // The DataFrame the view was made of is the cached data too.
  CHECK(s.command(cmd("getStorageLevel", {{"relation", range(5)}}))["storageLevel"]["use_memory"] == true);
  CHECK(cat("isCached", {{"tableName", "nope"}})["error"]["errorClass"] == "TABLE_OR_VIEW_NOT_FOUND");
  CHECK(cat("uncacheTable", {{"tableName", "t"}})["rows"] == json::array());
  CHECK(cat("isCached", {{"tableName", "t"}})["rows"] == json::parse("[[false]]"));
  CHECK(cat("cacheTable", {{"tableName", "t"}})["rows"] == json::array());
  CHECK(cat("clearCache", json::object())["rows"] == json::array());
  CHECK(s.take_dropped_caches().size() == 2);
  CHECK(cat("tableExists", {{"tableName", "t"}})["rows"] == json::parse("[[true]]"));
  CHECK(cat("dropTempView", {{"viewName", "t"}})["rows"] == json::parse("[[true]]"));
  CHECK(cat("tableExists", {{"tableName", "t"}})["rows"] == json::parse("[[false]]"));
}
