// libFuzzer target: arbitrary bytes as a DataSketches HLL sketch image (what hll_sketch_estimate,
// hll_union and hll_union_agg read from users' BINARY columns). Invariants: nothing crashes; an
// image that parses estimates, unions (with an empty union, itself, and a union of another lgK)
// and writes an image that parses back to the same bytes. Also: the bytes as a STRING value
// (java_utf8_bytes) come out as UTF-8 that a second pass leaves unchanged.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sql/kernels/hll_sketch.h"

using namespace spp::sql::kern;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  // The same bytes as a STRING value: Java's decoding leaves valid UTF-8, which it keeps.
  const std::string text = hll::java_utf8_bytes(in);
  if (hll::java_utf8_bytes(text) != text) __builtin_trap();
  auto s = hll::Sketch::parse(in);
  if (!s) return 0;
  (void)hll::java_round(s->estimate());
  (void)s->composite_estimate();
  const std::string img = s->to_bytes();
  auto back = hll::Sketch::parse(img);
  if (!back || back->to_bytes() != img) __builtin_trap();
  (void)hll::Sketch::parse(s->to_bytes(true));
  for (bool wrapped : {false, true}) {
    hll::Union u(s->lg_k());
    u.update(*s, wrapped);
    u.update(*back, wrapped);
    (void)hll::java_round(u.result().estimate());
    hll::Union v(s->lg_k() > hll::kMinLgK ? s->lg_k() - 1 : hll::kMaxLgK);
    v.update(*s, wrapped);
    v.update(*s, wrapped);
    const std::string vi = v.to_bytes();
    if (!hll::Sketch::parse(vi)) __builtin_trap();
  }
  return 0;
}
