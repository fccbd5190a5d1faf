// explain() of physical plans as Spark 3.5 prints them: the tree (simple, verbose), the
// formatted mode (ExplainUtils.processPlan) and the codegen mode (debug.writeCodegen).
#include <algorithm>
#include <functional>
#include <set>

#include "common/strings.h"
#include "sql/physical/physical.h"

namespace spp::sql {

namespace {

// Operators Spark runs inside a whole-stage-codegen stage (CodegenSupport).
bool codegen(const PhysicalPlan& p) {
  switch (p.kind) {
    case PhysKind::HashAggregate: return !object_hash_aggregate(p);  // ObjectHashAggregateExec has none
    case PhysKind::Project: case PhysKind::Filter: case PhysKind::Range:
    case PhysKind::Sort: case PhysKind::BroadcastHashJoin: case PhysKind::SortMergeJoin:
    case PhysKind::ShuffledHashJoin: case PhysKind::LocalLimit: case PhysKind::GlobalLimit: case PhysKind::Sample:
    case PhysKind::Generate:  // explode / posexplode support codegen (CollectionGenerator)
    case PhysKind::Expand: case PhysKind::ColumnarToRow:
      return true;
    case PhysKind::LocalTableScan:  // InputRDDCodegen; never a stage's root (see build_view)
      return true;
    default: return false;
  }
}

std::string attr_list(const ExprList& es) {
  std::string s = "[";
  for (size_t i = 0; i < es.size(); ++i) s += (i ? ", " : "") + es[i]->to_string();
  return s + "]";
}

bool has_exchange(const PhysPtr& p) {
  if (p->kind == PhysKind::ShuffleExchange || p->kind == PhysKind::BroadcastExchange) return true;
  return std::any_of(p->children.begin(), p->children.end(), has_exchange);
}

// A plan as explain walks it: each operator with its whole-stage-codegen stage (0 = none) and,
// for the formatted mode, its operator id.
struct View {
  PhysPtr p;
  int stage = 0;
  int id = 0;
  std::vector<View> kids;
};

View build_view(const PhysPtr& root, bool aqe) {
  // A stage's id is taken once everything under it is numbered (CollapseCodegenStages:
  // WholeStageCodegenExec(insertInputAdapter(plan))(counter.incrementAndGet())), so the stages
  // nearest the leaves come first: `*(2) HashAggregate` above the Exchange, `*(1)` below it.
  std::vector<int> final_id{0};
  int provisional = 0, counter = 0;
  std::function<View(const PhysPtr&, int)> number = [&](const PhysPtr& p, int parent_stage) {
    // AQE's initial plan has no transitions yet (ApplyColumnarRulesAndInsertTransitions is one of
    // its postStageCreationRules): no ColumnarToRow above the scans.
    if (aqe && p->kind == PhysKind::ColumnarToRow && !p->children.empty()) return number(p->children[0], parent_stage);
    View v{p, 0, 0, {}};
    bool starts = false;
    // CollapseCodegenStages leaves a LocalTableScan (VALUES, an empty relation) that would
    // start a stage alone, for the driver's fast collect: `LocalTableScan [a#1]` at the root,
    // `*(1) LocalTableScan [a#1]` under a codegen'd parent.
    const bool lone_local = p->kind == PhysKind::LocalTableScan && !rdd_scan(*p) && !parent_stage;
    if (!aqe && codegen(*p) && !lone_local) {
      bool joins_parent = parent_stage && p->kind != PhysKind::Sort;
      starts = !joins_parent;
      v.stage = joins_parent ? parent_stage : ++provisional;
      if (starts) final_id.push_back(0);
    }
    // Children of a join start their own stages (Spark's InputAdapter boundaries).
    bool join = p->kind == PhysKind::SortMergeJoin || p->kind == PhysKind::ShuffledHashJoin;
    for (size_t i = 0; i < p->children.size(); ++i) {
      bool streamed = p->kind == PhysKind::BroadcastHashJoin && static_cast<int>(i) == (p->build_left ? 1 : 0);
      v.kids.push_back(number(p->children[i], v.stage && !join && (p->children.size() == 1 || streamed) ? v.stage : 0));
    }
    if (starts) final_id[size_t(v.stage)] = ++counter;
    return v;
  };
  View v = number(root, 0);
  std::function<void(View&)> fix = [&](View& x) {
    x.stage = final_id[size_t(x.stage)];
    for (auto& k : x.kids) fix(k);
  };
  fix(v);
  return v;
}

// verboseString: the aggregates add their output (BaseAggregateExec.toString(verbose = true)).
std::string node_text(const PhysicalPlan& p, bool verbose) {
  std::string s = p.node_string();
  if (verbose && p.kind == PhysKind::HashAggregate && !s.empty() && s.back() == ')')
    s = s.substr(0, s.size() - 1) + ", output=" + attr_list(p.output()) + ")";
  return s;
}

std::string subquery_tree(const SubqueryPlan& s, const PlannerOptions& opts, bool verbose);

// `opts`: where the operators' subqueries are drawn (their plans planned with these options);
// nullptr leaves them out (codegen's subtrees).
void draw(const View& v, const std::string& prefix, bool last, bool is_root, bool verbose, std::string& out,
          const PlannerOptions* opts = nullptr) {
  const PhysicalPlan& p = *v.p;
  out += is_root ? "" : prefix + (last ? "+- " : ":- ");
  out += (v.stage ? "*(" + std::to_string(v.stage) + ") " : std::string()) + node_text(p, verbose) + "\n";
  std::string cp = is_root ? "" : prefix + (last ? "   " : ":  ");
  if (p.kind == PhysKind::InMemoryTableScan)  // its relation and the cached plan (innerChildren)
    out += draw_inner_tree("InMemoryRelation " + attr_list(p.data_attrs) + ", " + p.name + "\n" +
                               (p.inner_tree ? draw_inner_tree(*p.inner_tree, "") : std::string()),
                           cp);
  // Subqueries are innerChildren (QueryPlan.subqueries): `Subquery subquery#5, [id=#20]` over
  // the subquery's own plan, before the children, one level deeper.
  for (size_t i = 0; opts && i < p.subqueries.size(); ++i) {
    const std::string sp = cp + (p.children.empty() ? "   " : ":  ");
    const bool sl = i + 1 == p.subqueries.size();
    out += sp + (sl ? "+- " : ":- ") + p.subqueries[i].expr->to_string() + "\n";
    const std::string t = subquery_tree(p.subqueries[i], *opts, verbose);
    size_t at = 0;
    for (bool first = true; at < t.size(); first = false) {
      size_t nl = t.find('\n', at);
      if (nl == std::string::npos) nl = t.size();
      out += sp + (sl ? "   " : ":  ") + (first ? "+- " : "   ") + t.substr(at, nl - at) + "\n";
      at = nl + 1;
    }
  }
  for (size_t i = 0; i < v.kids.size(); ++i) draw(v.kids[i], cp, i + 1 == v.kids.size(), false, verbose, out, opts);
}

std::string tree_string(const View& v, bool aqe, bool verbose, const PlannerOptions& opts) {
  std::string out;
  if (aqe) {
    // Before execution AQE shows its initial plan (no codegen stages yet) under this root.
    out = "AdaptiveSparkPlan isFinalPlan=false\n";
    draw(v, "", true, false, verbose, out, &opts);
    return out;
  }
  draw(v, "", true, true, verbose, out, &opts);
  return out;
}

// AQE applies where a plan has an exchange or a subquery (InsertAdaptiveSparkPlan.shouldApplyAQE),
// and to every subquery's plan.
bool adaptive(const PhysPtr& root, const PlannerOptions& opts, bool subquery = false) {
  return opts.adaptive && (subquery || has_exchange(root) || has_subqueries(root));
}

// ---- formatted ----

// ExplainUtils.generateFieldString: `Name [n]: [a, b]`, `Name: []` when empty.
std::string field(const std::string& name, const std::vector<std::string>& values) {
  if (values.empty()) return name + ": []";
  std::string s = name + " [" + std::to_string(values.size()) + "]: [";
  for (size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + values[i];
  return s + "]";
}
std::string field(const std::string& name, const ExprList& es) {
  std::vector<std::string> v;
  for (const auto& e : es) v.push_back(e->to_string());
  return field(name, v);
}

bool is_join(PhysKind k) {
  return k == PhysKind::BroadcastHashJoin || k == PhysKind::SortMergeJoin || k == PhysKind::ShuffledHashJoin ||
         k == PhysKind::BroadcastNestedLoopJoin || k == PhysKind::CartesianProduct;
}

// simpleStringWithNodeId: `Name (id)`; joins add their type (and build side: HashJoin,
// BroadcastNestedLoopJoin).
std::string outline_name(const View& v) {
  const PhysicalPlan& p = *v.p;
  std::string s = spark_node_name(p);
  if (is_join(p.kind)) {
    s += std::string(" ") + (p.kind == PhysKind::CartesianProduct ? "Inner" : join_type_name(p.join_type));
    if (p.kind == PhysKind::BroadcastHashJoin || p.kind == PhysKind::ShuffledHashJoin ||
        p.kind == PhysKind::BroadcastNestedLoopJoin)
      s += p.build_left ? " BuildLeft" : " BuildRight";
  }
  return ascii_trim(s + " (" + std::to_string(v.id) + ")");
}

// TreeNode.argString: the node's arguments but its children, as its one-line string prints them
// after the name (the operators whose simpleString is `nodeName argString`).
std::string arguments(const PhysicalPlan& p) {
  switch (p.kind) {
    case PhysKind::LocalTableScan:
      if (p.data_ref == "one_row") return "ParallelCollectionRDD[0] at parallelize, OneRowRelation, UnknownPartitioning(0)";
      if (rdd_scan(p)) {  // RDDScanExec(output, rdd, "ExistingRDD", UnknownPartitioning(0), Nil)
        const std::string id = p.data_ref.rfind("rdd:", 0) == 0 ? p.data_ref.substr(4) : "0";
        return (p.output_attrs.empty() ? std::string() : attr_list(p.output_attrs) + ", ") + "MapPartitionsRDD[" + id +
               "] at applySchemaToPythonRDD at NativeMethodAccessorImpl.java:0, ExistingRDD, UnknownPartitioning(0)";
      }
      return (p.data_ref == "empty" ? "<empty>, " : "") + attr_list(p.output_attrs);
    case PhysKind::Range:  // RangeExec(range: logical Range): the logical node's string
      return "Range (" + std::to_string(p.start) + ", " + std::to_string(p.end) + ", step=" + std::to_string(p.step) +
             (p.name == "splits=None" ? ", splits=None)" : ", splits=Some(" + std::to_string(p.num_partitions) + "))");
    case PhysKind::TakeOrderedAndProject: {  // limit, sortOrder, projectList (offset 0 left out)
      ExprList proj = p.project;
      return std::to_string(p.n) + ", " + attr_list(p.exprs) + ", " + attr_list(proj);
    }
    case PhysKind::InMemoryTableScan:  // attributes, predicates, relation
      return attr_list(p.output_attrs) + ", " + attr_list(p.exprs) + ", InMemoryRelation " + attr_list(p.data_attrs) +
             ", " + p.name;
    case PhysKind::Union: case PhysKind::ColumnarToRow: return "";
    default: break;
  }
  const std::string s = p.node_string(), name = spark_node_name(p) + " ";
  return s.rfind(name, 0) == 0 ? s.substr(name.size()) : "";
}

// Aggregate sections (BaseAggregateExec.verboseStringWithOperatorId): the partial aggregate's
// attributes are its buffers, a final one's the results of its functions (`max(v#1)#7`), which
// its result expressions read.
std::string aggregate_section(const PhysicalPlan& p, int64_t& next_id) {
  std::vector<const Expr*> fns;
  for (const auto& e : p.exprs) aggregate_functions(*e, fns);
  std::vector<std::string> functions;
  for (const Expr* f : fns) functions.push_back((p.agg_mode == AggMode::Partial ? "partial_" : "") + f->to_string());
  ExprList attributes, results;
  if (p.agg_mode == AggMode::Partial) {
    attributes.assign(p.output_attrs.begin() + long(std::min(p.groups.size(), p.output_attrs.size())), p.output_attrs.end());
    results = p.output_attrs;
  } else {
    std::vector<std::pair<const Expr*, ExprPtr>> result_of;
    for (const Expr* f : fns) {
      auto a = attr(f->to_string(), f->type, f->nullable, next_id++);
      attributes.push_back(a);
      result_of.emplace_back(f, a);
    }
    for (const auto& e : p.exprs)  // the output list, keys included
      results.push_back(transform_down(e, [&](const ExprPtr& x) -> ExprPtr {
        for (const auto& [f, a] : result_of)
          if (x.get() == f) return a;
        return nullptr;
      }));
  }
  return field("Input", p.children[0]->output()) + "\n" + field("Keys", p.groups) + "\n" + field("Functions", functions) +
         "\n" + field("Aggregate Attributes", attributes) + "\n" + field("Results", results) + "\n";
}

// verboseStringWithOperatorId of one operator: `\n(id) Name [codegen id : k]\n` and its lines.
std::string section(const View& v, int64_t& next_id) {
  const PhysicalPlan& p = *v.p;
  std::string s = "\n(" + std::to_string(v.id) + ") " + spark_node_name(p) +
                  (v.stage ? " [codegen id : " + std::to_string(v.stage) + "]" : "") + "\n";
  const std::string args = arguments(p);
  const std::string args_line = args.empty() ? "" : "Arguments: " + args + "\n";
  switch (p.kind) {
    case PhysKind::FileScan: {  // DataSourceScanExec: the non-empty metadata but DataFilters and Format
      s += field("Output", p.output()) + "\n";
      for (const auto& [k, val] : file_scan_metadata(p)) {
        if (val.empty() || val == "[]" || k == "DataFilters" || k == "Format") continue;
        s += k + ": " + val + "\n";
      }
      return s;
    }
    case PhysKind::Project: return s + field("Output", p.exprs) + "\n" + field("Input", p.children[0]->output()) + "\n";
    case PhysKind::Filter: return s + field("Input", p.children[0]->output()) + "\nCondition : " + p.exprs[0]->to_string() + "\n";
    case PhysKind::HashAggregate: return s + aggregate_section(p, next_id);
    case PhysKind::Union: return s;  // neither leaf, unary nor binary: QueryPlan's form
    default: break;
  }
  if (is_join(p.kind)) {  // BaseJoinExec
    const std::string cond = p.exprs.empty() ? "None" : p.exprs[0]->to_string();
    if (!p.left_keys.empty() || !p.right_keys.empty())
      s += field("Left keys", p.left_keys) + "\n" + field("Right keys", p.right_keys) + "\n";
    return s + "Join type: " + (p.kind == PhysKind::CartesianProduct ? "Inner" : join_type_name(p.join_type)) +
           "\nJoin condition: " + cond + "\n";
  }
  if (p.children.empty()) return s + field("Output", p.output()) + "\n" + args_line;  // LeafExecNode
  return s + field("Input", p.children[0]->output()) + "\n" + args_line;            // UnaryExecNode
}

// Ids the planner gives the attributes it makes (partial-aggregate buffers, grouping
// expressions) start at 1,000,000, apart from the analyzer's; explain shows them after the
// query's own ids, as Spark's (one counter) would be.
constexpr int64_t kPlannerIds = 1000000;

void max_query_id(const PhysicalPlan& p, int64_t& m) {
  auto see = [&](const ExprList& es) {
    for (const auto& e : es)
      foreach_expr(e, [&](const Expr& x) {
        if ((x.kind == ExprKind::Attribute || x.kind == ExprKind::Alias) && x.id < kPlannerIds) m = std::max(m, x.id);
      });
  };
  for (const ExprList* es : {&p.exprs, &p.groups, &p.left_keys, &p.right_keys, &p.project, &p.output_attrs, &p.data_attrs,
                             &p.partitioning.exprs})
    see(*es);
  for (const auto& c : p.children) max_query_id(*c, m);
}

ExprPtr shift_ids(const ExprPtr& e, int64_t base) {
  return transform_up(e, [&](const ExprPtr& x) -> ExprPtr {
    if ((x->kind != ExprKind::Attribute && x->kind != ExprKind::Alias) || x->id < kPlannerIds) return nullptr;
    auto c = std::make_shared<Expr>(*x);
    c->id = base + (x->id - kPlannerIds);
    return c;
  });
}

PhysPtr shift_planner_ids(const PhysPtr& p, int64_t base) {
  auto n = std::make_shared<PhysicalPlan>(*p);
  for (ExprList* es : {&n->exprs, &n->groups, &n->left_keys, &n->right_keys, &n->project, &n->output_attrs, &n->data_attrs,
                       &n->partitioning.exprs})
    for (auto& e : *es) e = shift_ids(e, base);
  for (auto& c : n->children) c = shift_planner_ids(c, base);
  return n;
}

}  // namespace

int64_t explain_id_base(const PhysPtr& p) {
  int64_t m = -1;
  max_query_id(*p, m);
  return m + 1;
}

PhysPtr with_explain_ids(const PhysPtr& p, int64_t base) { return shift_planner_ids(p, base < 0 ? explain_id_base(p) : base); }

namespace {
std::string subquery_tree(const SubqueryPlan& s, const PlannerOptions& opts, bool verbose) {
  const bool aqe = adaptive(s.plan, opts, true);
  return tree_string(build_view(with_explain_ids(s.plan), aqe), aqe, verbose, opts);
}
}  // namespace

std::string physical_tree_string(const PhysPtr& root, const PlannerOptions& opts, bool verbose) {
  const bool aqe = adaptive(root, opts);
  return tree_string(build_view(with_explain_ids(root), aqe), aqe, verbose, opts);
}

std::string explain_extended(const PlanPtr& parsed, const PlanPtr& analyzed, const PlanPtr& optimized,
                             const PhysPtr& physical, const PlannerOptions& opts) {
  std::string schema;
  auto out = analyzed->output();
  for (size_t i = 0; i < out.size(); ++i) schema += (i ? ", " : "") + out[i]->name + ": " + out[i]->type.simple_string();
  return "== Parsed Logical Plan ==\n" + parsed->tree_string() + "\n== Analyzed Logical Plan ==\n" + schema +
         (schema.empty() ? "" : "\n") + analyzed->tree_string() + "\n== Optimized Logical Plan ==\n" +
         optimized->tree_string() + "\n== Physical Plan ==\n" + physical_tree_string(physical, opts, true);
}

namespace {
struct HostedSubquery {
  int host = 0;  // the hosting operator's id
  SubqueryPlan s;
};

// One plan of the formatted mode (ExplainUtils.processPlanSkippingSubqueries): the outline with
// operator ids from `next` + 1 on, then one section per operator. The subqueries its operators
// host go to `subs` with their host's id, in pre-order (getSubqueries).
std::string formatted_plan(const PhysPtr& plan, const PlannerOptions& opts, bool subquery, int& next,
                           std::vector<HostedSubquery>& subs) {
  const int64_t base = explain_id_base(plan);
  const PhysPtr root = with_explain_ids(plan, base);
  const bool aqe = adaptive(root, opts, subquery);
  View v = build_view(root, aqe);
  // Operator ids bottom-up (ExplainUtils.generateOperatorIDs: foreachUp), AdaptiveSparkPlan last.
  std::function<void(View&)> ids = [&](View& x) {
    for (auto& k : x.kids) ids(k);
    x.id = ++next;
  };
  ids(v);
  std::function<void(const View&)> hosted = [&](const View& x) {
    for (const auto& s : x.p->subqueries) subs.push_back({x.id, s});
    for (const auto& k : x.kids) hosted(k);
  };
  hosted(v);
  std::string out;
  std::function<void(const View&, const std::string&, bool, bool)> outline = [&](const View& x, const std::string& prefix,
                                                                                  bool last, bool is_root) {
    out += is_root ? "" : prefix + (last ? "+- " : ":- ");
    out += (x.stage ? "* " : "") + outline_name(x) + "\n";
    const std::string cp = is_root ? "" : prefix + (last ? "   " : ":  ");
    for (size_t i = 0; i < x.kids.size(); ++i) outline(x.kids[i], cp, i + 1 == x.kids.size(), false);
  };
  if (aqe) {
    out += "AdaptiveSparkPlan (" + std::to_string(next + 1) + ")\n";
    outline(v, "", true, false);
  } else {
    outline(v, "", true, true);
  }
  out += "\n";
  int64_t attr_ids = -1;  // the final aggregates' result attributes: after every other id
  max_query_id(*root, attr_ids);
  ++attr_ids;
  std::function<void(const View&)> sections = [&](const View& x) {
    for (const auto& k : x.kids) sections(k);
    out += section(x, attr_ids);
  };
  sections(v);
  if (aqe) {
    ++next;
    out += "\n(" + std::to_string(next) + ") AdaptiveSparkPlan\n" + field("Output", root->output()) +
           "\nArguments: isFinalPlan=false\n";
  }
  return out;
}
}  // namespace

std::string explain_formatted(const PhysPtr& plan, const PlannerOptions& opts) {
  int next = 0, shown = 0;
  std::vector<HostedSubquery> subs;
  std::string out = formatted_plan(plan, opts, false, next, subs);
  // Each subquery after the main plan (a nested one right after the subquery holding it), its
  // operators numbered on; its own plan once per exprId (ReusedSubquery is not drawn again).
  std::set<int64_t> drawn;
  std::function<void(const std::vector<HostedSubquery>&)> emit = [&](const std::vector<HostedSubquery>& list) {
    for (const auto& h : list) {
      out += (shown++ ? "" : "\n===== Subqueries =====\n\n");
      out += "Subquery:" + std::to_string(shown) + " Hosting operator id = " + std::to_string(h.host) +
             " Hosting Expression = " + h.s.expr->to_string() + "\n";
      std::vector<HostedSubquery> nested;
      if (drawn.insert(h.s.expr_id).second) out += formatted_plan(h.s.plan, opts, true, next, nested);
      out += "\n";
      emit(nested);
    }
  };
  emit(subs);
  return out;
}

std::string explain_codegen(const PhysPtr& plan, const PlannerOptions& opts) {
  const PhysPtr root = with_explain_ids(plan);
  const bool aqe = adaptive(root, opts);
  View v = build_view(root, aqe);
  // Each stage's top operator (WholeStageCodegenExec's child), by stage id.
  std::vector<std::pair<int, const View*>> tops;
  std::function<void(const View&, int)> find = [&](const View& x, int parent) {
    if (x.stage && x.stage != parent) tops.emplace_back(x.stage, &x);
    for (const auto& k : x.kids) find(k, x.stage);
  };
  find(v, 0);
  std::sort(tops.begin(), tops.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out = "Found " + std::to_string(tops.size()) + " WholeStageCodegen subtrees.\n";
  for (size_t i = 0; i < tops.size(); ++i) {
    // ByteCodeStats.UNAVAILABLE: no Java class is compiled here.
    out += "== Subtree " + std::to_string(i + 1) + " / " + std::to_string(tops.size()) +
           " (maxMethodCodeSize:-1; maxConstantPoolSize:-1; numInnerClasses:-1) ==\n";
    std::string tree;
    draw(*tops[i].second, "", true, true, true, tree);
    out += tree + "\nGenerated code:\n" +
           "/* sparkpp runs this stage's operators as native vectorized kernels: no Java source is generated. */\n\n";
  }
  return out;
}

std::optional<std::string> explain_text(const std::string& mode, const PlanPtr& parsed, const PlanPtr& analyzed,
                                        const PlanPtr& optimized, const PhysPtr& physical, const PlannerOptions& opts) {
  const std::string m = ascii_lower(mode);
  if (m == "simple" || m.empty()) return "== Physical Plan ==\n" + physical_tree_string(physical, opts) + "\n";
  if (m == "extended") return explain_extended(parsed, analyzed, optimized, physical, opts) + "\n";
  if (m == "formatted") return "== Physical Plan ==\n" + explain_formatted(physical, opts) + "\n";
  if (m == "codegen") return explain_codegen(physical, opts);
  if (m == "cost") return explain_cost(optimized, physical, opts);
  return std::nullopt;
}

}  // namespace spp::sql
