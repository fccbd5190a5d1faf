"""A job that fails while its tasks are being launched (a destroyed broadcast) gives every
executor core back: launches the driver never sent used to keep their cores forever, so the next
job ran on fewer cores. The follow-up job needs all 4 cores at once (each task waits for the
others to start)."""
from jobs import submit_ok, write_job

JOB = r'''
import os, sys, time
from pyspark import SparkContext
sc = SparkContext(appName="cores-back")
marks = sys.argv[1]
b = sc.broadcast(5)
r = sc.parallelize(range(8), 8).map(lambda x: x + b.value).cache()
check("first", lambda: r.count())
b.destroy()
check("after_destroy", lambda: r.map(lambda x: x).collect())

def together(i):
    open(os.path.join(marks, str(i)), "w").close()
    deadline = time.time() + 15  # a leaked core: the four never meet, each returns fewer
    while len(os.listdir(marks)) < 4 and time.time() < deadline:
        time.sleep(0.02)
    return len(os.listdir(marks))

check("together", lambda: sc.parallelize(range(4), 4).map(together).collect())
emit()
sc.stop()
'''


def test_cores_come_back_after_a_job_fails_during_launch(tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    res = submit_ok(write_job(tmp_path, "cores.py", JOB), str(marks), master="local[4]", timeout=180)
    assert res.result("first") == 8
    assert "after it was destroyed" in res.results["after_destroy"]["error"]
    assert res.result("together") == [4, 4, 4, 4]  # all four tasks ran at the same time
