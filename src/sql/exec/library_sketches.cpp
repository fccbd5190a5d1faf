// hll_sketch_estimate and hll_union (Spark 3.5's HllSketchEstimate / HllUnion in
// datasketchesExpressions.scala) over DataSketches HLL images (kernels/hll_sketch.h). Bytes
// that are not a sketch fail the query with Spark's HLL_INVALID_INPUT_SKETCH_BUFFER.
#include "sql/exec/library.h"
#include "sql/kernels/fn_util.h"
#include "sql/kernels/hll_sketch.h"

namespace spp::sql::exec::lib {

namespace {
namespace hll = kern::hll;
using kern::Vec;
using A = std::vector<Vec>;

void raise(const EvalContext& ctx, const std::string& m) {
  if (ctx.error && ctx.error->empty()) *ctx.error = m;
}

std::string invalid_buffer(const char* fn) {
  return std::string("[HLL_INVALID_INPUT_SKETCH_BUFFER] Invalid call to `") + fn +
         "`; only valid HLL sketch buffers are supported as inputs (such as those produced by the `hll_sketch_agg` "
         "function).";
}

// Math.round(heapify(bytes).getEstimate)
Vec estimate(const A& x, const col::ColTypePtr& type, int64_t n, const EvalContext& ctx) {
  kern::StrArg in(x[0]);
  bool failed = false;
  return kern::gen_fixed<int64_t>(type, n, [&](int64_t i, int64_t& out) {
    if (failed || in.null(i)) return false;
    auto s = hll::Sketch::parse(in[i]);
    if (!s) {
      raise(ctx, invalid_buffer("hll_sketch_estimate"));
      failed = true;
      return false;
    }
    out = hll::java_round(s->estimate());
    return true;
  });
}

// Union of lgK min(lgK1, lgK2) of the two sketches, its HLL_8 result's updatable image.
Vec sketch_union(const A& x, int64_t n, const EvalContext& ctx) {
  kern::StrArg a(x[0]), b(x[1]);
  kern::BoolArg allow(x[2]);
  bool failed = false;
  return kern::gen_str(n, [&](int64_t i, std::string& out) {
    if (failed || a.null(i) || b.null(i) || allow.null(i)) return false;
    auto s1 = hll::Sketch::parse(a[i]);
    auto s2 = s1 ? hll::Sketch::parse(b[i]) : std::nullopt;
    if (!s1 || !s2) {
      raise(ctx, invalid_buffer("hll_union"));
      failed = true;
      return false;
    }
    if (!allow[i] && s1->lg_k() != s2->lg_k()) {
      raise(ctx, "[HLL_UNION_DIFFERENT_LG_K] Sketches have different `lgConfigK` values: " + std::to_string(s1->lg_k()) +
                     " and " + std::to_string(s2->lg_k()) +
                     ". Set the `allowDifferentLgConfigK` parameter to true to call `hll_union` with different "
                     "`lgConfigK` values.");
      failed = true;
      return false;
    }
    hll::Union u(std::min(s1->lg_k(), s2->lg_k()));
    u.update(*s1);
    u.update(*s2);
    out = u.result().to_bytes();
    return true;
  }, col::TypeId::Binary);
}
}  // namespace

std::optional<Result<ExprPtr>> lower_sketch_call(const std::string& name, std::vector<ExprPtr>& a,
                                                 const col::ColTypePtr& type) {
  if (name == "hll_sketch_estimate")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext& ctx) { return estimate(x, type, n, ctx); });
  if (name == "hll_union")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext& ctx) { return sketch_union(x, n, ctx); });
  return std::nullopt;
}

}  // namespace spp::sql::exec::lib
