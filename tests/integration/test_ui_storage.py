"""The Storage tab's REST API (/api/v1/applications/{id}/storage/rdd[/{id}]) on a live driver:
cached RDDs with their partitions, sizes and executors, in Spark's RDDStorageInfo shape; an
unpersisted RDD leaves the list."""
import json
import urllib.error
import urllib.request

from jobs import finish_held, start_held

JOB = r'''
import os, sys, time
from pyspark import SparkContext, StorageLevel
sc = SparkContext(appName="ui-storage")
kept = sc.parallelize(range(1000), 4).map(lambda x: x * 2).cache()
assert kept.count() == 1000
on_disk = sc.parallelize(list(range(10)), 2).persist(StorageLevel.DISK_ONLY)  # a list: ParallelCollectionRDD (a range is a PythonRDD, as in PySpark)
assert on_disk.count() == 10
gone = sc.parallelize(range(10), 2).map(lambda x: x).cache()
assert gone.count() == 10
gone.unpersist()
open(sys.argv[1] + ".tmp", "w").write("%s %d %d" % (sc.uiWebUrl, kept.id(), on_disk.id()))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
deadline = time.time() + 60
while not os.path.exists(sys.argv[2]) and time.time() < deadline:
    time.sleep(0.05)
sc.stop()
'''


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def test_storage_tab_lists_cached_rdds(tmp_path):
    proc, tag, info, release = start_held(tmp_path, JOB, conf={"spark.ui.port": "0"})
    try:
        ui, kept, on_disk = info.split()
        app = get(f"{ui}/api/v1/applications")[0]["id"]
        api = f"{ui}/api/v1/applications/{app}"
        rdds = {r["id"]: r for r in get(f"{api}/storage/rdd")}
        assert set(rdds) == {int(kept), int(on_disk)}, rdds  # the unpersisted one is gone
        k = rdds[int(kept)]
        assert k["name"] == "PythonRDD" and k["numPartitions"] == 4 and k["numCachedPartitions"] == 4
        assert k["storageLevel"] == "Memory Serialized 1x Replicated"
        assert k["memoryUsed"] > 0 and k["diskUsed"] == 0
        d = rdds[int(on_disk)]
        assert d["name"] == "ParallelCollectionRDD" and d["storageLevel"] == "Disk Serialized 1x Replicated"
        assert d["diskUsed"] > 0 and d["memoryUsed"] == 0
        detail = get(f"{api}/storage/rdd/{kept}")
        assert [p["blockName"] for p in detail["partitions"]] == ["rdd_%s_%d" % (kept, p) for p in range(4)]
        assert all(p["executors"] == ["0"] and p["memoryUsed"] > 0 for p in detail["partitions"])
        assert sum(x["memoryUsed"] for x in detail["dataDistribution"]) == k["memoryUsed"]
        # The executors page counts the blocks it holds (Storage Memory: used / max).
        e0 = [e for e in get(f"{api}/executors") if e["id"] == "0"][0]
        assert e0["rddBlocks"] == 6 and e0["memoryUsed"] == k["memoryUsed"] and e0["diskUsed"] == d["diskUsed"], e0
        assert e0["maxMemory"] > e0["memoryUsed"] and e0["memoryMetrics"]["usedOnHeapStorageMemory"] == e0["memoryUsed"]
        try:
            get(f"{api}/storage/rdd/9999")
            raise AssertionError("an unknown RDD must be a 404")
        except urllib.error.HTTPError as e:
            assert e.code == 404
    finally:
        finish_held(proc, tag, release)
