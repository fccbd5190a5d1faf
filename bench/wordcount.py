"""W1 of ../shared/bench: word count over text.txt (200 MB); times the job on a started context.

    SPARKPP_PYTHON=/usr/bin/python3 build/sparkpp submit --master local[2] bench/wordcount.py \
        /tmp/sparkpp-bench-data/text.txt [REPEATS]

Prints one line per run: `W1 <seconds> s, <distinct> distinct, <total> in all`; expected
166,680 distinct and 29,146,996 in all.
"""
import sys
import time
from operator import add

from pyspark import SparkContext

path = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
sc = SparkContext(appName="bench-wordcount")
sc.parallelize([1], 1).count()  # executors up before timing
for _ in range(repeats):
    t = time.perf_counter()
    counts = sc.textFile(path).flatMap(lambda line: line.split()).map(lambda w: (w, 1)) \
        .reduceByKey(add).collect()
    dt = time.perf_counter() - t
    print("W1 %.2f s, %d distinct, %d in all" % (dt, len(counts), sum(c for _, c in counts)),
          flush=True)
sc.stop()
