"""Per-partition samplers for sample/randomSplit/sampleByKey, seeded as PySpark's are: each
partition draws from Random(seed ^ split), warmed up by ten draws, so results are reproducible
and agree with PySpark for the same seed."""
import math
import random
import sys


class RDDSamplerBase:
    def __init__(self, withReplacement, seed=None):
        self._seed = seed if seed is not None else random.randint(0, sys.maxsize)
        self._withReplacement = withReplacement
        self._random = None

    def initRandomGenerator(self, split):
        self._random = random.Random(self._seed ^ split)
        for _ in range(10):  # neighbouring seeds: mix before use
            self._random.randint(0, 1)

    def getUniformSample(self):
        return self._random.random()

    def getPoissonSample(self, mean):
        rnd = self._random
        if mean < 20.0:  # Knuth: multiply uniforms until below e^-mean
            limit = math.exp(-mean)
            p = rnd.random()
            k = 0
            while p > limit:
                k += 1
                p *= rnd.random()
        else:  # large means: sum exponential gaps in the log domain
            p = rnd.expovariate(mean)
            k = 0
            while p < 1.0:
                k += 1
                p += rnd.expovariate(mean)
        return k

    def func(self, split, iterator):
        raise NotImplementedError


class RDDSampler(RDDSamplerBase):
    def __init__(self, withReplacement, fraction, seed=None):
        RDDSamplerBase.__init__(self, withReplacement, seed)
        self._fraction = fraction

    def func(self, split, iterator):
        self.initRandomGenerator(split)
        if self._withReplacement:
            # each element appears Poisson(fraction) times
            for obj in iterator:
                for _ in range(self.getPoissonSample(self._fraction)):
                    yield obj
        else:
            for obj in iterator:
                if self.getUniformSample() < self._fraction:
                    yield obj


class RDDRangeSampler(RDDSamplerBase):
    def __init__(self, lowerBound, upperBound, seed=None):
        RDDSamplerBase.__init__(self, False, seed)
        self._lowerBound = lowerBound
        self._upperBound = upperBound

    def func(self, split, iterator):
        self.initRandomGenerator(split)
        for obj in iterator:
            if self._lowerBound <= self.getUniformSample() < self._upperBound:
                yield obj


class RDDStratifiedSampler(RDDSamplerBase):
    def __init__(self, withReplacement, fractions, seed=None):
        RDDSamplerBase.__init__(self, withReplacement, seed)
        self._fractions = fractions

    def func(self, split, iterator):
        self.initRandomGenerator(split)
        if self._withReplacement:
            for key, val in iterator:
                for _ in range(self.getPoissonSample(self._fractions[key])):
                    yield key, val
        else:
            for key, val in iterator:
                if self.getUniformSample() < self._fractions[key]:
                    yield key, val
