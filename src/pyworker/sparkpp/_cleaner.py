"""ContextCleaner: what the driver program no longer references is released, as Spark's
ContextCleaner does with weak references (spark.cleaner.referenceTracking, default true).

Cached RDDs and broadcasts get a weakref.finalize. When the garbage collector drops one, its id
is queued (finalizers may run on any thread, mid-request: they only append); the queue is sent
before the next job: `PyUnpersist` (executors drop the RDD's blocks) and `PyUnpersistBroadcast`
with destroy (executors delete their copies). An RDD is only collected after every RDD built on
it (children reference their parents), so nothing a live RDD needs is released. (Shuffle files
and lineage nodes need the driver's PyForgetRdds: a pending slice of issue #19.)
"""
import collections
import weakref


class ContextCleaner:
    def __init__(self, sc):
        self._sc_ref = weakref.ref(sc)
        self._rdds = collections.deque()
        self._broadcasts = collections.deque()
        self._tracked = set()
        self.enabled = sc._conf.get("spark.cleaner.referenceTracking", "true").lower() == "true"

    def track_cached_rdd(self, rdd):
        rid = rdd._id
        if self.enabled and rid not in self._tracked:
            self._tracked.add(rid)
            weakref.finalize(rdd, self._rdds.append, rid)

    def track_broadcast(self, b):
        if self.enabled:
            weakref.finalize(b, self._broadcasts.append, b.id)

    def flush(self):
        """Tells the driver what was collected since the last flush."""
        sc = self._sc_ref()
        if sc is None or sc._stopped or not (self._rdds or self._broadcasts):
            return
        while self._rdds:
            rid = self._rdds.popleft()
            self._tracked.discard(rid)
            sc._request("PyUnpersist", {"rdd": rid})
        while self._broadcasts:
            sc._request("PyUnpersistBroadcast", {"id": self._broadcasts.popleft(),
                                                 "destroy": True})
