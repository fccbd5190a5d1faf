"""Executor and task resource requests, as pyspark.resource.requests (no JVM side)."""
import re

_UNITS = {"": 1, "b": 1.0 / (1 << 20), "k": 1.0 / 1024, "m": 1, "g": 1024, "t": 1 << 20}


def _parse_memory(s):
    """A JVM memory string ('512m', '2g', '1024' = MiB) in MiB, as PySpark's util."""
    m = re.fullmatch(r"\s*(\d+)\s*([bkmgt]?)b?\s*", str(s).lower())
    if not m:
        raise ValueError("invalid format: " + str(s))
    return int(int(m.group(1)) * _UNITS[m.group(2)])


class ExecutorResourceRequest:
    """One executor resource: name, amount, discovery script, vendor."""

    def __init__(self, resourceName, amount, discoveryScript="", vendor=""):
        self._name = resourceName
        self._amount = amount
        self._discovery_script = discoveryScript
        self._vendor = vendor

    @property
    def resourceName(self):
        return self._name

    @property
    def amount(self):
        return self._amount

    @property
    def discoveryScript(self):
        return self._discovery_script

    @property
    def vendor(self):
        return self._vendor


class ExecutorResourceRequests:
    """A set of executor resource requests (memory in MiB, cores, custom resources)."""

    _CORES = "cores"
    _MEMORY = "memory"
    _OVERHEAD_MEM = "memoryOverhead"
    _PYSPARK_MEM = "pyspark.memory"
    _OFFHEAP_MEM = "offHeap"

    def __init__(self, _jvm=None, _requests=None):
        self._java_executor_resource_requests = None
        self._executor_resources = dict(_requests or {})

    def _mem(self, key, amount):
        self._executor_resources[key] = ExecutorResourceRequest(key, _parse_memory(amount))
        return self

    def memory(self, amount):
        return self._mem(self._MEMORY, amount)

    def memoryOverhead(self, amount):
        return self._mem(self._OVERHEAD_MEM, amount)

    def pysparkMemory(self, amount):
        return self._mem(self._PYSPARK_MEM, amount)

    def offheapMemory(self, amount):
        return self._mem(self._OFFHEAP_MEM, amount)

    def cores(self, amount):
        self._executor_resources[self._CORES] = ExecutorResourceRequest(self._CORES, amount)
        return self

    def resource(self, resourceName, amount, discoveryScript="", vendor=""):
        self._executor_resources[resourceName] = ExecutorResourceRequest(
            resourceName, amount, discoveryScript, vendor)
        return self

    @property
    def requests(self):
        return self._executor_resources


class TaskResourceRequest:
    """One task resource; the amount is a float (<= 0.5 or whole: tasks sharing an address)."""

    def __init__(self, resourceName, amount):
        self._name = resourceName
        self._amount = float(amount)

    @property
    def resourceName(self):
        return self._name

    @property
    def amount(self):
        return self._amount


class TaskResourceRequests:
    """A set of task resource requests (cpus, custom resources)."""

    _CPUS = "cpus"

    def __init__(self, _jvm=None, _requests=None):
        self._java_task_resource_requests = None
        self._task_resources = dict(_requests or {})

    def cpus(self, amount):
        self._task_resources[self._CPUS] = TaskResourceRequest(self._CPUS, amount)
        return self

    def resource(self, resourceName, amount):
        self._task_resources[resourceName] = TaskResourceRequest(resourceName, amount)
        return self

    @property
    def requests(self):
        return self._task_resources
