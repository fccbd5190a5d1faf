"""The interactive shell, `sparkpp pyspark` (PySpark's bin/pyspark + pyspark/shell.py).

`sparkpp pyspark [--master ...] [--conf k=v ...]` resolves the settings as `sparkpp submit` does
and runs `python -m sparkpp.shell` with them in SPARKPP_CONF: this module creates `spark` and
`sc` (the driver runtime starts as our child, as in any plain Python process), prints PySpark's
banner and hands over to IPython when it is importable, else to the standard REPL. Ctrl-C
during an action cancels its jobs and returns to the prompt.

With PYSPARK_DRIVER_PYTHON naming another program (`ipython`, `jupyter` ...) the launcher runs
that program with PYSPARK_DRIVER_PYTHON_OPTS and PYTHONSTARTUP=sparkpp/shell_startup.py, as
PySpark's bin/pyspark does: the startup file calls prepare() in the interactive namespace.
"""
import atexit
import code
import os
import platform
import sys

from sparkpp.conf import SparkConf
from sparkpp.context import SparkContext
from sparkpp.sql import SparkSession
from sparkpp.version import __version__ as _sparkpp_version

BANNER = r"""Welcome to
      ____              __
     / __/__  ___ _____/ /__
    _\ \/ _ \/ _ `/ __/  '_/
   /__ / .__/\_,_/_/ /_/\_\   version %s
      /_/
"""


def start_session():
    conf = SparkConf()
    conf.setIfMissing("spark.app.name", "PySparkShell")
    spark = SparkSession.builder.config(conf=conf).getOrCreate()
    return spark, spark.sparkContext


def banner(spark, sc):
    lines = [BANNER % sc.version,
             "Using Python version %s (%s, %s)" % (platform.python_version(),
                                                   *platform.python_build())]
    if sc.uiWebUrl:
        lines.append("Spark context Web UI available at %s" % sc.uiWebUrl)
    lines.append("Spark context available as 'sc' (master = %s, app id = %s)."
                 % (sc.master, sc.applicationId))
    lines.append("SparkSession available as 'spark'.")
    lines.append("(sparkpp %s: Spark's engine in C++)" % _sparkpp_version)
    return "\n".join(lines)


def prepare(namespace=None):
    """Creates `spark` and `sc`, prints the banner, runs the user's own PYTHONSTARTUP; returns
    the shell's namespace (`namespace`, updated, when given)."""
    spark, sc = start_session()
    atexit.register(lambda: SparkContext._active_spark_context and sc.stop())
    if namespace is None:
        namespace = {"__name__": "__main__"}
    namespace.update({"spark": spark, "sc": sc, "SparkContext": SparkContext,
                      "SparkSession": SparkSession, "SparkConf": SparkConf,
                      "sqlContext": spark, "sqlCtx": spark})
    print(banner(spark, sc))
    startup = os.environ.get("SPARKPP_USER_PYTHONSTARTUP", os.environ.get("PYTHONSTARTUP"))
    if startup and os.path.isfile(startup) and not startup.endswith("shell_startup.py"):
        with open(startup) as f:
            exec(compile(f.read(), startup, "exec"), namespace)
    return namespace


def main():
    namespace = prepare()
    if os.environ.get("SPARKPP_SHELL_PLAIN") != "1":
        try:
            import IPython
        except ImportError:
            IPython = None
        if IPython is not None:
            IPython.start_ipython(argv=[], user_ns=namespace, display_banner=False)
            return
    try:
        import readline
        import rlcompleter
        readline.set_completer(rlcompleter.Completer(namespace).complete)
        readline.parse_and_bind("tab: complete")
    except ImportError:
        pass
    code.interact(banner="", local=namespace, exitmsg="")


if __name__ == "__main__":
    sys.exit(main())
