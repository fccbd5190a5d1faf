// Hash join with grace-partition spilling, every join type; sort-merge join over sorted inputs.
#include "sql/exec/join.h"

#include <algorithm>

#include "sql/exec/sort.h"
#include "sql/kernels/compare.h"
#include "sql/kernels/hash.h"

namespace spp::sql::exec {

using col::ColType;
using col::TypeId;

namespace {

constexpr int kJoinPartitions = 16;

ColTypePtr join_schema(const ColType& l, const ColType& r, JoinType t) {
  if (t == JoinType::LeftSemi || t == JoinType::LeftAnti) return col::make_type(l);
  std::vector<std::string> names = l.names;
  std::vector<ColType> types = l.children;
  names.insert(names.end(), r.names.begin(), r.names.end());
  types.insert(types.end(), r.children.begin(), r.children.end());
  return col::make_type(ColType::strct(names, types));
}

// Key columns, hashes and "has a NULL key" flags of a batch.
struct Keyed {
  std::vector<col::ColumnPtr> keys;
  std::vector<int32_t> hash;
  std::vector<uint8_t> null_key;
};
Keyed key_batch(const std::vector<ExprPtr>& exprs, const Batch& b, const ExecContext& ctx) {
  Keyed k;
  k.hash.assign(static_cast<size_t>(b.num_rows), kern::kSparkHashSeed);
  k.null_key.assign(static_cast<size_t>(b.num_rows), 0);
  for (const auto& e : exprs) {
    auto c = eval_flat(*e, b, ctx.eval);
    kern::hash_into(*c, false, k.hash.data(), b.num_rows);
    if (c->has_nulls() || c->id() == TypeId::Null)
      for (int64_t r = 0; r < b.num_rows; ++r) k.null_key[size_t(r)] |= c->is_null(r);
    k.keys.push_back(c);
  }
  return k;
}

// One build side in memory and the probing of left batches against it.
class JoinCore {
 public:
  JoinCore(Batch build, const std::vector<ExprPtr>& rkeys, JoinType t, ExprPtr cond, ColTypePtr out, const ExecContext& ctx,
           bool hash_table = true)
      : build_(std::move(build)), type_(t), cond_(std::move(cond)), out_(std::move(out)), ctx_(ctx) {
    bk_ = key_batch(rkeys, build_, ctx);
    matched_.assign(static_cast<size_t>(build_.num_rows), 0);
    if (!hash_table) return;
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
  int64_t memory() const { return col::memory_size(build_) + int64_t(head_.size() * 4 + next_.size() * 5); }

  Batch probe(const Batch& left, const std::vector<ExprPtr>& lkeys) {
    std::vector<int32_t> li, ri;
    if (type_ == JoinType::Cross) {
      for (int64_t l = 0; l < left.num_rows; ++l)
        for (int64_t r = 0; r < build_.num_rows; ++r) { li.push_back(int32_t(l)); ri.push_back(int32_t(r)); }
    } else {
      Keyed lk = key_batch(lkeys, left, ctx_);
      size_t mask = head_.size() - 1;
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

  // Output for candidate pairs (li ascending): extra condition, then the join type's rules.
  Batch emit(const Batch& left, std::vector<int32_t> li, std::vector<int32_t> ri) {
    if (cond_ && !li.empty()) {  // keep the pairs where the extra condition is true
      Batch joined = pairs(left, li, ri, true);
      auto v = eval(*cond_, joined, nullptr, ctx_.eval);
      col::SelVec keep = kern::select_true(v, joined.num_rows, nullptr);
      std::vector<int32_t> l2, r2;
      for (int32_t k : keep) { l2.push_back(li[size_t(k)]); r2.push_back(ri[size_t(k)]); }
      li.swap(l2);
      ri.swap(r2);
    }
    for (int32_t r : ri) matched_[size_t(r)] = 1;
    switch (type_) {
      case JoinType::Inner: case JoinType::Cross: case JoinType::RightOuter:
        return pairs(left, li, ri, false);
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
        return pairs(left, l2, r2, false);
      }
      case JoinType::LeftSemi: case JoinType::LeftAnti: {
        std::vector<uint8_t> hit(static_cast<size_t>(left.num_rows), 0);
        for (int32_t l : li) hit[size_t(l)] = 1;
        std::vector<int32_t> keep;
        bool semi = type_ == JoinType::LeftSemi;
        for (int64_t l = 0; l < left.num_rows; ++l)
          if (bool(hit[size_t(l)]) == semi) keep.push_back(int32_t(l));
        Batch b = col::gather(left, keep.data(), int64_t(keep.size()));
        b.schema = out_;
        return b;
      }
    }
    return Batch();
  }
  // Right/full outer: build rows never matched, with NULL left columns.
  Batch unmatched_build(const ColType& left_schema) {
    std::vector<int32_t> ri;
    for (int64_t r = 0; r < build_.num_rows; ++r)
      if (!matched_[size_t(r)]) ri.push_back(int32_t(r));
    std::vector<int32_t> li(ri.size(), -1);
    Batch out;
    out.schema = out_;
    out.num_rows = int64_t(ri.size());
    for (const auto& t : left_schema.children) out.columns.push_back(col::make_null_column(col::make_type(t), out.num_rows));
    for (const auto& c : build_.columns) out.columns.push_back(col::gather(*c, ri.data(), out.num_rows));
    return out;
  }

 private:
  bool keys_equal(const Keyed& lk, int64_t l, int32_t r) const {
    for (size_t k = 0; k < lk.keys.size(); ++k)
      if (!kern::equal_rows(*lk.keys[k], l, *bk_.keys[k], r)) return false;
    return true;
  }
  Batch pairs(const Batch& left, const std::vector<int32_t>& li, const std::vector<int32_t>& ri, bool full_schema) {
    Batch out;
    int64_t n = int64_t(li.size());
    out.num_rows = n;
    for (const auto& c : left.columns) out.columns.push_back(col::gather(*c, li.data(), n));
    for (const auto& c : build_.columns) out.columns.push_back(col::gather(*c, ri.data(), n));
    out.schema = full_schema ? join_schema(*left.schema, *build_.schema, JoinType::Inner) : out_;
    return out;
  }

  Batch build_;
  JoinType type_;
  ExprPtr cond_;
  ColTypePtr out_;
  ExecContext ctx_;
  Keyed bk_;
  std::vector<int32_t> head_, next_;
  std::vector<uint8_t> matched_;
};

Batch empty_batch(const ColTypePtr& schema) {
  Batch b;
  b.schema = schema;
  for (const auto& t : schema->children) {
    auto c = col::make_null_column(col::make_type(t), 0);
    b.columns.push_back(c);
  }
  return b;
}

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
      core_ = std::make_unique<JoinCore>(std::move(all), rkeys_, type_, cond_, schema_, ctx_);
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
    JoinCore core(std::move(all), rkeys_, type_, cond_, schema_, ctx_);
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
  std::unique_ptr<JoinCore> core_;
  bool built_ = false, grace_ = false, left_done_ = false;
  std::vector<std::unique_ptr<SpillFile>> rparts_, lparts_;
  int part_ = 0;
  std::vector<Batch> pending_;
};

// Sort-merge join: both sides sorted by the keys (ascending, NULLs first) with the external
// sort; the sorted right side is held (reserved), the sorted left side streams past it.
class SortMergeJoin : public Operator {
 public:
  SortMergeJoin(OpPtr l, OpPtr r, std::vector<ExprPtr> lk, std::vector<ExprPtr> rk, JoinType t, ExprPtr cond,
                const ExecContext& ctx)
      : lkeys_(std::move(lk)), rkeys_(std::move(rk)), type_(t), cond_(std::move(cond)), ctx_(ctx), res_(ctx.memory) {
    schema_ = join_schema(*l->schema(), *r->schema(), type_);
    left_schema_ = l->schema();
    right_schema_ = r->schema();
    std::vector<SortKey> ls, rs;
    for (const auto& k : lkeys_) ls.push_back(SortKey::asc(k));
    for (const auto& k : rkeys_) rs.push_back(SortKey::asc(k));
    left_ = make_sort(std::move(l), ls, ctx);
    right_ = make_sort(std::move(r), rs, ctx);
  }
  std::string name() const override { return "SortMergeJoin"; }
  std::vector<const Operator*> children() const override { return {left_.get(), right_.get()}; }

 protected:
  BatchResult next_impl() override {
    if (!core_) {
      auto rb = drain(*right_);
      if (!rb) return rb.status();
      Batch all = rb->empty() ? empty_batch(right_schema_) : col::concat(*rb);
      all.schema = right_schema_;
      core_ = std::make_unique<JoinCore>(std::move(all), rkeys_, type_, cond_, schema_, ctx_, false);
      res_.force_grow(col::memory_size(core_->build()));
      metrics_.peak_memory = std::max(metrics_.peak_memory, res_.peak());
    }
    while (true) {
      if (done_) { res_.release_all(); return std::optional<Batch>(); }
      auto b = left_->next();
      if (!b) return b;
      if (!b->has_value()) {
        done_ = true;
        if (type_ == JoinType::RightOuter || type_ == JoinType::FullOuter) {
          Batch u = core_->unmatched_build(*left_schema_);
          if (u.num_rows) return std::optional<Batch>(std::move(u));
        }
        return std::optional<Batch>();
      }
      (*b)->schema = left_schema_;
      Batch out = merge(**b);
      if (out.num_rows) return std::optional<Batch>(std::move(out));
    }
  }

 private:
  int cmp_keys(const Keyed& lk, int64_t l, int64_t r) const {
    const Keyed& rk = core_->build_keys();
    for (size_t k = 0; k < lk.keys.size(); ++k)
      if (int c = kern::compare_rows(*lk.keys[k], l, *rk.keys[k], r)) return c;
    return 0;
  }
  Batch merge(const Batch& left) {
    Keyed lk = key_batch(lkeys_, left, ctx_);
    const Keyed& rk = core_->build_keys();
    const int64_t nr = core_->build().num_rows;
    std::vector<int32_t> li, ri;
    for (int64_t l = 0; l < left.num_rows; ++l) {
      if (lk.null_key[size_t(l)]) continue;
      while (j_ < nr && (rk.null_key[size_t(j_)] || cmp_keys(lk, l, j_) > 0)) ++j_;
      for (int64_t r = j_; r < nr && !rk.null_key[size_t(r)] && cmp_keys(lk, l, r) == 0; ++r) {
        li.push_back(int32_t(l));
        ri.push_back(int32_t(r));
      }
    }
    return core_->emit(left, std::move(li), std::move(ri));
  }

  OpPtr left_, right_;
  std::vector<ExprPtr> lkeys_, rkeys_;
  JoinType type_;
  ExprPtr cond_;
  ExecContext ctx_;
  Reservation res_;
  ColTypePtr left_schema_, right_schema_;
  std::unique_ptr<JoinCore> core_;
  int64_t j_ = 0;
  bool done_ = false;
};

}  // namespace

OpPtr make_hash_join(OpPtr left, OpPtr right, std::vector<ExprPtr> left_keys, std::vector<ExprPtr> right_keys,
                     JoinType type, ExprPtr condition, const ExecContext& ctx) {
  return std::make_unique<HashJoin>(std::move(left), std::move(right), std::move(left_keys), std::move(right_keys), type,
                                    std::move(condition), ctx);
}

}  // namespace spp::sql::exec

namespace spp::sql::exec {
OpPtr make_sort_merge_join(OpPtr left, OpPtr right, std::vector<ExprPtr> left_keys, std::vector<ExprPtr> right_keys,
                           JoinType type, ExprPtr condition, const ExecContext& ctx) {
  return std::make_unique<SortMergeJoin>(std::move(left), std::move(right), std::move(left_keys), std::move(right_keys),
                                         type, std::move(condition), ctx);
}
}  // namespace spp::sql::exec
