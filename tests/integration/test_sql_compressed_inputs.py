"""spark.read over compressed text files (issue #15): Hadoop's codecs by extension — .gz, .bz2,
.zst, .lz4 (Hadoop's block format), .deflate (zlib) — each file one split read whole and
decompressed, for csv, json and text; files written by saveAsTextFile(path, codecClass) and by
df.write(compression=...). Before, everything but .gz was split into byte ranges and parsed
as raw bytes (garbage rows). df.write's `compression` with every codec Spark 3.5 knows (bzip2,
deflate, gzip, lz4, snappy, none/uncompressed, or a Hadoop codec class such as ZStandardCodec)
and Hadoop's extensions, read back. Schemas are inferred from compressed files through the same
readers (test_sql_file_options.py covers every codec). One job, local[2], small splits so a file would otherwise be cut."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import os
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("compressed-inputs").getOrCreate()
sc = spark.sparkContext
spark.conf.set("spark.sql.files.maxPartitionBytes", "64")
spark.conf.set("spark.sql.files.openCostInBytes", "0")
out = os.environ["OUT"]
lines = ["%d,name %d,%d.5" % (i, i, i) for i in range(200)]
json_lines = ['{"id": %d, "s": "v%d"}' % (i, i) for i in range(50)]
codecs = {"gz": "GzipCodec", "bz2": "BZip2Codec", "zst": "ZStandardCodec", "lz4": "Lz4Codec"}
for ext, cls in codecs.items():
    sc.parallelize(lines, 2).saveAsTextFile(out + "/csv_" + ext, "org.apache.hadoop.io.compress." + cls)
    sc.parallelize(json_lines, 2).saveAsTextFile(out + "/json_" + ext, "org.apache.hadoop.io.compress." + cls)
spark.createDataFrame([(l,) for l in lines], "value string").coalesce(1).write.text(out + "/csv_deflate", compression="deflate")

def csv(ext):
    df = spark.read.csv(out + "/csv_" + ext, schema="id int, name string, x double")
    return [df.count(), df.agg(F.sum("id"), F.sum("x")).collect()[0][:], sorted(r.name for r in df.collect())[:2]]

for ext in list(codecs) + ["deflate"]:
    check("csv_" + ext, lambda ext=ext: csv(ext))
    check("files_" + ext, lambda ext=ext: sorted(f.rsplit(".", 1)[-1] for f in os.listdir(out + "/csv_" + ext) if f.startswith("part-")))
for ext in codecs:
    check("json_" + ext, lambda ext=ext: spark.read.json(out + "/json_" + ext, schema="id long, s string").agg(F.count("*"), F.sum("id")).collect()[0][:])
    check("text_" + ext, lambda ext=ext: spark.read.text(out + "/csv_" + ext).count())
check("infer", lambda: [spark.read.csv(out + "/csv_bz2", inferSchema=True).dtypes,
                        spark.read.csv(out + "/csv_bz2", inferSchema=True).agg(F.sum("_c0")).collect()[0][0]])

# df.write with every codec Spark 3.5 names (and a Hadoop class name), read back by extension.
wdf = spark.createDataFrame([(i, "name %d" % i) for i in range(300)], "id int, s string").repartition(2)
for comp in ["bzip2", "lz4", "snappy", "org.apache.hadoop.io.compress.ZStandardCodec", "GZIP", "deflate", "uncompressed", "none"]:
    d = out + "/w_" + comp.rsplit(".", 1)[-1]
    wdf.write.csv(d + "/csv", compression=comp)
    wdf.write.json(d + "/json", compression=comp)
    wdf.select("s").write.text(d + "/text", compression=comp)
    check("w_ext_" + comp, lambda d=d: sorted({f.split(".", 1)[1] for k in ("csv", "json", "text")
                                               for f in os.listdir(d + "/" + k) if f.startswith("part-")}))
    check("w_back_" + comp, lambda d=d: [spark.read.csv(d + "/csv", schema="id int, s string").agg(F.count("*"), F.sum("id")).collect()[0][:],
                                         spark.read.json(d + "/json", schema="id int, s string").agg(F.count("*"), F.sum("id")).collect()[0][:],
                                         sorted(r.value for r in spark.read.text(d + "/text").collect())[:2]])
check("w_bad", lambda: first_error(lambda: wdf.write.csv(out + "/w_bad", compression="zip")))
emit()
'''


def test_compressed_inputs(tmp_path):
    out = tmp_path / "out"
    r = jobs.submit_ok(jobs.write_job(tmp_path, "compressed.py", JOB), master="local[2]", timeout=180,
                       env={"OUT": str(out)}).result
    for ext in ("gz", "bz2", "zst", "lz4", "deflate"):
        assert r("csv_" + ext) == [200, [19900, 19900 + 100.0], ["name 0", "name 1"]], ext
    for ext in ("gz", "bz2", "zst", "lz4"):
        assert r("files_" + ext) == [ext, ext]
        assert r("json_" + ext) == [50, 1225], ext
        assert r("text_" + ext) == 200, ext
    assert r("files_deflate") == ["deflate"]
    assert r("infer") == [[["_c0", "int"], ["_c1", "string"], ["_c2", "double"]], 19900]
    exts = {"bzip2": "bz2", "lz4": "lz4", "snappy": "snappy", "org.apache.hadoop.io.compress.ZStandardCodec": "zst",
            "GZIP": "gz", "deflate": "deflate", "uncompressed": None, "none": None}
    for comp, ext in exts.items():
        assert r("w_ext_" + comp) == (["csv", "json", "txt"] if ext is None else [f"csv.{ext}", f"json.{ext}", f"txt.{ext}"]), comp
        assert r("w_back_" + comp) == [[300, 44850], [300, 44850], ["name 0", "name 1"]], comp
    assert "Codec [zip] is not available. Known codecs are bzip2, deflate, uncompressed, lz4, gzip, snappy, none." in r("w_bad")
