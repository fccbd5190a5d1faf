"""TPC-H queries with the PySpark DataFrame API (run by `sparkpp submit`, or by PySpark itself).
Usage: sparkpp submit --master local[2] bench/tpch/sparkpp_q.py DATADIR QUERY RUNS
Prints one JSON line: {"times": [seconds per run], "rows": [[...], ...]} like duckdb_q.mjs.
The CSVs come from bench/tpch/gen.py; lineitem's schema is given (as a DDL string) so every
run measures the query, not schema inference."""
import datetime
import json
import sys
import time

from pyspark.sql import SparkSession, functions as F

LINEITEM = ("l_orderkey BIGINT, l_partkey BIGINT, l_suppkey BIGINT, l_linenumber INT, "
            "l_quantity DOUBLE, l_extendedprice DOUBLE, l_discount DOUBLE, l_tax DOUBLE, "
            "l_returnflag STRING, l_linestatus STRING, l_shipdate DATE, l_commitdate DATE, "
            "l_receiptdate DATE, l_shipinstruct STRING, l_shipmode STRING, l_comment STRING")


def q1(spark, d):
    li = spark.read.csv(d + "/lineitem.csv", header=True, schema=LINEITEM)
    disc = F.col("l_extendedprice") * (1 - F.col("l_discount"))
    return (li.filter(F.col("l_shipdate") <= F.lit(datetime.date(1998, 9, 2)))
            .groupBy("l_returnflag", "l_linestatus")
            .agg(F.sum("l_quantity").alias("sum_qty"),
                 F.sum("l_extendedprice").alias("sum_base_price"),
                 F.sum(disc).alias("sum_disc_price"),
                 F.sum(disc * (1 + F.col("l_tax"))).alias("sum_charge"),
                 F.avg("l_quantity").alias("avg_qty"),
                 F.avg("l_extendedprice").alias("avg_price"),
                 F.avg("l_discount").alias("avg_disc"),
                 F.count("*").alias("count_order"))
            .orderBy("l_returnflag", "l_linestatus"))


def q6(spark, d):
    li = spark.read.csv(d + "/lineitem.csv", header=True, schema=LINEITEM)
    return (li.filter((F.col("l_shipdate") >= F.lit(datetime.date(1994, 1, 1)))
                      & (F.col("l_shipdate") < F.lit(datetime.date(1995, 1, 1)))
                      & F.col("l_discount").between(0.05, 0.07)
                      & (F.col("l_quantity") < 24))
            .agg(F.sum(F.col("l_extendedprice") * F.col("l_discount")).alias("revenue")))


QUERIES = {"q1": q1, "q6": q6}

if __name__ == "__main__":
    data, query, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1
    spark = SparkSession.builder.appName("tpch-" + query).getOrCreate()
    spark.conf.set("spark.sql.shuffle.partitions", "2")  # 2 cores, as the peers get
    times, rows = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        rows = [list(r) for r in QUERIES[query](spark, data).collect()]
        times.append(time.perf_counter() - t0)
    print(json.dumps({"times": times, "rows": rows}, default=str))
    spark.stop()
