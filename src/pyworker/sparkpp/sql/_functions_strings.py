"""pyspark.sql.functions, continued (issue 14): Spark 3.5's newer string, regex, URL, binary,
JSON and array functions with PySpark 3.5's signatures. Each builds an unresolvedFunction the
C++ analyzer resolves (the same names work in spark.sql / selectExpr). Bound into
sparkpp.sql.functions (and its __all__) at the end of that module."""
from sparkpp.errors import PySparkTypeError
from sparkpp.sql import _proto as P
from sparkpp.sql.column import Column, _col_expr
from sparkpp.sql.functions import _invoke, _lit_or_col, _public

EXPORTED = []


def _export(f):
    EXPORTED.append(f.__name__)
    return _public(f)


def _columns(name, *cols):
    return _invoke(name, *[_col_expr(c) for c in cols])


def _int_or_col(v):
    return P.lit(v) if isinstance(v, int) else _col_expr(v)


def _named(name, fn, doc):
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return _export(fn)


# ------------------------------------------------------------------ one-column functions

def _unary(name, doc):
    return _named(name, lambda col: _columns(name, col), doc)


for _name, _doc in [
    ("lcase", "Lower-cased string."), ("ucase", "Upper-cased string."),
    ("char", "The character of an ASCII code (code mod 256)."),
    ("url_encode", "application/x-www-form-urlencoded form (UTF-8)."),
    ("url_decode", "Decoded application/x-www-form-urlencoded text."),
    ("array_size", "Number of elements (NULL for a NULL array)."),
    ("array_compact", "The array without its NULL elements."),
    ("array_agg", "The group's values as a list (NULLs skipped)."),
    ("json_array_length", "Elements of the outermost JSON array (NULL if not an array)."),
    ("json_object_keys", "Keys of the outermost JSON object (NULL if not an object)."),
    ("isnotnull", "True where the column is not null."),
    ("sha", "SHA-1 digest as hex."),
]:
    globals()[_name] = _unary(_name, _doc)
del _name, _doc


def _binary(name, doc):
    return _named(name, lambda left, right: _columns(name, left, right), doc)


for _name, _doc in [
    ("startswith", "True where str starts with prefix (strings or binaries)."),
    ("endswith", "True where str ends with suffix (strings or binaries)."),
    ("contains", "True where right occurs in left (strings or binaries)."),
    ("find_in_set", "1-based index of str in a comma-separated list (0: absent)."),
    ("regexp_count", "Number of matches of the regex."),
    ("regexp_substr", "The first match of the regex (NULL when none)."),
]:
    globals()[_name] = _binary(_name, _doc)
del _name, _doc


# ------------------------------------------------------------------------ strings

@_export
def like(str, pattern, escapeChar=None):
    """SQL LIKE (`_` one character, `%` any run), with an optional escape character."""
    if escapeChar is None:
        return _columns("like", str, pattern)
    return _invoke("like", _col_expr(str), _col_expr(pattern), _lit_or_col(escapeChar))


@_export
def ilike(str, pattern, escapeChar=None):
    """Case-insensitive LIKE."""
    if escapeChar is None:
        return _columns("ilike", str, pattern)
    return _invoke("ilike", _col_expr(str), _col_expr(pattern), _lit_or_col(escapeChar))


@_export
def regexp_instr(str, regexp, idx=None):
    """1-based position of the first match (of group idx), 0 when none."""
    if idx is None:
        return _columns("regexp_instr", str, regexp)
    return _invoke("regexp_instr", _col_expr(str), _col_expr(regexp), _int_or_col(idx))


@_export
def btrim(str, trim=None):
    """The characters of trim (spaces by default) removed from both ends."""
    if trim is None:
        return _columns("btrim", str)
    return _columns("btrim", str, trim)


@_export
def split_part(src, delimiter, partNum):
    """Part partNum (1-based, negative from the end) of src split by delimiter; '' past the end."""
    return _columns("split_part", src, delimiter, partNum)


@_export
def substr(str, pos, len=None):
    """Substring from pos (1-based) of len characters (to the end by default)."""
    if len is None:
        return _columns("substr", str, pos)
    return _columns("substr", str, pos, len)


@_export
def position(substr, str, start=None):
    """1-based position of substr in str from start (0 when absent)."""
    if start is None:
        return _columns("position", substr, str)
    return _columns("position", substr, str, start)


@_export
def parse_url(url, partToExtract, key=None):
    """A part of a URL (HOST, PATH, QUERY, REF, PROTOCOL, FILE, AUTHORITY, USERINFO)."""
    if key is None:
        return _columns("parse_url", url, partToExtract)
    return _columns("parse_url", url, partToExtract, key)


@_export
def elt(*inputs):
    """The n-th of the inputs (n the first argument, 1-based); NULL out of range."""
    return _columns("elt", *inputs)


@_export
def mask(col, upperChar=None, lowerChar=None, digitChar=None, otherChar=None):
    """Letters and digits replaced by X / x / n (or the given characters)."""
    chars = [upperChar, lowerChar, digitChar, otherChar]
    defaults = ["X", "x", "n", None]
    return _invoke("mask", _col_expr(col), *[P.lit(d) if c is None else _col_expr(c)
                                             for c, d in zip(chars, defaults)])


@_export
def to_binary(col, format=None):
    """A string as binary: hex (default), utf-8 or base64; malformed input fails."""
    if format is None:
        return _columns("to_binary", col)
    return _columns("to_binary", col, format)


@_export
def try_to_binary(col, format=None):
    """to_binary, NULL for malformed input."""
    if format is None:
        return _columns("try_to_binary", col)
    return _columns("try_to_binary", col, format)


# --------------------------------------------------------------------- collections

@_export
def get(col, index):
    """Element at a 0-based index; NULL out of range."""
    return _invoke("get", _col_expr(col), _int_or_col(index))


@_export
def array_append(col, value):
    """The array with value added at the end."""
    return _invoke("array_append", _col_expr(col), _lit_or_col(value))


@_export
def array_prepend(col, value):
    """The array with value added at the front."""
    return _invoke("array_prepend", _col_expr(col), _lit_or_col(value))


@_export
def array_insert(arr, pos, value):
    """value inserted at a 1-based position (negative from the end); gaps filled with NULLs."""
    return _invoke("array_insert", _col_expr(arr), _int_or_col(pos), _lit_or_col(value))


@_export
def map_contains_key(col, value):
    """True when the map has the key."""
    return _invoke("map_contains_key", _col_expr(col), _lit_or_col(value))


# ---------------------------------------------------------------------------- misc

@_export
def assert_true(col, errMsg=None):
    """NULL, or the query fails with errMsg where col is not true."""
    if errMsg is None:
        return _columns("assert_true", col)
    if not isinstance(errMsg, (str, Column)):
        raise PySparkTypeError(error_class="NOT_COLUMN_OR_STR",
                               message_parameters={"arg_name": "errMsg",
                                                   "arg_type": type(errMsg).__name__})
    return _invoke("assert_true", _col_expr(col),
                   P.lit(errMsg) if isinstance(errMsg, str) else errMsg._expr)


@_export
def raise_error(errMsg):
    """The query fails with errMsg (Spark 3.5: java.lang.RuntimeException) for any row."""
    if not isinstance(errMsg, (str, Column)):
        raise PySparkTypeError(error_class="NOT_COLUMN_OR_STR",
                               message_parameters={"arg_name": "errMsg",
                                                   "arg_type": type(errMsg).__name__})
    return _invoke("raise_error", P.lit(errMsg) if isinstance(errMsg, str) else errMsg._expr)


# ---------------------------------------------------------------------------- partition transforms
# Spark's PartitionTransformExpressions: arguments of DataFrameWriterV2.partitionedBy only (the
# session catalog takes bucket(n, col) as a bucketed table and refuses the others).

@_export
def years(col):
    """Partition transform: the years of a date/timestamp (writeTo(...).partitionedBy only)."""
    return _columns("years", col)


@_export
def months(col):
    """Partition transform: the months of a date/timestamp (writeTo(...).partitionedBy only)."""
    return _columns("months", col)


@_export
def days(col):
    """Partition transform: the days of a date/timestamp (writeTo(...).partitionedBy only)."""
    return _columns("days", col)


@_export
def hours(col):
    """Partition transform: the hours of a timestamp (writeTo(...).partitionedBy only)."""
    return _columns("hours", col)


@_export
def bucket(numBuckets, col):
    """Partition transform: numBuckets hash buckets of col (writeTo(...).partitionedBy only)."""
    if not isinstance(numBuckets, (int, Column)):
        raise PySparkTypeError(error_class="NOT_COLUMN_OR_INT",
                               message_parameters={"arg_name": "numBuckets",
                                                   "arg_type": type(numBuckets).__name__})
    return _invoke("bucket", P.lit(numBuckets) if isinstance(numBuckets, int) else numBuckets._expr,
                   _col_expr(col))


# ---------------------------------------------------------------------------- CSV

def _options(options):
    from sparkpp.sql.functions import _json_options
    return _json_options(options)


@_export
def from_csv(col, schema, options=None):
    """A CSV string parsed into a struct of the schema (DDL string or schema_of_csv column)."""
    if isinstance(schema, str):
        sch = P.lit(schema)
    elif isinstance(schema, Column):
        sch = schema._expr
    else:
        raise PySparkTypeError(error_class="NOT_COLUMN_OR_STR",
                               message_parameters={"arg_name": "schema",
                                                   "arg_type": type(schema).__name__})
    if options is None:
        return _invoke("from_csv", _col_expr(col), sch)
    return _invoke("from_csv", _col_expr(col), sch, _options(options))


@_export
def to_csv(col, options=None):
    """A struct as a CSV string."""
    if options is None:
        return _invoke("to_csv", _col_expr(col))
    return _invoke("to_csv", _col_expr(col), _options(options))


@_export
def schema_of_csv(csv, options=None):
    """The schema of one CSV record, as a DDL string."""
    if isinstance(csv, str):
        c = P.lit(csv)
    elif isinstance(csv, Column):
        c = csv._expr
    else:
        raise PySparkTypeError(error_class="NOT_COLUMN_OR_STR",
                               message_parameters={"arg_name": "csv", "arg_type": type(csv).__name__})
    if options is None:
        return _invoke("schema_of_csv", c)
    return _invoke("schema_of_csv", c, _options(options))


# ------------------------------------------------------------------------ generators

@_export
def inline(col):
    """One row per struct of an array of structs, one column per field."""
    return _columns("inline", col)


@_export
def inline_outer(col):
    """inline, with a row of NULLs for a NULL or empty array."""
    return _columns("inline_outer", col)


@_export
def stack(*cols):
    """stack(n, v1, ..., vk): the values as n rows (col0, col1, ...), NULL-padded."""
    return _columns("stack", *cols)


@_export
def json_tuple(col, *fields):
    """Top-level fields of a JSON object as columns c0, c1, ..."""
    if len(fields) == 0:
        from sparkpp.errors import PySparkValueError
        raise PySparkValueError(error_class="CANNOT_BE_EMPTY",
                                message_parameters={"item": "field"})
    return _invoke("json_tuple", _col_expr(col), *[P.lit(f) for f in fields])


# --------------------------------------------------------------------------- AES

def _or_lit(c, default):
    return P.lit(default) if c is None else _col_expr(c)


@_export
def aes_encrypt(input, key, mode=None, padding=None, iv=None, aad=None):
    """AES encryption (GCM by default; ECB, CBC) as Spark's formats."""
    return _invoke("aes_encrypt", _col_expr(input), _col_expr(key), _or_lit(mode, "GCM"),
                   _or_lit(padding, "DEFAULT"), _or_lit(iv, ""), _or_lit(aad, ""))


@_export
def aes_decrypt(input, key, mode=None, padding=None, aad=None):
    """AES decryption of aes_encrypt's output."""
    return _invoke("aes_decrypt", _col_expr(input), _col_expr(key), _or_lit(mode, "GCM"),
                   _or_lit(padding, "DEFAULT"), _or_lit(aad, ""))


@_export
def try_aes_decrypt(input, key, mode=None, padding=None, aad=None):
    """aes_decrypt, NULL where decryption fails."""
    return _invoke("try_aes_decrypt", _col_expr(input), _col_expr(key), _or_lit(mode, "GCM"),
                   _or_lit(padding, "DEFAULT"), _or_lit(aad, ""))


@_export
def sentences(string, language=None, country=None):
    """The text as sentences of words (array of arrays of strings)."""
    language = P.lit("") if language is None else _col_expr(language)
    country = P.lit("") if country is None else _col_expr(country)
    return _invoke("sentences", _col_expr(string), language, country)


# ------------------------------------------------------------------ number formats

@_export
def to_number(col, format):
    """A string parsed with a number format ('$99.99') into a decimal; fails on a mismatch."""
    return _columns("to_number", col, format)


@_export
def try_to_number(col, format):
    """to_number, NULL on a mismatch."""
    return _columns("try_to_number", col, format)


@_export
def to_char(col, format):
    """A decimal formatted with a number format ('$99.99')."""
    return _columns("to_char", col, format)


@_export
def to_varchar(col, format):
    """A decimal formatted with a number format ('$99.99')."""
    return _columns("to_varchar", col, format)


# ------------------------------------------------------------------------- XPath

for _name, _doc in [
    ("xpath", "Values of the nodes the XPath selects (array of strings)."),
    ("xpath_boolean", "True when the XPath matches or evaluates to true."),
    ("xpath_double", "The XPath's number value."), ("xpath_number", "The XPath's number value."),
    ("xpath_float", "The XPath's number value as float."), ("xpath_int", "The XPath's number value as int."),
    ("xpath_long", "The XPath's number value as bigint."),
    ("xpath_short", "The XPath's number value as smallint."),
    ("xpath_string", "The XPath's string value."),
]:
    globals()[_name] = _binary(_name, _doc)
del _name, _doc
