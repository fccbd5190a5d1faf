"""String functions of issue 14 on the native engine: answers vs hand-computed values, NULLs,
empty input, multibyte UTF-8, result types (dtypes) and Spark's column names."""
import base64
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("fn-strings").getOrCreate()
df = spark.createDataFrame(
    [(1, "hello world", "l", 3), (2, "ÄbÇ déf", "é", 2), (3, "", "", 0), (4, None, None, None),
     (5, "a,b,,c", ",", -2)],
    "id int, s string, b string, k int")
empty = df.filter(F.col("id") > 100)

def rows(d):
    return [list(r) for r in d.orderBy("id").drop("id").collect()] if "id" in d.columns else \
        [list(r) for r in d.collect()]

def names_types(d):
    return [d.columns, [t for _, t in d.dtypes]]

def err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return str(e).split("\n")[0]
    return "no error"

check("case", lambda: rows(df.select("id", F.initcap("s"), F.reverse("s"), F.char_length("s"),
                                     F.character_length("s"), F.ascii("s"), F.soundex("s"))))
check("octets", lambda: rows(df.select("id", F.octet_length("s"), F.bit_length("s"))))
check("octets_names", lambda: names_types(df.select(F.octet_length("s"), F.bit_length("s"))))
check("case_names", lambda: names_types(df.select(F.initcap("s"), F.reverse("s"), F.char_length("s"),
                                                  F.ascii("s"), F.soundex("s"))))
check("pad", lambda: rows(df.select("id", F.lpad("s", 5, "*-"), F.rpad("s", 13, "é."), F.lpad("s", 0, "x"),
                                    F.rpad("s", 3, ""), F.repeat("b", 3), F.repeat("s", -1))))
check("pad_names", lambda: names_types(df.select(F.lpad("s", 5, "*"), F.rpad("s", 2, " "), F.repeat("s", 2))))
check("find", lambda: rows(df.select("id", F.instr("s", "l"), F.locate("l", "s"), F.locate("l", "s", 4),
                                     F.locate("o", "s", 0), F.instr("s", "é"))))
check("find_names", lambda: names_types(df.select(F.instr("s", "l"), F.locate("l", "s"), F.locate("o", "s", 3))))
check("substring_index", lambda: rows(df.select("id", F.substring_index("s", ",", 2),
                                                F.substring_index("s", ",", -2), F.substring_index("s", "l", 1),
                                                F.substring_index("s", "", 1))))
check("left_right", lambda: rows(df.select("id", F.left("s", "k"), F.right("s", "k"),
                                           F.left("s", F.lit(100)), F.right("s", F.lit(-1)))))
check("left_right_names", lambda: names_types(df.select(F.left("s", F.lit(2)), F.right("s", "k"))))
check("translate", lambda: rows(df.select("id", F.translate("s", "lo", "01"), F.translate("s", "éd l", "E"),
                                          F.replace("s", F.lit("l")), F.replace("s", F.lit("l"), F.lit("LL")),
                                          F.replace("s", F.lit(""), F.lit("x")))))
check("translate_names", lambda: names_types(df.select(F.translate("s", "ab", "c"), F.replace("s", "b"),
                                                       F.replace("s", "b", "k"))))
check("codec", lambda: rows(df.select("id", F.base64("s"), F.unbase64(F.base64("s")).cast("string"),
                                      F.decode(F.encode("s", "utf-8"), "UTF-8"),
                                      F.decode(F.encode("s", "ISO-8859-1"), "ISO-8859-1"),
                                      F.decode(F.encode("s", "US-ASCII"), "US-ASCII"),
                                      F.decode(F.encode("s", "UTF-16LE"), "UTF-16LE"))))
check("codec_raw", lambda: [bytes(r[0]) if r[0] is not None else None for r in
                            df.orderBy("id").select(F.encode("s", "UTF-16")).collect()])
check("codec_names", lambda: names_types(df.select(F.base64("s"), F.unbase64("s"), F.encode("s", "UTF-8"),
                                                   F.decode(F.encode("s", "UTF-8"), "UTF-8"))))
check("base64_long", lambda: rows(spark.range(1).select(F.base64(F.lit("x" * 100)))))
check("charset_err", lambda: err(lambda: df.select(F.encode("s", "WINDOWS-1252")).collect()))
check("levenshtein", lambda: rows(df.select("id", F.levenshtein("s", F.lit("hallo")),
                                            F.levenshtein("s", F.lit("hallo"), 3),
                                            F.levenshtein(F.lit("kitten"), F.lit("sitting")))))
check("levenshtein_names", lambda: names_types(df.select(F.levenshtein("s", "b"), F.levenshtein("s", "b", 2))))
check("overlay", lambda: rows(df.select("id", F.overlay("s", F.lit("XY"), 2), F.overlay("s", F.lit("XY"), 2, 0),
                                        F.overlay("s", F.lit("_"), 20, 5))))
check("overlay_names", lambda: names_types(df.select(F.overlay("s", "b", 2), F.overlay("s", "b", 2, 1))))
check("format_number", lambda: rows(spark.createDataFrame(
    [(1, 1234567.891, 5), (2, -0.001, 2), (3, 2.5, 0), (4, 3.5, 0), (5, float("nan"), 1), (6, None, 1),
     (7, 12.0, -1), (8, 0.125, 2)], "id int, x double, d int")
    .select("id", F.format_number("x", 2), F.format_number("x", 0), F.format_number("x", 5))))
check("format_number_ints", lambda: rows(spark.range(1).select(
    F.format_number(F.lit(1234567), 2), F.format_number(F.lit(-9876543210), 0),
    F.format_number(F.lit(12345.6789).cast("decimal(10,4)"), 3), F.format_number(F.lit(2.675), 2),
    F.format_number(F.lit(1.5), -1))))
check("format_number_names", lambda: names_types(df.select(F.format_number("k", 2))))
check("format_string", lambda: rows(df.select("id", F.format_string("%s-%d|%5s|%-4d|%03d", "s", "k", "b", "k", "k"),
                                              F.format_string("%2$s %1$s %%", "s", "b"),
                                              F.format_string("%x %o %X", "k", "k", "k"))))
check("format_doubles", lambda: rows(spark.range(1).select(
    F.format_string("%.2f %e %10.3f %g %,d %+d %s", F.lit(2.675), F.lit(1234.5), F.lit(-3.14159),
                    F.lit(0.0001234), F.lit(1234567), F.lit(5), F.lit(1.0E10)))))
check("format_names", lambda: names_types(df.select(F.format_string("%s:%d", "s", "k"), F.printf(F.lit("%s"), "s"))))
check("format_err", lambda: err(lambda: df.select(F.format_string("%d", "s")).collect()))
check("regexp", lambda: rows(df.select("id", F.regexp_extract("s", r"(\w)(\w+)", 2),
                                       F.regexp_extract("s", r"(x)?o", 1), F.regexp_extract("s", r"zzz", 0),
                                       F.regexp_replace("s", r"(\w+)", "<$1>"), F.regexp_replace("s", "l*", "-"),
                                       F.regexp_extract_all("s", F.lit(r"(\w)\w*"), 1),
                                       F.regexp_like("s", F.lit("^h.*d$")), F.rlike("s", F.lit("b")))))
check("regexp_names", lambda: names_types(df.select(F.regexp_extract("s", r"(\d+)", 1),
                                                    F.regexp_replace("s", r"\d", "X"),
                                                    F.regexp_extract_all("s", F.lit(r"(\d)")),
                                                    F.regexp_like("s", F.lit("a")), F.rlike("s", F.lit("a")))))
check("regexp_group_err", lambda: err(lambda: df.select(F.regexp_extract("s", r"(a)", 2)).collect()))
check("regexp_bad_err", lambda: err(lambda: df.select(F.regexp_extract("s", r"\p{javaLowerCase}(", 0)).collect()))
check("regexp_named", lambda: rows(spark.range(1).select(
    F.regexp_replace(F.lit("2024-01-31"), r"(?<y>\d+)-(\d+)-(\d+)", "${y}/$2/$3"),
    F.regexp_replace(F.lit("a.b"), r"\.", "\\$"))))
check("empty", lambda: [empty.select(F.initcap("s"), F.lpad("s", 3, "x"), F.regexp_extract("s", "a", 0),
                                     F.format_number("k", 1)).collect(),
                        empty.select(F.base64("s")).dtypes])
emit()
spark.stop()
'''


def b64(s):
    return base64.b64encode(s.encode()).decode() if s is not None else None


def test_string_functions(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "strings.py", JOB), master="local[2]", timeout=180)
    r = res.result
    assert r("case") == [["Hello World", "dlrow olleh", 11, 11, 104, "H464"],
                         ["Äbç Déf", "féd ÇbÄ", 7, 7, 196, "ÄbÇ déf"],
                         ["", "", 0, 0, 0, ""], [None] * 6,
                         ["A,b,,c", "c,,b,a", 6, 6, 97, "A120"]]
    assert r("octets") == [[11, 88], [10, 80], [0, 0], [None, None], [6, 48]]
    assert r("octets_names") == [["octet_length(s)", "bit_length(s)"], ["int", "int"]]
    assert r("case_names") == [["initcap(s)", "reverse(s)", "char_length(s)", "ascii(s)", "soundex(s)"],
                               ["string", "string", "int", "int", "string"]]
    assert r("pad") == [["hello", "hello worldé.", "", "hel", "lll", ""],
                        ["ÄbÇ d", "ÄbÇ défé.é.é.", "", "ÄbÇ", "ééé", ""],
                        ["*-*-*", "é.é.é.é.é.é.é", "", "", "", ""],
                        [None] * 6,
                        ["a,b,,", "a,b,,cé.é.é.é", "", "a,b", ",,,", ""]]
    assert r("pad_names") == [["lpad(s, 5, *)", "rpad(s, 2,  )", "repeat(s, 2)"], ["string"] * 3]
    assert r("find") == [[3, 3, 4, 0, 0], [0, 0, 0, 0, 6], [0, 0, 0, 0, 0], [None] * 5, [0, 0, 0, 0, 0]]
    assert r("find_names") == [["instr(s, l)", "locate(l, s, 1)", "locate(o, s, 3)"], ["int"] * 3]
    assert r("substring_index") == [["hello world", "hello world", "he", ""],
                                    ["ÄbÇ déf", "ÄbÇ déf", "ÄbÇ déf", ""], ["", "", "", ""], [None] * 4,
                                    ["a,b", ",c", "a,b,,c", ""]]
    assert r("left_right") == [["hel", "rld", "hello world", ""], ["Äb", "éf", "ÄbÇ déf", ""],
                               ["", "", "", ""], [None] * 4, ["", "", "a,b,,c", ""]]
    assert r("left_right_names") == [["left(s, 2)", "right(s, k)"], ["string", "string"]]
    assert r("translate") == [["he001 w1r0d", "heowor", "heo word", "heLLLLo worLLd", "hello world"],
                              ["ÄbÇ déf", "ÄbÇEf", "ÄbÇ déf", "ÄbÇ déf", "ÄbÇ déf"],
                              ["", "", "", "", ""], [None] * 5, ["a,b,,c", "a,b,,c", "a,b,,c", "a,b,,c", "a,b,,c"]]
    assert r("translate_names") == [["translate(s, ab, c)", "replace(s, b, )", "replace(s, b, k)"], ["string"] * 3]
    words = ["hello world", "ÄbÇ déf", "", None, "a,b,,c"]
    codec = r("codec")
    assert [row[0] for row in codec] == [b64(w) for w in words]
    assert [row[1] for row in codec] == words
    for row, w in zip(codec, words):
        assert row[2:] == [w, w.encode("latin-1").decode("latin-1") if w else w,
                           "".join(c if ord(c) < 128 else "?" for c in w) if w is not None else None, w]
    # Java's UTF-16 encoder writes a big-endian byte-order mark, but not for an empty string.
    assert r("codec_raw") == [None if w is None else repr(b"\xfe\xff" + w.encode("utf-16-be") if w else b"")
                              for w in words]
    assert r("codec_names") == [["base64(s)", "unbase64(s)", "encode(s, UTF-8)", "decode(encode(s, UTF-8), UTF-8)"],
                                ["string", "binary", "binary", "string"]]
    encoded = base64.b64encode(b"x" * 100).decode()
    assert r("base64_long") == [[encoded[:76] + "\r\n" + encoded[76:]]]
    assert "UnsupportedEncodingException: WINDOWS-1252" in r("charset_err")
    assert r("levenshtein") == [[7, -1, 3], [7, -1, 3], [5, -1, 3], [None, None, 3], [6, -1, 3]]
    assert r("levenshtein_names") == [["levenshtein(s, b)", "levenshtein(s, b, 2)"], ["int", "int"]]
    assert r("overlay") == [["hXYlo world", "hXYello world", "hello world_"], ["ÄXY déf", "ÄXYbÇ déf", "ÄbÇ déf_"],
                            ["XY", "XY", "_"], [None] * 3, ["aXY,,c", "aXY,b,,c", "a,b,,c_"]]
    assert r("overlay_names") == [["overlay(s, b, 2, -1)", "overlay(s, b, 2, 1)"], ["string", "string"]]
    assert r("format_number") == [["1,234,567.89", "1,234,568", "1,234,567.89100"], ["-0.00", "-0", "-0.00100"],
                                  ["2.50", "2", "2.50000"], ["3.50", "4", "3.50000"], ["NaN", "NaN", "NaN"],
                                  [None] * 3, ["12.00", "12", "12.00000"], ["0.12", "0", "0.12500"]]
    assert r("format_number_ints") == [["1,234,567.00", "-9,876,543,210", "12,345.679", "2.67", None]]
    assert r("format_number_names") == [["format_number(k, 2)"], ["string"]]
    assert r("format_string") == [["hello world-3|    l|3   |003", "l hello world %", "3 3 3"],
                                  ["ÄbÇ déf-2|    é|2   |002", "é ÄbÇ déf %", "2 2 2"],
                                  ["-0|     |0   |000", "  %", "0 0 0"],
                                  ["null-null| null|null|null", "null null %", "null null NULL"],  # %X upper-cases "null"
                                  ["a,b,,c--2|    ,|-2  |-02", ", a,b,,c %", "fffffffe 37777777776 FFFFFFFE"]]
    assert r("format_doubles") == [["2.68 1.234500e+03     -3.142 0.000123400 1,234,567 +5 1.0E10"]]
    assert r("format_names") == [["format_string(%s:%d, s, k)", "printf(%s, s)"], ["string", "string"]]
    assert "IllegalFormatConversionException: d != org.apache.spark.unsafe.types.UTF8String" in r("format_err")
    assert r("regexp") == [
        ["ello", "", "", "<hello> <world>", "-h-e--o- -w-o-r--d-", ["h", "w"], True, False],
        # \\w is ASCII-only in Java (no UNICODE_CHARACTER_CLASS), as in PCRE2 without UCP.
        ["", "", "", "Ä<b>Ç <d>é<f>", "-Ä-b-Ç- -d-é-f-", ["b", "d", "f"], False, True],
        ["", "", "", "", "-", [], False, False], [None] * 8,
        ["", "", "", "<a>,<b>,,<c>", "-a-,-b-,-,-c-", ["a", "b", "c"], False, True]]
    assert r("regexp_names") == [["regexp_extract(s, (\\d+), 1)", "regexp_replace(s, \\d, X, 1)",
                                  "regexp_extract_all(s, (\\d), 1)", "REGEXP_LIKE(s, a)", "RLIKE(s, a)"],
                                 ["string", "string", "array<string>", "boolean", "boolean"]]
    assert "INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX" in r("regexp_group_err")
    assert "Expects group index between 0 and 1, but got 2." in r("regexp_group_err")
    assert "INVALID_PARAMETER_VALUE.PATTERN" in r("regexp_bad_err")
    assert r("regexp_named") == [["2024/01/31", "a$b"]]
    assert r("empty") == [[], [["base64(s)", "string"]]]
