// Window operator (window.h).
#include "sql/exec/window.h"

#include <algorithm>
#include <deque>

#include "sql/columnar/builder.h"
#include "sql/kernels/compare.h"

namespace spp::sql::exec {

using col::TypeId;

namespace {

// Rows [s, e) of one window partition of the buffered batch.
struct Part {
  int64_t s, e;
};

// Equal key values in columns [k0, k0 + nk) of rows i and j (nulls equal each other).
bool same_keys(const Batch& a, int64_t i, const Batch& b, int64_t j, size_t k0, size_t nk) {
  for (size_t k = k0; k < k0 + nk; ++k) {
    const col::Column& ca = *a.columns[k];
    const col::Column& cb = *b.columns[k];
    const bool na = ca.is_null(i), nb = cb.is_null(j);
    if (na || nb) {
      if (na != nb) return false;
      continue;
    }
    if (kern::compare_rows(ca, i, cb, j) != 0) return false;
  }
  return true;
}

col::ColumnPtr int_column(const std::vector<int32_t>& v) {
  auto c = col::make_fixed_column(col::make_type(col::ColType::scalar(TypeId::Int)), int64_t(v.size()));
  if (!v.empty()) std::memcpy(c->values->data(), v.data(), v.size() * sizeof(int32_t));
  return c;
}

col::ColumnPtr long_column(const std::vector<int64_t>& v) {
  auto c = col::make_fixed_column(col::make_type(col::ColType::scalar(TypeId::Long)), int64_t(v.size()));
  if (!v.empty()) std::memcpy(c->values->data(), v.data(), v.size() * sizeof(int64_t));
  return c;
}

col::ColumnPtr double_column(const std::vector<double>& v) {
  auto c = col::make_fixed_column(col::make_type(col::ColType::scalar(TypeId::Double)), int64_t(v.size()));
  if (!v.empty()) std::memcpy(c->values->data(), v.data(), v.size() * sizeof(double));
  return c;
}

// A numeric order-key value as double (RANGE frames with value offsets).
double key_value(const col::Column& c, int64_t i) {
  double out = 0;
  kern::dispatch_fixed(c.id(), [&]<typename T>() {
    if constexpr (std::is_arithmetic_v<T>) out = static_cast<double>(c.vals<T>()[i]);
  });
  return out;
}

class Window : public Operator {
 public:
  Window(OpPtr c, std::vector<ExprPtr> part, std::vector<SortKey> order, std::vector<WindowFnSpec> fns,
         std::vector<std::string> names, const ExecContext& ctx)
      : child_(std::move(c)), part_(std::move(part)), order_(std::move(order)), fns_(std::move(fns)), ctx_(ctx),
        res_(ctx.memory) {
    ncols_ = child_->schema()->children.size();
    std::vector<std::string> ns = child_->schema()->names;
    std::vector<col::ColType> ts = child_->schema()->children;
    for (size_t i = 0; i < fns_.size(); ++i) {
      ns.push_back(names[i]);
      ts.push_back(*fns_[i].type);
    }
    schema_ = col::make_type(col::ColType::strct(ns, ts));
  }
  std::string name() const override {
    for (const auto& f : fns_)
      if (f.fn == WinFn::PythonAgg) return "WindowInPandas";
    return "Window";
  }
  std::vector<const Operator*> children() const override { return {child_.get()}; }

 protected:
  BatchResult next_impl() override {
    for (;;) {
      if (!out_.empty()) {
        Batch b = std::move(out_.front());
        out_.pop_front();
        return std::optional<Batch>(std::move(b));
      }
      if (done_) {
        res_.release_all();
        return std::optional<Batch>();
      }
      auto r = child_->next();
      if (!r) return r;
      if (!r->has_value()) {
        done_ = true;
        if (!pending_.empty()) if (auto s = flush(int64_t(pending_.size()), 0); !s) return s;
        continue;
      }
      if ((*r)->num_rows == 0) continue;
      Batch k = with_keys(**r);
      const int64_t bytes = col::memory_size(k);
      // One window partition must be in memory at once (Spark spills it to disk; here it is
      // held past the reservation, which the peak-memory metric shows).
      if (!res_.grow(bytes)) res_.force_grow(bytes);
      metrics_.peak_memory = std::max(metrics_.peak_memory, res_.peak());
      // The last window partition that starts in this batch: everything before it is complete.
      int64_t cut = -1;
      if (!part_.empty()) {
        for (int64_t i = k.num_rows - 1; i >= 1 && cut < 0; --i)
          if (!same_keys(k, i, k, i - 1, ncols_, part_.size())) cut = i;
        if (cut < 0 && !pending_.empty()) {
          const Batch& last = pending_.back();
          if (!same_keys(k, 0, last, last.num_rows - 1, ncols_, part_.size())) cut = 0;
        }
      }
      pending_.push_back(std::move(k));
      if (cut >= 0) if (auto s = flush(int64_t(pending_.size()) - 1, cut); !s) return s;
    }
  }

 private:
  // Child columns, then partition keys, then order keys (evaluated once).
  Batch with_keys(const Batch& in) {
    Batch b = in;
    for (const auto& e : part_) b.columns.push_back(eval_flat(*e, in, ctx_.eval));
    for (const auto& k : order_) b.columns.push_back(eval_flat(*k.expr, in, ctx_.eval));
    if (!keyed_schema_) {
      std::vector<std::string> names = child_->schema()->names;
      std::vector<col::ColType> types = child_->schema()->children;
      for (size_t k = ncols_; k < b.columns.size(); ++k) {
        names.push_back("_key" + std::to_string(k - ncols_));
        types.push_back(*b.columns[k]->type);
      }
      keyed_schema_ = col::make_type(col::ColType::strct(names, types));
    }
    b.schema = keyed_schema_;
    return b;
  }

  // Computes the complete window partitions: pending batches [0, nb) plus the first `cut` rows of
  // batch nb (when nb < size); the rest stays pending.
  Status flush(int64_t nb, int64_t cut) {
    std::vector<Batch> parts(pending_.begin(), pending_.begin() + nb);
    std::vector<Batch> rest;
    if (nb < int64_t(pending_.size())) {
      const Batch& b = pending_[size_t(nb)];
      if (cut > 0) parts.push_back(col::slice(b, 0, cut));
      rest.push_back(col::slice(b, cut, b.num_rows - cut));
      for (size_t i = size_t(nb) + 1; i < pending_.size(); ++i) rest.push_back(pending_[i]);
    }
    pending_ = std::move(rest);
    if (parts.empty()) return Status::ok();
    Batch all = col::concat(parts);
    parts.clear();
    auto st = compute(all);
    // Memory still held: what stays pending.
    int64_t held = 0;
    for (const auto& b : pending_) held += col::memory_size(b);
    res_.release_all();
    res_.force_grow(held);
    return st;
  }

  Status compute(const Batch& all) {
    const int64_t n = all.num_rows;
    // Window partitions and peer groups (rows with equal order keys).
    std::vector<Part> ps;
    std::vector<int64_t> peer_start(static_cast<size_t>(n)), peer_end(static_cast<size_t>(n));
    int64_t s = 0;
    for (int64_t i = 1; i <= n; ++i)
      if (i == n || (!part_.empty() && !same_keys(all, i, all, i - 1, ncols_, part_.size()))) {
        ps.push_back({s, i});
        s = i;
      }
    const size_t ok0 = ncols_ + part_.size();
    for (const Part& p : ps) {
      int64_t g = p.s;
      for (int64_t i = p.s + 1; i <= p.e; ++i)
        if (i == p.e || !same_keys(all, i, all, i - 1, ok0, order_.size())) {
          for (int64_t j = g; j < i; ++j) { peer_start[size_t(j)] = g; peer_end[size_t(j)] = i; }
          g = i;
        }
    }
    std::vector<col::ColumnPtr> outs, py;
    if (auto s = python_aggregates(all, ps, peer_start, peer_end, py); !s) return s;
    size_t next_py = 0;
    for (const auto& f : fns_) {
      if (f.fn == WinFn::PythonAgg) {
        outs.push_back(py[next_py++]);
        continue;
      }
      auto c = f.fn == WinFn::Agg ? aggregate(f, all, ps, peer_start, peer_end)
               : f.fn == WinFn::NthValue ? nth_value(f, all, ps, peer_start, peer_end)
               : (f.fn == WinFn::Lag || f.fn == WinFn::Lead) ? offset_fn(f, all, ps)
                                                              : ranking(f, ps, peer_start, peer_end, n);
      if (!c) return c.status();
      outs.push_back(c.value());
    }
    Batch out;
    out.schema = schema_;
    out.num_rows = n;
    out.columns.assign(all.columns.begin(), all.columns.begin() + long(ncols_));
    for (auto& c : outs) out.columns.push_back(std::move(c));
    for (int64_t o = 0; o < n; o += ctx_.batch_rows) out_.push_back(col::slice(out, o, std::min(ctx_.batch_rows, n - o)));
    return Status::ok();
  }

  Result<col::ColumnPtr> ranking(const WindowFnSpec& f, const std::vector<Part>& ps, const std::vector<int64_t>& ps0,
                                 const std::vector<int64_t>& pe0, int64_t n) {
    std::vector<int32_t> iv;
    std::vector<double> dv;
    const bool dbl = f.fn == WinFn::PercentRank || f.fn == WinFn::CumeDist;
    (dbl ? (void)dv.resize(size_t(n)) : (void)iv.resize(size_t(n)));
    for (const Part& p : ps) {
      const int64_t cnt = p.e - p.s;
      int32_t dense = 0;
      for (int64_t i = p.s; i < p.e; ++i) {
        const int64_t rank = ps0[size_t(i)] - p.s + 1;
        if (ps0[size_t(i)] == i) ++dense;
        switch (f.fn) {
          case WinFn::RowNumber: iv[size_t(i)] = int32_t(i - p.s + 1); break;
          case WinFn::Rank: iv[size_t(i)] = int32_t(rank); break;
          case WinFn::DenseRank: iv[size_t(i)] = dense; break;
          case WinFn::PercentRank: dv[size_t(i)] = cnt > 1 ? double(rank - 1) / double(cnt - 1) : 0.0; break;
          case WinFn::CumeDist: dv[size_t(i)] = double(pe0[size_t(i)] - p.s) / double(cnt); break;
          case WinFn::Ntile: {
            // Spark's NTile: n / buckets rows each, the first n % buckets buckets one more.
            const int64_t j = i - p.s, size = cnt / f.n, pad = cnt % f.n;
            const int64_t big = pad * (size + 1);
            iv[size_t(i)] = int32_t(j < big ? j / (size + 1) + 1 : pad + (j - big) / std::max<int64_t>(size, 1) + 1);
            break;
          }
          default: return Result<col::ColumnPtr>::error("not a ranking function");
        }
      }
    }
    return dbl ? double_column(dv) : int_column(iv);
  }

  // lag / lead: the row `n` rows away in the same window partition, else the default.
  Result<col::ColumnPtr> offset_fn(const WindowFnSpec& f, const Batch& all, const std::vector<Part>& ps) {
    const int64_t n = all.num_rows;
    auto in = eval_flat(*f.input, all, ctx_.eval);
    auto def = eval_flat(*f.default_value, all, ctx_.eval);
    if (!(*def->type == *in->type)) return Result<col::ColumnPtr>::error("lag/lead default of another type than its input");
    std::vector<uint32_t> src(static_cast<size_t>(n));
    std::vector<int32_t> idx(static_cast<size_t>(n));
    const int64_t off = f.fn == WinFn::Lag ? -f.n : f.n;
    for (const Part& p : ps)
      for (int64_t i = p.s; i < p.e; ++i) {
        const int64_t j = i + off;
        const bool inside = j >= p.s && j < p.e;
        src[size_t(i)] = inside ? 0 : 1;
        idx[size_t(i)] = int32_t(inside ? j : i);
      }
    return col::gather_multi({in.get(), def.get()}, src.data(), idx.data(), n);
  }

  // Frame [lo, hi) of each row of a partition.
  void frame_of(const WindowFnSpec& f, const Batch& all, const Part& p, const std::vector<int64_t>& ps0,
                const std::vector<int64_t>& pe0, std::vector<int64_t>& lo, std::vector<int64_t>& hi) {
    using BK = WinBound::Kind;
    const int64_t m = p.e - p.s;
    lo.assign(size_t(m), p.s);
    hi.assign(size_t(m), p.e);
    const col::Column* key = order_.empty() ? nullptr : all.columns[ncols_ + part_.size()].get();
    const bool asc = order_.empty() || order_[0].ascending;
    // RANGE value bounds: rows whose key lies within [v + lower, v + upper] in the order's
    // direction; null keys frame the null rows only.
    auto range_edge = [&](int64_t i, int64_t off, bool upper) -> int64_t {
      if (key->is_null(i)) return upper ? pe0[size_t(i)] : ps0[size_t(i)];
      const double v = key_value(*key, i), target = asc ? v + double(off) : v - double(off);
      auto before = [&](int64_t j) {  // row j sorts before the edge
        if (key->is_null(j)) return order_[0].nulls_first;
        const double x = key_value(*key, j);
        if (upper) return asc ? x <= target : x >= target;
        return asc ? x < target : x > target;
      };
      int64_t a = p.s, b = p.e;  // first row not before the edge (rows are sorted)
      while (a < b) {
        const int64_t mid = a + (b - a) / 2;
        if (before(mid)) a = mid + 1;
        else b = mid;
      }
      return a;
    };
    for (int64_t i = p.s; i < p.e; ++i) {
      const size_t k = size_t(i - p.s);
      switch (f.lower.kind) {
        case BK::UnboundedPreceding: lo[k] = p.s; break;
        case BK::UnboundedFollowing: lo[k] = p.e; break;
        case BK::CurrentRow: lo[k] = f.range ? ps0[size_t(i)] : i; break;
        case BK::Offset:
          lo[k] = f.range ? range_edge(i, f.lower.offset, false) : std::clamp(i + f.lower.offset, p.s, p.e);
          break;
      }
      switch (f.upper.kind) {
        case BK::UnboundedPreceding: hi[k] = p.s; break;
        case BK::UnboundedFollowing: hi[k] = p.e; break;
        case BK::CurrentRow: hi[k] = f.range ? pe0[size_t(i)] : i + 1; break;
        case BK::Offset:
          hi[k] = f.range ? range_edge(i, f.upper.offset, true) : std::clamp(i + f.upper.offset + 1, p.s, p.e);
          break;
      }
    }
  }

  // The pandas UDFs' results, one column per PythonAgg spec: one batch to the worker holding
  // each UDF's arguments and its rows' frames [lo, hi) (offsets into the batch), one column back
  // per UDF. Frames never cross window partitions, so the worker needs no partition keys.
  Status python_aggregates(const Batch& all, const std::vector<Part>& ps, const std::vector<int64_t>& ps0,
                           const std::vector<int64_t>& pe0, std::vector<col::ColumnPtr>& out) {
    Batch in;
    in.num_rows = all.num_rows;
    std::vector<std::string> names;
    std::vector<col::ColType> types;
    nlohmann::json udfs = nlohmann::json::array(), outputs = nlohmann::json::array();
    std::vector<int64_t> funcs;
    auto add = [&](col::ColumnPtr c) {
      names.push_back("_" + std::to_string(in.columns.size()));
      types.push_back(*c->type);
      in.columns.push_back(std::move(c));
      return nlohmann::json(in.columns.size() - 1);
    };
    for (const auto& f : fns_) {
      if (f.fn != WinFn::PythonAgg) continue;
      nlohmann::json args = nlohmann::json::array();
      for (const auto& a : f.py_args) args.push_back({{"col", add(eval_flat(*a, all, ctx_.eval))}});
      std::vector<int64_t> lo_all, hi_all, lo, hi;
      lo_all.reserve(size_t(all.num_rows));
      hi_all.reserve(size_t(all.num_rows));
      for (const Part& p : ps) {
        frame_of(f, all, p, ps0, pe0, lo, hi);
        for (size_t k = 0; k < lo.size(); ++k) {
          lo_all.push_back(lo[k]);
          hi_all.push_back(std::max(lo[k], hi[k]));  // an empty frame: f over empty Series
        }
      }
      const nlohmann::json lo_col = add(long_column(lo_all)), hi_col = add(long_column(hi_all));
      outputs.push_back(udfs.size());
      udfs.push_back({{"funcId", f.py_func}, {"returnType", f.py_type}, {"args", args}, {"bounds", {lo_col, hi_col}}});
      if (std::find(funcs.begin(), funcs.end(), f.py_func) == funcs.end()) funcs.push_back(f.py_func);
    }
    if (udfs.empty()) return Status::ok();
    in.schema = col::make_type(col::ColType::strct(names, types));
    if (!runner_) {
      if (!ctx_.python) return Status::error("pandas UDFs need an executor's Python workers");
      auto r = ctx_.python({{"evalType", 203}, {"udfs", udfs}, {"outputs", outputs}}, funcs);
      if (!r) return r.status();
      runner_ = std::move(r.value());
    }
    std::optional<Batch> pending(std::move(in));
    auto res = runner_->next([&]() -> Result<std::optional<Batch>> {
      if (!pending) return Result<std::optional<Batch>>::error("the Python worker asked for input twice for one batch");
      std::optional<Batch> b = std::move(pending);
      pending.reset();
      return b;
    });
    if (!res) return res.status();
    if (!res.value() || res.value()->num_rows != all.num_rows || res.value()->columns.size() != udfs.size())
      return Status::error("the Python worker returned no result for a window batch of " + std::to_string(all.num_rows) + " rows");
    size_t k = 0;
    for (const auto& f : fns_) {
      if (f.fn != WinFn::PythonAgg) continue;
      const auto& c = res.value()->columns[k++];
      if (c->type->id != f.type->id) return Status::error("the Python worker returned a column of the wrong type");
      out.push_back(c);
    }
    return Status::ok();
  }

  // nth_value: the frame's n-th row (n-th non-null value with ignore_nulls), else NULL.
  Result<col::ColumnPtr> nth_value(const WindowFnSpec& f, const Batch& all, const std::vector<Part>& ps,
                                   const std::vector<int64_t>& ps0, const std::vector<int64_t>& pe0) {
    auto in = eval_flat(*f.input, all, ctx_.eval);
    std::vector<int32_t> idx;
    idx.reserve(size_t(all.num_rows));
    std::vector<int64_t> lo, hi;
    for (const Part& p : ps) {
      frame_of(f, all, p, ps0, pe0, lo, hi);
      for (size_t k = 0; k < lo.size(); ++k) {
        int64_t pick = -1;
        if (!f.ignore_nulls) {
          if (lo[k] + f.n - 1 < hi[k]) pick = lo[k] + f.n - 1;
        } else {
          int64_t seen = 0;
          for (int64_t j = lo[k]; j < hi[k] && pick < 0; ++j)
            if (in->is_valid(j) && ++seen == f.n) pick = j;
        }
        idx.push_back(int32_t(pick));
      }
    }
    return col::gather(*in, idx.data(), int64_t(idx.size()));
  }

  Result<col::ColumnPtr> aggregate(const WindowFnSpec& f, const Batch& all, const std::vector<Part>& ps,
                                   const std::vector<int64_t>& ps0, const std::vector<int64_t>& pe0) {
    const int64_t n = all.num_rows;
    Vec in;
    if (f.agg.input) in = Vec::flat(eval_flat(*f.agg.input, all, ctx_.eval));
    const Vec* inp = f.agg.input ? &in : nullptr;
    using BK = WinBound::Kind;
    const bool whole = f.lower.kind == BK::UnboundedPreceding && f.upper.kind == BK::UnboundedFollowing;
    if (whole) {  // one grouped pass: group = window partition
      std::vector<int32_t> gid(static_cast<size_t>(n));
      for (size_t g = 0; g < ps.size(); ++g)
        for (int64_t i = ps[g].s; i < ps[g].e; ++i) gid[size_t(i)] = int32_t(g);
      auto acc = make_accumulator(f.agg, *f.agg.in_type);
      acc->resize(int64_t(ps.size()));
      acc->update(inp, gid.data(), n);
      if (auto e = acc->error(); !e.empty()) return Result<col::ColumnPtr>::error(e);
      auto r = acc->result(int64_t(ps.size()));
      return col::gather(*r, gid.data(), n);
    }
    std::vector<col::ColumnPtr> pieces;
    std::vector<int64_t> lo, hi;
    for (const Part& p : ps) {
      frame_of(f, all, p, ps0, pe0, lo, hi);
      const int64_t m = p.e - p.s;
      const bool growing = f.lower.kind == BK::UnboundedPreceding;
      if (growing) {
        // Frames only grow: add the rows up to each new end, take the result (Spark's
        // UnboundedPrecedingWindowFunctionFrame).
        auto acc = make_accumulator(f.agg, *f.agg.in_type);
        acc->resize(1);
        std::vector<col::ColumnPtr> results;
        std::vector<int32_t> pick(static_cast<size_t>(m)), zeros;
        int64_t done = p.s;
        for (int64_t k = 0; k < m; ++k) {
          const int64_t end = std::max(hi[size_t(k)], done);
          if (end > done || results.empty()) {
            if (end > done) {
              zeros.assign(size_t(end - done), 0);
              Vec part;
              if (inp) part = Vec::flat(col::slice(in.col, done, end - done));
              acc->update(inp ? &part : nullptr, zeros.data(), end - done);
              if (auto e = acc->error(); !e.empty()) return Result<col::ColumnPtr>::error(e);
              done = end;
            }
            results.push_back(acc->result(1));
          }
          pick[size_t(k)] = int32_t(results.size() - 1);
        }
        auto r = col::concat(results);
        pieces.push_back(col::gather(*r, pick.data(), m));
        continue;
      }
      // Any other frame: each row's frame aggregated on its own (Spark's sliding / unbounded
      // following frames recompute too), a chunk of rows at a time as groups.
      constexpr int64_t kMaxRows = 1 << 16;
      int64_t k = 0;
      while (k < m) {
        std::vector<int32_t> idx, gid;
        const int64_t k0 = k;
        while (k < m && (k == k0 || int64_t(idx.size()) < kMaxRows)) {
          for (int64_t j = lo[size_t(k)]; j < hi[size_t(k)]; ++j) {
            idx.push_back(int32_t(j));
            gid.push_back(int32_t(k - k0));
          }
          ++k;
        }
        auto acc = make_accumulator(f.agg, *f.agg.in_type);
        acc->resize(k - k0);
        if (!idx.empty()) {
          Vec rows;
          if (inp) rows = Vec::flat(col::gather(*in.col, idx.data(), int64_t(idx.size())));
          acc->update(inp ? &rows : nullptr, gid.data(), int64_t(idx.size()));
          if (auto e = acc->error(); !e.empty()) return Result<col::ColumnPtr>::error(e);
        }
        pieces.push_back(acc->result(k - k0));
      }
    }
    if (pieces.empty()) return col::make_null_column(f.type, 0);
    return col::concat(pieces);
  }

  OpPtr child_;
  std::vector<ExprPtr> part_;
  std::vector<SortKey> order_;
  std::vector<WindowFnSpec> fns_;
  ExecContext ctx_;
  Reservation res_;
  size_t ncols_ = 0;
  col::ColTypePtr keyed_schema_;
  std::vector<Batch> pending_;
  std::deque<Batch> out_;
  bool done_ = false;
  std::unique_ptr<PythonUdfRunner> runner_;  // PythonAgg specs: one worker for the whole task
};

}  // namespace

OpPtr make_window(OpPtr child, std::vector<ExprPtr> partition, std::vector<SortKey> order, std::vector<WindowFnSpec> fns,
                  std::vector<std::string> names, const ExecContext& ctx) {
  return std::make_unique<Window>(std::move(child), std::move(partition), std::move(order), std::move(fns),
                                  std::move(names), ctx);
}

}  // namespace spp::sql::exec
