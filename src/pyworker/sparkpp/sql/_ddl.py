"""DDL type strings -> DataType, as Spark's parser reads them for schemas and casts.

Accepts a field list ("a INT, b STRING NOT NULL COMMENT 'x'"), the legacy colon form
("a: int, b: string"), or one type ("int", "array<int>", "struct<a:int>", "decimal(10,2)").
Like PySpark's _parse_datatype_string, a field list is tried first, then a single type."""
import re

from sparkpp.errors import ParseException
from sparkpp.sql import types as T

__all__ = ["parse_ddl", "parse_type"]

_TOKEN = re.compile(r"\s*(?:(`(?:[^`]|``)*`)|([A-Za-z_][A-Za-z0-9_]*)|(-?\d+)|('(?:[^'\\]|\\.)*')"
                    r"|(\"(?:[^\"\\]|\\.)*\")|([<>(),:]))")

_SIMPLE = {
    "boolean": T.BooleanType, "tinyint": T.ByteType, "byte": T.ByteType,
    "smallint": T.ShortType, "short": T.ShortType, "int": T.IntegerType,
    "integer": T.IntegerType, "bigint": T.LongType, "long": T.LongType, "float": T.FloatType,
    "real": T.FloatType, "double": T.DoubleType, "date": T.DateType,
    "timestamp": T.TimestampType, "timestamp_ltz": T.TimestampType,
    "timestamp_ntz": T.TimestampNTZType, "string": T.StringType, "binary": T.BinaryType,
    "void": T.NullType,
}


def _syntax_error(tok):
    near = "end of input" if tok is None else "'%s'" % tok
    return ParseException("[PARSE_SYNTAX_ERROR] Syntax error at or near %s." % near,
                          error_class="PARSE_SYNTAX_ERROR",
                          message_parameters={"error": near, "hint": ""}, sql_state="42601")


class _Parser:
    def __init__(self, text):
        self.toks = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise _syntax_error(text[pos:].strip()[:1])
            pos = m.end()
            kind = m.lastindex
            self.toks.append((kind, m.group(kind)))
        self.i = 0

    def peek(self, offset=0):
        j = self.i + offset
        return self.toks[j][1] if j < len(self.toks) else None

    def peek_word(self):
        t = self.peek()
        return t.lower() if t is not None and self.toks[self.i][0] == 2 else None

    def next(self):
        t = self.peek()
        if t is None:
            raise _syntax_error(None)
        self.i += 1
        return t

    def expect(self, tok):
        t = self.peek()
        if t is None or t.lower() != tok:
            raise _syntax_error(t)
        self.i += 1

    def at_end(self):
        return self.i >= len(self.toks)

    def name(self):
        if self.i >= len(self.toks):
            raise _syntax_error(None)
        kind, t = self.toks[self.i]
        if kind == 1:
            self.i += 1
            return t[1:-1].replace("``", "`")
        if kind in (2, 3):
            self.i += 1
            return t
        raise _syntax_error(t)

    def int_arg(self):
        kind_t = self.next()
        if not re.fullmatch(r"-?\d+", kind_t):
            raise _syntax_error(kind_t)
        return int(kind_t)

    def data_type(self):
        word = self.peek_word()
        if word is None:
            raise _syntax_error(self.peek())
        self.next()
        if word in _SIMPLE:
            return _SIMPLE[word]()
        if word in ("decimal", "dec", "numeric"):
            if self.peek() == "(":
                self.next()
                p = self.int_arg()
                s = 0
                if self.peek() == ",":
                    self.next()
                    s = self.int_arg()
                self.expect(")")
                return T.DecimalType(p, s)
            return T.DecimalType(10, 0)
        if word in ("char", "character", "varchar"):
            self.expect("(")
            n = self.int_arg()
            self.expect(")")
            return T.VarcharType(n) if word == "varchar" else T.CharType(n)
        if word == "array":
            self.expect("<")
            elem = self.data_type()
            self.expect(">")
            return T.ArrayType(elem, True)
        if word == "map":
            self.expect("<")
            k = self.data_type()
            self.expect(",")
            v = self.data_type()
            self.expect(">")
            return T.MapType(k, v, True)
        if word == "struct":
            self.expect("<")
            fields = []
            if self.peek() != ">":
                fields = self.fields(colon_optional=True, end=">")
            self.expect(">")
            return T.StructType(fields)
        if word == "interval":
            units = ["day", "hour", "minute", "second"]
            start = self.peek_word()
            if start not in units:
                raise _syntax_error(self.peek())
            self.next()
            end = start
            if self.peek_word() == "to":
                self.next()
                end = self.peek_word()
                if end not in units:
                    raise _syntax_error(self.peek())
                self.next()
            return T.DayTimeIntervalType(units.index(start), units.index(end))
        raise ParseException('[UNSUPPORTED_DATATYPE] Unsupported data type "%s".' % word.upper(),
                             error_class="UNSUPPORTED_DATATYPE",
                             message_parameters={"typeName": '"%s"' % word.upper()},
                             sql_state="0A000")

    def fields(self, colon_optional, end=None):
        fields = []
        while True:
            name = self.name()
            if self.peek() == ":":
                self.next()
            elif not colon_optional:
                pass
            dt = self.data_type()
            nullable = True
            metadata = None
            while self.peek_word() in ("not", "comment"):
                if self.peek_word() == "not":
                    self.next()
                    self.expect("null")
                    nullable = False
                else:
                    self.next()
                    raw = self.next()
                    if raw[:1] not in ("'", '"'):
                        raise _syntax_error(raw)
                    metadata = {"comment": re.sub(r"\\(.)", r"\1", raw[1:-1])}
            fields.append(T.StructField(name, dt, nullable, metadata))
            if self.peek() != ",":
                return fields
            self.next()


def _parse(text, as_schema):
    p = _Parser(text)
    try:
        result = T.StructType(p.fields(colon_optional=True)) if as_schema else p.data_type()
        if not p.at_end():
            raise _syntax_error(p.peek())
        return result, None, p.i
    except ParseException as e:
        return None, e, p.i


def parse_type(text):
    """One data type ("int", "array<string>", "struct<a:int>")."""
    result, error, _ = _parse(text, False)
    if error is not None:
        raise error
    return result


def parse_ddl(text):
    """A schema (field list) or a single type, as PySpark's _parse_datatype_string; when both
    fail, the error of the reading that got further is reported."""
    schema, schema_error, schema_pos = _parse(text, True)
    if schema_error is None:
        return schema
    dt, type_error, type_pos = _parse(text, False)
    if type_error is None:
        return dt
    raise (type_error if type_pos >= schema_pos else schema_error) from None
