"""Runs PySpark 3.5's own unit-test files (python/pyspark/tests/test_*.py) unmodified against
sparkpp, with only a `pyspark.testing` shim (pyspark_testing_shim.py), and prints per-test
results and a per-file table.

    SPARKPP_PYSPARK_SRC=/path/to/spark  /usr/bin/python3 tests/upstream/run_pyspark_tests.py \
        [--files rdd,join,context,broadcast,shuffle] [--only REGEX] [-v] [--json OUT]

SPARKPP_PYSPARK_SRC is a Spark checkout or a bare git dir of one; the test files are read as
text (`git show HEAD:python/pyspark/tests/test_X.py`), written to a temporary directory and
imported from there, never copied into this repo. Started outside `sparkpp submit`, the script
re-runs itself under `build/sparkpp submit` (SPARKPP_BIN overrides the binary). Tests that
reach into the JVM (`sc._jvm`, `sc._jsc`, py4j's gateway, Spark's jars) are counted apart."""
import argparse
import collections
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FILES = ("rdd", "join", "context", "broadcast", "shuffle", "statcounter", "rddsampler",
         "rddbarrier", "serializers", "taskcontext", "conf", "resources")
# files outside python/pyspark/tests/
PATHS = {"resources": "python/pyspark/resource/tests/test_resources.py"}
TEST_TIMEOUT = 120  # seconds per test
JVM = re.compile(r"_jvm|_jsc|_jrdd|_to_java_object_rdd|java_gateway|launch_gateway|JavaObject"
                 r"|MockJavaGateway|SPARK_HOME|no-spark-home|log4j|jars/|\.jar\b")


def read_source(src, name):
    rel = PATHS.get(name, "python/pyspark/tests/test_%s.py" % name)
    if os.path.isfile(os.path.join(src, rel)):
        with open(os.path.join(src, rel)) as f:
            return f.read()
    return subprocess.run(["git", "--git-dir", src, "show", "HEAD:" + rel], check=True,
                          capture_output=True, text=True).stdout


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout("test took longer than %d s" % TEST_TIMEOUT)


class Result(unittest.TestResult):
    def __init__(self, verbose):
        super().__init__()
        self.rows, self.verbose = [], verbose

    def _add(self, test, status, detail=""):
        signal.alarm(0)
        name = test.id().split(".", 1)[-1]
        kind = status
        if status in ("fail", "error") and JVM.search(detail):
            kind = "jvm"
        self.rows.append({"test": name, "status": kind, "detail": detail})
        if self.verbose or kind in ("fail", "error"):
            last = [ln for ln in detail.strip().splitlines() if ln.strip()][-1:] or [""]
            print("  %-5s %s  %s" % (kind, name, last[0][:200]), flush=True)

    def startTest(self, test):
        super().startTest(test)
        signal.alarm(TEST_TIMEOUT)

    def stopTest(self, test):
        super().stopTest(test)
        # A test that fails before its own sc.stop() (often at a JVM call) must not leave its
        # context active for the next ones; a reused test class's context is kept.
        from pyspark import SparkContext
        active = SparkContext._active_spark_context
        if active is not None and active is not getattr(type(test), "sc", None):
            active.stop()

    def addSuccess(self, test):
        self._add(test, "pass")

    def addFailure(self, test, err):
        self._add(test, "fail", "".join(traceback.format_exception(*err)))

    def addError(self, test, err):
        self._add(test, "error", "".join(traceback.format_exception(*err)))

    def addSkip(self, test, reason):
        self._add(test, "skip", reason)

    def addExpectedFailure(self, test, err):
        self._add(test, "pass")

    def addUnexpectedSuccess(self, test):
        self._add(test, "fail", "unexpected success")


def run_file(name, text, tmp, only, verbose):
    path = os.path.join(tmp, "test_%s.py" % name)
    with open(path, "w") as f:
        f.write(text)
    spec = importlib.util.spec_from_file_location("pyspark.tests.test_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    res = Result(verbose)
    try:
        spec.loader.exec_module(mod)
    except Exception:
        res.rows.append({"test": "<import>", "status": "error", "detail": traceback.format_exc()})
        print("  import failed:\n" + traceback.format_exc(), flush=True)
        return res.rows
    suite = unittest.defaultTestLoader.loadTestsFromModule(mod)
    if only:
        rx = re.compile(only)

        def keep(s):
            out = unittest.TestSuite()
            for t in s:
                if isinstance(t, unittest.TestSuite):
                    out.addTests(keep(t))
                elif rx.search(t.id()):
                    out.addTest(t)
            return out
        suite = keep(suite)
    suite.run(res)
    for test, err in res.errors:  # class-level failures (setUpClass) have no row of their own
        if not any(r["test"] == test.id().split(".", 1)[-1] for r in res.rows):
            res._add(test, "error", err)
    return res.rows


def main_inside(args):
    import pyspark_testing_shim
    pyspark_testing_shim.install()
    import pyspark
    if "pyspark.tests" not in sys.modules:
        import types
        pkg = types.ModuleType("pyspark.tests")
        pkg.__path__ = []
        sys.modules["pyspark.tests"] = pyspark.tests = pkg
    signal.signal(signal.SIGALRM, _alarm)
    table, every = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.files.split(","):
            print("== test_%s.py" % name, flush=True)
            rows = run_file(name, read_source(args.src, name), tmp, args.only, args.verbose)
            every[name] = rows
            c = collections.Counter(r["status"] for r in rows)
            table.append({"file": "test_%s.py" % name, "tests": len(rows), **{
                k: c.get(k, 0) for k in ("pass", "fail", "error", "jvm", "skip")}})
    print("\n| file | tests | pass | fail | error | JVM | skipped |\n|---|---|---|---|---|---|---|")
    for t in table:
        print("| %(file)s | %(tests)d | %(pass)d | %(fail)d | %(error)d | %(jvm)d | %(skip)d |" % t)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"table": table, "files": every}, f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=os.environ.get("SPARKPP_PYSPARK_SRC"))
    ap.add_argument("--files", default=",".join(FILES))
    ap.add_argument("--only", help="run only tests whose id matches this regex")
    ap.add_argument("--json", help="also write every result to this file")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if not args.src:
        sys.exit("no PySpark sources: set SPARKPP_PYSPARK_SRC (a Spark checkout or bare git dir)")
    if os.environ.get("SPARKPP_DRIVER_PORT"):
        sys.path.insert(0, HERE)
        return main_inside(args)
    binary = os.environ.get("SPARKPP_BIN") or os.path.join(ROOT, "build", "sparkpp")
    env = dict(os.environ, SPARKPP_PYTHON=os.environ.get("SPARKPP_PYTHON", "/usr/bin/python3"),
               SPARKPP_PYSPARK_SRC=os.path.abspath(args.src),
               SPARK_TESTING="1")  # as PySpark's python/run-tests.py
    argv = [binary, "submit", "--master", "local[4]", os.path.abspath(__file__)] + sys.argv[1:]
    sys.exit(subprocess.call(argv, env=env))


if __name__ == "__main__":
    main()
