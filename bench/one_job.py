"""The one-line job of the cold-submit benchmark (bench/run.py cold)."""
from pyspark import SparkContext
assert SparkContext(appName="bench-cold").parallelize(range(10), 2).count() == 10
