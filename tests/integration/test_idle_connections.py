"""Idle connections after the handshake (issue 12): a peer that completes the Hello on a
driver's executor port, an executor's block server or a worker's port and then sends nothing is
dropped after spark.network.timeout (here 3 s), while the application's own executors -- which
heartbeat, and whose fetchers reconnect a connection they left idle -- keep working across
silences longer than the timeout."""
import socket
import threading
import time

import pytest

from daemons import Cluster, ControlClient, descendants_of, wait_until
from jobs import submit, write_job
from test_security import _listening_ports

TIMEOUT_S = 3


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    yield c
    c.close()


JOB = """
import os, sys, time
from pyspark import SparkContext
sc = SparkContext()
rdd = sc.parallelize(range(1000), 4).map(lambda x: (x % 10, x)).reduceByKey(lambda a, b: a + b)
check("first", lambda: sorted(rdd.collect()))
open(sys.argv[1], "w").write("ready")
deadline = time.time() + 90
while not os.path.exists(sys.argv[2]) and time.time() < deadline:
    time.sleep(0.1)
# The same shuffle output fetched again after a silence of several timeouts.
check("again", lambda: sorted(rdd.collect()))
check("new", lambda: sc.parallelize(range(100), 4).map(lambda x: (x % 3, 1)).reduceByKey(lambda a, b: a + b).collectAsMap())
sc.stop()
emit()
"""


def _closed_after(sock, limit):
    """Seconds until the peer closes `sock` (None if still open after `limit`)."""
    t0 = time.monotonic()
    sock.settimeout(limit)
    try:
        while True:
            if not sock.recv(65536):
                break
    except ConnectionResetError:
        pass
    except socket.timeout:
        return None
    return time.monotonic() - t0


def test_silent_peers_after_the_handshake_are_dropped(cluster, tmp_path):
    net = {"spark.network.timeout": f"{TIMEOUT_S}s"}
    m = cluster.start_master()
    w = cluster.start_worker(m.url, cores=2, memory="2g", conf=net)
    wait_until(lambda: m.json()["aliveworkers"] == 1, 20, "the worker")
    script = write_job(tmp_path, "idle_job.py", JOB)
    ready, go = tmp_path / "ready", tmp_path / "go"
    res = {}
    t = threading.Thread(target=lambda: res.setdefault("r", submit(
        script, ready, go, master=m.url,
        conf=dict(net, **{"spark.executor.heartbeatInterval": "1s", "spark.sparkpp.shuffle.preferLocalRead": "false"}),
        options=["--total-executor-cores", "2", "--executor-cores", "1", "--executor-memory", "512m"],
        timeout=150)))
    t.start()
    try:
        wait_until(lambda: ready.exists() or not t.is_alive(), 90, "the job's first part")
        assert ready.exists(), res.get("r") and res["r"].describe()
        execs = [p for p in descendants_of(w.pid)
                 if b"executor" in open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")[1:2]]
        assert execs
        argv = open(f"/proc/{execs[0]}/cmdline", "rb").read().decode().split("\0")
        driver_host, driver_port = argv[argv.index("--driver-url") + 1].rsplit(":", 1)
        block_port = sorted(_listening_ports(execs[0]))[0]
        silent = {
            "driver": ControlClient.connect(int(driver_port), role="executor", host=driver_host),
            "block server": ControlClient.connect(block_port, role="executor"),
            "worker": ControlClient.connect(w.port, role="worker"),
        }
        for what, c in silent.items():
            took = _closed_after(c.sock, TIMEOUT_S * 5)
            assert took is not None, f"the {what} kept a silent connection open"
            c.close()
        # Silence well past the timeout; the application's own links must survive it.
        time.sleep(TIMEOUT_S * 1.5)
        wait_until(lambda: "idle for 3000 ms" in w.log_text(), 10, "the worker logs the drop")
    finally:
        go.write_text("go")
        t.join(150)
    r = res["r"]
    assert r.returncode == 0, r.describe()
    want = sorted([k, sum(x for x in range(1000) if x % 10 == k)] for k in range(10))
    assert r.result("first") == want
    assert r.result("again") == want
    assert r.result("new") == {"0": 34, "1": 33, "2": 33} or r.result("new") == {0: 34, 1: 33, 2: 33}
    assert "heartbeat timed out" not in r.stderr + r.stdout
