"""A stand-in for `pyspark.testing` (utils, sqlutils) so that PySpark's own test files import
unmodified: the test-case classes and helpers they use, with the JVM-only parts (log4j in
QuietTest, SPARK_HOME's jars) reduced to what sparkpp has. Installed into sys.modules by
run_pyspark_tests.py; never shipped with sparkpp."""
import os
import sys
import time
import types
import unittest

from pyspark import SparkConf, SparkContext

try:
    import numpy  # noqa: F401
    have_numpy = True
except ImportError:
    have_numpy = False
try:
    import scipy.sparse  # noqa: F401
    have_scipy = True
except ImportError:
    have_scipy = False
try:
    import pandas  # noqa: F401
    have_pandas = True
except ImportError:
    have_pandas = False

# PySpark's tests build paths under SPARK_HOME (jars, test data); sparkpp has none.
SPARK_HOME = os.environ.get("SPARK_HOME", os.path.join(os.path.dirname(__file__), "no-spark-home"))


def eventually(condition, timeout=30.0, catch_assertions=False):
    """pyspark.testing.utils.eventually: polls `condition` until it returns True."""
    start, last = time.time(), None
    while time.time() - start < timeout:
        try:
            last = condition()
        except AssertionError as e:
            if not catch_assertions:
                raise
            last = e
        if last is True:
            return
        time.sleep(0.01)
    if isinstance(last, AssertionError):
        raise last
    raise AssertionError("Test failed due to timeout after %g sec, with last condition returning: %s"
                         % (timeout, last))


class QuietTest:
    """PySpark silences log4j's root logger here; sparkpp's driver log level instead."""

    def __init__(self, sc):
        self.sc = sc

    def __enter__(self):
        self.sc.setLogLevel("FATAL")

    def __exit__(self, *exc):
        self.sc.setLogLevel("WARN")


class PySparkTestCase(unittest.TestCase):
    def setUp(self):
        self._old_sys_path = list(sys.path)
        self.sc = SparkContext("local[4]", self.__class__.__name__)

    def tearDown(self):
        self.sc.stop()
        sys.path = self._old_sys_path


class ReusedPySparkTestCase(unittest.TestCase):
    @classmethod
    def conf(cls):
        return SparkConf()

    @classmethod
    def setUpClass(cls):
        cls.sc = SparkContext("local[4]", cls.__name__, conf=cls.conf())

    @classmethod
    def tearDownClass(cls):
        cls.sc.stop()


class ByteArrayOutput:
    def __init__(self):
        self.buffer = bytearray()

    def write(self, b):
        self.buffer += b

    def close(self):
        pass


def read_int(b):
    import struct
    return struct.unpack("!i", b)[0]


def write_int(i):
    import struct
    return struct.pack("!i", i)


class PySparkErrorTestUtils:
    def check_error(self, exception, error_class, message_parameters):
        self.assertEqual(exception.getErrorClass(), error_class)
        self.assertEqual(exception.getMessageParameters(), message_parameters)


def install():
    """Registers pyspark.testing, .utils and .sqlutils (this module's names)."""
    import pyspark
    me = sys.modules[__name__]
    pkg = types.ModuleType("pyspark.testing")
    pkg.__path__ = []
    utils = types.ModuleType("pyspark.testing.utils")
    sqlutils = types.ModuleType("pyspark.testing.sqlutils")
    for name in ("have_numpy", "have_scipy", "have_pandas", "SPARK_HOME", "eventually", "QuietTest",
                 "PySparkTestCase", "ReusedPySparkTestCase", "ByteArrayOutput", "read_int",
                 "write_int", "PySparkErrorTestUtils"):
        setattr(utils, name, getattr(me, name))
    for name in ("have_pandas", "ReusedPySparkTestCase", "PySparkErrorTestUtils"):
        setattr(sqlutils, name, getattr(me, name))
    sqlutils.have_pyarrow = False
    sqlutils.pandas_requirement_message = None if have_pandas else "pandas is not installed"
    sqlutils.pyarrow_requirement_message = "pyarrow is not used by sparkpp"
    pkg.utils, pkg.sqlutils = utils, sqlutils
    # pyspark.java_gateway (imported by test_broadcast for its JVM-only frame test)
    jg = types.ModuleType("pyspark.java_gateway")

    def launch_gateway(*args, **kwargs):
        raise RuntimeError("sparkpp has no JVM gateway")
    jg.launch_gateway = launch_gateway
    sys.modules.setdefault("pyspark.java_gateway", jg)
    pyspark.testing = pkg
    sys.modules.update({"pyspark.testing": pkg, "pyspark.testing.utils": utils,
                        "pyspark.testing.sqlutils": sqlutils})
