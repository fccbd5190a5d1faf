"""StatCounter: count, mean, variance, min and max in one pass, mergeable (Welford/Chan)."""
import copy
import math


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
        self.maxValue = max(self.maxValue, value)
        self.minValue = min(self.minValue, value)
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
            self.maxValue = max(self.maxValue, other.maxValue)
            self.minValue = min(self.minValue, other.minValue)
            self.m2 += other.m2 + (delta * delta * self.n * other.n) / total
            self.n = total
        return self

    def copy(self):
        return copy.deepcopy(self)

    def count(self):
        return int(self.n)

    def mean(self):
        return float(self.mu)

    def sum(self):
        return float(self.n * self.mu)

    def min(self):
        return float(self.minValue)

    def max(self):
        return float(self.maxValue)

    def variance(self):
        return float("nan") if self.n == 0 else float(self.m2 / self.n)

    def sampleVariance(self):
        return float("nan") if self.n <= 1 else float(self.m2 / (self.n - 1))

    def stdev(self):
        return float(math.sqrt(self.variance()))

    def sampleStdev(self):
        return float(math.sqrt(self.sampleVariance()))

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
