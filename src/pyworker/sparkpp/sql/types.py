"""pyspark.sql.types: Spark SQL data types, their names/JSON/DDL forms, Python <-> internal values,
Row, and the type inference createDataFrame uses (inference and verification live in _infer.py)."""
import calendar
import datetime
import json
import time

from sparkpp.errors import PySparkTypeError, PySparkValueError

__all__ = [
    "DataType", "NullType", "CharType", "StringType", "VarcharType", "BinaryType", "BooleanType",
    "DateType", "TimestampType", "TimestampNTZType", "DecimalType", "DoubleType", "FloatType",
    "ByteType", "IntegerType", "LongType", "DayTimeIntervalType", "YearMonthIntervalType",
    "CalendarIntervalType", "Row", "ShortType",
    "ArrayType", "MapType", "StructField", "StructType",
]

_EPOCH_ORDINAL = datetime.datetime(1970, 1, 1).toordinal()
_EPOCH_NAIVE = datetime.datetime(1970, 1, 1)


class DataType:
    """Base class for data types."""

    def __repr__(self):
        return self.__class__.__name__ + "()"

    def __hash__(self):
        return hash(str(self))

    def __eq__(self, other):
        return isinstance(other, self.__class__) and self.__dict__ == other.__dict__

    def __ne__(self, other):
        return not self.__eq__(other)

    @classmethod
    def typeName(cls):
        return cls.__name__[:-4].lower()

    def simpleString(self):
        return self.typeName()

    def jsonValue(self):
        return self.typeName()

    def json(self):
        return json.dumps(self.jsonValue(), separators=(",", ":"), sort_keys=True)

    def needConversion(self):
        """Whether Python values of this type differ from their internal (engine) form."""
        return False

    def toInternal(self, obj):
        return obj

    def fromInternal(self, obj):
        return obj


class DataTypeSingleton(type):
    """Metaclass making every parameterless type a singleton (LongType() is LongType())."""

    _instances = {}

    def __call__(cls):
        if cls not in cls._instances:
            cls._instances[cls] = super().__call__()
        return cls._instances[cls]


class NullType(DataType, metaclass=DataTypeSingleton):
    """The type of None (`void`)."""

    @classmethod
    def typeName(cls):
        return "void"


class AtomicType(DataType):
    pass


class NumericType(AtomicType):
    pass


class IntegralType(NumericType, metaclass=DataTypeSingleton):
    pass


class FractionalType(NumericType):
    pass


class StringType(AtomicType, metaclass=DataTypeSingleton):
    pass


class CharType(AtomicType):
    def __init__(self, length):
        self.length = length

    def simpleString(self):
        return "char(%d)" % self.length

    def jsonValue(self):
        return "char(%d)" % self.length

    def __repr__(self):
        return "CharType(%d)" % self.length


class VarcharType(AtomicType):
    def __init__(self, length):
        self.length = length

    def simpleString(self):
        return "varchar(%d)" % self.length

    def jsonValue(self):
        return "varchar(%d)" % self.length

    def __repr__(self):
        return "VarcharType(%d)" % self.length


class BinaryType(AtomicType, metaclass=DataTypeSingleton):
    pass


class BooleanType(AtomicType, metaclass=DataTypeSingleton):
    pass


class DateType(AtomicType, metaclass=DataTypeSingleton):
    """Internal form: days since 1970-01-01."""

    def needConversion(self):
        return True

    def toInternal(self, d):
        if d is not None:
            return d.toordinal() - _EPOCH_ORDINAL

    def fromInternal(self, v):
        if v is not None:
            return datetime.date.fromordinal(v + _EPOCH_ORDINAL)


class TimestampType(AtomicType, metaclass=DataTypeSingleton):
    """Internal form: µs since the epoch (UTC); naive values are in the process's local zone."""

    def needConversion(self):
        return True

    def toInternal(self, dt):
        if dt is not None:
            seconds = (calendar.timegm(dt.utctimetuple()) if dt.tzinfo
                       else time.mktime(dt.timetuple()))
            return int(seconds) * 1000000 + dt.microsecond

    def fromInternal(self, ts):
        if ts is not None:
            return datetime.datetime.fromtimestamp(ts // 1000000).replace(
                microsecond=ts % 1000000)


class TimestampNTZType(AtomicType, metaclass=DataTypeSingleton):
    """Internal form: µs of wall-clock time counted as if UTC."""

    @classmethod
    def typeName(cls):
        return "timestamp_ntz"

    def needConversion(self):
        return True

    def toInternal(self, dt):
        if dt is not None:
            return calendar.timegm(dt.timetuple()) * 1000000 + dt.microsecond

    def fromInternal(self, ts):
        if ts is not None:
            return _EPOCH_NAIVE + datetime.timedelta(microseconds=ts)


class DecimalType(FractionalType):
    """decimal(precision, scale); precision <= 38."""

    def __init__(self, precision=10, scale=0):
        self.precision = precision
        self.scale = scale
        self.hasPrecisionInfo = True

    def simpleString(self):
        return "decimal(%d,%d)" % (self.precision, self.scale)

    def jsonValue(self):
        return "decimal(%d,%d)" % (self.precision, self.scale)

    def __repr__(self):
        return "DecimalType(%d,%d)" % (self.precision, self.scale)


class DoubleType(FractionalType, metaclass=DataTypeSingleton):
    pass


class FloatType(FractionalType, metaclass=DataTypeSingleton):
    pass


class ByteType(IntegralType):
    def simpleString(self):
        return "tinyint"


class IntegerType(IntegralType):
    def simpleString(self):
        return "int"


class LongType(IntegralType):
    def simpleString(self):
        return "bigint"


class ShortType(IntegralType):
    def simpleString(self):
        return "smallint"


class DayTimeIntervalType(AtomicType):
    """interval day to second (by default); internal form: µs."""

    DAY, HOUR, MINUTE, SECOND = 0, 1, 2, 3
    _fields = {DAY: "day", HOUR: "hour", MINUTE: "minute", SECOND: "second"}

    def __init__(self, startField=None, endField=None):
        if startField is None and endField is None:
            startField, endField = self.DAY, self.SECOND
        elif endField is None:
            endField = startField
        if startField not in self._fields or endField not in self._fields:
            raise RuntimeError("interval %s to %s is invalid" % (startField, endField))
        self.startField = startField
        self.endField = endField

    def _str_repr(self):
        start, end = self._fields[self.startField], self._fields[self.endField]
        return ("interval %s" % start if start == end else "interval %s to %s" % (start, end))

    simpleString = _str_repr
    jsonValue = _str_repr

    def __repr__(self):
        return "%s(%d, %d)" % (type(self).__name__, self.startField, self.endField)

    def needConversion(self):
        return True

    def toInternal(self, dt):
        if dt is not None:
            return (dt.days * 86400 + dt.seconds) * 1000000 + dt.microseconds

    def fromInternal(self, micros):
        if micros is not None:
            return datetime.timedelta(microseconds=micros)


class YearMonthIntervalType(AtomicType):
    """interval year to month (by default); internal and collected form: months (int)."""

    YEAR, MONTH = 0, 1
    _fields = {YEAR: "year", MONTH: "month"}
    _inverted_fields = dict(zip(_fields.values(), _fields.keys()))

    def __init__(self, startField=None, endField=None):
        if startField is None and endField is None:
            startField, endField = self.YEAR, self.MONTH
        elif endField is None:
            endField = startField
        if startField not in self._fields or endField not in self._fields:
            raise RuntimeError("interval %s to %s is invalid" % (startField, endField))
        self.startField = startField
        self.endField = endField

    def _str_repr(self):
        start, end = self._fields[self.startField], self._fields[self.endField]
        return ("interval %s" % start if start == end else "interval %s to %s" % (start, end))

    simpleString = _str_repr
    jsonValue = _str_repr

    def __repr__(self):
        return "%s(%d, %d)" % (type(self).__name__, self.startField, self.endField)


class CalendarIntervalType(AtomicType, metaclass=DataTypeSingleton):
    """The legacy interval type (make_interval, INTERVAL literals with several units); internal
    form: (months, days, microseconds). Not collectable in PySpark; collected here as Spark's
    CalendarInterval.toString text."""

    @classmethod
    def typeName(cls):
        return "interval"

    def needConversion(self):
        return True

    def toInternal(self, v):
        return v

    def fromInternal(self, v):
        if v is None or isinstance(v, str):
            return v
        return calendar_interval_string(*v)


def _plain_seconds(micros):
    """java.math.BigDecimal.valueOf(micros, 6).stripTrailingZeros.toPlainString."""
    sec, frac = divmod(micros, 1000000)
    return "%d" % sec + (("." + "%06d" % frac).rstrip("0") if frac else "")


def day_time_interval_string(micros, start=0, end=3):
    """IntervalUtils.toDayTimeIntervalString, ANSI style: INTERVAL '1 02:03:04.5' DAY TO SECOND."""
    names = ("DAY", "HOUR", "MINUTE", "SECOND")
    unit = (86400000000, 3600000000, 60000000)
    sign, rest = ("-", -micros) if micros < 0 else ("", micros)
    out = sign
    if start < 3:
        out += ("%d" if start == 0 else "%02d") % (rest // unit[start])
        rest %= unit[start]
    else:
        out += ("0" if rest < 10000000 else "") + _plain_seconds(rest)
    if start < 1 <= end:
        out += " %02d" % (rest // unit[1])
        rest %= unit[1]
    if start < 2 <= end:
        out += ":%02d" % (rest // unit[2])
        rest %= unit[2]
    if start < 3 <= end:
        out += ":" + ("0" if rest < 10000000 else "") + _plain_seconds(rest)
    fields = names[start] if start == end else "%s TO %s" % (names[start], names[end])
    return "INTERVAL '%s' %s" % (out, fields)


def year_month_interval_string(months, start=0, end=1):
    """IntervalUtils.toYearMonthIntervalString, ANSI style: INTERVAL '1-2' YEAR TO MONTH."""
    sign, a = ("-", -months) if months < 0 else ("", months)
    if start == end:
        body = ("%s%d" % (sign, a // 12)) if start == 0 else "%d" % months
        return "INTERVAL '%s' %s" % (body, "YEAR" if start == 0 else "MONTH")
    return "INTERVAL '%s%d-%d' YEAR TO MONTH" % (sign, a // 12, a % 12)


def calendar_interval_string(months, days, micros):
    """CalendarInterval.toString: `1 years 2 months 3 days 4.5 seconds`, `0 seconds`."""
    parts = []
    if months:
        y, m = int(months / 12), months - int(months / 12) * 12
        if y:
            parts.append("%d years" % y)
        if m:
            parts.append("%d months" % m)
    if days:
        parts.append("%d days" % days)
    if micros:
        neg = micros < 0
        a = -micros if neg else micros
        h, a = divmod(a, 3600 * 1000000)
        mi, a = divmod(a, 60 * 1000000)
        sign = "-" if neg else ""
        if h:
            parts.append("%s%d hours" % (sign, h))
        if mi:
            parts.append("%s%d minutes" % (sign, mi))
        if a:
            sec, frac = divmod(a, 1000000)
            txt = "%d" % sec
            if frac:
                txt += ("." + "%06d" % frac).rstrip("0")
            parts.append("%s%s seconds" % (sign, txt))
    return " ".join(parts) if parts else "0 seconds"


class ArrayType(DataType):
    def __init__(self, elementType, containsNull=True):
        assert isinstance(elementType, DataType), \
            "elementType %s should be an instance of %s" % (elementType, DataType)
        self.elementType = elementType
        self.containsNull = containsNull

    def simpleString(self):
        return "array<%s>" % self.elementType.simpleString()

    def __repr__(self):
        return "ArrayType(%s, %s)" % (self.elementType, str(self.containsNull))

    def jsonValue(self):
        return {"type": self.typeName(), "elementType": self.elementType.jsonValue(),
                "containsNull": self.containsNull}

    @classmethod
    def fromJson(cls, json):
        return ArrayType(_parse_datatype_json_value(json["elementType"]), json["containsNull"])

    def needConversion(self):
        return self.elementType.needConversion()

    def toInternal(self, obj):
        if not self.needConversion():
            return obj
        return obj and [self.elementType.toInternal(v) for v in obj]

    def fromInternal(self, obj):
        if not self.needConversion():
            return obj
        return obj and [self.elementType.fromInternal(v) for v in obj]


class MapType(DataType):
    def __init__(self, keyType, valueType, valueContainsNull=True):
        assert isinstance(keyType, DataType), \
            "keyType %s should be an instance of %s" % (keyType, DataType)
        assert isinstance(valueType, DataType), \
            "valueType %s should be an instance of %s" % (valueType, DataType)
        self.keyType = keyType
        self.valueType = valueType
        self.valueContainsNull = valueContainsNull

    def simpleString(self):
        return "map<%s,%s>" % (self.keyType.simpleString(), self.valueType.simpleString())

    def __repr__(self):
        return "MapType(%s, %s, %s)" % (self.keyType, self.valueType, str(self.valueContainsNull))

    def jsonValue(self):
        return {"type": self.typeName(), "keyType": self.keyType.jsonValue(),
                "valueType": self.valueType.jsonValue(),
                "valueContainsNull": self.valueContainsNull}

    @classmethod
    def fromJson(cls, json):
        return MapType(_parse_datatype_json_value(json["keyType"]),
                       _parse_datatype_json_value(json["valueType"]), json["valueContainsNull"])

    def needConversion(self):
        return self.keyType.needConversion() or self.valueType.needConversion()

    def toInternal(self, obj):
        if not self.needConversion():
            return obj
        return obj and dict((self.keyType.toInternal(k), self.valueType.toInternal(v))
                            for k, v in obj.items())

    def fromInternal(self, obj):
        if not self.needConversion():
            return obj
        return obj and dict((self.keyType.fromInternal(k), self.valueType.fromInternal(v))
                            for k, v in obj.items())


class StructField(DataType):
    def __init__(self, name, dataType, nullable=True, metadata=None):
        assert isinstance(dataType, DataType), \
            "dataType %s should be an instance of %s" % (dataType, DataType)
        assert isinstance(name, str), "field name %s should be a string" % (name)
        self.name = name
        self.dataType = dataType
        self.nullable = nullable
        self.metadata = metadata or {}

    def simpleString(self):
        return "%s:%s" % (self.name, self.dataType.simpleString())

    def __repr__(self):
        return "StructField('%s', %s, %s)" % (self.name, self.dataType, str(self.nullable))

    def jsonValue(self):
        return {"name": self.name, "type": self.dataType.jsonValue(),
                "nullable": self.nullable, "metadata": self.metadata}

    @classmethod
    def fromJson(cls, json):
        return StructField(json["name"], _parse_datatype_json_value(json["type"]),
                           json.get("nullable", True), json.get("metadata"))

    def needConversion(self):
        return self.dataType.needConversion()

    def toInternal(self, obj):
        return self.dataType.toInternal(obj)

    def fromInternal(self, obj):
        return self.dataType.fromInternal(obj)

    def typeName(self):
        raise TypeError("StructField does not have typeName. Use typeName on its type "
                        "explicitly instead.")


class StructType(DataType):
    """A list of StructFields; iterable, indexable by position or name."""

    def __init__(self, fields=None):
        self.fields = [] if not fields else list(fields)
        self.names = [f.name for f in self.fields]
        assert all(isinstance(f, StructField) for f in self.fields), \
            "fields should be a list of StructField"
        self._refresh()

    def _refresh(self):
        self._needConversion = [f.needConversion() for f in self.fields]
        self._needSerializeAnyField = any(self._needConversion)

    def add(self, field, data_type=None, nullable=True, metadata=None):
        if isinstance(field, StructField):
            self.fields.append(field)
            self.names.append(field.name)
        else:
            if isinstance(field, str) and data_type is None:
                raise ValueError("Must specify DataType if passing name of struct_field to "
                                 "create.")
            if isinstance(data_type, str):
                data_type = _parse_datatype_string(data_type)
            self.fields.append(StructField(field, data_type, nullable, metadata))
            self.names.append(field)
        self._refresh()
        return self

    def __iter__(self):
        return iter(self.fields)

    def __len__(self):
        return len(self.fields)

    def __getitem__(self, key):
        if isinstance(key, str):
            for field in self:
                if field.name == key:
                    return field
            raise KeyError("No StructField named {0}".format(key))
        elif isinstance(key, int):
            try:
                return self.fields[key]
            except IndexError:
                raise IndexError("StructType index out of range")
        elif isinstance(key, slice):
            return StructType(self.fields[key])
        raise TypeError("StructType keys should be strings, integers or slices")

    def simpleString(self):
        return "struct<%s>" % (",".join(f.simpleString() for f in self))

    def __repr__(self):
        return "StructType([%s])" % ", ".join(str(field) for field in self)

    def jsonValue(self):
        return {"type": self.typeName(), "fields": [f.jsonValue() for f in self]}

    @classmethod
    def fromJson(cls, json):
        return StructType([StructField.fromJson(f) for f in json["fields"]])

    def fieldNames(self):
        return list(self.names)

    def treeString(self, level=None):
        """Spark's StructType.treeString, as printSchema prints it."""
        lines = ["root"]
        for f in self.fields:
            _field_tree(f.name, f.dataType, "nullable", f.nullable, " |", lines, 1, level)
        return "\n".join(lines) + "\n"

    def needConversion(self):
        return True

    def toInternal(self, obj):
        if obj is None:
            return None
        if self._needSerializeAnyField:
            if isinstance(obj, dict):
                return tuple(f.toInternal(obj.get(n)) if c else obj.get(n)
                             for n, f, c in zip(self.names, self.fields, self._needConversion))
            if isinstance(obj, (tuple, list)):
                return tuple(f.toInternal(v) if c else v
                             for f, v, c in zip(self.fields, obj, self._needConversion))
            if hasattr(obj, "__dict__"):
                d = obj.__dict__
                return tuple(f.toInternal(d.get(n)) if c else d.get(n)
                             for n, f, c in zip(self.names, self.fields, self._needConversion))
            raise PySparkValueError(error_class="UNEXPECTED_TUPLE_WITH_STRUCT",
                                    message_parameters={"tuple": str(obj)})
        if isinstance(obj, dict):
            return tuple(obj.get(n) for n in self.names)
        if isinstance(obj, (list, tuple)):
            return tuple(obj)
        if hasattr(obj, "__dict__"):
            d = obj.__dict__
            return tuple(d.get(n) for n in self.names)
        raise PySparkValueError(error_class="UNEXPECTED_TUPLE_WITH_STRUCT",
                                message_parameters={"tuple": str(obj)})

    def fromInternal(self, obj):
        if obj is None:
            return None
        if isinstance(obj, Row):
            return obj
        if self._needSerializeAnyField:
            values = [f.fromInternal(v) if c else v
                      for f, v, c in zip(self.fields, obj, self._needConversion)]
        else:
            values = obj
        return _create_row(self.names, values)


def _field_tree(name, dt, flag, flag_value, prefix, lines, depth, max_depth):
    # StructField.buildFormattedString / ArrayType / MapType in Spark: one line per node
    if max_depth is not None and depth > max_depth:
        return
    name = name.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    lines.append("%s-- %s: %s (%s = %s)" % (prefix, name, dt.typeName(), flag,
                                             str(flag_value).lower())
                 if flag else "%s-- %s: %s" % (prefix, name, dt.typeName()))
    _children_tree(dt, prefix + "    |", lines, depth + 1, max_depth)


def _children_tree(dt, prefix, lines, depth, max_depth):
    if isinstance(dt, StructType):
        for f in dt.fields:
            _field_tree(f.name, f.dataType, "nullable", f.nullable, prefix, lines, depth,
                        max_depth)
    elif isinstance(dt, ArrayType):
        _field_tree("element", dt.elementType, "containsNull", dt.containsNull, prefix, lines,
                    depth, max_depth)
    elif isinstance(dt, MapType):
        _field_tree("key", dt.keyType, None, None, prefix, lines, depth, max_depth)
        _field_tree("value", dt.valueType, "valueContainsNull", dt.valueContainsNull, prefix,
                    lines, depth, max_depth)


_atomic_types = [StringType, BinaryType, BooleanType, DecimalType, FloatType, DoubleType,
                 ByteType, ShortType, IntegerType, LongType, DateType, TimestampType,
                 TimestampNTZType, NullType, CalendarIntervalType]
_all_atomic_types = dict((t.typeName(), t) for t in _atomic_types)
_complex_types = [ArrayType, MapType, StructType]
_all_complex_types = dict((v.typeName(), v) for v in _complex_types)


def _parse_datatype_string(s):
    """A DDL string -> DataType: "int", "array<int>", "a INT, b STRING", "a: int",
    "struct<a:int>". A field list becomes a StructType."""
    from sparkpp.sql._ddl import parse_ddl
    return parse_ddl(s)


def _parse_datatype_json_string(json_string):
    return _parse_datatype_json_value(json.loads(json_string))


def _parse_datatype_json_value(json_value):
    if not isinstance(json_value, dict):
        if json_value in _all_atomic_types:
            return _all_atomic_types[json_value]()
        if json_value == "decimal":
            return DecimalType()
        if json_value.startswith("decimal("):
            p, s = json_value[len("decimal("):-1].split(",")
            return DecimalType(int(p), int(s))
        if json_value.startswith("interval"):
            names = {v: k for k, v in DayTimeIntervalType._fields.items()}
            parts = json_value.split()
            if parts[1] in ("year", "month"):
                ym = YearMonthIntervalType._inverted_fields
                return YearMonthIntervalType(ym[parts[1]], ym[parts[-1]])
            if len(parts) == 2:
                return DayTimeIntervalType(names[parts[1]])
            return DayTimeIntervalType(names[parts[1]], names[parts[3]])
        if json_value.startswith("char("):
            return CharType(int(json_value[5:-1]))
        if json_value.startswith("varchar("):
            return VarcharType(int(json_value[8:-1]))
        raise ValueError("Could not parse datatype: %s" % json_value)
    tpe = json_value["type"]
    if tpe in _all_complex_types:
        return _all_complex_types[tpe].fromJson(json_value)
    raise ValueError("not supported type: %s" % tpe)


# ------------------------------------------------------------------------------------- Row

def _create_row(fields, values):
    row = Row(*values)
    row.__fields__ = list(fields)
    return row


class Row(tuple):
    """Row(name="Alice", age=11) is a row; Row("name", "age") is a row *class* that makes rows
    when called: Row("name", "age")("Alice", 11).

    >>> row = Row(name="Alice", age=11)
    >>> row
    Row(name='Alice', age=11)
    >>> row['name'], row['age']
    ('Alice', 11)
    >>> row.name, row.age
    ('Alice', 11)
    >>> 'name' in row
    True
    >>> Person = Row("name", "age")
    >>> Person("Alice", 11)
    Row(name='Alice', age=11)
    >>> Row("Alice", 11) == Row(name="Alice", age=11)
    True
    """

    def __new__(cls, *args, **kwargs):
        if args and kwargs:
            raise PySparkValueError(error_class="CANNOT_SET_TOGETHER",
                                    message_parameters={"arg_list": "args and kwargs"})
        if kwargs:
            row = tuple.__new__(cls, list(kwargs.values()))
            row.__fields__ = list(kwargs.keys())
            return row
        return tuple.__new__(cls, args)

    def asDict(self, recursive=False):
        if not hasattr(self, "__fields__"):
            raise PySparkTypeError(error_class="CANNOT_CONVERT_TYPE",
                                   message_parameters={"from_type": "Row", "to_type": "dict"})
        if recursive:
            def conv(obj):
                if isinstance(obj, Row):
                    return obj.asDict(True)
                if isinstance(obj, list):
                    return [conv(o) for o in obj]
                if isinstance(obj, dict):
                    return dict((k, conv(v)) for k, v in obj.items())
                return obj
            return dict(zip(self.__fields__, (conv(o) for o in self)))
        return dict(zip(self.__fields__, self))

    def __contains__(self, item):
        if hasattr(self, "__fields__"):
            return item in self.__fields__
        return super().__contains__(item)

    def __call__(self, *args):
        if len(args) > len(self):
            raise PySparkValueError(error_class="TOO_MANY_VALUES",
                                    message_parameters={"expected": str(len(self)),
                                                        "item": "fields",
                                                        "actual": str(len(args))})
        return _create_row(self, args)

    def __getitem__(self, item):
        if isinstance(item, (int, slice)):
            return super().__getitem__(item)
        try:
            idx = self.__fields__.index(item)
            return super().__getitem__(idx)
        except IndexError:
            raise KeyError(item) from None
        except ValueError:
            raise PySparkValueError(item) from None

    def __getattr__(self, item):
        if item.startswith("__"):
            raise AttributeError(item)
        try:
            idx = self.__fields__.index(item)
            return self[idx]
        except (IndexError, ValueError):
            raise AttributeError(item) from None

    def __setattr__(self, key, value):
        if key != "__fields__":
            raise RuntimeError("Row is read-only")
        self.__dict__[key] = value

    def __reduce__(self):
        if hasattr(self, "__fields__"):
            return (_create_row, (self.__fields__, tuple(self)))
        return tuple.__reduce__(self)

    def __repr__(self):
        if hasattr(self, "__fields__"):
            return "Row(%s)" % ", ".join("%s=%r" % (k, v)
                                         for k, v in zip(self.__fields__, tuple(self)))
        return "<Row(%s)>" % ", ".join(repr(field) for field in self)


# Type inference and verification for createDataFrame (PySpark keeps them in types.py too)
from sparkpp.sql._infer import (  # noqa: E402,F401
    _infer_type, _infer_schema, _merge_type, _has_nulltype, _make_type_verifier)
