"""A/B/C of bench/trivial.py (W3, W7): variants interleaved, on local[2] and master + 2 one-core workers
of the same binary (started per run). Each binary runs its own tree's bench/ and src/pyworker.
usage: /usr/bin/python3 bench/ab_trivial.py ROUNDS MASTERS NAME=BIN[,key=value...] ...
    MASTERS: comma-separated local[N] and/or "cluster"; key=value: --conf settings of that variant.
Benchmark, not a test: medians per variant, with the load average seen."""
import os, re, subprocess, sys, statistics, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import daemons
rounds = int(sys.argv[1]); masters = sys.argv[2].split(",")
variants = []
for spec in sys.argv[3:]:
    name, rest = spec.split("=", 1)
    parts = rest.split(",")
    variants.append((name, parts[0], [c for c in parts[1:]]))
res = {}
def run(binp, master, confs):
    root = os.path.dirname(os.path.dirname(binp))
    cmd = [binp, "submit", "--master", master]
    for c in confs: cmd += ["--conf", c]
    cmd += [os.path.join(root, "bench", "trivial.py")]
    e = dict(os.environ, SPARKPP_PYTHON="/usr/bin/python3")
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, timeout=600, check=True, start_new_session=True).stdout.decode()
    w3 = float(re.search(r"W3 10,000 trivial tasks: ([\d.]+) s", out).group(1))
    w7 = float(re.search(r"W7 trivial job on a warm context: median ([\d.]+) ms", out).group(1))
    return w3, w7
loads = []
for r in range(rounds):
    order = variants if r % 2 == 0 else variants[::-1]
    for master in masters:
        for name, binp, confs in order:
            loads.append(os.getloadavg()[0])
            if master == "cluster":
                os.environ["SPARKPP_BIN"] = binp
                tmp = tempfile.mkdtemp(prefix="rdd-ab-")
                c = daemons.Cluster(tmp)
                try:
                    m = c.start_master()
                    for _ in range(2): c.start_worker(m.url, cores=1, memory="2g")
                    daemons.wait_until(lambda: m.json()["aliveworkers"] == 2, 30, "workers", interval=0.005)
                    w3, w7 = run(binp, m.url, confs)
                finally:
                    c.close()
            else:
                w3, w7 = run(binp, master, confs)
            res.setdefault((master, name), []).append((w3, w7))
            print(f"round {r} {master:9} {name:6} W3 {10000/w3:7,.0f} tasks/s  W7 {w7:.2f} ms  load {loads[-1]:.1f}", flush=True)
print(f"load average during runs: {min(loads):.1f}-{max(loads):.1f}")
for (master, name), v in sorted(res.items()):
    w3s = [10000 / a for a, _ in v]; w7s = [b for _, b in v]
    print(f"{master:9} {name:6} W3 median {statistics.median(w3s):7,.0f} tasks/s (min {min(w3s):,.0f} max {max(w3s):,.0f});  W7 median {statistics.median(w7s):.2f} ms (min {min(w7s):.2f} max {max(w7s):.2f})  n={len(v)}")
