"""Spark's Python-side type inference and schema verification for createDataFrame
(PySpark's _infer_type/_infer_schema/_merge_type/_make_type_verifier, same rules and errors)."""
import array
import datetime
import decimal
from functools import reduce

from sparkpp.errors import PySparkTypeError, PySparkValueError
from sparkpp.sql import types as T

__all__ = ["_infer_type", "_infer_schema", "_merge_type", "_has_nulltype",
           "_make_type_verifier", "infer_schema_from_list"]

# exact Python type -> Spark type (type(obj), so bool is not int)
_type_mappings = {
    type(None): T.NullType, bool: T.BooleanType, int: T.LongType, float: T.DoubleType,
    str: T.StringType, bytearray: T.BinaryType, bytes: T.BinaryType,
    decimal.Decimal: T.DecimalType, datetime.date: T.DateType,
    datetime.datetime: T.TimestampType, datetime.time: T.TimestampType,
    datetime.timedelta: T.DayTimeIntervalType,
}

_array_type_mappings = {
    "b": T.ByteType, "h": T.ShortType, "i": T.IntegerType, "l": T.LongType, "q": T.LongType,
    "f": T.FloatType, "d": T.DoubleType, "u": T.StringType,
}


def _infer_type(obj, infer_dict_as_struct=False, infer_array_from_first_element=False,
                prefer_timestamp_ntz=False):
    """The Spark type of one Python value."""
    if obj is None:
        return T.NullType()
    data_type = _type_mappings.get(type(obj))
    if data_type is T.DecimalType:
        return T.DecimalType(38, 18)
    if data_type is T.TimestampType and prefer_timestamp_ntz and obj.tzinfo is None:
        return T.TimestampNTZType()
    if data_type is not None:
        return data_type()
    sub = (infer_dict_as_struct, infer_array_from_first_element, prefer_timestamp_ntz)
    if isinstance(obj, dict):
        if infer_dict_as_struct:
            struct = T.StructType()
            for key, value in obj.items():
                if key is not None and value is not None:
                    struct.add(key, _infer_type(value, *sub), True)
            return struct
        for key, value in obj.items():  # 3.5 types a map by its first non-null entry
            if key is not None and value is not None:
                return T.MapType(_infer_type(key, *sub), _infer_type(value, *sub), True)
        return T.MapType(T.NullType(), T.NullType(), True)
    if isinstance(obj, list):
        if infer_array_from_first_element:
            for v in obj:
                if v is not None:
                    return T.ArrayType(_infer_type(obj[0], *sub), True)
            return T.ArrayType(T.NullType(), True)
        return T.ArrayType(reduce(_merge_type, (_infer_type(v, *sub) for v in obj),
                                  T.NullType()), True)
    if isinstance(obj, array.array):
        if obj.typecode in _array_type_mappings:
            return T.ArrayType(_array_type_mappings[obj.typecode](), False)
        raise PySparkTypeError(error_class="UNSUPPORTED_DATA_TYPE",
                               message_parameters={"data_type": "array(%s)" % obj.typecode})
    try:
        return _infer_schema(obj, infer_dict_as_struct=infer_dict_as_struct,
                             infer_array_from_first_element=infer_array_from_first_element)
    except TypeError:
        raise PySparkTypeError(error_class="UNSUPPORTED_DATA_TYPE",
                               message_parameters={"data_type": type(obj).__name__}) from None


def _infer_schema(row, names=None, infer_dict_as_struct=False,
                  infer_array_from_first_element=False, prefer_timestamp_ntz=False):
    """The StructType of one record: a dict (keys sorted), Row/namedtuple (field order),
    tuple/list (`_1, _2, …` or `names`), or an object (sorted __dict__)."""
    if isinstance(row, dict):
        items = sorted(row.items())
    elif isinstance(row, (tuple, list)):
        if hasattr(row, "__fields__"):
            items = zip(row.__fields__, tuple(row))
        elif hasattr(row, "_fields"):
            items = zip(row._fields, tuple(row))
        else:
            if names is None:
                names = ["_%d" % i for i in range(1, len(row) + 1)]
            elif len(names) < len(row):
                names = list(names) + ["_%d" % i for i in range(len(names) + 1, len(row) + 1)]
            items = zip(names, row)
    elif hasattr(row, "__dict__"):
        items = sorted(row.__dict__.items())
    else:
        raise PySparkTypeError(error_class="CANNOT_INFER_SCHEMA_FOR_TYPE",
                               message_parameters={"data_type": type(row).__name__})
    fields = []
    for k, v in items:
        try:
            fields.append(T.StructField(k, _infer_type(v, infer_dict_as_struct,
                                                       infer_array_from_first_element,
                                                       prefer_timestamp_ntz), True))
        except TypeError:
            raise PySparkTypeError(error_class="CANNOT_INFER_TYPE_FOR_FIELD",
                                   message_parameters={"field_name": k}) from None
    return T.StructType(fields)


def _has_nulltype(dt):
    if isinstance(dt, T.StructType):
        return any(_has_nulltype(f.dataType) for f in dt.fields)
    if isinstance(dt, T.ArrayType):
        return _has_nulltype(dt.elementType)
    if isinstance(dt, T.MapType):
        return _has_nulltype(dt.keyType) or _has_nulltype(dt.valueType)
    return isinstance(dt, T.NullType)


def _merge_type(a, b, name=None):
    """The type both values fit: NullType gives way, timestamp wins over timestamp_ntz, string
    absorbs any atomic type; other different types are an error (no numeric widening)."""
    if isinstance(a, T.NullType):
        return b
    if isinstance(b, T.NullType):
        return a
    if isinstance(a, T.TimestampType) and isinstance(b, T.TimestampNTZType):
        return a
    if isinstance(a, T.TimestampNTZType) and isinstance(b, T.TimestampType):
        return b
    if isinstance(a, T.AtomicType) and isinstance(b, T.StringType):
        return b
    if isinstance(a, T.StringType) and isinstance(b, T.AtomicType):
        return a
    if type(a) is not type(b):
        raise PySparkTypeError(error_class="CANNOT_MERGE_TYPE",
                               message_parameters={"data_type1": type(a).__name__,
                                                   "data_type2": type(b).__name__})
    if isinstance(a, T.StructType):
        nfs = dict((f.name, f.dataType) for f in b.fields)
        fields = [T.StructField(f.name, _merge_type(f.dataType, nfs.get(f.name, T.NullType()),
                                                    name=f.name))
                  for f in a.fields]
        names = set(f.name for f in fields)
        for n in nfs:
            if n not in names:
                fields.append(T.StructField(n, nfs[n]))
        return T.StructType(fields)
    if isinstance(a, T.ArrayType):
        return T.ArrayType(_merge_type(a.elementType, b.elementType, name=name), True)
    if isinstance(a, T.MapType):
        return T.MapType(_merge_type(a.keyType, b.keyType, name=name),
                         _merge_type(a.valueType, b.valueType, name=name), True)
    return a


def infer_schema_from_list(data, names=None, infer_dict_as_struct=False,
                           infer_array_from_first_element=False, prefer_timestamp_ntz=False):
    """The merged schema of every record of a local list (session._inferSchemaFromList)."""
    if not data:
        raise PySparkValueError(error_class="CANNOT_INFER_EMPTY_SCHEMA", message_parameters={})
    schema = reduce(_merge_type, (_infer_schema(row, names, infer_dict_as_struct,
                                                infer_array_from_first_element,
                                                prefer_timestamp_ntz) for row in data))
    if _has_nulltype(schema):
        raise PySparkValueError(error_class="CANNOT_DETERMINE_TYPE", message_parameters={})
    return schema


# ------------------------------------------------------------------------ verification

_acceptable_types = {
    T.BooleanType: (bool,), T.ByteType: (int,), T.ShortType: (int,), T.IntegerType: (int,),
    T.LongType: (int,), T.FloatType: (float,), T.DoubleType: (float,),
    T.DecimalType: (decimal.Decimal,), T.StringType: (str,), T.CharType: (str,),
    T.VarcharType: (str,), T.BinaryType: (bytearray, bytes),
    T.DateType: (datetime.date, datetime.datetime),
    T.TimestampType: (datetime.datetime,), T.TimestampNTZType: (datetime.datetime,),
    T.DayTimeIntervalType: (datetime.timedelta,),
    T.ArrayType: (list, tuple, array.array), T.MapType: (dict,),
    T.StructType: (tuple, list, dict),
}

# (min, max) and the bound strings 3.5 prints (its message swaps them: "greater than 127 or
# less than -128")
_int_bounds = {T.ByteType: (-128, 127, "127", "-127"),
               T.ShortType: (-32768, 32767, "32767", "-32768"),
               T.IntegerType: (-2147483648, 2147483647, "2147483647", "-2147483648"),
               T.LongType: (-9223372036854775808, 9223372036854775807, "9223372036854775807",
                            "-9223372036854775808")}


def _make_type_verifier(dataType, nullable=True, name=None):
    """A function raising PySpark 3.5's error when a value does not fit `dataType`."""

    def new_name(n):
        return "field %s" % n if name is None else "field %s in %s" % (n, name)

    def verify_nullability(obj):
        if obj is None:
            if nullable:
                return True
            raise PySparkValueError(error_class="CANNOT_BE_NONE",
                                    message_parameters={"arg_name": "obj"})
        return False

    def not_acceptable(obj, data_type):
        return PySparkTypeError(error_class="CANNOT_ACCEPT_OBJECT_IN_TYPE",
                                message_parameters={"data_type": data_type,
                                                    "obj_name": str(obj),
                                                    "obj_type": type(obj).__name__})

    def verify_acceptable_types(obj):
        if type(obj) not in _acceptable_types[type(dataType)]:
            raise not_acceptable(obj, str(dataType))

    if isinstance(dataType, (T.StringType, T.CharType, T.VarcharType)):
        def verify_value(obj):
            pass  # any value is accepted (it is str()-ed on the way in)
    elif isinstance(dataType, T.NullType):
        def verify_value(obj):
            raise not_acceptable(obj, str(dataType))
    elif type(dataType) in _int_bounds:
        lo, hi, lo_text, hi_text = _int_bounds[type(dataType)]

        def verify_value(obj):
            verify_acceptable_types(obj)
            if obj < lo or obj > hi:
                raise PySparkValueError(error_class="VALUE_OUT_OF_BOUND",
                                        message_parameters={"arg_name": "obj",
                                                            "lower_bound": lo_text,
                                                            "upper_bound": hi_text,
                                                            "actual": str(obj)})
    elif isinstance(dataType, T.ArrayType):
        element_verifier = _make_type_verifier(dataType.elementType, dataType.containsNull,
                                               name="element in array %s" % name)

        def verify_value(obj):
            verify_acceptable_types(obj)
            for i in obj:
                element_verifier(i)
    elif isinstance(dataType, T.MapType):
        key_verifier = _make_type_verifier(dataType.keyType, False, name="key of map %s" % name)
        value_verifier = _make_type_verifier(dataType.valueType, dataType.valueContainsNull,
                                             name="value of map %s" % name)

        def verify_value(obj):
            verify_acceptable_types(obj)
            for k, v in obj.items():
                key_verifier(k)
                value_verifier(v)
    elif isinstance(dataType, T.StructType):
        verifiers = [(f.name, _make_type_verifier(f.dataType, f.nullable, name=new_name(f.name)))
                     for f in dataType.fields]

        def verify_value(obj):
            if isinstance(obj, dict):
                for f, verifier in verifiers:
                    verifier(obj.get(f))
            elif isinstance(obj, (tuple, list)):
                if len(obj) != len(verifiers):
                    raise PySparkValueError(error_class="LENGTH_SHOULD_BE_THE_SAME",
                                            message_parameters={
                                                "arg1": "obj", "arg2": "fields",
                                                "arg1_length": str(len(obj)),
                                                "arg2_length": str(len(verifiers))})
                for v, (_, verifier) in zip(obj, verifiers):
                    verifier(v)
            elif hasattr(obj, "__dict__"):
                d = obj.__dict__
                for f, verifier in verifiers:
                    verifier(d.get(f))
            else:
                raise not_acceptable(obj, "StructType")
    else:
        def verify_value(obj):
            verify_acceptable_types(obj)

    def verify(obj):
        if not verify_nullability(obj):
            verify_value(obj)
    return verify
