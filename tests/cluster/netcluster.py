"""A multi-host sparkpp cluster on one Linux machine: one network namespace per "host", all
plugged into a bridge that lives in its own namespace (so the machine's firewall never sees
the traffic), plus a veth from the root namespace so tests can reach every host's web UI.

    with NetCluster(tmp_path, hosts=["m", "w1", "w2", "d"]) as net:
        m = net.start_master("m", conf={...})
        w = net.start_worker("w1", m.url, cores=2)
        net.cut("w1"); net.heal("w1")          # the host's link down / up

Names: namespaces `spp-<rand>-<host>`, bridge namespace `spp-<rand>-net`, addresses
10.A.B.<n>/24 (A, B random). Everything is torn down in close(): every process started here
and every process still inside one of our namespaces is killed by PID, then the namespaces go.
Needs root and `ip netns` (available() says why not).
"""
import json
import os
import re
import random
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from daemons import (Daemon, _conf_args, _read_startup_line, binary, descendants_of, kill_pids,  # noqa: E402
                     pid_alive, wait_until)

IP = shutil.which("ip") or "/usr/sbin/ip"


def available():
    """None if namespaces can be made here, else the reason to skip."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    if not os.path.exists(IP):
        return "iproute2 `ip` not found"
    name = f"spp-probe-{os.getpid()}"
    r = subprocess.run([IP, "netns", "add", name], capture_output=True, text=True)
    if r.returncode != 0:
        return f"`ip netns add` failed: {r.stderr.strip()}"
    subprocess.run([IP, "netns", "del", name], capture_output=True)
    return None


def sh(*args, check=True):
    r = subprocess.run([IP] + list(args), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


class NetCluster:
    def __init__(self, tmp_path, hosts=("m", "w1", "w2", "d")):
        self.tmp = str(tmp_path)
        self.tag = "%06x" % random.randrange(1 << 24)
        self.prefix = f"10.{random.randrange(100, 250)}.{random.randrange(1, 250)}"
        self.hosts = list(hosts)
        self.ns = {h: f"spp-{self.tag}-{h}" for h in self.hosts}
        self.swns = f"spp-{self.tag}-net"
        self.addr = {h: f"{self.prefix}.{10 + i}" for i, h in enumerate(self.hosts)}
        self.port = {h: f"sp{self.tag}{i}" for i, h in enumerate(self.hosts)}  # switch-side veth
        self.root_if = f"sp{self.tag}r"
        self.procs = []  # Popen objects (daemons and submits)
        self.daemons = []
        self._made_ns = []
        # These hosts talk over a (virtual) network, so they run as a real cluster must: with
        # authentication (docs/security.md). Every process starts in self.tmp and reads the
        # shared secret through conf/sparkpp-defaults.conf there.
        self.secret = os.urandom(32).hex()
        os.makedirs(os.path.join(self.tmp, "conf"), exist_ok=True)
        secret_file = os.path.join(self.tmp, "secret")
        with open(os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(self.secret + "\n")
        with open(os.path.join(self.tmp, "conf", "sparkpp-defaults.conf"), "w") as f:
            f.write(f"spark.authenticate true\nspark.authenticate.secret.file {secret_file}\n")
        try:
            self._build()
        except Exception:
            self.close()
            raise

    # ------------------------------------------------------------------ network
    def _build(self):
        sh("netns", "add", self.swns)
        self._made_ns.append(self.swns)
        sh("-n", self.swns, "link", "add", "br0", "type", "bridge")
        sh("-n", self.swns, "link", "set", "br0", "up")
        sh("-n", self.swns, "link", "set", "lo", "up")
        for h in self.hosts:
            ns = self.ns[h]
            sh("netns", "add", ns)
            self._made_ns.append(ns)
            sh("-n", self.swns, "link", "add", self.port[h], "type", "veth", "peer", "name", "eth0", "netns", ns)
            sh("-n", self.swns, "link", "set", self.port[h], "master", "br0", "up")
            sh("-n", ns, "addr", "add", f"{self.addr[h]}/24", "dev", "eth0")
            sh("-n", ns, "link", "set", "eth0", "up")
            sh("-n", ns, "link", "set", "lo", "up")
        # The test process (root namespace) reaches every host through this port.
        sh("link", "add", self.root_if, "type", "veth", "peer", "name", "uplink", "netns", self.swns)
        sh("-n", self.swns, "link", "set", "uplink", "master", "br0", "up")
        sh("addr", "add", f"{self.prefix}.1/24", "dev", self.root_if)
        sh("link", "set", self.root_if, "up")

    def cut(self, host):
        """Pulls the host's cable: its packets go nowhere, its connections hang (no RST)."""
        sh("-n", self.swns, "link", "set", self.port[host], "down")

    def heal(self, host):
        sh("-n", self.swns, "link", "set", self.port[host], "up")

    # ------------------------------------------------------------------ processes
    def popen(self, host, args, env=None, log=None, cwd=None, stdout=subprocess.PIPE):
        e = dict(os.environ)
        e["SPARKPP_LOCAL_IP"] = self.addr[host]
        e.update(env or {})
        errf = open(log, "ab") if log else subprocess.PIPE
        try:
            p = subprocess.Popen([IP, "netns", "exec", self.ns[host]] + list(args), stdout=stdout, stderr=errf,
                                 stdin=subprocess.DEVNULL, env=e, cwd=cwd or self.tmp, start_new_session=True)
        finally:
            if log:
                errf.close()
        self.procs.append(p)
        return p

    def _daemon(self, host, kind, args, name):
        log = os.path.join(self.tmp, f"{name}.log")
        proc = self.popen(host, [binary(), kind] + args, log=log)
        fields = _read_startup_line(proc, kind, log, 30)
        d = Daemon(kind, proc, fields, log)
        d.host = host
        d.addr = self.addr[host]
        # The web UI is reached through the uplink, on the host's address.
        d.json = lambda timeout=5, d=d: _get_json(d.addr, d.webui_port, timeout)
        self.daemons.append(d)
        return d

    def start_master(self, host, conf=None, port=7077, webui_port=8080, name=None):
        args = ["--host", self.addr[host], "--port", str(port), "--webui-port", str(webui_port)] + _conf_args(conf)
        return self._daemon(host, "master", args, name or f"master-{host}-{len(self.daemons)}")

    def start_worker(self, host, master_url, cores=2, memory="1g", conf=None, port=7078, webui_port=8081):
        work = os.path.join(self.tmp, f"work-{host}")
        args = ["--host", self.addr[host], "--port", str(port), "--webui-port", str(webui_port), "--cores", str(cores),
                "--memory", memory, "--work-dir", work] + _conf_args(conf) + [master_url]
        d = self._daemon(host, "worker", args, f"worker-{host}-{len(self.daemons)}")
        d.work_dir = work
        return d

    def pids_in(self, host):
        out = sh("netns", "pids", self.ns[host], check=False)
        return [int(p) for p in out.split()]

    def close(self):
        # Everything we started, with its process tree; then anything else left inside.
        for p in self.procs:
            pids = [p.pid] + descendants_of(p.pid) if p.poll() is None else descendants_of(p.pid)
            kill_pids([x for x in pids if pid_alive(x)], signal.SIGKILL)
        for ns in self._made_ns:
            kill_pids(self._ns_pids(ns), signal.SIGKILL)
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                pass
            for f in (p.stdout, p.stderr):
                if f:
                    f.close()
        deadline = time.monotonic() + 10
        for ns in self._made_ns:
            while self._ns_pids(ns) and time.monotonic() < deadline:
                time.sleep(0.05)
        subprocess.run([IP, "link", "del", self.root_if], capture_output=True)
        for ns in reversed(self._made_ns):
            subprocess.run([IP, "netns", "del", ns], capture_output=True)
        self._made_ns = []

    def _ns_pids(self, ns):
        r = subprocess.run([IP, "netns", "pids", ns], capture_output=True, text=True)
        return [int(p) for p in r.stdout.split()] if r.returncode == 0 else []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _get_json(addr, port, timeout):
    import json
    import urllib.request
    # No proxy: these addresses exist only on our bridge.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://{addr}:{port}/json", timeout=timeout) as r:
        return json.loads(r.read().decode())


# ---------------------------------------------------------------------- jobs on a NetCluster
# Shared by the scenario files: a master on host m, workers on w1/w2, drivers on d.

PY = os.environ.get("SPARKPP_PYTHON", "/usr/bin/python3")
SHORT = {"spark.worker.timeout": "3"}


def write(tmp_path, name, text):
    p = os.path.join(str(tmp_path), name)
    with open(p, "w") as f:
        f.write(text)
    return p


def submit(net, script, *args, conf=None):
    """Starts `sparkpp submit` on host d against the master (one 1-core executor per worker
    host unless conf says otherwise); returns the Popen. Its stderr goes to `proc.log` (a file:
    it stays for a post-mortem and never blocks the driver while a test waits)."""
    cmd = [binary(), "submit", "--master", net.master_url, "--conf", f"spark.driver.host={net.addr['d']}",
           "--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=2", "--conf", "spark.executor.memory=256m"]
    for k, v in (conf or {}).items():
        cmd += ["--conf", f"{k}={v}"]
    cmd += [script] + [str(a) for a in args]
    log = os.path.join(net.tmp, f"driver-{len(net.procs)}.log")
    proc = net.popen("d", cmd, env={"SPARKPP_PYTHON": PY, "PYTHONHASHSEED": "0"}, log=log)
    proc.log = log
    return proc


def communicate(proc, timeout):
    """Waits for a submit; returns (returncode, stdout, stderr) as text. Kills its process
    group and fails the test if it outlives `timeout`."""
    def err():
        with open(proc.log, errors="replace") as f:
            return f.read()
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        where = post_mortem(proc, err())
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
        raise AssertionError(f"submit timed out\n{err()[-4000:]}\n{where}")
    return proc.returncode, out.decode(errors="replace"), err()


def post_mortem(proc, log):
    """What a hung driver was waiting for, read before it is killed: its unfinished stages and
    their tasks (REST), and the tails of the executors' logs. Best effort: a flaky hang seen
    once in CI must leave enough to find it."""
    import glob
    import urllib.request
    lines = []
    m = re.search(r"application UI at (http://[^\s]+)", log)
    if m:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        def get(path):
            with opener.open(m.group(1) + path, timeout=5) as r:
                return json.loads(r.read().decode())
        try:
            for app in get("/api/v1/applications"):
                base = f"/api/v1/applications/{app['id']}"
                lines.append("jobs: " + json.dumps([(j["jobId"], j["status"]) for j in get(base + "/jobs")]))
                for st in get(base + "/stages"):
                    if st["status"] in ("ACTIVE", "PENDING"):
                        tasks = get(f"{base}/stages/{st['stageId']}/{st['attemptId']}/taskList?length=100")
                        lines.append(f"stage {st['stageId']}.{st['attemptId']} {st['status']}: " + json.dumps(
                            [(t["index"], t["attempt"], t["status"], t.get("executorId")) for t in tasks]))
        except Exception as e:  # the driver may be wedged beyond answering
            lines.append(f"driver REST unavailable: {e!r}")
    tmp = os.path.dirname(proc.log)
    for f in sorted(glob.glob(os.path.join(tmp, "work-*", "*", "*", "stderr"))):
        with open(f, errors="replace") as fh:
            lines.append(f"--- {os.path.relpath(f, tmp)}\n" + fh.read()[-1500:])
    return "\n".join(lines)


def result_line(out, err=""):
    """The JSON a job script printed on its `@@ ` line."""
    for line in out.splitlines():
        if line.startswith("@@ "):
            return json.loads(line[3:])
    raise AssertionError("no result line\n" + out[-2000:] + err[-2000:])


def finish(proc, timeout):
    """Waits for a submit that must succeed; returns its `@@ ` JSON."""
    rc, out, err = communicate(proc, timeout)
    assert rc == 0, f"submit failed ({rc})\n{out[-2000:]}\n{err[-4000:]}"
    return result_line(out, err)


def start_cluster(net, master_conf=None, worker_conf=None):
    """Master on m, a 2-core worker on each of w1 and w2, both ALIVE; returns (master, [w1, w2])."""
    m = net.start_master("m", conf=dict(SHORT, **(master_conf or {})))
    net.master_url = m.url
    assert m.url == f"spark://{net.addr['m']}:7077"
    ws = [net.start_worker(h, m.url, cores=2, memory="1g", conf=dict(SHORT, **(worker_conf or {}))) for h in ("w1", "w2")]
    wait_until(lambda: m.json()["aliveworkers"] == 2, 30, "both workers ALIVE")
    hosts = sorted(w["host"] for w in m.json()["workers"])
    assert hosts == sorted([net.addr["w1"], net.addr["w2"]])  # each advertises its own address
    return m, ws


def no_executors(ws):
    return all(not descendants_of(w.pid) for w in ws if w.alive())


__all__ = ["NetCluster", "available", "wait_until", "PY", "SHORT", "write", "submit", "communicate",
           "result_line", "finish", "start_cluster", "no_executors"]
