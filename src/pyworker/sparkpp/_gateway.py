"""The Python driver program's link to the C++ driver (`sparkpp submit`), Py4J's role in PySpark.

One loopback connection, opened with Hello{role:"pydriver", secret}; each request carries an
increasing `req` and blocks for the reply with the same `req`. A lock lets threads share it.
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
        self._lock = threading.Lock()
        self._req = 0
        self._closed = False
        try:
            self._ch.send("Hello", {"role": "pydriver", "proto": _wire.PROTOCOL_VERSION,
                                    "name": str(os.getpid()), "secret": secret})
            op, body, _ = self._ch.recv()
        except (_wire.ConnectionClosed, _wire.ProtocolError) as e:
            raise GatewayError("sparkpp driver refused the connection: %s" % e) from None
        if op != "HelloAck":
            raise GatewayError("unexpected reply to Hello from the sparkpp driver: %s" % op)

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
                rop, rbody, rblobs = self._ch.recv()
            except (_wire.ConnectionClosed, _wire.ProtocolError, OSError) as e:
                self._closed = True
                raise GatewayError("lost the connection to the sparkpp driver during %s: %s"
                                   % (op, e)) from None
            except BaseException:
                # e.g. Ctrl-C while waiting for a job: the reply would arrive half-read or
                # unmatched, so the link cannot be reused; closing it ends the application.
                self._closed = True
                try:
                    self._ch.close()
                except OSError:
                    pass
                raise
        if rbody.get("req") != req:
            raise GatewayError("reply %s has req %r, expected %d" % (rop, rbody.get("req"), req))
        if rop == "PyError":
            raise error_from_reply(rbody.get("kind"), rbody.get("message", ""))
        return rop, rbody, rblobs

    def close(self):
        with self._lock:
            if not self._closed:
                self._closed = True
                self._ch.close()
