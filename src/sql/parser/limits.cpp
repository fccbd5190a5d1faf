// The parser's bounds: a statement nested too deeply, or whose tree is too deep or too large for
// the recursive passes after it (analyzer, optimizer, printing), fails as Spark's parser does
// when its stack overflows: a ParseException [FAILED_TO_PARSE_TOO_COMPLEX] at the statement.
#include <utility>
#include <vector>

#include "sql/parser/parser_impl.h"

namespace spp::sql::parser {

ParseError too_complex_error() {
  ParseError e;
  e.error_class = "FAILED_TO_PARSE_TOO_COMPLEX";
  e.message = "[FAILED_TO_PARSE_TOO_COMPLEX] The statement, including potential SQL functions and referenced "
              "views, was too complex to parse.\nTo mitigate this error divide the statement into multiple, "
              "less complex chunks.";
  return e;  // Spark points at the whole statement: line 1, pos 0
}

void Parser::too_complex() const { throw Fail{too_complex_error()}; }

void Parser::count_work(size_t tokens) {
  work_ += tokens;
  if (work_ > kMaxWork) too_complex();
}

// Walks without recursion (the tree may be as deep as the input is long: `1+1+…+1` is left-deep)
// and counts paths, not nodes, so a shared subtree (BETWEEN's operand) costs what the recursive
// passes after us will pay for it.
std::optional<ParseError> check_tree(const PlanPtr& plan, const ExprPtr& expr) {
  struct Item {
    const LogicalPlan* p;
    const Expr* e;
    size_t depth;
  };
  std::vector<Item> stack;
  if (plan) stack.push_back({plan.get(), nullptr, 1});
  if (expr) stack.push_back({nullptr, expr.get(), 1});
  size_t visits = 0;
  auto push_exprs = [&](const ExprList& es, size_t d) {
    for (const auto& x : es)
      if (x) stack.push_back({nullptr, x.get(), d});
  };
  while (!stack.empty()) {
    Item it = stack.back();
    stack.pop_back();
    if (it.depth > kMaxTreeDepth || ++visits > kMaxTreeNodes) return too_complex_error();
    if (it.p) {
      for (const auto& c : it.p->children)
        if (c) stack.push_back({c.get(), nullptr, it.depth + 1});
      for (const ExprList* es : {&it.p->exprs, &it.p->groups, &it.p->output_attrs, &it.p->data_attrs})
        push_exprs(*es, it.depth + 1);
    } else {
      push_exprs(it.e->children, it.depth + 1);
      if (it.e->plan) stack.push_back({it.e->plan.get(), nullptr, it.depth + 1});
    }
  }
  return std::nullopt;
}

void release_tree(PlanPtr plan, ExprPtr expr) {
  std::vector<PlanPtr> plans;
  std::vector<ExprPtr> exprs;
  if (plan) plans.push_back(std::move(plan));
  if (expr) exprs.push_back(std::move(expr));
  auto take = [&](ExprList& es) {
    for (auto& x : es) exprs.push_back(std::move(x));
    es.clear();
  };
  while (!plans.empty() || !exprs.empty()) {
    if (!exprs.empty()) {
      ExprPtr e = std::move(exprs.back());
      exprs.pop_back();
      if (e.use_count() != 1) continue;  // someone else's too: they free it
      auto& m = const_cast<Expr&>(*e);    // made by this parse as a non-const Expr
      take(m.children);
      if (m.plan) plans.push_back(std::move(m.plan));
      continue;
    }
    PlanPtr p = std::move(plans.back());
    plans.pop_back();
    if (p.use_count() != 1) continue;
    auto& m = const_cast<LogicalPlan&>(*p);
    for (auto& c : m.children) plans.push_back(std::move(c));
    m.children.clear();
    for (ExprList* es : {&m.exprs, &m.groups, &m.output_attrs, &m.data_attrs}) take(*es);
  }
}

}  // namespace spp::sql::parser
