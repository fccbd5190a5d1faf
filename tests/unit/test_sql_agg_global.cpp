// The global-aggregate fast path (Accumulator::update_all / merge_all: no grouping keys, every
// row in group 0) gives bit for bit what the generic per-row path (update / merge with all-zero
// group ids) gives: NULLs, empty and all-NULL input, NaN and -0.0, int64 extremes (wrapping
// sums), decimals, constants, sliced columns, and partial states merged into a final result.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "sql/columnar/builder.h"
#include "sql/exec/agg_acc.h"
#include "sql/kernels/cast.h"

using namespace spp::sql;
using namespace spp::sql::exec;
using col::ColType;
using col::ColumnPtr;
using col::TypeId;

namespace {

using Val = std::optional<double>;  // test values (exact for the integers used), nullopt = NULL

ColumnPtr column_of(const ColType& t, const std::vector<Val>& vals) {
  col::ColumnBuilder b(col::make_type(t));
  for (const Val& v : vals) {
    if (!v) { b.append_null(); continue; }
    switch (t.id) {
      case TypeId::Int: b.append<int32_t>(int32_t(*v)); break;
      case TypeId::Long: b.append<int64_t>(int64_t(*v)); break;
      case TypeId::Float: b.append<float>(float(*v)); break;
      case TypeId::Double: b.append<double>(*v); break;
      case TypeId::Decimal: b.append_decimal(__int128(int64_t(*v))); break;
      default: FAIL("type");
    }
  }
  return b.finish();
}

// A cell as text, doubles/floats by their bits (so -0.0 and NaN payloads must match too).
std::string repr(const col::Column& c, int64_t i) {
  if (c.is_null(i)) return "N";
  if (c.id() == TypeId::Double) {
    uint64_t b;
    std::memcpy(&b, &c.vals<double>()[i], 8);
    return std::to_string(b);
  }
  if (c.id() == TypeId::Float) {
    uint32_t b;
    std::memcpy(&b, &c.vals<float>()[i], 4);
    return std::to_string(b);
  }
  return kern::value_to_string(c, i);
}
std::string repr(const std::vector<ColumnPtr>& cols) {
  std::string s;
  for (const auto& c : cols) {
    for (int64_t i = 0; i < c->length; ++i) s += repr(*c, i) + ",";
    s += "|";
  }
  return s;
}

// Feeds `vals` in batches of `per` rows (optionally each a slice at an offset, or a constant of
// its first row) through update_all into one accumulator and update(gid = 0) into another, then
// compares states and results, and merges the two accumulators' states both ways.
void check(AggFn fn, const ColType& t, const std::vector<Val>& vals, int64_t per, bool sliced, bool constant) {
  CAPTURE(int(fn));
  CAPTURE(t.to_string());
  CAPTURE(vals.size());
  CAPTURE(per);
  CAPTURE(sliced);
  CAPTURE(constant);
  AggSpec spec;
  spec.fn = fn;
  auto fast = make_accumulator(spec, t), slow = make_accumulator(spec, t);
  fast->resize(1);
  slow->resize(1);
  for (size_t i = 0; i < vals.size() || (i == 0 && vals.empty()); i += size_t(per)) {
    std::vector<Val> part(vals.begin() + long(i), vals.begin() + long(std::min(vals.size(), i + size_t(per))));
    const int64_t n = int64_t(part.size());
    ColumnPtr c;
    Vec v;
    if (constant && n) {
      v = Vec::constant_of(column_of(t, {part[0]}));
    } else if (sliced) {
      std::vector<Val> padded{Val(7), std::nullopt, Val(-3)};
      padded.insert(padded.end(), part.begin(), part.end());
      padded.push_back(Val(5));
      v = Vec::flat(col::slice(column_of(t, padded), 3, n));
    } else {
      v = Vec::flat(column_of(t, part));
    }
    const Vec* vp = fn == AggFn::CountStar ? nullptr : &v;
    std::vector<int32_t> gid(size_t(n), 0);
    fast->update_all(vp, n);
    slow->update(vp, gid.data(), n);
    if (vals.empty()) break;
  }
  CHECK(repr(fast->state(1)) == repr(slow->state(1)));
  CHECK(repr({fast->result(1)}) == repr({slow->result(1)}));
  CHECK(fast->error() == slow->error());

  // partial -> final: the states of both (plus an empty group's) merged in one batch
  auto grouped = make_accumulator(spec, t);
  grouped->resize(3);
  {
    Vec v = Vec::flat(column_of(t, vals));
    std::vector<int32_t> gid(vals.size());
    for (size_t i = 0; i < vals.size(); ++i) gid[i] = int32_t(i % 2);  // group 2 stays empty
    grouped->update(fn == AggFn::CountStar ? nullptr : &v, gid.data(), int64_t(vals.size()));
  }
  auto st = grouped->state(3);
  auto mf = make_accumulator(spec, t), ms = make_accumulator(spec, t);
  mf->resize(1);
  ms->resize(1);
  mf->merge_all(st, 3);
  std::vector<int32_t> z(3, 0);
  ms->merge(st, z.data(), 3);
  // and a state of the fast accumulator, merged on top
  auto fst = fast->state(1);
  mf->merge_all(fst, 1);
  ms->merge(fst, z.data(), 1);
  CHECK(repr(mf->state(1)) == repr(ms->state(1)));
  CHECK(repr({mf->result(1)}) == repr({ms->result(1)}));
  CHECK(mf->error() == ms->error());
}

void check_all(const ColType& t, const std::vector<Val>& vals) {
  for (AggFn fn : {AggFn::Count, AggFn::CountStar, AggFn::Sum, AggFn::Avg, AggFn::Min, AggFn::Max})
    for (int64_t per : {int64_t(1), int64_t(3), int64_t(1000)})
      for (bool sliced : {false, true})
        for (bool constant : {false, true}) check(fn, t, vals, per, sliced, constant);
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

TEST_CASE("sql agg: the global fast path equals the per-row path (long, int): NULLs, empty, all-NULL, int64 extremes") {
  const double lmax = double(std::numeric_limits<int64_t>::max()), lmin = double(std::numeric_limits<int64_t>::min());
  for (TypeId id : {TypeId::Long, TypeId::Int}) {
    const ColType t = ColType::scalar(id);
    check_all(t, {});
    check_all(t, {std::nullopt, std::nullopt, std::nullopt, std::nullopt});
    check_all(t, {1, std::nullopt, -4, 9, std::nullopt, 3, 3, -100, 42, std::nullopt, 0});
    check_all(t, {std::nullopt, 5});
    std::vector<Val> many;
    for (int i = 0; i < 3000; ++i) many.push_back(i % 7 == 3 ? Val() : Val(double((i * 7919) % 2001 - 1000)));
    check_all(t, many);
  }
  // int64 extremes: the sum wraps (Spark non-ANSI), min/max find the extremes
  const ColType l = ColType::scalar(TypeId::Long);
  check_all(l, {lmax, 1, std::nullopt, lmax, lmin, lmin, -1});
  check_all(l, {lmin, std::nullopt, lmax});
}

TEST_CASE("sql agg: the global fast path equals the per-row path (double, float): NaN, -0.0, infinities, row order") {
  const double inf = std::numeric_limits<double>::infinity();
  for (TypeId id : {TypeId::Double, TypeId::Float}) {
    const ColType t = ColType::scalar(id);
    check_all(t, {});
    check_all(t, {std::nullopt, std::nullopt});
    check_all(t, {-0.0, std::nullopt, 0.0, -0.0});
    check_all(t, {-0.0, -0.0});
    check_all(t, {0.0, -0.0, std::nullopt});
    check_all(t, {1.5, kNaN, std::nullopt, -2.25, kNaN});
    check_all(t, {kNaN, std::nullopt});
    check_all(t, {inf, -inf, 1.0, std::nullopt});
    // order-sensitive sums: reassociating would change the result
    check_all(t, {1e16, 1.0, -1e16, 1.0, 0.1, 0.2, 0.3, std::nullopt, 1e-8, 3.0});
    std::vector<Val> many;
    for (int i = 0; i < 3000; ++i) many.push_back(i % 5 == 1 ? Val() : Val(0.1 * double(i % 97) - 3.3 + (i % 11 == 0 ? 1e15 : 0.0)));
    check_all(t, many);
  }
}

TEST_CASE("sql agg: the global fast path equals the per-row path (decimal): NULLs, overflow of the sum to NULL") {
  const ColType d = ColType::decimal(10, 2);
  check_all(d, {});
  check_all(d, {std::nullopt});
  check_all(d, {125, std::nullopt, -50, 99999, 1});
  const ColType big = ColType::decimal(38, 0);
  std::vector<Val> many;  // values near 10^18 summed 3000 times stay within decimal(38)
  for (int i = 0; i < 3000; ++i) many.push_back(i % 4 == 0 ? Val() : Val(double(int64_t(1) << 60) * ((i % 3) - 1)));
  check_all(big, many);
}
