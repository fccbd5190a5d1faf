"""bench/tpch keeps answering right: TPC-H Q3, Q5 and Q10 (and Q1, Q6) at scale 0.01 through
sparkpp's DataFrame API (bench/tpch/sparkpp_q.py), and Q3, Q5, Q10 through spark.sql
(bench/tpch/sparkpp_sql.py over sql/q*.sql), each compared with the same query in plain pandas
(bench/tpch/frames_q.py), rows in order, numbers to the cent (bench/tpch/check.py's rule).
DuckDB and Dask are checked by check.py, not here."""
import json
import os
import subprocess
import sys

import pytest

import jobs

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TPCH = os.path.join(ROOT, "bench", "tpch")
sys.path.insert(0, TPCH)
import check  # noqa: E402
import frames_q  # noqa: E402

QUERIES = ["q3", "q5", "q10"]
ALL = ["q1", "q3", "q5", "q6", "q10"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("tpch")
    subprocess.run([sys.executable, os.path.join(TPCH, "gen.py"), str(d), "--sf", "0.01"], check=True, timeout=120)
    return str(d)


@pytest.fixture(scope="module")
def expected(data):
    return {q: frames_q.rows(frames_q.run_pandas(data, q)) for q in ALL}


def answers(res):
    assert res.returncode == 0, "job failed\n" + res.describe()
    return [json.loads(l) for l in res.stdout.splitlines() if l.startswith("{")]


def test_dataframe_api(data, expected):
    got = {r["query"]: r["rows"] for r in answers(jobs.submit(os.path.join(TPCH, "sparkpp_q.py"), data, ",".join(ALL), "1"))}
    assert sorted(got) == sorted(ALL)
    # the data has enough matches to mean something
    assert [len(expected[q]) for q in ALL] == [4, 10, 5, 1, 20]
    for q in ALL:
        assert check.compare(expected[q], got[q]) == [], q


@pytest.mark.parametrize("query", QUERIES)
def test_sql(data, expected, query):
    (r,) = answers(jobs.submit(os.path.join(TPCH, "sparkpp_sql.py"), data, os.path.join(TPCH, "sql", query + ".sql"), "1"))
    assert check.compare(expected[query], r["rows"]) == []


def test_compare_catches_differences():
    ref = [["VIETNAM", 897797.3432, "1995-03-06"], ["JAPAN", 569633.4863, "1995-03-07"]]
    assert check.compare(ref, [["VIETNAM", 897797.3432000001, "1995-03-06"], ["JAPAN", 569633.4863, "1995-03-07"]]) == []
    assert check.compare(ref, ref[:1]) != []
    assert check.compare(ref, ref[::-1]) != []
    assert check.compare(ref, [["VIETNAM", 897797.35, "1995-03-06"], ref[1]]) != []
    assert check.compare(ref, [["VIETNAM", 897797.3432, "1995-03-07"], ref[1]]) != []
