"""pyspark.sql for sparkpp: the DataFrame API as a plan builder (docs/sql-engine.md).

Python describes plans (Spark Connect messages, _proto.py); the C++ driver analyses, optimises
and runs them. Nothing here evaluates a built-in operation."""
from sparkpp.sql.types import Row
from sparkpp.sql.column import Column
from sparkpp.sql.dataframe import DataFrame, DataFrameNaFunctions, DataFrameStatFunctions
from sparkpp.sql.group import GroupedData
from sparkpp.sql.readwriter import DataFrameReader, DataFrameWriter, DataFrameWriterV2
from sparkpp.sql.session import SparkSession
from sparkpp.sql.window import Window, WindowSpec
from sparkpp.sql.context import SQLContext, HiveContext
from sparkpp.sql import functions, types  # noqa: F401  (from pyspark.sql import functions as F)

__all__ = ["SparkSession", "Row", "DataFrame", "Column", "GroupedData", "DataFrameReader",
           "DataFrameWriter", "DataFrameWriterV2", "DataFrameNaFunctions", "DataFrameStatFunctions", "Window",
           "WindowSpec", "SQLContext", "HiveContext", "functions", "types"]
