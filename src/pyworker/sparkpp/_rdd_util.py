"""Helpers shared by the RDD modules (rdd.py, rdd_actions.py) and the SQL client."""
import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

_STOP_MSG = "Caught StopIteration thrown from user's code; failing the task"


def fail_on_stopiteration(f):
    """StopIteration escaping user code would silently end a generator: make it an error.
    (Driver side and rare calls; per-record paths use _guarded or catch it around a loop.)"""
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except StopIteration as exc:
            raise RuntimeError(_STOP_MSG, exc)
    return wrapper


def _callsite(action):
    """'<api> at <user file>:<line>' for job descriptions, as PySpark's first_spark_call: <api>
    is the sparkpp function the user's code called (count, sum, take...; `action` when the
    call comes from inside), the place the first frame outside sparkpp."""
    f = sys._getframe(1)
    outermost = None
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        outermost = f
        f = f.f_back
    if f is None:
        return action
    name = outermost.f_code.co_name if outermost is not None else action
    if name.startswith("_") or name == "<lambda>":
        name = action
    return "%s at %s:%d" % (name, f.f_code.co_filename, f.f_lineno)


def _local_path(path):
    """Paths as the C++ driver wants them: absolute, without a file: scheme."""
    path = str(path)
    if path.startswith("file://"):
        path = path[len("file://"):]
    elif path.startswith("file:"):
        path = path[len("file:"):]
    elif "://" in path:
        return path  # another scheme: let the driver say what it supports
    return os.path.abspath(path)
