"""Serializers: small composable classes turning elements into blobs and back.

A "blob" is the payload of one 'B' frame. Data blobs hold a pickled *list* of elements (a batch),
as PySpark's BatchedSerializer/AutoBatchedSerializer frames do; the C++ side never unpickles them.
"""
import pickle
import struct
from itertools import islice

import cloudpickle

PROTOCOL = pickle.HIGHEST_PROTOCOL
BEST_BATCH_BYTES = 1 << 16   # PySpark's AutoBatchedSerializer bestSize (64 KiB)


class PickleSerializer:
    """One object <-> one blob (pickle, highest protocol)."""

    def dumps(self, obj):
        return pickle.dumps(obj, PROTOCOL)

    def loads(self, blob):
        return pickle.loads(blob)


CPickleSerializer = PickleSerializer  # PySpark's name


class CloudPickleSerializer(PickleSerializer):
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


class BatchedSerializer:
    """Elements -> pickled lists of `batch_size` elements (batch_size -1 = everything in one)."""

    def __init__(self, serializer=None, batch_size=1024):
        self.serializer = serializer or PickleSerializer()
        self.batch_size = batch_size

    def dump_stream(self, iterator):
        """Yields (blob, number_of_elements)."""
        dumps = self.serializer.dumps
        if self.batch_size == -1:
            items = list(iterator)
            yield dumps(items), len(items)
            return
        it = iter(iterator)
        n = self.batch_size
        while True:
            items = list(islice(it, n))
            if not items:
                return
            yield dumps(items), len(items)

    def load_stream(self, blobs):
        loads = self.serializer.loads
        for b in blobs:
            yield from loads(b)


class AutoBatchedSerializer(BatchedSerializer):
    """PySpark's auto-batching: start at 1 element per batch, double while a batch pickles to
    less than 64 KiB, halve when one exceeds 10x that."""

    def __init__(self, serializer=None, best_size=BEST_BATCH_BYTES):
        super().__init__(serializer, 0)
        self.best_size = best_size

    def dump_stream(self, iterator):
        dumps = self.serializer.dumps
        it = iter(iterator)
        batch, best = 1, self.best_size
        while True:
            items = list(islice(it, batch))
            if not items:
                return
            blob = dumps(items)
            yield blob, len(items)
            size = len(blob)
            if size < best:
                batch *= 2
            elif size > best * 10 and batch > 1:
                batch //= 2


class UTF8LinesSerializer:
    """Text sink / `lines` input: UTF-8 lines, each terminated by '\\n' (saveAsTextFile rules:
    str is encoded, bytes pass through, anything else is str()-ed)."""

    def __init__(self, batch_bytes=BEST_BATCH_BYTES):
        self.batch_bytes = batch_bytes

    def dump_stream(self, iterator):
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
        return _U32.pack(reduce_partition) + pickle.dumps(pairs, PROTOCOL)

    @staticmethod
    def loads(blob):
        (p,) = _U32.unpack_from(blob, 0)
        return p, pickle.loads(blob[4:])


# Decoders for PwInput formats: blob -> list of elements.
_pickle_loads = pickle.loads
INPUT_DECODERS = {
    "pickled": _pickle_loads,
    "lines": UTF8LinesSerializer.loads,
    "files": FileContentSerializer.loads,
    # SPB1 batches for SQL tasks' Python programs (sql/_udf_eval.py), kept in their writable
    # receive buffer: numpy arrays over it need no copy and may be written by pandas code.
    "sqlbatch": lambda blob: blob,
}
