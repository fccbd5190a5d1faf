// Sort-merge join over inputs sorted by the keys (join.h); shares the pairs' output with the hash
// join (join_internal.h).
#include <algorithm>
#include <deque>

#include "sql/exec/join_internal.h"
#include "sql/exec/sort.h"
#include "sql/kernels/compare.h"

namespace spp::sql::exec {

using col::ColType;
using col::TypeId;

namespace {

using namespace join_detail;

// Sort-merge join over inputs already sorted by the keys (ascending, NULLs first): the Sort
// nodes EnsureRequirements put below it, or a child whose output is in that order (another
// sort-merge join on the same keys), which is then not sorted twice. The right side streams past the left one run of equal keys at a time (as Spark's
// SortMergeJoinScanner), so only the right batches of the current run are held, never the side.
class SortMergeJoin : public Operator {
 public:
  SortMergeJoin(OpPtr l, OpPtr r, std::vector<ExprPtr> lk, std::vector<ExprPtr> rk, JoinType t, ExprPtr cond,
                const ExecContext& ctx)
      : lkeys_(std::move(lk)), rkeys_(std::move(rk)), type_(t), cond_(std::move(cond)), ctx_(ctx), res_(ctx.memory) {
    schema_ = join_schema(*l->schema(), *r->schema(), type_);
    left_schema_ = l->schema();
    right_schema_ = r->schema();
    left_ = std::move(l);
    right_ = std::move(r);
    outer_right_ = type_ == JoinType::RightOuter || type_ == JoinType::FullOuter;
  }
  std::string name() const override { return "SortMergeJoin"; }
  std::vector<const Operator*> children() const override { return {left_.get(), right_.get()}; }

 protected:
  BatchResult next_impl() override {
    while (true) {
      if (!pending_.empty()) {
        Batch b = std::move(pending_.front());
        pending_.pop_front();
        if (b.num_rows > 0) return std::optional<Batch>(std::move(b));
        continue;
      }
      if (done_) {
        res_.release_all();
        return std::optional<Batch>();
      }
      if (left_done_) {  // right/full outer: every right row not yet passed is unmatched
        auto b = right_->next();
        if (!b) return b;
        if (!b->has_value()) { done_ = true; continue; }
        (*b)->schema = right_schema_;
        std::vector<uint8_t> none(size_t((*b)->num_rows), 0);
        pending_.push_back(unmatched_rows(**b, none.data(), *left_schema_, schema_));
        continue;
      }
      auto b = left_->next();
      if (!b) return b;
      if (!b->has_value()) {
        run_.segs.clear();
        flush(true);
        left_done_ = true;
        done_ = !outer_right_ || rdone_;
        continue;
      }
      (*b)->schema = left_schema_;
      if (auto s = merge(**b); !s) return s;
    }
  }

 private:
  // A right batch, its keys, which of its rows joined (right/full outer), and where it starts in
  // the window of the left batch being joined.
  struct RightBatch {
    Batch rows;
    Keyed keys;
    std::vector<uint8_t> matched;
    int64_t window_base = -1;
  };
  using RightPtr = std::shared_ptr<RightBatch>;
  struct Segment {
    RightPtr batch;
    int64_t begin, end;
  };
  // A run of right rows with equal keys (or NULL keys, which never match); usually one segment,
  // more when it crosses right batches.
  struct Run {
    std::vector<Segment> segs;
    bool null_key = false;
  };

  static int cmp_keys(const Keyed& a, int64_t i, const Keyed& b, int64_t j) {
    if (!a.ikey.empty() && !b.ikey.empty()) {
      const int64_t x = a.ikey[size_t(i)], y = b.ikey[size_t(j)];
      return (x > y) - (x < y);
    }
    for (size_t k = 0; k < a.keys.size(); ++k)
      if (int c = kern::compare_rows(*a.keys[k], i, *b.keys[k], j)) return c;
    return 0;
  }
  static bool same_run(const Keyed& a, int64_t i, const Keyed& b, int64_t j) {
    bool na = a.null_key[size_t(i)], nb = b.null_key[size_t(j)];
    return na || nb ? na && nb : cmp_keys(a, i, b, j) == 0;
  }
  // Reads the next run of equal right keys into run_ (no segments at the end of the right side).
  Status next_run() {
    run_.segs.clear();  // keeps its capacity: no allocation per run
    run_.null_key = false;
    bool loaded = false;
    while (true) {
      if (!cur_ || rpos_ >= cur_->rows.num_rows) {
        if (rdone_) break;
        auto b = right_->next();
        if (!b) return b.status();
        if (!b->has_value()) { rdone_ = true; cur_.reset(); break; }
        if ((*b)->num_rows == 0) continue;
        auto rb = std::make_shared<RightBatch>();
        rb->rows = std::move(**b);
        rb->rows.schema = right_schema_;
        rb->keys = key_batch(rkeys_, rb->rows, ctx_, /*with_hash=*/false);
        if (outer_right_) {
          rb->matched.assign(size_t(rb->rows.num_rows), 0);
          open_.push_back(rb);
        }
        cur_ = std::move(rb);
        rpos_ = 0;
        loaded = true;
      }
      const Keyed& fk = run_.segs.empty() ? cur_->keys : run_.segs[0].batch->keys;
      const int64_t frow = run_.segs.empty() ? rpos_ : run_.segs[0].begin;
      int64_t e = rpos_;
      while (e < cur_->rows.num_rows && same_run(cur_->keys, e, fk, frow)) ++e;
      if (e == rpos_) break;  // the next run starts here
      if (run_.segs.empty()) run_.null_key = cur_->keys.null_key[size_t(rpos_)];
      run_.segs.push_back(Segment{cur_, rpos_, e});
      rpos_ = e;
      if (e < cur_->rows.num_rows) break;  // the run ends inside this batch
    }
    if (loaded) account();
    return Status::ok();
  }
  // The right batches held now: the run's, the one being read and (outer) those not flushed.
  void account() {
    int64_t bytes = 0;
    const RightBatch* last = nullptr;
    auto add = [&](const RightPtr& b) {
      if (b && b.get() != last) bytes += col::memory_size(b->rows);
      last = b.get();
    };
    for (const auto& b : open_) add(b);
    if (!outer_right_) {
      for (const auto& sg : run_.segs) add(sg.batch);
      add(cur_);
    }
    res_.release_all();
    res_.force_grow(bytes);
    metrics_.peak_memory = std::max(metrics_.peak_memory, res_.peak());
  }
  // Right/full outer: outputs the unmatched rows of every right batch the join has passed (all
  // of them at the end), once the left batch that could still match them has been joined.
  void flush(bool all) {
    bool popped = false;
    while (!open_.empty()) {
      const RightPtr& b = open_.front();
      bool held = b == cur_;
      for (const auto& sg : run_.segs) held = held || sg.batch == b;
      if (held && !all) break;
      pending_.push_back(unmatched_rows(b->rows, b->matched.data(), *left_schema_, schema_));
      open_.pop_front();
      popped = true;
    }
    if (popped) account();
  }
  Status merge(const Batch& left) {
    Keyed lk = key_batch(lkeys_, left, ctx_, /*with_hash=*/false);
    std::vector<RightPtr> touched;  // right batches matched by this batch, end to end in `window`
    int64_t window_rows = 0;
    std::vector<int32_t> li, ri;
    for (int64_t l = 0; l < left.num_rows; ++l) {
      if (lk.null_key[size_t(l)]) continue;
      while (true) {
        if (run_.segs.empty()) {
          if (rdone_) break;
          if (auto s = next_run(); !s) return s;
          if (run_.segs.empty()) break;  // the right side is exhausted
        }
        if (run_.null_key) { run_.segs.clear(); continue; }
        const Segment& first = run_.segs[0];
        int c = cmp_keys(lk, l, first.batch->keys, first.begin);
        if (c < 0) break;  // no right row has this key
        if (c > 0) { run_.segs.clear(); continue; }
        for (const auto& sg : run_.segs) {
          if (sg.batch->window_base < 0) {
            sg.batch->window_base = window_rows;
            window_rows += sg.batch->rows.num_rows;
            touched.push_back(sg.batch);
          }
          for (int64_t r = sg.begin; r < sg.end; ++r) {
            li.push_back(int32_t(l));
            ri.push_back(int32_t(sg.batch->window_base + r));
          }
        }
        break;
      }
    }
    Batch empty;
    std::vector<const Batch*> parts;  // the run crossed a right batch, or the left keys span several
    for (const auto& b : touched) parts.push_back(&b->rows);
    if (parts.empty()) {
      empty = empty_batch(right_schema_);
      parts.push_back(&empty);
    }
    const BuildRows window = parts.size() == 1 ? BuildRows(*parts[0]) : BuildRows(parts, right_schema_);
    std::vector<uint8_t> matched(size_t(window.rows), 0);
    pending_.push_back(emit_pairs(left, window, std::move(li), std::move(ri), type_, cond_, schema_, ctx_, matched.data()));
    for (const auto& b : touched) {
      if (outer_right_)
        for (int64_t r = 0; r < b->rows.num_rows; ++r) b->matched[size_t(r)] |= matched[size_t(b->window_base + r)];
      b->window_base = -1;
    }
    flush(false);
    return Status::ok();
  }

  OpPtr left_, right_;
  std::vector<ExprPtr> lkeys_, rkeys_;
  JoinType type_;
  ExprPtr cond_;
  ExecContext ctx_;
  Reservation res_;
  ColTypePtr left_schema_, right_schema_;
  bool outer_right_ = false;
  RightPtr cur_;                // the right batch being read
  int64_t rpos_ = 0;            // its first row not yet in a run
  bool rdone_ = false;
  Run run_;                     // the current run of the right side
  std::deque<RightPtr> open_;   // right/full outer: batches whose unmatched rows are not out yet
  std::deque<Batch> pending_;   // output
  bool left_done_ = false, done_ = false;
};

}  // namespace

OpPtr make_sort_merge_join(OpPtr left, OpPtr right, std::vector<ExprPtr> left_keys, std::vector<ExprPtr> right_keys,
                           JoinType type, ExprPtr condition, const ExecContext& ctx) {
  return std::make_unique<SortMergeJoin>(std::move(left), std::move(right), std::move(left_keys), std::move(right_keys),
                                         type, std::move(condition), ctx);
}
}  // namespace spp::sql::exec
