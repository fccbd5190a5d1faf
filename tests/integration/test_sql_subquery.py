"""Subqueries in spark.sql (issue 14): [NOT] EXISTS, [NOT] IN (null-aware), scalar subqueries,
correlated or not, decorrelated into joins (src/sql/optimizer/subquery.cpp), end to end on
local[2]. TPC-H Q4/Q16/Q17/Q20/Q21/Q22-shaped queries over small generated tables are compared
with the same queries computed in plain Python inside the job."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import random
from pyspark.sql import SparkSession
from pyspark.errors import AnalysisException

spark = SparkSession.builder.appName("sql-subquery").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "3")
rnd = random.Random(7)
N_ORD, N_PART, N_SUPP, N_CUST = 60, 20, 8, 25
customer = [(c, "%02d-%03d" % (rnd.choice([13, 31, 23, 29, 11, 17]), c), rnd.randint(-50, 1000)) for c in range(1, N_CUST + 1)]
orders = [(o, rnd.randint(1, 2 * N_CUST), rnd.choice(["1-URGENT", "2-HIGH", "3-MEDIUM"]), rnd.randint(0, 300),
           rnd.choice(["F", "O"])) for o in range(1, N_ORD + 1)]
part = [(p, rnd.choice(["B23", "B45", "B12"]), rnd.randint(1, 8), rnd.choice(["forest green", "navy", "forest red", "tan"]))
        for p in range(1, N_PART + 1)]
supplier = [(s, "S%02d" % s, rnd.choice(["ok", "Customer Complaints here", "fine"])) for s in range(1, N_SUPP + 1)]
partsupp = sorted({(rnd.randint(1, N_PART), rnd.randint(1, N_SUPP)) for _ in range(60)})
partsupp = [(p, s, rnd.randint(1, 60)) for p, s in partsupp]
lineitem = []
for o in range(1, N_ORD + 1):
    for _ in range(rnd.randint(0, 4)):
        c = rnd.randint(0, 50)
        lineitem.append((o, rnd.randint(1, N_PART), rnd.randint(1, N_SUPP), rnd.randint(1, 50),
                         float(rnd.randint(100, 10000)), c, c + rnd.randint(-10, 10)))
spark.createDataFrame(customer, "c_custkey int, c_phone string, c_acctbal int").createOrReplaceTempView("customer")
spark.createDataFrame(orders, "o_orderkey int, o_custkey int, o_orderpriority string, o_orderdate int, o_orderstatus string").createOrReplaceTempView("orders")
spark.createDataFrame(part, "p_partkey int, p_brand string, p_size int, p_type string").createOrReplaceTempView("part")
spark.createDataFrame(supplier, "s_suppkey int, s_name string, s_comment string").createOrReplaceTempView("supplier")
spark.createDataFrame(partsupp, "ps_partkey int, ps_suppkey int, ps_availqty int").createOrReplaceTempView("partsupp")
spark.createDataFrame(lineitem, "l_orderkey int, l_partkey int, l_suppkey int, l_quantity int, l_extendedprice double, "
                      "l_commitdate int, l_receiptdate int").createOrReplaceTempView("lineitem")
spark.createDataFrame([(1, 10), (2, 20), (3, None), (None, 40)], "k int, v int").createOrReplaceTempView("t")
spark.createDataFrame([(1, 100), (1, 101), (3, 300), (5, 500)], "k int, w int").createOrReplaceTempView("o")
spark.createDataFrame([(1,), (None,)], "k int").createOrReplaceTempView("n")
spark.createDataFrame([], "k int").createOrReplaceTempView("e")

def q(s):
    return spark.sql(s)

def rows(df):
    return [list(r) for r in df.collect()]

def err(fn):
    try:
        fn()
    except AnalysisException as e:
        return ["AnalysisException", e.getErrorClass()]
    except Exception as e:
        return [type(e).__name__, str(e)]
    return "no error"

# ---- TPC-H shapes: the engine's answer and plain Python's ----
def q4_ref():
    late = {l[0] for l in lineitem if l[5] < l[6]}
    cnt = {}
    for o in orders:
        if 100 <= o[3] < 200 and o[0] in late:
            cnt[o[2]] = cnt.get(o[2], 0) + 1
    return [[k, cnt[k]] for k in sorted(cnt)]
check("q4", lambda: [rows(q("""SELECT o_orderpriority, count(*) AS order_count FROM orders
    WHERE o_orderdate >= 100 AND o_orderdate < 200
      AND EXISTS (SELECT * FROM lineitem WHERE l_orderkey = o_orderkey AND l_commitdate < l_receiptdate)
    GROUP BY o_orderpriority ORDER BY o_orderpriority""")), q4_ref()])

def q16_ref():
    bad = {s[0] for s in supplier if "Complaints" in s[2]}
    pmap = {p[0]: p for p in part}
    groups = {}
    for ps in partsupp:
        p = pmap[ps[0]]
        if p[1] != "B45" and p[2] in (1, 3, 5, 7) and ps[1] not in bad:
            groups.setdefault((p[1], p[2]), set()).add(ps[1])
    out = [[b, s, len(v)] for (b, s), v in groups.items()]
    return sorted(out, key=lambda r: (-r[2], r[0], r[1]))
check("q16", lambda: [rows(q("""SELECT p_brand, p_size, count(DISTINCT ps_suppkey) AS supplier_cnt
    FROM partsupp, part
    WHERE p_partkey = ps_partkey AND p_brand <> 'B45' AND p_size IN (1, 3, 5, 7)
      AND ps_suppkey NOT IN (SELECT s_suppkey FROM supplier WHERE s_comment LIKE '%Complaints%')
    GROUP BY p_brand, p_size ORDER BY supplier_cnt DESC, p_brand, p_size""")), q16_ref()])

def q17_ref():
    avg = {}
    for p in {l[1] for l in lineitem}:
        qs = [l[3] for l in lineitem if l[1] == p]
        avg[p] = sum(qs) / len(qs)
    brand = {p[0] for p in part if p[1] == "B23"}
    tot = [l[4] for l in lineitem if l[1] in brand and l[3] < 0.2 * avg[l[1]]]
    return round(sum(tot) / 7.0, 6) if tot else None
check("q17", lambda: [[None if r[0] is None else round(r[0], 6) for r in q("""SELECT sum(l_extendedprice) / 7.0 AS avg_yearly
    FROM lineitem, part
    WHERE p_partkey = l_partkey AND p_brand = 'B23'
      AND l_quantity < (SELECT 0.2 * avg(l_quantity) FROM lineitem WHERE l_partkey = p_partkey)""").collect()][0],
    q17_ref()])

def q20_ref():
    forest = {p[0] for p in part if p[3].startswith("forest")}
    ok = set()
    for ps in partsupp:
        qs = [l[3] for l in lineitem if l[1] == ps[0] and l[2] == ps[1]]
        if ps[0] in forest and qs and ps[2] > 0.5 * sum(qs):
            ok.add(ps[1])
    return [[s[1]] for s in sorted(supplier, key=lambda s: s[1]) if s[0] in ok]
check("q20", lambda: [rows(q("""SELECT s_name FROM supplier
    WHERE s_suppkey IN (SELECT ps_suppkey FROM partsupp
                        WHERE ps_partkey IN (SELECT p_partkey FROM part WHERE p_type LIKE 'forest%')
                          AND ps_availqty > (SELECT 0.5 * sum(l_quantity) FROM lineitem
                                             WHERE l_partkey = ps_partkey AND l_suppkey = ps_suppkey))
    ORDER BY s_name""")), q20_ref()])

def q21_ref():
    status = {o[0]: o[4] for o in orders}
    names = {s[0]: s[1] for s in supplier}
    cnt = {}
    for l1 in lineitem:
        if status.get(l1[0]) != "F" or not l1[6] > l1[5]:
            continue
        others = [l for l in lineitem if l[0] == l1[0] and l[2] != l1[2]]
        if others and not any(l[6] > l[5] for l in others):
            cnt[names[l1[2]]] = cnt.get(names[l1[2]], 0) + 1
    return sorted([[k, v] for k, v in cnt.items()], key=lambda r: (-r[1], r[0]))
check("q21", lambda: [rows(q("""SELECT s_name, count(*) AS numwait
    FROM supplier, lineitem l1, orders
    WHERE s_suppkey = l1.l_suppkey AND o_orderkey = l1.l_orderkey AND o_orderstatus = 'F'
      AND l1.l_receiptdate > l1.l_commitdate
      AND EXISTS (SELECT * FROM lineitem l2 WHERE l2.l_orderkey = l1.l_orderkey AND l2.l_suppkey <> l1.l_suppkey)
      AND NOT EXISTS (SELECT * FROM lineitem l3 WHERE l3.l_orderkey = l1.l_orderkey AND l3.l_suppkey <> l1.l_suppkey
                      AND l3.l_receiptdate > l3.l_commitdate)
    GROUP BY s_name ORDER BY numwait DESC, s_name""")), q21_ref()])

def q22_ref():
    codes = ("13", "31", "23", "29")
    pos = [c[2] for c in customer if c[2] > 0 and c[1][:2] in codes]
    avg = sum(pos) / len(pos)
    has_orders = {o[1] for o in orders}
    g = {}
    for c in customer:
        if c[1][:2] in codes and c[2] > avg and c[0] not in has_orders:
            n, s = g.get(c[1][:2], (0, 0))
            g[c[1][:2]] = (n + 1, s + c[2])
    return [[k, g[k][0], g[k][1]] for k in sorted(g)]
check("q22", lambda: [rows(q("""SELECT cntrycode, count(*) AS numcust, sum(c_acctbal) AS totacctbal
    FROM (SELECT substring(c_phone, 1, 2) AS cntrycode, c_acctbal FROM customer
          WHERE substring(c_phone, 1, 2) IN ('13', '31', '23', '29')
            AND c_acctbal > (SELECT avg(c_acctbal) FROM customer
                             WHERE c_acctbal > 0 AND substring(c_phone, 1, 2) IN ('13', '31', '23', '29'))
            AND NOT EXISTS (SELECT * FROM orders WHERE o_custkey = c_custkey)) AS custsale
    GROUP BY cntrycode ORDER BY cntrycode""")), q22_ref()])

# ---- semantics on tiny tables (t: k 1,2,3,NULL; o: k 1,1,3,5; n: k 1,NULL; e: empty) ----
check("in", lambda: rows(q("SELECT k FROM t WHERE k IN (SELECT k FROM o) ORDER BY k")))
check("not_in", lambda: rows(q("SELECT k FROM t WHERE k NOT IN (SELECT k FROM o) ORDER BY k")))
check("not_in_null", lambda: rows(q("SELECT k FROM t WHERE k NOT IN (SELECT k FROM n)")))
check("not_in_empty", lambda: rows(q("SELECT k FROM t WHERE k NOT IN (SELECT k FROM e) ORDER BY k")))
check("in_multi", lambda: rows(q("SELECT k, v FROM t WHERE (k, v * 10) IN (SELECT k, w FROM o) ORDER BY k")))
check("exists", lambda: rows(q("SELECT k FROM t WHERE EXISTS (SELECT 1 FROM o WHERE o.k = t.k) ORDER BY k")))
check("not_exists", lambda: rows(q("SELECT k FROM t WHERE NOT EXISTS (SELECT 1 FROM o WHERE o.k = t.k) ORDER BY k")))
check("exists_uncorrelated", lambda: [rows(q("SELECT count(*) FROM t WHERE EXISTS (SELECT 1 FROM o)")),
                                      rows(q("SELECT count(*) FROM t WHERE EXISTS (SELECT 1 FROM e)"))])
check("scalar", lambda: rows(q("SELECT k, (SELECT max(w) FROM o) AS m FROM t ORDER BY k")))
check("scalar_cols", lambda: q("SELECT (SELECT max(w) FROM o), (SELECT min(w) FROM o) + 1 FROM t").columns)
check("scalar_empty", lambda: rows(q("SELECT (SELECT k FROM e) AS x FROM t LIMIT 1")))
check("scalar_where", lambda: rows(q("SELECT k FROM t WHERE v * 10 < (SELECT avg(w) FROM o) ORDER BY k")))
check("scalar_corr", lambda: rows(q("""SELECT k, (SELECT sum(w) FROM o WHERE o.k = t.k) AS s,
    (SELECT count(*) FROM o WHERE o.k = t.k) AS c, (SELECT count(w) + 10 FROM o WHERE o.k = t.k) AS d
    FROM t ORDER BY k""")))
check("scalar_having", lambda: rows(q("""SELECT k, sum(w) FROM o GROUP BY k
    HAVING sum(w) > (SELECT avg(w) FROM o) ORDER BY k""")))
check("scalar_in_agg", lambda: rows(q("SELECT k, sum(w) + (SELECT max(v) FROM t) AS x FROM o GROUP BY k ORDER BY k")))
check("scalar_agg_empty", lambda: [rows(q("SELECT count(*) + (SELECT 1) AS c FROM e")),
                                   rows(q("SELECT k % 2 AS m, count(*) * (SELECT count(*) FROM t) FROM o GROUP BY k % 2"))])
check("agg_predicates", lambda: rows(q("""SELECT k, EXISTS (SELECT 1 FROM t WHERE t.k = o.k) AS e,
    sum(w) IN (SELECT v * 10 + 1 FROM t) AS i, count_if(w IN (SELECT v * 10 FROM t)) AS c FROM o GROUP BY k ORDER BY k""")))
check("too_many_rows", lambda: err(lambda: q("SELECT (SELECT w FROM o) FROM t").collect()))
check("from_subquery", lambda: rows(q("SELECT x.k, x.c FROM (SELECT k, count(*) AS c FROM o GROUP BY k) x WHERE x.c > 1")))
check("errors", lambda: [err(lambda: q("SELECT (SELECT k, w FROM o) FROM t")),
                         err(lambda: q("SELECT (SELECT w FROM o WHERE o.k = t.k) FROM t")),
                         err(lambda: q("SELECT * FROM t WHERE k IN (SELECT k, w FROM o)")),
                         err(lambda: q("SELECT * FROM t WHERE EXISTS (SELECT t.v FROM o)"))])
check("exists_in_or", lambda: rows(q("SELECT k FROM t WHERE v > 30 OR EXISTS (SELECT 1 FROM o WHERE o.k = t.k) ORDER BY k")))
check("not_in_in_or", lambda: rows(q("SELECT k FROM t WHERE k = 2 OR k NOT IN (SELECT k FROM o WHERE k > 1) ORDER BY k")))
check("in_select_list", lambda: rows(q("""SELECT k, EXISTS (SELECT 1 FROM o WHERE o.k = t.k) AS e, k IN (SELECT k FROM o) AS i,
    k NOT IN (SELECT k FROM n) AS ni, CASE WHEN NOT EXISTS (SELECT 1 FROM o WHERE o.k = t.k) THEN 'none' END AS c
    FROM t ORDER BY k""")))
check("view_twice", lambda: [rows(q("CREATE OR REPLACE TEMP VIEW vx AS SELECT * FROM t WHERE EXISTS (SELECT 1 FROM o WHERE o.k = t.k)")),
                             rows(q("SELECT a.k, b.v FROM vx a JOIN vx b ON a.k = b.k ORDER BY a.k"))])
def file_view():
    import tempfile
    d = tempfile.mkdtemp()
    with open(d + "/f.csv", "w") as f:
        f.write("k,v\n1,10\n2,20\n3,30\n")
    spark.read.csv(d + "/f.csv", header=True, schema="k INT, v INT").createOrReplaceTempView("fv")
    # Every use of a file view gets fresh ids for the columns read and the file's columns alike.
    return rows(q("SELECT k FROM fv WHERE EXISTS (SELECT 1 FROM fv f2 WHERE f2.k = fv.k + 1) ORDER BY k"))
check("file_view", file_view)
check("join_on", lambda: [rows(q("SELECT t.k, o.w FROM t JOIN o ON t.k = o.k AND o.w IN (SELECT max(w) FROM o GROUP BY k) ORDER BY t.k")),
                          rows(q("SELECT t.k FROM t JOIN o ON t.k = o.k AND o.w > (SELECT avg(w) FROM o) ORDER BY t.k"))])
check("agg_corr", lambda: [rows(q("SELECT k, sum((SELECT sum(w) FROM o WHERE o.k = t.k)) FROM t GROUP BY k ORDER BY k")),
                           err(lambda: q("SELECT k, (SELECT sum(w) FROM o WHERE o.k = t.k) FROM t GROUP BY k"))])
check("explain", lambda: "LeftSemi" in q("EXPLAIN SELECT * FROM t WHERE k IN (SELECT k FROM o)").collect()[0][0])
# ---- uncorrelated scalar subqueries run as queries of their own (Spark's SubqueryExec) ----
SQ = "SELECT k FROM t WHERE v * 10 < (SELECT avg(w) FROM o) ORDER BY k"
check("sq_formatted", lambda: q("EXPLAIN FORMATTED " + SQ).collect()[0][0])
check("sq_extended", lambda: q("EXPLAIN EXTENDED " + SQ).collect()[0][0])
check("sq_nested", lambda: rows(q("SELECT k FROM t WHERE k = (SELECT max(k) FROM o WHERE w < (SELECT avg(w) FROM o))")))
check("sq_types", lambda: [str(x) for x in q("""SELECT (SELECT max(DATE'2024-02-29') FROM o) AS d,
    (SELECT max(TIMESTAMP'2024-03-10 12:34:56.123456') FROM o) AS ts, (SELECT max(CAST(w AS DECIMAL(20, 3))) / 7 FROM o) AS dec,
    (SELECT max(concat('é', w)) FROM o) AS s, (SELECT max(w) > 400 FROM o) AS b, (SELECT max(CAST(w AS FLOAT)) / 3 FROM o) AS f,
    (SELECT max(CAST(w AS TINYINT)) FROM o WHERE w < 120) AS ti, (SELECT max(unhex('CAFE')) FROM o) AS bin""").collect()[0]])
check("sq_limit_rows", lambda: [rows(q("SELECT (SELECT w FROM o ORDER BY w DESC LIMIT 1) AS x")),
                                err(lambda: q("SELECT (SELECT w FROM o ORDER BY w LIMIT 2) AS x").collect())])
check("sq_outer_join", lambda: rows(q("SELECT t.k, o.w FROM t LEFT JOIN o ON t.k = o.k AND o.w > (SELECT min(w) FROM o) ORDER BY t.k")))
def sq_write():
    import tempfile
    d = tempfile.mkdtemp() + "/out"
    q("SELECT k, v FROM t WHERE v > (SELECT min(v) FROM t)").write.parquet(d)
    return sorted(rows(spark.read.parquet(d)), key=repr)
check("sq_write", sq_write)
check("sq_rdd", lambda: sorted([list(r) for r in q("SELECT k, v FROM t WHERE v > (SELECT min(v) FROM t)").rdd.collect()], key=repr))
def sq_cached():
    df = q("SELECT k, v + (SELECT max(w) FROM o) AS x FROM t").cache()
    out = sorted(rows(df), key=str)
    df.unpersist()
    return out
check("sq_cached", sq_cached)
emit()
spark.stop()
'''


def test_sql_subqueries_local(tmp_path):
    script = jobs.write_job(tmp_path, "subq.py", JOB)
    res = jobs.submit_ok(script, master="local[2]", timeout=300)
    r = res.result
    for name in ("q4", "q16", "q17", "q20", "q21", "q22"):
        got, want = r(name)
        assert got == want, name
        assert want, name  # the generated data gives each query some rows
    assert r("in") == [[1], [3]]
    assert r("not_in") == [[2]]  # NULL NOT IN (…) is NULL: dropped
    assert r("not_in_null") == []  # a NULL in the subquery: no row is NOT IN it
    assert r("not_in_empty") == [[None], [1], [2], [3]]  # NOT IN an empty set: every row, NULL too
    assert r("in_multi") == [[1, 10]]
    assert r("exists") == [[1], [3]]
    assert r("not_exists") == [[None], [2]]
    assert r("exists_uncorrelated") == [[[4]], [[0]]]
    assert r("scalar") == [[None, 500], [1, 500], [2, 500], [3, 500]]
    assert r("scalar_cols") == ["scalarsubquery()", "(scalarsubquery() + 1)"]
    assert r("scalar_empty") == [[None]]
    assert r("scalar_where") == [[1], [2]]  # avg(w) = 250.25; v * 10 of k=NULL is 400
    assert r("scalar_corr") == [[None, None, 0, 10], [1, 201, 2, 12], [2, None, 0, 10], [3, 300, 1, 11]]
    assert r("scalar_having") == [[3, 300], [5, 500]]
    assert r("scalar_in_agg") == [[1, 241], [3, 340], [5, 540]]
    assert r("scalar_agg_empty") == [[[1]], [[1, 16]]]  # a global aggregate over no rows still sees the value
    assert r("agg_predicates") == [[1, True, True, 1], [3, True, False, 0], [5, False, False, 0]]
    kind, text = r("too_many_rows")
    assert "[SCALAR_SUBQUERY_TOO_MANY_ROWS] More than one row returned by a subquery used as an expression." in text
    assert sorted(r("from_subquery")) == [[1, 2]]
    assert r("errors") == [
        ["AnalysisException", "INVALID_SUBQUERY_EXPRESSION.SCALAR_SUBQUERY_RETURN_MORE_THAN_ONE_OUTPUT_COLUMN"],
        ["AnalysisException", "UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY.MUST_AGGREGATE_CORRELATED_SCALAR_SUBQUERY"],
        ["AnalysisException", "DATATYPE_MISMATCH.IN_SUBQUERY_LENGTH_MISMATCH"],
        ["AnalysisException", "UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY.CORRELATED_REFERENCE"]]
    assert r("exists_in_or") == [[None], [1], [3]]
    assert r("not_in_in_or") == [[1], [2]]
    # Nested IN / NOT IN are two-valued as Spark's ExistenceJoin: NULL IN (…) is false, and a NULL
    # in the subquery makes NOT IN false for every row.
    assert r("in_select_list") == [[None, False, False, False, "none"], [1, True, True, False, None],
                                   [2, False, False, False, "none"], [3, True, True, False, None]]
    assert r("view_twice") == [[], [[1, 10], [3, None]]]
    assert r("file_view") == [[1], [2]]
    assert r("join_on") == [[[1, 101], [3, 300]], [[3]]]
    assert r("agg_corr") == [[[None, None], [1, 201], [2, None], [3, 300]],
                             ["AnalysisException", "SCALAR_SUBQUERY_IS_IN_GROUP_BY_OR_AGGREGATE_FUNCTION"]]
    assert r("explain") is True
    # EXPLAIN FORMATTED: the subquery after the plan, with the operator hosting it (Spark 3.5's
    # ExplainUtils.processPlan, AQE on).
    f = r("sq_formatted")
    assert "Condition : (cast((v#" in f and " < Subquery subquery#" in f, f
    head, subs = f.split("\n===== Subqueries =====\n\n")
    assert head.startswith("== Physical Plan ==\nAdaptiveSparkPlan (6)\n+- Sort (5)\n"), f
    assert subs.startswith("Subquery:1 Hosting operator id = 2 Hosting Expression = Subquery subquery#"), f
    assert "\nAdaptiveSparkPlan (12)\n+- HashAggregate (11)\n" in subs and "\n(12) AdaptiveSparkPlan\nOutput [1]: [avg(w)#" in subs, f
    x = r("sq_extended")
    assert "== Optimized Logical Plan ==" in x and "LeftOuter" not in x, x
    assert ":  +- Subquery subquery#" in x and ":     +- AdaptiveSparkPlan isFinalPlan=false\n" in x, x
    assert r("sq_nested") == [[1]]  # avg(w) = 250.25: max(k) of w < 250.25 is 1
    # Each type's value comes back as a literal of that type.
    assert r("sq_types") == ["2024-02-29", "2024-03-10 12:34:56.123456", "71.42857142857143", "é500", "True",
                             "166.66666666666666", "101", "bytearray(b'\\xca\\xfe')"], r("sq_types")
    assert r("sq_limit_rows")[0] == [[500]]
    assert "[SCALAR_SUBQUERY_TOO_MANY_ROWS] More than one row returned by a subquery used as an expression." in r("sq_limit_rows")[1][1]
    assert r("sq_outer_join") == [[None, None], [1, 101], [2, None], [3, 300]]
    assert r("sq_write") == [[2, 20], [None, 40]], r("sq_write")
    assert r("sq_rdd") == r("sq_write")
    assert r("sq_cached") == sorted([[1, 510], [2, 520], [3, None], [None, 540]], key=str)
