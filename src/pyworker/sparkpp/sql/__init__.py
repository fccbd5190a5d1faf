"""A minimal pyspark.sql: SparkSession, Row and a DataFrame wrapper over RDDs of Rows."""
from sparkpp.sql.types import Row
from sparkpp.sql.dataframe import DataFrame, DataFrameReader
from sparkpp.sql.session import SparkSession

__all__ = ["SparkSession", "Row", "DataFrame", "DataFrameReader"]
