"""pyspark.sql.functions, continued: higher-order functions with Python lambdas (transform,
filter, exists, forall, aggregate/reduce, zip_with, transform_keys/_values, map_filter,
map_zip_with, array_sort with a comparator). As PySpark's _create_lambda, the Python function
is called once, here, with placeholder Columns named x_N, y_N, z_N (N from one counter per
process, as Spark's UnresolvedNamedLambdaVariable.freshVarName); what it returns is the lambda's
body, sent as Connect's LambdaFunction. The driver evaluates it natively; Python never runs per
row. Bound into sparkpp.sql.functions at the end of that module."""
import inspect
import itertools

from sparkpp.errors import PySparkValueError
from sparkpp.sql.column import Column, _col_expr
from sparkpp.sql import functions as _F

EXPORTED = []
_next_var_id = itertools.count()


def _export(f):
    EXPORTED.append(f.__name__)
    if f.__name__ not in _F.__all__:
        _F.__all__.append(f.__name__)
    return f


def _lambda_parameters(f):
    params = list(inspect.signature(f).parameters.values())
    if not (1 <= len(params) <= 3):
        raise PySparkValueError(error_class="WRONG_NUM_ARGS_FOR_HIGHER_ORDER_FUNCTION",
                                message_parameters={"func_name": f.__name__, "num_args": str(len(params))})
    ok = {inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.POSITIONAL_ONLY}
    if not all(p.kind in ok for p in params):
        raise PySparkValueError(error_class="UNSUPPORTED_PARAM_TYPE_FOR_HIGHER_ORDER_FUNCTION",
                                message_parameters={"func_name": f.__name__})
    return params


def _create_lambda(f):
    params = _lambda_parameters(f)
    names = ["%s_%d" % (n, next(_next_var_id)) for n in ["x", "y", "z"][:len(params)]]
    result = f(*[Column({"unresolvedNamedLambdaVariable": {"nameParts": [n]}}) for n in names])
    if not isinstance(result, Column):
        raise PySparkValueError(error_class="HIGHER_ORDER_FUNCTION_SHOULD_RETURN_COLUMN",
                                message_parameters={"func_name": f.__name__,
                                                    "return_type": type(result).__name__})
    return {"lambdaFunction": {"function": result._expr,
                               "arguments": [{"nameParts": [n]} for n in names]}}


def _hof(name, cols, funs):
    return _F._invoke(name, *[_col_expr(c) for c in cols], *[_create_lambda(f) for f in funs])


@_export
def transform(col, f):
    """Each element mapped by f(x) or f(x, i) (i: the 0-based index)."""
    return _hof("transform", [col], [f])


@_export
def filter(col, f):
    """The elements for which f(x) (or f(x, i)) is true."""
    return _hof("filter", [col], [f])


@_export
def exists(col, f):
    """True when f(x) holds for some element (NULL when none does but some gave NULL)."""
    return _hof("exists", [col], [f])


@_export
def forall(col, f):
    """True when f(x) holds for every element (NULL when none fails but some gave NULL)."""
    return _hof("forall", [col], [f])


@_export
def aggregate(col, initialValue, merge, finish=None):
    """merge(acc, x) folded over the elements from initialValue, then finish(acc)."""
    return _hof("aggregate", [col, initialValue], [merge] + ([finish] if finish is not None else []))


@_export
def reduce(col, initialValue, merge, finish=None):
    """The same as aggregate (classic PySpark builds ArrayAggregate, named `aggregate`)."""
    return aggregate(col, initialValue, merge, finish)


@_export
def zip_with(left, right, f):
    """f(x, y) of the elements at each position; the shorter array padded with NULLs."""
    return _hof("zip_with", [left, right], [f])


@_export
def transform_keys(col, f):
    """The map with each key replaced by f(k, v)."""
    return _hof("transform_keys", [col], [f])


@_export
def transform_values(col, f):
    """The map with each value replaced by f(k, v)."""
    return _hof("transform_values", [col], [f])


@_export
def map_filter(col, f):
    """The entries for which f(k, v) is true."""
    return _hof("map_filter", [col], [f])


@_export
def map_zip_with(col1, col2, f):
    """One entry per key of either map, valued f(k, v1, v2) (a missing side is NULL)."""
    return _hof("map_zip_with", [col1, col2], [f])


@_export
def array_sort(col, comparator=None):
    """Ascending with NULLs last, or ordered by comparator(x, y) (negative, 0, positive)."""
    if comparator is None:
        return _F._invoke("array_sort", _col_expr(col))
    return _hof("array_sort", [col], [comparator])
