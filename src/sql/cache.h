// The session's cached queries (Spark's CacheManager): df.cache()/persist(), CACHE TABLE and
// catalog.cacheTable register an analyzed plan; every later query has each subtree that gives
// the same result as a cached plan replaced by an InMemoryRelation over the cached data before
// it is optimised (Spark's useCachedData). Pure: the driver runs and stores the data (see
// docs/sql-engine.md, "Caching").
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/plan/logical.h"

namespace spp::sql {

// Spark's sameResult: equal once expression ids are renumbered by first appearance (and
// qualifiers ignored), so two analyses of one DataFrame's plan match.
bool same_result(const PlanPtr& a, const PlanPtr& b);

// StorageLevel(disk, memory, deserialized, 1 replicas): Spark's StorageLevel.toString of the
// Python level JSON ({use_disk, use_memory, use_off_heap, deserialized, replication}).
std::string storage_level_string(const nlohmann::json& level);

struct CachedData {
  int id = 0;
  PlanPtr plan;                 // analyzed
  nlohmann::json level;         // the Python StorageLevel's JSON
  std::string table;            // CACHE TABLE / cacheTable: the name, else empty
  std::shared_ptr<const std::string> tree;  // the cached physical plan, as explain draws it
  int64_t size = -1;            // estimated bytes (join planning: a small cached side is broadcast)
};

class CacheManager {
 public:
  // The entry giving the same result as `plan`, among those registered before `below` (an
  // entry's own plan is planned over the entries older than it).
  const CachedData* lookup(const PlanPtr& plan, int below = INT32_MAX) const;
  const CachedData* find(int id) const;
  // Registers `plan` unless an entry already gives its result (Spark warns and keeps that one).
  const CachedData& add(PlanPtr plan, nlohmann::json level, std::string table);
  // Removes the entries giving `plan`'s result (unpersist); their ids.
  std::vector<int> remove(const PlanPtr& plan);
  std::vector<int> remove_table(const std::string& table);  // case-insensitive
  // The entries whose plan scans files at or under `dir` (absolute, no trailing `/`; a `file:`
  // prefix on either side ignored): Spark's refreshByPath. Valid until the next change.
  std::vector<const CachedData*> reading_path(const std::string& dir) const;
  std::vector<int> clear();
  void set_plan_facts(int id, std::shared_ptr<const std::string> tree, int64_t size);
  bool empty() const { return entries_.empty(); }
  // Spark's useCachedData: top-down, a subtree matching an entry older than `below` becomes an
  // InMemoryRelation (its output keeps the subtree's attributes).
  PlanPtr use_cached_data(const PlanPtr& plan, int below = INT32_MAX) const;

 private:
  std::vector<CachedData> entries_;
  int next_id_ = 1;
};

}  // namespace spp::sql
