"""bench/run_all's orchestration, in seconds and without timing anything: --dry-run checks that
every script it would call exists, and replays outputs recorded from a real `--quick` run
(run_all_canned.json, written by `bench/run_all --quick --record FILE`) through its parsers into
the summary block. Needs neither a sparkpp binary nor DuckDB, Dask or matplotlib."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RUN_ALL = os.path.join(ROOT, "bench", "run_all")
CANNED = os.path.join(HERE, "run_all_canned.json")
sys.path.insert(0, os.path.join(ROOT, "bench"))
from runall import report  # noqa: E402


def run_all(tmp_path, *args):
    out = tmp_path / "bench.md"
    out.write_text("# Benchmarks\n\nIntro.\n\n## 2026-01-01, an older section\n\ntext\n")
    p = subprocess.run([sys.executable, RUN_ALL, "--dry-run", "--out", str(out), "--data", str(tmp_path / "data")]
                       + list(args), capture_output=True, text=True, timeout=60)
    return p, out.read_text()


def test_dry_run_finds_every_script(tmp_path):
    p, _ = run_all(tmp_path, "--canned", CANNED, "--quick")
    assert p.returncode == 0 and "missing script" not in p.stdout + p.stderr, p.stdout + p.stderr
    for script in ("tpch/run.py", "scan.py", "udf.py", "vs_mp.py", "run.py", "shuffle.py", "first_job.py",
                   "tpch/scale.py", "wordcount_df.py", "wordcount_duckdb.mjs", "wordcount_frames.py"):
        assert "bench/" + script in p.stdout, script


def test_canned_outputs_become_the_summary(tmp_path):
    p, doc = run_all(tmp_path, "--canned", CANNED, "--quick")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "FAILED" not in doc, doc
    block = doc[doc.index(report.BEGIN):doc.index(report.END)]
    # placed under the introduction, before the dated sections, which stay
    assert doc.index("Intro.") < doc.index(report.BEGIN) < doc.index("## 2026-01-01, an older section")
    for what in ("TPC-H 22 queries, spark.sql vs DuckDB, parquet", "TPC-H 22 queries, spark.sql vs DuckDB, csv",
                 "vs pandas", "vs dask", "W1 DataFrame word count", "scan parquet", "scan csv",
                 "Python UDF", "pandas UDF", "toPandas", "W3 10,000 trivial tasks", "W5 sort", "first job",
                 "idle memory", "W6 k-means", "peak RSS / configured"):
        assert what in block, what
    summary = block[block.index("| benchmark |"):].split("\n\n")[0].splitlines()[2:]
    assert len(summary) >= 25 and all(ln.count("|") == 10 for ln in summary), summary
    assert "| q22 |" in block  # the per-query TPC-H table


def test_block_is_replaced_not_repeated(tmp_path):
    run_all(tmp_path, "--canned", CANNED, "--quick")
    out = tmp_path / "bench.md"
    report.write_doc(str(out), report.BEGIN + "\nnew\n" + report.END)
    doc = out.read_text()
    assert doc.count(report.BEGIN) == 1 and "\nnew\n" in doc and "## 2026-01-01" in doc


def test_a_wrong_answer_fails_the_run(tmp_path):
    import json
    canned = json.load(open(CANNED))
    key = next(k for k in canned if k.startswith("vs_mp-w1"))
    canned[key]["stdout"] = canned[key]["stdout"].replace("answers: ok", "answers: DIFFER")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(canned))
    p, doc = run_all(tmp_path, "--canned", str(bad), "--quick", "--only", "rdd")
    assert "WRONG: DIFFER" in doc and p.returncode == 1


def test_merge_keeps_the_other_sections(tmp_path):
    run_all(tmp_path, "--canned", CANNED, "--quick")
    p, doc = run_all(tmp_path, "--canned", CANNED, "--quick", "--only", "udf", "--merge")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "TPC-H 22 queries" in doc and "Python UDF" in doc and "| udf |" in doc and "| tpch |" in doc
    p, doc = run_all(tmp_path, "--canned", CANNED, "--quick", "--only", "udf")
    assert "TPC-H 22 queries" not in doc and "Python UDF" in doc
