"""Driver-side pieces: gateway handshake and request matching, SparkConf defaults, lineage
messages, StatCounter, portable_hash, Row and SparkSession."""
import json
import math
import os
import socket
import threading
import time

import pytest

from sparkpp import SparkConf, SparkContext, StatCounter, _wire
from sparkpp._gateway import Gateway
from sparkpp.errors import BadRequestError, GatewayError, SparkJobError
from sparkpp.rdd import portable_hash
from sparkpp.sql import Row, SparkSession


class FakeDriverServer:
    """A TCP server playing the C++ driver's side of the pydriver link, scripted by `handler`."""

    def __init__(self, handler, secret="s3cret"):
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.port = self.srv.getsockname()[1]
        self.secret = secret
        self.handler = handler
        self.seen = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        conn, _ = self.srv.accept()
        ch = _wire.Channel(conn)
        op, body, _ = ch.recv()
        self.seen.append((op, body))
        if op != "Hello" or body["secret"] != self.secret or body["role"] != "pydriver":
            ch.close()
            return
        ch.send("HelloAck", {"role": "driver", "proto": _wire.PROTOCOL_VERSION, "name": "drv"})
        while True:
            try:
                op, body, blobs = ch.recv()
            except _wire.ConnectionClosed:
                return
            self.seen.append((op, body))
            reply = self.handler(op, body, blobs)
            if reply is None:
                ch.close()
                return
            ch.send(*reply)



def _pkg():
    # The Python package's directory (as tests/python/conftest.py puts it on sys.path): not
    # `from conftest import PKG`, which names tests/cluster's conftest when the suites share a run.
    return os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src", "pyworker")

def test_gateway_handshake_and_requests():
    def handler(op, body, blobs):
        if body["method"] == "boom":
            return "PyError", {"req": body["req"], "kind": "job_failed", "message": "Boom!"}
        if body["method"] == "bad":
            return "PyError", {"req": body["req"], "kind": "bad_request", "message": "nope"}
        return "PyReply", {"req": body["req"], "value": {"echo": body["args"]}}
    srv = FakeDriverServer(handler)
    gw = Gateway(srv.port, "s3cret")
    op, body, _ = gw.request("PyCall", {"method": "x", "args": [1]})
    assert op == "PyReply" and body["value"] == {"echo": [1]} and body["req"] == 1
    with pytest.raises(SparkJobError, match="Boom!"):
        gw.request("PyCall", {"method": "boom", "args": {}})
    with pytest.raises(BadRequestError, match="nope"):
        gw.request("PyCall", {"method": "bad", "args": {}})
    assert [b["req"] for o, b in srv.seen[1:]] == [1, 2, 3]
    gw.close()


def test_gateway_wrong_secret_and_lost_connection():
    srv = FakeDriverServer(lambda *a: None)
    with pytest.raises(GatewayError, match="refused"):
        Gateway(srv.port, "wrong")
    srv = FakeDriverServer(lambda *a: None)
    gw = Gateway(srv.port, "s3cret")
    with pytest.raises(GatewayError, match="lost the connection"):
        gw.request("PyCall", {"method": "x", "args": {}})


def test_gateway_ctrl_c_during_a_job_cancels_it_and_keeps_the_link():
    # Ctrl-C while waiting for PyRunJob: KeyboardInterrupt, PyCancelJobs{all} is sent, the job's
    # late PyError is dropped, and the next request gets its own reply.
    import os
    import signal
    pending = {}

    def handler(op, body, blobs):
        if op == "PyRunJob":
            pending["job"] = body["req"]
            threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start()
            return "PyNothing", {"req": -1}
        if op == "PyCancelJobs":
            assert body["scope"] == "all"
            return "PyError", {"req": pending["job"], "kind": "job_failed", "message": "cancelled"}
        return "PyReply", {"req": body["req"], "value": op}
    srv = FakeDriverServer(handler)
    gw = Gateway(srv.port, "s3cret")
    with pytest.raises(KeyboardInterrupt):
        gw.request("PyRunJob", {"rdd": 1})
    op, body, _ = gw.request("PyCall", {})
    assert (op, body["value"]) == ("PyReply", "PyCall")
    assert [o for o, _ in srv.seen[1:]] == ["PyRunJob", "PyCancelJobs", "PyCall"]
    gw.close()


def test_gateway_ctrl_c_whose_signal_misses_the_main_threads_wait():
    # The kernel-like loop's hang: the SIGINT came while the main thread was not in an
    # interruptible wait (woken by another thread's reply, on its way back to sleep), so
    # Python's C handler only tripped its flag, and an unbounded lock wait slept on until the
    # job ended. Made deterministic: the main thread blocks SIGINT, so the kernel hands the
    # signal to another thread (the flag is tripped; the main thread's futex wait is not
    # interrupted). The KeyboardInterrupt must still come at once, and the job be cancelled.
    import os
    import signal
    import time
    pending = {}

    def handler(op, body, blobs):
        if op == "PyRunJob":
            pending["job"] = body["req"]
            return "PyNothing", {"req": -1}
        if op == "PyCancelJobs":
            return "PyError", {"req": pending["job"], "kind": "job_failed", "message": "cancelled"}
        return "PyReply", {"req": body["req"], "value": op}
    srv = FakeDriverServer(handler)
    gw = Gateway(srv.port, "s3cret")

    def ctrl_c():
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        time.sleep(0.2)
        os.kill(os.getpid(), signal.SIGINT)
    guard = threading.Timer(10, gw._fail, ("test guard: no KeyboardInterrupt",))  # bounds a hang
    guard.start()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        threading.Thread(target=ctrl_c, daemon=True).start()
        t0 = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            gw.request("PyRunJob", {"rdd": 1})
        took = time.monotonic() - t0
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
        guard.cancel()
    assert took < 3, took
    op, body, _ = gw.request("PyCall", {})
    assert (op, body["value"]) == ("PyReply", "PyCall")
    assert [o for o, _ in srv.seen[1:]] == ["PyRunJob", "PyCancelJobs", "PyCall"]
    gw.close()


def _one_reply_server(op, body):
    """Accepts one connection, reads its Hello, answers `op`/`body` and closes."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def run():
        conn, _ = srv.accept()
        ch = _wire.Channel(conn)
        ch.recv()
        ch.sock.sendall(b"".join(_wire.encode_message(op, body)))
        conn.close()
        srv.close()
    threading.Thread(target=run, daemon=True).start()
    return srv.getsockname()[1]


def test_gateway_names_both_versions_when_the_driver_is_another_build():
    # A driver of another protocol version refuses (or acknowledges at its own version): the
    # user is told both versions and both builds, not "bad message".
    port = _one_reply_server("HelloRefused", {"reason": "x", "proto": 1, "build": "sparkpp 0.0.1 (old)"})
    with pytest.raises(GatewayError) as e:
        Gateway(port, "s3cret")
    assert "peer speaks protocol 1 (sparkpp 0.0.1 (old))" in str(e.value)
    assert "this process speaks protocol %d (%s)" % (_wire.PROTOCOL_VERSION, _wire.build_id()) in str(e.value)
    port = _one_reply_server("HelloAck", {"role": "driver", "proto": 99, "build": "sparkpp 9 (new)"})
    with pytest.raises(GatewayError, match=r"peer speaks protocol 99 \(sparkpp 9 \(new\)\)"):
        Gateway(port, "s3cret")


def test_no_driver_port_explains_submit(monkeypatch):
    monkeypatch.delenv("SPARKPP_DRIVER_PORT", raising=False)
    with pytest.raises(RuntimeError, match="sparkpp submit"):
        Gateway.from_env()


def test_sparkconf_defaults_from_env(monkeypatch):
    monkeypatch.setenv("SPARKPP_CONF", json.dumps({"spark.master": "local[2]",
                                                   "spark.app.name": "fromenv",
                                                   "spark.x": 3}))
    conf = SparkConf()
    assert conf.get("spark.master") == "local[2]" and conf.get("spark.x") == "3"
    conf.setAppName("code").set("spark.y", True)
    assert conf.get("spark.app.name") == "code" and conf.get("spark.y") == "True"
    assert SparkConf(loadDefaults=False).getAll() == []
    assert conf.setIfMissing("spark.master", "yarn").get("spark.master") == "local[2]"
    conf.setExecutorEnv("A", "1").setExecutorEnv(pairs=[("B", "2")])
    assert conf.get("spark.executorEnv.B") == "2" and conf.contains("spark.executorEnv.A")
    with pytest.raises(ValueError):
        conf.setExecutorEnv()
    assert conf.toDebugString().splitlines()[0] == "spark.app.name=code"


def test_context_merges_env_and_code_conf(monkeypatch, gateway):
    monkeypatch.setenv("SPARKPP_CONF", json.dumps({"spark.master": "local[2]",
                                                   "spark.app.name": "fromenv"}))
    sc = SparkContext(appName="code", gateway=gateway)
    try:
        sent = gateway.sent("PyCreateContext")[0]["conf"]
        assert sent["spark.master"] == "local[2]" and sent["spark.app.name"] == "code"
        assert sc.appName == "code"
    finally:
        sc.stop()


def test_lineage_messages(sc, gateway):
    a = sc.parallelize([1, 2, 3, 4, 5], 2)
    m = a.map(lambda x: x + 1).filter(lambda x: x > 2)
    u = m.union(a)
    z = u.zip(u)
    c = z.coalesce(1)
    assert gateway.sent("PyDefineRdd") == []  # lazy: nothing sent before an action
    assert c.getNumPartitions() == 1
    assert gateway.sent("PyDefineRdd") == []
    out = c.collect()
    assert out == [(x, x) for x in [3, 4, 5, 6, 1, 2, 3, 4, 5]]
    defs = gateway.sent("PyDefineRdd")
    # as PySpark: union re-serializes the batched parallelize side (an identity map), zip both
    # auto-batched sides (the ids show it; RDD ids count from 0 in each context)
    assert [d["kind"] for d in defs] == ["parallelize", "python", "python", "union", "python",
                                         "python", "zip", "coalesce"]
    ids = [d["id"] for d in defs]
    assert ids == list(range(ids[0], ids[0] + 8))
    pdef = defs[0]
    site = pdef["args"].pop("callsite")  # where the program created it (UI names, issue #19)
    assert site.startswith("parallelize at ") and site.split(":")[0].endswith("test_driver_side.py")
    assert pdef["args"] == {"batches": [1, 2]} and pdef["num_partitions"] == 2
    assert [r[2] for r in gateway.requests if r[0] == "PyDefineRdd"] == [3, 1, 1, 0, 1, 1, 0, 0]
    assert defs[1]["parents"] == [a.id()] and {k: v for k, v in defs[1]["args"].items() if k != "callsite"} == {"preserves_partitioning": False, "broadcasts": []}
    assert defs[3]["parents"] == [m.id(), ids[2]] and defs[3]["num_partitions"] == 4
    assert defs[7]["num_partitions"] == 1
    job = gateway.sent("PyRunJob")[-1]
    assert job["rdd"] == c.id() and job["partitions"] == [] and job["sink"] == {"kind": "result"}
    assert "collect at" in job["description"] and "test_driver_side.py" in job["description"]
    # defining again reuses what was sent
    n = len(defs)
    c.count()
    kinds = [d["kind"] for d in gateway.sent("PyDefineRdd")[n:]]
    assert kinds == ["python"]


def test_text_file_node(sc, gateway, tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("x\n")
    rdd = sc.textFile("%s,%s" % (p, p), minPartitions=3)
    assert rdd.count() == 2
    d = gateway.sent("PyDefineRdd")[0]
    assert d["args"].pop("callsite").startswith("textFile at ")
    assert d["args"].pop("name") == "%s,%s" % (p, p)  # PySpark names it after its paths
    assert d["kind"] == "text_file" and d["args"] == {"paths": [str(p), str(p)],
                                                      "min_partitions": 3}
    sc.parallelize(["a"]).saveAsTextFile("file://" + str(tmp_path / "o"))
    assert gateway.sent("PyRunJob")[-1]["sink"] == {"kind": "text", "path": str(tmp_path / "o")}


def test_statcounter():
    s = StatCounter([1, 2, 3, 4])
    t = StatCounter([10, 20])
    u = StatCounter()
    u.mergeStats(s).mergeStats(t)
    allv = [1, 2, 3, 4, 10, 20]
    mean = sum(allv) / 6
    assert u.count() == 6 and u.mean() == pytest.approx(mean)
    assert u.variance() == pytest.approx(sum((x - mean) ** 2 for x in allv) / 6)
    assert u.max() == 20.0 and u.min() == 1.0 and u.sum() == pytest.approx(40)
    assert math.isnan(StatCounter().variance()) and math.isnan(StatCounter([1]).sampleVariance())
    s.mergeStats(s)
    assert s.count() == 8
    assert repr(StatCounter([1, 3])) == "(count: 2, mean: 2.0, stdev: 1.0, max: 3.0, min: 1.0)"
    assert StatCounter([1, 3]).asDict()["variance"] == 2.0
    with pytest.raises(TypeError):
        s.mergeStats(1)


def test_portable_hash():
    assert portable_hash(None) == 0
    assert portable_hash(5) == 5
    assert portable_hash(()) == 0x345678 ^ 0
    h = 0x345678
    for i in (1, 2):
        h = ((h ^ i) * 1000003) & 0x7FFFFFFFFFFFFFFF
    assert portable_hash((1, 2)) == h ^ 2


def test_row():
    r = Row(name="Alice", age=11)
    assert r.name == "Alice" and r["age"] == 11 and r[0] == "Alice"
    assert r.asDict() == {"name": "Alice", "age": 11} and "name" in r
    assert repr(r) == "Row(name='Alice', age=11)"
    assert r == ("Alice", 11)
    Person = Row("name", "age")
    assert Person("Bob", 3) == Row(name="Bob", age=3) and Person("Bob", 3).age == 3
    assert repr(Row(1, 2)) == "<Row(1, 2)>"
    with pytest.raises(AttributeError):
        r.missing
    with pytest.raises(RuntimeError):
        r.x = 1
    nested = Row(a=Row(b=1), c=[Row(d=2)])
    assert nested.asDict(True) == {"a": {"b": 1}, "c": [{"d": 2}]}


def test_spark_session(gateway, tmp_path):
    import sparkpp.context as ctxmod
    ctxmod._shared_gateway = gateway
    try:
        spark = SparkSession.builder.master("local[2]").appName("sess").config("k", "v") \
            .getOrCreate()
        assert SparkSession.builder.getOrCreate() is spark
        assert spark.sparkContext.appName == "sess" and spark.conf.get("k") == "v"
        p = tmp_path / "t.txt"
        p.write_text("l1\nl2\n")
        df = spark.read.text(str(p))
        assert df.columns == ["value"] and repr(df) == "DataFrame[value: string]"
        assert df.rdd.collect() == [Row(value="l1"), Row(value="l2")]
        assert df.count() == 2 and df.first().value == "l1"
        # createDataFrame rows run on the native engine, which this fake driver does not
        # have (tests/integration/test_sql_local.py runs them on the real one).
        spark.stop()
        assert SparkContext._active_spark_context is None
    finally:
        ctxmod._shared_gateway = None


def test_import_without_cloudpickle_explains(tmp_path):
    import os
    import subprocess
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    pkg = os.path.join(os.path.dirname(os.path.dirname(here)), "src", "pyworker")
    code = ("import sys; sys.modules['cloudpickle'] = None; sys.path.insert(0, %r); "
            "import pyspark" % pkg)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode != 0
    assert "sparkpp needs cloudpickle in the Python that runs the driver" in p.stderr
    assert "apt install python3-cloudpickle" in p.stderr


def test_gateway_concurrent_requests_replies_out_of_order():
    class Server(FakeDriverServer):
        def _run(self):
            conn, _ = self.srv.accept()
            ch = _wire.Channel(conn)
            ch.recv()
            ch.send("HelloAck", {"role": "driver", "proto": _wire.PROTOCOL_VERSION, "name": "drv"})
            op, slow, _ = ch.recv()
            op, fast, _ = ch.recv()
            ch.send("PyReply", {"req": fast["req"], "value": fast["method"]})
            ch.send("PyReply", {"req": slow["req"], "value": slow["method"]})
            try:
                ch.recv()
            except _wire.ConnectionClosed:
                pass

    srv = Server(lambda *a: None)
    gw = Gateway(srv.port, "s3cret")
    results = {}

    def call(name):
        results[name] = gw.request("PyCall", {"method": name, "args": {}})[1]["value"]
    t1 = threading.Thread(target=call, args=("slow",))
    t1.start()
    while gw._req < 1:
        time.sleep(0.001)
    t2 = threading.Thread(target=call, args=("fast",))
    t2.start()
    t1.join(5)
    t2.join(5)
    assert results == {"slow": "slow", "fast": "fast"}
    gw.close()


def test_context_cleaner_forgets_dropped_rdds_and_broadcasts(sc, gateway):
    """ContextCleaner: an RDD the program dropped (and the ancestors only it referenced) and a
    dropped broadcast are released with the next job; live ones are not."""
    import gc
    keep = sc.parallelize(range(4), 2)
    b = sc.broadcast([1, 2])
    shuffled = keep.map(lambda x: (x % 2, x + b.value[0])).reduceByKey(lambda a, c: a + c)
    assert sorted(shuffled.collect()) == [(0, 4), (1, 6)]
    dropped = {r._id for r in (shuffled, shuffled._parents[0], shuffled._parents[0]._parents[0])}
    bid = b.id
    del shuffled, b
    gc.collect()
    assert keep.count() == 4  # the next job sends what was collected first
    forgot = [x for body in gateway.sent("PyForgetRdds") for x in body["rdds"]]
    assert set(forgot) == dropped and keep._id not in forgot
    assert {"id": bid, "destroy": True} in [
        {k: v for k, v in c.items() if k != "req"} for o, c in gateway.calls
        if o == "PyUnpersistBroadcast"]
    assert keep.sum() == 6  # the kept lineage still runs


def test_no_temp_dirs_left_behind():
    # issue #19: the suite left sparkpp-fake-bcast-* dirs in /tmp; a context's pyspark-* temp
    # dir (Broadcast._path writes there) goes with stop()
    from fakedriver import FakeGateway
    from sparkpp import SparkContext
    gw = FakeGateway(default_parallelism=2)
    ctx = SparkContext(master="local[2]", appName="tmpdirs", gateway=gw)
    b = ctx.broadcast([5])
    assert ctx.parallelize([1, 2], 2).map(lambda x: x + b.value[0]).collect() == [6, 7]
    path = b._path
    assert os.path.isfile(path)
    dirs = [gw.broadcast_dir, ctx._temp_dir]
    assert all(os.path.isdir(d) for d in dirs)
    ctx.stop()
    gw.close()
    assert not any(os.path.exists(d) for d in dirs + [path])


def test_pyspark_alias_loads_the_sql_side_on_first_use():
    # `import pyspark` (every RDD program) leaves sparkpp.sql unloaded (~30 ms of the driver's
    # start, ~4 MiB); its first use registers every pyspark.sql name as the sparkpp module.
    import subprocess
    import sys
    PKG = _pkg()
    script = r'''
import sys
import pyspark
from pyspark import SparkContext, RDD, StorageLevel
assert "sparkpp.sql" not in sys.modules and "pyspark.sql" not in sys.modules
assert pyspark.rdd is sys.modules["sparkpp.rdd"] is sys.modules["pyspark.rdd"]
from pyspark.errors.exceptions.captured import AnalysisException
from pyspark.sql import SparkSession, functions as F
assert pyspark.sql is sys.modules["sparkpp.sql"] is sys.modules["pyspark.sql"]
assert F is sys.modules["sparkpp.sql.functions"] is sys.modules["pyspark.sql.functions"]
import pyspark.sql.types as T
assert T is sys.modules["sparkpp.sql.types"] and T.Row is pyspark.Row is pyspark.sql.Row
from pyspark.sql.pandas.functions import pandas_udf
assert pandas_udf is sys.modules["sparkpp.sql.pandas_udf"].pandas_udf
assert [m for m in sys.modules if m.startswith("pyspark.sql") and
        sys.modules[m].__name__.startswith("pyspark")] == []  # no second copy of a module
print("OK")
'''
    p = subprocess.run([sys.executable, "-c", script], env=dict(os.environ, PYTHONPATH=PKG),
                       capture_output=True, text=True, timeout=60)
    assert p.stdout.strip() == "OK", p.stderr
    # pyspark.Row without importing pyspark.sql first; star import as PySpark's
    p = subprocess.run([sys.executable, "-c", "import pyspark; print(pyspark.Row(a=1)); "
                        "from pyspark import *; print(SparkSession.__name__)"],
                       env=dict(os.environ, PYTHONPATH=PKG), capture_output=True, text=True, timeout=60)
    assert p.stdout.split() == ["Row(a=1)", "SparkSession"], p.stderr


def test_driver_start_loads_no_subprocess_shutil_or_idna():
    # Under `sparkpp submit` the driver connects to a runtime that already runs: no subprocess
    # (Gateway.launch only), no shutil (find_binary only), no "idna" codec (a str host given to
    # getaddrinfo), no `uname -p` child for the environment page's platform string (~30 ms of
    # every SparkContext's start in all).
    import platform
    import subprocess
    import sys
    PKG = _pkg()
    from sparkpp.context import _platform_string
    assert _platform_string(platform) == platform.platform()
    script = r'''
import socket, sys, threading
sys.path[:0] = [%r]
from sparkpp import _wire
from sparkpp._gateway import Gateway
from sparkpp.context import _runtime_info
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
def serve():  # FakeDriverServer's part, without importing pytest (which loads both modules)
    ch = _wire.Channel(srv.accept()[0])
    ch.recv()
    ch.send("HelloAck", {"role": "driver", "proto": _wire.PROTOCOL_VERSION, "name": "drv"})
    op, body, _ = ch.recv()
    ch.send("PyReply", {"req": body["req"], "value": 1})
threading.Thread(target=serve, daemon=True).start()
gw = Gateway(srv.getsockname()[1], "s3cret")
assert gw.request("PyCall", {"method": "x", "args": []})[1]["value"] == 1
info = _runtime_info()
gw.close()
print(sorted(m for m in ("subprocess", "shutil", "encodings.idna") if m in sys.modules))
''' % PKG
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert p.stdout.strip() == "[]", (p.stdout, p.stderr)
