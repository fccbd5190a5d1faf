// Queries and statements: Spark's query / queryTerm / querySpecification / relation rules
// (SqlBaseParser.g4, 3.5) to the LogicalPlan nodes the DataFrame API makes; the entry points.
#include <algorithm>
#include <cctype>

#include "sql/parser/parser_impl.h"
#include "sql/plan/fn_names.h"
#include "common/strings.h"

namespace spp::sql::parser {
namespace {

PlanPtr one_row() {
  LogicalPlan one;
  one.kind = PlanKind::LocalRelation;
  one.data_ref = "one_row";
  return make_plan(std::move(one));
}

PlanPtr alias_plan(PlanPtr p, const std::string& name) {
  LogicalPlan a;
  a.kind = PlanKind::SubqueryAlias;
  a.name = name;
  a.children = {std::move(p)};
  return make_plan(std::move(a));
}

// `t AS s(x, y)`, `(query) s(x, y)`, `WITH s(x, y) AS`: Spark's UnresolvedSubqueryColumnAliases,
// a ToDF marked by flag (always aliasing, its own error).
PlanPtr to_df(PlanPtr p, std::vector<std::string> names) {
  LogicalPlan a;
  a.kind = PlanKind::ToDF;
  a.flag = true;
  a.names = std::move(names);
  a.children = {std::move(p)};
  return make_plan(std::move(a));
}

ExprPtr strip_alias(const ExprPtr& e) { return e->kind == ExprKind::Alias ? e->children[0] : e; }

// An unsigned integer literal written alone (`GROUP BY 1`, `ORDER BY 2`).
std::optional<int> ordinal_of(const ExprPtr& e) {
  if (e->kind != ExprKind::Literal || e->type.id != TypeId::Int || e->value.is_null()) return std::nullopt;
  return static_cast<int>(e->value.as_int());
}

}  // namespace

PlanPtr node(PlanKind k, std::vector<PlanPtr> children) {
  LogicalPlan p;
  p.kind = k;
  p.children = std::move(children);
  return make_plan(std::move(p));
}

// WITH name [(cols)] AS (query), …: each reference re-parses the CTE's text, so every use gets
// its own exprIds (a CTE joined with itself needs distinct attributes on each side).
PlanPtr Parser::query() {
  Nest nest(*this);
  size_t ctes_before = ctes_.size();
  if (accept_kw("WITH")) {
    if (is_kw("RECURSIVE")) unsupported(peek(), "recursive CTEs");
    do {
      Cte cte;
      cte.name = identifier();
      if (accept_op("(")) {
        do cte.columns.push_back(identifier()); while (accept_op(","));
        expect_op(")");
      }
      accept_kw("AS");
      expect_op("(");
      cte.start = i_;
      cte.visible = ctes_.size();
      cte.first_positional = next_positional_;
      query();  // parsed once for its syntax; uses re-parse from `start`
      expect_op(")");
      ctes_.push_back(cte);
    } while (accept_op(","));
  }
  PlanPtr p = query_term(0);
  p = organization(p, nullptr);
  ctes_.resize(ctes_before);
  return p;
}

PlanPtr Parser::cte_reference(size_t k) {
  // The CTE body sees only the CTEs defined before it.
  std::vector<Cte> saved = ctes_;
  Cte cte = ctes_[k];
  ctes_.resize(cte.visible);
  size_t at = i_, pos = next_positional_;
  i_ = cte.start;
  next_positional_ = cte.first_positional;
  PlanPtr p = query();
  count_work(i_ - cte.start);  // uses of uses re-read their text again: bounded in all
  i_ = at;
  next_positional_ = pos;
  ctes_ = saved;
  if (!cte.columns.empty()) p = to_df(p, cte.columns);
  return alias_plan(p, cte.name);
}

// Set operators: INTERSECT binds tighter than UNION / EXCEPT / MINUS (left-associative).
PlanPtr Parser::query_term(int min_prec) {
  PlanPtr l = query_primary();
  while (true) {
    int prec = is_kw("INTERSECT") ? 2 : (is_kw("UNION") || is_kw("EXCEPT") || is_kw("MINUS")) ? 1 : 0;
    if (prec == 0 || prec < min_prec) return l;
    std::string op = ascii_lower(next().text);
    bool all = accept_kw("ALL");
    if (!all) accept_kw("DISTINCT");
    PlanPtr r = query_term(prec + 1);
    LogicalPlan s;
    s.children = {l, r};
    if (op == "union") {
      s.kind = PlanKind::Union;
      l = make_plan(std::move(s));
      if (!all) l = node(PlanKind::Distinct, {l});
    } else {
      s.kind = op == "intersect" ? PlanKind::Intersect : PlanKind::Except;
      s.flag = all;
      l = make_plan(std::move(s));
    }
  }
}

PlanPtr Parser::query_primary() {
  if (is_kw("SELECT")) return query_specification();
  if (is_kw("VALUES")) {
    // inlineTable's tableAlias: `WITH v AS (VALUES (1, 'x') AS t(a, b))`
    PlanPtr p = values_table();
    const bool as = accept_kw("AS");
    if (!at_identifier()) {
      if (as) fail();
      return p;
    }
    std::string alias_name = next().text;
    if (accept_op("(")) {
      LogicalPlan t = *p;
      t.names.clear();
      do t.names.push_back(identifier()); while (accept_op(","));
      expect_op(")");
      p = make_plan(std::move(t));
    }
    return alias_plan(p, alias_name);
  }
  if (accept_kw("TABLE")) {
    auto name = qualified_name();
    return relation_named(name);
  }
  if (is_op("(")) {
    next();
    PlanPtr p = query();
    expect_op(")");
    return p;
  }
  if (is_kw("FROM")) unsupported(peek(), "FROM-first queries");
  fail();
}

PlanPtr Parser::relation_named(const std::vector<std::string>& name) {
  if (name.size() == 1)
    for (size_t k = ctes_.size(); k-- > 0;)
      if (ascii_lower(ctes_[k].name) == ascii_lower(name[0])) return cte_reference(k);
  LogicalPlan r;
  r.kind = PlanKind::UnresolvedRelation;
  for (size_t k = 0; k < name.size(); ++k) {
    std::string part = name[k];
    bool plain = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    if (!plain) {  // the catalog parses the name again: keep odd parts quoted
      std::string q = "`";
      for (char c : part) q += c == '`' ? std::string("``") : std::string(1, c);
      part = q + "`";
    }
    r.name += (k ? "." : "") + part;
  }
  return make_plan(std::move(r));
}

PlanPtr Parser::query_specification() {
  expect_kw("SELECT");
  bool distinct = accept_kw("DISTINCT");
  if (!distinct) accept_kw("ALL");
  ExprList select = named_expression_list();
  PlanPtr from;
  if (accept_kw("FROM")) {
    from = relation();
    while (accept_op(",")) {  // comma joins: inner joins without a condition
      LogicalPlan j;
      j.kind = PlanKind::Join;
      j.join_type = JoinType::Inner;
      j.children = {from, relation()};
      from = make_plan(std::move(j));
    }
    // LATERAL VIEW [OUTER] generator(args) tblName [[AS] col, …] (Spark's withGenerate): a
    // Generate the analyzer resolves, its columns qualified by the lower-cased table name.
    while (is_kw("LATERAL") && is_kw("VIEW", 1)) {
      next();
      next();
      LogicalPlan gen;
      gen.kind = PlanKind::Generate;
      gen.flag = accept_kw("OUTER");
      ExprPtr g = expression();
      if (g->kind != ExprKind::UnresolvedFunction) fail();
      gen.exprs = {g};
      gen.name = ascii_lower(identifier());
      if (accept_kw("AS") || at_identifier()) {
        do gen.names.push_back(identifier());
        while (accept_op(","));
      }
      gen.children = {from};
      from = make_plan(std::move(gen));
    }
    if (is_kw("LATERAL")) unsupported(peek(), "LATERAL subqueries");
    if (is_kw("PIVOT") && is_op("(", 1)) {
      // PIVOT (aggs FOR col IN (v [AS name], …)): an Aggregate the analyzer's ResolvePivot
      // rewrites, grouped by every column the aggregates and the pivot column do not use.
      next();
      next();
      LogicalPlan pv;
      pv.kind = PlanKind::Aggregate;
      pv.name = "pivot";
      pv.flag2 = true;
      do {  // aggregates [AS name]; FOR ends the list (not an alias)
        ExprPtr e = expression();
        if (accept_kw("AS")) e = alias(e, identifier(), ids_.next());
        else if (at_identifier() && !is_kw("FOR")) e = alias(e, next().text, ids_.next());
        pv.exprs.push_back(e);
      } while (accept_op(","));
      expect_kw("FOR");
      if (is_op("(")) unsupported(peek(), "PIVOT over several columns");
      pv.data_attrs.push_back(unresolved_attr({identifier()}));
      expect_kw("IN");
      expect_op("(");
      do {
        ExprPtr v = expression();
        if (accept_kw("AS") || at_identifier()) v = alias(v, identifier(), ids_.next());
        pv.data_attrs.push_back(v);
      } while (accept_op(","));
      expect_op(")");
      expect_op(")");
      pv.children = {from};
      from = make_plan(std::move(pv));
    }
    if (is_kw("PIVOT") || is_kw("UNPIVOT")) unsupported(peek(), "PIVOT / UNPIVOT");
  } else {
    from = one_row();
  }
  if (accept_kw("WHERE")) {
    LogicalPlan f;
    f.kind = PlanKind::Filter;
    f.exprs = {expression()};
    f.children = {from};
    from = make_plan(std::move(f));
  }
  bool grouped = false;
  ExprList groups;
  std::vector<std::vector<int>> sets;  // ROLLUP / CUBE / GROUPING SETS
  if (is_kw("GROUP") && is_kw("BY", 1)) {
    next();
    next();
    grouped = true;
    do {
      const Token& t = peek();
      if (((is_kw("ROLLUP") || is_kw("CUBE")) && is_op("(", 1)) || (is_kw("GROUPING") && is_kw("SETS", 1))) {
        if (!groups.empty() || !sets.empty()) unsupported(t, "ROLLUP / CUBE / GROUPING SETS mixed with other grouping expressions");
        sets = grouping_analytics(groups);
        continue;
      }
      if (!sets.empty()) unsupported(t, "ROLLUP / CUBE / GROUPING SETS mixed with other grouping expressions");
      if (is_kw("ALL") && (peek(1).kind == Tok::End || is_kw("HAVING", 1) || is_kw("ORDER", 1) || is_kw("LIMIT", 1) || is_op(")", 1)))
        unsupported(t, "GROUP BY ALL");
      ExprPtr g = expression();
      if (auto n = ordinal_of(g)) {  // GROUP BY 1: the select item at that position
        if (std::any_of(select.begin(), select.end(), [](const ExprPtr& e) { return e->kind == ExprKind::UnresolvedStar; }))
          fail_msg(t, "STAR_GROUP_BY_POS", "Star (*) is not allowed in a select list when GROUP BY an ordinal position is used.");
        if (*n < 1 || *n > static_cast<int>(select.size()))
          fail_msg(t, "GROUP_BY_POS_OUT_OF_RANGE", "GROUP BY position " + std::to_string(*n) +
                                                       " is not in select list (valid range is [1, " + std::to_string(select.size()) + "]).");
        g = strip_alias(select[static_cast<size_t>(*n - 1)]);
      }
      groups.push_back(g);
    } while (accept_op(","));
    if (is_kw("WITH") && (is_kw("ROLLUP", 1) || is_kw("CUBE", 1))) {  // GROUP BY a, b WITH ROLLUP
      next();
      const bool rollup = next().text.size() == 6;
      if (!sets.empty()) fail();
      sets = rollup ? rollup_sets(groups.size()) : cube_sets(groups.size());
    }
  }
  ExprPtr having;
  if (accept_kw("HAVING")) { having = expression(); grouped = true; }
  window_clause(select);
  LogicalPlan sel;
  sel.kind = grouped ? PlanKind::Aggregate : PlanKind::Project;
  sel.exprs = select;
  sel.groups = groups;
  sel.grouping_sets = sets;
  sel.children = {from};
  PlanPtr p = make_plan(std::move(sel));
  if (having) {
    // withHavingClause: a condition that is not a Predicate is cast to BOOLEAN.
    static const char* const kPredicates[] = {"=", "==", "<=>", "<", "<=", ">", ">=", "!=", "and", "or",
                                              "not", "in", "isnull", "isnotnull", "like", "rlike"};
    const bool predicate =
        having->kind == ExprKind::Exists || having->kind == ExprKind::InSubquery ||
        (having->kind == ExprKind::UnresolvedFunction && having->ordinal != kCalledByName &&
         std::any_of(std::begin(kPredicates), std::end(kPredicates), [&](const char* n) { return having->name == n; }));
    if (!predicate) having = cast(having, DataType::boolean(), true);
    LogicalPlan f;
    f.kind = PlanKind::Filter;
    f.flag = true;  // HAVING: may name aggregates the select list lacks (analyzer adds them)
    f.exprs = {having};
    f.children = {p};
    p = make_plan(std::move(f));
  }
  if (distinct) p = node(PlanKind::Distinct, {p});
  return p;
}

// ROLLUP(a, b) | CUBE(a, b) | GROUPING SETS ((a, b), a, ()): the distinct expressions go to
// `groups`, the sets (indexes into them) are returned.
std::vector<std::vector<int>> Parser::grouping_analytics(ExprList& groups) {
  auto index = [&](const ExprPtr& e) {
    for (size_t i = 0; i < groups.size(); ++i)
      if (expr_equal(*groups[i], *e)) return static_cast<int>(i);
    groups.push_back(e);
    return static_cast<int>(groups.size() - 1);
  };
  if (is_kw("ROLLUP") || is_kw("CUBE")) {
    const bool rollup = is_kw("ROLLUP");
    next();
    expect_op("(");
    do index(expression());
    while (accept_op(","));
    expect_op(")");
    return rollup ? rollup_sets(groups.size()) : cube_sets(groups.size());
  }
  next();  // GROUPING
  next();  // SETS
  expect_op("(");
  std::vector<std::vector<int>> sets;
  do {
    std::vector<int> set;
    if (is_op("(")) {
      next();
      if (!is_op(")")) {
        do set.push_back(index(expression()));
        while (accept_op(","));
      }
      expect_op(")");
    } else {
      set.push_back(index(expression()));
    }
    sets.push_back(std::move(set));
  } while (accept_op(","));
  expect_op(")");
  return sets;
}

// Sort items of ORDER BY / SORT BY and window specifications.
ExprList Parser::sort_items(bool allow_ordinals) {
  ExprList orders;
  do {
    ExprPtr e = expression();
    if (allow_ordinals)
      if (auto n = ordinal_of(e)) {  // ORDER BY 1: the output column at that position (analyzer)
        auto o = std::make_shared<Expr>(*e);
        o->ordinal = *n;
        e = o;
      }
    bool asc = true;
    if (accept_kw("DESC")) asc = false;
    else accept_kw("ASC");
    bool nulls_first = asc;
    if (accept_kw("NULLS")) {
      if (accept_kw("FIRST")) nulls_first = true;
      else { expect_kw("LAST"); nulls_first = false; }
    }
    orders.push_back(sort_order(e, asc, nulls_first));
  } while (accept_op(","));
  return orders;
}

// ORDER BY / SORT BY, LIMIT, OFFSET after a query term.
PlanPtr Parser::organization(PlanPtr p, const ExprList*) {
  bool global = is_kw("ORDER");
  if ((is_kw("ORDER") || is_kw("SORT")) && is_kw("BY", 1)) {
    next();
    next();
    ExprList orders = sort_items(true);
    LogicalPlan s;
    s.kind = PlanKind::Sort;
    s.flag = global;
    s.exprs = orders;
    s.children = {p};
    p = make_plan(std::move(s));
  }
  if ((is_kw("CLUSTER") || is_kw("DISTRIBUTE")) && is_kw("BY", 1)) unsupported(peek(), "CLUSTER BY / DISTRIBUTE BY");
  auto count = [&](const char* what) -> int64_t {
    const Token& t = peek();
    ExprPtr e = value_expression(0);
    if (e->kind != ExprKind::Literal || !e->type.is_integral() || e->value.is_null())
      fail_msg(t, "INVALID_LIMIT_LIKE_EXPRESSION.IS_UNFOLDABLE",
               std::string("The ") + what + " like expression \"" + e->sql() + "\" is invalid. The " + what +
                   " expression must evaluate to a constant value.");
    if (e->value.as_int() < 0)
      fail_msg(t, "INVALID_LIMIT_LIKE_EXPRESSION.IS_NEGATIVE",
               std::string("The ") + what + " like expression \"" + e->sql() + "\" is invalid. The " + what +
                   " expression must be equal to or greater than 0, but got " + std::to_string(e->value.as_int()) + ".");
    return e->value.as_int();
  };
  std::optional<int64_t> limit, offset;
  if (accept_kw("LIMIT")) {
    if (!accept_kw("ALL")) limit = count("limit");
  }
  if (accept_kw("OFFSET")) offset = count("offset");
  // Spark: Offset applies first, then Limit (n + offset rows are taken before skipping).
  if (offset) {
    LogicalPlan o;
    o.kind = PlanKind::Offset;
    o.n = *offset;
    if (limit) {
      LogicalPlan l;
      l.kind = PlanKind::Limit;
      l.n = *limit + *offset;
      l.children = {p};
      p = make_plan(std::move(l));
    }
    o.children = {p};
    return make_plan(std::move(o));
  }
  if (limit) {
    LogicalPlan l;
    l.kind = PlanKind::Limit;
    l.n = *limit;
    l.children = {p};
    p = make_plan(std::move(l));
  }
  return p;
}

// VALUES (…), (…) [AS] t(a, b): Spark's UnresolvedInlineTable — a LocalRelation "inline_table"
// whose exprs are the rows (each an unresolved `struct` of its cells) and names the columns
// (col1, col2, … unless the alias names them); the analyzer checks, widens and types it
// (ResolveInlineTables) into a LocalRelation "values".
PlanPtr Parser::values_table() {
  expect_kw("VALUES");
  LogicalPlan t;
  t.kind = PlanKind::LocalRelation;
  t.data_ref = "inline_table";
  do {
    ExprList row;
    if (accept_op("(")) {
      do row.push_back(expression()); while (accept_op(","));
      expect_op(")");
    } else {
      row.push_back(expression());
    }
    t.exprs.push_back(unresolved_fn("struct", std::move(row)));
  } while (accept_op(","));
  for (size_t k = 0; k < t.exprs[0]->children.size(); ++k) t.names.push_back("col" + std::to_string(k + 1));
  return make_plan(std::move(t));
}

PlanPtr Parser::relation() {
  PlanPtr left = relation_primary();
  while (true) {
    size_t save = i_;
    bool natural = accept_kw("NATURAL");
    JoinType jt = JoinType::Inner;
    if (accept_kw("INNER")) jt = JoinType::Inner;
    else if (accept_kw("CROSS")) jt = JoinType::Cross;
    else if (accept_kw("LEFT")) {
      if (accept_kw("SEMI")) jt = JoinType::LeftSemi;
      else if (accept_kw("ANTI")) jt = JoinType::LeftAnti;
      else { accept_kw("OUTER"); jt = JoinType::LeftOuter; }
    } else if (accept_kw("RIGHT")) { accept_kw("OUTER"); jt = JoinType::RightOuter; }
    else if (accept_kw("FULL")) { accept_kw("OUTER"); jt = JoinType::FullOuter; }
    else if (accept_kw("SEMI")) jt = JoinType::LeftSemi;
    else if (accept_kw("ANTI")) jt = JoinType::LeftAnti;
    if (!is_kw("JOIN")) {
      if (i_ != save) fail();
      return left;
    }
    next();
    if (is_kw("LATERAL")) unsupported(peek(), "LATERAL joins");
    LogicalPlan j;
    j.kind = PlanKind::Join;
    j.join_type = jt;
    j.children = {left, relation_primary()};
    if (natural) {
      j.flag = true;  // NATURAL: USING every common column (the analyzer finds them)
    } else if (accept_kw("ON")) {
      j.exprs = {expression()};
    } else if (accept_kw("USING")) {
      expect_op("(");
      do j.names.push_back(identifier()); while (accept_op(","));
      expect_op(")");
    }
    left = make_plan(std::move(j));
  }
}

PlanPtr Parser::relation_primary() {
  Nest nest(*this);
  PlanPtr p;
  std::vector<std::string> cols;
  std::string alias_name;
  auto table_alias = [&](bool required_for_subquery) {
    (void)required_for_subquery;
    bool as = accept_kw("AS");
    const bool pivot = (is_kw("PIVOT") || is_kw("UNPIVOT")) && is_op("(", 1);  // a clause, not an alias
    if (at_identifier() && !(is_kw("NATURAL")) && !is_kw("LATERAL") && !pivot) alias_name = next().text;
    else if (as) fail();
    if (!alias_name.empty() && is_op("(") ) {
      next();
      do cols.push_back(identifier()); while (accept_op(","));
      expect_op(")");
    }
  };
  if (is_op("(")) {
    next();
    if (is_kw("SELECT") || is_kw("WITH") || is_kw("VALUES") || is_kw("TABLE") || is_op("(")) {
      const size_t save = i_;
      // `((a JOIN b))`: a parenthesized relation, not a query. Where a query failed once it
      // fails again, so the failure is remembered: retrying at every level of `FROM ((((…`
      // made the attempts exponential in the nesting.
      auto known = not_a_query_.find(save);
      if (known == not_a_query_.end()) {
        try {
          p = query();
          expect_op(")");
        } catch (const Fail& f) {
          if (f.error.error_class == "FAILED_TO_PARSE_TOO_COMPLEX") throw;
          count_work(i_ - save);
          known = not_a_query_.emplace(save, f.error).first;
        }
      }
      if (known != not_a_query_.end()) {
        i_ = save;
        if (!is_op("(")) throw Fail{known->second};
        p = relation();
        expect_op(")");
      }
    } else {
      p = relation();
      expect_op(")");
    }
    table_alias(true);
  } else if (is_kw("VALUES")) {
    p = values_table();
    table_alias(false);
  } else {
    const Token& t = peek();
    auto name = qualified_name();
    if (is_op("(")) {
      p = table_function(name, t);
    } else {
      p = relation_named(name);
    }
    table_alias(false);
  }
  if (!cols.empty() && p->kind == PlanKind::LocalRelation && p->data_ref == "inline_table") {
    LogicalPlan t = *p;  // VALUES … AS t(a, b): the inline table's own column names
    t.names = cols;
    p = make_plan(std::move(t));
  } else if (!cols.empty()) {
    p = to_df(p, cols);
  }
  if (!alias_name.empty()) p = alias_plan(p, alias_name);
  return p;
}

// range(end) / range(start, end[, step[, numPartitions]]): the one table-valued function here.
PlanPtr Parser::table_function(const std::vector<std::string>& name, const Token& t) {
  if (name.size() != 1 || ascii_lower(name[0]) != "range")
    fail_msg(t, "UNRESOLVABLE_TABLE_VALUED_FUNCTION", "Could not resolve `" + name.back() + "` to a table-valued function.");
  expect_op("(");
  std::vector<int64_t> v;
  if (!is_op(")")) {
    do {
      const Token& at = peek();
      ExprPtr e = value_expression(0);
      if (e->kind != ExprKind::Literal || !e->type.is_integral() || e->value.is_null())
        fail_msg(at, "WRONG_NUM_ARGS", "range() takes integer literals here (sparkpp).");
      v.push_back(e->value.as_int());
    } while (accept_op(","));
  }
  expect_op(")");
  if (v.empty() || v.size() > 4)
    fail_msg(t, "WRONG_NUM_ARGS.WITHOUT_SUGGESTION", "The `range` requires [1, 2, 3, 4] parameters but the actual number is " +
                                                         std::to_string(v.size()) + ".");
  LogicalPlan r;
  r.kind = PlanKind::Range;
  r.start = v.size() == 1 ? 0 : v[0];
  r.end = v.size() == 1 ? v[0] : v[1];
  r.step = v.size() >= 3 ? v[2] : 1;
  r.num_partitions = v.size() == 4 ? static_cast<int>(v[3]) : -1;
  if (r.step == 0) fail_msg(t, "FAILED_FUNCTION_CALL", "requirement failed: step (0) cannot be 0");
  r.output_attrs = {attr("id", DataType::long_(), false, ids_.next())};
  return make_plan(std::move(r));
}

}  // namespace spp::sql::parser
