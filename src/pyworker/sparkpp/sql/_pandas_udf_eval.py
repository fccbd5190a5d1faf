"""The Python worker's pandas UDF evaluation (issue 16): argument batches become pandas Series
(numeric columns straight from the batch buffers, see _batch_numpy.py), the user's function runs
once per batch (SQL_SCALAR_PANDAS_UDF) or over an iterator of batches
(SQL_SCALAR_PANDAS_ITER_UDF), and results are cast to the declared type as Arrow's conversion
from pandas does: NaN and None are null, whole floats fit integer columns, a fractional one is
an error, strings must be strings."""
import datetime
import decimal
import math
import struct

from sparkpp.sql import types as T
from sparkpp.sql._batch import (BatchFormatError, Dense, batch_schema, decode_columns,
                                encode_columns, encode_parts, parse_batch)
from sparkpp.sql._batch_numpy import _NumpyReader, batches_to_pandas

__all__ = ["series_of_batch", "column_from_pandas", "LENGTH_MISMATCH"]

LENGTH_MISMATCH = "Result vector from pandas_udf was not the required length: expected %d, got %d."


_series_fast = None  # pandas 1.x: Series(ndarray, index, name, fastpath=True)
_last_index = [None]  # the RangeIndex of the last batch: every full batch has the same length


def _new_series():
    """A Series maker over a 1-D numpy array (no copy): pandas 1.x's internal fast path (what
    pandas itself uses for results it has checked: ~2.5 us instead of ~12 us per Series, which
    1,000 batches a query pay per argument), else the public constructor."""
    global _series_fast
    if _series_fast is None:
        import pandas as pd
        if int(pd.__version__.split(".")[0]) == 1:
            def fast(a, index, name):
                if a.dtype.kind in "biuf" and a.ndim == 1 and len(a) == len(index):
                    return pd.Series(a, index=index, name=name, fastpath=True)
                return pd.Series(a, index=index, name=name, copy=False)
            _series_fast = fast
        else:
            _series_fast = lambda a, index, name: pd.Series(a, index=index, name=name, copy=False)  # noqa: E731
    return _series_fast


# The bytes before the body of a batch whose columns are all numeric without NULLs -> (rows,
# [(name, numpy type code, offset of its values in the batch)]). Every argument batch of a task
# but the last has the same header, nodes and buffer spans, so once one was checked the others
# need only that prefix compared and their length checked.
_LAYOUTS = {}
_HEAD = struct.Struct("<4sHHqIIIIQQ")
_CODES = {T.ByteType: "<i1", T.ShortType: "<i2", T.IntegerType: "<i4", T.LongType: "<i8",
          T.FloatType: "<f4", T.DoubleType: "<f8"}


def _prefix_len(view):
    """The length of an SPB1 batch's bytes before its body (header, schema, nodes, spans) and its
    body's, or (0, 0) when the header is not there."""
    if len(view) < _HEAD.size:
        return 0, 0
    _, _, _, _, schema_len, n_nodes, n_buffers, _, _, stored = _HEAD.unpack_from(view, 0)
    return _HEAD.size + ((schema_len + 7) & ~7) + 16 * (n_nodes + n_buffers), stored


def _index(n):
    index = _last_index[0]
    if index is None or len(index) != n or index.name is not None:  # a function named it
        import pandas as pd
        index = _last_index[0] = pd.RangeIndex(n)
    return index


def series_of_batch(blob, struct_frames=False):
    """(number of rows, one pandas Series per column) of an SPB1 batch: numeric columns are
    views of the batch's buffers (no copy), all sharing one RangeIndex (kept from one batch to
    the next of the same length: RangeIndex is immutable); no DataFrame is built.
    struct_frames (scalar pandas UDFs): a struct column is a pandas DataFrame of its fields, as
    PySpark hands struct arguments to them."""
    view = memoryview(blob)
    plen, stored = _prefix_len(view)
    key = bytes(view[:plen]) if plen and plen + stored <= len(view) else None
    layout = _LAYOUTS.get(key) if key is not None else None
    if layout is not None:  # the same prefix as a batch decoded before: only the values differ
        import numpy as np
        n, cols = layout
        index = _index(n)
        series = _series_fast or _new_series()
        return n, [series(np.frombuffer(view, code, n, off), index, name) for name, code, off in cols]
    schema, n, nodes, spans, body, _ = parse_batch(view, 0)
    if key is not None and n and all(type(f.dataType) in _CODES for f in schema.fields) and \
            len(nodes) == len(schema.fields) and all(nulls == 0 for _, nulls in nodes) and \
            len(spans) == 2 * len(nodes) and all(length == n for length, _ in nodes) and \
            all(spans[2 * i + 1][1] >= n * int(_CODES[type(f.dataType)][2])
                for i, f in enumerate(schema.fields)):
        layout = (n, [(f.name, _CODES[type(f.dataType)], plen + spans[2 * i + 1][0])
                      for i, f in enumerate(schema.fields)])
    r = _NumpyReader(nodes, spans, body)
    index = _index(n)
    series = _series_fast or _new_series()
    out = []
    for f in schema.fields:
        if struct_frames and isinstance(f.dataType, T.StructType):
            out.append(_struct_frame(r, f.dataType, n, index))
            continue
        a = r.array(f.dataType)
        if len(a) != n:
            raise BatchFormatError("column %s disagrees with num_rows" % f.name)
        out.append(series(a, index, f.name))
    if layout is not None:  # decoded and checked: batches with this prefix take the short way
        if len(_LAYOUTS) >= 64:
            _LAYOUTS.clear()
        _LAYOUTS[key] = layout
    return n, out


def _struct_frame(r, dt, n, index):
    """A struct column as a DataFrame of its fields (a NULL struct: NULL in every field)."""
    import numpy as np
    import pandas as pd
    try:
        length, nulls = next(r.nodes)
    except StopIteration:
        raise BatchFormatError("fewer nodes than the schema needs") from None
    vb = r.buf()
    if length != n or (vb and len(vb) < (n + 7) // 8):
        raise BatchFormatError("struct column disagrees with num_rows")
    valid = None
    if vb and nulls:
        valid = np.unpackbits(np.frombuffer(vb, np.uint8, (n + 7) // 8),
                              bitorder="little")[:n].astype(bool)
    cols = {}
    for f in dt.fields:
        a = r.array(f.dataType)
        if len(a) != n:
            raise BatchFormatError("struct field %s disagrees with num_rows" % f.name)
        if valid is not None:
            a = np.where(valid, a, np.nan) if a.dtype.kind == "f" else \
                np.where(valid, a.astype(object), None)
        cols[f.name] = a
    pdf = pd.DataFrame(cols, index=index, copy=False)
    pdf.columns = dt.names  # by position: names may repeat
    return pdf


def _is_null(v):
    if v is None:
        return True
    try:
        import pandas as pd
        if v is pd.NaT or v is pd.NA:
            return True
    except ImportError:
        pass
    return isinstance(v, float) and math.isnan(v)


def _plain(v):
    """numpy / pandas scalars as Python values."""
    if hasattr(v, "to_pydatetime"):
        return v.to_pydatetime()
    if hasattr(v, "item") and type(v).__module__ == "numpy":
        return v.item()
    if hasattr(v, "tolist") and type(v).__module__ == "numpy":
        return v.tolist()
    return v


def _cast(dt):
    """plain value -> internal value of `dt` (None stays None), as Arrow casts from pandas."""
    t = type(dt)
    if isinstance(dt, T.IntegralType):
        bits = {T.ByteType: 8, T.ShortType: 16, T.IntegerType: 32, T.LongType: 64}[t]

        def integral(v):
            if isinstance(v, float):
                if not v.is_integer():
                    raise ValueError("Float value %r was truncated converting to %s"
                                     % (v, dt.simpleString()))
                v = int(v)
            if not isinstance(v, int):
                raise TypeError("Expected an integer for %s, got %s" % (dt.simpleString(),
                                                                       type(v).__name__))
            if not -(1 << (bits - 1)) <= v < (1 << (bits - 1)):
                raise OverflowError("Integer value %d out of range for %s" % (v, dt.simpleString()))
            return int(v)
        return integral
    if t in (T.FloatType, T.DoubleType):
        def floating(v):
            if not isinstance(v, (int, float)):
                raise TypeError("Expected a number for %s, got %s" % (dt.simpleString(),
                                                                     type(v).__name__))
            return float(v)
        return floating
    if t is T.BooleanType:
        return bool
    if t in (T.StringType, T.CharType, T.VarcharType):
        def string(v):
            if not isinstance(v, str):
                raise TypeError("Expected bytes, got a '%s' object" % type(v).__name__)
            return v
        return string
    if t is T.BinaryType:
        return lambda v: v.encode("utf-8") if isinstance(v, str) else bytes(v)
    if t is T.DecimalType:
        q = decimal.Decimal(1).scaleb(-dt.scale)
        return lambda v: decimal.Decimal(v).quantize(q, rounding=decimal.ROUND_HALF_UP)
    if t is T.DateType:
        def date(v):
            if isinstance(v, datetime.datetime):
                v = v.date()
            return dt.toInternal(v)
        return date
    if t in (T.TimestampType, T.TimestampNTZType):
        return dt.toInternal
    if t is T.ArrayType:
        elem = _cast(dt.elementType)
        return lambda v: [None if _is_null(x) else elem(_plain(x)) for x in v]
    if t is T.MapType:
        key, val = _cast(dt.keyType), _cast(dt.valueType)
        return lambda v: {key(_plain(k)): None if _is_null(x) else val(_plain(x)) for k, x in v.items()}
    if t is T.StructType:
        fields = [(f.name, _cast(f.dataType)) for f in dt.fields]

        def struct(v):
            if isinstance(v, dict):
                v = [v.get(name) for name, _ in fields]
            return tuple(None if _is_null(x) else c(_plain(x)) for (_, c), x in zip(fields, v))
        return struct
    return lambda v: None


def _dense(result, dt, n):
    """A numeric result for a numeric type straight from its numpy array (NaN = NULL), or
    None when it needs the per-value path."""
    if not isinstance(dt, (T.IntegralType, T.FloatType, T.DoubleType)) or not hasattr(result, "dtype"):
        return None
    import numpy as np
    arr = result.to_numpy() if hasattr(result, "to_numpy") else np.asarray(result)
    if arr.ndim != 1 or arr.dtype.kind not in "iuf":
        return None
    if n >= 0 and len(arr) != n:
        raise RuntimeError(LENGTH_MISMATCH % (n, len(arr)))
    if arr.dtype.kind != "f":
        return Dense(arr)
    valid = ~np.isnan(arr)
    if isinstance(dt, T.IntegralType):
        whole = arr[valid]
        if (whole != np.floor(whole)).any():
            bad = whole[whole != np.floor(whole)][0]
            raise ValueError("Float value %r was truncated converting to %s" % (float(bad), dt.simpleString()))
        arr = np.where(valid, arr, 0)
    return Dense(arr, None if valid.all() else valid)


def column_from_pandas(result, dt, n):
    """A UDF's result (Series, array, list; a DataFrame for a struct type) as a column of
    internal values of `dt`, checked to hold `n` rows (n < 0: any)."""
    dense = _dense(result, dt, n)
    if dense is not None:
        return dense
    if isinstance(dt, T.StructType) and type(result).__name__ == "DataFrame":
        cols = [result[f.name] if f.name in result.columns else result.iloc[:, i]
                for i, f in enumerate(dt.fields)]
        values = [dict(zip(dt.names, row)) for row in zip(*[c.tolist() for c in cols])]
    elif hasattr(result, "tolist"):
        values = result.tolist()
    elif isinstance(result, (list, tuple)):
        values = list(result)
    else:
        raise TypeError("Return type of the user-defined function should be pandas.Series, "
                        "but is %s." % type(result).__name__)
    if n >= 0 and len(values) != n:
        raise RuntimeError(LENGTH_MISMATCH % (n, len(values)))
    cast = _cast(dt)
    return [None if _is_null(v) else cast(_plain(v)) for v in values]


def run_scalar(udfs, outputs, schema, blobs, parts=False):
    """SQL_SCALAR_PANDAS_UDF: one call per UDF per batch; chains pass Series along. parts: each
    result batch as a list of parts (encode_parts) instead of bytes."""
    import pandas as pd
    schema_json = schema.json().encode("utf-8")
    for blob in blobs:
        n, args = series_of_batch(blob, struct_frames=True)
        raw = []
        for f, refs, rt in udfs:
            ins = [args[i] if kind == "col" else raw[i] for kind, i in refs]
            r = f(*ins)
            if not isinstance(r, (pd.Series, pd.DataFrame)):
                raise TypeError("Return type of the user-defined function should be "
                                "pandas.Series, but is %s." % type(r).__name__)
            if len(r) != n:
                raise RuntimeError(LENGTH_MISMATCH % (n, len(r)))
            raw.append(r)
        cols = [column_from_pandas(raw[k], udfs[k][2], n) for k in outputs]
        yield (encode_parts if parts else encode_columns)(schema, n, cols, schema_json), n


def run_iterator(udf, schema, blobs, parts=False):
    """SQL_SCALAR_PANDAS_ITER_UDF: the function maps an iterator of argument Series (or of
    tuples of them) to an iterator of result Series; the lengths must add up. parts: each
    result batch as a list of parts (encode_parts) instead of bytes."""
    f, refs, rt = udf
    encode = encode_parts if parts else encode_columns
    schema_json = schema.json().encode("utf-8")
    seen = [0]

    def inputs():
        for blob in blobs:
            n, args = series_of_batch(blob, struct_frames=True)
            seen[0] += n
            cols = [args[i] for _, i in refs]
            yield cols[0] if len(cols) == 1 else tuple(cols)

    produced = 0
    for r in f(inputs()):
        col = column_from_pandas(r, rt, -1)
        produced += len(col)
        if produced > seen[0]:
            raise RuntimeError("The length of output in Scalar iterator pandas UDF should be "
                               "the same with the input's; however, the length of output was "
                               "%d and the length of input was %d." % (produced, seen[0]))
        yield encode(schema, len(col), [col], schema_json), len(col)
    for blob in blobs:  # the function stopped early: the rest of the input still counts
        seen[0] += decode_columns(blob)[1]
    if produced != seen[0]:
        raise RuntimeError("The length of output in Scalar iterator pandas UDF should be the "
                           "same with the input's; however, the length of output was %d and the "
                           "length of input was %d." % (produced, seen[0]))


def _frame_of_batch(blob):
    schema, n, cols = decode_columns(blob)
    return schema, cols, batches_to_pandas(blob, schema)


def _batch_of_frame(pdf, schema, what, encode=encode_columns, schema_json=None):
    """A returned pandas DataFrame as a batch of `schema`: columns by name when every label is a
    string naming a field, else by position (as PySpark assigns them). encode: encode_columns,
    or encode_parts for the batch as a list of parts."""
    import pandas as pd
    if not isinstance(pdf, pd.DataFrame):
        raise TypeError("Return type of the user-defined function should be pandas.DataFrame, "
                        "but is %s." % type(pdf).__name__)
    n = len(pdf)
    if n == 0 and len(pdf.columns) == 0:
        return encode(schema, 0, [[] for _ in schema.fields], schema_json), 0
    labels = list(pdf.columns)
    if all(isinstance(c, str) for c in labels) and set(schema.names) <= set(labels):
        series = [pdf[name] for name in schema.names]
    else:
        if len(labels) != len(schema.fields):
            raise RuntimeError("Number of columns of the returned pandas.DataFrame doesn't match "
                               "specified schema. Expected: %d Actual: %d" % (len(schema.fields),
                                                                            len(labels)))
        series = [pdf.iloc[:, i] for i in range(len(labels))]
    cols = [column_from_pandas(s, f.dataType, n) for s, f in zip(series, schema.fields)]
    return encode(schema, n, cols, schema_json), n


def run_map_in_pandas(f, schema, blobs, parts=False):
    """SQL_MAP_PANDAS_ITER_UDF (mapInPandas): an iterator of DataFrames in, of DataFrames out.
    parts: each result batch as a list of parts (encode_parts) instead of bytes."""
    frames = (batches_to_pandas(b, batch_schema(b)[0]) for b in blobs)
    encode = encode_parts if parts else encode_columns
    schema_json = schema.json().encode("utf-8")
    for pdf in f(frames):
        yield _batch_of_frame(pdf, schema, "mapInPandas", encode, schema_json)


def _takes(f, n):
    import inspect
    try:
        return len(inspect.signature(f).parameters) == n
    except (TypeError, ValueError):
        return False


def _key_of(pdf, keys):
    """The grouping key of a group's frame as PySpark passes it: a tuple of its first row's
    values (numpy scalars as Python ones, NaN of a NULL key as None)."""
    return tuple(None if _is_null(v) else _plain(v) for v in (pdf.iloc[0, k] for k in keys))


def run_grouped_map(f, schema, keys, blobs):
    """SQL_GROUPED_MAP_PANDAS_UDF (applyInPandas): one call per group, f(pdf) or f(key, pdf)."""
    with_key = _takes(f, 2)
    for blob in blobs:
        pdf = batches_to_pandas(blob, batch_schema(blob)[0])
        out = f(_key_of(pdf, keys), pdf) if with_key else f(pdf)
        yield _batch_of_frame(out, schema, "applyInPandas")


def run_cogrouped_map(f, schema, keys, other_keys, blobs):
    """SQL_COGROUPED_MAP_PANDAS_UDF (cogroup().applyInPandas): the batches come in pairs, the
    left and the right side of one key (one of them may have no rows); f(left, right) or
    f(key, left, right)."""
    with_key = _takes(f, 3)
    blobs = iter(blobs)
    for left_blob in blobs:
        right_blob = next(blobs, None)
        if right_blob is None:
            raise ValueError("a cogroup's right side is missing")
        left = batches_to_pandas(left_blob, batch_schema(left_blob)[0])
        right = batches_to_pandas(right_blob, batch_schema(right_blob)[0])
        if with_key:
            key = _key_of(left, keys) if len(left) else _key_of(right, other_keys)
            out = f(key, left, right)
        else:
            out = f(left, right)
        yield _batch_of_frame(out, schema, "cogroup.applyInPandas")


def run_grouped_agg(udfs, keys, blobs):
    """SQL_GROUPED_AGG_PANDAS_UDF (groupBy().agg(pandas aggregates)): per group (one batch) one
    row — the keys' values, then each function of its argument Series (a scalar)."""
    for blob in blobs:
        in_schema, cols, pdf = _frame_of_batch(blob)
        series = [pdf.iloc[:, i] for i in range(len(in_schema.fields))]
        row = [cols[k][0] if cols[k] else None for k in keys]
        for f, refs, rt in udfs:
            row.append(_scalar_result(f, [series[i] for _, i in refs], rt))
        schema = T.StructType([in_schema.fields[k] for k in keys] +
                              [T.StructField("_%d" % i, u[2], True) for i, u in enumerate(udfs)])
        yield encode_columns(schema, 1, [[v] for v in row]), 1


def _scalar_result(f, args, rt):
    """A grouped aggregate's result for one group: a scalar of `rt` (internal value)."""
    r = _plain(f(*args))
    if hasattr(r, "__len__") and not isinstance(r, (str, bytes, dict, tuple)) and \
            not isinstance(rt, (T.ArrayType, T.StructType)):
        raise TypeError("Return type of the user-defined function should be a scalar, "
                        "but is %s." % type(r).__name__)
    return None if _is_null(r) else _cast(rt)(r)


def run_window_agg(udfs, bounds, schema, blobs):
    """SQL_WINDOW_AGG_PANDAS_UDF (a group aggregate pandas UDF over a window): each batch holds
    every UDF's argument columns and its rows' frames [lo, hi) as two columns; each row gets
    f(args[lo:hi]). Rows sharing a frame (a whole partition, a peer group) share one call."""
    for blob in blobs:
        n, series = series_of_batch(blob)
        out = []
        for (f, refs, rt), (lo_col, hi_col) in zip(udfs, bounds):
            lo, hi = series[lo_col].to_numpy(), series[hi_col].to_numpy()
            args = [series[i] for _, i in refs]
            vals, last, prev = [], None, None
            for a, b in zip(lo.tolist(), hi.tolist()):
                if (a, b) != last:
                    prev = _scalar_result(f, [s.iloc[a:b] for s in args], rt)
                    last = (a, b)
                vals.append(prev)
            out.append(vals)
        yield encode_columns(schema, n, out), n
