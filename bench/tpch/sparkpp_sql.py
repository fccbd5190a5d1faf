"""TPC-H SQL text through spark.sql (run by `sparkpp submit`, or by PySpark itself).
Usage: sparkpp submit --master local[2] bench/tpch/sparkpp_sql.py DATADIR QUERY.sql RUNS
Prints one JSON line: {"times": [seconds per run], "rows": [[...], ...]} like duckdb_q.mjs, over
the CSVs of bench/tpch/gen.py read with their schemas (views, as duckdb_q.mjs makes them).
TPCH_CONF (a JSON object, optional): SQL settings set first, e.g. '{"spark.sql.adaptive.
autoBroadcastJoinThreshold": "-1"}' to run without AQE's runtime switch to broadcast joins.
TPCH_FORMAT=parquet reads DATADIR/parquet/<table> (to_parquet.py) instead of the CSVs."""
import datetime
import decimal
import json
import os
import sys
import time

from pyspark.sql import SparkSession

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from schemas import SCHEMAS  # noqa: E402


def value(v):
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return float(v)
    return v


def main():
    d, qfile, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1
    spark = SparkSession.builder.appName("tpch-sql").getOrCreate()
    for k, v in json.loads(os.environ.get("TPCH_CONF", "{}")).items():
        spark.conf.set(k, v)
    parquet = os.environ.get("TPCH_FORMAT", "csv") == "parquet"
    for t, ddl in SCHEMAS.items():
        df = spark.read.parquet(f"{d}/parquet/{t}") if parquet else spark.read.csv(f"{d}/{t}.csv", header=True, schema=ddl)
        df.createOrReplaceTempView(t)
    text = open(qfile).read()
    times, rows = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        rows = [[value(v) for v in r] for r in spark.sql(text).collect()]
        times.append(time.perf_counter() - t0)
    print(json.dumps({"times": times, "rows": rows}))
    spark.stop()


if __name__ == "__main__":
    main()
