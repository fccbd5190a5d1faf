"""Python worker daemon: `python -m sparkpp.daemon --socket PATH`.

Started once per executor. Listens on a Unix socket, prints `ready` on stdout once listening,
then forks one warm worker per accepted connection (sparkpp.worker.serve). Exits, killing its
children, when stdin reaches EOF (the executor closed it or died) or on SIGTERM. Every process
asks the kernel for SIGKILL when its parent dies, so nothing outlives the executor.
"""
import os
import select
import signal
import socket
import sys
import time
import traceback

import cloudpickle  # noqa: F401  (imported before forking so workers start warm)
import sparkpp  # noqa: F401
from sparkpp import worker

# sparkpp.sql is not imported here: ~0.1 s of CPU and ~3 MiB in every Python process of every
# executor, on the first job's critical path, for RDD jobs that never use it. A worker that
# unpickles a Row imports it on demand (pickle imports a class's module); SQL executors ask the
# daemon to preload it ("sql" on stdin) before the workers that run UDFs are forked.

_PR_SET_PDEATHSIG = 1


_ext = None  # the _fastrdd module, once looked up (False: not available)


def set_parent_death_signal(sig=signal.SIGKILL):
    """prctl(PR_SET_PDEATHSIG): die with the parent (Linux; a no-op elsewhere). Through the
    _fastrdd C module when it is built, else ctypes (~5 ms to import, on every first task's
    path)."""
    global _ext
    if not sys.platform.startswith("linux"):
        return
    if _ext is None:
        from sparkpp._rdd_util import load_extension
        _ext = load_extension("_fastrdd") or False
        if _ext and not hasattr(_ext, "set_pdeathsig"):
            _ext = False  # an older build of the module
    try:
        if _ext:
            _ext.set_pdeathsig(int(sig))
            return
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _preload_sql():
    """The executor runs a SQL task's Python UDFs: import the SQL side once, before the next
    fork, rather than in every worker."""
    import sparkpp.sql._udf_eval  # noqa: F401


def _preload_pandas():
    """The executor plans a pandas UDF: import pandas (~0.5 s of CPU) here once, before the
    next fork, instead of in every worker. Never done for RDD-only executors."""
    try:
        import pandas  # noqa: F401
        import sparkpp.sql._pandas_udf_eval  # noqa: F401
    except ImportError:
        pass  # the worker reports it when it needs pandas


class _Shutdown(Exception):
    pass


class Daemon:
    def __init__(self, path):
        self.path = path
        self.children = set()
        self.listener = None

    def reap(self):
        while self.children:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            self.children.discard(pid)

    def kill_children(self, grace=0.5):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in list(self.children):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    self.children.discard(pid)
            deadline = time.monotonic() + grace
            while self.children and time.monotonic() < deadline:
                self.reap()
                if self.children:
                    time.sleep(0.01)
            if not self.children:
                return
        self.reap()

    def fork_worker(self, conn):
        try:
            pid = os.fork()
        except OSError as e:
            print("sparkpp.daemon: fork failed: %s" % e, file=sys.stderr, flush=True)
            conn.close()
            return
        if pid == 0:
            code = 0
            try:
                for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGINT, signal.SIGHUP):
                    signal.signal(sig, signal.SIG_DFL)
                set_parent_death_signal()
                self.listener.close()
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                os.close(devnull)
                worker.serve(conn)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                finally:
                    os._exit(code)
        conn.close()
        self.children.add(pid)

    def run(self):
        set_parent_death_signal()
        parent = os.getppid()
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(128)

        def on_term(signum, frame):
            raise _Shutdown()
        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGCHLD, lambda s, f: self.reap())

        sys.stdout.write("ready\n")
        sys.stdout.flush()
        # Workers' print() output goes to stderr: stdout belongs to the executor's handshake,
        # and a pipe nobody reads would eventually block them.
        os.dup2(2, 1)
        stdin = sys.stdin.fileno()
        try:
            while True:
                if os.getppid() != parent:
                    break  # orphaned before prctl could help
                try:
                    r, _, _ = select.select([stdin, self.listener], [], [], 1.0)
                except InterruptedError:
                    continue
                if stdin in r:
                    data = os.read(stdin, 4096)
                    if not data:
                        break  # EOF: the executor is gone or done with us
                    if b"sql" in data:
                        _preload_sql()
                    if b"pandas" in data:
                        _preload_pandas()
                if self.listener in r:
                    try:
                        conn, _ = self.listener.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    self.fork_worker(conn)
                self.reap()
        except (_Shutdown, KeyboardInterrupt):
            pass
        finally:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            self.kill_children()
            self.listener.close()
            try:
                os.unlink(self.path)
            except OSError:
                pass


def main(argv=None):
    # One option, parsed by hand: argparse is ~5 ms of the start every first task waits for.
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 2 and argv[0] == "--socket":
        path = argv[1]
    elif len(argv) == 1 and argv[0].startswith("--socket="):
        path = argv[0][len("--socket="):]
    else:
        print("usage: python -m sparkpp.daemon --socket PATH", file=sys.stderr)
        sys.exit(2)
    Daemon(path).run()


if __name__ == "__main__":
    main()
