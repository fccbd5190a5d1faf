"""ResultIterable (the values of one key after groupByKey), under PySpark's module name."""
from sparkpp.shuffle import ResultIterable  # noqa: F401

__all__ = ["ResultIterable"]
