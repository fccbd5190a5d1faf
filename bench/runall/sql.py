"""bench/run_all's DataFrame / SQL sections: TPC-H's 22 queries through spark.sql vs DuckDB
(Parquet and CSV), the five DataFrame queries vs pandas and Dask, the W1 DataFrame word count vs
its peers, scan throughput, TPC-H SF 5 under a 1g executor. Each calls the existing script and
parses what it prints."""
import json
import os
import re
import tempfile

from .common import (BENCH, PY, Row, SectionError, geomean, median, ratio_at_most, value_at_least,
                     value_at_most)

TPCH = os.path.join(BENCH, "tpch")
W1_ANSWER = (166_680, 29_146_996)


def _tpch_run(ctx, key, data, queries, engines, fmt):
    """tpch/run.py (each query through every engine before the next one); its --json results."""
    out = os.path.join(tempfile.mkdtemp(prefix="run_all-"), key + ".json")
    ctx.run(key, [PY, os.path.join(TPCH, "run.py"), "--data", data, "--queries", queries, "--engines",
                  ",".join(engines), "--runs", ctx.runs, "--format", fmt, "--json", out],
            timeout=4 * 3600, json_out=out, ok_codes=(0, 1))  # 1: a wrong answer, reported per row
    if not os.path.exists(out):
        raise SectionError(f"tpch/run.py wrote no {out}")
    with open(out) as f:
        return json.load(f)


def _checks(res, engines):
    bad = [f"{q} {e}" for q, per in res.items() for e in engines if e in per and per[e].get("ok") is False]
    if any("ok" not in per.get(e, {"ok": 1}) for per in res.values() for e in engines):
        return "not checked (no DuckDB)" if not bad else "WRONG: " + ", ".join(bad)
    return "WRONG: " + ", ".join(bad) if bad else "= DuckDB"


def _compare(section, what, res, ours, theirs, peer):
    """Aggregate row over the queries both ran: total times, geometric mean and worst ratio."""
    qs = [q for q, per in res.items() if ours in per and theirs in per]
    if not qs:
        return None
    ratios = {q: res[q][ours]["median"] / res[q][theirs]["median"] for q in qs}
    worst = max(ratios, key=ratios.get)
    return Row(section, what, sum(res[q][ours]["median"] for q in qs), "s", peer,
               sum(res[q][theirs]["median"] for q in qs), geomean(ratios.values()),
               check=_checks({q: res[q] for q in qs}, [ours, theirs]),
               note=f"{len(qs)} queries, times summed; ratio = geometric mean, worst {worst} {ratios[worst]:.2f}x"), ratios, worst


def tpch(ctx):
    """The 22 queries through spark.sql vs DuckDB at SF 1, Parquet then CSV."""
    if not ctx.has("duckdb"):
        raise SectionError("needs DuckDB (cd bench && npm ci)")
    data = ctx.data.ensure_tpch("sf1", ctx.dry)
    rows, detail = [], {}
    for fmt in ("parquet", "csv"):
        res = _tpch_run(ctx, f"tpch-{fmt}", data, "all", ["sparkpp-sql", "duckdb"], fmt)
        got = _compare("tpch", f"TPC-H 22 queries, spark.sql vs DuckDB, {fmt}", res, "sparkpp-sql", "duckdb", "DuckDB (2 threads)")
        if not got:
            continue
        row, ratios, worst = got
        rows.append(ratio_at_most(row, 1.5))
        w = Row("tpch", f"TPC-H worst query, spark.sql vs DuckDB, {fmt}", res[worst]["sparkpp-sql"]["median"], "s",
                "DuckDB (2 threads)", res[worst]["duckdb"]["median"], ratios[worst], check=row.check,
                note=f"{worst}; above 3x: {', '.join(q for q, r in ratios.items() if r > 3) or 'none'}")
        rows.append(ratio_at_most(w, 3))
        detail[fmt] = {q: (res[q]["sparkpp-sql"]["median"], res[q]["duckdb"]["median"]) for q in ratios}
    ctx.details["tpch"] = {"sf": ctx.data.sizes["sf1"], "formats": detail}
    return rows


def frames(ctx):
    """Q1, Q3, Q5, Q6, Q10 on sparkpp (DataFrame API and spark.sql), DuckDB, pandas, Dask (CSV)."""
    engines = [e for e in ("sparkpp", "sparkpp-sql", "duckdb", "pandas", "dask") if ctx.has(e.split("-")[0])]
    data = ctx.data.ensure_tpch("sf1", ctx.dry)
    res = _tpch_run(ctx, "frames", data, "frames", engines, "csv")
    rows = []
    for ours, theirs, peer, limit in (("sparkpp-sql", "pandas", "pandas (1 process)", 1 / 3),
                                      ("sparkpp-sql", "dask", "Dask (2 one-thread workers)", 0.1),
                                      ("sparkpp", "duckdb", "DuckDB (2 threads)", 1.5)):
        api = "spark.sql" if ours == "sparkpp-sql" else "DataFrame API"
        got = _compare("frames", f"TPC-H Q1,3,5,6,10, {api} vs {theirs}, csv", res, ours, theirs, peer)
        if got:
            row, ratios, worst = got
            ratio_at_most(row, limit)
            if limit < 1:  # "faster than pandas / Dask where they run the query": every query
                row.met = ratios[worst] <= limit
                row.note += "; target on every query"
            rows.append(row)
    return rows


def _mawk_count(ctx, path, key):
    """W1 in mawk: one process per run, timed from outside (its start is a few ms)."""
    prog = "{for (i = 1; i <= NF; i++) c[$i]++} END {for (w in c) {n++; t += c[w]}; print n, t}"
    out, dt = ctx.timed(key, ["mawk", prog, path], timeout=600, echo=False)
    distinct, total = (int(x) for x in out.split())
    return {"times": [dt], "distinct": distinct, "total": total}


def wordcount(ctx):
    """W1 DataFrame word count (read.text, explode(split), groupBy.count) vs DuckDB, mawk,
    hand-written multiprocessing, pandas and Dask: each engine's process does --runs runs, one
    engine after the other (as tpch/run.py does); answers must agree (and be W1's in full runs)."""
    ctx.data.ensure_w(ctx.dry)
    text = os.path.join(ctx.data.w, "text.txt")
    n = str(ctx.runs)
    cmds = {"sparkpp": [ctx.sparkpp, "submit", "--master", "local[2]", os.path.join(BENCH, "wordcount_df.py"), text, n],
            "DuckDB": ["node", os.path.join(BENCH, "wordcount_duckdb.mjs"), text, n],
            "mp": [PY, os.path.join(BENCH, "wordcount_mp.py"), text, n],
            "pandas": [PY, os.path.join(BENCH, "wordcount_frames.py"), text, n, "--engine", "pandas"],
            "Dask": [PY, os.path.join(BENCH, "wordcount_frames.py"), text, n, "--engine", "dask"]}
    need = {"sparkpp": "sparkpp", "DuckDB": "duckdb", "mawk": "mawk", "mp": None, "pandas": "pandas", "Dask": "dask"}
    got = {}
    for name, peer in need.items():
        if peer and not ctx.has(peer):
            continue
        if name == "mawk":
            runs = [_mawk_count(ctx, text, f"wordcount-mawk-{i}") for i in range(ctx.runs)]
            got[name] = {"times": [r["times"][0] for r in runs], "distinct": runs[-1]["distinct"], "total": runs[-1]["total"]}
        elif name == "mp":
            out = ctx.run("wordcount-mp", cmds[name], timeout=1800)
            m = re.findall(r"W1 multiprocessing ([\d.]+) s, (\d+) distinct, (\d+) in all", out)
            got[name] = {"times": [float(t) for t, _, _ in m], "distinct": int(m[-1][1]) if m else None,
                         "total": int(m[-1][2]) if m else None}
        else:
            out = ctx.run(f"wordcount-{name.lower()}", cmds[name], timeout=1800)
            got[name] = json.loads([ln for ln in out.splitlines() if ln.startswith("{")][-1])
    if "sparkpp" not in got:
        raise SectionError("sparkpp did not run")
    answers = {(g["distinct"], g["total"]) for g in got.values()}
    check = "same counts everywhere" if len(answers) == 1 else f"ENGINES DISAGREE: {sorted(answers)}"
    if not ctx.quick and answers != {W1_ANSWER}:
        check = f"WRONG: {sorted(answers)}, expected {W1_ANSWER}"
    ours = median(got["sparkpp"]["times"])
    rows = []
    for name, g in got.items():
        if name == "sparkpp":
            continue
        peer = {"mp": "hand-written multiprocessing (2 proc.)", "DuckDB": "DuckDB (2 threads)",
                "Dask": "Dask DataFrame (2 workers)", "pandas": "pandas (1 process)", "mawk": "mawk"}[name]
        theirs = median(g["times"])
        rows.append(value_at_most(Row("wordcount", f"W1 DataFrame word count {'200 MB' if not ctx.quick else '(quick)'}, local[2]",
                                      ours, "s", peer, theirs, ours / theirs if theirs else None, check=check), 1.0))
    return rows


SCAN_LINE = re.compile(r"^(parquet|csv|json)\s+(\w+)\s+([\d.]+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+\[", re.M)


def scan(ctx):
    """scan.py: a 3-column projection of lineitem with a 4.9 % filter, 1 core, Parquet and CSV."""
    data = ctx.data.ensure_tpch("sf1", ctx.dry)
    engines = "sparkpp,duckdb" if ctx.has("duckdb") else "sparkpp"
    out = ctx.run("scan", [PY, os.path.join(BENCH, "scan.py"), "--data", data, "--cores", "1", "--runs",
                           max(ctx.runs, 2), "--formats", "parquet,csv", "--engines", engines],
                  timeout=3600, ok_codes=(0, 1))
    check = "ANSWERS DIFFER" if "ANSWERS DIFFER" in out else ("same answer" if "duckdb" in engines else "not checked")
    res = {(m[1], m[2]): (float(m[3]), float(m[4])) for m in SCAN_LINE.finditer(out)}
    rows = []
    for fmt, limit, what in (("parquet", 1000, "decoded column data"), ("csv", 150, "file bytes")):
        if (fmt, "sparkpp") not in res:
            continue
        ours = res[(fmt, "sparkpp")][1]
        theirs = res.get((fmt, "duckdb"), (None, None))[1]
        row = Row("scan", f"scan {fmt}, 3 columns, 5 % filter, per core ({what})", ours, "MB/s",
                  "DuckDB (1 thread)" if theirs else "", theirs, theirs / ours if theirs else None, check=check)
        rows.append(value_at_least(row, limit))
    if not rows:
        raise SectionError("no figures in scan.py's output")
    return rows


PEAK = re.compile(r"# peak executor RSS (\d+) MiB = ([\d.]+) x (\S+)")
QROW = re.compile(r"^\| (q\d+) \| ([\d.]+) s \| (\d+) MiB \| ([\d.]+) \| (.*) \|$", re.M)


def scale(ctx):
    """tpch/scale.py: the 22 queries at SF 5 in one application on a 1g executor (spilling)."""
    data = ctx.data.ensure_tpch("sf5", ctx.dry)
    mem = "1g" if not ctx.quick else "256m"
    argv = [PY, os.path.join(TPCH, "scale.py"), "--data", data, "--memory", mem, "--queries", "all"]
    if ctx.has("duckdb"):
        argv.append("--check")
    out = ctx.run("scale", argv, timeout=3 * 3600, ok_codes=(0, 1))
    m = PEAK.search(out)
    qs = QROW.findall(out)
    if not m:
        raise SectionError("no peak RSS in scale.py's output:\n" + out[-1000:])
    failed = [q[0] for q in qs if not (q[4] == "ok" or q[4].endswith(" rows"))]
    checked = all(q[4] == "ok" for q in qs)
    check = (f"WRONG/FAILED: {', '.join(failed)}" if failed else ("= DuckDB" if checked else "completed, not checked"))
    if len(qs) < 22:
        check += f"; only {len(qs)} of 22 answered"
    sf = ctx.data.sizes["sf5"]
    row = Row("scale", f"TPC-H SF {sf}, 22 queries on a {mem} executor: peak RSS / configured", float(m[2]), "x",
              f"spark.executor.memory={mem}", None, float(m[2]), check=check,
              note=f"peak {m[1]} MiB; 22 queries in {sum(float(q[1]) for q in qs):.0f} s, single run")
    ratio_at_most(row, 1.3)
    row.met = row.met and not failed and len(qs) == 22
    return [row]
