"""Result batches straight into pandas columns (toPandas, pandas UDF arguments, mapInPandas and
applyInPandas frames): fixed-width buffers are read with np.frombuffer (no copy), dates and
timestamps converted as whole arrays, strings decoded once per value with no row tuples built.
The dtypes are PySpark's non-Arrow toPandas ones (sql/_pandas.py): integral columns holding
NULLs become float64 with NaN, boolean ones object with None, timestamps datetime64[ns] in local
time, dates object of datetime.date; nested columns hold Rows, lists and dicts."""
import time

from sparkpp.sql import types as T
from sparkpp.sql._batch import _Reader, BatchFormatError, parse_batch, var_values

__all__ = ["batches_to_pandas", "columns_to_pandas"]

_NUMPY = {T.ByteType: "<i1", T.ShortType: "<i2", T.IntegerType: "<i4", T.LongType: "<i8",
          T.FloatType: "<f4", T.DoubleType: "<f8"}
# The dtype of a column without NULLs (and of an empty result).
_EMPTY = dict(_NUMPY)
_VAR = (T.StringType, T.BinaryType, T.CharType, T.VarcharType)
_EMPTY.update({T.BooleanType: "bool", T.TimestampType: "datetime64[ns]",
               T.TimestampNTZType: "datetime64[ns]", T.DayTimeIntervalType: "timedelta64[ns]"})


def _local_is_utc():
    return time.timezone == 0 and (not time.daylight or time.altzone == 0)


def _utc_micros_to_local(micros):
    """UTC microseconds -> naive local datetime64[ns] (what Row values of TimestampType hold)."""
    import numpy as np
    utc = micros.astype("datetime64[us]").astype("datetime64[ns]")
    if _local_is_utc():
        return utc
    import pandas as pd
    from dateutil import tz
    local = pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(tz.tzlocal()).tz_localize(None)
    return np.asarray(local, dtype="datetime64[ns]")


class _NumpyReader(_Reader):
    """Top-level columns as numpy arrays; nested ones through the row reader's code."""

    def _validity(self):
        """(rows, boolean array of valid rows or None: no NULLs) of the next column."""
        import numpy as np
        n, nulls = self.node()
        vb = self.validity(n)
        if vb and nulls:
            return n, np.unpackbits(np.frombuffer(vb, np.uint8, (n + 7) // 8),
                                    bitorder="little")[:n].astype(bool)
        return n, None

    def array(self, dt):
        import numpy as np
        t = type(dt)
        if t in _VAR:  # one object per value, made in bulk; NULLs put in by numpy
            n, valid = self._validity()
            vals = var_values(self._offsets(n), self.buf(), t is T.BinaryType)
            out = np.empty(n, dtype=object)
            out[:] = vals
            if valid is not None:
                out[~valid] = None
            return out
        if t not in _EMPTY and t is not T.DateType:
            vals = self.column(dt)  # strings, decimals, binary, nested: one object per value
            if dt.needConversion():
                vals = [None if v is None else dt.fromInternal(v) for v in vals]
            out = np.empty(len(vals), dtype=object)
            out[:] = vals
            return out
        n, valid = self._validity()
        b = self.buf()
        if t is T.BooleanType:
            if len(b) < (n + 7) // 8:
                raise BatchFormatError("values buffer too short")
            vals = np.unpackbits(np.frombuffer(b, np.uint8, (n + 7) // 8),
                                 bitorder="little")[:n].astype(bool)
            if valid is None:
                return vals
            out = vals.astype(object)
            out[~valid] = None
            return out
        width = 4 if t is T.DateType else np.dtype(_EMPTY[t]).itemsize
        code = {T.DateType: "<i4", T.TimestampType: "<i8", T.TimestampNTZType: "<i8",
                T.DayTimeIntervalType: "<i8"}.get(t) or _NUMPY[t]
        if len(b) < n * width:
            raise BatchFormatError("values buffer too short")
        vals = np.frombuffer(b, dtype=code, count=n)
        if t is T.DateType:
            out = vals.astype("datetime64[D]").astype(object)  # datetime.date objects
            if valid is not None:
                out[~valid] = None
            return out
        if t is T.TimestampType:
            vals = _utc_micros_to_local(vals)
        elif t is T.TimestampNTZType:
            vals = vals.astype("datetime64[us]").astype("datetime64[ns]")
        elif t is T.DayTimeIntervalType:
            vals = vals.astype("timedelta64[us]").astype("timedelta64[ns]")
        if valid is None:
            return vals
        if vals.dtype.kind in "mM":
            vals = vals.copy()
            vals[~valid] = np.datetime64("NaT") if vals.dtype.kind == "M" else \
                np.timedelta64("NaT")
            return vals
        wide = vals.dtype if vals.dtype.kind == "f" else np.dtype("float64")
        return np.where(valid, vals.astype(wide), np.nan).astype(wide)


def columns_to_pandas(schema, parts):
    """A pandas DataFrame from per-field lists of arrays (one array per batch)."""
    import numpy as np
    import pandas as pd
    arrays = []
    for f, chunks in zip(schema.fields, parts):
        if not chunks:
            arrays.append(np.array([], dtype=_EMPTY.get(type(f.dataType), object)))
        elif len(chunks) == 1:
            arrays.append(chunks[0])
        else:  # numpy promotes: ints + floats (NULLs in some batch) -> float64, bool + object
            arrays.append(np.concatenate(chunks))
    names = schema.names
    if len(set(names)) == len(names):  # keyed by name at once: renaming costs ~50 us a frame
        return pd.DataFrame(dict(zip(names, arrays)), copy=False)
    pdf = pd.DataFrame({str(i): a for i, a in enumerate(arrays)}, copy=False)
    pdf.columns = names  # by position: names may repeat
    return pdf


def batches_to_pandas(data, schema):
    """A pandas DataFrame of `schema` from a stream of batches (bytes or a list of blobs)."""
    blobs = [data] if isinstance(data, (bytes, bytearray, memoryview)) else data
    parts = [[] for _ in schema.fields]
    for blob in blobs:
        view, pos = memoryview(blob), 0
        while pos < len(view):
            bschema, n, nodes, spans, body, pos = parse_batch(view, pos)
            if len(bschema.fields) != len(schema.fields):
                raise BatchFormatError("batch has %d columns, expected %d"
                                       % (len(bschema.fields), len(schema.fields)))
            r = _NumpyReader(nodes, spans, body)
            for i, f in enumerate(bschema.fields):
                a = r.array(f.dataType)
                if len(a) != n:
                    raise BatchFormatError("column %d disagrees with num_rows" % i)
                parts[i].append(a)
    return columns_to_pandas(schema, parts)
