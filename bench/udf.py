#!/usr/bin/python3
"""Python UDFs side by side (issue 16): the same function over N integers as
  sparkpp-udf     spark.range(N).select(udf(f)("id")).agg(sum)        (row-at-a-time UDF)
  sparkpp-pandas  spark.range(N).select(pandas_udf(g)("id")).agg(sum) (Series -> Series)
  sparkpp-pandas-iter  the same with Iterator[Series] -> Iterator[Series]
  sparkpp-mapInPandas  spark.range(N).mapInPandas(frames -> frames of g(id)).agg(sum)
  sparkpp-applyInPandas  spark.range(N) + k = id % 100, groupBy(k).applyInPandas(one row: sum of g(id)).agg(sum)
  mp              hand-written multiprocessing, 2 processes, f over each half, summed
  pandas          one process: pd.Series(range(N)) -> g -> sum
  pandas-mp       the same in 2 processes (multiprocessing, pandas imported before), each half
  pandas-batched  one process, g over 10,000-row Series one after another (the UDF's batches)
  pandas-frames   one process, a 10,000-row DataFrame in, a DataFrame of g(id) out, one after
                  another (mapInPandas's peer)
  pandas-groupby  one process, the 100 groups' frames of g(id) summed by groupby().apply
                  (applyInPandas's peer)
  toPandas        5 columns x N rows (bigint, bigint, double, bigint, int) into pandas
  pandas-frame    toPandas's peer: pandas builds the same frame from np.arange in one process
  createDataFrame(pdf)  the same frame from pandas into the engine, summed there
with f(x) = x * 2 + 1 (g the same on a Series); medians of ROUNDS, all in one sitting, on
local[2]. The job time excludes driver start (measured inside the job from before the action);
the UDF jobs run their action once "cold", then time 3 more runs (warm pooled workers, as the
peers start their clocks after their imports) and report their medians (each printed as well).
Besides wall time, each run reports the CPU seconds its timed region used in all its processes
(sparkpp: the submit process and every process under it, read from /proc; peers: the process and
its reaped children) — "per core" cost, which a loaded machine does not distort the way it
distorts wall time. Live processes' CPU is read exactly (schedstat, process_time), reaped
children's in 10 ms ticks.

    SPARKPP_BIN=$PWD/build/sparkpp /usr/bin/python3 bench/udf.py [N] [ROUNDS] [RUNS]

SPARKPP_UDF_MASTER=spark://HOST:PORT submits the sparkpp jobs to a running cluster instead of
local[2] (their CPU then counts the driver's processes only: the executors run under the workers).
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from daemons import binary  # noqa: E402

JOB = r'''
import sys, time
import pandas as pd
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.getOrCreate()
n, kind = int(sys.argv[1]), sys.argv[2]
WARM = 3  # warm runs of a UDF job's action: their medians are reported

def tree_pids():
    """The sparkpp process that runs this program and every process under it (this program, the
    executor, its Python daemon and workers)."""
    import os
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as fh:
                    kids.setdefault(int(fh.read().rsplit(")", 1)[1].split()[1]), []).append(int(d))
            except OSError:
                continue
    out, todo = set(), [os.getppid()]
    while todo:
        p = todo.pop()
        out.add(p)
        todo += kids.get(p, [])
    return out


def cpu_of(pids):
    """{pid: CPU seconds so far}: its threads' from schedstat (nanoseconds: 10 ms ticks summed
    over five processes scatter by tens of ms) plus its reaped children's ticks. Reads only
    these processes (scanning all of /proc inside the timed region cost ~10 ms of this one)."""
    import os
    out = {}
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as fh:
                f = fh.read().rsplit(")", 1)[1].split()
            ns = 0
            for t in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/schedstat" % (p, t)) as fh:
                    ns += int(fh.read().split()[0])
        except OSError:
            continue
        out[p] = ns / 1e9 + (int(f[13]) + int(f[14])) / os.sysconf("SC_CLK_TCK")  # + cutime cstime
    return out


class TreeCpu:
    """CPU seconds of the process tree between start() and stop(): the processes there at start
    counted by difference, any started since (found after the clock stopped) whole."""

    def start(self):
        self.pids = tree_pids()
        self.before = cpu_of(self.pids)

    def stop(self):
        after = cpu_of(self.pids)
        secs = sum(after[p] - self.before[p] for p in after if p in self.before)
        return secs + sum(cpu_of(tree_pids() - self.pids).values())

f = F.udf(lambda x: x * 2 + 1, "long")
@F.pandas_udf("long")
def g(s: pd.Series) -> pd.Series:
    return s * 2 + 1
from typing import Iterator
@F.pandas_udf("long")
def gi(it: Iterator[pd.Series]) -> Iterator[pd.Series]:
    for s in it:
        yield s * 2 + 1
def frames(it):
    for pdf in it:
        yield pd.DataFrame({"v": pdf["id"] * 2 + 1})
def group_sum(pdf):
    return pd.DataFrame({"v": [int((pdf["id"] * 2 + 1).sum())]})
if kind == "topandas":  # 5 columns of n rows into one pandas DataFrame
    df = spark.range(0, n, 1, 2).selectExpr("id", "id * 2 AS a", "id * 0.5D AS b", "id % 7 AS c",
                                             "CAST(id % 1000 AS INT) AS d")
    c = TreeCpu()
    c.start()
    t = time.perf_counter()
    pdf = df.toPandas()
    wall = time.perf_counter() - t
    print("RESULT", wall, int(pdf["id"].sum()) * 2 + len(pdf), wall, c.stop())
elif kind == "frompandas":  # the same frame into the engine, summed there
    import numpy as np
    ids = np.arange(n, dtype="int64")
    pdf = pd.DataFrame({"id": ids, "a": ids * 2, "b": ids * 0.5, "c": ids % 7, "d": (ids % 1000).astype("int32")})
    c = TreeCpu()
    c.start()
    t = time.perf_counter()
    total = spark.createDataFrame(pdf).agg(F.sum("id")).collect()[0][0]
    wall = time.perf_counter() - t
    print("RESULT", wall, total * 2 + n, wall, c.stop())
else:
    # Cold: the first action starts the executor's Python daemon and its workers (and imports
    # pandas in the daemon for the pandas UDF). Warm: the same action again on the pooled
    # workers, as the peers' clocks start after their imports.
    base = spark.range(0, n, 1, 2)
    if kind == "mapinpandas":
        df = base.mapInPandas(frames, "v long").agg(F.sum("v"))
    elif kind == "applyinpandas":
        df = (base.withColumn("k", F.col("id") % 100).groupBy("k").applyInPandas(group_sum, "v long")
              .agg(F.sum("v")))
    else:
        u = {"udf": f, "pandas": g, "pandas-iter": gi}[kind]
        df = base.select(u("id").alias("v")).agg(F.sum("v"))
    t = time.perf_counter()
    total = df.collect()[0][0]
    cold = time.perf_counter() - t
    walls, cpus = [], []
    for _ in range(WARM):
        c = TreeCpu()
        c.start()
        t = time.perf_counter()
        assert df.collect()[0][0] == total
        walls.append(time.perf_counter() - t)
        cpus.append(c.stop())
    print("WARM", " ".join("%.3f/%.3f" % wc for wc in zip(walls, cpus)))
    print("RESULT", sorted(walls)[len(walls) // 2], total, cold, sorted(cpus)[len(cpus) // 2])
'''


def _cpu():
    """This process's CPU (exact: process_time) and its reaped children's (ticks)."""
    t = os.times()
    return time.process_time() + t.children_user + t.children_system


def mp_run(n):
    import multiprocessing as mp
    c, t = _cpu(), time.perf_counter()
    with mp.Pool(2) as pool:
        total = sum(pool.map(_half, [(0, n // 2), (n // 2, n)]))
    wall = time.perf_counter() - t
    CPU.setdefault("mp", []).append(_cpu() - c)  # the pool's processes are reaped by now
    return wall, total


def _half(bounds):
    f = lambda x: x * 2 + 1  # noqa: E731
    return sum(map(f, range(*bounds)))


def pandas_mp_run(n):
    import multiprocessing as mp
    import pandas  # noqa: F401  (imported before the clock, inherited by the forked processes)
    c, t = _cpu(), time.perf_counter()
    with mp.Pool(2) as pool:
        total = sum(pool.map(_pandas_half, [(0, n // 2), (n // 2, n)]))
    wall = time.perf_counter() - t
    CPU.setdefault("pandas-mp", []).append(_cpu() - c)
    return wall, total


def _pandas_half(bounds):
    import pandas as pd
    s = pd.Series(range(*bounds), dtype="int64")
    return int((s * 2 + 1).sum())


def pandas_batched_run(n, rows=10_000):
    """pandas alone, but over the same 10,000-row batches the engine hands a pandas UDF
    (spark.sql.execution.arrow.maxRecordsPerBatch): g's own per-call cost counted as often."""
    import numpy as np
    import pandas as pd
    c, t = _cpu(), time.perf_counter()
    total = 0
    for lo in range(0, n, rows):
        s = pd.Series(np.arange(lo, min(n, lo + rows), dtype="int64"))
        total += int((s * 2 + 1).sum())
    wall = time.perf_counter() - t
    CPU.setdefault("pandas-batched", []).append(_cpu() - c)
    return wall, total


def pandas_frames_run(n, rows=10_000):
    """mapInPandas's peer: 10,000-row frames in, a frame of g(id) out, one after another."""
    import numpy as np
    import pandas as pd
    c, t = _cpu(), time.perf_counter()
    total = 0
    for lo in range(0, n, rows):
        pdf = pd.DataFrame({"id": np.arange(lo, min(n, lo + rows), dtype="int64")})
        out = pd.DataFrame({"v": pdf["id"] * 2 + 1})
        total += int(out["v"].sum())
    wall = time.perf_counter() - t
    CPU.setdefault("pandas-frames", []).append(_cpu() - c)
    return wall, total


def pandas_groupby_run(n):
    """applyInPandas's peer: the same 100 groups through groupby().apply in one process."""
    import numpy as np
    import pandas as pd
    c, t = _cpu(), time.perf_counter()
    ids = np.arange(n, dtype="int64")
    pdf = pd.DataFrame({"id": ids, "k": ids % 100})
    out = pdf.groupby("k")[["id"]].apply(lambda g: pd.DataFrame({"v": [int((g["id"] * 2 + 1).sum())]}))
    total = int(out["v"].sum())
    wall = time.perf_counter() - t
    CPU.setdefault("pandas-groupby", []).append(_cpu() - c)
    return wall, total


def pandas_frame_run(n):
    """toPandas's peer: pandas alone builds the same 5-column frame from numpy."""
    import numpy as np
    import pandas as pd
    c, t = _cpu(), time.perf_counter()
    ids = np.arange(n, dtype="int64")
    pdf = pd.DataFrame({"id": ids, "a": ids * 2, "b": ids * 0.5, "c": ids % 7,
                        "d": (ids % 1000).astype("int32")})
    wall = time.perf_counter() - t
    CPU.setdefault("pandas-frame", []).append(_cpu() - c)
    return wall, int(pdf["id"].sum()) * 2 + len(pdf)


def pandas_run(n):
    import pandas as pd
    c, t = _cpu(), time.perf_counter()
    s = pd.Series(range(n), dtype="int64")
    total = int((s * 2 + 1).sum())
    wall = time.perf_counter() - t
    CPU.setdefault("pandas", []).append(_cpu() - c)
    return wall, total


def sparkpp_run(path, n, kind):
    env = dict(os.environ, SPARKPP_PYTHON="/usr/bin/python3")
    master = os.environ.get("SPARKPP_UDF_MASTER", "local[2]")
    out = subprocess.run([binary(), "submit", "--master", master, path, str(n), kind],
                         capture_output=True, text=True, env=env, timeout=900)
    for ln in out.stdout.splitlines():
        if ln.startswith("WARM"):  # each warm run's wall/CPU seconds
            print("%-21s warm runs (wall/CPU) %s" % (NAMES[kind], ln.split(None, 1)[1]),
                  file=sys.stderr)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT")]
    if not line:
        raise SystemExit(out.stdout[-2000:] + out.stderr[-2000:])
    parts = line[0].split()
    if len(parts) > 3:
        if kind not in ("topandas", "frompandas"):
            COLD.setdefault(kind, []).append(float(parts[3]))
        CPU.setdefault(NAMES[kind], []).append(float(parts[4]))
    return float(parts[1]), int(parts[2])


NAMES = {"udf": "sparkpp-udf", "pandas": "sparkpp-pandas", "pandas-iter": "sparkpp-pandas-iter",
         "mapinpandas": "sparkpp-mapInPandas", "applyinpandas": "sparkpp-applyInPandas",
         "topandas": "toPandas", "frompandas": "createDataFrame(pdf)"}
COLD = {}  # kind -> first-action times (the daemon, workers and imports included)
CPU = {}   # run -> CPU seconds of the timed region, all its processes (see cpu_of)


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__.rstrip() + "\n\nRUNS (third argument): a comma-separated subset of the names above.")
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    only = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None  # e.g. sparkpp-udf,mp
    expect = n * (n - 1) + n
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(JOB)
    times = {"sparkpp-udf": [], "sparkpp-pandas": [], "mp": [], "pandas": [], "pandas-mp": [],
             "pandas-batched": [], "sparkpp-pandas-iter": [], "sparkpp-mapInPandas": [],
             "pandas-frames": [], "sparkpp-applyInPandas": [], "pandas-groupby": [],
             "pandas-frame": [], "toPandas": [], "createDataFrame(pdf)": []}
    for _ in range(rounds):
        for name, run in (("sparkpp-udf", lambda: sparkpp_run(fh.name, n, "udf")),
                          ("mp", lambda: mp_run(n)),
                          ("sparkpp-pandas", lambda: sparkpp_run(fh.name, n, "pandas")),
                          ("pandas", lambda: pandas_run(n)),
                          ("pandas-mp", lambda: pandas_mp_run(n)),
                          ("pandas-batched", lambda: pandas_batched_run(n)),
                          ("sparkpp-pandas-iter", lambda: sparkpp_run(fh.name, n, "pandas-iter")),
                          ("sparkpp-mapInPandas", lambda: sparkpp_run(fh.name, n, "mapinpandas")),
                          ("pandas-frames", lambda: pandas_frames_run(n)),
                          ("sparkpp-applyInPandas", lambda: sparkpp_run(fh.name, n, "applyinpandas")),
                          ("pandas-groupby", lambda: pandas_groupby_run(n)),
                          ("toPandas", lambda: sparkpp_run(fh.name, n, "topandas")),
                          ("pandas-frame", lambda: pandas_frame_run(n)),
                          ("createDataFrame(pdf)", lambda: sparkpp_run(fh.name, n, "frompandas"))):
            if only is not None and name not in only:
                continue
            secs, total = run()
            assert total == expect, (name, total, expect)
            times[name].append(secs)
    os.unlink(fh.name)
    times = {k: v for k, v in times.items() if v}
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in times.items():
        print("%-21s median %.3f s  runs %s" % (k, med[k], " ".join("%.3f" % x for x in v)))
    for k, v in COLD.items():
        print("%-21s cold (first action) median %.3f s  runs %s"
              % (k, statistics.median(v), " ".join("%.3f" % x for x in v)))
    cpu = {k: statistics.median(v) for k, v in CPU.items()}
    for k, v in CPU.items():
        print("%-21s CPU median %.3f s  runs %s" % (k, cpu[k], " ".join("%.3f" % x for x in v)))
    for a, b, what in (("sparkpp-udf", "mp", "both on 2 cores"),
                       ("sparkpp-pandas", "pandas-mp", "both on 2 cores"),
                       ("sparkpp-pandas", "pandas", "2 cores vs 1"),
                       ("sparkpp-pandas", "pandas-batched", "2 cores vs 1"),
                       ("sparkpp-pandas-iter", "pandas-batched", "2 cores vs 1"),
                       ("sparkpp-mapInPandas", "pandas-frames", "2 cores vs 1"),
                       ("sparkpp-applyInPandas", "pandas-groupby", "2 cores vs 1"),
                       ("toPandas", "pandas-frame", "2 cores vs 1"),
                       ("createDataFrame(pdf)", "pandas-frame", "2 cores vs 1")):
        if a in med and b in med:
            print("%s / %s = %.2f wall (%s), %.2f CPU" % (a, b, med[a] / med[b], what,
                                                          cpu[a] / cpu[b] if cpu.get(b) else 0))


if __name__ == "__main__":
    main()
