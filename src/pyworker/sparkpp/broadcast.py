"""Broadcast variables.

PROTOCOL GAP (reported): docs/protocol.md has no broadcast channel yet. For now the value is
pickled once on the driver and travels *inside* the pickled functions that reference it; workers
cache the unpickled value by id, so each executor's worker unpickles it once per value.
"""
import pickle

__all__ = ["Broadcast"]

_broadcastRegistry = {}      # worker: id -> value (unpickled once)
_next_id = [0]


def _from_pickled(bid, data):
    b = Broadcast.__new__(Broadcast)
    b._bid = bid
    b._data = data
    b._value_set = False
    b._destroyed = False
    b._on_driver = False
    return b


class Broadcast:
    def __init__(self, sc=None, value=None, pickle_registry=None, path=None, sock_file=None):
        self._bid = _next_id[0]
        _next_id[0] += 1
        self._value = value
        self._value_set = True
        self._data = None
        self._destroyed = False
        self._on_driver = True

    @property
    def id(self):
        return self._bid

    def __reduce__(self):
        if self._destroyed:
            raise RuntimeError("Attempted to use broadcast(%d) after it was destroyed" % self._bid)
        if self._data is None:
            self._data = pickle.dumps(self._value, pickle.HIGHEST_PROTOCOL)
        return (_from_pickled, (self._bid, self._data))

    @property
    def value(self):
        if not self._value_set:
            v = _broadcastRegistry.get(self._bid, _broadcastRegistry)
            if v is _broadcastRegistry:
                v = pickle.loads(self._data)
                _broadcastRegistry[self._bid] = v
            self._value = v
            self._value_set = True
            self._data = None
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
        if not self._on_driver:
            raise RuntimeError("Broadcast can only be unpersisted in driver")

    def destroy(self, blocking=False):
        if not self._on_driver:
            raise RuntimeError("Broadcast can only be destroyed in driver")
        self._destroyed = True
        self._data = None

    def __repr__(self):
        return "<sparkpp.broadcast.Broadcast object, id=%d>" % self._bid
