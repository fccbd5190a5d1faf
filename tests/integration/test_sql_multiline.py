"""multiLine for CSV and JSON as PySpark 3.5 reads them (issue #15): a CSV record's quoted
fields may hold line breaks (the file is one split, read whole — with 64-byte splits a cut file
would give broken rows), a JSON file is one value (an object, or an array of records) however it
is pretty-printed, a malformed one lands whole in `_corrupt_record`. Schemas inferred and given.
spark.read.text's `wholetext` (a file's exact bytes) and `lineSep`, scanned natively. CSV
`encoding`/`charset` (ISO-8859-1, UTF-16 with a BOM) decoded through iconv; prefersDecimal."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import os
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("multiline").getOrCreate()
spark.conf.set("spark.sql.files.maxPartitionBytes", "64")
spark.conf.set("spark.sql.files.openCostInBytes", "0")
out = os.environ["OUT"]
os.makedirs(out + "/csv")
with open(out + "/csv/a.csv", "w") as f:
    f.write('id,text,n\n1,"hello\nworld",10\n2,"a \\"quoted\\"\nline, and more",20\n\n3,plain,30\n4,"x,y",40\n')
with open(out + "/csv/b.csv", "w") as f:
    f.write('id,text,n\r\n5,"one\r\n\r\ntwo",50\r\n6,"",60')
rows = lambda df: [list(r) for r in df.orderBy("id").collect()]
check("csv_infer", lambda: rows(spark.read.csv(out + "/csv", header=True, inferSchema=True, multiLine=True)))
check("csv_infer_schema", lambda: spark.read.csv(out + "/csv", header=True, inferSchema=True, multiLine=True).schema.simpleString())
check("csv_schema", lambda: rows(spark.read.csv(out + "/csv", header=True, multiLine=True, schema="id int, text string, n long")))
check("csv_count", lambda: spark.read.option("multiLine", "true").option("header", "true").csv(out + "/csv").count())
check("csv_noheader", lambda: spark.read.csv(out + "/csv/a.csv", multiLine=True).count())

os.makedirs(out + "/json")
with open(out + "/json/a.json", "w") as f:
    f.write('[\n  {"id": 1, "s": "a",\n   "nested": {"x": 1}},\n  {"id": 2,\n   "s": "b\\nc"}\n]\n')
with open(out + "/json/b.json", "w") as f:
    f.write('{\n  "id": 3,\n  "s": "d",\n  "arr": [1,\n 2]\n}\n')
check("json_infer", lambda: rows(spark.read.json(out + "/json", multiLine=True)))
check("json_infer_schema", lambda: spark.read.json(out + "/json", multiLine=True).schema.simpleString())
check("json_schema", lambda: rows(spark.read.option("multiLine", True).schema("id int, s string").json(out + "/json")))
os.makedirs(out + "/bad")
with open(out + "/bad/c.json", "w") as f:
    f.write('{\n  "id": 5,\n  "s": \n')
with open(out + "/bad/d.json", "w") as f:
    f.write('{"id": 6}\n')
check("json_bad", lambda: [list(r) for r in spark.read.json(out + "/bad", multiLine=True).orderBy("id").collect()])
os.makedirs(out + "/txt")
with open(out + "/txt/a.txt", "wb") as f:
    f.write(b"l1\r\nl2;l3;;l4;" + b"x" * 100)
with open(out + "/txt/b.txt", "wb") as f:
    f.write(b"only")
check("wholetext", lambda: sorted(r.value for r in spark.read.text(out + "/txt", wholetext=True).collect()))
check("linesep", lambda: sorted(r.value for r in spark.read.text(out + "/txt", lineSep=";").collect()))
check("linesep_count", lambda: spark.read.option("lineSep", ";").text(out + "/txt").filter("value != ''").count())
os.makedirs(out + "/latin")
with open(out + "/latin/a.csv", "wb") as f:
    f.write("id,name,x\n1,caf\u00e9,1.25\n2,na\u00efve,-0.5\n".encode("iso-8859-1"))
os.makedirs(out + "/utf16")
with open(out + "/utf16/a.csv", "wb") as f:
    f.write("id,name\r\n3,\"\u65e5\r\n\u672c\"\r\n".encode("utf-16"))
check("latin1", lambda: rows(spark.read.csv(out + "/latin", header=True, inferSchema=True, encoding="ISO-8859-1")))
check("latin1_decimal", lambda: spark.read.option("prefersDecimal", True).option("charset", "iso-8859-1")
      .csv(out + "/latin", header=True, inferSchema=True).dtypes)
check("utf16", lambda: rows(spark.read.csv(out + "/utf16", header=True, multiLine=True, encoding="UTF-16")))
check("bad_charset", lambda: first_error(lambda: spark.read.csv(out + "/latin", encoding="NOPE-1").collect()))
check("json_bad_failfast", lambda: first_error(lambda: spark.read.schema("id int").json(out + "/bad", multiLine=True, mode="FAILFAST").collect()))
emit()
'''


def test_multiline(tmp_path):
    out = tmp_path / "out"
    r = jobs.submit_ok(jobs.write_job(tmp_path, "multiline.py", JOB), master="local[2]", timeout=180,
                       env={"OUT": str(out)}).result
    want = [[1, "hello\nworld", 10], [2, 'a "quoted"\nline, and more', 20], [3, "plain", 30], [4, "x,y", 40],
            [5, "one\n\ntwo", 50], [6, None, 60]]
    assert r("csv_infer") == want
    assert r("csv_infer_schema") == "struct<id:int,text:string,n:int>"
    assert r("csv_schema") == want
    assert r("csv_count") == 6
    assert r("csv_noheader") == 5
    assert r("json_infer") == [[None, 1, [1], "a"], [None, 2, None, "b\nc"], [[1, 2], 3, None, "d"]]
    assert r("json_infer_schema") == "struct<arr:array<bigint>,id:bigint,nested:struct<x:bigint>,s:string>"
    assert r("json_schema") == [[1, "a"], [2, "b\nc"], [3, "d"]]
    assert r("json_bad") == [['{\n  "id": 5,\n  "s": \n', None], [None, 6]]
    assert "Malformed records are detected in record parsing" in r("json_bad_failfast")
    assert r("latin1") == [[1, "caf\u00e9", 1.25], [2, "na\u00efve", -0.5]]
    assert r("latin1_decimal") == [["id", "int"], ["name", "string"], ["x", "decimal(3,2)"]]
    assert r("utf16") == [["3", "\u65e5\n\u672c"]]
    assert "UnsupportedCharsetException: NOPE-1" in r("bad_charset")
    assert r("wholetext") == ["l1\r\nl2;l3;;l4;" + "x" * 100, "only"]
    assert r("linesep") == ["", "l1\r\nl2", "l3", "l4", "only", "x" * 100] and r("linesep_count") == 5
