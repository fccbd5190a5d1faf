"""RDD actions (PySpark's RDD methods that run jobs): collect, reduce/fold/aggregate and their tree
forms, statistics, take/top/takeSample, counting, foreach and saveAsTextFile. A mixin of RDD
(rdd.py), apart so that the lineage side of RDD stays readable; `import sparkpp.rdd` is unchanged.
"""
import bisect
import copy
import functools
import heapq
import operator
import random
import sys
from collections import defaultdict
from functools import reduce
from math import ceil, isinf, isnan, log, pow, sqrt

from sparkpp._rdd_util import _STOP_MSG, _callsite, _local_path, fail_on_stopiteration
from sparkpp.statcounter import StatCounter

__all__ = ["RDDActions", "BoundedFloat"]

# Hadoop codec class -> the extension its files get (Hadoop's CompressionCodec.getDefaultExtension)
_CODEC_EXTENSIONS = {
    "org.apache.hadoop.io.compress.GzipCodec": ".gz",
    "org.apache.hadoop.io.compress.BZip2Codec": ".bz2",
    "org.apache.hadoop.io.compress.ZStandardCodec": ".zst",
    "org.apache.hadoop.io.compress.Lz4Codec": ".lz4",
}


# count/sum/fold's per-partition functions, module-level so that cloudpickle pickles them by
# name (rdd.py: _on_iterator).
def _count_partition(iterator):
    return [sum(1 for _ in iterator)]


def _sum_partition(iterator):
    return [sum(iterator)]


def _fold_partition(zeroValue, op, iterator):
    acc = copy.deepcopy(zeroValue)
    try:
        for obj in iterator:
            acc = op(acc, obj)
    except StopIteration as exc:  # from op: the for loop takes the input's own
        raise RuntimeError(_STOP_MSG, exc)
    yield acc

class BoundedFloat(float):
    """A value from an approximate job, with its confidence and low/high bounds."""

    def __new__(cls, mean, confidence, low, high):
        obj = float.__new__(cls, mean)
        obj.confidence = confidence
        obj.low = low
        obj.high = high
        return obj


class RDDActions:
    """Actions over `self`, an RDD: each runs one or more jobs through `self.ctx._run_job`."""


    def _collect_partitions(self, partitions=None, action="collect"):
        return self.ctx._run_job(self, partitions, description=_callsite(action))

    def collect(self):
        return [x for part in self._collect_partitions(None, "collect") for x in part]

    def collectWithJobGroup(self, groupId, description, interruptOnCancel=False):
        """collect() as a job of group `groupId` (PySpark 3.5: deprecated, with its warning);
        the thread's own job group is left as it was."""
        import warnings
        warnings.warn("Deprecated in 3.1, Use pyspark.InheritableThread with "
                      "the pinned thread mode enabled.", FutureWarning)
        props = self.ctx._local_properties()
        keys = ("spark.jobGroup.id", "spark.job.description", "spark.job.interruptOnCancel")
        saved = {k: props.get(k) for k in keys}
        self.ctx.setJobGroup(groupId, description, interruptOnCancel)
        try:
            return self.collect()
        finally:
            for k, v in saved.items():
                self.ctx.setLocalProperty(k, v)

    def toLocalIterator(self, prefetchPartitions=False):
        """One job per partition, in order; with prefetchPartitions the next partition's job
        runs (on a helper thread) while the current one is consumed, as Spark's."""
        n = self.getNumPartitions()
        desc = _callsite("toLocalIterator")
        if not prefetchPartitions:
            return (x for p in range(n) for x in self.ctx._run_job(self, [p], description=desc)[0])
        return self._prefetching_iterator(n, desc)

    def _prefetching_iterator(self, n, desc):
        from concurrent.futures import ThreadPoolExecutor
        if n == 0:
            return
        pool = ThreadPoolExecutor(1, thread_name_prefix="toLocalIterator")
        try:
            fut = pool.submit(self.ctx._run_job, self, [0], None, desc)
            for p in range(n):
                part = fut.result()[0]
                if p + 1 < n:
                    fut = pool.submit(self.ctx._run_job, self, [p + 1], None, desc)
                yield from part
        finally:
            pool.shutdown(wait=False)

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
        # Each partition, and the driver's final merge, starts from its own deep copy of the
        # zero value: PySpark gets that from unpickling the function per task, but a worker
        # here keeps functions across tasks, so a mutable zero would be shared.
        vals = self.mapPartitions(functools.partial(_fold_partition, zeroValue, op)).collect()
        return reduce(fail_on_stopiteration(op), vals, copy.deepcopy(zeroValue))

    def aggregate(self, zeroValue, seqOp, combOp):
        def func(iterator):  # a deep copy of the zero per partition, as fold
            acc = copy.deepcopy(zeroValue)
            try:
                for obj in iterator:
                    acc = seqOp(acc, obj)
            except StopIteration as exc:
                raise RuntimeError(_STOP_MSG, exc)
            yield acc
        vals = self.mapPartitions(func).collect()
        return reduce(fail_on_stopiteration(combOp), vals, copy.deepcopy(zeroValue))

    def treeAggregate(self, zeroValue, seqOp, combOp, depth=2):
        if depth < 1:
            raise ValueError("Depth cannot be smaller than 1 but got %d." % depth)
        if self.getNumPartitions() == 0:
            return zeroValue

        def aggregate_partition(iterator):
            acc = copy.deepcopy(zeroValue)  # per partition, as fold
            for obj in iterator:
                acc = seqOp(acc, obj)
            yield acc
        partials = self.mapPartitions(aggregate_partition)
        # As PySpark: the partial aggregates are combined level by level through reduceByKey
        # until few enough are left for the driver.
        num = partials.getNumPartitions()
        scale = max(int(ceil(pow(num, 1.0 / depth))), 2)
        while num > scale + num / scale:
            num /= scale
            cur = int(num)

            def map_partition(i, iterator, cur=cur):
                for obj in iterator:
                    yield i % cur, obj
            partials = (partials.mapPartitionsWithIndex(map_partition)
                        .reduceByKey(combOp, cur).values())
        return partials.reduce(combOp)

    def count(self):
        return self.mapPartitions(_count_partition).sum()

    def sum(self):
        return self.mapPartitions(_sum_partition).fold(0, operator.add)

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
        fraction = RDDActions._computeFractionForSampleSize(num, initial_count, withReplacement)
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
        """As PySpark: int(sumApprox of the per-partition counts)."""
        drdd = self.mapPartitions(lambda it: [float(sum(1 for _ in it))])
        return int(drdd.sumApprox(timeout, confidence))

    def sumApprox(self, timeout, confidence=0.95):
        """A BoundedFloat. PySpark returns the final value of Spark's approximate job (it waits
        for all partitions), so mean == low == high with confidence 1.0; so does this."""
        total = self.mapPartitions(lambda it: [float(sum(it))]).fold(0.0, operator.add)
        return BoundedFloat(total, 1.0, total, total)

    def meanApprox(self, timeout, confidence=0.95):
        """A BoundedFloat of the mean (final value, as sumApprox)."""
        m = self.map(float).stats().mean()
        return BoundedFloat(m, 1.0, m, m)

    def countApproxDistinct(self, relativeSD=0.05):
        """Approximate distinct count with HyperLogLog++ as Spark's (Heule et al.): precision
        p = ceil(2 log2(1.054 / relativeSD)) (at least 4), over the 32-bit portable_hash of
        each element; partitions build register arrays that the driver merges. The estimate
        uses Ertl's improved estimator (no empirical bias tables), within the same error
        (about 1.04 / sqrt(2^p) relative standard deviation)."""
        if relativeSD < 0.000017:
            raise ValueError("relativeSD should be greater than 0.000017")
        p = max(4, int(ceil(2.0 * log(1.054 / relativeSD) / log(2))))
        from sparkpp.rdd import portable_hash
        from sparkpp import _hll

        def registers(iterator):
            yield _hll.registers((portable_hash(x) & 0xFFFFFFFF for x in iterator), p)
        regs = self.mapPartitions(registers).fold(bytearray(1 << p), _hll.merge)
        return int(round(_hll.estimate(regs, p)))

    def saveAsTextFile(self, path, compressionCodecClass=None):
        """part-NNNNN files of str(element) lines; with a Hadoop codec class name (GzipCodec,
        BZip2Codec, ZStandardCodec, Lz4Codec under org.apache.hadoop.io.compress) each part is
        compressed by the executor and named with the codec's extension (.gz, .bz2, .zst,
        .lz4), as Hadoop's TextOutputFormat; textFile reads them back by extension."""
        sink = {"kind": "text", "path": _local_path(path)}
        if compressionCodecClass:
            ext = _CODEC_EXTENSIONS.get(compressionCodecClass)
            if ext is None:
                raise ValueError(
                    "compression codec %s is not supported by sparkpp (supported: %s)"
                    % (compressionCodecClass, ", ".join(sorted(_CODEC_EXTENSIONS))))
            sink["ext"] = ext

        def func(split, iterator):
            for x in iterator:
                if not isinstance(x, (str, bytes)):
                    x = str(x)
                yield x
        out = self.mapPartitionsWithIndex(func)
        self.ctx._run_job(out, None, sink, _callsite("saveAsTextFile"))

    def saveAsPickleFile(self, path, batchSize=10):
        """part-NNNNN files of pickled batches, read back by sc.pickleFile (and used for
        checkpoints). The files are sparkpp's framing (u32 BE length | pickled list of
        elements, auto-batched: `batchSize` is accepted and not used), not the Hadoop
        SequenceFile PySpark writes through saveAsObjectFile; see docs/architecture.md."""
        self.ctx._run_job(self, None, {"kind": "pickle", "path": _local_path(path)},
                          _callsite("saveAsPickleFile"))
