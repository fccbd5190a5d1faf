"""pyspark.sql.functions, continued: ROLLUP/CUBE's grouping functions, boolean and conditional
aggregates, nth_value and the names classic PySpark gives some aggregates. Bound into
sparkpp.sql.functions (and its __all__) at the end of that module."""
from sparkpp.sql import _proto as P
from sparkpp.sql.column import Column, _col_expr
from sparkpp.sql.functions import _invoke, _lit_or_col, _one_column, _public, percentile_approx

EXPORTED = []


def _export(f):
    EXPORTED.append(f.__name__)
    return _public(f)


# ------------------------------------------------------------ ROLLUP / CUBE / GROUPING SETS

@_export
def grouping(col):
    """1 when `col` is aggregated away in this row's grouping set (ROLLUP/CUBE), else 0."""
    return _invoke("grouping", _col_expr(col))


@_export
def grouping_id(*cols):
    """The grouping set's id: one bit per grouping column (1 = aggregated away), first highest."""
    if len(cols) == 1 and isinstance(cols[0], (list, tuple)):
        cols = tuple(cols[0])
    return _invoke("grouping_id", *[_col_expr(c) for c in cols])


# ------------------------------------------------- boolean / conditional aggregates, nth_value

@_export
def count_if(col):
    """Rows where `col` is true."""
    return _invoke("count_if", _col_expr(col))


for _name, _doc in [("bool_and", "True when every value is true."), ("every", "True when every value is true."),
                    ("bool_or", "True when some value is true."), ("some", "True when some value is true.")]:
    globals()[_name] = _export(_one_column(_name, _doc))
del _name, _doc


def _value_fn(name, doc):
    def f(col, ignoreNulls=None):
        if ignoreNulls is None:
            return _invoke(name, _col_expr(col))
        return _invoke(name, _col_expr(col), _lit_or_col(ignoreNulls))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


for _name, _doc in [("any_value", "Some value of the group."), ("first_value", "The first value."),
                    ("last_value", "The last value.")]:
    globals()[_name] = _export(_value_fn(_name, _doc))
del _name, _doc


@_export
def nth_value(col, offset, ignoreNulls=False):
    """The value of the offset-th row of the window frame (1-based), NULL when there is none."""
    return _invoke("nth_value", _col_expr(col), P.lit(offset), P.lit(bool(ignoreNulls)))


@_export
def variance(col):
    """Sample variance (classic PySpark names it var_samp: Scala's functions.variance is VarianceSamp)."""
    return _invoke("var_samp", _col_expr(col))


std = _export(_one_column("std", "Sample standard deviation."))


@_export
def approx_percentile(col, percentage, accuracy=10000):
    """percentile_approx under its SQL alias."""
    p = percentile_approx(col, percentage, accuracy)._expr
    p["unresolvedFunction"]["functionName"] = "approx_percentile"
    return Column(p)


# ------------------------------ aggregates finished from the group's values (analysis/fn_aggs.cpp)

for _name, _doc in [("median", "The exact median (interpolated, as percentile(col, 0.5))."),
                    ("mode", "The most frequent value."),
                    ("try_sum", "sum, NULL on overflow."), ("try_avg", "avg, NULL on overflow.")]:
    globals()[_name] = _export(_one_column(_name, _doc))
del _name, _doc


@_export
def percentile(col, percentage, frequency=1):
    """The exact percentile(s) of a numeric column, interpolated between neighbouring ranks."""
    pct = percentage._expr if isinstance(percentage, Column) else _lit_or_col(
        list(percentage) if isinstance(percentage, tuple) else percentage)
    if isinstance(percentage, (list, tuple)):
        from sparkpp.sql.functions import lit
        pct = lit(list(percentage))._expr
    return _invoke("percentile", _col_expr(col), pct, _lit_or_col(frequency))


@_export
def max_by(col, ord):
    """The value of `col` where `ord` is greatest."""
    return _invoke("max_by", _col_expr(col), _col_expr(ord))


@_export
def min_by(col, ord):
    """The value of `col` where `ord` is least."""
    return _invoke("min_by", _col_expr(col), _col_expr(ord))


# ------------------------------------------------- try_ arithmetic (NULL instead of overflow)

def _binary(name, doc):
    def f(left, right):
        return _invoke(name, _col_expr(left), _col_expr(right))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


for _name, _doc in [("try_add", "left + right, NULL on overflow."),
                    ("try_subtract", "left - right, NULL on overflow."),
                    ("try_multiply", "left * right, NULL on overflow."),
                    ("try_divide", "left / right, NULL when right is 0.")]:
    globals()[_name] = _export(_binary(_name, _doc))
del _name, _doc


@_export
def try_element_at(col, extraction):
    """element_at, NULL where the index is out of range or the key absent."""
    return _invoke("try_element_at", _col_expr(col), _col_expr(extraction))


for _name in ["regr_avgx", "regr_avgy", "regr_count", "regr_intercept", "regr_r2", "regr_slope", "regr_sxx",
              "regr_sxy", "regr_syy"]:
    globals()[_name] = _export(_binary(_name, "Linear regression aggregate %s(y, x) over non-NULL pairs." % _name))
del _name
