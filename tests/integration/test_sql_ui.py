"""The SQL tab's REST API (/api/v1/applications/{id}/sql, Spark's ExecutionData shape) after a
groupBy and a join, live and replayed by the history server; its events in the event log."""
import json
import subprocess
import urllib.error
import urllib.request

from daemons import binary, kill_pids
from jobs import finish_held, start_held

# The end of every job here: the UI's address for the test, then held until it has looked.
HOLD = r'''
open(sys.argv[1] + ".tmp", "w").write(spark.sparkContext.uiWebUrl or "")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
deadline = time.time() + 60
while not os.path.exists(sys.argv[2]) and time.time() < deadline:
    time.sleep(0.05)
spark.stop()
'''

JOB = r'''
import os, sys, time
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.appName("sql-ui").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "4")
spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
people = spark.createDataFrame([(i, "k%d" % (i % 3)) for i in range(60)], ["id", "k"])
names = spark.createDataFrame([("k0", "zero"), ("k1", "one"), ("k2", "two")], ["k", "name"])
# query 0; the global sort runs a range sampling job first, whose tasks must not add to the counts
grouped = people.groupBy("k").agg(F.count("*").alias("n")).orderBy("k").collect()
assert [(r.k, r.n) for r in grouped] == [("k0", 20), ("k1", 20), ("k2", 20)]
joined = people.join(names, "k").filter(F.col("id") < 30).count()      # query 1
assert joined == 30
assert spark.range(5).filter(F.col("id") > 2).count() == 2                   # query 2
''' + HOLD


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


def status_of(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def run_held(tmp_path, conf=None):
    c = {"spark.ui.port": "0"}
    c.update(conf or {})
    return start_held(tmp_path, JOB, conf=c)


def metric(node, name):
    vals = [m["value"] for m in node["metrics"] if m["name"] == name]
    assert vals, (name, node)
    return vals[0]


def check_executions(base, app_id):
    execs = get(f"{base}/{app_id}/sql")
    assert [e["id"] for e in execs] == [0, 1, 2]
    keys = {"id", "status", "description", "planDescription", "submissionTime", "duration", "runningJobIds",
            "successJobIds", "failedJobIds", "nodes", "edges"}
    for e in execs:
        assert keys <= set(e), e.keys()
        assert e["status"] == "COMPLETED" and e["runningJobIds"] == [] and e["failedJobIds"] == []
        assert e["successJobIds"] and e["duration"] >= 0 and e["submissionTime"].endswith("GMT")
        assert e["planDescription"].startswith("== Physical Plan ==\n")
    g, j, s = execs
    assert g["description"].startswith("collect at ") and "job.py:" in g["description"]
    assert j["description"].startswith("count at ")
    assert s["description"].startswith("count at ")
    assert "Range" in [n["nodeName"] for n in s["nodes"]]

    # groupBy: partial and final HashAggregate around an Exchange; rows per operator.
    names = [n["nodeName"] for n in g["nodes"]]
    assert names.count("HashAggregate") == 2 and "Exchange" in names and "Scan ExistingRDD" in names, names
    by_id = {n["nodeId"]: n for n in g["nodes"]}
    assert sorted(by_id) == list(range(len(by_id)))
    for ed in g["edges"]:  # child -> parent, every node but the root has one parent
        assert set(ed) == {"fromId", "toId"} and ed["fromId"] in by_id and ed["toId"] in by_id
    assert len(g["edges"]) == len(by_id) - 1
    scan = next(n for n in g["nodes"] if n["nodeName"] == "Scan ExistingRDD")
    assert metric(scan, "number of output rows") == "60"
    partial, final = sorted((n for n in g["nodes"] if n["nodeName"] == "HashAggregate"), key=lambda n: -n["nodeId"])
    assert metric(final, "number of output rows") == "3"
    assert 3 <= int(metric(partial, "number of output rows")) <= 6  # one row per key per input partition
    assert metric(final, "peak memory").startswith("total (min, med, max (stageId: taskId))\n")
    assert "spill size" in [m["name"] for m in final["metrics"]]
    exch = by_id[next(ed["toId"] for ed in g["edges"] if ed["fromId"] == partial["nodeId"])]
    assert exch["nodeName"] == "Exchange"
    assert metric(exch, "records read") == metric(partial, "number of output rows")
    assert {n["stage"] for n in g["nodes"]} >= {-1, 0, 1, 2}
    assert all((n["stageId"] >= 0) == (n["stage"] >= 0) for n in g["nodes"])  # each fragment ran as a stage
    assert metric(next(n for n in g["nodes"] if n["nodeName"] == "Sort"), "number of output rows") == "3"

    # join + filter + count: the join's output and the filter's rows.
    jn = {n["nodeName"]: n for n in j["nodes"]}
    assert "SortMergeJoin" in jn, list(jn)
    assert metric(jn["SortMergeJoin"], "number of output rows") == "30"
    flt = next(n for n in j["nodes"] if n["nodeName"] == "Filter")
    assert metric(flt, "number of output rows") == "30"

    one = get(f"{base}/{app_id}/sql/1")
    assert one["id"] == 1 and one["nodes"] == j["nodes"]
    brief = get(f"{base}/{app_id}/sql?details=false&planDescription=false&offset=1&length=1")
    assert [e["id"] for e in brief] == [1] and brief[0]["nodes"] == [] and brief[0]["planDescription"] == ""
    assert status_of(f"{base}/{app_id}/sql/99") == 404
    # A query's jobs name it (the job page's "Associated SQL Query").
    for jid in g["successJobIds"]:
        assert get(f"{base}/{app_id}/jobs/{jid}")["sqlExecutionId"] == 0
    return execs


def test_sql_rest_live_and_from_history(tmp_path):
    events = tmp_path / "events"
    proc, tag, ui, release = run_held(tmp_path, conf={"spark.eventLog.enabled": "true", "spark.eventLog.dir": str(events)})
    try:
        app_id = get(f"{ui}/api/v1/applications")[0]["id"]
        live = check_executions(f"{ui}/api/v1/applications", app_id)
        with urllib.request.urlopen(f"{ui}/SQL/", timeout=10) as r:
            assert b"/static/sql.js" in r.read()
    finally:
        finish_held(proc, tag, release)
    lines = [json.loads(x) for x in (events / app_id).read_text().splitlines()]
    starts = [e for e in lines if e["Event"].endswith("SparkListenerSQLExecutionStart")]
    ends = [e for e in lines if e["Event"].endswith("SparkListenerSQLExecutionEnd")]
    assert [e["executionId"] for e in starts] == [0, 1, 2] and [e["executionId"] for e in ends] == [0, 1, 2]
    assert starts[0]["Event"] == "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart"
    assert {"description", "details", "physicalPlanDescription", "sparkPlanInfo", "time"} <= set(starts[0])
    assert starts[0]["sparkPlanInfo"]["nodeName"] and "children" in starts[0]["sparkPlanInfo"]
    job_starts = [e for e in lines if e["Event"] == "SparkListenerJobStart"]
    assert all(e["Properties"]["spark.sql.execution.id"] in ("0", "1", "2") for e in job_starts)

    h = subprocess.Popen([binary(), "history", "--dir", str(events), "--host", "127.0.0.1", "--port", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        line = h.stdout.readline().decode()
        assert "sparkpp history listening" in line, line + h.stderr.read().decode()
        port = int(line.split("port=")[1].split()[0])
        replayed = check_executions(f"http://127.0.0.1:{port}/api/v1/applications", app_id)
        assert replayed == live
    finally:
        kill_pids([h.pid])
        h.communicate(timeout=10)


PY_JOB = r'''
import os, sys, time
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.appName("sql-ui-python").getOrCreate()
f = F.udf(lambda v: v * 2, "long")
assert spark.range(0, 5000, 1, 2).select(f("id").alias("v")).filter("v % 3 = 0").count() == 1667
import pandas as pd
@F.pandas_udf("long")
def g(s: pd.Series) -> pd.Series:
    return s + 1
assert spark.range(0, 3000, 1, 2).select(g("id").alias("v")).filter("v > 1000").count() == 2000
assert spark.range(0, 3000, 1, 2).withColumn("k", F.col("id") % 3).groupBy("k").applyInPandas(
    lambda pdf: pdf[["k"]].head(1), "k long").count() == 3
''' + HOLD


def test_sql_tab_shows_the_python_evaluation_operator(tmp_path):
    # Issue 16: BatchEvalPython is a node of the query's graph with its rows and time.
    proc, tag, ui, release = start_held(tmp_path, PY_JOB, conf={"spark.ui.port": "0"})
    try:
        app_id = get(f"{ui}/api/v1/applications")[0]["id"]
        q, qp, qg = get(f"{ui}/api/v1/applications/{app_id}/sql")
        node = next((n for n in q["nodes"] if n["nodeName"] == "BatchEvalPython"), None)
        assert node is not None, [n["nodeName"] for n in q["nodes"]]
        assert metric(node, "number of output rows") == "5,000"
        assert metric(node, "duration").startswith("total (min, med, max")
        assert "BatchEvalPython [<lambda>(id" in q["planDescription"]
        # pandas UDFs: Spark's ArrowEvalPython and FlatMapGroupsInPandas, with rows and time too
        for query, name, rows in ((qp, "ArrowEvalPython", "3,000"), (qg, "FlatMapGroupsInPandas", "3")):
            node = next((n for n in query["nodes"] if n["nodeName"] == name), None)
            assert node is not None, [n["nodeName"] for n in query["nodes"]]
            assert metric(node, "number of output rows") == rows, node
            assert metric(node, "duration").startswith("total (min, med, max")
    finally:
        finish_held(proc, tag, release)


AGG_JOB = r'''
import os, sys, time
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.appName("sql-ui-object-hash").getOrCreate()
df = spark.range(0, 300, 1, 2).withColumn("k", F.col("id") % 3)
assert sorted(len(r[1]) for r in df.groupBy("k").agg(F.collect_list("id")).collect()) == [100, 100, 100]
assert df.groupBy("k").agg(F.sum("id")).count() == 3
''' + HOLD


def test_sql_tab_names_object_hash_aggregates(tmp_path):
    # Spark's ObjectHashAggregateExec for collect_list (a TypedImperativeAggregate): its node name,
    # its explain line, and its metrics (spill size, no peak memory); sum stays a HashAggregate.
    proc, tag, ui, release = start_held(tmp_path, AGG_JOB, conf={"spark.ui.port": "0"})
    try:
        app_id = get(f"{ui}/api/v1/applications")[0]["id"]
        obj, plain = get(f"{ui}/api/v1/applications/{app_id}/sql")[:2]
        names = [n["nodeName"] for n in obj["nodes"]]
        assert names.count("ObjectHashAggregate") == 2 and "HashAggregate" not in names, names
        node = next(n for n in obj["nodes"] if n["nodeName"] == "ObjectHashAggregate")
        assert metric(node, "number of output rows") == "3"
        assert metric(node, "spill size").startswith("total (min, med, max")
        assert not [m for m in node["metrics"] if m["name"] == "peak memory"]
        assert "ObjectHashAggregate(keys=[k#" in obj["planDescription"]
        assert "functions=[collect_list(id#" in obj["planDescription"]
        plain_names = [n["nodeName"] for n in plain["nodes"]]
        assert plain_names.count("HashAggregate") >= 2 and "ObjectHashAggregate" not in plain_names, plain_names
    finally:
        finish_held(proc, tag, release)
