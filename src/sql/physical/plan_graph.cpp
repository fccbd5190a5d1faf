// The SQL tab's plan graph: node ids for the executed plan and the graph the UI draws (Spark's
// SparkPlanGraph: one node per physical operator, edges child -> parent, stage clusters).
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "sql/physical/physical.h"

namespace spp::sql {

using json = nlohmann::json;

PhysPtr number_plan_nodes(const PhysPtr& root) {
  int next = 0;
  std::function<PhysPtr(const PhysPtr&)> go = [&](const PhysPtr& p) -> PhysPtr {
    auto copy = std::make_shared<PhysicalPlan>(*p);
    copy->node_id = next++;  // pre-order: a parent before its children, as Spark numbers them
    for (auto& c : copy->children) c = go(c);
    return copy;
  };
  return go(root);
}

std::string spark_node_name(const PhysicalPlan& p) {
  switch (p.kind) {
    case PhysKind::LocalTableScan:
      if (p.data_ref == "one_row") return "Scan OneRowRelation";
      return rdd_scan(p) ? "Scan ExistingRDD" : "LocalTableScan";
    case PhysKind::FileScan: return "Scan " + p.name + " " + p.table;  // Spark: "Scan <format shortName> <table>"
    case PhysKind::ShuffleExchange: return "Exchange";
    case PhysKind::InMemoryTableScan: return "InMemoryTableScan";
    case PhysKind::ColumnarToRow: return "ColumnarToRow";
    case PhysKind::Range: return "Range";
    case PhysKind::Project: return "Project";
    case PhysKind::Filter: return "Filter";
    case PhysKind::HashAggregate: return object_hash_aggregate(p) ? "ObjectHashAggregate" : "HashAggregate";
    case PhysKind::Sort: return "Sort";
    case PhysKind::BroadcastExchange: return "BroadcastExchange";
    case PhysKind::BroadcastHashJoin: return "BroadcastHashJoin";
    case PhysKind::SortMergeJoin: return "SortMergeJoin";
    case PhysKind::ShuffledHashJoin: return "ShuffledHashJoin";
    case PhysKind::BroadcastNestedLoopJoin: return "BroadcastNestedLoopJoin";
    case PhysKind::CartesianProduct: return "CartesianProduct";
    case PhysKind::CollectLimit: return "CollectLimit";
    case PhysKind::GlobalLimit: return "GlobalLimit";
    case PhysKind::LocalLimit: return "LocalLimit";
    case PhysKind::TakeOrderedAndProject: return "TakeOrderedAndProject";
    case PhysKind::Union: return "Union";
    case PhysKind::Sample: return "Sample";
    case PhysKind::Coalesce: return "Coalesce";
    case PhysKind::Generate: return "Generate";
    case PhysKind::Window: return window_in_pandas(p.exprs) ? "WindowInPandas" : "Window";
    case PhysKind::Expand: return "Expand";
    case PhysKind::BatchEvalPython: return p.n != 100 ? "ArrowEvalPython" : "BatchEvalPython";
    case PhysKind::MapInPandas: return "MapInPandas";
    case PhysKind::FlatMapGroupsInPandas: return "FlatMapGroupsInPandas";
    case PhysKind::FlatMapCoGroupsInPandas: return "FlatMapCoGroupsInPandas";
    case PhysKind::AggregateInPandas: return "AggregateInPandas";
  }
  return "?";
}

json plan_graph(const PhysPtr& numbered, const std::vector<StageFragment>& stages) {
  // Which fragment runs a node: walk each fragment's tree (exchange readers carry the exchange's
  // id but do not make the exchange part of the reading stage).
  std::map<int, int> stage_of;
  std::function<void(const PhysPtr&, int)> mark = [&](const PhysPtr& p, int s) {
    const bool reader = p->kind == PhysKind::LocalTableScan &&
                        (p->data_ref.rfind("shuffle:", 0) == 0 || p->data_ref.rfind("broadcast:", 0) == 0);
    if (p->node_id >= 0 && !reader) stage_of.emplace(p->node_id, s);
    for (const auto& c : p->children) mark(c, s);
  };
  for (const auto& f : stages) mark(f.root, f.id);
  json nodes = json::array(), edges = json::array();
  std::function<void(const PhysPtr&)> walk = [&](const PhysPtr& p) {
    auto it = stage_of.find(p->node_id);
    nodes.push_back({{"nodeId", p->node_id}, {"nodeName", spark_node_name(*p)}, {"desc", p->node_string()},
                     {"stage", it == stage_of.end() ? -1 : it->second}});
    for (const auto& c : p->children) {
      edges.push_back({{"fromId", c->node_id}, {"toId", p->node_id}});
      walk(c);
    }
  };
  if (numbered) walk(numbered);
  return {{"nodes", nodes}, {"edges", edges}};
}

}  // namespace spp::sql
