"""Spark 3.5's newer string / regex / URL / binary / number-format functions, JSON and CSV
functions, array functions, generators (inline, stack, json_tuple) and AES (issue 14) on the
native engine: answers, NULLs, empty strings, multibyte UTF-8, per-row regex patterns, result
types and Spark's column names, DataFrame API and SQL alike. One application for the module."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import Row, SparkSession, functions as F

spark = SparkSession.builder.appName("fn-text").getOrCreate()
df = spark.createDataFrame(
    [(1, "Spark SQL", "S.*", "k", 2), (2, "ÄbÇ déf", "é|b", "é", -1), (3, "", "", "", 1),
     (4, None, None, None, None), (5, "a1b22c333", r"\d+", "2", 3)],
    "id int, s string, p string, b string, k int")

def rows(d):
    return [list(r) for r in d.orderBy("id").drop("id").collect()]

def names_types(d):
    return [d.columns, [t for _, t in d.dtypes]]

# ---- strings
check("regex_column", lambda: rows(df.select("id", F.rlike("s", "p"), F.regexp_count("s", "p"),
                                             F.regexp_substr("s", "p"), F.regexp_instr("s", "p"),
                                             F.regexp_replace("s", F.col("p"), F.lit("_")),
                                             F.regexp_extract_all("s", F.col("p"), F.lit(0)))))
check("regex_names", lambda: names_types(df.select(F.regexp_count("s", F.lit("a")), F.regexp_substr("s", F.lit("a")),
                                                   F.regexp_instr("s", F.lit("(a)"), 1), F.regexp_like("s", "p"))))
check("bad_pattern", lambda: first_error(lambda: df.select(F.rlike("s", F.concat(F.lit("("), "b"))).collect()))
check("like", lambda: rows(df.select("id", F.like("s", F.concat("b", F.lit("%"))),
                                     F.ilike("s", F.lit("s%")), F.like(F.lit("a%b"), F.lit("a/%b"), F.lit("/")))))
check("printf_column", lambda: [list(r) for r in spark.createDataFrame(
    [(1, "%s-%d", "x", 5), (2, "<%2$d>", "y", 7), (3, None, "z", 7)], "id int, f string, a string, n int")
    .orderBy("id").select(F.printf("f", "a", "n")).collect()])
check("small", lambda: rows(df.select("id", F.lcase("s"), F.ucase("s"), F.btrim("s", F.lit("SLé")),
                                      F.split_part("s", "b", F.lit(1)), F.elt("k", "s", "b"),
                                      F.find_in_set("b", F.lit("x,é,2,k")), F.mask("s"), F.substr("s", "k"),
                                      F.position("b", "s"), F.char(F.lit(256 + 65))
                                      )))
check("small_names", lambda: names_types(df.select(F.lcase("s"), F.btrim("s"), F.split_part("s", "b", "k"),
                                                   F.elt("k", "s", "b"), F.mask("s"), F.substr("s", "k"),
                                                   F.position("b", "s"), F.char(F.lit(65)), F.find_in_set("b", "s"))))
check("url", lambda: [list(r) for r in spark.createDataFrame(
    [("http://user@spark.apache.org:80/path/x?query=1&b=é#frag",), ("not a url",), (None,)], "u string")
    .select(F.parse_url("u", F.lit("HOST")), F.parse_url("u", F.lit("QUERY"), F.lit("b")),
            F.parse_url("u", F.lit("FILE")), F.parse_url("u", F.lit("REF")), F.parse_url("u", F.lit("USERINFO")),
            F.url_encode("u"), F.url_decode(F.url_encode("u"))).collect()])
check("binary", lambda: [list(r) for r in spark.createDataFrame([("4a4B",), ("xyz",), (None,)], "s string")
                         .select(F.try_to_binary("s"), F.to_binary("s", F.lit("utf-8")),
                                 F.to_binary(F.lit("QUJD"), F.lit("base64")),
                                 F.startswith(F.to_binary("s", F.lit("utf-8")), F.to_binary(F.lit("4a"), F.lit("utf-8"))))
                         .collect()])
check("binary_error", lambda: first_error(lambda: spark.range(1).select(F.to_binary(F.lit("xyz"))).collect()))
check("number", lambda: [list(r) for r in spark.createDataFrame([("$78.12",), ("-$1,234.5",), ("12",), (None,)], "s string")
                         .select(F.try_to_number("s", F.lit("S$9,999.99")),
                                 F.to_char(F.try_to_number("s", F.lit("S$9,999.99")), F.lit("S$0,000.00"))).collect()])
check("number_names", lambda: names_types(spark.range(1).select(F.to_number(F.lit("1"), F.lit("99.9")),
                                                                F.to_char(F.lit(1.5), F.lit("9.9")))))
check("sentences", lambda: [list(r) for r in spark.createDataFrame([("Hi there. How's it going? Fine!",), ("",)], "s string")
                            .select(F.sentences("s")).collect()])
# ---- collections
arr = spark.createDataFrame([(1, [1, None, 3], 9), (2, [], None), (3, None, 1)], "id int, a array<int>, v int")
check("arrays", lambda: rows(arr.select("id", F.get("a", 0), F.get("a", -1), F.array_size("a"),
                                        F.array_append("a", F.col("v")), F.array_prepend("a", 0), F.array_compact("a"),
                                        F.array_insert("a", 2, F.col("v")), F.array_insert("a", -1, F.lit(7)),
                                        F.array_insert("a", 5, F.lit(7)), F.array_insert("a", -5, F.lit(7)))))
check("arrays_names", lambda: names_types(arr.select(F.get("a", 0), F.array_size("a"), F.array_append("a", F.col("v")),
                                                     F.array_prepend("a", 0), F.array_compact("a"),
                                                     F.array_insert("a", 2, F.col("v")))))
check("map_key", lambda: names_types(spark.sql("SELECT map(1, 'a') m").select(F.map_contains_key("m", 1))) +
      [list(spark.sql("SELECT map(1, 'a') m").select(F.map_contains_key("m", 1), F.map_contains_key("m", 2)).first())])
check("array_agg", lambda: sorted(arr.agg(F.array_agg("v")).first()[0]))
check("generators", lambda: [list(r) for r in spark.createDataFrame(
    [(1, [Row(a=1, b="x"), Row(a=2, b=None)]), (2, [])], "id int, l array<struct<a:int,b:string>>")
    .select("id", F.inline_outer("l")).orderBy("id", "a").collect()])
check("stack", lambda: names_types(spark.range(1).select(F.stack(F.lit(2), F.lit(1), F.lit("x"), F.lit(2)))) +
      [list(r) for r in spark.range(1).select(F.stack(F.lit(2), F.lit(1), F.lit("x"), F.lit(2))).collect()])
check("json_tuple", lambda: [list(r) for r in spark.createDataFrame(
    [('{"f1": "v", "f2": {"x": 1}, "f.3": 3}',), ("[1]",), (None,)], "j string")
    .select(F.json_tuple("j", "f1", "f2", "f.3", "zz")).collect()])
check("assert", lambda: [spark.range(2).select(F.assert_true(F.col("id") < 5)).collect()[0][0],
                         first_error(lambda: spark.range(2).select(F.assert_true(F.col("id") < 1, "boom")).collect())])
# ---- JSON / CSV
check("json", lambda: [list(r) for r in spark.createDataFrame([("[1, [2], {}]",), ("{\"k\": 1, \"é\": 2}",), ("x",), (None,)],
                                                              "j string")
                       .select(F.json_array_length("j"), F.json_object_keys("j")).collect()])
check("from_json_schema_col", lambda: [list(r) for r in spark.createDataFrame([('{"a": 3}',)], "j string")
                                       .select(F.from_json("j", F.schema_of_json(F.lit('{"a": 0}')))).collect()])
check("csv", lambda: [list(r) for r in spark.createDataFrame([("1,x,2.5",), ("bad,y,",), (None,)], "c string")
                      .select(F.from_csv("c", "a INT, b STRING, d DOUBLE"),
                              F.to_csv(F.struct(F.lit(1).alias("p"), F.lit("a,b").alias("q"))),
                              F.schema_of_csv(F.lit("1|x|2.5"), {"sep": "|"})).collect()])
# ---- AES
check("aes", lambda: [list(r) for r in spark.createDataFrame([("Spark é", "abcdefghijklmnop")], "s string, k string")
                      .select(F.aes_decrypt(F.aes_encrypt("s", "k"), "k").cast("string"),
                              F.aes_decrypt(F.aes_encrypt("s", "k", F.lit("CBC")), "k", F.lit("CBC")).cast("string"),
                              F.base64(F.aes_encrypt("s", "k", F.lit("ECB"))),
                              F.try_aes_decrypt(F.lit(b"0123456789abcdef0123456789"), "k")).collect()])
# ---- SQL names
check("sql", lambda: [list(spark.sql(
    "SELECT lcase('AB'), ucase('ab'), btrim('xaxx', 'x'), split_part('a.b', '.', -1), elt(2, 'a', 'b'), "
    "find_in_set('b', 'a,b'), regexp_count('aaa', 'a'), url_encode('a b'), parse_url('http://x.org/p', 'PATH'), "
    "array_size(array(1, 2)), get(array(1), 0), array_compact(array(1, null)), 'ab' like '%b', "
    "json_array_length('[1]'), to_number('12.5', '99.9')").first())])
emit()
spark.stop()
'''


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fn_text")
    return jobs.submit_ok(jobs.write_job(tmp, "fn_text.py", JOB), master="local[2]", timeout=180).result


def test_strings_and_regex(result):
    r = result
    assert r("regex_column") == [
        [True, 1, "Spark SQL", 1, "_", ["Spark SQL"]],
        [True, 2, "b", 2, "Ä_Ç d_f", ["b", "é"]],
        [True, 1, None, 1, "_", [""]],
        [None] * 6,
        [True, 3, "1", 2, "a_b_c_", ["1", "22", "333"]]]
    assert r("regex_names") == [["regexp_count(s, a)", "regexp_substr(s, a)", "regexp_instr(s, (a), 1)",
                                 "REGEXP_LIKE(s, p)"], ["int", "string", "int", "boolean"]]
    assert "INVALID_PARAMETER_VALUE.PATTERN" in r("bad_pattern")
    assert r("like") == [[False, True, True], [False, False, True], [True, False, True], [None, None, True],
                         [False, False, True]]
    assert r("printf_column") == [["x-5"], ["<7>"], [None]]
    assert r("small") == [
        ["spark sql", "SPARK SQL", "park SQ", "Spar", "k", 4, "Xxxxx XXX", "park SQL", 5, "A"],
        ["äbç déf", "ÄBÇ DÉF", "ÄbÇ déf", "ÄbÇ d", None, 2, "XxX xxx", "f", 6, "A"],
        ["", "", "", "", "", 0, "", "", 1, "A"],
        [None, None, None, None, None, None, None, None, None, "A"],
        ["a1b22c333", "A1B22C333", "a1b22c333", "a1b", None, 3, "xnxnnxnnn", "b22c333", 4, "A"]]
    assert r("small_names") == [
        ["lcase(s)", "btrim(s)", "split_part(s, b, k)", "elt(k, s, b)", "mask(s, X, x, n, NULL)", "substr(s, k, 2147483647)",
         "position(b, s, 1)", "char(65)", "find_in_set(b, s)"],
        ["string", "string", "string", "string", "string", "string", "int", "string", "int"]]
    assert r("url") == [
        ["spark.apache.org", "é", "/path/x?query=1&b=é", "frag", "user",
         "http%3A%2F%2Fuser%40spark.apache.org%3A80%2Fpath%2Fx%3Fquery%3D1%26b%3D%C3%A9%23frag",
         "http://user@spark.apache.org:80/path/x?query=1&b=é#frag"],
        [None, None, None, None, None, "not+a+url", "not a url"],
        [None] * 7]
    assert r("binary") == [["bytearray(b'JK')", "bytearray(b'4a4B')", "bytearray(b'ABC')", True],
                           [None, "bytearray(b'xyz')", "bytearray(b'ABC')", False],
                           [None, None, "bytearray(b'ABC')", None]]
    assert "CONVERSION_INVALID_INPUT" in r("binary_error")
    assert r("number") == [["Decimal('78.12')", "+$0,078.12"], ["Decimal('-1234.50')", "-$1,234.50"],
                           [None, None], [None, None]]
    assert r("number_names") == [["to_number(1, 99.9)", "to_char(1.5, 9.9)"], ["decimal(3,1)", "string"]]
    assert r("sentences") == [[[["Hi", "there"], ["How's", "it", "going"], ["Fine"]]], [[]]]


def test_collections_and_generators(result):
    r = result
    assert r("arrays") == [
        [1, None, 3, [1, None, 3, 9], [0, 1, None, 3], [1, 3], [1, 9, None, 3], [1, None, 3, 7],
         [1, None, 3, None, 7], [7, None, 1, None, 3]],
        [None, None, 0, [None], [0], [], [None, None], [7], [None, None, None, None, 7], [7, None, None, None, None]],
        [None, None, None, None, None, None, None, None, None, None]]
    assert r("arrays_names") == [["get(a, 0)", "array_size(a)", "array_append(a, v)", "array_prepend(a, 0)",
                                  "array_compact(a)", "array_insert(a, 2, v)"],
                                 ["int", "int", "array<int>", "array<int>", "array<int>", "array<int>"]]
    assert r("map_key") == [["array_contains(map_keys(m), 1)"], ["boolean"], [True, False]]
    assert r("array_agg") == [1, 9]
    assert r("generators") == [[1, 1, "x"], [1, 2, None], [2, None, None]]
    assert r("stack") == [["col0", "col1"], ["int", "string"], [1, "x"], [2, None]]
    assert r("json_tuple") == [["v", '{"x":1}', "3", None], [None] * 4, [None] * 4]
    assert r("assert")[0] is None
    assert "boom" in r("assert")[1]


def test_json_csv_aes_sql(result):
    r = result
    assert r("json") == [[3, None], [None, ["k", "é"]], [None, None], [None, None]]
    assert r("from_json_schema_col") == [[[3]]]
    assert r("csv") == [[[1, "x", 2.5], '1,"a,b"', "STRUCT<_c0: INT, _c1: STRING, _c2: DOUBLE>"],
                        [[None, "y", None], '1,"a,b"', "STRUCT<_c0: INT, _c1: STRING, _c2: DOUBLE>"],
                        [None, '1,"a,b"', "STRUCT<_c0: INT, _c1: STRING, _c2: DOUBLE>"]]
    aes = r("aes")[0]
    assert aes[0] == "Spark é" and aes[1] == "Spark é" and aes[3] is None
    assert r("sql") == [["ab", "AB", "a", "b", "b", 2, 3, "a+b", "/p", 2, 1, [1], True, 1, "Decimal('12.5')"]]
