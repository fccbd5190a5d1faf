"""spark.read (DataFrameReader -> a Read relation) and df.write (DataFrameWriter -> a
WriteOperation command). Options travel as strings, as PySpark's to_str makes them."""
from sparkpp.errors import IllegalArgumentException, PySparkTypeError
from sparkpp.sql import _proto as P
from sparkpp.sql import types as T

__all__ = ["DataFrameReader", "DataFrameWriter", "DataFrameWriterV2"]


def _to_str(value):
    if isinstance(value, bool):
        return str(value).lower()
    return None if value is None else str(value)


class _Options:
    def _set_opts(self, **options):
        for k, v in options.items():
            if v is not None:
                self._options[k] = _to_str(v)

    def option(self, key, value):
        if value is not None:  # a proto map<string,string> has no null values
            self._options[key] = _to_str(value)
        return self

    def options(self, **options):
        for k, v in options.items():
            self.option(k, v)
        return self


def _paths(path):
    if path is None:
        return []
    if isinstance(path, str):
        return [path]
    if isinstance(path, (list, tuple)) and all(isinstance(p, str) for p in path):
        return list(path)
    raise PySparkTypeError(error_class="NOT_STR_OR_LIST_OF_RDD",
                           message_parameters={"arg_name": "path",
                                               "arg_type": type(path).__name__})


class DataFrameReader(_Options):
    def __init__(self, session):
        self._session = session
        self._format = None
        self._schema = None
        self._options = {}

    def format(self, source):
        self._format = source
        return self

    def schema(self, schema):
        if isinstance(schema, T.StructType):
            self._schema = schema.json()
        elif isinstance(schema, str):
            self._schema = schema
        else:
            raise PySparkTypeError(error_class="NOT_STR_OR_STRUCT",
                                   message_parameters={"arg_name": "schema",
                                                       "arg_type": type(schema).__name__})
        return self

    def load(self, path=None, format=None, schema=None, **options):
        if format is not None:
            self.format(format)
        if schema is not None:
            self.schema(schema)
        self.options(**options)
        rel = P.read_data_source(self._format, _paths(path), self._options, self._schema)
        return self._session._df(rel)

    def text(self, paths, wholetext=False, lineSep=None, pathGlobFilter=None,
             recursiveFileLookup=None, modifiedBefore=None, modifiedAfter=None):
        self._set_opts(wholetext=wholetext, lineSep=lineSep, pathGlobFilter=pathGlobFilter,
                       recursiveFileLookup=recursiveFileLookup, modifiedBefore=modifiedBefore,
                       modifiedAfter=modifiedAfter)
        return self.load(paths, format="text")

    def csv(self, path, schema=None, sep=None, encoding=None, quote=None, escape=None,
            comment=None, header=None, inferSchema=None, ignoreLeadingWhiteSpace=None,
            ignoreTrailingWhiteSpace=None, nullValue=None, nanValue=None, positiveInf=None,
            negativeInf=None, dateFormat=None, timestampFormat=None, maxColumns=None,
            maxCharsPerColumn=None, maxMalformedLogPerPartition=None, mode=None,
            columnNameOfCorruptRecord=None, multiLine=None, charToEscapeQuoteEscaping=None,
            samplingRatio=None, enforceSchema=None, emptyValue=None, locale=None, lineSep=None,
            pathGlobFilter=None, recursiveFileLookup=None, modifiedBefore=None,
            modifiedAfter=None, unescapedQuoteHandling=None):
        opts = dict(locals())
        for k in ("self", "path", "schema"):
            opts.pop(k)
        self._set_opts(**opts)
        return self.load(path, format="csv", schema=schema)

    def json(self, path, schema=None, primitivesAsString=None, prefersDecimal=None,
             allowComments=None, allowUnquotedFieldNames=None, allowSingleQuotes=None,
             allowNumericLeadingZero=None, allowBackslashEscapingAnyCharacter=None, mode=None,
             columnNameOfCorruptRecord=None, dateFormat=None, timestampFormat=None,
             multiLine=None, allowUnquotedControlChars=None, lineSep=None, samplingRatio=None,
             dropFieldIfAllNull=None, encoding=None, locale=None, pathGlobFilter=None,
             recursiveFileLookup=None, modifiedBefore=None, modifiedAfter=None,
             allowNonNumericNumbers=None):
        opts = dict(locals())
        for k in ("self", "path", "schema"):
            opts.pop(k)
        self._set_opts(**opts)
        return self.load(path, format="json", schema=schema)

    def parquet(self, *paths, **options):
        self.options(**options)
        return self.load(list(paths), format="parquet")

    def orc(self, path, mergeSchema=None, pathGlobFilter=None, recursiveFileLookup=None,
            modifiedBefore=None, modifiedAfter=None):
        self._set_opts(mergeSchema=mergeSchema, pathGlobFilter=pathGlobFilter,
                       recursiveFileLookup=recursiveFileLookup, modifiedBefore=modifiedBefore,
                       modifiedAfter=modifiedAfter)
        return self.load(path, format="orc")

    def table(self, tableName):
        return self._session._df(P.read_table(tableName, self._options))


_MODES = ("overwrite", "append", "ignore", "error", "errorifexists", "default")


class DataFrameWriter(_Options):
    def __init__(self, df):
        self._df = df
        self._format = None
        self._mode = "SAVE_MODE_ERROR_IF_EXISTS"
        self._options = {}
        self._partition_by = []
        self._sort_by = []
        self._bucket_by = None

    def mode(self, saveMode):
        if saveMode is None:
            return self
        if saveMode.lower() not in _MODES:
            raise IllegalArgumentException(
                "Unknown save mode: %s. Accepted save modes are 'overwrite', 'append', "
                "'ignore', 'error', 'errorifexists', 'default'." % saveMode)
        self._mode = P.SAVE_MODES[saveMode.lower()]
        return self

    def format(self, source):
        self._format = source
        return self

    def partitionBy(self, *cols):
        if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
            cols = cols[0]
        self._partition_by = list(cols)
        return self

    def sortBy(self, col, *cols):
        if isinstance(col, (list, tuple)):
            col, cols = col[0], tuple(col[1:]) + cols
        self._sort_by = [col] + list(cols)
        return self

    def bucketBy(self, numBuckets, col, *cols):
        if not isinstance(numBuckets, int):
            raise PySparkTypeError(error_class="NOT_INT",
                                   message_parameters={"arg_name": "numBuckets",
                                                       "arg_type": type(numBuckets).__name__})
        if isinstance(col, (list, tuple)):
            col, cols = col[0], tuple(col[1:]) + cols
        self._bucket_by = (numBuckets, [col] + list(cols))
        return self

    def _command(self, path=None, table=None, insert=False):
        return P.write_operation(self._df._plan, self._format, self._mode, self._options,
                                 path=path, table=table, partition_by=self._partition_by,
                                 sort_by=self._sort_by, bucket_by=self._bucket_by,
                                 insert=insert)

    def save(self, path=None, format=None, mode=None, partitionBy=None, **options):
        self.mode(mode)
        if format is not None:
            self.format(format)
        if partitionBy is not None:
            self.partitionBy(partitionBy)
        self.options(**options)
        self._df._client.command(self._command(path=path))

    def saveAsTable(self, name, format=None, mode=None, partitionBy=None, **options):
        self.mode(mode)
        if format is not None:
            self.format(format)
        if partitionBy is not None:
            self.partitionBy(partitionBy)
        self.options(**options)
        self._df._client.command(self._command(table=name))

    def insertInto(self, tableName, overwrite=None):
        """The rows by position into an existing table (its format, options and partitioning);
        `overwrite=True` replaces its contents."""
        if overwrite is not None:
            self.mode("overwrite" if overwrite else "append")
        elif self._mode not in ("SAVE_MODE_OVERWRITE",):
            self._mode = "SAVE_MODE_APPEND"
        self._df._client.command(self._command(table=tableName, insert=True))

    def csv(self, path, mode=None, compression=None, sep=None, quote=None, escape=None,
            header=None, nullValue=None, escapeQuotes=None, quoteAll=None, dateFormat=None,
            timestampFormat=None, ignoreLeadingWhiteSpace=None, ignoreTrailingWhiteSpace=None,
            charToEscapeQuoteEscaping=None, encoding=None, emptyValue=None, lineSep=None):
        opts = dict(locals())
        for k in ("self", "path", "mode"):
            opts.pop(k)
        self.mode(mode)
        self._set_opts(**opts)
        self.format("csv").save(path)

    def json(self, path, mode=None, compression=None, dateFormat=None, timestampFormat=None,
             lineSep=None, encoding=None, ignoreNullFields=None):
        opts = dict(locals())
        for k in ("self", "path", "mode"):
            opts.pop(k)
        self.mode(mode)
        self._set_opts(**opts)
        self.format("json").save(path)

    def text(self, path, compression=None, lineSep=None):
        self._set_opts(compression=compression, lineSep=lineSep)
        self.format("text").save(path)

    def parquet(self, path, mode=None, partitionBy=None, compression=None):
        self.mode(mode)
        if partitionBy is not None:
            self.partitionBy(partitionBy)
        self._set_opts(compression=compression)
        self.format("parquet").save(path)


class DataFrameWriterV2:
    """df.writeTo(table): the DataSource V2 writer, on the session catalog's tables as
    saveAsTable / insertInto run them (create/replace = saveAsTable error/overwrite, append by
    name, overwritePartitions = a dynamic partition overwrite by name)."""

    def __init__(self, df, table):
        self._df = df
        self._table = table
        self._provider = None
        self._options = {}
        self._partitioning = []
        self._transforms = []  # years/months/days/hours(col): refused at creation
        self._bucket = None    # bucket(n, col)

    def using(self, provider):
        self._provider = provider
        return self

    def option(self, key, value):
        self._options[key] = _to_str(value)
        return self

    def options(self, **options):
        for k, v in options.items():
            self.option(k, v)
        return self

    def tableProperty(self, property, value):
        return self  # table properties are not kept by sparkpp's catalog

    def partitionedBy(self, col, *cols):
        # DataFrameWriterV2.partitionedBy: columns are identity transforms, years/months/days/
        # hours(col) and bucket(n, col) their transforms (the session catalog makes bucket a
        # bucketed table and refuses the others when the table is created).
        from sparkpp.errors import PySparkNotImplementedError
        from sparkpp.sql.column import Column

        def name_of(e):
            attr = e.get("unresolvedAttribute") if isinstance(e, dict) else None
            return attr["unparsedIdentifier"] if attr else None

        for c in (col,) + cols:
            if isinstance(c, Column):
                fn = c._expr.get("unresolvedFunction") if isinstance(c._expr, dict) else None
                args = (fn or {}).get("arguments", [])
                name = fn and fn.get("functionName")
                if name in ("years", "months", "days", "hours") and len(args) == 1 and name_of(args[0]):
                    self._transforms.append("%s(%s)" % (name, name_of(args[0])))
                    continue
                if name == "bucket" and len(args) == 2 and name_of(args[1]) and \
                        isinstance(args[0].get("literal", {}).get("integer"), int):
                    self._bucket = (args[0]["literal"]["integer"], name_of(args[1]))
                    continue
                if name_of(c._expr) is None:
                    raise PySparkNotImplementedError(
                        error_class="NOT_IMPLEMENTED",
                        message_parameters={"feature": "partition transforms in writeTo().partitionedBy"})
                c = name_of(c._expr)
            self._partitioning.append(c)
        return self

    def _writer(self, mode):
        if self._transforms:  # V2SessionCatalog: convertTransforms
            from sparkpp.errors import UnsupportedOperationException
            raise UnsupportedOperationException(
                "Unsupported partition transform: %s." % self._transforms[0],
                error_class="_LEGACY_ERROR_TEMP_2067",
                message_parameters={"transform": self._transforms[0]})
        w = DataFrameWriter(self._df).mode(mode).options(**self._options)
        if self._provider is not None:
            w.format(self._provider)
        if self._partitioning:
            w.partitionBy(*self._partitioning)
        if self._bucket:
            w.bucketBy(*self._bucket)
        return w

    def _existing(self):
        """The table's columns; a missing table raises [TABLE_OR_VIEW_NOT_FOUND] as Spark."""
        return self._df.sparkSession.table(self._table).columns

    def create(self):
        self._writer("error").saveAsTable(self._table)

    def replace(self):
        self._existing()
        self._writer("overwrite").saveAsTable(self._table)

    def createOrReplace(self):
        self._writer("overwrite").saveAsTable(self._table)

    def _by_name(self):
        """The rows with the table's columns in its order (V2 writes match by name)."""
        from sparkpp.sql import functions as F
        cols = self._existing()
        return self._df.select(*[F.col("`%s`" % c.replace("`", "``")) for c in cols])

    def append(self):
        DataFrameWriter(self._by_name()).options(**self._options).insertInto(self._table)

    def overwrite(self, condition):
        from sparkpp.errors import PySparkNotImplementedError
        raise PySparkNotImplementedError(
            error_class="NOT_IMPLEMENTED",
            message_parameters={"feature": "DataFrameWriterV2.overwrite(condition)"})

    def overwritePartitions(self):
        DataFrameWriter(self._by_name()).options(**self._options) \
            .option("partitionOverwriteMode", "dynamic").insertInto(self._table, overwrite=True)
