"""spark-submit's flags (--files, --archives, --driver-memory, --verbose, refusals), the defaults
file found through SPARKPP_CONF_DIR with Spark's precedence (code > flags > file), SparkFiles
on local and cluster executors, and the `sparkpp pyspark` shell."""
import os
import subprocess
import tarfile
import zipfile

import pytest

from daemons import Cluster, wait_until
import jobs

FILES_JOB = r'''
import os, sys
from pyspark import SparkContext, SparkConf, SparkFiles

sc = SparkContext(conf=SparkConf().set("spark.executor.memory", "800m"))
extra = sys.argv[1]


def read(_):
    import os
    from pyspark import SparkFiles
    return [open(SparkFiles.get("data.txt")).read(),
            open(os.path.join(SparkFiles.get("myenv"), "inner.txt")).read(),
            open(os.path.join(SparkFiles.get("z.zip"), "z.txt")).read()]


check("executor", lambda: sc.parallelize([0], 1).map(read).collect()[0])
check("driver", lambda: open(SparkFiles.get("data.txt")).read())
check("precedence", lambda: [sc.appName, sc.defaultParallelism,
                             sc.getConf().get("spark.executor.memory")])
sc.addFile(extra)
check("addFile", lambda: sc.parallelize([0], 1).map(
    lambda _: open(SparkFiles.get(os.path.basename(extra))).read()).collect())
check("listFiles", lambda: sorted(os.path.basename(f) for f in sc.listFiles()))
emit()
'''


def make_inputs(tmp_path):
    (tmp_path / "data.txt").write_text("hello")
    (tmp_path / "extra.txt").write_text("more")
    (tmp_path / "inner.txt").write_text("from tar")
    with tarfile.open(tmp_path / "env.tar.gz", "w:gz") as t:
        t.add(tmp_path / "inner.txt", arcname="inner.txt")
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as z:
        z.writestr("z.txt", "from zip")
    conf_dir = tmp_path / "conf"
    conf_dir.mkdir()
    (conf_dir / "spark-defaults.conf").write_text(
        "spark.app.name fromfile\nspark.default.parallelism 3\nspark.executor.memory 700m\n")
    return conf_dir


def check_files(res):
    assert res.result("executor") == ["hello", "from tar", "from zip"]
    assert res.result("driver") == "hello"
    assert res.result("addFile") == ["more"]
    assert res.result("listFiles") == ["data.txt", "extra.txt"]


def test_files_archives_verbose_and_precedence(tmp_path):
    conf_dir = make_inputs(tmp_path)
    script = jobs.write_job(tmp_path, "files.py", FILES_JOB)
    res = jobs.submit_ok(
        script, tmp_path / "extra.txt", master="local[2]",
        conf={"spark.default.parallelism": "5"},
        options=["--files", str(tmp_path / "data.txt"),
                 "--archives", "%s#myenv,%s" % (tmp_path / "env.tar.gz", tmp_path / "z.zip"),
                 "--driver-memory", "600m", "--verbose"],
        env={"SPARKPP_CONF_DIR": str(conf_dir)})
    check_files(res)
    # file < --conf < code
    assert res.result("precedence") == ["fromfile", 5, "800m"]
    assert "Parsed arguments:" in res.stderr
    assert "Using properties file: %s/spark-defaults.conf" % conf_dir in res.stderr
    assert "(spark.driver.memory,600m)" in res.stderr
    assert "  driverMemory            600m\n  driverCores             null\n" in res.stderr
    assert "(spark.files,%s)" % (tmp_path / "data.txt") in res.stderr


def test_files_on_a_cluster(tmp_path):
    make_inputs(tmp_path)
    script = jobs.write_job(tmp_path, "files.py", FILES_JOB)
    with Cluster(tmp_path) as c:
        m = c.start_master()
        c.start_worker(m.url, cores=1, memory="1g")
        wait_until(lambda: m.json()["aliveworkers"] == 1, 20, "the worker ALIVE")
        res = jobs.submit_ok(
            script, tmp_path / "extra.txt", master=m.url,
            conf={"spark.files": str(tmp_path / "data.txt"),
                  "spark.archives": "%s#myenv,%s" % (tmp_path / "env.tar.gz",
                                                     tmp_path / "z.zip")})
    check_files(res)


def refused(*args, env=None):
    e = dict(os.environ, **(env or {}))
    p = subprocess.run([jobs.binary(), "submit", *args], capture_output=True, text=True,
                       timeout=30, env=e)
    assert p.returncode != 0
    return p.stderr.strip()


def test_refused_flags_and_values(tmp_path):
    job = tmp_path / "job.py"
    job.write_text("raise SystemExit('must not run')\n")
    assert refused("--jars", "x.jar", str(job)).startswith("sparkpp submit: --jars is not supported")
    assert refused("--packages", "a:b:1", str(job)).startswith(
        "sparkpp submit: --packages is not supported")
    assert refused("--bogus", str(job)) == \
        "sparkpp submit: unknown option '--bogus' (see sparkpp submit --help)"
    assert refused("--deploy-mode", "cluster", str(job)) == \
        'sparkpp submit: Cluster deploy mode is not compatible with master "local[*]"'

    assert refused("--conf", "spark.ui.port=99999", str(job)) == \
        "sparkpp submit: setting spark.ui.port: 99999 is out of range (0 to 65535)"
    conf_dir = tmp_path / "conf"
    conf_dir.mkdir()
    (conf_dir / "sparkpp-defaults.conf").write_text("spark.default.parallelism -3\n")
    assert refused(str(job), env={"SPARK_CONF_DIR": str(conf_dir)}) == \
        "sparkpp submit: setting spark.default.parallelism: -3 is out of range (1 to 2147483647)"
    assert refused("--files", str(tmp_path / "missing.txt"), str(job)) == \
        "sparkpp submit: cannot find --files entry '%s'" % (tmp_path / "missing.txt")


def test_pyspark_shell(tmp_path):
    e = dict(os.environ, SPARKPP_SHELL_PLAIN="1", SPARKPP_PYTHON=jobs.job_python(),
             SPARKPP_TEST_TAG="shell-" + os.urandom(8).hex())
    e.pop("SPARKPP_DRIVER_PORT", None)
    p = subprocess.run([jobs.binary(), "pyspark", "--master", "local[1]", "--conf",
                        "spark.ui.enabled=false"],
                       input="print('sum', sc.parallelize(range(5)).sum())\n"
                             "print('rows', spark.range(3).count(), sc.appName)\n",
                       capture_output=True, text=True, timeout=120, env=e, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "Welcome to" in p.stdout and "version 3.5" in p.stdout, p.stdout
    assert "Spark context available as 'sc' (master = local[1], app id = local-" in p.stdout
    assert "SparkSession available as 'spark'." in p.stdout
    assert "sum 10" in p.stdout and "rows 3 PySparkShell" in p.stdout, p.stdout + p.stderr
    assert not jobs.wait_no_tagged(e["SPARKPP_TEST_TAG"])


IPY_INPUT = ("print('sum', sc.parallelize(range(5)).sum())\n"
             "print('shell', type(get_ipython()).__name__, spark.range(2).count())\n")


def _ipython_env(**extra):
    e = dict(os.environ, SPARKPP_PYTHON="", SPARKPP_TEST_TAG="ipy-" + os.urandom(8).hex(), **extra)
    e.pop("SPARKPP_DRIVER_PORT", None)
    e.pop("SPARKPP_SHELL_PLAIN", None)
    return e


@pytest.mark.skipif(subprocess.run([jobs.job_python(), "-c", "import IPython"]).returncode != 0,
                    reason="ipython3 is not installed (scripts/setup installs it)")
@pytest.mark.parametrize("how", ["importable", "PYSPARK_DRIVER_PYTHON"])
def test_pyspark_shell_under_ipython(tmp_path, how):
    # IPython when it is importable, and (as PySpark's bin/pyspark) the program named by
    # PYSPARK_DRIVER_PYTHON=ipython, with PYSPARK_DRIVER_PYTHON_OPTS, PYTHONSTARTUP making spark/sc.
    if how == "importable":
        e = _ipython_env(PYSPARK_DRIVER_PYTHON=jobs.job_python())
    else:
        e = _ipython_env(PYSPARK_DRIVER_PYTHON="ipython3", PYSPARK_DRIVER_PYTHON_OPTS="--no-banner --colors=NoColor")
    e["IPYTHONDIR"] = str(tmp_path / "ipython")
    p = subprocess.run([jobs.binary(), "pyspark", "--master", "local[1]", "--conf", "spark.ui.enabled=false"],
                       input=IPY_INPUT, capture_output=True, text=True, timeout=120, env=e, cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Welcome to" in p.stdout and "SparkSession available as 'spark'." in p.stdout, p.stdout
    assert "sum 10" in p.stdout, p.stdout + p.stderr
    assert "shell TerminalInteractiveShell 2" in p.stdout, p.stdout + p.stderr
    assert not jobs.wait_no_tagged(e["SPARKPP_TEST_TAG"])
