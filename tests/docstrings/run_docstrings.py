"""Runs PySpark 3.5's own docstring examples (DataFrame, Column, GroupedData, Window, functions;
RDD) against sparkpp and prints pass/fail/skip counts per file and per method.

    SPARKPP_PYSPARK_SRC=/path/to/spark  /usr/bin/python3 tests/docstrings/run_docstrings.py \
        [--files dataframe,column,group,window,functions] [--only REGEX] [-v] [--json OUT]

SPARKPP_PYSPARK_SRC (or --src) is a Spark checkout or a bare git dir of one (read with
`git show HEAD:python/pyspark/sql/X.py`); PySpark's code is read as text, never imported or
copied here. Started outside `sparkpp submit`, the script re-runs itself under
`build/sparkpp submit --master local[4]` (SPARKPP_BIN overrides the binary).

Each docstring runs as one doctest, as PySpark's `_test()` does: globals = the module of the same
name (sparkpp's) plus `spark`, `sc` and the usual names; NORMALIZE_WHITESPACE | ELLIPSIS, plus
IGNORE_EXCEPTION_DETAIL where the file's `_test()` asks for it (catalog.py).
SQL files run on a session on local[4] (as PySpark's `_test()`); `rdd` (python/pyspark/rdd.py) on a bare SparkContext on
local[4], as pyspark.rdd's `_test()` (its outputs depend on the default parallelism).
Docstrings needing what the issues leave out are skipped with a reason (skips.py)."""
import argparse
import ast
import collections
import doctest
import json
import os
import re
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

FILES = ("dataframe", "column", "group", "window", "functions", "udf", "pandas/functions",
         "pandas/map_ops", "pandas/group_ops", "readwriter", "catalog", "rdd")
CORE = {"rdd"}  # python/pyspark/<name>.py, run on a SparkContext (not python/pyspark/sql/)
EXAMPLE_TIMEOUT = 60  # seconds; a hung example fails instead of stalling the run


# ----------------------------------------------------------------------------- sources

def read_source(src, name):
    """Text of python/pyspark/sql/<name>.py (python/pyspark/<name>.py for CORE) from a checkout
    or a bare git dir."""
    rel = ("python/pyspark/%s.py" if name in CORE else "python/pyspark/sql/%s.py") % name
    if os.path.isfile(os.path.join(src, rel)):
        with open(os.path.join(src, rel)) as f:
            return f.read()
    return subprocess.run(["git", "--git-dir", src, "show", "HEAD:" + rel], check=True,
                          capture_output=True, text=True).stdout


def docstrings(text, module):
    """(qualname, docstring, line of the docstring) for every docstring holding examples.
    Module-level functions are named `<module>.f`, methods `Class.m`."""
    out = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = (prefix or module + ".") + child.name
                doc = ast.get_docstring(child, clean=False)
                if doc and ">>>" in doc:
                    out.append((name, doc, child.body[0].lineno))
                if isinstance(child, ast.ClassDef):
                    visit(child, child.name + ".")
    visit(ast.parse(text), "")
    seen = set()
    uniq = []
    for name, doc, line in out:  # overloads: the docstring is on the last definition
        if name not in seen:
            seen.add(name)
            uniq.append((name, doc, line))
    return uniq


# ----------------------------------------------------------------------------- running

class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout("example ran longer than %d s" % EXAMPLE_TIMEOUT)


class Runner(doctest.DocTestRunner):
    """Records each example's outcome instead of printing a report."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.outcomes = []   # (example, "pass" | "fail", detail)

    def report_start(self, out, test, example):
        signal.alarm(EXAMPLE_TIMEOUT)

    def report_success(self, out, test, example, got):
        signal.alarm(0)
        self.outcomes.append((example, "pass", ""))

    def report_failure(self, out, test, example, got):
        signal.alarm(0)
        diff = self._checker.output_difference(example, got, self.optionflags)
        self.outcomes.append((example, "fail", diff))

    def report_unexpected_exception(self, out, test, example, exc_info):
        signal.alarm(0)
        tb = doctest._exception_traceback(exc_info)
        self.outcomes.append((example, "fail", tb))


def base_globals(module):
    import pyspark
    import importlib
    if module in CORE:  # pyspark.rdd's _test(): the module's namespace (+ sc, given later)
        return dict(vars(importlib.import_module("pyspark." + module)))
    import pyspark.sql.functions as F
    import pyspark.sql.types as T
    from pyspark.sql import Row, SparkSession, Window
    # PySpark's pandas/ modules hold methods sparkpp keeps on the classes themselves
    here = {"pandas/functions": "pandas_udf", "pandas/map_ops": "dataframe",
            "pandas/group_ops": "group"}.get(module, module)
    g = dict(vars(importlib.import_module("pyspark.sql." + here)))
    g.update({k: getattr(T, k) for k in dir(T) if not k.startswith("_")})
    g.update(pyspark=pyspark, F=F, functions=F, Row=Row, Window=Window, SparkSession=SparkSession)
    return g


def cause_of(detail):
    """A short failure cause: the exception's first line, or 'wrong output'."""
    if "Traceback (most recent call last)" not in detail:
        return "wrong output"
    lines = detail.split("Traceback (most recent call last)")[-1].splitlines()[1:]
    exc = [ln for ln in lines if ln.strip() and not ln.startswith(" ")]
    cause = exc[0] if exc else lines[-1]
    # a failed task's message is long; its reason comes after "(executor N): "
    cause = re.sub(r"Job aborted due to stage failure: .*?\(executor [^)]*\): ", "task: ", cause)
    return re.sub(r"\s+", " ", cause)[:200]


def cause_key(cause):
    """The cause with names and numbers blanked, to group alike failures."""
    key = re.sub(r"`[^`]*`|'[^']*'|\"[^\"]*\"", "_", cause)
    return re.sub(r"\d+", "N", key)[:120]


def run_file(module, text, spark, only, verbose):
    parser = doctest.DocTestParser()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    # The flags the file's own `_test()` adds (catalog.py: IGNORE_EXCEPTION_DETAIL, so that
    # `AnalysisException: ...` matches pyspark.errors.exceptions.captured.AnalysisException).
    own_test = text[text.find("def _test("):]
    if "doctest.IGNORE_EXCEPTION_DETAIL" in own_test:
        flags |= doctest.IGNORE_EXCEPTION_DETAIL
    from skips import skip_reason
    results = []
    for name, doc, line in docstrings(text, module):
        if only and not re.search(only, name):
            continue
        examples = parser.get_examples(doc)
        source = "".join(e.source for e in examples)
        own_skips = sum(1 for e in examples if e.options.get(doctest.SKIP))
        res = {"name": name, "line": line, "examples": len(examples), "pass": 0, "fail": 0,
               "skip": own_skips, "reason": None, "first_failure": None}
        why = skip_reason(name, source)
        if why:
            res.update(skip=len(examples), reason=why)
            results.append(res)
            continue
        globs = base_globals(module)
        if module in CORE:
            globs.update(sc=spark)  # a SparkContext
        else:
            globs.update(spark=spark, sc=spark.sparkContext)
        test = parser.get_doctest(doc, globs, name, module + ".py", line)
        runner = Runner(optionflags=flags, verbose=False)
        runner.run(test, out=lambda s: None, clear_globs=True)
        signal.alarm(0)
        done = 0
        for ex, outcome, detail in runner.outcomes:
            done += 1
            res[outcome] += 1
            if outcome == "fail" and res["first_failure"] is None:
                res["first_failure"] = {"line": line + ex.lineno, "source": ex.source.strip(),
                                        "detail": detail, "cause": cause_of(detail)}
        # examples doctest did not reach (REPORT_ONLY_FIRST_FAILURE is off, so none) or +SKIP
        results.append(res)
        if verbose or res["fail"]:
            print_method(res, verbose)
    return results


def print_method(res, verbose):
    mark = "FAIL" if res["fail"] else ("skip" if res["reason"] else "ok  ")
    print("%s %-45s pass %2d fail %2d skip %2d" % (mark, res["name"], res["pass"], res["fail"],
                                                   res["skip"]), flush=True)
    ff = res["first_failure"]
    if ff:
        print("     line %d: >>> %s" % (ff["line"], ff["source"].splitlines()[0]))
        detail = ff["detail"].rstrip().splitlines()
        if ff["cause"] != "wrong output" and not verbose:
            detail = [ff["cause"]]   # the traceback's last line; -v prints it whole
        elif not verbose and len(detail) > 24:
            detail = detail[:22] + ["..."]
        for ln in detail:
            print("       " + ln)


def summarize(per_file):
    rows = []
    for module, results in per_file.items():
        ran = [r for r in results if not r["reason"]]
        rows.append({
            "file": module + ".py",
            "docstrings": len(results),
            "ds_pass": sum(1 for r in ran if r["fail"] == 0),
            "ds_fail": sum(1 for r in ran if r["fail"]),
            "ds_skip": len(results) - len(ran),
            "ex_pass": sum(r["pass"] for r in results),
            "ex_fail": sum(r["fail"] for r in results),
            "ex_skip": sum(r["skip"] for r in results),
        })
    return rows


def print_table(rows):
    print()
    print("| file | docstrings passing | failing | skipped | examples passing | failing | "
          "skipped | pass rate (run examples) |")
    print("|---|---|---|---|---|---|---|---|")
    tot = collections.Counter()
    for r in rows + [None]:
        if r is None:
            r = dict(tot, file="total")
        else:
            tot.update({k: v for k, v in r.items() if k != "file"})
        run = r["ex_pass"] + r["ex_fail"]
        print("| %s | %d/%d | %d | %d | %d | %d | %d | %.0f%% |" % (
            r["file"], r["ds_pass"], r["ds_pass"] + r["ds_fail"], r["ds_fail"], r["ds_skip"],
            r["ex_pass"], r["ex_fail"], r["ex_skip"], 100.0 * r["ex_pass"] / max(run, 1)))


def print_causes(per_file, top=40):
    causes = collections.Counter()
    where = collections.defaultdict(list)
    for results in per_file.values():
        for r in results:
            if r["first_failure"]:
                c = cause_key(r["first_failure"]["cause"])
                causes[c] += 1
                where[c].append(r["name"])
    print("\nFirst-failure causes (docstrings per cause):")
    for c, n in causes.most_common(top):
        names = where[c]
        print("%4d  %s\n        %s" % (n, c, ", ".join(names[:8]) + (" ..." if len(names) > 8 else "")))


def main_inside(args):
    from pyspark import SparkContext
    from pyspark.sql import SparkSession
    signal.signal(signal.SIGALRM, _alarm)
    per_file = {}
    spark = ckpt = None
    modules = args.files.split(",")
    for module in [m for m in modules if m not in CORE] + [m for m in modules if m in CORE]:
        text = read_source(args.src, module)
        print("== %s.py" % module, flush=True)
        if module in CORE:
            if spark is not None:
                spark.stop()
            spark = SparkContext("local[4]", "PythonTest")
            import tempfile  # as pyspark.rdd's _test(): a checkpoint dir (removed at the end)
            ckpt = tempfile.TemporaryDirectory()
            spark.setCheckpointDir(ckpt.name)
        elif spark is None:
            spark = SparkSession.builder.master("local[4]").appName(
                "pyspark docstrings").getOrCreate()
        per_file[module] = run_file(module, text, spark, args.only, args.verbose)
    rows = summarize(per_file)
    print_table(rows)
    print_causes(per_file)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"table": rows, "files": per_file}, f, indent=1)
    if spark is not None:
        spark.stop()
    if ckpt is not None:
        ckpt.cleanup()


def stage_test_support(src, into):
    """PySpark's examples read python/test_support/sql/* relative to a Spark checkout: copies of
    those small files under `into`, which becomes the job's working directory."""
    rel = "python/test_support/sql"
    dest = os.path.join(into, rel)
    os.makedirs(dest, exist_ok=True)
    if os.path.isdir(os.path.join(src, rel)):
        names = [n for n in os.listdir(os.path.join(src, rel)) if os.path.isfile(os.path.join(src, rel, n))]
        read = lambda n: open(os.path.join(src, rel, n), "rb").read()  # noqa: E731
    else:
        tree = subprocess.run(["git", "--git-dir", src, "ls-tree", "--name-only", "HEAD:" + rel],
                              capture_output=True, text=True)
        names = [n for n in tree.stdout.split() if "." in n] if tree.returncode == 0 else []
        read = lambda n: subprocess.run(["git", "--git-dir", src, "show", "HEAD:%s/%s" % (rel, n)],  # noqa: E731
                                        check=True, capture_output=True).stdout
    for n in names:
        with open(os.path.join(dest, n), "wb") as f:
            f.write(read(n))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=os.environ.get("SPARKPP_PYSPARK_SRC"))
    ap.add_argument("--files", default=",".join(FILES))
    ap.add_argument("--only", help="run only docstrings whose name matches this regex")
    ap.add_argument("--json", help="also write every result to this file")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if not args.src:
        sys.exit("no PySpark sources: set SPARKPP_PYSPARK_SRC (a Spark checkout or bare git dir)")
    if os.environ.get("SPARKPP_DRIVER_PORT"):
        return main_inside(args)
    binary = os.path.abspath(os.environ.get("SPARKPP_BIN") or os.path.join(ROOT, "build", "sparkpp"))
    env = dict(os.environ, SPARKPP_PYTHON=os.environ.get("SPARKPP_PYTHON", "/usr/bin/python3"),
               SPARKPP_PYSPARK_SRC=os.path.abspath(args.src))
    # catalog.py / readwriter.py make tables: a scratch warehouse, not ./spark-warehouse
    import tempfile
    warehouse = tempfile.mkdtemp(prefix="sparkpp-docstrings-")
    stage_test_support(os.path.abspath(args.src), warehouse)
    rest = sys.argv[1:]
    for i, a in enumerate(rest):  # the job runs in the scratch directory: paths made absolute
        if i > 0 and rest[i - 1] in ("--json", "--src"):
            rest[i] = os.path.abspath(a)
        elif a.startswith(("--json=", "--src=")):
            k, v = a.split("=", 1)
            rest[i] = k + "=" + os.path.abspath(v)
    argv = [binary, "submit", "--master", "local[4]", "--conf", "spark.sql.warehouse.dir=" + warehouse,
            os.path.abspath(__file__)] + rest
    sys.exit(subprocess.call(argv, env=env, cwd=warehouse))


if __name__ == "__main__":
    main()
