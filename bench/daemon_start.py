#!/usr/bin/python3
"""CPU time (user + system) and RSS of `python3 -m sparkpp.daemon` when it prints `ready`: what
every executor's first Python task waits for.

    /usr/bin/python3 bench/daemon_start.py N DIR...   (DIR/src/pyworker is the package; medians of N)
"""
import os
import statistics
import subprocess
import sys
import tempfile


def main():
    n, dirs = int(sys.argv[1]), sys.argv[2:]
    res = {d: [] for d in dirs}
    tck = os.sysconf("SC_CLK_TCK")
    for _ in range(n):
        for d in dirs:
            with tempfile.TemporaryDirectory() as t:
                env = dict(os.environ, PYTHONPATH=os.path.join(d, "src", "pyworker"), PYTHONHASHSEED="0")
                p = subprocess.Popen([os.environ.get("SPARKPP_PYTHON", "/usr/bin/python3"), "-m", "sparkpp.daemon",
                                      "--socket", os.path.join(t, "s")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
                assert p.stdout.readline() == b"ready\n"
                with open(f"/proc/{p.pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                cpu = (int(fields[11]) + int(fields[12])) / tck
                with open(f"/proc/{p.pid}/status") as f:
                    rss = [int(x.split()[1]) for x in f if x.startswith("VmRSS")][0] / 1024
                p.stdin.close()
                p.wait(10)
                res[d].append((cpu, rss))
    for d in dirs:
        print("%s: CPU to ready median %.3f s (%s), RSS median %.1f MiB" % (
            d, statistics.median(c for c, _ in res[d]), " ".join("%.2f" % c for c, _ in res[d]),
            statistics.median(r for _, r in res[d])))
    print("load average", os.getloadavg())


if __name__ == "__main__":
    main()
