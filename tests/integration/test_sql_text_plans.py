"""SQL text as Spark 3.5's parser leaves it, seen through EXPLAIN EXTENDED's parsed plan:
operators and predicates are expression classes printed infix (`('a > 1)`, `NOT ('b = 2)`,
`isnull('b)`, `'a IN (1,2)`), calls by name are UnresolvedFunctions (`'sum('a)`, COUNT(*) as
`'count(1)`), select items that are not named wait in `unresolvedalias(x, None)`, HAVING is
`'UnresolvedHaving`, AND/OR chains are balanced trees (AstBuilder.visitLogicalBinary).
Expected texts: Spark's sql-tests golden file explain.sql.out where it has the query, else the
3.5 sources' toString of each expression class (predicates.scala, arithmetic.scala, ...)."""
import os
import re

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import re
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("text-plans").getOrCreate()

def norm(s):
    return re.sub(r"plan_id=\d+", "plan_id=x", re.sub(r"#\d+", "#x", s))

def parsed(q):
    text = spark.sql("EXPLAIN EXTENDED " + q).collect()[0][0]
    return norm(text.split("== Parsed Logical Plan ==\n")[1].split("\n\n== Analyzed")[0])

spark.sql("CREATE OR REPLACE TEMP VIEW t AS SELECT id AS a, id % 3 AS b, CAST(id AS STRING) AS s FROM range(10)")
spark.sql("CREATE TABLE explain_temp1 (key int, val int) USING PARQUET")
check("golden_sum_distinct", lambda: parsed("SELECT sum(distinct val) FROM explain_temp1"))
spark.sql("DROP TABLE explain_temp1")
check("filter_ops", lambda: parsed("SELECT a + 1, b FROM t WHERE a > 1 AND NOT b = 2 OR b IS NULL"))
check("having", lambda: parsed("SELECT b, count(*) FROM t GROUP BY b HAVING sum(a) >= 10 ORDER BY b DESC"))
check("exprs", lambda: parsed(
    "SELECT -a, a % 2, a DIV 2, a / 2, a & 1, a | 2, a ^ 3, ~a, s || 'x', a BETWEEN 1 AND 3, "
    "a NOT IN (1, 2), b <=> 1, a != 1, s LIKE 'x%', s RLIKE 'x', s ILIKE 'X%', b IS NOT NULL, "
    "CASE WHEN a > 1 THEN 'x' ELSE 'y' END, CASE b WHEN 1 THEN 'one' END, isnull(a), concat(s, s), "
    "CAST(a AS string), 'str', 1.5, 10L, null, true, DATE'2020-01-01', a AS named FROM t"))
check("select_1", lambda: parsed("SELECT 1"))
spark.sql("CREATE OR REPLACE TEMP VIEW tb AS SELECT id AS a, id > 2 AS c FROM range(4)")
check("is_unknown", lambda: parsed("SELECT c IS UNKNOWN, c IS NOT UNKNOWN FROM tb"))
check("is_unknown_names", lambda: spark.sql("SELECT c IS UNKNOWN, c IS NOT UNKNOWN FROM tb").columns)
check("is_unknown_rows", lambda: [list(r) for r in spark.sql(
    "SELECT c IS UNKNOWN, NOT c IS NOT UNKNOWN FROM VALUES (true), (CAST(NULL AS BOOLEAN)) AS v(c)").collect()])
check("is_unknown_type", lambda: first_error(lambda: spark.sql("SELECT a IS UNKNOWN FROM tb").collect()))
check("having_cast", lambda: parsed("SELECT b FROM t GROUP BY b HAVING sum(a)"))
check("having_cast_rows", lambda: [list(r) for r in spark.sql(
    "SELECT b FROM t GROUP BY b HAVING max(a) - 9 ORDER BY b").collect()])
check("timestamp_literal", lambda: parsed("SELECT TIMESTAMP'2020-01-01 10:00:00'"))
check("column_aliases", lambda: parsed("SELECT * FROM (SELECT a, b FROM t) AS s(a, y)"))
check("column_aliases_analyzed", lambda: norm(spark.sql("EXPLAIN EXTENDED SELECT * FROM (SELECT a, b FROM t) s(a, y)")
      .collect()[0][0]).split("== Analyzed Logical Plan ==\n")[1].split("\n\n")[0].splitlines()[:4])
check("column_aliases_error", lambda: first_error(lambda: spark.sql("SELECT * FROM t AS s(x)").collect()))
check("cte_aliases", lambda: parsed("WITH w(p, q) AS (SELECT 1, 2) SELECT * FROM w"))
check("lambda", lambda: parsed("SELECT transform(array(1, 2), x -> x + 1)"))
check("balanced_names", lambda: spark.sql(
    "SELECT a > 1 AND b > 1 AND a < 5 AND b < 5, a > 1 OR b > 1 OR a < 5 FROM t").columns)
check("balanced_rows", lambda: [list(r) for r in spark.sql(
    "SELECT a FROM t WHERE a > 1 AND b > 0 AND a < 8 AND b < 2 ORDER BY a").collect()])
check("bitwise_not", lambda: [list(r) for r in spark.sql("SELECT ~5, ~a FROM t WHERE a = 0").collect()])
check("bitwise_not_name", lambda: spark.sql("SELECT ~a FROM t").columns)
# VALUES: one LocalRelation (ResolveInlineTables), not a union of one-row projections
def extended(q):
    return norm(spark.sql("EXPLAIN EXTENDED " + q).collect()[0][0])

def cell(v):
    return v if v is None or isinstance(v, (bool, int, float, str, list)) else str(v)

def typed(q):
    df = spark.sql(q)
    return [df.schema.simpleString(), [[cell(v) for v in r] for r in df.collect()]]

def error(q):
    try:
        spark.sql(q).collect()
    except Exception as e:  # noqa: BLE001
        return str(e).splitlines()[0]
    return "no error"

check("values_extended", lambda: extended("SELECT * FROM VALUES (1,'a'),(2,'b') AS t(x,y)"))
check("values_types", lambda: [typed(q) for q in [
    "SELECT * FROM VALUES (1, 2L), (3000000000, null), (null, 4) AS t(x, y)",
    "VALUES (1, 1.5), (2.25, 3)",
    "SELECT * FROM VALUES 1, 2, 3",
    "VALUES (null), (null)",
    "VALUES (DATE'2020-01-01'), (TIMESTAMP'2020-01-01 10:00:00')",
    "VALUES (array(1, 2)), (array(3))",
    "VALUES (1 + 1, upper('a'), -5, CAST('7' AS INT))",
    "WITH v AS (VALUES (1, 'x') AS t(a, b)) SELECT * FROM v",
    "SELECT col1 = current_date() FROM VALUES (current_date())"]])
check("values_errors", lambda: [error(q) for q in [
    "VALUES (1), ('a')", "VALUES (1, 2), (3)", "SELECT * FROM VALUES (1, 2) AS t(a)", "VALUES (rand())"]])
check("values_slices", lambda: [list(r) for r in spark.sql(
    "SELECT col1, spark_partition_id() FROM VALUES (1), (2), (3), (4), (5)").collect()])
check("values_in_subquery", lambda: [list(r) for r in spark.sql(
    "SELECT * FROM range(3) WHERE id IN (VALUES (1), (2))").collect()])
spark.sql("CREATE TABLE values_t (a int, b string) USING parquet")
spark.sql("INSERT INTO values_t VALUES (1, 'a'), (2, null)")
check("values_insert", lambda: [list(r) for r in spark.sql("SELECT * FROM values_t ORDER BY a").collect()])
spark.sql("DROP TABLE values_t")
spark.conf.set("spark.sql.adaptive.enabled", "false")
check("values_agg_plan", lambda: norm(spark.sql(
    "EXPLAIN SELECT k, sum(v) FROM VALUES (1, 2), (1, 3) t(k, v) GROUP BY k").collect()[0][0]))
check("values_cost", lambda: norm(spark.sql("EXPLAIN COST SELECT * FROM VALUES (1, 2), (1, 3) t(k, v)").collect()[0][0]))
spark.conf.set("spark.sql.adaptive.enabled", "true")
df = spark.table("t")
check("df_filter", lambda: [l for l in norm(explained(df.filter(F.col("a") > 1).select(F.col("a") + 1, "b"), True))
                            .split("\n\n")[0].splitlines()])
emit()
spark.stop()
'''


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    d = tmp_path_factory.mktemp("text_plans")
    return jobs.submit_ok(jobs.write_job(d, "text_plans.py", JOB), master="local[2]", timeout=180).result


def test_golden_explain_extended(result):
    # explain.sql.out: EXPLAIN EXTENDED SELECT sum(distinct val) FROM explain_temp1
    assert result("golden_sum_distinct") == ("'Project [unresolvedalias('sum(distinct 'val), None)]\n"
                                             "+- 'UnresolvedRelation [explain_temp1], [], false")


def test_operators_print_infix(result):
    assert result("filter_ops") == ("'Project [unresolvedalias(('a + 1), None), 'b]\n"
                                    "+- 'Filter ((('a > 1) AND NOT ('b = 2)) OR isnull('b))\n"
                                    "   +- 'UnresolvedRelation [t], [], false")


def test_having_count_star(result):
    assert result("having") == ("'Sort ['b DESC NULLS LAST], true\n"
                                "+- 'UnresolvedHaving ('sum('a) >= 10)\n"
                                "   +- 'Aggregate ['b], ['b, unresolvedalias('count(1), None)]\n"
                                "      +- 'UnresolvedRelation [t], [], false")


def test_expression_classes(result):
    items = [
        "unresolvedalias(-'a, None)", "unresolvedalias(('a % 2), None)", "unresolvedalias(('a div 2), None)",
        "unresolvedalias(('a / 2), None)", "unresolvedalias(('a & 1), None)", "unresolvedalias(('a | 2), None)",
        "unresolvedalias(('a ^ 3), None)", "unresolvedalias(~'a, None)", "unresolvedalias(concat('s, x), None)",
        "unresolvedalias((('a >= 1) AND ('a <= 3)), None)", "unresolvedalias(NOT 'a IN (1,2), None)",
        "unresolvedalias(('b <=> 1), None)", "unresolvedalias(NOT ('a = 1), None)",
        "unresolvedalias('s LIKE x%, None)", "unresolvedalias(RLIKE('s, x), None)",
        "unresolvedalias(ilike('s, X%, \\), None)", "unresolvedalias(isnotnull('b), None)",
        "unresolvedalias(CASE WHEN ('a > 1) THEN x ELSE y END, None)",
        "unresolvedalias(CASE WHEN ('b = 1) THEN one END, None)",
        "unresolvedalias('isnull('a), None)", "unresolvedalias('concat('s, 's), None)",
        "unresolvedalias(cast('a as string), None)", "unresolvedalias(str, None)", "unresolvedalias(1.5, None)",
        "unresolvedalias(10, None)", "unresolvedalias(null, None)", "unresolvedalias(true, None)",
        "unresolvedalias(2020-01-01, None)", "'a AS named#x"]
    assert result("exprs") == "'Project [" + ", ".join(items) + "]\n+- 'UnresolvedRelation [t], [], false"


def test_select_literal_is_unresolved(result):
    assert result("select_1") == "'Project [unresolvedalias(1, None)]\n+- OneRowRelation"


def test_is_unknown(result):
    # IsUnknown / IsNotUnknown: IsNull / IsNotNull of a BOOLEAN, named (c IS UNKNOWN)
    assert result("is_unknown") == ("'Project [unresolvedalias(isnull('c), None), unresolvedalias(isnotnull('c), None)]\n"
                                    "+- 'UnresolvedRelation [tb], [], false")
    assert result("is_unknown_names") == ["(c IS UNKNOWN)", "(c IS NOT UNKNOWN)"]
    assert result("is_unknown_rows") == [[False, False], [True, True]]
    assert result("is_unknown_type").startswith(
        'AnalysisException: [DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "(a IS UNKNOWN)" due to data type '
        'mismatch:')
    assert 'requires the "BOOLEAN" type, however "a" has the type "BIGINT".' in result("is_unknown_type")


def test_having_condition_not_a_predicate_is_cast(result):
    # withHavingClause: Cast(e, BooleanType) around a condition that is no Predicate
    assert result("having_cast") == ("'UnresolvedHaving cast('sum('a) as boolean)\n"
                                     "+- 'Aggregate ['b], ['b]\n"
                                     "   +- 'UnresolvedRelation [t], [], false")
    assert result("having_cast_rows") == [[1], [2]]  # max(a) - 9 is 0 for b = 0


def test_timestamp_literal_is_a_literal(result):
    assert result("timestamp_literal") == "'Project [unresolvedalias(2020-01-01 10:00:00, None)]\n+- OneRowRelation"


def test_subquery_column_aliases(result):
    assert result("column_aliases") == ("'Project [*]\n+- 'SubqueryAlias s\n"
                                        "   +- 'UnresolvedSubqueryColumnAliases [a, y]\n"
                                        "      +- 'Project ['a, 'b]\n"
                                        "         +- 'UnresolvedRelation [t], [], false")
    # ResolveSubqueryColumnAliases aliases every column, a same-named one too
    assert result("column_aliases_analyzed") == ["a: bigint, y: bigint", "Project [a#xL, y#xL]", "+- SubqueryAlias s",
                                                 "   +- Project [a#xL AS a#xL, b#xL AS y#xL]"]
    assert result("column_aliases_error") == (
        "AnalysisException: Number of column aliases does not match number of columns. Number of column aliases: 1; "
        "number of columns: 3.;")
    # (Spark draws the CTE as `CTE [w]` with the definition as an inner child; ours is inlined)
    assert [l.strip() for l in result("cte_aliases").splitlines()[-3:]] == [
        "+- 'UnresolvedSubqueryColumnAliases [p, q]",
        "+- 'Project [unresolvedalias(1, None), unresolvedalias(2, None)]",
        "+- OneRowRelation"]


def test_lambda_variables(result):
    assert result("lambda") == ("'Project [unresolvedalias('transform('array(1, 2), "
                                "lambdafunction((lambda 'x + 1), lambda 'x, false)), None)]\n+- OneRowRelation")


def test_and_or_chains_are_balanced(result):
    assert result("balanced_names") == ["(((a > 1) AND (b > 1)) AND ((a < 5) AND (b < 5)))",
                                        "(((a > 1) OR (b > 1)) OR (a < 5))"]
    assert result("balanced_rows") == [[4], [7]]


def test_bitwise_not(result):
    assert result("bitwise_not") == [[-6, -1]]
    assert result("bitwise_not_name") == ["~a"]


def test_dataframe_operators(result):
    lines = result("df_filter")
    assert lines[0] == "== Parsed Logical Plan =="
    assert lines[2] == "+- 'Filter ('a > 1)"


def test_values_is_one_local_relation(result):
    assert result("values_extended") == (
        "== Parsed Logical Plan ==\n'Project [*]\n+- 'SubqueryAlias t\n"
        "   +- 'UnresolvedInlineTable [x, y], [[1, a], [2, b]]\n\n"
        "== Analyzed Logical Plan ==\nx: int, y: string\nProject [x#x, y#x]\n+- SubqueryAlias t\n"
        "   +- LocalRelation [x#x, y#x]\n\n"
        "== Optimized Logical Plan ==\nLocalRelation [x#x, y#x]\n\n"
        "== Physical Plan ==\nLocalTableScan [x#x, y#x]\n\n")


def test_values_column_types(result):
    # ResolveInlineTables: findWiderTypeWithoutStringPromotion per column, nullable if any cell is
    assert result("values_types") == [
        ["struct<x:bigint,y:bigint>", [[1, 2], [3000000000, None], [None, 4]]],
        ["struct<col1:decimal(12,2),col2:decimal(11,1)>", [["1.00", "1.5"], ["2.25", "3.0"]]],
        ["struct<col1:int>", [[1], [2], [3]]],
        ["struct<col1:void>", [[None], [None]]],
        ["struct<col1:timestamp>", [["2020-01-01 00:00:00"], ["2020-01-01 10:00:00"]]],
        ["struct<col1:array<int>>", [[[1, 2]], [[3]]]],
        ["struct<col1:int,col2:string,col3:int,col4:int>", [[2, "A", -5, 7]]],
        ["struct<a:int,b:string>", [[1, "x"]]],
        ["struct<(col1 = current_date()):boolean>", [[True]]]]


def test_values_errors(result):
    assert result("values_errors") == [
        "[INVALID_INLINE_TABLE.INCOMPATIBLE_TYPES_IN_INLINE_TABLE] Invalid inline table. Found incompatible "
        "types in the column `col1` for inline table.;",
        "[INVALID_INLINE_TABLE.NUM_COLUMNS_MISMATCH] Invalid inline table. Inline table expected 2 columns but "
        "found 1 columns in row 1.;",
        "[INVALID_INLINE_TABLE.NUM_COLUMNS_MISMATCH] Invalid inline table. Inline table expected 1 columns but "
        "found 2 columns in row 0.;",
        "[INVALID_INLINE_TABLE.CANNOT_EVALUATE_EXPRESSION_IN_INLINE_TABLE] Invalid inline table. Cannot evaluate "
        "the expression \"rand()\" in inline table definition.;"]


def test_values_rows(result):
    # LocalTableScanExec: parallelize(rows, min(rows, leafNodeDefaultParallelism)) on local[2]
    assert result("values_slices") == [[1, 0], [2, 0], [3, 1], [4, 1], [5, 1]]
    assert result("values_in_subquery") == [[1], [2]]
    assert result("values_insert") == [[1, "a"], [2, None]]


def test_values_physical_plans(result):
    # docs/sql-ref-syntax-qry-explain.md: the scan joins its parent's codegen stage
    assert result("values_agg_plan") == (
        "== Physical Plan ==\n*(2) HashAggregate(keys=[k#x], functions=[sum(v#x)])\n"
        "+- Exchange hashpartitioning(k#x, 200), ENSURE_REQUIREMENTS, [plan_id=x]\n"
        "   +- *(1) HashAggregate(keys=[k#x], functions=[partial_sum(v#x)])\n"
        "      +- *(1) LocalTableScan [k#x, v#x]\n\n")
    # LocalRelation.computeStats: (8 + 4 + 4) bytes a row, two rows
    assert result("values_cost").startswith(
        "== Optimized Logical Plan ==\nLocalRelation [k#x, v#x], Statistics(sizeInBytes=32.0 B)\n")
