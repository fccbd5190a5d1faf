"""Reader options of issue #15 as PySpark 3.5 takes them: JSON `encoding`/`charset` (iconv, as
CSV's; JSONOptionsInRead's rules: lineSep required without multiLine, UTF-16/UTF-32 refused
without multiLine), schemas inferred over compressed CSV/JSON files (every codec df.write
produces, read back by extension), CSV `maxCharsPerColumn` (univocity's error in every mode and in
inference), Parquet page CRCs with `parquet.page.verify-checksum.enabled` (off by default as in
parquet-mr: the corpus's corrupt-checksum files read; on: the matching ones read identically, the
corrupt ones fail naming the file); CSV/JSON `lineSep` records holding newlines across splits; mergeSchema through nested structs, arrays and maps."""
import os

import pytest

import jobs
from test_sql_parquet import CORPUS

pytestmark = [pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built"),
              pytest.mark.skipif(CORPUS is None, reason="parquet-testing corpus not found")]

CODECS = ["gzip", "bzip2", "deflate", "lz4", "snappy", "org.apache.hadoop.io.compress.ZStandardCodec"]
GOOD_CRC = ["datapage_v1-uncompressed-checksum", "datapage_v1-snappy-compressed-checksum",
            "plain-dict-uncompressed-checksum", "rle-dict-snappy-checksum"]
BAD_CRC = ["datapage_v1-corrupt-checksum", "rle-dict-uncompressed-corrupt-checksum"]

JOB = r'''
import os
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("file-options").getOrCreate()
out = os.environ["OUT"]
data = os.environ["CORPUS"] + "/data/"
rows = lambda df: [list(r) for r in df.orderBy(df.columns[0]).collect()]

# JSON in other charsets.
os.makedirs(out + "/j16")
with open(out + "/j16/a.json", "wb") as f:
    f.write('{"id": 1, "s": "caf\u00e9"}\n{"id": 2, "s": "\u65e5\u672c", "n": {"x": 1.5}}\n'.encode("utf-16le"))
check("json_utf16le", lambda: rows(spark.read.json(out + "/j16", encoding="UTF-16LE", lineSep="\n")))
check("json_utf16le_schema", lambda: spark.read.json(out + "/j16", encoding="UTF-16LE", lineSep="\n").schema.simpleString())
check("json_utf16le_given", lambda: rows(spark.read.schema("id int, s string").option("charset", "utf-16le")
                                         .option("lineSep", "\n").json(out + "/j16")))
os.makedirs(out + "/jlatin")
with open(out + "/jlatin/a.json", "wb") as f:
    f.write('[{"id": 3, "s": "na\u00efve"},\n {"id": 4, "s": "\u00e0 la"}]'.encode("iso-8859-1"))
check("json_latin1_multiline", lambda: rows(spark.read.json(out + "/jlatin", multiLine=True, encoding="ISO-8859-1")))
check("json_no_linesep", lambda: (spark.read.json(out + "/j16", encoding="UTF-16LE").collect()))
check("json_denied", lambda: (spark.read.json(out + "/j16", encoding="UTF-16", lineSep="\n").collect()))
check("json_bad_charset", lambda: (spark.read.json(out + "/j16", encoding="NOPE-1", lineSep="\n").collect()))

# Schemas inferred over compressed files.
df = spark.createDataFrame([(1, "a,b", 1.5, True), (2, None, None, False), (3, "c", 2.25, None)],
                           "id int, s string, x double, flag boolean")
for codec in CODECS_LIST:
    p = out + "/csv_" + codec.split(".")[-1]
    df.write.option("compression", codec).csv(p, header=True)
    check("csv:" + codec, lambda p=p: rows(spark.read.csv(p, header=True, inferSchema=True)))
    check("csv_schema:" + codec, lambda p=p: spark.read.csv(p, header=True, inferSchema=True).schema.simpleString())
    check("csv_header_only:" + codec, lambda p=p: spark.read.csv(p, header=True).columns)
    j = out + "/json_" + codec.split(".")[-1]
    df.write.option("compression", codec).json(j)
    check("json_schema:" + codec, lambda j=j: spark.read.json(j).schema.simpleString())
    check("json:" + codec, lambda j=j: rows(spark.read.json(j).select("id", "s", "x", "flag")))

# maxCharsPerColumn.
os.makedirs(out + "/long")
with open(out + "/long/a.csv", "w") as f:
    f.write("id,s\n1,abcde\n2,\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\n")
check("maxchars_ok", lambda: rows(spark.read.csv(out + "/long", header=True, maxCharsPerColumn=8)))
check("maxchars_unlimited", lambda: rows(spark.read.csv(out + "/long", header=True, maxCharsPerColumn=-1)))
check("maxchars_fail", lambda: (spark.read.csv(out + "/long", header=True, maxCharsPerColumn=5).collect()))
check("maxchars_fail_permissive", lambda: (spark.read.schema("id int, s string, _corrupt_record string")
                                                     .csv(out + "/long", header=True, maxCharsPerColumn=7).collect()))
check("maxchars_fail_infer", lambda: (spark.read.csv(out + "/long", header=True, inferSchema=True,
                                                                        maxCharsPerColumn=5)))
check("maxchars_bad", lambda: (spark.read.csv(out + "/long", maxCharsPerColumn="x").collect()))

# Parquet page checksums.
verify = lambda n: spark.read.option("parquet.page.verify-checksum.enabled", "true").parquet(data + n + ".parquet")
plain = lambda n: spark.read.parquet(data + n + ".parquet")
for n in GOOD_LIST:
    check("crc_ok:" + n, lambda n=n: sorted(map(repr, verify(n).collect())) == sorted(map(repr, plain(n).collect()))
          and verify(n).count() > 0)
for n in BAD_LIST:
    check("crc_default:" + n, lambda n=n: plain(n).count() and len(plain(n).collect()))
    check("crc_bad:" + n, lambda n=n: (verify(n).collect()))
check("crc_bad_option", lambda: (spark.read.option("parquet.page.verify-checksum.enabled", "yes")
                                           .parquet(data + "datapage_v1-corrupt-checksum.parquet").collect()))

# lineSep other than \n: a file is one split, cut into records by the parser (with 16-byte splits
# a line-cut file would break the records that hold a \n).
os.makedirs(out + "/sep")
with open(out + "/sep/a.csv", "w") as f:
    f.write("a,b;c\nd,e;f,g;" + ";".join("r%d,%d" % (i, i) for i in range(20)))
os.makedirs(out + "/jsep")
with open(out + "/jsep/a.json", "w") as f:
    f.write('{"a": 1};{"a":\n 2, "b": "x"};' + ";".join('{"a": %d}' % i for i in range(3, 23)))
spark.conf.set("spark.sql.files.maxPartitionBytes", "16")
spark.conf.set("spark.sql.files.openCostInBytes", "0")
check("csv_linesep", lambda: [list(r) for r in spark.read.csv(out + "/sep", lineSep=";").collect()])
check("json_linesep", lambda: [list(r) for r in spark.read.json(out + "/jsep", lineSep=";").orderBy("a").collect()])
spark.conf.unset("spark.sql.files.maxPartitionBytes")
spark.conf.unset("spark.sql.files.openCostInBytes")

# mergeSchema with nested structs (StructType.merge through structs, arrays and maps).
base = out + "/merge"
spark.createDataFrame([(1, (1,), [(10,)], {"k": (5,)})],
                      "id long, s struct<a:int>, arr array<struct<x:int>>, m map<string,struct<p:int>>").write.parquet(base + "/key=1")
spark.createDataFrame([(2, (2, "two"), [(20, "y")], {"k": (6, 1.5)})],
                      "id long, s struct<a:int,b:string>, arr array<struct<x:int,y:string>>, m map<string,struct<p:int,q:double>>"
                      ).write.parquet(base + "/key=2")
merged = spark.read.option("mergeSchema", "true").parquet(base)
check("merge_schema", lambda: merged.schema.simpleString())
check("merge_rows", lambda: [r.asDict(recursive=True) for r in merged.orderBy("id").collect()])
check("merge_filter", lambda: [r[0] for r in merged.filter("s.b IS NULL AND arr[0].y IS NULL").select("id").collect()])
check("no_merge_schema", lambda: spark.read.parquet(base + "/key=1").schema.simpleString())
spark.createDataFrame([(3, ("x",))], "id long, s struct<a:string>").write.parquet(out + "/merge_bad/key=3")
spark.createDataFrame([(4, (4,))], "id long, s struct<a:int>").write.parquet(out + "/merge_bad/key=4")
check("merge_bad", lambda: (spark.read.option("mergeSchema", "true").parquet(out + "/merge_bad").collect()))
emit()
'''.replace("CODECS_LIST", repr(CODECS)).replace("GOOD_LIST", repr(GOOD_CRC)).replace("BAD_LIST", repr(BAD_CRC))


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fileopts")
    r = jobs.submit_ok(jobs.write_job(tmp, "fileopts.py", JOB), master="local[2]", timeout=300,
                       env={"OUT": str(tmp / "out"), "CORPUS": CORPUS})

    def get(name):  # a check's value, or the full text of the error it raised
        got = r.results[name]
        return got["error"] if "error" in got else got["ok"]
    return get


def test_json_encoding(res):
    assert res("json_utf16le") == [[1, None, "caf\u00e9"], [2, [1.5], "\u65e5\u672c"]]
    assert res("json_utf16le_schema") == "struct<id:bigint,n:struct<x:double>,s:string>"
    assert res("json_utf16le_given") == [[1, "caf\u00e9"], [2, "\u65e5\u672c"]]
    assert res("json_latin1_multiline") == [[3, "na\u00efve"], [4, "\u00e0 la"]]
    assert "requirement failed: The lineSep option must be specified for the UTF-16LE encoding" in res("json_no_linesep")
    assert "requirement failed: The UTF-16 encoding must not be included in the denyList when multiLine is disabled" \
        in res("json_denied")
    assert "UnsupportedCharsetException: NOPE-1" in res("json_bad_charset")


@pytest.mark.parametrize("codec", CODECS)
def test_inference_over_compressed_files(res, codec):
    assert res("csv:" + codec) == [[1, "a,b", 1.5, True], [2, None, None, False], [3, "c", 2.25, None]]
    assert res("csv_schema:" + codec) == "struct<id:int,s:string,x:double,flag:boolean>"
    assert res("csv_header_only:" + codec) == ["id", "s", "x", "flag"]
    assert res("json_schema:" + codec) == "struct<flag:boolean,id:bigint,s:string,x:double>"
    assert res("json:" + codec) == [[1, "a,b", 1.5, True], [2, None, None, False], [3, "c", 2.25, None]]


def test_max_chars_per_column(res):
    assert res("maxchars_ok") == [["1", "abcde"], ["2", "\u00e9" * 8]]
    assert res("maxchars_unlimited") == res("maxchars_ok")
    msg = ("TextParsingException: Length of parsed input (6) exceeds the maximum number of characters defined in "
           "your parser settings (5).")
    assert msg in res("maxchars_fail")
    assert "Length of parsed input (8) exceeds the maximum number of characters" in res("maxchars_fail_permissive")
    assert msg in res("maxchars_fail_infer")
    assert "maxCharsPerColumn should be an integer. Found 'x'" in res("maxchars_bad")


def test_parquet_page_checksums(res):
    for n in GOOD_CRC:
        assert res("crc_ok:" + n) is True, n
    for n in BAD_CRC:
        assert res("crc_default:" + n) > 0  # not verified by default (parquet-mr's default, as Spark)
        err = res("crc_bad:" + n)
        assert "CRC checksum verification failed" in err and n + ".parquet" in err, err
    assert "could not verify dictionary page integrity" in res("crc_bad:rle-dict-uncompressed-corrupt-checksum")
    assert "parquet.page.verify-checksum.enabled must be true or false" in res("crc_bad_option")


def test_line_sep_records_span_newlines(res):
    assert res("csv_linesep") == [["a", "b"], ["c\nd", "e"], ["f", "g"]] + [["r%d" % i, str(i)] for i in range(20)]
    assert res("json_linesep") == [[1, None], [2, "x"]] + [[i, None] for i in range(3, 23)]


def test_merge_schema_nested(res):
    assert res("merge_schema") == ("struct<id:bigint,s:struct<a:int,b:string>,arr:array<struct<x:int,y:string>>,"
                                   "m:map<string,struct<p:int,q:double>>,key:int>")
    assert res("merge_rows") == [
        {"id": 1, "s": {"a": 1, "b": None}, "arr": [{"x": 10, "y": None}], "m": {"k": {"p": 5, "q": None}}, "key": 1},
        {"id": 2, "s": {"a": 2, "b": "two"}, "arr": [{"x": 20, "y": "y"}], "m": {"k": {"p": 6, "q": 1.5}}, "key": 2}]
    assert res("merge_filter") == [1]
    assert res("no_merge_schema") == "struct<id:bigint,s:struct<a:int>,arr:array<struct<x:int>>,m:map<string,struct<p:int>>>"
    assert 'Failed to merge incompatible data types "STRING" and "INT"' in res("merge_bad")
