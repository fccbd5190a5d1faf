"""Custom resources and task cpus as Spark's (issue #19): the driver's resources from its
discovery script (sc.resources), an executor's shared out to its tasks
(TaskContext.resources(), spark.task.resource.*.amount), spark.task.cpus limiting how many
tasks an executor runs at once; and sc.addFile(dir, recursive=True). One submit on
local-cluster[2,2,512], as PySpark's test_taskcontext / test_context resource tests."""
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from jobs import submit_ok, write_job

JOB = r'''
import os
import sys
import time
from pyspark import SparkConf, SparkContext, SparkFiles, TaskContext

tree = sys.argv[1]
sc = SparkContext(conf=SparkConf().setAppName("resources"))


def driver_resources():
    r = sc.resources
    return {k: [v.name, v.addresses] for k, v in r.items()}
check("driver", driver_resources)


def task_info(_):
    ctx = TaskContext.get()
    start = time.time()
    time.sleep(0.15)
    res = ctx.resources()
    return (os.environ.get("SPARKPP_EXECUTOR_ID"), ctx.cpus(),
            {k: [v.name, v.addresses] for k, v in res.items()}, start, time.time())


def tasks():
    rows = sc.parallelize(range(4), 4).map(task_info).collect()
    overlap = False
    for a in rows:
        for b in rows:
            if a is not b and a[0] == b[0] and a[3] < b[4] and b[3] < a[4]:
                overlap = True
    return [sorted(set(r[1] for r in rows)), [r[2] for r in rows], overlap]
check("tasks", tasks)


def add_dir():
    try:
        sc.addFile(tree)
        refused = None
    except Exception as e:
        refused = str(e)
    sc.addFile(tree, True)
    name = os.path.basename(tree)
    here = open(os.path.join(SparkFiles.get(name), "sub", "deep.txt")).read()
    there = sc.parallelize(range(2), 2).map(
        lambda _: open(os.path.join(SparkFiles.get(name), "sub", "deep.txt")).read()
        + open(os.path.join(SparkFiles.get(name), "top.txt")).read()).collect()
    return ["is a directory and recursive is not turned on" in (refused or ""), here, there,
            sc.listFiles() == ["file:" + tree]]
check("add_dir", add_dir)
emit()
'''


@pytest.fixture
def scratch():
    # a short path: Python workers' Unix sockets live in the scratch dirs (107-byte limit)
    d = Path(tempfile.mkdtemp(prefix="spp-res-", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def script(path, text):
    path.write_text("#!/bin/sh\n" + text + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_resources_task_cpus_and_recursive_add_file(tmp_path, scratch):
    driver_gpu = script(tmp_path / "driver_gpu.sh", """echo '{"name": "gpu", "addresses": ["5"]}'""")
    worker_gpu = script(tmp_path / "worker_gpu.sh", """echo '{"name": "gpu", "addresses": ["0", "1"]}'""")
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "deep.txt").write_text("deep;")
    (tree / "top.txt").write_text("top")
    job = write_job(tmp_path, "res_job.py", JOB)
    r = submit_ok(job, str(tree), master="local-cluster[2,2,512]", timeout=120, conf={
        "spark.local.dir": str(scratch),
        "spark.driver.resource.gpu.amount": "1",
        "spark.driver.resource.gpu.discoveryScript": driver_gpu,
        "spark.worker.resource.gpu.amount": "2",
        "spark.worker.resource.gpu.discoveryScript": worker_gpu,
        "spark.executor.resource.gpu.amount": "1",
        "spark.task.resource.gpu.amount": "1",
        "spark.task.cpus": "2",
    })
    assert r.result("driver") == {"gpu": ["gpu", ["5"]]}
    cpus, res, overlap = r.result("tasks")
    assert cpus == [2]
    assert res == [{"gpu": ["gpu", ["0"]]}] * 4  # the executor's one address (amount 1)
    assert overlap is False  # 2 cores / 2 cpus per task, 1 gpu / 1 per task: one task at a time
    assert r.result("add_dir") == [True, "deep;", ["deep;top", "deep;top"], True]
