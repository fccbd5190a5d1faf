"""Framing, envelopes and serializers."""
import json
import pickle
import socket
import struct
import threading

import pytest

from sparkpp import _wire
from sparkpp.serializers import (AutoBatchedSerializer, BatchedSerializer, CloudPickleSerializer,
                                 FileContentSerializer, INPUT_DECODERS, UTF8LinesSerializer,
                                 dump_auto_batches, dump_batches)


def test_frame_layout():
    parts = _wire.encode_message("PwRead", {"input": 3}, [b"xy"])
    raw = b"".join(parts)
    n, kind = struct.unpack(">IB", raw[:5])
    assert kind == ord("J")
    env = json.loads(raw[5:4 + n])
    assert env == {"v": _wire.PROTOCOL_VERSION, "op": "PwRead", "blobs": 1, "body": {"input": 3}}
    rest = raw[4 + n:]
    assert rest == struct.pack(">IB", 3, ord("B")) + b"xy"


def test_channel_round_trip_and_eof():
    a, b = socket.socketpair()
    ca, cb = _wire.Channel(a), _wire.Channel(b)
    big = b"\0" * (3 << 20)
    ca.queue("X", {"k": [1, None]}, [b"", b"abc", big])
    ca.queue("Y", {})
    t = threading.Thread(target=ca.flush)  # more than a socket buffer: read concurrently
    t.start()
    assert cb.recv() == ("X", {"k": [1, None]}, [b"", b"abc", big])
    assert cb.recv() == ("Y", {}, [])
    t.join()
    ca.close()
    with pytest.raises(_wire.ConnectionClosed):
        cb.recv()


def test_result_blobs_read_into_arenas():
    """A PySqlResult's large blobs land in shared numpy arenas (writable memoryviews, each one
    8-aligned); small ones and other messages' blobs stay bytearrays."""
    np = pytest.importorskip("numpy")
    a, b = socket.socketpair()
    ca, cb = _wire.Channel(a), _wire.Channel(b)
    blobs = [bytes([i]) * (100_000 + i) for i in range(5)] + [b"small", b"x" * (33 << 20)]
    ca.queue("PySqlResult", {"req": 1}, blobs)
    ca.queue("PyJobResult", {"req": 2}, blobs[:1])
    t = threading.Thread(target=ca.flush)
    t.start()
    op, body, got = cb.recv()
    assert op == "PySqlResult" and [bytes(g) for g in got] == blobs
    assert all(isinstance(g, memoryview) for g in got[:5]) and isinstance(got[5], bytearray)
    assert isinstance(got[6], memoryview) and len(got[6]) == 33 << 20
    assert got[1].obj is got[0].obj  # one arena
    assert all(np.frombuffer(g, np.uint8).ctypes.data % 8 == 0 for g in got[:5])
    got[0][0] = 7  # writable: numpy arrays over result batches may be written to
    _, _, other = cb.recv()
    assert isinstance(other[0], bytearray) and bytes(other[0]) == blobs[0]
    t.join()
    ca.close()
    cb.close()


@pytest.mark.parametrize("raw,err", [
    (struct.pack(">IB", 3, ord("B")) + b"xy", "expected a 'J'"),
    (struct.pack(">IB", 3, ord("J")) + b"{}", "malformed"),
    (struct.pack(">I", 0), "zero-length"),
])
def test_channel_rejects_malformed(raw, err):
    a, b = socket.socketpair()
    a.sendall(raw)
    with pytest.raises(_wire.ProtocolError, match=err):
        _wire.Channel(b).recv()


def test_channel_rejects_wrong_version_and_oversize():
    a, b = socket.socketpair()
    j = json.dumps({"v": _wire.PROTOCOL_VERSION + 1, "op": "X", "blobs": 0, "body": {}}).encode()
    a.sendall(struct.pack(">IB", len(j) + 1, ord("J")) + j)
    with pytest.raises(_wire.ProtocolError, match="version"):
        _wire.Channel(b).recv()
    a, b = socket.socketpair()
    a.sendall(struct.pack(">IB", 100, ord("J")))
    with pytest.raises(_wire.ProtocolError, match="exceeds"):
        _wire.Channel(b, max_frame=50).recv()


def test_transport_batches():
    out = list(dump_batches(range(7), 3))
    assert [pickle.loads(b) for b, _ in out] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [n for _, n in out] == [3, 3, 1]
    (b, n), = dump_batches(iter(range(5)), -1)
    assert pickle.loads(b) == list(range(5)) and n == 5


def test_auto_batches_grow_and_round_trip():
    out = list(dump_auto_batches(range(5000)))
    sizes = [n for _, n in out]
    assert sizes[:4] == [1, 2, 4, 8] and sum(sizes) == 5000
    assert [x for b, _ in out for x in pickle.loads(b)] == list(range(5000))
    big = list(dump_auto_batches(["x" * 2000] * 6, best_size=100))
    assert all(n == 1 for _, n in big)
    assert list(dump_auto_batches([])) == []


def test_pyspark_serializer_classes_stream_api():
    """The classes user code imports from pyspark.serializers: PySpark's framed stream API,
    equality (equal serializers read each other's output), hashing and reprs."""
    import io
    from sparkpp.serializers import (AutoSerializer, CompressedSerializer, CPickleSerializer,
                                     MarshalSerializer, NoOpSerializer, PairDeserializer,
                                     PickleSerializer, UTF8Deserializer, write_int)
    for ser in (PickleSerializer(), CPickleSerializer(), MarshalSerializer(), AutoSerializer(),
                CompressedSerializer(PickleSerializer()), BatchedSerializer(MarshalSerializer(), 3),
                AutoBatchedSerializer(PickleSerializer(), 16)):
        buf = io.BytesIO()
        ser.dump_stream(iter(range(10)), buf)
        buf.seek(0)
        assert list(ser.load_stream(buf)) == list(range(10)), ser
        hash(ser)
    assert BatchedSerializer(MarshalSerializer(), 3) == BatchedSerializer(MarshalSerializer(), 3)
    assert BatchedSerializer(MarshalSerializer(), 3) != BatchedSerializer(MarshalSerializer(), 4)
    assert repr(AutoBatchedSerializer(CPickleSerializer())) == \
        "AutoBatchedSerializer(CloudPickleSerializer())"
    buf = io.BytesIO()
    for s in (b"ab", "\u00e9".encode()):
        write_int(len(s), buf)
        buf.write(s)
    buf.seek(0)
    assert list(UTF8Deserializer().load_stream(buf)) == ["ab", "\u00e9"]
    assert NoOpSerializer().dumps(b"x") == b"x"
    assert PairDeserializer(NoOpSerializer(), UTF8Deserializer()) == \
        PairDeserializer(NoOpSerializer(), UTF8Deserializer())


def test_main_classes_travel_by_value():
    """Data is cloudpickled as PySpark 3.5's CPickleSerializer: a namedtuple or class that only
    exists in the driver's __main__ survives pickle.loads in a process without it."""
    import collections
    import subprocess
    import sys
    P = collections.namedtuple("P", "x y")
    P.__module__ = "__main__"
    P.__qualname__ = "P"
    (blob, n), = dump_batches([P(1, 2)], 10)
    code = "import pickle,sys; v = pickle.loads(sys.stdin.buffer.read()); print(v[0].x, type(v[0]).__name__)"
    out = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True, check=True)
    assert out.stdout.split() == [b"1", b"P"]


def test_text_lines_and_files():
    ser = UTF8LinesSerializer(batch_bytes=8)
    out = list(ser.dump_blobs(["héllo", b"raw", 42, ""]))
    assert b"".join(b for b, _ in out) == "héllo\nraw\n42\n\n".encode()
    assert sum(n for _, n in out) == 4
    assert INPUT_DECODERS["lines"]("a\n\nb\n".encode()) == ["a", "", "b"]
    assert INPUT_DECODERS["lines"](b"") == []
    blob = FileContentSerializer.dumps("/tmp/ä.txt", "con\ntent")
    assert INPUT_DECODERS["files"](blob) == [("/tmp/ä.txt", "con\ntent")]
    assert INPUT_DECODERS["pickled"](pickle.dumps([1, 2])) == [1, 2]


def test_text_lines_decoded_in_pieces():
    # A batch past LINES_PIECE is decoded a piece at a time, cut at '\n' bytes: the same lines
    # (multi-byte characters across every cut, empty lines, a last piece of one line).
    from sparkpp import serializers
    piece = serializers.LINES_PIECE
    for lines in (["\u00e9\u20ac\U0001f600" * (i % 7) + str(i) for i in range(40000)],
                  ["x" * (piece + 5), "", "y"], ["", ""] * piece, ["z" * (piece - 1)]):
        blob = ("\n".join(lines) + "\n").encode()
        got = INPUT_DECODERS["lines"](blob)
        assert list(got) == lines == UTF8LinesSerializer.loads(blob)
    with pytest.raises(UnicodeDecodeError):
        list(INPUT_DECODERS["lines"](b"a\n" * piece + b"\xff\n"))


def test_text_lines_in_runs_and_int_pair_batches():
    from array import array
    from sparkpp import serializers
    lines = [str(i) for i in range(100000)] + [b"b", 7, "\u00e9"] + ["x"] * 10
    out = list(UTF8LinesSerializer(batch_bytes=4096).dump_blobs(iter(lines)))
    assert b"".join(b for b, _ in out) == ("\n".join(str(x) if not isinstance(x, bytes) else "b"
                                                   for x in lines) + "\n").encode()
    assert sum(n for _, n in out) == len(lines)
    assert max(len(b) for b, _ in out) < 3 * 4096  # runs adapt to the batch size
    with pytest.raises(UnicodeEncodeError):
        list(UTF8LinesSerializer().dump_blobs(["ok", "\ud800"]))
    blob = serializers.dumps_int_pairs(array("q", [3, -2 ** 63]), array("q", [2 ** 63 - 1, 0]),
                                       serializers.PAIRS_SORT | serializers.PAIRS_SORTED)
    assert blob[0] == 0 and len(blob) == 8 + 32
    assert list(INPUT_DECODERS["pickled"](blob)) == [(3, 2 ** 63 - 1), (-2 ** 63, 0)]
    assert serializers.last_batch_sorted[0] is True
    assert INPUT_DECODERS["pickled"](pickle.dumps([1])) == [1]
    assert serializers.last_batch_sorted[0] is False
    with pytest.raises(ValueError):
        INPUT_DECODERS["pickled"](blob[:-1])


def test_cloudpickle_serializer_errors():
    import threading
    lock = threading.Lock()
    f = CloudPickleSerializer().dumps(lambda x: x + 1)
    assert pickle.loads(f)(1) == 2
    with pytest.raises(pickle.PicklingError, match="Could not serialize object"):
        CloudPickleSerializer().dumps(lambda: lock)


def test_a_claimed_frame_length_alone_allocates_nothing_big():
    # A peer's length field (here 512 MiB, under the limit) followed by EOF must end with
    # ConnectionClosed without reserving the claimed size first (it did: bytearray(n) up front).
    import socket
    import struct
    import tracemalloc
    a, b = socket.socketpair()
    a.sendall(struct.pack(">IB", 512 << 20, 0x42) + b"x" * 10)
    a.close()
    tracemalloc.start()
    try:
        with pytest.raises(_wire.ConnectionClosed):
            _wire.Channel(b, max_frame=1 << 30)._read_frame()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        b.close()
    assert peak < 8 << 20, peak


def test_big_frames_arrive_whole_in_a_writable_buffer():
    import socket
    import threading
    a, b = socket.socketpair()
    blob = bytes(range(256)) * 20000  # 5 MB: grows past the first allocation
    t = threading.Thread(target=lambda: _wire.Channel(a).send("PwInput", {"end": True}, [blob, b"", b"z"]))
    t.start()
    op, body, blobs = _wire.Channel(b).recv()
    t.join()
    a.close()
    b.close()
    assert op == "PwInput" and [bytes(x) for x in blobs] == [blob, b"", b"z"]
    assert all(isinstance(x, bytearray) for x in blobs)


def test_hll_registers_and_estimate():
    """countApproxDistinct's HyperLogLog++ (doctests of sparkpp/_hll.py)."""
    import doctest
    from sparkpp import _hll
    assert doctest.testmod(_hll).failed == 0


def test_chunked_stream_frames_and_cloudpickle_alias():
    """PySpark's serializers.ChunkedStream: chunks of buffer_size bytes, each after its length,
    the rest on close, then -1; `pyspark.cloudpickle` imports (PySpark's test files use it)."""
    import io
    import struct
    import pyspark.cloudpickle
    from pyspark import serializers

    class Sink(io.BytesIO):
        def close(self):
            self.value = self.getvalue()
            super().close()

    for n, size in ((7, 3), (6, 3), (0, 5), (1, 100)):
        out = Sink()
        s = serializers.ChunkedStream(out, size)
        s.write(bytes(range(n)))
        s.close()
        got, pos, data = out.value, 0, b""
        while True:
            (length,) = struct.unpack("!i", got[pos:pos + 4])
            pos += 4
            if length == -1:
                break
            assert 0 < length <= size
            data += got[pos:pos + length]
            pos += length
        assert data == bytes(range(n)) and pos == len(got) and out.closed
    assert pyspark.cloudpickle.loads(pyspark.cloudpickle.dumps(lambda x: x + 1))(1) == 2


def test_no_spark_context_inside_a_task(gateway):
    """SPARK-32160: SparkContext() in a task raises CONTEXT_ONLY_VALID_ON_DRIVER before reaching
    any driver, unless spark.executor.allowSparkContext is true."""
    from sparkpp import SparkConf, SparkContext
    from sparkpp.errors import PySparkRuntimeError
    from sparkpp.taskcontext import TaskContext
    TaskContext._taskContext = TaskContext()
    try:
        with pytest.raises(PySparkRuntimeError, match=r"^\[CONTEXT_ONLY_VALID_ON_DRIVER\]"):
            SparkContext(master="local[2]", appName="in-task", gateway=gateway)
        conf = SparkConf().set("spark.executor.allowSparkContext", "true")
        SparkContext(master="local[2]", appName="in-task", conf=conf, gateway=gateway).stop()
    finally:
        TaskContext._taskContext = None


def test_dumps_data_short_scalar_lists_take_plain_pickle():
    # The fast path must write cloudpickle's bytes exactly, and leave every other value to it.
    import cloudpickle
    from sparkpp import serializers

    for obj in ([7], [], [1.5, "é", b"x", None, True, 2 ** 70, -3], [0] * 8):
        assert serializers.dumps_data(obj) == cloudpickle.dumps(obj, protocol=serializers.PROTOCOL)
    calls = []
    real = serializers.cloudpickle.dumps
    serializers.cloudpickle.dumps = lambda o, protocol: calls.append(o) or real(o, protocol=protocol)
    try:
        class Local:  # a class pickle could not find by name: cloudpickle's by value
            pass
        for obj in ([1] * 9, [(1, 2)], (1,), [Local()], [True.__class__]):
            serializers.dumps_data(obj)
        serializers.dumps_data([3])
    finally:
        serializers.cloudpickle.dumps = real
    assert len(calls) == 5
