#!/usr/bin/python3
"""Alternates a Python-bound sparkpp workload with its hand-written multiprocessing baseline
(2 processes), so that both see the same background load, and prints each run's time, the CPU
seconds its whole process tree used, and the ratios.

    SPARKPP_BIN=$PWD/build/sparkpp /usr/bin/python3 bench/vs_mp.py w1|w2|w6 [ROUNDS] [--data DIR]

    w1  bench/wordcount.py text.txt 1     vs  bench/wordcount_mp.py text.txt 1
    w2  bench/pi.py 1                     vs  bench/pi_mp.py 1
    w6  bench/kmeans.py points.txt 6      vs  bench/kmeans_mp.py points.txt 6  (median of 2..6)

sparkpp runs `submit --master local[2]` (its executor starts a session of its own); the
baseline runs in a new session too (`setsid`, see bench/kmeans_mp.py), so that with
kernel.sched_autogroup_enabled=1 both get one scheduling group. "cpu" is user+system time of
every process of the run (sampled from /proc every 50 ms, so a process living less than that
may be missed): on a loaded machine wall time says what the other sessions left us, CPU time
what the work cost.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from daemons import binary  # noqa: E402

_HZ = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    f = s[s.rfind(")") + 2:].split()
    return int(f[1]), int(f[11]) + int(f[12])  # ppid, utime + stime (ticks)


def run_measured(cmd, env):
    """Runs cmd in a new session to completion; returns (stdout, wall s, CPU s of its tree)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                         start_new_session=True, text=True)
    out = []
    err = []
    readers = [threading.Thread(target=lambda: out.append(p.stdout.read())),
               threading.Thread(target=lambda: err.append(p.stderr.read()))]
    for r in readers:
        r.start()
    ticks = {}
    while p.poll() is None:
        procs = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                st = _stat(int(d))
                if st:
                    procs[int(d)] = st
        tree, grown = {p.pid}, True
        while grown:
            grown = False
            for pid, (ppid, _) in procs.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    grown = True
        for pid in tree:
            if pid in procs:
                ticks[pid] = procs[pid][1]
        time.sleep(0.05)
    for r in readers:
        r.join()
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(cmd), p.returncode, err[0][-4000:]))
    return out[0], wall, sum(ticks.values()) / _HZ


# The answer in both outputs, which must agree: W1's counts, W6's final centres; W2's hit
# counts are random, so both must give pi to 2 decimals.
ANSWERS = {"w1": r"(\d+) distinct, (\d+) in all", "w2": r"pi ~ (3\.14)", "w6": r"^centres: (.*)$"}

WORKLOADS = {
    # name: (sparkpp script + args, baseline script + args, regex of the figure in both outputs)
    "w1": (["wordcount.py", "{data}/text.txt", "1"], ["wordcount_mp.py", "{data}/text.txt", "1"],
           r"^W1 (?:multiprocessing )?([0-9.]+) s"),
    "w2": (["pi.py", "1"], ["pi_mp.py", "1"], r"^W2 (?:multiprocessing )?([0-9.]+) s"),
    "w6": (["kmeans.py", "{data}/points.txt", "6"], ["kmeans_mp.py", "{data}/points.txt", "6"],
           r"median 2\.\.\d+ ([0-9.]+) s"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload", choices=sorted(WORKLOADS))
    ap.add_argument("rounds", nargs="?", type=int, default=3)
    ap.add_argument("--data", default="/tmp/sparkpp-bench-data")
    args = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("SPARKPP_PYTHON", "/usr/bin/python3")
    ours, base, pattern = WORKLOADS[args.workload]
    fill = [a.format(data=args.data) for a in ours]
    cmds = {
        "sparkpp": [binary(), "submit", "--master", "local[2]", os.path.join(HERE, fill[0])] + fill[1:],
        "mp": ["/usr/bin/python3", os.path.join(HERE, base[0])] + [a.format(data=args.data) for a in base[1:]],
    }
    ratios, cpu_ratios, answers = [], [], {}
    for i in range(args.rounds):
        got = {}
        for name, cmd in cmds.items():
            out, wall, cpu = run_measured(cmd, env)
            m = re.search(pattern, out, re.M)
            if not m:
                raise RuntimeError("no figure in the output of %s:\n%s" % (" ".join(cmd), out))
            got[name] = (float(m.group(1)), wall, cpu)
            a = re.search(ANSWERS[args.workload], out, re.M)
            answers.setdefault(name, set()).add(a.groups() if a else ("no answer in the output",))
            print("round %d %-8s %7.2f s   (process %6.2f s, cpu %6.2f s)   load %.1f"
                  % (i + 1, name, got[name][0], wall, cpu, os.getloadavg()[0]), flush=True)
        ratios.append(got["sparkpp"][0] / got["mp"][0])
        cpu_ratios.append(got["sparkpp"][2] / got["mp"][2])
        print("round %d sparkpp/mp: time %.2f, cpu %.2f" % (i + 1, ratios[-1], cpu_ratios[-1]),
              flush=True)
    print("%s median sparkpp/mp over %d rounds: time %.2f (%s), cpu %.2f" % (
        args.workload, args.rounds, statistics.median(ratios),
        ", ".join("%.2f" % r for r in ratios), statistics.median(cpu_ratios)))
    everyone = set().union(*answers.values())
    if len(everyone) != 1 or ("no answer in the output",) in everyone:
        print("answers: DIFFER: %s" % answers)
        sys.exit(1)
    print("answers: ok, the same in every run (%s)" % ", ".join(next(iter(everyone)))[:200])


if __name__ == "__main__":
    main()
