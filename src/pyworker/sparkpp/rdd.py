"""RDD: a lazy, partitioned collection; transformations build lineage, actions run jobs.

Lineage lives in Python until an action needs it: then every not-yet-sent ancestor is declared to
the C++ driver with PyDefineRdd (parents first) and the job runs with PyRunJob. As in PySpark's
PipelinedRDD, a chain of narrow Python transformations collapses into ONE `python` node whose
function is the composition f_n(split, ... f_1(split, iterator)); caching breaks the chain.
"""
import functools
import os
import random
import sys
import warnings
from itertools import chain
from typing import Generic, TypeVar

from sparkpp._rdd_util import _STOP_MSG, _callsite, _local_path, fail_on_stopiteration  # noqa: F401 (also imported from here)
from sparkpp.errors import PySparkRuntimeError
from sparkpp.rdd_actions import BoundedFloat, RDDActions  # noqa: F401 (pyspark.rdd.BoundedFloat)
from sparkpp.rddsampler import RDDRangeSampler, RDDSampler, RDDStratifiedSampler
from sparkpp.serializers import (BatchedSerializer, CloudPickleSerializer, NoOpSerializer,
                                  PairDeserializer, UTF8Deserializer)
from sparkpp import broadcast as _broadcast
from sparkpp.storagelevel import StorageLevel

__all__ = ["RDD", "PipelinedRDD", "RDDBarrier", "portable_hash", "BoundedFloat"]

T_co = TypeVar("T_co", covariant=True)

# RDD ids as Spark numbers them (per SparkContext, from 0): how many JVM RDDs each kind of node
# stands for in PySpark (its id is the last one's). textFile: HadoopRDD + MapPartitionsRDD;
# a shuffle: PairwiseRDD + ShuffledRDD + the values' MapPartitionsRDD (after the keyed
# PythonRDD, its parent). PipelinedRDDs get theirs lazily, as PySpark's (see RDD._id).
# The driver counts their partitions (`sql`: df.rdd's result partitions of a query).
_FILE_SOURCES = ("text_file", "whole_text_files", "pickle_file", "sql")
_IDS_TAKEN = {"text_file": 2, "whole_text_files": 2, "pickle_file": 2, "shuffled": 3}

_SHUFFLE_TODO = ("%s needs a shuffle, which sparkpp does not support yet (issue #4); "
                 "for small data, collect() and compute on the driver")


try:  # os.environ's own dict: the same test as `in os.environ`, without a Python-level call
    _ENV, _HASHSEED = os.environ._data, os.environ.encodekey("PYTHONHASHSEED")
except AttributeError:
    _ENV, _HASHSEED = os.environ, "PYTHONHASHSEED"


def portable_hash(x):
    """A hash that agrees across processes (needs PYTHONHASHSEED for str/bytes)."""
    if _HASHSEED not in _ENV:
        raise PySparkRuntimeError("Randomness of hash of string should be disabled via "
                                  "PYTHONHASHSEED")
    if x is None:
        return 0
    if isinstance(x, tuple):
        h = 0x345678
        for i in x:
            h ^= portable_hash(i)
            h *= 1000003
            h &= sys.maxsize
        h ^= len(x)
        if h == -1:
            h = -2
        return int(h)
    return hash(x)


class _EndMark:
    """Chained after a partition's iterator: `done` becomes true when that iterator ends."""
    __slots__ = ("done",)

    def __init__(self):
        self.done = False

    def __iter__(self):
        return self

    def __next__(self):
        self.done = True
        raise StopIteration


def _raise_if_cut(mark, f):
    if not mark.done:
        err = RuntimeError(_STOP_MSG, StopIteration())
        if hasattr(err, "add_note"):
            code = getattr(f, "__code__", None)
            where = " (%s:%d)" % (code.co_filename, code.co_firstlineno) if code else ""
            err.add_note("raised by %s%s" % (getattr(f, "__qualname__", repr(f)), where))
        raise err
    yield from ()


def _guarded(apply, f, iterator):
    """apply(f, iterator) (map, filter, ...) with fail_on_stopiteration's semantics and no
    per-record cost: a StopIteration from f ends the C-level `apply` early, which shows as
    the input not having reached its end when the output does; that is then an error.
    (Wrapping f costs a Python call per record: ~1.6x for a cheap map + reduce.)"""
    mark = _EndMark()
    return chain(apply(f, chain(iterator, mark)), _raise_if_cut(mark, f))


def _flat_map(f, iterator):
    return chain.from_iterable(map(f, iterator))


# The plumbing around user functions is module-level and bound with partial, not closures:
# cloudpickle pickles an importable function by reference (its name) but a closure by value
# (code object, globals, cells), so a job's function pickled in ~10 us instead of ~100 (W7's
# count: three pipelined closures, 1,976 bytes, docs/benchmarks.md session 25).
def _on_iterator(f, _split, iterator):
    """mapPartitions' f(iterator) as a python node's func(split, iterator)."""
    return f(iterator)


def _pipeline(func, prev_func, split, iterator):
    """Two fused python nodes: func over prev_func's output."""
    return func(split, prev_func(split, iterator))


def _shuffle_todo(name):
    def method(self, *args, **kwargs):
        raise NotImplementedError(_SHUFFLE_TODO % name)
    method.__name__ = name
    method.__doc__ = "Not yet supported: " + (_SHUFFLE_TODO % name)
    return method


_CREATION_SITES = {
    "parallelize": "ParallelCollectionRDD[%d] at readRDDFromFile at PythonRDD.scala:289",
    "text_file": "MapPartitionsRDD[%d] at textFile at NativeMethodAccessorImpl.java:0",
    "whole_text_files": "MapPartitionsRDD[%d] at wholeTextFiles at NativeMethodAccessorImpl.java:0",
    "pickle_file": "MapPartitionsRDD[%d] at objectFile at NativeMethodAccessorImpl.java:0",
    "python": "PythonRDD[%d] at RDD at PythonRDD.scala:53",
    "union": "UnionRDD[%d] at union at NativeMethodAccessorImpl.java:0",
    "coalesce": "CoalescedRDD[%d] at coalesce at NativeMethodAccessorImpl.java:0",
    "zip": "ZippedPartitionsRDD2[%d] at zip at NativeMethodAccessorImpl.java:0",
}


class RDD(RDDActions, Generic[T_co]):
    """One node of the lineage. `kind`/`args`/`blobs` are what PyDefineRdd sends for it.
    Generic as PySpark's (`RDD[Tuple[int, str]]` annotations)."""

    def __init__(self, ctx, kind, parents=(), num_partitions=None, args=None, blobs=(),
                 deserializer=None):
        self.ctx = ctx
        self._rid = None
        self._kind = kind
        self._parents = list(parents)
        self._num_partitions = num_partitions  # None: computed (parents) or asked (file sources)
        self._args = args if args is not None else {}
        self._blobs = list(blobs)
        self._defined = False
        self._name = None
        self.is_cached = False
        self.is_checkpointed = False
        self.has_resource_profile = False
        self._storage_level = StorageLevel(False, False, False, False, 1)
        self.partitioner = None
        # what PySpark's RDD of this kind would be read with: decides when union/zip
        # re-serialize (which only shows in the RDD ids: data here always travels pickled)
        self._jrdd_deserializer = deserializer if deserializer is not None else ctx.serializer
        # where the program created it ("map at job.py:7"): the UI's DAG nodes and stage names
        self._creation_site = _callsite(kind)
        if kind != "python":
            self._take_id()

    # ------------------------------------------------------------------ lineage plumbing
    @property
    def _id(self):
        """The id the driver knows this RDD by: the context's base (ids of earlier contexts in
        this process stay taken) plus id(), taken when first needed (as a PipelinedRDD's JVM RDD
        is created in PySpark: by an action, id(), a child that is not fused, caching); parents
        first."""
        rid = self._rid
        return self.ctx._rdd_id_base + (rid if rid is not None else self._take_id())

    def _take_id(self):
        for p in self._parents:
            p._id
        with self.ctx._define_lock:
            if self._rid is None:
                for _ in range(_IDS_TAKEN.get(self._kind, 1)):
                    self._rid = self.ctx._new_rdd_id()
        return self._rid

    def _reserialize(self, serializer=None):
        """PySpark re-serializes through an identity map when formats differ (union, zip);
        here that only matters for the ids it takes."""
        serializer = serializer or self.ctx.serializer
        if self._jrdd_deserializer != serializer:
            self = self.map(lambda x: x, preservesPartitioning=True)
            self._jrdd_deserializer = serializer
        return self

    def _node_args(self):
        if self._kind != "python":
            return self._args
        self._pickled()
        args = {"preserves_partitioning": bool(self.preservesPartitioning),
                "broadcasts": self._broadcast_ids}
        if self._args:  # e.g. sample_input (shuffle._sketch)
            args.update(self._args)
        return args

    def _node_blobs(self):
        if self._kind != "python":
            return self._blobs
        blob = self._pickled()
        self._pickled_func = None  # the driver keeps it now
        return [blob]

    def _pickled(self):
        """A `python` node's function, pickled (once until the driver has it)."""
        if getattr(self, "_pickled_func", None) is None:
            if self._barrier_specs:
                from sparkpp import _barrier
                _barrier.prepare(self)
            with _broadcast.collect_ids() as ids:
                self._pickled_func = CloudPickleSerializer().dumps(self.func)
            self._broadcast_ids = sorted(ids)
            registry = getattr(self.ctx, "_pickled_broadcast_vars", None)
            if registry is not None:  # as PySpark's _prepare_for_python_RDD
                registry.clear()
        return self._pickled_func

    def _ensure_defined(self):
        """Declares this RDD and every undeclared ancestor to the driver, parents first."""
        if self._defined:
            return
        self._finish_defines(self._send_defines())

    def _send_defines(self):
        """Sends PyDefineRdd for this RDD and every undeclared ancestor, parents first, without
        waiting for the replies (a request round trip each, where several go at once): the
        nodes count as declared from here (later requests on the one connection reach the
        driver after them). Returns what _finish_defines needs."""
        if self._defined:
            return []
        sent = []
        with self.ctx._define_lock:  # jobs from several threads may share ancestors
            pending = {}
            stack = [self]
            while stack:
                node = stack.pop()
                if node._defined or node._id in pending:
                    continue
                pending[node._id] = node
                stack.extend(node._parents)
            try:
                # parents are always created before their children, so ids order them
                for _, node in sorted(pending.items()):
                    if node._kind in _FILE_SOURCES:  # its partitions come from the driver
                        node._define()
                    else:
                        sent.append((node, node._send_define()))
            except BaseException:
                self._finish_defines(sent, quiet=True)
                raise
        return sent

    def _finish_defines(self, sent, quiet=False):
        """Reads the replies of _send_defines' requests; raises the first error (its node and
        the later ones count as undeclared again). quiet: read them, raise nothing."""
        gateway = self.ctx._gateway
        error = None
        for node, req in sent:
            try:
                if error is not None:
                    gateway.abandon(req)
                    raise error
                _, reply, _ = gateway.reply(req, "PyDefineRdd")
            except BaseException as e:
                node._defined = False
                error = error or e
                continue
            node._defined_by(reply)
        if error is not None and not quiet:
            raise error

    def _define_body(self):
        if self._kind in _FILE_SOURCES:
            n = 0
        else:
            n = self.getNumPartitions()
        args = dict(self._node_args(), callsite=self._creation_site)
        if self._name is not None:
            args["name"] = str(self._name)
        return {"id": self._id, "kind": self._kind, "parents": [p._id for p in self._parents],
                "num_partitions": n, "args": args}

    def _send_define(self):
        req = self.ctx._gateway.send_request("PyDefineRdd", self._define_body(), self._node_blobs(),
                                             defer=True)
        self._defined = True
        return req

    def _define(self):
        _, reply, _ = self.ctx._gateway.request("PyDefineRdd", self._define_body(), self._node_blobs())
        self._defined = True
        self._defined_by(reply)

    def _defined_by(self, reply):
        self._num_partitions = reply["num_partitions"]
        self.ctx._cleaner.track_rdd(self)  # forgotten by the driver once dropped here
        self._blobs = []  # the driver has the data now

    def _compute_num_partitions(self):
        if self._kind in _FILE_SOURCES:
            self._ensure_defined()
            return self._num_partitions
        if self._kind == "union" and self._args.get("partitioner_aware"):
            return self._parents[0].getNumPartitions()
        if self._kind == "union":
            return sum(p.getNumPartitions() for p in self._parents)
        if self._kind == "coalesce":
            return min(self._args_requested, self._parents[0].getNumPartitions())
        return self._parents[0].getNumPartitions()  # python, zip

    def _pipelinable(self):
        return not (self.is_cached or self.is_checkpointed
                    or getattr(self, "has_resource_profile", False))

    def __getnewargs__(self):
        raise RuntimeError(
            "It appears that you are attempting to broadcast an RDD or reference an RDD from an "
            "action or transformation. RDD transformations and actions can only be invoked by the "
            "driver, not inside of other transformations; for example, "
            "rdd1.map(lambda x: rdd2.values.count() * x) is invalid because the values "
            "transformation and count action cannot be performed inside of the rdd1.map "
            "transformation. For more information, see SPARK-5063.")

    __reduce__ = __getnewargs__

    # ------------------------------------------------------------------ identity, info
    @property
    def context(self):
        return self.ctx

    def id(self):
        """As PySpark's: per SparkContext, from 0."""
        rid = self._rid
        return rid if rid is not None else self._take_id()

    def name(self):
        return self._name

    def setName(self, name):
        self._name = name
        return self

    def getNumPartitions(self):
        if self._num_partitions is None:
            self._num_partitions = self._compute_num_partitions()
        return self._num_partitions

    def _site(self):
        s = _CREATION_SITES.get(self._kind, self._kind + "RDD[%d]") % self.id()
        return s if self._name is None else "%s %s" % (self._name, s)

    def __repr__(self):
        return self._site()

    def toDebugString(self):
        """The lineage as Spark prints it (bytes, as PySpark returns), one ancestor a line."""
        lines = []
        stack = [(self, 0)]
        while stack:
            rdd, depth = stack.pop()
            level = "%s" % rdd.getStorageLevel() if rdd.is_cached else ""
            desc = "%s [%s]" % (rdd._site(), level)
            if depth == 0:
                lines.append("(%d) %s" % (rdd.getNumPartitions(), desc))
            else:
                lines.append("%s%s" % (" |  " * depth, desc))
            for p in reversed(rdd._parents):
                stack.append((p, depth + 1 if len(rdd._parents) > 1 or depth == 0 else depth))
        return "\n".join(lines).encode("utf-8")

    # ------------------------------------------------------------------ persistence (bookkeeping;
    # the storage itself is issue #5)
    def cache(self):
        return self.persist(StorageLevel.MEMORY_ONLY)

    def persist(self, storageLevel=StorageLevel.MEMORY_ONLY):
        """Keeps computed partitions in the executors' block managers (serialized, as PySpark
        always stores Python data), within their storage memory, spilling or recomputing
        according to the level."""
        if self.is_cached and self._storage_level != storageLevel:
            from sparkpp.errors import Py4JJavaError  # what PySpark raises (the JVM's error)
            raise Py4JJavaError(
                "An error occurred while calling o%d.persist.\n: java.lang."
                "UnsupportedOperationException: Cannot change storage level of an RDD after it "
                "was already assigned a level" % self.id())
        self.is_cached = True
        self._storage_level = storageLevel
        self._ensure_defined()
        lvl = storageLevel
        self.ctx._request("PyPersist", {"rdd": self._id, "level": {
            "use_disk": bool(lvl.useDisk), "use_memory": bool(lvl.useMemory),
            "use_off_heap": bool(lvl.useOffHeap), "deserialized": bool(lvl.deserialized),
            "replication": int(lvl.replication)}})
        return self

    def unpersist(self, blocking=False):
        if self.is_cached and self._defined:
            self.ctx._request("PyUnpersist", {"rdd": self._id})
        self.is_cached = False
        self._storage_level = StorageLevel(False, False, False, False, 1)
        return self

    def getStorageLevel(self):
        return self._storage_level

    def checkpoint(self):
        """Marks this RDD for checkpointing: after the next job that computes it, it is written
        to the context's checkpoint directory and its lineage is cut (later jobs, and recovery
        after failures, read the saved partitions)."""
        if self.ctx._checkpoint_dir is None:
            raise PySparkRuntimeError("Checkpoint directory has not been set in the SparkContext")
        self._id  # PySpark's JVM RDD exists from here on
        if not self.is_checkpointed:
            # As in PySpark the flag is set at once: later transformations must not fuse their
            # functions into this RDD, or it would never be computed (and saved) as itself.
            self.is_checkpointed = True
            self._checkpoint_pending = True
            self.ctx._pending_checkpoints.add(self)

    def localCheckpoint(self):
        """Marks this RDD for local checkpointing through the block managers (Spark's
        LocalRDDCheckpointData): it is persisted with disk added to its level (MEMORY_AND_DISK
        when it had none) and counts as checkpointed after the next job computes it. The
        checkpoint directory is not used; getCheckpointFile() stays None. (Spark cuts the
        lineage, so a lost block fails the job; here it is recomputed.)"""
        self._id
        lvl = self._storage_level if self.is_cached else StorageLevel.MEMORY_AND_DISK
        lvl = StorageLevel(True, lvl.useMemory, lvl.useOffHeap, lvl.deserialized,
                           lvl.replication)
        self.is_cached = False  # the level may change (Spark overrides it)
        self.persist(lvl)
        self.is_checkpointed = True
        self._local_checkpoint = True
        self._checkpoint_pending = True
        self.ctx._pending_checkpoints.add(self)

    def isCheckpointed(self):
        return getattr(self, "_checkpoint_done", False)

    def isLocallyCheckpointed(self):
        return getattr(self, "_local_checkpoint", False)

    def getCheckpointFile(self):
        return getattr(self, "_checkpoint_file", None)

    def _write_checkpoint(self):
        """Runs the job that saves this RDD, then tells the driver to read it from there.
        (A local checkpoint is already in the block managers: only marked done.)"""
        if getattr(self, "_local_checkpoint", False):
            self._checkpoint_done = True
            self._checkpoint_pending = False
            return
        path = os.path.join(self.ctx._checkpoint_dir, "rdd-%d" % self.id())
        self.ctx._run_job(self, None, {"kind": "pickle", "path": path},
                          description="checkpoint at rdd-%d" % self.id(), _checkpoint=False)
        self.ctx._request("PyCheckpointed", {"rdd": self._id, "path": path})
        self._checkpoint_done = True
        self._checkpoint_pending = False
        self._checkpoint_file = "file:" + path
        self._parents = []

    # ------------------------------------------------------------------ resources, barrier
    def withResources(self, profile):
        """Attaches a pyspark.resource.ResourceProfile to the stage computing this RDD. As Spark
        3.5 standalone with dynamic allocation off: a profile of task requests only (Spark's
        TaskResourceProfile) is honoured on spark:// and local-cluster masters (each task of
        the stage holds its cpus and resources on the executors' slots); any other is refused
        as Spark's ResourceProfileManager.isSupported does."""
        from sparkpp.errors import Py4JJavaError
        self._id  # PySpark's self._jrdd.withResources(...): the JVM RDD exists from here on
        # Spark checks only outside its own unit tests (SPARK_TESTING, as PySpark's run-tests
        # sets, or spark.testing): there any profile is accepted
        testing = bool(os.environ.get("SPARK_TESTING")) or \
            str(self.ctx.getConf().get("spark.testing", "")).strip().lower() == "true"
        master = self.ctx.master or ""
        standalone = master.startswith("spark://") or master.startswith("local-cluster")
        dynamic = str(self.ctx.getConf().get("spark.dynamicAllocation.enabled", "false")) \
            .strip().lower() == "true"
        if testing:
            pass
        elif not profile.executorResources and not dynamic:
            if not standalone:
                raise Py4JJavaError(
                    "An error occurred while calling o0.withResources.\n: org.apache.spark."
                    "SparkException: TaskResourceProfiles are only supported for Standalone, "
                    "Yarn and Kubernetes cluster for now when dynamic allocation is disabled.")
        elif not (standalone and dynamic):
            raise Py4JJavaError(
                "An error occurred while calling o0.withResources.\n: org.apache.spark."
                "SparkException: ResourceProfiles are only supported on YARN and Kubernetes and "
                "Standalone with dynamic allocation enabled.")
        self.has_resource_profile = True
        self._resource_profile = profile
        self.ctx._add_resource_profile(self, profile)
        return self

    def getResourceProfile(self):
        return getattr(self, "_resource_profile", None)

    def barrier(self):
        """Marks the stage computing the next transformation as a barrier stage: its tasks are
        launched together (or the job is refused) and may sync with BarrierTaskContext."""
        return RDDBarrier(self)

    def _is_barrier(self):
        return getattr(self, "is_barrier", False)

    # ------------------------------------------------------------------ narrow transformations
    def mapPartitionsWithIndex(self, f, preservesPartitioning=False):
        return PipelinedRDD(self, f, preservesPartitioning)

    def mapPartitions(self, f, preservesPartitioning=False):
        return self.mapPartitionsWithIndex(functools.partial(_on_iterator, f), preservesPartitioning)

    def mapPartitionsWithSplit(self, f, preservesPartitioning=False):
        warnings.warn("mapPartitionsWithSplit is deprecated; use mapPartitionsWithIndex instead",
                      FutureWarning, stacklevel=2)
        return self.mapPartitionsWithIndex(f, preservesPartitioning)

    def map(self, f, preservesPartitioning=False):
        def func(_, iterator):
            return _guarded(map, f, iterator)
        return self.mapPartitionsWithIndex(func, preservesPartitioning)

    def flatMap(self, f, preservesPartitioning=False):
        def func(_, iterator):
            return _guarded(_flat_map, f, iterator)
        return self.mapPartitionsWithIndex(func, preservesPartitioning)

    def filter(self, f):
        def func(iterator):
            return _guarded(filter, f, iterator)
        return self.mapPartitions(func, True)

    def glom(self):
        def func(iterator):
            yield list(iterator)
        return self.mapPartitions(func)

    def keyBy(self, f):
        return self.map(lambda x: (f(x), x))

    def mapValues(self, f):
        def map_values_fn(kv):
            return kv[0], f(kv[1])
        return self.map(map_values_fn, preservesPartitioning=True)

    def flatMapValues(self, f):
        def flat_map_fn(kv):
            return ((kv[0], x) for x in f(kv[1]))
        return self.flatMap(flat_map_fn, preservesPartitioning=True)

    def keys(self):
        return self.map(lambda x: x[0])

    def values(self):
        return self.map(lambda x: x[1])

    def sample(self, withReplacement, fraction, seed=None):
        if not fraction >= 0.0:
            raise ValueError("Fraction must be nonnegative.")
        return self.mapPartitionsWithIndex(RDDSampler(withReplacement, fraction, seed).func, True)

    def randomSplit(self, weights, seed=None):
        if not all(w >= 0 for w in weights):
            raise ValueError("Weights must be nonnegative")
        s = float(sum(weights))
        if not s > 0:
            raise ValueError("Sum of weights must be positive")
        cweights = [0.0]
        for w in weights:
            cweights.append(cweights[-1] + w / s)
        if seed is None:
            seed = random.randint(0, 2 ** 32 - 1)
        return [self.mapPartitionsWithIndex(RDDRangeSampler(lb, ub, seed).func, True)
                for lb, ub in zip(cweights, cweights[1:])]

    def sampleByKey(self, withReplacement, fractions, seed=None):
        for fraction in fractions.values():
            if not fraction >= 0.0:
                raise ValueError("Negative fraction value: %s" % fraction)
        return self.mapPartitionsWithIndex(
            RDDStratifiedSampler(withReplacement, fractions, seed).func, True)

    def zipWithIndex(self):
        starts = [0]
        if self.getNumPartitions() > 1:
            nums = self.mapPartitions(lambda it: [sum(1 for _ in it)]).collect()
            for i in range(len(nums) - 1):
                starts.append(starts[-1] + nums[i])

        def func(k, it):
            for i, v in enumerate(it, starts[k]):
                yield v, i
        return self.mapPartitionsWithIndex(func)

    def zipWithUniqueId(self):
        n = self.getNumPartitions()

        def func(k, it):
            for i, v in enumerate(it):
                yield v, i * n + k
        return self.mapPartitionsWithIndex(func)

    def pipe(self, command, env=None, checkCode=False):
        if env is None:
            env = dict()

        def func(iterator):
            # imported here: subprocess is ~8 ms of every Python daemon's start otherwise
            import shlex
            from subprocess import PIPE, Popen
            from threading import Thread
            proc = Popen(shlex.split(command), env=env, stdin=PIPE, stdout=PIPE)

            def pipe_objs(out):
                try:
                    for obj in iterator:
                        s = str(obj).rstrip("\n") + "\n"
                        out.write(s.encode("utf-8"))
                except BrokenPipeError:
                    pass
                finally:
                    try:
                        out.close()
                    except BrokenPipeError:
                        pass

            Thread(target=pipe_objs, args=[proc.stdin], daemon=True).start()

            def check_return_code():
                proc.wait()
                if checkCode and proc.returncode:
                    raise PySparkRuntimeError("Pipe function `%s` exited with error code %s."
                                              % (command, proc.returncode))
                return
                yield  # a generator that yields nothing

            return (x.rstrip(b"\n").decode("utf-8")
                    for x in chain(iter(proc.stdout.readline, b""), check_return_code()))
        return self.mapPartitions(func)

    # ------------------------------------------------------------------ structural transformations
    def union(self, other):
        if self._jrdd_deserializer == other._jrdd_deserializer:
            rdd = _union(self.ctx, [self, other], self._jrdd_deserializer)
        else:
            rdd = _union(self.ctx, [self._reserialize(), other._reserialize()],
                         self.ctx.serializer)
        if (self.partitioner == other.partitioner
                and self.getNumPartitions() == rdd.getNumPartitions()):
            rdd.partitioner = self.partitioner
        return rdd

    def __add__(self, other):
        if not isinstance(other, RDD):
            raise TypeError("unsupported operand type(s) for +: 'RDD' and '%s'"
                            % type(other).__name__)
        return self.union(other)

    def coalesce(self, numPartitions, shuffle=False):
        if shuffle:
            raise NotImplementedError(_SHUFFLE_TODO % "coalesce(shuffle=True)")
        numPartitions = int(numPartitions)
        if numPartitions <= 0:
            raise ValueError("Number of partitions (%d) must be positive." % numPartitions)
        rdd = RDD(self.ctx, "coalesce", [self], deserializer=self._jrdd_deserializer)
        rdd._args_requested = numPartitions
        return rdd

    def zip(self, other):
        def batch_size(ser):
            return ser.batchSize if isinstance(ser, BatchedSerializer) else 1

        mine, theirs = batch_size(self._jrdd_deserializer), batch_size(other._jrdd_deserializer)
        if mine != theirs or not mine:  # as PySpark (only the ids show it here)
            size = min(mine, theirs)
            if size <= 0:
                size = 100
            ser = BatchedSerializer(self.ctx._unbatched_serializer, size)
            other = other._reserialize(ser)
            self = self._reserialize(ser)
        if self.getNumPartitions() != other.getNumPartitions():
            raise ValueError("Can only zip with RDD which has the same number of partitions")
        return RDD(self.ctx, "zip", [self, other], deserializer=PairDeserializer(
            self._jrdd_deserializer, other._jrdd_deserializer))

    # shuffles: issue #4
    repartition = _shuffle_todo("repartition")
    distinct = _shuffle_todo("distinct")
    groupBy = _shuffle_todo("groupBy")
    groupByKey = _shuffle_todo("groupByKey")
    reduceByKey = _shuffle_todo("reduceByKey")
    foldByKey = _shuffle_todo("foldByKey")
    aggregateByKey = _shuffle_todo("aggregateByKey")
    combineByKey = _shuffle_todo("combineByKey")
    partitionBy = _shuffle_todo("partitionBy")
    sortBy = _shuffle_todo("sortBy")
    sortByKey = _shuffle_todo("sortByKey")
    join = _shuffle_todo("join")
    leftOuterJoin = _shuffle_todo("leftOuterJoin")
    rightOuterJoin = _shuffle_todo("rightOuterJoin")
    fullOuterJoin = _shuffle_todo("fullOuterJoin")
    cogroup = _shuffle_todo("cogroup")
    groupWith = _shuffle_todo("groupWith")
    subtract = _shuffle_todo("subtract")
    subtractByKey = _shuffle_todo("subtractByKey")
    intersection = _shuffle_todo("intersection")
    cartesian = _shuffle_todo("cartesian")


def _union(ctx, rdds, deserializer):
    """UnionRDD, or, when every non-empty parent has the same partitioner, Spark's
    PartitionerAwareUnionRDD: partition i is partition i of each parent (count and
    co-partitioning kept)."""
    parts = [r.partitioner for r in rdds if r.getNumPartitions() > 0]
    aware = bool(parts) and all(p is not None and p == parts[0] for p in parts)
    nonempty = [r for r in rdds if r.getNumPartitions() > 0] if aware else rdds
    return RDD(ctx, "union", nonempty, args={"partitioner_aware": True} if aware else None,
               deserializer=deserializer)


class RDDBarrier:
    """rdd.barrier(): mapPartitions/mapPartitionsWithIndex whose tasks form a barrier stage."""

    def __init__(self, rdd):
        self.rdd = rdd

    def mapPartitions(self, f, preservesPartitioning=False):
        def func(s, iterator):
            return f(iterator)
        return PipelinedRDD(self.rdd, func, preservesPartitioning, isFromBarrier=True)

    def mapPartitionsWithIndex(self, f, preservesPartitioning=False):
        return PipelinedRDD(self.rdd, f, preservesPartitioning, isFromBarrier=True)


RDDBarrier.__module__ = "pyspark.rdd"  # its repr, as PySpark's: <pyspark.rdd.RDDBarrier ...>


def _barrier_entry(spec, f):
    """f, turning the task's context into a BarrierTaskContext first."""
    def entry(split, iterator):
        from sparkpp.taskcontext import BarrierTaskContext
        BarrierTaskContext._enter(spec)
        return f(split, iterator)
    return entry


class PipelinedRDD(RDD):
    """A `python` node: `func(split, iterator)` applied to its parent's partitions. Consecutive
    ones fuse into one (unless the parent is cached)."""

    def __init__(self, prev, func, preservesPartitioning=False, isFromBarrier=False):
        _init_python_node(self, prev, func, preservesPartitioning, isFromBarrier)


def _init_python_node(self, prev, func, preservesPartitioning=False, isFromBarrier=False):
    """Makes `self` the `python` node computing func(split, iterator) over prev's partitions,
    fused with prev when prev is an uncached `python` node itself."""
    fuse = prev._kind == "python" and prev._pipelinable()
    specs = list(getattr(prev, "_barrier_specs", ())) if fuse else []
    if isFromBarrier:
        from sparkpp._barrier import BarrierSpec
        spec = BarrierSpec()
        specs.append(spec)
        prev.ctx._has_barrier = True
        func = _barrier_entry(spec, func)
    self._barrier_specs = specs
    self.is_barrier = isFromBarrier or prev._is_barrier()
    if fuse:
        self.func = functools.partial(_pipeline, func, prev.func)
        self.preservesPartitioning = prev.preservesPartitioning and preservesPartitioning
        parent = prev._parents[0]
    else:
        self.func = func
        self.preservesPartitioning = preservesPartitioning
        parent = prev
        prev._id  # the first of a pipeline: its parent exists in PySpark's JVM from now on
    RDD.__init__(self, prev.ctx, "python", [parent])
    if self.preservesPartitioning:
        self.partitioner = prev.partitioner


def python_source_rdd(prev, func):
    """An RDD of class RDD whose elements func(split, iterator) makes in the Python worker from
    prev's partitions: what PySpark's RDD over a JVM RDD of pickled objects is, a source the
    program sees as a plain RDD (DataFrame.rdd: `type(df.rdd)` is pyspark.rdd.RDD). Here it is
    a `python` node as a PipelinedRDD's, so the transformations after it fuse with func."""
    rdd = RDD.__new__(RDD)
    _init_python_node(rdd, prev, func)
    return rdd


# Their reprs as PySpark's: <class 'pyspark.rdd.RDD'> (pyspark.rdd is this module).
RDD.__module__ = PipelinedRDD.__module__ = "pyspark.rdd"
