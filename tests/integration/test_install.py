"""`meson install --destdir`: the installed tree alone runs jobs — `bin/sparkpp submit` finds the
installed Python package, and a plain Python process importing that package finds
`bin/sparkpp` (no SPARKPP_BIN, nothing of the build tree on PATH or PYTHONPATH)."""
import os
import shutil
import subprocess

import jobs

BUILD = os.path.dirname(jobs.binary())

JOB = """
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
print("RESULT", spark.sparkContext.parallelize(range(4)).sum(), spark.range(3).count())
spark.stop()
"""


def test_installed_tree_runs_jobs(tmp_path):
    if not os.path.isfile(os.path.join(BUILD, "build.ninja")):
        import pytest
        pytest.skip("SPARKPP_BIN is not in a meson build directory")
    dest = tmp_path / "root"
    subprocess.run(["meson", "install", "-C", BUILD, "--no-rebuild", "--quiet", "--destdir",
                    str(dest)], check=True, capture_output=True, timeout=120)
    prefix = subprocess.run(["meson", "introspect", BUILD, "--buildoptions"], check=True,
                            capture_output=True, text=True).stdout
    import json
    prefix = next(o["value"] for o in json.loads(prefix) if o["name"] == "prefix")
    root = str(dest) + prefix
    binary = os.path.join(root, "bin", "sparkpp")
    pkg = os.path.join(root, "share", "sparkpp", "python")
    assert os.access(binary, os.X_OK) and os.path.isfile(os.path.join(pkg, "sparkpp", "shell.py"))
    share = os.path.join(root, "share", "sparkpp")
    assert os.access(os.path.join(share, "sbin", "start-all.sh"), os.X_OK)
    assert os.path.isfile(os.path.join(share, "conf", "workers.template"))
    script = tmp_path / "job.py"
    script.write_text(JOB)
    env = {k: v for k, v in os.environ.items()
           if k not in ("SPARKPP_BIN", "PYTHONPATH", "SPARKPP_DRIVER_PORT", "SPARKPP_HOME")}
    env["PATH"] = "/usr/bin:/bin"
    env["SPARKPP_PYTHON"] = jobs.job_python()
    # 1. the installed binary runs a script
    p = subprocess.run([binary, "submit", str(script)], capture_output=True, text=True,
                       timeout=120, env=env, cwd=tmp_path)
    assert p.returncode == 0 and "RESULT 6 3" in p.stdout, p.stderr
    # 2. plain Python with the installed package starts the installed binary
    p = subprocess.run([jobs.job_python(), str(script)], capture_output=True, text=True,
                       timeout=120, env=dict(env, PYTHONPATH=pkg), cwd=tmp_path)
    assert p.returncode == 0 and "RESULT 6 3" in p.stdout, p.stderr
    shutil.rmtree(dest, ignore_errors=True)
