"""TaskContext: facts about the running task, available inside tasks via TaskContext.get()."""
import os


class TaskContext:
    _taskContext = None

    def __new__(cls, *args, **kwargs):
        # as PySpark's: a user's TaskContext() inside a task is the running task's context
        current = cls._taskContext
        if not args and not kwargs and isinstance(current, cls):
            return current
        return object.__new__(cls)

    def __init__(self, stage_id=0, partition_id=0, attempt_number=0, task_attempt_id=0,
                 local_properties=None, cpus=1, resources=None):
        if self is type(self)._taskContext and hasattr(self, "_stageId"):
            return  # TaskContext() returned the running one: keep its fields
        self._stageId = stage_id
        self._partitionId = partition_id
        self._attemptNumber = attempt_number
        self._taskAttemptId = task_attempt_id
        self._localProperties = local_properties or {}
        self._cpus = cpus
        self._resources = resources or {}

    @classmethod
    def _getOrCreate(cls):
        if cls._taskContext is None:
            cls._taskContext = TaskContext()
        return cls._taskContext

    @classmethod
    def _setTaskContext(cls, ctx):
        cls._taskContext = ctx

    @classmethod
    def get(cls):
        """The TaskContext of the running task, or None outside a task (e.g. on the driver)."""
        return cls._taskContext

    def stageId(self):
        return self._stageId

    def partitionId(self):
        return self._partitionId

    def attemptNumber(self):
        return self._attemptNumber

    def taskAttemptId(self):
        return self._taskAttemptId

    def getLocalProperty(self, key):
        return self._localProperties.get(key)

    def cpus(self):
        return self._cpus

    def resources(self):
        return self._resources


class BarrierTaskContext(TaskContext):
    """The TaskContext of a task in a barrier stage (rdd.barrier()): barrier(), allGather()
    and getTaskInfos() meet the stage's other tasks through the driver's coordinator
    (sparkpp/_barrier.py)."""

    _spec = None

    @classmethod
    def _getOrCreate(cls):
        if not isinstance(cls._taskContext, BarrierTaskContext):
            cls._taskContext = object.__new__(cls)
        return cls._taskContext

    @classmethod
    def get(cls):
        if not isinstance(cls._taskContext, BarrierTaskContext):
            from sparkpp.errors import PySparkRuntimeError
            raise PySparkRuntimeError(error_class="NOT_IN_BARRIER_STAGE", message_parameters={})
        return cls._taskContext

    @classmethod
    def _enter(cls, spec):
        """Called as a barrier task starts: the task's context becomes a BarrierTaskContext."""
        cur = TaskContext._taskContext
        if isinstance(cur, BarrierTaskContext) and cur._spec is spec:
            return cur
        ctx = object.__new__(cls)
        ctx.__dict__.update(cur.__dict__ if cur is not None else TaskContext().__dict__)
        ctx._spec = spec
        ctx._epoch = 0
        ctx._sock = None
        TaskContext._taskContext = ctx
        import socket
        ctx._request("register", address="%s:%d" % (
            socket.gethostbyname(socket.gethostname()), os.getpid()))
        return ctx

    def _request(self, op, **kw):
        import json
        import socket
        spec = self._spec
        if spec is None or spec.address is None:
            from sparkpp.errors import PySparkRuntimeError
            raise PySparkRuntimeError(error_class="CALL_BEFORE_INITIALIZE", message_parameters={
                "func_name": op, "object": "BarrierTaskContext"})
        if self._sock is None:
            host, port = spec.address.rsplit(":", 1)
            self._sock = socket.create_connection((host, int(port)))
            self._file = self._sock.makefile("rwb")
        req = dict(kw, op=op, secret=spec.secret, token=spec.token, stage=self._stageId,
                   partition=self._partitionId, n=spec.num_tasks, epoch=self._epoch)
        self._file.write(json.dumps(req).encode() + b"\n")
        self._file.flush()
        line = self._file.readline()
        if not line:
            raise RuntimeError("the barrier coordinator closed the connection")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    def barrier(self):
        """Waits until every task of this barrier stage has called barrier()."""
        self._request("sync", message="")
        self._epoch += 1

    def allGather(self, message=""):
        """Waits for every task of the stage; returns all their messages, by partition."""
        if not isinstance(message, str):
            raise TypeError("Argument `message` must be of type `str`")
        out = self._request("sync", message=message)["messages"]
        self._epoch += 1
        return out

    def getTaskInfos(self):
        """BarrierTaskInfo of every task of the stage, by partition id."""
        return [BarrierTaskInfo(a) for a in self._request("infos")["addresses"]]


class BarrierTaskInfo:
    """Where a barrier task runs: `address` is host:port (here host:worker pid)."""

    def __init__(self, address):
        self.address = address
