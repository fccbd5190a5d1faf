"""spark.read.parquet on the native engine over the Apache parquet-testing corpus (read in place,
never copied): types, encodings, codecs and page versions against the values the corpus's
companion files and READMEs give; row groups split across tasks by their midpoints; every
bad_data file fails with an error naming it (no crash, no hang)."""
import csv
import decimal
import math
import os
import re

import pytest

import jobs

HERE = os.path.dirname(os.path.abspath(__file__))


def corpus_dir():
    env = os.environ.get("SPARKPP_PARQUET_TESTING")
    cands = [env] if env else []
    # /work/main/tests/integration -> /work/shared, /work/wt/x/tests/integration -> /work/shared
    for up in ("../../..", "../../../.."):
        cands.append(os.path.join(HERE, up, "shared", "data", "parquet-testing"))
    # A clone elsewhere (CI's fresh clone in /tmp): the machine's read-only shared data.
    cands.append("/work/shared/data/parquet-testing")
    for c in cands:
        if c and os.path.isdir(os.path.join(c, "data")):
            return os.path.abspath(c)
    return None


CORPUS = corpus_dir()
pytestmark = [pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built"),
              pytest.mark.skipif(CORPUS is None, reason="parquet-testing corpus not found")]

# Both jobs' imports and their row printer: values as JSON-comparable plain data.
ROWS = r'''
import datetime
import decimal
import os
import re
from pyspark.sql import SparkSession, functions as F

def plain(v):
    if isinstance(v, dict):
        return sorted([[plain(k), plain(x)] for k, x in v.items()], key=str)
    if isinstance(v, (list, tuple)):  # arrays and structs (Row)
        return [plain(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return "hex:" + bytes(v).hex()
    if isinstance(v, decimal.Decimal):
        return "dec:" + str(v)
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, float) and v != v:
        return "NaN"
    return v

def rows(df):
    return [[plain(v) for v in r] for r in df.collect()]
'''

JOB = ROWS + r'''
D = os.environ["PQ_DATA"]
BAD = os.environ["PQ_BAD"]
spark = SparkSession.builder.appName("parquet-read").getOrCreate()

def read(name):
    return spark.read.parquet(os.path.join(D, name))

for name in ["alltypes_plain.parquet", "alltypes_plain.snappy.parquet", "alltypes_dictionary.parquet",
             "delta_binary_packed.parquet", "delta_byte_array.parquet", "delta_length_byte_array.parquet",
             "delta_encoding_optional_column.parquet", "delta_encoding_required_column.parquet",
             "int32_decimal.parquet", "int64_decimal.parquet", "byte_array_decimal.parquet",
             "fixed_length_decimal.parquet", "fixed_length_decimal_legacy.parquet",
             "concatenated_gzip_members.parquet", "hadoop_lz4_compressed.parquet", "lz4_raw_compressed.parquet",
             "non_hadoop_lz4_compressed.parquet", "datapage_v1-uncompressed-checksum.parquet",
             "datapage_v1-snappy-compressed-checksum.parquet", "datapage_v1-corrupt-checksum.parquet",
             "plain-dict-uncompressed-checksum.parquet", "rle-dict-snappy-checksum.parquet",
             "rle-dict-uncompressed-corrupt-checksum.parquet", "byte_stream_split.zstd.parquet",
             "byte_stream_split_extended.gzip.parquet", "rle_boolean_encoding.parquet",
             "int32_with_null_pages.parquet", "fixed_length_byte_array.parquet", "dict-page-offset-zero.parquet",
             "page_v2_empty_compressed.parquet", "datapage_v2_empty_datapage.snappy.parquet", "single_nan.parquet",
             "nan_in_stats.parquet", "unknown-logical-type.parquet", "binary.parquet", "sort_columns.parquet",
             "float16_zeros_and_nans.parquet", "data_index_bloom_encoding_stats.parquet",
             "column_chunk_key_value_metadata.parquet", "alltypes_tiny_pages.parquet",
             "alltypes_tiny_pages_plain.parquet"]:
    check("rows:" + name, lambda name=name: rows(read(name)))
    check("dtypes:" + name, lambda name=name: read(name).dtypes)

for name in ["hadoop_lz4_compressed_larger.parquet", "lz4_raw_compressed_larger.parquet",
             "overflow_i16_page_cnt.parquet", "large_string_map.brotli.parquet"]:
    check("count:" + name, lambda name=name: read(name).count())
check("lz4_larger_same", lambda: rows(read("hadoop_lz4_compressed_larger.parquet")) ==
      rows(read("lz4_raw_compressed_larger.parquet")))
check("int96", lambda: rows(read("int96_from_spark.parquet").select(F.col("a").cast("long"))))
check("int96_dtype", lambda: read("int96_from_spark.parquet").dtypes)
check("nested_schema", lambda: [read(n).schema.simpleString() for n in
                                ["list_columns.parquet", "nested_maps.snappy.parquet", "old_list_structure.parquet",
                                 "nested_structs.rust.parquet", "repeated_primitive_no_list.parquet"]])
# column pruning: a flat column of a file whose other columns are nested
check("pruned", lambda: rows(read("nested_maps.snappy.parquet").select("b", "c")))
check("projection", lambda: rows(read("alltypes_plain.parquet").filter(F.col("id") > 5)
                                 .select("string_col", "id").orderBy("id")))
check("agg", lambda: rows(read("alltypes_tiny_pages_plain.parquet").groupBy("year").agg(
    F.count("*"), F.sum("int_col"), F.max("string_col")).orderBy("year")))
check("multi", lambda: spark.read.parquet(os.path.join(D, "alltypes_plain.parquet"),
                                         os.path.join(D, "alltypes_plain.snappy.parquet")).count())
check("format_load", lambda: spark.read.format("parquet").load(os.path.join(D, "int32_decimal.parquet")).count())
check("default_format", lambda: spark.read.load(os.path.join(D, "int32_decimal.parquet")).count())
check("user_schema", lambda: rows(spark.read.schema("id int, nope string").parquet(
    os.path.join(D, "alltypes_plain.parquet")).orderBy("id").limit(2)))
check("wrong_type", lambda: rows(spark.read.schema("id string").parquet(os.path.join(D, "alltypes_plain.parquet"))))
for name in ["list_columns.parquet", "nested_lists.snappy.parquet", "nested_maps.snappy.parquet",
             "nullable.impala.parquet", "nonnullable.impala.parquet", "null_list.parquet", "nulls.snappy.parquet",
             "old_list_structure.parquet", "repeated_no_annotation.parquet", "repeated_primitive_no_list.parquet",
             "incorrect_map_schema.parquet", "datapage_v2.snappy.parquet"]:
    check("nested:" + name, lambda name=name: rows(read(name)))
# (its timestamps lie past year 9999, which Python's datetime cannot hold)
check("nested_structs", lambda: rows(read("nested_structs.rust.parquet").select("roll_num.min", "roll_num.count")))
check("nested_query", lambda: rows(read("nullable.impala.parquet").select(
    "id", F.size("int_array").alias("n"), F.explode_outer("int_array").alias("x")).filter(F.col("id") <= 3)))
check("illegal_type", lambda: read(os.path.join("..", "bad_data", "ARROW-GH-41317.parquet")).dtypes)
check("splits", lambda: [read("floating_orders_nan_count.parquet").count(),
                         read("sort_columns.parquet").count(),
                         rows(read("sort_columns.parquet").orderBy("b", "a"))])

for name in sorted(os.listdir(BAD)):
    if name.endswith(".parquet"):
        check("bad:" + name, lambda name=name: rows(spark.read.parquet(os.path.join(BAD, name))))
# The corpus's other files: FLOAT16 (parquet-mr 1.13, Spark 3.5's, does not know the logical
# type: FIXED_LEN_BYTE_ARRAY(2) as binary), truncated binary statistics (parquet-rs's
# is_*_value_exact = false) under pushed filters, a MAP whose key_value has no value, a malformed
# dictionary, and Parquet Modular Encryption (footer or columns).
check("float16", lambda: [read("float16_nonzeros_and_nans.parquet").dtypes, read("float16_nonzeros_and_nans.parquet").count()])
check("truncated", lambda: rows(read("binary_truncated_min_max.parquet")))
check("truncated_filters", lambda: [read("binary_truncated_min_max.parquet").filter(F.col(c) == v).count() for c, v in
                                    [("utf8_full_truncation", "Kevin Bacon"), ("utf8_full_truncation", "Al"),
                                     ("utf8_partial_truncation", "\U0001F680Kevin Bacon"),
                                     ("utf8_no_truncation", "Ke"), ("utf8_full_truncation", "Kf")]])
check("map_no_value", lambda: rows(read("map_no_value.parquet")))
for name in ["nation.dict-malformed.parquet", "uniform_encryption.parquet.encrypted",
             "encrypt_columns_plaintext_footer.parquet.encrypted", "encrypt_columns_and_footer.parquet.encrypted",
             "external_key_material_java.parquet.encrypted"]:
    check("fails:" + name, lambda name=name: rows(read(name)))
check("plaintext_footer_schema", lambda: read("encrypt_columns_plaintext_footer.parquet.encrypted").dtypes)
check("not_parquet", lambda: spark.read.parquet(os.path.join(D, "README.md")).count())
check("still_alive", lambda: read("int32_decimal.parquet").count())
emit()
spark.stop()
'''


def expect_csv(name):
    with open(os.path.join(CORPUS, "data", name), newline="") as f:
        r = list(csv.reader(f))
    return r[0], r[1:]


def run(tmp_path, conf=None):
    script = jobs.write_job(tmp_path, "pq.py", JOB)
    return jobs.submit_ok(script, master="local[2]", timeout=300,
                          env={"PQ_DATA": os.path.join(CORPUS, "data"), "PQ_BAD": os.path.join(CORPUS, "bad_data")},
                          conf=conf or {})


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    # tiny splits: several tasks per file, each row group read by exactly one of them
    return run(tmp_path_factory.mktemp("pq"), {"spark.sql.files.maxPartitionBytes": "300",
                                                 "spark.sql.files.openCostInBytes": "10"})


def error_of(res, name):
    r = res.results[name]
    assert "error" in r, f"{name} did not fail: {r}"
    return r["error"]


def test_alltypes(res):
    assert res.result("dtypes:alltypes_plain.parquet") == [
        ["id", "int"], ["bool_col", "boolean"], ["tinyint_col", "int"], ["smallint_col", "int"], ["int_col", "int"],
        ["bigint_col", "bigint"], ["float_col", "float"], ["double_col", "double"], ["date_string_col", "binary"],
        ["string_col", "binary"], ["timestamp_col", "timestamp"]]
    rows = res.result("rows:alltypes_plain.parquet")
    assert [r[0] for r in rows] == [4, 5, 6, 7, 2, 3, 0, 1]
    months = {0: "01", 1: "01", 2: "02", 3: "02", 4: "03", 5: "03", 6: "04", 7: "04"}
    for r in rows:
        i = r[0]
        assert r[1:8] == [i % 2 == 0, i % 2, i % 2, i % 2, 10 * (i % 2), pytest.approx(1.1 * (i % 2)),
                          pytest.approx(10.1 * (i % 2))]
        assert r[8] == "hex:" + (months[i] + "/01/09").encode().hex()
        assert r[9] == "hex:" + str(i % 2).encode().hex()
        assert r[10] == "2009-%s-01T00:0%d:00" % (months[i], i % 2)
    # the same rows whatever the codec or dictionary encoding
    snappy = res.result("rows:alltypes_plain.snappy.parquet")
    assert snappy == [r for r in rows if r[0] in (6, 7)]
    assert res.result("rows:alltypes_dictionary.parquet") == [r for r in rows if r[0] in (0, 1)]
    tiny = res.result("rows:alltypes_tiny_pages.parquet")
    assert len(tiny) == 7300 and tiny == res.result("rows:alltypes_tiny_pages_plain.parquet")
    assert res.result("dtypes:alltypes_tiny_pages.parquet")[2:4] == [["tinyint_col", "tinyint"],
                                                                     ["smallint_col", "smallint"]]
    assert sorted(r[0] for r in tiny) == list(range(7300))


@pytest.mark.parametrize("name", ["delta_binary_packed", "delta_byte_array", "delta_encoding_optional_column",
                                  "delta_encoding_required_column"])
def test_delta_encodings_match_expected_csv(res, name):
    header, expect = expect_csv(name + "_expect.csv")
    got = res.result("rows:" + name + ".parquet")
    assert len(got) == len(expect)
    for g, e in zip(got, expect):
        assert [None if v is None else str(v) for v in g] == [v if v != "" else None for v in e]


def test_delta_length_byte_array(res):
    got = res.result("rows:delta_length_byte_array.parquet")
    assert len(got) == 1000 and got[0] == ["apple_banana_mango0"] and got[1] == ["apple_banana_mango1"]
    assert got[999] == ["apple_banana_mango%d" % (999 * 999)]


def test_decimals(res):
    for name, t in [("int32_decimal", "decimal(4,2)"), ("int64_decimal", "decimal(10,2)"),
                    ("byte_array_decimal", "decimal(4,2)"), ("fixed_length_decimal", "decimal(25,2)"),
                    ("fixed_length_decimal_legacy", "decimal(13,2)")]:
        assert res.result("dtypes:%s.parquet" % name) == [["value", t]]
        assert res.result("rows:%s.parquet" % name) == [["dec:%d.00" % i] for i in range(1, 25)]
    # UINT_64 is decimal(20,0) in Spark; two gzip members in one page
    assert res.result("dtypes:concatenated_gzip_members.parquet") == [["long_col", "decimal(20,0)"]]
    assert res.result("rows:concatenated_gzip_members.parquet") == [["dec:%d" % i] for i in range(1, 514)]


def test_codecs(res):
    lz4 = [[1593604800, "hex:" + b"abc".hex(), 42.0], [1593604800, "hex:" + b"def".hex(), 7.7],
           [1593604801, "hex:" + b"abc".hex(), 42.125], [1593604801, "hex:" + b"def".hex(), 7.7]]
    for name in ["hadoop_lz4_compressed", "lz4_raw_compressed", "non_hadoop_lz4_compressed"]:
        assert res.result("rows:%s.parquet" % name) == lz4
    assert res.result("count:hadoop_lz4_compressed_larger.parquet") == 10000
    assert res.result("count:lz4_raw_compressed_larger.parquet") == 10000
    assert res.result("lz4_larger_same") is True
    assert res.result("count:overflow_i16_page_cnt.parquet") == 40000
    # page checksums are not verified (parquet-mr's default in Spark), so the corrupt ones read too
    v1 = res.result("rows:datapage_v1-uncompressed-checksum.parquet")
    assert len(v1) == 5120
    assert res.result("rows:datapage_v1-snappy-compressed-checksum.parquet") == v1
    assert len(res.result("rows:datapage_v1-corrupt-checksum.parquet")) == 5120
    for name in ["plain-dict-uncompressed-checksum", "rle-dict-snappy-checksum", "rle-dict-uncompressed-corrupt-checksum"]:
        d = res.result("rows:%s.parquet" % name)
        assert len(d) == 1000 and all(r[0] is not None and r[1].startswith("hex:") for r in d)


def test_byte_stream_split(res):
    rows = res.result("rows:byte_stream_split_extended.gzip.parquet")
    assert len(rows) == 200
    for r in rows:  # each PLAIN column equals its BYTE_STREAM_SPLIT twin
        assert r[0::2] == r[1::2]
    bss = res.result("rows:byte_stream_split.zstd.parquet")
    assert len(bss) == 300
    assert bss[0][0] == pytest.approx(1.7640524) and bss[0][1] == pytest.approx(-1.3065268517353166)


def test_nulls_and_edge_pages(res):
    assert res.result("rows:page_v2_empty_compressed.parquet") == [[None]] * 10
    assert res.result("rows:datapage_v2_empty_datapage.snappy.parquet") == [[None]]
    assert res.result("rows:single_nan.parquet") == [[None]]  # its one value is NULL (null_count 1)
    rle = res.result("rows:rle_boolean_encoding.parquet")
    assert len(rle) == 68 and {r[0] for r in rle} == {True, False, None}
    pages = res.result("rows:int32_with_null_pages.parquet")
    assert len(pages) == 1000 and any(r[0] is None for r in pages) and pages[0] == [-654807448]
    flba = res.result("rows:fixed_length_byte_array.parquet")
    assert len(flba) == 1000 and any(r[0] is None for r in flba)
    assert all(r[0] is None or len(r[0]) == 4 + 8 for r in flba)  # "hex:" + 4 bytes
    assert res.result("rows:dict-page-offset-zero.parquet") == [[1552]] * 39
    assert res.result("rows:column_chunk_key_value_metadata.parquet") == []
    assert res.result("dtypes:unknown-logical-type.parquet") == [["column with known type", "string"],
                                                                ["column with unknown type", "binary"]]
    assert res.result("dtypes:float16_zeros_and_nans.parquet") == [["x", "binary"]]


def test_int96_timestamps(res):
    assert res.result("int96_dtype") == [["a", "timestamp"]]
    # int96_from_spark.md: 1704141296123456, 1704070800000000, 253402225200000000, 1735599600000000,
    # null, 9089380393200000000 microseconds (the last past 64-bit nanoseconds); cast to seconds
    got = [r[0] for r in res.result("int96")]
    assert got == [1704141296, 1704070800, 253402225200, 1735599600, None, 9089380393200]


def test_schema_of_nested_files(res):
    got = res.result("nested_schema")
    got[3] = got[3][:got[3].index("CVA_2016")]
    assert got == [
        "struct<int64_list:array<bigint>,utf8_list:array<string>>",
        "struct<a:map<string,map<int,boolean>>,b:int,c:double>",
        "struct<a:array<array<int>>>",
        "struct<roll_num:struct<min:bigint,max:bigint,mean:bigint,count:decimal(20,0),sum:bigint,variance:bigint>,"
        "PC_CUR:struct<min:bigint,max:bigint,mean:bigint,count:decimal(20,0),sum:bigint,variance:bigint>,"
        "CVA_2012:struct<min:bigint,max:bigint,mean:bigint,count:decimal(20,0),sum:bigint,variance:bigint>,",
        "struct<Int32_list:array<int>,String_list:array<string>,group_of_lists:struct<Int32_list_in_group:array<int>,"
        "String_list_in_group:array<string>>>"]
    assert res.result("pruned") == [[1, 1.0]] * 6


def test_nested_columns(res):
    n = lambda name: res.result("nested:" + name)  # noqa: E731
    assert n("list_columns.parquet") == [[[1, 2, 3], ["abc", "efg", "hij"]], [[None, 1], None],
                                         [[4], ["efg", None, "hij", "xyz"]]]
    assert n("nested_lists.snappy.parquet") == [
        [[[["a", "b"], ["c"]], [None, ["d"]]], 1], [[[["a", "b"], ["c", "d"]], [None, ["e"]]], 1],
        [[[["a", "b"], ["c", "d"], ["e"]], [None, ["f"]]], 1]]
    maps = n("nested_maps.snappy.parquet")
    assert maps[:4] == [[[["a", [[1, True], [2, False]]]], 1, 1.0], [[["b", [[1, True]]]], 1, 1.0],
                        [[["c", None]], 1, 1.0], [[["d", []]], 1, 1.0]]
    assert n("old_list_structure.parquet") == [[[[1, 2], [3, 4]]]]  # legacy 2-level lists
    assert n("null_list.parquet") == [[[]]]
    assert n("nulls.snappy.parquet") == [[[None]]] * 8
    assert n("repeated_no_annotation.parquet") == [
        [1, None], [2, None], [3, [[]]], [4, [[[5555555555, None]]]], [5, [[[1111111111, "home"]]]],
        [6, [[[1111111111, "home"], [2222222222, None], [3333333333, "mobile"]]]]]
    assert n("repeated_primitive_no_list.parquet")[:2] == [
        [[0, 1, 2, 3], ["foo", "zero", "one", "two"], [[0, 1, 2, 3], ["foo", "zero", "one", "two"]]],
        [[], ["three"], [[], ["three"]]]]
    assert n("incorrect_map_schema.parquet") == [[[["name", "report"], ["parent", "another"]]]]
    assert [r[4] for r in n("datapage_v2.snappy.parquet")] == [[1, 2, 3], None, None, [1, 2, 3], [1, 2]]
    imp = n("nullable.impala.parquet")
    assert len(imp) == 7
    assert imp[0][:5] == [1, [1, 2, 3], [[1, 2], [3, 4]], [["k1", 1], ["k2", 100]], [[["k1", 1]]]]
    assert imp[1][:4] == [2, [None, 1, 2, None, 3, None], [[None, 1, 2, None], [3, None, 4], [], None],
                          [["k1", 2], ["k2", None]]]
    assert imp[2][:3] == [3, [], [None]] and imp[3][:3] == [4, None, []]
    assert n("nonnullable.impala.parquet")[0][:5] == [8, [-1], [[-1, -2], []], [["k1", -1]], [[], [["k1", 1]], [], []]]
    assert res.result("nested_structs") == [[190406409000602, "dec:495"]]
    assert res.result("nested_query") == [[1, 3, 1], [1, 3, 2], [1, 3, 3], [2, 6, None], [2, 6, 1], [2, 6, 2],
                                          [2, 6, None], [2, 6, 3], [2, 6, None], [3, 0, None]]


def test_queries_and_options(res):
    assert res.result("projection") == [["hex:" + b"0".hex(), 6], ["hex:" + b"1".hex(), 7]]
    assert res.result("agg") == [[2009, 3650, 3650 * 9 // 2, "9"], [2010, 3650, 3650 * 9 // 2, "9"]]
    assert res.result("multi") == 10
    assert res.result("format_load") == 24
    assert res.result("default_format") == 24
    assert res.result("user_schema") == [[0, None], [1, None]]
    err = error_of(res, "wrong_type")
    assert "Parquet column cannot be converted" in err and "alltypes_plain.parquet" in err
    err = error_of(res, "illegal_type")
    assert "PARQUET_TYPE_NOT_SUPPORTED" in err or "PARQUET_TYPE_ILLEGAL" in err
    counts = res.result("splits")
    assert counts[0] == 50 and counts[1] == 6
    # sort_columns.parquet (DuckDB reads the same rows): two row groups of (NULL, a), (2, b), (1, c).
    assert sorted(counts[2], key=str) == sorted([[None, "a"], [2, "b"], [1, "c"]] * 2, key=str)


def test_rest_of_the_corpus(res):
    # FLOAT16: Spark 3.5's parquet-mr 1.13 ignores the unknown logical type: the 2 bytes as binary.
    assert res.result("float16") == [[["x", "binary"]], 8]
    got = res.result("truncated")
    assert len(got) == 12 and got[-1][:3] == ["Kevin Bacon", "hex:4b6576696e204261636f6e", "\U0001F680Kevin Bacon"]
    # Truncated min/max ("Al".."Kf") bound the values without being them: no group wrongly skipped.
    assert res.result("truncated_filters") == [1, 0, 1, 1, 0]
    assert "Invalid map type: my_map_no_v" in error_of(res, "map_no_value")
    err = error_of(res, "fails:nation.dict-malformed.parquet")
    assert "nation.dict-malformed.parquet" in err and "runs past its column chunk" in err
    for name in ["uniform_encryption.parquet.encrypted", "encrypt_columns_plaintext_footer.parquet.encrypted",
                 "encrypt_columns_and_footer.parquet.encrypted", "external_key_material_java.parquet.encrypted"]:
        assert name + " is an encrypted Parquet file, which sparkpp cannot read" in error_of(res, "fails:" + name)
    assert "is an encrypted Parquet file" in error_of(res, "plaintext_footer_schema")


def test_bad_data_fails_cleanly(res):
    bad = sorted(n for n in os.listdir(os.path.join(CORPUS, "bad_data")) if n.endswith(".parquet"))
    assert bad
    for name in bad:
        r = res.results["bad:" + name]
        if "error" in r:
            assert name in r["error"], (name, r["error"])
        else:  # a file whose damage is harmless to this reader (ARROW-GH-43605: bit width 0 indices)
            assert name == "ARROW-GH-43605.parquet", (name, r)
    err = error_of(res, "not_parquet")
    assert "README.md is not a Parquet file" in err
    assert res.result("still_alive") == 24


WRITE_JOB = ROWS + r'''
OUT = os.environ["OUT_DIR"]
spark = SparkSession.builder.appName("parquet-write").getOrCreate()

df = spark.createDataFrame(
    [(1, 10, "a", 1.5, 2.5, True, datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 3, 4, 5, 600000),
      decimal.Decimal("12.34"), decimal.Decimal("-123456789012345678901.12345"), 7, 300, bytearray(b"\x00\xff")),
     (2, None, None, None, None, None, None, None, None, None, None, None, None),
     (3, -5, "", -0.0, float("inf"), False, datetime.date(1969, 12, 31), datetime.datetime(1960, 6, 1, 0, 0, 0, 1),
      decimal.Decimal("-0.01"), decimal.Decimal("0.00001"), -128, -32768, bytearray(b""))],
    "id int, l bigint, s string, d double, f float, b boolean, dt date, ts timestamp, dc decimal(10,2), "
    "big decimal(38,5), t tinyint, sh smallint, bin binary")

def roundtrip(name, **kw):
    path = os.path.join(OUT, name)
    df.write.parquet(path, **kw)
    back = spark.read.parquet(path)
    return [back.dtypes, rows(back.orderBy("id")), sorted(os.listdir(path))]

check("original", lambda: [df.dtypes, rows(df.orderBy("id"))])
check("snappy", lambda: roundtrip("snappy"))
for codec in ["gzip", "zstd", "none", "uncompressed"]:
    check(codec, lambda codec=codec: roundtrip(codec, compression=codec))
check("partitioned", lambda: [sorted(os.listdir(os.path.join(OUT, "parts"))) if df.write.partitionBy("b").parquet(
    os.path.join(OUT, "parts")) is None else None,
    rows(spark.read.parquet(os.path.join(OUT, "parts", "b=true")))])
big = spark.range(300000).select("id", (F.col("id") % 7).alias("m"), F.concat(F.lit("x"), F.col("id").cast("string")).alias("s"))
def _big():
    big.write.mode("overwrite").parquet(os.path.join(OUT, "big"))
    back = spark.read.parquet(os.path.join(OUT, "big"))
    return [back.count(), rows(back.agg(F.sum("id"), F.sum("m"), F.max("s"), F.count("s")))]
check("big", _big)
check("overwrite", lambda: [df.write.mode("overwrite").parquet(os.path.join(OUT, "snappy")),
                            spark.read.parquet(os.path.join(OUT, "snappy")).count()][1])
check("array_col", lambda: [spark.createDataFrame([(1, [1, 2])], "a int, xs array<int>").write.parquet(os.path.join(OUT, "arr")),
                             rows(spark.read.parquet(os.path.join(OUT, "arr")))][1])
check("lzo", lambda: df.write.parquet(os.path.join(OUT, "lzo"), compression="lzo"))
check("exists", lambda: df.write.parquet(os.path.join(OUT, "snappy")))
emit()
spark.stop()
'''


def test_write_parquet_round_trip(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    script = jobs.write_job(tmp_path, "pqw.py", WRITE_JOB)
    res = jobs.submit_ok(script, master="local[2]", timeout=300, env={"OUT_DIR": str(out)})
    dtypes, original = res.result("original")
    for name in ["snappy", "gzip", "zstd", "none", "uncompressed"]:
        back_types, back_rows, files = res.result(name)
        assert back_types == dtypes, name
        assert back_rows == original, name
        ext = {"snappy": ".snappy.parquet", "gzip": ".gz.parquet", "zstd": ".zstd.parquet"}.get(name, ".parquet")
        parts = [f for f in files if f.startswith("part-")]
        assert "_SUCCESS" in files and parts and all(
            re.fullmatch(r"part-\d{5}-[0-9a-f-]{36}-c000" + re.escape(ext), f) for f in parts), (name, files)
    dirs, true_rows = res.result("partitioned")
    assert dirs == ["_SUCCESS", "b=__HIVE_DEFAULT_PARTITION__", "b=false", "b=true"]
    assert true_rows == [[r[0]] + r[1:5] + r[6:] for r in original if r[5] is True]
    assert res.result("big") == [300000, [[sum(range(300000)), sum(i % 7 for i in range(300000)), "x99999", 300000]]]
    assert res.result("overwrite") == 3
    assert res.result("array_col") == [[1, [1, 2]]]  # nested columns: test_sql_parquet_write_nested.py
    assert "not supported" in res.results["lzo"]["error"], res.results["lzo"]
    assert "PATH_ALREADY_EXISTS" in res.results["exists"]["error"]


PARTITIONS_JOB = ROWS + r'''
OUT = os.environ["OUT_DIR"]
spark = SparkSession.builder.appName("parquet-partitions").getOrCreate()
df = spark.createDataFrame(
    [(1, 1, "a b", datetime.date(2024, 1, 2), 1.5, True), (2, 1, "c", None, None, False),
     (3, 3000000000, None, datetime.date(2023, 5, 6), 2.0, None), (4, None, "a b", datetime.date(2024, 1, 2), 1.5, True)],
    "v int, y bigint, s string, d date, x double, b boolean")
root = os.path.join(OUT, "p")
df.write.partitionBy("y", "s").parquet(root)
df.write.partitionBy("d", "x", "b").parquet(os.path.join(OUT, "q"))
df.select("v", "y").write.partitionBy("y").option("header", True).csv(os.path.join(OUT, "c"))
def read(path, **opts):
    r = spark.read
    for k, v in opts.items():
        r = r.option(k, v)
    back = r.parquet(path)
    return [back.dtypes, rows(back.orderBy("v"))]
check("all", lambda: read(root))
check("q", lambda: read(os.path.join(OUT, "q")))
check("leaf", lambda: read(os.path.join(root, "y=1")))
check("base", lambda: read(os.path.join(root, "y=1"), basePath=root))
check("filter", lambda: rows(spark.read.parquet(root).filter("y = 1 and s = 'a b'").select("v", "s")))
check("count", lambda: spark.read.parquet(root).count())
check("csv", lambda: (lambda b: [b.dtypes, rows(b.orderBy("v"))])(spark.read.option("header", True).csv(os.path.join(OUT, "c"))))
check("user", lambda: spark.read.schema("y string, v int").parquet(root).dtypes)
spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
check("noinfer", lambda: read(root)[0])
emit()
spark.stop()
'''


def test_read_partitioned_dataset(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    script = jobs.write_job(tmp_path, "pqparts.py", PARTITIONS_JOB)
    res = jobs.submit_ok(script, master="local[2]", timeout=300, env={"OUT_DIR": str(out)})
    data = [[1, 1, "a b", "2024-01-02", 1.5, True], [2, 1, "c", None, None, False],
            [3, 3000000000, None, "2023-05-06", 2.0, None], [4, None, "a b", "2024-01-02", 1.5, True]]
    types, got = res.result("all")
    assert types == [["v", "int"], ["d", "date"], ["x", "double"], ["b", "boolean"], ["y", "bigint"], ["s", "string"]]
    assert got == [[r[0], r[3], r[4], r[5], r[1], r[2]] for r in data]
    # booleans are not inferred (strings); dates and doubles are; the default partition is null
    types, got = res.result("q")
    assert types == [["v", "int"], ["y", "bigint"], ["s", "string"], ["d", "date"], ["x", "double"], ["b", "string"]]
    assert got == [[r[0], r[1], r[2], r[3], r[4], None if r[5] is None else str(r[5]).lower()] for r in data]
    types, got = res.result("leaf")  # the path given is the base: no y column
    assert [t[0] for t in types] == ["v", "d", "x", "b", "s"]
    assert [r[0] for r in got] == [1, 2]
    types, got = res.result("base")
    assert types[-2:] == [["y", "int"], ["s", "string"]]
    assert [[r[0], r[-2], r[-1]] for r in got] == [[1, 1, "a b"], [2, 1, "c"]]
    assert res.result("filter") == [[1, "a b"]]
    assert res.result("count") == 4
    types, got = res.result("csv")
    assert types == [["v", "string"], ["y", "bigint"]]
    assert got == [[str(r[0]), r[1]] for r in data]
    assert res.result("user") == [["v", "int"], ["y", "string"], ["s", "string"]]
    assert res.result("noinfer") == [["v", "int"], ["d", "date"], ["x", "double"], ["b", "boolean"], ["y", "string"],
                                     ["s", "string"]]
