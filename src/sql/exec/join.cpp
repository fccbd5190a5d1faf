// Hash join with grace-partition spilling, every join type (the sort-merge join: sort_merge_join.cpp).
#include "sql/exec/join_internal.h"

#include <algorithm>
#include <deque>
#include <type_traits>

#include "sql/exec/sort.h"
#include "sql/kernels/compare.h"
#include "sql/kernels/hash.h"

namespace spp::sql::exec {

using col::ColType;
using col::TypeId;

namespace join_detail {

ColTypePtr join_schema(const ColType& l, const ColType& r, JoinType t) {
  if (t == JoinType::LeftSemi || t == JoinType::LeftAnti) return col::make_type(l);
  std::vector<std::string> names = l.names;
  std::vector<ColType> types = l.children;
  names.insert(names.end(), r.names.begin(), r.names.end());
  types.insert(types.end(), r.children.begin(), r.children.end());
  return col::make_type(ColType::strct(names, types));
}

Keyed key_batch(const std::vector<ExprPtr>& exprs, const Batch& b, const ExecContext& ctx, bool with_hash) {
  Keyed k;
  if (with_hash) k.hash.assign(static_cast<size_t>(b.num_rows), kern::kSparkHashSeed);
  k.null_key.assign(static_cast<size_t>(b.num_rows), 0);
  for (const auto& e : exprs) {
    auto c = eval_flat(*e, b, ctx.eval);
    if (with_hash) kern::hash_into(*c, false, k.hash.data(), b.num_rows);
    if (c->has_nulls() || c->id() == TypeId::Null)
      for (int64_t r = 0; r < b.num_rows; ++r) k.null_key[size_t(r)] |= c->is_null(r);
    k.keys.push_back(c);
  }
  if (!with_hash && k.keys.size() == 1) {
    const col::Column& c = *k.keys[0];
    const TypeId id = c.id();
    if (col::is_integral(id) || id == TypeId::Date || id == TypeId::Timestamp || id == TypeId::TimestampNtz) {
      k.ikey.resize(static_cast<size_t>(b.num_rows));
      kern::dispatch_fixed(id, [&]<typename T>() {
        if constexpr (std::is_integral_v<T>) {
          const T* x = c.vals<T>();
          for (int64_t r = 0; r < b.num_rows; ++r) k.ikey[size_t(r)] = int64_t(x[r]);
        }
        return 0;
      });
    }
  }
  return k;
}


namespace {

// `used` (left columns, then build columns; empty: all): the columns wanted; the others are
// NULL-typed placeholders without buffers (an extra condition reads a few columns of the pairs).
Batch gather_pairs(const Batch& left, const BuildRows& build, const std::vector<int32_t>& li, const std::vector<int32_t>& ri,
                   ColTypePtr schema, const std::vector<uint8_t>& used = {}) {
  Batch out;
  int64_t n = int64_t(li.size());
  out.num_rows = n;
  col::ColumnPtr placeholder;
  size_t at = 0;
  auto wanted = [&]() {
    if (used.empty() || used[at++]) return true;
    if (!placeholder) placeholder = col::make_null_column(col::make_type(col::ColType::scalar(TypeId::Null)), n);
    out.columns.push_back(placeholder);
    return false;
  };
  // A side whose rows come out as one contiguous run (each probe row matched once) is sliced.
  auto side = [&](const Batch& b, const std::vector<int32_t>& idx) {
    const auto run = col::contiguous_run(idx.data(), n);
    for (const auto& c : b.columns)
      if (wanted()) out.columns.push_back(run ? col::slice(c, *run, n) : col::gather(*c, idx.data(), n));
  };
  side(left, li);
  if (build.one) {
    side(*build.one, ri);
  } else {  // each pair's part and row in it, once for all columns
    std::vector<uint32_t> src(static_cast<size_t>(n), 0);
    std::vector<int32_t> row(static_cast<size_t>(n), -1);
    size_t p = 0;
    for (int64_t k = 0; k < n; ++k) {
      const int32_t r = ri[size_t(k)];
      if (r < 0) continue;  // a NULL row (outer join)
      if (p >= build.starts.size() || r < build.starts[p] || (p + 1 < build.starts.size() && r >= build.starts[p + 1]))
        p = size_t(std::upper_bound(build.starts.begin(), build.starts.end(), int64_t(r)) - build.starts.begin()) - 1;
      src[size_t(k)] = uint32_t(p);
      row[size_t(k)] = int32_t(r - build.starts[p]);
    }
    std::vector<const col::Column*> cols(build.parts.size());
    for (size_t c = 0; c < build.num_columns(); ++c) {
      if (!wanted()) continue;
      for (size_t i = 0; i < build.parts.size(); ++i) cols[i] = build.parts[i]->columns[c].get();
      out.columns.push_back(col::gather_multi(cols, src.data(), row.data(), n));
    }
  }
  out.schema = std::move(schema);
  return out;
}

// Marks the input columns an expression reads; false when it cannot tell (a library call may
// read columns through its bound state, as a lambda's body does).
bool mark_columns(const Expr& e, std::vector<uint8_t>& used) {
  if (e.lib) return false;
  if (e.kind == Expr::Kind::Column) {
    if (e.column < 0 || size_t(e.column) >= used.size()) return false;
    used[size_t(e.column)] = 1;
  }
  for (const auto& a : e.args)
    if (a && !mark_columns(*a, used)) return false;
  return true;
}

}  // namespace

// Output for candidate pairs (li ascending) of `left` rows and `build` rows: the extra
// condition, then the join type's rules; sets matched[r] for every build row r that joined.
Batch emit_pairs(const Batch& left, const BuildRows& build, std::vector<int32_t> li, std::vector<int32_t> ri, JoinType type,
                 const ExprPtr& cond, const ColTypePtr& out_schema, const ExecContext& ctx, uint8_t* matched) {
  if (cond && !li.empty()) {  // keep the pairs where the extra condition is true
    std::vector<uint8_t> used(left.columns.size() + build.num_columns(), 0);
    if (!mark_columns(*cond, used)) used.clear();
    Batch joined = gather_pairs(left, build, li, ri, join_schema(*left.schema, *build.schema, JoinType::Inner), used);
    auto v = eval(*cond, joined, nullptr, ctx.eval);
    col::SelVec keep = kern::select_true(v, joined.num_rows, nullptr);
    std::vector<int32_t> l2, r2;
    for (int32_t k : keep) { l2.push_back(li[size_t(k)]); r2.push_back(ri[size_t(k)]); }
    li.swap(l2);
    ri.swap(r2);
  }
  for (int32_t r : ri) matched[size_t(r)] = 1;
  switch (type) {
    case JoinType::Inner: case JoinType::Cross: case JoinType::RightOuter:
      return gather_pairs(left, build, li, ri, out_schema);
    case JoinType::LeftOuter: case JoinType::FullOuter: {
      std::vector<uint8_t> hit(static_cast<size_t>(left.num_rows), 0);
      for (int32_t l : li) hit[size_t(l)] = 1;
      // Keep left order: each left row's matches, or the row with NULLs.
      std::vector<int32_t> l2, r2;
      size_t k = 0;
      for (int64_t l = 0; l < left.num_rows; ++l) {
        if (!hit[size_t(l)]) { l2.push_back(int32_t(l)); r2.push_back(-1); continue; }
        while (k < li.size() && li[k] < l) ++k;
        for (size_t j = k; j < li.size() && li[j] == l; ++j) { l2.push_back(li[j]); r2.push_back(ri[j]); }
      }
      return gather_pairs(left, build, l2, r2, out_schema);
    }
    case JoinType::LeftSemi: case JoinType::LeftAnti: {
      std::vector<uint8_t> hit(static_cast<size_t>(left.num_rows), 0);
      for (int32_t l : li) hit[size_t(l)] = 1;
      std::vector<int32_t> keep;
      bool semi = type == JoinType::LeftSemi;
      for (int64_t l = 0; l < left.num_rows; ++l)
        if (bool(hit[size_t(l)]) == semi) keep.push_back(int32_t(l));
      Batch b = col::gather(left, keep.data(), int64_t(keep.size()));
      b.schema = out_schema;
      return b;
    }
  }
  return Batch();
}

// Right/full outer: the build rows never matched, with NULL left columns.
Batch unmatched_rows(const Batch& build, const uint8_t* matched, const ColType& left_schema, const ColTypePtr& out_schema) {
  std::vector<int32_t> ri;
  for (int64_t r = 0; r < build.num_rows; ++r)
    if (!matched[size_t(r)]) ri.push_back(int32_t(r));
  Batch out;
  out.schema = out_schema;
  out.num_rows = int64_t(ri.size());
  for (const auto& t : left_schema.children) out.columns.push_back(col::make_null_column(col::make_type(t), out.num_rows));
  for (const auto& c : build.columns) out.columns.push_back(col::gather(*c, ri.data(), out.num_rows));
  return out;
}

Batch empty_batch(const ColTypePtr& schema) {
  Batch b;
  b.schema = schema;
  for (const auto& t : schema->children) {
    auto c = col::make_null_column(col::make_type(t), 0);
    b.columns.push_back(c);
  }
  return b;
}

}  // namespace join_detail

namespace {

using namespace join_detail;
constexpr int kJoinPartitions = 16;

// One build side in memory and the probing of left batches against it.
class JoinCore {
 public:
  // `probe_type`: the probe key's type when there is one key (the direct-address table needs
  // the same integral type on both sides); null otherwise.
  JoinCore(Batch build, const std::vector<ExprPtr>& rkeys, JoinType t, ExprPtr cond, ColTypePtr out, const ExecContext& ctx,
           bool hash_table = true, const col::ColTypePtr& probe_type = nullptr)
      : build_(std::move(build)), type_(t), cond_(std::move(cond)), out_(std::move(out)), ctx_(ctx) {
    bk_ = key_batch(rkeys, build_, ctx);
    matched_.assign(static_cast<size_t>(build_.num_rows), 0);
    if (!hash_table) return;
    // Integral keys (most equi-joins): chains compare widened values, one array per key, instead
    // of a per-row typed comparison.
    if (std::all_of(bk_.keys.begin(), bk_.keys.end(), [](const col::ColumnPtr& k) { return int_key(k->id()); }))
      for (const auto& k : bk_.keys) bint_.push_back(widen(*k));
    if (bint_.size() == 1 && probe_type && probe_type->id == bk_.keys[0]->id() && build_dense()) return;
    size_t cap = 16;
    while (cap < size_t(build_.num_rows) * 2) cap *= 2;
    head_.assign(cap, -1);
    next_.assign(static_cast<size_t>(build_.num_rows), -1);
    for (int64_t r = build_.num_rows - 1; r >= 0; --r) {  // chains in row order
      if (bk_.null_key[size_t(r)]) continue;
      size_t s = kern::table_slot(bk_.hash[size_t(r)], cap - 1);
      next_[size_t(r)] = head_[s];
      head_[s] = int32_t(r);
    }
  }
  int64_t memory() const {
    int64_t ints = 0;
    for (const auto& v : bint_) ints += int64_t(v.size() * 8);
    return col::memory_size(build_) + int64_t(head_.size() * 4 + next_.size() * 5 + dense_.size() * 4) + ints;
  }

  Batch probe(const Batch& left, const std::vector<ExprPtr>& lkeys) {
    std::vector<int32_t> li, ri;
    if (type_ == JoinType::Cross) {
      for (int64_t l = 0; l < left.num_rows; ++l)
        for (int64_t r = 0; r < build_.num_rows; ++r) { li.push_back(int32_t(l)); ri.push_back(int32_t(r)); }
    } else if (!dense_.empty()) {
      // No hashes: the widened key (ikey; the probe key has the build key's type) is the slot.
      probe_dense(key_batch(lkeys, left, ctx_, /*with_hash=*/false), left.num_rows, li, ri);
    } else {
      Keyed lk = key_batch(lkeys, left, ctx_);
      size_t mask = head_.size() - 1;
      if (!bint_.empty() && same_types(lk)) {
        if (bint_.size() == 1) probe_int(lk, left.num_rows, mask, li, ri);
        else probe_ints(lk, left.num_rows, mask, li, ri);
        return emit(left, li, ri);
      }
      for (int64_t l = 0; l < left.num_rows; ++l) {
        if (lk.null_key[size_t(l)]) continue;
        int32_t h = lk.hash[size_t(l)];
        for (int32_t r = head_[kern::table_slot(h, mask)]; r >= 0; r = next_[size_t(r)]) {
          if (bk_.hash[size_t(r)] != h || !keys_equal(lk, l, r)) continue;
          li.push_back(int32_t(l));
          ri.push_back(r);
        }
      }
    }
    return emit(left, li, ri);
  }
  const Batch& build() const { return build_; }
  const Keyed& build_keys() const { return bk_; }

  Batch emit(const Batch& left, std::vector<int32_t> li, std::vector<int32_t> ri) {
    return emit_pairs(left, build_, std::move(li), std::move(ri), type_, cond_, out_, ctx_, matched_.data());
  }
  Batch unmatched_build(const ColType& left_schema) { return unmatched_rows(build_, matched_.data(), left_schema, out_); }

 private:
  static bool int_key(TypeId id) {
    return id == TypeId::Long || id == TypeId::Int || id == TypeId::Short || id == TypeId::Byte ||
           id == TypeId::Date || id == TypeId::Timestamp || id == TypeId::TimestampNtz;
  }
  static std::vector<int64_t> widen(const col::Column& c) {
    std::vector<int64_t> v(size_t(c.length));
    kern::dispatch_fixed(c.id(), [&]<typename T>() {
      if constexpr (std::is_integral_v<T>) {
        const T* x = c.vals<T>();
        for (int64_t i = 0; i < c.length; ++i) v[size_t(i)] = int64_t(x[i]);
      }
      return 0;
    });
    return v;
  }
  // The chains walked for a block of rows at a time, their heads prefetched first: the table
  // of a large build side does not fit in cache, and each probe is otherwise a wait on memory.
  // `match(l, r)`: whether build row r (on probe row l's chain) has l's keys.
  template <typename Match>
  void walk_chains(const Keyed& lk, int64_t n, size_t mask, std::vector<int32_t>& li, std::vector<int32_t>& ri,
                   Match match) const {
    const int32_t* head = head_.data();
    const int32_t* next = next_.data();
    const uint8_t* lnull = lk.null_key.data();
    constexpr int64_t kBlock = 32;
    size_t slot[kBlock];
    li.reserve(size_t(n));
    ri.reserve(size_t(n));
    for (int64_t base = 0; base < n; base += kBlock) {
      const int64_t m = std::min(kBlock, n - base);
      for (int64_t j = 0; j < m; ++j) {
        slot[j] = kern::table_slot(lk.hash[size_t(base + j)], mask);
        __builtin_prefetch(head + slot[j]);
      }
      for (int64_t j = 0; j < m; ++j) {
        const int64_t l = base + j;
        if (lnull[l]) continue;
        for (int32_t r = head[slot[j]]; r >= 0; r = next[r])
          if (match(l, r)) {
            li.push_back(int32_t(l));
            ri.push_back(r);
          }
      }
    }
  }
  // Spark's hash join has no such table; DuckDB's perfect hash join does. One integral key whose
  // build values span at most a few times the build rows (TPC-H's primary keys: 1..10k
  // suppliers, 1..150k customers, 0..24 nations) addresses a direct array: key - min is the slot,
  // holding the first build row with that key; next_ chains the others in row order. A probe is
  // a subtraction and one load — no hash of either side, no key compare.
  bool build_dense() {
    const std::vector<int64_t>& v = bint_[0];
    const uint8_t* null = bk_.null_key.data();
    bool any = false;
    int64_t lo = 0, hi = 0;
    for (int64_t r = 0; r < build_.num_rows; ++r) {
      if (null[r]) continue;
      if (!any) { lo = hi = v[size_t(r)]; any = true; }
      lo = std::min(lo, v[size_t(r)]);
      hi = std::max(hi, v[size_t(r)]);
    }
    if (!any) return false;
    const uint64_t span = uint64_t(hi) - uint64_t(lo) + 1;  // wraps to 0 for the full int64 range
    if (span == 0 || span > kDenseMaxSlots || span > uint64_t(std::max<int64_t>(build_.num_rows, 256)) * 4) return false;
    dense_lo_ = lo;
    dense_.assign(size_t(span), -1);
    next_.assign(static_cast<size_t>(build_.num_rows), -1);
    for (int64_t r = build_.num_rows - 1; r >= 0; --r) {  // chains in row order
      if (null[r]) continue;
      int32_t& head = dense_[size_t(uint64_t(v[size_t(r)]) - uint64_t(lo))];
      dense_unique_ &= head < 0;
      next_[size_t(r)] = head;
      head = int32_t(r);
    }
    return true;
  }
  void probe_dense(const Keyed& lk, int64_t n, std::vector<int32_t>& li, std::vector<int32_t>& ri) const {
    const int64_t* lv = lk.ikey.data();
    const uint8_t* lnull = lk.null_key.data();
    const int32_t* dense = dense_.data();
    const int32_t* next = next_.data();
    const uint64_t span = dense_.size(), lo = uint64_t(dense_lo_);
    if (dense_unique_) {  // a primary key: at most one match per row, written without branches
      li.resize(size_t(n));
      ri.resize(size_t(n));
      size_t k = 0;
      for (int64_t l = 0; l < n; ++l) {
        const uint64_t s = uint64_t(lv[l]) - lo;
        const int32_t r = s < span && !lnull[l] ? dense[s] : -1;
        li[k] = int32_t(l);
        ri[k] = r;
        k += r >= 0;
      }
      li.resize(k);
      ri.resize(k);
      return;
    }
    li.reserve(size_t(n));
    ri.reserve(size_t(n));
    for (int64_t l = 0; l < n; ++l) {
      const uint64_t s = uint64_t(lv[l]) - lo;
      if (s >= span || lnull[l]) continue;
      for (int32_t r = dense[s]; r >= 0; r = next[r]) {
        li.push_back(int32_t(l));
        ri.push_back(r);
      }
    }
  }
  // One integral key: its widened values alone decide.
  void probe_int(const Keyed& lk, int64_t n, size_t mask, std::vector<int32_t>& li, std::vector<int32_t>& ri) const {
    const std::vector<int64_t> lv = widen(*lk.keys[0]);
    const int64_t* bv = bint_[0].data();
    walk_chains(lk, n, mask, li, ri, [&](int64_t l, int32_t r) { return bv[r] == lv[size_t(l)]; });
  }
  // Several integral keys: the hash first (it rules out most chain neighbours), then each key's
  // widened values.
  void probe_ints(const Keyed& lk, int64_t n, size_t mask, std::vector<int32_t>& li, std::vector<int32_t>& ri) const {
    std::vector<std::vector<int64_t>> lv;
    for (const auto& k : lk.keys) lv.push_back(widen(*k));
    const size_t nk = lv.size();
    const int32_t* bh = bk_.hash.data();
    const int32_t* lh = lk.hash.data();
    walk_chains(lk, n, mask, li, ri, [&](int64_t l, int32_t r) {
      if (bh[r] != lh[l]) return false;
      size_t k = 0;
      while (k < nk && bint_[k][size_t(r)] == lv[k][size_t(l)]) ++k;
      return k == nk;
    });
  }
  bool same_types(const Keyed& lk) const {
    for (size_t k = 0; k < lk.keys.size(); ++k)
      if (lk.keys[k]->id() != bk_.keys[k]->id()) return false;
    return true;
  }
  bool keys_equal(const Keyed& lk, int64_t l, int32_t r) const {
    for (size_t k = 0; k < lk.keys.size(); ++k)
      if (!kern::equal_rows(*lk.keys[k], l, *bk_.keys[k], r)) return false;
    return true;
  }
  Batch build_;
  JoinType type_;
  ExprPtr cond_;
  ColTypePtr out_;
  ExecContext ctx_;
  Keyed bk_;
  std::vector<int32_t> head_, next_;
  static constexpr uint64_t kDenseMaxSlots = uint64_t(1) << 24;
  std::vector<int32_t> dense_;  // direct-address table (build_dense); empty: hash chains in head_
  int64_t dense_lo_ = 0;
  bool dense_unique_ = true;    // no build key repeats: every chain is one row
  std::vector<std::vector<int64_t>> bint_;  // integral keys: the build side's values, widened, per key
  std::vector<uint8_t> matched_;
};


class HashJoin : public Operator {
 public:
  HashJoin(OpPtr l, OpPtr r, std::vector<ExprPtr> lk, std::vector<ExprPtr> rk, JoinType t, ExprPtr cond, const ExecContext& ctx)
      : left_(std::move(l)), right_(std::move(r)), lkeys_(std::move(lk)), rkeys_(std::move(rk)), type_(t),
        cond_(std::move(cond)), ctx_(ctx), res_(ctx.memory) {
    schema_ = join_schema(*left_->schema(), *right_->schema(), type_);
  }
  std::string name() const override { return type_ == JoinType::Cross ? "BroadcastNestedLoopJoin" : "ShuffledHashJoin"; }
  std::vector<const Operator*> children() const override { return {left_.get(), right_.get()}; }

 protected:
  BatchResult next_impl() override {
    if (!built_) {
      if (auto s = build(); !s) return s;
      built_ = true;
    }
    while (true) {
      if (!pending_.empty()) {
        Batch b = std::move(pending_.back());
        pending_.pop_back();
        if (b.num_rows > 0) return std::optional<Batch>(std::move(b));
        continue;
      }
      if (!grace_) {
        if (left_done_) { res_.release_all(); return std::optional<Batch>(); }
        auto b = left_->next();
        if (!b) return b;
        if (!b->has_value()) {
          left_done_ = true;
          if (type_ == JoinType::RightOuter || type_ == JoinType::FullOuter)
            pending_.push_back(core_->unmatched_build(*left_->schema()));
          continue;
        }
        pending_.push_back(core_->probe(**b, lkeys_));
        continue;
      }
      if (auto s = next_partition(); !s) return s;
      if (part_ > kJoinPartitions && pending_.empty()) { res_.release_all(); return std::optional<Batch>(); }
    }
  }

 private:
  Status build() {
    std::vector<Batch> bs;
    while (true) {
      auto b = right_->next();
      if (!b) return b.status();
      if (!b->has_value()) break;
      int64_t bytes = col::memory_size(**b);
      if (!grace_ && !res_.grow(bytes)) {
        if (type_ == JoinType::Cross) { res_.force_grow(bytes); }
        else {
          grace_ = true;
          for (int p = 0; p < kJoinPartitions; ++p) {
            auto rf = SpillFile::create(ctx_.spill_dir), lf = SpillFile::create(ctx_.spill_dir);
            if (!rf) return rf.status();
            if (!lf) return lf.status();
            rparts_.push_back(std::move(*rf));
            lparts_.push_back(std::move(*lf));
          }
          for (auto& x : bs) if (auto s = partition(x, rkeys_, rparts_); !s) return s;
          bs.clear();
          res_.release_all();
        }
      }
      if (grace_) { if (auto s = partition(**b, rkeys_, rparts_); !s) return s; }
      else bs.push_back(std::move(**b));
      metrics_.peak_memory = std::max(metrics_.peak_memory, res_.peak());
    }
    if (!grace_) {
      Batch all = bs.empty() ? empty_batch(right_->schema()) : col::concat(bs);
      all.schema = right_->schema();
      core_ = std::make_unique<JoinCore>(std::move(all), rkeys_, type_, cond_, schema_, ctx_, true, probe_key_type());
      res_.force_grow(core_->memory() - res_.held());
      metrics_.peak_memory = std::max(metrics_.peak_memory, res_.peak());
      return Status::ok();
    }
    while (true) {  // the probe side goes to the same partitions
      auto b = left_->next();
      if (!b) return b.status();
      if (!b->has_value()) break;
      if (auto s = partition(**b, lkeys_, lparts_); !s) return s;
    }
    for (const auto& p : rparts_) metrics_.spill_bytes += p->bytes_written();
    for (const auto& p : lparts_) metrics_.spill_bytes += p->bytes_written();
    metrics_.spill_count += 1;
    return Status::ok();
  }
  Status partition(const Batch& b, const std::vector<ExprPtr>& keys, std::vector<std::unique_ptr<SpillFile>>& parts) {
    Keyed k = key_batch(keys, b, ctx_);
    std::vector<std::vector<int32_t>> rows(kJoinPartitions);
    for (int64_t r = 0; r < b.num_rows; ++r)  // NULL keys never match: any partition will do
      rows[k.null_key[size_t(r)] ? 0 : size_t(uint32_t(k.hash[size_t(r)]) >> 28)].push_back(int32_t(r));
    for (int p = 0; p < kJoinPartitions; ++p)
      if (!rows[size_t(p)].empty())
        if (auto s = parts[size_t(p)]->write(col::gather(b, rows[size_t(p)].data(), int64_t(rows[size_t(p)].size()))); !s) return s;
    return Status::ok();
  }
  // Joins the next spilled partition into pending_.
  Status next_partition() {
    if (part_ >= kJoinPartitions) { ++part_; return Status::ok(); }
    int p = part_++;
    std::vector<Batch> bs;
    while (true) {
      auto b = rparts_[size_t(p)]->read();
      if (!b) return b.status();
      if (!b->has_value()) break;
      bs.push_back(std::move(**b));
    }
    Batch all = bs.empty() ? empty_batch(right_->schema()) : col::concat(bs);
    all.schema = right_->schema();
    JoinCore core(std::move(all), rkeys_, type_, cond_, schema_, ctx_, true, probe_key_type());
    res_.release_all();
    res_.force_grow(core.memory());  // one partition is the unit of progress
    metrics_.peak_memory = std::max(metrics_.peak_memory, res_.peak());
    std::vector<Batch> out;
    while (true) {
      auto b = lparts_[size_t(p)]->read();
      if (!b) return b.status();
      if (!b->has_value()) break;
      (*b)->schema = left_->schema();
      out.push_back(core.probe(**b, lkeys_));
    }
    if (type_ == JoinType::RightOuter || type_ == JoinType::FullOuter) out.push_back(core.unmatched_build(*left_->schema()));
    rparts_[size_t(p)].reset();
    lparts_[size_t(p)].reset();
    std::reverse(out.begin(), out.end());  // pending_ pops from the back
    pending_ = std::move(out);
    return Status::ok();
  }

  OpPtr left_, right_;
  std::vector<ExprPtr> lkeys_, rkeys_;
  JoinType type_;
  ExprPtr cond_;
  ExecContext ctx_;
  Reservation res_;
  col::ColTypePtr probe_key_type() const { return lkeys_.size() == 1 ? lkeys_[0]->type : nullptr; }
  std::unique_ptr<JoinCore> core_;
  bool built_ = false, grace_ = false, left_done_ = false;
  std::vector<std::unique_ptr<SpillFile>> rparts_, lparts_;
  int part_ = 0;
  std::vector<Batch> pending_;
};


}  // namespace

OpPtr make_hash_join(OpPtr left, OpPtr right, std::vector<ExprPtr> left_keys, std::vector<ExprPtr> right_keys,
                     JoinType type, ExprPtr condition, const ExecContext& ctx) {
  return std::make_unique<HashJoin>(std::move(left), std::move(right), std::move(left_keys), std::move(right_keys), type,
                                    std::move(condition), ctx);
}

}  // namespace spp::sql::exec
