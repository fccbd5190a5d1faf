"""The engine's serialized batch format (docs/sql-engine.md, "Batch format") in Python: encodes
createDataFrame's rows for a localRelation's `data`, decodes result batches. Arrow's layout:
validity bitmaps, fixed-width values, int32 offsets + data, child columns."""
import decimal
import itertools
import operator
import struct

from sparkpp.sql import types as T

__all__ = ["encode_batches", "decode_batches", "decode_stream_columns", "decode_columns",
           "decode_lazy_columns",
           "encode_columns",
           "BatchFormatError"]

MAGIC = b"SPB1"
VERSION = 1
_HEADER = struct.Struct("<4sHHqIIIIQQ")  # 48 bytes
ROWS_PER_BATCH = 4096

_FIXED = {T.ByteType: "b", T.ShortType: "h", T.IntegerType: "i", T.LongType: "q",
          T.FloatType: "f", T.DoubleType: "d", T.DateType: "i", T.TimestampType: "q",
          T.TimestampNTZType: "q", T.DayTimeIntervalType: "q", T.YearMonthIntervalType: "i"}


class BatchFormatError(ValueError):
    pass


def _pad8(n):
    return (n + 7) & ~7


def _bitmap(bits):
    out = bytearray((len(bits) + 7) // 8)
    for i, b in enumerate(bits):
        if b:
            out[i >> 3] |= 1 << (i & 7)
    return bytes(out)


def _bits(buf, n):
    return [bool(buf[i >> 3] >> (i & 7) & 1) for i in range(n)]


class _Writer:
    def __init__(self):
        self.nodes = []    # (length, null_count)
        self.buffers = []  # bytes

    def column(self, dt, values):
        if isinstance(values, Dense):
            return self._dense(dt, values)
        n = len(values)
        nulls = sum(v is None for v in values)
        self.nodes.append((n, n if isinstance(dt, T.NullType) else nulls))
        if isinstance(dt, T.NullType):
            return
        self.buffers.append(_bitmap([v is not None for v in values]) if nulls else b"")
        if isinstance(dt, T.BooleanType):
            self.buffers.append(_bitmap([bool(v) for v in values]))
        elif type(dt) in _FIXED:
            self.buffers.append(struct.pack("<%d%s" % (n, _FIXED[type(dt)]),
                                            *[0 if v is None else v for v in values]))
        elif isinstance(dt, T.CalendarIntervalType):
            self.buffers.append(b"".join(struct.pack("<iiq", *(v or (0, 0, 0))) for v in values))
        elif isinstance(dt, T.DecimalType):
            self.buffers.append(b"".join(
                (0 if v is None else int(decimal.Decimal(v).scaleb(dt.scale)))
                .to_bytes(16, "little", signed=True) for v in values))
        elif isinstance(dt, (T.StringType, T.BinaryType, T.CharType, T.VarcharType)):
            chunks = [b"" if v is None else (v.encode("utf-8") if isinstance(v, str)
                                             else bytes(v)) for v in values]
            self._offsets([len(c) for c in chunks])
            self.buffers.append(b"".join(chunks))
        elif isinstance(dt, T.ArrayType):
            lists = [v or [] for v in values]
            self._offsets([len(x) for x in lists])
            self.column(dt.elementType, [e for x in lists for e in x])
        elif isinstance(dt, T.MapType):
            items = [list(v.items()) if v else [] for v in values]
            self._offsets([len(x) for x in items])
            flat = [kv for x in items for kv in x]
            self.nodes.append((len(flat), 0))  # the entries struct, never null
            self.buffers.append(b"")
            self.column(dt.keyType, [k for k, _ in flat])
            self.column(dt.valueType, [v for _, v in flat])
        elif isinstance(dt, T.StructType):
            for i, f in enumerate(dt.fields):
                self.column(f.dataType, [None if v is None else v[i] for v in values])
        else:
            raise BatchFormatError("no batch layout for %s" % dt.simpleString())

    def _dense(self, dt, col):
        import numpy as np
        n = len(col.data)
        nulls = 0 if col.valid is None else int(n - np.count_nonzero(col.valid))
        self.nodes.append((n, nulls))
        self.buffers.append(np.packbits(col.valid, bitorder="little").tobytes() if nulls else b"")
        if isinstance(dt, T.BooleanType):
            self.buffers.append(np.packbits(np.asarray(col.data, dtype=bool),
                                            bitorder="little").tobytes())
        else:  # the array itself (no copy when it already has the layout); joined later
            arr = np.ascontiguousarray(col.data, dtype=_NP_CODES[type(dt)])
            self.buffers.append(memoryview(arr).cast("B") if arr.size else b"")

    def _offsets(self, lengths):
        offs, total = [0], 0
        for n in lengths:
            total += n
            offs.append(total)
        if total > 2 ** 31 - 1:
            raise BatchFormatError("more than 2 GiB of variable-width data in one batch")
        self.buffers.append(struct.pack("<%di" % len(offs), *offs))


def _encode_one(schema, rows):
    return _encode_cols(schema, len(rows), [[r[i] for r in rows] for i in range(len(schema.fields))])


# (schema JSON, rows) -> (numpy type codes, the bytes before the body) of batches whose columns
# are all Dense without NULLs: their header, nodes and buffer spans depend on nothing else, so a
# pandas UDF's result batches, one like the other, reuse them.
_DENSE_HEADS = {}


def _dense_parts(head, codes, num_rows, columns):
    """The parts of a batch of Dense columns without NULLs whose header is `head`, or None when a
    column does not fit that header."""
    import numpy as np
    out = [head]
    for c, code in zip(columns, codes):
        if type(c) is not Dense or c.valid is not None or len(c.data) != num_rows:
            return None
        arr = c.data
        if getattr(arr, "dtype", None) is None or arr.dtype.str != code or not arr.flags.c_contiguous:
            arr = np.ascontiguousarray(arr, dtype=code)
        if arr.ndim != 1:
            return None
        if arr.nbytes:
            out.append(memoryview(arr).cast("B"))
            pad = _pad8(arr.nbytes) - arr.nbytes
            if pad:
                out.append(b"\0" * pad)
    return out


def _encode_cols(schema, num_rows, columns, schema_json=None, parts=False):
    """One batch as bytes, or (parts) as the list of byte strings and memoryviews making it up."""
    if parts and schema_json is not None:
        hit = _DENSE_HEADS.get((schema_json, num_rows))
        if hit is not None:
            out = _dense_parts(hit[1], hit[0], num_rows, columns)
            if out is not None:
                return out
    w = _Writer()
    for f, values in zip(schema.fields, columns):
        w.column(f.dataType, values)
    body, spans, size = [], [], 0  # the buffers are joined once, at the end
    for b in w.buffers:
        spans.append((size, len(b)))
        body.append(b)
        pad = _pad8(len(b)) - len(b)
        if pad:
            body.append(b"\0" * pad)
        size += len(b) + pad
    if schema_json is None:
        schema_json = schema.json().encode("utf-8")
    head = [_HEADER.pack(MAGIC, VERSION, 0, num_rows, len(schema_json), len(w.nodes),
                         len(spans), 0, size, size),
            schema_json, b"\0" * (_pad8(len(schema_json)) - len(schema_json))]
    head += [struct.pack("<qq", n, nulls) for n, nulls in w.nodes]
    head += [struct.pack("<QQ", off, length) for off, length in spans]
    if parts and num_rows and all(type(c) is Dense and c.valid is None and len(c.data) == num_rows
                                  and type(f.dataType) in _NP_CODES
                                  for c, f in zip(columns, schema.fields)):
        if len(_DENSE_HEADS) >= 64:
            _DENSE_HEADS.clear()
        _DENSE_HEADS[(schema_json, num_rows)] = (
            [_NP_CODES[type(f.dataType)] for f in schema.fields], b"".join(head))
    return head + body if parts else b"".join(head + body)


def rdd_to_batches(schema, internal_rows):
    """The last step of a Python RDD a DataFrame scans (createDataFrame(rdd), `rdd:<id>` leaves):
    its partition's rows of internal values as (SPB1 batch, rows) pairs, the `sqlbatch` output
    the executor hands to the SQL stage computing over them."""
    rows = []
    for r in internal_rows:
        rows.append(r)
        if len(rows) == ROWS_PER_BATCH:
            yield _encode_one(schema, rows), len(rows)
            rows = []
    if rows:
        yield _encode_one(schema, rows), len(rows)


def encode_batches(schema, internal_rows):
    """A stream of batches (each ≤ ROWS_PER_BATCH rows) holding rows of internal values."""
    rows = list(internal_rows)
    return b"".join(_encode_one(schema, rows[i:i + ROWS_PER_BATCH])
                    for i in range(0, len(rows), ROWS_PER_BATCH))


class _Reader:
    def __init__(self, nodes, spans, body):
        self.nodes, self.spans, self.body = iter(nodes), iter(spans), body

    def buf(self):
        try:
            off, length = next(self.spans)
        except StopIteration:
            raise BatchFormatError("fewer buffers than the schema needs") from None
        if off % 8 or off + length > len(self.body):
            raise BatchFormatError("buffer out of range")
        return self.body[off:off + length]

    def node(self):
        """(rows, NULL count) of the next column."""
        try:
            return next(self.nodes)
        except StopIteration:
            raise BatchFormatError("fewer nodes than the schema needs") from None

    def validity(self, n):
        """The next column's validity bitmap (empty: no NULLs), checked to cover its n rows."""
        vb = self.buf()
        if vb and len(vb) < (n + 7) // 8:
            raise BatchFormatError("validity bitmap too short")
        return vb

    def column(self, dt):
        n, nulls = self.node()
        if isinstance(dt, T.NullType):
            return [None] * n
        vb = self.validity(n)
        valid = _bits(vb, n) if vb else [True] * n
        if isinstance(dt, T.BooleanType):
            vals = _bits(self.buf(), n)
        elif type(dt) in _FIXED:
            code = _FIXED[type(dt)]
            b = self.buf()
            if len(b) < n * struct.calcsize(code):
                raise BatchFormatError("values buffer too short")
            vals = list(struct.unpack_from("<%d%s" % (n, code), b))
        elif isinstance(dt, T.CalendarIntervalType):
            b = self.buf()
            vals = [struct.unpack_from("<iiq", b, 16 * i) for i in range(n)]
        elif isinstance(dt, T.DecimalType):
            b = self.buf()
            vals = [decimal.Decimal(int.from_bytes(b[16 * i:16 * i + 16], "little", signed=True))
                    .scaleb(-dt.scale) for i in range(n)]
        elif isinstance(dt, (T.StringType, T.BinaryType, T.CharType, T.VarcharType)):
            offs, data = self._offsets(n), self.buf()
            vals = var_values(offs, data, isinstance(dt, T.BinaryType))
        elif isinstance(dt, T.ArrayType):
            offs = self._offsets(n)
            elems = self.column(dt.elementType)
            vals = [elems[offs[i]:offs[i + 1]] for i in range(n)]
        elif isinstance(dt, T.MapType):
            offs = self._offsets(n)
            next(self.nodes)
            self.buf()
            keys, values = self.column(dt.keyType), self.column(dt.valueType)
            vals = [dict(zip(keys[offs[i]:offs[i + 1]], values[offs[i]:offs[i + 1]]))
                    for i in range(n)]
        elif isinstance(dt, T.StructType):
            cols = [self.column(f.dataType) for f in dt.fields]
            vals = [tuple(c[i] for c in cols) for i in range(n)]
        else:
            raise BatchFormatError("no batch layout for %s" % dt.simpleString())
        if not vb:  # no validity bitmap: no NULLs to put in
            return vals
        return [v if ok else None for v, ok in zip(vals, valid)]

    def lazy(self, dt):
        """A column without NULLs of a fixed-width numeric type as a memoryview of its values
        (iterating it makes each Python value as it is needed: no list of them is built);
        any other column decoded as column() does."""
        code = _LAZY.get(type(dt))
        if code is None:
            return self.column(dt)
        n, nulls = self.node()
        vb = self.validity(n)
        b = self.buf()
        width = struct.calcsize(code)
        if len(b) < n * width:
            raise BatchFormatError("values buffer too short")
        vals = b[:n * width].cast(code)
        if not vb or not nulls:
            return vals
        return [v if ok else None for v, ok in zip(vals, _bits(vb, n))]

    def _offsets(self, n):
        b = self.buf()
        if len(b) < 4 * (n + 1):
            raise BatchFormatError("offsets buffer too short")
        offs = struct.unpack_from("<%di" % (n + 1), b)
        if not all(map(operator.le, offs, itertools.islice(offs, 1, None))):
            raise BatchFormatError("offsets decrease")
        return offs


def var_values(offs, data, binary):
    """The values of a string (str) or binary (bytearray) column from its offsets and bytes:
    the bytes copied out of the batch once, ASCII text decoded once and sliced."""
    if offs[-1] > len(data):
        raise BatchFormatError("string data shorter than its offsets")
    raw = bytes(data[:offs[-1]])
    ends = itertools.islice(offs, 1, None)
    if binary:
        return [bytearray(raw[a:b]) for a, b in zip(offs, ends)]
    if raw.isascii():  # character offsets are byte offsets
        text = raw.decode("ascii")
        return list(map(text.__getitem__, map(slice, offs, ends)))
    return [str(raw[a:b], "utf-8") for a, b in zip(offs, ends)]


_LAZY = {T.ByteType: "b", T.ShortType: "h", T.IntegerType: "i", T.LongType: "q",
         T.FloatType: "f", T.DoubleType: "d"}


def decode_lazy_columns(blob):
    """(StructType, num_rows, columns) of one batch for a row-at-a-time UDF: numeric columns
    without NULLs as memoryviews of the batch buffer (see _Reader.lazy), others as lists."""
    schema, num_rows, nodes, spans, body, _ = parse_batch(memoryview(blob), 0)
    r = _Reader(nodes, spans, body)
    cols = [r.lazy(f.dataType) for f in schema.fields]
    if any(len(c) != num_rows for c in cols):
        raise BatchFormatError("column lengths differ from num_rows")
    return schema, num_rows, cols


_SCHEMAS = {}  # schema JSON bytes -> StructType (parse_batch)


def parse_batch(data, pos):
    """(schema, num_rows, nodes, buffer spans, body, next pos) of the batch at `pos`, its
    columns left undecoded (checked: magic, version, bounds)."""
    if len(data) - pos < _HEADER.size:
        raise BatchFormatError("truncated header")
    (magic, version, flags, num_rows, schema_len, n_nodes, n_buffers, _, body_len,
     stored_len) = _HEADER.unpack_from(data, pos)
    if magic != MAGIC or version != VERSION or flags != 0 or stored_len != body_len:
        raise BatchFormatError("not an uncompressed SPB1 version 1 batch")
    p = pos + _HEADER.size
    if p + _pad8(schema_len) + 16 * (n_nodes + n_buffers) + stored_len > len(data):
        raise BatchFormatError("truncated batch")
    raw = bytes(data[p:p + schema_len])
    schema = _SCHEMAS.get(raw)
    if schema is None:  # every batch of a result repeats its schema: parsed once
        try:
            schema = T._parse_datatype_json_string(raw.decode("utf-8"))
        except (ValueError, KeyError, TypeError) as e:
            raise BatchFormatError("bad schema JSON: %s" % e) from None
        if len(_SCHEMAS) >= 64:
            _SCHEMAS.clear()
        _SCHEMAS[raw] = schema
    p += _pad8(schema_len)
    nodes = [struct.unpack_from("<qq", data, p + 16 * i) for i in range(n_nodes)]
    p += 16 * n_nodes
    spans = [struct.unpack_from("<QQ", data, p + 16 * i) for i in range(n_buffers)]
    p += 16 * n_buffers
    body = data[p:p + stored_len]
    if len(body) != stored_len:
        raise BatchFormatError("truncated body")
    return schema, num_rows, nodes, spans, body, p + _pad8(stored_len)


def _decode_one(data, pos):
    """(schema, num_rows, columns of internal values, next pos) of the batch at `pos`."""
    schema, num_rows, nodes, spans, body, end = parse_batch(data, pos)
    r = _Reader(nodes, spans, bytes(body))
    cols = [r.column(f.dataType) for f in schema.fields]
    if any(len(c) != num_rows for c in cols):
        raise BatchFormatError("column lengths differ from num_rows")
    return schema, num_rows, cols, end


def batch_schema(blob):
    """(StructType, num_rows) of one batch, its columns left undecoded."""
    data = memoryview(blob)
    if len(data) < _HEADER.size:
        raise BatchFormatError("truncated header")
    (magic, version, _, num_rows, schema_len, *_rest) = _HEADER.unpack_from(data, 0)
    if magic != MAGIC or version != VERSION or _HEADER.size + schema_len > len(data):
        raise BatchFormatError("not an SPB1 version 1 batch")
    raw = bytes(data[_HEADER.size:_HEADER.size + schema_len])
    schema = _SCHEMAS.get(raw)  # parse_batch's: a stream's batches repeat their schema
    if schema is None:
        schema = T._parse_datatype_json_string(raw.decode("utf-8"))
        if len(_SCHEMAS) >= 64:
            _SCHEMAS.clear()
        _SCHEMAS[raw] = schema
    return schema, num_rows


class Dense:
    """A fixed-width column as a numpy array (+ a boolean validity array, None: no NULLs),
    written without per-value work (pandas UDF results)."""

    def __init__(self, data, valid=None):
        self.data, self.valid = data, valid

    def __len__(self):
        return len(self.data)


_NP_CODES = {T.ByteType: "<i1", T.ShortType: "<i2", T.IntegerType: "<i4", T.LongType: "<i8",
             T.FloatType: "<f4", T.DoubleType: "<f8", T.DateType: "<i4", T.TimestampType: "<i8",
             T.TimestampNTZType: "<i8", T.DayTimeIntervalType: "<i8",
             T.YearMonthIntervalType: "<i4"}


def decode_columns(blob):
    """One batch as (StructType, num_rows, one list of internal values per column)."""
    schema, n, cols, _ = _decode_one(memoryview(bytes(blob)), 0)
    return schema, n, cols


def encode_columns(schema, num_rows, columns, schema_json=None):
    """One batch from columns of internal values (the inverse of decode_columns);
    `schema_json`: schema.json() as UTF-8 when the caller has it already."""
    return _encode_cols(schema, num_rows, columns, schema_json)


def decode_batches(data):
    """Yields (StructType, rows of internal values) per batch of a stream."""
    for schema, n, cols in decode_stream_columns(data):
        yield schema, list(zip(*cols)) if cols else [()] * n


def join_parts(parts):
    """Parts of batches (encode_parts) as one buffer: bytes when small; else one numpy array
    (allocated without zero-filling, in huge pages: far fewer page faults than bytes)."""
    total = sum(map(len, parts))
    if total < 1 << 20:
        return b"".join(parts)
    import numpy as np
    out = np.empty(total, np.uint8)
    view, pos = memoryview(out), 0
    for p in parts:
        n = len(p)
        view[pos:pos + n] = p
        pos += n
    return out


def encode_parts(schema, num_rows, columns, schema_json=None):
    """encode_columns, as a list of parts for join_parts (large columns are not copied)."""
    return _encode_cols(schema, num_rows, columns, schema_json, parts=True)


def decode_stream_columns(data):
    """Yields (StructType, num_rows, one list of internal values per column) per batch."""
    pos, data = 0, memoryview(data).cast("B")
    while pos < len(data):
        schema, n, cols, pos = _decode_one(data, pos)
        yield schema, n, cols
