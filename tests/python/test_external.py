"""Unit tests of the memory-bounded merger, group-by and sorter (sparkpp/_external.py).

Spilling is forced by making every memory check report "over the limit" and checking often, so
these run in milliseconds and exercise the on-disk paths deterministically.
"""
import collections
import operator
import os
import pickle
import random

import pytest

from sparkpp import _external as ext
from sparkpp.shuffle import Aggregator, ResultIterable


@pytest.fixture
def local_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SPARK_LOCAL_DIRS", str(tmp_path))
    ext.take_spill_metrics()
    yield tmp_path
    # spill files are unlinked at creation: nothing may be left behind
    left = [os.path.join(r, f) for r, _, fs in os.walk(tmp_path) for f in fs]
    assert left == []


@pytest.fixture
def always_spill(local_dir, monkeypatch):
    monkeypatch.setattr(ext, "CHECK_EVERY", 50)
    monkeypatch.setattr(ext._MemoryGuard, "over", lambda self: True)
    return local_dir


def open_fds():
    ext.get_used_memory()  # opens /proc/self/statm once
    return len(os.listdir("/proc/self/fd"))


SUM = Aggregator(lambda v: v, operator.add, operator.add)
LIST = Aggregator(lambda v: [v], lambda c, v: c + [v], operator.add)


def pairs(n, nkeys, seed=1, hot=None):
    r = random.Random(seed)
    out = []
    for i in range(n):
        k = hot if hot is not None and i % 2 == 0 else r.randrange(nkeys)
        out.append((k, r.randrange(1000)))
    return out


def sums(data):
    d = collections.defaultdict(int)
    for k, v in data:
        d[k] += v
    return dict(d)


# --------------------------------------------------------------------------- helpers

def test_parse_memory():
    assert ext.parse_memory("512m") == 512
    assert ext.parse_memory("64M") == 64
    assert ext.parse_memory("2g") == 2048
    assert ext.parse_memory("1024k") == 1
    assert ext.parse_memory("128") == 128
    assert ext.parse_memory("1gb") == 1024


def test_used_memory_is_current_rss():
    before = ext.get_used_memory()
    assert 1 < before < 100000
    blob = bytearray(200 << 20)  # touched: zero-filled pages are written
    for i in range(0, len(blob), 4096):
        blob[i] = 1
    assert ext.get_used_memory() >= before + 150
    del blob
    assert ext.get_used_memory() < before + 100  # current, not peak


def test_worker_memory_from_task_props(monkeypatch):
    from sparkpp.taskcontext import TaskContext
    assert ext.worker_memory_mb() == 512
    monkeypatch.setattr(TaskContext, "_taskContext",
                        TaskContext(local_properties={"spark.python.worker.memory": "64m"}))
    assert ext.worker_memory_mb() == 64


# --------------------------------------------------------------------------- merger

def test_merger_in_memory(local_dir):
    data = pairs(5000, 300)
    m = ext.ExternalMerger(SUM, 1 << 20)
    m.mergeValues(iter(data))
    assert m.spills == 0
    assert dict(m.items()) == sums(data)


@pytest.mark.parametrize("n", [0, 1, 49, 50, 51, 100, 1001])
def test_merger_slices_of_check_every(local_dir, monkeypatch, n):
    # _merge reads its input in slices of CHECK_EVERY records: every record exactly once,
    # whether the input ends inside a slice or on its boundary
    monkeypatch.setattr(ext, "CHECK_EVERY", 50)
    data = pairs(n, 7)
    for agg in (SUM, Aggregator(lambda v: v, lambda a, b: a + b, operator.add)):
        m = ext.ExternalMerger(agg, 1 << 20)
        m.mergeValues(iter(data))
        assert dict(m.items()) == sums(data)


def test_merger_none_combiners_and_operator_add_on_any_type(local_dir):
    # None is a valid combiner (dict.get's "missing" is a private sentinel); the operator.add
    # fast path is `a + b` for every type, not only numbers
    keep_none = Aggregator(lambda v: None, lambda c, v: None, lambda a, b: None)
    m = ext.ExternalMerger(keep_none, 1 << 20)
    m.mergeValues(iter([(1, 2), (1, 3), (2, 4)]))
    assert sorted(m.items()) == [(1, None), (2, None)]
    strs = Aggregator(lambda v: v, operator.add, operator.add)
    m = ext.ExternalMerger(strs, 1 << 20)
    m.mergeValues(iter([("a", "x"), ("b", "y"), ("a", "z"), ("a", "w")]))
    assert dict(m.items()) == {"a": "xzw", "b": "y"}
    m = ext.ExternalMerger(strs, 1 << 20)
    with pytest.raises(TypeError):
        m.mergeValues(iter([("a", "x"), ("a", 1)]))


def test_merger_spills_and_merges_each_key_once(always_spill):
    data = pairs(20000, 3000, hot=7)
    fds = open_fds()
    m = ext.ExternalMerger(SUM, 10)
    m.mergeValues(iter(data))
    assert m.spills > 10
    out = list(m.items())
    keys = [k for k, _ in out]
    assert len(keys) == len(set(keys))
    assert dict(out) == sums(data)
    assert open_fds() == fds
    mem, disk = ext.take_spill_metrics()
    assert disk > 0
    assert ext.take_spill_metrics() == (0, 0)


def test_merger_merge_combiners(always_spill):
    data = [(k, [v]) for k, v in pairs(5000, 400)]
    m = ext.ExternalMerger(LIST, 10)
    m.mergeCombiners(iter(data))
    assert m.spills > 0
    got = {k: sorted(v) for k, v in m.items()}
    want = collections.defaultdict(list)
    for k, vs in data:
        want[k].extend(vs)
    assert got == {k: sorted(v) for k, v in want.items()}


class Collide:
    """Different keys with one hash."""

    def __init__(self, x):
        self.x = x

    def __hash__(self):
        return 42

    def __eq__(self, other):
        return isinstance(other, Collide) and self.x == other.x

    def __repr__(self):
        return "Collide(%d)" % self.x


def test_merger_hash_collisions(always_spill):
    # hash(-1) == hash(-2) in CPython; Collide keys all share one hash
    data = [(-1, 1), (-2, 10)] * 300 + [(Collide(i % 5), 1) for i in range(500)]
    random.Random(3).shuffle(data)
    m = ext.ExternalMerger(SUM, 10)
    m.mergeValues(iter(data))
    assert m.spills > 0
    out = list(m.items())
    assert len(out) == 7
    got = dict(out)
    assert got[-1] == 300 and got[-2] == 3000
    assert all(got[Collide(i)] == 100 for i in range(5))


def test_merger_partial_streams_partial_combiners(always_spill):
    data = pairs(10000, 50)
    m = ext.ExternalMerger(SUM, 10, partial=True)
    out = list(m.combine_values(iter(data)))
    assert m.spills > 0
    assert len(out) > 50          # keys repeat: the reduce side finishes
    assert sums(out) == sums(data)
    with pytest.raises(AssertionError):
        m.mergeValues(iter(data))


def test_merger_abandoned_items_close_files(always_spill):
    fds = open_fds()
    m = ext.ExternalMerger(SUM, 10)
    m.mergeValues(iter(pairs(5000, 1000)))
    it = m.items()
    next(it)
    assert open_fds() > fds
    it.close()
    assert open_fds() == fds


def test_merger_error_in_user_function_closes_files(always_spill):
    fds = open_fds()

    def bad(a, b):
        if a > 5000:
            raise ValueError("boom")
        return a + b

    m = ext.ExternalMerger(Aggregator(lambda v: v, operator.add, bad), 10)
    m.mergeValues(iter(pairs(20000, 10)))
    with pytest.raises(ValueError):
        list(m.items())
    assert open_fds() == fds


def test_many_runs_are_premerged(always_spill, monkeypatch):
    monkeypatch.setattr(ext, "MAX_OPEN_RUNS", 3)
    data = pairs(5000, 2000)
    m = ext.ExternalMerger(SUM, 10)
    m.mergeValues(iter(data))
    assert m.spills > 9
    assert dict(m.items()) == sums(data)


# --------------------------------------------------------------------------- group-by

def test_groupby_in_memory(local_dir):
    g = ext.ExternalGroupBy(1 << 20)
    g.mergeValues(iter([(1, "a"), (2, "b"), (1, "c")]))
    assert {k: list(v) for k, v in g.items()} == {1: ["a", "c"], 2: ["b"]}


def test_groupby_hot_key_spills_values_in_order(always_spill):
    data = pairs(12000, 500, hot="hot")
    g = ext.ExternalGroupBy(10)
    g.mergeCombiners((k, [v]) for k, v in data)
    assert g.spills > 10
    want = collections.defaultdict(list)
    for k, v in data:
        want[k].append(v)
    out = list(g.items())
    assert len(out) == len(want)
    got = dict(out)
    hot = got["hot"]
    assert isinstance(hot, ext.SpillableList) and hot.spilled
    assert len(hot) == len(want["hot"]) == 6000
    for k, vs in got.items():
        assert list(vs) == want[k]    # input order within a key is kept
    assert list(ResultIterable(hot)) == want["hot"]
    assert len(ResultIterable(hot)) == 6000


def test_spillable_list():
    s = ext.SpillableList([1, 2])
    s.extend(range(3, 3000))
    s.spill()
    s.append(3000)
    s.extend([3001, 3002])
    s.spill()
    s.append(3003)
    assert s.spilled and len(s) == 3003
    want = list(range(1, 3004))
    assert list(s) == want
    assert [a + b for a, b in zip(s, s)] == [2 * x for x in want]   # nested iterations
    it = iter(s)
    next(it)
    s.append(3004)                                                    # append while iterating
    assert list(s)[-1] == 3004
    assert pickle.loads(pickle.dumps(s)) == want + [3004]
    r = pickle.loads(pickle.dumps(ResultIterable(s)))
    assert list(r) == want + [3004] and len(r) == 3004
    s.close()


# --------------------------------------------------------------------------- sorter

def test_sorter_in_memory(local_dir):
    s = ext.ExternalSorter(1 << 20)
    assert list(s.sorted(iter([3, 1, 2]))) == [1, 2, 3]
    assert s.spills == 0


@pytest.mark.parametrize("reverse", [False, True])
def test_sorter_spills_stable(always_spill, reverse):
    r = random.Random(5)
    data = [(r.randrange(100), i) for i in range(10000)]
    s = ext.ExternalSorter(10)
    got = list(s.sorted(iter(data), key=lambda kv: kv[0], reverse=reverse))
    assert s.spills > 10
    assert got == sorted(data, key=lambda kv: kv[0], reverse=reverse)


def test_sorter_many_runs_stable(always_spill, monkeypatch):
    monkeypatch.setattr(ext, "MAX_OPEN_RUNS", 4)
    data = [(i % 7, i) for i in range(5000)]
    s = ext.ExternalSorter(10)
    got = list(s.sorted(iter(data), key=lambda kv: -kv[0]))
    assert got == sorted(data, key=lambda kv: -kv[0])


# --------------------------------------------------------------------------- pyspark.shuffle
# PySpark's public classes (its test_shuffle imports them): signatures, attributes, spills
# under the merger's own localdirs, the global spill counters.

def test_pyspark_shuffle_merger_api(local_dir, monkeypatch):
    from pyspark import shuffle
    other = local_dir / "second"
    monkeypatch.setenv("SPARK_LOCAL_DIRS", "%s,%s" % (local_dir, other))
    lst = list(range(4096))
    agg = shuffle.Aggregator(lambda x: [x], lambda x, y: x.append(y) or x,
                             lambda x, y: x.extend(y) or x)
    m = shuffle.ExternalMerger(agg, 1000)
    m.mergeValues(zip(lst, lst))
    assert m.spills == 0 and sum(sum(v) for _, v in m.items()) == sum(lst)
    firsts = set()
    for _ in range(12):  # the local dirs come in a random order per merger (SPARK-39179)
        m = shuffle.ExternalMerger(shuffle.SimpleAggregator(operator.add), 1, batch=100)
        assert len(m.localdirs) == 2 and m.localdirs[0].endswith(
            os.path.join("python", str(os.getpid()), str(id(m))))
        firsts.add(m.localdirs[0].startswith(str(other)))
        before = shuffle.DiskBytesSpilled
        m.mergeValues((k % 100, k) for k in lst)
        assert m.spills >= 1 and shuffle.DiskBytesSpilled > before
        assert sum(v for _, v in m.items()) == sum(lst)
    assert firsts == {True, False}
    assert not os.path.exists(os.path.join(local_dir, "python", str(os.getpid())))

    class Dummy(shuffle.Merger):
        pass
    with pytest.raises(NotImplementedError):
        Dummy(agg).items()
    with pytest.raises(RuntimeError):  # StopIteration from user code fails the merge
        shuffle.ExternalMerger(shuffle.Aggregator(_stop, _stop, _stop), 20).mergeValues([(1, 2)])


def _stop(*a):
    raise StopIteration()


def test_pyspark_shuffle_sorter_groupby_lists(local_dir):
    from pyspark import shuffle

    class Sorter(shuffle.ExternalSorter):
        def _next_limit(self):
            return self.memory_limit

    lst = list(range(3000))
    random.Random(3).shuffle(lst)
    before = shuffle.DiskBytesSpilled
    s = Sorter(1)
    assert list(s.sorted(lst, key=lambda x: -x, reverse=True)) == sorted(lst)
    assert s.spills >= 2 and shuffle.DiskBytesSpilled > before  # the limit stays at 1 MiB

    g = shuffle.ExternalGroupBy(LIST, 1, partitions=3)
    assert g.SORT_KEY_LIMIT == 1000
    g.mergeValues((i % 3, i) for i in range(30000))
    assert g.spills >= 1
    assert sorted((k, sum(vs), len(vs)) for k, vs in g.items()) == [
        (k, sum(range(k, 30000, 3)), 10000) for k in range(3)]

    lol = shuffle.ExternalListOfList([[i, i] for i in range(100)])
    lol.append(range(10))
    assert len(lol) == 210 and len(list(lol)) == 210
    groups = list(shuffle.GroupByKey((i // 20000, [i]) for i in range(25000)))
    assert [(k, len(vs)) for k, vs in groups] == [(0, 20000), (1, 5000)]
    assert groups[0][1].spilled  # past ExternalList.LIMIT values: on disk
    back = pickle.loads(pickle.dumps(groups))
    assert [(k, list(vs)) for k, vs in back] == [(0, list(range(20000))),
                                                  (1, list(range(20000, 25000)))]
    assert type(back[0][1]) is shuffle.ExternalListOfList and len(back[0][1]) == 20000
