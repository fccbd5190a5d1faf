"""Accumulators: add-only shared variables. Tasks add; the driver reads `.value`.

Driver side, every Accumulator registers in `_accumulatorRegistry`; job results carry pickled
[(id, update), ...] lists that are merged in with `_merge_updates`. Worker side, an accumulator
unpickled from a task's function comes back as a "deserialized" copy starting at zero; the worker
collects the touched ones after each task (`_take_task_updates`) and resets them, because worker
functions are cached and reused across tasks (unlike PySpark, which unpickles per task).
"""
import copy

__all__ = ["Accumulator", "AccumulatorParam"]

# driver: id -> Accumulator (the originals)
_accumulatorRegistry = {}
# worker: id -> the one deserialized copy per id (kept apart from the driver's so that a worker
# running inside the driver's process, as in tests, cannot shadow the originals)
_workerAccumulators = {}
# worker: accumulators added to during the current task
_touched = {}


def _deserialize_accumulator(aid, zero_value, accum_param):
    acc = _workerAccumulators.get(aid)
    if acc is not None:
        return acc  # several cached functions may capture the same accumulator: share one
    acc = Accumulator.__new__(Accumulator)
    acc.aid = aid
    acc.accum_param = accum_param
    acc._zero = zero_value
    acc._value = copy.deepcopy(zero_value)
    acc._deserialized = True
    _workerAccumulators[aid] = acc
    return acc


class Accumulator:
    def __init__(self, aid, value, accum_param):
        self.aid = aid
        self.accum_param = accum_param
        self._value = value
        self._deserialized = False
        _accumulatorRegistry[aid] = self

    def __reduce__(self):
        param = self.accum_param
        return (_deserialize_accumulator, (self.aid, param.zero(self._value), param))

    @property
    def value(self):
        if self._deserialized:
            raise RuntimeError("Accumulator.value cannot be accessed inside tasks")
        return self._value

    @value.setter
    def value(self, value):
        if self._deserialized:
            raise RuntimeError("Accumulator.value cannot be accessed inside tasks")
        self._value = value

    def add(self, term):
        self._value = self.accum_param.addInPlace(self._value, term)
        if self._deserialized:
            _touched[self.aid] = self

    def __iadd__(self, term):
        self.add(term)
        return self

    def __str__(self):
        return str(self._value)

    def __repr__(self):
        return "Accumulator<id=%i, value=%s>" % (self.aid, self._value)


class AccumulatorParam:
    """How to build a zero value and add two values of a custom accumulator type."""

    def zero(self, value):
        raise NotImplementedError

    def addInPlace(self, value1, value2):
        raise NotImplementedError


class AddingAccumulatorParam(AccumulatorParam):
    def __init__(self, zero_value):
        self.zero_value = zero_value

    def zero(self, value):
        return self.zero_value

    def addInPlace(self, value1, value2):
        value1 += value2
        return value1


INT_ACCUMULATOR_PARAM = AddingAccumulatorParam(0)
FLOAT_ACCUMULATOR_PARAM = AddingAccumulatorParam(0.0)
COMPLEX_ACCUMULATOR_PARAM = AddingAccumulatorParam(0.0j)


def _default_param(value):
    if isinstance(value, bool) or not isinstance(value, (int, float, complex)):
        raise TypeError("No default accumulator param for type %s" % type(value))
    if isinstance(value, int):
        return INT_ACCUMULATOR_PARAM
    if isinstance(value, float):
        return FLOAT_ACCUMULATOR_PARAM
    return COMPLEX_ACCUMULATOR_PARAM


# -- worker side
def _take_task_updates():
    """[(id, value)] of the accumulators touched by this task; resets them to zero."""
    if not _touched:
        return None
    updates = []
    for aid, acc in _touched.items():
        updates.append((aid, acc._value))
        acc._value = copy.deepcopy(acc._zero)
    _touched.clear()
    return updates


def _reset_task_updates():
    """Forget a failed task's additions (only successful tasks count)."""
    for acc in _touched.values():
        acc._value = copy.deepcopy(acc._zero)
    _touched.clear()


# -- driver side
def _merge_updates(updates):
    for aid, update in updates:
        acc = _accumulatorRegistry.get(aid)
        if acc is None or acc._deserialized:
            continue
        acc._value = acc.accum_param.addInPlace(acc._value, update)
