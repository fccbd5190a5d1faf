"""The Python driver program's link to the C++ driver (`sparkpp submit`), Py4J's role in PySpark.

One loopback connection, opened with Hello{role:"pydriver", secret}; each request carries an
increasing `req` and blocks for the reply with the same `req`. Threads share the link: sends are
serialized by a lock, and replies (which the driver may send out of order: jobs run
concurrently) are read by whichever waiting thread gets there first and handed to their owner.
"""
import os
import socket
import threading

from sparkpp import _wire
from sparkpp.errors import GatewayError, error_from_reply

_SUBMIT_HINT = "run this script with `sparkpp submit job.py`"


class Gateway:
    def __init__(self, port, secret, host="127.0.0.1", timeout=10.0):
        try:
            sock = socket.create_connection((host, int(port)), timeout=timeout)
        except OSError as e:
            raise GatewayError("cannot connect to the sparkpp driver at %s:%s (%s); %s"
                               % (host, port, e, _SUBMIT_HINT)) from None
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._ch = _wire.Channel(sock)
        self._lock = threading.Lock()          # sending, and `_req`
        self._cond = threading.Condition()     # `_replies`, `_reading`, `_closed`
        self._replies = {}
        self._reading = False
        self._req = 0
        self._closed = False
        try:
            self._ch.send("Hello", {"role": "pydriver", "proto": _wire.PROTOCOL_VERSION,
                                    "name": str(os.getpid()), "secret": secret,
                                    "build": _wire.build_id()})
            op, body, _ = self._ch.recv()
        except (_wire.ConnectionClosed, _wire.ProtocolError) as e:
            raise GatewayError("sparkpp driver refused the connection: %s" % e) from None
        if op == "HelloRefused":
            why = body.get("reason", "")
            if body.get("proto") != _wire.PROTOCOL_VERSION:
                why = _wire.version_mismatch(body.get("proto"), body.get("build"))
            raise GatewayError("sparkpp driver refused the connection: %s" % why)
        if op != "HelloAck":
            raise GatewayError("unexpected reply to Hello from the sparkpp driver: %s" % op)
        if body.get("proto") != _wire.PROTOCOL_VERSION:
            raise GatewayError(_wire.version_mismatch(body.get("proto"), body.get("build")))

    @classmethod
    def from_env(cls):
        port = os.environ.get("SPARKPP_DRIVER_PORT")
        if not port:
            raise RuntimeError("No sparkpp driver to connect to (SPARKPP_DRIVER_PORT is not set): "
                               + _SUBMIT_HINT)
        return cls(port, os.environ.get("SPARKPP_DRIVER_SECRET", ""))

    def request(self, op, body, blobs=()):
        """Sends one request; returns (op, body, blobs) of its reply. A PyError reply raises."""
        with self._lock:
            if self._closed:
                raise GatewayError("the connection to the sparkpp driver is closed")
            self._req += 1
            req = self._req
            msg = {"req": req}
            msg.update(body)
            try:
                self._ch.send(op, msg, blobs)
            except (_wire.ConnectionClosed, OSError) as e:
                self._fail()
                raise GatewayError("lost the connection to the sparkpp driver during %s: %s"
                                   % (op, e)) from None
        rop, rbody, rblobs = self._await(req, op)
        if rop == "PyError":
            raise error_from_reply(rbody.get("kind"), rbody.get("message", ""), rbody.get("details"))
        return rop, rbody, rblobs

    def _await(self, req, op):
        cond = self._cond
        with cond:
            while True:
                reply = self._replies.pop(req, None)
                if reply is not None:
                    return reply
                if self._closed:
                    raise GatewayError("lost the connection to the sparkpp driver during %s"
                                       % op)
                if self._reading:
                    cond.wait()
                    continue
                self._reading = True
                cond.release()
                try:
                    msg = self._ch.recv()
                except (_wire.ConnectionClosed, _wire.ProtocolError, OSError) as e:
                    cond.acquire()
                    self._reading = False
                    self._fail_locked()
                    raise GatewayError("lost the connection to the sparkpp driver during %s: %s"
                                       % (op, e)) from None
                except BaseException:
                    # e.g. Ctrl-C while waiting for a job: the stream may be cut mid-frame, so
                    # the link cannot be reused; closing it ends the application.
                    cond.acquire()
                    self._reading = False
                    self._fail_locked()
                    raise
                cond.acquire()
                self._reading = False
                self._replies[msg[1].get("req")] = msg
                cond.notify_all()

    def _fail(self):
        with self._cond:
            self._fail_locked()

    def _fail_locked(self):
        if not self._closed:
            self._closed = True
            try:
                self._ch.close()
            except OSError:
                pass
        self._cond.notify_all()

    def close(self):
        self._fail()
