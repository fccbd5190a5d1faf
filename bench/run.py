#!/usr/bin/python3
"""Runs the sparkpp benchmarks of ../shared/bench (W1, W2, W3, W7, cold submit, cluster start,
idle memory) and prints one result line per figure, with the command that produced it.

    /usr/bin/python3 /work/shared/bench/gen_data.py /tmp/sparkpp-bench-data   # W1's input
    SPARKPP_BIN=$PWD/build/sparkpp /usr/bin/python3 bench/run.py [WHAT...] [--data DIR] [--idle-after S]
        WHAT: w1 w2 trivial cold cluster  (default: all of them)

Benchmarks, not tests: nothing here asserts a speed. Daemons are started and killed (by PID)
with tests/integration/daemons.py; jobs run with SPARKPP_PYTHON=/usr/bin/python3 unless set.
Medians of 3 (5 for cold submits). Machines are shared and noisy: compare ratios from one run.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from daemons import Cluster, binary, children_of, descendants_of, kill_pids, wait_until  # noqa: E402

W1_DISTINCT, W1_TOTAL = 166_680, 29_146_996


def env():
    e = dict(os.environ)
    e.setdefault("SPARKPP_PYTHON", "/usr/bin/python3")
    return e


def submit(master, script, *args, timeout=900):
    """Runs a submit to completion; returns (seconds, stdout). Raises on failure."""
    cmd = [binary(), "submit", "--master", master, os.path.join(HERE, script)] + [str(a) for a in args]
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(),
                       timeout=timeout, start_new_session=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr.decode()[-4000:]}")
    return dt, p.stdout.decode()


def report(what, value, command):
    print(f"{what:<44} {value:<40} `{command}`", flush=True)


def cmdline(master, script, *args):
    m = "spark://MASTER (2 one-core workers)" if master == "cluster" else master
    return (f"SPARKPP_PYTHON=/usr/bin/python3 sparkpp submit --master {m} bench/{script} " +
            " ".join(str(a) for a in args)).rstrip()


class TwoWorkers:
    """A master + 2 workers of `cores` cores each, on free ports, killed by PID on exit."""

    def __init__(self, cores=1):
        self.tmp = tempfile.TemporaryDirectory(prefix="sparkpp-bench-")
        self.cores = cores

    def __enter__(self):
        self.c = Cluster(self.tmp.name)
        t = time.perf_counter()
        self.master = self.c.start_master()
        self.workers = [self.c.start_worker(self.master.url, cores=self.cores, memory="2g")
                        for _ in range(2)]
        wait_until(lambda: self.master.json()["aliveworkers"] == 2, 30, "workers ALIVE", interval=0.005)
        self.start_seconds = time.perf_counter() - t
        return self

    def __exit__(self, *exc):
        self.c.close()
        self.tmp.cleanup()


# ----------------------------------------------------------------------------- workloads

def w1(args):
    path = os.path.join(args.data, "text.txt")
    for master in args.masters:
        with maybe_cluster(master) as url:
            total, out = submit(url, "wordcount.py", path, 3)
            runs = [(float(m.group(1)), int(m.group(2)), int(m.group(3)))
                    for m in re.finditer(r"W1 ([\d.]+) s, (\d+) distinct, (\d+) in all", out)]
            assert all(d == W1_DISTINCT and n == W1_TOTAL for _, d, n in runs), runs
            med = statistics.median(r[0] for r in runs)
            report(f"W1 word count 200 MB ({master})", f"{med:.2f} s (median of 3; answers ok)",
                   cmdline(master, "wordcount.py", path, 3))


def w2(args):
    for master in args.masters:
        with maybe_cluster(master) as url:
            _, out = submit(url, "pi.py", 3)
            runs = [float(x) for x in re.findall(r"W2 ([\d.]+) s", out)]
            report(f"W2 pi 20 M samples / 100 partitions ({master})",
                   f"{statistics.median(runs):.2f} s (median of 3)", cmdline(master, "pi.py", 3))


def trivial(args):
    for master in args.masters:
        with maybe_cluster(master) as url:
            w3, w7 = [], []
            for _ in range(3):
                _, out = submit(url, "trivial.py")
                w3.append(float(re.search(r"W3 10,000 trivial tasks: ([\d.]+) s", out).group(1)))
                w7.append(float(re.search(r"W7 trivial job on a warm context: median ([\d.]+) ms", out).group(1)))
            s = statistics.median(w3)
            report(f"W3 10,000 trivial tasks ({master})", f"{s:.2f} s = {10000 / s:,.0f} tasks/s",
                   cmdline(master, "trivial.py"))
            report(f"W7 trivial job, warm context ({master})",
                   f"{statistics.median(w7):.2f} ms (median of 3 medians of 50)", cmdline(master, "trivial.py"))


def cold(args):
    for master in args.masters:
        with maybe_cluster(master) as url:
            times = sorted(submit(url, "one_job.py")[0] for _ in range(5))
            report(f"cold submit of a one-job script ({master})",
                   f"median {statistics.median(times):.3f} s (min {times[0]:.3f}, max {times[-1]:.3f})",
                   cmdline(master, "one_job.py"))


def rss_kib(pid, field="VmRSS"):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return rss_kib(pid)


def cmd_of(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def idle_memory(tw, submit_proc, what, command):
    daemons = [tw.master.pid] + [w.pid for w in tw.workers]
    execs = [q for w in tw.workers for q in descendants_of(w.pid)]
    native = [q for q in execs if "sparkpp executor" in cmd_of(q)]
    python = [q for q in execs if q not in native]
    pydaemons = [q for q in python if any(q in children_of(e) for e in native)]
    driver = [submit_proc.pid] + descendants_of(submit_proc.pid)
    mib = lambda pids, f=rss_kib: sum(f(q) for q in pids) / 1024  # noqa: E731
    report(what,
           f"{mib(daemons + execs):.0f} MiB (daemons {mib(daemons):.0f}, executors {mib(native):.0f}, "
           f"Python pool {mib(python):.0f} in {len(python)} processes, of which Python daemons "
           f"{mib(pydaemons):.0f} in {len(pydaemons)}; PSS total "
           f"{mib(daemons + execs, pss_kib):.0f} MiB; driver side {mib(driver):.0f} MiB)",
           command)
    # Which part of each process's RSS is its own (anonymous: heap, stacks) and which is mapped
    # files shared with the others (the sparkpp binary, libpython, .so files).
    for name, pids in (("master/worker", daemons), ("executor", native), ("python", python),
                       ("driver", driver)):
        for q in pids:
            print(f"  {name:13} pid {q:>7} RSS {rss_kib(q) / 1024:5.1f} MiB = anon "
                  f"{rss_kib(q, 'RssAnon') / 1024:5.1f} + file {rss_kib(q, 'RssFile') / 1024:5.1f}; "
                  f"threads {rss_kib(q, 'Threads')}  {cmd_of(q)[:60]}", flush=True)


def cluster(args):
    starts = []
    for _ in range(3):
        with TwoWorkers() as tw:
            starts.append(tw.start_seconds)
    report("cluster start (master + 2 workers ALIVE in /json)",
           f"{statistics.median(starts):.3f} s (median of 3: {', '.join('%.3f' % s for s in starts)})",
           "bench/run.py cluster")

    with TwoWorkers() as tw, tempfile.TemporaryDirectory() as d:
        go = os.path.join(d, "go")
        cmd = [binary(), "submit", "--master", tw.master.url, os.path.join(HERE, "idle_app.py"), go]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env(),
                             start_new_session=True)
        try:
            line = p.stdout.readline().decode()
            assert line.startswith("IDLE"), line
            wait_until(lambda: len(tw.master.json()["activeapps"][0]["executors"]) == 2, 30, "2 executors")
            time.sleep(1.0)  # idle: let start-up garbage settle before reading /proc
            idle_memory(tw, p, "idle memory, RSS: master + 2 workers + executors (+ their Python workers)",
                        "bench/run.py cluster")
            if args.idle_after > 0:
                # Past spark.sparkpp.python.worker.idleTimeout (60 s, checked every 10 s): only
                # the Python daemons should be left in the pool.
                time.sleep(max(0.0, args.idle_after - 1.0))
                idle_memory(tw, p, f"idle memory after {args.idle_after:g} s idle, RSS: same processes",
                        f"bench/run.py cluster --idle-after {args.idle_after:g}")
        finally:
            open(go, "w").close()
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                kill_pids([p.pid] + descendants_of(p.pid))
                p.wait(10)


class maybe_cluster:
    """`with maybe_cluster("local[2]")` yields that master; "cluster" starts 2 one-core workers."""

    def __init__(self, master):
        self.master = master
        self.tw = None

    def __enter__(self):
        if self.master != "cluster":
            return self.master
        self.tw = TwoWorkers(cores=1).__enter__()
        return self.tw.master.url

    def __exit__(self, *exc):
        if self.tw:
            self.tw.__exit__(*exc)


WHAT = {"w1": w1, "w2": w2, "trivial": trivial, "cold": cold, "cluster": cluster}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="*", help="any of: " + " ".join(WHAT) + " (default: all)")
    ap.add_argument("--data", default="/tmp/sparkpp-bench-data")
    ap.add_argument("--idle-after", type=float, default=0.0, metavar="SECONDS",
                    help="cluster: measure idle memory again after this long idle (e.g. 75: past "
                         "the 60 s Python worker idle timeout); 0: only at 1 s")
    ap.add_argument("--masters", default="local[2],cluster",
                    help="comma-separated: local[N] and/or 'cluster' (master + 2 one-core workers)")
    args = ap.parse_args()
    args.masters = args.masters.split(",")
    for w in args.what:
        if w not in WHAT:
            ap.error(f"unknown benchmark {w!r}; choose from {' '.join(WHAT)}")
    print(f"# sparkpp {binary()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}", flush=True)
    for name in args.what or list(WHAT):
        WHAT[name](args)


if __name__ == "__main__":
    main()
