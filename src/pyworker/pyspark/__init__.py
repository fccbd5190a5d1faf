"""Compatibility alias: `import pyspark` gives sparkpp, so unmodified PySpark programs run.

Every `pyspark.X` module is the very same module object as `sparkpp.X` (registered in
sys.modules), so classes are identical under both names (isinstance, pickling)."""
import importlib as _importlib
import sys as _sys

from sparkpp import *  # noqa: F401,F403
from sparkpp import __all__  # noqa: F401
from sparkpp.version import SPARK_VERSION as __version__  # noqa: F401

_SUBMODULES = (
    "conf", "context", "rdd", "rddsampler", "serializers", "statcounter", "storagelevel",
    "taskcontext", "broadcast", "accumulators", "files", "errors", "version", "shuffle",
    "resultiterable", "resource", "resource.profile", "resource.requests", "resource.information",
    "status", "util",
    "sql", "sql.types", "sql.session", "sql.dataframe", "sql.column", "sql.functions",
    "sql.group", "sql.readwriter", "sql.window", "sql.catalog",
    "sql.context", "sql.udf", "sql.pandas_udf",
)

for _name in _SUBMODULES:
    _mod = _importlib.import_module("sparkpp." + _name)
    _sys.modules["pyspark." + _name] = _mod
    if "." not in _name:
        globals()[_name] = _mod
del _name, _mod

# pyspark.sql.pandas.functions (pandas_udf, PandasUDFType) is sparkpp.sql.pandas_udf
_sys.modules["pyspark.sql.pandas"] = _sys.modules["sparkpp.sql.pandas_udf"]
_sys.modules["pyspark.sql.pandas.functions"] = _sys.modules["sparkpp.sql.pandas_udf"]

# PySpark's pyspark.errors is a package; its exception modules all resolve to sparkpp.errors
for _name in ("errors.exceptions", "errors.exceptions.base", "errors.exceptions.captured"):
    _sys.modules["pyspark." + _name] = _sys.modules["sparkpp.errors"]
del _name

# pyspark.cloudpickle is PySpark's vendored copy; here the cloudpickle package itself
import cloudpickle as _cloudpickle  # noqa: E402
_sys.modules["pyspark.cloudpickle"] = _cloudpickle
cloudpickle = _cloudpickle
