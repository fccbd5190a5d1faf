"""Shared by every pytest suite under tests/."""
import signal


def _unwind(signum, frame):  # noqa: ARG001
    raise KeyboardInterrupt(f"signal {signum}")


# A SIGTERM to pytest (a CI timeout, a developer's `kill`) unwinds as Ctrl-C does, so fixtures
# and `with daemons.Cluster(...)` blocks run their teardown and kill the daemons they started by
# PID; Python's default SIGTERM action would exit at once and leave them running.
signal.signal(signal.SIGTERM, _unwind)
