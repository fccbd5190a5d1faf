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


def load_extension(name):
    """A C module of the Python worker (src/pyworker/<name minus _>.c), or None: installed inside
    the package, or built next to the sparkpp binary of a build tree (the executor passes its
    directory as SPARKPP_PYEXT_DIR); None also when built for another Python. Callers keep a
    pure-Python path for None; SPARKPP_PYEXT=0 forces it."""
    if os.environ.get("SPARKPP_PYEXT", "1") == "0":
        return None
    import importlib
    try:
        return importlib.import_module("sparkpp." + name)
    except ImportError:
        pass
    d = os.environ.get("SPARKPP_PYEXT_DIR")
    if not d:
        return None
    import importlib.machinery
    import importlib.util
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(d, name + suffix)
        if os.path.exists(path):
            try:
                spec = importlib.util.spec_from_file_location(name, path)
                mod = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(mod)
                return mod
            except ImportError:
                return None
    return None
