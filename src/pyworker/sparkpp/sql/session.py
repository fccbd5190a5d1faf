"""A minimal SparkSession: builder, sparkContext, read.text, createDataFrame, stop."""
import threading

from sparkpp.conf import SparkConf
from sparkpp.context import SparkContext
from sparkpp.sql.dataframe import DataFrame, DataFrameReader
from sparkpp.sql.types import Row

__all__ = ["SparkSession"]


class RuntimeConfig:
    def __init__(self, conf):
        self._conf = conf

    def get(self, key, default=None):
        return self._conf.get(key, default)

    def set(self, key, value):
        self._conf[key] = str(value)

    def unset(self, key):
        self._conf.pop(key, None)

    def isModifiable(self, key):
        return not key.startswith("spark.") or key.startswith("spark.sql.")


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
        self._conf = RuntimeConfig(conf)
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

    def range(self, start, end=None, step=1, numPartitions=None):
        rdd = self._sc.range(start, end, step, numPartitions).map(lambda i: Row(id=i))
        return DataFrame(rdd, ["id"], self, ["bigint"])

    def createDataFrame(self, data, schema=None, samplingRatio=None, verifySchema=True):
        """Rows, tuples or dicts (a list or an RDD) with optional column names."""
        from sparkpp.rdd import RDD
        if isinstance(schema, str):
            schema = [s.strip().split()[0].split(":")[0] for s in schema.split(",")]
        if isinstance(data, RDD):
            sample = data.take(1)
            rdd = data
        else:
            data = list(data)
            sample = data[:1]
            rdd = None
        first = sample[0] if sample else None
        if schema is not None:
            cols = list(schema)
        elif isinstance(first, Row) and hasattr(first, "__fields__"):
            cols = list(first.__fields__)
        elif isinstance(first, dict):
            cols = list(first.keys())
        elif first is not None:
            cols = ["_%d" % (i + 1) for i in range(len(first))]
        else:
            raise ValueError("can not infer schema from empty dataset")
        make = Row(*cols)

        def to_row(x):
            if isinstance(x, dict):
                return make(*[x.get(c) for c in cols])
            return make(*x)
        if rdd is None:
            rdd = self._sc.parallelize([to_row(x) for x in data])
        else:
            rdd = rdd.map(to_row)
        return DataFrame(rdd, cols, self)

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
