"""Framing and message envelopes shared with the C++ side (docs/protocol.md, src/common/frame.h).

frame   = u32 big-endian N | kind (1 byte) | N-1 payload bytes;  kind 'J' (JSON) | 'B' (blob)
message = one 'J' frame {"v":PROTOCOL_VERSION,"op":NAME,"blobs":K,"body":{...}} followed by K 'B'
frames. PROTOCOL_VERSION is the C++ kProtocolVersion (src/common/messages.h, versioning policy
there): both move together, and a peer of another version is refused at Hello naming both.
"""
import json
import struct

PROTOCOL_VERSION = 11
MAX_FRAME = 1 << 30          # driver<->executor and executor<->worker links allow 1 GiB
_HDR = struct.Struct(">IB")
_U32 = struct.Struct(">I")
_KIND_J = 0x4A
_KIND_B = 0x42
_HANDSHAKE_OPS = ("Hello", "HelloAck", "HelloRefused")
_SEND_COALESCE = 256 * 1024  # parts smaller than this are joined before sendall

_dumps = json.JSONEncoder(separators=(",", ":")).encode
_loads = json.loads


class ProtocolError(Exception):
    """The peer sent something that is not a valid sparkpp message."""


class ConnectionClosed(EOFError):
    """The peer closed the connection (cleanly, between messages, or mid-frame)."""


def encode_message(op, body, blobs=()):
    """Returns the list of byte strings making up one message (header + blob frames). A blob
    may be a list of bytes-like parts (each len() in bytes): one frame, its parts sent as they
    are, never joined (createDataFrame's columns go from the user's arrays to the socket)."""
    j = _dumps({"v": PROTOCOL_VERSION, "op": op, "blobs": len(blobs), "body": body}).encode()
    parts = [_HDR.pack(len(j) + 1, _KIND_J), j]
    for b in blobs:
        if type(b) is list:
            parts.append(_HDR.pack(sum(map(len, b)) + 1, _KIND_B))
            parts.extend(b)
            continue
        parts.append(_HDR.pack(len(b) + 1, _KIND_B))
        parts.append(b)
    return parts


def blob_frame_header(n):
    """The frame header of an n-byte blob (encode_message's, for callers that cache the rest)."""
    return _HDR.pack(n + 1, _KIND_B)


def frame_header_j(n):
    """The frame header of an n-byte JSON envelope."""
    return _HDR.pack(n + 1, _KIND_J)


def build_id():
    """This side's build, sent in the handshake (the C++ side sends its git describe)."""
    from sparkpp.version import __version__
    return "sparkpp-python %s" % __version__


def version_mismatch(peer_proto, peer_build):
    """The same words as the C++ msg::version_mismatch: both versions and both builds."""
    return ("protocol version mismatch: peer speaks protocol %s (%s), this process speaks protocol "
            "%d (%s); run the same sparkpp build on every node"
            % (peer_proto, peer_build or "build unknown", PROTOCOL_VERSION, build_id()))


_PREALLOC = 1 << 20  # payload bytes allocated before any arrive (then doubled as they do)
# Messages whose large blobs are read into shared arenas (see _Arena): a query's result
# batches, which become numpy arrays (toPandas) or are decoded right away.
_ARENA_OPS = frozenset(["PySqlResult"])
_ARENA_MIN_BLOB = 1 << 16
_ARENA_CHUNK = 32 << 20


class _Arena:
    """Large numpy buffers that a message's blobs are read into, each blob a writable
    memoryview of one. numpy allocates big arrays without zero-filling them and asks for
    transparent huge pages (madvise), so a result of hundreds of MB costs a few hundred page
    faults instead of one per 4 KiB page and a memset (toPandas: ~6x less CPU to receive).
    A chunk lives as long as any blob in it."""

    def __init__(self):
        import numpy  # noqa: F401  (ImportError: the caller reads into bytearrays)
        self._chunk, self._used = None, 0

    def take(self, n):
        import numpy as np
        if n >= _ARENA_CHUNK:
            return memoryview(np.empty(n, np.uint8))
        if self._chunk is None or len(self._chunk) - self._used < n:
            self._chunk, self._used = memoryview(np.empty(_ARENA_CHUNK, np.uint8)), 0
        view = self._chunk[self._used:self._used + n]
        self._used += (n + 7) & ~7  # 8-aligned: batch buffers are read as numpy arrays
        return view


class Channel:
    """A blocking, message-oriented wrapper around a connected stream socket.

    Writes are queued with `queue` and sent by `flush` (or `send` = queue + flush), so a task's
    last output and its PwDone leave in one syscall. Not thread-safe: callers lock.
    """

    def __init__(self, sock, max_frame=MAX_FRAME):
        self.sock = sock
        self._rfile = sock.makefile("rb", buffering=65536)
        self._max = max_frame
        self._out = []
        self._out_size = 0

    # -- writing
    def queue(self, op, body, blobs=()):
        parts = encode_message(op, body, blobs)
        self._out.extend(parts)
        for p in parts:
            self._out_size += len(p)

    def queue_parts(self, parts):
        """Queues an already encoded message (see encode_message)."""
        self._out.extend(parts)

    def mark(self):
        """A position in the queued, unsent parts, for discard."""
        return len(self._out)

    def discard(self, mark=0):
        """Drops the parts queued after `mark` (a failed task's pending output; earlier tasks'
        held replies stay queued)."""
        del self._out[mark:]
        self._out_size = sum(map(len, self._out))

    def flush(self):
        if not self._out:
            return
        out, self._out, self._out_size = self._out, [], 0
        sendall = self.sock.sendall
        try:
            pending = []
            for p in out:
                if len(p) >= _SEND_COALESCE:
                    if pending:
                        sendall(b"".join(pending))
                        pending = []
                    sendall(p)
                else:
                    pending.append(p)
            if pending:
                sendall(b"".join(pending) if len(pending) > 1 else pending[0])
        except (BrokenPipeError, ConnectionResetError) as e:
            raise ConnectionClosed(str(e)) from None

    def send(self, op, body, blobs=()):
        self.queue(op, body, blobs)
        self.flush()

    @property
    def queued_bytes(self):
        return self._out_size

    # -- reading
    def _read_exact(self, n):
        try:
            data = self._rfile.read(n)
        except (ConnectionResetError, OSError) as e:
            raise ConnectionClosed(str(e)) from None
        if data is None or len(data) != n:
            raise ConnectionClosed("connection closed")
        return data

    def _read_frame(self, arena=None):
        (n,) = _U32.unpack(self._read_exact(4))
        if n == 0:
            raise ProtocolError("zero-length frame")
        if n > self._max:
            raise ProtocolError("frame of %d bytes exceeds the limit of %d" % (n, self._max))
        kind = self._read_exact(1)[0]
        if arena is not None and kind == _KIND_B and n - 1 >= _ARENA_MIN_BLOB:
            view, got = arena.take(n - 1), 0
            while got < n - 1:
                got += self._read_into(view[got:])
            return kind, view
        # The payload lands in a writable buffer of its own (no slicing copy): SQL batches
        # become numpy arrays over it that pandas code may write to. It grows as bytes arrive:
        # a peer's length field alone never makes us allocate (a 1 GiB claim, then EOF).
        payload = bytearray(min(n - 1, _PREALLOC))
        view, got = memoryview(payload), 0
        while got < n - 1:
            if got == len(payload):
                del view
                payload.extend(bytes(min(n - 1 - got, max(len(payload), _PREALLOC))))
                view = memoryview(payload)
            got += self._read_into(view[got:])
        return kind, payload

    def _read_into(self, view):
        """Reads some bytes into `view` (at least one); ConnectionClosed at EOF or reset."""
        try:
            k = self._rfile.readinto(view)
        except (ConnectionResetError, OSError) as e:
            raise ConnectionClosed(str(e)) from None
        if not k:
            raise ConnectionClosed("connection closed")
        return k

    def recv(self):
        """Returns (op, body, blobs). Raises ConnectionClosed at EOF, ProtocolError if malformed."""
        kind, payload = self._read_frame()
        if kind != _KIND_J:
            raise ProtocolError("expected a 'J' frame, got kind %r" % chr(kind))
        try:
            env = _loads(payload.decode("utf-8"))
            v, op, nblobs, body = env["v"], env["op"], env["blobs"], env["body"]
        except (ValueError, KeyError, TypeError) as e:
            raise ProtocolError("malformed envelope: %s" % e) from None
        if (not isinstance(op, str) or not isinstance(body, dict) or type(nblobs) is not int
                or nblobs < 0):
            raise ProtocolError("malformed envelope: op %r, blobs %r, body of type %s"
                                % (op, nblobs, type(body).__name__))
        if v != PROTOCOL_VERSION and op not in _HANDSHAKE_OPS:  # handshake: any version
            raise ProtocolError("protocol version %r, expected %d" % (v, PROTOCOL_VERSION))
        blobs = []
        arena = None
        if nblobs and op in _ARENA_OPS:
            try:
                arena = _Arena()
            except ImportError:
                pass
        for _ in range(nblobs):
            kind, payload = self._read_frame(arena)
            if kind != _KIND_B:
                raise ProtocolError("expected a 'B' frame, got kind %r" % chr(kind))
            blobs.append(payload)
        return op, body, blobs

    def close(self):
        try:
            self._rfile.close()
        finally:
            self.sock.close()
