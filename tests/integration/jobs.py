"""Run real PySpark job scripts through `sparkpp submit` from tests.

A job script is written into a test's tmp dir with a small prelude prepended that gives it

    check(name, fn)   runs fn(), records its (JSON-able) return value under `name`, or the
                      traceback if it raised -- so one broken feature never hides the others
    emit()            prints every recorded result as one line `@@RESULTS@@ <json>`
    printed(fn)       what fn() prints; explained(df, *args) the text of df.explain(*args)
    sorted_rows(df), first_error(fn), executor_pids(app_id)

and the test parses that line (JobResult.results) and compares each entry with a value it
computed in plain Python.

Every submit runs in its own session with a unique environment tag (SPARKPP_TEST_TAG) that all
its descendants inherit (driver Python, executors, Python workers). After the submit returns the
helper waits for every tagged process to be gone and fails the test if any remain (after killing
them by PID). A submit that outlives its timeout is killed (its process group, then every tagged
process) and reported with its output.
"""
import json
import os
import signal
import subprocess
import textwrap
import time
import uuid

RESULT_MARK = "@@RESULTS@@ "
DEFAULT_PYTHON = "/usr/bin/python3"

PRELUDE = '''\
import json as _sparkpp_test_json
import sys as _sparkpp_test_sys
import traceback as _sparkpp_test_tb
_SPARKPP_TEST_RESULTS = {}


def check(name, fn):
    try:
        _SPARKPP_TEST_RESULTS[name] = {"ok": fn()}
    except BaseException as e:  # noqa: BLE001 - recorded for the test to report
        _SPARKPP_TEST_RESULTS[name] = {
            "error": "%s: %s" % (type(e).__name__, e),
            "traceback": _sparkpp_test_tb.format_exc()}


def sorted_rows(df):
    """A DataFrame's rows as lists, in a fixed order (repr) whatever the partitioning."""
    return sorted([list(r) for r in df.collect()], key=repr)


def printed(fn):
    """What fn() prints (show(), explain(), printSchema(), ...) as one string."""
    import contextlib as _contextlib
    import io as _io
    buf = _io.StringIO()
    with _contextlib.redirect_stdout(buf):
        fn()
    return buf.getvalue()


def explained(df, *args, **kwargs):
    """The text df.explain(*args, **kwargs) prints."""
    return printed(lambda: df.explain(*args, **kwargs))


def first_error(fn):
    """'ExceptionType: first line of its message' of what fn() raises, else 'no error'."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the test compares the text
        return type(e).__name__ + ": " + str(e).strip().split("\\n")[0]
    return "no error"


def executor_pids(app_id):
    """PIDs of this application's executor processes (fault tests kill them)."""
    import os as _os
    out = []
    for d in _os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read().split(b"\\0")
        except OSError:
            continue
        if b"executor" in cmd and app_id.encode() in cmd:
            out.append(int(d))
    return sorted(out)


def emit():
    print(RESULT_MARK_PLACEHOLDER + _sparkpp_test_json.dumps(_SPARKPP_TEST_RESULTS, default=repr), flush=True)


'''.replace("RESULT_MARK_PLACEHOLDER", repr(RESULT_MARK))


def binary():
    b = os.environ.get("SPARKPP_BIN")
    if not b:
        here = os.path.dirname(os.path.abspath(__file__))
        b = os.path.join(here, "..", "..", "build", "sparkpp")
    return os.path.abspath(b)


def job_python():
    return os.environ.get("SPARKPP_PYTHON") or DEFAULT_PYTHON


def write_job(directory, name, body, prelude=True):
    """Writes a job script (dedented body, prelude prepended) and returns its path."""
    path = os.path.join(str(directory), name)
    text = textwrap.dedent(body)
    if prelude:
        text = PRELUDE + text
    with open(path, "w") as f:
        f.write(text)
    return path


# ----------------------------------------------------------------------------- processes

def tagged_pids(tag):
    """PIDs of live (non-zombie) processes whose environment carries SPARKPP_TEST_TAG=tag."""
    needle = ("SPARKPP_TEST_TAG=" + tag).encode()
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open(f"/proc/{d}/environ", "rb") as f:
                env = f.read()
            if needle not in env.split(b"\0"):
                continue
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
            if stat[stat.rindex(")") + 2] == "Z":
                continue
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, ValueError):
            continue
        out.append((int(d), cmd))
    return out


def kill_tagged(tag):
    for pid, _ in tagged_pids(tag):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def wait_no_tagged(tag, timeout=10.0):
    """Waits until no tagged process is alive; returns the leftovers (killed) or []."""
    deadline = time.monotonic() + timeout
    while True:
        left = tagged_pids(tag)
        if not left:
            return []
        if time.monotonic() >= deadline:
            kill_tagged(tag)
            return left
        time.sleep(0.05)


# ----------------------------------------------------------------------------- submit

class JobResult:
    def __init__(self, args, returncode, stdout, stderr, timed_out, leftovers, seconds):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.timed_out = timed_out
        self.leftovers = leftovers
        self.seconds = seconds
        self.results = None
        for line in stdout.splitlines():
            if line.startswith(RESULT_MARK):
                self.results = json.loads(line[len(RESULT_MARK):])

    def describe(self):
        return (f"command: {' '.join(self.args)}\nexit code: {self.returncode}"
                f"{' (TIMED OUT)' if self.timed_out else ''} after {self.seconds:.1f}s\n"
                f"--- stdout ---\n{self.stdout[-6000:]}\n--- stderr ---\n{self.stderr[-6000:]}")

    def __repr__(self):
        return self.describe()

    def result(self, name):
        """The value `check(name, ...)` recorded; fails the test with the job's traceback
        (or its whole output if the check never ran)."""
        assert self.results is not None, "job printed no results line\n" + self.describe()
        assert name in self.results, f"check {name!r} never ran\n" + self.describe()
        r = self.results[name]
        if "error" in r:
            raise AssertionError(
                f"check {name!r} raised in the job: {r['error']}\n{r['traceback']}\n"
                f"--- job stderr (tail) ---\n{self.stderr[-3000:]}")
        return r["ok"]


def start(script, *script_args, master="local[2]", conf=None, options=(), env=None, cwd=None):
    """Starts `sparkpp submit [--conf k=v...] --master M [options] script args...` in its own
    session with a fresh SPARKPP_TEST_TAG; returns (Popen, tag, args). The caller must end it
    (submit() does) and check tagged_pids(tag) / wait_no_tagged(tag)."""
    tag = uuid.uuid4().hex
    e = dict(os.environ)
    e["SPARKPP_PYTHON"] = job_python()
    e["SPARKPP_TEST_TAG"] = tag
    e.setdefault("PYTHONHASHSEED", "0")
    if env:
        for k, v in env.items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
    args = [binary(), "submit"]
    # Job scripts may read driver state through sc._debug() (PyDebugQuery), a test-only hook.
    conf = {"spark.sparkpp.test.debugQueries": "true", **(conf or {})}
    # --conf first: the script must not directly follow a --conf value (see
    # test_conf_option_directly_before_script for that case)
    for k, v in (conf or {}).items():
        args += ["--conf", f"{k}={v}"]
    if master is not None:
        args += ["--master", master]
    args += list(options)
    if script is not None:
        args.append(str(script))
    args += [str(a) for a in script_args]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e,
                            cwd=cwd, start_new_session=True)
    return proc, tag, args


def submit(script, *script_args, master="local[2]", conf=None, options=(), env=None,
           timeout=120, cwd=None, check_leftovers=True):
    """Runs `sparkpp submit [--conf k=v...] --master M [options] script args...`; returns a
    JobResult. Never raises on job failure (assert on .returncode yourself) but fails if any
    process started by this submit is still alive afterwards."""
    t0 = time.monotonic()
    proc, tag, args = start(script, *script_args, master=master, conf=conf, options=options,
                            env=env, cwd=cwd)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        kill_tagged(tag)
        out, err = proc.communicate(timeout=30)
    seconds = time.monotonic() - t0
    leftovers = wait_no_tagged(tag) if check_leftovers else []
    res = JobResult(args, proc.returncode, out.decode(errors="replace"),
                    err.decode(errors="replace"), timed_out, leftovers, seconds)
    assert not timed_out, f"submit did not finish within {timeout}s (killed)\n" + res.describe()
    assert not leftovers, ("processes started by the submit outlived it (killed now): "
                           f"{leftovers}\n" + res.describe())
    return res


def submit_ok(script, *script_args, **kw):
    """submit() that also asserts exit code 0 and a results line."""
    res = submit(script, *script_args, **kw)
    assert res.returncode == 0, "job failed\n" + res.describe()
    assert res.results is not None, "job printed no results line\n" + res.describe()
    return res


def start_held(tmp_path, job, master="local[2]", conf=None):
    """Starts `job`, a script that writes a line about itself (its UI URL ...) to argv[1] once it
    has run and then waits for the file argv[2] before stopping its context: a live driver to
    inspect. Returns (proc, tag, that line, release); end it with finish_held."""
    from daemons import wait_until
    script = tmp_path / "job.py"
    script.write_text(job)
    info, go = tmp_path / "info", tmp_path / "go"
    proc, tag, _ = start(script, str(info), str(go), master=master, conf=conf)
    try:
        wait_until(lambda: info.exists() or proc.poll() is not None, 90, "the job to run")
    except Exception:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    assert proc.poll() is None, proc.stderr.read().decode()
    return proc, tag, info.read_text(), lambda: go.write_text("go")


def finish_held(proc, tag, release):
    """Lets a held job stop and checks it left no process behind."""
    release()
    try:
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert not wait_no_tagged(tag)
