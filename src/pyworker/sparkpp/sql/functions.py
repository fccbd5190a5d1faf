"""pyspark.sql.functions: each function builds an unresolvedFunction (or the specific Connect
expression); the C++ analyzer resolves and names it. Column-name strings are columns, other
Python values literals, exactly where PySpark treats them so."""
from sparkpp.errors import PySparkTypeError, PySparkValueError
from sparkpp.sql import _proto as P
from sparkpp.sql.column import Column, _col_expr, _expr, _name_expr

__all__ = []  # filled below with every public function


def _public(f):
    __all__.append(f.__name__)
    return f


def _invoke(name, *args, distinct=False):
    return Column(P.fn(name, *args, distinct=distinct))


def _over_columns(name, *cols):
    return _invoke(name, *[_col_expr(c) for c in cols])


def _one_column(name, doc):
    def f(col):
        return _over_columns(name, col)
    f.__name__ = name
    f.__qualname__ = name
    f.__doc__ = doc
    return f


@_public
def col(col):
    """A column by name ("a", "a.b" for a struct field, "*" for all columns)."""
    if not isinstance(col, str):
        raise PySparkTypeError(error_class="NOT_STR",
                               message_parameters={"arg_name": "col",
                                                   "arg_type": type(col).__name__})
    return Column(_name_expr(col))


column = col
__all__.append("column")


@_public
def lit(col):
    """A literal; a Column is returned as is, a list becomes array(lit(x), …)."""
    if isinstance(col, Column):
        return col
    if isinstance(col, list):
        if any(isinstance(c, Column) for c in col):
            raise PySparkValueError(error_class="COLUMN_IN_LIST",
                                    message_parameters={"func_name": "lit"})
        return array(*[lit(c) for c in col])
    return Column(P.lit(col))


@_public
def expr(str):
    """A SQL expression string, parsed by the driver."""
    return Column(P.expr_string(str))


@_public
def when(condition, value):
    if not isinstance(condition, Column):
        raise PySparkTypeError(error_class="NOT_COLUMN",
                               message_parameters={"arg_name": "condition",
                                                   "arg_type": type(condition).__name__})
    return _invoke("when", condition._expr, _expr(value))


@_public
def coalesce(*cols):
    return _over_columns("coalesce", *cols)


@_public
def broadcast(df):
    """Marks a DataFrame small enough to broadcast in joins (a `broadcast` hint)."""
    return df.hint("broadcast")


@_public
def asc(col):
    return (col if isinstance(col, Column) else globals()["col"](col)).asc()


@_public
def desc(col):
    return (col if isinstance(col, Column) else globals()["col"](col)).desc()


for _name, _doc in [
    ("isnull", "True where the column is null."),
    ("isnan", "True where the column is NaN."),
    ("sum", "Sum of the column."), ("avg", "Average of the column."),
    ("min", "Minimum of the column."), ("max", "Maximum of the column."),
    ("collect_list", "The column's values as a list (nulls skipped)."),
    ("collect_set", "The column's distinct values as a list (nulls skipped)."),
    ("stddev", "Sample standard deviation."), ("stddev_samp", "Sample standard deviation."),
    ("stddev_pop", "Population standard deviation."), ("variance", "Sample variance."),
    ("var_samp", "Sample variance."), ("var_pop", "Population variance."),
    ("upper", "Upper-cased string."), ("lower", "Lower-cased string."),
    ("trim", "Spaces trimmed from both ends."), ("ltrim", "Leading spaces trimmed."),
    ("rtrim", "Trailing spaces trimmed."), ("length", "Characters (strings) or bytes."),
    ("initcap", "Each word capitalised."), ("reverse", "Reversed string or array."),
    ("explode", "One row per element of an array or map."),
    ("explode_outer", "As explode, with a null row for null/empty collections."),
    ("posexplode", "One row per element with its position."),
    ("size", "Number of elements (-1 for null)."), ("abs", "Absolute value."),
    ("sqrt", "Square root."), ("exp", "e to the power of the value."),
    ("log10", "Base-10 logarithm."), ("log2", "Base-2 logarithm."),
    ("ceil", "Rounded up."), ("floor", "Rounded down."), ("signum", "Sign."),
    ("year", "Year of a date/timestamp."), ("month", "Month of a date/timestamp."),
    ("dayofmonth", "Day of month."), ("dayofweek", "Day of week (1 = Sunday)."),
    ("dayofyear", "Day of year."), ("hour", "Hour."), ("minute", "Minute."),
    ("second", "Second."), ("quarter", "Quarter."), ("weekofyear", "ISO week."),
    ("last_day", "Last day of the month."), ("md5", "MD5 hex digest."),
    ("sha1", "SHA-1 hex digest."), ("crc32", "CRC32."), ("base64", "Base64 encoding."),
    ("unbase64", "Base64 decoding."), ("ascii", "Code of the first character."),
    ("array_distinct", "Array without duplicates."), ("array_max", "Largest element."),
    ("array_min", "Smallest element."), ("flatten", "Array of arrays flattened."),
    ("map_keys", "Keys of a map."), ("map_values", "Values of a map."),
    ("shuffle", "The array's elements in a random order (nondeterministic)."),
]:
    globals()[_name] = _public(_one_column(_name, _doc))
del _name, _doc


@_public
def mean(col):
    """Average of the column (Spark names the column `avg(x)`)."""
    return _over_columns("avg", col)


@_public
def count(col):
    """Non-null values of the column; count("*") counts rows (named `count(1)`)."""
    return _over_columns("count", col)


@_public
def countDistinct(col, *cols):
    return _invoke("count", *[_col_expr(c) for c in (col,) + cols], distinct=True)


count_distinct = countDistinct
__all__.append("count_distinct")


@_public
def sumDistinct(col):
    return _invoke("sum", _col_expr(col), distinct=True)


sum_distinct = sumDistinct
__all__.append("sum_distinct")


@_public
def first(col, ignorenulls=False):
    return _invoke("first", _col_expr(col), P.lit(ignorenulls))


@_public
def last(col, ignorenulls=False):
    return _invoke("last", _col_expr(col), P.lit(ignorenulls))


@_public
def concat(*cols):
    return _over_columns("concat", *cols)


@_public
def concat_ws(sep, *cols):
    return _invoke("concat_ws", P.lit(sep), *[_col_expr(c) for c in cols])


@_public
def substring(str, pos, len):
    return _invoke("substring", _col_expr(str), P.lit(pos), P.lit(len))


@_public
def split(str, pattern, limit=-1):
    return _invoke("split", _col_expr(str), P.lit(pattern), P.lit(limit))


@_public
def array(*cols):
    if len(cols) == 1 and isinstance(cols[0], (list, set, tuple)):
        cols = cols[0]
    return _over_columns("array", *cols)


@_public
def array_contains(col, value):
    return _invoke("array_contains", _col_expr(col), _expr(value))


@_public
def element_at(col, extraction):
    return _invoke("element_at", _col_expr(col), _expr(extraction))


@_public
def round(col, scale=0):
    return _invoke("round", _col_expr(col), P.lit(scale))


@_public
def bround(col, scale=0):
    return _invoke("bround", _col_expr(col), P.lit(scale))


@_public
def pow(col1, col2):
    return _invoke("power", _num_or_col(col1), _num_or_col(col2))


@_public
def log(arg1, arg2=None):
    if arg2 is None:
        return _over_columns("ln", arg1)
    # Scala's log(base: Double, col): the base is a double literal (LOG(10.0, x)).
    return _invoke("log", P.lit(float(arg1)) if isinstance(arg1, (int, float)) else _col_expr(arg1),
                   _col_expr(arg2))


@_public
def greatest(*cols):
    if len(cols) < 2:
        raise PySparkValueError(error_class="WRONG_NUM_COLUMNS",
                                message_parameters={"func_name": "greatest", "num_cols": "2"})
    return _over_columns("greatest", *cols)


@_public
def least(*cols):
    if len(cols) < 2:
        raise PySparkValueError(error_class="WRONG_NUM_COLUMNS",
                                message_parameters={"func_name": "least", "num_cols": "2"})
    return _over_columns("least", *cols)


@_public
def nanvl(col1, col2):
    return _over_columns("nanvl", col1, col2)


@_public
def to_date(col, format=None):
    if format is None:
        return _over_columns("to_date", col)
    return _invoke("to_date", _col_expr(col), P.lit(format))


@_public
def to_timestamp(col, format=None):
    if format is None:
        return _over_columns("to_timestamp", col)
    return _invoke("to_timestamp", _col_expr(col), P.lit(format))


@_public
def date_format(date, format):
    return _invoke("date_format", _col_expr(date), P.lit(format))


@_public
def date_add(start, days):
    # PySpark 3.5: an int is a literal, a str names a column.
    return _invoke("date_add", _col_expr(start), P.lit(days) if isinstance(days, int) else _col_expr(days))


@_public
def date_sub(start, days):
    # PySpark 3.5: an int is a literal, a str names a column.
    return _invoke("date_sub", _col_expr(start), P.lit(days) if isinstance(days, int) else _col_expr(days))


@_public
def datediff(end, start):
    return _over_columns("datediff", end, start)


@_public
def current_date():
    return _invoke("current_date")


@_public
def current_timestamp():
    return _invoke("current_timestamp")


@_public
def monotonically_increasing_id():
    return _invoke("monotonically_increasing_id")


@_public
def spark_partition_id():
    return _invoke("spark_partition_id")


@_public
def rand(seed=None):
    return _invoke("rand") if seed is None else _invoke("rand", P.lit(seed))


@_public
def regexp_replace(string, pattern, replacement):
    return _invoke("regexp_replace", _col_expr(string), _expr(pattern), _expr(replacement))


@_public
def regexp_extract(str, pattern, idx):
    return _invoke("regexp_extract", _col_expr(str), P.lit(pattern), P.lit(idx))


@_public
def lpad(col, len, pad):
    return _invoke("lpad", _col_expr(col), P.lit(len), P.lit(pad))


@_public
def rpad(col, len, pad):
    return _invoke("rpad", _col_expr(col), P.lit(len), P.lit(pad))


@_public
def instr(str, substr):
    return _invoke("instr", _col_expr(str), P.lit(substr))


@_public
def struct(*cols):
    if len(cols) == 1 and isinstance(cols[0], (list, set, tuple)):
        cols = cols[0]
    return _over_columns("struct", *cols)


@_public
def create_map(*cols):
    if len(cols) == 1 and isinstance(cols[0], (list, set, tuple)):
        cols = cols[0]
    return _over_columns("map", *cols)


@_public
def hash(*cols):
    return _over_columns("hash", *cols)


@_public
def approx_count_distinct(col, rsd=None):
    if rsd is None:
        return _over_columns("approx_count_distinct", col)
    return _invoke("approx_count_distinct", _col_expr(col), P.lit(rsd))


# Apache DataSketches HLL sketches (Spark 3.5): BINARY sketch images, native in the engine.
@_public
def hll_sketch_agg(col, lgConfigK=None):
    if lgConfigK is None:
        return _over_columns("hll_sketch_agg", col)
    return _invoke("hll_sketch_agg", _col_expr(col), _lit_or_col(lgConfigK))


@_public
def hll_union_agg(col, allowDifferentLgConfigK=None):
    if allowDifferentLgConfigK is None:
        return _over_columns("hll_union_agg", col)
    return _invoke("hll_union_agg", _col_expr(col), _lit_or_col(allowDifferentLgConfigK))


@_public
def hll_sketch_estimate(col):
    return _over_columns("hll_sketch_estimate", col)


@_public
def hll_union(col1, col2, allowDifferentLgConfigK=None):
    if allowDifferentLgConfigK is None:
        return _over_columns("hll_union", col1, col2)
    return _invoke("hll_union", _col_expr(col1), _col_expr(col2), P.lit(allowDifferentLgConfigK))


# ------------------------------------------------------------------ window functions

for _name in ("row_number", "rank", "dense_rank", "percent_rank", "cume_dist"):
    def _make(name):
        def f():
            return _invoke(name)
        f.__name__ = f.__qualname__ = name
        f.__doc__ = "The %s window function (use with .over(window))." % name
        return f
    globals()[_name] = _public(_make(_name))
del _name, _make


@_public
def ntile(n):
    return _invoke("ntile", P.lit(n))


@_public
def lag(col, offset=1, default=None):
    if default is None:
        return _invoke("lag", _col_expr(col), P.lit(offset))
    return _invoke("lag", _col_expr(col), P.lit(offset), P.lit(default))


@_public
def lead(col, offset=1, default=None):
    if default is None:
        return _invoke("lead", _col_expr(col), P.lit(offset))
    return _invoke("lead", _col_expr(col), P.lit(offset), P.lit(default))


# ------------------------------------------- more of the library (PySpark's argument forms)

def _lit_or_col(v):
    """Python values as literals, Columns as they are (PySpark's `lit(x) if not Column`)."""
    return v._expr if isinstance(v, Column) else P.lit(v)


for _name, _doc in [
    ("posexplode_outer", "posexplode with a null row for null/empty collections."),
    ("skewness", "Skewness."), ("kurtosis", "Kurtosis."), ("soundex", "Soundex code."),
    ("bitwise_not", "Bitwise NOT."), ("log1p", "ln(1 + x)."), ("cbrt", "Cube root."),
    ("degrees", "Radians to degrees."), ("radians", "Degrees to radians."), ("sin", "Sine."),
    ("cos", "Cosine."), ("tan", "Tangent."), ("asin", "Arc sine."), ("acos", "Arc cosine."),
    ("atan", "Arc tangent."), ("sinh", "Hyperbolic sine."), ("cosh", "Hyperbolic cosine."),
    ("tanh", "Hyperbolic tangent."), ("factorial", "Factorial."), ("hex", "Hex string."),
    ("unhex", "Bytes of a hex string."), ("bin", "Binary string."),
    ("map_entries", "Map entries as an array of structs."), ("array_sort", "Sorted array."),
    ("weekday", "Day of week (0 = Monday)."), ("ln", "Natural logarithm."),
    ("unix_date", "Days since 1970-01-01."), ("unix_seconds", "Seconds since the epoch."),
    ("unix_millis", "Milliseconds since the epoch."), ("unix_micros", "Microseconds since the epoch."),
]:
    globals()[_name] = _public(_one_column(_name, _doc))
del _name, _doc


@_public
def to_unix_timestamp(timestamp, format=None):
    if format is None:
        return _over_columns("to_unix_timestamp", timestamp)
    return _over_columns("to_unix_timestamp", timestamp, format)


@_public
def next_day(date, dayOfWeek):
    return _invoke("next_day", _col_expr(date), P.lit(dayOfWeek))


@_public
def make_timestamp(years, months, days, hours, mins, secs, timezone=None):
    cols = [years, months, days, hours, mins, secs] + ([timezone] if timezone is not None else [])
    return _over_columns("make_timestamp", *cols)


for _name in ["timestamp_seconds", "timestamp_millis", "timestamp_micros"]:
    globals()[_name] = _public(_one_column(_name, "A timestamp from a count since the epoch."))
del _name


@_public
def now():
    return _invoke("now")


@_public
def current_timezone():
    return _invoke("current_timezone")


@_public
def localtimestamp():
    return _invoke("localtimestamp")


@_public
def extract(field, source):
    return _over_columns("extract", field, source)


@_public
def date_part(field, source):
    return _over_columns("date_part", field, source)


@_public
def datepart(field, source):
    return _over_columns("datepart", field, source)


@_public
def date_diff(end, start):
    return _over_columns("date_diff", end, start)


@_public
def dateadd(start, days):
    return _invoke("dateadd", _col_expr(start), P.lit(days) if isinstance(days, int) else _col_expr(days))


@_public
def date_from_unix_date(days):
    return _over_columns("date_from_unix_date", days)


@_public
def make_date(year, month, day):
    return _over_columns("make_date", year, month, day)


def _columns_fn(name, doc):
    def f(*cols):
        return _over_columns(name, *cols)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


for _name, _doc in [
    ("char_length", "Characters of a string (bytes of a binary)."),
    ("octet_length", "Bytes of a string or binary."), ("bit_length", "Bits of a string or binary."),
    ("character_length", "Characters of a string (bytes of a binary)."),
    ("left", "The leftmost len characters."), ("right", "The rightmost len characters."),
    ("regexp_like", "True where the string matches the regex (anywhere)."),
    ("regexp", "True where the string matches the regex (anywhere)."),
    ("rlike", "True where the string matches the regex (anywhere)."),
    ("printf", "The arguments formatted printf-style (java.util.Formatter)."),
    ("equal_null", "True when equal or both null (never null)."),
    ("nvl", "col2 where col1 is null."), ("ifnull", "col2 where col1 is null."),
    ("nullif", "null where col1 = col2."), ("nvl2", "col2 if col1 is not null, else col3."),
    ("corr", "Pearson correlation."), ("covar_samp", "Sample covariance."),
    ("covar_pop", "Population covariance."),
    ("sequence", "Array from start to stop (by step)."), ("map_concat", "Union of maps."),
    ("map_from_arrays", "Map from key and value arrays."), ("arrays_zip", "Zipped arrays."),
    ("array_union", "Union of two arrays."), ("array_intersect", "Intersection of arrays."),
    ("array_except", "Elements of col1 not in col2."), ("xxhash64", "64-bit xxHash."),
]:
    globals()[_name] = _public(_columns_fn(_name, _doc))
del _name, _doc


@_public
def date_trunc(format, timestamp):
    return _invoke("date_trunc", P.lit(format), _col_expr(timestamp))


@_public
def trunc(date, format):
    return _invoke("trunc", _col_expr(date), P.lit(format))


@_public
def add_months(start, months):
    return _invoke("add_months", _col_expr(start),
                   P.lit(months) if isinstance(months, int) else _col_expr(months))


@_public
def months_between(date1, date2, roundOff=True):
    return _invoke("months_between", _col_expr(date1), _col_expr(date2), P.lit(roundOff))


@_public
def unix_timestamp(timestamp=None, format="yyyy-MM-dd HH:mm:ss"):
    if timestamp is None:
        return _invoke("unix_timestamp", P.fn("current_timestamp"), P.lit(format))
    return _invoke("unix_timestamp", _col_expr(timestamp), P.lit(format))


@_public
def from_unixtime(timestamp, format="yyyy-MM-dd HH:mm:ss"):
    return _invoke("from_unixtime", _col_expr(timestamp), P.lit(format))


@_public
def to_utc_timestamp(timestamp, tz):
    return _invoke("to_utc_timestamp", _col_expr(timestamp), _lit_or_col(tz))


@_public
def from_utc_timestamp(timestamp, tz):
    return _invoke("from_utc_timestamp", _col_expr(timestamp), _lit_or_col(tz))


@_public
def array_join(col, delimiter, null_replacement=None):
    if null_replacement is None:
        return _invoke("array_join", _col_expr(col), P.lit(delimiter))
    return _invoke("array_join", _col_expr(col), P.lit(delimiter), P.lit(null_replacement))


@_public
def sort_array(col, asc=True):
    return _invoke("sort_array", _col_expr(col), P.lit(asc))


@_public
def slice(x, start, length):
    return _invoke("slice", _col_expr(x), _lit_or_col(start), _lit_or_col(length))


@_public
def array_position(col, value):
    return _invoke("array_position", _col_expr(col), _lit_or_col(value))


@_public
def array_remove(col, element):
    return _invoke("array_remove", _col_expr(col), _lit_or_col(element))


@_public
def array_repeat(col, count):
    return _invoke("array_repeat", _col_expr(col), _lit_or_col(count))


@_public
def percentile_approx(col, percentage, accuracy=10000):
    if isinstance(percentage, (list, tuple)):
        pct = P.fn("array", *[P.lit(float(p)) for p in percentage])
    else:
        pct = _lit_or_col(float(percentage) if isinstance(percentage, int) else percentage)
    return _invoke("percentile_approx", _col_expr(col), pct, _lit_or_col(accuracy))


@_public
def format_number(col, d):
    return _invoke("format_number", _col_expr(col), P.lit(d))


@_public
def format_string(format, *cols):
    return _invoke("format_string", P.lit(format), *[_col_expr(c) for c in cols])


@_public
def translate(srcCol, matching, replace):
    return _invoke("translate", _col_expr(srcCol), P.lit(matching), P.lit(replace))


@_public
def repeat(col, n):
    return _invoke("repeat", _col_expr(col), _lit_or_col(n))


@_public
def locate(substr, str, pos=1):
    return _invoke("locate", P.lit(substr), _col_expr(str), P.lit(pos))


@_public
def substring_index(str, delim, count):
    return _invoke("substring_index", _col_expr(str), P.lit(delim), P.lit(count))


@_public
def shiftleft(col, numBits):
    return _invoke("shiftleft", _col_expr(col), P.lit(numBits))


@_public
def shiftright(col, numBits):
    return _invoke("shiftright", _col_expr(col), P.lit(numBits))


@_public
def conv(col, fromBase, toBase):
    return _invoke("conv", _col_expr(col), P.lit(fromBase), P.lit(toBase))


@_public
def sha2(col, numBits):
    return _invoke("sha2", _col_expr(col), P.lit(numBits))


def _num_or_col(v):
    return P.lit(float(v)) if isinstance(v, (int, float)) else _col_expr(v)


@_public
def atan2(col1, col2):
    return _invoke("atan2", _num_or_col(col1), _num_or_col(col2))


@_public
def hypot(col1, col2):
    return _invoke("hypot", _num_or_col(col1), _num_or_col(col2))


@_public
def input_file_name():
    """The file the row was read from, as a URI (file:///...); "" when not reading files."""
    return _invoke("input_file_name")


@_public
def input_file_block_start():
    """The start offset of the file block the row was read from; -1 when not reading files."""
    return _invoke("input_file_block_start")


@_public
def input_file_block_length():
    """The length of the file block the row was read from; -1 when not reading files."""
    return _invoke("input_file_block_length")


@_public
def randn(seed=None):
    return _invoke("randn") if seed is None else _invoke("randn", P.lit(seed))


# ------------------------------------------------ strings (issue 14; PySpark 3.5 signatures)

@_public
def levenshtein(left, right, threshold=None):
    """Edit distance; with a threshold, -1 when the distance exceeds it."""
    if threshold is None:
        return _over_columns("levenshtein", left, right)
    return _invoke("levenshtein", _col_expr(left), _col_expr(right), P.lit(threshold))


@_public
def replace(src, search, replace=None):
    """Every occurrence of search replaced (removed when replace is None)."""
    if replace is None:
        return _over_columns("replace", src, search)
    return _over_columns("replace", src, search, replace)


@_public
def encode(col, charset):
    return _invoke("encode", _col_expr(col), P.lit(charset))


@_public
def decode(col, charset):
    return _invoke("decode", _col_expr(col), P.lit(charset))


@_public
def overlay(src, replace, pos, len=-1):
    if not isinstance(pos, (int, str, Column)):
        raise PySparkTypeError(error_class="NOT_COLUMN_OR_INT_OR_STR",
                               message_parameters={"arg_name": "pos", "arg_type": type(pos).__name__})
    if not isinstance(len, (int, str, Column)):
        raise PySparkTypeError(error_class="NOT_COLUMN_OR_INT_OR_STR",
                               message_parameters={"arg_name": "len", "arg_type": type(len).__name__})
    pos = P.lit(pos) if isinstance(pos, int) else _col_expr(pos)
    len = P.lit(len) if isinstance(len, int) else _col_expr(len)
    return _invoke("overlay", _col_expr(src), _col_expr(replace), pos, len)


@_public
def regexp_extract_all(str, regexp, idx=None):
    if idx is None:
        return _over_columns("regexp_extract_all", str, regexp)
    idx = P.lit(idx) if isinstance(idx, int) else _col_expr(idx)
    return _invoke("regexp_extract_all", _col_expr(str), _col_expr(regexp), idx)


# --------------------------------------------------- math (issue 14; PySpark 3.5 signatures)

for _name, _doc in [
    ("ceiling", "Rounded up (bigint)."), ("expm1", "exp(x) - 1."), ("asinh", "Inverse hyperbolic sine."),
    ("acosh", "Inverse hyperbolic cosine."), ("atanh", "Inverse hyperbolic tangent."),
    ("cot", "Cotangent."), ("sec", "Secant."), ("csc", "Cosecant."), ("rint", "Nearest integer (half even)."),
    ("sign", "Sign."),
]:
    globals()[_name] = _public(_one_column(_name, _doc))
del _name, _doc


@_public
def pmod(dividend, divisor):
    """Positive remainder (NULL for a zero divisor)."""
    return _invoke("pmod", _num_or_col(dividend), _num_or_col(divisor))


@_public
def e():
    return _invoke("e")


@_public
def pi():
    return _invoke("pi")


@_public
def shiftrightunsigned(col, numBits):
    return _invoke("shiftrightunsigned", _col_expr(col), P.lit(numBits))


shiftLeft = shiftleft
shiftRight = shiftright
shiftRightUnsigned = shiftrightunsigned
__all__.extend(["shiftLeft", "shiftRight", "shiftRightUnsigned"])


# -------------------------------------------------------------------- misc (issue 14)

@_public
def typeof(col):
    return _over_columns("typeof", col)


@_public
def version():
    return _invoke("version")


# ------------------------------------------------------------- collections (issue 14)

@_public
def arrays_overlap(a1, a2):
    return _over_columns("arrays_overlap", a1, a2)


@_public
def cardinality(col):
    return _over_columns("cardinality", col)


@_public
def named_struct(*cols):
    return _over_columns("named_struct", *cols)


@_public
def map_from_entries(col):
    return _over_columns("map_from_entries", col)


@_public
def str_to_map(text, pairDelim=None, keyValueDelim=None):
    # PySpark 3.5: the delimiters are columns (or column names); defaults lit(",") / lit(":")
    pd = P.lit(",") if pairDelim is None else _col_expr(pairDelim)
    kd = P.lit(":") if keyValueDelim is None else _col_expr(keyValueDelim)
    return _invoke("str_to_map", _col_expr(text), pd, kd)


# -------------------------------------------------------------------- JSON (issue 14)

def _json_options(options):
    """PySpark's options dict as map(lit(k), lit(v), ...) with values as strings."""
    items = []
    for k, v in (options or {}).items():
        items += [P.lit(str(k)), P.lit(str(v).lower() if isinstance(v, bool) else str(v))]
    return P.fn("map", *items)


@_public
def get_json_object(col, path):
    return _invoke("get_json_object", _col_expr(col), P.lit(path))


@_public
def from_json(col, schema, options=None):
    if isinstance(schema, Column):
        sch = schema._expr
    elif isinstance(schema, str):
        sch = P.lit(schema)
    else:
        sch = P.lit(schema.json())
    if options is None:
        return _invoke("from_json", _col_expr(col), sch)
    return _invoke("from_json", _col_expr(col), sch, _json_options(options))


@_public
def to_json(col, options=None):
    if options is None:
        return _invoke("to_json", _col_expr(col))
    return _invoke("to_json", _col_expr(col), _json_options(options))


@_public
def schema_of_json(json, options=None):
    j = P.lit(json) if isinstance(json, str) else _col_expr(json)
    if options is None:
        return _invoke("schema_of_json", j)
    return _invoke("schema_of_json", j, _json_options(options))


# Grouping-set functions and the boolean/conditional aggregates live in _functions_aggs (this
# file's size); they are bound here so `functions.count_if` & co. exist as in PySpark.
from sparkpp.sql import _functions_aggs as _aggs  # noqa: E402 - it uses the helpers above
for _name in _aggs.EXPORTED:
    globals()[_name] = getattr(_aggs, _name)
del _name


# Python UDFs (sql/udf.py): the function travels with the plan; BatchEvalPython runs it.
from sparkpp.sql.udf import udf  # noqa: E402
from sparkpp.sql.pandas_udf import pandas_udf, PandasUDFType  # noqa: E402
__all__.extend(["udf", "pandas_udf", "PandasUDFType"])


@_public
def call_udf(udfName, *cols):
    """A function registered with spark.udf.register, called by name."""
    return _invoke(udfName, *[_col_expr(c) for c in cols])



# Higher-order functions with Python lambdas (_functions_hof): bound last (array_sort takes a
# comparator there).
from sparkpp.sql import _functions_hof as _hofs  # noqa: E402 - it uses the helpers above
for _name in _hofs.EXPORTED:
    globals()[_name] = getattr(_hofs, _name)
del _name

# Spark 3.5's newer string / regex / URL / JSON / array functions (_functions_strings).
from sparkpp.sql import _functions_strings as _strs  # noqa: E402 - it uses the helpers above
for _name in _strs.EXPORTED:
    globals()[_name] = getattr(_strs, _name)
del _name


# Math, aggregate, date/time and interval functions (_functions_math): bound after the others.
from sparkpp.sql import _functions_math as _maths  # noqa: E402 - it uses the helpers above
for _name in _maths.EXPORTED:
    globals()[_name] = getattr(_maths, _name)
del _name
