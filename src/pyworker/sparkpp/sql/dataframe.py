"""A minimal DataFrame: an RDD of Rows with column names (enough for spark.read.text(...).rdd)."""
from sparkpp.sql.types import Row

__all__ = ["DataFrame", "DataFrameReader"]


class DataFrame:
    def __init__(self, rdd, columns, session, types=None):
        self._rdd = rdd
        self._columns = list(columns)
        self._types = types or ["string"] * len(self._columns)
        self.sparkSession = session

    @property
    def rdd(self):
        return self._rdd

    @property
    def columns(self):
        return list(self._columns)

    @property
    def dtypes(self):
        return list(zip(self._columns, self._types))

    def collect(self):
        return self._rdd.collect()

    def count(self):
        return self._rdd.count()

    def take(self, num):
        return self._rdd.take(num)

    def head(self, n=None):
        if n is None:
            rs = self.head(1)
            return rs[0] if rs else None
        return self.take(n)

    def first(self):
        return self.head()

    def toLocalIterator(self, prefetchPartitions=False):
        return self._rdd.toLocalIterator(prefetchPartitions)

    def foreach(self, f):
        self._rdd.foreach(f)

    def foreachPartition(self, f):
        self._rdd.foreachPartition(f)

    def cache(self):
        self._rdd.cache()
        return self

    def persist(self, *args):
        self._rdd.persist(*args)
        return self

    def unpersist(self, blocking=False):
        self._rdd.unpersist(blocking)
        return self

    def toDF(self, *cols):
        if len(cols) != len(self._columns):
            raise ValueError("toDF needs %d column names, got %d" % (len(self._columns), len(cols)))
        make = Row(*cols)
        return DataFrame(self._rdd.map(lambda r: make(*r)), cols, self.sparkSession, self._types)

    def printSchema(self):
        print("root")
        for c, t in zip(self._columns, self._types):
            print(" |-- %s: %s (nullable = true)" % (c, t))

    def show(self, n=20, truncate=True, vertical=False):
        print(self._show_string(n, truncate), end="")

    def _show_string(self, n=20, truncate=True):
        rows = self.take(n + 1)
        more = len(rows) > n
        rows = rows[:n]
        width = 20 if truncate is True else int(truncate) if truncate else 0

        def cell(v):
            s = "null" if v is None else str(v)
            if width and len(s) > width:
                s = s[:width - 3] + "..." if width > 3 else s[:width]
            return s
        table = [list(self._columns)] + [[cell(v) for v in r] for r in rows]
        widths = [max(3, max(len(r[i]) for r in table)) for i in range(len(self._columns))]
        sep = "+" + "+".join("-" * w for w in widths) + "+\n"

        def line(r):
            if width:
                return "|" + "|".join(c.rjust(w) for c, w in zip(r, widths)) + "|\n"
            return "|" + "|".join(c.ljust(w) for c, w in zip(r, widths)) + "|\n"
        out = sep + line(table[0]) + sep + "".join(line(r) for r in table[1:]) + sep
        if more:
            out += "only showing top %d row%s\n" % (n, "" if n == 1 else "s")
        return out

    def __repr__(self):
        return "DataFrame[%s]" % ", ".join("%s: %s" % ct for ct in self.dtypes)


class DataFrameReader:
    def __init__(self, session):
        self._session = session

    def text(self, paths, wholetext=False, lineSep=None, pathGlobFilter=None,
             recursiveFileLookup=None, modifiedBefore=None, modifiedAfter=None):
        if lineSep not in (None, "\n"):
            raise NotImplementedError("spark.read.text: only lineSep='\\n' is supported")
        if isinstance(paths, str):
            paths = [paths]
        sc = self._session.sparkContext
        joined = ",".join(paths)
        if wholetext:
            rdd = sc.wholeTextFiles(joined).map(lambda kv: Row(value=kv[1]))
        else:
            rdd = sc.textFile(joined).map(lambda line: Row(value=line))
        return DataFrame(rdd, ["value"], self._session)
