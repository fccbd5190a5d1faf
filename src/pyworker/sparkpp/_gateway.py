"""The Python driver program's link to the C++ driver runtime, Py4J's role in PySpark.

One loopback connection, opened with Hello{role:"pydriver", secret}. Under `sparkpp submit` the
driver runtime is the submit process and hands the port and secret over in the environment
(`Gateway.from_env`). In a plain Python process (`python3 job.py`, pytest, a notebook) the
first SparkContext starts the runtime as a child, `sparkpp driver` (`Gateway.launch`), as
PySpark starts its JVM gateway: the child writes its port and per-run secret to a pipe only we
hold, dies when our end of its stdin closes (our exit, even a SIGKILL) and with us
(PR_SET_PDEATHSIG), and is stopped with the context.

Each request carries an increasing `req`; replies (which the driver may send out of order: jobs
run concurrently in threads) are read by one reader thread and handed to their owner. The
calling thread only waits on a condition, so Ctrl-C (KeyboardInterrupt) during an action never
cuts a frame: the wait is abandoned, the driver is told to cancel the running jobs (as PySpark's
SIGINT handler calls cancelAllJobs), their late replies are dropped, and the link stays usable.
"""
import json
import os
import select
import signal
import socket
import _signal  # signal.signal/getsignal without their enum conversions (twice per request)
import sys
import threading
import time

from sparkpp import _wire
from sparkpp.errors import GatewayError, error_from_reply

_SUBMIT_HINT = "run this script with `sparkpp submit job.py`"
# Requests that run jobs: a Ctrl-C while waiting for one cancels the application's jobs.
_JOB_OPS = ("PyRunJob", "PySqlExecute")
# How long the main thread sleeps at most between looks at pending signals while it waits for a
# reply (see Gateway._await): the worst-case delay of a Ctrl-C.
_SIGNAL_POLL = 0.1


class Gateway:
    def __init__(self, port, secret, host="127.0.0.1", timeout=10.0, process=None):
        try:
            # the host as bytes: getaddrinfo encodes a str host with the "idna" codec, whose
            # import (encodings.idna, stringprep, unicodedata) is ~10 ms of the driver's start
            sock = socket.create_connection((host.encode("ascii") if host.isascii() else host,
                                             int(port)), timeout=timeout)
        except OSError as e:
            raise GatewayError("cannot connect to the sparkpp driver at %s:%s (%s); %s"
                               % (host, port, e, _SUBMIT_HINT)) from None
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._ch = _wire.Channel(sock)
        self._process = process                # the `sparkpp driver` child we launched, if any
        self._lock = threading.Lock()          # sending, and `_req`
        self._cond = threading.Condition()     # `_replies`, `_abandoned`, `_closed`
        self._replies = {}
        self._abandoned = set()                # requests whose waiter gave up (Ctrl-C)
        self._req = 0
        self._deferred = False                 # requests queued by send_request(defer=True)
        self._closed = False
        self._lost = ""
        try:
            self._ch.send("Hello", {"role": "pydriver", "proto": _wire.PROTOCOL_VERSION,
                                    "name": str(os.getpid()), "secret": secret,
                                    "build": _wire.build_id()})
            op, body, _ = self._ch.recv()
        except (_wire.ConnectionClosed, _wire.ProtocolError) as e:
            self._ch.close()
            raise GatewayError("sparkpp driver refused the connection: %s" % e) from None
        if op == "HelloRefused":
            why = body.get("reason", "")
            if body.get("proto") != _wire.PROTOCOL_VERSION:
                why = _wire.version_mismatch(body.get("proto"), body.get("build"))
            self._ch.close()
            raise GatewayError("sparkpp driver refused the connection: %s" % why)
        if op != "HelloAck":
            self._ch.close()
            raise GatewayError("unexpected reply to Hello from the sparkpp driver: %s" % op)
        if body.get("proto") != _wire.PROTOCOL_VERSION:
            self._ch.close()
            raise GatewayError(_wire.version_mismatch(body.get("proto"), body.get("build")))
        self._reader = threading.Thread(target=self._read_loop, name="sparkpp-gateway",
                                        daemon=True)
        self._reader.start()

    # ------------------------------------------------------------------ making one
    @classmethod
    def from_env(cls):
        """The driver runtime of `sparkpp submit` (SPARKPP_DRIVER_PORT/_SECRET)."""
        port = os.environ.get("SPARKPP_DRIVER_PORT")
        if not port:
            raise RuntimeError("No sparkpp driver to connect to (SPARKPP_DRIVER_PORT is not set): "
                               + _SUBMIT_HINT)
        return cls(port, os.environ.get("SPARKPP_DRIVER_SECRET", ""))

    @classmethod
    def launch(cls, timeout=60.0):
        """Starts `sparkpp driver` as our child and connects to it."""
        import subprocess  # here: a driver under `sparkpp submit` never needs it (~6 ms)
        binary = find_binary()
        rfd, wfd = os.pipe()
        args = [binary, "driver", "--conn-fd", str(wfd), "--parent-pid", str(os.getpid()),
                "--python", sys.executable or "python3"]
        args += _submit_args_from_env()
        try:
            # Its own session: the terminal's Ctrl-C reaches us (and cancels jobs), not it.
            proc = subprocess.Popen(args, stdin=subprocess.PIPE, pass_fds=(wfd,),
                                    start_new_session=True)
        except OSError as e:
            os.close(rfd)
            os.close(wfd)
            raise RuntimeError("cannot start the sparkpp driver runtime %s: %s" % (binary, e)) \
                from None
        os.close(wfd)
        try:
            info = _read_conn_info(rfd, proc, timeout)
        finally:
            os.close(rfd)
        if "error" in info:
            _end_process(proc)
            raise RuntimeError("the sparkpp driver runtime failed to start: %s" % info["error"])
        try:
            return cls(info["port"], info["secret"], process=proc)
        except BaseException:
            _end_process(proc)
            raise

    @property
    def launched(self):
        return self._process is not None

    # ------------------------------------------------------------------ requests
    def request(self, op, body, blobs=()):
        """Sends one request; returns (op, body, blobs) of its reply. A PyError reply raises."""
        return self.reply(self.send_request(op, body, blobs), op)

    def send_request(self, op, body, blobs=(), defer=False):
        """Sends a request without waiting for its reply (read it with reply(); requests are
        answered in order, so several can be on their way at once); returns its req.
        defer: only queued, it leaves with the next request sent without defer or when a reply
        is awaited (a job's declarations and the job itself: one write, one wake-up of the
        driver)."""
        req, interrupted = self._send(op, body, blobs, defer)
        if interrupted:  # Ctrl-C arrived while sending: as if it came while waiting
            self._interrupted(req, op)
            interrupted.replay()
        return req

    def reply(self, req, op):
        """The reply to send_request's `req`, as request() returns it."""
        try:
            if self._deferred:
                self._flush_deferred(op)
            rop, rbody, rblobs = self._await(req, op)
        except KeyboardInterrupt:
            self._interrupted(req, op)
            raise
        if rop == "PyError":
            raise error_from_reply(rbody.get("kind"), rbody.get("message", ""), rbody.get("details"))
        return rop, rbody, rblobs

    def abandon(self, req):
        """The caller will not read `req`'s reply (an earlier request failed, so it fails
        too): dropped when it comes."""
        with self._cond:
            if self._replies.pop(req, None) is None:
                self._abandoned.add(req)

    def _flush_deferred(self, op):
        """Sends the deferred requests (send_request(defer=True)) still queued."""
        with self._lock:
            if not self._deferred or self._closed:
                return
            self._deferred = False
            with _HoldInterrupts() as held:
                try:
                    self._ch.flush()
                except (_wire.ConnectionClosed, OSError) as e:
                    self._fail("lost the connection to the sparkpp driver during %s: %s" % (op, e))
                    raise GatewayError("lost the connection to the sparkpp driver during %s: %s"
                                       % (op, e)) from None
        if held.interrupted:
            held.replay()

    def _send(self, op, body, blobs=(), defer=False):
        """Sends a request whole (a Ctrl-C meanwhile is held back), or queues it (defer);
        returns (req, whether a Ctrl-C was held back)."""
        with self._lock:
            if self._closed:
                raise GatewayError("the connection to the sparkpp driver is closed")
            self._req += 1
            req = self._req
            msg = {"req": req}
            msg.update(body)
            if op in _JOB_OPS and "properties" not in msg:
                msg["properties"] = {}
            if defer:  # queued whole or not at all (the message is encoded first)
                self._ch.queue(op, msg, blobs)
                self._deferred = True
                return req, None
            with _HoldInterrupts() as held:
                try:
                    self._ch.send(op, msg, blobs)
                    self._deferred = False
                except (_wire.ConnectionClosed, OSError) as e:
                    self._fail("lost the connection to the sparkpp driver during %s: %s" % (op, e))
                    raise GatewayError("lost the connection to the sparkpp driver during %s: %s"
                                       % (op, e)) from None
            return req, (held if held.interrupted else None)

    def _await(self, req, op):
        """Waits for `req`'s reply. On the main thread SIGINT is held back meanwhile and the wait
        is sliced (_SIGNAL_POLL): a held Ctrl-C is raised again with the program's handler in
        place, outside the lock (a KeyboardInterrupt inside Condition.wait or __enter__ could
        leave the lock released under `with` or held for good). The slices matter because a
        blocked lock acquire only sees a signal whose C handler interrupts its futex wait: a
        SIGINT that lands just before the wait blocks (the thread was woken by another
        thread's reply and is going back to sleep), or on another thread, only trips Python's
        flag, and with an unbounded wait the KeyboardInterrupt came when the job ended (the
        kernel-like test's 1-in-10 hang). Each slice returns to the interpreter, which runs
        the pending handler."""
        if threading.current_thread() is not threading.main_thread():
            return self._wait_reply(req, op, None, None)
        while True:
            with _HoldInterrupts() as held:
                reply = self._wait_reply(req, op, held, _SIGNAL_POLL)
            if reply is not None:
                return reply
            held.replay()  # the program's handler: KeyboardInterrupt, as a rule

    def _wait_reply(self, req, op, held, slice_s):
        """The reply, or None once `held` saw a SIGINT."""
        with self._cond:
            while True:
                reply = self._replies.pop(req, None)
                if reply is not None:
                    return reply
                if self._closed:
                    raise GatewayError("lost the connection to the sparkpp driver during %s%s"
                                       % (op, ": " + self._lost if self._lost else ""))
                if held is not None and held.interrupted:
                    return None
                self._cond.wait(slice_s)

    def _interrupted(self, req, op):
        """The caller gave up waiting for `req` (KeyboardInterrupt): drop its reply when it
        comes; if it runs a job, cancel the running jobs (PySpark: cancelAllJobs); a context
        being created is stopped again."""
        with self._cond:
            if self._replies.pop(req, None) is None:
                self._abandoned.add(req)
        follow = ({"op": "PyCancelJobs", "scope": "all", "id": ""} if op in _JOB_OPS else
                  {"op": "PyStopContext"} if op == "PyCreateContext" else None)
        if follow is None or self._closed:
            return
        try:
            freq, _ = self._send(follow.pop("op"), follow)
        except GatewayError:
            return
        with self._cond:
            if self._replies.pop(freq, None) is None:
                self._abandoned.add(freq)

    def _read_loop(self):
        recv = self._ch.recv
        cond = self._cond
        try:
            while True:
                msg = recv()
                req = msg[1].get("req")
                with cond:
                    if req in self._abandoned:
                        self._abandoned.discard(req)
                        continue
                    self._replies[req] = msg
                    cond.notify_all()
        except Exception as e:  # noqa: BLE001 - closed, malformed: the link is over either way
            self._fail(str(e) or type(e).__name__)
        finally:
            self._fail("connection closed")

    # ------------------------------------------------------------------ closing
    @property
    def closed(self):
        return self._closed

    def _fail(self, why=""):
        with self._cond:
            if not self._closed:
                self._closed = True
                self._lost = why
                try:
                    self._sock.shutdown(socket.SHUT_RDWR)  # wakes the reader thread
                except OSError:
                    pass
            self._cond.notify_all()

    def close(self):
        """Closes the link; a driver runtime we launched is shut down and waited for."""
        self._fail("closed")
        if threading.current_thread() is not self._reader:
            self._reader.join(timeout=5)
        try:
            self._ch.close()
        except OSError:
            pass
        if self._process is not None:
            proc, self._process = self._process, None
            _end_process(proc)


_SIGINT = int(signal.SIGINT)


class _HoldInterrupts:
    """On the main thread, holds back SIGINT while a request is being sent (a KeyboardInterrupt
    in the middle of a frame would leave the link unusable); `interrupted` says whether one
    came. Elsewhere a no-op: Python runs signal handlers on the main thread only."""

    def __init__(self):
        self.interrupted = False
        self._old = None
        self._frame = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            try:
                old = _signal.getsignal(_SIGINT)
                if callable(old):
                    _signal.signal(_SIGINT, self._hold)
                    self._old = old
            except ValueError:  # not the main interpreter
                pass
        return self

    def _hold(self, signum, frame):
        self.interrupted = True
        self._frame = frame

    def replay(self):
        """After the block: runs the program's SIGINT handler for the held signal (called
        directly, not re-raised: the signal could go to a thread that is not the main one)."""
        frame, self._frame = self._frame, None
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):
            handler(signal.SIGINT, frame)

    def __exit__(self, *exc):
        if self._old is not None:
            _signal.signal(_SIGINT, self._old)
        return False


# ---------------------------------------------------------------------- launching the runtime

def find_binary():
    """The `sparkpp` executable: $SPARKPP_BIN; else next to this package (a build tree's
    build/sparkpp, an installed prefix's bin/sparkpp, a wheel's sparkpp/bin/sparkpp); else
    `sparkpp` on PATH."""
    env = os.environ.get("SPARKPP_BIN")
    if env:
        return env
    pkg = os.path.dirname(os.path.abspath(__file__))           # .../sparkpp
    parent = os.path.dirname(pkg)                                # src/pyworker, share/sparkpp/python
    for cand in (os.path.join(pkg, "bin", "sparkpp"),
                 os.path.join(parent, "..", "..", "build", "sparkpp"),
                 os.path.join(parent, "..", "..", "..", "bin", "sparkpp")):
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return os.path.normpath(cand)
    import shutil  # here: shutil pulls in bz2 and lzma (~10 ms of every driver's start)
    found = shutil.which("sparkpp")
    if found:
        return found
    raise RuntimeError(
        "cannot find the sparkpp executable to start the driver runtime: set SPARKPP_BIN to it "
        "(e.g. build/sparkpp), put it on PATH, or run this script with `sparkpp submit job.py`")


# PYSPARK_SUBMIT_ARGS ("--master local[2] --conf k=v pyspark-shell"), as notebooks set it for
# PySpark: the flags become the runtime's settings (code-set ones still win).
_SUBMIT_FLAGS = {"--master": "spark.master", "--name": "spark.app.name",
                 "--deploy-mode": "spark.submit.deployMode",
                 "--driver-memory": "spark.driver.memory", "--driver-cores": "spark.driver.cores",
                 "--executor-memory": "spark.executor.memory",
                 "--executor-cores": "spark.executor.cores",
                 "--total-executor-cores": "spark.cores.max", "--py-files": "spark.submit.pyFiles",
                 "--files": "spark.files", "--archives": "spark.archives"}


def _submit_args_from_env():
    import shlex
    words = shlex.split(os.environ.get("PYSPARK_SUBMIT_ARGS", ""))
    out = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("pyspark-shell", "pyspark-shell-main"):
            i += 1
            continue
        flag, eq, val = w.partition("=")
        if flag in _SUBMIT_FLAGS or flag in ("--conf", "-c", "--properties-file"):
            if not eq:
                if i + 1 >= len(words):
                    raise RuntimeError("PYSPARK_SUBMIT_ARGS: %s needs a value" % flag)
                i += 1
                val = words[i]
            if flag in ("--conf", "-c"):
                out += ["--conf", val]
            elif flag == "--properties-file":
                out += ["--properties-file", val]
            else:
                out += ["--conf", "%s=%s" % (_SUBMIT_FLAGS[flag], val)]
        else:
            raise RuntimeError("PYSPARK_SUBMIT_ARGS: unknown option %r" % w)
        i += 1
    return out


def _read_conn_info(fd, proc, timeout):
    """The child's one JSON line: {"port", "secret"} or {"error"}."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            _end_process(proc)
            raise RuntimeError("the sparkpp driver runtime did not start within %.0f s" % timeout)
        ready, _, _ = select.select([fd], [], [], min(left, 1.0))
        if not ready:
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
    try:
        info = json.loads(data.decode() or "null")
    except ValueError:
        info = None
    if not isinstance(info, dict):
        code = proc.wait()
        raise RuntimeError("the sparkpp driver runtime exited before sending its port (exit code "
                           "%s); its error is above" % code)
    return info


def _end_process(proc, timeout=10.0):
    """Closes the child's stdin (its signal to shut down) and waits; kills it if it hangs."""
    import subprocess
    try:
        if proc.stdin:
            proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
