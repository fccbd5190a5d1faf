"""StatCounter: count, mean, variance, min and max in one pass, mergeable (Welford/Chan).

As PySpark's, min/max/sqrt are numpy's when numpy is installed: values may be numpy arrays
(element-wise statistics, as MLlib's column summaries), and min()/max()/stdev() of numbers are
numpy.float64 as there. Plain ints and floats are compared with Python's own max/min (numpy's
ufuncs cost ~1 us a call; the results are the same values) and max()/min() convert at the end.
numpy is imported on first use, not at import time (every driver and worker imports this
module)."""
import copy
import math

_np = None          # the numpy module, False when missing; None until first needed
_SCALARS = (int, float)


def _numpy():
    global _np
    if _np is None:
        try:
            import numpy
            _np = numpy
        except ImportError:
            _np = False
    return _np


def _maximum(a, b):
    if type(a) in _SCALARS and type(b) in _SCALARS:
        if a >= b:
            return a
        return b if b > a or b != b else a  # NaN wins, as numpy's
    np = _numpy()
    return np.maximum(a, b) if np else max(a, b)


def _minimum(a, b):
    if type(a) in _SCALARS and type(b) in _SCALARS:
        if a <= b:
            return a
        return b if b < a or b != b else a  # NaN wins, as numpy's
    np = _numpy()
    return np.minimum(a, b) if np else min(a, b)


def _sqrt(x):
    np = _numpy()
    return np.sqrt(x) if np else math.sqrt(x)


def _as_numpy(x):
    np = _numpy()
    return np.float64(x) if np and type(x) in _SCALARS else x


class StatCounter:
    def __init__(self, values=None):
        self.n = 0
        self.mu = 0.0
        self.m2 = 0.0
        self.maxValue = float("-inf")
        self.minValue = float("inf")
        if values is not None:
            for v in values:
                self.merge(v)

    def merge(self, value):
        delta = value - self.mu
        self.n += 1
        self.mu += delta / self.n
        self.m2 += delta * (value - self.mu)
        self.maxValue = _maximum(self.maxValue, value)
        self.minValue = _minimum(self.minValue, value)
        return self

    def mergeStats(self, other):
        if not isinstance(other, StatCounter):
            raise TypeError("Can only merge StatCounter but got %s" % type(other))
        if other is self:
            return self.mergeStats(copy.deepcopy(other))
        if self.n == 0:
            self.mu, self.m2, self.n = other.mu, other.m2, other.n
            self.maxValue, self.minValue = other.maxValue, other.minValue
        elif other.n != 0:
            delta = other.mu - self.mu
            total = self.n + other.n
            if other.n * 10 < self.n:
                self.mu = self.mu + (delta * other.n) / total
            elif self.n * 10 < other.n:
                self.mu = other.mu - (delta * self.n) / total
            else:
                self.mu = (self.mu * self.n + other.mu * other.n) / total
            self.maxValue = _maximum(self.maxValue, other.maxValue)
            self.minValue = _minimum(self.minValue, other.minValue)
            self.m2 += other.m2 + (delta * delta * self.n * other.n) / total
            self.n = total
        return self

    def copy(self):
        return copy.deepcopy(self)

    def count(self):
        return int(self.n)

    def mean(self):
        return self.mu

    def sum(self):
        return self.n * self.mu

    def min(self):
        return _as_numpy(self.minValue)

    def max(self):
        return _as_numpy(self.maxValue)

    def variance(self):
        return float("nan") if self.n == 0 else self.m2 / self.n

    def sampleVariance(self):
        return float("nan") if self.n <= 1 else self.m2 / (self.n - 1)

    def stdev(self):
        return _sqrt(self.variance())

    def sampleStdev(self):
        return _sqrt(self.sampleVariance())

    def asDict(self, sample=False):
        return {
            "count": self.count(),
            "mean": self.mean(),
            "sum": self.sum(),
            "min": self.min(),
            "max": self.max(),
            "stdev": self.stdev() if sample else self.sampleStdev(),
            "variance": self.variance() if sample else self.sampleVariance(),
        }

    def __repr__(self):
        return "(count: %s, mean: %s, stdev: %s, max: %s, min: %s)" % (
            self.count(), self.mean(), self.stdev(), self.max(), self.min())
