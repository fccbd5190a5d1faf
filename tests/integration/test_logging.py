"""The logging configuration file (conf/log.properties, Spark's log4j2.properties): the root and
per-component levels for every process, a daemon's own log file with size rotation, errors for
unknown keys and levels."""
import os
import signal
import socket
import subprocess

from daemons import binary, wait_until
import jobs


def start_master(tmp_path, env):
    proc = subprocess.Popen([binary(), "master", "--host", "127.0.0.1", "--port", "0", "--webui-port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env=env, cwd=tmp_path, start_new_session=True)
    line = proc.stdout.readline().decode()
    assert "sparkpp master listening:" in line, proc.stderr.read().decode() if proc.poll() is not None else line
    return proc, int(line.split(" port=")[1].split()[0])


def test_levels_per_component_and_a_rotated_daemon_log_file(tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "log.properties").write_text(
        "# as conf/log.properties.template\n"
        "rootLogger.level = warn\n"
        "logger.m.name = master\n"
        "logger.m.level = info\n"
        "appender.file.enabled = true\n"
        "appender.file.maxSize = 2k\n"
        "appender.file.maxFiles = 2\n")
    logs = tmp_path / "logs"
    env = dict(os.environ, SPARKPP_CONF_DIR=str(conf), SPARKPP_LOG_DIR=str(logs), SPARKPP_IDENT_STRING="tester")
    env.pop("SPARKPP_LOG_CONF", None)
    proc, port = start_master(tmp_path, env)
    try:
        path = logs / ("sparkpp-tester-master-1-%s.log" % socket.gethostname())
        wait_until(lambda: "master at spark://127.0.0.1:%d" % port in path.read_text(), 10, "the master's log file")
        # Connections that never say Hello are logged (master, INFO) as they are dropped: enough
        # of them rotate the file.
        for _ in range(40):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"\0\0\0\5Jjunk")
            s.close()
        wait_until(lambda: (logs / (path.name + ".2")).exists(), 20, "two rotations")
        assert not (logs / (path.name + ".3")).exists()  # maxFiles = 2
        assert os.path.getsize(path) <= 2048 and os.path.getsize(str(path) + ".1") <= 2048
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    err = err.decode()
    assert " INFO master: " in err          # its own level: info
    assert " INFO net: " not in err         # the root's: warn


def test_root_level_reaches_submit_and_bad_files_are_errors(tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "log.properties").write_text("rootLogger.level = INFO\n")
    script = jobs.write_job(tmp_path, "j.py", "from pyspark import SparkContext\n"
                                              "print('n', SparkContext().parallelize(range(3)).count())\n",
                            prelude=False)
    res = jobs.submit(script, master="local[1]", env={"SPARKPP_CONF_DIR": str(conf), "SPARKPP_LOG_LEVEL": None,
                                                      "SPARKPP_LOG_CONF": None})
    assert res.returncode == 0 and "n 3" in res.stdout, res.describe()
    assert " INFO driver: " in res.stderr, res.stderr  # the default for drivers is WARN
    (conf / "log.properties").write_text("rootLogger.level = loud\n")
    p = subprocess.run([binary(), "master", "--port", "0", "--webui-port", "0"], capture_output=True, text=True,
                       timeout=30, env=dict(os.environ, SPARKPP_CONF_DIR=str(conf)), cwd=tmp_path)
    assert p.returncode == 1
    assert p.stderr.strip() == ("sparkpp: error: %s/log.properties: rootLogger.level: unknown level 'loud' "
                                "(DEBUG, INFO, WARN, ERROR, OFF)" % conf)
    alt = tmp_path / "other.properties"
    alt.write_text("logger.net.levle = info\n")
    p = subprocess.run([binary(), "submit", str(script)], capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, SPARKPP_LOG_CONF=str(alt)), cwd=tmp_path)
    assert p.returncode == 1 and "unknown key 'logger.net.levle'" in p.stderr, p.stderr
