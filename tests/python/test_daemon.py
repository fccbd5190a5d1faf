"""The worker daemon as a real process: ready line, forked workers, exit on stdin EOF."""
import os
import pickle
import socket
import subprocess
import sys
import time

import cloudpickle
import pytest

from sparkpp import _wire

PKG = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                   "src", "pyworker")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still "exists": look at its state
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait(cond, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def daemon(tmp_path):
    path = str(tmp_path / "w.sock")
    env = dict(os.environ, PYTHONPATH=PKG, PYTHONHASHSEED="0")
    proc = subprocess.Popen([sys.executable, "-m", "sparkpp.daemon", "--socket", path],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert proc.stdout.readline() == b"ready\n"
    yield proc, path
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    ch = _wire.Channel(s)
    ch.send("Hello", {"role": "executor", "proto": _wire.PROTOCOL_VERSION, "name": "t", "secret": ""})
    op, body, _ = ch.recv()
    assert op == "HelloAck" and body["role"] == "pyworker"
    return ch, int(body["name"])


def _task(ch, task_id, data, new_funcs=(), func=None):
    plan = {"op": "apply", "func": 1, "split": 0,
            "child": {"op": "input", "input": 0, "format": "pickled"}}
    blobs = [cloudpickle.dumps(func or (lambda s, it: (x * 2 for x in it)))] if new_funcs else []
    ch.send("PwTask", {"task_id": task_id, "stage_id": 0, "partition": 0, "attempt": 0,
                       "plan": plan, "sink": "result", "new_funcs": list(new_funcs),
                       "props": {}}, blobs)
    sent = False
    out = []
    while True:
        op, body, blobs = ch.recv()
        if op == "PwRead":
            if not sent:
                ch.send("PwInput", {"input": 0, "end": False, "format": "pickled"},
                        [pickle.dumps(data)])
                sent = True
            else:
                ch.send("PwInput", {"input": 0, "end": True, "format": "pickled"})
        elif op == "PwOutput":
            out += [x for b in blobs for x in pickle.loads(b)]
        elif op == "PwDone":
            return out
        else:
            raise AssertionError((op, body))


def test_workers_fork_run_tasks_and_die_with_daemon(daemon):
    proc, path = daemon
    ch1, pid1 = _connect(path)
    ch2, pid2 = _connect(path)
    assert pid1 != pid2 and proc.pid not in (pid1, pid2)
    assert _task(ch1, 1, [1, 2], new_funcs=[1]) == [2, 4]
    assert _task(ch1, 2, [5]) == [10]  # function cached in the worker
    assert _task(ch2, 3, [7], new_funcs=[1]) == [14]
    # a worker exits when its connection closes; the daemon reaps it
    ch2.close()
    assert _wait(lambda: not _alive(pid2))
    t = time.perf_counter()
    n = 300
    for i in range(n):
        _task(ch1, 10 + i, [i])
    rate = n / (time.perf_counter() - t)
    print("tasks/s through a daemon-forked worker: %.0f" % rate)
    assert rate > 300
    # stdin EOF: the daemon kills its workers and exits
    proc.stdin.close()
    assert proc.wait(5) == 0
    assert _wait(lambda: not _alive(pid1))
    assert not os.path.exists(path)


def test_sigterm_stops_daemon_and_workers(daemon):
    proc, path = daemon
    ch, pid = _connect(path)
    proc.terminate()
    assert proc.wait(5) == 0
    assert _wait(lambda: not _alive(pid))


def test_worker_refuses_a_peer_of_another_protocol_version(daemon):
    # Versioning policy (messages.h): the Python worker refuses an executor of another version
    # with HelloRefused naming both versions and both builds, then closes.
    _, path = daemon
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    ch = _wire.Channel(s)
    old = _wire.PROTOCOL_VERSION - 1
    ch.sock.sendall(b"".join(_wire.encode_message("Hello", {"role": "executor", "proto": old})))
    op, body, _ = ch.recv()
    assert op == "HelloRefused"
    assert "peer speaks protocol %d (build unknown)" % old in body["reason"]
    assert "this process speaks protocol %d (%s)" % (_wire.PROTOCOL_VERSION, _wire.build_id()) \
        in body["reason"]
    with pytest.raises(_wire.ConnectionClosed):
        ch.recv()
    ch2, _pid = _connect(path)  # the daemon still serves current peers
    ch2.sock.close()


def test_workers_start_without_the_sql_side_until_asked(daemon):
    # sparkpp.sql costs ~0.1 s of CPU and ~3 MiB per process: RDD workers never load it (a Row
    # they unpickle imports it on demand); after "sql" on its stdin the daemon preloads it for
    # the workers it forks next (SQL tasks with Python UDFs).
    def _has_modules(s, it):  # nested: pickled by value, not as a reference to this module
        import sys
        list(it)
        return iter([m in sys.modules for m in ("sparkpp.sql", "sparkpp.sql._udf_eval")])

    proc, path = daemon
    ch1, _ = _connect(path)
    assert _task(ch1, 1, [0], new_funcs=[1], func=_has_modules) == [False, False]
    row = pickle.dumps(__import__("sparkpp.sql", fromlist=["Row"]).Row(a=1))
    assert _task(ch1, 2, [row], new_funcs=[1], func=lambda s, it: (pickle.loads(b).a for b in it)) == [1]
    proc.stdin.write(b"sql\n")
    proc.stdin.flush()
    ch2, _ = _connect(path)
    assert _task(ch2, 3, [0], new_funcs=[1], func=_has_modules) == [True, True]


def test_daemon_starts_without_modules_only_some_tasks_need(daemon):
    # Every first task of an executor waits for the daemon's imports: subprocess (rdd.pipe),
    # shutil/bz2/lzma/tempfile (spills), argparse and getpass are imported where they are used,
    # ~20 ms of CPU less per daemon start. The workers it forks still run everything (pipe,
    # spills: tests/integration).
    def _loaded(s, it):  # nested: pickled by value, not as a reference to this module
        import sys
        list(it)
        return iter(sorted(m for m in ("subprocess", "shutil", "tempfile", "bz2", "lzma", "argparse",
                                       "getpass") if m in sys.modules))

    _, path = daemon
    ch, _ = _connect(path)
    assert _task(ch, 1, [0], new_funcs=[1], func=_loaded) == []
    # nor sparkpp.context, the driver's (sparkpp.SparkContext imports it on first use)
    assert _task(ch, 2, [0], new_funcs=[1],
                 func=lambda s, it: ["sparkpp.context" in __import__("sys").modules]) == [False]
    # the package still exposes what PySpark programs import from it
    import sparkpp
    assert sparkpp.SparkContext.__name__ == "SparkContext" and hasattr(sparkpp.RDD, "reduceByKey")


def test_daemon_usage_error():
    p = subprocess.run([sys.executable, "-m", "sparkpp.daemon"], env=dict(os.environ, PYTHONPATH=PKG),
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "usage: python -m sparkpp.daemon --socket PATH" in p.stderr


def _ext_dir():
    import glob
    root = os.path.dirname(os.path.dirname(PKG))
    for d in [os.path.dirname(os.environ.get("SPARKPP_BIN", "")), os.path.join(root, "build")]:
        if d and glob.glob(os.path.join(d, "_fastrdd*.so")):
            return d
    return None


@pytest.mark.parametrize("with_ext", [True, False])
def test_workers_die_with_the_daemon_with_or_without_ctypes(tmp_path, with_ext):
    # PR_SET_PDEATHSIG through the _fastrdd C module when it is built (no ctypes import, ~5 ms
    # of each daemon's start), through ctypes otherwise: a worker dies when its daemon is killed.
    d = _ext_dir()
    if with_ext and d is None:
        pytest.skip("_fastrdd is not built")
    env = dict(os.environ, PYTHONPATH=PKG, PYTHONHASHSEED="0")
    env.pop("SPARKPP_PYEXT_DIR", None)
    if with_ext:
        env["SPARKPP_PYEXT_DIR"] = d
    path = str(tmp_path / "w.sock")
    proc = subprocess.Popen([sys.executable, "-m", "sparkpp.daemon", "--socket", path],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    try:
        assert proc.stdout.readline() == b"ready\n"
        ch, pid = _connect(path)
        loaded = _task(ch, 1, [0], new_funcs=[1],
                       func=lambda s, it: ["ctypes" in __import__("sys").modules])
        assert loaded == [not with_ext]
        proc.kill()  # no clean-up by the daemon: only the parent-death signal ends the worker
        proc.wait()
        assert _wait(lambda: not _alive(pid))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
