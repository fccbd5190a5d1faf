#!/usr/bin/python3
"""Shuffle benchmarks (issue #4): W4 (sum by key over pairs.csv) and W5 (sort pairs.csv to
files) of ../shared/bench, and reduceByKey / groupByKey / sortByKey over 5 million generated
pairs. For each: job time, shuffle bytes written (on disk, zstd, and again with
spark.shuffle.compress=false: the raw record bytes) and peak RSS per process kind.

    /usr/bin/python3 /work/shared/bench/gen_data.py /tmp/sparkpp-bench-data --only pairs
    SPARKPP_BIN=$PWD/build/sparkpp /usr/bin/python3 bench/shuffle.py [WHAT...] \
        [--data DIR] [--master local[2] | --cluster] [--no-raw] [--conf K=V ...]
        WHAT: w4 w5 rbk gbk sbk  (default: all)

--cluster starts a master + 2 one-core workers (tests/integration/daemons.py, killed by PID);
with --conf spark.sparkpp.shuffle.preferLocalRead=false every block then crosses the network.
--cluster-conf K=V goes to the daemons and the submit alike (authentication, encryption).

Each workload runs in its own `sparkpp submit` (this file is also the job script: run with
--job). Peak memory is the largest VmHWM seen per process kind, sampled every 50 ms from
/proc (C++ driver, Python driver program, executor, Python workers). Benchmarks, not tests:
nothing asserts a speed; answers are checked.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MARK = "@@SHUFFLE@@ "
W4_KEYS, W4_SUM, W5_ROWS = 100_000, 2_497_294_451, 5_000_000
N_PAIRS, N_KEYS = 5_000_000, 100_000


# ----------------------------------------------------------------------------- job side

def shuffle_bytes(local_dir):
    return sum(os.path.getsize(f) for f in glob.glob(os.path.join(local_dir, "**", "shuffle_*.data"), recursive=True))


def job(what, data, local_dir, out_dir):
    from operator import add
    from pyspark import SparkContext
    sc = SparkContext(appName="bench-shuffle-" + what)
    sc.parallelize([1], 1).count()  # warm the executors and their Python workers

    def parse(line):
        k, v = line.split(",")
        return int(k), int(v)

    def pairs():
        return sc.parallelize(range(N_PAIRS), 8).map(lambda i: ((i * 7919) % N_KEYS, i))

    t, done = time.perf_counter(), None
    if what == "w4":
        res = sc.textFile(os.path.join(data, "pairs.csv")).map(parse).reduceByKey(add).collect()
        check = (len(res), sum(v for _, v in res)) == (W4_KEYS, W4_SUM)
        answer = [len(res), sum(v for _, v in res)]
    elif what == "w5":
        out = os.path.join(out_dir, "sorted")
        sc.textFile(os.path.join(data, "pairs.csv")).map(parse).sortByKey().map(lambda kv: "%d,%d" % kv).saveAsTextFile(out)
        done = time.perf_counter()  # the check below reads 5 M lines in Python: not the job's time
        rows, prev, ordered = 0, None, True
        for f in sorted(glob.glob(os.path.join(out, "part-*"))):
            with open(f) as fh:
                for line in fh:
                    k = int(line.split(",", 1)[0])
                    ordered &= prev is None or prev <= k
                    prev = k
                    rows += 1
        check = rows == W5_ROWS and ordered
        answer = [rows, ordered]
    elif what == "rbk":
        res = pairs().reduceByKey(add, 8).values().sum()
        check = res == N_PAIRS * (N_PAIRS - 1) // 2
        answer = res
    elif what == "gbk":
        res = pairs().groupByKey(8).mapValues(len).values().collect()
        check = len(res) == N_KEYS and sum(res) == N_PAIRS
        answer = [len(res), sum(res)]
    elif what == "sbk":
        res = pairs().sortByKey(numPartitions=8).keys().glom().map(lambda p: (len(p), p[:1], p[-1:])).collect()
        firsts = [p[1][0] for p in res if p[0]]
        check = sum(p[0] for p in res) == N_PAIRS and firsts == sorted(firsts)
        answer = sum(p[0] for p in res)
    else:
        raise SystemExit("unknown workload " + what)
    dt = (done or time.perf_counter()) - t
    print(MARK + json.dumps({"what": what, "seconds": dt, "shuffle_bytes": shuffle_bytes(local_dir),
                             "ok": bool(check), "answer": answer}), flush=True)
    sc.stop()


# ----------------------------------------------------------------------------- harness side

def binary():
    return os.path.abspath(os.environ.get("SPARKPP_BIN") or os.path.join(ROOT, "build", "sparkpp"))


def kind_of(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    if " submit " in cmd + " ":
        return "driver (C++)"
    if " executor " in cmd:
        return "executor (C++)"
    if "sparkpp.daemon" in cmd:
        return "python workers"
    if "shuffle.py" in cmd and "--job" in cmd:
        return "driver (Python)"
    return "python workers" if "python" in cmd else None


def hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    st = f.read()
                kids.setdefault(int(st[st.rindex(")") + 2:].split()[1]), []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def run(what, args, compress):
    local = tempfile.mkdtemp(prefix="spp-bench-", dir="/tmp")  # short: Unix socket paths live here
    env = dict(os.environ)
    env.setdefault("SPARKPP_PYTHON", "/usr/bin/python3")
    confs = []
    for kv in args.conf:
        confs += ["--conf", kv]
    cmd = [binary(), "submit", "--master", args.master, "--conf", "spark.local.dir=" + local,
           "--conf", "spark.shuffle.compress=" + ("true" if compress else "false")] + confs + [
           os.path.abspath(__file__), "--job", what, args.data, local, local]
    peaks, stop = {}, threading.Event()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)

    def sample():
        while not stop.is_set():
            for pid in [q for root in [p.pid] + args.roots for q in descendants(root)]:
                k = kind_of(pid)
                if k:
                    peaks[k] = max(peaks.get(k, 0), hwm_kib(pid))
            stop.wait(0.05)
    th = threading.Thread(target=sample, daemon=True)
    th.start()
    try:
        out, err = p.communicate(timeout=1800)
    finally:
        stop.set()
        th.join()
        if p.poll() is None:
            os.killpg(p.pid, 9)
            p.wait()
        shutil.rmtree(local, ignore_errors=True)
    line = next((l for l in out.decode().splitlines() if l.startswith(MARK)), None)
    if p.returncode != 0 or line is None:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{err.decode()[-4000:]}")
    r = json.loads(line[len(MARK):])
    r["peak_mib"] = {k: round(v / 1024) for k, v in sorted(peaks.items())}
    return r


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--job":
        return job(*sys.argv[2:6])
    ap = argparse.ArgumentParser()
    ap.add_argument("what", nargs="*", default=["w4", "w5", "rbk", "gbk", "sbk"])
    ap.add_argument("--data", default="/tmp/sparkpp-bench-data")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--cluster", action="store_true", help="master + 2 one-core workers instead of --master")
    ap.add_argument("--conf", action="append", default=[], help="extra K=V settings")
    ap.add_argument("--cluster-conf", action="append", default=[],
                    help="K=V for the master, the workers and the submit (e.g. spark.network.crypto.enabled=true)")
    ap.add_argument("--no-raw", action="store_true", help="skip the uncompressed run")
    args = ap.parse_args()
    args.conf += args.cluster_conf
    args.roots = []
    if args.cluster:
        sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
        from daemons import Cluster, wait_until
        tmp = tempfile.mkdtemp(prefix="spp-bench-cluster-")
        daemon_conf = dict(kv.split("=", 1) for kv in args.cluster_conf)
        with Cluster(tmp) as c:
            m = c.start_master(conf=daemon_conf)
            for _ in range(2):
                c.start_worker(m.url, cores=1, memory="2g", conf=daemon_conf)
            wait_until(lambda: m.json()["aliveworkers"] == 2, 20, "two workers")
            args.master = m.url
            args.roots = [d.proc.pid for d in c.daemons]  # executors are the workers' children
            bench(args)
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        bench(args)


def bench(args):
    for what in args.what:
        r = run(what, args, compress=True)
        raw = None if args.no_raw else run(what, args, compress=False)
        # On a cluster the scratch dirs are the workers' (SPARK_EXECUTOR_DIRS): not measured.
        mib = lambda b: "%.1f MiB" % (b / 2**20) if b else "n/a"  # noqa: E731
        print(f"{what:<4} {r['seconds']:7.2f} s  ok={r['ok']}  shuffle written {mib(r['shuffle_bytes'])} zstd"
              + (f" / {mib(raw['shuffle_bytes'])} raw ({raw['seconds']:.2f} s uncompressed)" if raw else "")
              + "  peak RSS " + ", ".join(f"{k} {v} MiB" for k, v in r["peak_mib"].items()), flush=True)


if __name__ == "__main__":
    main()
