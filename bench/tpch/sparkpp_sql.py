"""TPC-H SQL text through spark.sql (run by `sparkpp submit`, or by PySpark itself).
Usage: sparkpp submit --master local[2] bench/tpch/sparkpp_sql.py DATADIR QUERY.sql RUNS
Prints one JSON line: {"times": [seconds per run], "rows": [[...], ...]} like duckdb_q.mjs, over
the CSVs of bench/tpch/gen.py read with their schemas (views, as duckdb_q.mjs makes them)."""
import datetime
import decimal
import json
import sys
import time

from pyspark.sql import SparkSession

SCHEMAS = {
    "region": "r_regionkey BIGINT, r_name STRING, r_comment STRING",
    "nation": "n_nationkey BIGINT, n_name STRING, n_regionkey BIGINT, n_comment STRING",
    "supplier": "s_suppkey BIGINT, s_name STRING, s_address STRING, s_nationkey BIGINT, s_phone STRING, "
                "s_acctbal DOUBLE, s_comment STRING",
    "part": "p_partkey BIGINT, p_name STRING, p_mfgr STRING, p_brand STRING, p_type STRING, p_size BIGINT, "
            "p_container STRING, p_retailprice DOUBLE, p_comment STRING",
    "partsupp": "ps_partkey BIGINT, ps_suppkey BIGINT, ps_availqty BIGINT, ps_supplycost DOUBLE, ps_comment STRING",
    "customer": "c_custkey BIGINT, c_name STRING, c_address STRING, c_nationkey BIGINT, c_phone STRING, "
                "c_acctbal DOUBLE, c_mktsegment STRING, c_comment STRING",
    "orders": "o_orderkey BIGINT, o_custkey BIGINT, o_orderstatus STRING, o_totalprice DOUBLE, o_orderdate DATE, "
              "o_orderpriority STRING, o_clerk STRING, o_shippriority BIGINT, o_comment STRING",
    "lineitem": "l_orderkey BIGINT, l_partkey BIGINT, l_suppkey BIGINT, l_linenumber BIGINT, l_quantity DOUBLE, "
                "l_extendedprice DOUBLE, l_discount DOUBLE, l_tax DOUBLE, l_returnflag STRING, l_linestatus STRING, "
                "l_shipdate DATE, l_commitdate DATE, l_receiptdate DATE, l_shipinstruct STRING, l_shipmode STRING, "
                "l_comment STRING",
}


def value(v):
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return float(v)
    return v


def main():
    d, qfile, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1
    spark = SparkSession.builder.appName("tpch-sql").getOrCreate()
    for t, ddl in SCHEMAS.items():
        spark.read.csv(f"{d}/{t}.csv", header=True, schema=ddl).createOrReplaceTempView(t)
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
