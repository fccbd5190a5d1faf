"""An application that runs one job, then idles until FILE exists (bench/run.py memory).

    sparkpp submit --master spark://... bench/idle_app.py FILE
"""
import os
import sys
import time

from pyspark import SparkContext

sc = SparkContext(appName="bench-idle")
sc.parallelize(range(100), 4).count()
print("IDLE", sc.applicationId, flush=True)
deadline = time.monotonic() + 120
while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
    time.sleep(0.05)
sc.stop()
