"""Which PySpark docstrings the docstring runner does not run, and why (issues #13/#14 scope).

A docstring is skipped whole (its examples share state, so dropping one example would only turn
the next ones into NameErrors). Two kinds of rule:

  SKIP_PATTERNS  a regular expression over the docstring's example source -> reason
  SKIP_METHODS   a docstring's qualified name ("DataFrame.mapInPandas") -> reason

Examples marked `# doctest: +SKIP` by PySpark itself are not run either (PySpark skips them too);
they are counted as skipped with the reason "PySpark's +SKIP".
"""
import re

SKIP_PATTERNS = [
    (r"\._j(df|vm|sc|seq|sparkSession|c)\b|\bsc\._|\._gateway\b",
     "reaches into the JVM through Py4J (sparkpp has no JVM)"),
    (r"mapInArrow|applyInPandasWithState",
     "Arrow maps and stateful pandas functions (issue #16 leaves these out: no Arrow, no streaming)"),
    (r"\budtf\b|\bUDTF\b|useArrow=True|registerJavaFunction|registerJavaUDAF",
     "Python UDTFs, Arrow-optimized UDFs, Java UDFs (issue #16 leaves these out; no JVM)"),
    (r"pandas_api|to_pandas_on_spark|pyspark\.pandas",
     "pandas-on-Spark (not in sparkpp's scope)"),
    (r"readStream|writeStream|withWatermark|isStreaming|dropDuplicatesWithinWatermark|"
     r"\bStreamingQuery",
     "Structured Streaming (not in sparkpp's scope)"),
    (r"\borc\(|format\([\"']orc",
     "ORC files (not read or written by sparkpp)"),
    (r"\.inputFiles\(\)|\.sameSemantics\(|\.semanticHash\(",
     "compares JVM plan objects"),
    (r"Hadoop(File|Dataset|RDD)\b|saveAsSequenceFile|\bsequenceFile\(|hadoopFile\(|hadoopRDD\(",
     "Hadoop input/output formats and SequenceFiles (JVM classes; issue #19 leaves them out)"),
]

SKIP_METHODS = {
    "DataFrame.checkpoint": "reliable checkpoints need spark.sparkContext.setCheckpointDir on a "
                            "DataFrame (RDD checkpointing of a SQL plan is not in the issues)",
    "DataFrame.localCheckpoint": "DataFrame checkpoints are not in the issues",
    "DataFrame.observe": "Observation metrics are not in the issues",
    "DataFrame.hint": "join hints beyond broadcast are not in the issues",
    "DataFrame.storageLevel": "prints JVM StorageLevel objects for SQL caches (issue #13's cache is "
                              "being built by another helper)",
    "functions.broadcast": "prints the JVM plan's ResolvedHint text",
    "functions.input_file_name": "lists files of a Parquet/JSON dataset written by the example",
    "functions.java_method": "calls Java methods by reflection (needs a JVM)",
    "functions.reflect": "calls Java methods by reflection (needs a JVM)",
    "functions.try_reflect": "calls Java methods by reflection (needs a JVM)",
    "functions.session_user": "JVM user name",
    "functions.version": "prints Spark's git revision",
    "functions.from_avro": "Avro is a separate Spark module",
    "functions.to_avro": "Avro is a separate Spark module",
    "functions.from_protobuf": "Protobuf is a separate Spark module",
    "functions.to_protobuf": "Protobuf is a separate Spark module",
}

_COMPILED = [(re.compile(p), why) for p, why in SKIP_PATTERNS]


def skip_reason(qualname, example_source):
    """Why the docstring `qualname` with these examples is not run, or None to run it."""
    if qualname in SKIP_METHODS:
        return SKIP_METHODS[qualname]
    for rx, why in _COMPILED:
        if rx.search(example_source):
            return why
    return None
