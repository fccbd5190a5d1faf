"""ContextCleaner: what the driver program no longer references is released, as Spark's
ContextCleaner does with weak references (spark.cleaner.referenceTracking, default true).

Declared RDDs and broadcasts get a weakref.finalize. When the garbage collector drops one, its
id is queued (finalizers may run on any thread, mid-request: they only append); the queue is
sent before the next job: `PyForgetRdds` (the driver drops the lineage node, its cached blocks,
and for a shuffle its map outputs and the files on every executor) and `PyUnpersistBroadcast`
with destroy (executors delete their copies). An RDD is only collected after every RDD built on
it (children reference their parents), so nothing a live RDD needs is forgotten.
"""
import collections
import weakref


class ContextCleaner:
    def __init__(self, sc):
        self._sc_ref = weakref.ref(sc)
        self._rdds = collections.deque()
        self._broadcasts = collections.deque()
        self.enabled = sc._conf.get("spark.cleaner.referenceTracking", "true").lower() == "true"

    def track_rdd(self, rdd):
        if self.enabled:
            weakref.finalize(rdd, self._rdds.append, rdd._id)  # the driver's id

    def track_broadcast(self, b):
        if self.enabled:
            weakref.finalize(b, self._broadcasts.append, b.id)

    def flush(self):
        """Tells the driver what was collected since the last flush. The requests go without
        waiting for their replies (dropped when they come): the driver handles requests in
        order, so the job that follows sees them done, and a one-task job costs one round
        trip with the driver instead of two. Like Spark's cleaner, a failure to clean up is
        not the program's: the reply, error or not, is not read. They are only queued: they
        leave in one write with the job's own requests."""
        sc = self._sc_ref()
        if sc is None or sc._stopped or not (self._rdds or self._broadcasts):
            return
        sc._check_active()
        gateway = sc._gateway
        rdds = []
        while self._rdds:
            rdds.append(self._rdds.popleft())
        if rdds:
            gateway.abandon(gateway.send_request("PyForgetRdds", {"rdds": rdds}, defer=True))
        while self._broadcasts:
            gateway.abandon(gateway.send_request(
                "PyUnpersistBroadcast", {"id": self._broadcasts.popleft(), "destroy": True},
                defer=True))
