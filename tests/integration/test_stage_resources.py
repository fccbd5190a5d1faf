"""Stage-level scheduling as Spark 3.5 standalone with dynamic allocation off (issue #19):
rdd.withResources(profile) with a profile of task requests only (Spark's TaskResourceProfile)
gives that RDD's stage its task cpus and custom resources on the executors' slots; a profile
with executor requests is refused, and so is a task profile on a local[N] master, with Spark's
messages. Concurrency is observed from the (start, end) times the tasks record, on one
2-core executor (local-cluster[1,2,512])."""
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from jobs import submit_ok, write_job

JOB = r'''
import json
import time
import urllib.request
from pyspark import SparkConf, SparkContext, TaskContext
from pyspark.resource import (ExecutorResourceRequests, ResourceProfileBuilder,
                              TaskResourceRequests)

sc = SparkContext(conf=SparkConf().setAppName("stage-resources"))


def error(fn):
    try:
        fn()
    except Exception as e:
        return type(e).__name__ + ": " + str(e)
    return "no error"


def task_info(it):
    ctx = TaskContext.get()
    start = time.time()
    time.sleep(0.3)
    res = {k: sorted(v.addresses) for k, v in ctx.resources().items()}
    return [(ctx.stageId(), ctx.cpus(), res, start, time.time(), sum(1 for _ in it))]


def summary(rows):
    overlap = any(a is not b and a[3] < b[4] and b[3] < a[4] for a in rows for b in rows)
    return {"cpus": sorted(set(r[1] for r in rows)), "res": [r[2] for r in rows],
            "overlap": overlap, "n": sum(r[5] for r in rows)}


two_cpus = ResourceProfileBuilder().require(TaskResourceRequests().cpus(2)).build
all_gpus = ResourceProfileBuilder().require(TaskResourceRequests().cpus(1).resource("gpu", 2)).build


def plain():
    return summary(sc.parallelize(range(4), 4).mapPartitions(task_info).collect())
check("plain", plain)


def profiled():
    rdd = sc.parallelize(range(4), 4).mapPartitions(task_info).withResources(two_cpus)
    got = rdd.getResourceProfile()
    return [got is two_cpus, two_cpus.id, all_gpus.id, summary(rdd.collect())]
check("profiled", profiled)


def gpus():
    return summary(sc.parallelize(range(4), 4).mapPartitions(task_info)
                   .withResources(all_gpus).collect())
check("gpus", gpus)


def shuffled():
    # the shuffled RDD's profile is its reduce stage's; the map stage keeps the default
    red = sc.parallelize(range(8), 4).map(lambda x: (x % 4, x)).reduceByKey(lambda a, b: a + b)
    rows = red.withResources(two_cpus).mapPartitions(task_info).collect()
    base = sc.uiWebUrl + "/api/v1/applications/" + sc.applicationId
    stages = json.load(urllib.request.urlopen(base + "/stages"))
    by_stage = {s["stageId"]: s["resourceProfileId"] for s in stages}
    return [summary(rows), sorted(set(by_stage.values())),
            by_stage[rows[0][0]], by_stage.get(rows[0][0] - 1)]
check("shuffled", shuffled)


def conflict():
    a = sc.parallelize(range(4), 2).map(lambda x: x).withResources(two_cpus)
    return error(lambda: a.map(lambda x: x).withResources(all_gpus).collect())
check("conflict", conflict)


def environment():
    base = sc.uiWebUrl + "/api/v1/applications/" + sc.applicationId
    env = json.load(urllib.request.urlopen(base + "/environment"))
    return {str(p["id"]): {k: v["amount"] for k, v in p["taskResources"].items()}
            for p in env["resourceProfiles"]}
check("environment", environment)


def local_properties():
    # job local properties reach TaskContext.getLocalProperty; TaskContext() is the running one
    sc.setLocalProperty("testkey", "testvalue")
    try:
        return sc.parallelize([0], 1).map(lambda _: [
            TaskContext.get().getLocalProperty("testkey"),
            TaskContext.get().getLocalProperty("otherkey"),
            TaskContext().stageId() == TaskContext.get().stageId() > 0]).collect()[0]
    finally:
        sc.setLocalProperty("testkey", None)
check("local_properties", local_properties)


def executor_profile():
    p = ResourceProfileBuilder().require(ExecutorResourceRequests().cores(2)) \
        .require(TaskResourceRequests().cpus(1)).build
    return [error(lambda: sc.parallelize([1]).withResources(p)),
            sc.parallelize([1]).getResourceProfile()]
check("executor_profile", executor_profile)
emit()
'''

LOCAL_JOB = r'''
from pyspark import SparkContext
from pyspark.resource import ResourceProfileBuilder, TaskResourceRequests
sc = SparkContext("local[2]", "stage-resources-local")
p = ResourceProfileBuilder().require(TaskResourceRequests().cpus(2)).build


def local():
    try:
        sc.parallelize([1]).withResources(p)
    except Exception as e:
        return str(e)
check("local", local)
emit()
'''


@pytest.fixture
def scratch():
    d = Path(tempfile.mkdtemp(prefix="spp-srp-", dir="/tmp"))  # short: worker sockets
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_task_resource_profiles_on_local_cluster(tmp_path, scratch):
    gpu = tmp_path / "gpu.sh"
    gpu.write_text("#!/bin/sh\necho '{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}'\n")
    gpu.chmod(gpu.stat().st_mode | stat.S_IXUSR)
    job = write_job(tmp_path, "srp_job.py", JOB)
    r = submit_ok(job, master="local-cluster[1,2,512]", timeout=120, conf={
        "spark.local.dir": str(scratch),
        "spark.worker.resource.gpu.amount": "2",
        "spark.worker.resource.gpu.discoveryScript": str(gpu),
        "spark.executor.resource.gpu.amount": "2",
    })
    # the default profile: 2 cores, 1 cpu per task -> two tasks at once
    assert r.result("plain") == {"cpus": [1], "res": [{}] * 4, "overlap": True, "n": 4}
    same, id2, idg, got = r.result("profiled")
    assert same is True and (id2, idg) == (1, 2)  # profile ids from 1, as Spark's
    assert got == {"cpus": [2], "res": [{}] * 4, "overlap": False, "n": 4}
    # 2 gpus per task, the executor has 2: one task at a time, holding both addresses
    assert r.result("gpus") == {"cpus": [1], "res": [{"gpu": ["0", "1"]}] * 4,
                                "overlap": False, "n": 4}
    rows, ids, reduce_rp, map_rp = r.result("shuffled")
    assert rows == {"cpus": [2], "res": [{}] * 4, "overlap": False, "n": 4}
    assert (reduce_rp, map_rp) == (1, 0) and ids == [0, 1, 2]
    assert "Multiple ResourceProfiles specified in the RDDs for this stage" in r.result("conflict")
    # the environment lists the default profile and the two used, as Spark's
    assert r.result("environment") == {"0": {"cpus": 1.0}, "1": {"cpus": 2.0},
                                       "2": {"cpus": 1.0, "gpu": 2.0}}
    assert r.result("local_properties") == ["testvalue", None, True]
    refused, none = r.result("executor_profile")
    assert refused == ("Py4JJavaError: An error occurred while calling o0.withResources.\n: "
                       "org.apache.spark.SparkException: ResourceProfiles are only supported on "
                       "YARN and Kubernetes and Standalone with dynamic allocation enabled.")
    assert none is None


def test_task_resource_profile_refused_in_local_mode(tmp_path):
    job = write_job(tmp_path, "srp_local.py", LOCAL_JOB)
    r = submit_ok(job, master="local[2]", timeout=60)
    assert r.result("local") == (
        "An error occurred while calling o0.withResources.\n: org.apache.spark.SparkException: "
        "TaskResourceProfiles are only supported for Standalone, Yarn and Kubernetes cluster for "
        "now when dynamic allocation is disabled.")
