#!/usr/bin/python3
"""Runs Spark 3.5's own RDD examples (examples/src/main/python/*.py), unmodified, through
`sparkpp submit --master local[2]` with small generated inputs, and prints one line per example:
pass (exit 0) or fail with the last line of its error (issue #19's external check).

    export SPARKPP_PYSPARK_SRC=/path/to/spark      # checkout or bare git dir (branch 3.5)
    SPARKPP_BIN=$PWD/build/sparkpp /usr/bin/python3 tests/upstream/run_examples.py [NAME...]

The example files are read from the checkout as text into a temp dir (never copied into this
repo). Developer tool, not part of scripts/test. Expected failures (JVM-only APIs) are marked.
"""
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

# name -> why it cannot pass here (reaches Hadoop input formats in the JVM)
JVM_ONLY = {
    "avro_inputformat": "sc.newAPIHadoopFile with Avro's AvroKeyInputFormat (JVM classes)",
    "parquet_inputformat": "sc.newAPIHadoopFile with ParquetInputFormat (JVM classes)",
}


# name -> submit options: transitive_closure with default settings doubles its partition count
# every round, as in Spark (distinct/join default to the input's width): 2^k tasks per round
SUBMIT_OPTIONS = {"transitive_closure": ["--conf", "spark.default.parallelism=4"]}


def source(rel):
    src = os.environ.get("SPARKPP_PYSPARK_SRC")
    if not src:
        raise SystemExit("set SPARKPP_PYSPARK_SRC to a Spark 3.5 checkout or bare git dir")
    if os.path.isdir(os.path.join(src, "examples")):
        with open(os.path.join(src, rel)) as f:
            return f.read()
    return subprocess.run(["git", "--git-dir", src, "show", "HEAD:" + rel], check=True,
                          capture_output=True, text=True).stdout


def inputs(d):
    """Small inputs in the formats the examples read; returns name -> argv."""
    rnd = random.Random(7)

    def write(name, lines):
        p = os.path.join(d, name)
        with open(p, "w") as f:
            f.write("\n".join(lines) + "\n")
        return p
    words = write("words.txt", [" ".join(rnd.choice(["a", "b", "spark", "rdd"]) for _ in range(8))
                                for _ in range(50)])
    ints = write("ints.txt", [str(rnd.randint(0, 1000)) for _ in range(200)])
    links = write("links.txt", ["u%d u%d" % (rnd.randint(0, 9), rnd.randint(0, 9)) for _ in range(40)])
    points = write("points.txt", ["%.3f %.3f" % (rnd.gauss(c, 0.3), rnd.gauss(c, 0.3))
                                  for c in (0, 5) for _ in range(50)])
    labeled = write("labeled.txt", [  # label then D = 10 features, as the example reads
        " ".join(["%d" % y] + ["%.3f" % rnd.gauss(y, 1) for _ in range(10)])
        for y in (0, 1) for _ in range(50)])
    return {"als": ["20", "30", "5", "3", "2"], "kmeans": [points, "2", "0.01"],
            "logistic_regression": [labeled, "5"], "pagerank": [links, "3"], "pi": ["2"],
            "sort": [ints], "status_api_demo": [], "transitive_closure": ["2"],
            "wordcount": [words], "avro_inputformat": [words], "parquet_inputformat": [words]}


def main():
    binary = os.environ.get("SPARKPP_BIN", os.path.join(ROOT, "build", "sparkpp"))
    env = dict(os.environ, SPARKPP_PYTHON=os.environ.get("SPARKPP_PYTHON", "/usr/bin/python3"))
    with tempfile.TemporaryDirectory(prefix="spp-examples-") as d:
        argv = inputs(d)
        names = sys.argv[1:] or sorted(argv)
        passed = 0
        for name in names:
            path = os.path.join(d, name + ".py")
            with open(path, "w") as f:
                f.write(source("examples/src/main/python/%s.py" % name))
            r = subprocess.run([binary, "submit", "--master", "local[2]"]
                               + SUBMIT_OPTIONS.get(name, []) + [path] + argv[name],
                               capture_output=True, text=True, env=env, cwd=d, timeout=600)
            if r.returncode == 0:
                passed += 1
                print("pass  %s" % name)
                continue
            err = [ln for ln in r.stderr.splitlines() if ln.strip()]
            why = JVM_ONLY.get(name)
            print("%s  %s: %s" % ("JVM " if why else "FAIL", name, why or (err[-1] if err else "exit %d"
                                                                           % r.returncode)))
        print("%d/%d pass" % (passed, len(names)))


if __name__ == "__main__":
    main()
