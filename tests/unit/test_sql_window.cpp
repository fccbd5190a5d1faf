// Window operator: ranking functions, lag/lead, and aggregates over every kind of frame (whole
// partition, growing, shrinking, sliding; ROWS and RANGE with value offsets), checked against a
// row-by-row reference over random data whose partitions span batch boundaries.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>

#include "sql/columnar/builder.h"
#include "sql/exec/window.h"
#include "sql/kernels/cast.h"

using namespace spp::sql;
using namespace spp::sql::exec;
using col::ColType;
using col::TypeId;

namespace {

using Opt = std::optional<int64_t>;
struct WRow { Opt p, o, v; };

ColTypePtr schema3() {
  auto L = ColType::scalar(TypeId::Long);
  return col::make_type(ColType::strct({"p", "o", "v"}, {L, L, L}));
}

// Rows sorted by (p, o) ascending, nulls first, in batches of random sizes.
OpPtr source(const std::vector<WRow>& rows, std::mt19937& rng) {
  std::vector<Batch> bs;
  size_t i = 0;
  while (i < rows.size()) {
    size_t per = 1 + rng() % 7;
    col::BatchBuilder bb(schema3());
    for (size_t j = i; j < std::min(rows.size(), i + per); ++j) {
      const Opt* f[] = {&rows[j].p, &rows[j].o, &rows[j].v};
      for (int c = 0; c < 3; ++c) *f[c] ? bb.column(c).append<int64_t>(**f[c]) : bb.column(c).append_null();
    }
    bs.push_back(bb.finish());
    i += per;
  }
  return make_source(schema3(), bs);
}

bool key_less(const Opt& a, const Opt& b) {  // nulls first
  if (!a || !b) return !a && b;
  return *a < *b;
}

std::vector<WRow> random_rows(std::mt19937& rng, int n) {
  std::vector<WRow> rows;
  auto maybe = [&](int64_t v, int null_in) -> Opt { return rng() % null_in == 0 ? Opt{} : Opt{v}; };
  for (int i = 0; i < n; ++i) rows.push_back({maybe(rng() % 4, 9), maybe(rng() % 6, 7), maybe(int64_t(rng() % 21) - 10, 5)});
  std::stable_sort(rows.begin(), rows.end(), [](const WRow& a, const WRow& b) {
    if (a.p != b.p) return key_less(a.p, b.p);
    return key_less(a.o, b.o);
  });
  return rows;
}

std::string show(const col::Column& c, int64_t r) { return c.is_null(r) ? "N" : kern::value_to_string(c, r); }

std::vector<std::string> run(const std::vector<WRow>& rows, std::mt19937& rng, std::vector<WindowFnSpec> specs,
                             bool partitioned = true) {
  ExecContext ctx;
  MemoryManager mm(1 << 30);
  ctx.memory = &mm;
  auto L = col::make_type(ColType::scalar(TypeId::Long));
  std::vector<ExprPtr> part;
  if (partitioned) part.push_back(col_ref(0, L));
  std::vector<std::string> names;
  for (size_t i = 0; i < specs.size(); ++i) names.push_back("w" + std::to_string(i));
  auto op = make_window(source(rows, rng), part, {SortKey::asc(col_ref(1, L))}, specs, names, ctx);
  auto b = drain_concat(*op);
  REQUIRE_MESSAGE(b.is_ok(), b.error_message());
  REQUIRE(b->num_rows == int64_t(rows.size()));
  std::vector<std::string> out;
  for (int64_t r = 0; r < b->num_rows; ++r) {
    std::string s;
    for (size_t c = 3; c < b->num_columns(); ++c) s += (c > 3 ? "|" : "") + show(b->column(c), r);
    out.push_back(s);
  }
  return out;
}

// The reference: partitions, then each row's frame by the definition of the bounds.
struct Ref {
  const std::vector<WRow>& rows;
  bool partitioned = true;
  std::pair<size_t, size_t> partition(size_t i) const {
    size_t s = i, e = i + 1;
    auto same = [&](size_t a, size_t b) { return !partitioned || rows[a].p == rows[b].p; };
    while (s > 0 && same(s - 1, i)) --s;
    while (e < rows.size() && same(e, i)) ++e;
    return {s, e};
  }
  // Is row j (same partition as i) inside i's frame?
  bool in_frame(const WindowFnSpec& f, size_t i, size_t j) const {
    using K = WinBound::Kind;
    auto ok = [&](const WinBound& b, bool lower) {
      if (b.kind == K::UnboundedPreceding || b.kind == K::UnboundedFollowing) return b.kind == (lower ? K::UnboundedPreceding : K::UnboundedFollowing);
      if (!f.range) {
        const int64_t d = int64_t(j) - int64_t(i), off = b.kind == K::CurrentRow ? 0 : b.offset;
        return lower ? d >= off : d <= off;
      }
      const Opt &oi = rows[i].o, &oj = rows[j].o;
      if (b.kind == K::CurrentRow) return lower ? !key_less(oj, oi) : !key_less(oi, oj);
      // null + offset is null, and nulls sort first (smallest): every key is >= a null bound,
      // only nulls are <= it.
      if (!oi) return lower || !oj;
      if (!oj) return !lower;
      return lower ? *oj >= *oi + b.offset : *oj <= *oi + b.offset;
    };
    return ok(f.lower, true) && ok(f.upper, false);
  }
  std::string agg(const WindowFnSpec& f, size_t i) const {
    auto [s, e] = partition(i);
    std::vector<Opt> vals;
    for (size_t j = s; j < e; ++j) if (in_frame(f, i, j)) vals.push_back(rows[j].v);
    std::vector<int64_t> nn;
    for (const auto& v : vals) if (v) nn.push_back(*v);
    switch (f.agg.fn) {
      case AggFn::CountStar: return std::to_string(vals.size());
      case AggFn::Count: return std::to_string(nn.size());
      case AggFn::Sum: { if (nn.empty()) return "N"; int64_t t = 0; for (auto x : nn) t += x; return std::to_string(t); }
      case AggFn::Min: return nn.empty() ? "N" : std::to_string(*std::min_element(nn.begin(), nn.end()));
      case AggFn::Max: return nn.empty() ? "N" : std::to_string(*std::max_element(nn.begin(), nn.end()));
      case AggFn::First: return vals.empty() || !vals.front() ? "N" : std::to_string(*vals.front());
      case AggFn::Last: return vals.empty() || !vals.back() ? "N" : std::to_string(*vals.back());
      default: return "?";
    }
  }
};

WindowFnSpec agg_spec(AggFn fn, WinBound lo, WinBound hi, bool range) {
  auto L = col::make_type(ColType::scalar(TypeId::Long));
  WindowFnSpec s;
  s.fn = WinFn::Agg;
  s.agg.fn = fn;
  s.agg.in_type = L;
  if (fn != AggFn::CountStar) s.agg.input = col_ref(2, L);
  s.input = s.agg.input;
  s.range = range;
  s.lower = lo;
  s.upper = hi;
  s.type = col::make_type(agg_result_type(fn, *L));
  return s;
}

}  // namespace

TEST_CASE("window: aggregates over every frame shape match the row-by-row definition") {
  using K = WinBound::Kind;
  const WinBound UP{K::UnboundedPreceding, 0}, UF{K::UnboundedFollowing, 0}, CR{K::CurrentRow, 0};
  auto off = [](int64_t o) { return WinBound{K::Offset, o}; };
  const std::vector<std::tuple<WinBound, WinBound, bool>> frames = {
      {UP, UF, false}, {UP, CR, false}, {UP, CR, true},  {CR, UF, false}, {CR, UF, true},   {off(-2), off(1), false},
      {off(-1), CR, false}, {off(1), off(3), false}, {off(-3), off(-1), false}, {off(-1), off(1), true},
      {UP, off(2), true}, {off(-2), UF, true}, {CR, CR, true}, {off(0), off(2), true}, {UP, off(-1), false}};
  const std::vector<AggFn> fns = {AggFn::Sum, AggFn::Count, AggFn::CountStar, AggFn::Min, AggFn::Max, AggFn::First, AggFn::Last};
  for (int seed = 0; seed < 25; ++seed) {
    std::mt19937 rng(seed);
    auto sorted_rows = random_rows(rng, 1 + int(rng() % 60));
    for (bool partitioned : {true, false}) {
      auto rows = sorted_rows;  // without PARTITION BY the input is sorted by the order key only
      if (!partitioned)
        std::stable_sort(rows.begin(), rows.end(), [](const WRow& a, const WRow& b) { return key_less(a.o, b.o); });
      std::vector<WindowFnSpec> specs;
      for (const auto& [lo, hi, range] : frames)
        for (AggFn fn : fns) specs.push_back(agg_spec(fn, lo, hi, range));
      auto got = run(rows, rng, specs, partitioned);
      Ref ref{rows, partitioned};
      for (size_t i = 0; i < rows.size(); ++i) {
        std::string want;
        for (size_t k = 0; k < specs.size(); ++k) want += (k ? "|" : "") + ref.agg(specs[k], i);
        CHECK_MESSAGE(got[i] == want, "seed " << seed << " row " << i << " partitioned " << partitioned);
      }
    }
  }
}

TEST_CASE("window: ranking functions and lag/lead") {
  auto I = col::make_type(ColType::scalar(TypeId::Int));
  auto D = col::make_type(ColType::scalar(TypeId::Double));
  auto L = col::make_type(ColType::scalar(TypeId::Long));
  auto rank_spec = [&](WinFn fn, int64_t n = 0) {
    WindowFnSpec s;
    s.fn = fn;
    s.n = n;
    s.type = fn == WinFn::PercentRank || fn == WinFn::CumeDist ? D : I;
    return s;
  };
  auto offset_spec = [&](WinFn fn, int64_t n, std::optional<int64_t> def) {
    WindowFnSpec s;
    s.fn = fn;
    s.n = n;
    s.input = col_ref(2, L);
    s.default_value = def ? lit_long(*def) : lit_null(L);
    s.type = L;
    return s;
  };
  for (int seed = 0; seed < 25; ++seed) {
    std::mt19937 rng(100 + seed);
    auto rows = random_rows(rng, 1 + int(rng() % 50));
    std::vector<WindowFnSpec> specs = {rank_spec(WinFn::RowNumber), rank_spec(WinFn::Rank), rank_spec(WinFn::DenseRank),
                                       rank_spec(WinFn::PercentRank), rank_spec(WinFn::CumeDist), rank_spec(WinFn::Ntile, 3),
                                       offset_spec(WinFn::Lag, 1, std::nullopt), offset_spec(WinFn::Lead, 2, -99),
                                       offset_spec(WinFn::Lag, 0, 7)};
    auto got = run(rows, rng, specs);
    Ref ref{rows, true};
    for (size_t i = 0; i < rows.size(); ++i) {
      auto [s, e] = ref.partition(i);
      const int64_t cnt = int64_t(e - s), j = int64_t(i - s);
      int64_t rank = 1, dense = 1, le = 0;
      for (size_t x = s; x < e; ++x) {
        if (key_less(rows[x].o, rows[i].o)) ++rank;
        if (!key_less(rows[i].o, rows[x].o)) ++le;
      }
      for (size_t x = s + 1; x <= i; ++x) dense += key_less(rows[x - 1].o, rows[x].o);
      // ntile(3): sizes cnt/3, the first cnt%3 buckets one larger
      int64_t bucket = 0, start = 0;
      for (int64_t b = 0; b < 3; ++b) {
        int64_t size = cnt / 3 + (b < cnt % 3 ? 1 : 0);
        if (j >= start && j < start + size) bucket = b + 1;
        start += size;
      }
      auto at = [&](int64_t k, std::string def) {
        if (k < int64_t(s) || k >= int64_t(e)) return def;
        return rows[size_t(k)].v ? std::to_string(*rows[size_t(k)].v) : std::string("N");
      };
      auto dbl = [&](double d) {
        auto c = col::make_fixed_column(D, 1);
        *c->values->as<double>() = d;
        return kern::value_to_string(*c, 0);
      };
      const std::string cd = dbl(double(le) / double(cnt));
      std::string want = std::to_string(j + 1) + "|" + std::to_string(rank) + "|" + std::to_string(dense) + "|" +
                         dbl(cnt > 1 ? double(rank - 1) / double(cnt - 1) : 0.0) + "|" + cd + "|" + std::to_string(bucket) +
                         "|" + at(int64_t(i) - 1, "N") + "|" + at(int64_t(i) + 2, "-99") + "|" + at(int64_t(i), "7");
      CHECK_MESSAGE(got[i] == want, "seed " << seed << " row " << i);
    }
  }
}
