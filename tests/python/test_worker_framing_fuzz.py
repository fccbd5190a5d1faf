"""Random-input test of the Python worker's framing (sparkpp._wire, what the pyworker reads
from its executor): random, truncated, oversized and mistyped input must end the worker with
a clear error (ProtocolError) or a clean exit at EOF, never hang and never another exception.

Each case runs sparkpp.worker.serve on one end of a socketpair in a thread; the test writes the
input, half-closes, and waits at most a few seconds for serve to return.
"""
import json
import random
import socket
import struct
import threading

import pytest

from sparkpp import _wire, worker

HELLO = {"proto": _wire.PROTOCOL_VERSION, "build": "test", "role": "executor"}


def frame(kind, payload):
    return struct.pack(">IB", len(payload) + 1, kind) + payload


def message(op, body, blobs=(), v=_wire.PROTOCOL_VERSION, nblobs=None):
    env = {"v": v, "op": op, "blobs": len(blobs) if nblobs is None else nblobs, "body": body}
    out = frame(0x4A, json.dumps(env).encode())
    for b in blobs:
        out += frame(0x42, b)
    return out


def run_serve(data, close=True, timeout=5.0):
    """Feeds `data` to a worker; returns the exception serve ended with (None: clean exit)."""
    a, b = socket.socketpair()
    outcome = {}

    def target():
        try:
            worker.serve(b)
            outcome["exc"] = None
        except BaseException as e:  # noqa: B902 - the test inspects whatever ended it
            outcome["exc"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    drain = threading.Thread(target=lambda: _drain(a), daemon=True)
    try:
        a.sendall(data)
        if close:
            a.shutdown(socket.SHUT_WR)
        drain.start()
        t.join(timeout)
        assert not t.is_alive(), "worker hung on input %r" % data[:80]
    finally:
        a.close()
    return outcome["exc"]


def _drain(s):
    try:
        while s.recv(65536):
            pass
    except OSError:
        pass


def check(data, close=True):
    exc = run_serve(data, close)
    assert exc is None or isinstance(exc, _wire.ProtocolError), (
        "input %r ended the worker with %r, not a ProtocolError" % (data[:80], exc))
    if isinstance(exc, _wire.ProtocolError):
        assert str(exc), "a ProtocolError must say what was wrong"
    return exc


def valid_stream():
    task = {"task_id": 1, "stage_id": 0, "partition": 0, "attempt": 0, "props": {}, "new_funcs": [],
            "plan": [], "sink": "result"}
    return message("Hello", HELLO) + message("PwTask", task, [b"\x80\x04]\x94."])


def test_every_truncation_of_a_valid_stream_exits_cleanly():
    data = valid_stream()
    for n in range(len(data)):
        check(data[:n])


def test_oversized_frame_is_refused_at_once_without_waiting_for_its_bytes():
    exc = check(struct.pack(">IB", _wire.MAX_FRAME + 1, 0x4A), close=False)
    assert isinstance(exc, _wire.ProtocolError) and "exceeds the limit" in str(exc)
    exc = check(message("Hello", HELLO) + struct.pack(">I", 0xFFFFFFFF), close=False)
    assert isinstance(exc, _wire.ProtocolError)


@pytest.mark.parametrize("env", [
    b"[]", b'"just a string"', b"17", b"null", b"{}", b"\xff\xfe not utf-8", b"{bad json",
    b'{"v":5,"op":"Hello","blobs":"two","body":{}}',
    b'{"v":5,"op":"Hello","blobs":1.5,"body":{}}',
    b'{"v":5,"op":"Hello","blobs":null,"body":{}}',
    b'{"v":5,"op":"Hello","blobs":-3,"body":{}}',
    b'{"v":5,"op":"Hello","blobs":0,"body":[]}',
    b'{"v":5,"op":"Hello","blobs":0,"body":"x"}',
    b'{"v":5,"op":["Hello"],"blobs":0,"body":{}}',
])
def test_malformed_envelopes_are_protocol_errors(env):
    exc = check(frame(0x4A, env))
    assert isinstance(exc, _wire.ProtocolError)


def test_malformed_task_after_handshake_is_a_protocol_error():
    hello = message("Hello", HELLO)
    for body in ([], "x", 3, None, {}):
        exc = check(hello + message("PwTask", body))
        assert isinstance(exc, _wire.ProtocolError), body
    assert isinstance(check(hello + frame(0x42, b"blob first")), _wire.ProtocolError)


def test_random_inputs_never_hang_or_crash_the_worker():
    rng = random.Random(12)
    base = valid_stream()
    for i in range(400):
        kind = i % 4
        if kind == 0:  # random bytes
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        elif kind == 1:  # bit flips in a valid stream
            data = bytearray(base)
            for _ in range(rng.randrange(1, 4)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            data = bytes(data)
        elif kind == 2:  # random lengths with short payloads
            data = struct.pack(">IB", rng.randrange(0, 1 << 20), rng.choice([0x4A, 0x42, 0])) + b"x" * rng.randrange(8)
        else:  # splices of valid and random
            cut = rng.randrange(len(base))
            data = base[:cut] + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 32)))
        check(data)
