// Expression trees (one node type for unresolved and resolved expressions) with Spark's two
// printed forms: sql() for column names (`(a + b)`, `count(1)`) and to_string() for explain
// (`(a#1L + b#2L)`).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "sql/types.h"

namespace spp::sql {

// A literal's value. Integral, date, timestamp and interval values are int64; float and double
// are double; string and binary are bytes; decimals are the unscaled value (scale in the type).
struct Value {
  struct Decimal {
    __int128 unscaled = 0;
    bool operator==(const Decimal& o) const { return unscaled == o.unscaled; }
  };
  using Array = std::vector<Value>;
  std::variant<std::monostate, bool, int64_t, double, std::string, Decimal, Array> v;

  bool is_null() const { return v.index() == 0; }
  bool as_bool() const { return std::get<bool>(v); }
  int64_t as_int() const { return std::get<int64_t>(v); }
  double as_double() const { return std::get<double>(v); }
  const std::string& as_string() const { return std::get<std::string>(v); }
  bool operator==(const Value& o) const;
  static Value null() { return {}; }
  static Value of(bool b) { Value x; x.v = b; return x; }
  static Value of(int64_t i) { Value x; x.v = i; return x; }
  static Value of(double d) { Value x; x.v = d; return x; }
  static Value of(std::string s) { Value x; x.v = std::move(s); return x; }
};

// Renders a value of type `t` as Spark's string cast does (`1`, `1.5`, `1.0E10`, `2024-01-01`).
std::string value_to_string(const Value& v, const DataType& t);

enum class ExprKind : uint8_t {
  // From the wire, replaced by the analyzer.
  UnresolvedAttribute,     // name_parts (a.b.c), plan_id (-1 = none)
  UnresolvedStar,          // name_parts = qualifier target (`t.*`), empty for `*`
  UnresolvedFunction,      // name, children, distinct
  UnresolvedExtractValue,  // children {value, key}
  UnresolvedAlias,         // a select-list expression still waiting for its generated name
  MultiAlias,              // children {generator}, name_parts = its output names (`.alias("p", "c")`)
  ExpressionString,        // SQL text (needs the SQL parser)
  // Resolved.
  Attribute,    // a column: name, type, nullable, id, qualifier
  Literal,      // value, type
  Alias,        // children {expr}, name, id: a named output (`expr AS name`)
  Cast,         // children {expr}, type; user_cast=false for casts the analyzer inserted
  Call,         // a resolved scalar function / operator: name (canonical), children, type
  AggCall,      // a resolved aggregate function: name, children, distinct, type
  SortOrder,    // children {expr}, ascending, nulls_first
  GetField,     // children {struct}, name = field, ordinal = index
  WindowExpr,   // children {function, partition exprs…, SortOrders…}; ordinal = number of
                // partition exprs; frame. Function: AggCall or a window Call (row_number, lag…)
  PythonUDF,    // a user's Python function: name, children = arguments, type = return type,
                // python = the pickled function. Never evaluated natively: ExtractPythonUDFs
                // moves every call into a BatchEvalPython operator.
  // Subqueries (Spark's SubqueryExpression): `plan` is the query; once analysed, the children
  // end with the outer attributes it reads (its correlation), id = its exprId. Rewritten into
  // joins before optimisation (optimizer/subquery.cpp).
  ScalarSubquery,  // children {outer attrs…}; type = the plan's one column
  Exists,          // children {outer attrs…}
  InSubquery,      // children {values…, outer attrs…}, ordinal = number of values (ListQuery)
  OuterReference,  // children {attribute}: inside a subquery plan, a column of the enclosing query
};

// A Python UDF's function (Spark's PythonFunction + evalType). The command travels to
// executors once each, named by `id` (a hash of the bytes, so the same function used in many
// queries is shipped once).
struct PythonFunc {
  std::shared_ptr<const std::string> command;  // cloudpickle of the function
  int64_t id = 0;
  int eval_type = 100;      // PythonEvalType.SQL_BATCHED_UDF
  bool deterministic = true;  // false after asNondeterministic()
};
// Python function ids live above every RDD function id (those count up from 0).
int64_t python_func_id(const std::string& command);

// A window frame (Spark's SpecifiedWindowFrame / UnspecifiedFrame). Offsets count rows (ROWS) or
// order-key units (RANGE); negative = PRECEDING.
enum class FrameType : uint8_t { Unspecified, Rows, Range };
struct FrameBound {
  enum class Kind : uint8_t { UnboundedPreceding, Offset, CurrentRow, UnboundedFollowing };
  Kind kind = Kind::CurrentRow;
  int64_t offset = 0;
  // How Spark holds the offset, which its SQL text shows: UnaryMinus(n) (lag, `n PRECEDING` in
  // SQL) prints `n PRECEDING`; a literal (rowsBetween(-2, …)) prints `-2 FOLLOWING`, with the
  // `L` of a bigint literal for rangeBetween.
  bool minus = false, long_literal = false;
  bool operator==(const FrameBound& o) const {
    return kind == o.kind && offset == o.offset && minus == o.minus && long_literal == o.long_literal;
  }
};
struct WindowFrame {
  FrameType type = FrameType::Unspecified;
  FrameBound lower, upper;
  bool operator==(const WindowFrame& o) const { return type == o.type && lower == o.lower && upper == o.upper; }
  std::string sql() const;        // `ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`
  std::string to_string() const;  // `specifiedwindowframe(RowFrame, unboundedpreceding$(), currentrow$())`
};

struct Expr;
struct LogicalPlan;
using ExprPtr = std::shared_ptr<const Expr>;
using ExprList = std::vector<ExprPtr>;

struct Expr {
  ExprKind kind = ExprKind::Literal;
  std::string name;                     // attribute/function/alias/field name
  std::vector<std::string> name_parts;  // UnresolvedAttribute / UnresolvedStar
  std::vector<std::string> qualifier;   // Attribute: the relation alias it came from
  int64_t plan_id = -1;                 // UnresolvedAttribute: df["x"] of that DataFrame
  int64_t id = -1;                      // Attribute / Alias: Spark's exprId
  // Attribute: the column's metadata; Alias: its explicit metadata (`alias(metadata=…)`),
  // empty = inherited from a named child. JSON object text; empty = none ("{}").
  std::string metadata;
  DataType type;                        // resolved result type
  bool nullable = true;
  bool distinct = false;                // UnresolvedFunction / AggCall
  bool ignore_nulls = false;            // AggCall first/last(…, ignorenulls)
  bool user_cast = true;                // Cast: false = inserted by coercion (not in names)
  bool ascending = true, nulls_first = true;  // SortOrder
  int ordinal = 0;                      // GetField
  Value value;                          // Literal
  WindowFrame frame;                    // WindowExpr
  std::shared_ptr<const PythonFunc> python;  // PythonUDF
  std::shared_ptr<const LogicalPlan> plan;  // subqueries
  ExprList children;

  // WindowExpr parts.
  const ExprPtr& window_function() const { return children[0]; }
  ExprList window_partition() const;
  ExprList window_order() const;

  bool resolved() const;      // this node and every child resolved
  bool foldable() const;      // a constant: literals and deterministic calls over them
  // foldable() of this node given foldable children: what a walk that visits every child
  // anyway asks (a chain of n calls is not re-walked at each level).
  bool foldable_node() const;
  bool deterministic() const;
  // Spark's Expression.sql through toPrettySQL: the auto-generated column name.
  std::string sql() const;
  // Spark's toString: explain's form (`a#1L`, `'a`, `count(1)`, `cast(a#1 as int)`).
  std::string to_string() const;
  ExprPtr with_children(ExprList c) const;
};

// Constructors.
ExprPtr lit(Value v, DataType t);
ExprPtr lit_int(int32_t v);
ExprPtr lit_long(int64_t v);
ExprPtr lit_string(std::string s);
ExprPtr lit_bool(bool b);
ExprPtr lit_null(DataType t = DataType::null());
ExprPtr attr(std::string name, DataType t, bool nullable, int64_t id, std::vector<std::string> qualifier = {},
             std::string metadata = {});
ExprPtr unresolved_attr(std::vector<std::string> parts, int64_t plan_id = -1);
ExprPtr unresolved_fn(std::string name, ExprList args, bool distinct = false);
ExprPtr alias(ExprPtr e, std::string name, int64_t id);
ExprPtr cast(ExprPtr e, DataType t, bool user = false);
ExprPtr call(std::string name, ExprList args, DataType t, bool nullable = true);
ExprPtr sort_order(ExprPtr e, bool ascending, bool nulls_first);

// Generic rewrites: `f` returns the replacement or nullptr to keep the node.
using ExprRule = std::function<ExprPtr(const ExprPtr&)>;
ExprPtr transform_up(const ExprPtr& e, const ExprRule& f);
ExprPtr transform_down(const ExprPtr& e, const ExprRule& f);
void foreach_expr(const ExprPtr& e, const std::function<void(const Expr&)>& f);
bool any_expr(const ExprPtr& e, const std::function<bool(const Expr&)>& f);
// Structural equality ignoring nothing (ids included); used by fixed-point detection and CSE.
bool expr_equal(const Expr& a, const Expr& b);

// explode / explode_outer / posexplode / posexplode_outer: table-generating functions, which
// only a select list may hold (the analyzer turns them into Generate nodes).
bool is_generator_name(const std::string& n);

// The functions only a window can compute (row_number, rank, …, lag, lead, nth_value).
bool is_window_function_name(const std::string& n);
// A window expression over `fn` (as resolved by the analyzer; frame Unspecified until then).
ExprPtr window_expr(ExprPtr fn, ExprList partition, ExprList order, WindowFrame frame);

// A Python UDF call (resolved once its arguments are).
ExprPtr python_udf(std::string name, ExprList args, DataType result, std::shared_ptr<const PythonFunc> f);
bool contains_python_udf(const ExprPtr& e);
// A subquery expression (ScalarSubquery, Exists, InSubquery).
bool is_subquery_expr(const Expr& e);
ExprPtr subquery_expr(ExprKind k, std::shared_ptr<const LogicalPlan> plan, ExprList values = {});
ExprPtr outer_ref(ExprPtr attribute);
// The outer attributes a subquery reads (after analysis) and its InSubquery values.
ExprList subquery_outer_attrs(const Expr& e);
ExprList subquery_values(const Expr& e);

// `#12L`-style suffix: `L` for bigint attributes, as Spark prints them.
std::string attr_suffix(const Expr& a);

}  // namespace spp::sql
