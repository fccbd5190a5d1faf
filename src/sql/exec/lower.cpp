// Lowering a stage fragment (physical plan JSON) to executor operators; see lower.h.
#include "sql/exec/lower.h"

#include "common/util.h"
#include "sql/exec/lower_internal.h"

#include <cmath>
#include <map>

#include "sql/columnar/builder.h"
#include "sql/exec/aggregate.h"
#include "sql/exec/join.h"
#include "sql/exec/library.h"
#include "sql/exec/nested_loop_join.h"

namespace spp::sql::exec {
using nlohmann::json;

Result<ColTypePtr> type_of_json(const json& e) {
  if (!e.contains("type")) return err<ColTypePtr>("expression without a type");
  auto t = col::type_from_json(e["type"]);
  if (!t) return err<ColTypePtr>(t.error_message());
  return col::make_type(std::move(t.value()));
}

const json& args_of(const json& e) {
  static const json kNone = json::array();
  auto it = e.find("args");
  return it == e.end() ? kNone : *it;
}

// A constant argument (pattern, scale, limit) the kernels take at preparation time.
const json* constant(const json& a) {
  return a.value("kind", "") == "lit" && a.contains("value") && !a["value"].is_null() ? &a["value"] : nullptr;
}

namespace {

// ---------------------------------------------------------------- literals

Result<ExprPtr> lower_literal(const json& e) {
  auto t = type_of_json(e);
  if (!t) return err<ExprPtr>(t.error_message());
  const ColTypePtr& type = t.value();
  const json& v = e.contains("value") ? e["value"] : json();
  if (v.is_null() || type->id == col::TypeId::Null) return lit_null(type);
  col::ColumnBuilder b(type);
  using col::TypeId;
  switch (type->id) {
    case TypeId::Boolean: b.append_bool(v.get<bool>()); break;
    case TypeId::Byte: b.append<int8_t>(static_cast<int8_t>(v.get<int64_t>())); break;
    case TypeId::Short: b.append<int16_t>(static_cast<int16_t>(v.get<int64_t>())); break;
    case TypeId::Int: case TypeId::Date: case TypeId::YearMonthInterval: b.append<int32_t>(static_cast<int32_t>(v.get<int64_t>())); break;
    case TypeId::Long: case TypeId::Timestamp: case TypeId::TimestampNtz: case TypeId::DayTimeInterval:
      b.append<int64_t>(v.get<int64_t>());
      break;
    case TypeId::Float: case TypeId::Double: {
      double d = 0;
      if (v.is_string()) {
        const std::string s = v.get<std::string>();
        d = s == "NaN" ? std::nan("") : s == "Infinity" ? INFINITY : s == "-Infinity" ? -INFINITY : std::stod(s);
      } else {
        d = v.get<double>();
      }
      if (type->id == TypeId::Float) b.append<float>(static_cast<float>(d));
      else b.append<double>(d);
      break;
    }
    case TypeId::String: b.append_str(v.get<std::string>()); break;
    case TypeId::Binary: {  // base64 (expr_to_json)
      auto bytes = base64_decode(v.get<std::string>());
      if (!bytes) return err<ExprPtr>("a binary literal is not base64");
      b.append_str(*bytes);
      break;
    }
    case TypeId::Decimal: {
      // Sent as its plain string (`12.50`): the unscaled value at the type's scale.
      std::string s = v.is_string() ? v.get<std::string>() : v.dump();
      bool neg = !s.empty() && s[0] == '-';
      if (neg || (!s.empty() && s[0] == '+')) s = s.substr(1);
      __int128 u = 0;
      int frac = -1;
      for (char c : s) {
        if (c == '.') { frac = 0; continue; }
        if (c < '0' || c > '9') return err<ExprPtr>("bad decimal literal '" + s + "'");
        if (frac >= 0) {
          if (frac >= type->scale) continue;  // the analyzer already rounded to the scale
          ++frac;
        }
        u = u * 10 + (c - '0');
      }
      for (int f = std::max(frac, 0); f < type->scale; ++f) u *= 10;
      b.append_decimal(neg ? -u : u);
      break;
    }
    default: return err<ExprPtr>("literal of type " + type->to_string() + " is not supported by the native engine yet");
  }
  return lit(b.finish());
}

// ---------------------------------------------------------------- calls

struct FnName {
  const char* name;
  Fn fn;
};
constexpr FnName kFns[] = {
    {"+", Fn::Add},          {"-", Fn::Sub},          {"*", Fn::Mul},
    {"/", Fn::Div},          {"div", Fn::IntDiv},     {"%", Fn::Mod},
    {"pmod", Fn::Pmod},      {"negative", Fn::Negate}, {"abs", Fn::Abs},
    {"=", Fn::Eq},           {"!=", Fn::Ne},          {"<", Fn::Lt},
    {"<=", Fn::Le},          {">", Fn::Gt},           {">=", Fn::Ge},
    {"<=>", Fn::EqNullSafe}, {"and", Fn::And},        {"or", Fn::Or},
    {"not", Fn::Not},        {"isnull", Fn::IsNull},  {"isnotnull", Fn::IsNotNull},
    {"in", Fn::In},          {"between", Fn::Between}, {"casewhen", Fn::CaseWhen},
    {"coalesce", Fn::Coalesce}, {"hash", Fn::Hash},   {"upper", Fn::Upper},
    {"lower", Fn::Lower},    {"length", Fn::Length},  {"trim", Fn::Trim},
    {"ltrim", Fn::LTrim},    {"rtrim", Fn::RTrim},    {"substring", Fn::Substring},
    {"concat", Fn::Concat},  {"concat_ws", Fn::ConcatWs}, {"startswith", Fn::StartsWith},
    {"endswith", Fn::EndsWith}, {"contains", Fn::Contains}, {"sqrt", Fn::Sqrt},
    {"year", Fn::Year},      {"month", Fn::Month},    {"dayofmonth", Fn::DayOfMonth},
    {"size", Fn::Size},      {"array", Fn::Array},    {"get_item", Fn::GetItem},
    {"monotonically_increasing_id", Fn::MonotonicallyIncreasingId},
    {"spark_partition_id", Fn::SparkPartitionId},
};

Result<ExprPtr> lower_call(const json& e, const json& input) {
  const std::string name = e.value("name", "");
  auto t = type_of_json(e);
  if (!t) return err<ExprPtr>(t.error_message());
  const json& args_j = args_of(e);
  if (auto h = lower_higher_order_call(e, input)) return std::move(*h);
  std::vector<ExprPtr> args;
  for (const auto& a : args_j) {
    auto x = lower_expr(a, input);
    if (!x) return x;
    args.push_back(std::move(x.value()));
  }
  if (name == "like" || name == "rlike") {
    const json* p = args_j.size() == 2 ? constant(args_j[1]) : nullptr;
    if (p && p->is_string())
      return name == "like" ? like(args[0], p->get<std::string>()) : rlike(args[0], p->get<std::string>());
    // per-row patterns and escape characters: library_text.cpp
  }
  if (const json* p = args_j.size() == 2 ? constant(args_j[1]) : nullptr;
      name == "ilike" && p && p->is_string()) {  // Spark's ILike: lower(s) LIKE lower(pattern)
    col::ColumnBuilder pb(kern::type_of(col::TypeId::String));
    pb.append_str(p->get<std::string>());
    kern::Vec lp = kern::lower(kern::Vec::constant_of(pb.finish()), 1);
    return like(call(Fn::Lower, {args[0]}, kern::type_of(col::TypeId::String)), std::string(lp.col->str(0)));
  }
  if (name == "to_date" && args.size() == 1)  // CAST(x AS DATE), as Spark's ParseToDate without a format
    return call(Fn::Cast, {args[0]}, t.value());  // with one: library_dates.cpp
  if (name == "split") {
    const json* p = args_j.size() >= 2 ? constant(args_j[1]) : nullptr;
    const json* l = args_j.size() == 3 ? constant(args_j[2]) : nullptr;
    if (!p || !p->is_string()) return err<ExprPtr>("split with a pattern that is not a constant string is not supported yet");
    return split(args[0], p->get<std::string>(), l ? static_cast<int>(l->get<int64_t>()) : -1);
  }
  if (auto iv = lib::lower_interval_call(name, args, t.value())) return std::move(*iv);
  if (name == "round") {
    const json* d = args_j.size() == 2 ? constant(args_j[1]) : nullptr;
    return with_int_arg(call(Fn::Round, {args[0]}, t.value()), d ? static_cast<int>(d->get<int64_t>()) : 0);
  }
  for (const auto& f : kFns)
    if (name == f.name) return call(f.fn, std::move(args), t.value());
  if (auto lib = lower_library_call(name, args, t.value())) return std::move(*lib);
  return err<ExprPtr>("the native engine cannot evaluate " + name + "() yet");
}

}  // namespace

// ---------------------------------------------------------------- expressions

Result<ExprPtr> lower_expr(const json& e, const json& input) {
  const std::string kind = e.value("kind", "");
  if (kind == "attr") {
    const int64_t id = e.value("id", int64_t{-1});
    for (size_t i = 0; i < input.size(); ++i)
      if (input[i].value("id", int64_t{-2}) == id) {
        auto t = type_of_json(input[i]);
        if (!t) return err<ExprPtr>(t.error_message());
        return col_ref(static_cast<int>(i), t.value());
      }
    return err<ExprPtr>("column " + e.value("name", std::string("?")) + "#" + std::to_string(id) + " is not in the input");
  }
  if (kind == "lit") return lower_literal(e);
  if (kind == "alias" || kind == "sort") {
    if (!e.contains("args") || e["args"].size() != 1) return err<ExprPtr>(kind + " without exactly one argument");
    return lower_expr(e["args"][0], input);
  }
  if (kind == "cast") {
    if (!e.contains("args") || e["args"].size() != 1) return err<ExprPtr>("cast without exactly one argument");
    auto c = lower_expr(e["args"][0], input);
    if (!c) return c;
    auto t = type_of_json(e);
    if (!t) return err<ExprPtr>(t.error_message());
    // try_cast: limit 1 marks the Cast that gives NULL instead of raising (exec/expr.cpp).
    if (e.value("try", false)) return with_int_arg(call(Fn::Cast, {c.value()}, t.value()), 1);
    return call(Fn::Cast, {c.value()}, t.value());
  }
  if (kind == "field") {
    auto c = lower_expr(args_of(e).at(0), input);
    if (!c) return c;
    auto t = type_of_json(e);
    if (!t) return err<ExprPtr>(t.error_message());
    return with_int_arg(call(Fn::GetField, {c.value()}, t.value()), e.value("ordinal", 0));
  }
  if (kind == "call") return lower_call(e, input);
  if (kind == "agg") return err<ExprPtr>("aggregate " + e.value("name", std::string("?")) + "() outside an aggregation");
  return err<ExprPtr>("cannot lower expression kind '" + kind + "'");
}

Result<ColTypePtr> output_schema(const json& output) {
  std::vector<std::string> names;
  std::vector<col::ColType> types;
  std::vector<bool> nullable;
  for (const auto& a : output) {
    auto t = col::type_from_json(a.at("type"));
    if (!t) return err<ColTypePtr>(t.error_message());
    names.push_back(a.value("name", ""));
    types.push_back(std::move(t.value()));
    nullable.push_back(a.value("nullable", true));
  }
  return col::make_type(col::ColType::strct(names, types, nullable));
}

Result<OutputPartitioning> lower_partitioning(const json& p, const json& root_output) {
  OutputPartitioning out;
  const std::string kind = p.value("kind", "");
  out.num = std::max(1, p.value("num", 1));
  if (kind == "hashpartitioning") {
    out.kind = OutputPartitioning::Kind::Hash;
    for (const auto& k : p.value("exprs", json::array())) {
      auto x = lower_expr(k, root_output);
      if (!x) return err<OutputPartitioning>(x.error_message());
      out.keys.push_back(x.value());
    }
  } else if (kind == "rangepartitioning") {
    out.kind = OutputPartitioning::Kind::Range;
    for (const auto& k : p.value("exprs", json::array())) {
      auto x = lower_expr(k, root_output);
      if (!x) return err<OutputPartitioning>(x.error_message());
      out.orders.push_back({x.value(), k.value("ascending", true), k.value("nullsFirst", true)});
    }
  } else if (kind == "roundrobinpartitioning") {
    out.kind = OutputPartitioning::Kind::RoundRobin;
  } else if (kind == "singlepartition" || kind == "broadcast" || kind.empty()) {
    out.kind = OutputPartitioning::Kind::Single;
    out.num = 1;
  } else {
    return err<OutputPartitioning>("unknown output partitioning '" + kind + "'");
  }
  return out;
}

// ---------------------------------------------------------------- operators

namespace {

// Spark's RangeExec: partition i of numSlices holds element indexes [i*n/numSlices,
// (i+1)*n/numSlices) of the n = ceil((end - start) / step) elements, value start + idx*step.
class RangeOp final : public Operator {
 public:
  RangeOp(ColTypePtr schema, int64_t first, int64_t count, int64_t step, int64_t batch)
      : value_(first), left_(count), step_(step), batch_(std::max<int64_t>(1, batch)) {
    schema_ = std::move(schema);
  }
  std::string name() const override { return "Range"; }

 protected:
  BatchResult next_impl() override {
    if (left_ <= 0) return std::optional<Batch>();
    const int64_t n = std::min(left_, batch_);
    auto c = col::make_fixed_column(kern::type_of(col::TypeId::Long), n);
    int64_t* v = c->values->as<int64_t>();
    // Unsigned: values past int64 wrap (as the JVM's long) without signed-overflow UB.
    for (int64_t i = 0; i < n; ++i) v[i] = int64_t(uint64_t(value_) + uint64_t(i) * uint64_t(step_));
    value_ = int64_t(uint64_t(value_) + uint64_t(n) * uint64_t(step_));
    left_ -= n;
    Batch b;
    b.schema = schema_;
    b.columns.push_back(std::move(c));
    b.num_rows = n;
    return std::optional<Batch>(std::move(b));
  }

 private:
  int64_t value_, left_, step_, batch_;
};

struct Lowerer {
  const LowerContext& ctx;
  const LeafInputs& inputs;

  Result<OpPtr> fail(const std::string& m) { return err<OpPtr>(m); }

  Result<std::vector<ExprPtr>> exprs(const json& list, const json& input) {
    std::vector<ExprPtr> out;
    for (const auto& e : list) {
      auto x = lower_expr(e, input);
      if (!x) return err<std::vector<ExprPtr>>(x.error_message());
      out.push_back(x.value());
    }
    return out;
  }

  static std::vector<std::string> names(const json& output) {
    std::vector<std::string> n;
    for (const auto& a : output) n.push_back(a.value("name", ""));
    return n;
  }

  // A projection of `child` (whose columns are `in`) onto the attributes `out`, by exprId.
  Result<OpPtr> reorder(OpPtr child, const json& in, const json& out) {
    auto es = exprs(out, in);
    if (!es) return fail(es.error_message());
    return make_project(std::move(child), es.value(), names(out), ctx.exec);
  }

  // A LocalTableScan of VALUES (data "values"): its cells (`exprs`, row after row, constant
  // expressions) evaluated into this partition's rows — the slice SparkContext.parallelize
  // gives partition i of k: rows [i*n/k, (i+1)*n/k).
  Result<OpPtr> values_scan(const json& p, const ColTypePtr& schema) {
    const json cells = p.value("exprs", json::array());
    const size_t width = schema->children.size();
    if (width == 0 || cells.size() % width != 0) return fail("LocalTableScan of VALUES with ragged rows");
    const int64_t rows = static_cast<int64_t>(cells.size() / width), parts = std::max(ctx.num_partitions, 1);
    const int64_t begin = ctx.partition * rows / parts, end = (ctx.partition + 1) * rows / parts;
    if (begin >= end) return make_source(schema, {});
    Batch one;  // one row, no columns: what each constant cell is evaluated against
    one.schema = std::make_shared<col::ColType>(col::ColType::strct({}, {}));
    one.num_rows = 1;
    col::BatchBuilder b(schema);
    for (int64_t r = begin; r < end; ++r)
      for (size_t k = 0; k < width; ++k) {
        auto e = lower_expr(cells[static_cast<size_t>(r) * width + k], json::array());
        if (!e) return fail(e.error_message());
        col::ColumnPtr v = eval_flat(*e.value(), one, ctx.exec.eval);
        if (v->type->id != schema->children[k].id || v->type->scale != schema->children[k].scale)
          return fail("VALUES cell of type " + v->type->to_string() + " in a column of type " +
                      schema->children[k].to_string());
        b.column(k).append_from(*v, 0);
      }
    return make_source(schema, {b.finish()});
  }

  // The operator a node lowers to is tagged with its nodeId, unless lowering passed a child's
  // operator through (that one keeps its own node).
  Result<OpPtr> lower(const json& p) {
    auto r = lower_node(p);
    if (r && r.value() && r.value()->plan_node() < 0 && p.contains("nodeId")) r.value()->set_plan_node(p.value("nodeId", -1));
    return r;
  }

  Result<OpPtr> lower_node(const json& p) {
    const std::string op = p.value("op", "");
    const json& output = p.contains("output") ? p["output"] : json::array();
    const json kids = p.value("children", json::array());
    auto child = [&](size_t i) -> Result<OpPtr> {
      if (i >= kids.size()) return fail(op + " without its input");
      return lower(kids[i]);
    };
    auto child_out = [&](size_t i) -> json { return i < kids.size() ? kids[i].value("output", json::array()) : json::array(); };

    if (op == "LocalTableScan") {
      auto schema = output_schema(output);
      if (!schema) return fail(schema.error_message());
      const std::string data = p.value("data", "");
      if (data == "one_row") {  // SELECT without FROM: one row, no columns, in partition 0 only
        std::vector<Batch> rows;
        if (ctx.partition == 0) {
          Batch b;
          b.schema = schema.value();
          b.num_rows = 1;
          rows.push_back(std::move(b));
        }
        return make_source(schema.value(), std::move(rows));
      }
      if (data == "empty") return make_source(schema.value(), {});  // a relation the optimizer proved empty
      if (data == "values") return values_scan(p, schema.value());
      return inputs.scan(data, schema.value(), p);
    }
    if (op == "InMemoryTableScan") {
      // The blocks hold every column of the cached relation; keep the ones this scan reads.
      auto rel = output_schema(p.value("relation", json::array()));
      if (!rel) return fail(rel.error_message());
      auto scan = inputs.scan(p.value("data", ""), rel.value(), p);
      if (!scan) return scan;
      const json cols = p.value("columns", json::array());
      std::vector<ExprPtr> picks;
      for (const auto& c : cols) {
        const int i = c.get<int>();
        if (i < 0 || static_cast<size_t>(i) >= rel.value()->children.size()) return fail("InMemoryTableScan column out of range");
        picks.push_back(col_ref(i, std::make_shared<col::ColType>(rel.value()->children[static_cast<size_t>(i)])));
      }
      if (picks.size() == rel.value()->children.size()) {
        bool same = true;
        for (size_t i = 0; i < cols.size(); ++i) same = same && cols[i].get<int>() == static_cast<int>(i);
        if (same) return scan;
      }
      return make_project(std::move(scan.value()), std::move(picks), names(output), ctx.exec);
    }
    if (op == "ColumnarToRow") return child(0);
    if (op == "FileScan") {
      auto schema = output_schema(output);
      if (!schema) return fail(schema.error_message());
      return inputs.scan(p.value("data", ""), schema.value(), p);
    }
    if (op == "Range") {
      auto schema = output_schema(output);
      if (!schema) return fail(schema.error_message());
      const int64_t start = p.value("start", int64_t{0}), end = p.value("end", int64_t{0}), step = p.value("step", int64_t{1});
      if (step == 0) return fail("range step must not be 0");
      int slices = p.value("numPartitions", -1);
      if (slices <= 0) slices = ctx.num_partitions;
      const __int128 span = static_cast<__int128>(end) - start;
      __int128 n = span / step + ((span % step != 0 && (span > 0) == (step > 0)) ? 1 : 0);
      if (n < 0) n = 0;
      const __int128 i = ctx.partition;
      const __int128 lo = i >= slices ? n : i * n / slices, hi = i >= slices ? n : (i + 1) * n / slices;
      return OpPtr(std::make_unique<RangeOp>(schema.value(), static_cast<int64_t>(start + lo * step),
                                             static_cast<int64_t>(hi - lo), step, ctx.exec.batch_rows));
    }
    if (op == "Project") {
      auto c = child(0);
      if (!c) return c;
      auto es = exprs(p.value("exprs", json::array()), child_out(0));
      if (!es) return fail(es.error_message());
      return make_project(std::move(c.value()), es.value(), names(output), ctx.exec);
    }
    if (op == "Filter") {
      auto c = child(0);
      if (!c) return c;
      const json conds = p.value("exprs", json::array());
      if (conds.size() != 1) return fail("Filter without exactly one condition");
      auto cond = lower_expr(conds[0], child_out(0));
      if (!cond) return fail(cond.error_message());
      return make_filter(std::move(c.value()), cond.value(), ctx.exec);
    }
    if (op == "HashAggregate") return aggregate(p);
    if (op == "Sort" || op == "TakeOrderedAndProject") {
      auto c = child(0);
      if (!c) return c;
      std::vector<SortKey> keys;
      for (const auto& o : p.value("exprs", json::array())) {
        auto k = lower_expr(o, child_out(0));
        if (!k) return fail(k.error_message());
        keys.push_back({k.value(), o.value("ascending", true), o.value("nullsFirst", true)});
      }
      if (op == "Sort") return make_sort(std::move(c.value()), keys, ctx.exec);
      auto sorted = make_sort(std::move(c.value()), keys, ctx.exec, p.value("n", int64_t{0}));
      auto es = exprs(p.value("project", json::array()), child_out(0));
      if (!es) return fail(es.error_message());
      return make_project(std::move(sorted), es.value(), names(output), ctx.exec);
    }
    if (op == "CollectLimit" || op == "GlobalLimit" || op == "LocalLimit") {
      auto c = child(0);
      if (!c) return c;
      return make_limit(std::move(c.value()), p.value("n", int64_t{0}));
    }
    if (op == "Union") {
      std::vector<OpPtr> parts;
      for (size_t i = 0; i < kids.size(); ++i) {
        auto c = child(i);
        if (!c) return c;
        // Children line up by position; each is projected to the union's columns (names/types).
        auto r = reorder_positional(std::move(c.value()), child_out(i), output);
        if (!r) return r;
        parts.push_back(std::move(r.value()));
      }
      return make_union(std::move(parts));
    }
    if (op == "Coalesce") return child(0);  // merging partitions is the scheduler's business
    if (op == "Sample") {
      auto c = child(0);
      if (!c) return c;
      const double lo = p.value("lower", 0.0), hi = p.value("upper", 1.0);
      if (p.value("withReplacement", false))
        return fail("sample with replacement is not supported by the native engine yet");
      return make_sample(std::move(c.value()), lo, hi, p.value("seed", int64_t{0}), ctx.exec);
    }
    if (op == "Generate") return generate(p);
    if (op == "MapInPandas" || op == "FlatMapGroupsInPandas" || op == "AggregateInPandas") {
      auto c = child(0);
      if (!c) return c;
      return lower_pandas_map(p, std::move(c.value()), child_out(0), ctx.exec);
    }
    if (op == "FlatMapCoGroupsInPandas") {
      if (kids.size() != 2) return fail(op + " without two inputs");
      auto l = child(0);
      if (!l) return l;
      auto r = child(1);
      if (!r) return r;
      return lower_cogroup_in_pandas(p, std::move(l.value()), std::move(r.value()), child_out(0), child_out(1), ctx.exec);
    }
    if (op == "BatchEvalPython") {
      auto c = child(0);
      if (!c) return c;
      return lower_batch_eval_python(p, std::move(c.value()), child_out(0), ctx.exec);
    }
    if (op == "Window") return lower_window(p, [this](const json& k) { return lower(k); }, ctx.exec);
    if (op == "Expand") {  // one output row per projection per input row
      auto c = child(0);
      if (!c) return c;
      const json es = p.value("exprs", json::array());
      const size_t w = p.value("n", size_t{0});
      if (w == 0 || es.size() % w != 0) return fail("Expand: projections of unequal width");
      std::vector<std::vector<ExprPtr>> projections;
      for (size_t i = 0; i < es.size(); i += w) {
        auto part = exprs(json(std::vector<json>(es.begin() + long(i), es.begin() + long(i + w))), child_out(0));
        if (!part) return fail(part.error_message());
        projections.push_back(part.value());
      }
      return make_expand(std::move(c.value()), std::move(projections), names(output), ctx.exec);
    }
    if (op == "BroadcastHashJoin" || op == "ShuffledHashJoin" || op == "SortMergeJoin") return equi_join(p, op);
    if (op == "BroadcastNestedLoopJoin" || op == "CartesianProduct") return nested_loop(p);
    return fail("the native engine cannot run " + op + " yet");
  }

  // explode / posexplode (outer or not) of the generator's argument; the child's columns in
  // `project` (requiredChildOutput) come first, then the generated ones.
  Result<OpPtr> generate(const json& p) {
    const json kids = p.value("children", json::array());
    const json gens = p.value("exprs", json::array());
    if (kids.size() != 1 || gens.size() != 1) return fail("Generate without one input and one generator");
    const json& g = gens[0];
    const std::string fn = g.value("name", "");
    const json args = g.value("args", json::array());
    const bool inl = fn == "inline";  // explode, then the struct's fields as columns
    if (g.value("kind", "") != "call" || (fn != "explode" && fn != "posexplode" && !inl) || args.size() != 1)
      return fail("the native engine cannot generate rows with " + fn + "() yet");
    const json in = kids[0].value("output", json::array());
    auto coll = lower_expr(args[0], in);
    if (!coll) return fail(coll.error_message());
    std::vector<int> keep;
    for (const auto& a : p.value("project", json::array())) {
      const int64_t id = a.value("id", int64_t{-1});
      size_t i = 0;
      while (i < in.size() && in[i].value("id", int64_t{-2}) != id) ++i;
      if (i == in.size()) return fail("Generate: column " + a.value("name", std::string("?")) + " is not in its input");
      keep.push_back(static_cast<int>(i));
    }
    auto c = lower(kids[0]);
    if (!c) return c;
    const size_t nk = keep.size();
    auto gen = make_generate(std::move(c.value()), coll.value(), p.value("outer", false), fn == "posexplode", ctx.exec,
                             std::move(keep));
    if (!inl) return gen;
    auto sch = gen->schema();
    std::vector<ExprPtr> es;
    std::vector<std::string> nm;
    for (size_t i = 0; i < nk; ++i) {
      es.push_back(col_ref(int(i), col::make_type(sch->children[i])));
      nm.push_back(sch->names[i]);
    }
    const col::ColType& st = sch->children.at(nk);
    for (size_t f = 0; f < st.children.size(); ++f) {
      es.push_back(with_int_arg(call(Fn::GetField, {col_ref(int(nk), col::make_type(st))}, col::make_type(st.children[f])), int(f)));
      nm.push_back(st.names[f]);
    }
    return make_project(std::move(gen), std::move(es), std::move(nm), ctx.exec);
  }

  // Union children by position: column i of the child becomes column i of the output.
  Result<OpPtr> reorder_positional(OpPtr c, const json& in, const json& out) {
    std::vector<ExprPtr> es;
    for (size_t i = 0; i < out.size() && i < in.size(); ++i) {
      auto ot = col::type_from_json(out[i].at("type"));
      auto it = col::type_from_json(in[i].at("type"));
      if (!ot || !it) return fail("union column without a type");
      ExprPtr ref = col_ref(static_cast<int>(i), col::make_type(it.value()));
      es.push_back(it.value() == ot.value() ? ref : call(Fn::Cast, {ref}, col::make_type(ot.value())));
    }
    return make_project(std::move(c), es, names(out), ctx.exec);
  }

  static std::optional<JoinType> join_type(const std::string& s) {
    static const std::map<std::string, JoinType> m = {
        {"Inner", JoinType::Inner},         {"LeftOuter", JoinType::LeftOuter}, {"RightOuter", JoinType::RightOuter},
        {"FullOuter", JoinType::FullOuter}, {"LeftSemi", JoinType::LeftSemi},   {"LeftAnti", JoinType::LeftAnti},
        {"Cross", JoinType::Cross}};
    auto it = m.find(s);
    if (it == m.end()) return std::nullopt;
    return it->second;
  }

  static json concat_attrs(const json& a, const json& b) {
    json out = a;
    for (const auto& x : b) out.push_back(x);
    return out;
  }

  Result<OpPtr> equi_join(const json& p, const std::string& op) {
    const json kids = p.value("children", json::array());
    if (kids.size() != 2) return fail(op + " without two inputs");
    auto jt = join_type(p.value("joinType", ""));
    if (!jt) return fail("unknown join type " + p.value("joinType", std::string()));
    const bool smj = op == "SortMergeJoin";
    const json lo = kids[0].value("output", json::array()), ro = kids[1].value("output", json::array());
    auto l = lower(kids[0]), r = lower(kids[1]);
    if (!l) return l;
    if (!r) return r;
    auto lk = exprs(p.value("leftKeys", json::array()), lo), rk = exprs(p.value("rightKeys", json::array()), ro);
    if (!lk) return fail(lk.error_message());
    if (!rk) return fail(rk.error_message());
    const bool semi = *jt == JoinType::LeftSemi || *jt == JoinType::LeftAnti;
    // The hash join builds on its right input: a left build side swaps the inputs.
    const bool swap = !smj && p.value("buildLeft", false) && !semi;
    const json joined = swap ? concat_attrs(ro, lo) : semi ? concat_attrs(lo, ro) : concat_attrs(lo, ro);
    ExprPtr cond;
    const json conds = p.value("exprs", json::array());
    if (!conds.empty()) {
      auto c = lower_expr(conds[0], joined);
      if (!c) return fail(c.error_message());
      cond = c.value();
    }
    if (smj)
      return make_sort_merge_join(std::move(l.value()), std::move(r.value()), lk.value(), rk.value(), *jt, cond, ctx.exec);
    if (!swap) return make_hash_join(std::move(l.value()), std::move(r.value()), lk.value(), rk.value(), *jt, cond, ctx.exec);
    JoinType st = *jt == JoinType::LeftOuter ? JoinType::RightOuter : *jt == JoinType::RightOuter ? JoinType::LeftOuter : *jt;
    auto j = make_hash_join(std::move(r.value()), std::move(l.value()), rk.value(), lk.value(), st, cond, ctx.exec);
    return reorder(std::move(j), joined, p.value("output", json::array()));
  }

  Result<OpPtr> nested_loop(const json& p) {
    const json kids = p.value("children", json::array());
    if (kids.size() != 2) return fail("nested-loop join without two inputs");
    auto jt = join_type(p.value("joinType", "Inner"));
    if (!jt) return fail("unknown join type " + p.value("joinType", std::string()));
    const json lo = kids[0].value("output", json::array()), ro = kids[1].value("output", json::array());
    auto l = lower(kids[0]), r = lower(kids[1]);
    if (!l) return l;
    if (!r) return r;
    ExprPtr cond;
    const json conds = p.value("exprs", json::array());
    if (!conds.empty()) {
      auto c = lower_expr(conds[0], concat_attrs(lo, ro));
      if (!c) return fail(c.error_message());
      cond = c.value();
    }
    return make_nested_loop_join(std::move(l.value()), std::move(r.value()), *jt, cond, ctx.exec);
  }

  // HashAggregate: each aggregate call occurrence is one AggSpec; the node's result
  // expressions are then projected over [keys..., agg results...] (final/complete).
  Result<OpPtr> aggregate(const json& p) {
    const json kids = p.value("children", json::array());
    if (kids.size() != 1) return fail("HashAggregate without its input");
    auto c = lower(kids[0]);
    if (!c) return c;
    const json in = kids[0].value("output", json::array());
    const std::string mode_s = p.value("mode", "complete");
    const AggMode mode = mode_s == "partial" ? AggMode::Partial : mode_s == "final" ? AggMode::Final : AggMode::Complete;
    const json groups = p.value("groups", json::array());
    auto keys = exprs(groups, in);
    if (!keys) return fail(keys.error_message());
    std::vector<AggSpec> aggs;
    std::vector<const json*> calls;  // in order of appearance
    std::function<Status(const json&)> collect = [&](const json& e) -> Status {
      if (e.value("kind", "") == "agg") {
        calls.push_back(&e);
        return Status::ok();
      }
      if (e.contains("args"))  // by reference: `calls` keeps pointers into `results`
        for (const auto& a : e["args"])
          if (Status s = collect(a); !s) return s;
      return Status::ok();
    };
    const json results = p.value("exprs", json::array());
    for (const auto& e : results)
      if (Status s = collect(e); !s) return fail(s.message());
    for (const json* a : calls) {
      auto s = lower_agg_spec(*a, in, mode != AggMode::Final);
      if (!s) return fail(s.error_message());
      aggs.push_back(std::move(s.value()));
    }
    std::vector<std::string> key_names;
    for (const auto& g : groups) key_names.push_back(g.value("name", ""));
    auto agg = make_hash_aggregate(std::move(c.value()), keys.value(), key_names, aggs, mode, ctx.exec);
    if (mode == AggMode::Partial) {
      const size_t want = p.value("output", json::array()).size(), got = agg->schema()->children.size();
      if (want != got)
        return fail("partial aggregate has " + std::to_string(got) + " columns where the plan expects " + std::to_string(want));
      return OpPtr(std::move(agg));
    }
    // Result expressions over [keys..., one result per aggregate call].
    size_t next_call = 0;
    std::function<Result<ExprPtr>(const json&)> bind = [&](const json& e) -> Result<ExprPtr> {
      const std::string k = e.value("kind", "");
      if (k == "agg") {
        const size_t i = keys.value().size() + next_call++;
        return col_ref(static_cast<int>(i), agg->schema()->children.size() > i
                                                ? col::make_type(agg->schema()->children[i])
                                                : nullptr);
      }
      if (k == "attr") {
        const int64_t id = e.value("id", int64_t{-1});
        for (size_t i = 0; i < groups.size(); ++i)
          if (groups[i].value("id", int64_t{-2}) == id) return col_ref(static_cast<int>(i), keys.value()[i]->type);
        return err<ExprPtr>("aggregate result refers to " + e.value("name", std::string("?")) + ", which is not grouped");
      }
      if (k == "lit") return lower_literal(e);
      // Rebuild the call/cast/alias over bound children: lower a copy whose args are
      // replaced by placeholders bound to an input of their own.
      json copy = e;
      json fake_input = json::array();
      if (e.contains("args")) {
        std::vector<ExprPtr> bound;
        // A higher-order call's lambdas stay in place (their bodies run over the flattened
        // elements); the grouping keys they read are bound after the placeholders.
        bool hof = false;
        for (const auto& a : e["args"])
          hof |= a.value("kind", "") == "call" && a.value("name", "") == "lambdafunction";
        for (size_t a = 0; a < e["args"].size(); ++a) {
          // Literals stay in place: calls read constant arguments (round's scale, patterns).
          if (e["args"][a].value("kind", "") == "lit") continue;
          if (hof && e["args"][a].value("name", "") == "lambdafunction") continue;
          auto x = bind(e["args"][a]);
          if (!x) return x;
          bound.push_back(x.value());
          json ph = {{"kind", "attr"}, {"id", -1000 - static_cast<int64_t>(a)}, {"name", "_"},
                     {"type", e["args"][a].at("type")}};
          fake_input.push_back(ph);
          copy["args"][a] = ph;
        }
        if (hof)
          for (size_t g = 0; g < groups.size(); ++g) {
            fake_input.push_back(groups[g]);
            bound.push_back(col_ref(static_cast<int>(g), keys.value()[g]->type));
          }
        auto shell = lower_expr(copy, fake_input);
        if (!shell) return shell;
        return substitute(shell.value(), bound);
      }
      return lower_expr(copy, fake_input);
    };
    std::vector<ExprPtr> outs;
    for (const auto& e : results) {
      auto x = bind(e);
      if (!x) return fail(x.error_message());
      outs.push_back(x.value());
    }
    return make_project(OpPtr(std::move(agg)), outs, names(p.value("output", json::array())), ctx.exec);
  }

  // Replaces column i of `shell` (a tree over placeholder columns) with bound[i].
  static ExprPtr substitute(const ExprPtr& shell, const std::vector<ExprPtr>& bound) {
    if (shell->kind == Expr::Kind::Column) return bound.at(static_cast<size_t>(shell->column));
    if (shell->kind != Expr::Kind::Call) return shell;
    auto copy = std::make_shared<Expr>(*shell);
    for (auto& a : copy->args) a = substitute(a, bound);
    return copy;
  }
};

}  // namespace

Result<OpPtr> lower_plan(const json& plan, const LowerContext& ctx, const LeafInputs& inputs) {
  try {
    Lowerer l{ctx, inputs};
    return l.lower(plan);
  } catch (const std::exception& e) {  // a malformed fragment (wrong JSON types)
    return Result<OpPtr>::error(std::string("malformed stage plan: ") + e.what());
  }
}

}  // namespace spp::sql::exec
