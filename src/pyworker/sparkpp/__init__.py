"""sparkpp: PySpark's RDD API on a C++ Spark standalone runtime (also importable as `pyspark`)."""
import sys as _sys

try:
    import cloudpickle as _cloudpickle  # noqa: F401
except ImportError:
    raise ImportError(
        "sparkpp needs cloudpickle in the Python that runs the driver (%s): apt install "
        "python3-cloudpickle, or set SPARKPP_PYTHON=/usr/bin/python3" % _sys.executable) from None

from sparkpp.version import SPARK_VERSION, __version__  # noqa: E402
from sparkpp.conf import SparkConf  # noqa: E402
from sparkpp.storagelevel import StorageLevel  # noqa: E402
from sparkpp.taskcontext import BarrierTaskContext, BarrierTaskInfo, TaskContext  # noqa: E402
from sparkpp.files import SparkFiles  # noqa: E402
from sparkpp.accumulators import Accumulator, AccumulatorParam  # noqa: E402
from sparkpp.broadcast import Broadcast  # noqa: E402
from sparkpp.statcounter import StatCounter  # noqa: E402
from sparkpp.rdd import RDD, RDDBarrier  # noqa: E402
import sparkpp.shuffle  # noqa: E402,F401  (attaches the key-value API to RDD)
from sparkpp.serializers import (  # noqa: E402
    PickleSerializer, CPickleSerializer, CloudPickleSerializer, BatchedSerializer,
    AutoBatchedSerializer, MarshalSerializer)
from sparkpp.errors import (  # noqa: E402
    PySparkException, Py4JJavaError, SparkJobError)
from sparkpp.util import InheritableThread, inheritable_thread_target  # noqa: E402


def __getattr__(name):
    # SparkContext is the driver's (its module is not needed by the Python daemon and workers);
    # Row and SparkSession live in sparkpp.sql, imported on first use (keeps workers light)
    if name == "SparkContext":
        from sparkpp.context import SparkContext
        return SparkContext
    if name in ("Row", "SparkSession"):
        from sparkpp import sql
        return getattr(sql, name)
    raise AttributeError("module 'sparkpp' has no attribute %r" % name)


__all__ = [
    "SparkConf", "SparkContext", "RDD", "StorageLevel", "Broadcast", "Accumulator",
    "AccumulatorParam", "TaskContext", "SparkFiles", "StatCounter", "Row", "SparkSession",
    "PickleSerializer", "CPickleSerializer", "CloudPickleSerializer", "BatchedSerializer",
    "AutoBatchedSerializer", "MarshalSerializer", "PySparkException", "Py4JJavaError",
    "SparkJobError", "RDDBarrier", "BarrierTaskContext", "BarrierTaskInfo",
    "InheritableThread", "inheritable_thread_target",
]
