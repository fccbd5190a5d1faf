// Connect's Python function nodes: CommonInlineUserDefinedFunction (udf(), pandas_udf(),
// spark.udf.register) and the relations that run one over whole batches — MapPartitions
// (mapInPandas) and GroupMap (applyInPandas).
#include "common/util.h"
#include "sql/connect/decode.h"
#include "sql/connect/decode_internal.h"

namespace spp::sql {

using nlohmann::json;

namespace {

Result<std::shared_ptr<PythonFunc>> python_func(const json& b, std::initializer_list<int> eval_types, const char* what) {
  using R = Result<std::shared_ptr<PythonFunc>>;
  const char* k = "commonInlineUserDefinedFunction";
  if (auto s = check_keys(b, k, {"functionName", "deterministic", "arguments", "pythonUdf"}); !s) return R(s);
  if (!b.contains("pythonUdf") || !b["pythonUdf"].is_object())
    return R::error("plan: commonInlineUserDefinedFunction needs a pythonUdf (only Python UDFs are supported)");
  const json& py = b["pythonUdf"];
  if (auto s = check_keys(py, "pythonUdf", {"outputType", "evalType", "command", "pythonVer"}); !s) return R(s);
  auto command = spp::base64_decode(str(py, "command"));
  if (!command || command->empty()) return R::error("plan: pythonUdf needs its command (base64 bytes)");
  auto f = std::make_shared<PythonFunc>();
  f->id = python_func_id(*command);
  f->command = std::make_shared<const std::string>(std::move(*command));
  f->eval_type = py.contains("evalType") && py["evalType"].is_number_integer() ? py["evalType"].get<int>() : 100;
  bool ok = false;
  for (int t : eval_types) ok |= t == f->eval_type;
  if (!ok) return R::error("plan: Python UDF evalType " + std::to_string(f->eval_type) + " is not supported " + what);
  f->deterministic = !b.contains("deterministic") || boolean(b, "deterministic");
  return f;
}

Result<DataType> output_type(const json& b) {
  const json& py = b["pythonUdf"];
  if (!py.contains("outputType")) return Result<DataType>::error("plan: pythonUdf needs an outputType");
  return type_from_connect_json(py["outputType"]);
}

}  // namespace

Result<ExprPtr> decode_python_udf(const json& b, IdGen& ids) {
  // Row-at-a-time (100) and pandas scalar UDFs (200 Series -> Series, 204 iterator of Series).
  // ... and pandas grouped aggregates (202: Series -> scalar, in groupBy().agg).
  auto f = python_func(b, {100, 200, 202, 204},
                       "as an expression yet (SQL_BATCHED_UDF 100, SQL_SCALAR_PANDAS_UDF 200, "
                       "SQL_GROUPED_AGG_PANDAS_UDF 202, SQL_SCALAR_PANDAS_ITER_UDF 204)");
  if (!f) return Result<ExprPtr>(f.status());
  auto t = output_type(b);
  if (!t) return t.status();
  auto args = exprs(b, "arguments", ids);
  if (!args) return args.status();
  std::string name = str(b, "functionName");
  if (name.empty()) name = "<lambda>";
  return python_udf(std::move(name), std::move(*args), std::move(*t), std::move(f.value()));
}

Result<PlanPtr> decode_pandas_map(const std::string& kind, const json& b, IdGen& ids) {
  using R = Result<PlanPtr>;
  const bool cogroup = kind == "coGroupMap", grouped = kind == "groupMap" || cogroup;
  if (auto s = cogroup ? check_keys(b, "coGroupMap", {"input", "inputGroupingExpressions", "other",
                                                      "otherGroupingExpressions", "func", "inputSortingExpressions",
                                                      "otherSortingExpressions"})
               : grouped ? check_keys(b, "groupMap", {"input", "groupingExpressions", "func", "sortingExpressions"})
                         : check_keys(b, "mapPartitions", {"input", "func", "isBarrier"});
      !s)
    return R(s);
  if (cogroup && !b.contains("other")) return R::error("plan: coGroupMap needs other");
  if (!b.contains("input") || !b.contains("func")) return R::error("plan: " + kind + " needs input and func");
  const json& fj = b["func"];
  const json& body = fj.contains("commonInlineUserDefinedFunction") ? fj["commonInlineUserDefinedFunction"] : fj;
  auto f = python_func(body, {cogroup ? 206 : grouped ? 201 : 205},
                       cogroup   ? "in cogroup().applyInPandas (SQL_COGROUPED_MAP_PANDAS_UDF 206)"
                       : grouped ? "in applyInPandas (SQL_GROUPED_MAP_PANDAS_UDF 201)"
                                 : "in mapInPandas (SQL_MAP_PANDAS_ITER_UDF 205)");
  if (!f) return R(f.status());
  auto t = output_type(body);
  if (!t) return R(t.status());
  if (t->id != TypeId::Struct) return R::error("plan: " + kind + " returns a struct type (the output schema)");
  auto in = decode_relation(b["input"], ids);
  if (!in) return in;
  LogicalPlan p;
  p.kind = cogroup ? PlanKind::FlatMapCoGroupsInPandas : grouped ? PlanKind::FlatMapGroupsInPandas : PlanKind::MapInPandas;
  p.children = {*in};
  if (cogroup) {
    auto other = decode_relation(b["other"], ids);
    if (!other) return other;
    p.children.push_back(*other);
  }
  // The arguments (every input column) are filled in by the analyzer.
  std::string name = str(body, "functionName");
  p.exprs = {python_udf(name.empty() ? "<lambda>" : name, {}, *t, std::move(f.value()))};
  p.output_attrs = attrs_for_fields(t->fields, ids);
  if (cogroup) {
    auto l = exprs(b, "inputGroupingExpressions", ids);
    if (!l) return l.status();
    auto r = exprs(b, "otherGroupingExpressions", ids);
    if (!r) return r.status();
    if (l->size() != r->size())
      return R::error("plan: a cogroup's two sides group by " + std::to_string(l->size()) + " and " +
                      std::to_string(r->size()) + " keys");
    p.groups = *l;
    p.groups.insert(p.groups.end(), r->begin(), r->end());
    p.n = static_cast<int64_t>(l->size());
  } else if (grouped) {
    auto g = exprs(b, "groupingExpressions", ids);
    if (!g) return g.status();
    p.groups = *g;
  }
  p.flag = boolean(b, "isBarrier");
  return make_plan(std::move(p));
}

}  // namespace spp::sql
