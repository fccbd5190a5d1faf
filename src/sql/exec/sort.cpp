// External sort: buffer input (reserved), sort and spill a run when the reservation is refused,
// k-way merge the runs at the end. Top-N (limit) keeps only the best N rows and never spills.
#include <algorithm>
#include <numeric>
#include <cmath>
#include <cstring>
#include <limits>
#include <queue>
#include <type_traits>

#include "sql/exec/sort.h"
#include "sql/kernels/compare.h"

namespace spp::sql::exec {

using col::TypeId;

namespace {

// Compares rows of batches whose key columns start at `kofs`.
struct RowCmp {
  const std::vector<SortKey>* keys;
  size_t kofs;
  // <0 when (a, i) sorts before (b, j).
  int operator()(const Batch& a, int64_t i, const Batch& b, int64_t j) const {
    for (size_t k = 0; k < keys->size(); ++k) {
      const col::Column& ca = *a.columns[kofs + k];
      const col::Column& cb = *b.columns[kofs + k];
      const SortKey& key = (*keys)[k];
      bool na = ca.is_null(i), nb = cb.is_null(j);
      if (na || nb) {
        if (na == nb) continue;
        return (na == key.nulls_first) ? -1 : 1;
      }
      int c = kern::compare_rows(ca, i, cb, j);
      if (c) return key.ascending ? c : -c;
    }
    return 0;
  }
};

class Sort : public Operator {
 public:
  Sort(OpPtr c, std::vector<SortKey> keys, const ExecContext& ctx, int64_t limit)
      : child_(std::move(c)), keys_(std::move(keys)), ctx_(ctx), limit_(limit), res_(ctx.memory) {
    schema_ = child_->schema();
    ncols_ = schema_->children.size();
    cmp_ = RowCmp{&keys_, ncols_};
  }
  std::string name() const override { return limit_ >= 0 ? "TakeOrderedAndProject" : "Sort"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }

 protected:
  BatchResult next_impl() override {
    if (!consumed_) {
      if (auto s = consume(); !s) return s;
      consumed_ = true;
    }
    if (runs_.empty()) {  // everything in memory: slices of the one sorted batch
      if (out_pos_ >= sorted_.num_rows) {
        res_.release_all();
        return std::optional<Batch>();
      }
      int64_t n = std::min(ctx_.batch_rows, sorted_.num_rows - out_pos_);
      Batch b = strip(col::slice(sorted_, out_pos_, n));
      out_pos_ += n;
      return std::optional<Batch>(std::move(b));
    }
    return merge_next();
  }

 private:
  Batch with_keys(const Batch& in) {
    Batch b = in;
    for (const auto& k : keys_) b.columns.push_back(eval_flat(*k.expr, in, ctx_.eval));
    std::vector<std::string> names = schema_->names;
    std::vector<col::ColType> types = schema_->children;
    for (size_t k = 0; k < keys_.size(); ++k) { names.push_back("_key" + std::to_string(k)); types.push_back(*b.columns[ncols_ + k]->type); }
    if (!keyed_schema_) keyed_schema_ = col::make_type(col::ColType::strct(names, types));
    b.schema = keyed_schema_;
    return b;
  }
  Batch strip(Batch b) const {
    b.columns.resize(ncols_);
    b.schema = schema_;
    return b;
  }
  // Sorts the buffered batches into one batch (and truncates to the limit).
  Batch sort_buffer() {
    Batch all = col::concat(buffer_);
    buffer_.clear();
    std::vector<int32_t> idx(static_cast<size_t>(all.num_rows));
    std::iota(idx.begin(), idx.end(), 0);
    if (limit_ < 0 && sort_normalized(all, idx)) return col::gather(all, idx.data(), int64_t(idx.size()));
    auto less = [&](int32_t x, int32_t y) { return cmp_(all, x, all, y) < 0; };
    if (limit_ >= 0 && int64_t(idx.size()) > limit_) {
      std::partial_sort(idx.begin(), idx.begin() + limit_, idx.end(), less);  // ties: any order, as Spark
      idx.resize(size_t(limit_));
    } else {
      std::stable_sort(idx.begin(), idx.end(), less);
    }
    return col::gather(all, idx.data(), int64_t(idx.size()));
  }
  // One fixed-width numeric key: sort (normalised unsigned key, row) pairs — memcmp order equals
  // Spark's order (NaN greatest, -0.0 = 0.0), row index breaks ties so the sort is stable.
  bool sort_normalized(const Batch& all, std::vector<int32_t>& idx) {
    if (keys_.size() != 1) return false;
    const col::Column& c = *all.columns[ncols_];
    const TypeId id = c.id();
    if (!(col::is_integral(id) || col::is_floating(id) || id == TypeId::Date || id == TypeId::Timestamp ||
          id == TypeId::TimestampNtz))
      return false;
    const SortKey& key = keys_[0];
    const int64_t n = all.num_rows;
    std::vector<std::pair<uint64_t, int32_t>> v;
    std::vector<int32_t> nulls;
    v.reserve(size_t(n));
    kern::dispatch_fixed(id, [&]<typename T>() {
      const T* x = c.vals<T>();
      for (int64_t r = 0; r < n; ++r) {
        if (c.is_null(r)) { nulls.push_back(int32_t(r)); continue; }
        uint64_t u;
        if constexpr (std::is_floating_point_v<T>) {
          double d = double(x[r]);
          if (d == 0) d = 0.0;
          if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
          uint64_t b;
          std::memcpy(&b, &d, 8);
          u = (b >> 63) ? ~b : b | (uint64_t(1) << 63);
        } else if constexpr (std::is_same_v<T, __int128>) {
          u = 0;
        } else {
          u = uint64_t(int64_t(x[r])) ^ (uint64_t(1) << 63);
        }
        v.emplace_back(key.ascending ? u : ~u, int32_t(r));
      }
      return 0;
    });
    std::sort(v.begin(), v.end());
    idx.clear();
    if (key.nulls_first) idx.insert(idx.end(), nulls.begin(), nulls.end());
    for (const auto& p : v) idx.push_back(p.second);
    if (!key.nulls_first) idx.insert(idx.end(), nulls.begin(), nulls.end());
    return true;
  }
  Status spill_run() {
    Batch run = sort_buffer();
    auto f = SpillFile::create(ctx_.spill_dir);
    if (!f) return f.status();
    for (int64_t off = 0; off < run.num_rows; off += ctx_.batch_rows)
      if (auto s = (*f)->write(col::slice(run, off, std::min(ctx_.batch_rows, run.num_rows - off))); !s) return s;
    metrics_.spill_bytes += (*f)->bytes_written();
    metrics_.spill_count += 1;
    runs_.push_back(std::move(*f));
    res_.release_all();
    buffered_rows_ = 0;
    return Status::ok();
  }
  Status consume() {
    while (true) {
      auto b = child_->next();
      if (!b) return b.status();
      if (!b->has_value()) break;
      if ((*b)->num_rows == 0) continue;
      Batch k = with_keys(**b);
      int64_t bytes = col::memory_size(k);
      if (!res_.grow(bytes)) {
        if (limit_ < 0 && !buffer_.empty()) {
          if (auto s = spill_run(); !s) return s;
        }
        if (!res_.grow(bytes)) res_.force_grow(bytes);
      }
      metrics_.peak_memory = std::max(metrics_.peak_memory, res_.peak());
      buffered_rows_ += k.num_rows;
      buffer_.push_back(std::move(k));
      if (limit_ >= 0 && buffered_rows_ > std::max<int64_t>(2 * limit_, ctx_.batch_rows)) {
        Batch top = sort_buffer();  // keep only the best `limit` rows
        res_.release_all();
        res_.force_grow(col::memory_size(top));
        buffered_rows_ = top.num_rows;
        buffer_.push_back(std::move(top));
      }
    }
    if (!runs_.empty() && !buffer_.empty()) {
      if (auto s = spill_run(); !s) return s;
    }
    if (runs_.empty()) {
      if (buffer_.empty()) { sorted_.num_rows = 0; return Status::ok(); }
      sorted_ = sort_buffer();
    } else {
      for (auto& r : runs_) {
        auto s = advance_run(cursors_.emplace_back(), *r);
        if (!s) return s;
      }
      for (size_t i = 0; i < cursors_.size(); ++i)
        if (cursors_[i].batch) heap_.push_back(i);
      std::make_heap(heap_.begin(), heap_.end(), heap_cmp());
    }
    return Status::ok();
  }

  struct Cursor { std::shared_ptr<Batch> batch; int64_t row = 0; };
  Status advance_run(Cursor& c, SpillFile& f) {
    auto b = f.read();
    if (!b) return b.status();
    if (!b->has_value()) { c.batch.reset(); return Status::ok(); }
    c.batch = std::make_shared<Batch>(std::move(**b));
    c.row = 0;
    return Status::ok();
  }
  struct HeapCmp {  // max-heap on "comes later": the top is the next row
    Sort* s;
    bool operator()(size_t x, size_t y) const {
      const Cursor &a = s->cursors_[x], &b = s->cursors_[y];
      int c = s->cmp_(*a.batch, a.row, *b.batch, b.row);
      return c != 0 ? c > 0 : x > y;
    }
  };
  HeapCmp heap_cmp() { return HeapCmp{this}; }
  BatchResult merge_next() {
    std::vector<std::shared_ptr<Batch>> held;
    std::vector<const col::Column*> dummy;
    std::vector<uint32_t> src;
    std::vector<int32_t> idx;
    while (!heap_.empty() && int64_t(idx.size()) < ctx_.batch_rows) {
      std::pop_heap(heap_.begin(), heap_.end(), heap_cmp());
      size_t r = heap_.back();
      heap_.pop_back();
      Cursor& c = cursors_[r];
      if (held.empty() || held.back() != c.batch) held.push_back(c.batch);
      src.push_back(uint32_t(held.size() - 1));
      idx.push_back(int32_t(c.row));
      if (++c.row >= c.batch->num_rows) {
        if (auto s = advance_run(c, *runs_[r]); !s) return s;
      }
      if (c.batch) { heap_.push_back(r); std::push_heap(heap_.begin(), heap_.end(), heap_cmp()); }
    }
    if (idx.empty()) {
      res_.release_all();
      return std::optional<Batch>();
    }
    Batch out;
    out.schema = schema_;
    out.num_rows = int64_t(idx.size());
    for (size_t col = 0; col < ncols_; ++col) {
      std::vector<const col::Column*> srcs;
      for (const auto& h : held) srcs.push_back(h->columns[col].get());
      out.columns.push_back(col::gather_multi(srcs, src.data(), idx.data(), out.num_rows));
    }
    return std::optional<Batch>(std::move(out));
  }

  OpPtr child_;
  std::vector<SortKey> keys_;
  ExecContext ctx_;
  int64_t limit_;
  Reservation res_;
  size_t ncols_ = 0;
  RowCmp cmp_;
  ColTypePtr keyed_schema_;
  std::vector<Batch> buffer_;
  int64_t buffered_rows_ = 0;
  std::vector<std::unique_ptr<SpillFile>> runs_;
  std::vector<Cursor> cursors_;
  std::vector<size_t> heap_;
  Batch sorted_;
  int64_t out_pos_ = 0;
  bool consumed_ = false;
};

}  // namespace

OpPtr make_sort(OpPtr child, std::vector<SortKey> keys, const ExecContext& ctx, int64_t limit) {
  return std::make_unique<Sort>(std::move(child), std::move(keys), ctx, limit);
}

int compare_sort_rows(const std::vector<SortKey>& keys, const Batch& a, int64_t i, const Batch& b, int64_t j, size_t key_offset) {
  return RowCmp{&keys, key_offset}(a, i, b, j);
}

}  // namespace spp::sql::exec
