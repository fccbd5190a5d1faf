"""W1 with the DataFrame API: read.text -> explode(split(value, " ")) -> groupBy().count(),
collected (run by `sparkpp submit`, or by PySpark itself).

    SPARKPP_PYTHON=/usr/bin/python3 build/sparkpp submit --master local[2] bench/wordcount_df.py \
        /tmp/sparkpp-bench-data/text.txt [RUNS]

Prints one JSON line {"times": [seconds per run], "distinct": n, "total": n}, as
wordcount_duckdb.mjs does; expected 166,680 distinct and 29,146,996 in all (the generated text
has single spaces and no empty lines, so split(" ") is line.split())."""
import json
import sys
import time

from pyspark.sql import SparkSession, functions as F

path, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1
spark = SparkSession.builder.appName("bench-wordcount-df").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "2")  # 2 cores, as the peers get
times, rows = [], []
for _ in range(runs):
    t0 = time.perf_counter()
    rows = (spark.read.text(path).select(F.explode(F.split("value", " ")).alias("word"))
            .groupBy("word").count().collect())
    times.append(time.perf_counter() - t0)
print(json.dumps({"times": times, "distinct": len(rows), "total": sum(r[1] for r in rows)}))
spark.stop()
