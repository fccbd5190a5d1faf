"""Transitive closure of a random graph, as in Spark's
examples/src/main/python/transitive_closure.py.

    sparkpp submit examples/transitive_closure.py [PARTITIONS]

The graph (200 distinct edges over 100 vertices, no self loops) comes from Random(42); each
round joins the known paths with the edges until no new path appears.

As in Spark, each round's distinct() and join() get as many partitions as their input unless
spark.default.parallelism is set, so the partition count doubles every round; use
`--conf spark.default.parallelism=4` to keep it small.
"""
import sys
from random import Random

from pyspark.sql import SparkSession

NUM_EDGES = 200
NUM_VERTICES = 100


def generate_graph(seed=42):
    rand = Random(seed)
    edges = set()
    while len(edges) < NUM_EDGES:
        src = rand.randrange(0, NUM_VERTICES)
        dst = rand.randrange(0, NUM_VERTICES)
        if src != dst:
            edges.add((src, dst))
    return edges


if __name__ == "__main__":
    spark = SparkSession.builder.appName("PythonTransitiveClosure").getOrCreate()
    sc = spark.sparkContext

    partitions = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    tc = sc.parallelize(sorted(generate_graph()), partitions).cache()

    # join() matches on keys: keep the edges reversed, (y, x), so that a known path (y, z)
    # joined with edge (x, y) gives (y, (z, x)), i.e. the new path (x, z).
    edges = tc.map(lambda xy: (xy[1], xy[0]))

    next_count = tc.count()
    while True:
        old_count = next_count
        new_paths = tc.join(edges).map(lambda y_zx: (y_zx[1][1], y_zx[1][0]))
        tc = tc.union(new_paths).distinct().cache()
        next_count = tc.count()
        if next_count == old_count:
            break

    print("TC has %i edges" % tc.count())

    spark.stop()
