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
    """'<action> at <user file>:<line>' for job descriptions (first frame outside sparkpp)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    if f is None:
        return action
    return "%s at %s:%d" % (action, f.f_code.co_filename, f.f_lineno)


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
