"""A spark.local.dir too long for the Python worker's Unix socket (108-byte limit) fails the job
with a message that names the limit and the setting, instead of a daemon that "exited before it
was ready" (or a hang)."""
import os

from jobs import submit, write_job

JOB = r'''
from pyspark import SparkContext
sc = SparkContext(appName="long-local-dir")
check("count", lambda: sc.parallelize(range(10), 2).map(lambda x: x + 1).count())
emit()
sc.stop()
'''


def test_too_long_local_dir_fails_clearly(tmp_path):
    long_dir = tmp_path / ("d" * 60) / ("e" * 60)
    os.makedirs(long_dir)
    res = submit(write_job(tmp_path, "job.py", JOB), master="local[1]", timeout=120,
                 conf={"spark.local.dir": str(long_dir)})
    err = (res.results or {}).get("count", {}).get("error", "") + res.stderr
    assert "limit of Unix sockets: set spark.local.dir to a shorter directory" in err, res.describe()
