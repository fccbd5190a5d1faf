"""pyspark.sql.SQLContext (deprecated since Spark 3.0, still used by old programs): a thin front
of the SparkSession, as PySpark 3.5 keeps it."""
import warnings

from sparkpp.sql.session import SparkSession

__all__ = ["SQLContext", "HiveContext"]


class SQLContext:
    _instantiatedContext = None

    def __init__(self, sparkContext, sparkSession=None, jsqlContext=None):
        if sparkSession is None:
            warnings.warn("Deprecated in 3.0.0. Use SparkSession.builder.getOrCreate() instead.",
                          FutureWarning)
            sparkSession = SparkSession.getActiveSession() or SparkSession(sparkContext)
        self._sc = sparkContext
        self.sparkSession = sparkSession
        if SQLContext._instantiatedContext is None or \
                SQLContext._instantiatedContext._sc._stopped:
            SQLContext._instantiatedContext = self

    @classmethod
    def getOrCreate(cls, sc):
        warnings.warn("Deprecated in 3.0.0. Use SparkSession.builder.getOrCreate() instead.",
                      FutureWarning)
        ctx = cls._instantiatedContext
        if ctx is None or ctx._sc._stopped:
            session = SparkSession.getActiveSession() or SparkSession(sc)
            cls(sc, session)
        return cls._instantiatedContext

    def newSession(self):
        return self.__class__(self._sc, self.sparkSession.newSession())

    def setConf(self, key, value):
        self.sparkSession.conf.set(key, value)

    def getConf(self, key, defaultValue=None):
        return self.sparkSession.conf.get(key, defaultValue)

    @property
    def udf(self):
        return self.sparkSession.udf

    def registerFunction(self, name, f, returnType=None):
        return self.sparkSession.udf.register(name, f, returnType)

    def range(self, start, end=None, step=1, numPartitions=None):
        return self.sparkSession.range(start, end, step, numPartitions)

    def createDataFrame(self, data, schema=None, samplingRatio=None, verifySchema=True):
        return self.sparkSession.createDataFrame(data, schema, samplingRatio, verifySchema)

    def registerDataFrameAsTable(self, df, tableName):
        df.createOrReplaceTempView(tableName)

    def dropTempTable(self, tableName):
        self.sparkSession.catalog.dropTempView(tableName)

    def sql(self, sqlQuery):
        return self.sparkSession.sql(sqlQuery)

    def table(self, tableName):
        return self.sparkSession.table(tableName)

    def cacheTable(self, tableName):
        self.sparkSession.catalog.cacheTable(tableName)

    def uncacheTable(self, tableName):
        self.sparkSession.catalog.uncacheTable(tableName)

    def clearCache(self):
        self.sparkSession.catalog.clearCache()

    @property
    def read(self):
        return self.sparkSession.read


class HiveContext(SQLContext):
    """Deprecated: sparkpp has no Hive metastore; behaves as SQLContext."""

    def __init__(self, sparkContext, sparkSession=None, jhiveContext=None):
        warnings.warn("HiveContext is deprecated in Spark 2.0.0. Please use "
                      "SparkSession.builder.enableHiveSupport().getOrCreate() instead.",
                      FutureWarning)
        super().__init__(sparkContext, sparkSession or SparkSession.getActiveSession())
