"""Barrier execution mode (rdd.barrier(), BarrierTaskContext): the driver side.

A barrier stage's tasks meet at BarrierTaskContext.barrier()/allGather() through a small
coordinator the Python driver serves (one per SparkContext, started with the first barrier RDD):
TCP, one JSON line per request and reply, every request carrying the context's secret. A round
is keyed by (barrier RDD token, stage id, epoch) and completes when all the stage's tasks (the
barrier RDD's partitions) have arrived; each then gets every task's message in partition order.
Tasks register their address when they start, for getTaskInfos().

Gang scheduling: as Spark's DAGScheduler, a job is refused up front when a barrier stage needs
more task slots than the application has (SPARK-24819) or when it would compute only some of a
barrier RDD's partitions (take/first, SPARK-24820); with enough slots the scheduler launches all
the stage's tasks at once (they are all pending together and fit). Unlike Spark, a failed
barrier task is retried alone, not with its whole stage.
"""
import hmac
import json
import secrets
import socket
import socketserver
import threading
import uuid

_SLOTS_ERROR = (
    "[SPARK-24819]: Barrier execution mode does not allow run a barrier stage that requires "
    "more slots than the total number of slots in the cluster currently. Please init a new "
    "cluster with more resources(e.g. CPU, GPU) or repartition the input RDD(s) to reduce the "
    "number of slots required to run this barrier stage.")
_CHAIN_ERROR = (
    "[SPARK-24820][SPARK-24821]: Barrier execution mode does not allow the following pattern of "
    "RDD chain within a barrier stage:\n1. Ancestor RDDs that have different number of "
    "partitions from the resulting RDD (e.g. union()/coalesce()/first()/take()/"
    "PartitionPruningRDD). A workaround for first()/take() can be barrierRdd.collect().head "
    "(scala) or barrierRdd.collect()[0] (python).\n2. An RDD that depends on multiple barrier "
    "RDDs (e.g. barrierRdd1.zip(barrierRdd2)).")


class BarrierSpec:
    """What a barrier task needs to reach its peers; filled in when the RDD is declared."""

    def __init__(self):
        self.token = uuid.uuid4().hex
        self.address = None
        self.secret = None
        self.num_tasks = None


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        coord = self.server.coordinator
        for line in self.rfile:
            try:
                req = json.loads(line)
            except ValueError:
                return
            if not hmac.compare_digest(str(req.get("secret", "")), coord.secret):
                self.wfile.write(b'{"error": "barrier coordinator: wrong secret"}\n')
                return
            reply = coord.serve(req)
            self.wfile.write(json.dumps(reply).encode() + b"\n")
            self.wfile.flush()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Coordinator:
    def __init__(self, bind_host, advertise_host):
        self.secret = secrets.token_hex(16)
        self._cond = threading.Condition()
        self._rounds = {}     # (token, stage, epoch) -> {partition: message}
        self._served = {}     # same key -> replies handed out
        self._addresses = {}  # (token, stage) -> {partition: address}
        self._server = _Server((bind_host, 0), _Handler)
        self._server.coordinator = self
        self.address = "%s:%d" % (advertise_host, self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, name="barrier-coordinator",
                         daemon=True).start()

    def serve(self, req):
        op, n, part = req["op"], int(req["n"]), int(req["partition"])
        if op == "register":
            with self._cond:
                self._addresses.setdefault((req["token"], req["stage"]), {})[part] = req["address"]
                self._cond.notify_all()
            return {"ok": True}
        if op == "infos":
            key = (req["token"], req["stage"])
            with self._cond:
                self._cond.wait_for(lambda: len(self._addresses.get(key, ())) >= n)
                got = self._addresses[key]
                return {"addresses": [got[p] for p in sorted(got)]}
        key = (req["token"], req["stage"], int(req["epoch"]))
        with self._cond:
            msgs = self._rounds.setdefault(key, {})
            msgs[part] = req.get("message", "")
            self._cond.notify_all()
            self._cond.wait_for(lambda: len(msgs) >= n)
            out = [msgs[p] for p in sorted(msgs)]
            self._served[key] = self._served.get(key, 0) + 1
            if self._served[key] >= n:  # everyone has it: forget the round
                self._rounds.pop(key, None)
                self._served.pop(key, None)
            return {"messages": out}

    def close(self):
        self._server.shutdown()
        self._server.server_close()


_lock = threading.Lock()


def coordinator(sc):
    """The context's coordinator, started on first use."""
    with _lock:
        c = getattr(sc, "_barrier_coordinator", None)
        if c is None:
            if str(sc.master).startswith("local"):
                bind = advertise = "127.0.0.1"
            else:
                advertise = sc._conf.get("spark.driver.host") or socket.gethostbyname(
                    socket.gethostname())
                bind = "0.0.0.0"
            c = sc._barrier_coordinator = Coordinator(bind, advertise)
        return c


def prepare(rdd):
    """Fills the barrier specs of a PipelinedRDD about to be pickled."""
    specs = getattr(rdd, "_barrier_specs", ())
    if not specs:
        return
    c = coordinator(rdd.ctx)
    n = rdd.getNumPartitions()
    for s in specs:
        s.address, s.secret, s.num_tasks = c.address, c.secret, n


def check_job(sc, rdd, partitions):
    """Spark's up-front refusals for jobs with barrier stages (see the module docstring)."""
    seen, stack, barrier = set(), [rdd], []
    while stack:
        r = stack.pop()
        if id(r) in seen:
            continue
        seen.add(id(r))
        if getattr(r, "is_barrier", False):
            barrier.append(r)
        stack.extend(r._parents)
    if not barrier:
        return
    from sparkpp.errors import SparkJobError
    if getattr(rdd, "is_barrier", False) and partitions is not None and \
            sorted(set(partitions)) != list(range(rdd.getNumPartitions())):
        raise SparkJobError(_CHAIN_ERROR, "job_failed")
    slots = sc.defaultParallelism
    if any(r.getNumPartitions() > slots for r in barrier):
        raise SparkJobError(_SLOTS_ERROR, "job_failed")
