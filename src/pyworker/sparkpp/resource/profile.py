"""ResourceProfile and ResourceProfileBuilder, as pyspark.resource.profile (no JVM side)."""
import itertools
import threading

from sparkpp.resource.requests import ExecutorResourceRequests, TaskResourceRequests

_ids = itertools.count(1)  # 0 is the default profile, as in Spark
_ids_lock = threading.Lock()


class ResourceProfile:
    """The executor and task requirements of the stages computing an RDD (rdd.withResources)."""

    def __init__(self, _java_resource_profile=None, _exec_req=None, _task_req=None):
        self._java_resource_profile = None
        self._executor_resource_requests = _exec_req or {}
        self._task_resource_requests = _task_req or {}
        with _ids_lock:
            self._id = next(_ids)

    @property
    def id(self):
        return self._id

    @property
    def taskResources(self):
        return self._task_resource_requests

    @property
    def executorResources(self):
        return self._executor_resource_requests


class ResourceProfileBuilder:
    """Collects executor and task requests; build() makes an immutable ResourceProfile."""

    def __init__(self):
        self._java_resource_profile_builder = None
        self._executor_resource_requests = {}
        self._task_resource_requests = {}

    def require(self, resourceRequest):
        if isinstance(resourceRequest, TaskResourceRequests):
            self._task_resource_requests.update(resourceRequest.requests)
        elif isinstance(resourceRequest, ExecutorResourceRequests):
            self._executor_resource_requests.update(resourceRequest.requests)
        else:
            raise TypeError("require() takes ExecutorResourceRequests or TaskResourceRequests, "
                            "not %s" % type(resourceRequest).__name__)
        return self

    def clearExecutorResourceRequests(self):
        self._executor_resource_requests = {}

    def clearTaskResourceRequests(self):
        self._task_resource_requests = {}

    @property
    def taskResources(self):
        return self._task_resource_requests

    @property
    def executorResources(self):
        return self._executor_resource_requests

    @property
    def build(self):
        # a property in PySpark too: `builder.require(...).build` is the profile
        return ResourceProfile(_exec_req=dict(self._executor_resource_requests),
                               _task_req=dict(self._task_resource_requests))
