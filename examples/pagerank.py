"""Naive PageRank, as in Spark's examples/src/main/python/pagerank.py.

    sparkpp submit examples/pagerank.py FILE ITERATIONS

FILE has one link a line: "URL NEIGHBOUR_URL" (whitespace separated). Only URLs with outgoing
links keep a rank (as in Spark's example, pages without outgoing links drop out of the join).
"""
import re
import sys
from operator import add

from pyspark.sql import SparkSession


def compute_contribs(urls, rank):
    """Spreads a URL's rank evenly over the URLs it links to."""
    urls = list(urls)
    for url in urls:
        yield (url, rank / len(urls))


def parse_neighbors(line):
    parts = re.split(r"\s+", line.strip())
    return parts[0], parts[1]


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("Usage: pagerank <file> <iterations>", file=sys.stderr)
        sys.exit(-1)

    print("WARN: This is a naive implementation of PageRank and is given as an example!",
          file=sys.stderr)

    spark = SparkSession.builder.appName("PythonPageRank").getOrCreate()

    lines = spark.read.text(sys.argv[1]).rdd.map(lambda row: row[0])
    lines = lines.filter(lambda line: line.strip())

    # (url, iterable of neighbours), deduplicated links; reused every iteration
    links = lines.map(parse_neighbors).distinct().groupByKey().cache()
    ranks = links.map(lambda url_neighbors: (url_neighbors[0], 1.0))
    num_urls = ranks.count()

    for _ in range(int(sys.argv[2])):
        contribs = links.join(ranks).flatMap(
            lambda url_urls_rank: compute_contribs(url_urls_rank[1][0], url_urls_rank[1][1]))
        ranks = contribs.reduceByKey(add).mapValues(
            lambda rank: rank * 0.85 + 0.15 / num_urls)

    for (link, rank) in ranks.collect():
        print("%s has rank: %s." % (link, rank))

    spark.stop()
