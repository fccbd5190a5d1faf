"""Web UIs and REST over HTTPS (spark.ssl.*, issue 12): with a PEM certificate chain and private
key the master's and workers' UIs (spark.ssl.standalone.* or spark.ssl.*) and an application's UI
and REST API (spark.ssl.ui.*) answer over TLS only, advertise https:// URLs, and a server
enabled without its files refuses to start instead of falling back to plain HTTP."""
import json
import os
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest

import daemons
import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")


@pytest.fixture
def cert(tmp_path):
    key, crt = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(crt),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    os.chmod(key, 0o600)
    return crt, key


def _ctx(crt):
    ctx = ssl.create_default_context(cafile=str(crt))  # verifies the chain against our certificate
    ctx.check_hostname = False  # advertised hosts may be this machine's address, not 127.0.0.1
    return ctx


def _get(url, ctx=None):
    with urllib.request.urlopen(url, timeout=10, context=ctx) as r:
        return r.status, r.read().decode()


def test_master_and_worker_uis_over_https(tmp_path, cert):
    crt, key = cert
    tls = {"spark.ssl.enabled": "true", "spark.ssl.certChain": str(crt), "spark.ssl.privateKey": str(key)}
    with daemons.Cluster(tmp_path) as c:
        m = c.start_master(conf=tls)
        w = c.start_worker(m.url, cores=1, memory="512m", conf=tls)
        base = f"https://127.0.0.1:{m.webui_port}"
        daemons.wait_until(lambda: json.loads(_get(base + "/json", _ctx(crt))[1])["aliveworkers"] == 1,
                           what="the worker over HTTPS")
        doc = json.loads(_get(base + "/json", _ctx(crt))[1])
        assert doc["workers"][0]["webuiaddress"].startswith("https://"), doc["workers"][0]
        status, page = _get(base + "/", _ctx(crt))
        assert status == 200 and "<html" in page.lower()
        assert _get(f"https://127.0.0.1:{w.webui_port}/json", _ctx(crt))[0] == 200
        # Plain HTTP gets no page; a client that does not trust the certificate is refused.
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            _get(f"http://127.0.0.1:{m.webui_port}/json")
        with pytest.raises(urllib.error.URLError):
            _get(base + "/json", ssl.create_default_context())


def test_enabled_without_files_refuses_to_start(tmp_path, cert):
    with pytest.raises(RuntimeError, match="certChain"):
        daemons.start_master(tmp_path, conf={"spark.ssl.standalone.enabled": "true"})
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    with pytest.raises(RuntimeError, match="TLS"):
        daemons.start_master(tmp_path, conf={"spark.ssl.enabled": "true", "spark.ssl.certChain": str(junk),
                                             "spark.ssl.privateKey": str(junk)}, name="master-junk")


JOB = r'''
import json, os, ssl, urllib.request
from pyspark import SparkContext
sc = SparkContext(appName="tls-ui")
ctx = ssl.create_default_context(cafile=os.environ["CERT"])
ctx.check_hostname = False
url = sc.uiWebUrl
check("scheme", lambda: url.split(":")[0])
check("count", lambda: sc.parallelize(range(10), 2).count())
check("apps", lambda: [a["name"] for a in json.loads(
    urllib.request.urlopen(url + "/api/v1/applications", context=ctx, timeout=10).read())])
check("plain", lambda: first_error(lambda: urllib.request.urlopen(
    url.replace("https://", "http://") + "/api/v1/applications", timeout=10).read()))
emit()
sc.stop()
'''


def test_application_ui_over_https(tmp_path, cert):
    crt, key = cert
    script = jobs.write_job(tmp_path, "tls.py", JOB)
    res = jobs.submit_ok(script, master="local[1]", env={"CERT": str(crt)},
                         conf={"spark.ui.port": "0", "spark.ssl.ui.enabled": "true",
                               "spark.ssl.ui.certChain": str(crt), "spark.ssl.ui.privateKey": str(key)})
    assert res.result("scheme") == "https"
    assert res.result("count") == 10
    assert res.result("apps") == ["tls-ui"]
    assert res.result("plain") != "no error"


def test_history_server_over_https_from_its_properties_file(tmp_path, cert):
    """The history server reads --properties-file / --conf like the other daemons: TLS from
    spark.ssl.historyServer.* (Spark's namespace for it), the directory and port from
    spark.history.fs.logDirectory / spark.history.ui.port; enabled without its files, it refuses to start."""
    crt, key = cert
    events = tmp_path / "events"
    events.mkdir()
    props = tmp_path / "history.conf"
    props.write_text(f"spark.ssl.historyServer.enabled true\nspark.ssl.historyServer.certChain {crt}\n"
                     f"spark.ssl.historyServer.privateKey {key}\nspark.history.fs.logDirectory {events}\n"
                     "spark.history.ui.port 0\n")
    h = subprocess.Popen([jobs.binary(), "history", "--host", "127.0.0.1", "--properties-file", str(props)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = h.stdout.readline().decode()
        assert "sparkpp history listening: url=https://" in line, line + h.stderr.read().decode()
        port = int(line.rsplit("port=", 1)[1])
        assert _get(f"https://127.0.0.1:{port}/api/v1/applications", _ctx(crt)) == (200, "[]")
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            _get(f"http://127.0.0.1:{port}/api/v1/applications")
    finally:
        h.kill()
        h.wait()
    bad = subprocess.run([jobs.binary(), "history", "--dir", str(events), "--port", "0",
                          "--conf", "spark.ssl.historyServer.enabled=true"], capture_output=True, timeout=30)
    assert bad.returncode == 1 and b"historyServer" in bad.stderr, bad.stderr
