// The SQL parser (src/sql/parser): tokens, precedence, every construct, Spark's error texts.
#include <doctest/doctest.h>

#include "sql/parser/parser.h"
#include "sql/session.h"

using namespace spp::sql;
using namespace spp::sql::parser;
using nlohmann::json;

namespace {

std::vector<Token> toks(const std::string& s) {
  auto r = tokenize(s);
  REQUIRE(std::holds_alternative<std::vector<Token>>(r));
  return std::get<std::vector<Token>>(r);
}

// The parsed expression in explain form ('a, 'f(…), literals) — what the decoder's nodes print.
std::string ex(const std::string& s) {
  IdGen ids;
  auto r = parse_expression(s, ids);
  if (auto* e = std::get_if<ParseError>(&r)) return "ERROR " + e->message;
  return std::get<ExprPtr>(r)->to_string();
}

ParseError expr_error(const std::string& s) {
  IdGen ids;
  auto r = parse_expression(s, ids);
  REQUIRE(std::holds_alternative<ParseError>(r));
  return std::get<ParseError>(r);
}

std::string plan(const std::string& s, const ParseArgs& args = {}) {
  IdGen ids;
  auto r = parse_statement(s, ids, args);
  if (auto* e = std::get_if<ParseError>(&r)) return "ERROR " + e->message;
  return std::get<Statement>(r).plan->tree_string();
}

ParseError stmt_error(const std::string& s) {
  IdGen ids;
  auto r = parse_statement(s, ids);
  REQUIRE(std::holds_alternative<ParseError>(r));
  return std::get<ParseError>(r);
}

ExprPtr literal(const std::string& s) {
  IdGen ids;
  auto r = parse_expression(s, ids);
  REQUIRE(std::holds_alternative<ExprPtr>(r));
  auto e = std::get<ExprPtr>(r);
  REQUIRE(e->kind == ExprKind::Literal);
  return e;
}

}  // namespace

TEST_CASE("sql parser: tokens with lines and positions") {
  auto t = toks("SELECT a,`b c`\n  FROM t -- note\n WHERE x <=> 'it\\'s' /* c /* nested */ */ AND y != 1.5e3");
  REQUIRE(t.size() == 15);
  CHECK(t[0].kind == Tok::Word);
  CHECK(t[3].kind == Tok::Quoted);
  CHECK(t[3].text == "b c");
  CHECK(t[4].text == "FROM");
  CHECK(t[4].line == 2);
  CHECK(t[4].pos == 2);
  CHECK(t[8].text == "<=>");
  CHECK(t[9].kind == Tok::String);
  CHECK(unescape_sql_string(t[9].text) == "it's");
  CHECK(t[11].text == "y");
  CHECK(t[12].text == "!=");
  CHECK(t[13].kind == Tok::Number);
  CHECK(t[13].text == "1.5e3");
  CHECK(t[14].kind == Tok::End);
  CHECK(toks("1L 2S 3Y 4BD 5D 1.5F 12abc")[6].kind == Tok::Word);
  CHECK(toks(":name ?")[0].kind == Tok::Param);
  CHECK(toks(":name ?")[1].kind == Tok::QMark);
  CHECK(toks("é.x")[2].pos == 2);  // characters, not bytes
  CHECK(unescape_sql_string("a\\nb\\tc\\\\d\\u0041\\101\\%") == "a\nb\tc\\dAA\\%");
  auto bad = tokenize("SELECT /* open");
  REQUIRE(std::holds_alternative<ParseError>(bad));
  CHECK(std::get<ParseError>(bad).error_class == "UNCLOSED_BRACKETED_COMMENT");
}

TEST_CASE("sql parser: literals and their types") {
  CHECK(literal("1")->type == DataType::int_());
  CHECK(literal("2147483648")->type == DataType::long_());
  CHECK(literal("-2147483648")->type == DataType::int_());
  CHECK(literal("99999999999999999999")->type == DataType::decimal(20, 0));
  CHECK(literal("10L")->type == DataType::long_());
  CHECK(literal("10S")->type == DataType::short_());
  CHECK(literal("10Y")->type == DataType::byte_());
  CHECK(literal("1.5")->type == DataType::decimal(2, 1));
  CHECK(literal("0.05")->type == DataType::decimal(2, 2));
  CHECK(literal(".5")->type == DataType::decimal(1, 1));
  CHECK(literal("1.50BD")->type == DataType::decimal(3, 2));
  CHECK(literal("1e3")->type == DataType::double_());
  CHECK(literal("1e3")->value.as_double() == 1000.0);
  CHECK(literal("1D")->type == DataType::double_());
  CHECK(literal("2.5F")->type == DataType::float_());
  CHECK(literal("-1.5")->sql() == "-1.5");
  CHECK(literal("'a' \"b\"")->value.as_string() == "ab");
  CHECK(literal("X'4142'")->value.as_string() == "AB");
  CHECK(literal("X'4142'")->type == DataType::binary());
  CHECK(literal("DATE '2024-02-29'")->value.as_int() == 19782);
  CHECK(literal("DATE '2024-02-29'")->sql() == "DATE '2024-02-29'");
  CHECK(literal("true")->type == DataType::boolean());
  CHECK(literal("NULL")->value.is_null());
  CHECK(expr_error("128Y").error_class == "INVALID_NUMERIC_LITERAL_RANGE");
  CHECK(expr_error("DATE '2023-02-29'").error_class == "INVALID_TYPED_LITERAL");
}

TEST_CASE("sql parser: operator precedence as Spark's grammar") {
  CHECK(ex("a + b * c") == "('a + ('b * 'c))");
  CHECK(ex("a - b - c") == "(('a - 'b) - 'c)");
  CHECK(ex("-a * b") == "(-'a * 'b)");  // unary minus: `-` of one argument, named (- a)
  CHECK(ex("a = 1 OR b = 2 AND c = 3") == "(('a = 1) OR (('b = 2) AND ('c = 3)))");
  // Spark's visitLogicalBinary balances a chain of one operator
  CHECK(ex("a AND b AND c AND d") == "(('a AND 'b) AND ('c AND 'd))");
  CHECK(ex("a OR b OR c OR d OR e") == "((('a OR 'b) OR 'c) OR ('d OR 'e))");
  CHECK(ex("a AND (b AND c)") == "('a AND ('b AND 'c))");
  CHECK(ex("NOT a = 1 AND b") == "(NOT ('a = 1) AND 'b)");
  CHECK(ex("a | b & c") == "('a | ('b & 'c))");
  CHECK(ex("~a ^ 1") == "(~'a ^ 1)");
  CHECK(ex("a + 1 > b") == "(('a + 1) > 'b)");
  CHECK(ex("a != 1") == "NOT ('a = 1)");
  CHECK(ex("a <> 1") == "NOT ('a = 1)");
  CHECK(ex("a == 1") == "('a = 1)");
  CHECK(ex("a <=> NULL") == "('a <=> null)");
  CHECK(ex("a || b") == "concat('a, 'b)");  // Concat; the call concat(a, b) is 'concat('a, 'b)
  CHECK(ex("concat(a, b)") == "'concat('a, 'b)");
  CHECK(ex("isnull(a)") == "'isnull('a)");
  CHECK(ex("7 DIV 2") == "(7 div 2)");
  CHECK(ex("(a + b) * c") == "(('a + 'b) * 'c)");
  CHECK(ex("!a") == "NOT 'a");
}

TEST_CASE("sql parser: predicates, CASE, CAST, functions, access") {
  CHECK(ex("a IS NULL") == "isnull('a)");
  CHECK(ex("a IS NOT NULL") == "isnotnull('a)");
  CHECK(ex("a IS TRUE") == "('a <=> true)");
  CHECK(ex("a IS NOT FALSE") == "NOT ('a <=> false)");
  CHECK(ex("a IS DISTINCT FROM b") == "NOT ('a <=> 'b)");
  CHECK(ex("a IN (1, 2)") == "'a IN (1,2)");
  CHECK(ex("a NOT IN (1, 2)") == "NOT 'a IN (1,2)");
  CHECK(ex("a BETWEEN 1 AND 3") == "(('a >= 1) AND ('a <= 3))");
  CHECK(ex("a NOT BETWEEN 1 AND 3") == "NOT (('a >= 1) AND ('a <= 3))");
  CHECK(ex("s LIKE 'a%'") == "'s LIKE a%");
  CHECK(ex("s NOT RLIKE '^a'") == "NOT RLIKE('s, ^a)");
  CHECK(ex("s ILIKE 'A%'") == "ilike('s, A%, \\)");  // ILike(left, right, escapeChar)
  CHECK(ex("CASE WHEN a > 1 THEN 'x' ELSE 'y' END") == "CASE WHEN ('a > 1) THEN x ELSE y END");
  CHECK(ex("CASE a WHEN 1 THEN 'x' WHEN 2 THEN 'y' END") == "CASE WHEN ('a = 1) THEN x WHEN ('a = 2) THEN y END");
  CHECK(ex("CAST(a AS INT)") == "cast('a as int)");
  CHECK(ex("CAST(a AS DECIMAL(10, 2))") == "cast('a as decimal(10,2))");
  CHECK(ex("a::bigint") == "cast('a as bigint)");
  CHECK(ex("CAST(a AS ARRAY<INT>)") == "cast('a as array<int>)");
  CHECK(ex("count(*)") == "'count(1)");  // AstBuilder: COUNT(*) is COUNT(1)
  CHECK(ex("COUNT(*)") == "'COUNT(1)");
  CHECK(ex("count(DISTINCT *)") == "'count(distinct *)");
  CHECK(ex("count(DISTINCT x)") == "'count(distinct 'x)");
  CHECK(ex("concat_ws('-', a, b)") == "'concat_ws(-, 'a, 'b)");
  CHECK(ex("left(s, 2)") == "'left('s, 2)");
  CHECK(ex("first(x) IGNORE NULLS") == "'first('x, true)");
  CHECK(ex("t.a") == "'t.a");
  CHECK(ex("a.b.c") == "'a.b.c");
  CHECK(ex("`a.b`") == "'a.b");
  CHECK(ex("arr[0]") == "'arr[0]");
  CHECK(ex("m['k']") == "'m[k]");
  CHECK(ex("f(x).field") == "'f('x)[field]");
  CHECK(ex("*") == "*");
  CHECK(ex("t.*") == "t.*");
  CHECK(ex("a + 1 AS b") == "('a + 1) AS b#0");
  CHECK(ex("a b") == "'a AS b#0");
  CHECK(ex("posexplode(arr) AS (p, c)") == "'posexplode('arr) AS (p, c)");
  // A row constructor is Spark's CreateStruct: NamePlaceholder for a column, else colN.
  CHECK(ex("(a, b)") == "named_struct(NamePlaceholder, 'a, NamePlaceholder, 'b)");
  CHECK(ex("(1, a + 1)") == "named_struct(col1, 1, col2, ('a + 1))");
  // TIMESTAMP_NTZ '…' is a literal (printed as its value); a form it does not read stays a cast.
  CHECK(ex("TIMESTAMP_NTZ '2024-02-29 10:11:12.1234567'") == "2024-02-29 10:11:12.123456");
  CHECK(ex("TIMESTAMP_NTZ '2024-1-2'") == "2024-01-02 00:00:00");
  CHECK(ex("TIMESTAMP_NTZ '2024-01-02 03:04Z'") == "cast(2024-01-02 03:04Z as timestamp_ntz)");
  // lambdas: unbound lambdafunction(body, names…) until the analyzer binds them
  CHECK(ex("transform(a, x -> x + 1)") == "'transform('a, lambdafunction((lambda 'x + 1), lambda 'x, false))");
  CHECK(ex("aggregate(a, 0, (acc, x) -> acc + x, acc -> acc)") ==
        "'aggregate('a, 0, lambdafunction((lambda 'acc + lambda 'x), lambda 'acc, lambda 'x, false), "
        "lambdafunction(lambda 'acc, lambda 'acc, false))");
  CHECK(ex("(a, b) + 1") == "(named_struct(NamePlaceholder, 'a, NamePlaceholder, 'b) + 1)");
  CHECK(ex("exists(a, x -> x > 2)") == "'exists('a, lambdafunction((lambda 'x > 2), lambda 'x, false))");
}

TEST_CASE("sql parser: error texts with positions (ParseException)") {
  auto e = stmt_error("SELECT FROM t");
  CHECK(e.message == "[PARSE_SYNTAX_ERROR] Syntax error at or near 'FROM'.");
  CHECK(e.line == 1);
  CHECK(e.pos == 7);
  CHECK(parse_error_text(e, "SELECT FROM t") ==
        "\n[PARSE_SYNTAX_ERROR] Syntax error at or near 'FROM'.(line 1, pos 7)\n\n== SQL ==\nSELECT FROM t\n-------^^^\n");
  auto end = expr_error("a >");
  CHECK(end.message == "[PARSE_SYNTAX_ERROR] Syntax error at or near end of input.");
  CHECK(end.pos == 3);
  auto two = stmt_error("SELECT a\nFROM t WHERE\nAND");
  CHECK(two.line == 3);
  CHECK(two.pos == 0);
  CHECK(parse_error_text(two, "SELECT a\nFROM t WHERE\nAND") ==
        "\n[PARSE_SYNTAX_ERROR] Syntax error at or near 'AND'.(line 3, pos 0)\n\n== SQL ==\nSELECT a\nFROM t WHERE\nAND\n^^^\n");
  CHECK(stmt_error("").error_class == "PARSE_EMPTY_STATEMENT");
  CHECK(expr_error("a b c").message == "[PARSE_SYNTAX_ERROR] Syntax error at or near 'c'.");
  CHECK(expr_error("CAST(a AS foo)").error_class == "UNSUPPORTED_DATATYPE");
  CHECK(plan("SELECT (SELECT 1)").find("scalar-subquery#") != std::string::npos);  // parsed since subqueries (#14)
}

TEST_CASE("sql parser: queries build the DataFrame API's plan nodes") {
  CHECK(plan("SELECT a, b + 1 AS c FROM t WHERE a > 1") ==
        "'Project ['a, ('b + 1) AS c#0]\n+- 'Filter ('a > 1)\n   +- 'UnresolvedRelation [t], [], false\n");
  // an item that is not a NamedExpression waits in an UnresolvedAlias: never resolved
  CHECK(plan("SELECT 1") == "'Project [unresolvedalias(1, None)]\n+- OneRowRelation\n");
  CHECK(plan("SELECT DISTINCT a FROM t") == "'Distinct\n+- 'Project ['a]\n   +- 'UnresolvedRelation [t], [], false\n");
  CHECK(plan("SELECT k, count(*) FROM t GROUP BY k HAVING count(*) > 1") ==
        "'UnresolvedHaving ('count(1) > 1)\n+- 'Aggregate ['k], ['k, unresolvedalias('count(1), None)]\n"
        "   +- 'UnresolvedRelation [t], [], false\n");
  CHECK(plan("SELECT k + 1, sum(v) FROM t GROUP BY 1") ==
        "'Aggregate [('k + 1)], [unresolvedalias(('k + 1), None), unresolvedalias('sum('v), None)]\n"
        "+- 'UnresolvedRelation [t], [], false\n");
  CHECK(plan("SELECT a FROM t ORDER BY a DESC NULLS LAST, b LIMIT 3 OFFSET 1").find("'Sort ['a DESC NULLS LAST, 'b ASC NULLS FIRST], true") !=
        std::string::npos);
  CHECK(plan("SELECT a FROM t LIMIT 3 OFFSET 1").rfind("'Offset 1\n+- 'GlobalLimit 4\n", 0) == 0);
  CHECK(plan("SELECT * FROM a JOIN b ON a.k = b.k LEFT JOIN c USING (k)") ==
        "'Project [*]\n+- 'Join UsingJoin(LeftOuter, [k])\n   :- 'Join Inner, ('a.k = 'b.k)\n"
        "   :  :- 'UnresolvedRelation [a], [], false\n   :  +- 'UnresolvedRelation [b], [], false\n"
        "   +- 'UnresolvedRelation [c], [], false\n");
  CHECK(plan("SELECT * FROM a LEFT SEMI JOIN b ON a.k = b.k").find("Join LeftSemi") != std::string::npos);
  CHECK(plan("SELECT * FROM a ANTI JOIN b ON a.k = b.k").find("Join LeftAnti") != std::string::npos);
  CHECK(plan("SELECT * FROM a CROSS JOIN b").find("Join Cross") != std::string::npos);
  CHECK(plan("SELECT * FROM a FULL OUTER JOIN b ON true").find("Join FullOuter") != std::string::npos);
  CHECK(plan("SELECT * FROM a, b").find("Join Inner") != std::string::npos);
  CHECK(plan("SELECT x.a FROM (SELECT a FROM t) AS x").find("SubqueryAlias x") != std::string::npos);
  CHECK(plan("SELECT * FROM VALUES (1, 'a'), (2, 'b') AS v(n, s)") ==
        "'Project [*]\n+- 'SubqueryAlias v\n   +- 'UnresolvedInlineTable [n, s], [[1, a], [2, b]]\n");
  CHECK(plan("VALUES 1, 2") == "'UnresolvedInlineTable [col1], [[1], [2]]\n");
  CHECK(plan("VALUES (1, 2) AS t(a, b)") == "'SubqueryAlias t\n+- 'UnresolvedInlineTable [a, b], [[1, 2]]\n");
  CHECK(plan("SELECT a FROM t UNION SELECT a FROM u").rfind("'Distinct\n+- 'Union", 0) == 0);
  CHECK(plan("SELECT a FROM t UNION ALL SELECT a FROM u").rfind("'Union", 0) == 0);
  CHECK(plan("SELECT a FROM t EXCEPT ALL SELECT a FROM u").rfind("'Except All", 0) == 0);
  // INTERSECT binds tighter than UNION.
  auto ui = plan("SELECT 1 UNION ALL SELECT 2 INTERSECT SELECT 3");
  CHECK(ui.rfind("'Union false, false\n", 0) == 0);
  CHECK(ui.find("+- 'Intersect false\n") != std::string::npos);
  CHECK(plan("WITH c AS (SELECT 1 AS x) SELECT x FROM c").find("SubqueryAlias c") != std::string::npos);
  CHECK(plan("SELECT * FROM range(3)").find("Range (0, 3, step=1") != std::string::npos);
  ParseArgs args;
  args.named["lim"] = lit_int(5);
  CHECK(plan("SELECT a FROM t WHERE a < :lim", args).find("('a < 5)") != std::string::npos);
  ParseArgs pos;
  pos.positional = {lit_int(1), lit_string("x")};
  CHECK(plan("SELECT ? AS a, ? AS b", pos) == "Project [1 AS a#0, x AS b#1]\n+- OneRowRelation\n");
  CHECK(stmt_error("SELECT :nope").error_class == "UNBOUND_SQL_PARAMETER");
  CHECK(stmt_error("SELECT a FROM t GROUP BY 3").error_class == "GROUP_BY_POS_OUT_OF_RANGE");
  CHECK(stmt_error("SELECT a FROM t GROUP BY a, CUBE(b)").error_class == "UNSUPPORTED_FEATURE");
}

TEST_CASE("sql parser: statements") {
  IdGen ids;
  auto st = [&](const std::string& s) {
    auto r = parse_statement(s, ids);
    REQUIRE(std::holds_alternative<Statement>(r));
    return std::get<Statement>(r);
  };
  auto v = st("CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 1 AS x");
  CHECK(v.kind == StmtKind::CreateView);
  CHECK(v.replace);
  CHECK(v.name == "v");
  CHECK(st("DROP VIEW IF EXISTS v").if_exists);
  CHECK(st("SHOW TABLES").kind == StmtKind::ShowTables);
  CHECK(st("SHOW COLUMNS IN t").name == "t");
  CHECK(st("DESCRIBE TABLE t").kind == StmtKind::Describe);
  auto set = st("SET spark.sql.shuffle.partitions = 4;");
  CHECK(set.key == "spark.sql.shuffle.partitions");
  CHECK(set.value == "4");
  CHECK(st("SET spark.sql.shuffle.partitions").has_value == false);
  CHECK(st("EXPLAIN EXTENDED SELECT 1").mode == "extended");
}

TEST_CASE("sql parser: spark.sql and expression strings go through the session") {
  SqlSession s;
  auto sql = [](const std::string& q) { return json{{"root", {{"sql", {{"query", q}}}}}}; };
  json ok = s.analyze(sql("SELECT 1 AS a, 'x' AS b, 1 + 2"));
  REQUIRE(ok.contains("schema"));
  CHECK(ok["schema"]["fields"][2]["name"] == "(1 + 2)");
  json bad = s.analyze(sql("SELECT FROM t"));
  CHECK(bad["error"]["kind"] == "ParseException");
  CHECK(bad["error"]["errorClass"] == "PARSE_SYNTAX_ERROR");
  CHECK(bad["error"]["sqlState"] == "42601");
  json exprs = {{"root", {{"project", {{"input", {{"range", {{"end", "3"}}}}},
                                        {"expressions", {{{"expressionString", {{"expression", "id * 2 AS d"}}}},
                                                         {{"expressionString", {{"expression", "id % 2"}}}}}}}}}}};
  json r = s.analyze(exprs);
  REQUIRE_MESSAGE(r.contains("schema"), r.dump());
  CHECK(r["schema"]["fields"][0]["name"] == "d");
  CHECK(r["schema"]["fields"][1]["name"] == "(id % 2)");
  // An aggregate beside a plain column with no GROUP BY is Spark's MISSING_AGGREGATION.
  exprs["root"]["project"]["expressions"][1]["expressionString"]["expression"] = "count(*)";
  CHECK(s.analyze(exprs)["error"]["errorClass"] == "MISSING_AGGREGATION");
  // HAVING / ORDER BY with aggregates the select list lacks; ORDER BY positions.
  json h = s.analyze(sql("SELECT id % 2 AS k FROM range(10) GROUP BY id % 2 HAVING sum(id) > 20 ORDER BY count(*) DESC, 1"));
  REQUIRE(h.contains("schema"));
  CHECK(h["schema"]["fields"].size() == 1);
  json nat = s.analyze(sql("SELECT * FROM range(3) NATURAL JOIN range(2)"));
  REQUIRE(nat.contains("schema"));
  CHECK(nat["schema"]["fields"].size() == 1);
}

TEST_CASE("sql parser: window specifications and the WINDOW clause") {
  CHECK(ex("rank() OVER (PARTITION BY a, b ORDER BY c DESC)") ==
        "'rank() windowspecdefinition('a, 'b, 'c DESC NULLS LAST, unspecifiedframe$())");
  CHECK(ex("sum(x) OVER (ORDER BY c ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING)") ==
        "'sum('x) windowspecdefinition('c ASC NULLS FIRST, specifiedwindowframe(RowFrame, -2, 1))");
  CHECK(ex("sum(x) OVER (ORDER BY c ROWS 3 PRECEDING)") ==
        "'sum('x) windowspecdefinition('c ASC NULLS FIRST, specifiedwindowframe(RowFrame, -3, currentrow$()))");
  CHECK(ex("count(1) OVER (RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)") ==
        "'count(1) windowspecdefinition(specifiedwindowframe(RangeFrame, unboundedpreceding$(), unboundedfollowing$()))");
  CHECK(ex("count(1) OVER ()") == "'count(1) windowspecdefinition(unspecifiedframe$())");
  CHECK(plan("SELECT sum(x) OVER w FROM t WINDOW w AS (PARTITION BY k)").find("windowspecdefinition('k, unspecifiedframe$())") !=
        std::string::npos);
  CHECK(stmt_error("SELECT sum(x) OVER w FROM t").error_class == "_LEGACY_ERROR_TEMP_1001");
  CHECK(expr_error("sum(x) OVER (ORDER BY c ROWS BETWEEN INTERVAL 1 DAY PRECEDING AND CURRENT ROW)").error_class ==
        "UNSUPPORTED_FEATURE");
}

TEST_CASE("sql parser: ROLLUP, CUBE, GROUPING SETS, WITH ROLLUP") {
  auto agg = [](const std::string& q) { return plan(q).substr(0, plan(q).find('\n')); };
  CHECK(agg("SELECT a, b, sum(c) FROM t GROUP BY ROLLUP(a, b)").find("groupingsets(['a, 'b], ['a], [])") != std::string::npos);
  CHECK(agg("SELECT a, b, sum(c) FROM t GROUP BY CUBE(a, b)").find("groupingsets(['a, 'b], ['a], ['b], [])") != std::string::npos);
  CHECK(agg("SELECT a FROM t GROUP BY GROUPING SETS ((a, b), b, ())").find("groupingsets(['a, 'b], ['b], [])") !=
        std::string::npos);
  CHECK(agg("SELECT a FROM t GROUP BY a, b WITH ROLLUP").find("groupingsets(['a, 'b], ['a], [])") != std::string::npos);
  CHECK(stmt_error("SELECT a FROM t GROUP BY a, ROLLUP(b)").error_class == "UNSUPPORTED_FEATURE");
  CHECK(cube_sets(3).size() == 8);
  CHECK(rollup_sets(0) == std::vector<std::vector<int>>{{}});
}

// Found by fuzz_sql_parser: nesting deeper than the stack overflowed it (the parser's recursion,
// then the recursive printing and destruction of a left-deep `1+1+…` tree). Spark's parser
// turns its StackOverflowError into this ParseException at the statement's start.
TEST_CASE("sql parser: too deep a statement is FAILED_TO_PARSE_TOO_COMPLEX, not a stack overflow") {
  auto rep = [](const std::string& s, size_t n) {
    std::string r;
    for (size_t k = 0; k < n; ++k) r += s;
    return r;
  };
  const size_t n = 100000;
  for (const std::string& q :
       {"SELECT " + rep("(", n) + "1" + rep(")", n), "SELECT " + rep("1+", n) + "1", "SELECT " + rep("- ", n) + "1",
        "SELECT " + rep("NOT ", n) + "true", "SELECT x" + rep("[0]", n), "SELECT CAST(1 AS INT)" + rep("::int", n),
        rep("SELECT * FROM (", n) + "SELECT 1" + rep(")", n), "SELECT * FROM " + rep("(", n) + "t" + rep(")", n),
        "SELECT " + rep("abs(", n) + "1" + rep(")", n), "SELECT 1" + rep(" UNION ALL SELECT 1", 5000),
        "SELECT * FROM t" + rep(" JOIN t", 5000)}) {
    ParseError e = stmt_error(q);
    CHECK(e.error_class == "FAILED_TO_PARSE_TOO_COMPLEX");
    CHECK(e.line == 1);
    CHECK(e.pos == 0);
  }
  CHECK(expr_error(rep("1+", n) + "1").error_class == "FAILED_TO_PARSE_TOO_COMPLEX");
  CHECK(expr_error(rep("(", n) + "1" + rep(")", n)).message ==
        "[FAILED_TO_PARSE_TOO_COMPLEX] The statement, including potential SQL functions and referenced views, was too "
        "complex to parse.\nTo mitigate this error divide the statement into multiple, less complex chunks.");
  // What people write stays well inside the bounds.
  CHECK(plan("SELECT " + rep("(", 100) + "1" + rep(")", 100)).find("Project") != std::string::npos);
  CHECK(ex(rep("1+", 500) + "1").find("((1 + 1) + 1)") != std::string::npos);
}

// A CTE used twice re-parses its text per use: uses of uses grew exponentially (a hang).
TEST_CASE("sql parser: CTE uses of uses are bounded") {
  std::string q = "WITH c0 AS (SELECT 1 AS x)";
  for (int k = 1; k <= 40; ++k)
    q += ", c" + std::to_string(k) + " AS (SELECT * FROM c" + std::to_string(k - 1) + " a JOIN c" +
         std::to_string(k - 1) + " b)";
  CHECK(stmt_error(q + " SELECT * FROM c40").error_class == "FAILED_TO_PARSE_TOO_COMPLEX");
  CHECK(plan("WITH a AS (SELECT 1 x), b AS (SELECT * FROM a JOIN a) SELECT * FROM b JOIN b").find("Join") !=
        std::string::npos);
}

// Positions were counted from the line start for every token: quadratic on one long line (a
// generated 2 MB statement took minutes).
TEST_CASE("sql parser: token positions on a long line stay linear") {
  std::string s = "SELECT 1";
  for (int k = 0; k < 400000; ++k) s += ", 1";
  auto t = toks(s + " é x");
  REQUIRE(t.size() == 800005);
  CHECK(t[t.size() - 2].pos == static_cast<int>(s.size()) + 3);  // é is one character
  CHECK(t[3].pos == 10);
}

// Found by fuzz_sql_parser: `1e101F` made a FLOAT literal past Float.MaxValue, which printed
// through to_chars as "inf" and threw std::invalid_argument out of the plan printer. Spark's
// visitFloatLiteral refuses it; the message quotes the literal without its suffix.
TEST_CASE("sql parser: a FLOAT literal out of range is INVALID_NUMERIC_LITERAL_RANGE") {
  ParseError e = expr_error("1e101F");
  CHECK(e.error_class == "INVALID_NUMERIC_LITERAL_RANGE");
  CHECK(e.message == "[INVALID_NUMERIC_LITERAL_RANGE] Numeric literal 1e101 is outside the valid range for float with "
                     "minimum value of -3.4028234663852886E+38 and maximum value of 3.4028234663852886E+38. Please "
                     "adjust the value accordingly.");
  CHECK(expr_error("-3.5e38f").error_class == "INVALID_NUMERIC_LITERAL_RANGE");
  CHECK(expr_error("128Y").message.find("Numeric literal 128 is outside") != std::string::npos);
  CHECK(ex("3.4e38F") == "3.4E38");
  // The printer itself no longer throws on a FLOAT holding an infinite value.
  CHECK(lit(Value::of(1e101), DataType::float_())->to_string() == "Infinity");
}

// Found by fuzz_sql_parser (slow units): `FROM ((((…` tried a query, then a relation, at every
// level, inside each other's attempts: exponential. A failed attempt is remembered.
TEST_CASE("sql parser: parenthesized relations parse without exponential backtracking") {
  std::string open, close;
  for (int k = 0; k < 60; ++k) { open += "("; close += ")"; }
  CHECK(plan("SELECT * FROM " + open + "a JOIN b" + close).find("Join") != std::string::npos);
  CHECK(stmt_error("SELECT * FROM " + open + "a JOIN" + close).error_class == "PARSE_SYNTAX_ERROR");
  CHECK(plan("SELECT * FROM ((SELECT 1 AS x) t JOIN (b))").find("Join") != std::string::npos);
}
