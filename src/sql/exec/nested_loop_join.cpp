// Nested-loop join (see the header).
#include "sql/exec/nested_loop_join.h"

#include <deque>

namespace spp::sql::exec {

using col::ColType;

namespace {

class NestedLoopJoin final : public Operator {
 public:
  NestedLoopJoin(OpPtr l, OpPtr r, JoinType t, ExprPtr cond, const ExecContext& ctx)
      : left_(std::move(l)), right_(std::move(r)), type_(t), cond_(std::move(cond)), ctx_(ctx), res_(ctx.memory) {
    const ColType& ls = *left_->schema();
    const ColType& rs = *right_->schema();
    std::vector<std::string> names = ls.names;
    std::vector<ColType> types = ls.children;
    names.insert(names.end(), rs.names.begin(), rs.names.end());
    types.insert(types.end(), rs.children.begin(), rs.children.end());
    joined_schema_ = col::make_type(ColType::strct(names, types));
    schema_ = semi() ? left_->schema() : joined_schema_;
  }
  std::string name() const override { return "BroadcastNestedLoopJoin"; }
  std::vector<const Operator*> children() const override { return {left_.get(), right_.get()}; }

 protected:
  BatchResult next_impl() override {
    if (!built_) {
      if (Status s = build(); !s) return BatchResult::error(s.message());
    }
    while (out_.empty()) {
      if (left_done_) {
        if (!tail_done_) emit_unmatched_right();
        tail_done_ = true;
        if (out_.empty()) return std::optional<Batch>();
        break;
      }
      auto l = left_->next();
      if (!l) return l;
      if (!l.value()) {
        left_done_ = true;
        continue;
      }
      probe(*l.value());
    }
    Batch b = std::move(out_.front());
    out_.pop_front();
    return std::optional<Batch>(std::move(b));
  }

 private:
  bool semi() const { return type_ == JoinType::LeftSemi || type_ == JoinType::LeftAnti; }
  bool keeps_unmatched_left() const { return type_ == JoinType::LeftOuter || type_ == JoinType::FullOuter; }
  bool keeps_unmatched_right() const { return type_ == JoinType::RightOuter || type_ == JoinType::FullOuter; }

  Status build() {
    std::vector<Batch> parts;
    for (;;) {
      auto r = right_->next();
      if (!r) return Status::error(r.error_message());
      if (!r.value()) break;
      res_.force_grow(col::memory_size(*r.value()));  // the broadcast side is held whole
      parts.push_back(std::move(*r.value()));
    }
    if (parts.empty()) {
      build_.schema = right_->schema();
      for (const auto& t : right_->schema()->children) build_.columns.push_back(col::make_null_column(col::make_type(t), 0));
    } else {
      build_ = parts.size() == 1 ? std::move(parts[0]) : col::concat(parts);
    }
    right_matched_.assign(static_cast<size_t>(build_.num_rows), false);
    built_ = true;
    return Status::ok();
  }

  // Every left row against the whole build side: the left row repeated beside the build
  // columns, the condition evaluated on that batch at once.
  void probe(const Batch& l) {
    const int64_t nr = build_.num_rows;
    std::vector<int32_t> li, ri, unmatched;
    std::vector<int32_t> rep(static_cast<size_t>(nr));
    for (int64_t i = 0; i < l.num_rows; ++i) {
      bool any = false;
      if (nr > 0) {
        std::vector<uint8_t> hit(static_cast<size_t>(nr), 1);
        if (cond_) {
          std::fill(rep.begin(), rep.end(), static_cast<int32_t>(i));
          Batch joined = col::gather(l, rep.data(), nr);
          joined.schema = joined_schema_;
          for (const auto& c : build_.columns) joined.columns.push_back(c);
          col::ColumnPtr v = eval_flat(*cond_, joined, ctx_.eval);
          for (int64_t r = 0; r < nr; ++r) hit[static_cast<size_t>(r)] = v->is_valid(r) && v->bool_at(r);
        }
        for (int64_t r = 0; r < nr; ++r) {
          if (!hit[static_cast<size_t>(r)]) continue;
          any = true;
          if (semi()) break;
          li.push_back(static_cast<int32_t>(i));
          ri.push_back(static_cast<int32_t>(r));
          right_matched_[static_cast<size_t>(r)] = true;
        }
      }
      if (type_ == JoinType::LeftSemi ? any : type_ == JoinType::LeftAnti ? !any : false) li.push_back(static_cast<int32_t>(i));
      if (!any && keeps_unmatched_left()) unmatched.push_back(static_cast<int32_t>(i));
    }
    if (semi()) {
      if (!li.empty()) out_.push_back(col::gather(l, li.data(), static_cast<int64_t>(li.size())));
      return;
    }
    if (!li.empty()) {
      Batch b = col::gather(l, li.data(), static_cast<int64_t>(li.size()));
      Batch r = col::gather(build_, ri.data(), static_cast<int64_t>(ri.size()));
      b.schema = joined_schema_;
      for (auto& c : r.columns) b.columns.push_back(std::move(c));
      out_.push_back(std::move(b));
    }
    if (!unmatched.empty()) {
      Batch b = col::gather(l, unmatched.data(), static_cast<int64_t>(unmatched.size()));
      b.schema = joined_schema_;
      for (const auto& t : right_->schema()->children) b.columns.push_back(col::make_null_column(col::make_type(t), b.num_rows));
      out_.push_back(std::move(b));
    }
  }

  void emit_unmatched_right() {
    if (!keeps_unmatched_right()) return;
    std::vector<int32_t> idx;
    for (size_t r = 0; r < right_matched_.size(); ++r)
      if (!right_matched_[r]) idx.push_back(static_cast<int32_t>(r));
    if (idx.empty()) return;
    Batch r = col::gather(build_, idx.data(), static_cast<int64_t>(idx.size()));
    Batch b;
    b.schema = joined_schema_;
    b.num_rows = r.num_rows;
    for (const auto& t : left_->schema()->children) b.columns.push_back(col::make_null_column(col::make_type(t), b.num_rows));
    for (auto& c : r.columns) b.columns.push_back(std::move(c));
    out_.push_back(std::move(b));
  }

  OpPtr left_, right_;
  JoinType type_;
  ExprPtr cond_;
  const ExecContext& ctx_;
  Reservation res_;
  ColTypePtr joined_schema_;
  Batch build_;
  bool built_ = false, left_done_ = false, tail_done_ = false;
  std::vector<bool> right_matched_;
  std::deque<Batch> out_;
};

}  // namespace

OpPtr make_nested_loop_join(OpPtr left, OpPtr right, JoinType type, ExprPtr condition, const ExecContext& ctx) {
  return std::make_unique<NestedLoopJoin>(std::move(left), std::move(right), type, std::move(condition), ctx);
}

}  // namespace spp::sql::exec
