"""Sort integers, as in Spark's examples/src/main/python/sort.py.

    sparkpp submit examples/sort.py FILE

FILE holds whitespace-separated integers; they are printed in ascending order, one a line
(sortByKey over (n, 1) pairs, then collect to the driver -- a demo, not how to sort big data).
"""
import sys

from pyspark.sql import SparkSession

if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("Usage: sort <file>", file=sys.stderr)
        sys.exit(-1)

    spark = SparkSession.builder.appName("PythonSort").getOrCreate()

    lines = spark.read.text(sys.argv[1]).rdd.map(lambda row: row[0])
    pairs = lines.flatMap(lambda line: line.split()).map(lambda tok: (int(tok), 1))
    for number, _ in pairs.sortByKey().collect():
        print(number)

    spark.stop()
