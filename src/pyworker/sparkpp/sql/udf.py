"""Python UDFs (pyspark.sql.udf): `F.udf`, `@udf`, `spark.udf.register`. A call is a plan
expression (Connect's CommonInlineUserDefinedFunction) carrying the cloudpickled function; the
driver plans it into a BatchEvalPython operator, whose executor ships argument columns to a
pooled Python worker (sql/_udf_eval.py). Built-in operations never come through here."""
import functools

from sparkpp.errors import PySparkTypeError
from sparkpp.sql import _proto as P
from sparkpp.sql import types as T
from sparkpp.sql.column import Column, _col_expr

__all__ = ["UserDefinedFunction", "UDFRegistration"]


class PythonEvalType:
    NON_UDF = 0
    SQL_BATCHED_UDF = 100


def _return_type(rt):
    if isinstance(rt, T.DataType):
        return rt
    if isinstance(rt, str):
        from sparkpp.sql._ddl import parse_ddl
        return parse_ddl(rt)
    raise PySparkTypeError(error_class="NOT_DATATYPE_OR_STR",
                           message_parameters={"arg_name": "returnType",
                                               "arg_type": type(rt).__name__})


class UserDefinedFunction:
    """A Python function usable on Columns; deterministic unless asNondeterministic()."""

    def __init__(self, func, returnType=T.StringType(), name=None,
                 evalType=PythonEvalType.SQL_BATCHED_UDF, deterministic=True):
        if not callable(func):
            raise PySparkTypeError(error_class="NOT_CALLABLE",
                                   message_parameters={"arg_name": "func",
                                                       "arg_type": type(func).__name__})
        if not isinstance(returnType, (T.DataType, str)):
            _return_type(returnType)  # raises NOT_DATATYPE_OR_STR
        self.func = func
        self._returnType = returnType
        self._returnType_placeholder = None
        self._name = name or (func.__name__ if hasattr(func, "__name__")
                              else func.__class__.__name__)
        self.evalType = evalType
        self.deterministic = deterministic
        self._command = None

    @property
    def returnType(self):
        if self._returnType_placeholder is None:
            self._returnType_placeholder = _return_type(self._returnType)
        return self._returnType_placeholder

    def _pickled(self):
        if self._command is None:
            import cloudpickle
            from sparkpp import broadcast as _broadcast
            with _broadcast.collect_ids() as ids:
                command = cloudpickle.dumps(self.func)
            values = _broadcast.values_of(sorted(ids))
            if values:  # broadcasts the UDF reads travel with it (SQL tasks get none)
                command = cloudpickle.dumps(_WithBroadcasts(command, values))
            self._command = command
        return self._command

    def _expr(self, cols):
        return P.python_udf(self._name, [_col_expr(c) for c in cols], self.returnType,
                            self._pickled(), self.deterministic, self.evalType)

    def __call__(self, *cols):
        return Column(self._expr(cols))

    def asNondeterministic(self):
        self.deterministic = False
        return self

    def _wrapped(self):
        """A plain function (what PySpark's udf() returns): docstring and name of the user's,
        plus func, returnType, evalType, deterministic and asNondeterministic."""
        assignments = tuple(a for a in functools.WRAPPER_ASSIGNMENTS
                            if a != "__name__" and a != "__module__")

        @functools.wraps(self.func, assigned=assignments)
        def wrapper(*args):
            return self(*args)

        wrapper.__name__ = self._name
        wrapper.__module__ = (self.func.__module__ if hasattr(self.func, "__module__")
                              else self.func.__class__.__module__)
        wrapper.func = self.func
        wrapper.returnType = self.returnType
        wrapper.evalType = self.evalType
        wrapper.deterministic = self.deterministic
        wrapper.asNondeterministic = functools.wraps(self.asNondeterministic)(
            lambda: self.asNondeterministic()._wrapped())
        wrapper._unwrapped = self
        return wrapper


class _WithBroadcasts:
    """Unpickles (on the worker) to the UDF's function, its broadcasts' values installed."""

    def __init__(self, command, values):
        self.command, self.values = command, values

    def __reduce__(self):
        from sparkpp import broadcast as _broadcast
        return (_broadcast.with_values, (self.command, self.values))


def _create_udf(f, returnType, evalType=PythonEvalType.SQL_BATCHED_UDF, name=None,
                deterministic=True):
    return UserDefinedFunction(f, returnType, name, evalType, deterministic)._wrapped()


def udf(f=None, returnType=T.StringType(), *, useArrow=None):
    """PySpark's functions.udf: `udf(f)`, `udf(f, "int")`, `@udf`, `@udf("int")`,
    `@udf(returnType=IntegerType())`. `useArrow` is accepted; every UDF takes the batched path,
    whose semantics are the non-Arrow ones (PySpark 3.5's default)."""
    if f is None or isinstance(f, (str, T.DataType)):
        return_type = returnType if f is None else f
        return functools.partial(_create_udf, returnType=return_type)
    return _create_udf(f, returnType)


class UDFRegistration:
    """spark.udf: register Python functions for SQL (and F.call_udf) by name."""

    def __init__(self, session):
        self.sparkSession = session

    def register(self, name, f, returnType=None):
        if hasattr(f, "asNondeterministic"):  # a udf() (wrapped or not)
            if returnType is not None:
                raise PySparkTypeError(error_class="CANNOT_SPECIFY_RETURN_TYPE_FOR_UDF",
                                       message_parameters={"arg_name": "f",
                                                           "return_type": str(returnType)})
            src = getattr(f, "_unwrapped", f)
            source = UserDefinedFunction(src.func, src.returnType, name, src.evalType,
                                         src.deterministic)
        else:
            source = UserDefinedFunction(f, T.StringType() if returnType is None else returnType,
                                         name)
        body = source._expr([])["commonInlineUserDefinedFunction"]
        self.sparkSession._client.command_register_function(body)
        return source._wrapped()

    def registerJavaFunction(self, name, javaClassName, returnType=None):
        from sparkpp.errors import PySparkNotImplementedError
        raise PySparkNotImplementedError(
            error_class="NOT_IMPLEMENTED",
            message_parameters={"feature": "registerJavaFunction (sparkpp runs no JVM)"})

    def registerJavaUDAF(self, name, javaClassName):
        self.registerJavaFunction(name, javaClassName)
