"""Master and worker daemons as real processes: registration, allocation, failure detection,
robustness of the control plane, clean shutdown and the command line (issue #2)."""
import os
import signal
import socket
import struct
import subprocess
import urllib.error
import urllib.request

import pytest

from daemons import (PROTO, AppClient, Cluster, ControlClient, binary, descendants_of, hello, pid_alive,
                     start_master, wait_until)


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    yield c
    c.close()


def workers_by_id(m):
    return {w["id"]: w for w in m.json()["workers"]}


def alive_workers(m, n):
    return m.json()["aliveworkers"] == n


def test_master_and_two_workers_register(cluster):
    m = cluster.start_master()
    assert m.url == f"spark://127.0.0.1:{m.port}"
    w1 = cluster.start_worker(m.url, cores=2, memory="1g")
    w2 = cluster.start_worker(m.url, cores=3, memory="2048m")
    wait_until(lambda: alive_workers(m, 2), 20, "two ALIVE workers")
    j = m.json()
    ws = workers_by_id(m)
    assert ws[w1.id]["cores"] == 2 and ws[w1.id]["memory"] == 1024
    assert ws[w2.id]["cores"] == 3 and ws[w2.id]["memory"] == 2048
    for w, d in ((ws[w1.id], w1), (ws[w2.id], w2)):
        assert w["state"] == "ALIVE"
        assert w["host"] == "127.0.0.1" and w["port"] == d.port
        assert w["webuiaddress"] == f"http://127.0.0.1:{d.webui_port}"
        assert w["coresused"] == 0 and w["coresfree"] == w["cores"] and w["memoryfree"] == w["memory"]
        assert w["lastheartbeat"] > 0
    assert (j["cores"], j["memory"], j["coresused"], j["memoryused"]) == (5, 3072, 0, 0)
    assert j["status"] == "ALIVE" and j["url"] == m.url
    assert j["activeapps"] == [] and j["activedrivers"] == [] and j["completeddrivers"] == []
    assert m.http_get("/json/")[0] == 200
    status, html = m.http_get("/")
    assert status == 200 and "sparkpp master" in html  # the page renders /json client-side (docs/ui.md)
    wj = w1.json()
    assert wj["id"] == w1.id and wj["masterurl"] == m.url and wj["cores"] == 2 and wj["memory"] == 1024
    assert wj["coresused"] == 0 and wj["executors"] == [] and wj["finishedexecutors"] == []
    assert wj["masterwebuiurl"] == f"http://127.0.0.1:{m.webui_port}"


def test_application_gets_executors_on_both_workers(cluster):
    m = cluster.start_master()
    w1 = cluster.start_worker(m.url, cores=2, memory="2g")
    w2 = cluster.start_worker(m.url, cores=1, memory="2g")
    wait_until(lambda: alive_workers(m, 2), 20, "two ALIVE workers")
    app = cluster.track(AppClient(m.port, name="alloc-test", memory_mb=512))
    assert app.app_id.startswith("app-") and len(app.app_id) == len("app-20250101000000-0000")
    added = wait_until(lambda: len(app.executors_added()) == 2 and app.executors_added(), 20, "two ExecutorAdded")
    by_worker = {a["worker_id"]: a for a in added}
    assert set(by_worker) == {w1.id, w2.id}
    assert by_worker[w1.id]["cores"] == 2 and by_worker[w2.id]["cores"] == 1
    assert all(a["memory_mb"] == 512 and a["host"] == "127.0.0.1" for a in added)
    j = m.json()
    (a,) = j["activeapps"]
    assert a["id"] == app.app_id and a["name"] == "alloc-test" and a["user"] == "tester"
    assert a["cores"] == 3 and a["memoryperexecutor"] == 512 and a["memoryperslave"] == 512
    assert a["state"] == "RUNNING" and a["submitdate"] and a["starttime"] > 0 and a["duration"] >= 0
    assert sorted((e["workerid"], e["cores"], e["memory"]) for e in a["executors"]) == sorted(
        [(w1.id, 2, 512), (w2.id, 1, 512)])
    assert j["coresused"] == 3 and j["memoryused"] == 1024
    # The worker started `sparkpp executor` in WORK/APP/EXEC with a Spark-style stderr header.
    exec_id = by_worker[w1.id]["exec_id"]
    stderr_path = os.path.join(w1.work_dir, app.app_id, str(exec_id), "stderr")
    wait_until(lambda: os.path.exists(stderr_path), 20, "executor stderr file")
    with open(stderr_path) as f:
        lines = f.read().splitlines()
    assert lines[0].startswith("Spark Executor Command: ") and "executor --driver-url" in lines[0]
    assert f"--app-id {app.app_id}" in lines[0] and f"--worker-id {w1.id}" in lines[0]
    assert lines[1] == "=" * 40
    assert os.path.exists(os.path.join(w1.work_dir, app.app_id, str(exec_id), "stdout"))


def test_cores_per_executor_and_max_cores(cluster):
    m = cluster.start_master()
    cluster.start_worker(m.url, cores=4, memory="4g")
    cluster.start_worker(m.url, cores=4, memory="4g")
    wait_until(lambda: alive_workers(m, 2), 20, "two ALIVE workers")
    app = cluster.track(AppClient(m.port, max_cores=5, cores_per_executor=2, memory_mb=256))
    added = wait_until(lambda: len(app.executors_added()) >= 2 and app.executors_added(), 20, "executors")
    # The master allocates in one pass, so its view is final once the app shows as RUNNING.
    (a,) = m.json()["activeapps"]
    assert a["cores"] == 4 and len(a["executors"]) == 2
    assert len(added) == 2 and all(a["cores"] == 2 for a in added)  # 5 cores in units of 2 -> 4
    assert len({a["worker_id"] for a in added}) == 2  # spread out


def test_unregister_and_driver_disconnect_finish_the_app(cluster):
    m = cluster.start_master()
    w = cluster.start_worker(m.url, cores=2, memory="2g")
    wait_until(lambda: alive_workers(m, 1), 20, "worker ALIVE")
    app = cluster.track(AppClient(m.port, memory_mb=256))
    wait_until(lambda: app.executors_added(), 20, "ExecutorAdded")
    app.unregister()
    wait_until(lambda: [a for a in m.json()["completedapps"] if a["id"] == app.app_id and a["state"] == "FINISHED"],
               20, "app FINISHED")
    assert m.json()["activeapps"] == [] and m.json()["coresused"] == 0
    wait_until(lambda: w.json()["executors"] == [] and w.json()["coresused"] == 0, 20, "worker freed")
    # A second app whose driver just disappears is finished too, and its cores are freed.
    app2 = cluster.track(AppClient(m.port, memory_mb=256))
    wait_until(lambda: app2.executors_added(), 20, "ExecutorAdded for app 2")
    app2.close()
    wait_until(lambda: [a for a in m.json()["completedapps"] if a["id"] == app2.app_id], 20, "app 2 completed")
    wait_until(lambda: m.json()["coresused"] == 0, 20, "cores freed")


def _http(m, path, method):
    """(status, body) of a request to the master's web UI; HTTP errors are answers too."""
    req = urllib.request.Request(f"http://127.0.0.1:{m.webui_port}{path}", method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_kill_application_from_the_web_ui(cluster):
    m = cluster.start_master()
    w = cluster.start_worker(m.url, cores=2, memory="2g")
    wait_until(lambda: alive_workers(m, 1), 20, "worker ALIVE")
    app = cluster.track(AppClient(m.port, memory_mb=256))
    wait_until(lambda: app.executors_added(), 20, "ExecutorAdded")
    path = f"/app/kill/?id={app.app_id}&terminate=true"
    # Only POST kills; GET is refused and changes nothing. An unknown id is 404.
    assert _http(m, path, "GET")[0] == 405
    assert [a["id"] for a in m.json()["activeapps"]] == [app.app_id]
    assert _http(m, "/app/kill/?id=app-nope&terminate=true", "POST")[0] == 404
    # The page posts a form body (id=...&terminate=true) rather than a query string.
    req = urllib.request.Request(f"http://127.0.0.1:{m.webui_port}/app/kill/", method="POST",
                                 data=f"id={app.app_id}&terminate=true".encode(),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.status == 200
    wait_until(lambda: [a for a in m.json()["completedapps"] if a["id"] == app.app_id and a["state"] == "KILLED"],
               20, "app KILLED")
    assert m.json()["activeapps"] == []
    wait_until(lambda: app.received("ApplicationRemoved"), 20, "ApplicationRemoved")
    removed = app.received("ApplicationRemoved")[0]
    assert removed["state"] == "KILLED" and removed["message"]
    wait_until(lambda: w.json()["executors"] == [] and w.json()["coresused"] == 0, 20, "worker freed")
    # Killing it again: it is no longer running.
    assert _http(m, path, "POST")[0] == 404


def test_kill_disabled_is_forbidden(cluster):
    m = cluster.start_master(conf={"spark.ui.killEnabled": "false"})
    app = cluster.track(AppClient(m.port, memory_mb=256))
    wait_until(lambda: m.json()["activeapps"], 20, "app registered")
    assert _http(m, f"/app/kill/?id={app.app_id}&terminate=true", "POST")[0] == 403
    assert [a["id"] for a in m.json()["activeapps"]] == [app.app_id]


def test_killed_worker_is_dead_and_its_cores_move(cluster):
    m = cluster.start_master(conf={"spark.worker.timeout": "2"})
    w1 = cluster.start_worker(m.url, cores=2, memory="2g", conf={"spark.worker.timeout": "2"})
    w2 = cluster.start_worker(m.url, cores=2, memory="2g", conf={"spark.worker.timeout": "2"})
    wait_until(lambda: alive_workers(m, 2), 20, "two ALIVE workers")
    app = cluster.track(AppClient(m.port, max_cores=2, memory_mb=256))
    added = wait_until(lambda: len(app.executors_added()) == 2 and app.executors_added(), 20, "spread executors")
    assert {a["worker_id"] for a in added} == {w1.id, w2.id}
    w1.kill(signal.SIGKILL)
    wait_until(lambda: workers_by_id(m)[w1.id]["state"] == "DEAD", 15, "killed worker DEAD")
    lost = wait_until(lambda: [u for u in app.received("ExecutorUpdated") if u["state"] == "LOST"], 10,
                      "ExecutorUpdated LOST")
    assert len(lost) == 1 and lost[0]["worker_lost"]
    removed = wait_until(lambda: app.received("WorkerRemoved"), 10, "WorkerRemoved")
    assert removed[0]["worker_id"] == w1.id
    # The lost core is re-offered: a replacement executor lands on the survivor.
    wait_until(lambda: len(app.executors_added()) == 3, 15, "replacement executor")
    assert app.executors_added()[2]["worker_id"] == w2.id
    j = m.json()
    assert j["aliveworkers"] == 1 and j["cores"] == 2
    assert sorted(e["workerid"] for e in j["activeapps"][0]["executors"]) == [w2.id, w2.id]


def test_silent_worker_times_out_then_reconnects(cluster):
    m = cluster.start_master(conf={"spark.worker.timeout": "2"})
    w = cluster.start_worker(m.url, cores=1, memory="1g", conf={"spark.worker.timeout": "2"})
    wait_until(lambda: alive_workers(m, 1), 20, "worker ALIVE")
    os.kill(w.pid, signal.SIGSTOP)  # connection stays open, heartbeats stop
    try:
        wait_until(lambda: workers_by_id(m)[w.id]["state"] == "DEAD", 15, "silent worker DEAD")
    finally:
        os.kill(w.pid, signal.SIGCONT)
    # Its next heartbeat gets ReconnectWorker; it re-registers under the same id.
    wait_until(lambda: workers_by_id(m)[w.id]["state"] == "ALIVE", 20, "worker ALIVE again")
    assert m.json()["aliveworkers"] == 1 and len(m.json()["workers"]) == 1


def test_worker_reregisters_after_master_restart(cluster, tmp_path):
    m = cluster.start_master()
    w = cluster.start_worker(m.url, cores=1, memory="1g")
    wait_until(lambda: alive_workers(m, 1), 20, "worker ALIVE")
    port = m.port
    assert m.stop() == 0
    wait_until(lambda: w.json()["link"] == "DISCONNECTED" or w.json()["link"] == "CONNECTING", 10, "worker notices")
    m2 = cluster.start_master(port=port)
    assert m2.port == port
    wait_until(lambda: alive_workers(m2, 1), 40, "worker re-registered with the new master")
    assert m2.json()["workers"][0]["id"] == w.id


def _closed_by_peer(sock, timeout):
    sock.settimeout(timeout)
    try:
        while True:
            if not sock.recv(4096):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_garbage_and_half_open_connections_leave_master_serving(cluster):
    m = cluster.start_master(conf={"spark.sparkpp.helloTimeout": "1s"})
    socks = []
    try:
        garbage = socket.create_connection(("127.0.0.1", m.port))
        garbage.sendall(os.urandom(64) + b"\xff" * 64)
        half_open = socket.create_connection(("127.0.0.1", m.port))  # never says Hello
        bad_json = socket.create_connection(("127.0.0.1", m.port))
        bad_json.sendall(hello("worker") + struct.pack(">IB", 6, ord("J")) + b"{nope")
        unknown_op = socket.create_connection(("127.0.0.1", m.port))
        unknown_op.sendall(hello("worker") + struct.pack(">IB", 30, ord("J")) + ('{"v":%d,"op":"Nope","blobs":0}' % PROTO).encode()[:29])
        huge = socket.create_connection(("127.0.0.1", m.port))
        huge.sendall(struct.pack(">IB", 0x7FFFFFFF, ord("J")))
        wrong_role = ControlClient.connect(m.port, role="app")
        wrong_role.send("WorkerHeartbeat", {"worker_id": "x"})
        socks = [garbage, half_open, bad_json, unknown_op, huge, wrong_role.sock]
        for s in socks:
            assert _closed_by_peer(s, 10), "master should drop a misbehaving connection"
        assert m.alive()
        assert m.json()["status"] == "ALIVE"
        w = cluster.start_worker(m.url, cores=1, memory="1g")
        wait_until(lambda: alive_workers(m, 1), 20, "a worker still registers")
        assert workers_by_id(m)[w.id]["state"] == "ALIVE"
    finally:
        for s in socks:
            s.close()


def test_worker_sigterm_leaves_no_child_process(cluster):
    m = cluster.start_master()
    w = cluster.start_worker(m.url, cores=2, memory="2g")
    wait_until(lambda: alive_workers(m, 1), 20, "worker ALIVE")
    app = cluster.track(AppClient(m.port, cores_per_executor=1, memory_mb=128))
    wait_until(lambda: len(app.executors_added()) == 2, 20, "two executors")
    # Executors are started (and, with the real executor, stay connected to the fake driver).
    wait_until(lambda: len(w.json()["executors"]) + len(w.json()["finishedexecutors"]) == 2, 20, "executors launched")
    children = w.remember_descendants()
    assert w.stop(30) == 0
    leftovers = [p for p in children if pid_alive(p)]
    assert leftovers == [], f"processes left behind by the worker: {leftovers}"
    assert [p for p in descendants_of(w.pid) if pid_alive(p)] == []


@pytest.mark.parametrize("args,needle", [
    (["worker", "--memory", "12q", "spark://127.0.0.1:7077"], "memory"),
    (["worker", "--memory", "2g", "http://127.0.0.1:7077"], "master URL"),
    (["worker", "spark://nohostport"], "master URL"),
    (["worker", "--properties-file", "/nonexistent/x.conf", "spark://127.0.0.1:7077"], "properties"),
    (["worker", "--conf", "spark.worker.timeout=abc", "spark://127.0.0.1:7077"], "spark.worker.timeout"),
    (["master", "--conf", "spark.deploy.spreadOut=maybe"], "spark.deploy.spreadOut"),
    (["master", "--conf", "spark.deploy.defaultCores=0"], "spark.deploy.defaultCores"),
    (["master", "--conf", "novalue"], "key=value"),
    (["master", "--properties-file", "/nonexistent/x.conf"], "properties"),
])
def test_bad_command_line_is_one_line_error(tmp_path, args, needle):
    r = subprocess.run([binary()] + args, capture_output=True, text=True, timeout=30, cwd=tmp_path,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert needle in lines[0] and "error" in lines[0]
    assert "listening" not in r.stdout


def test_malformed_properties_file(tmp_path):
    p = tmp_path / "bad.conf"
    p.write_text("spark.worker.timeout 5\njust-a-key-without-value\n")
    r = subprocess.run([binary(), "master", "--port", "0", "--webui-port", "0", "--properties-file", str(p)],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 1 and "bad.conf:2" in r.stderr


def test_properties_files_and_unknown_keys(cluster, tmp_path):
    # conf/sparkpp-defaults.conf in the working directory is read when no file is given.
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "sparkpp-defaults.conf").write_text(
        "# defaults\nspark.deploy.defaultCores 1\nspark.my.custom.key = hello\n")
    m = cluster.start_master()
    assert "spark.my.custom.key" in m.log_text() and "unknown" in m.log_text()
    # An explicit --properties-file wins over the defaults file; --conf wins over both.
    props = tmp_path / "worker.conf"
    props.write_text("spark.worker.timeout 7\n")
    w = cluster.start_worker(m.url, cores=3, memory="1g", extra_args=["--properties-file", str(props)])
    assert "spark.worker.timeout = 7" in w.log_text()
    assert "spark.my.custom.key" not in w.log_text()
    wait_until(lambda: alive_workers(m, 1), 20, "worker ALIVE")
    app = cluster.track(AppClient(m.port, memory_mb=128))
    added = wait_until(lambda: app.executors_added(), 20, "ExecutorAdded")
    assert added[0]["cores"] == 1  # spark.deploy.defaultCores from the defaults file


def test_defaults_file_ignored_when_properties_file_given(cluster, tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "sparkpp-defaults.conf").write_text("spark.deploy.defaultCores 1\n")
    other = tmp_path / "other.conf"
    other.write_text("spark.deploy.spreadOut false\n")
    m = start_master(tmp_path, extra_args=["--properties-file", str(other)], name="m-other")
    cluster.daemons.append(m)
    assert "spark.deploy.defaultCores" not in m.log_text()
    assert "spark.deploy.spreadOut = false" in m.log_text()


# ----------------------------------------------------------------------------- reconciliation,
# recovery and standby masters (issues #2 and #6)

def _register_fake_worker(port, worker_id, cores=2, memory_mb=1024, fake_port=1):
    c = ControlClient.connect(port, role="worker", name=worker_id)
    c.send("RegisterWorker", {"id": worker_id, "host": "127.0.0.1", "port": fake_port, "cores": cores,
                              "memory_mb": memory_mb, "webui_url": "http://127.0.0.1:1"})
    return c


def _recv_until(conn, op, timeout=10):
    """Messages up to and including the first `op`; returns (that body, all seen)."""
    import time
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        o, body, _ = conn.recv(max(0.1, deadline - time.monotonic()))
        seen.append((o, body))
        if o == op:
            return body, seen


def test_reregistering_worker_is_reconciled(cluster):
    """A worker re-registers (as a duplicate of its own id: the master has not noticed the old
    link drop) and lists what it runs: executors the master placed there that are missing are
    LOST (driver told, cores re-offered), executors the master does not know are killed.
    The old link is half-open: silent for two heartbeat intervals (timeout / 2), which is what
    lets the new connection take the id (issue 12: a live worker's id is never taken over)."""
    import time
    m = cluster.start_master(conf={"spark.worker.timeout": "8"})
    wid = "worker-20250101000000-127.0.0.1-1"
    w1 = cluster.track(_register_fake_worker(m.port, wid))
    registered_at = time.monotonic()
    assert _recv_until(w1, "RegisteredWorker")[0]["duplicate"] is False
    w1.send("WorkerLatestState", {"worker_id": wid, "executors": [], "drivers": []})
    app = cluster.track(AppClient(m.port, max_cores=2))
    launch, _ = _recv_until(w1, "LaunchExecutor")
    assert launch["app_id"] == app.app_id and launch["exec_id"] == 0 and launch["cores"] == 2
    w1.send("ExecutorStateChanged", {"app_id": app.app_id, "exec_id": 0, "state": "RUNNING", "message": "",
                                     "exit_code": None})
    wait_until(lambda: any(u["state"] == "RUNNING" for u in app.received("ExecutorUpdated")), 10, "RUNNING")

    time.sleep(max(0.0, registered_at + 4.5 - time.monotonic()))  # > 4 s silent, < 8 s: still ALIVE
    w2 = cluster.track(_register_fake_worker(m.port, wid))
    assert _recv_until(w2, "RegisteredWorker")[0]["duplicate"] is True
    w2.send("WorkerLatestState", {"worker_id": wid, "executors": [
        {"app_id": "app-20200101000000-0099", "exec_id": 5, "cores": 1, "memory_mb": 512}], "drivers": []})
    kill, seen = _recv_until(w2, "KillExecutor")
    assert (kill["app_id"], kill["exec_id"]) == ("app-20200101000000-0099", 5)
    lost = wait_until(lambda: [u for u in app.received("ExecutorUpdated") if u["state"] == "LOST"], 10, "LOST")
    assert lost[0]["exec_id"] == 0 and not lost[0]["worker_lost"]
    relaunch = next((b for o, b in seen if o == "LaunchExecutor"), None) or _recv_until(w2, "LaunchExecutor")[0]
    assert relaunch["exec_id"] == 1 and relaunch["cores"] == 2
    wait_until(lambda: len(app.executors_added()) == 2, 10, "replacement ExecutorAdded")
    (a,) = m.json()["activeapps"]
    assert [(e["id"], e["state"]) for e in a["removedexecutors"]] == [(0, "LOST")]


def _recovery_conf(rdir, timeout="2", recovery_timeout=None):
    conf = {"spark.deploy.recoveryMode": "FILESYSTEM", "spark.deploy.recoveryDirectory": str(rdir),
            "spark.worker.timeout": timeout}
    if recovery_timeout:  # generous where everyone is expected back: recovery ends when they are
        conf["spark.deploy.recoveryTimeout"] = recovery_timeout
    return conf


def test_master_restart_with_filesystem_recovery(cluster, tmp_path):
    """Scenario 4 of issue #6 on one host: the master is SIGKILLed and restarted on its port
    with the same recovery directory; the worker and the application come back, the running
    executor is re-adopted (same process), and new allocations still work."""
    rdir = tmp_path / "recovery"
    conf = _recovery_conf(rdir, timeout="4", recovery_timeout="30")
    m = cluster.start_master(conf=conf)
    assert m.fields["status"] == "ALIVE"
    w = cluster.start_worker(m.url, cores=2, memory="2g", conf={"spark.worker.timeout": "4"})
    wait_until(lambda: alive_workers(m, 1), 20, "worker ALIVE")
    app = cluster.track(AppClient(m.port, max_cores=1, memory_mb=256))
    wait_until(lambda: any(e["state"] == "RUNNING" for e in w.json()["executors"]), 20, "executor RUNNING")
    (ex,) = w.json()["executors"]
    assert sorted(os.listdir(rdir)) == sorted(["master.lock", f"app_{app.app_id}.json", f"worker_{w.id}.json"])

    port = m.port
    m.kill(signal.SIGKILL)
    m.wait_exit(10)
    m2 = cluster.start_master(conf=conf, port=port)
    j = m2.json()
    assert j["status"] == "RECOVERING"
    assert [x["state"] for x in j["workers"]] == ["UNKNOWN"] and j["activeapps"][0]["state"] == "UNKNOWN"
    # The worker re-registers by itself; the driver's client re-registers under its app id.
    wait_until(lambda: workers_by_id(m2)[w.id]["state"] == "ALIVE", 30, "worker back")
    wait_until(lambda: app.reregister(port)["app_id"] == app.app_id, 20, "app re-registered")
    wait_until(lambda: m2.json()["status"] == "ALIVE", 10, "recovery complete")
    (a,) = m2.json()["activeapps"]
    assert a["id"] == app.app_id and a["state"] == "RUNNING"
    assert [(e["id"], e["workerid"]) for e in a["executors"]] == [(ex["id"], w.id)]
    (ex2,) = w.json()["executors"]
    assert ex2["pid"] == ex["pid"] and ex2["state"] == "RUNNING"  # never killed
    # A second app gets the remaining core, with the next executor id of its own.
    app2 = cluster.track(AppClient(m2.port, max_cores=1, memory_mb=256))
    added = wait_until(lambda: app2.executors_added(), 20, "second app served")
    assert added[0]["worker_id"] == w.id
    # /json is a snapshot taken after the event is handled: it may trail the message by a moment.
    wait_until(lambda: m2.json()["coresused"] == 2, 10, "both cores in use in /json")


def test_recovery_timeout_drops_what_does_not_come_back(cluster, tmp_path):
    rdir = tmp_path / "recovery"
    conf = _recovery_conf(rdir)
    m = cluster.start_master(conf=conf)
    app = cluster.track(AppClient(m.port, max_cores=1))
    w = cluster.start_worker(m.url, cores=1, memory="1g", conf={"spark.worker.timeout": "2"})
    wait_until(lambda: alive_workers(m, 1), 20, "worker ALIVE")
    port = m.port
    m.kill(signal.SIGKILL)
    m.wait_exit(10)
    w.stop()
    app.close()
    m2 = cluster.start_master(conf=conf, port=port)
    assert m2.json()["status"] == "RECOVERING"
    wait_until(lambda: m2.json()["status"] == "ALIVE", 15, "recovery timeout")
    j = m2.json()
    assert [x["state"] for x in j["workers"]] == ["DEAD"] and j["activeapps"] == []
    assert [x["id"] for x in j["completedapps"]] == [app.app_id]
    assert sorted(os.listdir(rdir)) == ["master.lock"]


def test_standby_master_takes_over(cluster, tmp_path):
    rdir = tmp_path / "recovery"
    conf = _recovery_conf(rdir, timeout="4", recovery_timeout="30")
    m1 = cluster.start_master(conf=conf)
    m2 = cluster.start_master(conf=conf)
    assert (m1.fields["status"], m2.fields["status"]) == ("ALIVE", "STANDBY")
    assert m2.json()["status"] == "STANDBY"
    # A standby points clients elsewhere.
    c = cluster.track(ControlClient.connect(m2.port, role="app"))
    c.send("RegisterApplication", {"name": "x", "max_cores": None, "cores_per_executor": None,
                                   "memory_per_executor_mb": 256, "driver_url": "127.0.0.1:1", "app_ui_url": "",
                                   "user": "t", "executor_env": {}, "app_id": None})
    assert c.recv(10)[0] == "MasterInStandby"
    both = f"spark://127.0.0.1:{m2.port},127.0.0.1:{m1.port}"  # the standby first: the worker moves on
    w = cluster.start_worker(both, cores=2, memory="2g", conf={"spark.worker.timeout": "4"})
    wait_until(lambda: alive_workers(m1, 1), 20, "worker registered with the leader")
    app = cluster.track(AppClient(m1.port, max_cores=1, memory_mb=256))
    wait_until(lambda: any(e["state"] == "RUNNING" for e in w.json()["executors"]), 20, "executor RUNNING")
    pid = w.json()["executors"][0]["pid"]

    m1.kill(signal.SIGKILL)
    m1.wait_exit(10)
    wait_until(lambda: m2.json()["status"] in ("RECOVERING", "ALIVE"), 10, "standby took the lock")
    wait_until(lambda: workers_by_id(m2)[w.id]["state"] == "ALIVE", 40, "worker moved to the new leader")
    wait_until(lambda: app.reregister(m2.port)["app_id"] == app.app_id, 20, "app moved to the new leader")
    wait_until(lambda: m2.json()["status"] == "ALIVE", 10, "recovery complete")
    (a,) = m2.json()["activeapps"]
    assert a["id"] == app.app_id and len(a["executors"]) == 1
    assert w.json()["executors"][0]["pid"] == pid
    assert w.json()["masterurl"] == m2.url
