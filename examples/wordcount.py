"""Word count, as in Spark's examples/src/main/python/wordcount.py.

    sparkpp submit examples/wordcount.py PATH [PATH...]
"""
import sys
from operator import add

from pyspark.sql import SparkSession

if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("Usage: wordcount <file> [<file>...]", file=sys.stderr)
        sys.exit(-1)
    spark = SparkSession.builder.appName("PythonWordCount").getOrCreate()
    lines = spark.sparkContext.textFile(",".join(sys.argv[1:]))
    counts = lines.flatMap(lambda x: x.split()).map(lambda x: (x, 1)).reduceByKey(add)
    output = counts.collect()
    for (word, count) in sorted(output, key=lambda wc: (-wc[1], wc[0]))[:20]:
        print("%s: %i" % (word, count))
    print("... %d distinct words, %d in all" % (len(output), sum(c for _, c in output)))
    spark.stop()
