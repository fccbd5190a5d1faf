"""Versions: the Spark release whose PySpark API sparkpp follows, and sparkpp's own."""
SPARK_VERSION = "3.5.1"
__version__ = "0.1.0"
