"""Broadcast variables.

The driver pickles the value once and gives it to the C++ driver (PyBroadcast + 1 blob),
which sends it to each executor once, before the first task that needs it; the executor keeps
it as a file that every Python worker of that executor loads, once, on first `.value`.
Pickled functions carry only the broadcast id; while pickling a function the ids it references
are collected (`collect_ids`) so the driver knows which broadcasts a task needs.
"""
import os
import pickle
import threading
import weakref
from contextlib import contextmanager

__all__ = ["Broadcast", "BroadcastPickleRegistry"]

_broadcastRegistry = {}      # worker: id -> value (unpickled once per worker process)
_local = threading.local()   # driver: ids referenced by the function being pickled
_lock = threading.Lock()
_next_id = [0]
_dir = [None]                # worker: where the executor keeps broadcast files
_on_driver = weakref.WeakValueDictionary()  # driver: live broadcasts by id (values_of)


def _set_broadcast_dir(path):
    _dir[0] = path


@contextmanager
def collect_ids():
    """Collects the ids of broadcasts pickled inside the block."""
    prev = getattr(_local, "ids", None)
    ids = set()
    _local.ids = ids
    try:
        yield ids
    finally:
        _local.ids = prev
        if prev is not None:
            prev.update(ids)


def values_of(ids):
    """Driver: the values of the live broadcasts among `ids` (for SQL UDFs, whose tasks do not
    receive the application's broadcasts: the values travel inside the UDF's command)."""
    out = {}
    for bid in ids:
        b = _on_driver.get(bid)
        if b is not None and not b._destroyed:
            out[bid] = b._value
    return out


def with_values(func_bytes, values):
    """Worker: unpickles a function pickled with `values_of`'s broadcast values, which its
    broadcasts' .value then finds in this worker's registry."""
    import cloudpickle
    for bid, v in values.items():
        _broadcastRegistry.setdefault(bid, v)
    return cloudpickle.loads(func_bytes)


def _from_id(bid):
    b = Broadcast.__new__(Broadcast)
    b._bid = bid
    b._sc = None
    b._value = None
    b._value_set = False
    b._destroyed = False
    b._on_driver = False
    return b


class BroadcastPickleRegistry(threading.local):
    """PySpark's sc._pickled_broadcast_vars: the broadcasts pickled on the driver by this
    thread since the last clear(). Weak, so it never keeps a dropped broadcast alive (the
    ContextCleaner destroys those); the driver itself tracks a task's broadcasts by id."""

    def __init__(self):
        self.__dict__.setdefault("_registry", weakref.WeakSet())

    def __iter__(self):
        return iter(list(self._registry))

    def __len__(self):
        return len(self._registry)

    def add(self, bcast):
        self._registry.add(bcast)

    def clear(self):
        self._registry.clear()


class Broadcast:
    def __init__(self, sc=None, value=None, pickle_registry=None, path=None, sock_file=None):
        with _lock:
            self._bid = _next_id[0]
            _next_id[0] += 1
        self._sc = sc
        self._pickle_registry = (pickle_registry if pickle_registry is not None
                                 else getattr(sc, "_pickled_broadcast_vars", None))
        self._value = value
        self._value_set = True
        self._destroyed = False
        self._on_driver = True
        self._path_file = None
        if sc is not None:
            try:
                data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
            except pickle.PickleError:
                raise
            except Exception as e:  # as PySpark's Broadcast.dump
                raise pickle.PicklingError("Could not serialize broadcast: %s: %s"
                                           % (e.__class__.__name__, str(e))) from e
            sc._request("PyBroadcast", {"id": self._bid}, [data])
            _on_driver[self._bid] = self
        elif path is not None:  # PySpark's executor-side form: the value from a dumped file
            self._value = self.load_from_path(path)
            self._on_driver = False

    @property
    def _path(self):
        """PySpark's driver-side file of the pickled value (written here on first use only)."""
        if getattr(self, "_path_file", None) is None and getattr(self, "_sc", None) is not None \
                and not self._destroyed:
            import tempfile
            fd, path = tempfile.mkstemp(dir=self._sc._temp_dir)
            with os.fdopen(fd, "wb") as f:
                pickle.dump(self._value, f, pickle.HIGHEST_PROTOCOL)
            self._path_file = path
        return getattr(self, "_path_file", None)

    @property
    def id(self):
        return self._bid

    def __reduce__(self):
        if self._destroyed:
            raise RuntimeError("Attempted to use broadcast(%d) after it was destroyed" % self._bid)
        ids = getattr(_local, "ids", None)
        if ids is not None:
            ids.add(self._bid)
        registry = getattr(self, "_pickle_registry", None)
        if registry is not None:
            registry.add(self)
        return (_from_id, (self._bid,))

    @property
    def value(self):
        if not self._value_set:
            v = _broadcastRegistry.get(self._bid, _broadcastRegistry)
            if v is _broadcastRegistry:
                if _dir[0] is None:
                    raise RuntimeError("broadcast %d is not available here" % self._bid)
                v = self.load_from_path(os.path.join(_dir[0], "broadcast_%d" % self._bid))
                _broadcastRegistry[self._bid] = v
            self._value = v
            self._value_set = True
        return self._value

    def dump(self, value, f):
        pickle.dump(value, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def load_from_path(self, path):
        with open(path, "rb", 1 << 20) as f:
            return self.load(f)

    def load(self, file):
        return pickle.load(file)

    def unpersist(self, blocking=False):
        """Drops the executors' copies; the value is sent again if used later."""
        if not self._on_driver:
            raise RuntimeError("Broadcast can only be unpersisted in driver")
        if self._sc is not None and not self._destroyed:
            self._sc._request("PyUnpersistBroadcast", {"id": self._bid, "destroy": False})

    def destroy(self, blocking=False):
        if not self._on_driver:
            raise RuntimeError("Broadcast can only be destroyed in driver")
        if self._sc is not None and not self._destroyed:
            self._sc._request("PyUnpersistBroadcast", {"id": self._bid, "destroy": True})
        if getattr(self, "_path_file", None):
            try:
                os.unlink(self._path_file)
            except OSError:
                pass
            self._path_file = None
        self._destroyed = True
        self._value = None

    def __repr__(self):
        return "<sparkpp.broadcast.Broadcast object, id=%d>" % self._bid
