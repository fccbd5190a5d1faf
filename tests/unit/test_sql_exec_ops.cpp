// Operators over batches: filter/project/limit/union/expand/generate/sample, sort and top-N,
// hash aggregate (every function, partial -> final, Spark's result types), hash and sort-merge
// joins (every type, NULL keys, duplicates, extra condition) — and forced spilling in each
// buffering operator (tiny memory pool), checked against the unspilled answer.
#include <random>
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "sql/columnar/builder.h"
#include "sql/exec/aggregate.h"
#include "sql/exec/join.h"
#include "sql/exec/sort.h"
#include "sql/exec/string_table.h"
#include "sql/kernels/cast.h"
#include "sql/kernels/decimal.h"
#include "sql/kernels/xorshift.h"

using namespace spp::sql;
using namespace spp::sql::exec;
using col::ColType;
using col::TypeId;

namespace {

ColTypePtr kv_schema() {
  return col::make_type(ColType::strct({"k", "v", "s"}, {ColType::scalar(TypeId::Long), ColType::scalar(TypeId::Double),
                                                         ColType::scalar(TypeId::String)}));
}

// Rows (k, v, s) split into batches of `per` rows; nullopt = NULL.
struct Row { std::optional<int64_t> k; std::optional<double> v; std::optional<std::string> s; };
OpPtr source(const std::vector<Row>& rows, int64_t per = 3) {
  std::vector<Batch> bs;
  for (size_t i = 0; i < rows.size(); i += size_t(per)) {
    col::BatchBuilder bb(kv_schema());
    for (size_t j = i; j < std::min(rows.size(), i + size_t(per)); ++j) {
      rows[j].k ? bb.column(0).append<int64_t>(*rows[j].k) : bb.column(0).append_null();
      rows[j].v ? bb.column(1).append<double>(*rows[j].v) : bb.column(1).append_null();
      rows[j].s ? bb.column(2).append_str(*rows[j].s) : bb.column(2).append_null();
    }
    bs.push_back(bb.finish());
  }
  return make_source(kv_schema(), bs);
}

// Every row of an operator's output as text, e.g. "1|2.5|a" (NULL as "N").
std::vector<std::string> rows_of(Operator& op) {
  auto b = drain_concat(op);
  REQUIRE_MESSAGE(b.is_ok(), b.error_message());
  std::vector<std::string> out;
  for (int64_t r = 0; r < b->num_rows; ++r) {
    std::string s;
    for (size_t c = 0; c < b->num_columns(); ++c)
      s += (c ? "|" : "") + (b->column(c).is_null(r) ? std::string("N") : kern::value_to_string(b->column(c), r));
    out.push_back(s);
  }
  return out;
}
ExecContext mk(MemoryManager* m) {
  ExecContext c;
  c.memory = m;
  return c;
}
std::vector<std::string> sorted(std::vector<std::string> v) { std::sort(v.begin(), v.end()); return v; }

ExprPtr K() { return col_ref(0, kern::type_of(TypeId::Long)); }
ExprPtr V() { return col_ref(1, kern::type_of(TypeId::Double)); }
ExprPtr S() { return col_ref(2, kern::type_of(TypeId::String)); }

std::vector<Row> sample_rows() {
  return {{1, 1.5, "a"}, {2, 2.0, "b"}, {1, -1.0, "c"}, {std::nullopt, 4.0, "d"}, {3, std::nullopt, std::nullopt},
          {2, 0.5, "b"}, {1, 3.0, "a"}};
}

}  // namespace

TEST_CASE("sql exec: a conjunction narrows to the rows still true, with NULLs, against row-by-row evaluation") {
  MemoryManager mm(1 << 30);
  ExecContext ctx = mk(&mm);
  // 1,000 rows in batches of 300: k = i % 10 (NULL every 37th), v = i (NULL every 41st),
  // s = "x" or "yy" by i % 3 (NULL every 43rd).
  std::vector<Row> rows;
  for (int i = 0; i < 1000; ++i) {
    Row r{i % 10, double(i), std::string(i % 3 ? "x" : "yy")};
    if (i % 37 == 0) r.k.reset();
    if (i % 41 == 0) r.v.reset();
    if (i % 43 == 0) r.s.reset();
    rows.push_back(r);
  }
  const std::vector<std::string> all = rows_of(*source(rows, 300));
  auto want = [&](auto keep) {
    std::vector<std::string> out;
    for (size_t i = 0; i < rows.size(); ++i)
      if (keep(rows[i])) out.push_back(all[i]);
    return out;
  };
  // k = 3 (~10 %: narrows), then v >= 100 (most of the rest), then s = 'x'.
  auto pred = call(Fn::And, {call(Fn::And, {call(Fn::Eq, {K(), lit_long(3)}), call(Fn::Ge, {V(), lit_double(100.0)})}),
                             call(Fn::Eq, {S(), lit_str("x")})});
  auto f = make_filter(source(rows, 300), pred, ctx);
  CHECK(rows_of(*f) == want([](const Row& r) { return r.k && *r.k == 3 && r.v && *r.v >= 100 && r.s && *r.s == "x"; }));
  // High selectivity first (no narrowing), then a narrowing one, then one that keeps nothing in some batches.
  auto pred2 = call(Fn::And, {call(Fn::IsNotNull, {S()}), call(Fn::And, {call(Fn::Lt, {V(), lit_double(450.0)}), call(Fn::Gt, {K(), lit_long(7)})})});
  auto f2 = make_filter(source(rows, 300), pred2, ctx);
  CHECK(rows_of(*f2) == want([](const Row& r) { return r.s && r.v && *r.v < 450 && r.k && *r.k > 7; }));
  // Nothing passes the first conjunct.
  auto f3 = make_filter(source(rows, 300), call(Fn::And, {call(Fn::Lt, {K(), lit_long(0)}), call(Fn::IsNull, {S()})}), ctx);
  CHECK(rows_of(*f3).empty());
}

TEST_CASE("sql exec: filter, project, limit, union") {
  MemoryManager mm(1 << 30);
  ExecContext ctx = mk(&mm);
  auto f = make_filter(source(sample_rows()), call(Fn::Gt, {V(), lit_double(1.0)}), ctx);
  CHECK(rows_of(*f) == std::vector<std::string>{"1|1.5|a", "2|2.0|b", "N|4.0|d", "1|3.0|a"});  // NULL v dropped
  CHECK(f->metrics().rows_out == 4);
  auto p = make_project(source(sample_rows()), {call(Fn::Add, {K(), lit_long(10)}), call(Fn::Upper, {S()})}, {"k10", "S"}, ctx);
  auto pr = rows_of(*p);
  CHECK(pr[0] == "11|A");
  CHECK(pr[3] == "N|D");
  CHECK(p->schema()->names[1] == "S");
  auto l = make_limit(source(sample_rows()), 4, 1);
  CHECK(rows_of(*l) == std::vector<std::string>{"2|2.0|b", "1|-1.0|c", "N|4.0|d", "3|N|N"});
  std::vector<OpPtr> parts;
  parts.push_back(source({{1, 1.0, "x"}}));
  parts.push_back(source({}));
  parts.push_back(source({{2, 2.0, "y"}}));
  auto u = make_union(std::move(parts));
  CHECK(rows_of(*u) == std::vector<std::string>{"1|1.0|x", "2|2.0|y"});
}

TEST_CASE("sql exec: expand, generate (explode / explode_outer / posexplode), sample") {
  MemoryManager mm(1 << 30);
  ExecContext ctx = mk(&mm);
  auto e = make_expand(source({{1, 1.0, "a"}}), {{K(), S()}, {lit_null(kern::type_of(TypeId::Long)), S()}}, {"k", "s"}, ctx);
  CHECK(rows_of(*e) == std::vector<std::string>{"1|a", "N|a"});
  auto words = *split(S(), " ");
  auto g = make_generate(source({{1, 0.0, "a b"}, {2, 0.0, std::nullopt}, {3, 0.0, "c"}}), words, false, false, ctx);
  CHECK(rows_of(*g) == std::vector<std::string>{"1|0.0|a b|a", "1|0.0|a b|b", "3|0.0|c|c"});
  CHECK(g->schema()->names.back() == "col");
  auto go = make_generate(source({{1, 0.0, "a b"}, {2, 0.0, std::nullopt}}), words, true, true, ctx);
  CHECK(rows_of(*go) == std::vector<std::string>{"1|0.0|a b|0|a", "1|0.0|a b|1|b", "2|0.0|N|N|N"});
  std::vector<Row> many;
  for (int i = 0; i < 1000; ++i) many.push_back({i, 0.0, "x"});
  auto s1 = rows_of(*make_sample(source(many, 100), 0.0, 0.3, 7, ctx));
  auto s2 = rows_of(*make_sample(source(many, 100), 0.0, 0.3, 7, ctx));
  CHECK(s1 == s2);  // deterministic for a seed and partition
  CHECK(s1.size() > 200);
  CHECK(s1.size() < 400);
  // Row i is kept iff the i-th XORShiftRandom(seed + partition) double is below the fraction.
  kern::XorShiftRandom rng(7);
  std::vector<std::string> want;
  for (int i = 0; i < 1000; ++i)
    if (rng.next_double() < 0.3) want.push_back(std::to_string(i) + "|0.0|x");
  CHECK(s1 == want);
  // randomSplit: consecutive ranges of the same draws split the rows, disjoint and covering.
  auto rest = rows_of(*make_sample(source(many, 100), 0.3, 1.0, 7, ctx));
  CHECK(s1.size() + rest.size() == 1000);
  for (const auto& r : rest) CHECK(std::find(s1.begin(), s1.end(), r) == s1.end());
}

TEST_CASE("sql exec: sort with Spark's NULL/NaN ordering, top-N, and spilling") {
  MemoryManager mm(1 << 30);
  ExecContext ctx = mk(&mm);
  double nan = std::nan("");
  std::vector<Row> rows = {{1, 2.0, "a"}, {2, nan, "b"}, {3, std::nullopt, "c"}, {4, -1.0, "d"}, {5, 2.0, "e"}};
  auto asc = make_sort(source(rows), {SortKey::asc(V())}, ctx);
  std::vector<std::string> ks;
  for (auto& r : rows_of(*asc)) ks.push_back(r.substr(0, 1));
  CHECK(ks == std::vector<std::string>{"3", "4", "1", "5", "2"});  // NULLS FIRST, NaN last; stable
  auto desc = make_sort(source(rows), {SortKey::desc(V())}, ctx);
  ks.clear();
  for (auto& r : rows_of(*desc)) ks.push_back(r.substr(0, 1));
  CHECK(ks == std::vector<std::string>{"2", "1", "5", "4", "3"});  // NaN first, NULLS LAST
  auto top = make_sort(source(rows), {SortKey::desc(K())}, ctx, 2);
  CHECK(rows_of(*top).size() == 2);
  // Spill: a pool smaller than one batch forces a run per batch; the merge is still sorted.
  std::vector<Row> many;
  for (int i = 0; i < 2000; ++i) many.push_back({(i * 7919) % 2000, double(i), "s" + std::to_string(i % 10)});
  MemoryManager tiny(1024);
  ExecContext small = mk(&tiny);
  small.batch_rows = 256;
  auto sp = make_sort(source(many, 100), {SortKey::asc(S()), SortKey::desc(K())}, small);
  auto out = rows_of(*sp);
  CHECK(sp->metrics().spill_count > 1);
  CHECK(sp->metrics().spill_bytes > 0);
  auto ref = make_sort(source(many, 100), {SortKey::asc(S()), SortKey::desc(K())}, ctx);
  CHECK(out == rows_of(*ref));
  CHECK(out.size() == 2000);
  CHECK(tiny.used() == 0);
}

TEST_CASE("sql exec: numeric multi-key sorts (radix passes) order as the row comparator, stably") {
  std::mt19937 rng(11);
  std::vector<Row> rows;
  const double specials[] = {std::nan(""), -0.0, 0.0, -1.5, 2.5, 1e300, -1e300};
  for (int i = 0; i < 3000; ++i) {
    Row r;
    if (rng() % 10) r.k = int64_t(rng() % 40) - 20;
    if (rng() % 8) r.v = rng() % 3 ? double(int(rng() % 50) - 25) / 4 : specials[rng() % 7];
    r.s = std::to_string(i);  // the input position: stability shows in the output
    rows.push_back(r);
  }
  MemoryManager mm(1 << 30);
  ExecContext ctx = mk(&mm);
  auto all = source(rows, 3000)->next();
  REQUIRE(all);
  REQUIRE(all->has_value());
  const Batch& b = **all;
  for (int shape = 0; shape < 4; ++shape) {
    CAPTURE(shape);
    std::vector<SortKey> keys = {SortKey::asc(K()), SortKey::desc(V())};
    if (shape == 1) keys = {SortKey::desc(V()), SortKey::asc(K())};
    if (shape == 2) { keys = {SortKey::asc(K()), SortKey::asc(V())}; keys[0].nulls_first = false; keys[1].nulls_first = false; }
    if (shape == 3) { keys = {SortKey::desc(K())}; keys[0].nulls_first = true; }
    std::vector<int64_t> idx(3000);
    for (int64_t i = 0; i < 3000; ++i) idx[size_t(i)] = i;
    Batch kb = b;  // the key columns in key order, as the comparator reads them
    if (shape == 1) kb.columns = {b.columns[1], b.columns[0]};
    std::stable_sort(idx.begin(), idx.end(), [&](int64_t x, int64_t y) { return compare_sort_rows(keys, kb, x, kb, y, 0) < 0; });
    std::vector<Row> want;
    for (int64_t i : idx) want.push_back(rows[size_t(i)]);
    CHECK(rows_of(*make_sort(source(rows, 100), keys, ctx)) == rows_of(*source(want, 100)));
  }
}

TEST_CASE("sql exec: a sort of slices of one batch counts the shared buffers once (no spill)") {
  std::vector<Row> rows;
  for (int i = 0; i < 20000; ++i) rows.push_back({(i * 7919) % 20000, double(i), "s" + std::to_string(i % 10)});
  MemoryManager big(1 << 30);
  auto whole = rows_of(*make_sort(source(rows, 20000), {SortKey::asc(K())}, mk(&big)));
  // One 20,000-row batch (~0.5 MB) handed on as 100 slices, as a hash aggregate's output is:
  // counted whole, each slice would be the full buffers (100 x 0.5 MB past a 4 MB pool).
  auto src = source(rows, 20000);
  auto b = src->next();
  REQUIRE(b);
  REQUIRE(b->has_value());
  std::vector<Batch> slices;
  for (int64_t off = 0; off < 20000; off += 200) slices.push_back(col::slice(**b, off, 200));
  MemoryManager pool(4 << 20);
  auto sorted = make_sort(make_source(kv_schema(), slices), {SortKey::asc(K())}, mk(&pool));
  CHECK(rows_of(*sorted) == whole);
  CHECK(sorted->metrics().spill_count == 0);
  CHECK(sorted->metrics().peak_memory < (2 << 20));
  CHECK(pool.used() == 0);
}

TEST_CASE("sql exec: hash aggregate, every function, partial -> final, result types") {
  MemoryManager mm(1 << 30);
  ExecContext ctx = mk(&mm);
  auto specs = [&] {
    return std::vector<AggSpec>{
        {AggFn::CountStar, nullptr, nullptr, false, "count(1)"},
        {AggFn::Count, V(), nullptr, false, "count(v)"},
        {AggFn::Sum, K(), nullptr, false, "sum(k)"},
        {AggFn::Avg, V(), nullptr, false, "avg(v)"},
        {AggFn::Min, S(), nullptr, false, "min(s)"},
        {AggFn::Max, V(), nullptr, false, "max(v)"},
        {AggFn::First, S(), nullptr, false, "first(s)"},
        {AggFn::Last, V(), nullptr, true, "last(v)"},
        {AggFn::CollectSet, S(), nullptr, false, "collect_set(s)"},
        {AggFn::CountDistinct, S(), nullptr, false, "count(DISTINCT s)"},
    };
  };
  auto agg = make_hash_aggregate(source(sample_rows()), {K()}, {"k"}, specs(), AggMode::Complete, ctx);
  CHECK(agg->schema()->children[3].id == TypeId::Long);    // sum(bigint) -> bigint
  CHECK(agg->schema()->children[4].id == TypeId::Double);  // avg -> double
  auto r = sorted(rows_of(*agg));
  REQUIRE(r.size() == 4);
  CHECK(r[0] == "1|3|3|3|1.1666666666666667|a|3.0|a|3.0|[a, c]|2");
  CHECK(r[1] == "2|2|2|4|1.25|b|2.0|b|0.5|[b]|1");
  CHECK(r[2] == "3|1|0|3|N|N|N|N|N|[]|0");
  CHECK(r[3] == "N|1|1|N|4.0|d|4.0|d|4.0|[d]|1");  // NULL keys form one group
  // Partial per input split, then final over the union of partial states: same answer.
  std::vector<OpPtr> partials;
  const auto rows = sample_rows();
  partials.push_back(make_hash_aggregate(source({rows.begin(), rows.begin() + 3}), {K()}, {"k"}, specs(), AggMode::Partial, ctx));
  partials.push_back(make_hash_aggregate(source({rows.begin() + 3, rows.end()}), {K()}, {"k"}, specs(), AggMode::Partial, ctx));
  auto u = make_union(std::move(partials));
  auto in_specs = specs();
  in_specs[0].in_type = kern::type_of(TypeId::Long);
  auto fin = make_hash_aggregate(std::move(u), {col_ref(0, kern::type_of(TypeId::Long))}, {"k"}, in_specs, AggMode::Final, ctx);
  CHECK(sorted(rows_of(*fin)) == r);
  // Global aggregate over no rows: one row, count 0, others NULL.
  auto g = make_hash_aggregate(source({}), {}, {}, {{AggFn::CountStar, nullptr, nullptr, false, "c"}, {AggFn::Sum, K(), nullptr, false, "s"}},
                               AggMode::Complete, ctx);
  CHECK(rows_of(*g) == std::vector<std::string>{"0|N"});
  // sum(int) wraps as a bigint; sum(decimal(10,2)) -> decimal(20,2).
  CHECK(agg_result_type(AggFn::Sum, ColType::decimal(10, 2)).to_string() == "decimal(20,2)");
  CHECK(agg_result_type(AggFn::Avg, ColType::decimal(10, 2)).to_string() == "decimal(14,6)");
  CHECK(agg_result_type(AggFn::Sum, ColType::scalar(TypeId::Int)).to_string() == "bigint");
}

TEST_CASE("sql exec: hash aggregate spills partial states and merges them") {
  std::vector<Row> many;
  for (int i = 0; i < 5000; ++i) many.push_back({i % 1500, double(i), "s" + std::to_string(i % 7)});
  auto specs = std::vector<AggSpec>{{AggFn::CountStar, nullptr, nullptr, false, "c"},
                                    {AggFn::Sum, V(), nullptr, false, "sv"},
                                    {AggFn::CollectSet, S(), nullptr, false, "ss"},
                                    {AggFn::Max, S(), nullptr, false, "ms"}};
  MemoryManager big(1 << 30), tiny(64 << 10);
  ExecContext a = mk(&big), b = mk(&tiny);
  auto ref = make_hash_aggregate(source(many, 500), {K()}, {"k"}, specs, AggMode::Complete, a);
  auto sp = make_hash_aggregate(source(many, 500), {K()}, {"k"}, specs, AggMode::Complete, b);
  auto want = sorted(rows_of(*ref));
  auto got = rows_of(*sp);
  CHECK(sp->metrics().spill_count > 0);
  CHECK(sp->metrics().spill_bytes > 0);
  CHECK(got.size() == 1500);
  // collect_set order depends on arrival order; compare the other columns and set sizes.
  auto strip_set = [](std::vector<std::string> v) {
    for (auto& s : v) {
      auto p = s.find('[');
      auto q = s.find(']');
      s = s.substr(0, p) + std::to_string(std::count(s.begin() + long(p), s.begin() + long(q), ',')) + s.substr(q + 1);
    }
    std::sort(v.begin(), v.end());
    return v;
  };
  CHECK(strip_set(got) == strip_set(want));
  CHECK(tiny.used() == 0);
}

TEST_CASE("sql exec: hash aggregate by integral keys (widened table) equals the generic keys: NULLs, several keys, spilled") {
  // Group by (k, int(v)) through the integral-key table and by (string(k), string(v)) through the
  // generic one: the same groups and sums; NULL in either key is a group of its own.
  std::vector<Row> many;
  for (int i = 0; i < 6000; ++i)
    many.push_back({i % 13 == 0 ? std::nullopt : std::optional<int64_t>(i % 700 - 350),
                    i % 17 == 0 ? std::nullopt : std::optional<double>(double(i % 5)), "s"});
  auto vint = [] { return call(Fn::Cast, {V()}, kern::type_of(TypeId::Int)); };
  auto str = [](ExprPtr e) { return call(Fn::Cast, {std::move(e)}, kern::type_of(TypeId::String)); };
  auto specs = std::vector<AggSpec>{{AggFn::CountStar, nullptr, nullptr, false, "c"}, {AggFn::Sum, K(), nullptr, false, "sk"}};
  MemoryManager big(1 << 30), tiny(48 << 10);
  for (auto* mm : {&big, &tiny}) {
    ExecContext ctx = mk(mm);
    auto ints = make_hash_aggregate(source(many, 500), {K(), vint()}, {"k", "v"}, specs, AggMode::Complete, ctx);
    auto generic = make_hash_aggregate(source(many, 500), {str(K()), str(vint())}, {"k", "v"}, specs, AggMode::Complete, mk(&big));
    CHECK(ints->schema()->children[0].id == TypeId::Long);
    CHECK(ints->schema()->children[1].id == TypeId::Int);
    auto a = sorted(rows_of(*ints)), b = sorted(rows_of(*generic));
    CHECK(a.size() > 700);
    CHECK(std::count_if(a.begin(), a.end(), [](const std::string& r) { return r.rfind("N|", 0) == 0; }) > 1);  // k NULL, several v
    CHECK(std::count_if(a.begin(), a.end(), [](const std::string& r) { return r.find("|N|") != std::string::npos; }) > 1);
    CHECK(a == b);
    if (mm == &tiny) CHECK(ints->metrics().spill_count > 0);
    // One key: the slots hold the value (its NULL group aside), same groups as the generic table.
    auto one = make_hash_aggregate(source(many, 500), {K()}, {"k"}, specs, AggMode::Complete, ctx);
    auto one_generic = make_hash_aggregate(source(many, 500), {str(K())}, {"k"}, specs, AggMode::Complete, mk(&big));
    auto c = sorted(rows_of(*one)), d = sorted(rows_of(*one_generic));
    CHECK(c.size() == 701);  // 700 values and NULL
    CHECK(c == d);
    if (mm == &tiny) CHECK(one->metrics().spill_count > 0);
  }
  CHECK(tiny.used() == 0);
}

TEST_CASE("sql exec: one integral key over a small range (dense table): widened both ways, then hashed; same groups, same order") {
  // The dense table (keys within 2^20 of each other) and the hashed one give the groups of the
  // generic table in the same first-seen order, through regrowth to lower and higher keys, a
  // batch of NULL keys first, the switch to hashing once a key lies far away, and spilling.
  auto str = [](ExprPtr e) { return call(Fn::Cast, {std::move(e)}, kern::type_of(TypeId::String)); };
  auto specs = std::vector<AggSpec>{{AggFn::CountStar, nullptr, nullptr, false, "c"}, {AggFn::Sum, V(), nullptr, false, "sv"},
                                    {AggFn::Avg, V(), nullptr, false, "av"}};
  std::vector<Row> rows;
  for (int i = 0; i < 40; ++i) rows.push_back({std::nullopt, 1.0, "s"});                      // NULL keys only
  for (int i = 0; i < 3000; ++i) rows.push_back({(i * 37) % 100, double(i % 9), "s"});        // [0, 100)
  for (int i = 0; i < 3000; ++i) rows.push_back({-(i * 53) % 1000, double(i % 4), "s"});      // down to -999
  for (int i = 0; i < 3000; ++i) rows.push_back({5000 + (i * 7) % 1000, 0.5, "s"});           // up to 5999
  for (int i = 0; i < 200; ++i) rows.push_back({i % 3 == 0 ? std::nullopt : std::optional<int64_t>(i % 50), 2.0, "s"});
  const size_t dense_rows = rows.size();
  std::vector<Row> far = rows;  // the same, then keys 2^40 apart: the table turns hashed
  for (int i = 0; i < 2000; ++i)
    far.push_back({i % 5 == 0 ? int64_t(1) << 40 : i % 5 == 1 ? INT64_MIN : i % 5 == 2 ? INT64_MAX : (i * 11) % 6000 - 1000, 1.0, "s"});
  MemoryManager big(1 << 30), tiny(48 << 10);
  for (auto* input : {&rows, &far})
    for (auto* mm : {&big, &tiny}) {
      ExecContext ctx = mk(mm);
      auto ints = make_hash_aggregate(source(*input, 500), {K()}, {"k"}, specs, AggMode::Complete, ctx);
      auto generic = make_hash_aggregate(source(*input, 500), {str(K())}, {"k"}, specs, AggMode::Complete, mk(&big));
      auto a = rows_of(*ints), b = rows_of(*generic);
      std::set<std::optional<int64_t>> keys;
      for (const Row& r : *input) keys.insert(r.k);
      CHECK(a.size() == keys.size());
      if (mm == &big) CHECK(a == b);  // first-seen order, NULL's group first
      else {
        CHECK(ints->metrics().spill_count > 0);
        CHECK(sorted(a) == sorted(b));
      }
    }
  CHECK(dense_rows < far.size());
  CHECK(tiny.used() == 0);
  // Clustered keys (a sorted column, TPC-H's l_orderkey): every batch extends the range a little,
  // up past 2^20 while a quarter of the keys are used (the table grows geometrically, not per
  // batch), then down below zero; near INT64_MAX the window slides below the top.
  std::vector<Row> clustered;
  for (int64_t i = 0; i < 320000; ++i) clustered.push_back({i * 4 + (i % 3), double(i % 5), "s"});
  for (int64_t i = 0; i < 20000; ++i) clustered.push_back({-i * 3, 1.0, "s"});
  std::vector<Row> top;
  for (int64_t i = 0; i < 5000; ++i) top.push_back({INT64_MAX - i * 2, 1.0, "s"});
  for (auto* input : {&clustered, &top}) {
    ExecContext ctx = mk(&big);
    auto ints = make_hash_aggregate(source(*input, 4096), {K()}, {"k"}, specs, AggMode::Complete, ctx);
    auto generic = make_hash_aggregate(source(*input, 4096), {str(K())}, {"k"}, specs, AggMode::Complete, ctx);
    auto a = rows_of(*ints);
    CHECK(a.size() == input->size() - (input == &clustered ? 1 : 0));  // key 0 appears twice
    CHECK(a == rows_of(*generic));
  }
  CHECK(big.used() == 0);
}

TEST_CASE("sql exec: hash aggregate by one string key (arena table): NULL, empty, long keys, spilled, partial -> final") {
  // Keys that share hashes' easy cases: empty, 1..3 bytes, 4..7, 8..16, longer than 16, NULL.
  std::vector<Row> many;
  for (int i = 0; i < 6000; ++i) {
    std::optional<std::string> s;
    const int v = i % 1700;
    if (v == 0) s = std::nullopt;
    else if (v == 1) s = "";
    else if (v % 4 == 0) s = std::to_string(v);
    else if (v % 4 == 1) s = "key-" + std::to_string(v) + "-xyzw";
    else if (v % 4 == 2) s = std::string(size_t(17 + v % 23), 'a') + std::to_string(v);
    else s = std::string(1, char('a' + v % 26)) + std::to_string(v % 2);
    many.push_back({i, double(i % 7), s});
  }
  // The answer by a std::map (NULL as "N").
  std::map<std::string, std::pair<int64_t, double>> want_map;
  for (const auto& r : many) {
    auto& e = want_map[r.s ? *r.s : std::string("\x01N")];
    e.first += 1;
    e.second += *r.v;
  }
  std::vector<std::string> want;
  for (const auto& [k, e] : want_map)
    want.push_back((k == "\x01N" ? std::string("N") : k) + "|" + std::to_string(e.first) + "|" +
                   std::to_string(int64_t(e.second)) + ".0");  // small whole sums: Java prints "12.0"
  std::sort(want.begin(), want.end());
  auto specs = std::vector<AggSpec>{{AggFn::CountStar, nullptr, nullptr, false, "c"}, {AggFn::Sum, V(), nullptr, false, "sv"}};
  MemoryManager big(1 << 30), tiny(64 << 10);
  ExecContext a = mk(&big), b = mk(&tiny);
  auto whole = make_hash_aggregate(source(many, 700), {S()}, {"s"}, specs, AggMode::Complete, a);
  CHECK(sorted(rows_of(*whole)) == want);
  auto sp = make_hash_aggregate(source(many, 700), {S()}, {"s"}, specs, AggMode::Complete, b);
  CHECK(sorted(rows_of(*sp)) == want);
  CHECK(sp->metrics().spill_count > 0);
  CHECK(tiny.used() == 0);
  // Partial over two splits, final over their states (the key is column 0 of the states).
  std::vector<OpPtr> partials;
  partials.push_back(make_hash_aggregate(source({many.begin(), many.begin() + 2500}, 300), {S()}, {"s"}, specs, AggMode::Partial, a));
  partials.push_back(make_hash_aggregate(source({many.begin() + 2500, many.end()}, 300), {S()}, {"s"}, specs, AggMode::Partial, a));
  auto fin_specs = specs;
  fin_specs[1].in_type = kern::type_of(TypeId::Double);
  auto fin = make_hash_aggregate(make_union(std::move(partials)), {col_ref(0, kern::type_of(TypeId::String))}, {"s"}, fin_specs,
                                 AggMode::Final, a);
  CHECK(sorted(rows_of(*fin)) == want);
}

TEST_CASE("sql exec: StringKeyTable ids, arena column, NULL key without a slot") {
  col::ColumnBuilder cb(kern::type_of(TypeId::String));
  for (const char* s : {"a", "", "bb", "a", "", "0123456789abcdefXYZ", "bb", "0123456789abcdefXYZ"}) cb.append_str(s);
  cb.append_null();
  cb.append_str("");
  auto c = cb.finish();
  StringKeyTable t;
  std::vector<int32_t> ids(size_t(c->length));
  t.find_or_insert(*c, ids.data());
  CHECK(ids == std::vector<int32_t>{0, 1, 2, 0, 1, 3, 2, 3, 4, 1});
  CHECK(t.size() == 5);
  auto keys = t.column(kern::type_of(TypeId::String));
  REQUIRE(col::validate(*keys).is_ok());
  CHECK(keys->null_count == 1);
  CHECK(keys->str(0) == "a");
  CHECK(keys->str(3) == "0123456789abcdefXYZ");
  CHECK(keys->is_null(4));
  // A slice (offset rows) and growth past the first 1,024 slots keep every id.
  col::ColumnBuilder many(kern::type_of(TypeId::String));
  for (int i = 0; i < 5000; ++i) many.append_str("w" + std::to_string(i % 3000));
  auto m = col::slice(many.finish(), 1000, 4000);
  std::vector<int32_t> mids(4000);
  t.find_or_insert(*m, mids.data());
  CHECK(t.size() == 5 + 3000);
  for (int i = 0; i < 4000; ++i) CHECK(t.key(mids[size_t(i)]) == "w" + std::to_string((i + 1000) % 3000));
  // A short key is held in its slot word with its length in the top byte; a long key whose
  // first 8 bytes spell the same word (NUL padding, byte 7 = 3) is still another key.
  col::ColumnBuilder bin(kern::type_of(TypeId::Binary));
  const std::string shorty("abc"), longy("abc\0\0\0\0\x03xyz", 11), longy2("abc\0\0\0\0\x03xyw", 11);
  for (const auto& k : {shorty, longy, longy2, shorty, longy, std::string("abc\0", 4)}) bin.append_str(k);
  auto bc = bin.finish();
  StringKeyTable bt;
  std::vector<int32_t> bids(6);
  bt.find_or_insert(*bc, bids.data());
  CHECK(bids == std::vector<int32_t>{0, 1, 2, 0, 1, 3});
  CHECK(hash_bytes("abc", 3) == hash_bytes(std::string("xabc").c_str() + 1, 3));
  CHECK(hash_bytes("abcdefgh", 8) != hash_bytes("abcdefgi", 8));
  // A short key is one 8-byte load, masked, where 8 bytes may be read (the buffer's capacity),
  // else copied byte by byte: both give the same word and hash. Here the last key ends the
  // buffer's 64 bytes (3 readable), the same key earlier has the whole load; an empty key, a
  // 7-byte one, NULLs; 2,500 rows run over several 1,024-row chunks and grow the table mid-chunk.
  col::ColumnBuilder tail(kern::type_of(TypeId::String));
  const std::vector<std::string> pre = {"xyz", "", "1234567", std::string(51, 'q')};
  for (const auto& k : pre) tail.append_str(k);
  tail.append_null();
  tail.append_str("xyz");  // 3 + 0 + 7 + 51 + 0 + 3 = 64 bytes: this key's last byte ends the buffer
  auto tc = tail.finish();
  REQUIRE(tc->offsets()[tc->length] == 64);
  CHECK(tc->data->capacity() - size_t(tc->offsets()[5]) < 8);
  StringKeyTable tt;
  std::vector<int32_t> tids(6);
  tt.find_or_insert(*tc, tids.data());
  CHECK(tids == std::vector<int32_t>{0, 1, 2, 3, 4, 0});
  CHECK(tt.hash_of(0) == hash_bytes("xyz", 3));
  col::ColumnBuilder many2(kern::type_of(TypeId::String));
  for (int i = 0; i < 2500; ++i) i % 97 == 0 ? many2.append_null() : many2.append_str(std::to_string(i % 1700));
  auto mc = many2.finish();
  StringKeyTable mt;
  std::vector<int32_t> m2(2500);
  mt.find_or_insert(*mc, m2.data());
  for (int i = 0; i < 2500; ++i) {
    if (i % 97 == 0) { CHECK(m2[size_t(i)] == m2[0]); continue; }
    CHECK(mt.key(m2[size_t(i)]) == std::to_string(i % 1700));
    if (i >= 1700 && (i - 1700) % 97 != 0) CHECK(m2[size_t(i)] == m2[size_t(i - 1700)]);
  }
}

namespace {
std::vector<Row> left_rows() { return {{1, 1.0, "l1"}, {2, 2.0, "l2"}, {2, 2.5, "l2b"}, {std::nullopt, 0.0, "lnull"}, {4, 4.0, "l4"}}; }
std::vector<Row> right_rows() { return {{2, 20.0, "r2"}, {1, 10.0, "r1"}, {2, 21.0, "r2b"}, {std::nullopt, 0.0, "rnull"}, {5, 50.0, "r5"}}; }
// A sort-merge join over its inputs sorted by the key (the Sort nodes the planner puts below it).
OpPtr sorted_smj(OpPtr l, OpPtr r, JoinType t, ExprPtr cond, const ExecContext& ctx) {
  return make_sort_merge_join(make_sort(std::move(l), {SortKey::asc(K())}, ctx), make_sort(std::move(r), {SortKey::asc(K())}, ctx),
                              {K()}, {K()}, t, cond, ctx);
}
std::vector<std::string> join_rows(bool smj, JoinType t, ExecContext ctx, ExprPtr cond = nullptr) {
  auto j = smj ? sorted_smj(source(left_rows(), 2), source(right_rows(), 2), t, cond, ctx)
               : make_hash_join(source(left_rows(), 2), source(right_rows(), 2), {K()}, {K()}, t, cond, ctx);
  return sorted(rows_of(*j));
}
}  // namespace

TEST_CASE("sql exec: joins of every type, NULL keys never match, hash = sort-merge = spilled") {
  MemoryManager big(1 << 30), tiny(16);
  ExecContext a = mk(&big), s = mk(&tiny);
  using V = std::vector<std::string>;
  const V inner = {"1|1.0|l1|1|10.0|r1", "2|2.0|l2|2|20.0|r2", "2|2.0|l2|2|21.0|r2b", "2|2.5|l2b|2|20.0|r2", "2|2.5|l2b|2|21.0|r2b"};
  V left = inner;
  left.push_back("4|4.0|l4|N|N|N");
  left.push_back("N|0.0|lnull|N|N|N");
  V right = inner;
  right.push_back("N|N|N|5|50.0|r5");
  right.push_back("N|N|N|N|0.0|rnull");
  V full = left;
  full.push_back("N|N|N|5|50.0|r5");
  full.push_back("N|N|N|N|0.0|rnull");
  const V semi = {"1|1.0|l1", "2|2.0|l2", "2|2.5|l2b"};
  const V anti = {"4|4.0|l4", "N|0.0|lnull"};
  for (bool smj : {false, true}) {
    for (auto* ctx : {&a, &s}) {
      CAPTURE(smj);
      CHECK(join_rows(smj, JoinType::Inner, *ctx) == sorted(inner));
      CHECK(join_rows(smj, JoinType::LeftOuter, *ctx) == sorted(left));
      CHECK(join_rows(smj, JoinType::RightOuter, *ctx) == sorted(right));
      CHECK(join_rows(smj, JoinType::FullOuter, *ctx) == sorted(full));
      CHECK(join_rows(smj, JoinType::LeftSemi, *ctx) == sorted(semi));
      CHECK(join_rows(smj, JoinType::LeftAnti, *ctx) == sorted(anti));
      // Extra condition on the joined row: l.v > 2.2 keeps only l2b's matches.
      auto cond = call(Fn::Gt, {col_ref(1, kern::type_of(TypeId::Double)), lit_double(2.2)});
      CHECK(join_rows(smj, JoinType::Inner, *ctx, cond) == V{"2|2.5|l2b|2|20.0|r2", "2|2.5|l2b|2|21.0|r2b"});
      auto lo = join_rows(smj, JoinType::LeftOuter, *ctx, cond);
      CHECK(lo.size() == 6);  // 2 matches + 4 left rows without a surviving match
    }
  }
  auto hj = make_hash_join(source(left_rows(), 2), source(right_rows(), 2), {K()}, {K()}, JoinType::Inner, nullptr, s);
  CHECK(rows_of(*hj).size() == 5);
  CHECK(hj->metrics().spill_bytes > 0);  // the tiny pool forced the grace path
  auto cross = make_hash_join(source(left_rows(), 2), source(right_rows(), 2), {}, {}, JoinType::Cross, nullptr, a);
  CHECK(rows_of(*cross).size() == 25);
  CHECK(tiny.used() == 0);
}

TEST_CASE("sql exec: the streaming sort-merge join equals the hash join on runs that cross batches") {
  // Keys from a small domain with NULLs: runs of equal keys span the sorted sides' batches
  // (batch_rows 4), left keys skip right ones and the reverse; each type, with and without an
  // extra condition, spilling (tiny pool) or not.
  std::mt19937 rng(7);
  auto gen = [&](int n, int domain, const char* tag) {
    std::vector<Row> rows;
    for (int i = 0; i < n; ++i) {
      int k = int(rng() % unsigned(domain + 1));
      rows.push_back({k == domain ? std::nullopt : std::optional<int64_t>(k), double(rng() % 100), tag + std::to_string(i)});
    }
    return rows;
  };
  MemoryManager big(1 << 30), tiny(16);
  for (int round = 0; round < 6; ++round) {
    auto l = gen(60 + round * 13, 9 + round * 5, "l"), r = gen(50 + round * 17, 7 + round * 6, "r");
    for (auto* mm : {&big, &tiny}) {
      ExecContext ctx = mk(mm);
      ctx.batch_rows = 4;
      for (auto t : {JoinType::Inner, JoinType::LeftOuter, JoinType::RightOuter, JoinType::FullOuter, JoinType::LeftSemi,
                     JoinType::LeftAnti}) {
        for (bool with_cond : {false, true}) {
          CAPTURE(round);
          CAPTURE(int(t));
          CAPTURE(with_cond);
          // l.v < r.v, on the joined row
          ExprPtr cond = with_cond ? call(Fn::Lt, {V(), col_ref(4, kern::type_of(TypeId::Double))}) : nullptr;
          auto smj = sorted_smj(source(l, 5), source(r, 3), t, cond, ctx);
          auto hj = make_hash_join(source(l, 5), source(r, 3), {K()}, {K()}, t, cond, mk(&big));
          CHECK(sorted(rows_of(*smj)) == sorted(rows_of(*hj)));
        }
      }
    }
  }
  CHECK(tiny.used() == 0);
  CHECK(big.used() == 0);
}

TEST_CASE("sql exec: a hash join on several integral keys equals the generic comparison") {
  // Keys (k, v): v holds whole numbers, so joining on (k, long(v)) (widened integral arrays) and
  // on (k, v) (a double: the per-row typed comparison) must pair the same rows; NULL k never matches.
  std::mt19937 rng(11);
  auto gen = [&](int n, const char* tag) {
    std::vector<Row> rows;
    for (int i = 0; i < n; ++i) {
      int k = int(rng() % 8);
      rows.push_back({k == 7 ? std::nullopt : std::optional<int64_t>(k), double(rng() % 4), tag + std::to_string(i)});
    }
    return rows;
  };
  MemoryManager big(1 << 30);
  ExecContext ctx = mk(&big);
  auto vlong = [] { return call(Fn::Cast, {V()}, kern::type_of(TypeId::Long)); };
  auto l = gen(300, "l"), r = gen(200, "r");
  for (auto t : {JoinType::Inner, JoinType::LeftOuter, JoinType::LeftSemi, JoinType::LeftAnti, JoinType::FullOuter}) {
    CAPTURE(int(t));
    auto ints = make_hash_join(source(l, 64), source(r, 50), {K(), vlong()}, {K(), vlong()}, t, nullptr, ctx);
    auto generic = make_hash_join(source(l, 64), source(r, 50), {K(), V()}, {K(), V()}, t, nullptr, ctx);
    auto a = sorted(rows_of(*ints)), b = sorted(rows_of(*generic));
    CHECK(a.size() > 0);
    CHECK(a == b);
  }
}

TEST_CASE("sql exec: a hash join on one dense integral key (direct-address table) equals the generic comparison") {
  // One long key: dense when its build values span <= 4x the build rows (negative bases,
  // duplicates, NULLs), hash chains when sparse (values 2^40 apart, INT64 extremes). Joining on
  // the key cast to double takes the typed per-row comparison: both must pair the same rows.
  std::mt19937 rng(5);
  auto gen = [&](int n, const std::vector<int64_t>& domain, const char* tag) {
    std::vector<Row> rows;
    for (int i = 0; i < n; ++i) {
      size_t k = rng() % (domain.size() + 1);
      rows.push_back({k == domain.size() ? std::nullopt : std::optional<int64_t>(domain[k]), double(i), tag + std::to_string(i)});
    }
    return rows;
  };
  std::vector<int64_t> dense_keys, sparse_keys = {INT64_MIN, INT64_MAX, 0, int64_t(1) << 40, -(int64_t(1) << 40), 7};
  for (int64_t k = -40; k < 60; ++k) dense_keys.push_back(k);
  MemoryManager big(1 << 30);
  ExecContext ctx = mk(&big);
  auto kd = [] { return call(Fn::Cast, {K()}, kern::type_of(TypeId::Double)); };
  for (const auto* domain : {&dense_keys, &sparse_keys}) {
    auto l = gen(400, *domain, "l"), r = gen(90, *domain, "r");
    for (auto t : {JoinType::Inner, JoinType::LeftOuter, JoinType::RightOuter, JoinType::LeftSemi, JoinType::LeftAnti, JoinType::FullOuter}) {
      CAPTURE(int(t));
      auto one = make_hash_join(source(l, 64), source(r, 50), {K()}, {K()}, t, nullptr, ctx);
      auto generic = make_hash_join(source(l, 64), source(r, 50), {kd()}, {kd()}, t, nullptr, ctx);
      auto a = sorted(rows_of(*one)), b = sorted(rows_of(*generic));
      CHECK(a.size() > 0);
      CHECK(a == b);
    }
  }
  // A build side of NULL keys only: nothing to address, nothing matches.
  std::vector<Row> nulls = {{std::nullopt, 1.0, "n"}};
  auto none = make_hash_join(source(left_rows(), 2), source(nulls, 1), {K()}, {K()}, JoinType::Inner, nullptr, ctx);
  CHECK(rows_of(*none).empty());
  CHECK(big.used() == 0);
}

#include "sql/exec/exchange.h"
#include "sql/kernels/hash.h"

TEST_CASE("sql exec: hash partitioning for the exchange matches pmod(hash(keys), n)") {
  MemoryManager mm(1 << 30);
  ExecContext ctx = mk(&mm);
  auto b = drain_concat(*source(sample_rows(), 10));
  REQUIRE(b.is_ok());
  auto parts = hash_partition_batch(*b, {K(), S()}, 5, ctx);
  REQUIRE(parts.size() == 5);
  int64_t total = 0;
  for (int p = 0; p < 5; ++p) {
    total += parts[size_t(p)].num_rows;
    for (int64_t r = 0; r < parts[size_t(p)].num_rows; ++r) {
      const auto& pb = parts[size_t(p)];
      int32_t h = kern::kSparkHashSeed;
      if (pb.column(0).is_valid(r)) h = kern::murmur3_long(pb.column(0).vals<int64_t>()[r], h);
      if (pb.column(2).is_valid(r)) h = kern::murmur3_bytes(pb.column(2).str(r), h);
      CHECK(((h % 5) + 5) % 5 == p);
    }
  }
  CHECK(total == 7);
}

TEST_CASE("sql exec: rand(seed), monotonically_increasing_id, spark_partition_id keep state across batches") {
  MemoryManager mm(1 << 30);
  ExecContext ctx = mk(&mm);
  ctx.eval.partition_index = 3;
  auto rnd = std::const_pointer_cast<Expr>(call(Fn::Rand, {}));
  rnd->seed = 21;
  auto p = make_project(source(sample_rows(), 2), {rnd, call(Fn::MonotonicallyIncreasingId, {}), call(Fn::SparkPartitionId, {})},
                        {"r", "id", "pid"}, ctx);
  auto b = drain_concat(*p);
  REQUIRE(b.is_ok());
  kern::XorShiftRandom rng(21 + 3);  // XORShiftRandom(seed + partitionIndex), one draw per row
  for (int64_t r = 0; r < b->num_rows; ++r) {
    CHECK(b->column(0).vals<double>()[r] == rng.next_double());
    CHECK(b->column(1).vals<int64_t>()[r] == (int64_t(3) << 33) + r);
    CHECK(b->column(2).vals<int32_t>()[r] == 3);
  }
}

TEST_CASE("sql exec: explode of a map gives key and value columns") {
  MemoryManager mm(1 << 30);
  ExecContext ctx = mk(&mm);
  auto mt = col::make_type(ColType::map(ColType::scalar(TypeId::String), ColType::scalar(TypeId::Long)));
  auto schema = col::make_type(ColType::strct({"m"}, {*mt}));
  col::BatchBuilder bb(schema);
  bb.column(0).child(0).child(0).append_str("a");
  bb.column(0).child(0).child(1).append<int64_t>(1);
  bb.column(0).child(0).child(0).append_str("b");
  bb.column(0).child(0).child(1).append_null();
  bb.column(0).finish_list();
  bb.column(0).append_null();
  auto g = make_generate(make_source(schema, {bb.finish()}), col_ref(0, mt), false, false, ctx);
  CHECK(g->schema()->names == std::vector<std::string>{"m", "key", "value"});
  CHECK(rows_of(*g) == std::vector<std::string>{"{a -> 1, b -> null}|a|1", "{a -> 1, b -> null}|b|N"});
}

TEST_CASE("sql exec: a decimal sum that overflows in one partial stays NULL after the final merge") {
  MemoryManager mm(1 << 30);
  ExecContext ctx = mk(&mm);
  auto dt = col::make_type(ColType::decimal(38, 0));
  auto schema = col::make_type(ColType::strct({"d"}, {*dt}));
  auto part = [&](std::vector<__int128> vals) {
    col::BatchBuilder bb(schema);
    for (auto v : vals) bb.column(0).append_decimal(v);
    return make_hash_aggregate(make_source(schema, {bb.finish()}), {}, {}, {{AggFn::Sum, col_ref(0, dt), nullptr, false, "s"}},
                               AggMode::Partial, ctx);
  };
  __int128 big = __int128(9) * kern::dec::pow10(37);
  std::vector<OpPtr> parts;
  parts.push_back(part({big, big}));  // 1.8e38 does not fit decimal(38,0)
  parts.push_back(part({1}));
  auto fin = make_hash_aggregate(make_union(std::move(parts)), {}, {}, {{AggFn::Sum, nullptr, dt, false, "s"}}, AggMode::Final, ctx);
  CHECK(rows_of(*fin) == std::vector<std::string>{"N"});
  std::vector<OpPtr> ok;
  ok.push_back(part({5}));
  ok.push_back(part({}));  // empty partial: isEmpty, not an overflow
  auto fin2 = make_hash_aggregate(make_union(std::move(ok)), {}, {}, {{AggFn::Sum, nullptr, dt, false, "s"}}, AggMode::Final, ctx);
  CHECK(rows_of(*fin2) == std::vector<std::string>{"5"});
}

TEST_CASE("sql exec: the metrics tree reports every operator's rows, spill and peak memory") {
  MemoryManager tiny(1024);
  ExecContext ctx = mk(&tiny);
  std::vector<Row> many;
  for (int i = 0; i < 300; ++i) many.push_back({i % 50, double(i), "x"});
  auto agg = make_hash_aggregate(make_filter(source(many, 60), call(Fn::Ge, {V(), lit_double(100.0)}), ctx), {K()}, {"k"},
                                 {{AggFn::CountStar, nullptr, nullptr, false, "c"}}, AggMode::Complete, ctx);
  auto sorted_op = make_sort(std::move(agg), {SortKey::asc(K())}, ctx);
  (void)rows_of(*sorted_op);
  auto j = metrics_tree(*sorted_op);
  CHECK(j["name"] == "Sort");
  CHECK(j["rows"] == 50);
  CHECK(j["children"][0]["name"] == "HashAggregate");
  CHECK(j["children"][0]["rows"] == 50);
  CHECK(j["children"][0]["spillBytes"].get<int64_t>() > 0);
  CHECK(j["children"][0]["peakMemory"].get<int64_t>() > 0);
  CHECK(j["children"][0]["children"][0]["name"] == "Filter");
  CHECK(j["children"][0]["children"][0]["rows"] == 200);
  CHECK(j["children"][0]["children"][0]["children"][0]["rows"] == 300);
}
