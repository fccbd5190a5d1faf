"""Start and drive real sparkpp master/worker daemons from tests.

Everything starts on port 0; the chosen ports come from the daemon's startup line. Every
process is tracked and killed by PID (never by name) when its Cluster closes, including the
children a worker started. Waiting is always on a condition with a deadline (wait_until),
never a bare sleep.

    with Cluster(tmp_path) as c:            # or the `cluster` fixture in test_daemons.py
        m = c.start_master(conf={"spark.worker.timeout": "2"})
        w = c.start_worker(m.url, cores=2, memory="1g")
        wait_until(lambda: m.json()["aliveworkers"] == 1, 20, "worker registered")

Control-plane clients (ControlClient, FakeDriver, AppClient) speak the framing of
docs/protocol.md: u32 big-endian length, kind byte 'J', a JSON envelope.
"""
import glob
import hashlib
import hmac
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.request

# The protocol version, read from its one definition (kProtocolVersion in messages.h).
PROTO = int(re.search(r"kProtocolVersion = (\d+);",
                      open(os.path.join(os.path.dirname(__file__), "..", "..", "src", "common",
                                        "messages.h")).read()).group(1))


def binary():
    b = os.environ.get("SPARKPP_BIN")
    if not b:
        here = os.path.dirname(os.path.abspath(__file__))
        b = os.path.join(here, "..", "..", "build", "sparkpp")
    return os.path.abspath(b)


def wait_until(fn, timeout=30.0, what="condition", interval=0.05):
    """Polls fn() until it returns a truthy value (returned) or raises TimeoutError after
    `timeout` seconds. Exceptions from fn count as 'not yet' (the last one is reported)."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = fn()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - the daemon may not be ready yet
            last_exc = e
        if time.monotonic() >= deadline:
            extra = f" (last error: {last_exc!r})" if last_exc else ""
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}{extra}")
        time.sleep(interval)


# ----------------------------------------------------------------------------- processes

def pid_alive(pid):
    """True if pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def children_of(pid):
    """Direct children of pid, from /proc (no psutil)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(d))
    return out


def descendants_of(pid):
    seen, todo = [], [pid]
    while todo:
        for c in children_of(todo.pop()):
            if c not in seen:
                seen.append(c)
                todo.append(c)
    return seen


def kill_pids(pids, sig=signal.SIGKILL):
    for p in pids:
        try:
            os.kill(p, sig)
        except (ProcessLookupError, PermissionError):
            pass


class Daemon:
    """A running `sparkpp master|worker`. Attributes: proc, pid, kind, port, webui_port, url
    (master: spark://host:port), id (worker id), startup (the parsed startup line), log
    (path of its stderr)."""

    def __init__(self, kind, proc, fields, log):
        self.kind = kind
        self.proc = proc
        self.pid = proc.pid
        self.fields = fields
        self.port = int(fields["port"])
        self.webui_port = int(fields["webui_port"])
        self.url = fields.get("url")
        self.id = fields.get("id")
        self.log = log
        self.known_descendants = set()

    def json(self, timeout=5):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.webui_port}/json", timeout=timeout) as r:
            return json.loads(r.read().decode())

    def http_get(self, path, timeout=5):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.webui_port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode()

    def alive(self):
        return self.proc.poll() is None

    def remember_descendants(self):
        """Records the current process tree so close() can reap orphans after a SIGKILL."""
        if self.alive():
            self.known_descendants.update(descendants_of(self.pid))
        return sorted(self.known_descendants)

    def kill(self, sig=signal.SIGKILL):
        """Signals the daemon (by PID). SIGKILL leaves a worker's executors orphaned: call
        remember_descendants() first if you care (Cluster.close() kills them)."""
        self.remember_descendants()
        if self.alive():
            self.proc.send_signal(sig)

    def stop(self, timeout=20):
        """SIGTERM and wait; returns the exit code. SIGKILL if it does not exit in time."""
        self.kill(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            raise

    def wait_exit(self, timeout=20):
        return self.proc.wait(timeout)

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def cleanup(self):
        """Kills the daemon and everything it started (by PID) and reaps it."""
        self.remember_descendants()
        if self.alive():
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                pass
        if self.alive():
            self.proc.kill()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        kill_pids([p for p in self.known_descendants if pid_alive(p)])
        if self.proc.stdout:
            self.proc.stdout.close()


_LINE = re.compile(r"sparkpp (master|worker) listening: (.*)")


def _read_startup_line(proc, kind, log, timeout):
    """Reads stdout until the startup line; returns its key=value fields."""
    deadline = time.monotonic() + timeout
    buf = b""
    fd = proc.stdout.fileno()
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
            for line in buf.decode(errors="replace").splitlines():
                m = _LINE.search(line)
                if m and m.group(1) == kind:
                    return dict(kv.split("=", 1) for kv in m.group(2).split() if "=" in kv)
        elif proc.poll() is not None:
            break
    proc.kill()
    proc.wait(10)
    with open(log, errors="replace") as f:
        err = f.read()
    raise RuntimeError(f"{kind} did not start (exit {proc.returncode}); stdout={buf!r}; stderr:\n{err}")


def _conf_args(conf, flag="--conf"):
    args = []
    for k, v in (conf or {}).items():
        args += [flag, f"{k}={v}"]
    return args


def _spawn(kind, args, log, cwd, timeout):
    with open(log, "ab") as errf:
        proc = subprocess.Popen([binary(), kind] + args, stdout=subprocess.PIPE, stderr=errf,
                                stdin=subprocess.DEVNULL, cwd=cwd, start_new_session=True)
    fields = _read_startup_line(proc, kind, log, timeout)
    return Daemon(kind, proc, fields, log)


def start_master(tmp_path, conf=None, extra_args=(), host="127.0.0.1", name="master", timeout=20, port=0):
    """Starts `sparkpp master` (on free ports unless `port` is given); returns a Daemon with
    .url/.port/.webui_port."""
    tmp_path = str(tmp_path)
    log = os.path.join(tmp_path, f"{name}.log")
    args = ["--host", host, "--port", str(port), "--webui-port", "0"] + _conf_args(conf) + list(extra_args)
    return _spawn("master", args, log, tmp_path, timeout)


def start_worker(master_url, tmp_path, cores=2, memory="1g", conf=None, work_dir=None, extra_args=(),
                 host="127.0.0.1", name=None, timeout=20):
    """Starts `sparkpp worker` on free ports against master_url; returns a Daemon with .id."""
    tmp_path = str(tmp_path)
    name = name or f"worker-{time.monotonic_ns()}"
    work_dir = work_dir or os.path.join(tmp_path, name + "-work")
    log = os.path.join(tmp_path, f"{name}.log")
    args = ["--host", host, "--port", "0", "--webui-port", "0", "--cores", str(cores), "--memory", str(memory),
            "--work-dir", work_dir] + _conf_args(conf) + list(extra_args) + [master_url]
    d = _spawn("worker", args, log, tmp_path, timeout)
    d.work_dir = work_dir
    return d


class Cluster:
    """Tracks every daemon and client it starts; close() kills them all by PID."""

    def __init__(self, tmp_path):
        self.tmp_path = str(tmp_path)
        self.daemons = []
        self.clients = []
        self._n = 0

    def start_master(self, conf=None, **kw):
        d = start_master(self.tmp_path, conf=conf, name=f"master-{len(self.daemons)}", **kw)
        self.daemons.append(d)
        return d

    def start_worker(self, master_url, cores=2, memory="1g", conf=None, **kw):
        self._n += 1
        kw.setdefault("name", f"worker-{self._n}")
        d = start_worker(master_url, self.tmp_path, cores=cores, memory=memory, conf=conf, **kw)
        self.daemons.append(d)
        return d

    def track(self, client):
        self.clients.append(client)
        return client

    def close(self):
        for c in self.clients:
            try:
                c.close()
            except Exception:  # noqa: BLE001 - teardown must go on
                pass
        # Workers first (they stop their executors), then masters.
        for d in sorted(self.daemons, key=lambda d: d.kind != "worker"):
            d.cleanup()
        # Scratch dirs of executors whose worker was SIGKILLed are nobody's to delete but ours
        # (only our workers': another cluster's app may have the same id; names end in the
        # worker's pid).
        workers = [d.pid for d in self.daemons if d.kind == "worker"]
        for c in self.clients:
            app_id = getattr(c, "app_id", None)
            if app_id:
                for pid in workers:
                    for p in glob.glob(f"/tmp/sparkpp-executor-{app_id}-*-{pid}"):
                        shutil.rmtree(p, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ----------------------------------------------------------------------------- wire protocol

def encode(op, body, blobs=()):
    payload = json.dumps({"v": PROTO, "op": op, "blobs": len(blobs), "body": body}).encode()
    out = struct.pack(">IB", len(payload) + 1, ord("J")) + payload
    for b in blobs:
        out += struct.pack(">IB", len(b) + 1, ord("B")) + b
    return out


def hello(role, name=""):
    return encode("Hello", {"role": role, "proto": PROTO, "name": name, "secret": ""})


def auth_proof(key, label, connector_role, nc, na):
    """The proof of src/common/auth.h: hex HMAC-SHA256 over the exchange's transcript."""
    msg = "\n".join(["sparkpp-auth-1", label, connector_role, nc, na]).encode()
    return hmac.new(key.encode(), msg, hashlib.sha256).hexdigest()


def app_key(secret, app_id):
    """The per-application key executors prove (auth::app_key)."""
    return hmac.new(secret.encode(), ("sparkpp-auth-1\napp\n" + app_id).encode(), hashlib.sha256).hexdigest()


def session_key(secret, nc, na, label):
    """One direction's sealing key (auth::session_key): HKDF-SHA256 over the key with both
    nonces as salt; label "c2a" or "a2c"."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=(nc + na).encode(),
                info=b"sparkpp-crypto-1 " + label.encode()).derive(secret.encode())


class RecordCipher:
    """Seals or opens one direction's records (src/common/frame.h): AES-256-GCM, the nonce a
    record counter (4 zero bytes + u64 big-endian), the 5-byte record header the extra data."""

    MAX = 64 << 10

    def __init__(self, key):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        self.aead = AESGCM(key)
        self.counter = 0

    def _nonce(self):
        n = b"\0" * 4 + struct.pack(">Q", self.counter)
        self.counter += 1
        return n

    def seal(self, plain):
        out = b""
        for i in range(0, len(plain), self.MAX):
            piece = plain[i:i + self.MAX]
            hdr = struct.pack(">IB", len(piece) + 17, ord("E"))
            out += hdr + self.aead.encrypt(self._nonce(), piece, hdr)
        return out

    def open(self, hdr, body):
        return self.aead.decrypt(self._nonce(), body, hdr)


class HandshakeRefused(Exception):
    """The peer answered HelloRefused (args[0]: its reason) or failed to prove the secret."""


class ControlClient:
    """A blocking framed connection (one reader: the caller)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""      # plain frame bytes
        self.raw = b""      # sealed records not yet opened (encrypted connections)
        self.sealer = None
        self.opener = None

    @classmethod
    def connect(cls, port, role="app", name="test", host="127.0.0.1", timeout=10, secret=None,
                check_peer=True, crypto=False, seal=None):
        """Connects and completes the handshake; with `secret`, the challenge-response of
        src/common/auth.h (check_peer=False skips checking the acceptor's proof, so a wrong
        secret reaches the acceptor's own check). Raises HandshakeRefused when refused.
        crypto=True asks for encryption (spark.network.crypto.enabled): after HelloAck every
        frame both ways is a sealed record (src/common/frame.h); seal=False then keeps sending
        plaintext (what the peer must refuse)."""
        s = socket.create_connection((host, port), timeout=timeout)
        c = cls(s)
        body = {"role": role, "proto": PROTO, "name": name, "secret": ""}
        nc = os.urandom(32).hex()
        if secret is not None:
            body["nonce"] = nc
        if crypto:
            body["crypto"] = True
        c.send("Hello", body)
        op, reply, _ = c.recv(timeout)
        if op == "HelloChallenge":
            if secret is None:
                c.close()
                raise HandshakeRefused("the peer requires authentication")
            na = reply["nonce"]
            if check_peer and not hmac.compare_digest(reply["proof"], auth_proof(secret, "acceptor", role, nc, na)):
                c.close()
                raise HandshakeRefused("the peer failed authentication")
            c.send("HelloProof", {"proof": auth_proof(secret, "connector", role, nc, na)})
            op, reply, _ = c.recv(timeout)
        if op == "HelloRefused":
            c.close()
            raise HandshakeRefused(reply["reason"])
        assert op == "HelloAck", (op, reply)
        if crypto:
            c.opener = RecordCipher(session_key(secret, nc, na, "a2c"))
            c.sealer = RecordCipher(session_key(secret, nc, na, "c2a")) if seal is not False else None
            c.records_in = 0
            # Bytes that came with HelloAck are already records.
            c.raw, c.buf = c.buf, b""
        return c

    def send(self, op, body, blobs=()):
        data = encode(op, body, blobs)
        self.sock.sendall(self.sealer.seal(data) if self.sealer else data)

    def _open_records(self):
        while len(self.raw) >= 5:
            n, kind = struct.unpack(">IB", self.raw[:5])
            if len(self.raw) < 4 + n:
                return
            assert chr(kind) == "E", f"plaintext frame {chr(kind)!r} on an encrypted connection"
            self.buf += self.opener.open(self.raw[:5], self.raw[5:4 + n])
            self.records_in += 1
            self.raw = self.raw[4 + n:]

    def _frame(self, deadline):
        while True:
            if self.opener:
                self._open_records()
            if len(self.buf) >= 5:
                n, kind = struct.unpack(">IB", self.buf[:5])
                if len(self.buf) >= 4 + n:
                    payload = self.buf[5:4 + n]
                    self.buf = self.buf[4 + n:]
                    return chr(kind), payload
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no frame")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            if self.opener:
                self.raw += chunk
            else:
                self.buf += chunk

    def recv(self, timeout=10):
        """Returns (op, body, blobs)."""
        deadline = time.monotonic() + timeout
        kind, payload = self._frame(deadline)
        assert kind == "J", kind
        env = json.loads(payload)
        blobs = [self._frame(deadline)[1] for _ in range(env["blobs"])]
        return env["op"], env["body"], blobs

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class FakeDriver:
    """Listens on 127.0.0.1:0 and plays the driver's executor endpoint: answers Hello with
    HelloAck and RegisterExecutor with RegisteredExecutor, then keeps executors connected.
    .registered lists the RegisterExecutor bodies received."""

    def __init__(self, app_id_fn=lambda: ""):
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(64)
        self.port = self.srv.getsockname()[1]
        self.url = f"127.0.0.1:{self.port}"
        self.app_id_fn = app_id_fn
        self.registered = []
        self.conns = []
        self._stop = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        self.srv.settimeout(0.2)
        while not self._stop:
            try:
                s, _ = self.srv.accept()
            except OSError:
                continue
            c = ControlClient(s)
            with self._lock:
                self.conns.append(c)
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        try:
            op, body, _ = c.recv(30)
            if op != "Hello":
                return
            c.send("HelloAck", {"role": "driver", "proto": PROTO, "name": ""})
            while not self._stop:
                try:
                    op, body, _ = c.recv(1)
                except TimeoutError:
                    continue
                if op == "RegisterExecutor":
                    with self._lock:
                        self.registered.append(body)
                    c.send("RegisteredExecutor", {"app_id": self.app_id_fn(), "conf": {}})
        except (OSError, ConnectionError, AssertionError, ValueError):
            pass

    def close(self):
        self._stop = True
        try:
            self.srv.close()
        except OSError:
            pass
        with self._lock:
            for c in self.conns:
                c.close()


class AppClient:
    """An application registered with the master over the control plane (what the C++ driver
    does), with a background reader collecting every message. Acts as its own FakeDriver so
    executors have somewhere to connect."""

    def __init__(self, master_port, name="test-app", max_cores=None, cores_per_executor=None, memory_mb=512,
                 executor_env=None, user="tester", secret=None):
        self.secret = secret
        self.messages = []
        self.app_id = None
        self._cv = threading.Condition()
        self.driver = FakeDriver(lambda: self.app_id or "")
        self._desc = {
            "name": name, "max_cores": max_cores, "cores_per_executor": cores_per_executor,
            "memory_per_executor_mb": memory_mb, "driver_url": self.driver.url, "app_ui_url": "",
            "user": user, "executor_env": executor_env or {}, "app_id": None}
        self._closed = False
        self.conn = None
        self._register(master_port)

    def _register(self, master_port, app_id=None):
        conn = ControlClient.connect(master_port, role="app", name=self._desc["name"], secret=self.secret)
        conn.send("RegisterApplication", dict(self._desc, app_id=app_id))
        op, body, _ = conn.recv(10)
        if op != "RegisteredApplication":
            conn.close()
            raise ConnectionError(f"registration refused: {op} {body}")
        self.app_id = body["app_id"]
        self.conn = conn
        t = threading.Thread(target=self._read, args=(conn,), daemon=True)
        t.start()
        return body

    def reregister(self, master_port):
        """What a driver does after losing its master: a new connection, RegisterApplication
        with its app id. Raises ConnectionError if refused (e.g. MasterInStandby)."""
        old = self.conn
        body = self._register(master_port, app_id=self.app_id)
        if old is not None:
            old.close()
        return body

    def _read(self, conn):
        while not self._closed and conn is self.conn:
            try:
                op, body, _ = conn.recv(0.5)
            except TimeoutError:
                continue
            except (OSError, ConnectionError, ValueError, AssertionError):
                return
            with self._cv:
                self.messages.append((op, body))
                self._cv.notify_all()

    def received(self, op):
        with self._cv:
            return [b for o, b in self.messages if o == op]

    def executors_added(self):
        return self.received("ExecutorAdded")

    def unregister(self):
        self.conn.send("UnregisterApplication", {"app_id": self.app_id})

    def close(self):
        self._closed = True
        self.conn.close()
        self.driver.close()
