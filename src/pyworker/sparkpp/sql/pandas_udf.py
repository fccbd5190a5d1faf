"""pandas UDFs (pyspark.sql.pandas.functions): `pandas_udf` with PySpark 3.5's forms and its
type-hint inference. Batches reach the function as pandas Series built from the engine's
columnar buffers (no Arrow needed: sql/_pandas_udf_eval.py)."""
import functools
import inspect
import typing
import warnings

from sparkpp.errors import PySparkTypeError, PySparkValueError
from sparkpp.sql import types as T
from sparkpp.sql.udf import UserDefinedFunction

__all__ = ["pandas_udf", "PandasUDFType", "PythonEvalType"]


class PythonEvalType:
    NON_UDF = 0
    SQL_BATCHED_UDF = 100
    SQL_SCALAR_PANDAS_UDF = 200
    SQL_GROUPED_MAP_PANDAS_UDF = 201
    SQL_GROUPED_AGG_PANDAS_UDF = 202
    SQL_WINDOW_AGG_PANDAS_UDF = 203
    SQL_SCALAR_PANDAS_ITER_UDF = 204
    SQL_MAP_PANDAS_ITER_UDF = 205
    SQL_COGROUPED_MAP_PANDAS_UDF = 206
    SQL_MAP_ARROW_ITER_UDF = 207


class PandasUDFType:
    """Pandas UDF types (the pre-type-hint API)."""
    SCALAR = PythonEvalType.SQL_SCALAR_PANDAS_UDF
    SCALAR_ITER = PythonEvalType.SQL_SCALAR_PANDAS_ITER_UDF
    GROUPED_MAP = PythonEvalType.SQL_GROUPED_MAP_PANDAS_UDF
    GROUPED_AGG = PythonEvalType.SQL_GROUPED_AGG_PANDAS_UDF


_VALID = (200, 201, 202, 204, 205, 206, 207, None)


def _is(hint, *names):
    return getattr(hint, "__module__", "").startswith("pandas") and \
        getattr(hint, "__name__", None) in names


def _is_iterator_of(hint, pred):
    origin = typing.get_origin(hint)
    import collections.abc as abc
    if origin not in (abc.Iterator, abc.Iterable, typing.Iterator, typing.Iterable):
        return False
    args = typing.get_args(hint)
    return len(args) == 1 and pred(args[0])


def _infer_eval_type(sig, hints):
    """PySpark's infer_eval_type: the kind of pandas UDF its type hints describe."""
    params = [hints[p] for p in sig.parameters if p in hints]
    if "return" not in hints or len(params) != len(sig.parameters):
        raise PySparkValueError(error_class="TYPE_HINT_SHOULD_BE_SPECIFIED",
                                message_parameters={"target": "all parameters and return",
                                                    "sig": str(sig)})
    ret = hints["return"]
    series_like = lambda h: _is(h, "Series", "DataFrame")  # noqa: E731
    if params and all(series_like(p) for p in params) and series_like(ret):
        return PythonEvalType.SQL_SCALAR_PANDAS_UDF
    tuple_of_series = lambda h: typing.get_origin(h) is tuple and all(  # noqa: E731
        series_like(a) for a in typing.get_args(h) if a is not Ellipsis)
    if len(params) == 1 and _is_iterator_of(params[0], lambda h: series_like(h) or tuple_of_series(h)) \
            and _is_iterator_of(ret, series_like):
        return PythonEvalType.SQL_SCALAR_PANDAS_ITER_UDF
    if params and all(series_like(p) for p in params) and not series_like(ret) and \
            not _is_iterator_of(ret, lambda h: True):
        return PythonEvalType.SQL_GROUPED_AGG_PANDAS_UDF
    raise PySparkTypeError(error_class="UNSUPPORTED_SIGNATURE",
                           message_parameters={"signature": str(sig)})


def pandas_udf(f=None, returnType=None, functionType=None):
    """PySpark 3.5's pandas_udf: `pandas_udf(f, "long")`, `@pandas_udf("long")`,
    `@pandas_udf(returnType=..., functionType=PandasUDFType.SCALAR)`; the kind comes from the
    type hints (Series -> Series: scalar; Iterator[Series] -> Iterator[Series]: scalar
    iterator) or from functionType."""
    is_decorator = f is None or isinstance(f, (str, T.DataType))
    if is_decorator:
        return_type = f or returnType
        if functionType is not None:
            eval_type = functionType
        elif returnType is not None and isinstance(returnType, int):
            eval_type = returnType
        else:
            eval_type = None
    else:
        return_type = returnType
        eval_type = functionType
    if return_type is None:
        raise PySparkTypeError(error_class="CANNOT_BE_NONE",
                               message_parameters={"arg_name": "returnType"})
    if eval_type not in _VALID:
        raise PySparkTypeError(error_class="INVALID_PANDAS_UDF_TYPE",
                               message_parameters={"arg_name": "functionType",
                                                   "arg_type": str(eval_type)})
    if is_decorator:
        return functools.partial(_create_pandas_udf, returnType=return_type, evalType=eval_type)
    return _create_pandas_udf(f=f, returnType=return_type, evalType=eval_type)


def _create_pandas_udf(f, returnType, evalType):
    argspec = inspect.getfullargspec(f)
    if evalType in (200, 204, 202):
        warnings.warn("In Python 3.6+ and Spark 3.0+, it is preferred to specify type hints for "
                      "pandas UDF instead of specifying pandas UDF type which will be deprecated "
                      "in the future releases. See SPARK-28264 for more details.", UserWarning)
    elif evalType is None and argspec.annotations:
        try:
            hints = typing.get_type_hints(f)
        except NameError:
            hints = {}
        evalType = _infer_eval_type(inspect.signature(f), hints)
    if evalType is None:
        evalType = PythonEvalType.SQL_SCALAR_PANDAS_UDF
    if evalType in (200, 204) and not argspec.args and argspec.varargs is None:
        raise PySparkValueError(
            error_class="INVALID_PANDAS_UDF",
            message_parameters={"detail": "0-arg pandas_udfs are not supported. Instead, create a "
                                          "1-arg pandas_udf and ignore the arg in your function."})
    if evalType == 201 and len(argspec.args) not in (1, 2):
        raise PySparkValueError(
            error_class="INVALID_PANDAS_UDF",
            message_parameters={"detail": "pandas_udf with function type GROUPED_MAP or the "
                                          "function in groupby.applyInPandas must take either one "
                                          "argument (data) or two arguments (key, data)."})
    return UserDefinedFunction(f, returnType, None, evalType, True)._wrapped()
