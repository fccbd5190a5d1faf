"""Compatibility alias: `import pyspark` gives sparkpp, so unmodified PySpark programs run.

Every `pyspark.X` module is the very same module object as `sparkpp.X` (registered in
sys.modules), so classes are identical under both names (isinstance, pickling).

`pyspark.sql` and its modules are registered when first imported (`from pyspark.sql import
...`, `pyspark.sql`, `pyspark.Row`): an RDD program never loads the SQL side (~30 ms of the
driver's start and ~4 MiB), as with `sparkpp` itself."""
import importlib as _importlib
import sys as _sys

import sparkpp as _sparkpp
from sparkpp import __all__  # noqa: F401
from sparkpp.version import SPARK_VERSION as __version__  # noqa: F401

# sparkpp's public names, but those that live in sparkpp.sql (sparkpp's __getattr__ would
# import it): they come from __getattr__ below, on first use.
_SQL_NAMES = ("Row", "SparkSession", "SQLContext", "HiveContext")
for _name in __all__:
    if _name not in _SQL_NAMES:
        globals()[_name] = getattr(_sparkpp, _name)

_SUBMODULES = (
    "conf", "context", "rdd", "rddsampler", "serializers", "statcounter", "storagelevel",
    "taskcontext", "broadcast", "accumulators", "files", "errors", "version", "shuffle",
    "resultiterable", "resource", "resource.profile", "resource.requests", "resource.information",
    "status", "util",
)
_SQL_SUBMODULES = (
    "sql", "sql.types", "sql.session", "sql.dataframe", "sql.column", "sql.functions",
    "sql.group", "sql.readwriter", "sql.window", "sql.catalog",
    "sql.context", "sql.udf", "sql.pandas_udf",
)


def _register(names):
    for name in names:
        mod = _importlib.import_module("sparkpp." + name)
        _sys.modules["pyspark." + name] = mod
        if "." not in name:
            globals()[name] = mod


_register(_SUBMODULES)

# PySpark's pyspark.errors is a package; its exception modules all resolve to sparkpp.errors
for _name in ("errors.exceptions", "errors.exceptions.base", "errors.exceptions.captured"):
    _sys.modules["pyspark." + _name] = _sys.modules["sparkpp.errors"]
del _name

# pyspark.cloudpickle is PySpark's vendored copy; here the cloudpickle package itself
import cloudpickle as _cloudpickle  # noqa: E402
_sys.modules["pyspark.cloudpickle"] = _cloudpickle
cloudpickle = _cloudpickle


def _register_sql():
    _register(_SQL_SUBMODULES)
    # pyspark.sql.pandas.functions (pandas_udf, PandasUDFType) is sparkpp.sql.pandas_udf
    _sys.modules["pyspark.sql.pandas"] = _sys.modules["sparkpp.sql.pandas_udf"]
    _sys.modules["pyspark.sql.pandas.functions"] = _sys.modules["sparkpp.sql.pandas_udf"]
    return _sys.modules["pyspark.sql"]


class _SqlAlias:
    """On sys.meta_path (first): the import of `pyspark.sql` registers sparkpp.sql and its
    modules under their pyspark names. Its loader puts the real module in sys.modules in
    exec_module, which the import system then returns (its "sys.modules replacement" case),
    so no second copy of any module is ever made."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "pyspark.sql":
            return None
        # importlib.machinery.ModuleSpec, without importing importlib.machinery (~1 ms)
        return _importlib._bootstrap.ModuleSpec(name, cls)

    @staticmethod
    def create_module(spec):
        return None  # a placeholder, replaced in exec_module

    @staticmethod
    def exec_module(module):
        _register_sql()


# one finder, this module's (a re-imported pyspark replaces the one its first import put there)
_sys.meta_path[:] = [f for f in _sys.meta_path if getattr(f, "__qualname__", "") != "_SqlAlias"]
_sys.meta_path.insert(0, _SqlAlias)


def __getattr__(name):
    if name == "sql":
        return _importlib.import_module("pyspark.sql")
    if name in _SQL_NAMES:
        return getattr(_importlib.import_module("pyspark.sql"), name)
    raise AttributeError("module 'pyspark' has no attribute %r" % name)
