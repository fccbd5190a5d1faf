"""The one place where the DataFrame API hands plans to the driver (docs/sql-engine.md,
"Requests on a plan"):

    analyze(rel)            -> StructType, or AnalysisException
    execute(rel)            -> (StructType, iterator of lists of Row)
    show_cells(rel, n)      -> (column names, up to n + 1 rows of pretty string cells)
    count(rel), rdd(rel), explain(rel, mode), persist/unpersist(rel), command(cmd)

The driver messages for plans do not exist yet (they arrive when the native engine is wired).
Until then only the leaves the RDD runtime already ran are executed, through it, exactly as
before: read.text, createDataFrame (local rows or an RDD), range, and toDF over those. Any
other plan raises PySparkNotImplementedError [NOT_IMPLEMENTED]: built-in operations are never
evaluated in Python."""
import base64

from sparkpp.errors import PySparkNotImplementedError
from sparkpp.sql import _proto as P
from sparkpp.sql import types as T
from sparkpp.sql._batch import decode_batches
from sparkpp.sql._show import pretty_cell

__all__ = ["Client"]


def _not_wired(what):
    return PySparkNotImplementedError(
        error_class="NOT_IMPLEMENTED",
        message_parameters={"feature": "%s (the native DataFrame engine is not wired into "
                                       "sparkpp yet)" % what})


def _kind(rel):
    return next(k for k in rel if k != "common")


class Client:
    def __init__(self, session):
        self._session = session
        self.python_rdds = {}  # planId of a PythonRdd extension -> the RDD it names
        self._rdds = {}     # planId -> (RDD of Rows, schema) on the interim path
        self._schemas = {}  # planId -> analyzed schema

    def register_rdd(self, rel, schema, internal_rdd):
        """The RDD (of internal-value tuples) behind a PythonRdd extension relation."""
        self.python_rdds[P.plan_id_of(rel)] = internal_rdd
        self._rdds[P.plan_id_of(rel)] = (internal_rdd.map(schema.fromInternal), schema)

    # ------------------------------------------------------------------ requests
    def analyze(self, rel):
        pid = P.plan_id_of(rel)
        if pid not in self._schemas:
            self._schemas[pid] = self._leaf_schema(rel) or self._legacy(rel)[1]
        return self._schemas[pid]

    def _leaf_schema(self, rel):
        """The schema of an interim leaf read off the plan itself (no rows decoded, no RDD)."""
        kind = _kind(rel)
        if kind == "localRelation":
            return T._parse_datatype_json_string(rel[kind]["schema"])
        if kind == "range":
            return T.StructType([T.StructField("id", T.LongType(), False)])
        return None

    def execute(self, rel):
        rdd, schema = self._legacy(rel)
        return schema, iter([rdd.collect()])

    def take(self, rel, n):
        rdd, schema = self._legacy(rel)
        return schema, rdd.take(n)

    def count(self, rel):
        return self._legacy(rel)[0].count()

    def show_cells(self, rel, num_rows):
        schema, rows = self.take(rel, num_rows + 1)
        return (schema.names,
                [[pretty_cell(v, f.dataType) for v, f in zip(r, schema.fields)] for r in rows])

    def to_local_iterator(self, rel, prefetch):
        return self._legacy(rel)[0].toLocalIterator(prefetch)

    def rdd(self, rel):
        return self._legacy(rel)[0]

    def persist(self, rel, level):
        self._legacy(rel)[0].persist(level)

    def unpersist(self, rel, blocking):
        self._legacy(rel)[0].unpersist(blocking)

    def storage_level(self, rel):
        return self._legacy(rel)[0].getStorageLevel()

    def is_local(self, rel):
        raise _not_wired("isLocal()")

    def same_semantics(self, rel, other):
        raise _not_wired("sameSemantics()")

    def semantic_hash(self, rel):
        raise _not_wired("semanticHash()")

    def explain(self, rel, mode):
        raise _not_wired("explain()")

    def command(self, cmd):
        raise _not_wired(_kind(cmd["command"]))

    # ------------------------------------------------------------------ interim RDD path
    def _legacy(self, rel):
        """(RDD of Rows, schema) for the plans the RDD runtime ran before the engine."""
        kind = _kind(rel)
        body = rel[kind]
        sc = self._session.sparkContext
        if kind == "read" and body.get("dataSource", {}).get("format") == "text":
            return self._read_text(sc, body["dataSource"])
        if kind == "localRelation":
            return self._local_relation(sc, rel)
        if kind == "extension" and P.plan_id_of(rel) in self._rdds:
            return self._rdds[P.plan_id_of(rel)]
        if kind == "range":
            start, end, step = int(body.get("start", 0)), int(body["end"]), int(body["step"])
            rdd = sc.range(start, end, step, body.get("numPartitions"))
            return (rdd.map(lambda i: T.Row(id=i)),
                    T.StructType([T.StructField("id", T.LongType(), False)]))
        if kind == "toDf":
            rdd, schema = self._legacy(body["input"])
            names = body["columnNames"]
            if len(names) != len(schema.fields):
                from sparkpp.errors import IllegalArgumentException
                raise IllegalArgumentException(  # Dataset.toDF's require()
                    "requirement failed: The number of columns doesn't match.\n"
                    "Old column names (%d): %s\nNew column names (%d): %s"
                    % (len(schema.fields), ", ".join(schema.names), len(names), ", ".join(names)))
            make = T.Row(*names)
            new = T.StructType([T.StructField(n, f.dataType, f.nullable)
                                for n, f in zip(names, schema.fields)])
            return rdd.map(lambda r: make(*r)), new
        raise _not_wired(kind)

    def _local_relation(self, sc, rel):
        """The rows inside the plan (batch format), parallelized once per relation."""
        pid = P.plan_id_of(rel)
        if pid not in self._rdds:
            body = rel["localRelation"]
            schema = T._parse_datatype_json_string(body["schema"])
            rows = []
            if "data" in body:
                for _, batch in decode_batches(base64.b64decode(body["data"])):
                    rows.extend(schema.fromInternal(r) for r in batch)
            self._rdds[pid] = (sc.parallelize(rows), schema)
        return self._rdds[pid]

    @staticmethod
    def _read_text(sc, src):
        opts = {k.lower(): v for k, v in src.get("options", {}).items()}
        if opts.get("linesep", "\n") != "\n":
            raise _not_wired("spark.read.text with lineSep other than '\\n'")
        joined = ",".join(src["paths"])
        if opts.get("wholetext", "false").lower() == "true":
            rdd = sc.wholeTextFiles(joined).map(lambda kv: T.Row(value=kv[1]))
        else:
            rdd = sc.textFile(joined).map(lambda line: T.Row(value=line))
        return rdd, T.StructType([T.StructField("value", T.StringType(), True)])
