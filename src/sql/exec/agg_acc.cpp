// Accumulators: count, sum, avg, min/max (typed for fixed width, by reference otherwise),
// first/last, collect_list/collect_set/count(distinct).
#include "sql/exec/agg_acc.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <type_traits>
#include <unordered_map>

#include "sql/columnar/builder.h"
#include "sql/kernels/compare.h"
#include "sql/kernels/decimal.h"
#include "sql/kernels/hash.h"

namespace spp::sql::exec {

using col::ColType;
using col::ColumnPtr;
using col::TypeId;

void Accumulator::update_all(const Vec* v, int64_t n) {
  std::vector<int32_t> gid(static_cast<size_t>(n), 0);
  update(v, gid.data(), n);
}
void Accumulator::merge_all(const std::vector<ColumnPtr>& state, int64_t n) {
  std::vector<int32_t> gid(static_cast<size_t>(n), 0);
  merge(state, gid.data(), n);
}

namespace {

// Validity bits of a flat column's n rows, or nullptr when every row is valid.
inline const uint8_t* nulls_of(const col::Column& c) { return c.null_count > 0 ? c.validity_bits() : nullptr; }

// A column of `type` from values + seen flags (unseen = NULL).
template <typename T>
ColumnPtr fixed_out(const col::ColTypePtr& type, const std::vector<T>& v, const std::vector<uint8_t>& seen, int64_t n) {
  auto c = col::make_fixed_column(type, n);
  if (n) std::memcpy(c->values->data(), v.data(), size_t(n) * sizeof(T));
  uint8_t* vb = col::ensure_validity(*c);
  for (int64_t i = 0; i < n; ++i) col::put_bit(vb, i, seen[size_t(i)]);
  col::finish_validity(*c);
  return c;
}

class CountAcc : public Accumulator {
 public:
  explicit CountAcc(bool star, bool if_true = false) : star_(star), if_(if_true) {}
  void resize(int64_t g) override { c_.resize(size_t(g), 0); }
  void update(const Vec* v, const int32_t* gid, int64_t n) override {
    if (star_ || !v) { for (int64_t i = 0; i < n; ++i) ++c_[size_t(gid[i])]; return; }
    const col::Column& col = *v->col;
    if (if_) {  // count_if: valid and true
      if (col.id() != TypeId::Boolean) return;
      for (int64_t i = 0; i < n; ++i) {
        const int64_t r = v->constant ? 0 : i;
        c_[size_t(gid[i])] += col.is_valid(r) && col::get_bit(col.values->data(), col.offset + r);
      }
      return;
    }
    for (int64_t i = 0; i < n; ++i) c_[size_t(gid[i])] += col.is_valid(v->constant ? 0 : i);
  }
  void update_all(const Vec* v, int64_t n) override {
    if (star_ || !v) { c_[0] += n; return; }
    if (if_) return Accumulator::update_all(v, n);
    const col::Column& col = *v->col;
    if (col.id() == TypeId::Null) return;
    if (v->constant) { c_[0] += col.is_valid(0) ? n : 0; return; }
    const uint8_t* vb = nulls_of(col);
    if (!vb) { c_[0] += n; return; }
    int64_t k = 0;
    for (int64_t i = 0, o = col.offset; i < n; ++i) k += col::get_bit(vb, o + i);
    c_[0] += k;
  }
  void merge(const std::vector<ColumnPtr>& st, const int32_t* gid, int64_t n) override {
    const int64_t* s = st[0]->vals<int64_t>();
    for (int64_t i = 0; i < n; ++i) c_[size_t(gid[i])] += s[i];
  }
  void merge_all(const std::vector<ColumnPtr>& st, int64_t n) override {
    const int64_t* s = st[0]->vals<int64_t>();
    int64_t k = 0;
    for (int64_t i = 0; i < n; ++i) k += s[i];
    c_[0] += k;
  }
  std::vector<ColumnPtr> state(int64_t g) override { return {result(g)}; }
  ColumnPtr result(int64_t g) override {
    std::vector<uint8_t> seen(static_cast<size_t>(g), 1);
    return fixed_out<int64_t>(kern::type_of(TypeId::Long), c_, seen, g);
  }
  int64_t memory() const override { return int64_t(c_.capacity() * 8); }
 private:
  bool star_, if_;
  std::vector<int64_t> c_;
};

// sum (kAvg=false) and avg (kAvg=true). In: input value type; A: accumulator type.
template <typename In, typename A, bool kAvg>
class SumAcc : public Accumulator {
 public:
  SumAcc(col::ColTypePtr sum_type, col::ColTypePtr result_type, int in_scale)
      : sum_t_(std::move(sum_type)), res_t_(std::move(result_type)), in_scale_(in_scale) {}
  void resize(int64_t g) override { g_.resize(size_t(g), Slot{}); }
  void update(const Vec* v, const int32_t* gid, int64_t n) override {
    const col::Column& c = *v->col;
    if (c.id() == TypeId::Null) return;
    const In* x = c.vals<In>();
    if (v->constant) {
      if (!c.is_valid(0)) return;
      for (int64_t i = 0; i < n; ++i) add(size_t(gid[i]), A(x[0]), 1);
      return;
    }
    // One slot per group holds the sum, count and flags: a row's update is one cache line, which
    // matters once the groups outgrow the cache (a partial aggregate of 200k keys per task).
    if (!nulls_of(c)) {
      if (g_.size() < kPrefetchGroups) {
        for (int64_t i = 0; i < n; ++i) add(size_t(gid[i]), A(x[i]), 1);
        return;
      }
      for (int64_t i = 0; i < n; ++i) {
        if (i + kPrefetchAhead < n) __builtin_prefetch(&g_[size_t(gid[i + kPrefetchAhead])], 1);
        add(size_t(gid[i]), A(x[i]), 1);
      }
      return;
    }
    for (int64_t i = 0; i < n; ++i)
      if (c.is_valid(i)) add(size_t(gid[i]), A(x[i]), 1);
  }
  // Group 0 only: the same additions in the same row order (doubles are not reassociated;
  // integral sums wrap, so their order does not matter; decimals note an int128 overflow as add).
  void update_all(const Vec* v, int64_t n) override {
    const col::Column& c = *v->col;
    if (c.id() == TypeId::Null || n <= 0) return;
    const In* x = c.vals<In>();
    Slot& s0 = g_[0];
    if (v->constant) {
      if (!c.is_valid(0)) return;
      if constexpr (std::is_integral_v<A>) {  // n wrapping additions of x = x * n mod 2^64
        s0.s = A(uint64_t(s0.s) + uint64_t(A(x[0])) * uint64_t(n));
        s0.seen = 1;
        s0.cnt += n;
      } else {
        for (int64_t i = 0; i < n; ++i) add(0, A(x[0]), 1);
      }
      return;
    }
    const uint8_t* vb = nulls_of(c);
    const int64_t o = c.offset;
    int64_t k = n;
    if constexpr (std::is_same_v<A, __int128>) {
      __int128 acc = s0.s;
      bool ovf = false;
      if (!vb) {
        for (int64_t i = 0; i < n; ++i) ovf |= __builtin_add_overflow(acc, A(x[i]), &acc);
      } else {
        k = 0;
        for (int64_t i = 0; i < n; ++i)
          if (col::get_bit(vb, o + i)) { ovf |= __builtin_add_overflow(acc, A(x[i]), &acc); ++k; }
      }
      s0.s = acc;
      if (ovf) s0.ovf = 1;
    } else if constexpr (std::is_integral_v<A>) {
      uint64_t acc = uint64_t(s0.s);
      if (!vb) {
        for (int64_t i = 0; i < n; ++i) acc += uint64_t(A(x[i]));
      } else {
        k = 0;
        for (int64_t i = 0; i < n; ++i) {
          const uint64_t b = col::get_bit(vb, o + i);
          acc += uint64_t(A(x[i])) & (0 - b);
          k += int64_t(b);
        }
      }
      s0.s = A(acc);
    } else {
      A acc = s0.s;
      if (!vb) {
        for (int64_t i = 0; i < n; ++i) acc += A(x[i]);
      } else {
        // A NULL row adds +0.0, which leaves every sum unchanged but -0.0, and the sum, starting
        // at +0.0, is never -0.0 (round to nearest: only -0.0 + -0.0 gives -0.0).
        k = 0;
        for (int64_t i = 0; i < n; ++i) {
          const bool b = col::get_bit(vb, o + i);
          acc += b ? A(x[i]) : A(0);
          k += b;
        }
      }
      s0.s = acc;
    }
    if (k) { s0.seen = 1; s0.cnt += k; }
  }
  void merge_all(const std::vector<ColumnPtr>& st, int64_t n) override {
    if constexpr (std::is_same_v<A, __int128>) {
      Accumulator::merge_all(st, n);
    } else {
      const col::Column& s = *st[0];
      const A* x = s.vals<A>();
      const int64_t* k = kAvg ? st[1]->vals<int64_t>() : nullptr;
      for (int64_t i = 0; i < n; ++i)
        if (s.is_valid(i)) add(0, x[i], kAvg ? k[i] : 1);
    }
  }
  void merge(const std::vector<ColumnPtr>& st, const int32_t* gid, int64_t n) override {
    const col::Column& s = *st[0];
    const A* x = s.vals<A>();
    const int64_t* k = kAvg ? st[1]->vals<int64_t>() : nullptr;
    for (int64_t i = 0; i < n; ++i) {
      if (s.is_valid(i)) { add(size_t(gid[i]), x[i], kAvg ? k[i] : 1); continue; }
      if constexpr (std::is_same_v<A, __int128>) {
        // A NULL partial sum over some values is an overflow: the whole result is NULL.
        bool overflowed = kAvg ? k[i] > 0 : !st[1]->bool_at(i);
        if (overflowed) { g_[size_t(gid[i])].ovf = 1; g_[size_t(gid[i])].seen = 1; }
      }
    }
  }
  std::vector<ColumnPtr> state(int64_t g) override {
    std::vector<ColumnPtr> out{sum_column(g)};
    if constexpr (!kAvg && std::is_same_v<A, __int128>) {  // isEmpty
      auto e = kern::new_bool(g);
      for (int64_t i = 0; i < g; ++i) col::put_bit(e->values->data(), i, !g_[size_t(i)].seen);
      out.push_back(e);
    }
    if (kAvg) {
      std::vector<uint8_t> all(static_cast<size_t>(g), 1);
      std::vector<int64_t> cnt(static_cast<size_t>(g));
      for (size_t i = 0; i < size_t(g); ++i) cnt[i] = g_[i].cnt;
      out.push_back(fixed_out<int64_t>(kern::type_of(TypeId::Long), cnt, all, g));
    }
    return out;
  }
  ColumnPtr result(int64_t g) override {
    if (!kAvg) return sum_column(g);
    std::vector<uint8_t> ok(static_cast<size_t>(g), 0);
    if constexpr (std::is_same_v<A, __int128>) {
      std::vector<__int128> r(static_cast<size_t>(g), 0);
      for (size_t i = 0; i < size_t(g); ++i) {
        const Slot& s = g_[i];
        if (!s.seen || s.ovf || !s.cnt) continue;
        auto q = kern::dec::div(s.s, sum_t_->scale, s.cnt, 0, res_t_->precision, res_t_->scale);
        if (q) { r[i] = *q; ok[i] = 1; }
      }
      return fixed_out<__int128>(res_t_, r, ok, g);
    } else {
      std::vector<double> r(static_cast<size_t>(g), 0);
      for (size_t i = 0; i < size_t(g); ++i)
        if (g_[i].seen && g_[i].cnt) { r[i] = double(g_[i].s) / double(g_[i].cnt); ok[i] = 1; }
      return fixed_out<double>(res_t_, r, ok, g);
    }
  }
  int64_t memory() const override { return int64_t(g_.capacity() * sizeof(Slot)); }

 private:
  // Slots beyond the cache: the slot of the row kPrefetchAhead on is fetched while this one adds.
  static constexpr size_t kPrefetchGroups = 1 << 15;
  static constexpr int64_t kPrefetchAhead = 16;
  struct Slot {
    A s = A(0);
    int64_t cnt = 0;
    uint8_t seen = 0, ovf = 0;
  };
  void add(size_t g, A x, int64_t k) {
    Slot& s = g_[g];
    if constexpr (std::is_same_v<A, __int128>) {
      __int128 r;
      if (__builtin_add_overflow(s.s, x, &r)) s.ovf = 1;
      s.s = r;
    } else if constexpr (std::is_integral_v<A>) {
      s.s = A(uint64_t(s.s) + uint64_t(x));  // non-ANSI: wraps
    } else {
      s.s += x;
    }
    s.seen = 1;
    s.cnt += k;
  }
  ColumnPtr sum_column(int64_t g) {
    std::vector<uint8_t> ok(static_cast<size_t>(g));
    std::vector<A> sums(static_cast<size_t>(g));
    for (size_t i = 0; i < size_t(g); ++i) {
      ok[i] = g_[i].seen;
      sums[i] = g_[i].s;
      if constexpr (std::is_same_v<A, __int128>)  // decimal overflow -> NULL
        if (g_[i].ovf || !kern::dec::fits(g_[i].s, sum_t_->precision)) ok[i] = 0;
    }
    return fixed_out<A>(sum_t_, sums, ok, g);
  }
  col::ColTypePtr sum_t_, res_t_;
  int in_scale_;
  std::vector<Slot> g_;
};

template <typename T, bool kMax>
class MinMaxFixed : public Accumulator {
 public:
  explicit MinMaxFixed(col::ColTypePtr t) : t_(std::move(t)) {}
  void resize(int64_t g) override { v_.resize(size_t(g), T()); seen_.resize(size_t(g), 0); }
  void update(const Vec* v, const int32_t* gid, int64_t n) override {
    const col::Column& c = *v->col;
    if (c.id() == TypeId::Null) return;
    const T* x = c.vals<T>();
    for (int64_t i = 0; i < n; ++i) {
      int64_t r = v->constant ? 0 : i;
      if (c.is_valid(r)) put(size_t(gid[i]), x[r]);
    }
  }
  void update_all(const Vec* v, int64_t n) override {
    const col::Column& c = *v->col;
    if (c.id() == TypeId::Null || n <= 0) return;
    const T* x = c.vals<T>();
    if (v->constant) { if (c.is_valid(0)) put(0, x[0]); return; }
    const uint8_t* vb = nulls_of(c);
    const int64_t o = c.offset;
    if constexpr (std::is_floating_point_v<T>) {
      // Row by row as put() (ties between 0.0 and -0.0 keep the first; NaN is the largest).
      if (!vb) for (int64_t i = 0; i < n; ++i) put(0, x[i]);
      else for (int64_t i = 0; i < n; ++i) if (col::get_bit(vb, o + i)) put(0, x[i]);
    } else {  // integers: equal values are indistinguishable, so a plain min/max is exact
      int64_t i = 0;
      if (vb) while (i < n && !col::get_bit(vb, o + i)) ++i;
      if (i == n) return;
      T m = x[i];
      if (!vb) {
        for (++i; i < n; ++i) m = kMax ? std::max(m, x[i]) : std::min(m, x[i]);
      } else {
        for (++i; i < n; ++i) {
          const T y = col::get_bit(vb, o + i) ? x[i] : m;
          m = kMax ? std::max(m, y) : std::min(m, y);
        }
      }
      put(0, m);
    }
  }
  void merge(const std::vector<ColumnPtr>& st, const int32_t* gid, int64_t n) override {
    Vec v = Vec::flat(st[0]);
    update(&v, gid, n);
  }
  void merge_all(const std::vector<ColumnPtr>& st, int64_t n) override {
    Vec v = Vec::flat(st[0]);
    update_all(&v, n);
  }
  std::vector<ColumnPtr> state(int64_t g) override { return {result(g)}; }
  ColumnPtr result(int64_t g) override { return fixed_out<T>(t_, v_, seen_, g); }
  int64_t memory() const override { return int64_t(v_.capacity() * (sizeof(T) + 1)); }
 private:
  static bool better(T a, T b) {  // a replaces b; NaN is the largest value
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(a)) return kMax && !std::isnan(b);
      if (std::isnan(b)) return !kMax;
    }
    return kMax ? a > b : a < b;
  }
  void put(size_t g, T x) {
    if (!seen_[g] || better(x, v_[g])) { v_[g] = x; seen_[g] = 1; }
  }
  col::ColTypePtr t_;
  std::vector<T> v_;
  std::vector<uint8_t> seen_;
};

// Accumulators that point at retained input rows (any type).
class RefAcc : public Accumulator {
 public:
  explicit RefAcc(col::ColTypePtr t) : t_(std::move(t)) {}
  int64_t memory() const override { return mem_ + int64_t(src_.capacity() * 8); }
 protected:
  int32_t retain(const ColumnPtr& c) {
    if (!cols_.empty() && cols_.back() == c) return int32_t(cols_.size() - 1);
    cols_.push_back(c);
    raw_.push_back(c.get());
    mem_ += col::memory_size(*c);
    return int32_t(cols_.size() - 1);
  }
  ColumnPtr gather_refs(const std::vector<int32_t>& src, const std::vector<int32_t>& row, int64_t n) {
    if (raw_.empty()) return col::make_null_column(t_, n);
    std::vector<uint32_t> s(static_cast<size_t>(n), 0);
    std::vector<int32_t> r(static_cast<size_t>(n), -1);
    for (size_t i = 0; i < size_t(n); ++i)
      if (src[i] >= 0) { s[i] = uint32_t(src[i]); r[i] = row[i]; }
    auto c = col::gather_multi(raw_, s.data(), r.data(), n);
    c->type = t_;
    return c;
  }
  col::ColTypePtr t_;
  std::vector<ColumnPtr> cols_;
  std::vector<const col::Column*> raw_;
  std::vector<int32_t> src_, row_;
  int64_t mem_ = 0;
};

class MinMaxRef : public RefAcc {
 public:
  MinMaxRef(col::ColTypePtr t, bool mx) : RefAcc(std::move(t)), max_(mx) {}
  void resize(int64_t g) override { src_.resize(size_t(g), -1); row_.resize(size_t(g), -1); }
  void update(const Vec* v, const int32_t* gid, int64_t n) override {
    if (v->col->id() == TypeId::Null) return;
    int32_t k = retain(v->col);
    for (int64_t i = 0; i < n; ++i) {
      int64_t r = v->constant ? 0 : i;
      if (v->col->is_null(r)) continue;
      size_t g = size_t(gid[i]);
      if (src_[g] >= 0) {
        int c = kern::compare_rows(*v->col, r, *raw_[size_t(src_[g])], row_[g]);
        if (max_ ? c <= 0 : c >= 0) continue;
      }
      src_[g] = k;
      row_[g] = int32_t(r);
    }
  }
  void merge(const std::vector<ColumnPtr>& st, const int32_t* gid, int64_t n) override {
    Vec v = Vec::flat(st[0]);
    update(&v, gid, n);
  }
  std::vector<ColumnPtr> state(int64_t g) override { return {result(g)}; }
  ColumnPtr result(int64_t g) override { return gather_refs(src_, row_, g); }
 private:
  bool max_;
};

class FirstLast : public RefAcc {
 public:
  FirstLast(col::ColTypePtr t, bool last, bool ignore_nulls) : RefAcc(std::move(t)), last_(last), ign_(ignore_nulls) {}
  void resize(int64_t g) override { src_.resize(size_t(g), -1); row_.resize(size_t(g), -1); set_.resize(size_t(g), 0); }
  void update(const Vec* v, const int32_t* gid, int64_t n) override { take(*v, nullptr, gid, n); }
  void merge(const std::vector<ColumnPtr>& st, const int32_t* gid, int64_t n) override {
    take(Vec::flat(st[0]), st[1].get(), gid, n);
  }
  std::vector<ColumnPtr> state(int64_t g) override {
    auto flags = kern::new_bool(g);
    for (int64_t i = 0; i < g; ++i) col::put_bit(flags->values->data(), i, set_[size_t(i)]);
    return {result(g), flags};
  }
  ColumnPtr result(int64_t g) override { return gather_refs(src_, row_, g); }
 private:
  void take(const Vec& v, const col::Column* is_set, const int32_t* gid, int64_t n) {
    int32_t k = v.col->id() == TypeId::Null ? -1 : retain(v.col);
    for (int64_t i = 0; i < n; ++i) {
      int64_t r = v.constant ? 0 : i;
      if (is_set && !is_set->bool_at(i)) continue;
      bool null = v.col->is_null(r);
      if (ign_ && null) continue;
      size_t g = size_t(gid[i]);
      if (!last_ && set_[g]) continue;
      set_[g] = 1;
      src_[g] = null ? -1 : k;
      row_[g] = int32_t(r);
    }
  }
  bool last_, ign_;
  std::vector<uint8_t> set_;
};

// collect_list / collect_set / count(distinct): element references per group.
class CollectAcc : public RefAcc {
 public:
  CollectAcc(col::ColTypePtr elem, col::ColTypePtr out, bool set, bool count)
      : RefAcc(std::move(elem)), out_t_(std::move(out)), set_(set), count_(count) {}
  void resize(int64_t g) override { items_.resize(size_t(g)); }
  void update(const Vec* v, const int32_t* gid, int64_t n) override {
    if (v->col->id() == TypeId::Null) return;
    ColumnPtr c = v->col;
    if (v->constant) c = Vec::flat(c).col;
    add_rows(c, v->constant, gid, n, nullptr);
  }
  void merge(const std::vector<ColumnPtr>& st, const int32_t* gid, int64_t n) override {
    const col::Column& arr = *st[0];
    const int32_t* o = arr.offsets();
    std::vector<int32_t> egid;
    std::vector<int32_t> erow;
    for (int64_t i = 0; i < n; ++i) {
      if (arr.is_null(i)) continue;
      for (int32_t e = o[i]; e < o[i + 1]; ++e) { egid.push_back(gid[i]); erow.push_back(e); }
    }
    add_rows(arr.children[0], false, egid.data(), int64_t(egid.size()), &erow);
  }
  std::vector<ColumnPtr> state(int64_t g) override { return {array_out(g)}; }
  ColumnPtr result(int64_t g) override {
    if (!count_) return array_out(g);
    auto c = col::make_fixed_column(kern::type_of(TypeId::Long), g);
    for (int64_t i = 0; i < g; ++i) c->values->as<int64_t>()[i] = int64_t(items_[size_t(i)].size());
    return c;
  }
  int64_t memory() const override { return RefAcc::memory() + n_items_ * 16 + int64_t(items_.capacity() * 24); }
 private:
  void add_rows(const ColumnPtr& c, bool constant, const int32_t* gid, int64_t n, const std::vector<int32_t>* rows) {
    int32_t k = retain(c);
    std::vector<int32_t> h;
    if (set_) {
      std::vector<int32_t> one(static_cast<size_t>(c->length), kern::kSparkHashSeed);
      kern::hash_into(*c, false, one.data(), c->length);
      h = std::move(one);
    }
    for (int64_t i = 0; i < n; ++i) {
      int32_t r = rows ? (*rows)[size_t(i)] : (constant ? 0 : int32_t(i));
      if (c->is_null(r)) continue;
      size_t g = size_t(gid[i]);
      if (set_) {
        uint64_t key = (uint64_t(g) << 32) | uint32_t(h[size_t(r)]);
        bool dup = false;
        auto range = seen_.equal_range(key);
        for (auto it = range.first; it != range.second && !dup; ++it) {
          auto [s, row] = items_[g][it->second];
          dup = kern::equal_rows(*raw_[size_t(s)], row, *c, r);
        }
        if (dup) continue;
        seen_.emplace(key, items_[g].size());
      }
      items_[g].push_back({k, r});
      ++n_items_;
    }
  }
  ColumnPtr array_out(int64_t g) {
    auto out = std::make_shared<col::Column>();
    out->type = out_t_;
    out->length = g;
    out->values = std::make_shared<col::Buffer>(size_t(g + 1) * 4);
    int32_t* off = out->values->as<int32_t>();
    std::vector<int32_t> src, row;
    for (int64_t i = 0; i < g; ++i) {
      off[i] = int32_t(src.size());
      for (auto [s, r] : items_[size_t(i)]) { src.push_back(s); row.push_back(r); }
    }
    off[g] = int32_t(src.size());
    out->children.push_back(gather_refs(src, row, int64_t(src.size())));
    return out;
  }
  col::ColTypePtr out_t_;
  bool set_, count_;
  std::vector<std::vector<std::pair<int32_t, int32_t>>> items_;
  std::unordered_multimap<uint64_t, size_t> seen_;
  int64_t n_items_ = 0;
};

template <bool kAvg>
std::unique_ptr<Accumulator> make_sum(const ColType& in, const ColType& state0, const ColType& res) {
  auto st = col::make_type(state0), rt = col::make_type(res);
  switch (in.id) {
    case TypeId::Byte: return std::make_unique<SumAcc<int8_t, int64_t, kAvg>>(st, rt, 0);
    case TypeId::Short: return std::make_unique<SumAcc<int16_t, int64_t, kAvg>>(st, rt, 0);
    case TypeId::Int: return std::make_unique<SumAcc<int32_t, int64_t, kAvg>>(st, rt, 0);
    case TypeId::Long: return std::make_unique<SumAcc<int64_t, int64_t, kAvg>>(st, rt, 0);
    case TypeId::Float: return std::make_unique<SumAcc<float, double, kAvg>>(st, rt, 0);
    case TypeId::Double: return std::make_unique<SumAcc<double, double, kAvg>>(st, rt, 0);
    case TypeId::Decimal: return std::make_unique<SumAcc<__int128, __int128, kAvg>>(st, rt, in.scale);
    default: SPP_CHECK(false, "sum/avg of %s", in.to_string().c_str());
  }
  return nullptr;
}

// The partial states of double-valued group states: column k holds field k (S::at) per group.
template <typename S>
std::vector<ColumnPtr> double_states(const std::vector<S>& st, int fields, int64_t g) {
  std::vector<ColumnPtr> out;
  std::vector<uint8_t> seen(static_cast<size_t>(g), 1);
  for (int k = 0; k < fields; ++k) {
    std::vector<double> v(static_cast<size_t>(g));
    for (int64_t i = 0; i < g; ++i) v[size_t(i)] = st[size_t(i)].at(k);
    out.push_back(fixed_out<double>(kern::type_of(TypeId::Double), v, seen, g));
  }
  return out;
}

// A double result column from per-group optional values (nullopt = NULL).
template <typename F>
ColumnPtr double_result(int64_t g, F&& value) {
  std::vector<double> v(static_cast<size_t>(g));
  std::vector<uint8_t> seen(static_cast<size_t>(g), 0);
  for (int64_t i = 0; i < g; ++i)
    if (std::optional<double> r = value(i)) {
      v[size_t(i)] = *r;
      seen[size_t(i)] = 1;
    }
  return fixed_out<double>(kern::type_of(TypeId::Double), v, seen, g);
}

// percentile_approx over the collected values of each group (collect_list's state): sorted,
// then percentage p answered by the value of rank ceil(p * n) (the first / last value within the
// relative error of 0 / 1), as Spark's QuantileSummaries.query on exact samples.
class PercentileAcc : public Accumulator {
 public:
  PercentileAcc(col::ColTypePtr elem, const AggSpec& spec)
      : list_(elem, col::make_type(ColType::array(*elem, false)), false, false), elem_(std::move(elem)),
        ps_(spec.percentages), array_(spec.fn == AggFn::PercentileArray),
        eps_(spec.accuracy > 0 ? 1.0 / double(spec.accuracy) : 1e-4) {}
  void resize(int64_t g) override { list_.resize(g); }
  void update(const Vec* v, const int32_t* gid, int64_t n) override { list_.update(v, gid, n); }
  void merge(const std::vector<ColumnPtr>& st, const int32_t* gid, int64_t n) override { list_.merge(st, gid, n); }
  std::vector<ColumnPtr> state(int64_t g) override { return list_.state(g); }
  ColumnPtr result(int64_t g) override {
    ColumnPtr arr = list_.result(g);
    const int32_t* o = arr->offsets();
    const col::Column& vals = *arr->children[0];
    std::vector<int32_t> pick, idx;
    for (int64_t i = 0; i < g; ++i) {
      const int64_t n = o[i + 1] - o[i];
      idx.resize(size_t(n));
      for (int64_t k = 0; k < n; ++k) idx[size_t(k)] = int32_t(o[i] + k);
      std::stable_sort(idx.begin(), idx.end(), [&](int32_t a, int32_t b) { return kern::compare_rows(vals, a, vals, b) < 0; });
      for (double p : ps_) {
        if (n == 0) { pick.push_back(-1); continue; }
        int64_t k = p <= eps_ ? 0 : p >= 1 - eps_ ? n - 1 : int64_t(std::ceil(p * double(n))) - 1;
        pick.push_back(idx[size_t(std::clamp<int64_t>(k, 0, n - 1))]);
      }
    }
    ColumnPtr picked = col::gather(vals, pick.data(), int64_t(pick.size()));
    if (!array_) return picked;
    auto out = std::make_shared<col::Column>();  // one array of the picks per group; NULL when empty
    out->type = col::make_type(ColType::array(*elem_, false));
    out->length = g;
    out->values = std::make_shared<col::Buffer>(size_t(g + 1) * 4);
    int32_t* off = out->values->as<int32_t>();
    uint8_t* vb = col::ensure_validity(*out);
    for (int64_t i = 0; i <= g; ++i) off[i] = int32_t(i * int64_t(ps_.size()));
    for (int64_t i = 0; i < g; ++i) col::put_bit(vb, i, o[i + 1] > o[i]);
    col::finish_validity(*out);
    out->children.push_back(picked);
    return out;
  }
  int64_t memory() const override { return list_.memory(); }

 private:
  CollectAcc list_;
  col::ColTypePtr elem_;
  std::vector<double> ps_;
  bool array_;
  double eps_;
};

// Spark's CentralMomentAgg: count, mean and central moments m2..m4 updated per value (Welford)
// and merged pairwise with the same formulas, so partial/final answers agree with Spark's.
class MomentAcc : public Accumulator {
 public:
  explicit MomentAcc(AggFn fn) : fn_(fn) {}
  void resize(int64_t g) override { s_.resize(size_t(g)); }
  void update(const Vec* v, const int32_t* gid, int64_t n) override {
    const col::Column& c = *v->col;
    if (c.id() == TypeId::Null) return;
    const double* x = c.vals<double>();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r = v->constant ? 0 : i;
      if (c.is_valid(r)) add(s_[size_t(gid[i])], x[r]);
    }
  }
  void merge(const std::vector<ColumnPtr>& st, const int32_t* gid, int64_t n) override {
    const double* f[5];
    for (int k = 0; k < 5; ++k) f[k] = st[size_t(k)]->vals<double>();
    for (int64_t i = 0; i < n; ++i) combine(s_[size_t(gid[i])], S{f[0][i], f[1][i], f[2][i], f[3][i], f[4][i]});
  }
  std::vector<ColumnPtr> state(int64_t g) override { return double_states(s_, 5, g); }
  ColumnPtr result(int64_t g) override {
    return double_result(g, [&](int64_t i) {
      const S& s = s_[size_t(i)];
      std::optional<double> r;
      // Division by zero is NULL (spark.sql.legacy.statisticalAggregate=false).
      switch (fn_) {
        case AggFn::StddevPop: if (s.n > 0) r = std::sqrt(s.m2 / s.n); break;
        case AggFn::VarPop: if (s.n > 0) r = s.m2 / s.n; break;
        case AggFn::StddevSamp: if (s.n > 1) r = std::sqrt(s.m2 / (s.n - 1)); break;
        case AggFn::VarSamp: if (s.n > 1) r = s.m2 / (s.n - 1); break;
        case AggFn::Skewness: if (s.n > 0 && s.m2 != 0) r = std::sqrt(s.n) * s.m3 / std::sqrt(s.m2 * s.m2 * s.m2); break;
        case AggFn::Kurtosis: if (s.n > 0 && s.m2 != 0) r = s.n * s.m4 / (s.m2 * s.m2) - 3.0; break;
        default: break;
      }
      return r;
    });
  }
  int64_t memory() const override { return int64_t(s_.capacity() * sizeof(S)); }

 private:
  struct S {
    double n = 0, avg = 0, m2 = 0, m3 = 0, m4 = 0;
    double at(int k) const { return k == 0 ? n : k == 1 ? avg : k == 2 ? m2 : k == 3 ? m3 : m4; }
  };
  static void add(S& s, double x) {
    const double n = s.n + 1, delta = x - s.avg, dn = delta / n, avg = s.avg + dn;
    const double m2 = s.m2 + delta * (delta - dn), d2 = delta * delta, dn2 = dn * dn;
    const double m3 = s.m3 - 3.0 * dn * m2 + delta * (d2 - dn2);
    const double m4 = s.m4 - 4.0 * dn * m3 - 6.0 * dn2 * m2 + delta * (delta * d2 - dn * dn2);
    s = {n, avg, m2, m3, m4};
  }
  static void combine(S& a, const S& b) {
    const double n1 = a.n, n2 = b.n, n = n1 + n2, delta = b.avg - a.avg, dn = n == 0 ? 0.0 : delta / n;
    const double avg = a.avg + dn * n2;
    const double m2 = a.m2 + b.m2 + delta * dn * n1 * n2;
    const double m3 = a.m3 + b.m3 + dn * dn * delta * n1 * n2 * (n1 - n2) + 3.0 * dn * (n1 * b.m2 - n2 * a.m2);
    const double m4 = a.m4 + b.m4 + dn * dn * dn * delta * n1 * n2 * (n1 * n1 - n1 * n2 + n2 * n2) +
                      6.0 * dn * dn * (n1 * n1 * b.m2 + n2 * n2 * a.m2) + 4.0 * dn * (n1 * b.m3 - n2 * a.m3);
    a = {n, avg, m2, m3, m4};
  }
  AggFn fn_;
  std::vector<S> s_;
};

// Spark's Covariance / PearsonCorrelation over struct<x, y> input: co-moment updated per pair
// (both non-NULL) and merged with Spark's formulas.
class CoMomentAcc : public Accumulator {
 public:
  explicit CoMomentAcc(AggFn fn) : fn_(fn) {}
  void resize(int64_t g) override { s_.resize(size_t(g)); }
  void update(const Vec* v, const int32_t* gid, int64_t n) override {
    const col::Column& c = *v->col;
    if (c.id() != TypeId::Struct || c.children.size() != 2) return;
    const col::Column &cx = *c.children[0], &cy = *c.children[1];
    const double *x = cx.vals<double>(), *y = cy.vals<double>();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r = v->constant ? 0 : i;
      const int64_t rr = r;  // struct children are sliced with the struct: row r is row r
      if (!c.is_valid(r) || !cx.is_valid(rr) || !cy.is_valid(rr)) continue;
      S& s = s_[size_t(gid[i])];
      const double nn = s.n + 1, dx = x[rr] - s.xa, dxn = dx / nn, dy = y[rr] - s.ya, dyn = dy / nn;
      const double xa = s.xa + dxn, ya = s.ya + dyn;
      s.ck += dx * (y[rr] - ya);
      s.xm += dx * (x[rr] - xa);
      s.ym += dy * (y[rr] - ya);
      s.n = nn;
      s.xa = xa;
      s.ya = ya;
    }
  }
  void merge(const std::vector<ColumnPtr>& st, const int32_t* gid, int64_t n) override {
    const double* f[6];
    for (int k = 0; k < 6; ++k) f[k] = st[size_t(k)]->vals<double>();
    for (int64_t i = 0; i < n; ++i) {
      S& a = s_[size_t(gid[i])];
      const S b{f[0][i], f[1][i], f[2][i], f[3][i], f[4][i], f[5][i]};
      const double nn = a.n + b.n, dx = b.xa - a.xa, dy = b.ya - a.ya;
      const double dxn = nn == 0 ? 0.0 : dx / nn, dyn = nn == 0 ? 0.0 : dy / nn;
      S m;
      m.n = nn;
      m.xa = a.xa + dxn * b.n;
      m.ya = a.ya + dyn * b.n;
      m.ck = a.ck + b.ck + dx * dyn * a.n * b.n;
      m.xm = a.xm + b.xm + dx * dxn * a.n * b.n;
      m.ym = a.ym + b.ym + dy * dyn * a.n * b.n;
      a = m;
    }
  }
  std::vector<ColumnPtr> state(int64_t g) override { return double_states(s_, 6, g); }
  ColumnPtr result(int64_t g) override {
    return double_result(g, [&](int64_t i) {
      const S& s = s_[size_t(i)];
      std::optional<double> r;  // division by zero is NULL (non-legacy statistical aggregates)
      if (fn_ == AggFn::CovarPop && s.n > 0) r = s.ck / s.n;
      if (fn_ == AggFn::CovarSamp && s.n > 1) r = s.ck / (s.n - 1);
      if (fn_ == AggFn::Corr && s.n > 1 && s.xm * s.ym != 0) r = s.ck / std::sqrt(s.xm * s.ym);
      return r;
    });
  }
  int64_t memory() const override { return int64_t(s_.capacity() * sizeof(S)); }

 private:
  struct S {
    double n = 0, xa = 0, ya = 0, ck = 0, xm = 0, ym = 0;
    double at(int k) const { return k == 0 ? n : k == 1 ? xa : k == 2 ? ya : k == 3 ? ck : k == 4 ? xm : ym; }
  };
  AggFn fn_;
  std::vector<S> s_;
};

// sum / avg of the group's distinct values: a set kept as CountDistinct keeps it, the inner
// aggregate run over each group's set when the result is asked for.
class DistinctAcc : public Accumulator {
 public:
  DistinctAcc(col::ColTypePtr elem, const ColType& in, AggFn inner)
      : set_(elem, col::make_type(ColType::array(in, false)), true, false), in_(in), inner_(inner) {}
  void resize(int64_t g) override { set_.resize(g); }
  void update(const Vec* v, const int32_t* gid, int64_t n) override { set_.update(v, gid, n); }
  void merge(const std::vector<ColumnPtr>& st, const int32_t* gid, int64_t n) override { set_.merge(st, gid, n); }
  std::vector<ColumnPtr> state(int64_t g) override { return set_.state(g); }
  ColumnPtr result(int64_t g) override {
    ColumnPtr arr = set_.state(g)[0];
    AggSpec spec;
    spec.fn = inner_;
    auto acc = make_accumulator(spec, in_);
    acc->resize(g);
    const int32_t* o = arr->offsets();
    std::vector<int32_t> gid;
    for (int64_t i = 0; i < g; ++i)
      for (int32_t e = o[i]; e < o[i + 1]; ++e) gid.push_back(int32_t(i));
    ColumnPtr elems = arr->children[0];
    if (!gid.empty()) {
      ColumnPtr part = int64_t(gid.size()) == elems->length ? elems : col::slice(elems, o[0], int64_t(gid.size()));
      Vec v = Vec::flat(part);
      acc->update(&v, gid.data(), int64_t(gid.size()));
    }
    return acc->result(g);
  }
  int64_t memory() const override { return set_.memory(); }
 private:
  CollectAcc set_;
  ColType in_;
  AggFn inner_;
};

}  // namespace

std::unique_ptr<Accumulator> make_accumulator(const AggSpec& spec, const ColType& in) {
  auto t = col::make_type(in);
  auto res = agg_result_type(spec.fn, in);
  switch (spec.fn) {
    case AggFn::Count: return std::make_unique<CountAcc>(false);
    case AggFn::CountStar: return std::make_unique<CountAcc>(true);
    case AggFn::CountIf: return std::make_unique<CountAcc>(false, true);
    case AggFn::CovarPop: case AggFn::CovarSamp: case AggFn::Corr: return std::make_unique<CoMomentAcc>(spec.fn);
    case AggFn::Sum: return make_sum<false>(in, res, res);
    case AggFn::Avg: return make_sum<true>(in, agg_state_types(spec.fn, in)[0], res);
    case AggFn::Min: case AggFn::Max: {
      bool mx = spec.fn == AggFn::Max;
      if (col::is_fixed_width(in.id)) {
        return kern::dispatch_fixed(in.id, [&]<typename T>() -> std::unique_ptr<Accumulator> {
          if (mx) return std::make_unique<MinMaxFixed<T, true>>(t);
          return std::make_unique<MinMaxFixed<T, false>>(t);
        });
      }
      return std::make_unique<MinMaxRef>(t, mx);
    }
    case AggFn::First: return std::make_unique<FirstLast>(t, false, spec.ignore_nulls);
    case AggFn::Last: return std::make_unique<FirstLast>(t, true, spec.ignore_nulls);
    case AggFn::CollectList: return std::make_unique<CollectAcc>(t, col::make_type(res), false, false);
    case AggFn::CollectSet: return std::make_unique<CollectAcc>(t, col::make_type(res), true, false);
    case AggFn::CountDistinct:
      return std::make_unique<CollectAcc>(t, col::make_type(ColType::array(in, false)), true, true);
    case AggFn::SumDistinct: return std::make_unique<DistinctAcc>(t, in, AggFn::Sum);
    case AggFn::AvgDistinct: return std::make_unique<DistinctAcc>(t, in, AggFn::Avg);
    case AggFn::StddevSamp: case AggFn::StddevPop: case AggFn::VarSamp: case AggFn::VarPop:
    case AggFn::Skewness: case AggFn::Kurtosis:
      return std::make_unique<MomentAcc>(spec.fn);
    case AggFn::Percentile: case AggFn::PercentileArray: return std::make_unique<PercentileAcc>(t, spec);
    case AggFn::HllSketch: case AggFn::HllUnion: return make_hll_accumulator(spec, in);
  }
  return nullptr;
}

}  // namespace spp::sql::exec
