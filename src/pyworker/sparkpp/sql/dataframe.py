"""pyspark.sql.DataFrame: a plan (a Connect Relation, see _proto.py) plus its session.
Transformations build bigger plans; actions hand the plan to the driver through _client.py."""
import random
import sys
import warnings

from sparkpp.errors import (PySparkAttributeError, PySparkNotImplementedError, PySparkTypeError,
                            PySparkValueError)
from sparkpp.sql import _proto as P
from sparkpp.sql._show import show_string
from sparkpp.sql.column import Column, _col_expr, _expr
from sparkpp.storagelevel import StorageLevel

__all__ = ["DataFrame", "DataFrameNaFunctions", "DataFrameStatFunctions"]


class _NoValueType:
    """replace()'s marker for an omitted `value` (None is a legal value)."""

    def __repr__(self):
        return "<no value>"


_NoValue = _NoValueType()


def _flatten(cols):
    if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
        return list(cols[0])
    return list(cols)


def _sort_exprs(cols, kwargs):
    cols = _flatten(cols)
    if not cols:
        raise PySparkValueError(error_class="CANNOT_BE_EMPTY",
                                message_parameters={"item": "column"})
    exprs = []
    for c in cols:
        if isinstance(c, int) and not isinstance(c, bool):
            raise PySparkNotImplementedError(error_class="NOT_IMPLEMENTED",
                                             message_parameters={"feature": "sort by ordinal"})
        e = _col_expr(c)
        exprs.append(e if "sortOrder" in e else P.sort_order(e, P.ASC, P.NULLS_FIRST))
    ascending = kwargs.get("ascending", True)
    if isinstance(ascending, (bool, int)):
        if not ascending:
            exprs = [P.sort_order(e["sortOrder"]["child"], P.DESC, P.NULLS_LAST) for e in exprs]
    elif isinstance(ascending, list):
        exprs = [e if asc else P.sort_order(e["sortOrder"]["child"], P.DESC, P.NULLS_LAST)
                 for e, asc in zip(exprs, ascending)]
    else:
        raise PySparkTypeError(error_class="NOT_BOOL_OR_LIST",
                               message_parameters={"arg_name": "ascending",
                                                   "arg_type": type(ascending).__name__})
    return exprs


class DataFrame:
    """A distributed collection of rows under named columns, described by a plan."""

    def __init__(self, plan, session):
        self._plan = plan
        self._session = session
        self.sparkSession = session
        self._schema = None
        self.is_cached = False

    @property
    def isStreaming(self):
        return False  # sparkpp has no Structured Streaming

    @property
    def _client(self):
        return self._session._client

    @property
    def _plan_id(self):
        return P.plan_id_of(self._plan)

    def _new(self, plan):
        return DataFrame(plan, self._session)._eager()

    def _eager(self):
        """Analysis is eager, as in Spark: a bad column name fails the call that used it."""
        if self._client.on_engine(self._plan):
            self.schema  # noqa: B018 - analyses and keeps the schema
        return self

    # ---------------------------------------------------------------- schema
    @property
    def schema(self):
        if self._schema is None:
            self._schema = self._client.analyze(self._plan)
        return self._schema

    @property
    def columns(self):
        return self.schema.names

    @property
    def dtypes(self):
        return [(f.name, f.dataType.simpleString()) for f in self.schema.fields]

    def printSchema(self, level=None):
        # PySpark print()s the JVM's treeString, which already ends in a newline
        print(self.schema.treeString(level or None))

    def __repr__(self):
        try:
            return "DataFrame[%s]" % ", ".join("%s: %s" % ct for ct in self.dtypes)
        except PySparkNotImplementedError:
            return "DataFrame[<not analyzed: %s>]" % next(k for k in self._plan if k != "common")

    # ---------------------------------------------------------------- columns
    def __getitem__(self, item):
        if isinstance(item, str):
            if item == "*":
                return Column(P.star())
            return Column(P.attr(item, self._plan_id))
        if isinstance(item, Column):
            return self.filter(item)
        if isinstance(item, (list, tuple)):
            return self.select(*item)
        if isinstance(item, int):
            return self[self.columns[item]]
        raise PySparkTypeError(error_class="NOT_COLUMN_OR_FLOAT_OR_INT_OR_LIST_OR_STR",
                               message_parameters={"arg_name": "item",
                                                   "arg_type": type(item).__name__})

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            known = name in self.columns
        except PySparkNotImplementedError:
            known = False  # no schema (engine not wired): a typo must not become a column
        if not known:
            raise PySparkAttributeError(error_class="ATTRIBUTE_NOT_SUPPORTED",
                                        message_parameters={"attr_name": name})
        return Column(P.attr(name, self._plan_id))

    def _ipython_key_completions_(self):
        return self.columns

    def __dir__(self):
        attrs = set(super().__dir__())
        try:
            attrs.update(c for c in self.columns if c.isidentifier())
        except PySparkNotImplementedError:
            pass
        return sorted(attrs)

    def colRegex(self, colName):
        if not isinstance(colName, str):
            raise PySparkTypeError(error_class="NOT_STR", message_parameters={
                "arg_name": "colName", "arg_type": type(colName).__name__})
        return Column({"unresolvedRegex": {"colName": colName, "planId": P._i64(self._plan_id)}})

    # ---------------------------------------------------------------- transformations
    def select(self, *cols):
        return self._new(P.project(self._plan, [_col_expr(c) for c in _flatten(cols)]))

    def selectExpr(self, *expr):
        return self._new(P.project(self._plan, [P.expr_string(e) for e in _flatten(expr)]))

    def filter(self, condition):
        if isinstance(condition, str):
            cond = P.expr_string(condition)
        elif isinstance(condition, Column):
            cond = condition._expr
        else:
            raise PySparkTypeError(error_class="NOT_COLUMN_OR_STR",
                                   message_parameters={"arg_name": "condition",
                                                       "arg_type": type(condition).__name__})
        return self._new(P.filter_(self._plan, cond))

    where = filter

    def withColumn(self, colName, col):
        if not isinstance(col, Column):
            raise PySparkTypeError(error_class="NOT_COLUMN",
                                   message_parameters={"arg_name": "col",
                                                       "arg_type": type(col).__name__})
        return self._new(P.with_columns(self._plan, [(colName, col._expr)]))

    def withColumns(self, *colsMap):
        if len(colsMap) != 1 or not isinstance(colsMap[0], dict):
            raise PySparkTypeError(error_class="NOT_DICT",
                                   message_parameters={"arg_name": "colsMap",
                                                       "arg_type": type(colsMap).__name__})
        return self._new(P.with_columns(self._plan, [(k, _expr(v))
                                                     for k, v in colsMap[0].items()]))

    def withColumnRenamed(self, existing, new):
        return self._new(P.with_columns_renamed(self._plan, {existing: new}))

    def withColumnsRenamed(self, colsMap):
        if not isinstance(colsMap, dict):
            raise PySparkTypeError(error_class="NOT_DICT",
                                   message_parameters={"arg_name": "colsMap",
                                                       "arg_type": type(colsMap).__name__})
        return self._new(P.with_columns_renamed(self._plan, colsMap))

    def drop(self, *cols):
        names = [c for c in cols if isinstance(c, str)]
        exprs = []
        for c in cols:
            if isinstance(c, Column):
                exprs.append(c._expr)
            elif not isinstance(c, str):
                raise PySparkTypeError(error_class="NOT_COLUMN_OR_STR",
                                       message_parameters={"arg_name": "col",
                                                           "arg_type": type(c).__name__})
        return self._new(P.drop(self._plan, exprs, names))

    def alias(self, alias):
        return self._new(P.subquery_alias(self._plan, alias))

    def toDF(self, *cols):
        for c in cols:
            if not isinstance(c, str):
                raise PySparkTypeError(error_class="NOT_LIST_OF_STR",
                                       message_parameters={"arg_name": "cols",
                                                           "arg_type": type(c).__name__})
        return self._new(P.to_df(self._plan, cols))

    def groupBy(self, *cols):
        from sparkpp.sql.group import GroupedData
        return GroupedData(self, [_col_expr(c) for c in _flatten(cols)], "groupby")

    groupby = groupBy

    def rollup(self, *cols):
        from sparkpp.sql.group import GroupedData
        return GroupedData(self, [_col_expr(c) for c in _flatten(cols)], "rollup")

    def cube(self, *cols):
        from sparkpp.sql.group import GroupedData
        return GroupedData(self, [_col_expr(c) for c in _flatten(cols)], "cube")

    def agg(self, *exprs):
        return self.groupBy().agg(*exprs)

    def orderBy(self, *cols, **kwargs):
        return self._new(P.sort(self._plan, _sort_exprs(cols, kwargs), True))

    sort = orderBy

    def sortWithinPartitions(self, *cols, **kwargs):
        return self._new(P.sort(self._plan, _sort_exprs(cols, kwargs), False))

    def join(self, other, on=None, how=None):
        if not isinstance(other, DataFrame):
            raise PySparkTypeError(error_class="NOT_DATAFRAME",
                                   message_parameters={"arg_name": "other",
                                                       "arg_type": type(other).__name__})
        if how is None:
            how = "inner"
        if not isinstance(how, str) or how.lower().replace(" ", "") not in P.JOIN_TYPES:
            raise PySparkValueError(error_class="UNSUPPORTED_JOIN_TYPE",
                                    message_parameters={"join_type": str(how)})
        join_type = P.JOIN_TYPES[how.lower().replace(" ", "")]
        condition, using = None, None
        if isinstance(on, str):
            using = [on]
        elif isinstance(on, Column):
            condition = on._expr
        elif isinstance(on, (list, tuple)) and on:
            if all(isinstance(c, str) for c in on):
                using = list(on)
            elif all(isinstance(c, Column) for c in on):
                cond = on[0]
                for c in on[1:]:
                    cond = cond & c
                condition = cond._expr
            else:
                raise PySparkTypeError(error_class="NOT_COLUMN_OR_LIST_OR_STR",
                                       message_parameters={"arg_name": "on",
                                                           "arg_type": type(on).__name__})
        elif on is not None and not (isinstance(on, (list, tuple)) and not on):
            raise PySparkTypeError(error_class="NOT_COLUMN_OR_LIST_OR_STR",
                                   message_parameters={"arg_name": "on",
                                                       "arg_type": type(on).__name__})
        return self._new(P.join(self._plan, other._plan, join_type, condition, using))

    def crossJoin(self, other):
        return self._new(P.join(self._plan, other._plan, "JOIN_TYPE_CROSS"))

    def _joinAsOf(self, other, leftAsOfColumn, rightAsOfColumn, on=None, how=None, *,
                  tolerance=None, allowExactMatches=True, direction="backward"):
        """As-of join (PySpark's private API, which its own docstrings use): see _asof.py."""
        from sparkpp.sql._asof import join_as_of
        return join_as_of(self, other, leftAsOfColumn, rightAsOfColumn, on, how,
                          tolerance=tolerance, allowExactMatches=allowExactMatches,
                          direction=direction)

    def _set_op(self, other, op, is_all, by_name=False, allow_missing=False):
        if not isinstance(other, DataFrame):
            raise PySparkTypeError(error_class="NOT_DATAFRAME",
                                   message_parameters={"arg_name": "other",
                                                       "arg_type": type(other).__name__})
        return self._new(P.set_op(self._plan, other._plan, op, is_all, by_name, allow_missing))

    def union(self, other):
        return self._set_op(other, "union", True)

    unionAll = union

    def unionByName(self, other, allowMissingColumns=False):
        return self._set_op(other, "union", True, True, allowMissingColumns)

    def intersect(self, other):
        return self._set_op(other, "intersect", False)

    def intersectAll(self, other):
        return self._set_op(other, "intersect", True)

    def subtract(self, other):
        return self._set_op(other, "except", False)

    def exceptAll(self, other):
        return self._set_op(other, "except", True)

    def distinct(self):
        return self._new(P.deduplicate(self._plan))

    def dropDuplicates(self, subset=None):
        if subset is not None and not isinstance(subset, (list, tuple)):
            raise PySparkTypeError(error_class="NOT_LIST_OR_TUPLE",
                                   message_parameters={"arg_name": "subset",
                                                       "arg_type": type(subset).__name__})
        return self._new(P.deduplicate(self._plan, None if subset is None else list(subset)))

    drop_duplicates = dropDuplicates

    def limit(self, num):
        return self._new(P.limit(self._plan, num))

    def offset(self, num):
        return self._new(P.offset(self._plan, num))

    def repartition(self, numPartitions, *cols):
        if isinstance(numPartitions, int) and not isinstance(numPartitions, bool):
            if not cols:
                return self._new(P.repartition(self._plan, numPartitions, True))
            return self._new(P.repartition_by_expression(
                self._plan, [_col_expr(c) for c in _flatten(cols)], numPartitions))
        if isinstance(numPartitions, (str, Column)):
            cols = (numPartitions,) + cols
            return self._new(P.repartition_by_expression(
                self._plan, [_col_expr(c) for c in _flatten(cols)]))
        raise PySparkTypeError(error_class="NOT_COLUMN_OR_STR",
                               message_parameters={"arg_name": "numPartitions",
                                                   "arg_type": type(numPartitions).__name__})

    def repartitionByRange(self, numPartitions, *cols):
        n = None
        if isinstance(numPartitions, int) and not isinstance(numPartitions, bool):
            n = numPartitions
        else:
            cols = (numPartitions,) + cols
        if not cols:
            raise PySparkValueError(error_class="CANNOT_BE_EMPTY",
                                    message_parameters={"item": "partition-by expression"})
        exprs = [e if "sortOrder" in e else P.sort_order(e, P.ASC, P.NULLS_FIRST)
                 for e in (_col_expr(c) for c in cols)]
        return self._new(P.repartition_by_expression(self._plan, exprs, n))

    def coalesce(self, numPartitions):
        return self._new(P.repartition(self._plan, numPartitions, False))

    def sample(self, withReplacement=None, fraction=None, seed=None):
        # PySpark's argument shuffle: sample(0.5), sample(0.5, 3), sample(True, 0.5, 3)
        if isinstance(withReplacement, float) and fraction is None:
            withReplacement, fraction = None, withReplacement
        elif isinstance(withReplacement, float) and isinstance(fraction, int):
            withReplacement, fraction, seed = None, withReplacement, fraction
        if withReplacement is not None and not isinstance(withReplacement, bool):
            raise PySparkTypeError(error_class="NOT_BOOL", message_parameters={
                "arg_name": "withReplacement", "arg_type": type(withReplacement).__name__})
        if not isinstance(fraction, (int, float)) or isinstance(fraction, bool):
            raise PySparkTypeError(error_class="NOT_FLOAT_OR_INT", message_parameters={
                "arg_name": "fraction", "arg_type": type(fraction).__name__})
        if seed is None:
            seed = random.randint(0, sys.maxsize)
        return self._new(P.sample(self._plan, 0.0, float(fraction), bool(withReplacement),
                                  int(seed)))

    def randomSplit(self, weights, seed=None):
        for w in weights:
            if w < 0.0:
                raise PySparkValueError(error_class="VALUE_NOT_POSITIVE",
                                        message_parameters={"arg_name": "weights",
                                                            "arg_value": str(w)})
        if seed is None:
            seed = random.randint(0, sys.maxsize)
        total = float(sum(weights))
        bounds, acc = [0.0], 0.0
        for w in weights:
            acc += w / total
            bounds.append(acc)
        return [self._new(P.sample(self._plan, lo, hi, False, int(seed), True))
                for lo, hi in zip(bounds, bounds[1:])]

    def hint(self, name, *parameters):
        params = []
        for p in _flatten(parameters) if parameters else []:
            params.append(p._expr if isinstance(p, Column) else P.lit(p))
        return self._new(P.hint(self._plan, name, params))

    def describe(self, *cols):
        return self._new(P.describe(self._plan, _flatten(cols)))

    def summary(self, *statistics):
        return self._new(P.summary(self._plan, _flatten(statistics)))

    def transform(self, func, *args, **kwargs):
        result = func(self, *args, **kwargs)
        if not isinstance(result, DataFrame):
            raise PySparkTypeError(error_class="NOT_DATAFRAME", message_parameters={
                "arg_name": "func return", "arg_type": type(result).__name__})
        return result

    def unpivot(self, ids, values, variableColumnName, valueColumnName):
        def exprs(cols):
            cols = [cols] if isinstance(cols, (str, Column)) else list(cols)
            return [_col_expr(c) for c in cols]
        body = {"input": self._plan, "ids": exprs(ids),
                "variableColumnName": variableColumnName, "valueColumnName": valueColumnName}
        if values is not None:
            body["values"] = {"values": exprs(values)}
        return self._new(P.relation("unpivot", body))

    melt = unpivot

    def withMetadata(self, columnName, metadata):
        if not isinstance(metadata, dict):
            raise PySparkTypeError(error_class="NOT_DICT",
                                   message_parameters={"arg_name": "metadata",
                                                       "arg_type": type(metadata).__name__})
        return self._new(P.relation("withColumns", {"input": self._plan, "aliases": [
            P.alias_body(P.attr(columnName), [columnName], metadata)]}))

    def to(self, schema):
        return self._new(P.relation("toSchema", {"input": self._plan,
                                                 "schema": P.data_type(schema)}))

    def _stat_value(self, kind, body):
        rows = self._new(P.relation(kind, dict(input=self._plan, **body))).collect()
        return rows[0][0] if rows else None

    def corr(self, col1, col2, method=None):
        if method not in (None, "pearson"):
            raise PySparkValueError(error_class="VALUE_NOT_PEARSON",
                                    message_parameters={"arg_name": "method",
                                                        "arg_value": str(method)})
        return self._stat_value("corr", {"col1": col1, "col2": col2, "method": "pearson"})

    def cov(self, col1, col2):
        return self._stat_value("cov", {"col1": col1, "col2": col2})

    def approxQuantile(self, col, probabilities, relativeError):
        single = isinstance(col, str)
        cols = [col] if single else list(col)
        res = self._stat_value("approxQuantile", {"cols": cols,
                                                  "probabilities": list(probabilities),
                                                  "relativeError": float(relativeError)})
        return res[0] if single and res is not None else res

    def crosstab(self, col1, col2):
        return self.stat.crosstab(col1, col2)

    def freqItems(self, cols, support=None):
        return self.stat.freqItems(cols, support)

    def sampleBy(self, col, fractions, seed=None):
        return self.stat.sampleBy(col, fractions, seed)

    def inputFiles(self):
        """Dataset.inputFiles: the data files the plan's file scans read (directories listed as
        Spark's file index does: hidden `_`/`.` entries skipped), sorted, without duplicates."""
        import os
        found = set()

        def files(path):
            path = path[len("file:"):] if path.startswith("file:") else path
            if not os.path.isdir(path):
                return [path] if os.path.exists(path) else []
            out = []
            for root, dirs, names in os.walk(path):
                dirs[:] = [d for d in dirs if not d.startswith(("_", "."))]
                out += [os.path.join(root, n) for n in names if not n.startswith(("_", "."))]
            return out

        def walk(node):
            if isinstance(node, dict):
                source = node.get("dataSource")
                if isinstance(source, dict):
                    for p in source.get("paths", []):
                        found.update("file://" + os.path.abspath(f) for f in files(p))
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)
        walk(self._plan)
        return sorted(found)

    def isLocal(self):
        # Dataset.isLocal: the plan is a LocalRelation or a command's result. createDataFrame
        # data is an RDD in classic PySpark (LogicalRDD), so only statements' results are local.
        return bool(getattr(self, "_command_result", False))

    def sameSemantics(self, other):
        if not isinstance(other, DataFrame):
            raise PySparkTypeError(error_class="NOT_DATAFRAME",
                                   message_parameters={"arg_name": "other",
                                                       "arg_type": type(other).__name__})
        return self._client.same_semantics(self._plan, other._plan)

    def semanticHash(self):
        return self._client.semantic_hash(self._plan)

    @property
    def na(self):
        return DataFrameNaFunctions(self)

    @property
    def stat(self):
        return DataFrameStatFunctions(self)

    def fillna(self, value, subset=None):
        if not isinstance(value, (float, int, str, bool, dict)):
            raise PySparkTypeError(error_class="NOT_BOOL_OR_DICT_OR_FLOAT_OR_INT_OR_STR",
                                   message_parameters={"arg_name": "value",
                                                       "arg_type": type(value).__name__})
        if isinstance(value, dict):
            if not value:
                raise PySparkValueError(error_class="CANNOT_BE_EMPTY",
                                        message_parameters={"item": "value"})
            return self._new(P.fill_na(self._plan, list(value), list(value.values())))
        # PySpark fills with a double for every int (bools stay bools)
        if isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if subset is not None:
            if isinstance(subset, str):
                subset = [subset]
            elif not isinstance(subset, (list, tuple)):
                raise PySparkTypeError(error_class="NOT_LIST_OR_TUPLE",
                                       message_parameters={"arg_name": "subset",
                                                           "arg_type": type(subset).__name__})
        return self._new(P.fill_na(self._plan, subset, [value]))

    def dropna(self, how="any", thresh=None, subset=None):
        if how is not None and how not in ("any", "all"):
            raise PySparkValueError(error_class="VALUE_NOT_ANY_OR_ALL",
                                    message_parameters={"arg_name": "how", "arg_value": str(how)})
        if isinstance(subset, str):
            subset = [subset]
        elif subset is not None and not isinstance(subset, (list, tuple)):
            raise PySparkTypeError(error_class="NOT_LIST_OR_STR_OR_TUPLE",
                                   message_parameters={"arg_name": "subset",
                                                       "arg_type": type(subset).__name__})
        if thresh is None and how == "all":
            thresh = 1
        # thresh None: "any" over the subset (the driver counts the columns)
        return self._new(P.drop_na(self._plan, subset, thresh))

    def replace(self, to_replace, value=_NoValue, subset=None):
        if value is _NoValue:
            if not isinstance(to_replace, dict):
                raise PySparkTypeError(error_class="ARGUMENT_REQUIRED", message_parameters={
                    "arg_name": "value", "condition": "`to_replace` is dict"})
            value = None
        valid = (bool, float, int, str, list, tuple)
        if not isinstance(to_replace, valid + (dict,)):
            raise PySparkTypeError(
                error_class="NOT_BOOL_OR_DICT_OR_FLOAT_OR_INT_OR_LIST_OR_STR_OR_TUPLE",
                message_parameters={"arg_name": "to_replace",
                                    "arg_type": type(to_replace).__name__})
        if (not isinstance(value, valid) and value is not None
                and not isinstance(to_replace, dict)):
            raise PySparkTypeError(
                error_class="NOT_BOOL_OR_FLOAT_OR_INT_OR_LIST_OR_NONE_OR_STR_OR_TUPLE",
                message_parameters={"arg_name": "value", "arg_type": type(value).__name__})
        if isinstance(to_replace, (list, tuple)) and isinstance(value, (list, tuple)):
            if len(to_replace) != len(value):
                raise PySparkValueError(error_class="LENGTH_SHOULD_BE_THE_SAME",
                                        message_parameters={"arg1": "to_replace",
                                                            "arg2": "value",
                                                            "arg1_length": str(len(to_replace)),
                                                            "arg2_length": str(len(value))})
        if not (subset is None or isinstance(subset, (list, tuple, str))):
            raise PySparkTypeError(error_class="NOT_LIST_OR_STR_OR_TUPLE",
                                   message_parameters={"arg_name": "subset",
                                                       "arg_type": type(subset).__name__})
        if isinstance(to_replace, (float, int, str)):
            to_replace = [to_replace]
        if isinstance(to_replace, dict):
            rep = to_replace
            if value is not None:
                warnings.warn("to_replace is a dict and value is not None. value will be ignored.")
        else:
            if isinstance(value, (float, int, str)) or value is None:
                value = [value for _ in range(len(to_replace))]
            rep = dict(zip(to_replace, value))
        if isinstance(subset, str):
            subset = [subset]

        def all_of(types, xs):
            return all(isinstance(x, types) for x in xs)
        if not any(all_of(t, rep.keys()) and all_of(t, [x for x in rep.values() if x is not None])
                   for t in (bool, str, (float, int))):
            raise PySparkValueError(error_class="MIXED_TYPE_REPLACEMENT", message_parameters={})
        return self._new(P.replace(self._plan, subset, list(rep.items())))

    # ---------------------------------------------------------------- actions
    def collect(self):
        _, batches = self._client.execute(self._plan)
        return [r for batch in batches for r in batch]

    def count(self):
        return self._client.count(self._plan)

    def take(self, num):
        return self._client.take(self._plan, num)[1]

    def head(self, n=None):
        if n is None:
            rs = self.head(1)
            return rs[0] if rs else None
        return self.take(n)

    def first(self):
        return self.head()

    def tail(self, num):
        return self._new(P.tail(self._plan, num)).collect()

    def isEmpty(self):
        return len(self.take(1)) == 0

    def toLocalIterator(self, prefetchPartitions=False):
        return self._client.to_local_iterator(self._plan, prefetchPartitions)

    def foreach(self, f):
        self.rdd.foreach(f)

    def foreachPartition(self, f):
        self.rdd.foreachPartition(f)

    @property
    def rdd(self):
        return self._client.rdd(self._plan)

    def toJSON(self, use_unicode=True):
        """An RDD of each row as a JSON string (Dataset.toJSON: to_json of the whole row, with
        the session's time zone and Spark's JSON options)."""
        from sparkpp.sql import functions as F
        rdd = self.select(F.to_json(F.struct("*")).alias("value")).rdd
        if use_unicode:
            return rdd.map(lambda r: r[0])
        return rdd.map(lambda r: r[0].encode("utf-8"))

    def show(self, n=20, truncate=True, vertical=False):
        # As PySpark: print() of showString, which already ends in a newline (a blank line
        # follows the table).
        print(self._show_string(n, truncate, vertical))

    def _show_string(self, n=20, truncate=True, vertical=False):
        if not isinstance(n, int) or isinstance(n, bool):
            raise PySparkTypeError(error_class="NOT_INT",
                                   message_parameters={"arg_name": "n",
                                                       "arg_type": type(n).__name__})
        if not isinstance(vertical, bool):
            raise PySparkTypeError(error_class="NOT_BOOL",
                                   message_parameters={"arg_name": "vertical",
                                                       "arg_type": type(vertical).__name__})
        if isinstance(truncate, bool) and truncate:
            width = 20
        else:
            try:
                width = int(truncate)
            except ValueError:
                raise PySparkTypeError(error_class="NOT_BOOL",
                                       message_parameters={"arg_name": "truncate",
                                                           "arg_type": type(truncate).__name__})
        n = max(n, 0)  # Dataset.showString clamps a negative count to 0
        names, cells = self._client.show_cells(self._plan, n)
        return show_string(names, cells[:n], n, width, vertical, len(cells) > n)

    def mapInPandas(self, func, schema, barrier=False):
        """func maps an iterator of pandas DataFrames (this DataFrame's batches) to an iterator
        of pandas DataFrames in `schema` (DDL string or StructType)."""
        from sparkpp.sql.pandas_udf import PythonEvalType, pandas_udf
        udf = pandas_udf(func, returnType=schema, functionType=PythonEvalType.SQL_MAP_PANDAS_ITER_UDF)
        return self._new(P.map_partitions(self._plan, udf._unwrapped._expr([]), barrier))

    def toPandas(self):
        return self._client.to_pandas(self._plan)

    def explain(self, extended=None, mode=None):
        if extended is not None and mode is not None:
            raise PySparkValueError(error_class="CANNOT_SET_TOGETHER",
                                    message_parameters={"arg_list": "extended and mode"})
        if isinstance(extended, str):
            mode, extended = extended, None
        if mode is None:
            mode = "extended" if extended else "simple"
        print(self._client.explain(self._plan, mode))

    # ---------------------------------------------------------------- storage and views
    def cache(self):
        # The JVM's Dataset.cache(): MEMORY_AND_DISK, kept deserialized.
        return self.persist(StorageLevel(True, True, False, True))

    def persist(self, storageLevel=None):
        if storageLevel is None:
            storageLevel = StorageLevel(True, True, False, True)  # MEMORY_AND_DISK_DESER
        self.is_cached = True
        self._client.persist(self._plan, storageLevel)
        return self

    def unpersist(self, blocking=False):
        self.is_cached = False
        self._client.unpersist(self._plan, blocking)
        return self

    @property
    def storageLevel(self):
        return self._client.storage_level(self._plan)

    def _view(self, name, is_global, replace):
        self._client.command(P.create_view(self._plan, name, is_global, replace))

    def createTempView(self, name):
        self._view(name, False, False)

    def createOrReplaceTempView(self, name):
        self._view(name, False, True)

    def createGlobalTempView(self, name):
        self._view(name, True, False)

    def createOrReplaceGlobalTempView(self, name):
        self._view(name, True, True)

    registerTempTable = createOrReplaceTempView

    @property
    def write(self):
        from sparkpp.sql.readwriter import DataFrameWriter
        return DataFrameWriter(self)

    def writeTo(self, table):
        from sparkpp.sql.readwriter import DataFrameWriterV2
        return DataFrameWriterV2(self, table)


class DataFrameNaFunctions:
    """df.na: fill, drop, replace."""

    def __init__(self, df):
        self.df = df

    def drop(self, how="any", thresh=None, subset=None):
        return self.df.dropna(how=how, thresh=thresh, subset=subset)

    def fill(self, value, subset=None):
        return self.df.fillna(value=value, subset=subset)

    def replace(self, to_replace, value=_NoValue, subset=None):
        return self.df.replace(to_replace, value, subset)


class DataFrameStatFunctions:
    """df.stat; these run on the engine (Connect's stat relations) once it is wired."""

    def __init__(self, df):
        self.df = df

    def _stat(self, kind, body):
        return self.df._new(P.relation(kind, dict(input=self.df._plan, **body)))

    def crosstab(self, col1, col2):
        """Spark 3.5's StatFunctions.crossTabulate: col1's values (as strings) grouped, pivoted
        by col2's (as strings without backticks), counted, zeros for missing pairs."""
        from sparkpp.sql import functions as F
        for name, c in (("col1", col1), ("col2", col2)):
            if not isinstance(c, str):
                raise PySparkTypeError(error_class="NOT_STR", message_parameters={
                    "arg_name": name, "arg_type": type(c).__name__})
        c1, c2 = F.col(col1), F.col(col2)
        name = "%s_%s" % (col1, col2)
        rows = F.when(F.isnull(c1), "null").otherwise(c1.cast("string")).alias(name)
        cols = F.when(F.isnull(c2), "null").otherwise(
            F.regexp_replace(c2.cast("string"), "`", "")).alias("__crosstab_col2")
        # pivoted by name: its distinct values are then fetched by that column
        return (self.df.select(rows, cols).groupBy(F.col(name)).pivot("__crosstab_col2")
                .count().na.fill(0))

    def corr(self, col1, col2, method=None):
        return self.df.corr(col1, col2, method)

    def cov(self, col1, col2):
        return self.df.cov(col1, col2)

    def approxQuantile(self, col, probabilities, relativeError):
        return self.df.approxQuantile(col, probabilities, relativeError)

    def freqItems(self, cols, support=None):
        body = {"cols": list(cols)}
        if support is not None:
            body["support"] = float(support)
        return self._stat("freqItems", body)

    def sampleBy(self, col, fractions, seed=None):
        """Spark's DataFrameStatFunctions.sampleBy: rows kept where rand(seed) is below their
        stratum's fraction (0 for strata not listed)."""
        from sparkpp.sql import functions as F
        if isinstance(col, str):
            col = F.col(col)
        elif not isinstance(col, Column):
            raise PySparkTypeError(error_class="NOT_COLUMN_OR_STR", message_parameters={
                "arg_name": "col", "arg_type": type(col).__name__})
        if not isinstance(fractions, dict):
            raise PySparkTypeError(error_class="NOT_DICT", message_parameters={
                "arg_name": "fractions", "arg_type": type(fractions).__name__})
        for k, v in fractions.items():
            if not isinstance(k, (float, int, str)):
                raise PySparkTypeError(error_class="DISALLOWED_TYPE_FOR_CONTAINER",
                                       message_parameters={"arg_name": "fractions",
                                                           "arg_type": type(fractions).__name__,
                                                           "allowed_types": "float, int, str",
                                                           "return_type": type(k).__name__})
            if not 0.0 <= float(v) <= 1.0:
                from sparkpp.errors import IllegalArgumentException
                raise IllegalArgumentException(
                    "requirement failed: Fractions must be in [0, 1], but got %r." % (fractions,))
        if seed is None:
            seed = random.randint(0, sys.maxsize)
        fraction = F.lit(0.0)
        if fractions:
            items = list(fractions.items())
            fraction = F.when(col == F.lit(items[0][0]), float(items[0][1]))
            for k, v in items[1:]:
                fraction = fraction.when(col == F.lit(k), float(v))
            fraction = fraction.otherwise(0.0)
        return self.df.filter(F.rand(int(seed)) < fraction)
