// Connect's window expressions (frames, bounds) and the grouping sets of ROLLUP / CUBE.
#include "sql/connect/decode.h"
#include "sql/connect/decode_internal.h"

namespace spp::sql {
using nlohmann::json;

// Spark's Rollup: (a, b, c) -> [a, b, c], [a, b], [a], [].
std::vector<std::vector<int>> rollup_sets(size_t n) {
  std::vector<std::vector<int>> out;
  for (size_t k = n + 1; k-- > 0;) {
    std::vector<int> s;
    for (size_t i = 0; i < k; ++i) s.push_back(static_cast<int>(i));
    out.push_back(std::move(s));
  }
  return out;
}

// Spark's Cube (cubeExprs): (a, b) -> [a, b], [a], [b], [].
std::vector<std::vector<int>> cube_sets(size_t n) {
  std::vector<std::vector<int>> out = {{}};
  for (size_t i = n; i-- > 0;) {
    std::vector<std::vector<int>> with;
    for (const auto& s : out) {
      std::vector<int> x = {static_cast<int>(i)};
      x.insert(x.end(), s.begin(), s.end());
      with.push_back(std::move(x));
    }
    with.insert(with.end(), out.begin(), out.end());
    out = std::move(with);
  }
  return out;
}

// A frame boundary: {"currentRow": true} | {"unbounded": true} | {"value": <integer literal>}.
namespace {

Result<FrameBound> decode_bound(const json& b, bool lower, bool range, IdGen& ids) {
  using K = FrameBound::Kind;
  if (!b.is_object()) return Result<FrameBound>::error("plan: a window frame boundary must be an object");
  if (b.value("currentRow", false)) return FrameBound{K::CurrentRow, 0};
  if (b.value("unbounded", false)) return FrameBound{lower ? K::UnboundedPreceding : K::UnboundedFollowing, 0};
  if (!b.contains("value")) return Result<FrameBound>::error("plan: a window frame boundary needs a kind");
  auto v = decode_expression(b["value"], ids);
  if (!v) return v.status();
  const Expr& x = **v;
  if (x.kind != ExprKind::Literal || !std::holds_alternative<int64_t>(x.value.v) || !x.type.is_integral())
    return Result<FrameBound>::error("plan: a window frame boundary must be an integer literal");
  const int64_t n = x.value.as_int();
  if (n == 0) return FrameBound{K::CurrentRow, 0};
  FrameBound out{K::Offset, n};
  out.long_literal = range;  // rangeBetween's bounds are bigint literals (rowsBetween's int)
  return out;
}

}  // namespace

// Connect's Window: {windowFunction, partitionSpec, orderSpec (sortOrder bodies), frameSpec}.
Result<ExprPtr> decode_window(const json& b, IdGen& ids) {
  if (auto s = check_keys(b, "window", {"windowFunction", "partitionSpec", "orderSpec", "frameSpec"}); !s) return s;
  if (!b.contains("windowFunction")) return Result<ExprPtr>::error("plan: window needs 'windowFunction'");
  auto fn = decode_expression(b["windowFunction"], ids);
  if (!fn) return fn;
  auto part = exprs(b, "partitionSpec", ids);
  if (!part) return part.status();
  ExprList order;
  for (const auto& o : b.value("orderSpec", json::array())) {
    auto e = decode_expression(json{{"sortOrder", o}}, ids);
    if (!e) return e;
    order.push_back(*e);
  }
  WindowFrame frame;
  if (b.contains("frameSpec")) {
    const json& f = b["frameSpec"];
    const std::string t = f.is_object() ? f.value("frameType", "") : "";
    if (t != "FRAME_TYPE_ROW" && t != "FRAME_TYPE_RANGE") return Result<ExprPtr>::error("plan: unknown window frame type");
    frame.type = t == "FRAME_TYPE_ROW" ? FrameType::Rows : FrameType::Range;
    const bool range = frame.type == FrameType::Range;
    auto lo = decode_bound(f.value("lower", json::object()), true, range, ids);
    if (!lo) return lo.status();
    auto hi = decode_bound(f.value("upper", json::object()), false, range, ids);
    if (!hi) return hi.status();
    frame.lower = *lo;
    frame.upper = *hi;
  }
  return window_expr(*fn, *part, std::move(order), frame);
}

}  // namespace spp::sql
