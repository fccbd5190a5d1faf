"""SparkContext: the entry point of a driver program; talks to the C++ driver through a Gateway."""
import atexit
import importlib
import json
import os
import pickle
import sys
import threading
import time

from sparkpp import accumulators as _acc
from sparkpp.accumulators import Accumulator
from sparkpp.broadcast import Broadcast, BroadcastPickleRegistry
from sparkpp.conf import SparkConf, _system_properties
from sparkpp.rdd import RDD, _local_path, _union
from sparkpp.serializers import (AutoBatchedSerializer, BatchedSerializer, CPickleSerializer,
                                 NoOpSerializer, PairDeserializer, UTF8Deserializer,
                                 dump_batches)
from sparkpp.version import SPARK_VERSION

__all__ = ["SparkContext"]

_DEFAULT_BATCH = 1024
_shared_gateway = None  # one connection to the C++ driver per process, reused across contexts


def _default_gateway():
    """The driver runtime: `sparkpp submit`'s (it set SPARKPP_DRIVER_PORT), else one started
    now as our child (plain python3, pytest, notebooks), as PySpark launches its JVM."""
    global _shared_gateway
    if _shared_gateway is None or _shared_gateway._closed:
        from sparkpp._gateway import Gateway
        if os.environ.get("SPARKPP_DRIVER_PORT"):
            _shared_gateway = Gateway.from_env()
        else:
            _shared_gateway = Gateway.launch()
    return _shared_gateway


def _release_gateway(gateway):
    """A driver runtime we launched ends with its context (stop() or exit)."""
    global _shared_gateway
    if getattr(gateway, "launched", False):
        if _shared_gateway is gateway:
            _shared_gateway = None
        gateway.close()


def _platform_string(platform):
    """platform.platform()'s string without its processor field: that one runs `uname -p` in a
    subprocess (a fork and exec, and the import of subprocess: ~10 ms of every SparkContext's
    start). Equal to platform.platform() wherever the processor is the machine or unknown."""
    u = os.uname()
    libc, version = platform.libc_ver()
    parts = [u.sysname, u.release, u.machine]
    if libc:
        parts += ["with", libc + version]
    return "-".join(p.replace(" ", "_") for p in parts if p)


def _runtime_info():
    """The environment page's Runtime Information (as Spark's Java version and home): sent with
    PyCreateContext as spark.sparkpp.runtime.* keys, which the driver keeps out of the conf."""
    import platform
    info = {"pythonVersion": "%s (%s)" % (platform.python_version(), platform.python_implementation()),
            "pythonExecutable": sys.executable or "",
            "pythonPath": os.pathsep.join(p for p in sys.path if p),
            "sparkppPackage": os.path.dirname(os.path.abspath(__file__)),
            "platform": _platform_string(platform)}
    try:
        info["workingDirectory"] = os.getcwd()
    except OSError:  # removed under us
        pass
    return {"spark.sparkpp.runtime." + k: v for k, v in info.items()}


class SparkContext:
    _active_spark_context = None
    _lock = threading.RLock()
    _next_accum_id = 0
    _rdd_ids_used = 0      # process-wide: the driver's lineage ids never repeat across contexts

    PACKAGE_EXTENSIONS = (".zip", ".egg", ".jar")

    def __init__(self, master=None, appName=None, sparkHome=None, pyFiles=None,
                 environment=None, batchSize=0, serializer=None, conf=None, gateway=None,
                 jsc=None, profiler_cls=None, udf_profiler_cls=None, memory_profiler_cls=None):
        if conf is None or conf.get("spark.executor.allowSparkContext", "false").lower() != "true":
            from sparkpp.taskcontext import TaskContext
            if TaskContext.get() is not None:  # SPARK-32160: not in a task
                from sparkpp.errors import PySparkRuntimeError
                raise PySparkRuntimeError(error_class="CONTEXT_ONLY_VALID_ON_DRIVER",
                                          message_parameters={})
        with SparkContext._lock:
            active = SparkContext._active_spark_context
            if active is not None:
                raise ValueError(
                    "Cannot run multiple SparkContexts at once; existing SparkContext(app=%s, "
                    "master=%s) created by __init__" % (active.appName, active.master))
            conf = conf if conf is not None else SparkConf()
            if master:
                conf.setMaster(master)
            if appName:
                conf.setAppName(appName)
            if sparkHome:
                conf.setSparkHome(sparkHome)
            for k, v in (environment or {}).items():
                conf.setExecutorEnv(k, v)
            self._batchSize = batchSize
            # As PySpark: the serializer given (default CPickleSerializer), batched. Data between
            # sparkpp processes always travels as cloudpickled batches (serializers.py); this
            # object is what user code sees (sc.serializer, RDD._jrdd_deserializer).
            self._unbatched_serializer = serializer or CPickleSerializer()
            if batchSize == 0:
                self.serializer = AutoBatchedSerializer(self._unbatched_serializer)
            else:
                self.serializer = BatchedSerializer(self._unbatched_serializer, batchSize)
            self._gateway = gateway if gateway is not None else _default_gateway()
            try:
                _, info, _ = self._gateway.request(
                    "PyCreateContext", {"conf": dict(conf._as_dict(), **_runtime_info())})
            except BaseException:
                _release_gateway(self._gateway)
                raise
            self._stopped = False
            self._app_id = info["app_id"]
            self._master = info["master"]
            self._app_name = info["app_name"]
            self._default_parallelism = int(info["default_parallelism"])
            self._ui_url = info["ui_url"] or None
            self._conf = SparkConf(loadDefaults=False)
            self._conf.setAll(conf.getAll())
            self._conf.setAll((info.get("conf") or {}).items())
            self._start_time = int(time.time() * 1000)
            self._python_includes = []
            self._define_lock = threading.RLock()
            self._accum_lock = threading.Lock()
            self._checkpoint_dir = None
            self._next_rdd_id = 0
            self._rdd_id_base = SparkContext._rdd_ids_used  # the driver's id = base + id()
            from sparkpp._cleaner import ContextCleaner
            self._cleaner = ContextCleaner(self)
            self._pending_checkpoints = set()  # RDDs marked with checkpoint(), not yet saved
            self._files = []      # sc.addFile paths (listFiles)
            self._pickled_broadcast_vars = BroadcastPickleRegistry()
            self._temp_dir_path = None
            self._archives = []   # sc.addArchive paths (listArchives)
            self._resources = None  # sc.resources, discovered when first asked
            SparkContext._active_spark_context = self
        for path in pyFiles or ():
            self.addPyFile(path)
        # --files / --archives (spark.files, spark.archives) ship from the driver runtime; the
        # driver's own SparkFiles copies are made here.
        for key, archive in (("spark.files", False), ("spark.archives", True)):
            for entry in filter(None, (self._conf.get(key) or "").split(",")):
                self._add_local_file(entry, archive)

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def getOrCreate(cls, conf=None):
        with cls._lock:
            if cls._active_spark_context is None:
                SparkContext(conf=conf or SparkConf())
            return cls._active_spark_context

    @classmethod
    def setSystemProperty(cls, key, value):
        _system_properties[key] = str(value)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, tb):
        self.stop()

    def stop(self):
        with SparkContext._lock:
            if self._stopped:
                return
            self._stopped = True
            if SparkContext._active_spark_context is self:
                SparkContext._active_spark_context = None
        try:
            self._gateway.request("PyStopContext", {})
        except Exception:  # the driver may already be gone; stopping must not fail
            pass
        _release_gateway(self._gateway)
        if getattr(self, "_temp_dir_path", None):
            import shutil
            shutil.rmtree(self._temp_dir_path, ignore_errors=True)
            self._temp_dir_path = None

    @property
    def _temp_dir(self):
        """PySpark's per-context scratch directory of the driver program (a `pyspark-*` dir
        under the temp dir; PySpark code writes temporary files there): made on first use,
        removed by stop() or at exit."""
        if getattr(self, "_temp_dir_path", None) is None:
            import shutil
            import tempfile
            self._temp_dir_path = tempfile.mkdtemp(prefix="pyspark-")
            atexit.register(shutil.rmtree, self._temp_dir_path, True)
        return self._temp_dir_path

    def _check_active(self):
        if self._stopped:
            raise RuntimeError("Cannot call methods on a stopped SparkContext.")

    def __getnewargs__(self):
        raise RuntimeError(
            "It appears that you are attempting to reference SparkContext from a broadcast "
            "variable, action, or transformation. SparkContext can only be used on the driver, "
            "not in code that it run on workers. For more information, see SPARK-5063.")

    __reduce__ = __getnewargs__

    def __repr__(self):
        return "<SparkContext master=%s appName=%s>" % (self.master, self.appName)

    # ------------------------------------------------------------------ info
    @property
    def version(self):
        return SPARK_VERSION

    @property
    def applicationId(self):
        return self._app_id

    @property
    def appName(self):
        return self._app_name

    @property
    def master(self):
        return self._master

    @property
    def uiWebUrl(self):
        return self._ui_url

    @property
    def startTime(self):
        return self._start_time

    @property
    def defaultParallelism(self):
        return self._default_parallelism

    @property
    def defaultMinPartitions(self):
        return min(self._default_parallelism, 2)

    @property
    def sparkHome(self):
        return self._conf.get("spark.home")

    @property
    def pythonVer(self):
        return "%d.%d" % sys.version_info[:2]

    @property
    def pythonExec(self):
        return os.environ.get("SPARKPP_PYTHON", sys.executable)

    @property
    def resources(self):
        """The driver's custom resources (spark.driver.resource.<name>.amount and
        .discoveryScript), as Spark's: {name: ResourceInformation}."""
        if self._resources is None:
            from sparkpp._resources import driver_resources
            self._resources = driver_resources(dict(self._conf.getAll()))
        return self._resources

    def sparkUser(self):
        if os.environ.get("SPARK_USER"):
            return os.environ["SPARK_USER"]
        import getpass
        return getpass.getuser()

    def getConf(self):
        conf = SparkConf(loadDefaults=False)
        conf.setAll(self._conf.getAll())
        return conf

    def setLogLevel(self, logLevel):
        self._request("PySetLogLevel", {"level": logLevel})

    def setLocalProperty(self, key, value):
        """Set a local property that affects jobs submitted from this thread (None removes it)."""
        if value is None:
            self._local_properties().pop(key, None)
        else:
            self._local_properties()[key] = value

    def getLocalProperty(self, key):
        return self._local_properties().get(key)

    def setJobDescription(self, value):
        self.setLocalProperty("spark.job.description", value)

    def setJobGroup(self, groupId, description, interruptOnCancel=False):
        self.setLocalProperty("spark.jobGroup.id", groupId)
        self.setLocalProperty("spark.job.description", description)
        self.setLocalProperty("spark.job.interruptOnCancel", str(interruptOnCancel).lower())

    def setInterruptOnCancel(self, interruptOnCancel):
        self.setLocalProperty("spark.job.interruptOnCancel", str(interruptOnCancel).lower())

    def addJobTag(self, tag):
        _check_tag(tag)
        tags = self.getJobTags()
        tags.add(tag)
        self.setLocalProperty("spark.job.tags", ",".join(sorted(tags)))

    def removeJobTag(self, tag):
        _check_tag(tag)
        tags = self.getJobTags()
        tags.discard(tag)
        self.setLocalProperty("spark.job.tags", ",".join(sorted(tags)) or None)

    def getJobTags(self):
        return set(filter(None, (self.getLocalProperty("spark.job.tags") or "").split(",")))

    def clearJobTags(self):
        self.setLocalProperty("spark.job.tags", None)

    # Running tasks are killed (their Python workers too, whatever interruptOnCancel says: a
    # task here is a process, not a JVM thread); each job fails with Spark's message.
    def cancelJobGroup(self, groupId):
        self._request("PyCancelJobs", {"scope": "group", "id": str(groupId)})

    def cancelJobsWithTag(self, tag):
        _check_tag(tag)
        self._request("PyCancelJobs", {"scope": "tag", "id": tag})

    def cancelAllJobs(self):
        self._request("PyCancelJobs", {"scope": "all", "id": ""})

    def statusTracker(self):
        from sparkpp.status import StatusTracker
        return StatusTracker(self)

    def _job_properties(self):
        """The calling thread's local properties, sent with every job (PyRunJob/PySqlExecute)."""
        return {k: str(v) for k, v in self._local_properties().items() if v is not None}

    _thread_local = threading.local()

    def _local_properties(self):
        props = getattr(SparkContext._thread_local, "props", None)
        if props is None:
            props = SparkContext._thread_local.props = {}
        return props

    def addPyFile(self, path):
        self._check_active()
        path = _local_path(path)
        self._request("PyAddPyFile", {"path": path})
        # make it importable on the driver too, as PySpark does
        entry = path if path.endswith(self.PACKAGE_EXTENSIONS) else os.path.dirname(path)
        if entry not in sys.path:
            sys.path.insert(1, entry)
        self._python_includes.append(os.path.basename(path))
        importlib.invalidate_caches()

    # ------------------------------------------------------------------ files (SparkFiles)
    def addFile(self, path, recursive=False):
        """Ships `path` to every executor (SparkFiles.get(name) there, and here)."""
        self._check_active()
        local = _local_path(path)
        if os.path.isdir(local):
            if not recursive:
                from sparkpp.errors import Py4JJavaError  # what PySpark raises (the JVM's error)
                raise Py4JJavaError(
                    "An error occurred while calling o0.addFile.\n: org.apache.spark."
                    "SparkException: Added file file:%s is a directory and recursive is not "
                    "turned on." % local)
            return self._add_directory(local)
        self._request("PyAddFile", {"path": local, "name": "", "archive": False})
        self._add_local_file(local, False)

    def _add_directory(self, local):
        """addFile(dir, recursive=True): the directory travels as a tar archive that every
        executor unpacks into a directory of the same name (SparkFiles.get(name))."""
        import shutil
        import tarfile
        import tempfile
        from sparkpp.files import SparkFiles
        local = local.rstrip(os.sep) or os.sep
        name = os.path.basename(local)
        with tempfile.TemporaryDirectory(prefix="sparkpp-addfile-") as tmp:
            tar_path = os.path.join(tmp, name + ".tar")
            with tarfile.open(tar_path, "w") as tar:
                for entry in sorted(os.listdir(local)):
                    tar.add(os.path.join(local, entry), arcname=entry)
            self._request("PyAddFile", {"path": tar_path, "name": name, "archive": True})
        if SparkFiles._root_directory is None:
            SparkFiles._root_directory = tempfile.mkdtemp(prefix="userFiles-")
            atexit.register(shutil.rmtree, SparkFiles._root_directory, True)
        dest = os.path.join(SparkFiles._root_directory, name)
        if not os.path.exists(dest):
            shutil.copytree(local, dest)
        self._files.append("file:" + local)

    def addArchive(self, path):
        """Ships an archive (.zip, .jar, .tar, .tar.gz, .tgz) to every executor, unpacked into a
        directory named after it (or after `#alias`) in SparkFiles' root."""
        self._check_active()
        local, _, alias = str(path).partition("#")
        local = _local_path(local)
        self._request("PyAddFile", {"path": local, "name": alias, "archive": True})
        self._add_local_file(local + ("#" + alias if alias else ""), True)

    def listFiles(self):
        return list(self._files)

    def listArchives(self):
        return list(self._archives)

    def _add_local_file(self, entry, archive):
        """The driver's copy in its SparkFiles root (a temporary userFiles dir, as PySpark)."""
        import shutil
        import tempfile
        from sparkpp.files import SparkFiles
        path, _, alias = str(entry).partition("#") if archive else (str(entry), "", "")
        path = _local_path(path)
        if SparkFiles._root_directory is None:
            SparkFiles._root_directory = tempfile.mkdtemp(prefix="userFiles-")
            atexit.register(shutil.rmtree, SparkFiles._root_directory, True)
        name = alias or os.path.basename(path)
        dest = os.path.join(SparkFiles._root_directory, name)
        if not os.path.exists(dest):
            if archive:
                fmt = {".zip": "zip", ".jar": "zip", ".tgz": "gztar", ".tar": "tar"}.get(
                    os.path.splitext(path)[1], "gztar" if path.endswith(".tar.gz") else None)
                shutil.unpack_archive(path, dest, fmt)
            else:
                shutil.copyfile(path, dest)
        uri = "file:" + path
        (self._archives if archive else self._files).append(uri + ("#" + alias if alias else ""))

    def _request(self, op, body, blobs=()):
        """One typed request to the driver (docs/protocol.md); returns the reply's value."""
        self._check_active()
        _, reply, _ = self._gateway.request(op, body, list(blobs))
        return reply.get("value")

    def _debug(self, what, args=None):
        """Tests only: driver state with no public API ("executors", "broadcast_stats");
        needs spark.sparkpp.test.debugQueries=true."""
        return self._request("PyDebugQuery", {"what": what, "args": args or {}})

    # ------------------------------------------------------------------ RDD creation
    def _new_rdd_id(self):
        with SparkContext._lock:  # per context from 0, as Spark; the driver's ids stay unique
            rid = self._next_rdd_id
            self._next_rdd_id = rid + 1
            SparkContext._rdd_ids_used = max(SparkContext._rdd_ids_used,
                                             self._rdd_id_base + rid + 1)
        return rid

    def emptyRDD(self):
        return RDD(self, "parallelize", (), 0, {"batches": []}, deserializer=NoOpSerializer())

    def range(self, start, end=None, step=1, numSlices=None):
        if end is None:
            end = start
            start = 0
        return self.parallelize(range(start, end, step), numSlices)

    def parallelize(self, c, numSlices=None):
        self._check_active()
        num_slices = int(numSlices) if numSlices is not None else self.defaultParallelism
        if num_slices <= 0:
            raise ValueError("Positive number of partitions required")
        if isinstance(c, range):
            size = len(c)
            if size == 0:
                return self.parallelize([], num_slices)
            step = c[1] - c[0] if size > 1 else 1
            start0 = c[0]

            def get_start(split):
                return start0 + int((split * size / num_slices)) * step

            def f(split, iterator):
                assert len(list(iterator)) == 0
                return range(get_start(split), get_start(split + 1), step)
            return self.parallelize([], num_slices).mapPartitionsWithIndex(f)

        if not hasattr(c, "__len__"):
            c = list(c)
        # As PySpark: pickle in batches of max(1, min(len // n, 1024)) elements, then give each
        # partition a contiguous run of *batches* (partition i: batches [i*B//n, (i+1)*B//n)).
        batch_size = max(1, min(len(c) // num_slices, self._batchSize or _DEFAULT_BATCH))
        batches = [b for b, _ in dump_batches(c, batch_size)]
        nb = len(batches)
        counts = [(i + 1) * nb // num_slices - i * nb // num_slices for i in range(num_slices)]
        return RDD(self, "parallelize", (), num_slices, {"batches": counts}, batches,
                   BatchedSerializer(self._unbatched_serializer, batch_size))

    def textFile(self, name, minPartitions=None, use_unicode=True):
        self._check_active()
        m = minPartitions if minPartitions is not None else self.defaultMinPartitions
        rdd = RDD(self, "text_file", (), None,
                  {"paths": _split_paths(name), "min_partitions": int(m)},
                  deserializer=UTF8Deserializer(use_unicode))
        rdd._name = name
        if not use_unicode:
            return rdd.map(lambda s: s.encode("utf-8"), True)
        return rdd

    def wholeTextFiles(self, path, minPartitions=None, use_unicode=True):
        self._check_active()
        m = minPartitions if minPartitions is not None else self.defaultMinPartitions
        rdd = RDD(self, "whole_text_files", (), None,
                  {"paths": _split_paths(path), "min_partitions": int(m)},
                  deserializer=PairDeserializer(UTF8Deserializer(use_unicode),
                                                UTF8Deserializer(use_unicode)))
        rdd._name = path
        if not use_unicode:
            return rdd.map(lambda kv: (kv[0].encode("utf-8"), kv[1].encode("utf-8")), True)
        return rdd

    def _unsupported(self, name):
        raise NotImplementedError("SparkContext.%s is not supported by sparkpp yet" % name)

    def binaryFiles(self, path, minPartitions=None):
        self._unsupported("binaryFiles")

    def binaryRecords(self, path, recordLength):
        self._unsupported("binaryRecords")

    def pickleFile(self, name, minPartitions=None):
        """An RDD of what rdd.saveAsPickleFile wrote: one partition per part file (listed here,
        hidden files skipped; read by the tasks, so on a cluster the path must be shared)."""
        self._check_active()
        files = _input_files(_split_paths(name))
        return self.parallelize(files, max(1, len(files))).flatMap(_read_pickle_file)

    def _checkpointFile(self, name, input_deserializer=None):
        """An RDD of a reliable checkpoint's saved partitions (rdd.getCheckpointFile()), as
        PySpark's internal SparkContext._checkpointFile."""
        self._check_active()
        path = name[len("file:"):] if str(name).startswith("file:") else name
        return self.pickleFile(path)

    def sequenceFile(self, *args, **kwargs):
        self._unsupported("sequenceFile")

    def union(self, rdds):
        rdds = list(rdds)
        if not rdds:
            raise ValueError("union() needs at least one RDD")
        if any(r._jrdd_deserializer != rdds[0]._jrdd_deserializer for r in rdds):
            rdds = [r._reserialize() for r in rdds]
        return _union(self, rdds, rdds[0]._jrdd_deserializer)

    # ------------------------------------------------------------------ shared variables
    def broadcast(self, value):
        """Pickles `value` once and hands it to the driver, which ships it to each executor
        once (zstd-compressed); tasks load it from the executor's copy on first `.value`."""
        self._check_active()
        b = Broadcast(self, value)
        self._cleaner.track_broadcast(b)  # destroyed once the program drops it
        return b

    def accumulator(self, value, accum_param=None):
        if accum_param is None:
            accum_param = _acc._default_param(value)
        with SparkContext._lock:
            aid = SparkContext._next_accum_id
            SparkContext._next_accum_id += 1
        return Accumulator(aid, value, accum_param)

    # ------------------------------------------------------------------ jobs
    def runJob(self, rdd, partitionFunc, partitions=None, allowLocal=False):
        if partitions is None:
            partitions = range(rdd.getNumPartitions())
        partitions = list(partitions)
        if not partitions:
            return []
        mapped = rdd.mapPartitions(partitionFunc)
        parts = self._run_job(mapped, partitions, description="runJob")
        return [x for part in parts for x in part]

    def setCheckpointDir(self, dirName):
        """Checkpoints go to a new unique directory inside `dirName` (as Spark does)."""
        import uuid
        path = dirName[len("file:"):] if str(dirName).startswith("file:") else str(dirName)
        path = os.path.join(os.path.abspath(path), str(uuid.uuid4()))
        os.makedirs(path, exist_ok=True)
        self._checkpoint_dir = path

    def getCheckpointDir(self):
        return None if self._checkpoint_dir is None else "file:" + self._checkpoint_dir

    def _run_job(self, rdd, partitions=None, sink=None, description="", _checkpoint=True):
        out = self._run_job_once(rdd, partitions, sink, description)
        if _checkpoint and self._pending_checkpoints:
            # RDDs marked with checkpoint() that this job computed are saved now (Spark does the
            # same right after the job).
            lineage, stack = set(), [rdd]
            while stack:
                r = stack.pop()
                if id(r) in lineage:
                    continue
                lineage.add(id(r))
                stack.extend(r._parents)
            for r in sorted(self._pending_checkpoints, key=lambda r: r._id):
                if id(r) in lineage and getattr(r, "_checkpoint_pending", False):
                    self._pending_checkpoints.discard(r)
                    r._write_checkpoint()
        return out

    def _add_resource_profile(self, rdd, profile):
        """rdd.withResources: sent with the next job (the driver gives the RDD's stage its cpus
        and resources); the environment page lists the profile."""
        with self._define_lock:
            if not hasattr(self, "_pending_profiles"):
                self._pending_profiles = {}
            task = profile.taskResources
            cpus = task.get("cpus")
            self._pending_profiles[rdd._id] = (rdd, {
                "rdd": rdd._id, "id": profile.id,
                "cpus": int(cpus.amount) if cpus is not None else 0,
                "resources": {k: float(v.amount) for k, v in task.items() if k != "cpus"}})

    def _profiles_property(self, props):
        """Adds the profiles of declared RDDs not sent yet to a job's properties (PyRunJob)."""
        pending = getattr(self, "_pending_profiles", None)
        if pending:
            with self._define_lock:
                ready = [k for k, (r, _) in pending.items() if r._defined]
                if ready:
                    props["spark.sparkpp.resourceProfiles"] = json.dumps(
                        [pending.pop(k)[1] for k in ready])
        return props

    def _run_job_once(self, rdd, partitions=None, sink=None, description=""):
        """Runs one job; returns each requested partition's elements (a list per partition).

        The reply's blobs are, per requested partition, counts[i] pickled lists, then the
        accumulator updates of the successful tasks (merged here)."""
        self._check_active()
        if partitions is not None:
            partitions = list(partitions)
            if not partitions:
                return []
        self._cleaner.flush()  # what the program dropped since the last job
        if getattr(self, "_has_barrier", False):  # barrier RDDs exist: Spark's refusals
            from sparkpp import _barrier
            _barrier.check_job(self, rdd, partitions)
        # The job goes right after the RDD's declarations, without waiting for their replies
        # (one round trip with the driver for the lot); a failed declaration fails the job.
        sent = rdd._send_defines()
        try:
            body = {"rdd": rdd._id, "partitions": partitions or [],
                    "sink": sink or {"kind": "result"}, "description": description,
                    "properties": self._profiles_property(self._job_properties())}
            req = self._gateway.send_request("PyRunJob", body)
        except BaseException:
            rdd._finish_defines(sent, quiet=True)
            raise
        try:
            rdd._finish_defines(sent)
        except KeyboardInterrupt:
            self._gateway._interrupted(req, "PyRunJob")  # the job runs: cancelled, as on Ctrl-C
            raise
        except BaseException:
            self._gateway.abandon(req)  # a declaration failed: so does the job
            raise
        _, reply, blobs = self._gateway.reply(req, "PyRunJob")
        loads = pickle.loads
        out = []
        pos = 0
        for c in reply["counts"]:
            part = []
            for b in blobs[pos:pos + c]:
                part.extend(loads(b))
            out.append(part)
            pos += c
        if pos < len(blobs):
            self._merge_accumulators(blobs[pos:])
        return out

    def _merge_accumulators(self, blobs):
        """A finished job's accumulator updates (one pickled blob per successful Python pass)."""
        with self._accum_lock:
            for b in blobs:
                _acc._merge_updates(pickle.loads(b))


def _check_tag(tag):
    if not isinstance(tag, str) or not tag or "," in tag:
        raise ValueError("Spark job tag cannot be null, empty or contain ','.")


def _split_paths(name):
    """Absolute paths; globs expanded here with Hadoop's hidden-file rule (names starting with
    '_' or '.' are skipped even when the glob names them)."""
    out = []
    for p in (_local_path(p) for p in str(name).split(",") if p):
        if "://" in p:
            out.append(p)
            continue
        if any(c in p for c in "*?[{"):
            matches = sorted(m for m in _brace_glob(p) if not _hidden(m))
            if not matches:
                from sparkpp.errors import BadRequestError
                raise BadRequestError("Input Pattern file:%s matches 0 files" % p, "bad_request")
            out.extend(matches)
        elif _hidden(p) and os.path.exists(p):
            from sparkpp.errors import BadRequestError
            raise BadRequestError("Input Pattern file:%s matches 0 files" % p, "bad_request")
        else:
            out.append(p)
    return out


def _hidden(path):
    return os.path.basename(path.rstrip("/")).startswith(("_", "."))


def _brace_glob(p):
    """glob with Hadoop's {a,b} alternatives."""
    import glob
    import re
    m = re.search(r"\{([^{}]*)\}", p)
    if not m:
        return glob.glob(p)
    out = []
    for alt in m.group(1).split(","):
        out.extend(_brace_glob(p[:m.start()] + alt + p[m.end():]))
    return out


def _input_files(paths):
    """The files under `paths` (directories: their non-hidden files), sorted."""
    files = []
    for p in paths:
        if os.path.isdir(p):
            files.extend(os.path.join(p, f) for f in sorted(os.listdir(p)) if not _hidden(f))
        elif os.path.exists(p):
            files.append(p)
        else:
            from sparkpp.errors import BadRequestError
            raise BadRequestError("Input path does not exist: file:%s" % p, "bad_request")
    return files


def _read_pickle_file(path):
    """The elements of one pickle part file (u32 BE length | pickled list, repeated)."""
    import struct
    with open(path, "rb") as f:
        while True:
            head = f.read(4)
            if not head:
                return
            (n,) = struct.unpack(">I", head)
            yield from pickle.loads(f.read(n))


@atexit.register
def _stop_active_context():
    sc = SparkContext._active_spark_context
    if sc is not None:
        sc.stop()
    if _shared_gateway is not None:  # a launched runtime with no context left
        _release_gateway(_shared_gateway)
