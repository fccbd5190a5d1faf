"""Exceptions raised to user code, shaped like PySpark's (pyspark.errors, py4j)."""


class PySparkException(Exception):
    """Base of every sparkpp-specific error (PySpark's pyspark.errors.PySparkException)."""


class PySparkRuntimeError(PySparkException, RuntimeError):
    pass


class PySparkValueError(PySparkException, ValueError):
    pass


class PySparkTypeError(PySparkException, TypeError):
    pass


class PythonException(PySparkException):
    """An exception raised by Python code on an executor."""


class Py4JJavaError(PySparkException):
    """An error reported by the C++ driver (the role the JVM plays in PySpark).

    Kept under PySpark's name so `except Py4JJavaError` in existing programs still works.
    """

    def __init__(self, message, kind=None):
        super().__init__(message)
        self.message = message
        self.kind = kind

    def __str__(self):
        return self.message


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


def error_from_reply(kind, message):
    return _KINDS.get(kind, Py4JJavaError)(message, kind)
