"""Result batches straight into numpy/pandas columns (toPandas without per-row work for
fixed-width columns): the SPB1 buffers are read with np.frombuffer, nulls become NaN/None
exactly as PySpark's non-Arrow toPandas corrects dtypes (sql/_pandas.py)."""
import struct

from sparkpp.sql import types as T
from sparkpp.sql._batch import _HEADER, _pad8, BatchFormatError, decode_batches

__all__ = ["batches_to_pandas"]

_NUMPY = {T.ByteType: "<i1", T.ShortType: "<i2", T.IntegerType: "<i4", T.LongType: "<i8",
          T.FloatType: "<f4", T.DoubleType: "<f8"}


def _top_level_spans(data, pos):
    """(schema, num_rows, [(node, [buffer spans])] per top-level field, body, next pos) when
    every top-level field is flat (numeric); None when some field needs the row decoder."""
    (_, _, flags, num_rows, schema_len, n_nodes, n_buffers, _, body_len,
     stored_len) = _HEADER.unpack_from(data, pos)
    p = pos + _HEADER.size
    schema = T._parse_datatype_json_string(bytes(data[p:p + schema_len]).decode("utf-8"))
    p += _pad8(schema_len)
    nodes = [struct.unpack_from("<qq", data, p + 16 * i) for i in range(n_nodes)]
    p += 16 * n_nodes
    spans = [struct.unpack_from("<QQ", data, p + 16 * i) for i in range(n_buffers)]
    p += 16 * n_buffers
    if flags or stored_len != body_len or n_nodes != len(schema.fields) or \
            n_buffers != 2 * n_nodes or not all(type(f.dataType) in _NUMPY
                                                 for f in schema.fields):
        return None
    fields = [(nodes[i], spans[2 * i:2 * i + 2]) for i in range(n_nodes)]
    return schema, num_rows, fields, p, p + _pad8(stored_len)


def batches_to_pandas(data, schema):
    """A pandas DataFrame from a stream of batches; numeric-only streams never build rows."""
    import numpy as np
    import pandas as pd
    from sparkpp.sql._pandas import to_pandas
    view = memoryview(bytes(data))
    columns = [[] for _ in schema.fields]
    pos = 0
    while pos < len(view):
        parsed = _top_level_spans(view, pos) if len(view) - pos >= _HEADER.size else None
        if parsed is None or parsed[0] != schema:  # nested/strings/dates: the row decoder
            rows = [schema.fromInternal(r) for _, b in decode_batches(bytes(view))
                    for r in b]
            return to_pandas(rows, schema)
        _, n, fields, body_at, pos = parsed
        for i, ((length, nulls), ((voff, vlen), (off, blen))) in enumerate(fields):
            dtype = np.dtype(_NUMPY[type(schema.fields[i].dataType)])
            if length != n or blen < n * dtype.itemsize or (vlen and vlen < (n + 7) // 8):
                raise BatchFormatError("column %d disagrees with num_rows" % i)
            values = np.frombuffer(view, dtype=dtype, count=n, offset=body_at + off)
            if nulls:  # integral with nulls -> float64 NaN; float keeps its width
                valid = np.unpackbits(np.frombuffer(view, np.uint8, (n + 7) // 8,
                                                    body_at + voff),
                                      bitorder="little")[:n].astype(bool)
                wide = values.dtype if values.dtype.kind == "f" else np.dtype("float64")
                values = np.where(valid, values.astype(wide), np.nan).astype(wide)
            columns[i].append(values)
    arrays = []
    for f, parts in zip(schema.fields, columns):
        if any(p.dtype.kind == "f" for p in parts) and f.dataType.typeName() not in ("float",
                                                                                    "double"):
            parts = [p.astype("float64") for p in parts]  # nulls in some batch only
        arrays.append(np.concatenate(parts) if parts
                      else np.array([], dtype=_NUMPY[type(f.dataType)]))
    pdf = pd.DataFrame({str(i): a for i, a in enumerate(arrays)})
    pdf.columns = schema.names  # by position: names may repeat
    return pdf
