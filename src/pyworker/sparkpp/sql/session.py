"""pyspark.sql.SparkSession: builder, conf, read, createDataFrame (Spark's type inference),
range, table, sql, stop. DataFrames it makes are plans (see _proto.py)."""
import threading
from collections.abc import Sized

from sparkpp.conf import SparkConf
from sparkpp.context import SparkContext
from sparkpp.errors import PySparkNotImplementedError, PySparkTypeError, PySparkValueError
from sparkpp.sql import _proto as P
from sparkpp.sql import types as T
from sparkpp.sql._batch import encode_batches
from sparkpp.sql._client import Client
from sparkpp.sql._infer import (_has_nulltype, _infer_schema, _make_type_verifier, _merge_type,
                                infer_schema_from_list)
from sparkpp.sql._pandas import _is_pandas, pandas_to_batches, pandas_to_records
from sparkpp.sql.dataframe import DataFrame
from sparkpp.sql.readwriter import DataFrameReader


class _SqlFormatter(__import__("string").Formatter):
    """PySpark's SQLStringFormatter: `{df}` names a temporary view of the DataFrame, `{c}` a
    column reference; other values are inserted as str() gives them."""

    def __init__(self, session):
        super().__init__()
        self._session = session

    def get_field(self, field_name, args, kwargs):
        obj, first = super().get_field(field_name, args, kwargs)
        return self._convert(obj), first

    def _convert(self, val):
        from sparkpp.sql.column import Column
        if isinstance(val, DataFrame):
            import uuid
            # Kept (not dropped after parsing as PySpark does): this DataFrame re-analyzes its
            # query text on every action, so the view must outlive the call.
            name = "_pyspark_%s" % uuid.uuid4().hex
            val.createOrReplaceTempView(name)
            return name
        if isinstance(val, Column):
            e = val._expr
            if "unresolvedAttribute" in e:
                return e["unresolvedAttribute"]["unparsedIdentifier"]
            raise PySparkNotImplementedError(
                error_class="NOT_IMPLEMENTED",
                message_parameters={"feature": "spark.sql() with a computed Column argument"})
        return val


def _patch_rdd_to_df(session):
    """rdd.toDF(schema=None, sampleRatio=None), as PySpark's session adds it to RDD."""
    from sparkpp.rdd import RDD

    def toDF(self, schema=None, sampleRatio=None):
        return session.createDataFrame(self, schema, sampleRatio)
    RDD.toDF = toDF


def _from_ndarray(arr, schema):
    """createDataFrame(numpy array): 1-D or one column -> `value`, else `_1, _2, …`; a schema
    from the dtype for the numeric dtypes PySpark maps (_from_numpy_type)."""
    import numpy as np
    import pandas as pd
    if arr.ndim not in (1, 2):
        raise PySparkValueError(error_class="INVALID_NDARRAY_DIMENSION",
                                message_parameters={"dimensions": "1 or 2"})
    names = (["value"] if arr.ndim == 1 or arr.shape[1] == 1
             else ["_%d" % i for i in range(1, arr.shape[1] + 1)])
    numpy_types = {np.dtype("int8"): T.ByteType, np.dtype("int16"): T.ShortType,
                   np.dtype("int32"): T.IntegerType, np.dtype("int64"): T.LongType,
                   np.dtype("float32"): T.FloatType, np.dtype("float64"): T.DoubleType}
    if schema is None and arr.dtype in numpy_types:
        schema = T.StructType([T.StructField(n, numpy_types[arr.dtype](), True) for n in names])
    return pd.DataFrame(arr, columns=names), schema


def _rename(struct, names):
    """createDataFrame(data, ["a", "b"]): the inferred fields take the given names in order."""
    for i, name in enumerate(names or []):
        if i < len(struct.fields):
            struct.fields[i].name = name
            struct.names[i] = name

__all__ = ["SparkSession"]


_NoValue = object()
_CACHE_LOCAL_BYTES = 64 * 1024  # createDataFrame rows from this size on are uploaded once


class RuntimeConfig:
    """spark.conf: the session's settings (sent with every request to the driver). Unset
    spark.sql.* keys read as Spark's defaults and values are checked, by the driver's settings
    catalog (src/sql/conf_catalog.cpp), as Spark's SQLConf does."""

    def __init__(self, conf, session=None):
        self._conf = conf
        self._session = session

    def _command(self, body):
        _, reply, _ = self._session._client._request("PySqlCommand", {"command": {"command": {"conf": body}}})
        return reply.get("value") or {}

    def get(self, key, default=_NoValue):
        _check_str(key, "key")
        if key in self._conf:
            return self._conf[key]
        if default is not _NoValue:
            if default is not None:
                _check_str(default, "default")
            return default
        reply = self._command({"get": key}) if self._session is not None else {}
        if reply.get("known"):
            return reply.get("value")
        from sparkpp.errors import SparkNoSuchElementException
        raise SparkNoSuchElementException(
            '[SQL_CONF_NOT_FOUND] The SQL config "%s" cannot be found. Please verify that the config exists.' % key,
            error_class="SQL_CONF_NOT_FOUND", message_parameters={"sqlConf": '"%s"' % key}, sql_state="42K0I")

    def set(self, key, value):
        _check_str(key, "key")
        # As py4j hands a bool to the JVM: Spark stores it as "true"/"false".
        value = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if self._session is not None and key.startswith("spark.sql."):
            self._command({"set": key, "value": value})  # raises Spark's error for a bad value
        self._conf[key] = value

    def unset(self, key):
        _check_str(key, "key")
        self._conf.pop(key, None)

    def getAll(self):
        return dict(self._conf)

    def isModifiable(self, key):
        return not key.startswith("spark.") or key.startswith("spark.sql.")


def _check_str(value, name):
    if not isinstance(value, str):
        raise PySparkTypeError(error_class="NOT_STR", message_parameters={
            "arg_name": name, "arg_type": type(value).__name__})


class _BuilderProperty:
    def __get__(self, instance, owner):
        return SparkSession.Builder()


class SparkSession:
    _instantiatedSession = None
    _activeSession = None
    _lock = threading.RLock()

    class Builder:
        def __init__(self):
            self._options = {}

        def config(self, key=None, value=None, conf=None, *, map=None):
            with SparkSession._lock:
                if conf is not None:
                    for k, v in conf.getAll():
                        self._options[k] = v
                elif map is not None:
                    for k, v in map.items():
                        self._options[k] = str(v)
                else:
                    self._options[key] = str(value)
            return self

        def master(self, master):
            return self.config("spark.master", master)

        def appName(self, name):
            return self.config("spark.app.name", name)

        def remote(self, url):
            raise NotImplementedError("Spark Connect is not supported by sparkpp")

        def enableHiveSupport(self):
            return self

        def getOrCreate(self):
            with SparkSession._lock:
                session = SparkSession._instantiatedSession
                if session is None or session._sc._stopped:
                    conf = SparkConf()
                    for k, v in self._options.items():
                        conf.set(k, v)
                    sc = SparkContext.getOrCreate(conf)
                    session = SparkSession(sc, options=self._options)
                else:
                    for k, v in self._options.items():
                        session._conf.set(k, v)
                SparkSession._activeSession = session
                return session

    builder = _BuilderProperty()

    def __init__(self, sparkContext, jsparkSession=None, options=None):
        self._sc = sparkContext
        conf = dict(sparkContext._conf.getAll())
        conf.update(options or {})
        self._conf = RuntimeConfig(conf, self)
        self._plan_client = None
        _patch_rdd_to_df(self)
        with SparkSession._lock:
            if SparkSession._instantiatedSession is None or \
                    SparkSession._instantiatedSession._sc._stopped:
                SparkSession._instantiatedSession = self
            SparkSession._activeSession = self

    @classmethod
    def getActiveSession(cls):
        return cls._activeSession

    @classmethod
    def active(cls):
        if cls._activeSession is None:
            raise RuntimeError("No active SparkSession found")
        return cls._activeSession

    def newSession(self):
        return SparkSession(self._sc)

    @property
    def sparkContext(self):
        return self._sc

    @property
    def version(self):
        return self._sc.version

    @property
    def conf(self):
        return self._conf

    @property
    def read(self):
        return DataFrameReader(self)

    @property
    def _client(self):
        if self._plan_client is None:
            self._plan_client = Client(self)
        return self._plan_client

    def _df(self, rel):
        return DataFrame(rel, self)._eager()

    @property
    def udf(self):
        from sparkpp.sql.udf import UDFRegistration
        return UDFRegistration(self)

    @property
    def catalog(self):
        from sparkpp.sql.catalog import Catalog
        return Catalog(self)

    def range(self, start, end=None, step=1, numPartitions=None):
        if end is None:
            start, end = 0, start
        return self._df(P.range_(start, end, step, numPartitions))

    def table(self, tableName):
        return self._df(P.read_table(tableName))

    def sql(self, sqlQuery, args=None, **kwargs):
        """The query runs lazily as any DataFrame; statements (CREATE TEMPORARY VIEW, SHOW
        TABLES, SET, …) run now, as in Spark, and return their result rows. `kwargs` fill
        `{name}` fields (PySpark 3.4+): DataFrames become temporary views."""
        if kwargs:
            sqlQuery = _SqlFormatter(self).format(sqlQuery, **kwargs)
        rel = P.sql(sqlQuery, args=args) if isinstance(args, dict) else P.sql(sqlQuery, pos_args=args)
        if not self._client.on_engine(rel):
            return self._df(rel)
        body = {"sql": sqlQuery}
        body.update({k: v for k, v in rel["sql"].items() if k in ("args", "posArgs")})
        reply = self._client.sql_command(body)
        if reply.get("query"):
            return self._df(rel)
        if "set" in reply:
            return self._set_command(reply["set"])
        if reply.get("countTable"):  # CACHE TABLE (not LAZY) fills the cache at once, as Spark
            self.table(reply["countTable"]).count()
        if "write" in reply:  # CREATE TABLE … AS / INSERT: the query runs now as a table write
            self._client.command({"command": {"writeOperation": reply["write"]}})
            return self.createDataFrame([], T.StructType([]))
        schema = T._parse_datatype_json_string(__import__("json").dumps(reply["schema"]))
        return self.createDataFrame([tuple(r) for r in reply["rows"]], schema)

    def _set_command(self, s):
        """SET k=v / SET k / SET: the session's SQL conf lives here (sent with every request)."""
        key, value = s["key"], s["value"]
        if s.get("hasValue"):
            self._conf.set(key, value)
            rows = [(key, value)]
        elif key:
            from sparkpp.errors import SparkNoSuchElementException
            try:  # Spark: conf.getOption(key) (a default counts) or <undefined>
                value = self._conf.get(key)
            except SparkNoSuchElementException:
                value = None
            rows = [(key, "<undefined>" if value is None else str(value))]
        else:
            rows = sorted((k, str(v)) for k, v in self._conf._conf.items())
        schema = T.StructType([T.StructField("key", T.StringType(), False),
                               T.StructField("value", T.StringType(), False)])
        return self.createDataFrame(rows, schema)

    def createDataFrame(self, data, schema=None, samplingRatio=None, verifySchema=True):
        """Rows, tuples, dicts or objects (a list, an RDD or a pandas DataFrame), with an
        optional StructType, DDL string or list of column names; Spark's type inference."""
        from sparkpp.rdd import RDD
        if isinstance(data, DataFrame):
            raise PySparkTypeError(error_class="SHOULD_NOT_DATAFRAME",
                                   message_parameters={"arg_name": "data"})
        if isinstance(schema, str):
            schema = T._parse_datatype_string(schema)
        elif isinstance(schema, (list, tuple)):
            schema = list(schema)
        if type(data).__module__ == "numpy" and type(data).__name__ == "ndarray":
            data, schema = _from_ndarray(data, schema)
        if _is_pandas(data) and schema is None and data.shape[1] > 0 and len(data) > 0:
            fast = pandas_to_batches(data, self._prefer_ntz())
            if fast is not None:
                return self._local_df(*fast)
        if _is_pandas(data):
            data, names = pandas_to_records(data)
            if schema is None:
                schema = names
        wrap = None
        if isinstance(schema, T.DataType) and not isinstance(schema, T.StructType):
            schema = T.StructType([T.StructField("value", schema, True)])
            wrap = True
        if isinstance(data, RDD):
            return self._from_rdd(data, schema, samplingRatio, verifySchema, wrap)
        data = list(data)
        if wrap:
            data = [(x,) for x in data]
        if isinstance(schema, T.StructType):
            struct = schema
            if verifySchema:
                verify = _make_type_verifier(struct)
                for row in data:
                    verify(row)
        else:
            names = schema if isinstance(schema, list) else None
            struct = infer_schema_from_list(data, names, self._infer_dict_as_struct(),
                                            self._infer_array_from_first(),
                                            self._prefer_ntz())
            _rename(struct, names)
        internal = [struct.toInternal(r) for r in data]
        return self._local_df(struct, encode_batches(struct, internal) if internal else None)

    def _local_df(self, struct, data):
        """A local relation; rows of 64 KiB or more are uploaded to the driver once and named
        by hash (Spark Connect's CachedLocalRelation), so plans stay small however many
        queries run on the DataFrame."""
        if data is not None and len(data) >= _CACHE_LOCAL_BYTES:
            h = self._client.cache_local_relation(struct, data)
            if h is not None:
                return self._df(P.cached_local_relation(h, struct))
        return self._df(P.local_relation(struct, data))

    def _from_rdd(self, rdd, schema, samplingRatio, verifySchema, wrap):
        if wrap:
            rdd = rdd.map(lambda x: (x,))
        if isinstance(schema, T.StructType):
            struct = schema
            verify = _make_type_verifier(struct) if verifySchema else None
        else:
            names = schema if isinstance(schema, list) else None
            struct = self._infer_rdd_schema(rdd, samplingRatio, names)
            _rename(struct, names)
            verify = None

        def to_internal(obj):
            if verify is not None:
                verify(obj)
            return struct.toInternal(obj)
        internal = rdd.map(to_internal)  # the RDD the plan names: tuples of internal values
        rel = P.python_rdd(internal.id(), struct)
        self._client.register_rdd(rel, struct, internal)
        return self._df(rel)

    def _infer_rdd_schema(self, rdd, samplingRatio, names):
        """PySpark's SparkSession._inferSchema: the first row, then up to 100 rows while a
        type is unknown; with samplingRatio, the merge over a sample of every row."""
        first = rdd.first()
        if isinstance(first, Sized) and len(first) == 0:
            raise PySparkValueError(error_class="CANNOT_INFER_EMPTY_SCHEMA",
                                    message_parameters={})
        flags = (self._infer_dict_as_struct(), self._infer_array_from_first(),
                 self._prefer_ntz())
        if samplingRatio is None:
            struct = _infer_schema(first, names, flags[0], prefer_timestamp_ntz=flags[2])
            if _has_nulltype(struct):
                for row in rdd.take(100)[1:]:
                    struct = _merge_type(struct, _infer_schema(row, names, *flags))
                    if not _has_nulltype(struct):
                        break
                else:
                    raise PySparkValueError(error_class="CANNOT_DETERMINE_TYPE",
                                            message_parameters={})
            return struct
        if samplingRatio < 0.99:
            rdd = rdd.sample(False, float(samplingRatio))
        return rdd.map(lambda row: _infer_schema(row, names, *flags)).reduce(_merge_type)

    def _flag(self, key):
        return str(self._conf.get(key, "false")).lower() == "true"

    def _infer_dict_as_struct(self):
        return self._flag("spark.sql.pyspark.inferNestedDictAsStruct.enabled")

    def _infer_array_from_first(self):
        return self._flag("spark.sql.pyspark.legacy.inferArrayTypeFromFirstElement.enabled")

    def _prefer_ntz(self):
        return str(self._conf.get("spark.sql.timestampType", "")).upper() == "TIMESTAMP_NTZ"

    def stop(self):
        self._sc.stop()
        with SparkSession._lock:
            if SparkSession._instantiatedSession is self:
                SparkSession._instantiatedSession = None
            if SparkSession._activeSession is self:
                SparkSession._activeSession = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.stop()
