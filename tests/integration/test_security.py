"""Security: each attack of issue 12 tried against real daemons, which must now fail safe.

Versioning (issue 11 item 6): a peer of another protocol version is refused at Hello with a
message naming both versions and both builds, on the accepting and on the connecting side.
"""
import json
import socket
import struct
import threading

import pytest

from daemons import PROTO, Cluster, ControlClient, encode, wait_until


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
