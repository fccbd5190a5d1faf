"""Writes the CSVs of bench/tpch/gen.py as Parquet (Spark's defaults: snappy, dictionary) with
sparkpp, for the TPC-H runs on Parquet (`run.py --format parquet`, TPCH_FORMAT=parquet):
    sparkpp submit --master local[2] bench/tpch/to_parquet.py DATADIR
DATADIR/parquet/<table>/part-*.parquet; a table already written is kept."""
import os
import sys

from pyspark.sql import SparkSession

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from schemas import SCHEMAS  # noqa: E402


def main():
    d = sys.argv[1]
    spark = SparkSession.builder.appName("tpch-to-parquet").getOrCreate()
    for t, ddl in SCHEMAS.items():
        out = os.path.join(d, "parquet", t)
        if os.path.exists(os.path.join(out, "_SUCCESS")):
            continue
        spark.read.csv(f"{d}/{t}.csv", header=True, schema=ddl).write.mode("overwrite").parquet(out)
    spark.stop()


if __name__ == "__main__":
    main()
