// External sort: buffer input (reserved), sort and spill a run when the reservation is refused,
// k-way merge the runs at the end. Top-N (limit) keeps only the best N rows and never spills.
#include <algorithm>
#include <numeric>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <queue>
#include <type_traits>

#include "sql/exec/sort.h"
#include "sql/kernels/compare.h"
#include "sql/kernels/radix_sort.h"

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
    if (runs_.empty()) {  // everything in memory: the buffered batches gathered in sorted order
      if (out_pos_ >= int64_t(order_.size())) {
        buffer_.clear();
        retained_.clear();
        order_ = {};
        res_.release_all();
        return std::optional<Batch>();
      }
      int64_t n = std::min<int64_t>(ctx_.batch_rows, int64_t(order_.size()) - out_pos_);
      Batch b = gather_refs(order_.data() + out_pos_, n, ncols_);
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
  // A buffered row: batch index in the high half, row in the low half, so that ascending
  // refs are input order (ties keep it: the sort is stable).
  static uint64_t ref(size_t b, int64_t r) { return (uint64_t(b) << 32) | uint64_t(r); }
  // Rows `refs[0..n)` of the buffered batches as one batch of the first `ncols` columns. The
  // buffer is never concatenated: sorting costs 8 bytes per row beyond the reserved input, and
  // the output is built one batch at a time.
  Batch gather_refs(const uint64_t* refs, int64_t n, size_t ncols) const {
    std::vector<uint32_t> src(static_cast<size_t>(n));
    std::vector<int32_t> idx(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) {
      src[size_t(k)] = uint32_t(refs[k] >> 32);
      idx[size_t(k)] = int32_t(uint32_t(refs[k]));
    }
    Batch out;
    out.num_rows = n;
    out.schema = ncols == ncols_ ? schema_ : keyed_schema_;
    for (size_t c = 0; c < ncols; ++c) {
      std::vector<const col::Column*> srcs;
      srcs.reserve(buffer_.size());
      for (const auto& b : buffer_) srcs.push_back(b.columns[c].get());
      out.columns.push_back(col::gather_multi(srcs, src.data(), idx.data(), n));
    }
    return out;
  }
  // The buffered rows in sorted order (truncated to the limit).
  std::vector<uint64_t> sort_buffer() {
    std::vector<uint64_t> refs;
    if (sort_normalized(refs)) return refs;
    refs.reserve(size_t(buffered_rows_));
    for (size_t b = 0; b < buffer_.size(); ++b)
      for (int64_t r = 0; r < buffer_[b].num_rows; ++r) refs.push_back(ref(b, r));
    auto less = [&](uint64_t x, uint64_t y) {
      return cmp_(buffer_[x >> 32], int64_t(uint32_t(x)), buffer_[y >> 32], int64_t(uint32_t(y))) < 0;
    };
    if (limit_ >= 0 && int64_t(refs.size()) > limit_) {
      std::partial_sort(refs.begin(), refs.begin() + limit_, refs.end(), less);  // ties: any order, as Spark
      refs.resize(size_t(limit_));
    } else {
      std::stable_sort(refs.begin(), refs.end(), less);
    }
    return refs;
  }
  // Fixed-width numeric keys (up to 4): least-significant-digit radix passes, last key first.
  // Each key is normalised to an unsigned value whose order is Spark's (NaN greatest, -0.0 =
  // 0.0, descending inverted); its NULLs then move to the front or back by a stable partition.
  // Every pass is stable and the first starts from input order, so after the pass of key j the
  // rows are ordered by (key j, ..., last key) with ties in input order.
  bool sort_normalized(std::vector<uint64_t>& refs) {
    if (limit_ >= 0 || keys_.empty() || keys_.size() > 4 || buffer_.empty()) return false;
    for (size_t k = 0; k < keys_.size(); ++k) {
      const TypeId id = buffer_[0].columns[ncols_ + k]->id();
      if (!(col::is_integral(id) || col::is_floating(id) || id == TypeId::Date || id == TypeId::Timestamp ||
            id == TypeId::TimestampNtz))
        return false;
    }
    const size_t n = size_t(buffered_rows_);
    // The pairs carry the buffered row's ref from the start (no position-to-ref table). Not
    // value-initialised: every slot is written before it is read.
    std::unique_ptr<kern::KeyRef[]> buf_a(new kern::KeyRef[n]), buf_b(new kern::KeyRef[n]);
    kern::KeyRef* v = buf_a.get();
    std::vector<size_t> start(buffer_.size());  // input position of each buffered batch's first row
    for (size_t b = 0, p = 0; b < buffer_.size(); p += size_t(buffer_[b].num_rows), ++b) start[b] = p;
    auto pos_of = [&](uint64_t r) { return start[r >> 32] + size_t(uint32_t(r)); };
    std::unique_ptr<uint64_t[]> norm;  // a later key's values by input position (several keys)
    std::vector<uint8_t> is_null;       // by input position, for a key with NULLs
    std::vector<kern::KeyRef> nulls;
    for (size_t j = keys_.size(); j-- > 0;) {
      const SortKey& key = keys_[j];
      const bool first_pass = j + 1 == keys_.size();
      bool any_null = false;
      for (const Batch& b : buffer_) any_null = any_null || b.columns[ncols_ + j]->has_nulls();
      if (any_null) is_null.assign(n, 0);
      if (!first_pass && !norm) norm.reset(new uint64_t[n]);
      size_t p = 0;
      for (size_t bi = 0; bi < buffer_.size(); ++bi) {
        const col::Column& c = *buffer_[bi].columns[ncols_ + j];
        kern::dispatch_fixed(c.id(), [&]<typename T>() {
          const T* x = c.vals<T>();
          for (int64_t r = 0; r < c.length; ++r, ++p) {
            if (any_null) is_null[p] = c.is_null(r);
            uint64_t u = 0;
            if constexpr (std::is_floating_point_v<T>) {
              double d = double(x[r]);
              if (d == 0) d = 0.0;
              if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
              uint64_t bits;
              std::memcpy(&bits, &d, 8);
              u = (bits >> 63) ? ~bits : bits | (uint64_t(1) << 63);
            } else if constexpr (!std::is_same_v<T, __int128>) {
              u = uint64_t(int64_t(x[r])) ^ (uint64_t(1) << 63);
            }
            u = key.ascending ? u : ~u;
            if (first_pass) v[p] = {u, ref(bi, r)};  // input order
            else norm[p] = u;
          }
          return 0;
        });
      }
      if (!first_pass)  // the order so far, keyed by this key
        for (size_t i = 0; i < n; ++i) v[i].key = norm[pos_of(v[i].ref)];
      kern::KeyRef* other = v == buf_a.get() ? buf_b.get() : buf_a.get();
      v = kern::radix_sort(v, other, n);
      if (any_null) {  // this key's NULLs first or last, in the order they have
        nulls.clear();
        size_t w = 0;
        for (size_t i = 0; i < n; ++i) {
          if (is_null[pos_of(v[i].ref)]) nulls.push_back(v[i]);
          else v[w++] = v[i];
        }
        if (key.nulls_first) {
          std::move_backward(v, v + w, v + n);
          std::copy(nulls.begin(), nulls.end(), v);
        } else {
          std::copy(nulls.begin(), nulls.end(), v + w);
        }
      }
    }
    refs.resize(n);
    for (size_t i = 0; i < n; ++i) refs[i] = v[i].ref;
    return true;
  }
  // Sorts the buffer into a run on disk, written a batch at a time (keys included: the merge
  // compares them).
  Status spill_run() {
    std::vector<uint64_t> order = sort_buffer();
    auto f = SpillFile::create(ctx_.spill_dir);
    if (!f) return f.status();
    const int64_t n = int64_t(order.size());
    for (int64_t off = 0; off < n; off += ctx_.batch_rows)
      if (auto s = (*f)->write(gather_refs(order.data() + off, std::min(ctx_.batch_rows, n - off), ncols_ + keys_.size())); !s)
        return s;
    metrics_.spill_bytes += (*f)->bytes_written();
    metrics_.spill_count += 1;
    runs_.push_back(std::move(*f));
    buffer_.clear();
    retained_.clear();
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
      int64_t bytes = retained_.add(k);
      if (!res_.grow(bytes)) {
        if (limit_ < 0 && !buffer_.empty()) {
          if (auto s = spill_run(); !s) return s;
          bytes = retained_.add(k);  // the run's buffers are gone: this batch's count in full
        }
        if (!res_.grow(bytes)) res_.force_grow(bytes);
      }
      metrics_.peak_memory = std::max(metrics_.peak_memory, res_.peak());
      buffered_rows_ += k.num_rows;
      buffer_.push_back(std::move(k));
      if (limit_ >= 0 && buffered_rows_ > std::max<int64_t>(2 * limit_, ctx_.batch_rows)) {
        std::vector<uint64_t> best = sort_buffer();  // keep only the best `limit` rows
        Batch top = gather_refs(best.data(), int64_t(best.size()), ncols_ + keys_.size());
        buffer_.clear();
        retained_.clear();
        res_.release_all();
        res_.force_grow(retained_.add(top));
        buffered_rows_ = top.num_rows;
        buffer_.push_back(std::move(top));
      }
    }
    if (!runs_.empty() && !buffer_.empty()) {
      if (auto s = spill_run(); !s) return s;
    }
    if (runs_.empty()) {
      if (buffer_.empty()) return Status::ok();
      order_ = sort_buffer();
      res_.force_grow(int64_t(order_.size() * sizeof(uint64_t)));
      metrics_.peak_memory = std::max(metrics_.peak_memory, res_.peak());
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
  RetainedBuffers retained_;  // what buffer_ holds, each buffer once
  int64_t buffered_rows_ = 0;
  std::vector<std::unique_ptr<SpillFile>> runs_;
  std::vector<Cursor> cursors_;
  std::vector<size_t> heap_;
  std::vector<uint64_t> order_;  // sorted refs into buffer_ (all in memory)
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
