#!/usr/bin/env python3
"""Byte-compiles the Python packages the executors and drivers import (sparkpp, pyspark, py4j),
as Debian and pip do at install time: `compile-python.py DIR [STAMP]`.

Without their .pyc files every Python daemon, worker and driver compiles the packages from
source on each start (~50 ms of CPU per process, 2 MiB more RSS) whenever __pycache__ cannot be
written or PYTHONDONTWRITEBYTECODE is set: on the first job's critical path. Run by the build
(ninja: src/pyworker, timestamps checked, so an edited file is recompiled on the next build and,
until then, Python ignores its stale .pyc) and by `meson install` (the installed copy)."""
import compileall
import os
import sys


def main():
    top = os.environ.get("MESON_INSTALL_DESTDIR_PREFIX")
    top = os.path.join(top, sys.argv[1]) if top and not os.path.isabs(sys.argv[1]) else sys.argv[1]
    ok = True
    for pkg in ("sparkpp", "pyspark", "py4j"):
        d = os.path.join(top, pkg)
        if os.path.isdir(d):
            ok = compileall.compile_dir(d, quiet=1, workers=1) and ok
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write("ok\n" if ok else "errors\n")
    # A file that does not compile is reported, never fatal: Python compiles it again at import
    # and raises the SyntaxError where it belongs.
    return 0


if __name__ == "__main__":
    sys.exit(main())
