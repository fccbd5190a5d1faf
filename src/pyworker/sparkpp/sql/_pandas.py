"""pandas <-> rows for createDataFrame(pandas_df) and toPandas() (PySpark's non-Arrow path)."""
from sparkpp.sql import types as T

__all__ = ["to_pandas", "pandas_to_records"]


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
