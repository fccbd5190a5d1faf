"""Runs PySpark's own docstring examples from a PySpark source file against sparkpp and prints
the pass rate (an external check; PySpark's sources are not part of this repo).

    /usr/bin/python3 tests/python/pyspark_doctests.py PATH/TO/pyspark/sql/types.py [-v]
    /usr/bin/python3 tests/python/pyspark_doctests.py PATH/TO/pyspark/errors/error_classes.py
        (the second form compares sparkpp/_error_classes.py's templates with PySpark's)

Each docstring of the file (module, classes, functions, methods) runs as one doctest with the
globals of the sparkpp module of the same name plus `spark` (a session on the in-process fake
driver of tests/python/fakedriver.py, so examples that execute run on the RDD runtime)."""
import ast
import doctest
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "src", "pyworker"))
sys.path.insert(0, HERE)


def docstrings(path):
    tree = ast.parse(open(path).read())
    out = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                doc = ast.get_docstring(child, clean=False)
                if doc and ">>>" in doc:
                    out.append((name, doc, child.lineno))
                visit(child, name + ".")
    mod_doc = ast.get_docstring(tree, clean=False)
    if mod_doc and ">>>" in mod_doc:
        out.append(("<module>", mod_doc, 1))
    visit(tree, "")
    return out


def compare_error_classes(path):
    ns = {}
    exec(open(path).read(), ns)
    ref = ns["ERROR_CLASSES_MAP"]
    from sparkpp._error_classes import ERROR_CLASSES
    bad = 0
    for k, text in sorted(ERROR_CLASSES.items()):
        want = "\n".join(ref[k]["message"]) if k in ref else None
        if want != text:
            bad += 1
            print("%s: PySpark %r, sparkpp %r" % (k, want, text))
    print("%d/%d error classes equal to PySpark's" % (len(ERROR_CLASSES) - bad,
                                                     len(ERROR_CLASSES)))


def main():
    path, verbose = sys.argv[1], "-v" in sys.argv
    if os.path.basename(path) == "error_classes.py":
        return compare_error_classes(path)
    module = "pyspark.sql." + os.path.splitext(os.path.basename(path))[0]
    import importlib
    import pyspark  # noqa: F401  (registers the aliases)
    mod = importlib.import_module(module)
    from fakedriver import FakeGateway
    from sparkpp import SparkContext
    from sparkpp.sql import SparkSession
    gw = FakeGateway(default_parallelism=2)
    sc = SparkContext(master="local[2]", appName="doctests", gateway=gw)
    spark = SparkSession(sc)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                                   verbose=False)
    passed = failed = 0
    for name, doc, line in docstrings(path):
        globs = dict(vars(mod))
        globs.update(spark=spark, sc=sc)
        test = parser.get_doctest(doc, globs, name, path, line)
        result = runner.run(test, out=(sys.stdout.write if verbose else lambda s: None))
        ok = result.failed == 0
        passed += ok
        failed += not ok
        if not ok:
            print("FAIL %s (line %d)" % (name, line))
    total = passed + failed
    print("%s: %d/%d docstrings pass (%.0f%%); examples %d attempted, %d failed"
          % (module, passed, total, 100.0 * passed / max(total, 1),
             runner.tries, runner.failures))
    sc.stop()
    gw.close()


if __name__ == "__main__":
    main()
