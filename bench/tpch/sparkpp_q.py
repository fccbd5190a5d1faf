"""TPC-H queries with the PySpark DataFrame API (run by `sparkpp submit`, or by PySpark itself).
Usage: sparkpp submit --master local[2] bench/tpch/sparkpp_q.py DATADIR QUERY[,QUERY...] RUNS
QUERY is q1, q3, q5, q6 or q10 (spec validation parameters). Prints one JSON line per query:
{"query": "q3", "times": [seconds per run], "rows": [[...], ...]} like duckdb_q.mjs (dates as
text). The CSVs come from bench/tpch/gen.py; every table's schema is given (as a DDL string,
schemas.SCHEMAS) so every run measures the query, not schema inference, and every run
re-reads the files."""
import datetime
import json
import os
import sys
import time

from pyspark.sql import SparkSession, functions as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from schemas import SCHEMAS  # noqa: E402


def q1(spark, d):
    li = table(spark, d, "lineitem")
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
    li = table(spark, d, "lineitem")
    return (li.filter((F.col("l_shipdate") >= F.lit(datetime.date(1994, 1, 1)))
                      & (F.col("l_shipdate") < F.lit(datetime.date(1995, 1, 1)))
                      & F.col("l_discount").between(0.05, 0.07)
                      & (F.col("l_quantity") < 24))
            .agg(F.sum(F.col("l_extendedprice") * F.col("l_discount")).alias("revenue")))


def table(spark, d, name):
    return spark.read.csv(f"{d}/{name}.csv", header=True, schema=SCHEMAS[name])


def revenue():
    return F.col("l_extendedprice") * (1 - F.col("l_discount"))


def q3(spark, d):
    c = table(spark, d, "customer").filter(F.col("c_mktsegment") == "BUILDING")
    o = table(spark, d, "orders").filter(F.col("o_orderdate") < F.lit(datetime.date(1995, 3, 15)))
    li = table(spark, d, "lineitem").filter(F.col("l_shipdate") > F.lit(datetime.date(1995, 3, 15)))
    return (c.join(o, F.col("c_custkey") == F.col("o_custkey"))
            .join(li, F.col("l_orderkey") == F.col("o_orderkey"))
            .groupBy("l_orderkey", "o_orderdate", "o_shippriority")
            .agg(F.sum(revenue()).alias("revenue"))
            .select("l_orderkey", "revenue", "o_orderdate", "o_shippriority")
            .orderBy(F.col("revenue").desc(), "o_orderdate")
            .limit(10))


def q5(spark, d):
    r = table(spark, d, "region").filter(F.col("r_name") == "ASIA")
    o = table(spark, d, "orders").filter((F.col("o_orderdate") >= F.lit(datetime.date(1994, 1, 1)))
                                         & (F.col("o_orderdate") < F.lit(datetime.date(1995, 1, 1))))
    return (r.join(table(spark, d, "nation"), F.col("r_regionkey") == F.col("n_regionkey"))
            .join(table(spark, d, "customer"), F.col("n_nationkey") == F.col("c_nationkey"))
            .join(o, F.col("c_custkey") == F.col("o_custkey"))
            .join(table(spark, d, "lineitem"), F.col("o_orderkey") == F.col("l_orderkey"))
            .join(table(spark, d, "supplier"), (F.col("l_suppkey") == F.col("s_suppkey"))
                  & (F.col("c_nationkey") == F.col("s_nationkey")))
            .groupBy("n_name")
            .agg(F.sum(revenue()).alias("revenue"))
            .orderBy(F.col("revenue").desc()))


def q10(spark, d):
    o = table(spark, d, "orders").filter((F.col("o_orderdate") >= F.lit(datetime.date(1993, 10, 1)))
                                         & (F.col("o_orderdate") < F.lit(datetime.date(1994, 1, 1))))
    li = table(spark, d, "lineitem").filter(F.col("l_returnflag") == "R")
    return (table(spark, d, "customer")
            .join(o, F.col("c_custkey") == F.col("o_custkey"))
            .join(li, F.col("o_orderkey") == F.col("l_orderkey"))
            .join(table(spark, d, "nation"), F.col("c_nationkey") == F.col("n_nationkey"))
            .groupBy("c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address", "c_comment")
            .agg(F.sum(revenue()).alias("revenue"))
            .select("c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone",
                    "c_comment")
            .orderBy(F.col("revenue").desc())
            .limit(20))


QUERIES = {"q1": q1, "q3": q3, "q5": q5, "q6": q6, "q10": q10}

if __name__ == "__main__":
    data, queries, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1
    spark = SparkSession.builder.appName("tpch-" + queries).getOrCreate()
    spark.conf.set("spark.sql.shuffle.partitions", "2")  # 2 cores, as the peers get
    for query in queries.split(","):
        times, rows = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            rows = [list(r) for r in QUERIES[query](spark, data).collect()]
            times.append(time.perf_counter() - t0)
        print(json.dumps({"query": query, "times": times, "rows": rows}, default=str), flush=True)
    spark.stop()
