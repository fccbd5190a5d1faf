"""Security: each attack of issue 12 tried against real daemons, which must now fail safe.

Versioning (issue 11 item 6): a peer of another protocol version is refused at Hello with a
message naming both versions and both builds, on the accepting and on the connecting side.
"""
import hashlib
import hmac
import json
import os
import socket
import stat
import struct
import subprocess
import threading

import pytest

from daemons import (PROTO, AppClient, Cluster, ControlClient, HandshakeRefused, app_key, binary, descendants_of,
                     encode, wait_until)
from jobs import submit, write_job


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    yield c
    c.close()


def _raw_envelope(v, op, body):
    payload = json.dumps({"v": v, "op": op, "blobs": 0, "body": body}).encode()
    return struct.pack(">IB", len(payload) + 1, ord("J")) + payload


def _read_all(sock, timeout=10):
    """Everything the peer sends until it closes (bounded by timeout)."""
    sock.settimeout(timeout)
    out = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            return out
        if not chunk:
            return out
        out += chunk


def test_master_refuses_an_old_protocol_version_naming_both(cluster):
    m = cluster.start_master()
    s = socket.create_connection(("127.0.0.1", m.port), timeout=10)
    try:
        # What a protocol-1 build sends: envelope v=1, no build field.
        s.sendall(_raw_envelope(1, "Hello", {"role": "worker", "proto": 1, "name": "old", "secret": ""}))
        data = _read_all(s)  # HelloRefused, then the master closes
    finally:
        s.close()
    n, kind = struct.unpack(">IB", data[:5])
    env = json.loads(data[5:4 + n])
    assert env["op"] == "HelloRefused"
    reason = env["body"]["reason"]
    assert "peer speaks protocol 1 (build unknown)" in reason
    assert f"this process speaks protocol {PROTO} (sparkpp " in reason
    assert env["body"]["proto"] == PROTO and env["body"]["build"].startswith("sparkpp ")
    wait_until(lambda: "refused connection from 127.0.0.1:" in m.log_text() and "role 'worker'" in m.log_text(),
               10, "the refusal logged with address and role")
    assert m.json()["status"] == "ALIVE"
    ControlClient.connect(m.port, role="worker").close()  # current peers still welcome


class _FakeMaster:
    """Accepts connections and answers every Hello with `reply` (a HelloAck or HelloRefused)."""

    def __init__(self, op, body):
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(8)
        self.port = self.srv.getsockname()[1]
        self.reply = encode(op, body)
        self.stop = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        self.srv.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.srv.accept()
            except OSError:
                continue
            try:
                c.settimeout(5)
                c.recv(65536)
                c.sendall(self.reply)
            except OSError:
                pass
            finally:
                c.close()

    def close(self):
        self.stop = True
        self.srv.close()


@pytest.mark.parametrize("op,body,expect", [
    ("HelloAck", {"role": "master", "proto": 99, "name": "m", "build": "sparkpp 9.9 (future)"},
     "peer speaks protocol 99 (sparkpp 9.9 (future))"),
    ("HelloRefused", {"reason": "whatever", "proto": 1, "build": "sparkpp 0.0.1 (past)"},
     "peer speaks protocol 1 (sparkpp 0.0.1 (past))"),
])
def test_worker_leaves_a_master_of_another_version_naming_both(cluster, op, body, expect):
    fake = _FakeMaster(op, body)
    try:
        w = cluster.start_worker(f"spark://127.0.0.1:{fake.port}", cores=1, memory="1g")
        wait_until(lambda: expect in w.log_text(), 20, "the worker's log names both versions")
        assert f"this process speaks protocol {PROTO} (sparkpp " in w.log_text()
    finally:
        fake.close()


# ----------------------------------------------------------------------------- authentication
# spark.authenticate=true: every port demands the mutual challenge-response of
# src/common/auth.h; a peer without the secret is refused before anything it sends is acted upon.

SECRET = "5ec7e7" * 10 + "abcd"


def _auth(secret=SECRET):
    return {"spark.authenticate": "true", "spark.authenticate.secret": secret}


def test_master_refuses_missing_and_wrong_secret(cluster):
    m = cluster.start_master(conf=_auth())
    with pytest.raises(HandshakeRefused, match="authentication required"):
        ControlClient.connect(m.port, role="app")
    # The client checks the master's proof first: a wrong secret on our side shows up here...
    with pytest.raises(HandshakeRefused, match="failed authentication"):
        ControlClient.connect(m.port, role="app", secret="not-the-secret")
    # ...and a client that proves anyway is refused by the master, and logged with its address.
    with pytest.raises(HandshakeRefused, match=r"authentication failed \(wrong secret\)"):
        ControlClient.connect(m.port, role="worker", secret="not-the-secret", check_peer=False)
    wait_until(lambda: "role 'worker'): authentication failed (wrong secret)" in m.log_text(), 10,
               "the refusal logged with role")
    assert "refused connection from 127.0.0.1:" in m.log_text()
    assert SECRET not in m.log_text()
    # The right secret: registered.
    app = cluster.track(AppClient(m.port, secret=SECRET))
    assert app.app_id.startswith("app-")


@pytest.mark.parametrize("with_nonce", [False, True])
def test_raw_client_cannot_register_an_app_without_the_secret(cluster, with_nonce):
    """Hello and RegisterApplication sent back to back (no waiting for the challenge): the
    registration is never acted upon."""
    m = cluster.start_master(conf=_auth())
    body = {"role": "app", "proto": PROTO, "name": "intruder", "secret": ""}
    if with_nonce:
        body["nonce"] = "ab" * 32
    reg = {"name": "intruder", "max_cores": None, "cores_per_executor": None, "memory_per_executor_mb": 512,
           "driver_url": "127.0.0.1:1", "app_ui_url": "", "user": "x", "executor_env": {}, "app_id": None}
    s = socket.create_connection(("127.0.0.1", m.port), timeout=10)
    try:
        s.sendall(encode("Hello", body) + encode("RegisterApplication", reg))
        data = _read_all(s)
    finally:
        s.close()
    assert b'"RegisteredApplication"' not in data
    assert b'"HelloRefused"' in data
    assert m.json()["activeapps"] == []


def test_worker_without_the_secret_is_refused(cluster):
    m = cluster.start_master(conf=_auth())
    w = cluster.start_worker(m.url, cores=1, memory="1g")
    wait_until(lambda: "authentication required" in w.log_text(), 20, "the worker told why")
    wait_until(lambda: "role 'worker'): authentication required" in m.log_text(), 10, "the master logged it")
    assert m.json()["aliveworkers"] == 0


def _listening_ports(pid):
    """TCP ports a process listens on (its socket inodes matched against /proc/net/tcp*)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        try:
            rows = open(f"/proc/{pid}/net/{table}").read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            if f[3] == "0A" and f[9] in inodes:
                ports.add(int(f[1].rsplit(":", 1)[1], 16))
    return ports


AUTH_JOB = """
import os, sys, time
from pyspark import SparkContext
sc = SparkContext()
check("secret_env_hidden", lambda: [k for k in os.environ if k in ("SPARKPP_SECRET", "SPARKPP_APP_SECRET")])
check("shuffle", lambda: sorted(sc.parallelize(range(100), 4).map(lambda x: (x % 5, x))
                                  .reduceByKey(lambda a, b: a + b).collect()))
check("worker_env_hidden", lambda: sorted(set(sc.parallelize(range(4), 4).flatMap(
    lambda _: [k for k in os.environ if k in ("SPARKPP_SECRET", "SPARKPP_APP_SECRET")]).collect())))
open(sys.argv[1], "w").write("ready")
deadline = time.time() + 60
while not os.path.exists(sys.argv[2]) and time.time() < deadline:
    time.sleep(0.1)
check("after_probes", lambda: sc.parallelize(range(10), 2).sum())
sc.stop()
emit()
"""


def test_cluster_with_auth_runs_a_job_and_refuses_strangers_on_every_port(cluster, tmp_path):
    secret_file = tmp_path / "secret"
    out = subprocess.run([binary(), "secret", "new"], stdout=open(secret_file, "w"), check=True)
    assert out.returncode == 0
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    secret = secret_file.read_text().strip()
    assert len(secret) == 64 and int(secret, 16) >= 0
    by_file = {"spark.authenticate": "true", "spark.authenticate.secret.file": str(secret_file)}
    m = cluster.start_master(conf=by_file)
    w = cluster.start_worker(m.url, cores=2, memory="2g", conf=by_file)
    wait_until(lambda: m.json()["aliveworkers"] == 1, 20, "the worker registered with the secret")
    script = write_job(tmp_path, "auth_job.py", AUTH_JOB)
    ready, go = tmp_path / "ready", tmp_path / "go"
    res = {}
    # The driver takes the secret from the environment (and hides it from the Python program).
    t = threading.Thread(target=lambda: res.setdefault("r", submit(
        script, ready, go, master=m.url, env={"SPARKPP_SECRET": secret},
        conf={"spark.authenticate": "true", "spark.sparkpp.shuffle.preferLocalRead": "false"},
        options=["--total-executor-cores", "2", "--executor-cores", "1", "--executor-memory", "512m"],
        timeout=120)))
    t.start()
    try:
        wait_until(lambda: ready.exists() or not t.is_alive(), 90, "the job's first part")
        assert ready.exists(), res.get("r") and res["r"].describe()
        execs = [p for p in descendants_of(w.pid)
                 if b"executor" in open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")[1:2]]
        assert execs
        argv = open(f"/proc/{execs[0]}/cmdline", "rb").read().decode().split("\0")
        driver_host, driver_port = argv[argv.index("--driver-url") + 1].rsplit(":", 1)
        app_id = argv[argv.index("--app-id") + 1]
        key = app_key(secret, app_id)
        driver_port = int(driver_port)
        # The driver's executor port: no secret, the cluster secret itself, another application's
        # key -- all refused; only this application's key is admitted.
        with pytest.raises(HandshakeRefused, match="authentication required"):
            ControlClient.connect(driver_port, role="executor", host=driver_host)
        for wrong in (secret, app_key(secret, "app-20990101000000-0001")):
            with pytest.raises(HandshakeRefused, match="failed authentication"):
                ControlClient.connect(driver_port, role="executor", host=driver_host, secret=wrong)
            with pytest.raises(HandshakeRefused, match=r"wrong secret"):
                ControlClient.connect(driver_port, role="executor", host=driver_host, secret=wrong,
                                      check_peer=False)
        ControlClient.connect(driver_port, role="executor", host=driver_host, secret=key).close()
        # Every executor's block server likewise.
        block_ports = _listening_ports(execs[0])
        assert block_ports
        for port in block_ports:
            with pytest.raises(HandshakeRefused, match="authentication required"):
                ControlClient.connect(port, role="executor")
            with pytest.raises(HandshakeRefused, match="failed authentication"):
                ControlClient.connect(port, role="executor", secret=secret)
            ControlClient.connect(port, role="executor", secret=key).close()
    finally:
        go.write_text("go")
        t.join(150)
    r = res["r"]
    assert r.returncode == 0, r.describe()
    assert r.result("secret_env_hidden") == []
    assert r.result("worker_env_hidden") == []
    assert r.result("shuffle") == [[k, sum(x for x in range(100) if x % 5 == k)] for k in range(5)]
    assert r.result("after_probes") == 45


# ----------------------------------------------------------------------------- secure by default

@pytest.mark.parametrize("kind", ["master", "worker"])
def test_daemon_on_a_network_address_without_auth_refuses_to_start(tmp_path, kind):
    args = [binary(), kind, "--host", "0.0.0.0", "--port", "0", "--webui-port", "0"]
    if kind == "worker":
        args += ["--work-dir", str(tmp_path / "work"), "spark://127.0.0.1:1"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert r.returncode == 1
    assert "without authentication" in r.stderr and "--insecure" in r.stderr, r.stderr


@pytest.mark.parametrize("optout", [["--insecure"], ["--conf", "spark.authenticate=false"]])
def test_explicit_opt_out_starts_and_warns_loudly(cluster, optout):
    m = cluster.start_master(host="0.0.0.0", extra_args=optout)
    wait_until(lambda: "INSECURE: listening on 0.0.0.0" in m.log_text(), 10, "the warning")
    assert m.json()["status"] == "ALIVE"
    assert m.json()["insecure"].startswith("INSECURE: listening on 0.0.0.0")  # the UI shows it
    w = cluster.start_worker(m.url, cores=1, memory="1g", host="0.0.0.0", extra_args=optout)
    assert w.json()["insecure"].startswith("INSECURE: listening on 0.0.0.0")
    assert cluster.start_master().json()["insecure"] is None  # loopback: nothing to warn about


def test_master_on_a_network_address_with_auth_starts(cluster):
    m = cluster.start_master(host="0.0.0.0", conf=_auth())
    assert m.json()["status"] == "ALIVE"
    assert "INSECURE" not in m.log_text()


def test_driver_exposed_without_auth_refuses_then_opt_out_runs(tmp_path):
    script = write_job(tmp_path, "bind_job.py", """
from pyspark import SparkContext
import json, urllib.request
ctx = []
check("sum", lambda: (ctx.append(SparkContext()) or ctx[0]).parallelize(range(10), 2).sum())
def ui_insecure():
    port = ctx[0].uiWebUrl.rsplit(":", 1)[1]
    return json.load(urllib.request.urlopen("http://127.0.0.1:%s/json" % port, timeout=10))["insecure"]
check("ui_insecure", ui_insecure)
emit()
""")
    r = submit(script, master="local[1]", conf={"spark.driver.bindAddress": "0.0.0.0"}, timeout=60)
    assert r.results is not None and "without authentication" in r.results["sum"].get("error", ""), r.describe()
    ok = submit(script, master="local[1]", conf={"spark.driver.bindAddress": "0.0.0.0"}, options=["--insecure"],
                timeout=60)
    assert ok.returncode == 0, ok.describe()
    assert ok.result("sum") == 45
    assert "INSECURE: listening on 0.0.0.0" in ok.stderr
    # ... and so does its application UI, on every page (/json "insecure", as master and worker).
    assert ok.result("ui_insecure").startswith("INSECURE: listening on 0.0.0.0"), ok.describe()
    quiet = submit(script, master="local[1]", timeout=60)  # loopback: nothing to warn about
    assert quiet.returncode == 0 and quiet.result("ui_insecure") is None, quiet.describe()


# ----------------------------------------------------------------------------- ids and names
# Ids come from their owners: the master makes application ids, and an id live on one
# connection is never taken over from another. Ids that become paths match strict patterns.

def _app_desc(**over):
    d = {"name": "thief", "max_cores": None, "cores_per_executor": None, "memory_per_executor_mb": 512,
         "driver_url": "127.0.0.1:1", "app_ui_url": "", "user": "x", "executor_env": {}, "app_id": None}
    d.update(over)
    return d


def _try_register_app(m, app_id):
    c = ControlClient.connect(m.port, role="app", name="thief")
    try:
        c.send("RegisterApplication", _app_desc(app_id=app_id))
        op, body, _ = c.recv(10)
        return op, body
    finally:
        c.close()


def test_live_application_and_worker_ids_cannot_be_taken_over(cluster):
    m = cluster.start_master()
    w = cluster.start_worker(m.url, cores=1, memory="1g")
    wait_until(lambda: m.json()["aliveworkers"] == 1, 20, "worker ALIVE")
    app = cluster.track(AppClient(m.port, max_cores=1))
    wait_until(lambda: app.executors_added(), 20, "executor granted")

    op, body = _try_register_app(m, app.app_id)  # a second driver for a live application
    assert op == "RegisterApplicationFailed" and body["retry"] is True
    assert "live driver on another connection" in body["message"]
    op, body = _try_register_app(m, "app-20200101000000-0042")  # an id this master never made
    assert op == "RegisterApplicationFailed" and body["retry"] is False
    for bad in ["../../ESCAPED", "app-20200101000000-0042/../../x"]:
        op, body = _try_register_app(m, bad)
        assert (op, body["message"]) == ("RegisterApplicationFailed", "invalid application id")
    (a,) = m.json()["activeapps"]
    assert a["id"] == app.app_id and a["state"] == "RUNNING"
    assert not app.received("ApplicationRemoved")

    # A stranger registering under the live worker's id is refused; the worker keeps its id,
    # its state and its executors.
    c = ControlClient.connect(m.port, role="worker", name=w.id)
    try:
        c.send("RegisterWorker", {"id": w.id, "host": "127.0.0.1", "port": 1, "cores": 64, "memory_mb": 1 << 20,
                                  "webui_url": "http://127.0.0.1:1"})
        op, body, _ = c.recv(10)
    finally:
        c.close()
    assert op == "RegisterWorkerFailed" and "another live connection" in body["message"]
    (wj,) = m.json()["workers"]
    assert wj["id"] == w.id and wj["state"] == "ALIVE" and wj["cores"] == 1
    assert not [u for u in app.received("ExecutorUpdated") if u["state"] in ("LOST", "KILLED")]


class _ScriptedMaster:
    """A fake master for one worker: completes the worker's Hello, registers it, then sends
    `then` (a list of (op, body)) and collects what the worker says."""

    def __init__(self, then):
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(4)
        self.port = self.srv.getsockname()[1]
        self.then = then
        self.seen = []
        self._cv = threading.Condition()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        try:
            s, _ = self.srv.accept()
        except OSError:
            return
        c = ControlClient(s)
        try:
            op, _, _ = c.recv(10)
            assert op == "Hello"
            c.send("HelloAck", {"role": "master", "proto": PROTO, "name": "fake-master", "build": "test"})
            op, _, _ = c.recv(10)
            assert op == "RegisterWorker"
            c.send("RegisteredWorker", {"master_url": f"spark://127.0.0.1:{self.port}",
                                        "master_webui_url": "http://127.0.0.1:1", "duplicate": False})
            for op, body in self.then:
                c.send(op, body)
            while True:
                op, body, _ = c.recv(30)
                with self._cv:
                    self.seen.append((op, body))
                    self._cv.notify_all()
        except (OSError, ConnectionError, TimeoutError, AssertionError):
            pass
        finally:
            c.close()

    def received(self, op):
        with self._cv:
            return [b for o, b in self.seen if o == op]

    def close(self):
        self.srv.close()


def test_worker_refuses_path_like_app_ids_and_filters_executor_env(cluster, tmp_path):
    """A master (or anyone who got past it) naming an application `../../ESCAPED` creates
    nothing outside the worker's work dir; the executor environment passes the allow-list."""
    launch = {"exec_id": 0, "app_name": "x", "cores": 1, "memory_mb": 256, "driver_url": "127.0.0.1:1"}
    fake = _ScriptedMaster([
        ("LaunchExecutor", dict(launch, app_id="../../ESCAPED", env={})),
        ("LaunchExecutor", dict(launch, app_id="app-20200101000000-0001", exec_id=3,
                                env={"LD_PRELOAD": "/tmp/evil.so", "PYTHONPATH": "/tmp/evil", "MY_FLAG": "1"})),
    ])
    work = tmp_path / "deep" / "work"
    try:
        w = cluster.start_worker(f"spark://127.0.0.1:{fake.port}", cores=2, memory="1g", work_dir=str(work))
        failed = wait_until(lambda: [b for b in fake.received("ExecutorStateChanged") if b["state"] == "FAILED"
                                     and b["app_id"] == "../../ESCAPED"], 20, "the bad launch reported FAILED")
        assert "invalid application" in failed[0]["message"]
        wait_until(lambda: "ignoring environment variables the application may not set: LD_PRELOAD, PYTHONPATH"
                   in w.log_text(), 20, "filtered env logged")
        assert not (tmp_path / "ESCAPED").exists() and not (tmp_path / "deep" / "ESCAPED").exists()
        assert sorted(os.listdir(tmp_path / "deep")) == ["work"]
    finally:
        fake.close()


def test_master_kill_endpoint_is_same_origin_and_needs_the_ui_credential_with_auth(cluster):
    import urllib.error
    import urllib.request

    def post(m, headers):
        req = urllib.request.Request(f"http://127.0.0.1:{m.webui_port}/app/kill/", method="POST",
                                     data=b"id=app-20200101000000-0001&terminate=true", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    m = cluster.start_master()
    host = f"127.0.0.1:{m.webui_port}"
    code, text = post(m, {"Origin": "http://evil.example"})
    assert code == 403 and "cross-origin" in text
    code, _ = post(m, {"Referer": "http://evil.example/page"})
    assert code == 403
    code, text = post(m, {"Origin": f"http://{host}"})  # same origin: reaches the id check
    assert code == 404 and "no running application" in text

    ma = cluster.start_master(conf=_auth())
    host = f"127.0.0.1:{ma.webui_port}"
    code, _ = post(ma, {"Origin": f"http://{host}"})
    assert code == 401
    import base64
    wrong = base64.b64encode(b"admin:nope").decode()
    assert post(ma, {"Authorization": "Basic " + wrong})[0] == 401
    # The secret itself is refused over HTTP; the UI credential derived from it is what works,
    # as `sparkpp secret ui` prints it.
    raw = base64.b64encode(("admin:" + SECRET).encode()).decode()
    code, text = post(ma, {"Authorization": "Basic " + raw})
    assert code == 401 and "never accepted" in text
    cred = subprocess.run([binary(), "secret", "ui"], env={"SPARKPP_SECRET": SECRET},
                          capture_output=True, text=True, check=True).stdout.strip()
    assert cred == hmac.new(SECRET.encode(), b"sparkpp-ui", hashlib.sha256).hexdigest()
    right = base64.b64encode(("admin:" + cred).encode()).decode()
    assert post(ma, {"Authorization": "Basic " + right})[0] == 404
    assert post(ma, {"Authorization": "Bearer " + cred})[0] == 404
    assert SECRET not in ma.log_text()


# ----------------------------------------------------------------------------- resources
# What a stranger can make a daemon spend: connections that say nothing or stop after Hello,
# slow HTTP clients.

def _rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(f.read().split("VmRSS:")[1].split()[0])


def _closed_by_peer(sock, timeout):
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_idle_and_silent_connections_leave_the_master_serving(cluster):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 4096 and hard != resource.RLIM_INFINITY:
        pytest.skip("needs 1,300+ file descriptors")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 4096), hard))
    m = cluster.start_master(conf={"spark.sparkpp.helloTimeout": "2s", "spark.sparkpp.registerTimeout": "3s",
                                   "spark.worker.timeout": "6"})
    w = cluster.start_worker(m.url, cores=1, memory="1g", conf={"spark.worker.timeout": "6"})
    wait_until(lambda: m.json()["aliveworkers"] == 1, 20, "worker ALIVE")
    base = _rss_kib(m.pid)
    silent, idle = [], []
    try:
        for _ in range(1000):
            silent.append(socket.create_connection(("127.0.0.1", m.port), timeout=10))
        for i in range(300):
            idle.append(ControlClient.connect(m.port, role="app", name=f"idle{i}"))
        assert m.json(timeout=10)["aliveworkers"] == 1  # the UI answers meanwhile
        # Both kinds are dropped by the master (Hello / registration deadlines): every socket
        # sees its peer close.
        for s in silent[:20] + [c.sock for c in idle[:20]]:
            assert _closed_by_peer(s, 15)
        # Past the worker timeout: heartbeats got through all along, it never went DEAD.
        import time
        time.sleep(4)
        (wj,) = m.json()["workers"]
        assert wj["id"] == w.id and wj["state"] == "ALIVE"
        app = cluster.track(AppClient(m.port, max_cores=1))  # and a real application registers
        wait_until(lambda: app.executors_added(), 20, "executor granted")
    finally:
        for s in silent:
            s.close()
        for c in idle:
            c.close()
    fds = lambda: len(os.listdir(f"/proc/{m.pid}/fd"))
    wait_until(lambda: fds() < 50, 20, "the master's descriptors back")
    # Generous to allocator noise, yet far below what 1,300 connections would keep (the read
    # buffer alone was 256 KiB per connection: +80 MB).
    assert _rss_kib(m.pid) < base * 1.1 + 2048, (base, _rss_kib(m.pid))


def test_oversized_frames_before_hello_cost_a_few_kib(cluster):
    """A stranger announcing big frames before its Hello (a 1 MiB frame, then all of it but the
    last byte) is cut off at the header: the master buffers none of it. Without the 8 KiB
    pre-handshake limit, 20 such peers would hold 20 MiB at once (the peak RSS, VmHWM, shows it)."""
    m = cluster.start_master()
    wait_until(lambda: m.json()["status"] == "ALIVE", 20, "master ALIVE")
    base = _hwm_kib(m.pid)
    socks = []
    try:
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", m.port), timeout=10)
            socks.append(s)
            try:
                s.sendall(struct.pack(">IB", 1 << 20, ord("J")) + os.urandom((1 << 20) - 1))
            except (BrokenPipeError, ConnectionResetError):
                pass  # dropped mid-send: what the limit is for
        for s in socks:
            assert _closed_by_peer(s, 10), "a frame over the pre-handshake limit closes the connection"
        assert m.json()["status"] == "ALIVE"
        assert _hwm_kib(m.pid) < base + 4096, (base, _hwm_kib(m.pid))
    finally:
        for s in socks:
            s.close()


def _hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(f.read().split("VmHWM:")[1].split()[0])


def _http_exchange(port, raw, timeout=5):
    """Sends raw request bytes, returns everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(raw)
        return _read_all(s, timeout)


def test_slow_silent_and_oversized_http_clients_do_not_freeze_the_uis(cluster):
    """The event-driven HTTP front (src/daemon/http_server.h) of every UI: 24 slowloris clients
    (a byte a second, never finishing the head) and 24 silent ones per UI -- more than there are
    handler threads -- leave /json answering promptly; each slow head is closed with 408 at
    spark.sparkpp.http.requestTimeout from its first byte, each silent connection at idleTimeout;
    too many header lines get 431; keep-alive and Expect: 100-continue work."""
    import http.client
    import time
    limits = {"spark.sparkpp.http.requestTimeout": "3s", "spark.sparkpp.http.idleTimeout": "2s"}
    m = cluster.start_master(conf=limits)
    w = cluster.start_worker(m.url, cores=1, memory="1g", conf=limits)
    wait_until(lambda: m.json()["aliveworkers"] == 1, 20, "worker ALIVE")
    stop = threading.Event()

    def trickle(s):
        for b in b"GET /json HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            try:
                s.sendall(bytes([b]))
            except OSError:
                return
            if stop.wait(1.0):
                return
    slow, silent = [], []
    try:
        t0 = time.monotonic()
        for port in (m.webui_port, w.webui_port):
            for _ in range(24):
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                slow.append(s)
                threading.Thread(target=trickle, args=(s,), daemon=True).start()
                silent.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        for _ in range(4):  # over the seconds the slow clients hold on
            t = time.monotonic()
            assert m.json(timeout=2)["aliveworkers"] == 1
            assert w.json(timeout=2)["cores"] == 1
            assert time.monotonic() - t < 1.5
            time.sleep(0.3)
        # Too many header lines: refused at once, whatever else is going on.
        many = b"GET /json HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(100)) + b"\r\n"
        assert _http_exchange(m.webui_port, many).startswith(b"HTTP/1.1 431 ")
        # Keep-alive: two requests on one connection; Expect: 100-continue gets its interim answer.
        conn = http.client.HTTPConnection("127.0.0.1", w.webui_port, timeout=5)
        for _ in range(2):
            conn.request("GET", "/json")
            r = conn.getresponse()
            assert r.status == 200 and json.loads(r.read())["cores"] == 1
        conn.close()
        with socket.create_connection(("127.0.0.1", m.webui_port), timeout=5) as s:
            s.sendall(b"POST /app/kill/?id=app-none&terminate=true HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                      b"Expect: 100-continue\r\nConnection: close\r\n\r\n")
            assert s.recv(64).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
            s.sendall(b"body")
            assert _read_all(s, 5).startswith(b"HTTP/1.1 404 ")  # no such application: it got through
        # Every slow head is cut at the request deadline (3 s after its first byte) with 408, every
        # silent connection at the idle deadline (2 s): none is left holding anything.
        answers = [_read_all(s, 8) for s in slow]
        assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers), answers[:3]
        assert all(_closed_by_peer(s, 5) for s in silent)
        assert time.monotonic() - t0 < 12
        assert m.json(timeout=2)["aliveworkers"] == 1
        # 300 more connections than a UI keeps (256): the oldest idle ones are closed, the
        # server's descriptors stay bounded, and it still answers.
        fds = lambda: len(os.listdir(f"/proc/{m.pid}/fd"))
        base = fds()
        silent += [socket.create_connection(("127.0.0.1", m.webui_port), timeout=10) for _ in range(300)]
        assert m.json(timeout=2)["aliveworkers"] == 1
        assert fds() <= base + 257, (base, fds())
        assert _closed_by_peer(silent[-300], 2)  # the oldest went first
    finally:
        stop.set()
        for s in slow + silent:
            s.close()


BIG_SHUFFLE_JOB = """
import os, sys, time
from pyspark import SparkContext
sc = SparkContext()
# ~24 MB of incompressible shuffle output that stays on the executors while the test probes their block servers.
pairs = sc.parallelize(range(8), 2).flatMap(lambda i: [(j, os.urandom(3000)) for j in range(i * 1000, (i + 1) * 1000)])
check("count", lambda: pairs.partitionBy(2).count())
open(sys.argv[1], "w").write("ready")
deadline = time.time() + 90
while not os.path.exists(sys.argv[2]) and time.time() < deadline:
    time.sleep(0.1)
sc.stop()
emit()
"""


def test_block_server_memory_is_bounded_for_a_greedy_fetcher(cluster, tmp_path):
    """A fetcher that asks for the whole of a large shuffle file 16 times and reads nothing
    costs the executor a few MiB, not 16 copies of the file (replies used to be built whole)."""
    import time
    m = cluster.start_master()
    w = cluster.start_worker(m.url, cores=1, memory="2g")
    wait_until(lambda: m.json()["aliveworkers"] == 1, 20, "worker ALIVE")
    script = write_job(tmp_path, "big_shuffle.py", BIG_SHUFFLE_JOB)
    ready, go = tmp_path / "ready", tmp_path / "go"
    res = {}
    t = threading.Thread(target=lambda: res.setdefault("r", submit(
        script, ready, go, master=m.url, options=["--executor-memory", "512m"], timeout=150)))
    t.start()
    socks = []
    try:
        wait_until(lambda: ready.exists() or not t.is_alive(), 120, "the shuffle is written")
        assert ready.exists(), res.get("r") and res["r"].describe()
        (ex,) = [p for p in descendants_of(w.pid)
                 if b"executor" in open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")[1:2]]
        env = dict(kv.split("=", 1) for kv in open(f"/proc/{ex}/environ").read().split("\0") if "=" in kv)
        scratch = env["SPARK_EXECUTOR_DIRS"]
        files = []
        for root, _, names in os.walk(scratch):
            files += [os.path.join(root, n) for n in names if n.startswith("shuffle_") and n.endswith(".data")]
        big = max(files, key=os.path.getsize)
        size = os.path.getsize(big)
        assert size > 10 << 20, size
        before = _rss_kib(ex)
        for port in _listening_ports(ex):
            c = ControlClient.connect(port, role="executor", name="greedy")
            socks.append(c)
            for req in range(16):
                c.send("FetchBlocks", {"req": req, "shuffle_id": 0,
                                       "blocks": [{"path": big, "offset": 0, "length": size}]})
        time.sleep(3)
        grown = _rss_kib(ex) - before
        assert grown < 48 * 1024, f"executor RSS grew by {grown} KiB serving a reader that reads nothing"
        # The reply still arrives whole for whoever does read.
        op, body, blobs = socks[0].recv(30)
        assert op == "BlockData" and body["error"] == "" and len(blobs) == 1 and len(blobs[0]) == size
    finally:
        for c in socks:
            c.close()
        go.write_text("go")
        t.join(160)
    assert res["r"].returncode == 0, res["r"].describe()


PERMS_JOB = """
import os, sys, glob
from pyspark import SparkContext
sc = SparkContext()
check("sum", lambda: sc.parallelize(range(10), 2).map(lambda x: (x % 2, x)).reduceByKey(lambda a, b: a + b).collect())
sc.stop()
emit()
"""


def test_logs_and_work_dirs_are_owner_only(cluster, tmp_path):
    from jobs import submit_ok
    m = cluster.start_master()
    w = cluster.start_worker(m.url, cores=1, memory="1g")
    wait_until(lambda: m.json()["aliveworkers"] == 1, 20, "worker ALIVE")
    events = tmp_path / "events"  # made by the driver: 0700
    script = write_job(tmp_path, "perms.py", PERMS_JOB)
    submit_ok(script, master=m.url, conf={"spark.eventLog.enabled": "true", "spark.eventLog.dir": str(events)},
              options=["--executor-memory", "512m"])
    mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)
    assert mode(events) == 0o700
    (log,) = list(events.iterdir())
    assert mode(log) == 0o640
    (app_dir,) = [os.path.join(w.work_dir, d) for d in os.listdir(w.work_dir)]
    assert mode(app_dir) == 0o700
    (exec_dir,) = [os.path.join(app_dir, d) for d in os.listdir(app_dir)]
    assert mode(exec_dir) == 0o700
    assert mode(os.path.join(exec_dir, "stderr")) == 0o640
    assert mode(os.path.join(exec_dir, "stdout")) == 0o640


def test_recovery_dir_made_by_the_master_is_owner_only(cluster, tmp_path):
    """The FILESYSTEM recovery state holds applications' settings (executorEnv values too): a
    directory the master creates for it is 0700 and its files 0600."""
    rec = tmp_path / "deep" / "recovery"
    m = cluster.start_master(conf={"spark.deploy.recoveryMode": "FILESYSTEM",
                                   "spark.deploy.recoveryDirectory": str(rec)})
    cluster.start_worker(m.url, cores=1, memory="512m")
    wait_until(lambda: m.json()["aliveworkers"] == 1, 20, "worker ALIVE")
    mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)
    assert mode(rec) == 0o700
    files = [rec / n for n in os.listdir(rec)]
    assert files and all(mode(f) == 0o600 for f in files if f.is_file()), [(f, oct(mode(f))) for f in files]
