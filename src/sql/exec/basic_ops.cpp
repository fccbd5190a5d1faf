// Streaming operators: source, filter, project, limit, union, expand, generate, sample.
#include <algorithm>
#include <cstring>
#include <functional>

#include "sql/exec/operator.h"
#include "sql/kernels/compare.h"
#include "sql/kernels/xorshift.h"

namespace spp::sql::exec {

using col::TypeId;

BatchResult Operator::next() {
  auto t0 = std::chrono::steady_clock::now();
  auto r = next_impl();
  metrics_.time_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  if (r.is_ok() && r->has_value()) {
    metrics_.rows_out += (*r)->num_rows;
    metrics_.batches_out += 1;
  }
  return r;
}

ColTypePtr schema_of(const std::vector<std::string>& names, const std::vector<ColTypePtr>& types) {
  std::vector<col::ColType> ts;
  for (const auto& t : types) ts.push_back(*t);
  return col::make_type(col::ColType::strct(names, ts));
}

int64_t total_spill_bytes(const Operator& op) {
  int64_t n = op.metrics().spill_bytes;
  for (const Operator* c : op.children()) n += total_spill_bytes(*c);
  return n;
}

nlohmann::json metrics_tree(const Operator& op) {
  const OpMetrics& m = op.metrics();
  nlohmann::json j = {{"name", op.name()}, {"rows", m.rows_out}, {"batches", m.batches_out}, {"timeNs", m.time_ns},
                      {"spillBytes", m.spill_bytes}, {"spillCount", m.spill_count}, {"peakMemory", m.peak_memory},
                      {"children", nlohmann::json::array()}};
  for (const Operator* c : op.children()) j["children"].push_back(metrics_tree(*c));
  return j;
}

// A node's row: its top operator's rows; its time without the tagged nodes beneath (each node's
// own work, as Spark's per-operator timings); spill summed and peak memory maxed over the
// untagged helpers it lowered to.
nlohmann::json node_metrics(const Operator& root) {
  nlohmann::json out = nlohmann::json::array();
  struct Acc {
    int64_t time = 0, spill = 0, peak = 0;
  };
  // Returns the inclusive time of the tagged operators at or nearest below `op`.
  std::function<int64_t(const Operator&, Acc*)> walk = [&](const Operator& op, Acc* owner) -> int64_t {
    const OpMetrics& m = op.metrics();
    if (op.plan_node() < 0) {
      if (owner) {
        owner->spill += m.spill_bytes;
        owner->peak = std::max(owner->peak, m.peak_memory);
      }
      int64_t below = 0;
      for (const Operator* c : op.children()) below += walk(*c, owner);
      return below;
    }
    Acc mine{0, m.spill_bytes, m.peak_memory};
    int64_t below = 0;
    for (const Operator* c : op.children()) below += walk(*c, &mine);
    out.push_back({op.plan_node(), m.rows_out, std::max<int64_t>(0, m.time_ns - below), mine.spill, mine.peak});
    return m.time_ns;
  };
  walk(root, nullptr);
  return out;
}

Result<std::vector<Batch>> drain(Operator& op) {
  std::vector<Batch> out;
  while (true) {
    auto b = op.next();
    if (!b) return b.status();
    if (!b->has_value()) return out;
    out.push_back(std::move(**b));
  }
}

Result<Batch> drain_concat(Operator& op) {
  auto bs = drain(op);
  if (!bs) return bs.status();
  if (bs->empty()) {
    Batch e;
    e.schema = op.schema();
    for (const auto& t : op.schema()->children) e.columns.push_back(col::make_null_column(col::make_type(t), 0));
    for (auto& c : e.columns) c->null_count = 0;
    return e;
  }
  return col::concat(*bs);
}

namespace {

class Source : public Operator {
 public:
  Source(ColTypePtr s, std::vector<Batch> b) : batches_(std::move(b)) { schema_ = std::move(s); }
  std::string name() const override { return "LocalTableScan"; }
 protected:
  BatchResult next_impl() override {
    if (i_ >= batches_.size()) return std::optional<Batch>();
    return std::optional<Batch>(batches_[i_++]);
  }
 private:
  std::vector<Batch> batches_;
  size_t i_ = 0;
};

// A conjunction is evaluated conjunct by conjunct (as Spark's short-circuit AND): once the rows
// still true are fewer than half of those evaluated, the next conjuncts run only on them —
// just the columns they read gathered — and all columns are gathered once, at the end, for
// the rows left (Q12's nine conjuncts over lineitem: the last seven see ~4 % of the rows).
class Filter : public Operator {
 public:
  Filter(OpPtr c, ExprPtr p, const ExecContext& ctx) : child_(std::move(c)), pred_(std::move(p)), ctx_(ctx) {
    schema_ = child_->schema();
    std::function<void(const ExprPtr&)> split = [&](const ExprPtr& e) {
      if (e->kind == Expr::Kind::Call && e->fn == Fn::And) {
        for (const auto& a : e->args) split(a);
      } else {
        conjuncts_.push_back(e);
      }
    };
    split(pred_);
    // Functions that depend on the rows they are evaluated over (a row counter, a random
    // sequence; library functions, which may be either) keep the whole batch.
    std::function<bool(const Expr&)> narrowable = [&](const Expr& e) {
      if (e.kind != Expr::Kind::Call) return true;
      if (e.fn == Fn::Rand || e.fn == Fn::MonotonicallyIncreasingId || e.fn == Fn::Library) return false;
      return std::all_of(e.args.begin(), e.args.end(), [&](const ExprPtr& a) { return narrowable(*a); });
    };
    if (conjuncts_.size() < 2 || !std::all_of(conjuncts_.begin(), conjuncts_.end(), [&](const ExprPtr& e) { return narrowable(*e); }))
      conjuncts_ = {pred_};
    // The columns conjuncts k.. read.
    reads_after_.resize(conjuncts_.size() + 1);
    std::function<void(const Expr&, std::vector<int>&)> cols = [&](const Expr& e, std::vector<int>& out) {
      if (e.kind == Expr::Kind::Column) out.push_back(e.column);
      for (const auto& a : e.args) cols(*a, out);
    };
    for (size_t k = conjuncts_.size(); k-- > 0;) {
      reads_after_[k] = reads_after_[k + 1];
      cols(*conjuncts_[k], reads_after_[k]);
      std::sort(reads_after_[k].begin(), reads_after_[k].end());
      reads_after_[k].erase(std::unique(reads_after_[k].begin(), reads_after_[k].end()), reads_after_[k].end());
    }
  }
  std::string name() const override { return "Filter"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }
 protected:
  BatchResult next_impl() override {
    while (true) {
      auto b = child_->next();
      if (!b || !b->has_value()) return b;
      Batch& in = **b;
      Batch cur = in;    // the rows still evaluated; after narrowing only the columns read
      col::SelVec map;   // cur's rows in `in` (empty before narrowing)
      bool narrowed = false;
      std::optional<Vec> acc;  // the conjuncts evaluated on cur so far, ANDed
      bool none = false;
      for (size_t k = 0; k < conjuncts_.size(); ++k) {
        Vec v = eval(*conjuncts_[k], cur, nullptr, ctx_.eval);
        acc = acc ? kern::logical_and(*acc, v, cur.num_rows) : v;
        if (k + 1 == conjuncts_.size()) break;
        const int64_t alive = kern::count_true(*acc, cur.num_rows);
        if (alive == 0) {
          none = true;
          break;
        }
        if (alive * 2 >= cur.num_rows) continue;
        col::SelVec sel = kern::select_true(*acc, cur.num_rows, nullptr);
        Batch next;
        next.schema = cur.schema;
        next.columns = cur.columns;  // columns not read below stay as they are (never looked at)
        next.num_rows = int64_t(sel.size());
        for (int c : reads_after_[k + 1]) next.columns[size_t(c)] = col::gather(*cur.columns[size_t(c)], sel.data(), int64_t(sel.size()));
        if (narrowed)
          for (auto& r : sel) r = map[size_t(r)];
        map = std::move(sel);
        narrowed = true;
        cur = std::move(next);
        acc.reset();
      }
      if (none) continue;
      col::SelVec sel = kern::select_true(*acc, cur.num_rows, nullptr);
      if (sel.empty()) continue;
      if (!narrowed && int64_t(sel.size()) == in.num_rows) return b;
      if (narrowed)
        for (auto& r : sel) r = map[size_t(r)];
      return std::optional<Batch>(col::gather(in, sel.data(), int64_t(sel.size())));
    }
  }
 private:
  OpPtr child_;
  ExprPtr pred_;
  ExecContext ctx_;
  std::vector<ExprPtr> conjuncts_;
  std::vector<std::vector<int>> reads_after_;
};

class Project : public Operator {
 public:
  Project(OpPtr c, std::vector<ExprPtr> e, std::vector<std::string> names, const ExecContext& ctx)
      : child_(std::move(c)), exprs_(std::move(e)), ctx_(ctx) {
    ctx_.eval.error = std::make_shared<std::string>();
    std::vector<ColTypePtr> ts;
    for (const auto& x : exprs_) ts.push_back(x->type);
    schema_ = schema_of(names, ts);
  }
  std::string name() const override { return "Project"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }
 protected:
  BatchResult next_impl() override {
    auto b = child_->next();
    if (!b || !b->has_value()) return b;
    Batch out;
    out.schema = schema_;
    out.num_rows = (*b)->num_rows;
    for (const auto& e : exprs_) out.columns.push_back(eval_flat(*e, **b, ctx_.eval));
    if (!ctx_.eval.error->empty()) return BatchResult::error(*ctx_.eval.error);
    return std::optional<Batch>(std::move(out));
  }
 private:
  OpPtr child_;
  std::vector<ExprPtr> exprs_;
  ExecContext ctx_;
};

class Limit : public Operator {
 public:
  Limit(OpPtr c, int64_t n, int64_t off) : child_(std::move(c)), left_(n), skip_(off) { schema_ = child_->schema(); }
  std::string name() const override { return "GlobalLimit"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }
 protected:
  BatchResult next_impl() override {
    while (left_ > 0) {  // stops pulling the child as soon as the limit is reached
      auto b = child_->next();
      if (!b || !b->has_value()) return b;
      Batch in = std::move(**b);
      if (skip_ > 0) {
        int64_t s = std::min(skip_, in.num_rows);
        skip_ -= s;
        in = col::slice(in, s, in.num_rows - s);
      }
      if (in.num_rows == 0) continue;
      int64_t take = std::min(left_, in.num_rows);
      left_ -= take;
      return std::optional<Batch>(take == in.num_rows ? in : col::slice(in, 0, take));
    }
    return std::optional<Batch>();
  }
 private:
  OpPtr child_;
  int64_t left_, skip_;
};

class Union : public Operator {
 public:
  explicit Union(std::vector<OpPtr> c) : children_(std::move(c)) { schema_ = children_.at(0)->schema(); }
  std::string name() const override { return "Union"; }
  std::vector<const Operator*> children() const override {
    std::vector<const Operator*> v;
    for (const auto& c : children_) v.push_back(c.get());
    return v;
  }
 protected:
  BatchResult next_impl() override {
    while (i_ < children_.size()) {
      auto b = children_[i_]->next();
      if (!b) return b;
      if (b->has_value()) {
        (*b)->schema = schema_;  // names come from the first child
        return b;
      }
      ++i_;
    }
    return std::optional<Batch>();
  }
 private:
  std::vector<OpPtr> children_;
  size_t i_ = 0;
};

class Expand : public Operator {
 public:
  Expand(OpPtr c, std::vector<std::vector<ExprPtr>> p, std::vector<std::string> names, const ExecContext& ctx)
      : child_(std::move(c)), proj_(std::move(p)), ctx_(ctx) {
    std::vector<ColTypePtr> ts;
    for (const auto& x : proj_.at(0)) ts.push_back(x->type);
    schema_ = schema_of(names, ts);
  }
  std::string name() const override { return "Expand"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }
 protected:
  BatchResult next_impl() override {
    if (k_ == 0 || k_ >= proj_.size()) {
      auto b = child_->next();
      if (!b || !b->has_value()) return b;
      cur_ = std::move(**b);
      k_ = 0;
    }
    Batch out;
    out.schema = schema_;
    out.num_rows = cur_.num_rows;
    for (size_t i = 0; i < proj_[k_].size(); ++i) {
      auto c = eval_flat(*proj_[k_][i], cur_, ctx_.eval);
      if (c->id() == TypeId::Null && schema_->children[i].id != TypeId::Null)
        c = col::make_null_column(col::make_type(schema_->children[i]), cur_.num_rows);
      out.columns.push_back(c);
    }
    ++k_;
    return std::optional<Batch>(std::move(out));
  }
 private:
  OpPtr child_;
  std::vector<std::vector<ExprPtr>> proj_;
  ExecContext ctx_;
  Batch cur_;
  size_t k_ = 0;
};

class Generate : public Operator {
 public:
  Generate(OpPtr c, ExprPtr coll, bool outer, bool pos, const ExecContext& ctx, std::optional<std::vector<int>> keep)
      : child_(std::move(c)), coll_(std::move(coll)), outer_(outer), pos_(pos), ctx_(ctx) {
    std::vector<std::string> names;
    std::vector<col::ColType> types;
    const auto& in = *child_->schema();
    if (keep) keep_ = std::move(*keep);
    else for (size_t i = 0; i < in.children.size(); ++i) keep_.push_back(static_cast<int>(i));
    for (int i : keep_) { names.push_back(in.names.at(size_t(i))); types.push_back(in.children.at(size_t(i))); }
    if (pos_) { names.push_back("pos"); types.push_back(col::ColType::scalar(TypeId::Int)); }
    const auto& ct = *coll_->type;
    if (ct.id == TypeId::Map) {
      names.push_back("key"); types.push_back(ct.children[0]);
      names.push_back("value"); types.push_back(ct.children[1]);
    } else {
      names.push_back("col"); types.push_back(ct.children.at(0));
    }
    schema_ = col::make_type(col::ColType::strct(names, types));
  }
  std::string name() const override { return "Generate"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }
 protected:
  BatchResult next_impl() override {
    while (true) {
      auto b = child_->next();
      if (!b || !b->has_value()) return b;
      Batch& in = **b;
      auto c = eval_flat(*coll_, in, ctx_.eval);
      const int32_t* off = c->offsets();
      // Output rows first: a NULL or empty collection gives none (explode) or one NULL row
      // (outer). Without such NULL rows the elements are one run of the list's child (taken as
      // a slice, no copy); only the vectors someone reads are built.
      int64_t n = 0;
      bool run = true;
      for (int64_t r = 0; r < in.num_rows; ++r) {
        const int64_t len = c->is_valid(r) ? off[r + 1] - off[r] : 0;
        if (len == 0 && (outer_ || off[r + 1] != off[r])) run = false;
        n += len ? len : (outer_ ? 1 : 0);
      }
      if (n == 0) continue;
      std::vector<int32_t> parent, elem, pos;
      if (!keep_.empty()) parent.reserve(size_t(n));
      if (!run) elem.reserve(size_t(n));
      if (pos_) pos.reserve(size_t(n));
      for (int64_t r = 0; r < in.num_rows; ++r) {
        const int32_t lo = c->is_valid(r) ? off[r] : 0, hi = c->is_valid(r) ? off[r + 1] : 0;
        if (lo == hi) {  // NULL or empty: no row (explode) / one NULL row (explode_outer)
          if (!outer_) continue;
          if (!keep_.empty()) parent.push_back(int32_t(r));
          if (!run) elem.push_back(-1);
          if (pos_) pos.push_back(-1);
          continue;
        }
        if (!keep_.empty()) parent.insert(parent.end(), size_t(hi - lo), int32_t(r));
        if (!run) for (int32_t e = lo; e < hi; ++e) elem.push_back(e);
        if (pos_) for (int32_t e = lo; e < hi; ++e) pos.push_back(e - lo);
      }
      Batch out;
      out.schema = schema_;
      out.num_rows = n;
      for (int k : keep_) out.columns.push_back(col::gather(*in.columns[size_t(k)], parent.data(), n));
      if (pos_) {
        auto pc = col::make_fixed_column(kern::type_of(TypeId::Int), n);
        auto* pv = pc->values->as<int32_t>();
        auto* vb = col::ensure_validity(*pc);
        for (int64_t i = 0; i < n; ++i) { pv[i] = std::max(pos[size_t(i)], 0); col::put_bit(vb, i, pos[size_t(i)] >= 0); }
        col::finish_validity(*pc);
        out.columns.push_back(pc);
      }
      const col::ColumnPtr& child = c->children[0];
      int64_t first = 0;
      for (int64_t r = 0; run && r < in.num_rows; ++r)
        if (c->is_valid(r) && off[r + 1] > off[r]) { first = off[r]; break; }
      auto take = [&](const col::ColumnPtr& x) { return run ? col::slice(x, first, n) : col::gather(*x, elem.data(), n); };
      if (c->id() == TypeId::Map) {
        out.columns.push_back(take(child->children[0]));
        out.columns.push_back(take(child->children[1]));
      } else {
        out.columns.push_back(take(child));
      }
      return std::optional<Batch>(std::move(out));
    }
  }
 private:
  OpPtr child_;
  ExprPtr coll_;
  bool outer_, pos_;
  ExecContext ctx_;
  std::vector<int> keep_;
};

class Sample : public Operator {
 public:
  Sample(OpPtr c, double lower, double upper, int64_t seed, const ExecContext& ctx)
      : child_(std::move(c)), lower_(lower), upper_(upper), rng_(seed + ctx.eval.partition_index) {
    schema_ = child_->schema();
  }
  std::string name() const override { return "Sample"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }
 protected:
  BatchResult next_impl() override {
    while (true) {
      auto b = child_->next();
      if (!b || !b->has_value()) return b;
      col::SelVec keep;
      if (upper_ - lower_ <= 0) continue;  // an empty range draws nothing
      for (int64_t r = 0; r < (*b)->num_rows; ++r) {  // BernoulliCellSampler(lower, upper)
        const double x = rng_.next_double();
        if (x >= lower_ && x < upper_) keep.push_back(int32_t(r));
      }
      if (keep.empty()) continue;
      return std::optional<Batch>(col::gather(**b, keep.data(), int64_t(keep.size())));
    }
  }
 private:
  OpPtr child_;
  double lower_, upper_;
  kern::XorShiftRandom rng_;
};

}  // namespace

OpPtr make_source(ColTypePtr schema, std::vector<Batch> batches) { return std::make_unique<Source>(std::move(schema), std::move(batches)); }
OpPtr make_filter(OpPtr child, ExprPtr pred, const ExecContext& ctx) { return std::make_unique<Filter>(std::move(child), std::move(pred), ctx); }
OpPtr make_project(OpPtr child, std::vector<ExprPtr> exprs, std::vector<std::string> names, const ExecContext& ctx) {
  return std::make_unique<Project>(std::move(child), std::move(exprs), std::move(names), ctx);
}
OpPtr make_limit(OpPtr child, int64_t n, int64_t offset) { return std::make_unique<Limit>(std::move(child), n, offset); }
OpPtr make_union(std::vector<OpPtr> children) { return std::make_unique<Union>(std::move(children)); }
OpPtr make_expand(OpPtr child, std::vector<std::vector<ExprPtr>> projections, std::vector<std::string> names,
                  const ExecContext& ctx) {
  return std::make_unique<Expand>(std::move(child), std::move(projections), std::move(names), ctx);
}
OpPtr make_generate(OpPtr child, ExprPtr collection, bool outer, bool with_position, const ExecContext& ctx,
                    std::optional<std::vector<int>> keep) {
  return std::make_unique<Generate>(std::move(child), std::move(collection), outer, with_position, ctx, std::move(keep));
}
OpPtr make_sample(OpPtr child, double lower, double upper, int64_t seed, const ExecContext& ctx) {
  return std::make_unique<Sample>(std::move(child), lower, upper, seed, ctx);
}

}  // namespace spp::sql::exec
