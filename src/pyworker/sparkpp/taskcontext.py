"""TaskContext: facts about the running task, available inside tasks via TaskContext.get()."""


class TaskContext:
    _taskContext = None

    def __init__(self, stage_id=0, partition_id=0, attempt_number=0, task_attempt_id=0,
                 local_properties=None, cpus=1, resources=None):
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
