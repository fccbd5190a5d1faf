"""RDD: a lazy, partitioned collection; transformations build lineage, actions run jobs.

Lineage lives in Python until an action needs it: then every not-yet-sent ancestor is declared to
the C++ driver with PyDefineRdd (parents first) and the job runs with PyRunJob. As in PySpark's
PipelinedRDD, a chain of narrow Python transformations collapses into ONE `python` node whose
function is the composition f_n(split, ... f_1(split, iterator)); caching breaks the chain.
"""
import bisect
import heapq
import operator
import os
import random
import shlex
import sys
import warnings
from collections import defaultdict
from functools import reduce
from itertools import chain
from math import ceil, isinf, isnan, log, pow, sqrt
from subprocess import PIPE, Popen
from threading import Thread

from sparkpp.errors import PySparkRuntimeError
from sparkpp.rddsampler import RDDRangeSampler, RDDSampler, RDDStratifiedSampler
from sparkpp.serializers import CloudPickleSerializer
from sparkpp.statcounter import StatCounter
from sparkpp import broadcast as _broadcast
from sparkpp.storagelevel import StorageLevel

__all__ = ["RDD", "PipelinedRDD", "portable_hash"]

_SHUFFLE_TODO = ("%s needs a shuffle, which sparkpp does not support yet (issue #4); "
                 "for small data, collect() and compute on the driver")
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


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


_STOP_MSG = "Caught StopIteration thrown from user's code; failing the task"


def fail_on_stopiteration(f):
    """StopIteration escaping user code would silently end a generator: make it an error.
    (Driver side and rare calls; per-record paths use _guarded or catch it around a loop.)"""
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except StopIteration as exc:
            raise RuntimeError(_STOP_MSG, exc)
    return wrapper


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


def _callsite(action):
    """'<action> at <user file>:<line>' for job descriptions (first frame outside sparkpp)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    if f is None:
        return action
    return "%s at %s:%d" % (action, f.f_code.co_filename, f.f_lineno)


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
    "python": "PythonRDD[%d] at RDD at PythonRDD.scala:53",
    "union": "UnionRDD[%d] at union at NativeMethodAccessorImpl.java:0",
    "coalesce": "CoalescedRDD[%d] at coalesce at NativeMethodAccessorImpl.java:0",
    "zip": "ZippedPartitionsRDD2[%d] at zip at NativeMethodAccessorImpl.java:0",
}


class RDD:
    """One node of the lineage. `kind`/`args`/`blobs` are what PyDefineRdd sends for it."""

    def __init__(self, ctx, kind, parents=(), num_partitions=None, args=None, blobs=()):
        self.ctx = ctx
        self._id = ctx._new_rdd_id()
        self._kind = kind
        self._parents = list(parents)
        self._num_partitions = num_partitions  # None: computed (parents) or asked (file sources)
        self._args = args if args is not None else {}
        self._blobs = list(blobs)
        self._defined = False
        self._name = None
        self.is_cached = False
        self.is_checkpointed = False
        self._storage_level = StorageLevel(False, False, False, False, 1)
        self.partitioner = None

    # ------------------------------------------------------------------ lineage plumbing
    def _node_args(self):
        return self._args

    def _node_blobs(self):
        return self._blobs

    def _ensure_defined(self):
        """Declares this RDD and every undeclared ancestor to the driver, parents first."""
        if self._defined:
            return
        with self.ctx._define_lock:  # jobs from several threads may share ancestors
            self._define_pending()

    def _define_pending(self):
        pending = {}
        stack = [self]
        while stack:
            node = stack.pop()
            if node._defined or node._id in pending:
                continue
            pending[node._id] = node
            stack.extend(node._parents)
        # parents are always created before their children, so ids order them
        for _, node in sorted(pending.items()):
            node._define()

    def _define(self):
        if self._kind in ("text_file", "whole_text_files"):
            n = 0
        else:
            n = self.getNumPartitions()
        body = {"id": self._id, "kind": self._kind, "parents": [p._id for p in self._parents],
                "num_partitions": n, "args": self._node_args()}
        _, reply, _ = self.ctx._gateway.request("PyDefineRdd", body, self._node_blobs())
        self._num_partitions = reply["num_partitions"]
        self._defined = True
        self._blobs = []  # the driver has the data now

    def _compute_num_partitions(self):
        if self._kind in ("text_file", "whole_text_files"):
            self._ensure_defined()
            return self._num_partitions
        if self._kind == "union":
            return sum(p.getNumPartitions() for p in self._parents)
        if self._kind == "coalesce":
            return min(self._args_requested, self._parents[0].getNumPartitions())
        return self._parents[0].getNumPartitions()  # python, zip

    def _pipelinable(self):
        return not (self.is_cached or self.is_checkpointed)

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
        return self._id

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
        s = _CREATION_SITES.get(self._kind, self._kind + "RDD[%d]") % self._id
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
            raise TypeError("Cannot change storage level of an RDD after it was already "
                            "assigned a level")  # PySpark's message (from the JVM)
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
        if not self.is_checkpointed:
            # As in PySpark the flag is set at once: later transformations must not fuse their
            # functions into this RDD, or it would never be computed (and saved) as itself.
            self.is_checkpointed = True
            self._checkpoint_pending = True
            self.ctx._pending_checkpoints.add(self)

    def localCheckpoint(self):
        """Like checkpoint(), into executor-independent local storage (here: the same
        directory mechanism, under the system temp dir when no checkpoint dir is set)."""
        if self.ctx._checkpoint_dir is None:
            import tempfile
            self.ctx.setCheckpointDir(tempfile.mkdtemp(prefix="sparkpp-local-checkpoint-"))
        self._local_checkpoint = True
        self.checkpoint()

    def isCheckpointed(self):
        return getattr(self, "_checkpoint_done", False)

    def isLocallyCheckpointed(self):
        return self.isCheckpointed() and getattr(self, "_local_checkpoint", False)

    def getCheckpointFile(self):
        return getattr(self, "_checkpoint_file", None)

    def _write_checkpoint(self):
        """Runs the job that saves this RDD, then tells the driver to read it from there."""
        path = os.path.join(self.ctx._checkpoint_dir, "rdd-%d" % self._id)
        self.ctx._run_job(self, None, {"kind": "pickle", "path": path},
                          description="checkpoint at rdd-%d" % self._id, _checkpoint=False)
        self.ctx._request("PyCheckpointed", {"rdd": self._id, "path": path})
        self._checkpoint_done = True
        self._checkpoint_pending = False
        self._checkpoint_file = "file:" + path
        self._parents = []

    # ------------------------------------------------------------------ narrow transformations
    def mapPartitionsWithIndex(self, f, preservesPartitioning=False):
        return PipelinedRDD(self, f, preservesPartitioning)

    def mapPartitions(self, f, preservesPartitioning=False):
        def func(_, iterator):
            return f(iterator)
        return self.mapPartitionsWithIndex(func, preservesPartitioning)

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
        rdd = RDD(self.ctx, "union", [self, other])
        if (self.partitioner is not None and self.partitioner == other.partitioner
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
        rdd = RDD(self.ctx, "coalesce", [self])
        rdd._args_requested = numPartitions
        return rdd

    def zip(self, other):
        if self.getNumPartitions() != other.getNumPartitions():
            raise ValueError("Can only zip with RDD which has the same number of partitions")
        return RDD(self.ctx, "zip", [self, other])

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
    repartitionAndSortWithinPartitions = _shuffle_todo("repartitionAndSortWithinPartitions")
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

    # ------------------------------------------------------------------ actions
    def _collect_partitions(self, partitions=None, action="collect"):
        return self.ctx._run_job(self, partitions, description=_callsite(action))

    def collect(self):
        return [x for part in self._collect_partitions(None, "collect") for x in part]

    def toLocalIterator(self, prefetchPartitions=False):
        for p in range(self.getNumPartitions()):
            yield from self._collect_partitions([p], "toLocalIterator")[0]

    def reduce(self, f):
        def func(iterator):
            iterator = iter(iterator)
            try:
                initial = next(iterator)
            except StopIteration:
                return
            try:  # only f can raise StopIteration out of reduce(): the input's end is caught
                acc = reduce(f, iterator, initial)
            except StopIteration as exc:
                raise RuntimeError(_STOP_MSG, exc)
            yield acc
        vals = self.mapPartitions(func).collect()
        if vals:
            return reduce(fail_on_stopiteration(f), vals)
        raise ValueError("Can not reduce() empty RDD")

    def treeReduce(self, f, depth=2):
        if depth < 1:
            raise ValueError("Depth cannot be smaller than 1 but got %d." % depth)
        zero = None, True  # (value, is_dummy)

        def op(x, y):
            if x[1]:
                return y
            if y[1]:
                return x
            return f(x[0], y[0]), False
        reduced = self.map(lambda x: (x, False)).treeAggregate(zero, op, op, depth)
        if reduced[1]:
            raise ValueError("Cannot reduce empty RDD.")
        return reduced[0]

    def fold(self, zeroValue, op):
        def func(iterator):
            acc = zeroValue
            try:
                for obj in iterator:
                    acc = op(acc, obj)
            except StopIteration as exc:  # from op: the for loop takes the input's own
                raise RuntimeError(_STOP_MSG, exc)
            yield acc
        vals = self.mapPartitions(func).collect()
        return reduce(fail_on_stopiteration(op), vals, zeroValue)

    def aggregate(self, zeroValue, seqOp, combOp):
        def func(iterator):
            acc = zeroValue
            try:
                for obj in iterator:
                    acc = seqOp(acc, obj)
            except StopIteration as exc:
                raise RuntimeError(_STOP_MSG, exc)
            yield acc
        vals = self.mapPartitions(func).collect()
        return reduce(fail_on_stopiteration(combOp), vals, zeroValue)

    def treeAggregate(self, zeroValue, seqOp, combOp, depth=2):
        if depth < 1:
            raise ValueError("Depth cannot be smaller than 1 but got %d." % depth)
        if self.getNumPartitions() == 0:
            return zeroValue

        def aggregate_partition(iterator):
            acc = zeroValue
            for obj in iterator:
                acc = seqOp(acc, obj)
            yield acc
        partials = self.mapPartitions(aggregate_partition).collect()
        # PySpark combines the partial aggregates level by level through reduceByKey; without a
        # shuffle yet (issue #4) the same tree levels are combined here on the driver.
        num = len(partials)
        scale = max(int(ceil(pow(num, 1.0 / depth))), 2)
        while num > scale + num / scale:
            num /= scale
            cur = int(num)
            groups = {}
            for i, v in enumerate(partials):
                k = i % cur
                groups[k] = combOp(groups[k], v) if k in groups else v
            partials = [groups[k] for k in sorted(groups)]
        return reduce(combOp, partials)

    def count(self):
        return self.mapPartitions(lambda i: [sum(1 for _ in i)]).sum()

    def sum(self):
        return self.mapPartitions(lambda x: [sum(x)]).fold(0, operator.add)

    def stats(self):
        def red(left, right):
            return left.mergeStats(right)
        return self.mapPartitions(lambda i: [StatCounter(i)]).reduce(red)

    def mean(self):
        return self.stats().mean()

    def variance(self):
        return self.stats().variance()

    def stdev(self):
        return self.stats().stdev()

    def sampleVariance(self):
        return self.stats().sampleVariance()

    def sampleStdev(self):
        return self.stats().sampleStdev()

    def max(self, key=None):
        if key is None:
            return self.reduce(max)
        return self.reduce(lambda a, b: max(a, b, key=key))

    def min(self, key=None):
        if key is None:
            return self.reduce(min)
        return self.reduce(lambda a, b: min(a, b, key=key))

    def histogram(self, buckets):
        if isinstance(buckets, int):
            if buckets < 1:
                raise ValueError("number of buckets must be >= 1")

            def comparable(x):
                if x is None:
                    return False
                if type(x) is float and isnan(x):
                    return False
                return True
            filtered = self.filter(comparable)

            def minmax(a, b):
                return min(a[0], b[0]), max(a[1], b[1])
            try:
                minv, maxv = filtered.map(lambda x: (x, x)).reduce(minmax)
            except ValueError as e:
                if "empty" in str(e):
                    raise ValueError("can not generate buckets from empty RDD") from None
                raise
            if minv == maxv or buckets == 1:
                return [minv, maxv], [filtered.count()]
            try:
                inc = (maxv - minv) / buckets
            except TypeError:
                raise TypeError("Can not generate buckets with non-number in RDD") from None
            if isinf(inc):
                raise ValueError("Can not generate buckets with infinite value")
            inc = int(inc)  # keep integer buckets when the range divides evenly
            if inc * buckets != maxv - minv:
                inc = (maxv - minv) * 1.0 / buckets
            buckets = [i * inc + minv for i in range(buckets)]
            buckets.append(maxv)  # fix accumulated error
            even = True
        elif isinstance(buckets, (list, tuple)):
            if len(buckets) < 2:
                raise ValueError("buckets should have more than one value")
            if any(i is None or isinstance(i, float) and isnan(i) for i in buckets):
                raise ValueError("can not have None or NaN in buckets")
            if sorted(buckets) != list(buckets):
                raise ValueError("buckets should be sorted")
            if len(set(buckets)) != len(buckets):
                raise ValueError("buckets should not contain duplicated values")
            minv, maxv = buckets[0], buckets[-1]
            even = False
            inc = None
            try:
                steps = [buckets[i + 1] - buckets[i] for i in range(len(buckets) - 1)]
            except TypeError:
                pass  # bucket bounds without '-'
            else:
                if max(steps) - min(steps) < 1e-10:  # evenly spaced, up to rounding
                    even = True
                    inc = (maxv - minv) / (len(buckets) - 1)
        else:
            raise TypeError("buckets should be a list or tuple or number(int or long)")

        def histogram(iterator):
            counters = [0] * len(buckets)
            for i in iterator:
                if (i is None or (isinstance(i, float) and isnan(i)) or i > maxv
                        or i < minv):
                    continue
                t = int((i - minv) / inc) if even else bisect.bisect_right(buckets, i) - 1
                counters[t] += 1
            last = counters.pop()  # the last bucket is closed: values == max go into it
            counters[-1] += last
            return [counters]

        def merge_counters(a, b):
            return [i + j for i, j in zip(a, b)]
        return buckets, self.mapPartitions(histogram).reduce(merge_counters)

    def first(self):
        rs = self.take(1)
        if rs:
            return rs[0]
        raise ValueError("RDD is empty")

    def take(self, num):
        items = []
        total_parts = self.getNumPartitions()
        parts_scanned = 0
        scale_up = max(int(self.ctx._conf.get("spark.rdd.limit.scaleUpFactor", "4")), 2)
        while len(items) < num and parts_scanned < total_parts:
            # Try one partition first; if it gave nothing, quadruple; otherwise interpolate the
            # number still needed, overestimated by 50% and capped.
            num_try = 1
            if parts_scanned > 0:
                if len(items) == 0:
                    num_try = parts_scanned * scale_up
                else:
                    num_try = int(1.5 * num * parts_scanned / len(items)) - parts_scanned
                    num_try = min(max(num_try, 1), parts_scanned * scale_up)
            left = num - len(items)

            def take_up_to_num_left(iterator):
                iterator = iter(iterator)
                taken = 0
                while taken < left:
                    try:
                        yield next(iterator)
                    except StopIteration:
                        return
                    taken += 1

            p = range(parts_scanned, min(parts_scanned + num_try, total_parts))
            res = self.ctx.runJob(self, take_up_to_num_left, p)
            items += res
            parts_scanned += num_try
        return items[:num]

    def isEmpty(self):
        return self.getNumPartitions() == 0 or len(self.take(1)) == 0

    def takeOrdered(self, num, key=None):
        if num < 0:
            raise ValueError("top N cannot be negative.")
        if num == 0 or self.getNumPartitions() == 0:
            return []

        def merge(a, b):
            return heapq.nsmallest(num, a + b, key)
        return self.mapPartitions(lambda it: [heapq.nsmallest(num, it, key)]).reduce(merge)

    def top(self, num, key=None):
        def top_iterator(iterator):
            yield heapq.nlargest(num, iterator, key=key)

        def merge(a, b):
            return heapq.nlargest(num, a + b, key=key)
        return self.mapPartitions(top_iterator).reduce(merge)

    def takeSample(self, withReplacement, num, seed=None):
        num_stdev = 10.0
        max_sample_size = sys.maxsize - int(num_stdev * sqrt(sys.maxsize))
        if num < 0:
            raise ValueError("Sample size cannot be negative.")
        if num > max_sample_size:
            raise ValueError("Sample size cannot be greater than %d." % max_sample_size)
        if num == 0 or self.getNumPartitions() == 0:
            return []
        initial_count = self.count()
        if initial_count == 0:
            return []
        rand = random.Random(seed)
        if (not withReplacement) and num >= initial_count:
            samples = self.collect()
            rand.shuffle(samples)
            return samples
        fraction = RDD._computeFractionForSampleSize(num, initial_count, withReplacement)
        samples = self.sample(withReplacement, fraction, seed).collect()
        # rarely the first sample is too small (the fraction has a large margin): retry
        while len(samples) < num:
            seed = rand.randint(0, sys.maxsize)
            samples = self.sample(withReplacement, fraction, seed).collect()
        rand.shuffle(samples)
        return samples[0:num]

    @staticmethod
    def _computeFractionForSampleSize(sampleSizeLowerBound, total, withReplacement):
        fraction = float(sampleSizeLowerBound) / total
        if withReplacement:
            num_stdev = 5
            if sampleSizeLowerBound < 12:
                num_stdev = 9
            return fraction + num_stdev * sqrt(fraction / total)
        delta = 0.00005
        gamma = -log(delta) / total
        return min(1, fraction + gamma + sqrt(gamma * gamma + 2 * gamma * fraction))

    def foreach(self, f):
        def process_partition(iterator):
            try:
                for x in iterator:
                    f(x)
            except StopIteration as exc:
                raise RuntimeError(_STOP_MSG, exc)
            return iter([])
        self.mapPartitions(process_partition).count()

    def foreachPartition(self, f):
        def func(it):
            r = f(it)
            try:
                return iter(r)
            except TypeError:
                return iter([])
        self.mapPartitions(func).count()

    def countByValue(self):
        def count_partition(iterator):
            counts = defaultdict(int)
            for obj in iterator:
                counts[obj] += 1
            yield counts

        def merge_maps(m1, m2):
            for k, v in m2.items():
                m1[k] += v
            return m1
        return self.mapPartitions(count_partition).reduce(merge_maps)

    def countByKey(self):
        return self.map(lambda x: x[0]).countByValue()

    def collectAsMap(self):
        return dict(self.collect())

    def lookup(self, key):
        return self.filter(lambda kv: kv[0] == key).values().collect()

    def reduceByKeyLocally(self, func):
        raw, func = func, fail_on_stopiteration(func)  # func: merge_maps, once per key

        def reduce_partition(iterator):
            m = {}
            try:
                for k, v in iterator:
                    m[k] = raw(m[k], v) if k in m else v
            except StopIteration as exc:
                raise RuntimeError(_STOP_MSG, exc)
            yield m

        def merge_maps(m1, m2):
            for k, v in m2.items():
                m1[k] = func(m1[k], v) if k in m1 else v
            return m1
        return self.mapPartitions(reduce_partition).reduce(merge_maps)

    def countApprox(self, timeout, confidence=0.95):
        return self.count()

    def saveAsTextFile(self, path, compressionCodecClass=None):
        if compressionCodecClass:
            raise NotImplementedError("saveAsTextFile with a compression codec is not supported "
                                      "by sparkpp yet")

        def func(split, iterator):
            for x in iterator:
                if not isinstance(x, (str, bytes)):
                    x = str(x)
                yield x
        out = self.mapPartitionsWithIndex(func)
        self.ctx._run_job(out, None, {"kind": "text", "path": _local_path(path)},
                          _callsite("saveAsTextFile"))


class PipelinedRDD(RDD):
    """A `python` node: `func(split, iterator)` applied to its parent's partitions. Consecutive
    ones fuse into one (unless the parent is cached)."""

    def __init__(self, prev, func, preservesPartitioning=False):
        if isinstance(prev, PipelinedRDD) and prev._pipelinable():
            prev_func = prev.func

            def pipeline_func(split, iterator):
                return func(split, prev_func(split, iterator))
            self.func = pipeline_func
            self.preservesPartitioning = prev.preservesPartitioning and preservesPartitioning
            parent = prev._parents[0]
        else:
            self.func = func
            self.preservesPartitioning = preservesPartitioning
            parent = prev
        RDD.__init__(self, prev.ctx, "python", [parent])
        if self.preservesPartitioning:
            self.partitioner = prev.partitioner

    def _pickled(self):
        if getattr(self, "_pickled_func", None) is None:
            with _broadcast.collect_ids() as ids:
                self._pickled_func = CloudPickleSerializer().dumps(self.func)
            self._broadcast_ids = sorted(ids)
        return self._pickled_func

    def _node_args(self):
        self._pickled()
        return {"preserves_partitioning": bool(self.preservesPartitioning),
                "broadcasts": self._broadcast_ids}

    def _node_blobs(self):
        blob = self._pickled()
        self._pickled_func = None  # the driver keeps it now
        return [blob]


def _local_path(path):
    """Paths as the C++ driver wants them: absolute, without a file: scheme."""
    path = str(path)
    if path.startswith("file://"):
        path = path[len("file://"):]
    elif path.startswith("file:"):
        path = path[len("file:"):]
    elif "://" in path:
        return path  # another scheme: let the driver say what it supports
    return os.path.abspath(path)
