"""pandas <-> rows for createDataFrame(pandas_df) and toPandas() (PySpark's non-Arrow path)."""
from sparkpp.sql import types as T

__all__ = ["to_pandas", "pandas_to_records", "pandas_to_batches"]


def _is_pandas(data):
    mod = type(data).__module__ or ""
    return mod.startswith("pandas.") and type(data).__name__ == "DataFrame"


def _py(v):
    """A pandas/numpy cell as the plain Python value Spark's inference expects."""
    import pandas as pd
    if v is None:
        return None
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.to_pydatetime()
    if isinstance(v, pd.Timedelta):
        return v.to_pytimedelta()
    if v is pd.NaT or v is pd.NA:
        return None
    if hasattr(v, "item") and type(v).__module__ == "numpy":
        return v.item()
    return v


def _fast_column(series, prefer_ntz):
    """(Spark type, Dense or list of values) of a pandas column whose type PySpark's non-Arrow
    inference gives without looking at values (`to_records().tolist()` then _infer_type: every
    integer dtype -> bigint, floats -> double with NaN kept, bool -> boolean, datetime64 ->
    timestamp), or of an object column of strings; None: the row path decides."""
    import numpy as np
    from sparkpp.sql._batch import Dense
    from sparkpp.sql._batch_numpy import _local_is_utc
    dtype = series.dtype
    kind = getattr(dtype, "kind", None)
    if not isinstance(dtype, np.dtype) and not str(dtype).startswith("datetime64["):
        return None  # extension dtypes (Int64, string, category): per-value rules
    if kind in "iu" and (kind == "i" or dtype.itemsize < 8):
        return T.LongType(), Dense(series.to_numpy().astype("<i8", copy=False))
    if kind == "f":
        return T.DoubleType(), Dense(series.to_numpy().astype("<f8", copy=False))
    if kind == "b":
        return T.BooleanType(), Dense(series.to_numpy())
    if kind == "m":
        ns = series.to_numpy().astype("timedelta64[ns]")
        valid = ~np.isnat(ns)
        return T.DayTimeIntervalType(), Dense(np.where(valid, ns.view("<i8") // 1000, 0),
                                              None if valid.all() else valid)
    if kind == "M" or str(dtype).startswith("datetime64["):
        tz = getattr(dtype, "tz", None)
        if tz is None and prefer_ntz:
            utc, dt = series, T.TimestampNTZType()
        elif tz is None:  # naive values are local wall-clock times, as Row values
            utc, dt = series, T.TimestampType()
            if not _local_is_utc():
                from dateutil import tz as dtz
                utc = series.dt.tz_localize(dtz.tzlocal(), ambiguous=False,
                                            nonexistent="shift_forward").dt.tz_convert("UTC")
        else:
            utc, dt = series.dt.tz_convert("UTC"), T.TimestampType()
        ns = utc.to_numpy(dtype="datetime64[ns]") if getattr(utc.dtype, "tz", None) is None \
            else utc.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
        valid = ~np.isnat(ns)
        return dt, Dense(np.where(valid, ns.view("<i8") // 1000, 0),
                         None if valid.all() else valid)
    if kind == "O":
        values = series.tolist()
        kinds = set(map(type, values))
        kinds.discard(type(None))
        if kinds == {str}:
            return T.StringType(), values
    return None


def pandas_to_batches(pdf, prefer_ntz=False):
    """(StructType, SPB1 batches as a list of parts: fixed-width columns are views of the
    frame's arrays, not copies) of a pandas DataFrame without building rows, when every
    column is of a kind _fast_column knows; None otherwise (the row path)."""
    from sparkpp.sql._batch import ROWS_PER_BATCH, Dense, encode_parts
    cols = []
    for i in range(pdf.shape[1]):
        c = _fast_column(pdf.iloc[:, i], prefer_ntz)
        if c is None:
            return None
        cols.append(c)
    schema = T.StructType([T.StructField(str(name), dt, True)
                           for name, (dt, _) in zip(pdf.columns, cols)])
    n, step = len(pdf), ROWS_PER_BATCH * 16  # fixed-width slices are cheap: bigger batches
    out = []
    schema_json = schema.json().encode("utf-8")
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        out += encode_parts(schema, hi - lo, [
            Dense(v.data[lo:hi], None if v.valid is None else v.valid[lo:hi])
            if isinstance(v, Dense) else v[lo:hi] for _, v in cols], schema_json)
    return schema, out or None


def pandas_to_records(pdf):
    """(list of tuples, column names) from a pandas DataFrame."""
    names = [str(c) for c in pdf.columns]
    cols = [[_py(v) for v in pdf[c].tolist()] for c in pdf.columns]
    return [tuple(col[i] for col in cols) for i in range(len(pdf))], names


_PANDAS_DTYPES = {T.ByteType: "int8", T.ShortType: "int16", T.IntegerType: "int32",
                  T.LongType: "int64", T.FloatType: "float32", T.DoubleType: "float64",
                  T.BooleanType: "bool", T.TimestampType: "datetime64[ns]",
                  T.TimestampNTZType: "datetime64[ns]", T.DayTimeIntervalType: "timedelta64[ns]"}


def to_pandas(rows, schema):
    """toPandas() without Arrow: records, then Spark's corrected dtypes per column (a nullable
    integral column holding nulls becomes float64, a boolean one object)."""
    import pandas as pd
    pdf = pd.DataFrame.from_records(rows, columns=schema.names)
    for i, f in enumerate(schema.fields):
        dtype = _PANDAS_DTYPES.get(type(f.dataType))
        if dtype is None:
            continue
        series = pdf.iloc[:, i]
        has_null = series.isnull().any()
        if has_null and isinstance(f.dataType, T.IntegralType):
            dtype = "float64"
        elif has_null and isinstance(f.dataType, T.BooleanType):
            dtype = object
        pdf.isetitem(i, series.astype(dtype, copy=False))  # by position: names may repeat
    return pdf
