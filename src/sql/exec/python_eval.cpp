// BatchEvalPython: argument columns natively, the calls in one Python worker, results appended.
#include "sql/exec/python_eval.h"

#include <algorithm>

#include "sql/exec/lower_internal.h"
#include "sql/exec/operator.h"

namespace spp::sql::exec {

using nlohmann::json;

namespace {

class BatchEvalPython : public Operator {
 public:
  BatchEvalPython(OpPtr child, std::vector<ExprPtr> args, json program, std::vector<int64_t> funcs, ColTypePtr schema,
                  const ExecContext& ctx)
      : child_(std::move(child)), args_(std::move(args)), program_(std::move(program)), funcs_(std::move(funcs)), ctx_(ctx) {
    schema_ = std::move(schema);
    std::vector<std::string> names;
    std::vector<ColTypePtr> types;
    for (size_t i = 0; i < args_.size(); ++i) {
      names.push_back("_" + std::to_string(i));
      types.push_back(args_[i]->type);
    }
    arg_schema_ = schema_of(names, types);
  }
  std::string name() const override { return "BatchEvalPython"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }

 protected:
  BatchResult next_impl() override {
    auto b = child_->next();
    if (!b) return b;
    if (!b->has_value()) {
      if (runner_ && !finished_) {
        finished_ = true;
        if (auto s = runner_->finish(); !s) return BatchResult(s);
      }
      return b;
    }
    Batch in = std::move(**b);
    const size_t child_cols = in.columns.size();
    const size_t results = schema_->children.size() - child_cols;
    Batch out;
    out.schema = schema_;
    out.num_rows = in.num_rows;
    out.columns = in.columns;
    if (in.num_rows == 0) {  // nothing to ask Python
      for (size_t i = 0; i < results; ++i) out.columns.push_back(col::make_null_column(col::make_type(schema_->children[child_cols + i]), 0));
      return std::optional<Batch>(std::move(out));
    }
    if (!runner_) {
      if (!ctx_.python) return BatchResult::error("Python UDFs need an executor's Python workers");
      auto r = ctx_.python(program_, funcs_);
      if (!r) return BatchResult(r.status());
      runner_ = std::move(r.value());
    }
    Batch args;
    args.schema = arg_schema_;
    args.num_rows = out.num_rows;
    for (const auto& e : args_) args.columns.push_back(eval_flat(*e, in, ctx_.eval));
    auto r = runner_->eval(args);
    if (!r) return BatchResult(r.status());
    const Batch& res = r.value();
    if (res.num_rows != out.num_rows || res.columns.size() != results)
      return BatchResult::error("the Python worker returned " + std::to_string(res.num_rows) + " rows of " +
                                std::to_string(res.columns.size()) + " columns for " + std::to_string(out.num_rows) +
                                " rows of " + std::to_string(results));
    for (size_t i = 0; i < results; ++i) {
      if (res.columns[i]->type->id != schema_->children[child_cols + i].id)
        return BatchResult::error("the Python worker returned a column of the wrong type");
      out.columns.push_back(res.columns[i]);
    }
    return std::optional<Batch>(std::move(out));
  }

 private:
  OpPtr child_;
  std::vector<ExprPtr> args_;
  json program_;
  std::vector<int64_t> funcs_;
  ExecContext ctx_;
  ColTypePtr arg_schema_;
  std::unique_ptr<PythonUdfRunner> runner_;
  bool finished_ = false;
};

// Flattens the node's UDF trees into the worker program: native arguments become input
// columns (each distinct one once), nested calls earlier program entries.
struct ProgramBuilder {
  json udfs = json::array();
  std::vector<json> arg_exprs;
  std::vector<int64_t> funcs;

  Result<int> add(const json& u) {
    if (u.value("kind", "") != "pyudf" || !u.contains("funcId") || !u.contains("type"))
      return err<int>("BatchEvalPython: not a Python UDF call: " + u.dump().substr(0, 80));
    json refs = json::array();
    for (const auto& a : u.value("args", json::array())) {
      if (a.value("kind", "") == "pyudf") {
        auto k = add(a);
        if (!k) return k;
        refs.push_back({{"udf", k.value()}});
        continue;
      }
      auto it = std::find(arg_exprs.begin(), arg_exprs.end(), a);
      if (it == arg_exprs.end()) it = arg_exprs.insert(arg_exprs.end(), a);
      refs.push_back({{"col", it - arg_exprs.begin()}});
    }
    const int64_t id = u["funcId"].get<int64_t>();
    if (std::find(funcs.begin(), funcs.end(), id) == funcs.end()) funcs.push_back(id);
    udfs.push_back({{"funcId", id}, {"returnType", u["type"]}, {"args", refs}});
    return static_cast<int>(udfs.size()) - 1;
  }
};

}  // namespace

Result<OpPtr> lower_batch_eval_python(const json& p, OpPtr child, const json& child_output, const ExecContext& ctx) {
  ProgramBuilder b;
  json outputs = json::array();
  for (const auto& u : p.value("exprs", json::array())) {
    auto k = b.add(u);
    if (!k) return Result<OpPtr>(k.status());
    outputs.push_back(k.value());
  }
  std::vector<ExprPtr> args;
  for (const auto& a : b.arg_exprs) {
    auto e = lower_expr(a, child_output);
    if (!e) return Result<OpPtr>(e.status());
    args.push_back(e.value());
  }
  auto schema = output_schema(p.value("output", json::array()));
  if (!schema) return Result<OpPtr>(schema.status());
  if (schema.value()->children.size() != child_output.size() + outputs.size())
    return err<OpPtr>("BatchEvalPython: its output is not its child's plus one column per UDF");
  json program = {{"udfs", b.udfs}, {"outputs", outputs}};
  return OpPtr(std::make_unique<BatchEvalPython>(std::move(child), std::move(args), std::move(program), std::move(b.funcs),
                                                 schema.value(), ctx));
}

}  // namespace spp::sql::exec
