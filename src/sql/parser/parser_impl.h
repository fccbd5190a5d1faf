// Internal: the recursive-descent parser's state shared by expr.cpp and query.cpp. Errors are
// thrown as Fail inside and turned into ParseError values at the entry points.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sql/parser/parser.h"

namespace spp::sql::parser {

struct Fail {
  ParseError error;
};

// Bounds (limits.cpp), each far above what people write and below what overflows the stack of
// the recursive passes after parsing (8 MiB; ASan's frames are ~10x larger):
constexpr int kMaxDepth = 1000;               // nested parser calls (~330 parentheses)
constexpr size_t kMaxTreeDepth = 1000;        // levels of the parsed tree (`1+1+…+1` is left-deep)
constexpr size_t kMaxTreeNodes = 1000000;     // its nodes, a shared subtree counted per use
constexpr size_t kMaxWork = 1000000;          // tokens re-read: CTE uses, backtracking
ParseError too_complex_error();
// Too deep or too large a tree for the recursive passes after the parser: the error, or none.
std::optional<ParseError> check_tree(const PlanPtr& plan, const ExprPtr& expr);
// Frees a tree this parse made without recursing (a rejected tree may be too deep for the
// destructors' recursion).
void release_tree(PlanPtr plan, ExprPtr expr);

class Parser {
 public:
  Parser(const std::string& text, std::vector<Token> toks, IdGen& ids, const ParseArgs& args)
      : text_(text), toks_(std::move(toks)), ids_(ids), args_(args) {}

  // Tokens.
  const Token& peek(size_t k = 0) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
  const Token& next() { const Token& t = toks_[i_]; if (i_ + 1 < toks_.size()) ++i_; return t; }
  bool at_end() const { return peek().kind == Tok::End; }
  // The source text, and the byte offset just past the last token consumed.
  const std::string& text() const { return text_; }
  size_t consumed_end() const { return i_ ? toks_[i_ - 1].end : 0; }
  bool is_kw(const char* w, size_t k = 0) const { return word_is(peek(k), w); }
  bool is_op(const char* op, size_t k = 0) const { return peek(k).kind == Tok::Op && peek(k).text == op; }
  bool accept_kw(const char* w) { if (!is_kw(w)) return false; next(); return true; }
  bool accept_op(const char* op) { if (!is_op(op)) return false; next(); return true; }
  void expect_kw(const char* w) { if (!accept_kw(w)) fail(); }
  void expect_op(const char* op) { if (!accept_op(op)) fail(); }
  [[noreturn]] void fail() const { fail_at(peek()); }
  [[noreturn]] void fail_at(const Token& t) const;
  [[noreturn]] void fail_msg(const Token& t, const std::string& cls, const std::string& msg) const;
  [[noreturn]] void unsupported(const Token& t, const std::string& what) const;
  [[noreturn]] void too_complex() const;
  void count_work(size_t tokens);  // tokens read again (a CTE use, backtracking)

  // One level of recursion for as long as it lives (the recursive entry points hold one).
  class Nest {
   public:
    explicit Nest(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxDepth) { --p_.depth_; p_.too_complex(); }
    }
    ~Nest() { --p_.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
   private:
    Parser& p_;
  };

  // Expressions (expr.cpp).
  ExprPtr expression();         // booleanExpression
  ExprPtr named_expression();   // expression [AS] alias | AS (a, b)
  ExprList named_expression_list();
  ExprPtr value_expression(int min_prec = 0);
  ExprPtr primary();
  std::string identifier();     // one name part (word or backticked)
  bool at_identifier() const;
  std::vector<std::string> qualified_name();
  DataType data_type();         // a type as written, through the DDL parser
  std::string type_text_until_close();
  bool reserved(const Token& t) const;

  // Queries and statements (query.cpp).
  Statement statement();
  PlanPtr query();
  IdGen& ids() { return ids_; }

 private:
  ExprPtr predicate(ExprPtr e);
  ExprPtr not_expression();
  ExprPtr function_call(std::vector<std::string> name, const Token& start);
  ExprPtr case_expression();
  ExprPtr literal_number(const Token& t, bool negative);
  ExprPtr interval_literal(const Token& t);  // after the INTERVAL keyword
  ExprPtr parameter(const Token& t);
  ExprPtr postfix(ExprPtr e);

  PlanPtr query_term(int min_prec);
  PlanPtr query_primary();
  PlanPtr query_specification();
  PlanPtr relation();
  PlanPtr relation_primary();
  PlanPtr relation_named(const std::vector<std::string>& name);
  PlanPtr table_function(const std::vector<std::string>& name, const Token& t);
  PlanPtr cte_reference(size_t k);
  PlanPtr values_table();
  PlanPtr organization(PlanPtr p, const ExprList* select_list);
  ExprList sort_items(bool allow_ordinals);
  std::vector<std::vector<int>> grouping_analytics(ExprList& groups);
  // Windows (window.cpp).
  ExprPtr window_spec(ExprPtr fn);
  FrameBound frame_bound(bool range);
  void window_clause(ExprList& exprs);

  const std::string& text_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  IdGen& ids_;
  const ParseArgs& args_;
  size_t next_positional_ = 0;
  struct Cte {
    std::string name;
    std::vector<std::string> columns;
    size_t start = 0, visible = 0, first_positional = 0;  // token index, CTEs it may see
  };
  std::vector<Cte> ctes_;
  bool used_named_ = false, used_positional_ = false;
  int depth_ = 0;
  size_t work_ = 0;
  std::map<size_t, ParseError> not_a_query_;  // token index -> why `(` there is no query
};

ExprPtr make_fn(std::string name, ExprList args);
ExprPtr row_constructor(const ExprList& items);      // `(a, b)`: named_struct(a, a, b, b)
ExprList row_constructor_values(const ExprPtr& e);  // its values (else {e})
ExprPtr star_expr();
PlanPtr node(PlanKind k, std::vector<PlanPtr> children);

}  // namespace spp::sql::parser
