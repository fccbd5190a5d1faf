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
import random
from collections import defaultdict
from itertools import chain
from typing import Iterable, TypeVar

from sparkpp._external import (ExternalGroupBy, ExternalMerger, ExternalSorter, get_used_memory,
                               worker_memory_mb)
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
        return ExternalMerger(agg, worker_memory_mb() * 0.9, partial=True).combine_values(iterator)

    locally = self.mapPartitions(combine_locally, preservesPartitioning=True)
    shuffled = partitionBy(locally, numPartitions, partitionFunc)

    def merge_combiners(iterator):
        merger = ExternalMerger(agg, worker_memory_mb())
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
        for k, vs in ExternalMerger(agg, worker_memory_mb() * 0.9,
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
        merger = ExternalGroupBy(worker_memory_mb())
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


def sortByKey(self, ascending=True, numPartitions=None, keyfunc=lambda x: x):
    if numPartitions is None:
        numPartitions = _default_reduce_partitions(self)

    def sort_partition(iterator):
        sorter = ExternalSorter(worker_memory_mb() * 0.9)
        return sorter.sorted(iterator, key=lambda kv: keyfunc(kv[0]), reverse=not ascending)

    if numPartitions == 1:
        if self.getNumPartitions() > 1:
            self = partitionBy(self, 1, lambda k: 0)
        return self.mapPartitions(sort_partition, True)

    # Range partitioning from a sample of the keys, as PySpark.
    size = self.count()
    if not size:
        return self
    fraction = min(numPartitions * 20.0 / max(size, 1), 1.0)
    samples = sorted(self.sample(False, fraction, 1).map(lambda kv: kv[0]).collect(), key=keyfunc)
    bounds = [keyfunc(samples[int(len(samples) * (i + 1) / numPartitions)])
              for i in range(0, numPartitions - 1)] if samples else []

    def range_partitioner(k):
        p = bisect.bisect_left(bounds, keyfunc(k))
        return p if ascending else numPartitions - 1 - p

    return partitionBy(self, numPartitions, range_partitioner).mapPartitions(sort_partition, True)


def repartitionAndSortWithinPartitions(self, numPartitions=None, partitionFunc=portable_hash,
                                       ascending=True, keyfunc=lambda x: x):
    """partitionBy, then each partition sorted by keyfunc(key) (memory-bounded, as sortByKey)."""
    if numPartitions is None:
        numPartitions = _default_reduce_partitions(self)

    def sort_partition(iterator):
        sorter = ExternalSorter(worker_memory_mb() * 0.9)
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
