// hll_sketch_agg and hll_union_agg as Spark 3.5's HllSketchAgg / HllUnionAgg compute them
// (datasketchesAggregates.scala): a group's state is a DataSketches HLL_8 sketch (or union)
// held in memory and exchanged between partial and final aggregation as its updatable image,
// merged exactly as Spark merges its buffers, so estimates follow Spark's HIP / composite path.
#include <memory>

#include "sql/exec/agg_acc.h"
#include "sql/kernels/fn_util.h"
#include "sql/kernels/hll_sketch.h"

namespace spp::sql::exec {

namespace {
namespace hll = kern::hll;
using col::ColumnPtr;
using col::TypeId;

std::string invalid_buffer(const char* fn) {
  return std::string("[HLL_INVALID_INPUT_SKETCH_BUFFER] Invalid call to `") + fn +
         "`; only valid HLL sketch buffers are supported as inputs (such as those produced by the `hll_sketch_agg` "
         "function).";
}

std::string different_k(int left, int right, const char* fn) {
  return "[HLL_UNION_DIFFERENT_LG_K] Sketches have different `lgConfigK` values: " + std::to_string(left) + " and " +
         std::to_string(right) + ". Set the `allowDifferentLgConfigK` parameter to true to call `" + fn +
         "` with different `lgConfigK` values.";
}

ColumnPtr binary_column(int64_t g, const std::function<std::string(int64_t)>& image) {
  return kern::gen_str(g, [&](int64_t i, std::string& out) {
    out = image(i);
    return true;
  }, TypeId::Binary).col;
}

// hll_sketch_agg(x, lgConfigK): update() hashes each non-NULL value into the group's sketch;
// merge() is Spark's: a Union of lgK of the buffer, fed the buffer then the input, its HLL_8 result.
class HllSketchAcc : public Accumulator {
 public:
  HllSketchAcc(int lg_k, TypeId in) : lg_k_(lg_k), in_(in) {}
  void resize(int64_t g) override { s_.resize(size_t(g)); }
  void update(const Vec* v, const int32_t* gid, int64_t n) override {
    const col::Column& c = *v->col;
    if (c.id() == TypeId::Null) return;
    const int64_t m = v->constant ? 0 : 1;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r = i * m;
      if (c.is_null(r)) continue;
      hll::Sketch& s = at(gid[i]);
      switch (in_) {
        case TypeId::Int: s.update(int64_t(c.vals<int32_t>()[r])); break;
        case TypeId::Long: s.update(c.vals<int64_t>()[r]); break;
        case TypeId::String: s.update(hll::java_utf8_bytes(c.str(r))); break;  // as Java re-encodes it
        default: s.update(c.str(r)); break;  // BINARY; empty ignored
      }
    }
  }
  void merge(const std::vector<ColumnPtr>& st, const int32_t* gid, int64_t n) override {
    const col::Column& c = *st[0];
    for (int64_t i = 0; i < n; ++i) {
      if (c.is_null(i)) continue;
      auto in = hll::Sketch::parse(c.str(i));
      if (!in) {
        if (err_.empty()) err_ = invalid_buffer("hll_sketch_agg");
        return;
      }
      hll::Sketch& buf = at(gid[i]);
      hll::Union u(buf.lg_k());
      u.update(buf);
      u.update(*in);
      buf = u.result();
    }
  }
  std::vector<ColumnPtr> state(int64_t g) override { return {result(g)}; }
  ColumnPtr result(int64_t g) override {
    return binary_column(g, [&](int64_t i) { return at(int32_t(i)).to_bytes(); });
  }
  int64_t memory() const override {
    int64_t m = int64_t(s_.size()) * 16;
    for (const auto& s : s_)
      if (s) m += 64 + (s->mode() == hll::Mode::Hll ? (int64_t(1) << s->lg_k()) : 4 << 5);
    return m;
  }
  std::string error() const override { return err_; }

 private:
  hll::Sketch& at(int32_t g) {
    auto& p = s_[size_t(g)];
    if (!p) p = std::make_unique<hll::Sketch>(lg_k_, hll::TgtType::Hll8);
    return *p;
  }
  int lg_k_;
  TypeId in_;
  std::vector<std::unique_ptr<hll::Sketch>> s_;
  std::string err_;
};

// hll_union_agg(sketch, allowDifferentLgConfigK): the group's Union starts at the lgK of its
// first sketch; sketches are read in place (HllSketch.wrap) as Spark's update() reads them.
// The partial state is the union's image (empty for a group that saw only NULLs).
class HllUnionAcc : public Accumulator {
 public:
  explicit HllUnionAcc(bool allow) : allow_(allow) {}
  void resize(int64_t g) override { u_.resize(size_t(g)); }
  void update(const Vec* v, const int32_t* gid, int64_t n) override {
    const col::Column& c = *v->col;
    if (c.id() == TypeId::Null) return;
    const int64_t m = v->constant ? 0 : 1;
    for (int64_t i = 0; i < n && err_.empty(); ++i) {
      const int64_t r = i * m;
      if (c.is_null(r)) continue;
      auto s = hll::Sketch::parse(c.str(r));
      if (!s) {
        err_ = invalid_buffer("hll_union_agg");
        return;
      }
      auto& u = u_[size_t(gid[i])];
      if (!u) u = std::make_unique<hll::Union>(s->lg_k());
      if (!check(u->lg_k(), s->lg_k())) return;
      u->update(*s, true);
    }
  }
  void merge(const std::vector<ColumnPtr>& st, const int32_t* gid, int64_t n) override {
    const col::Column& c = *st[0];
    for (int64_t i = 0; i < n && err_.empty(); ++i) {
      if (c.is_null(i) || c.str(i).empty()) continue;  // a partial that saw no sketch
      auto s = hll::Sketch::parse(c.str(i));
      if (!s) {
        err_ = invalid_buffer("hll_union_agg");
        return;
      }
      auto in = std::make_unique<hll::Union>(s->lg_k());  // Union.heapify
      in->update(*s);
      auto& u = u_[size_t(gid[i])];
      if (!u) {
        u = std::move(in);
        continue;
      }
      if (!check(u->lg_k(), in->lg_k())) return;
      u->update(in->result());
    }
  }
  std::vector<ColumnPtr> state(int64_t g) override {
    return {binary_column(g, [&](int64_t i) { return u_[size_t(i)] ? u_[size_t(i)]->to_bytes() : std::string(); })};
  }
  ColumnPtr result(int64_t g) override {
    return binary_column(g, [&](int64_t i) {
      return u_[size_t(i)] ? u_[size_t(i)]->to_bytes() : hll::Union(hll::kDefaultLgK).to_bytes();
    });
  }
  int64_t memory() const override {
    int64_t m = int64_t(u_.size()) * 16;
    for (const auto& u : u_)
      if (u) m += 64 + (int64_t(1) << u->lg_k());
    return m;
  }
  std::string error() const override { return err_; }

 private:
  bool check(int left, int right) {
    if (allow_ || left == right) return true;
    err_ = different_k(left, right, "hll_union_agg");
    return false;
  }
  bool allow_;
  std::vector<std::unique_ptr<hll::Union>> u_;
  std::string err_;
};

}  // namespace

std::unique_ptr<Accumulator> make_hll_accumulator(const AggSpec& spec, const col::ColType& in) {
  if (spec.fn == AggFn::HllUnion) return std::make_unique<HllUnionAcc>(spec.hll_allow_different_k);
  return std::make_unique<HllSketchAcc>(spec.hll_lg_k, in.id);
}

}  // namespace spp::sql::exec
