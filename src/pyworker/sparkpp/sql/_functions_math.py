"""pyspark.sql.functions, continued: the math, aggregate, date/time and interval functions of
issue 14 that functions.py does not define (positive/negative, bit functions, width_bucket,
product, bit_and/bit_or/bit_xor, histogram_numeric, count_min_sketch, the bitmap functions, the nulls-first/last sort
functions, day, try_to_timestamp, to_timestamp_ltz/ntz, curdate, current_database/schema/catalog/user,
user, call_function, the deprecated toDegrees/toRadians/bitwiseNOT/approxCountDistinct, convert_timezone, make_dt_interval, make_interval, make_ym_interval, make_timestamp_ltz/ntz,
window). Each builds an unresolvedFunction the C++ analyzer resolves; bound into
sparkpp.sql.functions (and its __all__) at the end of that module."""
import decimal

from sparkpp.errors import PySparkTypeError
from sparkpp.sql import _proto as P
from sparkpp.sql.column import Column, _col_expr
from sparkpp.sql.functions import _invoke, _public

EXPORTED = []


def _export(f):
    EXPORTED.append(f.__name__)
    return _public(f)


def _c(x):
    return _col_expr(x)


def _lit_or_col(x):
    """A Column or a column name as a column; any other Python value as a literal."""
    if isinstance(x, (Column, str)):
        return _col_expr(x)
    return P.lit(x)


# ------------------------------------------------------------------------------ arithmetic

@_export
def positive(col):
    """The value itself (UnaryPositive)."""
    return _invoke("positive", _c(col))


@_export
def negative(col):
    """The value negated; named negative(col) as Spark's function form."""
    return _invoke("negative", _c(col))


@_export
def bit_count(col):
    """The number of set bits (of the value sign-extended to 64 bits)."""
    return _invoke("bit_count", _c(col))


@_export
def bit_get(col, pos):
    """The bit at `pos` (0 = the least significant) as a TINYINT."""
    return _invoke("bit_get", _c(col), _c(pos))


@_export
def getbit(col, pos):
    """bit_get under its other name."""
    return _invoke("getbit", _c(col), _c(pos))


@_export
def width_bucket(v, min, max, numBucket):
    """The bucket of `v` among `numBucket` equal-width buckets over [min, max)."""
    if isinstance(numBucket, int):
        numBucket = P.lit(numBucket)
    else:
        numBucket = _c(numBucket)
    return _invoke("width_bucket", _c(v), _c(min), _c(max), numBucket)


# ------------------------------------------------------------------------------ aggregates

@_export
def product(col):
    """The product of the values (as DOUBLE)."""
    return _invoke("product", _c(col))


for _name, _doc in [("bit_and", "Bitwise AND of the non-null values."),
                    ("bit_or", "Bitwise OR of the non-null values."),
                    ("bit_xor", "Bitwise XOR of the non-null values.")]:
    def _f(col, _n=_name):
        return _invoke(_n, _c(col))
    _f.__name__ = _f.__qualname__ = _name
    _f.__doc__ = _doc
    globals()[_name] = _export(_f)
del _name, _doc, _f


@_export
def histogram_numeric(col, nBins):
    """A histogram of `nBins` bins: array of struct(x, y) (bin centre, height)."""
    return _invoke("histogram_numeric", _c(col), _c(nBins))


@_export
def bitmap_bit_position(col):
    """The bit position of the value within its 32,768-bit bitmap bucket."""
    return _invoke("bitmap_bit_position", _c(col))


@_export
def bitmap_bucket_number(col):
    """The 32,768-bit bitmap bucket the value falls in."""
    return _invoke("bitmap_bucket_number", _c(col))


@_export
def bitmap_construct_agg(col):
    """A 4,096-byte bitmap with the group's bit positions set."""
    return _invoke("bitmap_construct_agg", _c(col))


@_export
def bitmap_count(col):
    """The number of bits set in a bitmap."""
    return _invoke("bitmap_count", _c(col))


@_export
def bitmap_or_agg(col):
    """The bitwise OR of the group's bitmaps (4,096 bytes)."""
    return _invoke("bitmap_or_agg", _c(col))


@_export
def count_min_sketch(col, eps, confidence, seed):
    """The Count-min sketch of the column's values (Spark's serialized bytes)."""
    return _invoke("count_min_sketch", _c(col), _c(eps), _c(confidence), _c(seed))


# ---------------------------------------------------------------------------- sort helpers

def _sort_fn(method):
    def f(col):
        c = col if isinstance(col, Column) else Column(_col_expr(col))
        return getattr(c, method)()
    f.__name__ = f.__qualname__ = method
    f.__doc__ = "A sort expression: %s." % method.replace("_", " ")
    return f


for _name in ("asc_nulls_first", "asc_nulls_last", "desc_nulls_first", "desc_nulls_last"):
    globals()[_name] = _export(_sort_fn(_name))
del _name


# ------------------------------------------------------------------------- dates and times

@_export
def day(col):
    """The day of the month of a date or timestamp."""
    return _invoke("day", _c(col))


@_export
def try_to_timestamp(col, format=None):
    """to_timestamp, NULL for text it cannot parse."""
    if format is None:
        return _invoke("try_to_timestamp", _c(col))
    return _invoke("try_to_timestamp", _c(col), _c(format))


def _timestamp_parser(name, kind):
    def f(timestamp, format=None):
        return _invoke(name, *[_c(x) for x in (timestamp, format) if x is not None])
    f.__name__ = f.__qualname__ = name
    f.__doc__ = "The text (or date, timestamp) as a %s, by `format` (a column) when given." % kind
    return _export(f)


to_timestamp_ltz = _timestamp_parser("to_timestamp_ltz", "TIMESTAMP")
to_timestamp_ntz = _timestamp_parser("to_timestamp_ntz", "TIMESTAMP_NTZ")


@_export
def curdate():
    """current_date() under its other name."""
    return _invoke("curdate")


def _session_value(name, doc):
    def f():
        return _invoke(name)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return _export(f)


# CurrentDatabase, CurrentCatalog, CurrentUser: the session's values, fixed per query
current_database = _session_value("current_database", "The session's current database.")
current_schema = _session_value("current_schema", "current_database() under its other name.")
current_catalog = _session_value("current_catalog", "The session's current catalog.")
current_user = _session_value("current_user", "The user running the application.")
user = _session_value("user", "current_user() under its other name.")


@_export
def call_function(funcName, *cols):
    """The function named funcName (a built-in or a temporary function) over cols."""
    return Column(P.fn(funcName, *[_c(c) for c in cols]))


# ------------------------------------------------------------ deprecated names (PySpark keeps)

def _deprecated(name, since, new, target):
    def f(*args, **kwargs):
        import warnings
        warnings.warn("Deprecated in %s, use %s instead." % (since, new), FutureWarning)
        return target()(*args, **kwargs)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = "Deprecated: %s." % new
    return _export(f)


def _fn(name):
    def get():
        from sparkpp.sql import functions
        return getattr(functions, name)
    return get


toDegrees = _deprecated("toDegrees", "2.1", "degrees", _fn("degrees"))
toRadians = _deprecated("toRadians", "2.1", "radians", _fn("radians"))
bitwiseNOT = _deprecated("bitwiseNOT", "3.2", "bitwise_not", _fn("bitwise_not"))
approxCountDistinct = _deprecated("approxCountDistinct", "2.1", "approx_count_distinct",
                                  _fn("approx_count_distinct"))


@_export
def convert_timezone(sourceTz, targetTz, sourceTs):
    """The TIMESTAMP_NTZ `sourceTs` read in `sourceTz` (None: the session zone) and shown in
    `targetTz`."""
    if sourceTz is None:
        return _invoke("convert_timezone", _c(targetTz), _c(sourceTs))
    return _invoke("convert_timezone", _c(sourceTz), _c(targetTz), _c(sourceTs))


@_export
def make_dt_interval(days=None, hours=None, mins=None, secs=None):
    """An INTERVAL DAY TO SECOND of days, hours, minutes and (fractional) seconds."""
    zero = P.lit(0)
    return _invoke("make_dt_interval",
                   zero if days is None else _c(days), zero if hours is None else _c(hours),
                   zero if mins is None else _c(mins),
                   P.lit(decimal.Decimal(0)) if secs is None else _c(secs))


@_export
def make_interval(years=None, months=None, weeks=None, days=None, hours=None, mins=None, secs=None):
    """A CalendarIntervalType interval (`1 years 2 months 3 days ...`) of its fields."""
    zero = P.lit(0)
    args = [zero if x is None else _c(x) for x in (years, months, weeks, days, hours, mins)]
    args.append(P.lit(decimal.Decimal(0)) if secs is None else _c(secs))
    return _invoke("make_interval", *args)


@_export
def make_ym_interval(years=None, months=None):
    """An INTERVAL YEAR TO MONTH of years and months."""
    zero = P.lit(0)
    return _invoke("make_ym_interval", zero if years is None else _c(years),
                   zero if months is None else _c(months))


def _make_ts(name, years, months, days, hours, mins, secs, timezone=None):
    args = [_c(x) for x in (years, months, days, hours, mins, secs)]
    if timezone is not None:
        args.append(_c(timezone))
    return _invoke(name, *args)


@_export
def make_timestamp_ltz(years, months, days, hours, mins, secs, timezone=None):
    """A TIMESTAMP from its fields, read in `timezone` or the session zone."""
    return _make_ts("make_timestamp_ltz", years, months, days, hours, mins, secs, timezone)


@_export
def make_timestamp_ntz(years, months, days, hours, mins, secs):
    """A TIMESTAMP_NTZ (wall clock) from its fields."""
    return _make_ts("make_timestamp_ntz", years, months, days, hours, mins, secs)


@_export
def window(timeColumn, windowDuration, slideDuration=None, startTime=None):
    """The tumbling time window (struct<start, end>) each row's timestamp falls in, named
    `window`, as Spark's TimeWindowing expands it. Sliding windows (slideDuration shorter than the
    window) are not supported yet."""
    for name, v in (("windowDuration", windowDuration), ("slideDuration", slideDuration),
                    ("startTime", startTime)):
        if v is not None and not isinstance(v, str):
            raise PySparkTypeError(error_class="NOT_STR",
                                   message_parameters={"arg_name": name, "arg_type": type(v).__name__})
    slide = windowDuration if slideDuration is None else slideDuration
    start = "0 second" if startTime is None else startTime
    return Column(P.fn("window", _c(timeColumn), P.lit(windowDuration), P.lit(slide),
                       P.lit(start))).alias("window")


@_export
def window_time(windowColumn):
    """The event time of a time or session window column: its end minus 1 microsecond (the end
    is exclusive), named `window_time(window)` as ResolveWindowTime names it."""
    c = Column(_c(windowColumn))
    t = c.getField("end") - Column(P.fn("make_dt_interval", P.lit(0), P.lit(0), P.lit(0),
                                        P.lit(decimal.Decimal("0.000001"))))
    e = _c(windowColumn)
    name = e.get("unresolvedAttribute", {}).get("unparsedIdentifier") if isinstance(e, dict) else None
    return t.alias("window_time(%s)" % name) if name else t

@_export
def session_window(timeColumn, gapDuration):
    """The session window (struct<start, end>) of each row, named `session_window`: rows of a
    group whose [time, time + gap) intervals overlap or touch merge into one session. Only as a
    groupBy key (GroupedData computes the sessions, as Spark's SessionWindowing)."""
    if gapDuration is None or not isinstance(gapDuration, (str, Column)):
        raise PySparkTypeError(error_class="NOT_COLUMN_OR_STR",
                               message_parameters={"arg_name": "gapDuration",
                                                   "arg_type": type(gapDuration).__name__})
    gap = P.lit(gapDuration) if isinstance(gapDuration, str) else gapDuration._expr
    return Column(P.fn("session_window", _c(timeColumn), gap)).alias("session_window")
