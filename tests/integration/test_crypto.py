"""Encryption of connections (spark.network.crypto.enabled, issue 12): a real job on an encrypted
master + worker cluster, the wire checked from a client's side (every frame after HelloAck is an
AES-256-GCM record under the per-direction keys), and peers that break the record stream --
plaintext after the handshake, a tampered or replayed record, no encryption at all -- refused."""
import socket
import subprocess

import pytest

from daemons import Cluster, ControlClient, HandshakeRefused, binary, encode, wait_until
from jobs import submit_ok, write_job

SECRET = "c0ffee" * 10 + "1234"
CRYPTO = {"spark.authenticate": "true", "spark.authenticate.secret": SECRET, "spark.network.crypto.enabled": "true"}


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    yield c
    c.close()


JOB = """
from pyspark import SparkContext
from pyspark.sql import SparkSession
sc = SparkContext()
spark = SparkSession(sc)
# RDD shuffle between two executors (block fetches over the network), a result well above one
# record (64 KiB), a broadcast, and a SQL shuffle.
check("shuffle", lambda: sorted(sc.parallelize(range(2000), 4).map(lambda x: (x % 7, x))
                                  .reduceByKey(lambda a, b: a + b).collect()))
check("big", lambda: len("".join(sc.parallelize(range(4), 4).map(lambda i: str(i) * 300000).collect())))
b = sc.broadcast(list(range(50000)))
check("broadcast", lambda: sc.parallelize(range(4), 4).map(lambda i: sum(b.value) + i).collect())
df = spark.range(0, 5000).selectExpr("id % 5 AS k", "id AS v")
check("sql", lambda: [list(r) for r in df.groupBy("k").sum("v").orderBy("k").collect()])
sc.stop()
emit()
"""


def test_encrypted_cluster_runs_a_job(cluster, tmp_path):
    m = cluster.start_master(conf=CRYPTO)
    w = cluster.start_worker(m.url, cores=2, memory="2g", conf=CRYPTO)
    wait_until(lambda: m.json()["aliveworkers"] == 1, 20, "the worker registered over an encrypted link")
    script = write_job(tmp_path, "crypto_job.py", JOB)
    r = submit_ok(script, master=m.url, env={"SPARKPP_SECRET": SECRET},
                  conf={"spark.authenticate": "true", "spark.network.crypto.enabled": "true",
                        "spark.sparkpp.shuffle.preferLocalRead": "false", "spark.sql.shuffle.partitions": "4"},
                  options=["--total-executor-cores", "2", "--executor-cores", "1", "--executor-memory", "512m"],
                  timeout=180)
    assert r.result("shuffle") == [[k, sum(x for x in range(2000) if x % 7 == k)] for k in range(7)]
    assert r.result("big") == 4 * 300000
    assert r.result("broadcast") == [sum(range(50000)) + i for i in range(4)]
    assert r.result("sql") == [[k, sum(v for v in range(5000) if v % 5 == k)] for k in range(5)]
    for d in (m, w):
        assert "does not verify" not in d.log_text() and "plaintext frame" not in d.log_text()
    # A driver without encryption is refused by the encrypting master, saying why.
    r2 = subprocess.run([binary(), "submit", "--master", m.url, "--conf", "spark.authenticate=true",
                         "--conf", f"spark.authenticate.secret={SECRET}", str(script)],
                        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r2.returncode != 0
    assert "encryption required" in r2.stdout + r2.stderr, r2.stdout + r2.stderr


REG = {"name": "sealed", "max_cores": None, "cores_per_executor": None, "memory_per_executor_mb": 512,
       "driver_url": "127.0.0.1:1", "app_ui_url": "", "user": "x", "executor_env": {}, "app_id": None}


def _register_app(conn):
    conn.send("RegisterApplication", REG)


def _closed_by_peer(sock, timeout=10):
    sock.settimeout(timeout)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_the_wire_is_sealed_and_a_broken_record_stream_is_refused(cluster):
    m = cluster.start_master(conf=CRYPTO)
    # A client that seals: the master answers in records only, under the derived keys.
    c = ControlClient.connect(m.port, role="app", secret=SECRET, crypto=True)
    _register_app(c)
    op, body, _ = c.recv(10)
    assert op == "RegisteredApplication" and body["app_id"].startswith("app-")
    assert c.records_in >= 1 and c.opener.counter == c.records_in
    c.close()

    # No encryption on the connecting side: refused at Hello, saying which side lacks it.
    with pytest.raises(HandshakeRefused, match="encryption required"):
        ControlClient.connect(m.port, role="app", secret=SECRET)

    # Plaintext after an encrypted handshake: the connection is closed, the message never acted on.
    c = ControlClient.connect(m.port, role="app", secret=SECRET, crypto=True, seal=False)
    _register_app(c)
    assert _closed_by_peer(c.sock)
    wait_until(lambda: "plaintext frame" in m.log_text(), 10, "the refusal logged")

    # A tampered record (one ciphertext bit flipped).
    c = ControlClient.connect(m.port, role="app", secret=SECRET, crypto=True)
    rec = bytearray(c.sealer.seal(encode("RegisterApplication", dict(REG, name="tampered"))))
    rec[10] ^= 0x01
    c.sock.sendall(bytes(rec))
    assert _closed_by_peer(c.sock)
    wait_until(lambda: "does not verify" in m.log_text(), 10, "the tampered record logged")

    # A replayed record: the first copy is read, the second does not verify.
    c = ControlClient.connect(m.port, role="app", secret=SECRET, crypto=True)
    rec = c.sealer.seal(encode("RegisterApplication", dict(REG, name="replayed")))
    c.sock.sendall(rec + rec)
    assert _closed_by_peer(c.sock)
    wait_until(lambda: m.log_text().count("does not verify") >= 2, 10, "the replayed record logged")

    assert m.json()["status"] == "ALIVE"
    names = lambda: [a["name"] for a in m.json()["activeapps"]]  # noqa: E731
    wait_until(lambda: names() == [], 10, "no application left registered")


def test_crypto_without_authentication_refuses_to_start(tmp_path):
    args = [binary(), "master", "--host", "127.0.0.1", "--port", "0", "--webui-port", "0",
            "--conf", "spark.network.crypto.enabled=true"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert r.returncode == 1
    assert "spark.authenticate must be enabled when enabling encryption" in r.stderr, r.stderr
