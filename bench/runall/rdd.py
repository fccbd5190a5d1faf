"""bench/run_all's RDD and Python sections: W1/W2/W6 vs hand-written multiprocessing (vs_mp.py),
W3/W7, cold submit, cluster start and idle memory (run.py), W4/W5 on master + 2 one-core workers
vs `sort -n` (shuffle.py), the first job of an application (first_job.py), and Python UDFs,
pandas UDFs and toPandas vs multiprocessing and pandas (udf.py)."""
import os
import re
import tempfile

from .common import BENCH, PY, Row, SectionError, median, ratio_at_most, value_at_least, value_at_most

VS_MP = {"w1": "W1 RDD word count", "w2": "W2 pi, 20 M samples", "w6": "W6 k-means iteration"}


def vs_mp(ctx, rows):
    for w, what in VS_MP.items():
        out = ctx.run(f"vs_mp-{w}", [PY, os.path.join(BENCH, "vs_mp.py"), w, ctx.runs, "--data", ctx.data.w],
                      timeout=3600, ok_codes=(0, 1))
        t = {"sparkpp": [], "mp": []}
        for name, secs in re.findall(r"^round \d+ (sparkpp|mp)\s+([\d.]+) s", out, re.M):
            t[name].append(float(secs))
        m = re.search(r"median sparkpp/mp over \d+ rounds: time ([\d.]+)", out)
        a = re.search(r"^answers: (.*)$", out, re.M)
        if not m:
            raise SectionError(f"no ratio in vs_mp.py {w}'s output")
        rows.append(Row("rdd", f"{what}, local[2]", median(t["sparkpp"]), "s", "hand-written multiprocessing (2 proc.)",
                        median(t["mp"]), float(m[1]),
                        check=("not checked" if not a else a[1] if a[1].startswith("ok") else "WRONG: " + a[1]),
                        note="ratio: median of the rounds' ratios (A, B alternating)"))


RUN_PY = {
    "W3": re.compile(r"^W3 10,000 trivial tasks \((\S+)\)\s+([\d.]+) s = ([\d,]+) tasks/s", re.M),
    "W7": re.compile(r"^W7 trivial job, warm context \((\S+)\)\s+([\d.]+) ms", re.M),
    "cold": re.compile(r"^cold submit of a one-job script \((\S+)\)\s+median ([\d.]+) s", re.M),
    "start": re.compile(r"^cluster start \(.*?\)\s+([\d.]+) s", re.M),
    "idle": re.compile(r"^idle memory, RSS: .*?\s(\d+) MiB \(", re.M),
}


def run_py(ctx, rows):
    out = ctx.run("run.py", [PY, os.path.join(BENCH, "run.py"), "trivial", "cold", "cluster",
                             "--masters", "local[2],cluster", "--data", ctx.data.w], timeout=3600)
    shape = lambda m: "master + 2 one-core workers" if m == "cluster" else m  # noqa: E731
    for m in RUN_PY["W3"].finditer(out):
        rows.append(value_at_least(Row("rdd", f"W3 10,000 trivial tasks, {shape(m[1])}",
                                       float(m[3].replace(",", "")), "tasks/s", note="median of 3 submits"), 10_000))
    for m in RUN_PY["W7"].finditer(out):
        rows.append(value_at_most(Row("rdd", f"W7 trivial job on a warm context, {shape(m[1])}", float(m[2]), "ms",
                                      note="median of 3 medians of 50"), 1.0))
    for m in RUN_PY["cold"].finditer(out):
        rows.append(Row("rdd", f"cold submit of a one-job script, {shape(m[1])}", float(m[2]), "s",
                        note="process start to exit, median of 5"))
    m = RUN_PY["start"].search(out)
    if m:
        rows.append(Row("rdd", "cluster start (master + 2 workers ALIVE)", float(m[1]), "s", note="median of 3"))
    m = RUN_PY["idle"].search(out)
    if m:
        rows.append(value_at_most(Row("rdd", "idle memory: master + 2 workers + idle application, 1 s after its job",
                                      float(m[1]), "MiB", note="RSS; the issue's 60 MiB is 2 s after"), 60))


SHUFFLE = re.compile(r"^(w4|w5)\s+([\d.]+) s\s+ok=(True|False)", re.M)


def shuffle(ctx, rows):
    """W4 and W5 on the cluster, alternating with `sort -t, -k1,1n` of the same file (W5's peer)."""
    pairs = os.path.join(ctx.data.w, "pairs.csv")
    got, oks, sort = {"w4": [], "w5": []}, set(), []
    with tempfile.TemporaryDirectory(prefix="run_all-sort-") as tmp:
        for i in range(ctx.runs):
            out = ctx.run(f"shuffle-{i}", [PY, os.path.join(BENCH, "shuffle.py"), "w4", "w5", "--no-raw", "--cluster",
                                           "--data", ctx.data.w], timeout=3600)
            for w, secs, ok in SHUFFLE.findall(out):
                got[w].append(float(secs))
                oks.add(ok)
            if ctx.has("sort"):
                _, secs = ctx.timed(f"sort-{i}", ["sort", "-t,", "-k1,1n", pairs, "-o", os.path.join(tmp, "sorted.txt")],
                                    timeout=600, env=dict(os.environ, LC_ALL="C"), echo=False)
                sort.append(secs)
    check = "ok" if oks == {"True"} else ("n/a (quick data: the checks expect the full pairs.csv)" if ctx.quick else "WRONG")
    shape = "master + 2 one-core workers"
    if got["w4"]:
        rows.append(Row("rdd", f"W4 sum by key over 5 M pairs, {shape}", median(got["w4"]), "s", check=check))
    if got["w5"]:
        theirs = median(sort) if sort else None
        rows.append(value_at_most(Row("rdd", f"W5 sort of 5 M pairs to files, {shape}", median(got["w5"]), "s",
                                      "sort -t, -k1,1n (LC_ALL=C)" if theirs else "", theirs,
                                      median(got["w5"]) / theirs if theirs else None, check=check), 4.5))


def first_job(ctx, rows):
    top = os.path.dirname(os.path.dirname(ctx.sparkpp))  # first_job.py takes DIR with build/sparkpp
    if not ctx.dry and not os.path.samefile(os.path.join(top, "build", "sparkpp"), ctx.sparkpp):
        raise SectionError(f"first_job.py needs SPARKPP_BIN as DIR/build/sparkpp, not {ctx.sparkpp}")
    out = ctx.run("first_job", [PY, os.path.join(BENCH, "first_job.py"), max(ctx.runs, 3), f"this={top}"], timeout=1800)
    m = re.search(r"^this: first job median ([\d.]+) s", out, re.M)
    if not m:
        raise SectionError("no figure in first_job.py's output")
    rows.append(value_at_most(Row("rdd", "first job of a new application, master + 2 one-core workers", float(m[1]), "s",
                                  note="parallelize(range(10), 2).count() after SparkContext()"), 0.3))


def rdd(ctx):
    ctx.data.ensure_w(ctx.dry)
    rows = []
    for part in (vs_mp, run_py, shuffle, first_job):
        try:
            part(ctx, rows)
        except Exception as e:  # noqa: BLE001 - one part failing leaves the others' rows
            rows.append(Row("rdd", f"{part.__name__}: FAILED", None, "", check=str(e).splitlines()[0][:200]))
    return rows


UDF_RUNS = ("sparkpp-udf,mp,sparkpp-pandas,sparkpp-pandas-iter,pandas,sparkpp-mapInPandas,pandas-frames,"
            "toPandas,pandas-frame")


def udf(ctx):
    """udf.py (every variant in turn, --runs rounds): wall for the row UDF vs multiprocessing, CPU
    ("per core") for the pandas paths (scalar and iterator pandas UDFs, mapInPandas, toPandas) vs
    pandas alone; udf.py asserts every sum."""
    n = 10_000_000 if not ctx.quick else 100_000
    out = ctx.run("udf", [PY, os.path.join(BENCH, "udf.py"), n, ctx.runs, UDF_RUNS], timeout=3600)
    wall = {k: float(v) for k, v in re.findall(r"^(\S+)\s+median ([\d.]+) s", out, re.M)}
    cpu = {k: float(v) for k, v in re.findall(r"^(\S+)\s+CPU median ([\d.]+) s", out, re.M)}
    size = f"{n // 1_000_000} M" if n >= 1_000_000 else f"{n:,}"
    rows = []
    if "sparkpp-udf" in wall and "mp" in wall:
        rows.append(ratio_at_most(Row("udf", f"Python UDF over {size} rows, local[2] (wall)", wall["sparkpp-udf"], "s",
                                      "hand-written multiprocessing (2 proc.)", wall["mp"],
                                      wall["sparkpp-udf"] / wall["mp"], check="sums exact"), 1.3))
    alone = "pandas alone (1 process)"
    for ours, theirs, what, peer in (
            ("sparkpp-pandas", "pandas", f"pandas UDF over {size} rows", alone),
            ("sparkpp-pandas-iter", "pandas", f"iterator pandas UDF over {size} rows", alone),
            ("sparkpp-mapInPandas", "pandas-frames", f"mapInPandas over {size} rows",
             "pandas alone, 10,000-row frames in and out (1 process)"),
            ("toPandas", "pandas-frame", f"toPandas of {size} rows x 5 columns", alone)):
        if cpu.get(ours) and cpu.get(theirs):
            rows.append(ratio_at_most(Row("udf", f"{what}, local[2] (CPU s, per core)", cpu[ours], "CPU s",
                                          peer, cpu[theirs], cpu[ours] / cpu[theirs],
                                          check="sums exact",
                                          note=f"wall {wall.get(ours, 0):.2f} s vs {wall.get(theirs, 0):.2f} s"), 1.2))
    if not rows:
        raise SectionError("no figures in udf.py's output")
    return rows
