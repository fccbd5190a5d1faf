"""Every plan node the DataFrame API sends: Spark Connect Relation/Expression/DataType messages
in the proto3 JSON mapping (docs/sql-engine.md, "Plan wire format"). One function per node;
nothing else builds plan JSON."""
import base64
import datetime
import decimal
import itertools
import json
import math
import threading

from sparkpp.errors import PySparkTypeError, PySparkValueError
from sparkpp.sql import types as T

PLAN_FORMAT = 1

_plan_ids = itertools.count(1)
_plan_ids_lock = threading.Lock()


def _i64(n):
    return str(int(n))  # proto3 JSON writes 64-bit integers as strings


def new_plan_id():
    with _plan_ids_lock:
        return next(_plan_ids)


def relation(kind, body, plan_id=None):
    """A Relation: {"common": {"planId": …}, kind: body}."""
    return {"common": {"planId": _i64(new_plan_id() if plan_id is None else plan_id)},
            kind: body}


def plan_id_of(rel):
    return int(rel["common"]["planId"])


# ------------------------------------------------------------------------------ DataTypes

def data_type(dt):
    """A DataType as Connect's DataType message."""
    if isinstance(dt, T.StructType):
        return {"struct": {"fields": [_struct_field(f) for f in dt.fields]}}
    if isinstance(dt, T.ArrayType):
        return {"array": {"elementType": data_type(dt.elementType),
                          "containsNull": dt.containsNull}}
    if isinstance(dt, T.MapType):
        return {"map": {"keyType": data_type(dt.keyType), "valueType": data_type(dt.valueType),
                        "valueContainsNull": dt.valueContainsNull}}
    if isinstance(dt, T.DecimalType):
        return {"decimal": {"precision": dt.precision, "scale": dt.scale}}
    if isinstance(dt, T.CharType):
        return {"char": {"length": dt.length}}
    if isinstance(dt, T.VarcharType):
        return {"varChar": {"length": dt.length}}
    if isinstance(dt, T.DayTimeIntervalType):
        return {"dayTimeInterval": {"startField": dt.startField, "endField": dt.endField}}
    if isinstance(dt, T.YearMonthIntervalType):
        return {"yearMonthInterval": {"startField": dt.startField, "endField": dt.endField}}
    if isinstance(dt, T.CalendarIntervalType):
        return {"calendarInterval": {}}
    simple = {T.NullType: "null", T.BinaryType: "binary", T.BooleanType: "boolean",
              T.ByteType: "byte", T.ShortType: "short", T.IntegerType: "integer",
              T.LongType: "long", T.FloatType: "float", T.DoubleType: "double",
              T.StringType: "string", T.DateType: "date", T.TimestampType: "timestamp",
              T.TimestampNTZType: "timestampNtz"}
    return {simple[type(dt)]: {}}


_SIMPLE_KINDS = {"null": T.NullType, "binary": T.BinaryType, "boolean": T.BooleanType,
                 "byte": T.ByteType, "short": T.ShortType, "integer": T.IntegerType,
                 "long": T.LongType, "float": T.FloatType, "double": T.DoubleType,
                 "string": T.StringType, "date": T.DateType, "timestamp": T.TimestampType,
                 "timestampNtz": T.TimestampNTZType}


def from_data_type(d):
    """The DataType of a Connect DataType message (inverse of data_type)."""
    kind, body = next(iter(d.items()))
    if kind in _SIMPLE_KINDS:
        return _SIMPLE_KINDS[kind]()
    if kind == "decimal":
        return T.DecimalType(body.get("precision", 10), body.get("scale", 0))
    if kind == "array":
        return T.ArrayType(from_data_type(body["elementType"]), body.get("containsNull", False))
    if kind == "map":
        return T.MapType(from_data_type(body["keyType"]), from_data_type(body["valueType"]),
                         body.get("valueContainsNull", False))
    if kind == "struct":
        return T.StructType([T.StructField(f["name"], from_data_type(f["dataType"]),
                                           f.get("nullable", False),
                                           json.loads(f["metadata"]) if "metadata" in f else None)
                             for f in body.get("fields", [])])
    if kind == "char":
        return T.CharType(body["length"])
    if kind == "varChar":
        return T.VarcharType(body["length"])
    if kind == "dayTimeInterval":
        return T.DayTimeIntervalType(body.get("startField"), body.get("endField"))
    if kind == "yearMonthInterval":
        return T.YearMonthIntervalType(body.get("startField"), body.get("endField"))
    if kind == "calendarInterval":
        return T.CalendarIntervalType()
    raise ValueError("unknown DataType kind %r" % kind)


def _struct_field(f):
    out = {"name": f.name, "dataType": data_type(f.dataType), "nullable": f.nullable}
    if f.metadata:
        out["metadata"] = json.dumps(f.metadata, separators=(",", ":"), sort_keys=True)
    return out


# ------------------------------------------------------------------------------ Literals

def _double(x):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def literal_body(v, dt=None):
    """The Expression.Literal message for a Python value (PySpark's lit() typing)."""
    if v is None:
        return {"null": data_type(dt or T.NullType())}
    if isinstance(v, bool):
        return {"boolean": v}
    if isinstance(v, int):
        if -2147483648 <= v <= 2147483647 and not isinstance(dt, T.LongType):
            return {"integer": v}
        if -9223372036854775808 <= v <= 9223372036854775807:
            return {"long": _i64(v)}
        raise PySparkValueError(error_class="VALUE_OUT_OF_BOUND",
                                message_parameters={"arg_name": "value",
                                                    "lower_bound": "-9223372036854775808",
                                                    "upper_bound": "9223372036854775807",
                                                    "actual": str(v)})
    if isinstance(v, float):
        return {"double": _double(v)}
    if isinstance(v, str):
        return {"string": v}
    if isinstance(v, (bytes, bytearray)):
        return {"binary": base64.b64encode(bytes(v)).decode("ascii")}
    if isinstance(v, decimal.Decimal):
        sign, digits, exp = v.as_tuple()
        scale = max(0, -exp) if isinstance(exp, int) else 0
        precision = max(len(digits) + (exp if isinstance(exp, int) and exp > 0 else 0), scale, 1)
        return {"decimal": {"value": str(v), "precision": precision, "scale": scale}}
    if isinstance(v, datetime.datetime):
        return {"timestamp": _i64(T.TimestampType().toInternal(v))}
    if isinstance(v, datetime.date):
        return {"date": T.DateType().toInternal(v)}
    if isinstance(v, datetime.timedelta):
        return {"dayTimeInterval": _i64(T.DayTimeIntervalType().toInternal(v))}
    if isinstance(v, (list, tuple)):
        from sparkpp.sql._infer import _infer_type
        elem = _infer_type(list(v)).elementType if v else T.NullType()
        if isinstance(elem, T.LongType) and all(-2147483648 <= x <= 2147483647
                                                for x in v if x is not None):
            elem = T.IntegerType()
        return {"array": {"elementType": data_type(elem),
                          "elements": [literal_body(x, elem) for x in v]}}
    raise PySparkTypeError(error_class="UNSUPPORTED_LITERAL",
                           message_parameters={"literal": repr(v)})


# ---------------------------------------------------------------------------- Expressions

def lit(v, dt=None):
    return {"literal": literal_body(v, dt)}


def attr(name, plan_id=None):
    body = {"unparsedIdentifier": name}
    if plan_id is not None:
        body["planId"] = _i64(plan_id)
    return {"unresolvedAttribute": body}


def star(target=None):
    return {"unresolvedStar": {} if target is None else {"unparsedTarget": target}}


def fn(name, *args, distinct=False):
    body = {"functionName": name, "arguments": list(args)}
    if distinct:
        body["isDistinct"] = True
    return {"unresolvedFunction": body}


def python_udf(name, args, return_type, command, deterministic=True, eval_type=100):
    """Connect's CommonInlineUserDefinedFunction with a PythonUDF body: `command` is the
    cloudpickled function (bytes), sent base64 as proto3 JSON writes bytes."""
    import sys
    return {"commonInlineUserDefinedFunction": {
        "functionName": name, "deterministic": bool(deterministic), "arguments": list(args),
        "pythonUdf": {"outputType": data_type(return_type), "evalType": int(eval_type),
                      "command": base64.b64encode(command).decode("ascii"),
                      "pythonVer": "%d.%d" % sys.version_info[:2]}}}


def map_partitions(child, func, is_barrier=False):
    """df.mapInPandas: `func` is a commonInlineUserDefinedFunction (evalType 205)."""
    body = {"input": child, "func": func}
    if is_barrier:
        body["isBarrier"] = True
    return relation("mapPartitions", body)


def group_map(child, grouping, func):
    """groupBy(...).applyInPandas: `func` is a commonInlineUserDefinedFunction (evalType 201)."""
    return relation("groupMap", {"input": child, "groupingExpressions": list(grouping), "func": func})


def cogroup_map(child, grouping, other, other_grouping, func):
    """gd1.cogroup(gd2).applyInPandas: `func` is a commonInlineUserDefinedFunction (evalType 206)."""
    return relation("coGroupMap", {"input": child, "inputGroupingExpressions": list(grouping),
                                   "other": other, "otherGroupingExpressions": list(other_grouping),
                                   "func": func})


def expr_string(sql):
    return {"expressionString": {"expression": sql}}


def alias_body(e, names, metadata=None):
    # None: the alias inherits a named child's metadata; a dict (even empty) replaces it.
    body = {"expr": e, "name": list(names)}
    if metadata is not None:
        body["metadata"] = json.dumps(metadata, separators=(",", ":"), sort_keys=True)
    return body


def alias(e, names, metadata=None):
    return {"alias": alias_body(e, names, metadata)}


def cast(e, to):
    if isinstance(to, str):
        return {"cast": {"expr": e, "typeStr": to}}
    return {"cast": {"expr": e, "type": data_type(to)}}


ASC, DESC = "SORT_DIRECTION_ASCENDING", "SORT_DIRECTION_DESCENDING"
NULLS_FIRST, NULLS_LAST = "SORT_NULLS_FIRST", "SORT_NULLS_LAST"


def sort_order_body(e, direction, nulls):
    return {"child": e, "direction": direction, "nullOrdering": nulls}


def sort_order(e, direction, nulls):
    return {"sortOrder": sort_order_body(e, direction, nulls)}


def update_fields(struct_expr, field, value=None):
    """withField (with a value) / dropFields (without) on a struct column."""
    body = {"structExpression": struct_expr, "fieldName": field}
    if value is not None:
        body["valueExpression"] = value
    return {"updateFields": body}


def extract(e, key):
    return {"unresolvedExtractValue": {"child": e, "extraction": key}}


# ----------------------------------------------------------------------------- Relations

def read_data_source(fmt, paths, options, schema=None):
    body = {"options": dict(options), "paths": list(paths)}
    if fmt is not None:
        body["format"] = fmt
    if schema is not None:
        body["schema"] = schema if isinstance(schema, str) else schema.json()
    return relation("read", {"dataSource": body})


def read_table(name, options=None):
    return relation("read", {"namedTable": {"unparsedIdentifier": name,
                                            "options": dict(options or {})}})


def range_(start, end, step, num_partitions=None):
    body = {"start": _i64(start), "end": _i64(end), "step": _i64(step)}
    if num_partitions is not None:
        body["numPartitions"] = int(num_partitions)
    return relation("range", body)


def local_relation(schema, data=None):
    body = {"schema": schema.json()}
    if data is not None:
        body["data"] = base64.b64encode(data).decode("ascii")
    return relation("localRelation", body)


def cached_local_relation(hash_, schema):
    """Spark Connect's CachedLocalRelation: rows uploaded once (Client.cache_local_relation),
    named by their SHA-256; sparkpp's plans carry the schema beside the hash."""
    return relation("cachedLocalRelation", {"hash": hash_, "schema": schema.json()})


def python_rdd(rdd_id, schema):
    return relation("extension", {"@type": "type.googleapis.com/sparkpp.PythonRdd",
                                  "rddId": _i64(rdd_id), "schema": schema.json()})


def sql(query, args=None, pos_args=None):
    body = {"query": query}
    if args:
        body["args"] = {k: literal_body(v) for k, v in args.items()}
    if pos_args:
        body["posArgs"] = [literal_body(v) for v in pos_args]
    return relation("sql", body)


def project(child, exprs):
    return relation("project", {"input": child, "expressions": list(exprs)})


def filter_(child, condition):
    return relation("filter", {"input": child, "condition": condition})


def with_columns(child, named):
    return relation("withColumns", {"input": child,
                                    "aliases": [alias_body(e, [n]) for n, e in named]})


def with_columns_renamed(child, mapping):
    return relation("withColumnsRenamed", {"input": child, "renameColumnsMap": dict(mapping)})


def drop(child, columns, names):
    body = {"input": child}
    if columns:
        body["columns"] = list(columns)
    if names:
        body["columnNames"] = list(names)
    return relation("drop", body)


def subquery_alias(child, name):
    return relation("subqueryAlias", {"input": child, "alias": name})


GROUP_TYPES = {"groupby": "GROUP_TYPE_GROUPBY", "rollup": "GROUP_TYPE_ROLLUP",
               "cube": "GROUP_TYPE_CUBE", "pivot": "GROUP_TYPE_PIVOT"}


def aggregate(child, group_type, grouping, aggs, pivot=None):
    body = {"input": child, "groupType": GROUP_TYPES[group_type],
            "groupingExpressions": list(grouping), "aggregateExpressions": list(aggs)}
    if pivot is not None:
        body["pivot"] = pivot
    return relation("aggregate", body)


def sort(child, orders, is_global=True):
    return relation("sort", {"input": child, "order": [o["sortOrder"] for o in orders],
                             "isGlobal": is_global})


JOIN_TYPES = {
    "inner": "JOIN_TYPE_INNER", "cross": "JOIN_TYPE_CROSS",
    "outer": "JOIN_TYPE_FULL_OUTER", "full": "JOIN_TYPE_FULL_OUTER",
    "fullouter": "JOIN_TYPE_FULL_OUTER", "full_outer": "JOIN_TYPE_FULL_OUTER",
    "left": "JOIN_TYPE_LEFT_OUTER", "leftouter": "JOIN_TYPE_LEFT_OUTER",
    "left_outer": "JOIN_TYPE_LEFT_OUTER",
    "right": "JOIN_TYPE_RIGHT_OUTER", "rightouter": "JOIN_TYPE_RIGHT_OUTER",
    "right_outer": "JOIN_TYPE_RIGHT_OUTER",
    "semi": "JOIN_TYPE_LEFT_SEMI", "leftsemi": "JOIN_TYPE_LEFT_SEMI",
    "left_semi": "JOIN_TYPE_LEFT_SEMI",
    "anti": "JOIN_TYPE_LEFT_ANTI", "leftanti": "JOIN_TYPE_LEFT_ANTI",
    "left_anti": "JOIN_TYPE_LEFT_ANTI",
}


def join(left, right, join_type, condition=None, using=None):
    body = {"left": left, "right": right, "joinType": join_type}
    if condition is not None:
        body["joinCondition"] = condition
    if using:
        body["usingColumns"] = list(using)
    return relation("join", body)


SET_OPS = {"union": "SET_OP_TYPE_UNION", "intersect": "SET_OP_TYPE_INTERSECT",
           "except": "SET_OP_TYPE_EXCEPT"}


def set_op(left, right, op, is_all, by_name=False, allow_missing=False):
    body = {"leftInput": left, "rightInput": right, "setOpType": SET_OPS[op], "isAll": is_all,
            "byName": by_name}
    if by_name:
        body["allowMissingColumns"] = allow_missing
    return relation("setOp", body)


def deduplicate(child, names=None):
    if names is None:
        return relation("deduplicate", {"input": child, "allColumnsAsKeys": True})
    return relation("deduplicate", {"input": child, "columnNames": list(names)})


def limit(child, n):
    return relation("limit", {"input": child, "limit": int(n)})


def offset(child, n):
    return relation("offset", {"input": child, "offset": int(n)})


def tail(child, n):
    return relation("tail", {"input": child, "limit": int(n)})


def repartition(child, n, shuffle):
    return relation("repartition", {"input": child, "numPartitions": int(n), "shuffle": shuffle})


def repartition_by_expression(child, exprs, n=None):
    body = {"input": child, "partitionExprs": list(exprs)}
    if n is not None:
        body["numPartitions"] = int(n)
    return relation("repartitionByExpression", body)


def sample(child, lower, upper, with_replacement, seed, deterministic_order=False):
    body = {"input": child, "lowerBound": float(lower), "upperBound": float(upper),
            "withReplacement": bool(with_replacement), "seed": _i64(seed)}
    if deterministic_order:
        body["deterministicOrder"] = True
    return relation("sample", body)


def to_df(child, names):
    return relation("toDf", {"input": child, "columnNames": list(names)})


def hint(child, name, params):
    return relation("hint", {"input": child, "name": name, "parameters": list(params)})


def fill_na(child, cols, values):
    body = {"input": child, "values": [literal_body(v) for v in values]}
    if cols:
        body["cols"] = list(cols)
    return relation("fillNa", body)


def drop_na(child, cols, min_non_nulls):
    body = {"input": child}
    if cols:
        body["cols"] = list(cols)
    if min_non_nulls is not None:
        body["minNonNulls"] = int(min_non_nulls)
    return relation("dropNa", body)


def replace(child, cols, pairs):
    body = {"input": child,
            "replacements": [{"oldValue": literal_body(o), "newValue": literal_body(n)}
                             for o, n in pairs]}
    if cols:
        body["cols"] = list(cols)
    return relation("replace", body)


def describe(child, cols):
    return relation("describe", {"input": child, "cols": list(cols)})


def summary(child, stats):
    return relation("summary", {"input": child, "statistics": list(stats)})


# ------------------------------------------------------------------------------ Commands

SAVE_MODES = {"append": "SAVE_MODE_APPEND", "overwrite": "SAVE_MODE_OVERWRITE",
              "error": "SAVE_MODE_ERROR_IF_EXISTS", "errorifexists": "SAVE_MODE_ERROR_IF_EXISTS",
              "default": "SAVE_MODE_ERROR_IF_EXISTS", "ignore": "SAVE_MODE_IGNORE"}


def write_operation(child, source, mode, options, path=None, table=None, partition_by=(),
                    sort_by=(), bucket_by=None, insert=False):
    body = {"input": child, "mode": mode, "options": dict(options)}
    if source is not None:
        body["source"] = source
    if path is not None:
        body["path"] = path
    if table is not None:
        body["table"] = {"tableName": table,
                         "saveMethod": "TABLE_SAVE_METHOD_INSERT_INTO" if insert
                         else "TABLE_SAVE_METHOD_SAVE_AS_TABLE"}
    if partition_by:
        body["partitioningColumns"] = list(partition_by)
    if sort_by:
        body["sortColumnNames"] = list(sort_by)
    if bucket_by:
        body["bucketBy"] = {"bucketColumnNames": list(bucket_by[1]), "numBuckets": bucket_by[0]}
    return {"command": {"writeOperation": body}}


def create_view(child, name, is_global, replace):
    return {"command": {"createDataframeView": {"input": child, "name": name,
                                                "isGlobal": is_global, "replace": replace}}}


def root(rel):
    return {"root": rel}
