"""pyspark.sql.GroupedData: df.groupBy(...) waiting for its aggregates (an Aggregate relation)."""
from sparkpp.sql import _proto as P
from sparkpp.sql import types as T
from sparkpp.sql.column import Column, _name_expr

__all__ = ["GroupedData", "PandasCogroupedOps"]

# agg({"x": "mean"}) names as Spark's RelationalGroupedDataset.strToExpr maps them
_DICT_FUNCS = {"mean": "avg", "average": "avg", "std": "stddev", "size": "count"}


def _session_window_call(e):
    """(time, gap) of a session_window(...) grouping expression (aliased or not), else None."""
    if isinstance(e, dict) and "alias" in e:
        e = e["alias"].get("expr")
    fn = e.get("unresolvedFunction") if isinstance(e, dict) else None
    if fn and fn.get("functionName") == "session_window" and len(fn.get("arguments", [])) == 2:
        return fn["arguments"]
    return None


class GroupedData:
    def __init__(self, df, grouping, group_type, pivot=None):
        self._df = df
        self._grouping = grouping
        self._group_type = group_type
        self._pivot = pivot

    def __repr__(self):
        """Spark's RelationalGroupedDataset.toString after its 26-character class prefix."""
        kinds = {"groupby": "GroupBy", "rollup": "Rollup", "cube": "Cube", "pivot": "Pivot",
                 "grouping_sets": "GroupingSets"}
        keys = ["%s: %s" % (n, t) for n, t in
                self._df._new(P.project(self._df._plan, list(self._grouping))).dtypes]
        shown = ", ".join(keys[:2]) + (" ... %d more field(s)" % (len(keys) - 2)
                                       if len(keys) > 2 else "")
        value = ", ".join("%s: %s" % (n, t) for n, t in self._df.dtypes)
        return "GroupedData[grouping expressions: [%s], value: [%s], type: %s]" % (
            shown, value, kinds.get(str(self._group_type).lower(), str(self._group_type)))

    def pivot(self, pivot_col, values=None):
        """The aggregates computed per value of `pivot_col` (the analyzer's ResolvePivot). Without
        values, as Spark's RelationalGroupedDataset.pivot: the column's distinct values are
        fetched now, sorted, at most spark.sql.pivotMaxValues (10000) of them."""
        col = Column(P.attr(pivot_col)) if isinstance(pivot_col, str) else pivot_col
        if values is None:
            limit = 10000
            rows = self._df.select(col).distinct().limit(limit + 1).sort(col).collect()
            if len(rows) > limit:
                from sparkpp.errors import AnalysisException
                raise AnalysisException(
                    "The pivot column %s has more than %d distinct values, this could indicate an "
                            "error. If this was intended, set spark.sql.pivotMaxValues to at least the number "
                            "of distinct values of the pivot column." % (pivot_col, limit))
            values = [r[0] for r in rows]
        body = {"col": col._expr, "values": [P.literal_body(v) for v in values]}
        return GroupedData(self._df, self._grouping, "pivot", body)

    def agg(self, *exprs):
        assert exprs, "exprs should not be empty"
        if len(exprs) == 1 and isinstance(exprs[0], dict):
            aggs = [P.fn(_DICT_FUNCS.get(f.lower(), f.lower()), _name_expr(c))
                    for c, f in exprs[0].items()]
        else:
            assert all(isinstance(c, Column) for c in exprs), "all exprs should be Column"
            aggs = [c._expr for c in exprs]
        for i, g in enumerate(self._grouping):
            if _session_window_call(g) is not None and self._pivot is None:
                return self._session_window_agg(i, aggs)
        return self._df._new(P.aggregate(self._df._plan, self._group_type, self._grouping,
                                         aggs, self._pivot))

    def _session_window_agg(self, at, aggs):
        """Spark's SessionWindowing for a session_window(time, gap) key: each row's [time,
        time + gap) (rows without a time or with a gap not > 0 dropped), sorted by start within
        the other keys; a row starts a new session when it starts after every earlier row's end
        (MergingSessionsIterator merges `start <= end`); the session is [min start, max end]."""
        from sparkpp.sql import functions as F
        from sparkpp.sql import types as T
        from sparkpp.sql.window import Window
        ts_e, gap_e = _session_window_call(self._grouping[at])
        df = self._df
        ts = Column(ts_e)
        if not isinstance(df.select(ts).schema.fields[0].dataType, T.TimestampNTZType):
            ts = ts.cast("timestamp")
        gap = gap_e.get("literal", {}).get("string") if isinstance(gap_e, dict) else None
        gap = F.expr("INTERVAL '%s'" % gap.replace("'", "\\'")) if gap is not None else \
            Column(gap_e).cast("interval")
        others = [g for i, g in enumerate(self._grouping) if i != at]
        base = df.withColumn("__sw_start", ts).withColumn("__sw_end", ts + gap)
        base = base.filter(F.col("__sw_start").isNotNull() & (F.col("__sw_end") > F.col("__sw_start")))
        w = Window.partitionBy(*[Column(g) for g in others]).orderBy("__sw_start")
        prev_end = F.max("__sw_end").over(w.rowsBetween(Window.unboundedPreceding, -1))
        base = base.withColumn("__sw_new", F.when(prev_end.isNull() | (F.col("__sw_start") > prev_end), 1)
                               .otherwise(0))
        base = base.withColumn("__sw_id", F.sum("__sw_new").over(
            w.rowsBetween(Window.unboundedPreceding, Window.currentRow)))
        bounds = [P.alias(P.fn("min", P.attr("__sw_start")), ["__sw_s"]),
                  P.alias(P.fn("max", P.attr("__sw_end")), ["__sw_e"])]
        g = base._new(P.aggregate(base._plan, self._group_type, others + [P.attr("__sw_id")],
                                  bounds + aggs, None))
        names = g.columns
        keys = [F.col("`%s`" % n.replace("`", "``")) for n in names[:len(others)]]
        session = F.struct(F.col("__sw_s").alias("start"), F.col("__sw_e").alias("end")).alias("session_window")
        keys.insert(at, session)
        rest = [F.col("`%s`" % n.replace("`", "``")) for n in names[len(others) + 3:]]
        return g.select(*keys, *rest)

    def applyInPandas(self, func, schema):
        """Each group as one pandas DataFrame through func(pdf) or func(key, pdf), whose
        returned DataFrames (in `schema`) make the result."""
        from sparkpp.sql.pandas_udf import PythonEvalType, pandas_udf
        udf = pandas_udf(func, returnType=schema, functionType=PythonEvalType.SQL_GROUPED_MAP_PANDAS_UDF)
        return self._df._new(P.group_map(self._df._plan, self._grouping,
                                         udf._unwrapped._expr([])))

    def cogroup(self, other):
        """This grouping and `other`'s, group by group, for applyInPandas(f(left, right))."""
        return PandasCogroupedOps(self, other)

    def apply(self, udf):
        """The old GROUPED_MAP pandas_udf form of applyInPandas."""
        from sparkpp.errors import PySparkTypeError
        if getattr(udf, "evalType", None) != 201:
            raise PySparkTypeError(error_class="INVALID_UDF_EVAL_TYPE",
                                   message_parameters={"eval_type": "SQL_GROUPED_MAP_PANDAS_UDF"})
        return self.applyInPandas(udf.func, udf.returnType)

    def count(self):
        return self.agg(Column(P.alias(P.fn("count", P.lit(1)), ["count"])))

    def _numeric(self, name, cols):
        if not cols:  # every numeric column, as Spark's RelationalGroupedDataset
            cols = [f.name for f in self._df.schema.fields
                    if isinstance(f.dataType, T.NumericType)]
        return self.agg(*[Column(P.fn(name, P.attr(c))) for c in cols])

    def mean(self, *cols):
        return self._numeric("avg", cols)

    avg = mean

    def sum(self, *cols):
        return self._numeric("sum", cols)

    def min(self, *cols):
        return self._numeric("min", cols)

    def max(self, *cols):
        return self._numeric("max", cols)


class PandasCogroupedOps:
    """Two GroupedData cogrouped (GroupedData.cogroup): each key of either side once."""

    def __init__(self, gd1, gd2):
        self._gd1, self._gd2 = gd1, gd2

    def applyInPandas(self, func, schema):
        """func(left_pdf, right_pdf) or func(key, left_pdf, right_pdf) per key found on either
        side (the side without it: an empty DataFrame with its columns), results in `schema`."""
        from sparkpp.sql.pandas_udf import PythonEvalType, pandas_udf
        udf = pandas_udf(func, returnType=schema,
                         functionType=PythonEvalType.SQL_COGROUPED_MAP_PANDAS_UDF)
        return self._gd1._df._new(P.cogroup_map(self._gd1._df._plan, self._gd1._grouping,
                                                self._gd2._df._plan, self._gd2._grouping,
                                                udf._unwrapped._expr([])))
