"""Math functions of issue 14 on the native engine: answers vs Python's math (same libm
semantics Spark's java.lang.Math gives for these inputs), NULLs, NaN, +-0.0, infinities,
min/max longs, result types (dtypes) and Spark's column names."""
import math
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import math
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("fn-math").getOrCreate()
df = spark.createDataFrame([(1, 2.5, 7, 9223372036854775807), (2, -0.0, -3, -9223372036854775808),
                            (3, float("nan"), 0, 0), (4, None, None, None), (5, float("inf"), 2, -1),
                            (6, -2.5, 21, 255)],
                           "id int, x double, i int, l long")

def rows(d):
    return [[repr(v) if isinstance(v, float) else str(v) if type(v).__name__ == "Decimal" else v for v in r]
            for r in d.orderBy("id").drop("id").collect()]

def names_types(d):
    return [d.columns, [t for _, t in d.dtypes]]

def err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return str(e).split("\n")[0]
    return "no error"

UNARY = ["cbrt", "exp", "expm1", "log10", "log2", "log1p", "ln", "sin", "cos", "tan", "asin", "acos", "atan",
         "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "cot", "sec", "csc", "degrees", "radians", "signum", "rint"]
check("unary", lambda: rows(df.select("id", *[getattr(F, f)("x") for f in UNARY])))
check("unary_names", lambda: names_types(df.select(*[getattr(F, f)("x") for f in UNARY], F.sign("x"))))
check("binary", lambda: rows(df.select("id", F.atan2("x", F.lit(1.0)), F.hypot("x", "i"), F.pow("x", "i"),
                                       F.log(2.0, "x"), F.log("x"), F.atan2(F.lit(-0.0), F.lit(-1.0)))))
check("binary_names", lambda: names_types(df.select(F.atan2("x", "i"), F.hypot("x", "i"), F.pow("x", 2),
                                                    F.log(10, "x"), F.log("x"))))
check("ceil_floor", lambda: rows(df.select("id", F.ceil("x"), F.floor("x"), F.ceil("i"), F.floor("l"),
                                           F.ceil(F.col("x").cast("decimal(5,2)")),
                                           F.floor(F.col("x").cast("decimal(5,2)")))))
check("ceil_names", lambda: names_types(df.select(F.ceil("x"), F.floor("l"), F.ceiling("i"),
                                                  F.ceil(F.col("x").cast("decimal(5,2)")))))
check("greatest", lambda: rows(df.select("id", F.greatest("x", "i"), F.least("x", "i"), F.greatest("i", "l"),
                                         F.least(F.lit("b"), F.lit("a"), F.lit(None).cast("string")))))
check("greatest_names", lambda: names_types(df.select(F.greatest("x", "i"), F.least("i", "l"))))
check("greatest_err", lambda: err(lambda: df.select(F.greatest("x"))))
check("pmod", lambda: rows(df.select("id", F.pmod("i", F.lit(5)), F.pmod("i", F.lit(0)), F.pmod("x", 2),
                                     F.pmod("l", F.lit(-7)))))
check("pmod_names", lambda: names_types(df.select(F.pmod("i", F.lit(5)), F.pmod("x", 2))))
check("radix", lambda: rows(df.select("id", F.hex("l"), F.hex("i"), F.bin("i"), F.conv(F.col("i").cast("string"), 10, 16),
                                      F.conv(F.col("i").cast("string"), 10, -16), F.hex(F.lit("Spark")),
                                      F.unhex(F.hex(F.lit("Spark"))).cast("string"), F.unhex(F.lit("ZZ")))))
check("conv_more", lambda: [list(x) for x in spark.range(1).select(F.conv(F.lit("100"), 2, 10), F.conv(F.lit("-10"), 16, -10),
                                                      F.conv(F.lit("FFFFFFFFFFFFFFFFFF"), 16, 10),
                                                      F.conv(F.lit("12z"), 10, 2), F.conv(F.lit("1"), 1, 10)).collect()])
check("radix_names", lambda: names_types(df.select(F.hex("l"), F.unhex(F.lit("A1")), F.bin("i"),
                                                   F.conv(F.lit("1"), 10, 2))))
check("bits", lambda: rows(df.select("id", F.bitwise_not("i"), F.bitwise_not("l"), F.shiftleft("i", 1),
                                     F.shiftright("i", 1), F.shiftrightunsigned("i", 1), F.shiftleft("l", 65),
                                     F.shiftrightunsigned("l", 60))))
check("bits_names", lambda: names_types(df.select(F.bitwise_not("i"), F.shiftleft("i", 1), F.shiftright("l", 2),
                                                  F.shiftrightunsigned("i", 3))))
check("misc", lambda: rows(df.select("id", F.factorial("i"), F.isnan("x"), F.nanvl("x", F.lit(0.0)), F.e(), F.pi())))
check("misc_names", lambda: names_types(df.select(F.factorial("i"), F.isnan("x"), F.nanvl("x", "x"), F.e(), F.pi())))
r1 = spark.range(0, 6, 1, 2)
check("rand", lambda: [r[0] for r in r1.select(F.rand(42)).collect()])
check("randn", lambda: [r[0] for r in r1.select(F.randn(7)).collect()])
check("rand_names", lambda: [names_types(r1.select(F.rand(42), F.randn(1), F.rand())),
                             r1.select(F.rand()).count()])
check("empty", lambda: df.filter(F.col("id") > 100).select(F.sin("x"), F.ceil("x"), F.hex("l")).collect())
emit()
spark.stop()
'''


def R(v):
    return repr(v) if isinstance(v, float) else v


def inv(d):
    return math.copysign(math.inf, d) if d == 0 else 1 / d


def java_pow(x, y):
    try:
        return math.pow(x, y)
    except ValueError:  # pow(-0.0, negative odd) is -Infinity in Java and C
        return -math.inf if y % 2 else math.inf


def spark_unary(f, x):
    if x is None:
        return None
    fns = {"cbrt": lambda v: math.copysign(abs(v) ** (1 / 3), v) if math.isfinite(v) else v,
           "exp": math.exp, "expm1": math.expm1, "log10": math.log10, "log2": lambda v: math.log(v) / math.log(2),
           "log1p": math.log1p, "ln": math.log, "sin": math.sin, "cos": math.cos, "tan": math.tan,
           "asin": math.asin, "acos": math.acos, "atan": math.atan, "sinh": math.sinh, "cosh": math.cosh,
           "tanh": math.tanh,
           "asinh": lambda v: v if v == -math.inf else math.log(v + math.sqrt(v * v + 1)),
           "acosh": lambda v: math.log(v + math.sqrt(v * v - 1)),
           "atanh": lambda v: 0.5 * (math.log1p(v) - math.log1p(-v)),
           "cot": lambda v: inv(math.tan(v)), "sec": lambda v: inv(math.cos(v)), "csc": lambda v: inv(math.sin(v)),
           "degrees": lambda v: v * 57.29577951308232, "radians": lambda v: v * 0.017453292519943295,
           "signum": lambda v: v if v == 0 or math.isnan(v) else math.copysign(1.0, v),
           "rint": lambda v: math.copysign(float(round(v)), v) if math.isfinite(v) else v}
    asym = {"log10": 0.0, "log2": 0.0, "ln": 0.0, "log1p": -1.0}
    if f in asym and x <= asym[f]:
        return None
    try:
        return fns[f](x)
    except (ValueError, ZeroDivisionError):
        return math.nan
    except OverflowError:
        return math.inf


def test_math_functions(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "math.py", JOB), master="local[2]", timeout=180)
    r = res.result
    xs = [2.5, -0.0, math.nan, None, math.inf, -2.5]
    unary = r("unary")
    names = ["cbrt", "exp", "expm1", "log10", "log2", "log1p", "ln", "sin", "cos", "tan", "asin", "acos", "atan",
             "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "cot", "sec", "csc", "degrees", "radians",
             "signum", "rint"]
    for row, x in zip(unary, xs):
        for got, f in zip(row, names):
            want = spark_unary(f, x)
            if f == "cbrt" and x not in (None,) and math.isfinite(x) and x != 0:
                assert abs(float(got) - want) < 1e-12, (f, x, got)
                continue
            assert got == R(want), (f, x, got, want)
    assert r("unary_names") == [["CBRT(x)", "EXP(x)", "EXPM1(x)", "LOG10(x)", "LOG2(x)", "LOG1P(x)", "ln(x)", "SIN(x)",
                                 "COS(x)", "TAN(x)", "ASIN(x)", "ACOS(x)", "ATAN(x)", "SINH(x)", "COSH(x)", "TANH(x)",
                                 "ASINH(x)", "ACOSH(x)", "ATANH(x)", "COT(x)", "SEC(x)", "CSC(x)", "DEGREES(x)",
                                 "RADIANS(x)", "SIGNUM(x)", "rint(x)", "sign(x)"], ["double"] * 27]
    ints = [7, -3, 0, None, 2, 21]
    binary = r("binary")
    for row, x, i in zip(binary, xs, ints):
        want = [None if x is None else math.atan2(x + 0.0, 1.0),
                None if x is None else math.hypot(x, i),
                None if x is None else java_pow(x, i),
                None if x is None or x <= 0 else math.log(x) / math.log(2.0),
                None if x is None or x <= 0 else math.log(x),
                math.pi]
        if x is not None and math.isfinite(x):  # CPython's own hypot may differ from libm's in the last bit
            assert abs(float(row[1]) - want[1]) <= 1e-15 * want[1]
            row[1] = R(want[1])
        assert row == [R(w) for w in want], (x, row)
    assert r("binary_names") == [["ATAN2(x, i)", "HYPOT(x, i)", "POWER(x, 2.0)", "LOG(10.0, x)", "ln(x)"], ["double"] * 5]
    assert r("ceil_floor") == [[3, 2, 7, 9223372036854775807, "3", "2"], [0, 0, -3, -9223372036854775808, "0", "0"],
                               [0, 0, 0, 0, None, None], [None] * 6,
                               [9223372036854775807, 9223372036854775807, 2, -1, None, None],
                               [-2, -3, 21, 255, "-2", "-3"]]
    assert r("ceil_names") == [["CEIL(x)", "FLOOR(l)", "ceiling(i)", "CEIL(CAST(x AS DECIMAL(5,2)))"],
                               ["bigint", "bigint", "bigint", "decimal(4,0)"]]
    assert r("greatest") == [[R(7.0), R(2.5), 9223372036854775807, "a"], [R(-0.0), R(-3.0), -3, "a"],
                             [R(math.nan), R(0.0), 0, "a"], [None, None, None, "a"],
                             [R(math.inf), R(2.0), 2, "a"], [R(21.0), R(-2.5), 255, "a"]]
    assert r("greatest_names") == [["greatest(x, i)", "least(i, l)"], ["double", "bigint"]]
    assert r("greatest_err") == "[WRONG_NUM_COLUMNS] Function `greatest` should take at least 2 columns."
    assert r("pmod") == [[2, None, R(0.5), 0], [2, None, R(-0.0), -1], [0, None, R(math.nan), 0], [None] * 4,
                         [2, None, R(math.nan), -1], [1, None, R(1.5), 3]]
    assert r("pmod_names") == [["pmod(i, 5)", "pmod(x, 2.0)"], ["int", "double"]]
    radix = r("radix")
    assert radix[0] == ["7FFFFFFFFFFFFFFF", "7", "111", "7", "7", "537061726B", "Spark", None]
    assert radix[1] == ["8000000000000000", "FFFFFFFFFFFFFFFD", format(-3 & (2 ** 64 - 1), "b"),
                        "FFFFFFFFFFFFFFFD", "-3", "537061726B", "Spark", None]
    assert radix[3] == [None, None, None, None, None, "537061726B", "Spark", None]
    assert radix[4][:3] == ["FFFFFFFFFFFFFFFF", "2", "10"]
    assert r("conv_more") == [["4", "-16", "18446744073709551615", "1100", None]]
    assert r("radix_names") == [["hex(l)", "unhex(A1)", "bin(i)", "conv(1, 10, 2)"], ["string", "binary", "string", "string"]]
    bits = r("bits")
    assert bits[0] == [-8, -9223372036854775808, 14, 3, 3, -2, 7]
    assert bits[1] == [2, 9223372036854775807, -6, -2, 2147483646, 0, 8]
    assert bits[3] == [None] * 7
    assert r("bits_names") == [["~i", "shiftleft(i, 1)", "shiftright(l, 2)", "shiftrightunsigned(i, 3)"],
                               ["int", "int", "bigint", "int"]]
    assert r("misc") == [[5040, False, R(2.5), R(math.e), R(math.pi)], [None, False, R(-0.0), R(math.e), R(math.pi)],
                         [1, True, R(0.0), R(math.e), R(math.pi)], [None, False, None, R(math.e), R(math.pi)],
                         [2, False, R(math.inf), R(math.e), R(math.pi)], [None, False, R(-2.5), R(math.e), R(math.pi)]]
    assert r("misc_names") == [["factorial(i)", "isnan(x)", "nanvl(x, x)", "E()", "PI()"],
                               ["bigint", "boolean", "double", "double", "double"]]
    rand = r("rand")
    assert len(rand) == 6 and all(0 <= v < 1 for v in rand) and len(set(rand)) == 6
    randn = r("randn")
    assert len(randn) == 6 and len(set(randn)) == 6
    assert r("rand_names") == [[["rand(42)", "randn(1)", "rand()"], ["double", "double", "double"]], 6]
    assert r("empty") == []
