// Lowering (exec::lower_plan): Connect JSON plans prepared by SqlSession, every stage's fragment
// run in-process for every partition, map outputs routed as the shuffle would route them.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>

#include "sql/columnar/builder.h"
#include "sql/columnar/serde.h"
#include "sql/exec/exchange.h"
#include "sql/exec/lower.h"
#include "sql/exec/range_partition.h"
#include "sql/kernels/cast.h"
#include "sql/session.h"

using namespace spp::sql;
using nlohmann::json;
namespace ex = spp::sql::exec;

namespace {

const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string b64(const std::string& in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kB64[(v >> s) & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | (i + 1 < in.size() ? uint32_t(uint8_t(in[i + 1])) << 8 : 0);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// ---- Connect JSON builders ----
json colref(const char* n) { return {{"unresolvedAttribute", {{"unparsedIdentifier", n}}}}; }
json colref(const char* n, int plan_id) {
  return {{"unresolvedAttribute", {{"unparsedIdentifier", n}, {"planId", std::to_string(plan_id)}}}};
}
json fn(const char* name, std::vector<json> args, bool distinct = false) {
  json f = {{"functionName", name}, {"arguments", args}};
  if (distinct) f["isDistinct"] = true;
  return {{"unresolvedFunction", f}};
}
json lit(int v) { return {{"literal", {{"integer", v}}}}; }
json lit(const char* s) { return {{"literal", {{"string", s}}}}; }
json as(json e, const char* name) { return {{"alias", {{"expr", e}, {"name", {name}}}}}; }
json order(json e, bool desc) {
  return {{"child", e}, {"direction", desc ? "SORT_DIRECTION_DESCENDING" : "SORT_DIRECTION_ASCENDING"},
          {"nullOrdering", desc ? "SORT_NULLS_LAST" : "SORT_NULLS_FIRST"}};
}
json range(int64_t start, int64_t end, int64_t step, int parts) {
  return {{"range", {{"start", std::to_string(start)}, {"end", std::to_string(end)}, {"step", std::to_string(step)},
                     {"numPartitions", parts}}}};
}
json filter(json in, json cond) { return {{"filter", {{"input", in}, {"condition", cond}}}}; }
json select(json in, std::vector<json> es) { return {{"project", {{"input", in}, {"expressions", es}}}}; }
json aggregate(json in, std::vector<json> groups, std::vector<json> aggs) {
  return {{"aggregate", {{"input", in}, {"groupType", "GROUP_TYPE_GROUPBY"}, {"groupingExpressions", groups},
                         {"aggregateExpressions", aggs}}}};
}
json sort(json in, std::vector<json> orders) { return {{"sort", {{"input", in}, {"order", orders}, {"isGlobal", true}}}}; }
json limit(json in, int n) { return {{"limit", {{"input", in}, {"limit", n}}}}; }
json join(json l, json r, const char* type, json cond) {
  json j = {{"left", l}, {"right", r}, {"joinType", type}};
  if (!cond.is_null()) j["joinCondition"] = cond;
  return {{"join", j}};
}
json union_all(json l, json r) {
  return {{"setOp", {{"leftInput", l}, {"rightInput", r}, {"setOpType", "SET_OP_TYPE_UNION"}, {"isAll", true}, {"byName", false}}}};
}
json distinct(json in) { return {{"deduplicate", {{"input", in}, {"allColumnsAsKeys", true}}}}; }
json hint(json in, const char* name = "broadcast") { return {{"hint", {{"input", in}, {"name", name}}}}; }

// createDataFrame(rows, ddl): rows as JSON values (null, numbers, strings; decimals as unscaled ints).
json local(const char* ddl, const std::vector<json>& rows, int plan_id) {
  auto t = parse_ddl_schema(ddl);
  REQUIRE(t.is_ok());
  json schema = type_to_json(*t);
  auto ct = col::type_from_json(schema);
  REQUIRE(ct.is_ok());
  col::BatchBuilder bb(col::make_type(*ct));
  for (const auto& r : rows) {
    for (size_t i = 0; i < bb.num_columns(); ++i) {
      auto& c = bb.column(i);
      const json& v = r[i];
      if (v.is_null()) { c.append_null(); continue; }
      switch (c.type().id) {
        case col::TypeId::Int: c.append<int32_t>(v.get<int32_t>()); break;
        case col::TypeId::Long: c.append<int64_t>(v.get<int64_t>()); break;
        case col::TypeId::Double: c.append<double>(v.get<double>()); break;
        case col::TypeId::String: c.append_str(v.get<std::string>()); break;
        case col::TypeId::Decimal: c.append_decimal(v.get<int64_t>()); break;
        default: FAIL("test type");
      }
    }
  }
  json rel = {{"schema", schema.dump()}};
  if (!rows.empty()) rel["data"] = b64(col::serialize(bb.finish()));
  return {{"common", {{"planId", std::to_string(plan_id)}}}, {"localRelation", rel}};
}

// ---- the in-process stage runner ----
struct Run {
  std::vector<std::string> rows;  // "v1|v2|..." in result order, NULL for nulls
  std::vector<std::string> names;
  std::string ops;                // every fragment's operators, joins as Name:L / Name:R (build side)
  std::string error;
};

void list_ops(const json& p, std::string& out) {
  std::string op = p["op"];
  if (p.contains("buildLeft")) op += p["buildLeft"].get<bool>() ? ":L" : ":R";
  out += op + ",";
  if (p.contains("children")) for (const auto& c : p["children"]) list_ops(c, out);
}

int leaf_partitions(const json& p, int inline_parts) {
  int n = 0;
  if (p["op"] == "Range") n = std::max(1, p.value("numPartitions", 1));
  if (p["op"] == "LocalTableScan" && p["data"].get<std::string>().rfind("inline:", 0) == 0) n = inline_parts;
  if (p.contains("children")) for (const auto& c : p["children"]) n = std::max(n, leaf_partitions(c, inline_parts));
  return n;
}

std::vector<std::string> render(const std::vector<col::Batch>& bs) {
  std::vector<std::string> rows;
  for (const auto& b : bs) {
    std::vector<col::ColumnPtr> strs;
    for (const auto& c : b.columns)
      strs.push_back(spp::sql::kern::cast(spp::sql::kern::Vec::flat(c), spp::sql::kern::type_of(col::TypeId::String), b.num_rows).col);
    for (int64_t r = 0; r < b.num_rows; ++r) {
      std::string row;
      for (size_t i = 0; i < strs.size(); ++i) row += (i ? "|" : "") + (strs[i]->is_null(r) ? std::string("NULL") : std::string(strs[i]->str(r)));
      rows.push_back(row);
    }
  }
  return rows;
}

Run run(SqlSession& s, const json& plan, int inline_parts = 2) {
  Run out;
  auto q = s.prepare({{"root", plan}});
  if (auto* err = std::get_if<json>(&q)) { out.error = err->dump(); return out; }
  const auto& stages = std::get<PreparedQuery>(q).stages;
  ex::MemoryManager memory(64 << 20);
  std::map<int, std::vector<std::vector<col::Batch>>> shuffled;  // stage -> reduce partition -> batches
  std::vector<col::Batch> result;
  json root;
  for (const auto& st : stages) {
    json f = st.to_json();
    list_ops(f["plan"], out.ops);
    int n = 0;
    for (int parent : st.parents)
      if (stages[size_t(parent)].output.kind != Partitioning::Kind::Broadcast) n = std::max(n, int(shuffled[parent].size()));
    n = std::max({n, leaf_partitions(f["plan"], inline_parts), 1});
    ex::OutputPartitioning part;
    if (!st.is_result) {
      auto p = ex::lower_partitioning(f["output"], f["plan"]["output"]);
      REQUIRE_MESSAGE(p.is_ok(), p.error_message());
      part = std::move(*p);
    }
    std::vector<std::vector<col::Batch>> routed(size_t(std::max(1, part.num)));
    std::vector<col::Batch> range_rows;
    for (int pi = 0; pi < n; ++pi) {
      ex::LowerContext ctx;
      ctx.partition = pi;
      ctx.num_partitions = n;
      ctx.exec.memory = &memory;
      ctx.exec.batch_rows = 3;  // small batches: operators see several
      ex::LeafInputs in;
      in.scan = [&](const std::string& ref, const col::ColTypePtr& schema, const json&) -> spp::Result<ex::OpPtr> {
        std::vector<col::Batch> bs;
        if (ref.rfind("shuffle:", 0) == 0) {
          auto& parts = shuffled[std::stoi(ref.substr(8))];
          if (size_t(pi) < parts.size()) bs = parts[size_t(pi)];
        } else if (ref.rfind("broadcast:", 0) == 0) {  // everything the stage wrote
          for (const auto& part_bs : shuffled[std::stoi(ref.substr(10))]) bs.insert(bs.end(), part_bs.begin(), part_bs.end());
        } else if (ref.rfind("inline:", 0) == 0) {  // rows split evenly over inline_parts partitions
          // "inline:@<address>": the LocalTableScan of the stage's plan holding those rows.
          std::string raw;
          std::function<void(const PhysPtr&)> find = [&](const PhysPtr& p) {
            if (p->kind == PhysKind::LocalTableScan && p->inline_data &&
                ref == "inline:@" + std::to_string(reinterpret_cast<uintptr_t>(p->inline_data.get())))
              raw = *p->inline_data;
            for (const auto& c : p->children) find(c);
          };
          find(st.root);
          std::vector<col::Batch> all;
          for (size_t off = 0, used = 0; off < raw.size(); off += used) {
            auto b = col::deserialize(std::string_view(raw).substr(off), &used);
            if (!b) return b.status();
            all.push_back(std::move(*b));
          }
          if (!all.empty() && pi < inline_parts) {
            col::Batch b = col::concat(all);
            int64_t lo = b.num_rows * pi / inline_parts, hi = b.num_rows * (pi + 1) / inline_parts;
            if (hi > lo) bs.push_back(col::slice(b, lo, hi - lo));
          }
        } else if (ref.rfind("session:", 0) != 0) {  // session: a relation of no rows
          return spp::Result<ex::OpPtr>::error("no data for " + ref);
        }
        return ex::make_source(schema, std::move(bs));
      };
      auto op = ex::lower_plan(f["plan"], ctx, in);
      if (!op) { out.error = op.error_message(); return out; }
      auto bs = ex::drain(**op);
      REQUIRE_MESSAGE(bs.is_ok(), bs.error_message());
      if (st.is_result) {
        out.names = (*op)->schema()->names;
        root = f["plan"];
        for (auto& b : *bs) result.push_back(b);
        continue;
      }
      for (auto& b : *bs) {
        using K = ex::OutputPartitioning::Kind;
        switch (part.kind) {
          case K::Hash: {
            auto pieces = ex::hash_partition_batch(b, part.keys, part.num, ctx.exec);
            for (size_t r = 0; r < pieces.size(); ++r) if (pieces[r].num_rows) routed[r].push_back(pieces[r]);
            break;
          }
          case K::Single: routed[0].push_back(b); break;
          case K::Range: range_rows.push_back(b); break;
          case K::RoundRobin:
            for (int64_t r = 0; r < b.num_rows; ++r) routed[size_t((pi + r) % part.num)].push_back(col::slice(b, r, 1));
            break;
        }
      }
    }
    if (part.kind == ex::OutputPartitioning::Kind::Range && !range_rows.empty()) {
      // As the driver would: sample every map partition's keys, bounds from the samples, then
      // each row to the partition its key falls in (exec/range_partition.h).
      ex::ExecContext ectx;
      ectx.memory = &memory;
      std::vector<ex::RangeSample> samples;
      for (size_t m = 0; m < range_rows.size(); ++m) {  // one batch stands for one map partition
        ex::RangeSampler sampler(part.orders, ex::range_sample_size(part.num, int(range_rows.size()), 100), int64_t(m));
        sampler.add(range_rows[m], ectx);
        samples.push_back({sampler.sample(), sampler.rows_seen()});
      }
      col::Batch bounds = ex::range_bounds(samples, part.orders, part.num);
      for (const auto& b : range_rows) {
        auto ids = ex::range_partition_ids(ex::sort_key_batch(b, part.orders, ectx), part.orders, bounds);
        std::vector<std::vector<int32_t>> rows(size_t(part.num));
        for (int64_t r = 0; r < b.num_rows; ++r) rows[size_t(ids[size_t(r)])].push_back(int32_t(r));
        for (size_t d = 0; d < rows.size(); ++d)
          if (!rows[d].empty()) routed[d].push_back(col::gather(b, rows[d].data(), int64_t(rows[d].size())));
      }
    }
    shuffled[st.id] = std::move(routed);
  }
  out.rows = render(result);
  if (root["op"] == "CollectLimit" && out.rows.size() > root["n"].get<size_t>()) out.rows.resize(root["n"].get<size_t>());
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}
using Rows = std::vector<std::string>;
std::string show(const Rows& rows) {
  std::string s;
  for (const auto& r : sorted(rows)) s += r + "; ";
  return s;
}

}  // namespace

TEST_CASE("sql lower: Range splits as Spark's RangeExec, 128-bit safe") {
  json attr = {{"kind", "attr"}, {"id", 0}, {"name", "id"}, {"type", "long"}, {"nullable", false}};
  auto rows_of = [&](json plan, int p, int n) {
    ex::LowerContext ctx;
    ctx.partition = p;
    ctx.num_partitions = n;
    auto op = ex::lower_plan(plan, ctx, {});
    REQUIRE(op.is_ok());
    auto bs = ex::drain(**op);
    REQUIRE(bs.is_ok());
    return render(*bs);
  };
  json r = {{"op", "Range"}, {"output", {attr}}, {"start", 0}, {"end", 10}, {"step", 1}, {"numPartitions", 3}};
  CHECK(rows_of(r, 0, 3) == Rows{"0", "1", "2"});
  CHECK(rows_of(r, 1, 3) == Rows{"3", "4", "5"});
  CHECK(rows_of(r, 2, 3) == Rows{"6", "7", "8", "9"});
  CHECK(rows_of(r, 3, 4).empty());  // past numSlices
  json down = {{"op", "Range"}, {"output", {attr}}, {"start", 10}, {"end", 0}, {"step", -3}, {"numPartitions", -1}};
  CHECK(rows_of(down, 0, 1) == Rows{"10", "7", "4", "1"});
  CHECK(rows_of(down, 1, 2) == Rows{"4", "1"});  // numPartitions absent: the stage's partitions
  json wide = {{"op", "Range"}, {"output", {attr}}, {"start", INT64_MIN}, {"end", INT64_MAX}, {"step", int64_t(1) << 62},
               {"numPartitions", 2}};
  CHECK(rows_of(wide, 0, 2) == Rows{"-9223372036854775808", "-4611686018427387904"});
  CHECK(rows_of(wide, 1, 2) == Rows{"0", "4611686018427387904"});
  json empty = {{"op", "Range"}, {"output", {attr}}, {"start", 5}, {"end", 5}, {"step", 1}, {"numPartitions", 1}};
  CHECK(rows_of(empty, 0, 1).empty());
}

TEST_CASE("sql lower: range, filter, project arithmetic and CASE") {
  SqlSession s;
  json q = select(filter(range(0, 10, 1, 3), fn("==", {fn("%", {colref("id"), lit(2)}), lit(0)})),
                  {as(fn("+", {fn("*", {colref("id"), lit(10)}), lit(1)}), "x"), fn("/", {colref("id"), lit(4)}),
                   fn("when", {fn(">", {colref("id"), lit(4)}), lit("big"), lit("small")})});
  Run r = run(s, q);
  REQUIRE_MESSAGE(r.error.empty(), r.error);
  CHECK(r.names == Rows{"x", "(id / 4)", "CASE WHEN (id > 4) THEN big ELSE small END"});
  CHECK(r.rows == Rows{"1|0.0|small", "21|0.5|small", "41|1.0|small", "61|1.5|big", "81|2.0|big"});
  // reverse of an array runs on the array kernel, of a string on the string one.
  Run rev = run(s, select(range(0, 3, 1, 1), {fn("reverse", {fn("array", {colref("id"), lit(7)})})}));
  REQUIRE_MESSAGE(rev.error.empty(), rev.error);
  CHECK(rev.rows == Rows{"[7, 0]", "[7, 1]", "[7, 2]"});
}

const char* kFacts = "k STRING, v INT, d DOUBLE";
std::vector<json> facts() {
  return {{"a", 1, 1.0}, {"b", 2, 2.0}, {"a", 3, nullptr}, {nullptr, 4, 4.0},
          {"b", nullptr, 5.0}, {nullptr, 6, 6.0}, {"c", 7, 7.5}};
}

TEST_CASE("sql lower: groupBy().agg over a shuffle, null keys together, Spark's result types") {
  SqlSession s;
  REQUIRE(s.conf().set("spark.sql.shuffle.partitions", "3"));
  json q = aggregate(local(kFacts, facts(), 1), {colref("k")},
                     {fn("count", {lit(1)}), fn("sum", {colref("v")}), fn("avg", {colref("d")}), fn("min", {colref("v")}),
                      fn("max", {colref("d")}), as(fn("+", {fn("sum", {colref("v")}), lit(1)}), "s1"),
                      fn("count", {colref("v")})});
  Run r = run(s, q);
  REQUIRE_MESSAGE(r.error.empty(), r.error);
  CHECK(r.ops.find("HashAggregate") != std::string::npos);
  CHECK(r.names == Rows{"k", "count(1)", "sum(v)", "avg(d)", "min(v)", "max(d)", "s1", "count(v)"});
  CHECK(sorted(r.rows) == Rows{"NULL|2|10|5.0|4|6.0|11|2", "a|2|4|1.0|1|1.0|5|2", "b|2|2|3.5|2|5.0|3|1",
                               "c|1|7|7.5|7|7.5|8|1"});
  // Global aggregate over no rows: one row, count 0 and NULL sum.
  Run g = run(s, aggregate(filter(local(kFacts, facts(), 2), fn(">", {colref("v"), lit(100)})), {},
                           {fn("count", {lit(1)}), fn("sum", {colref("v")}), fn("avg", {colref("d")})}));
  REQUIRE_MESSAGE(g.error.empty(), g.error);
  CHECK(g.rows == Rows{"0|NULL|NULL"});
  // Decimal sums carry Spark's (sum, isEmpty) buffers through the shuffle.
  Run d = run(s, aggregate(local("k STRING, m DECIMAL(10,2)", {{"x", 150}, {"x", 225}, {"y", nullptr}}, 3), {colref("k")},
                           {fn("sum", {colref("m")})}));
  REQUIRE_MESSAGE(d.error.empty(), d.error);
  CHECK(sorted(d.rows) == Rows{"x|3.75", "y|NULL"});
  // count(DISTINCT) runs as one complete aggregate over the clustered rows.
  Run cd = run(s, aggregate(local(kFacts, facts(), 4), {colref("k")}, {fn("count", {colref("d")}, true)}));
  REQUIRE_MESSAGE(cd.error.empty(), cd.error);
  CHECK(sorted(cd.rows) == Rows{"NULL|2", "a|1", "b|2", "c|1"});
}

TEST_CASE("sql lower: orderBy desc + limit, distinct, union") {
  SqlSession s;
  REQUIRE(s.conf().set("spark.sql.shuffle.partitions", "2"));
  Run top = run(s, limit(sort(local(kFacts, facts(), 1), {order(colref("v"), true)}), 3));
  REQUIRE_MESSAGE(top.error.empty(), top.error);
  CHECK(top.ops.find("TakeOrderedAndProject") != std::string::npos);
  CHECK(top.rows == Rows{"c|7|7.5", "NULL|6|6.0", "NULL|4|4.0"});
  Run ord = run(s, sort(select(local(kFacts, facts(), 2), {colref("k"), colref("v")}), {order(colref("v"), true)}));
  REQUIRE_MESSAGE(ord.error.empty(), ord.error);
  CHECK(ord.rows == Rows{"c|7", "NULL|6", "NULL|4", "a|3", "b|2", "a|1", "b|NULL"});  // DESC: NULLS LAST
  Run lim = run(s, limit(local(kFacts, facts(), 3), 2));
  REQUIRE_MESSAGE(lim.error.empty(), lim.error);
  CHECK(lim.rows.size() == 2);
  json ks = select(local(kFacts, facts(), 4), {colref("k")});
  Run u = run(s, union_all(ks, select(local("k STRING", {{"z"}, {nullptr}}, 5), {colref("k")})));
  REQUIRE_MESSAGE(u.error.empty(), u.error);
  CHECK(sorted(u.rows) == Rows{"NULL", "NULL", "NULL", "a", "a", "b", "b", "c", "z"});
  Run dd = run(s, distinct(union_all(ks, select(local("k STRING", {{"z"}, {nullptr}}, 6), {colref("k")}))));
  REQUIRE_MESSAGE(dd.error.empty(), dd.error);
  CHECK(sorted(dd.rows) == Rows{"NULL", "a", "b", "c", "z"});
}

const char* kL = "k INT, a STRING";
const char* kR = "k INT, b STRING";
std::vector<json> lrows() { return {{1, "x"}, {2, "y"}, {nullptr, "z"}, {3, "w"}}; }
std::vector<json> rrows() { return {{1, "p"}, {1, "q"}, {3, "r"}, {nullptr, "s"}, {4, "t"}}; }

Run join_run(SqlSession& s, const char* type, bool hint_left = false, const char* op = "==",
             const char* right_hint = nullptr) {
  json l = local(kL, lrows(), 10), r = local(kR, rrows(), 11);
  if (right_hint) r = hint(r, right_hint);
  return run(s, join(hint_left ? hint(l) : l, r, type, fn(op, {colref("k", 10), colref("k", 11)})));
}

// Every join type's answer; `expect_op` is the operator the inner join runs as (and every other
// type where `all_types`), `right_hint` a hint on the right input.
void check_joins(SqlSession& s, const std::string& expect_op, const char* right_hint = nullptr, bool all_types = false) {
  auto go = [&](const char* type) {
    Run r = join_run(s, type, false, "==", right_hint);
    REQUIRE_MESSAGE(r.error.empty(), r.error);
    if (all_types || std::string(type) == "JOIN_TYPE_INNER") CHECK_MESSAGE(r.ops.find(expect_op) != std::string::npos, type << ": " << r.ops);
    return sorted(r.rows);
  };
  CHECK(go("JOIN_TYPE_INNER") == Rows{"1|x|1|p", "1|x|1|q", "3|w|3|r"});
  CHECK(go("JOIN_TYPE_LEFT_OUTER") == Rows{"1|x|1|p", "1|x|1|q", "2|y|NULL|NULL", "3|w|3|r", "NULL|z|NULL|NULL"});
  if (!all_types)
    CHECK(go("JOIN_TYPE_RIGHT_OUTER") == Rows{"1|x|1|p", "1|x|1|q", "3|w|3|r", "NULL|NULL|4|t", "NULL|NULL|NULL|s"});
  CHECK(go("JOIN_TYPE_FULL_OUTER") == Rows{"1|x|1|p", "1|x|1|q", "2|y|NULL|NULL", "3|w|3|r", "NULL|NULL|4|t",
                                           "NULL|NULL|NULL|s", "NULL|z|NULL|NULL"});
  CHECK(go("JOIN_TYPE_LEFT_SEMI") == Rows{"1|x", "3|w"});
  CHECK(go("JOIN_TYPE_LEFT_ANTI") == Rows{"2|y", "NULL|z"});
}

// createDataFrame's rows have no size estimate (PySpark's LogicalRDD): broadcasts by hint.
TEST_CASE("sql lower: broadcast hash joins, both build sides") {
  SqlSession s;
  REQUIRE(s.conf().set("spark.sql.shuffle.partitions", "2"));
  check_joins(s, "BroadcastHashJoin:R", "broadcast");
  Run right = join_run(s, "JOIN_TYPE_RIGHT_OUTER", true);  // only the left side can be built
  CHECK_MESSAGE(right.ops.find("BroadcastHashJoin:L") != std::string::npos, right.ops);
  Run hinted = join_run(s, "JOIN_TYPE_INNER", true);
  REQUIRE_MESSAGE(hinted.error.empty(), hinted.error);
  CHECK_MESSAGE(hinted.ops.find("BroadcastHashJoin:L") != std::string::npos, hinted.ops);
  CHECK(sorted(hinted.rows) == Rows{"1|x|1|p", "1|x|1|q", "3|w|3|r"});
}

TEST_CASE("sql lower: sort-merge and shuffled hash joins") {
  SqlSession s;
  REQUIRE(s.conf().set("spark.sql.shuffle.partitions", "3"));
  REQUIRE(s.conf().set("spark.sql.autoBroadcastJoinThreshold", "-1"));
  check_joins(s, "SortMergeJoin", nullptr, true);
  // SHUFFLE_HASH on the right input: every type that can build its right side (all but right
  // outer) runs as a shuffled hash join; full outer included.
  check_joins(s, "ShuffledHashJoin", "shuffle_hash", true);
  Run right = join_run(s, "JOIN_TYPE_RIGHT_OUTER", false, "==", "shuffle_hash");  // hint ignored
  CHECK_MESSAGE(right.ops.find("SortMergeJoin") != std::string::npos, right.ops);
  CHECK(sorted(right.rows) == Rows{"1|x|1|p", "1|x|1|q", "3|w|3|r", "NULL|NULL|4|t", "NULL|NULL|NULL|s"});
}

TEST_CASE("sql lower: nested-loop and cartesian joins") {
  SqlSession s;
  REQUIRE(s.conf().set("spark.sql.shuffle.partitions", "2"));
  Run lt = join_run(s, "JOIN_TYPE_LEFT_OUTER", false, "<");
  REQUIRE_MESSAGE(lt.error.empty(), lt.error);
  CHECK_MESSAGE(lt.ops.find("BroadcastNestedLoopJoin") != std::string::npos, lt.ops);
  CHECK(sorted(lt.rows) == Rows{"1|x|3|r", "1|x|4|t", "2|y|3|r", "2|y|4|t", "3|w|4|t", "NULL|z|NULL|NULL"});
  REQUIRE(s.conf().set("spark.sql.autoBroadcastJoinThreshold", "-1"));
  Run cross = run(s, join(local(kL, lrows(), 10), local("c STRING", {{"m"}, {"n"}}, 11), "JOIN_TYPE_CROSS", nullptr));
  REQUIRE_MESSAGE(cross.error.empty(), cross.error);
  CHECK_MESSAGE(cross.ops.find("CartesianProduct") != std::string::npos, cross.ops);
  CHECK(cross.rows.size() == 8);
  CHECK(sorted(cross.rows)[0] == "1|x|m");
}

TEST_CASE("sql lower: nested-loop joins of every type with a condition") {
  SqlSession s;
  REQUIRE(s.conf().set("spark.sql.shuffle.partitions", "2"));
  const Rows inner = {"1|x|3|r", "1|x|4|t", "2|y|3|r", "2|y|4|t", "3|w|4|t"};
  auto plus = [](Rows a, Rows b) { a.insert(a.end(), b.begin(), b.end()); return sorted(a); };
  struct Case { const char* type; Rows want; };
  const Case cases[] = {
      {"JOIN_TYPE_INNER", inner},
      {"JOIN_TYPE_LEFT_SEMI", {"1|x", "2|y", "3|w"}},
      {"JOIN_TYPE_LEFT_ANTI", {"NULL|z"}},
      {"JOIN_TYPE_RIGHT_OUTER", plus(inner, {"NULL|NULL|1|p", "NULL|NULL|1|q", "NULL|NULL|NULL|s"})},
      {"JOIN_TYPE_FULL_OUTER", plus(inner, {"NULL|NULL|1|p", "NULL|NULL|1|q", "NULL|NULL|NULL|s", "NULL|z|NULL|NULL"})},
  };
  for (const auto& c : cases) {
    Run r = join_run(s, c.type, false, "<", "broadcast");  // (right outer: hint ignored, the left built)
    REQUIRE_MESSAGE(r.error.empty(), r.error);
    CHECK_MESSAGE(r.ops.find("BroadcastNestedLoopJoin") != std::string::npos, r.ops);
    CHECK_MESSAGE(sorted(r.rows) == c.want, c.type, ": ", show(r.rows));
  }
  REQUIRE(s.conf().set("spark.sql.autoBroadcastJoinThreshold", "-1"));
  Run cart = join_run(s, "JOIN_TYPE_INNER", false, "<");  // no broadcast: CartesianProduct + condition
  REQUIRE_MESSAGE(cart.error.empty(), cart.error);
  CHECK_MESSAGE(cart.ops.find("CartesianProduct") != std::string::npos, cart.ops);
  CHECK(sorted(cart.rows) == inner);
}

// L.k = R.k AND NOT (R.b = 'q'): keys plus a condition on the joined row.
Run cond_join(SqlSession& s, const char* type, bool hint_left = false) {
  json l = local(kL, lrows(), 10), r = local(kR, rrows(), 11);
  json cond = fn("and", {fn("==", {colref("k", 10), colref("k", 11)}), fn("not", {fn("==", {colref("b", 11), lit("q")})})});
  return run(s, join(hint_left ? hint(l) : l, r, type, cond));
}

TEST_CASE("sql lower: equi-joins with an extra condition, duplicates on both sides, empty sides") {
  for (const char* threshold : {"10485760", "-1"}) {
    CAPTURE(threshold);
    SqlSession s;
    REQUIRE(s.conf().set("spark.sql.shuffle.partitions", "2"));
    REQUIRE(s.conf().set("spark.sql.autoBroadcastJoinThreshold", threshold));
    Run in = cond_join(s, "JOIN_TYPE_INNER");
    REQUIRE_MESSAGE(in.error.empty(), in.error);
    CHECK(sorted(in.rows) == Rows{"1|x|1|p", "3|w|3|r"});
    Run hinted = cond_join(s, "JOIN_TYPE_INNER", true);
    REQUIRE_MESSAGE(hinted.error.empty(), hinted.error);
    CHECK(sorted(hinted.rows) == Rows{"1|x|1|p", "3|w|3|r"});
    Run left = cond_join(s, "JOIN_TYPE_LEFT_OUTER");
    REQUIRE_MESSAGE(left.error.empty(), left.error);
    CHECK(sorted(left.rows) == Rows{"1|x|1|p", "2|y|NULL|NULL", "3|w|3|r", "NULL|z|NULL|NULL"});
    Run right = cond_join(s, "JOIN_TYPE_RIGHT_OUTER");  // broadcast: builds the left side
    REQUIRE_MESSAGE(right.error.empty(), right.error);
    CHECK(sorted(right.rows) == Rows{"1|x|1|p", "3|w|3|r", "NULL|NULL|1|q", "NULL|NULL|4|t", "NULL|NULL|NULL|s"});
    Run semi = cond_join(s, "JOIN_TYPE_LEFT_SEMI");
    REQUIRE_MESSAGE(semi.error.empty(), semi.error);
    CHECK(sorted(semi.rows) == Rows{"1|x", "3|w"});
    Run anti = cond_join(s, "JOIN_TYPE_LEFT_ANTI");
    REQUIRE_MESSAGE(anti.error.empty(), anti.error);
    CHECK(sorted(anti.rows) == Rows{"2|y", "NULL|z"});

    json dl = local(kL, {{1, "a"}, {1, "b"}, {2, "c"}}, 20), dr = local(kR, {{1, "d"}, {1, "e"}, {nullptr, "f"}}, 21);
    Run dup = run(s, join(dl, dr, "JOIN_TYPE_INNER", fn("==", {colref("k", 20), colref("k", 21)})));
    REQUIRE_MESSAGE(dup.error.empty(), dup.error);
    CHECK(sorted(dup.rows) == Rows{"1|a|1|d", "1|a|1|e", "1|b|1|d", "1|b|1|e"});

    json empty = local(kR, {}, 31);
    auto with_empty = [&](const char* type) {
      return run(s, join(local(kL, lrows(), 30), empty, type, fn("==", {colref("k", 30), colref("k", 31)})));
    };
    Run ei = with_empty("JOIN_TYPE_INNER");
    REQUIRE_MESSAGE(ei.error.empty(), ei.error);
    CHECK(ei.rows.empty());
    Run el = with_empty("JOIN_TYPE_LEFT_OUTER");
    REQUIRE_MESSAGE(el.error.empty(), el.error);
    CHECK(sorted(el.rows) == Rows{"1|x|NULL|NULL", "2|y|NULL|NULL", "3|w|NULL|NULL", "NULL|z|NULL|NULL"});
    Run ea = with_empty("JOIN_TYPE_LEFT_ANTI");
    REQUIRE_MESSAGE(ea.error.empty(), ea.error);
    CHECK(sorted(ea.rows) == Rows{"1|x", "2|y", "3|w", "NULL|z"});
  }
}

TEST_CASE("sql lower: decimal aggregates and aggregates over empty input") {
  SqlSession s;
  REQUIRE(s.conf().set("spark.sql.shuffle.partitions", "2"));
  json dec = local("k STRING, m DECIMAL(10,2)", {{"x", 150}, {"x", 225}, {"y", nullptr}, {"x", -100}}, 1);
  Run d = run(s, aggregate(dec, {colref("k")}, {fn("avg", {colref("m")}), fn("sum", {colref("m")}), fn("max", {colref("m")})}));
  REQUIRE_MESSAGE(d.error.empty(), d.error);
  CHECK(sorted(d.rows) == Rows{"x|0.916667|2.75|2.25", "y|NULL|NULL|NULL"});  // avg: decimal(14,6), HALF_UP
  Run none = run(s, aggregate(local(kFacts, {}, 2), {colref("k")}, {fn("count", {lit(1)})}));
  REQUIRE_MESSAGE(none.error.empty(), none.error);
  CHECK(none.rows.empty());
  Run global = run(s, aggregate(local(kFacts, {}, 3), {}, {fn("count", {lit(1)}), fn("max", {colref("d")})}));
  REQUIRE_MESSAGE(global.error.empty(), global.error);
  CHECK(global.rows == Rows{"0|NULL"});
}

TEST_CASE("sql lower: constant arguments of functions over aggregate results") {
  SqlSession s;
  REQUIRE(s.conf().set("spark.sql.shuffle.partitions", "2"));
  // round(avg(d), 1): the scale must survive binding the aggregate under it.
  Run r = run(s, aggregate(local(kFacts, facts(), 1), {colref("k")},
                           {as(fn("round", {fn("avg", {colref("d")}), lit(1)}), "r"),
                            as(fn("substring", {colref("k"), lit(1), lit(1)}), "k1")}));
  REQUIRE_MESSAGE(r.error.empty(), r.error);
  const Rows want = {"NULL|5.0|NULL", "a|1.0|a", "b|3.5|b", "c|7.5|c"};
  CHECK_MESSAGE(sorted(r.rows) == want, show(r.rows));
}

TEST_CASE("sql lower: a SELECT without FROM is one row however many partitions its stage has") {
  SqlSession s;
  json one = {{"project", {{"expressions", {as(fn("+", {lit(6), lit(1)}), "id")}}}}};
  Run r = run(s, union_all(range(0, 4, 1, 2), one));
  REQUIRE_MESSAGE(r.error.empty(), r.error);
  const Rows want = {"0", "1", "2", "3", "7"};
  CHECK_MESSAGE(sorted(r.rows) == want, show(r.rows));
}

TEST_CASE("sql lower: to_date and ilike") {
  SqlSession s;
  json strs = local("s STRING", {{"2024-03-05"}, {"Apple"}, {nullptr}}, 1);
  Run r = run(s, select(strs, {fn("to_date", {colref("s")}), fn("ilike", {colref("s"), lit("a%")})}));
  REQUIRE_MESSAGE(r.error.empty(), r.error);
  const Rows want = {"2024-03-05|false", "NULL|NULL", "NULL|true"};
  CHECK_MESSAGE(sorted(r.rows) == want, show(r.rows));
}

TEST_CASE("sql lower: collect_set / collect_list / first through partial and final aggregates") {
  SqlSession s;
  REQUIRE(s.conf().set("spark.sql.shuffle.partitions", "2"));
  json rows = local("k STRING, v INT", {{"a", 1}, {"a", 1}, {"a", 2}, {"b", nullptr}, {"a", nullptr}, {"b", 3}}, 1);
  Run r = run(s, aggregate(rows, {colref("k")},
                           {fn("size", {fn("collect_set", {colref("v")})}), fn("size", {fn("collect_list", {colref("v")})}),
                            fn("max", {colref("v")}), fn("count", {colref("v")}, true)}));
  REQUIRE_MESSAGE(r.error.empty(), r.error);
  const Rows want = {"a|2|3|2|2", "b|1|1|3|1"};  // NULLs are not collected
  CHECK_MESSAGE(sorted(r.rows) == want, show(r.rows));
  Run p = run(s, aggregate(rows, {colref("k")}, {fn("size", {fn("collect_set", {colref("v")})}), fn("sum", {colref("v")})}));
  REQUIRE_MESSAGE(p.error.empty(), p.error);
  CHECK_MESSAGE(p.ops.find("HashAggregate") != std::string::npos, p.ops);
  const Rows want2 = {"a|2|4", "b|1|3"};
  CHECK_MESSAGE(sorted(p.rows) == want2, show(p.rows));
}

TEST_CASE("sql lower: explode / posexplode_outer over split strings, word count through a shuffle") {
  SqlSession s;
  REQUIRE(s.conf().set("spark.sql.shuffle.partitions", "3"));
  json text = local("id INT, line STRING", {{1, "the cat sat"}, {2, "on the mat"}, {3, ""}, {4, nullptr}, {5, "the end"}}, 1);
  auto words = [](const char* c) { return fn("split", {colref(c), lit(" ")}); };
  Run wc = run(s, aggregate(select(text, {as(fn("explode", {words("line")}), "word")}), {colref("word")},
                            {fn("count", {lit(1)})}));
  REQUIRE_MESSAGE(wc.error.empty(), wc.error);
  CHECK_MESSAGE(wc.ops.find("Generate") != std::string::npos, wc.ops);
  // split("") is [""]: one empty word; a NULL line has no words.
  const Rows want_wc = {"cat|1", "end|1", "mat|1", "on|1", "sat|1", "the|3", "|1"};
  CHECK_MESSAGE(sorted(wc.rows) == want_wc, show(wc.rows));
  Run pos = run(s, select(text, {colref("id"), fn("posexplode_outer", {words("line")})}));
  REQUIRE_MESSAGE(pos.error.empty(), pos.error);
  CHECK(pos.names == Rows{"id", "pos", "col"});
  const Rows want_pos = {"1|0|the", "1|1|cat", "1|2|sat", "2|0|on", "2|1|the", "2|2|mat", "3|0|",
                         "4|NULL|NULL", "5|0|the", "5|1|end"};
  CHECK_MESSAGE(sorted(pos.rows) == want_pos, show(pos.rows));
  // The generator's input column is not carried along; a filter on the child runs below it.
  Run f = run(s, filter(select(text, {as(fn("explode", {fn("array", {colref("id"), lit(10)})}), "x"), colref("id")}),
                        fn("and", {fn(">", {colref("id"), lit(3)}), fn("<", {colref("x"), lit(10)})})));
  REQUIRE_MESSAGE(f.error.empty(), f.error);
  const Rows want_f = {"4|4", "5|5"};
  CHECK_MESSAGE(sorted(f.rows) == want_f, show(f.rows));
}

TEST_CASE("sql lower: higher-order functions evaluate their lambdas over the flattened elements") {
  SqlSession s;
  auto q = [&](const char* expr) {
    const std::string text = std::string("SELECT ") + expr +
                             " FROM VALUES (array(1, NULL, 3), 10), (CAST(NULL AS ARRAY<INT>), 20), "
                             "(CAST(array() AS ARRAY<INT>), 30), (array(5, 4, 6, 2), 40) AS t(a, b)";
    json sel = {{"common", {{"planId", "1"}}}, {"sql", {{"query", text}}}};
    Run r = run(s, sel);
    REQUIRE_MESSAGE(r.error.empty(), r.error);
    return sorted(r.rows);
  };
  // the element, its index and the row's own column; NULL arrays stay NULL
  CHECK(q("transform(a, (x, i) -> x * 100 + i + b)") ==
        Rows{"NULL", "[110, null, 312]", "[540, 441, 642, 243]", "[]"});
  CHECK(q("filter(a, x -> x > 2)") == Rows{"NULL", "[3]", "[5, 4, 6]", "[]"});
  // exists/forall: three-valued over NULL predicate results
  CHECK(q("exists(a, x -> x > 3)") == Rows{"NULL", "NULL", "false", "true"});
  CHECK(q("forall(a, x -> x > 0)") == Rows{"NULL", "NULL", "true", "true"});
  // aggregate steps every row at once, however long each array is
  CHECK(q("aggregate(a, 0L, (acc, x) -> acc * 10 + coalesce(x, 7), acc -> acc + b)") ==
        Rows{"183", "30", "5502", "NULL"});
  // a comparator sorts descending; nested lambdas see the outer variable
  CHECK(q("array_sort(filter(a, x -> x IS NOT NULL), (l, r) -> CASE WHEN l < r THEN 1 WHEN l > r THEN -1 ELSE 0 END)") ==
        Rows{"NULL", "[3, 1]", "[6, 5, 4, 2]", "[]"});
  CHECK(q("transform(a, x -> aggregate(a, 0, (s, y) -> s + if(y < x, 1, 0)))") ==
        Rows{"NULL", "[0, 0, 1]", "[2, 1, 3, 0]", "[]"});
}
