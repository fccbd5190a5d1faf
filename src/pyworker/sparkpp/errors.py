"""Exceptions raised to user code, shaped like PySpark's (pyspark.errors, py4j)."""


class PySparkException(Exception):
    """Base of every sparkpp-specific error (PySpark's pyspark.errors.PySparkException).

    Either a plain message, or an error class from _error_classes.py and its parameters; the
    text is then "[CLASS] message" as PySpark prints it."""

    def __init__(self, message=None, error_class=None, message_parameters=None):
        if message is None and error_class is not None:
            from sparkpp._error_classes import format_message
            message = format_message(error_class, message_parameters)
        self.message = message
        self.error_class = error_class
        self.message_parameters = message_parameters
        super().__init__(*(() if message is None else (message,)))

    def getErrorClass(self):
        return self.error_class

    def getMessageParameters(self):
        return self.message_parameters

    def getSqlState(self):
        return None

    def __str__(self):
        return "" if self.message is None else str(self.message)


class PySparkRuntimeError(PySparkException, RuntimeError):
    pass


class PySparkValueError(PySparkException, ValueError):
    pass


class PySparkTypeError(PySparkException, TypeError):
    pass


class PySparkAttributeError(PySparkException, AttributeError):
    pass


class PySparkNotImplementedError(PySparkException, NotImplementedError):
    pass


class PySparkIndexError(PySparkException, IndexError):
    pass


class PythonException(PySparkException):
    """An exception raised by Python code on an executor."""


class Py4JJavaError(PySparkException):
    """An error reported by the C++ driver (the role the JVM plays in PySpark).

    Kept under PySpark's name so `except Py4JJavaError` in existing programs still works.
    """

    def __init__(self, message, kind=None):
        super().__init__(message)
        self.kind = kind

    def __str__(self):
        return self.message


# As PySpark's class is named in tracebacks (and doctests): py4j.protocol.Py4JJavaError (the
# py4j stand-in package re-exports it under that name).
Py4JJavaError.__module__ = "py4j.protocol"


class SparkJobError(Py4JJavaError):
    """A job failed (PyError kind job_failed); the message carries the worker traceback."""


class BadRequestError(Py4JJavaError):
    """The driver refused a request (PyError kind bad_request), e.g. a missing input path."""


class ContextStoppedError(Py4JJavaError):
    """The SparkContext was stopped (PyError kind context_stopped)."""


class GatewayError(PySparkRuntimeError):
    """The connection to the C++ driver failed or was lost."""


_KINDS = {"job_failed": SparkJobError, "bad_request": BadRequestError,
          "context_stopped": ContextStoppedError}


def error_from_reply(kind, message, details=None):
    if kind in _CAPTURED:  # the SQL engine's errors: the exception class by name
        d = details or {}
        return captured_error(kind, message, d.get("errorClass") or None,
                              d.get("messageParameters") or None, d.get("sqlState") or None)
    return _KINDS.get(kind, Py4JJavaError)(message, kind)


# ---------------------------------------------------------------- errors the SQL engine reports
# PySpark's pyspark.errors.exceptions.captured: the engine (C++ here, the JVM in PySpark) names
# an error class, its parameters and SQLSTATE; the text is "[CLASS] message" as Spark prints it.

class CapturedException(PySparkException):
    def __init__(self, desc=None, stackTrace=None, cause=None, origin=None, *,
                 error_class=None, message_parameters=None, sql_state=None):
        super().__init__(desc, error_class, message_parameters)
        self.desc = desc
        self.stackTrace = stackTrace
        self.cause = cause
        self._sql_state = sql_state

    def getSqlState(self):
        return self._sql_state


class AnalysisException(CapturedException):
    """Failed to analyze a SQL query plan."""


class TempTableAlreadyExistsException(AnalysisException):
    pass


class ParseException(AnalysisException):
    """Failed to parse a SQL command."""


class IllegalArgumentException(CapturedException):
    pass


class ArithmeticException(CapturedException):
    pass


class ArrayIndexOutOfBoundsException(CapturedException):
    pass


class DateTimeException(CapturedException):
    pass


class NumberFormatException(IllegalArgumentException):
    pass


class QueryExecutionException(CapturedException):
    pass


class SparkRuntimeException(CapturedException):
    pass


class SparkUpgradeException(CapturedException):
    pass


class UnknownException(CapturedException):
    pass


class SparkNoSuchElementException(CapturedException):
    pass


class UnsupportedOperationException(CapturedException):
    pass


_CAPTURED = {c.__name__: c for c in (
    AnalysisException, TempTableAlreadyExistsException, ParseException, IllegalArgumentException,
    ArithmeticException, ArrayIndexOutOfBoundsException, DateTimeException, NumberFormatException,
    QueryExecutionException, SparkRuntimeException, SparkUpgradeException, UnknownException,
    SparkNoSuchElementException, UnsupportedOperationException)}


# Named as PySpark names them in tracebacks (and doctests):
# pyspark.errors.exceptions.captured.AnalysisException (`import pyspark` maps that module here).
for _cls in (CapturedException,) + tuple(_CAPTURED.values()):
    _cls.__module__ = "pyspark.errors.exceptions.captured"
del _cls


def captured_error(kind, message, error_class=None, message_parameters=None, sql_state=None):
    """The exception for an engine error named `kind` (a class name above)."""
    cls = _CAPTURED.get(kind, UnknownException)
    return cls(message, error_class=error_class, message_parameters=message_parameters,
               sql_state=sql_state)
