"""Console scripts of the wheel (scripts/build-wheel): `sparkpp`, `spark-submit` and `pyspark`
run the bundled binary (sparkpp/bin/sparkpp, found as _gateway.find_binary does), with this
interpreter as the Python of the driver and the workers unless SPARKPP_PYTHON says otherwise
(in a venv: the venv's, which imports this package)."""
import os
import sys


def _exec(args):
    from sparkpp._gateway import find_binary
    binary = find_binary()
    os.environ.setdefault("SPARKPP_PYTHON", sys.executable)
    os.execv(binary, [binary] + list(args))


def main():
    _exec(sys.argv[1:])


def submit():
    _exec(["submit"] + sys.argv[1:])


def pyspark():
    _exec(["pyspark"] + sys.argv[1:])
