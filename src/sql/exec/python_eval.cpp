// BatchEvalPython: argument columns natively, the calls in one Python worker, results appended.
#include "sql/exec/python_eval.h"

#include <algorithm>
#include <deque>

#include "sql/exec/lower_internal.h"
#include "sql/exec/operator.h"
#include "sql/kernels/compare.h"

namespace spp::sql::exec {

using nlohmann::json;

namespace {

// Rows per batch sent to Python: spark.sql.execution.arrow.maxRecordsPerBatch (10,000 by
// default; <= 0: no limit). A round trip and a pandas DataFrame per batch cost ~1 ms, so child
// batches are merged up to it, and a bigger one is cut.
int64_t batch_limit(const ExecContext& ctx) { return ctx.python_batch_rows > 0 ? ctx.python_batch_rows : INT64_MAX; }

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
    if (!ready_.empty()) {
      Batch b = std::move(ready_.front());
      ready_.pop_front();
      return std::optional<Batch>(std::move(b));
    }
    if (!runner_) {
      // No worker for an input without rows.
      auto first = pull_child();
      if (!first) return BatchResult(first.status());
      if (!first.value()) return std::optional<Batch>();
      first_ = std::move(first.value());
      if (!ctx_.python) return BatchResult::error("Python UDFs need an executor's Python workers");
      auto r = ctx_.python(program_, funcs_);
      if (!r) return BatchResult(r.status());
      runner_ = std::move(r.value());
    }
    for (;;) {
      auto res = runner_->next_parts([this]() { return pull_args(); });
      if (!res) return BatchResult(res.status());
      if (!res.value()) {
        if (queued_rows_ > 0) return BatchResult::error("the Python worker returned fewer rows than it was given");
        return std::optional<Batch>();
      }
      if (res.value()->num_rows == 0) continue;  // e.g. an iterator UDF's empty result: no rows to attach
      return attach(std::move(*res.value()));
    }
  }

 private:
  Result<std::optional<Batch>> pull_child() {
    for (;;) {
      auto b = child_->next();
      if (!b || !b->has_value() || (*b)->num_rows > 0) return b;
    }
  }

  // The worker wants input: the argument columns of the next child batches, up to the batch
  // limit (the batches themselves wait in `queue_` for their results), as parts of one batch
  // (the runner writes them where the worker reads them; no concatenated copy first).
  Result<std::optional<PythonArgs>> pull_args() {
    PythonArgs parts;
    int64_t rows = 0;
    const int64_t limit = batch_limit(ctx_);
    while (rows < limit) {
      std::optional<Batch> in = std::move(first_);
      first_.reset();
      if (!in) {
        auto b = pull_child();
        if (!b) return Result<std::optional<PythonArgs>>(b.status());
        in = std::move(b.value());
        if (!in) break;
      }
      if (in->num_rows > limit - rows) {  // the rest waits for the next call
        const int64_t take = limit - rows;
        first_ = col::slice(*in, take, in->num_rows - take);
        *in = col::slice(*in, 0, take);
      }
      Batch args;
      args.schema = arg_schema_;
      args.num_rows = in->num_rows;
      for (const auto& e : args_) args.columns.push_back(eval_flat(*e, *in, ctx_.eval));
      rows += in->num_rows;
      queued_rows_ += in->num_rows;
      queue_.push_back(std::move(*in));
      parts.push_back(std::move(args));
    }
    if (parts.empty()) return std::optional<PythonArgs>();
    return std::optional<PythonArgs>(std::move(parts));
  }

  // Results for the oldest queued rows: per child batch they cover, its columns for those rows
  // and the matching rows of the results (slices: neither side is copied; the child's batches
  // keep their sizes). The first such batch is returned, the others wait in `ready_`.
  BatchResult attach(Batch res) {
    const size_t results = schema_->children.size() - (queue_.empty() ? 0 : queue_.front().columns.size());
    if (res.num_rows > queued_rows_ || res.columns.size() != results)
      return BatchResult::error("the Python worker returned " + std::to_string(res.num_rows) + " rows of " +
                                std::to_string(res.columns.size()) + " columns for " + std::to_string(queued_rows_) +
                                " rows of " + std::to_string(results));
    const size_t child_cols = schema_->children.size() - results;
    for (size_t i = 0; i < res.columns.size(); ++i)
      if (res.columns[i]->type->id != schema_->children[child_cols + i].id)
        return BatchResult::error("the Python worker returned a column of the wrong type");
    int64_t need = res.num_rows, at = 0;
    while (need > 0) {
      Batch& f = queue_.front();
      const int64_t take = std::min(need, f.num_rows - front_offset_);
      Batch out = take == f.num_rows ? f : col::slice(f, front_offset_, take);
      out.schema = schema_;
      for (const auto& c : res.columns) out.columns.push_back(take == res.num_rows ? c : col::slice(c, at, take));
      ready_.push_back(std::move(out));
      front_offset_ += take;
      at += take;
      need -= take;
      if (front_offset_ == f.num_rows) {
        queue_.pop_front();
        front_offset_ = 0;
      }
    }
    queued_rows_ -= res.num_rows;
    Batch b = std::move(ready_.front());
    ready_.pop_front();
    return std::optional<Batch>(std::move(b));
  }

  OpPtr child_;
  std::vector<ExprPtr> args_;
  json program_;
  std::vector<int64_t> funcs_;
  ExecContext ctx_;
  ColTypePtr arg_schema_;
  std::unique_ptr<PythonUdfRunner> runner_;
  std::optional<Batch> first_;
  std::deque<Batch> queue_;  // child batches sent, oldest first, awaiting their results
  std::deque<Batch> ready_;  // output batches made from the last results, not returned yet
  int64_t front_offset_ = 0, queued_rows_ = 0;
};

// Cuts a key-sorted input into groups (rows equal on `keys`; a group may span batches).
class GroupCutter {
 public:
  GroupCutter(Operator* in, std::vector<int> keys) : in_(in), keys_(std::move(keys)) {}

  // The next group, nullopt at the end.
  Result<std::optional<Batch>> next() {
    if (!cur_) {
      auto b = pull();
      if (!b || !b.value()) return b;
      cur_ = std::move(b.value());
      offset_ = 0;
    }
    const Batch ref = *cur_;
    const int64_t ref_row = offset_;
    std::vector<Batch> parts;
    for (;;) {
      int64_t e = offset_;
      while (e < cur_->num_rows && same(ref, ref_row, *cur_, e)) ++e;
      if (e > offset_) parts.push_back(col::slice(*cur_, offset_, e - offset_));
      if (e < cur_->num_rows) {
        offset_ = e;
        break;
      }
      auto b = pull();
      if (!b) return b;
      cur_ = std::move(b.value());
      offset_ = 0;
      if (!cur_) break;
    }
    Batch g = parts.size() == 1 ? std::move(parts[0]) : col::concat(parts);
    return std::optional<Batch>(std::move(g));
  }

  const std::vector<int>& keys() const { return keys_; }

 private:
  Result<std::optional<Batch>> pull() {
    for (;;) {
      auto b = in_->next();
      if (!b || !b->has_value() || (*b)->num_rows > 0) return b;
    }
  }
  bool same(const Batch& a, int64_t i, const Batch& b, int64_t j) const {
    for (int k : keys_) {
      const auto& x = a.column(size_t(k));
      const auto& y = b.column(size_t(k));
      const bool xn = x.is_null(i), yn = y.is_null(j);
      if (xn || yn) {
        if (xn != yn) return false;
        continue;
      }
      if (!kern::equal_rows(x, i, y, j)) return false;
    }
    return true;
  }

  Operator* in_;
  std::vector<int> keys_;
  std::optional<Batch> cur_;
  int64_t offset_ = 0;
};

// mapInPandas (each child batch in, any batches out) and applyInPandas (one group of the
// key-sorted input in per call, any batches out): the worker's output is the operator's.
class PandasMap : public Operator {
 public:
  PandasMap(OpPtr child, json program, std::vector<int64_t> funcs, ColTypePtr schema, std::vector<int> keys,
            const ExecContext& ctx)
      : child_(std::move(child)), program_(std::move(program)), funcs_(std::move(funcs)),
        cutter_(child_.get(), std::move(keys)), ctx_(ctx) {
    schema_ = std::move(schema);
    grouped_ = program_.value("evalType", 0) == 201 || program_.value("evalType", 0) == 202;
  }
  std::string name() const override {
    const int t = program_.value("evalType", 0);
    return t == 202 ? "AggregateInPandas" : t == 201 ? "FlatMapGroupsInPandas" : "MapInPandas";
  }
  std::vector<const Operator*> children() const override { return {child_.get()}; }

 protected:
  BatchResult next_impl() override {
    if (!runner_) {
      auto first = grouped_ ? cutter_.next() : pull_child();  // no worker for an input without rows
      if (!first) return BatchResult(first.status());
      if (!first.value()) return std::optional<Batch>();
      cur_ = std::move(first.value());
      if (!ctx_.python) return BatchResult::error("pandas functions need an executor's Python workers");
      auto r = ctx_.python(program_, funcs_);
      if (!r) return BatchResult(r.status());
      runner_ = std::move(r.value());
    }
    auto res = runner_->next([this]() { return grouped_ ? next_group() : next_batch(); });
    if (!res || !res.value()) return res;
    Batch out = std::move(*res.value());
    if (out.columns.size() != schema_->children.size())
      return BatchResult::error("the Python worker returned " + std::to_string(out.columns.size()) + " columns for " +
                                std::to_string(schema_->children.size()));
    for (size_t i = 0; i < out.columns.size(); ++i)
      if (out.columns[i]->type->id != schema_->children[i].id)
        return BatchResult::error("the Python worker returned a column of the wrong type");
    out.schema = schema_;
    return std::optional<Batch>(std::move(out));
  }

 private:
  Result<std::optional<Batch>> pull_child() {
    for (;;) {
      auto b = child_->next();
      if (!b || !b->has_value() || (*b)->num_rows > 0) return b;
    }
  }

  // mapInPandas: the child's rows in batches of the batch limit, as Spark's (child batches
  // merged, a bigger one cut): a pandas DataFrame per call costs far more than the merge.
  Result<std::optional<Batch>> next_batch() {
    const int64_t limit = batch_limit(ctx_);
    std::vector<Batch> parts;
    int64_t rows = 0;
    while (rows < limit) {
      std::optional<Batch> b = std::move(cur_);
      cur_.reset();
      if (!b) {
        auto r = pull_child();
        if (!r) return r;
        if (!r.value()) break;
        b = std::move(r.value());
      }
      if (b->num_rows > limit - rows) {
        const int64_t take = limit - rows;
        cur_ = col::slice(*b, take, b->num_rows - take);
        *b = col::slice(*b, 0, take);
      }
      rows += b->num_rows;
      parts.push_back(std::move(*b));
    }
    if (parts.empty()) return std::optional<Batch>();
    if (parts.size() == 1) return std::optional<Batch>(std::move(parts[0]));
    Batch all = col::concat(parts);
    all.schema = parts[0].schema;
    return std::optional<Batch>(std::move(all));
  }

  // The next group (the first one was peeked before the worker started).
  Result<std::optional<Batch>> next_group() {
    if (cur_) {
      std::optional<Batch> b = std::move(cur_);
      cur_.reset();
      return b;
    }
    return cutter_.next();
  }

  OpPtr child_;
  json program_;
  std::vector<int64_t> funcs_;
  GroupCutter cutter_;  // grouped: the child cut into groups
  ExecContext ctx_;
  bool grouped_ = false;
  std::unique_ptr<PythonUdfRunner> runner_;
  std::optional<Batch> cur_;  // the first batch or group, peeked before the worker starts
};

// cogroup().applyInPandas (Spark's FlatMapCoGroupsInPandasExec): both inputs co-partitioned and
// sorted by their keys; each key found on either side goes to the worker as two batches, the
// left group and the right group (no rows when the side lacks the key), as a sort-merge join
// walks its sides. The worker's output is the operator's.
class CoGroupInPandas : public Operator {
 public:
  CoGroupInPandas(OpPtr left, OpPtr right, json program, std::vector<int64_t> funcs, ColTypePtr schema,
                  std::vector<int> lkeys, std::vector<int> rkeys, const ExecContext& ctx)
      : left_(std::move(left)), right_(std::move(right)), program_(std::move(program)), funcs_(std::move(funcs)),
        lcut_(left_.get(), std::move(lkeys)), rcut_(right_.get(), std::move(rkeys)), ctx_(ctx) {
    schema_ = std::move(schema);
  }
  std::string name() const override { return "FlatMapCoGroupsInPandas"; }
  std::vector<const Operator*> children() const override { return {left_.get(), right_.get()}; }

 protected:
  BatchResult next_impl() override {
    if (!runner_) {
      if (auto s = advance(true, true); !s) return BatchResult(s);
      if (!lg_ && !rg_) return std::optional<Batch>();  // no worker for two empty inputs
      if (!ctx_.python) return BatchResult::error("pandas functions need an executor's Python workers");
      auto r = ctx_.python(program_, funcs_);
      if (!r) return BatchResult(r.status());
      runner_ = std::move(r.value());
    }
    auto res = runner_->next([this]() { return next_input(); });
    if (!res || !res.value()) return res;
    Batch out = std::move(*res.value());
    if (out.columns.size() != schema_->children.size())
      return BatchResult::error("the Python worker returned " + std::to_string(out.columns.size()) + " columns for " +
                                std::to_string(schema_->children.size()));
    for (size_t i = 0; i < out.columns.size(); ++i)
      if (out.columns[i]->type->id != schema_->children[i].id)
        return BatchResult::error("the Python worker returned a column of the wrong type");
    out.schema = schema_;
    return std::optional<Batch>(std::move(out));
  }

 private:
  Status advance(bool left, bool right) {
    if (left) {
      auto g = lcut_.next();
      if (!g) return g.status();
      lg_ = std::move(g.value());
    }
    if (right) {
      auto g = rcut_.next();
      if (!g) return g.status();
      rg_ = std::move(g.value());
    }
    return Status::ok();
  }

  // Key order of the two current groups (both present): <0 left first, 0 same key, >0 right.
  int order() const {
    for (size_t k = 0; k < lcut_.keys().size(); ++k) {
      const auto& x = lg_->column(size_t(lcut_.keys()[k]));
      const auto& y = rg_->column(size_t(rcut_.keys()[k]));
      const bool xn = x.is_null(0), yn = y.is_null(0);
      if (xn || yn) {  // NULLS FIRST, as the sort below orders them
        if (xn != yn) return xn ? -1 : 1;
        continue;
      }
      if (const int c = kern::compare_rows(x, 0, y, 0); c != 0) return c;
    }
    return 0;
  }

  static Batch empty_like(const Operator& op) {
    Batch b;
    b.schema = op.schema();
    for (const auto& t : b.schema->children) b.columns.push_back(col::make_null_column(col::make_type(t), 0));
    return b;
  }

  // The worker wants input: the right half of the pair in flight, else the next key's left half.
  Result<std::optional<Batch>> next_input() {
    if (right_half_) {
      std::optional<Batch> b = std::move(right_half_);
      right_half_.reset();
      return b;
    }
    if (!first_) {
      // Both current groups were consumed by the last pair (or one side ran out).
      if (auto s = advance(take_left_, take_right_); !s) return Result<std::optional<Batch>>(s);
    }
    first_ = false;
    if (!lg_ && !rg_) return std::optional<Batch>();
    const int o = !lg_ ? 1 : !rg_ ? -1 : order();
    take_left_ = o <= 0;
    take_right_ = o >= 0;
    Batch l = take_left_ ? *lg_ : empty_like(*left_);
    right_half_ = take_right_ ? *rg_ : empty_like(*right_);
    return std::optional<Batch>(std::move(l));
  }

  OpPtr left_, right_;
  json program_;
  std::vector<int64_t> funcs_;
  GroupCutter lcut_, rcut_;
  ExecContext ctx_;
  std::unique_ptr<PythonUdfRunner> runner_;
  std::optional<Batch> lg_, rg_, right_half_;  // current groups; the right half still to send
  bool first_ = true, take_left_ = false, take_right_ = false;
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

Result<OpPtr> lower_pandas_map(const json& p, OpPtr child, const json& child_output, const ExecContext& ctx) {
  const json es = p.value("exprs", json::array());
  const std::string op = p.value("op", "");
  auto column_of = [&](const json& a) -> int {
    const int64_t id = a.value("id", int64_t{-1});
    for (size_t i = 0; i < child_output.size(); ++i)
      if (a.value("kind", "") == "attr" && child_output[i].value("id", int64_t{-2}) == id) return static_cast<int>(i);
    return -1;
  };
  json udfs = json::array(), outputs = json::array();
  std::vector<int64_t> funcs;
  if (op == "AggregateInPandas") {  // each Alias(pyudf over input columns)
    for (const auto& a : es) {
      const json u = a.value("args", json::array()).empty() ? json() : a["args"][0];
      if (u.value("kind", "") != "pyudf") return err<OpPtr>("AggregateInPandas without its Python functions");
      json refs = json::array();
      for (const auto& x : u.value("args", json::array())) {
        const int c = column_of(x);
        if (c < 0) return err<OpPtr>("AggregateInPandas: an argument is not an input column");
        refs.push_back({{"col", c}});
      }
      outputs.push_back(udfs.size());
      udfs.push_back({{"funcId", u.value("funcId", int64_t{0})}, {"returnType", u["type"]}, {"args", refs}});
      funcs.push_back(u.value("funcId", int64_t{0}));
    }
  } else {
    if (es.size() != 1 || es[0].value("kind", "") != "pyudf") return err<OpPtr>(op + " without its Python function");
    json args = json::array();
    for (size_t i = 0; i < child_output.size(); ++i) args.push_back({{"col", i}});
    udfs.push_back({{"funcId", es[0].value("funcId", int64_t{0})}, {"returnType", es[0]["type"]}, {"args", args}});
    outputs.push_back(0);
    funcs.push_back(es[0].value("funcId", int64_t{0}));
  }
  json keys = json::array();
  std::vector<int> key_cols;
  for (const auto& g : p.value("groups", json::array())) {
    const int64_t id = g.value("id", int64_t{-1});
    size_t i = 0;
    while (i < child_output.size() && child_output[i].value("id", int64_t{-2}) != id) ++i;
    if (g.value("kind", "") != "attr" || i == child_output.size())
      return err<OpPtr>("FlatMapGroupsInPandas: key " + g.value("name", std::string("?")) + " is not an input column");
    keys.push_back(i);
    key_cols.push_back(static_cast<int>(i));
  }
  const int eval_type = op == "MapInPandas" ? 205 : op == "AggregateInPandas" ? 202 : 201;
  json program = {{"evalType", eval_type}, {"udfs", udfs}, {"outputs", outputs}, {"keys", keys}};
  auto schema = output_schema(p.value("output", json::array()));
  if (!schema) return Result<OpPtr>(schema.status());
  return OpPtr(std::make_unique<PandasMap>(std::move(child), std::move(program), std::move(funcs), schema.value(),
                                           std::move(key_cols), ctx));
}

Result<OpPtr> lower_cogroup_in_pandas(const json& p, OpPtr left, OpPtr right, const json& left_output,
                                      const json& right_output, const ExecContext& ctx) {
  const json es = p.value("exprs", json::array());
  if (es.size() != 1 || es[0].value("kind", "") != "pyudf" || !es[0].contains("type"))
    return err<OpPtr>("FlatMapCoGroupsInPandas without its Python function");
  auto key_columns = [](const json& keys, const json& output, std::vector<int>& cols) -> Status {
    for (const auto& g : keys) {
      const int64_t id = g.value("id", int64_t{-1});
      size_t i = 0;
      while (i < output.size() && output[i].value("id", int64_t{-2}) != id) ++i;
      if (g.value("kind", "") != "attr" || i == output.size())
        return Status::error("FlatMapCoGroupsInPandas: key " + g.value("name", std::string("?")) + " is not an input column");
      cols.push_back(static_cast<int>(i));
    }
    return Status::ok();
  };
  std::vector<int> lk, rk;
  if (auto s = key_columns(p.value("leftKeys", json::array()), left_output, lk); !s) return Result<OpPtr>(s);
  if (auto s = key_columns(p.value("rightKeys", json::array()), right_output, rk); !s) return Result<OpPtr>(s);
  if (lk.size() != rk.size()) return err<OpPtr>("FlatMapCoGroupsInPandas: the two sides have different key counts");
  const int64_t id = es[0].value("funcId", int64_t{0});
  json program = {{"evalType", 206},
                  {"udfs", json::array({{{"funcId", id}, {"returnType", es[0]["type"]}, {"args", json::array()}}})},
                  {"outputs", json::array({0})}, {"keys", lk}, {"otherKeys", rk}};
  auto schema = output_schema(p.value("output", json::array()));
  if (!schema) return Result<OpPtr>(schema.status());
  return OpPtr(std::make_unique<CoGroupInPandas>(std::move(left), std::move(right), std::move(program),
                                                 std::vector<int64_t>{id}, schema.value(), std::move(lk), std::move(rk),
                                                 ctx));
}

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
  json program = {{"evalType", p.value("evalType", 100)}, {"udfs", b.udfs}, {"outputs", outputs}};
  return OpPtr(std::make_unique<BatchEvalPython>(std::move(child), std::move(args), std::move(program), std::move(b.funcs),
                                                 schema.value(), ctx));
}

}  // namespace spp::sql::exec
