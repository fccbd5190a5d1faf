"""sbin/ scripts as Spark's: start-all.sh starts the master and, over ssh, the workers of
$SPARKPP_CONF_DIR/workers (SPARKPP_WORKER_INSTANCES of them per machine, from sparkpp-env.sh);
pid files, a log file per daemon (rotated on restart), status, stop-all.sh. The ssh here is a
stand-in that runs the command locally (the loopback case of a one-machine workers file)."""
import json
import os
import re
import signal
import socket
import subprocess
import urllib.request
import uuid

import jobs
from daemons import wait_until

SBIN = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                     "sbin"))


def sbin(script, env, *args, ok=True):
    p = subprocess.run([os.path.join(SBIN, script), *args], capture_output=True, text=True,
                       timeout=120, env=env, stdin=subprocess.DEVNULL)
    if ok:
        assert p.returncode == 0, "%s: %s%s" % (script, p.stdout, p.stderr)
    return p


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_start_all_workers_file_pid_and_log_files(tmp_path):
    conf, logs, pids = tmp_path / "conf", tmp_path / "logs", tmp_path / "pids"
    conf.mkdir()
    (conf / "workers").write_text("# one machine\nlocalhost\n\n")
    (conf / "sparkpp-env.sh").write_text(
        "SPARKPP_WORKER_INSTANCES=2\nSPARKPP_WORKER_CORES=1\nSPARKPP_WORKER_MEMORY=512m\n")
    ssh = tmp_path / "ssh"
    ssh.write_text('#!/bin/sh\nshift  # the host\nexec /bin/bash -c "$*"\n')
    ssh.chmod(0o755)
    tag = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARKPP_", "SPARK_"))}
    env.update(SPARKPP_BIN=jobs.binary(), SPARKPP_CONF_DIR=str(conf), SPARKPP_LOG_DIR=str(logs),
               SPARKPP_PID_DIR=str(pids), SPARKPP_IDENT_STRING="t", SPARKPP_TEST_TAG=tag,
               SPARKPP_MASTER_HOST="127.0.0.1", SPARKPP_MASTER_PORT="0",
               SPARKPP_MASTER_WEBUI_PORT="0", SPARKPP_WORKER_HOST="127.0.0.1",
               SPARKPP_WORKER_WEBUI_PORT="0", SPARKPP_WORKER_DIR=str(tmp_path / "work"),
               SPARKPP_SSH=str(ssh), SPARKPP_SSH_OPTS="")
    master_log = logs / ("sparkpp-t-master-1-%s.out" % socket.gethostname())
    try:
        p = sbin("start-all.sh", env)
        out = p.stdout
        assert p.stderr == "", p.stderr  # no noise while waiting for the daemons
        assert "starting sparkpp master, logging to %s" % master_log in out, out
        assert out.count("localhost: sparkpp worker listening: ") == 2, out
        started = {f: int((pids / f).read_text()) for f in os.listdir(pids)}
        assert sorted(started) == ["sparkpp-t-master-1.pid", "sparkpp-t-worker-1.pid",
                                   "sparkpp-t-worker-2.pid"]
        webui = int(re.search(r"webui_port=(\d+)", master_log.read_text()).group(1))

        def state():
            with urllib.request.urlopen("http://127.0.0.1:%d/json" % webui, timeout=5) as r:
                return json.loads(r.read().decode())
        wait_until(lambda: state()["aliveworkers"] == 2, 20, "both workers ALIVE")
        assert [w["cores"] for w in state()["workers"]] == [1, 1]
        with urllib.request.urlopen("http://127.0.0.1:%d/health" % webui, timeout=5) as r:
            assert (r.status, json.loads(r.read().decode())) == \
                (200, {"alive": True, "status": "ALIVE"})

        again = sbin("start-master.sh", env, ok=False)
        assert again.returncode == 1
        assert again.stdout == "sparkpp master running as process %d.  Stop it first.\n" % \
            started["sparkpp-t-master-1.pid"]
        assert sbin("sparkpp-daemon.sh", env, "status", "worker", "2").stdout == \
            "sparkpp worker is running (pid %d).\n" % started["sparkpp-t-worker-2.pid"]

        out = sbin("stop-all.sh", env).stdout
        assert out.count("localhost: stopping sparkpp worker") == 2, out
        assert "stopping sparkpp master" in out
        wait_until(lambda: not any(alive(p) for p in started.values()), 20, "the daemons to exit")
        assert os.listdir(pids) == []
        assert sbin("sparkpp-daemon.sh", env, "status", "master", "1", ok=False).returncode == 1

        # A restart rotates the log: the previous run's is .out.1.
        sbin("start-master.sh", env)
        assert "listening" in (logs / (master_log.name + ".1")).read_text()
        assert "stopping sparkpp master" in sbin("stop-master.sh", env).stdout
        assert sbin("stop-master.sh", env).stdout == "no sparkpp master to stop\n"
    finally:
        for f in os.listdir(pids) if pids.exists() else ():
            try:
                os.kill(int((pids / f).read_text()), signal.SIGKILL)
            except (ValueError, OSError):
                pass
        jobs.kill_tagged(tag)


def test_failed_start_shows_the_log(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARKPP_", "SPARK_"))}
    env.update(SPARKPP_BIN=jobs.binary(), SPARKPP_CONF_DIR=str(tmp_path),
               SPARKPP_LOG_DIR=str(tmp_path / "logs"), SPARKPP_PID_DIR=str(tmp_path / "pids"))
    p = sbin("start-master.sh", env, "--conf", "spark.worker.timeout=soon", ok=False)
    assert p.returncode == 1
    assert "failed to launch: sparkpp master" in p.stderr and "spark.worker.timeout" in p.stderr, \
        p.stderr
    assert os.listdir(tmp_path / "pids") == []
