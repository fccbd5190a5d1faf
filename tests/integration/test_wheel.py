"""scripts/build-wheel: a wheel bundling the binary; `pip install` into a fresh venv made with
--system-site-packages (Debian's cloudpickle) gives a Python where `from pyspark.sql import
SparkSession` works with nothing else set (no SPARKPP_BIN, PYTHONPATH or build tree on PATH),
and the console script spark-submit runs a job."""
import os
import subprocess

import jobs

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

JOB = """
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
print("RESULT", spark.sparkContext.parallelize(range(4)).map(lambda x: x * 2).sum(),
      spark.range(3).count())
spark.stop()
"""


def test_wheel_in_a_fresh_venv(tmp_path):
    wheel = subprocess.run(["/usr/bin/python3", os.path.join(REPO, "scripts", "build-wheel"),
                            str(tmp_path / "dist")], check=True, capture_output=True, text=True,
                           timeout=300, env=dict(os.environ, SPARKPP_BIN=jobs.binary())
                           ).stdout.strip()
    assert os.path.basename(wheel).startswith("sparkpp-") and wheel.endswith(".whl")
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", "--without-pip",
                    str(venv)], check=True, timeout=120)
    py = str(venv / "bin" / "python")
    # Debian's pip (system site) installs into the venv; cloudpickle is already there.
    subprocess.run([py, "-m", "pip", "install", "--no-index", "-q", wheel], check=True,
                   capture_output=True, timeout=300)
    script = tmp_path / "job.py"
    script.write_text(JOB)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    for argv in ([py, str(script)], [str(venv / "bin" / "spark-submit"), str(script)]):
        p = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env,
                           cwd=tmp_path)
        assert p.returncode == 0 and "RESULT 12 3" in p.stdout, (argv, p.stdout, p.stderr)
