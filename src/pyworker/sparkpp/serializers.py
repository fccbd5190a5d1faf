"""Serializers: small composable classes turning elements into blobs and back.

A "blob" is the payload of one 'B' frame. Data blobs hold a pickled *list* of elements (a batch),
as PySpark's BatchedSerializer/AutoBatchedSerializer frames do; the C++ side never unpickles them.
"""
import marshal
import sys
from array import array
import pickle
import struct
import zlib
from functools import partial
from itertools import chain, islice, product

import cloudpickle

PROTOCOL = pickle.HIGHEST_PROTOCOL
pickle_protocol = PROTOCOL     # PySpark's name
BEST_BATCH_BYTES = 1 << 16   # PySpark's AutoBatchedSerializer bestSize (64 KiB)

# How data travels between Python processes (parallelize, task results, shuffle blocks, spills,
# checkpoints): cloudpickle, as PySpark 3.5's default CPickleSerializer, so instances of classes
# defined in the driver's __main__ (namedtuples, dataclasses, plain classes) travel by value and
# come back as the driver's own classes. Readers use plain pickle.loads.
_SCALARS = frozenset((int, float, str, bytes, bool, type(None)))


def dumps_data(obj, protocol=PROTOCOL):
    """cloudpickle.dumps(obj, protocol). A short list of builtin scalars (a task's `[count]`,
    a W3-style result) goes through pickle.dumps, which writes the very same bytes (cloudpickle
    adds nothing for these types) without a CloudPickler's set-up: ~5 us of a ~30 us task."""
    if type(obj) is list and len(obj) <= 8:
        for x in obj:
            if type(x) not in _SCALARS:
                break
        else:
            return pickle.dumps(obj, protocol)
    return cloudpickle.dumps(obj, protocol=protocol)


# ---------------------------------------------------------------- transport (blob) batching

def dump_batches(iterator, batch_size=1024, dumps=dumps_data):
    """Elements -> (blob, n): pickled lists of `batch_size` elements (-1: all in one)."""
    if batch_size == -1:
        items = list(iterator)
        yield dumps(items), len(items)
        return
    it = iter(iterator)
    while True:
        items = list(islice(it, batch_size))
        if not items:
            return
        yield dumps(items), len(items)


def dump_auto_batches(iterator, dumps=dumps_data, best_size=BEST_BATCH_BYTES):
    """PySpark's auto-batching as (blob, n): start at 1 element per batch, double while a batch
    pickles to less than `best_size`, halve when one exceeds 10x that."""
    it = iter(iterator)
    batch = 1
    while True:
        items = list(islice(it, batch))
        if not items:
            return
        blob = dumps(items)
        yield blob, len(items)
        size = len(blob)
        if size < best_size:
            batch *= 2
        elif size > best_size * 10 and batch > 1:
            batch //= 2


# ---------------------------------------------------------------- PySpark's serializer classes
# (user code imports and combines them; pyspark.serializers' stream API: length-framed
# big-endian int32 frames). The transport between sparkpp processes is always the batching
# above: a SparkContext's `serializer` is recorded (sc.serializer) but data travels pickled.

class SpecialLengths:
    END_OF_DATA_SECTION = -1
    PYTHON_EXCEPTION_THROWN = -2
    TIMING_DATA = -3
    END_OF_STREAM = -4
    NULL = -5
    START_ARROW_STREAM = -6


def read_long(stream):
    length = stream.read(8)
    if not length:
        raise EOFError
    return struct.unpack("!q", length)[0]


def write_long(value, stream):
    stream.write(struct.pack("!q", value))


def pack_long(value):
    return struct.pack("!q", value)


def read_int(stream):
    length = stream.read(4)
    if not length:
        raise EOFError
    return struct.unpack("!i", length)[0]


def write_int(value, stream):
    stream.write(struct.pack("!i", value))


def read_bool(stream):
    length = stream.read(1)
    if not length:
        raise EOFError
    return struct.unpack("!?", length)[0]


def write_with_length(obj, stream):
    write_int(len(obj), stream)
    stream.write(obj)


class Serializer:
    def dump_stream(self, iterator, stream):
        """Serializes an iterator of objects to the output stream."""
        raise NotImplementedError

    def load_stream(self, stream):
        """An iterator of the objects deserialized from the input stream."""
        raise NotImplementedError

    def dumps(self, obj):
        raise NotImplementedError

    def _load_stream_without_unbatching(self, stream):
        return map(lambda x: [x], self.load_stream(stream))

    # equal serializers read each other's output
    def __eq__(self, other):
        return isinstance(other, self.__class__) and self.__dict__ == other.__dict__

    def __ne__(self, other):
        return not self.__eq__(other)

    def __repr__(self):
        return "%s()" % self.__class__.__name__

    def __hash__(self):
        return hash(str(self))


class FramedSerializer(Serializer):
    """Objects as a stream of (int32 length, data) frames."""

    def dump_stream(self, iterator, stream):
        for obj in iterator:
            self._write_with_length(obj, stream)

    def load_stream(self, stream):
        while True:
            try:
                yield self._read_with_length(stream)
            except EOFError:
                return

    def _write_with_length(self, obj, stream):
        serialized = self.dumps(obj)
        if serialized is None:
            raise ValueError("serialized value should not be None")
        if len(serialized) > (1 << 31):
            raise ValueError("can not serialize object larger than 2G")
        write_int(len(serialized), stream)
        stream.write(serialized)

    def _read_with_length(self, stream):
        length = read_int(stream)
        if length == SpecialLengths.END_OF_DATA_SECTION:
            raise EOFError
        if length == SpecialLengths.NULL:
            return None
        obj = stream.read(length)
        if len(obj) < length:
            raise EOFError
        return self.loads(obj)

    def dumps(self, obj):
        raise NotImplementedError

    def loads(self, obj):
        raise NotImplementedError


class PickleSerializer(FramedSerializer):
    """One object <-> one blob (pickle, highest protocol)."""

    def dumps(self, obj):
        return pickle.dumps(obj, PROTOCOL)

    def loads(self, obj, encoding="bytes"):
        return pickle.loads(obj, encoding=encoding)


class CloudPickleSerializer(FramedSerializer):
    """Functions and closures, pickled by value where needed (lambdas, __main__ objects)."""

    def dumps(self, obj):
        try:
            return cloudpickle.dumps(obj, PROTOCOL)
        except pickle.PickleError:
            raise
        except Exception as e:
            emsg = str(e)
            if "'i' format requires" in emsg:
                msg = "Object too large to serialize: %s" % emsg
            else:
                msg = "Could not serialize object: %s: %s" % (e.__class__.__name__, emsg)
            raise pickle.PicklingError(msg) from e

    def loads(self, obj, encoding="bytes"):
        return pickle.loads(obj, encoding=encoding)


CPickleSerializer = CloudPickleSerializer  # PySpark 3.5's default data serializer


class MarshalSerializer(FramedSerializer):
    """marshal: faster than pickle, for fewer types."""

    def dumps(self, obj):
        return marshal.dumps(obj)

    def loads(self, obj):
        return marshal.loads(obj)


class AutoSerializer(FramedSerializer):
    """marshal while it can, pickle from the first object it cannot take."""

    def __init__(self):
        FramedSerializer.__init__(self)
        self._type = None

    def dumps(self, obj):
        if self._type is not None:
            return b"P" + pickle.dumps(obj, -1)
        try:
            return b"M" + marshal.dumps(obj)
        except Exception:
            self._type = b"P"
            return b"P" + pickle.dumps(obj, -1)

    def loads(self, obj):
        kind = obj[:1]
        if kind == b"M":
            return marshal.loads(obj[1:])
        if kind == b"P":
            return pickle.loads(obj[1:])
        raise ValueError("invalid serialization type: %s" % kind)


class CompressedSerializer(FramedSerializer):
    """Another framed serializer's frames, zlib-compressed."""

    def __init__(self, serializer):
        FramedSerializer.__init__(self)
        assert isinstance(serializer, FramedSerializer), "serializer must be a FramedSerializer"
        self.serializer = serializer

    def dumps(self, obj):
        return zlib.compress(self.serializer.dumps(obj), 1)

    def loads(self, obj):
        return self.serializer.loads(zlib.decompress(obj))

    def __repr__(self):
        return "CompressedSerializer(%s)" % self.serializer


class NoOpSerializer(FramedSerializer):
    """Frames of raw bytes."""

    def loads(self, obj):
        return obj

    def dumps(self, obj):
        return obj


class UTF8Deserializer(Serializer):
    """Reads int32-length-framed UTF-8 strings (Java's String.getBytes)."""

    def __init__(self, use_unicode=True):
        self.use_unicode = use_unicode

    def loads(self, stream):
        length = read_int(stream)
        if length == SpecialLengths.END_OF_DATA_SECTION:
            raise EOFError
        if length == SpecialLengths.NULL:
            return None
        s = stream.read(length)
        return s.decode("utf-8") if self.use_unicode else s

    def load_stream(self, stream):
        try:
            while True:
                yield self.loads(stream)
        except (struct.error, EOFError):
            return

    def __repr__(self):
        return "UTF8Deserializer(%s)" % self.use_unicode


class BatchedSerializer(Serializer):
    """Lists of `batchSize` objects through the wrapped serializer (-1: unlimited, 0: unknown)."""

    UNLIMITED_BATCH_SIZE = -1
    UNKNOWN_BATCH_SIZE = 0

    def __init__(self, serializer=None, batchSize=UNLIMITED_BATCH_SIZE):
        self.serializer = serializer if serializer is not None else CPickleSerializer()
        self.batchSize = batchSize

    def _batched(self, iterator):
        if self.batchSize == self.UNLIMITED_BATCH_SIZE:
            yield list(iterator)
            return
        it = iter(iterator)
        while True:
            items = list(islice(it, self.batchSize))
            if not items:
                return
            yield items

    def dump_stream(self, iterator, stream):
        self.serializer.dump_stream(self._batched(iterator), stream)

    def load_stream(self, stream):
        return chain.from_iterable(self._load_stream_without_unbatching(stream))

    def _load_stream_without_unbatching(self, stream):
        return self.serializer.load_stream(stream)

    def __repr__(self):
        return "BatchedSerializer(%s, %d)" % (str(self.serializer), self.batchSize)


class FlattenedValuesSerializer(BatchedSerializer):
    """(key, values) pairs with long value lists split into pairs of at most batchSize."""

    def __init__(self, serializer, batchSize=10):
        BatchedSerializer.__init__(self, serializer, batchSize)

    def _batched(self, iterator):
        n = self.batchSize
        for key, values in iterator:
            for i in range(0, len(values), n):
                yield key, values[i:i + n]

    def load_stream(self, stream):
        return self.serializer.load_stream(stream)

    def __repr__(self):
        return "FlattenedValuesSerializer(%s, %d)" % (self.serializer, self.batchSize)


class AutoBatchedSerializer(BatchedSerializer):
    """Batches sized automatically: doubled while a frame is under bestSize (64 KiB)."""

    def __init__(self, serializer=None, bestSize=BEST_BATCH_BYTES):
        BatchedSerializer.__init__(self, serializer, self.UNKNOWN_BATCH_SIZE)
        self.bestSize = bestSize

    def dump_stream(self, iterator, stream):
        for blob, _ in dump_auto_batches(iterator, self.serializer.dumps, self.bestSize):
            write_int(len(blob), stream)
            stream.write(blob)

    def __repr__(self):
        return "AutoBatchedSerializer(%s)" % self.serializer


class CartesianDeserializer(Serializer):
    """Reads the cartesian product of two batched streams, batch by batch."""

    def __init__(self, key_ser, val_ser):
        self.key_ser = key_ser
        self.val_ser = val_ser

    def _load_stream_without_unbatching(self, stream):
        keys = self.key_ser._load_stream_without_unbatching(stream)
        vals = self.val_ser._load_stream_without_unbatching(stream)
        for key_batch, val_batch in zip(keys, vals):
            yield product(key_batch, val_batch)

    def load_stream(self, stream):
        return chain.from_iterable(self._load_stream_without_unbatching(stream))

    def __repr__(self):
        return "CartesianDeserializer(%s, %s)" % (str(self.key_ser), str(self.val_ser))


class PairDeserializer(Serializer):
    """Reads two batched streams zipped batch by batch."""

    def __init__(self, key_ser, val_ser):
        self.key_ser = key_ser
        self.val_ser = val_ser

    def _load_stream_without_unbatching(self, stream):
        keys = self.key_ser._load_stream_without_unbatching(stream)
        vals = self.val_ser._load_stream_without_unbatching(stream)
        for key_batch, val_batch in zip(keys, vals):
            key_batch = key_batch if hasattr(key_batch, "__len__") else list(key_batch)
            val_batch = val_batch if hasattr(val_batch, "__len__") else list(val_batch)
            if len(key_batch) != len(val_batch):
                raise ValueError("Can not deserialize PairRDD with different number of items"
                                 " in batches: (%d, %d)" % (len(key_batch), len(val_batch)))
            yield zip(key_batch, val_batch)

    def load_stream(self, stream):
        return chain.from_iterable(self._load_stream_without_unbatching(stream))

    def __repr__(self):
        return "PairDeserializer(%s, %s)" % (str(self.key_ser), str(self.val_ser))


class ChunkedStream:
    """PySpark's ChunkedStream: a write-only file object that frames a stream of unknown length
    as chunks of `buffer_size` bytes, each preceded by its length (4-byte big-endian int); close()
    writes what is buffered, then a length of -1, and closes the wrapped stream."""

    def __init__(self, wrapped, buffer_size):
        self.wrapped = wrapped
        self.buffer_size = buffer_size
        self._buf = bytearray()

    def write(self, data):
        self._buf += data
        while len(self._buf) >= self.buffer_size:
            write_int(self.buffer_size, self.wrapped)
            self.wrapped.write(self._buf[:self.buffer_size])
            del self._buf[:self.buffer_size]

    def close(self):
        if self._buf:
            write_int(len(self._buf), self.wrapped)
            self.wrapped.write(self._buf)
            self._buf = bytearray()
        write_int(-1, self.wrapped)
        self.wrapped.close()

    @property
    def closed(self):
        return getattr(self.wrapped, "closed", False)


class UTF8LinesSerializer:
    """Text sink / `lines` input: UTF-8 lines, each terminated by '\\n' (saveAsTextFile rules:
    str is encoded, bytes pass through, anything else is str()-ed)."""

    def __init__(self, batch_bytes=BEST_BATCH_BYTES):
        self.batch_bytes = batch_bytes

    def dump_blobs(self, iterator):
        # Runs of str lines are joined in C (~10x less per line than the loop below); the run
        # length adapts so that a blob stays near batch_bytes.
        it = iter(iterator)
        limit = self.batch_bytes
        run = 64
        while True:
            lines = list(islice(it, run))
            if not lines:
                return
            try:
                blob = ("\n".join(lines) + "\n").encode("utf-8")
            except TypeError:  # bytes, or anything else to str()
                blob = b"".join(b for b, _ in self._dump_one(lines))
            yield blob, len(lines)
            if len(blob) * 2 < limit and len(lines) == run:
                run = min(run * 2, 1 << 16)
            elif len(blob) > limit and run > 1:
                run //= 2

    def _dump_one(self, iterator):
        buf = bytearray()
        n = 0
        limit = self.batch_bytes
        for x in iterator:
            if isinstance(x, str):
                buf += x.encode("utf-8")
            elif isinstance(x, (bytes, bytearray)):
                buf += x
            else:
                buf += str(x).encode("utf-8")
            buf += b"\n"
            n += 1
            if len(buf) >= limit:
                yield bytes(buf), n
                buf = bytearray()
                n = 0
        if n:
            yield bytes(buf), n

    @staticmethod
    def loads(blob):
        lines = blob.decode("utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return lines

    @staticmethod
    def loads_lazily(blob):
        """loads(blob) as an iterable, decoded LINES_PIECE bytes at a time: the executor's 1 MiB
        batch as one list is ~100k str objects (~6 MiB) made and freed at once, which makes
        pymalloc return its arenas and fault fresh pages in for the next batch; 32 KiB pieces
        keep a cached working set (a text map over 2.5 M lines: 1.75 -> 0.7 s of CPU). A '\n'
        byte never occurs inside a multi-byte UTF-8 sequence, so cutting there is exact."""
        if len(blob) <= LINES_PIECE:
            return UTF8LinesSerializer.loads(blob)
        return chain.from_iterable(_line_pieces(blob))


LINES_PIECE = 1 << 15


def _line_pieces(blob):
    m = memoryview(blob)
    n = len(blob)
    find = blob.find
    i = 0
    while i < n:
        j = find(b"\n", i + LINES_PIECE)
        j = n if j < 0 else j + 1
        lines = str(m[i:j], "utf-8").split("\n")
        if lines[-1] == "":
            lines.pop()
        yield lines
        i = j


_U32 = struct.Struct(">I")


class FileContentSerializer:
    """`files` input: u32 BE path length | path (UTF-8) | content -> (path, content as str)."""

    @staticmethod
    def dumps(path, content):
        p = path.encode("utf-8")
        if isinstance(content, str):
            content = content.encode("utf-8")
        return _U32.pack(len(p)) + p + content

    @staticmethod
    def loads(blob):
        (n,) = _U32.unpack_from(blob, 0)
        path = bytes(blob[4:4 + n]).decode("utf-8")
        return [(path, bytes(blob[4 + n:]).decode("utf-8"))]


class ShuffleBlockSerializer:
    """`shuffle` sink block: u32 BE reduce partition | pickled list of (key, value) (issue #4)."""

    @staticmethod
    def dumps(reduce_partition, pairs):
        return _U32.pack(reduce_partition) + dumps_data(pairs)

    @staticmethod
    def loads(blob):
        (p,) = _U32.unpack_from(blob, 0)
        return p, pickle.loads(blob[4:])


# Shuffle records of (int, int) pairs whose ints fit 64 bits (sortByKey's map side, which the
# executor can sort without Python; docs/protocol.md "Shuffle records"):
#   u8 0 (a pickle of ours starts 0x80) | u8 kind 1 | u8 flags | u8 0 | u32 LE n |
#   n i64 LE keys | n i64 LE values
# flags: PAIRS_SORT (sort me: the map side asks the reduce side's reader to sort its partition
# by key), PAIRS_DESC (in descending order), PAIRS_SORTED (the reader did: every batch of this
# input arrives in key order).
PAIRS_SORT, PAIRS_DESC, PAIRS_SORTED = 1, 2, 4
_PAIRS_HEAD = struct.Struct("<BBBBI")
_LITTLE = sys.byteorder == "little"


def dumps_int_pairs(keys, values, flags):
    """keys, values: array('q') of one length."""
    if not _LITTLE:
        keys, values = array("q", keys), array("q", values)
        keys.byteswap()
        values.byteswap()
    return _PAIRS_HEAD.pack(0, 1, flags, 0, len(keys)) + keys.tobytes() + values.tobytes()


# Whether the last batch decoded came from an input the executor sorted (PAIRS_SORTED); read by
# sortByKey's reduce side right after it pulled its first record (inputs are decoded lazily,
# one batch at a time, so the last batch decoded is that input's).
last_batch_sorted = [False]


def _loads_pairs(blob):
    _, kind, flags, _, n = _PAIRS_HEAD.unpack_from(blob, 0)
    if kind != 1 or len(blob) != 8 + 16 * n:
        raise ValueError("corrupt int pair batch (kind %d, %d records, %d bytes)" % (kind, n, len(blob)))
    keys, values = array("q"), array("q")
    m = memoryview(blob)
    keys.frombytes(m[8:8 + 8 * n])
    values.frombytes(m[8 + 8 * n:])
    if not _LITTLE:
        keys.byteswap()
        values.byteswap()
    last_batch_sorted[0] = bool(flags & PAIRS_SORTED)
    # an iterator, not a list: zip reuses its tuple when the consumer let go of the last one
    return zip(keys.tolist(), values.tolist())


def _loads_pickled(blob):
    if blob and blob[0] == 0:
        return _loads_pairs(blob)
    last_batch_sorted[0] = False
    return _pickle_loads(blob)


# Decoders for PwInput formats: blob -> an iterable of elements (a list, or one decoded as it
# is iterated).
_pickle_loads = pickle.loads
INPUT_DECODERS = {
    "pickled": _loads_pickled,
    "lines": UTF8LinesSerializer.loads_lazily,
    "files": FileContentSerializer.loads,
    # SPB1 batches for SQL tasks' Python programs (sql/_udf_eval.py), kept in their writable
    # receive buffer: numpy arrays over it need no copy and may be written by pandas code.
    "sqlbatch": lambda blob: blob,
}
