"""Memory-bounded merging and sorting for the shuffle's Python side (issue #4).

Three structures, all spilling *sorted runs* to compressed temporary files when the worker's
resident memory passes `spark.python.worker.memory` (a task property, default 512m):

* `ExternalMerger` -- combineByKey's reduce side (mergeCombiners) and map side (mergeValues).
  A spill writes the in-memory dict as a run sorted by `hash(key)`; the final merge streams all
  runs through `heapq.merge` and combines consecutive records with equal keys, so it holds one
  key's combiner at a time, whatever the number of keys (no recursion, no partition explosion).
  The map side does not need to finish combining: with `partial=True` a spill simply hands the
  partial combiners downstream (to the shuffle writer), which costs no disk in Python.
* `ExternalGroupBy` -- groupByKey's reduce side. Same runs, values written in chunks; a key whose
  values do not fit in memory is collected into a `SpillableList` that moves its values to its
  own file and iterates them back from disk (PySpark's ExternalListOfList idea).
* `ExternalSorter` -- sortByKey's per-partition sort: sorted runs merged with `heapq.merge`.

Sorting runs by `hash(key)` (not by the key) needs only hashable keys, like the dict; equal keys
have equal hashes, and the rare different keys sharing a hash are told apart with `==`.

Spill files are `tempfile.TemporaryFile`s under SPARK_LOCAL_DIRS (set by the executor): they are
unlinked as soon as they are created, so nothing is left behind even if the worker is killed.
Spilled bytes are added to per-task totals the worker reports in `PwDone`.

Memory is the process's *current* RSS read from /proc/self/statm (getrusage's ru_maxrss is the
peak, useless after the first spill). As in PySpark, after a spill the limit becomes
max(limit, RSS * 1.05): freed memory is not always returned to the OS.
"""
import heapq
import itertools
import os
import pickle
import struct
import zlib
from itertools import islice
from operator import add, itemgetter

from sparkpp.serializers import dumps_data
from sparkpp.taskcontext import TaskContext

_PROTOCOL = pickle.HIGHEST_PROTOCOL
_LEN = struct.Struct(">I")
CHECK_EVERY = 1000          # records (or values) between memory checks
VALUE_CHUNK = 1000          # values per record when a group's values are written to a run
MAX_OPEN_RUNS = 64          # more runs than this are pre-merged, bounding open files
_DEFAULT_MEMORY = "512m"

# ------------------------------------------------------------------------- task-level state

_spilled = [0, 0]           # [memory bytes, disk bytes] spilled by the running task
_spilled_total = [0, 0]     # the same since the process started (pyspark.shuffle's
                            # MemoryBytesSpilled / DiskBytesSpilled)


def _add_spilled(memory, disk):
    _spilled[0] += memory
    _spilled[1] += disk
    _spilled_total[0] += memory
    _spilled_total[1] += disk


def take_spill_metrics():
    """(memory_spilled, disk_spilled) of the task so far; resets them (the worker calls this
    when a task ends)."""
    m, d = _spilled
    _spilled[0] = _spilled[1] = 0
    return m, d


def parse_memory(s):
    """'512m' -> 512 (MiB), like PySpark's _parse_memory; a bare number means MiB."""
    s = str(s).strip().lower()
    if s.endswith("b"):
        s = s[:-1]
    units = {"k": 1.0 / 1024, "m": 1, "g": 1024, "t": 1 << 20}
    if s and s[-1] in units:
        return max(1, int(float(s[:-1]) * units[s[-1]]))
    return max(1, int(float(s)))


def worker_memory_mb():
    """spark.python.worker.memory of the running task (MiB)."""
    tc = TaskContext.get()
    v = tc.getLocalProperty("spark.python.worker.memory") if tc is not None else None
    return parse_memory(v or os.environ.get("SPARKPP_PYTHON_WORKER_MEMORY") or _DEFAULT_MEMORY)


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_statm_fd = None


def get_used_memory():
    """Current resident set size of this process in MiB."""
    global _statm_fd
    try:
        if _statm_fd is None:
            _statm_fd = os.open("/proc/self/statm", os.O_RDONLY)
        return int(os.pread(_statm_fd, 128, 0).split()[1]) * _PAGE >> 20
    except (OSError, ValueError, IndexError):
        import resource  # not Linux: peak RSS is the best we have
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10


def _local_dirs():
    dirs = [d for d in os.environ.get("SPARK_LOCAL_DIRS", "").split(",") if d]
    if dirs:
        return dirs
    import tempfile  # imported when first needed: tempfile and shutil are ~7 ms of each daemon's start
    return [tempfile.gettempdir()]


_next_dir = itertools.count()


def _spill_file(d=None):
    """A new anonymous (already unlinked) spill file in directory d (made if missing), by
    default under one of the local dirs."""
    if d is None:
        dirs = _local_dirs()
        d = os.path.join(dirs[next(_next_dir) % len(dirs)], "python")
    import tempfile
    try:
        os.makedirs(d, exist_ok=True)
        return tempfile.TemporaryFile(dir=d)
    except OSError:
        return tempfile.TemporaryFile()


# ------------------------------------------------------------------------- run files

class _RunWriter:
    """Writes a stream of items to a file as zlib-compressed pickled batches:
    u32 length | zlib(pickle(list of items)). Batches adapt to keep frames ~64 KiB-1 MiB."""

    def __init__(self, f=None):
        self.f = f if f is not None else _spill_file()
        self.batch = 64
        self.buf = []
        self.bytes = 0

    def add(self, item):
        self.buf.append(item)
        if len(self.buf) >= self.batch:
            self._flush()

    def extend(self, items):
        it = iter(items)
        buf = self.buf
        while True:
            n = len(buf)
            buf.extend(itertools.islice(it, self.batch - n))
            if len(buf) == n:
                return
            if len(buf) >= self.batch:
                self._flush()
                buf = self.buf

    def _flush(self):
        if not self.buf:
            return
        raw = dumps_data(self.buf)  # cloudpickle: values of driver-defined classes
        self.buf = []
        data = zlib.compress(raw, 1)
        self.f.write(_LEN.pack(len(data)))
        self.f.write(data)
        self.bytes += 4 + len(data)
        if len(raw) > (1 << 20) and self.batch > 1:
            self.batch //= 2
        elif len(raw) < (64 << 10) and self.batch < 8192:
            self.batch *= 2

    def finish(self):
        """Flushes and rewinds; returns the file (to read back with _read_run)."""
        self._flush()
        self.f.flush()
        self.f.seek(0)
        _add_spilled(0, self.bytes)
        return self.f


def _read_run(f, close=True):
    """Yields the items of a run file, from its start."""
    try:
        read = f.read
        while True:
            head = read(4)
            if not head:
                return
            if len(head) < 4:
                raise IOError("truncated spill file")
            (n,) = _LEN.unpack(head)
            data = read(n)
            if len(data) < n:
                raise IOError("truncated spill file")
            yield from pickle.loads(zlib.decompress(data))
    finally:
        if close:
            f.close()


def _merge_runs(runs, key, reverse=False):
    """heapq.merge over run files (closing them when done), pre-merging groups of runs first
    when there are more than MAX_OPEN_RUNS."""
    runs = list(runs)
    while len(runs) > MAX_OPEN_RUNS:  # merge neighbours, keeping the order (stability)
        merged = []
        for i in range(0, len(runs), MAX_OPEN_RUNS):
            group = runs[i:i + MAX_OPEN_RUNS]
            if len(group) == 1:
                merged.append(group[0])
                continue
            w = _RunWriter()
            w.extend(heapq.merge(*[_read_run(f) for f in group], key=key, reverse=reverse))
            merged.append(w.finish())
        runs = merged
    return heapq.merge(*[_read_run(f) for f in runs], key=key, reverse=reverse)


def _close_all(files):
    for f in files:
        try:
            f.close()
        except OSError:
            pass
    del files[:]


class _MemoryGuard:
    """Tracks the limit; `over()` reads RSS."""

    def __init__(self, limit_mb):
        self.limit = float(limit_mb) if limit_mb is not None else float(worker_memory_mb())

    def over(self):
        return get_used_memory() >= self.limit

    def after_spill(self, used_before):
        # no gc.collect(): spilled data is freed by reference counting, and a full collection
        # costs tens of ms in a big heap
        used = get_used_memory()
        _add_spilled(max(used_before - used, 0) << 20, 0)
        self.limit = max(self.limit, used * 1.05)


def _hash_order(d):
    """Empties dict d; returns an iterator of (hash(key), key, value) sorted by hash (all
    C-level loops: a spill must be cheap)."""
    keys = list(d)
    keys.sort(key=hash)
    values = list(map(d.__getitem__, keys))
    d.clear()
    return zip(map(hash, keys), keys, values)


_H = itemgetter(0)
_NONE = object()  # "no such key" for dict.get (None is a valid combiner)


# ------------------------------------------------------------------------- ExternalMerger

class ExternalMerger:
    """Merges (key, value) or (key, combiner) records into combiners within a memory limit.

    agg: an object with createCombiner, mergeValue, mergeCombiners.
    partial: the output may hold a key more than once (map side: the reduce side finishes
    combining); a spill then yields the in-memory combiners instead of writing a run.
    """

    def __init__(self, agg, memory_limit=None, partial=False):
        self.agg = agg
        self.guard = _MemoryGuard(memory_limit)
        self.partial = partial
        self.data = {}
        self.runs = []
        self.spills = 0
        self.batch = CHECK_EVERY  # records between memory checks

    def _spill_file(self):
        """Where the next run goes (pyspark.shuffle's ExternalMerger picks its own dirs)."""
        return _spill_file()

    # PySpark-style two-step API: mergeValues/mergeCombiners then items(). With partial=True
    # use combine_values() instead, which yields while it consumes.
    def mergeValues(self, iterator):
        assert not self.partial, "partial mergers stream: use combine_values()"
        for _ in self._merge(iterator, self.agg.createCombiner, self.agg.mergeValue):
            pass

    def mergeCombiners(self, iterator):
        assert not self.partial, "partial mergers stream: use combine_combiners()"
        for _ in self._merge(iterator, lambda c: c, self.agg.mergeCombiners):
            pass

    def combine_values(self, iterator):
        """mergeValues + items() as one stream (map side)."""
        yield from self._merge(iterator, self.agg.createCombiner, self.agg.mergeValue)
        yield from self.items()

    def combine_combiners(self, iterator):
        yield from self._merge(iterator, lambda c: c, self.agg.mergeCombiners)
        yield from self.items()

    def _merge(self, iterator, create, merge):
        # The hot loop of every combineByKey: per record one dict probe for a known key (get)
        # and one store; memory is checked between slices of CHECK_EVERY records.
        it = iter(iterator)
        guard = self.guard
        batch = self.batch
        while True:
            d = self.data
            get = d.get
            k = _NONE
            if merge is add:  # reduceByKey(add): the same, without a call per record
                for k, v in islice(it, batch):
                    c = get(k, _NONE)
                    d[k] = create(v) if c is _NONE else c + v
            else:
                for k, v in islice(it, batch):
                    c = get(k, _NONE)
                    d[k] = create(v) if c is _NONE else merge(c, v)
            if k is _NONE:
                return  # an empty slice: the input has ended
            if guard.over():
                yield from self._spill()

    def _spill(self):
        used = get_used_memory()
        data, self.data = self.data, {}
        self.spills += 1
        if self.partial:
            while data:  # downstream (the shuffle) takes them as they are
                yield data.popitem()
        else:
            w = _RunWriter(self._spill_file())
            w.extend(_hash_order(data))
            self.runs.append(w.finish())
        data = None
        self.guard.after_spill(used)

    def items(self):
        """The merged (key, combiner) pairs; each key once unless partial."""
        if not self.runs:
            data, self.data = self.data, {}
            yield from data.items()
            return
        try:
            mem = _hash_order(self.data)
            merge = self.agg.mergeCombiners
            for h, group in itertools.groupby(
                    heapq.merge(_merge_runs(self.runs, _H), mem, key=_H), _H):
                _, k, c = next(group)
                more = None
                for _, k2, c2 in group:
                    if k2 == k:
                        c = merge(c, c2)
                    else:  # a different key with the same hash
                        if more is None:
                            more = {}
                        more[k2] = merge(more[k2], c2) if k2 in more else c2
                yield k, c
                if more:
                    yield from more.items()
        finally:
            _close_all(self.runs)

    def close(self):
        _close_all(self.runs)
        self.data = {}


# ------------------------------------------------------------------------- group-by

class SpillableList:
    """An append-only list of values that moves them to its own file when memory runs short
    and iterates them back from disk; len() is known. Pickles as a plain list."""

    def __init__(self, values=None):
        self.values = values if values is not None else []
        self.count = len(self.values)
        self.writer = None

    def extend(self, vs):
        self.values.extend(vs)
        self.count += len(vs)

    def append(self, v):
        self.values.append(v)
        self.count += 1

    def spill(self):
        if self.writer is None:
            self.writer = _RunWriter()
        w = self.writer
        before = w.bytes
        vs, self.values = self.values, []
        for i in range(0, len(vs), VALUE_CHUNK):
            w.add(vs[i:i + VALUE_CHUNK])
        w._flush()
        _add_spilled(0, w.bytes - before)

    @property
    def spilled(self):
        return self.writer is not None

    def __len__(self):
        return self.count

    def __iter__(self):
        if self.writer is not None:
            w = self.writer
            w._flush()
            w.f.flush()
            end = w.bytes
            fd = w.f.fileno()
            pos = 0
            while pos < end:  # pread: the writer's offset stays; iterations may nest
                (n,) = _LEN.unpack(os.pread(fd, 4, pos))
                data = os.pread(fd, n, pos + 4)
                pos += 4 + n
                for chunk in pickle.loads(zlib.decompress(data)):
                    yield from chunk
        yield from self.values

    def __reduce__(self):
        return (list, (list(self),))

    def __repr__(self):
        return "SpillableList(len=%d, on_disk=%s)" % (self.count, self.spilled)

    def close(self):
        if self.writer is not None:
            self.writer.f.close()
            self.writer = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def _chunks(k, h, vs):
    for i in range(0, len(vs), VALUE_CHUNK):
        yield h, k, vs[i:i + VALUE_CHUNK]


class ExternalGroupBy:
    """Groups (key, list of values) records into (key, values) within a memory limit; values
    of a key too big for memory come back as a SpillableList iterating from disk."""

    def __init__(self, memory_limit=None):
        self.guard = _MemoryGuard(memory_limit)
        self.data = {}
        self.runs = []
        self.spills = 0

    def _spill_file(self):
        return _spill_file()

    def mergeCombiners(self, iterator):
        d = self.data
        guard = self.guard
        c = 0
        for k, vs in iterator:
            if k in d:
                d[k].extend(vs)
            else:
                d[k] = list(vs)
            c += len(vs) + 1
            if c >= CHECK_EVERY:
                c = 0
                if guard.over():
                    self._spill()
                    d = self.data

    def mergeValues(self, iterator):
        self.mergeCombiners((k, [v]) for k, v in iterator)

    def _spill(self):
        used = get_used_memory()
        data, self.data = self.data, {}
        self.spills += 1
        w = _RunWriter(self._spill_file())
        for h, k, vs in _hash_order(data):
            w.extend(_chunks(k, h, vs))
        data = None
        self.runs.append(w.finish())
        self.guard.after_spill(used)

    def items(self):
        if not self.runs:
            data, self.data = self.data, {}
            yield from data.items()
            return
        mem = (r for h, k, vs in _hash_order(self.data) for r in _chunks(k, h, vs))
        guard = self.guard
        try:
            for h, group in itertools.groupby(
                    heapq.merge(_merge_runs(self.runs, _H), mem, key=_H), _H):
                _, k, vs = next(group)
                cur = {k: SpillableList(list(vs))}
                c = 0
                for _, k2, vs2 in group:
                    lst = cur.get(k2)
                    if lst is None:
                        cur[k2] = SpillableList(list(vs2))
                    else:
                        lst.extend(vs2)
                    c += len(vs2)
                    if c >= CHECK_EVERY * 10:
                        c = 0
                        if guard.over():
                            used = get_used_memory()
                            for lst in cur.values():
                                lst.spill()
                            guard.after_spill(used)
                yield from cur.items()
                cur = None
        finally:
            _close_all(self.runs)

    def close(self):
        _close_all(self.runs)
        self.data = {}


# ------------------------------------------------------------------------- sort

class ExternalSorter:
    """Sorts an iterator within a memory limit: sorted runs on disk merged with heapq.merge.
    Stable, like sorted()."""

    def __init__(self, memory_limit=None):
        self.guard = _MemoryGuard(memory_limit)
        self.memory_limit = self.guard.limit
        self.runs = []
        self.spills = 0

    def _spill_file(self):
        return _spill_file()

    def _next_limit(self):
        """The limit after a spill: freed memory is not always given back to the OS, so the
        next spill waits until RSS grows by 5% (PySpark's rule)."""
        return max(self.memory_limit, get_used_memory() * 1.05)

    def sorted(self, iterator, key=None, reverse=False):
        guard = self.guard
        chunk = []
        append = chunk.append
        c = 0
        for x in iterator:
            append(x)
            c += 1
            if c >= CHECK_EVERY:
                c = 0
                if guard.over():
                    used = get_used_memory()
                    chunk.sort(key=key, reverse=reverse)
                    w = _RunWriter(self._spill_file())
                    w.extend(chunk)
                    self.runs.append(w.finish())
                    self.spills += 1
                    chunk = []
                    append = chunk.append
                    guard.after_spill(used)
                    guard.limit = self._next_limit()
        chunk.sort(key=key, reverse=reverse)
        if not self.runs:
            return iter(chunk)
        return self._merged(chunk, key, reverse)

    def _merged(self, chunk, key, reverse):
        try:
            # heapq.merge is stable across its inputs in order: earlier runs first.
            yield from heapq.merge(_merge_runs(self.runs, key, reverse), chunk, key=key,
                                   reverse=reverse)
        finally:
            _close_all(self.runs)
