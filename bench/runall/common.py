"""Pieces shared by bench/run_all's sections: the result row, the issue's targets, running one
command (or, in --dry-run, replaying its recorded output), medians."""
import dataclasses
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(BENCH)
PY = "/usr/bin/python3"


@dataclasses.dataclass
class Row:
    """One line of the summary table. `ratio` is always sparkpp's cost over the peer's (time over
    time, or the peer's throughput over sparkpp's): below 1, sparkpp is ahead."""
    section: str
    what: str
    ours: float | None
    unit: str
    peer: str = ""
    theirs: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    chart_target: float | None = None  # the target as a ratio, for the chart's tick
    check: str = ""                    # the answer check: ok / WRONG ... / n/a
    note: str = ""
    vs_target: float | None = None     # absolute targets: how far from it (<= 1: met)


def ratio_at_most(row, limit):
    """The issue asks sparkpp / peer <= limit (e.g. 1.5 for DuckDB, 1/3 for pandas)."""
    row.target = f"≤ {limit:.2f}x" if limit < 1 else f"≤ {limit:g}x"
    row.chart_target = limit
    row.met = None if row.ratio is None else row.ratio <= limit
    return row


def value_at_most(row, limit):
    """An absolute ceiling on sparkpp's figure (seconds, ms, MiB); as a ratio: limit / peer."""
    row.target = f"≤ {limit:g} {row.unit}"
    row.met = None if row.ours is None else row.ours <= limit
    row.vs_target = None if row.ours is None else row.ours / limit
    if row.theirs:
        row.chart_target = limit / row.theirs
    return row


def value_at_least(row, limit):
    """An absolute floor on a throughput (MB/s, tasks/s); as a ratio: peer / limit."""
    row.target = f"≥ {limit:,g} {row.unit}"
    row.met = None if row.ours is None else row.ours >= limit
    row.vs_target = limit / row.ours if row.ours else None
    if row.theirs:
        row.chart_target = row.theirs / limit
    return row


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def load1():
    return os.getloadavg()[0]


class SectionError(RuntimeError):
    pass


def _run_echoing(argv, timeout, env, cwd, echo):
    """subprocess.run in a session of its own, echoing short stdout lines as they come (long
    sections show progress); the whole group is killed at the timeout."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd,
                         start_new_session=True)
    err = []
    reader = threading.Thread(target=lambda: err.append(p.stderr.read()), daemon=True)
    reader.start()
    timer = threading.Timer(timeout, lambda: os.killpg(p.pid, signal.SIGKILL))
    timer.start()
    out = []
    try:
        for line in p.stdout:
            out.append(line)
            if echo and len(line) < 300:
                print("    " + line, end="", flush=True)
        p.wait()
    finally:
        timer.cancel()
    reader.join()
    return subprocess.CompletedProcess(argv, p.returncode, "".join(out), "".join(err))


class Ctx:
    """What every section gets: the options, the data directories, the peers found, and `run`,
    which runs a command (logging its output) or, with --dry-run, checks that the scripts it names
    exist and replays a recorded output (--canned), so the parsing is exercised without timing."""

    def __init__(self, args, data):
        self.args = args
        self.data = data
        self.runs = args.runs
        self.quick = args.quick
        self.dry = args.dry_run
        self.sparkpp = os.path.abspath(os.environ.get("SPARKPP_BIN") or os.path.join(ROOT, "build", "sparkpp"))
        self.canned = {}
        if args.canned:
            with open(args.canned) as f:
                self.canned = json.load(f)
        self.recorded = {}
        self.peers = {}
        self.commands = []
        self.log = open(args.log, "a") if args.log else None

    def env(self, **extra):
        e = dict(os.environ, SPARKPP_BIN=self.sparkpp)
        e.setdefault("SPARKPP_PYTHON", PY)
        e.update(extra)
        return e

    def has(self, peer):
        return self.peers.get(peer, (False, ""))[0]

    def _check_paths(self, argv):
        for a in argv:
            if a.startswith(("-", "/tmp", "/proc")) or not a.endswith((".py", ".mjs", ".sql")):
                continue
            if os.path.isabs(a) and not os.path.exists(a):
                raise SectionError(f"missing script {a}")

    def timed(self, key, argv, **kw):
        """run(), also returning the command's wall seconds (recorded and replayed as well), for
        peers that print no time of their own (mawk, sort)."""
        t0 = time.perf_counter()
        out = self.run(key, argv, **kw)
        secs = time.perf_counter() - t0
        if self.dry:
            return out, self.canned.get(key, {}).get("seconds", 1.0)
        self.recorded[key]["seconds"] = secs
        return out, secs

    def run(self, key, argv, timeout=3600, env=None, json_out=None, ok_codes=(0,), cwd=None, echo=True):
        """Runs argv; returns its stdout. `key` names the output for --record/--canned;
        json_out: a file the command writes (recorded and replayed too)."""
        argv = [str(a) for a in argv]
        self.commands.append(argv)
        self._check_paths(argv)
        if self.dry:
            c = self.canned.get(key, {})
            if json_out and "json" in c:
                with open(json_out, "w") as f:
                    json.dump(c["json"], f)
            return c.get("stdout", "")
        t0 = time.time()
        print(f"  $ {' '.join(argv)}", flush=True)
        p = _run_echoing(argv, timeout, env or self.env(), cwd, echo)
        if self.log:
            self.log.write(f"\n### {key} ({time.time() - t0:.1f} s, exit {p.returncode}, load {load1():.1f})\n"
                           f"$ {' '.join(argv)}\n{p.stdout}\n--- stderr\n{p.stderr[-5000:]}\n")
            self.log.flush()
        rec = {"stdout": p.stdout}
        if json_out and os.path.exists(json_out):
            with open(json_out) as f:
                rec["json"] = json.load(f)
        self.recorded[key] = rec
        if p.returncode not in ok_codes:
            raise SectionError(f"{' '.join(argv[:4])}... exit {p.returncode}:\n{(p.stderr or p.stdout)[-1500:]}")
        return p.stdout


def find_peers(ctx):
    """Which peers this machine has: (found, how to get it)."""
    def imports(mod):
        if ctx.dry and mod != "matplotlib":  # replayed: only the chart is really drawn
            return True
        return subprocess.run([PY, "-c", f"import {mod}"], capture_output=True).returncode == 0
    duck = os.path.isdir(os.path.join(BENCH, "node_modules", "@duckdb", "node-api")) and shutil.which("node")
    ctx.peers = {
        "sparkpp": (ctx.dry or os.access(ctx.sparkpp, os.X_OK), f"build it: meson setup build && ninja -C build ({ctx.sparkpp})"),
        "duckdb": (bool(duck), "cd bench && npm ci (npm @duckdb/node-api; needs node)"),
        "pandas": (imports("pandas"), "apt-get install python3-pandas"),
        "dask": (imports("dask.dataframe, distributed"), "apt-get install python3-dask"),
        "mawk": (bool(shutil.which("mawk")), "apt-get install mawk"),
        "matplotlib": (imports("matplotlib"), "apt-get install python3-matplotlib"),
        "sort": (bool(shutil.which("sort")), "coreutils"),
    }
    if ctx.dry:  # replayed outputs stand for every engine; only the chart needs matplotlib here
        ctx.peers = {k: (True if k != "matplotlib" else ok, how) for k, (ok, how) in ctx.peers.items()}
    missing = [f"{k} ({how})" for k, (ok, how) in ctx.peers.items() if not ok]
    if missing:
        print("missing (their rows are left out): " + "; ".join(missing), file=sys.stderr, flush=True)
    return missing
