"""PYTHONSTARTUP of `sparkpp pyspark` when PYSPARK_DRIVER_PYTHON names another program (e.g.
`ipython`), as PySpark's shell.py: `spark`, `sc` ... in the interactive namespace, the banner."""
from sparkpp.shell import prepare as _sparkpp_prepare

_sparkpp_prepare(globals())
del _sparkpp_prepare
