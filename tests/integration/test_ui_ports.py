"""Web UI ports are exclusive: a second server never shares a port that is in use (Debian's
cpp-httplib binds with SO_REUSEPORT by default, which made two drivers on 4040 split each
other's requests). A second driver moves to the next port, as Spark does; a second master with
the same --webui-port fails with a clear error."""
import json
import os
import socket
import subprocess
import time
import urllib.request

from daemons import binary, start_master
from jobs import job_python, write_job

HOLD_UI = r'''
import json, os, sys, time, urllib.request
from pyspark import SparkConf, SparkContext
ready, go = sys.argv[1], sys.argv[2]
sc = SparkContext(conf=SparkConf().setAppName(os.path.basename(ready)))
apps = json.load(urllib.request.urlopen(sc.uiWebUrl + "/api/v1/applications"))
with open(ready + ".tmp", "w") as f:
    json.dump({"url": sc.uiWebUrl, "id": sc.applicationId, "rest_ids": [a["id"] for a in apps]}, f)
os.rename(ready + ".tmp", ready)
while not os.path.exists(go):
    time.sleep(0.05)
sc.stop()
'''


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def test_two_drivers_on_the_same_ui_port_get_different_ports(tmp_path):
    script = write_job(tmp_path, "hold.py", HOLD_UI, prelude=False)
    port = _free_port()
    go = str(tmp_path / "go")
    procs = []
    try:
        readies = []
        for name in ("first", "second"):
            ready = str(tmp_path / name)
            readies.append(ready)
            procs.append(subprocess.Popen(
                [binary(), "submit", "--master", "local[1]", "--conf", f"spark.ui.port={port}", script, ready, go],
                env=dict(os.environ, SPARKPP_PYTHON=job_python()), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                start_new_session=True))
            deadline = time.monotonic() + 60
            while not os.path.exists(ready):
                assert procs[-1].poll() is None, procs[-1].communicate()
                assert time.monotonic() < deadline, "driver did not start"
                time.sleep(0.05)
        info = [json.load(open(r)) for r in readies]
        ports = [int(i["url"].rsplit(":", 1)[1]) for i in info]
        # Spark retries port+1, port+2, … (spark.port.maxRetries): the next *free* one — port+1
        # may already be an ephemeral port of the first driver's own sockets.
        assert ports[0] == port and port < ports[1] <= port + 16, ports
        for i in info:
            assert i["rest_ids"] == [i["id"]]
            # Every request to each port reaches its own driver.
            for _ in range(20):
                apps = json.load(urllib.request.urlopen(i["url"].replace(i["url"].split("//")[1].split(":")[0], "127.0.0.1")
                                                        + "/api/v1/applications"))
                assert [a["id"] for a in apps] == [i["id"]]
        open(go, "w").close()
        for p in procs:
            p.communicate(timeout=60)
            assert p.returncode == 0
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, 9)
                p.wait(10)


def test_second_master_on_a_used_webui_port_fails_clearly(tmp_path):
    m = start_master(tmp_path)
    try:
        r = subprocess.run([binary(), "master", "--host", "127.0.0.1", "--port", "0", "--webui-port", str(m.webui_port)],
                           capture_output=True, timeout=30)
        assert r.returncode != 0
        assert f"cannot bind web UI on 127.0.0.1:{m.webui_port}" in r.stderr.decode()
    finally:
        m.cleanup()
