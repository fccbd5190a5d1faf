"""The Python worker's half of BatchEvalPython (docs/protocol.md, "Python UDF programs"): argument
columns arrive as SPB1 batches of internal values, each UDF runs row by row on external values
(dates, datetimes, Rows — as PySpark hands them to a UDF), and results go back as one SPB1
batch, converted by Spark's rules for the non-Arrow path (EvaluatePython.makeFromJava): a value
of the wrong Python type becomes NULL, integers wrap to the column's width, StringType takes
anything through Java's toString."""
import decimal
import math
import numbers
import os
import struct

from sparkpp.sql import types as T
from sparkpp.sql._batch import Dense, decode_lazy_columns, encode_columns, encode_parts

__all__ = ["UdfProgram"]

_WIDTH = {T.ByteType: 8, T.ShortType: 16, T.IntegerType: 32, T.LongType: 64}


def _wrap(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _java_double(x):
    """Java's Double.toString: 1.0, 0.001, 1234567.0, 1.0E7, 1.0E-4, NaN, Infinity."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1, x) < 0 else "0.0"
    if 1e-3 <= abs(x) < 1e7:
        return repr(x)  # Python's shortest digits, in decimal notation in this range
    d = decimal.Decimal(repr(abs(x)))
    ds = "".join(map(str, d.as_tuple().digits)).rstrip("0") or "0"
    return "%s%s.%sE%d" % ("-" if x < 0 else "", ds[0], ds[1:] or "0", d.adjusted())


def _java_string(v):
    """Java's toString of the object Pyrolite makes of a Python value."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return _java_double(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join("null" if x is None else _java_string(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join("%s=%s" % ("null" if k is None else _java_string(k),
                                          "null" if x is None else _java_string(x))
                               for k, x in v.items()) + "}"
    return str(v)


def _converter(dt):
    """value (already through dt.toInternal when it needs conversion) -> internal or None."""
    t = type(dt)
    if t in _WIDTH:
        bits = _WIDTH[t]

        def integral(v):
            if type(v) is bool or not isinstance(v, numbers.Integral):
                return None  # numpy integers count as their value, as in the bulk path
            v = int(v)
            if not -(1 << 63) <= v < (1 << 63):
                return None  # a BigInteger in Java: no match
            return _wrap(v, bits)
        return integral
    if t in (T.FloatType, T.DoubleType):
        return lambda v: float(v) if isinstance(v, float) else None
    if t is T.BooleanType:
        return lambda v: v if isinstance(v, bool) else None
    if t in (T.StringType, T.CharType, T.VarcharType):
        return _java_string
    if t is T.BinaryType:
        def binary(v):
            if isinstance(v, str):
                return v.encode("utf-8")
            return bytes(v) if isinstance(v, (bytes, bytearray)) else None
        return binary
    if t is T.DecimalType:
        q = decimal.Decimal(1).scaleb(-dt.scale)

        def dec(v):
            if not isinstance(v, decimal.Decimal):
                return None
            r = v.quantize(q, rounding=decimal.ROUND_HALF_UP)
            if len(r.as_tuple().digits) > dt.precision and r != 0:
                raise ArithmeticError("Decimal precision %d exceeds max precision %d"
                                      % (len(r.as_tuple().digits), dt.precision))
            return r
        return dec
    if t is T.DateType:
        return lambda v: v if isinstance(v, int) and type(v) is not bool else None
    if t in (T.TimestampType, T.TimestampNTZType, T.DayTimeIntervalType):
        return lambda v: v if isinstance(v, int) and type(v) is not bool else None
    if t is T.NullType:
        return lambda v: None
    if t is T.ArrayType:
        elem = _converter(dt.elementType)

        def array(v):
            if not isinstance(v, (list, tuple)):
                return None
            return [None if x is None else elem(x) for x in v]
        return array
    if t is T.MapType:
        key, val = _converter(dt.keyType), _converter(dt.valueType)

        def mapping(v):
            if not isinstance(v, dict):
                return None
            return {key(k): None if x is None else val(x) for k, x in v.items()}
        return mapping
    if t is T.StructType:
        fields = [_converter(f.dataType) for f in dt.fields]
        n = len(fields)

        def struct(v):
            if not isinstance(v, (list, tuple)):
                return None
            if len(v) != n:
                raise ValueError("[STRUCT_ARRAY_LENGTH_MISMATCH] Input row doesn't have expected "
                                 "number of values required by the schema. %d fields are "
                                 "required while %d values are provided." % (n, len(v)))
            return tuple(None if x is None else c(x) for c, x in zip(fields, v))
        return struct
    return lambda v: None


_PACK = {T.ByteType: ("b", "<i1"), T.ShortType: ("h", "<i2"), T.IntegerType: ("i", "<i4"),
         T.LongType: ("q", "<i8")}


def _bulk(dt, values):
    """The common cases converted without Python work per value: every result already of the
    column's Python type (ints in range, floats, strings). None when the per-value rules apply.
    Integers are packed by struct, which checks each is an integer in range; a bool passes that
    check (bool is an int), so results equal to 0 or 1 are looked at one by one. Other objects
    with __index__ (numpy integers) count as their value; PySpark's pickler rejects them."""
    t = type(dt)
    n = len(values)
    if t in _PACK:
        code, np_code = _PACK[t]
        try:
            packed = struct.pack("<%d%s" % (n, code), *values)
        except (struct.error, TypeError, OverflowError):
            return None  # None, a non-integer or a value to wrap: the per-value rules
        import numpy as np
        arr = np.frombuffer(packed, dtype=np_code)
        small = np.flatnonzero((arr == 0) | (arr == 1))
        if len(small) and any(type(values[i]) is not int for i in small.tolist()):
            return None  # a bool among them: NULL for an integral type
        return Dense(arr)
    if t in (T.FloatType, T.DoubleType):
        if set(map(type, values)) != {float}:
            return None
        import numpy as np
        if t is T.DoubleType:
            return Dense(np.frombuffer(struct.pack("<%dd" % n, *values), dtype="<f8"))
        return Dense(np.fromiter(values, dtype=np.float64, count=n))
    if t is T.StringType and set(map(type, values)) <= {str, type(None)}:
        return values
    return None


# Return types whose results the C loop writes straight into the column (fastudf.c's kinds).
_DIRECT = {T.ByteType: ("b", "<i1"), T.ShortType: ("h", "<i2"), T.IntegerType: ("i", "<i4"),
           T.LongType: ("q", "<i8"), T.FloatType: ("f", "<f4"), T.DoubleType: ("d", "<f8")}


def _load_fastudf():
    """The C loop (src/pyworker/fastudf.c), or None (see _rdd_util.load_extension): pure Python
    does the same work without it; SPARKPP_FASTUDF=0 turns it off."""
    if os.environ.get("SPARKPP_FASTUDF", "1") == "0":
        return None
    from sparkpp._rdd_util import load_extension
    return load_extension("_fastudf")


_fastudf = False  # not looked up yet


def _fast_loop():
    global _fastudf
    if _fastudf is False:
        _fastudf = _load_fastudf()
    return _fastudf


def _result_converter(dt):
    """A UDF's raw return value -> the internal value stored (PySpark's worker applies
    toInternal first for types that need it, then the JVM's makeFromJava)."""
    conv = _converter(dt)
    if dt.needConversion():
        to_internal = dt.toInternal

        def convert(v):
            if v is None:
                return None
            if isinstance(dt, T.StructType) and isinstance(v, (list, tuple)) and \
                    not isinstance(v, T.Row) and len(v) != len(dt.fields):
                return conv(v)  # the length error, before toInternal's zip would hide it
            return conv(to_internal(v))
        return convert
    return lambda v: None if v is None else conv(v)


def _external(dt):
    """Internal argument values -> what a UDF receives."""
    if not dt.needConversion():
        return None
    from_internal = dt.fromInternal
    return lambda col: [None if v is None else from_internal(v) for v in col]


class UdfProgram:
    """One evaluation node's program: UDFs in order, arguments either input columns or earlier
    UDFs' raw results (chains pass Python values along, as PySpark's chained UDFs do)."""

    def __init__(self, program, funcs):
        self.eval_type = program.get("evalType", 100)
        self.keys = list(program.get("keys", ()))
        self.other_keys = list(program.get("otherKeys", ()))  # evalType 206: the right side's
        self.udfs = []
        for u in program["udfs"]:
            rt = T._parse_datatype_json_value(u["returnType"])
            self.udfs.append((funcs[u["funcId"]], [(("col", a["col"]) if "col" in a else
                                                     ("udf", a["udf"])) for a in u["args"]],
                              rt, _result_converter(rt)))
        self.bounds = [u.get("bounds") for u in program["udfs"]]  # evalType 203: frame columns
        self.outputs = list(program["outputs"])
        # Outputs no later UDF takes as an argument, of a numeric type: the C loop writes their
        # results into the column as it calls (no list of results kept), when it is there.
        used = {i for _, refs, _, _ in self.udfs for kind, i in refs if kind == "udf"}
        loop = _fast_loop() if self.eval_type == 100 else None
        self.direct = {k for k in self.outputs if loop is not None and k not in used and
                       type(self.udfs[k][2]) in _DIRECT}
        self.loop = loop
        self.schema = T.StructType([T.StructField("_%d" % i, self.udfs[k][2], True)
                                    for i, k in enumerate(self.outputs)])
        self.schema_json = None
        # Result batches as lists of parts (encode_parts), for the worker to copy into the
        # memory it shares with the executor without joining them first (sql/_shm.py).
        self.parts = False

    def run(self, blobs):
        """(result batch, rows) for the argument batches `blobs` (an iterator)."""
        if self.eval_type == 100:
            return (self.eval_batch(b) for b in blobs)
        from sparkpp.sql import _pandas_udf_eval as pe
        udfs = [(f, refs, rt) for f, refs, rt, _ in self.udfs]
        if self.eval_type == 200:
            return pe.run_scalar(udfs, self.outputs, self.schema, blobs, self.parts)
        if self.eval_type == 204:
            return pe.run_iterator(udfs[0], self.schema, blobs, self.parts)
        # mapInPandas / applyInPandas: the function's return type is the output schema
        if self.eval_type == 205:
            return pe.run_map_in_pandas(udfs[0][0], udfs[0][2], blobs, self.parts)
        if self.eval_type == 202:
            return pe.run_grouped_agg(udfs, self.keys, blobs)
        if self.eval_type == 206:
            return pe.run_cogrouped_map(udfs[0][0], udfs[0][2], self.keys,
                                        self.other_keys, blobs)
        if self.eval_type == 203:
            return pe.run_window_agg(udfs, self.bounds, self.schema, blobs)
        if self.eval_type == 201:
            return pe.run_grouped_map(udfs[0][0], udfs[0][2], self.keys, blobs)
        raise ValueError("unknown Python UDF evalType %r" % self.eval_type)

    def eval_batch(self, blob):
        # Numeric arguments without NULLs are memoryviews over the batch: the function's map
        # makes each int/float as it goes (as iterating a range would).
        schema, n, cols = decode_lazy_columns(blob)
        args = []
        for f, c in zip(schema.fields, cols):
            ext = _external(f.dataType)
            args.append(ext(c) if ext else c)
        raw = []
        for k, (f, refs, rt, convert) in enumerate(self.udfs):
            ins = [args[i] if kind == "col" else raw[i] for kind, i in refs]
            if k in self.direct and n:
                raw.append(self._direct(f, ins, n, rt, convert))
                continue
            raw.append(list(map(f, *ins)) if ins else [f() for _ in range(n)])
        out = []
        for k in self.outputs:
            vals = raw[k]
            if isinstance(vals, Dense):
                out.append(vals)
                continue
            fast = _bulk(self.udfs[k][2], vals) if vals else None
            if fast is None:
                convert = self.udfs[k][3]
                fast = [convert(v) for v in vals]
            out.append(fast)
        if self.schema_json is None:
            self.schema_json = self.schema.json().encode("utf-8")
        if self.parts:
            return encode_parts(self.schema, n, out, self.schema_json), n
        return encode_columns(self.schema, n, out, self.schema_json), n

    def _direct(self, f, ins, n, rt, convert):
        """f over the batch through the C loop: results already of the column's Python type are
        written as they come; the others (None, bool, wrong types, integers to wrap) go through
        the per-value rules afterwards."""
        import numpy as np
        code, np_code = _DIRECT[type(rt)]
        data = np.empty(n, np_code)
        rest = self.loop.call_into(f, ins, n, data, code)
        valid = None
        if rest:
            for i, r in rest:
                v = convert(r)
                if v is None:
                    if valid is None:
                        valid = np.ones(n, dtype=bool)
                    valid[i] = False
                    data[i] = 0
                else:
                    data[i] = v
        return Dense(data, valid)
