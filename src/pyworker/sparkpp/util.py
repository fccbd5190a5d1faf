"""pyspark.util's thread helpers: threads that inherit the creating thread's local properties
(job group, description, tags, scheduler pool), as PySpark's pinned-thread mode does."""
import functools
import threading

__all__ = ["InheritableThread", "inheritable_thread_target"]


def _current_properties():
    from sparkpp.context import SparkContext
    ctx = SparkContext._active_spark_context
    return dict(ctx._local_properties()) if ctx is not None else None


def _install(props):
    from sparkpp.context import SparkContext
    ctx = SparkContext._active_spark_context
    if ctx is not None and props is not None:
        local = ctx._local_properties()
        local.clear()
        local.update(props)


def inheritable_thread_target(f=None):
    """Wraps `f` so that, run in another thread, it sees the local properties of the thread
    that called this (at decoration time when used as a decorator without a session, as PySpark)."""
    if f is None:  # @inheritable_thread_target() or with a session argument: a decorator
        return inheritable_thread_target
    if not callable(f):  # PySpark 3.5 accepts a SparkSession here
        return inheritable_thread_target
    props = _current_properties()

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        _install(props)
        return f(*args, **kwargs)
    return wrapped


class InheritableThread(threading.Thread):
    """A thread whose jobs carry the local properties of the thread that created it."""

    def __init__(self, target, *args, session=None, **kwargs):
        props = _current_properties()

        def run_with(*a, **k):
            _install(props)
            return target(*a, **k)
        super().__init__(target=run_with, *args, **kwargs)
