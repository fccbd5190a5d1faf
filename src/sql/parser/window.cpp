// Window specifications: `f(...) OVER (PARTITION BY … ORDER BY … ROWS|RANGE BETWEEN …)`,
// `OVER w` with the query's `WINDOW w AS (…)` clause, and the sort items ORDER BY shares.
#include <algorithm>
#include <cctype>

#include "sql/parser/parser_impl.h"

namespace spp::sql::parser {

FrameBound Parser::frame_bound(bool range) {
  using K = FrameBound::Kind;
  if (accept_kw("UNBOUNDED")) {
    if (accept_kw("PRECEDING")) return {K::UnboundedPreceding, 0};
    expect_kw("FOLLOWING");
    return {K::UnboundedFollowing, 0};
  }
  if (is_kw("CURRENT") && is_kw("ROW", 1)) {
    next();
    next();
    return {K::CurrentRow, 0};
  }
  const Token& t = peek();
  if (is_kw("INTERVAL")) unsupported(t, "INTERVAL window frame boundaries");
  ExprPtr e = value_expression(0);
  if (e->kind != ExprKind::Literal || !e->type.is_integral() || e->value.is_null())
    unsupported(t, "window frame boundaries other than integer literals");
  FrameBound b{K::Offset, e->value.as_int()};
  b.long_literal = e->type.id == TypeId::Long;
  if (accept_kw("PRECEDING")) {
    b.offset = -b.offset;  // Spark: UnaryMinus(n), printed `n PRECEDING`
    b.minus = true;
  } else {
    expect_kw("FOLLOWING");
  }
  if (b.offset == 0 && !range) b = FrameBound{K::CurrentRow, 0};
  return b;
}

// After OVER: a window name, `(name)`, or a specification.
ExprPtr Parser::window_spec(ExprPtr fn) {
  if (!is_op("(") || (peek(1).kind != Tok::End && is_op(")", 2) && !reserved(peek(1)))) {
    bool paren = accept_op("(");
    std::string name = identifier();
    if (paren) expect_op(")");
    auto ref = std::make_shared<Expr>(*window_expr(fn, {}, {}, WindowFrame{}));
    ref->name = name;  // WindowSpecReference: the WINDOW clause fills it in
    return ref;
  }
  expect_op("(");
  ExprList part, order;
  if ((is_kw("PARTITION") || is_kw("DISTRIBUTE") || is_kw("CLUSTER")) && is_kw("BY", 1)) {
    const bool cluster = is_kw("CLUSTER");
    next();
    next();
    do part.push_back(expression());
    while (accept_op(","));
    if (cluster) {  // CLUSTER BY k: partition by k and order by k
      for (const auto& p : part) order.push_back(sort_order(p, true, true));
    }
  }
  if ((is_kw("ORDER") || is_kw("SORT")) && is_kw("BY", 1)) {
    next();
    next();
    order = sort_items(false);
  }
  WindowFrame f;
  if (is_kw("ROWS") || is_kw("RANGE")) {
    f.type = is_kw("ROWS") ? FrameType::Rows : FrameType::Range;
    next();
    const bool range = f.type == FrameType::Range;
    if (accept_kw("BETWEEN")) {
      f.lower = frame_bound(range);
      expect_kw("AND");
      f.upper = frame_bound(range);
    } else {
      f.lower = frame_bound(range);
      f.upper = FrameBound{FrameBound::Kind::CurrentRow, 0};
    }
  }
  expect_op(")");
  return window_expr(fn, std::move(part), std::move(order), f);
}

// `WINDOW w AS (spec), …`: the named specifications replace `OVER w` references in `exprs`.
void Parser::window_clause(ExprList& exprs) {
  std::vector<std::pair<std::string, ExprPtr>> defs;
  if (accept_kw("WINDOW")) {
    do {
      std::string name = identifier();
      expect_kw("AS");
      auto w = window_spec(lit_int(0));  // a placeholder function
      if (!w->name.empty()) {            // `w2 AS w1`
        auto it = std::find_if(defs.begin(), defs.end(), [&](const auto& d) { return d.first == w->name; });
        if (it == defs.end()) fail_msg(peek(), "_LEGACY_ERROR_TEMP_0038", "Window reference '" + w->name + "' is not a window specification.");
        w = it->second;
      }
      defs.emplace_back(name, w);
    } while (accept_op(","));
  }
  const Token& at = peek();
  for (auto& e : exprs)
    e = transform_up(e, [&](const ExprPtr& x) -> ExprPtr {
      if (x->kind != ExprKind::WindowExpr || x->name.empty()) return nullptr;
      auto it = std::find_if(defs.begin(), defs.end(), [&](const auto& d) {
        return d.first.size() == x->name.size() &&
               std::equal(d.first.begin(), d.first.end(), x->name.begin(),
                          [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); });
      });
      if (it == defs.end())
        fail_msg(at, "_LEGACY_ERROR_TEMP_1001", "Window specification " + x->name + " is not defined in the WINDOW clause.");
      const Expr& d = *it->second;
      return window_expr(x->window_function(), d.window_partition(), d.window_order(), d.frame);
    });
}

}  // namespace spp::sql::parser
