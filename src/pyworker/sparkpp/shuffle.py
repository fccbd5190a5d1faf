"""Key-value operations over the shuffle (issue #4), with PySpark's semantics.

The map side runs in Python: records are bucketed by `partitionFunc(key) % n` (PySpark's
portable_hash by default, independent of PYTHONHASHSEED for str/bytes/int/float/None/tuples)
with map-side combining, and each bucket leaves as (reduce_partition, pickled list of pairs);
the executor writes them into one zstd-compressed data file per map task. The reduce side reads
the blocks of its partition as pickled lists and merges in Python.

Merging and sorting stay within `spark.python.worker.memory` (sparkpp/_external.py): the map
side hands partial combiners to the shuffle when memory runs short, the reduce side spills
sorted runs to local disk (ExternalMerger, ExternalGroupBy, ExternalSorter), and partitionBy
flushes its buckets early when memory is short.
"""
import bisect
import copy
import itertools
import math
import os
import random
import sys
from array import array
from collections import defaultdict, deque
from itertools import chain
from operator import itemgetter
from typing import Iterable, TypeVar

from sparkpp import _external as _ext
from sparkpp import serializers as _serializers
from sparkpp._external import get_used_memory, worker_memory_mb
from sparkpp.rdd import RDD, portable_hash
from sparkpp.serializers import BatchedSerializer, dumps_data  # one definition, so Partitioners compare equal

_GROUP_CHUNK = 10000   # most values of one key per map output record (groupByKey)


class Aggregator:
    def __init__(self, createCombiner, mergeValue, mergeCombiners):
        self.createCombiner = createCombiner
        self.mergeValue = mergeValue
        self.mergeCombiners = mergeCombiners


class Partitioner:
    def __init__(self, numPartitions, partitionFunc):
        self.numPartitions = numPartitions
        self.partitionFunc = partitionFunc

    def __eq__(self, other):
        return (isinstance(other, Partitioner) and self.numPartitions == other.numPartitions
                and self.partitionFunc == other.partitionFunc)

    def __call__(self, k):
        return self.partitionFunc(k) % self.numPartitions


_T = TypeVar("_T")


class ResultIterable(Iterable[_T]):
    """The values of one key after groupByKey: iterable, with len(); Generic as PySpark's
    (`ResultIterable[str]` annotations)."""

    def __init__(self, data):
        self.data = data
        self.index = 0
        self.maxindex = len(data)

    def __iter__(self):
        return iter(self.data)

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        return "ResultIterable(%r)" % (self.data,)


def _default_reduce_partitions(rdd):
    conf = rdd.ctx._conf
    if conf.contains("spark.default.parallelism"):
        return rdd.ctx.defaultParallelism
    return rdd.getNumPartitions()


def partitionBy(self, numPartitions=None, partitionFunc=portable_hash):
    if numPartitions is None:
        numPartitions = _default_reduce_partitions(self)
    numPartitions = int(numPartitions)
    if numPartitions <= 0:
        raise ValueError("Number of partitions must be positive.")
    partitioner = Partitioner(numPartitions, partitionFunc)
    if self.partitioner == partitioner:
        return self
    n = numPartitions

    def add_shuffle_key(split, iterator):
        # As PySpark: flush the buckets when memory is short (checked every 1000 records) or
        # after `batch` records, adapting batch to keep the average chunk within 1-10 MiB.
        limit = worker_memory_mb() / 2
        batch = min(10 * n, 1000)
        buckets = defaultdict(list)
        c = 0
        dumps = dumps_data  # cloudpickle, as PySpark 3.5's CPickleSerializer
        for k, v in iterator:
            buckets[partitionFunc(k) % n].append((k, v))
            c += 1
            if c > batch or (c % 1000 == 0 and get_used_memory() > limit):
                size = 0
                for p, items in buckets.items():
                    b = dumps(items)
                    size += len(b)
                    yield p, b
                buckets.clear()
                avg = (size // n) >> 20
                if avg < 1:
                    batch = min(batch * 1.5, 1 << 30)
                elif avg > 10:
                    batch = max(int(batch / 1.5), 1)
                c = 0
        for p, items in buckets.items():
            yield p, dumps(items)

    keyed = self.mapPartitionsWithIndex(add_shuffle_key, preservesPartitioning=True)
    shuffled = RDD(self.ctx, "shuffled", [keyed], num_partitions=n, args={},
                   deserializer=BatchedSerializer(self.ctx._unbatched_serializer))
    shuffled.partitioner = partitioner
    return shuffled


def combineByKey(self, createCombiner, mergeValue, mergeCombiners, numPartitions=None,
                 partitionFunc=portable_hash):
    if numPartitions is None:
        numPartitions = _default_reduce_partitions(self)
    agg = Aggregator(createCombiner, mergeValue, mergeCombiners)

    def combine_locally(iterator):
        return _ext.ExternalMerger(agg, worker_memory_mb() * 0.9, partial=True).combine_values(iterator)

    locally = self.mapPartitions(combine_locally, preservesPartitioning=True)
    shuffled = partitionBy(locally, numPartitions, partitionFunc)

    def merge_combiners(iterator):
        merger = _ext.ExternalMerger(agg, worker_memory_mb())
        merger.mergeCombiners(iterator)
        yield from merger.items()

    return shuffled.mapPartitions(merge_combiners, preservesPartitioning=True)


def reduceByKey(self, func, numPartitions=None, partitionFunc=portable_hash):
    return combineByKey(self, lambda x: x, func, func, numPartitions, partitionFunc)


def foldByKey(self, zeroValue, func, numPartitions=None, partitionFunc=portable_hash):
    def create_zero():
        return copy.deepcopy(zeroValue)
    return combineByKey(self, lambda v: func(create_zero(), v), func, func, numPartitions,
                        partitionFunc)


def aggregateByKey(self, zeroValue, seqFunc, combFunc, numPartitions=None,
                   partitionFunc=portable_hash):
    def create_zero():
        return copy.deepcopy(zeroValue)
    return combineByKey(self, lambda v: seqFunc(create_zero(), v), seqFunc, combFunc,
                        numPartitions, partitionFunc)


def groupByKey(self, numPartitions=None, partitionFunc=portable_hash):
    def create(x):
        return [x]

    def merge_value(xs, x):
        xs.append(x)
        return xs

    def merge_combiners(a, b):
        a.extend(b)
        return a

    if numPartitions is None:
        numPartitions = _default_reduce_partitions(self)
    agg = Aggregator(create, merge_value, merge_combiners)

    def combine_locally(iterator):
        # a hot key's list leaves in chunks, so the reduce side never has to take in (and
        # check memory after) one record as big as the map side's memory
        for k, vs in _ext.ExternalMerger(agg, worker_memory_mb() * 0.9,
                                    partial=True).combine_values(iterator):
            if len(vs) <= _GROUP_CHUNK:
                yield k, vs
            else:
                for i in range(0, len(vs), _GROUP_CHUNK):
                    yield k, vs[i:i + _GROUP_CHUNK]

    locally = self.mapPartitions(combine_locally, preservesPartitioning=True)
    shuffled = partitionBy(locally, numPartitions, partitionFunc)

    def group(iterator):
        # values of a key too big for memory come back as a SpillableList iterating from disk
        merger = _ext.ExternalGroupBy(worker_memory_mb())
        merger.mergeCombiners(iterator)
        yield from merger.items()

    return shuffled.mapPartitions(group, preservesPartitioning=True).mapValues(ResultIterable)


def groupBy(self, f, numPartitions=None, partitionFunc=portable_hash):
    return self.map(lambda x: (f(x), x)).groupByKey(numPartitions, partitionFunc)


def distinct(self, numPartitions=None):
    return (self.map(lambda x: (x, None))
            .reduceByKey(lambda x, _: x, numPartitions)
            .map(lambda x: x[0]))


def repartition(self, numPartitions):
    return coalesce_shuffle(self, numPartitions)


def coalesce_shuffle(self, numPartitions):
    n = int(numPartitions)
    if n <= 0:
        raise ValueError("Number of partitions (%d) must be positive." % n)

    def distribute(split, iterator):
        pos = random.Random(split).randint(0, n - 1)
        for x in iterator:
            yield pos, x
            pos = (pos + 1) % n

    return partitionBy(self.mapPartitionsWithIndex(distribute), n, lambda k: k).values()


def cogroup(self, other, numPartitions=None):
    return _cogroup([self, other], numPartitions)


def groupWith(self, other, *others):
    return _cogroup([self, other] + list(others), None)


def _cogroup(rdds, numPartitions):
    k = len(rdds)
    tagged = [r.mapValues(lambda v, i=i: (i, v)) for i, r in enumerate(rdds)]
    union = tagged[0].ctx.union(tagged)
    part = tagged[0].partitioner
    if part is not None and all(t.partitioner == part for t in tagged) \
            and union.getNumPartitions() == part.numPartitions:
        # co-partitioned sides (as PySpark's chain of RDD.union keeps the partitioner): the
        # groupByKey below finds its partitioner and does not shuffle again, a narrow
        # dependency as Spark's CoGroupedRDD
        union.partitioner = part
    if numPartitions is None:
        numPartitions = max(r.getNumPartitions() for r in rdds)
        if rdds[0].ctx._conf.contains("spark.default.parallelism"):
            numPartitions = rdds[0].ctx.defaultParallelism

    def dispatch(values):
        bufs = [[] for _ in range(k)]
        for i, v in values:
            bufs[i].append(v)
        return tuple(ResultIterable(b) for b in bufs)

    return groupByKey(union, numPartitions).mapValues(dispatch)


def join(self, other, numPartitions=None):
    return cogroup(self, other, numPartitions).flatMapValues(
        lambda vs: ((v, w) for v in vs[0] for w in vs[1]))


def leftOuterJoin(self, other, numPartitions=None):
    return cogroup(self, other, numPartitions).flatMapValues(
        lambda vs: ((v, w) for v in vs[0] for w in (vs[1] or [None])))


def rightOuterJoin(self, other, numPartitions=None):
    return cogroup(self, other, numPartitions).flatMapValues(
        lambda vs: ((v, w) for v in (vs[0] or [None]) for w in vs[1]))


def fullOuterJoin(self, other, numPartitions=None):
    return cogroup(self, other, numPartitions).flatMapValues(
        lambda vs: ((v, w) for v in (vs[0] or [None]) for w in (vs[1] or [None])))


def subtractByKey(self, other, numPartitions=None):
    return (cogroup(self, other, numPartitions)
            .filter(lambda kv: len(kv[1][0]) > 0 and len(kv[1][1]) == 0)
            .flatMapValues(lambda vs: vs[0]))


def subtract(self, other, numPartitions=None):
    rdd = other.map(lambda x: (x, True))
    return subtractByKey(self.map(lambda x: (x, True)), rdd, numPartitions).keys()


def intersection(self, other):
    return (cogroup(self.map(lambda v: (v, None)), other.map(lambda v: (v, None)))
            .filter(lambda kv: len(kv[1][0]) > 0 and len(kv[1][1]) > 0)
            .keys())


def _identity(x):
    return x


_SAMPLE_PER_PARTITION = 20.0    # sampled keys per output partition (Spark's RangePartitioner)
_PAIRS_CHUNK = 1 << 16          # records per flush of sortByKey's map side
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


_LITTLE = sys.byteorder == "little"
_fastrdd_mod = []


def _fastrdd():
    """src/pyworker/fastrdd.c (sortByKey's map side in C), None without it."""
    if not _fastrdd_mod:
        from sparkpp._rdd_util import load_extension
        _fastrdd_mod.append(load_extension("_fastrdd"))
    return _fastrdd_mod[0]


_SAMPLE_INPUT = 16              # the sketch reads one 64 KiB window of text in 16 (driver)


def _sketch(rdd, sample_size):
    """One pass over rdd: each partition's size and a reservoir sample of its keys (Spark's
    RangePartitioner.sketch; PySpark counts, then samples: two passes). Returns
    [(size, keys)] per partition.

    The job reads text inputs in windows, one in _SAMPLE_INPUT (args.sample_input: the driver
    plans each text split under narrow dependencies as spread-out byte windows of whole lines),
    so the parent is not computed in full once more just for bounds: sizes are then the
    windows' (proportional to the splits'), which only weigh the keys. Bounds decide balance,
    never the result; should the windows hold no record at all, the full pass runs."""
    sampled = _sketch_job(rdd, sample_size, _SAMPLE_INPUT)
    if sum(n for n, _ in sampled):
        return sampled
    return _sketch_job(rdd, sample_size, 0)


def _sketch_job(rdd, sample_size, sample_input):
    per_partition = int(math.ceil(3.0 * sample_size / max(rdd.getNumPartitions(), 1)))

    def sketch(split, iterator):
        counter = itertools.count()
        it = zip(iterator, counter)  # the counter advances once per record taken from iterator
        keys = [kv[0] for kv, _ in itertools.islice(it, per_partition)]
        if len(keys) == per_partition:
            # Algorithm L: skips geometrically distributed runs of records in C, so a long
            # partition costs one random number per record kept, not per record read.
            rng = random.Random(split * 2654435761 + 1)
            log, k = math.log, per_partition
            w = math.exp(log(rng.random() or 1e-300) / k)
            while True:
                skip = int(log(rng.random() or 1e-300) / log(1.0 - w)) if w < 1.0 else 0
                deque(itertools.islice(it, skip), maxlen=0)
                nxt = next(it, None)
                if nxt is None:
                    break
                keys[rng.randrange(k)] = nxt[0][0]
                w *= math.exp(log(rng.random() or 1e-300) / k)
        return [(next(counter), keys)]

    job = rdd.mapPartitionsWithIndex(sketch)
    if sample_input:
        job._args = dict(job._args, sample_input=sample_input)
    return job.collect()


def _range_bounds(sketches, numPartitions, keyfunc):
    """numPartitions - 1 (at most) keyfunc values splitting the sampled keys into ranges of
    equal weight; a sample from a partition of n records holding m keys weighs n / m (Spark's
    RangePartitioner.determineBounds, without dropping repeated bounds: PySpark keeps
    numPartitions partitions whatever the keys)."""
    cands = []
    for n, keys in sketches:
        if keys:
            w = n / len(keys)
            cands.extend((keyfunc(k), w) for k in keys)
    cands.sort(key=itemgetter(0))
    total = sum(w for _, w in cands)
    step = total / numPartitions
    target, cum, bounds = step, 0.0, []
    for key, w in cands:
        if len(bounds) >= numPartitions - 1:
            break
        cum += w
        if cum >= target:
            bounds.append(key)
            target += step
    return bounds


def _int_pairs_bucketer(numPartitions, bounds, ascending, flags):
    """sortByKey's map side: records go to partition bisect_left(bounds, key) (counted from the
    end when descending); (int, int) pairs of 64-bit ints leave as int pair batches
    (serializers.dumps_int_pairs, which the executor sorts without Python). From the first
    record of another kind on, the rest of the task leaves as pickled lists, so that the records
    of a partition keep their order (equal keys stay in input order, as Spark's)."""
    from sparkpp.serializers import dumps_int_pairs
    n = numPartitions
    last = n - 1

    def out(p):
        return p if ascending else last - p

    def bucket(split, iterator):
        it = iter(iterator)
        fast = _fastrdd()
        if fast is not None and _LITTLE and all(type(b) is int and _I64_MIN <= b <= _I64_MAX for b in bounds):
            # The same loop in C (src/pyworker/fastrdd.c): same batches, same first odd record.
            bounds_t = tuple(bounds)
            while True:
                batches, odd, taken = fast.bucket_int_pairs(it, bounds_t, _PAIRS_CHUNK, flags, -1 if ascending else last)
                yield from batches
                if odd is not None or taken < _PAIRS_CHUNK:
                    break
            if odd is None:
                return
            k, v = odd  # a record that is not a pair fails here, as in the loop below
            yield from _bucket_others((k, v), it)
            return
        keys = [array("q") for _ in range(n)]
        values = [array("q") for _ in range(n)]
        kapp = [a.append for a in keys]
        vapp = [a.append for a in values]
        bisect_left = bisect.bisect_left
        odd = None
        taken = _PAIRS_CHUNK
        while odd is None and taken == _PAIRS_CHUNK:
            taken = 0
            for k, v in itertools.islice(it, _PAIRS_CHUNK):
                taken += 1
                if type(k) is int and type(v) is int:
                    p = bisect_left(bounds, k)
                    try:
                        kapp[p](k)
                        vapp[p](v)
                        continue
                    except OverflowError:  # beyond 64 bits
                        if len(keys[p]) > len(values[p]):
                            keys[p].pop()
                odd = (k, v)
                break
            for p, ks in enumerate(keys):
                if ks:
                    yield out(p), dumps_int_pairs(ks, values[p], flags)
                    del ks[:]
                    del values[p][:]
        if odd is None:
            return
        yield from _bucket_others(odd, it)

    def _bucket_others(odd, it):
        bisect_left = bisect.bisect_left
        limit = worker_memory_mb() / 2
        others = defaultdict(list)
        others[out(bisect_left(bounds, odd[0]))].append(odd)
        c = 1
        for k, v in it:
            others[out(bisect_left(bounds, k))].append((k, v))
            c += 1
            if c >= 1000:
                if c >= _PAIRS_CHUNK or get_used_memory() > limit:
                    for p, items in others.items():
                        yield p, dumps_data(items)
                    others.clear()
                c = 0
        for p, items in others.items():
            yield p, dumps_data(items)

    return bucket


def sortByKey(self, ascending=True, numPartitions=None, keyfunc=_identity):
    if numPartitions is None:
        numPartitions = _default_reduce_partitions(self)

    def sort_partition(iterator):
        if native:
            # The executor sorted the partition when every record came as an int pair batch
            # (serializers.PAIRS_SORTED on each batch): stream it instead of sorting again.
            iterator = iter(iterator)
            first = next(iterator, _NONE)
            if first is _NONE:
                return iter(())
            iterator = itertools.chain((first,), iterator)
            if _serializers.last_batch_sorted[0]:
                return iterator
        sorter = _ext.ExternalSorter(worker_memory_mb() * 0.9)
        key = itemgetter(0) if keyfunc is _identity else (lambda kv: keyfunc(kv[0]))
        return sorter.sorted(iterator, key=key, reverse=not ascending)

    # Only the default keyfunc lets the executor sort: it compares the keys themselves.
    native = keyfunc is _identity
    flags = (_serializers.PAIRS_SORT | (0 if ascending else _serializers.PAIRS_DESC)) if native else 0

    if numPartitions == 1:
        if self.getNumPartitions() > 1:
            if native:
                self = _range_shuffle(self, 1, [], ascending, flags)
            else:
                self = partitionBy(self, 1, lambda k: 0)
        return self.mapPartitions(sort_partition, True)

    # Range partitioning from a sample of the keys.
    sketches = _sketch(self, min(_SAMPLE_PER_PARTITION * numPartitions, 1e6))
    if not sum(n for n, _ in sketches):
        return self
    bounds = _range_bounds(sketches, numPartitions, keyfunc)

    def range_partitioner(k):
        p = bisect.bisect_left(bounds, keyfunc(k))
        return p if ascending else numPartitions - 1 - p

    if not native:
        return partitionBy(self, numPartitions, range_partitioner).mapPartitions(sort_partition, True)

    shuffled = _range_shuffle(self, numPartitions, bounds, ascending, flags)
    shuffled.partitioner = Partitioner(numPartitions, range_partitioner)
    return shuffled.mapPartitions(sort_partition, True)


_NONE = object()


def _range_shuffle(rdd, numPartitions, bounds, ascending, flags):
    """partitionBy(rdd, numPartitions, range partitioner) for sortByKey, with int pair batches."""
    keyed = rdd.mapPartitionsWithIndex(_int_pairs_bucketer(numPartitions, bounds, ascending, flags),
                                       preservesPartitioning=True)
    return RDD(rdd.ctx, "shuffled", [keyed], num_partitions=numPartitions, args={},
               deserializer=BatchedSerializer(rdd.ctx._unbatched_serializer))


def repartitionAndSortWithinPartitions(self, numPartitions=None, partitionFunc=portable_hash,
                                       ascending=True, keyfunc=lambda x: x):
    """partitionBy, then each partition sorted by keyfunc(key) (memory-bounded, as sortByKey)."""
    if numPartitions is None:
        numPartitions = _default_reduce_partitions(self)

    def sort_partition(iterator):
        sorter = _ext.ExternalSorter(worker_memory_mb() * 0.9)
        return iter(sorter.sorted(iterator, key=lambda kv: keyfunc(kv[0]), reverse=not ascending))

    return partitionBy(self, numPartitions, partitionFunc).mapPartitions(sort_partition, True)


def sortBy(self, keyfunc, ascending=True, numPartitions=None):
    return sortByKey(self.keyBy(keyfunc), ascending, numPartitions).values()


def countByKey(self):
    return self.map(lambda x: x[0]).countByValue()


def collectAsMap(self):
    return dict(self.collect())


def lookup(self, key):
    values = self.filter(lambda kv: kv[0] == key).values()
    if self.partitioner is not None:
        return self.ctx.runJob(values, lambda x: x, [self.partitioner(key)])
    return values.collect()


def cartesian(self, other):
    """All pairs: each partition of self meets the whole of other (shipped through a shuffle
    that replicates other's elements to every partition of self)."""
    n = self.getNumPartitions()
    if n == 0 or other.getNumPartitions() == 0:
        return self.ctx.emptyRDD()
    left = self.mapPartitionsWithIndex(lambda i, it: ((i, (0, x)) for x in it))
    right = other.flatMap(lambda y: ((i, (1, y)) for i in range(n)))
    tagged = self.ctx.union([left, right])

    def pairs(iterator):
        xs, ys = [], []
        for _, (side, v) in iterator:
            (xs if side == 0 else ys).append(v)
        return ((x, y) for x in xs for y in ys)

    return partitionBy(tagged, n, lambda k: k).mapPartitions(pairs)


_METHODS = [partitionBy, combineByKey, reduceByKey, foldByKey, aggregateByKey, groupByKey, groupBy,
            distinct, repartition, cogroup, groupWith, join, leftOuterJoin, rightOuterJoin,
            fullOuterJoin, subtractByKey, subtract, intersection, sortByKey, sortBy,
            repartitionAndSortWithinPartitions, countByKey,
            collectAsMap, lookup, cartesian]
for _m in _METHODS:
    setattr(RDD, _m.__name__, _m)

_orig_coalesce = RDD.coalesce


def coalesce(self, numPartitions, shuffle=False):
    if shuffle:
        return coalesce_shuffle(self, numPartitions)
    return _orig_coalesce(self, numPartitions, shuffle=False)


RDD.coalesce = coalesce


# ------------------------------------------------------------------------------------------
# pyspark.shuffle's public classes, for code that imports them (PySpark's test_shuffle, user
# code merging or sorting by itself): PySpark's signatures and attributes over the spilling
# machinery of sparkpp/_external.py. The RDD operations above use that machinery directly.

def __getattr__(name):
    # PySpark's global counters, as module attributes that follow this process's spills
    if name == "MemoryBytesSpilled":
        return _ext._spilled_total[0]
    if name == "DiskBytesSpilled":
        return _ext._spilled_total[1]
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def _get_local_dirs(sub):
    """SPARK_LOCAL_DIRS (the temp dir when unset) in a random order, so that concurrent
    spillers spread over the disks (SPARK-39179), each as <dir>/python/<pid>/<sub>."""
    dirs = list(_ext._local_dirs())
    random.shuffle(dirs)
    return [os.path.join(d, "python", str(os.getpid()), sub) for d in dirs]


class SimpleAggregator(Aggregator):
    """An Aggregator whose combiners have the values' type."""

    def __init__(self, combiner):
        Aggregator.__init__(self, lambda x: x, combiner, combiner)


class Merger:
    """Merges shuffled data by an aggregator (abstract)."""

    def __init__(self, aggregator):
        self.agg = aggregator

    def mergeValues(self, iterator):
        raise NotImplementedError

    def mergeCombiners(self, iterator):
        raise NotImplementedError

    def items(self):
        raise NotImplementedError


class _SpillDirs:
    """Spill files of a public merger/sorter go under its own `localdirs` (PySpark's layout:
    <local dir>/python/<pid>/<id>/<spill number>), removed again by _cleanup()."""

    def _init_dirs(self, localdirs):
        self._own_dirs = not localdirs
        self.localdirs = localdirs or _get_local_dirs(str(id(self)))

    def _get_spill_dir(self, n):
        return os.path.join(self.localdirs[n % len(self.localdirs)], str(n))

    def _spill_file(self):
        return _ext._spill_file(self._get_spill_dir(self.spills))

    def _cleanup(self):
        self.close()
        for d in self.localdirs:
            if self._own_dirs:
                import shutil  # here: shutil pulls in bz2 and lzma, ~5 ms of each daemon's start
                shutil.rmtree(d, ignore_errors=True)
                try:  # <dir>/python/<pid> when no other spiller of this process uses it
                    os.rmdir(os.path.dirname(d))
                except OSError:
                    pass


class ExternalMerger(_SpillDirs, _ext.ExternalMerger, Merger):
    """PySpark's ExternalMerger: merges (key, value) or (key, combiner) records within
    `memory_limit` MiB of this process's RSS, spilling runs to disk; items() yields each key
    once. serializer, scale and partitions are accepted (runs are sorted by key hash here
    instead of hash-partitioned); batch is the number of records between memory checks."""

    MAX_TOTAL_PARTITIONS = 4096

    def __init__(self, aggregator, memory_limit=512, serializer=None, localdirs=None, scale=1,
                 partitions=59, batch=1000):
        Merger.__init__(self, aggregator)
        _ext.ExternalMerger.__init__(self, aggregator, memory_limit)
        self.memory_limit = memory_limit
        self.serializer = serializer
        self._init_dirs(localdirs)
        self.scale = scale
        self.partitions = partitions
        self.batch = batch
        self.pdata = []

    def _next_limit(self):
        return max(self.memory_limit, get_used_memory() * 1.05)

    def items(self):
        try:
            yield from _ext.ExternalMerger.items(self)
        finally:
            if self.spills:
                self._cleanup()


class ExternalGroupBy(_SpillDirs, _ext.ExternalGroupBy, Merger):
    """PySpark's ExternalGroupBy: groups (key, value) records (mergeValues, through the
    aggregator's createCombiner, which makes a list) or (key, list) records (mergeCombiners)
    within `memory_limit` MiB; the values of a key too big for memory come back iterating from
    disk."""

    SORT_KEY_LIMIT = 1000

    def __init__(self, aggregator, memory_limit=512, serializer=None, localdirs=None, scale=1,
                 partitions=59, batch=1000):
        Merger.__init__(self, aggregator)
        _ext.ExternalGroupBy.__init__(self, memory_limit)
        self.memory_limit = memory_limit
        self.serializer = serializer
        self._init_dirs(localdirs)
        self.scale = scale
        self.partitions = partitions
        self.batch = batch

    def mergeValues(self, iterator):
        create = self.agg.createCombiner
        self.mergeCombiners((k, create(v)) for k, v in iterator)

    def items(self):
        try:
            yield from _ext.ExternalGroupBy.items(self)
        finally:
            if self.spills:
                self._cleanup()


class ExternalSorter(_SpillDirs, _ext.ExternalSorter):
    """PySpark's ExternalSorter: sorted(iterator, key, reverse) within `memory_limit` MiB,
    sorted runs on disk merged back; `_next_limit()` is the limit after a spill."""

    def __init__(self, memory_limit, serializer=None):
        _ext.ExternalSorter.__init__(self, memory_limit)
        self.memory_limit = memory_limit
        self.serializer = serializer
        self._init_dirs(None)

    def _get_path(self, n):
        return self._get_spill_dir(n)

    def close(self):
        _ext._close_all(self.runs)

    def sorted(self, iterator, key=None, reverse=False):
        result = _ext.ExternalSorter.sorted(self, iterator, key, reverse)
        if not self.runs:
            return result
        return self._then_cleanup(result)

    def _then_cleanup(self, result):
        try:
            yield from result
        finally:
            self._cleanup()


class ExternalList(_ext.SpillableList):
    """A list of values that moves them to disk once LIMIT of them are in memory; len() and
    iteration (disk first, then memory) as PySpark's; pickles with its values."""

    LIMIT = 10240

    def __init__(self, values):
        _ext.SpillableList.__init__(self, values)

    def append(self, value):
        self.values.append(value)
        self.count += 1
        if len(self.values) >= self.LIMIT:
            self._spill()

    def _spill(self):
        self.spill()

    def _items(self):
        return _ext.SpillableList.__iter__(self)

    def __reduce__(self):
        return (_rebuild_external_list, (type(self), list(self._items()), self.count))


def _rebuild_external_list(cls, values, count):
    lst = cls.__new__(cls)
    _ext.SpillableList.__init__(lst, values)
    lst.count = count
    return lst


class ExternalListOfList(ExternalList):
    """An ExternalList of lists, iterated (and counted) flat."""

    def __init__(self, values):
        ExternalList.__init__(self, values)
        self.count = sum(len(v) for v in values)

    def append(self, value):
        ExternalList.append(self, value)
        self.count += len(value) - 1

    def __iter__(self):
        for values in self._items():
            yield from values


class GroupByKey:
    """Groups a key-sorted iterator of (key, list of values) into (key, values), consecutive
    equal keys together; the values are an ExternalListOfList."""

    def __init__(self, iterator):
        self.iterator = iterator

    def __iter__(self):
        key, values = None, None
        for k, v in self.iterator:
            if values is not None and k == key:
                values.append(v)
            else:
                if values is not None:
                    yield key, values
                key, values = k, ExternalListOfList([v])
        if values is not None:
            yield key, values
