"""The one place where the DataFrame API hands plans to the driver (docs/sql-engine.md,
"Requests on a plan"):

    analyze(rel)            -> StructType, or AnalysisException       (PySqlAnalyze)
    execute(rel)            -> (StructType, iterator of lists of Row) (PySqlExecute)
    show_cells(rel, n)      -> (column names, up to n + 1 rows of pretty string cells)
    count(rel), take(rel, n), explain(rel, mode), command(cmd)

Built-in operations are never evaluated in Python: the C++ driver analyses, optimises and plans
the plan and its executors run it on columnar batches; rows come back as serialized batches.
Drivers without the engine (the unit tests' fake drivers) take the interim path through the RDD
runtime; other operators over those leaves raise [NOT_IMPLEMENTED]."""
import base64
import functools
import gc
import json

from sparkpp.errors import PySparkNotImplementedError, PythonException, SparkJobError
from sparkpp.sql import _proto as P
from sparkpp.sql import types as T
from sparkpp.sql._batch import decode_batches, decode_stream_columns
from sparkpp.sql._show import pretty_cell, session_zone

__all__ = ["Client"]


def _not_wired(what):
    return PySparkNotImplementedError(
        error_class="NOT_IMPLEMENTED",
        message_parameters={"feature": "%s (the native DataFrame engine is not wired into "
                                       "sparkpp yet)" % what})


_PYTHON_FAILURE = "PythonException: "
# PySqlExecute's conf entry naming toPandas's result file (docs/protocol.md); not a spark.sql.*
# key, so a session setting never carries it to other requests.
RESULT_FILE_KEY = "spark.sparkpp.resultFile"


def _python_exception(e):
    """A job that failed in a Python UDF raises PySpark's PythonException (its text: the
    worker's traceback after PySpark's preamble); any other failure stays as it is."""
    msg = str(e)
    at = msg.find(_PYTHON_FAILURE)
    if at < 0:
        return e
    return PythonException(
        "\n  An exception was thrown from the Python worker. Please see the stack trace below.\n" +
        msg[at + len(_PYTHON_FAILURE):])


def _rows(schema, n, cols):
    """Rows of a batch's internal columns: what schema.fromInternal gives per row, converted
    column by column (one call per value only where the type needs it)."""
    if not cols:
        return [T._create_row(schema.names, ()) for _ in range(n)]
    cols = [[f.fromInternal(v) for v in c] if conv else c
            for f, c, conv in zip(schema.fields, cols, schema._needConversion)]
    # One __fields__ list shared by every row, as PySpark's StructType.fromInternal does
    # (_create_row(self.names, values)).
    names, new, row_type = schema.names, tuple.__new__, T.Row
    set_fields = object.__setattr__  # what Row.__setattr__ does for __fields__, without its call
    out = []
    append = out.append
    for values in zip(*cols):
        r = new(row_type, values)
        set_fields(r, "__fields__", names)
        append(r)
    return out


def _batches_to_rows(schema, _split, blobs):
    """A `sql` RDD's partition (its SPB1 batch streams) as Rows: df.rdd's elements."""
    for blob in blobs:
        for _, n, cols in decode_stream_columns(blob):
            yield from _rows(schema, n, cols)


def _result_file_path():
    """Where the driver may write toPandas's merged batches (docs/protocol.md, PySqlExecute):
    /dev/shm (memory) when it is a writable directory, else the temporary directory; a name
    nobody else has, which the driver creates (O_EXCL) and this process unlinks."""
    import os
    import secrets
    import tempfile
    d = "/dev/shm"
    if not (os.path.isdir(d) and os.access(d, os.W_OK | os.X_OK)):
        d = tempfile.gettempdir()
    return os.path.join(d, "sparkpp-result-%d-%s" % (os.getpid(), secrets.token_hex(8)))


def map_result_file(path):
    """The batches of a result file as one mapped buffer ([] when the driver wrote none); the
    file is unlinked once open (its memory goes when the last array over it does). Mapped
    copy-on-write, so numpy arrays over it are writable and the file's pages are only read."""
    import mmap
    import os
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return []
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
    try:
        size = os.fstat(fd).st_size
        if not size:
            return []
        # Not MAP_POPULATE: on a private writable mapping it prefaults every page for writing,
        # which on this kind of VM cost 0.08-0.12 s per 360 MB up front and made reading the
        # pages afterwards ~3x slower (0.66 s vs 0.21 s to sum all of them; docs/benchmarks.md,
        # session 22); pages faulted in as they are read are mapped from the page cache.
        return [mmap.mmap(fd, size, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)]
    finally:
        os.close(fd)


def _kind(rel):
    return next(k for k in rel if k != "common")


class Client:
    def __init__(self, session):
        self._session = session
        self.python_rdds = {}  # planId of a PythonRdd extension -> the RDD it names
        self._rdds = {}     # planId -> (RDD of Rows, schema) on the interim path
        self._schemas = {}  # planId -> analyzed schema
        self._uploaded = set()  # hashes of the local relations uploaded (cache_local_relation)

    def register_rdd(self, rel, schema, internal_rdd, batches_rdd):
        """The RDDs behind a PythonRdd extension relation: its rows (internal-value tuples) and
        the SPB1 batches the engine scans (kept here so the driver keeps its lineage)."""
        self.python_rdds[P.plan_id_of(rel)] = batches_rdd
        self._rdds[P.plan_id_of(rel)] = (internal_rdd.map(schema.fromInternal), schema)

    # ------------------------------------------------------------------ native path
    def _request(self, op, body, blobs=(), extra_conf=None):
        sc = self._session.sparkContext
        sql_conf = {k: str(v) for k, v in self._session._conf._conf.items()
                    if k.startswith("spark.sql.")}
        if extra_conf:
            sql_conf.update(extra_conf)
        body = dict(body, conf=sql_conf) if op != "PySqlCommand" else body
        if op == "PySqlExecute":  # it runs jobs: the thread's job group, description, tags
            body["properties"] = sc._job_properties()
        try:
            return sc._gateway.request(op, body, blobs)
        except SparkJobError as e:
            raise _python_exception(e) from None

    def cache_local_relation(self, schema, data):
        """Uploads a createDataFrame batch stream (bytes, or a list of parts sent as they are:
        views of a pandas frame's arrays) to the driver once (Spark Connect's `cache/<sha256>`
        artifact) and returns its hash, which plans then name (cachedLocalRelation); None when
        the driver has no engine (plain local relation). Only the hash stays here."""
        gateway = self._session.sparkContext._gateway
        if not getattr(gateway, "sql_engine", True):
            return None
        import hashlib
        parts = data if type(data) is list else [data]
        sha = hashlib.sha256()
        for p in parts:
            sha.update(p)
        h = sha.hexdigest()
        if h not in self._uploaded:
            self._request("PySqlCommand", {"command": {"command": {
                "cacheLocalRelation": {"hash": h}}}}, [parts])
            self._uploaded.add(h)
        return h

    def _native_blobs(self, rel, description, result_file=False):
        """(schema, result batches undecoded) of a plan the engine runs. result_file (toPandas):
        the driver may write the batches, merged, into a file named here instead of sending
        them; the file is mapped and unlinked (whatever happens to the request)."""
        import os
        from sparkpp.rdd import _callsite
        path = _result_file_path() if result_file else None
        try:
            # "collect at app.py:12": the job's name and the SQL tab's description, as Spark's call site.
            _, body, blobs = self._request(
                "PySqlExecute", {"plan": P.root(rel), "plan_format": 1,
                                 "description": _callsite(description)},
                extra_conf={RESULT_FILE_KEY: path} if path else None)
            n = body.get("num_batches", len(blobs))
            if n < len(blobs):  # accumulator updates of its Python passes follow the batches
                self._session.sparkContext._merge_accumulators(blobs[n:])
            batches = blobs[:n]
            if path and n == 0:
                batches = map_result_file(path)
        finally:
            if path:
                try:
                    os.unlink(path)
                except OSError:
                    pass
        return T._parse_datatype_json_string(json.dumps(body["schema"])), batches

    def to_pandas(self, rel):
        """toPandas(): result batches straight into pandas columns (no Row per record)."""
        if self.on_engine(rel):
            from sparkpp.sql._batch_numpy import batches_to_pandas
            schema, blobs = self._native_blobs(rel, "toPandas", result_file=True)
            return batches_to_pandas(blobs, schema)
        from sparkpp.sql._pandas import to_pandas
        rdd, schema = self._legacy(rel)
        return to_pandas(rdd.collect(), schema)

    def _native_execute(self, rel, description="collect"):
        schema, blobs = self._native_blobs(rel, description)
        rows = []
        # Making millions of objects that all stay alive triggers the cyclic GC over and over
        # (a third of a 166 k-row collect's time); none of them can form a cycle.
        paused = gc.isenabled()
        gc.disable()
        try:
            for blob in blobs:
                for _, n, cols in decode_stream_columns(blob):
                    rows.extend(_rows(schema, n, cols))
        finally:
            if paused:
                gc.enable()
        return schema, rows

    def on_engine(self, rel):
        """Whether the native engine runs `rel` (and analyses each new DataFrame at once): a
        driver that has the engine runs every plan (the unit tests' fake drivers say
        `sql_engine = False` and get the interim path)."""
        gateway = self._session.sparkContext._gateway
        return getattr(gateway, "sql_engine", True)

    # ------------------------------------------------------------------ requests
    def analyze(self, rel):
        pid = P.plan_id_of(rel)
        if pid not in self._schemas:
            if self.on_engine(rel):
                _, body, _ = self._request("PySqlAnalyze", {"plan": P.root(rel), "plan_format": 1})
                self._schemas[pid] = T._parse_datatype_json_string(
                    json.dumps(body["value"]["schema"]))
            else:
                self._schemas[pid] = self._leaf_schema(rel) or self._legacy(rel)[1]
        return self._schemas[pid]

    def _leaf_schema(self, rel):
        """The schema of an interim leaf read off the plan itself (no rows decoded, no RDD)."""
        kind = _kind(rel)
        if kind in ("localRelation", "cachedLocalRelation"):
            return T._parse_datatype_json_string(rel[kind]["schema"])
        if kind == "range":
            return T.StructType([T.StructField("id", T.LongType(), False)])
        return None

    def execute(self, rel):
        if self.on_engine(rel):
            schema, rows = self._native_execute(rel)
            return schema, iter([rows])
        rdd, schema = self._legacy(rel)
        return schema, iter([rdd.collect()])

    def take(self, rel, n):
        if self.on_engine(rel):
            return self._native_execute(P.limit(rel, n), "take")
        rdd, schema = self._legacy(rel)
        return schema, rdd.take(n)

    def count(self, rel):
        if self.on_engine(rel):
            # Dataset.count is groupBy().count() over the plan, as in Spark.
            agg = P.aggregate(rel, "groupby", [], [P.alias(P.fn("count", P.lit(1)), ["count"])])
            return self._native_execute(agg, "count")[1][0][0]
        return self._legacy(rel)[0].count()

    def show_cells(self, rel, num_rows):
        schema, rows = self.take(rel, num_rows + 1)
        zone = session_zone(self._session._conf._conf.get("spark.sql.session.timeZone"))
        return (schema.names,
                [[pretty_cell(v, f.dataType, zone=zone) for v, f in zip(r, schema.fields)] for r in rows])

    def to_local_iterator(self, rel, prefetch):
        return self.rdd(rel).toLocalIterator(prefetch)

    def rdd(self, rel):
        """df.rdd: a `sql` RDD over the plan's result partitions (the driver registers the query;
        each task runs its result stage's task in-process) whose SPB1 batches become Rows in the
        Python worker. The partitions are the plan's, as Spark's QueryExecution.toRdd."""
        if not self.on_engine(rel):
            return self._legacy(rel)[0]
        from sparkpp.rdd import RDD, python_source_rdd
        schema = self.analyze(rel)
        sc = self._session.sparkContext
        conf = {k: str(v) for k, v in self._session._conf._conf.items() if k.startswith("spark.sql.")}
        batches = RDD(sc, "sql", (), None, {"plan": rel, "conf": conf})
        return python_source_rdd(batches, functools.partial(_batches_to_rows, schema))

    # Cached DataFrames live in the driver's CacheManager; executors keep the columnar blocks.
    def persist(self, rel, level):
        if not self.on_engine(rel):
            self._legacy(rel)[0].persist(level)
            return
        self._cache_command("persist", rel, storageLevel=level._to_json())

    def unpersist(self, rel, blocking):
        if not self.on_engine(rel):
            self._legacy(rel)[0].unpersist(blocking)
            return
        self._cache_command("unpersist", rel)

    def storage_level(self, rel):
        if not self.on_engine(rel):
            return self._legacy(rel)[0].getStorageLevel()
        from sparkpp.storagelevel import StorageLevel
        lv = self._cache_command("getStorageLevel", rel)["storageLevel"]
        return StorageLevel(lv["use_disk"], lv["use_memory"], lv["use_off_heap"],
                            lv["deserialized"], lv["replication"])

    def _cache_command(self, op, rel, **body):
        _, reply, _ = self._request("PySqlCommand", {"command": {"command": {
            op: dict(body, relation=rel)}}})
        return reply.get("value") or {}

    def catalog_command(self, op, body):
        """spark.catalog.<op>: answered by the driver's session (temp views, caches) as rows."""
        _, reply, _ = self._request("PySqlCommand", {"command": {"command": {
            "catalog": {op: body}}}})
        return (reply.get("value") or {}).get("rows", [])

    def is_local(self, rel):
        raise _not_wired("isLocal()")

    def same_semantics(self, rel, other):
        raise _not_wired("sameSemantics()")

    def semantic_hash(self, rel):
        raise _not_wired("semanticHash()")

    def explain(self, rel, mode):
        if not self.on_engine(rel):
            raise _not_wired("explain() of a plan reading files or RDDs")
        _, body, _ = self._request("PySqlExplain", {"plan": P.root(rel), "mode": mode})
        return body["value"]["text"]

    def sql_command(self, body):
        """spark.sql's text parsed by the driver: {"query": True}, a statement's {"schema",
        "rows"}, or {"set": …} (PySqlCommand sqlCommand); a ParseException raises."""
        conf = {k: str(v) for k, v in self._session._conf._conf.items() if k.startswith("spark.sql.")}
        body = dict(body, conf=conf)  # statements plan with the session's settings (EXPLAIN)
        _, reply, _ = self._request("PySqlCommand", {"command": {"command": {"sqlCommand": body}}})
        return reply.get("value") or {}

    def command_register_function(self, body):
        """spark.udf.register: the session's function registry lives in the driver."""
        self._request("PySqlCommand", {"command": {"command": {"registerFunction": body}}})

    def command(self, cmd):
        kind = _kind(cmd["command"])
        if kind == "createDataframeView" and \
                self.on_engine(cmd["command"]["createDataframeView"]["input"]):
            self._request("PySqlCommand", {"command": cmd})
            return
        if kind == "writeOperation" and self.on_engine(cmd["command"][kind]["input"]):
            # Spark Connect's Plan{command}: the driver plans the input and writes natively.
            body = dict(cmd["command"][kind])
            from sparkpp.rdd import _local_path
            if body.get("path") is not None:
                body["path"] = _local_path(body["path"])
            opts = body.get("options") or {}
            for k in [k for k in opts if k.lower() == "path"]:  # saveAsTable(path=…): external
                body["options"] = dict(opts, **{k: _local_path(opts[k])})
            from sparkpp.rdd import _callsite
            self._request("PySqlExecute", {"plan": {"command": {kind: body}}, "plan_format": 1,
                                           "description": _callsite("save")})
            return
        raise _not_wired(kind)

    # ------------------------------------------------------------------ interim RDD path
    def _legacy(self, rel):
        """(RDD of Rows, schema) for the plans the RDD runtime ran before the engine."""
        kind = _kind(rel)
        body = rel[kind]
        sc = self._session.sparkContext
        if kind == "read" and body.get("dataSource", {}).get("format") == "text":
            return self._read_text(sc, body["dataSource"])
        if kind in ("localRelation", "cachedLocalRelation"):
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
            if "cachedLocalRelation" in rel:  # only a driver with the engine takes uploads
                raise _not_wired("a createDataFrame uploaded to another driver")
            body = rel["localRelation"]
            schema = T._parse_datatype_json_string(body["schema"])
            data = base64.b64decode(body["data"]) if "data" in body else None
            rows = []
            if data is not None:
                for _, batch in decode_batches(data):
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
