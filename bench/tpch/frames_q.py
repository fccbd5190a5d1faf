#!/usr/bin/python3
"""TPC-H Q1, Q3, Q5, Q6, Q10 with pandas and with Dask DataFrame (peers of sparkpp_q.py).
Usage:
    /usr/bin/python3 bench/tpch/frames_q.py DATADIR QUERY[,QUERY...] RUNS --engine pandas
    /usr/bin/python3 bench/tpch/frames_q.py DATADIR QUERY[,QUERY...] RUNS --engine dask [--scheduler distributed|threads]
Prints one JSON line per query, {"query", "times", "rows"}, as sparkpp_q.py does. Each run
re-reads the CSVs with the columns the query needs (`usecols`) and the dtypes of schemas.py
(dates parsed), as sparkpp is given the schema. The query code is written once against the
API pandas and dask.dataframe share; the small aggregated result is computed and then sorted
and cut in pandas. Dask runs on a distributed LocalCluster of 2 one-thread worker processes
(as ../../../shared/bench's Dask figures), started before the clock; `--scheduler threads`
uses the threaded scheduler with 2 threads instead. Debian: python3-pandas, python3-dask."""
import argparse
import datetime
import json
import os
import sys
import time

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from schemas import SCHEMAS  # noqa: E402

DTYPES = {"BIGINT": "int64", "INT": "int64", "DOUBLE": "float64", "STRING": "object"}


def columns(table):
    """[(name, DDL type)] of a table."""
    return [tuple(c.strip().split(" ", 1)) for c in SCHEMAS[table].split(",")]


def reader(mod, d):
    """read(table, cols): the table's CSV with only `cols`, typed; mod is pandas or dask.dataframe."""
    def read(table, cols):
        types = dict(columns(table))
        dates = [c for c in cols if types[c] == "DATE"]
        dtype = {c: DTYPES[types[c]] for c in cols if types[c] != "DATE"}
        return mod.read_csv(f"{d}/{table}.csv", usecols=cols, dtype=dtype, parse_dates=dates)
    return read


def day(s):
    return pd.Timestamp(s)


def q1(read, done):
    li = read("lineitem", ["l_quantity", "l_extendedprice", "l_discount", "l_tax", "l_returnflag",
                           "l_linestatus", "l_shipdate"])
    li = li[li.l_shipdate <= day("1998-09-02")]
    li = li.assign(disc_price=li.l_extendedprice * (1 - li.l_discount))
    li = li.assign(charge=li.disc_price * (1 + li.l_tax))
    g = done(li.groupby(["l_returnflag", "l_linestatus"]).agg(
        {"l_quantity": ["sum", "mean", "count"], "l_extendedprice": ["sum", "mean"],
         "disc_price": "sum", "charge": "sum", "l_discount": "mean"}))
    out = pd.DataFrame({"sum_qty": g[("l_quantity", "sum")], "sum_base_price": g[("l_extendedprice", "sum")],
                        "sum_disc_price": g[("disc_price", "sum")], "sum_charge": g[("charge", "sum")],
                        "avg_qty": g[("l_quantity", "mean")], "avg_price": g[("l_extendedprice", "mean")],
                        "avg_disc": g[("l_discount", "mean")], "count_order": g[("l_quantity", "count")]})
    return out.reset_index().sort_values(["l_returnflag", "l_linestatus"])


def q3(read, done):
    c = read("customer", ["c_custkey", "c_mktsegment"])
    c = c[c.c_mktsegment == "BUILDING"]
    o = read("orders", ["o_orderkey", "o_custkey", "o_orderdate", "o_shippriority"])
    o = o[o.o_orderdate < day("1995-03-15")]
    li = read("lineitem", ["l_orderkey", "l_extendedprice", "l_discount", "l_shipdate"])
    li = li[li.l_shipdate > day("1995-03-15")]
    j = c.merge(o, left_on="c_custkey", right_on="o_custkey").merge(li, left_on="o_orderkey", right_on="l_orderkey")
    j = j.assign(revenue=j.l_extendedprice * (1 - j.l_discount))
    g = done(j.groupby(["l_orderkey", "o_orderdate", "o_shippriority"]).revenue.sum()).reset_index()
    g = g.sort_values(["revenue", "o_orderdate"], ascending=[False, True]).head(10)
    return g[["l_orderkey", "revenue", "o_orderdate", "o_shippriority"]]


def q5(read, done):
    r = read("region", ["r_regionkey", "r_name"])
    r = r[r.r_name == "ASIA"]
    o = read("orders", ["o_orderkey", "o_custkey", "o_orderdate"])
    o = o[(o.o_orderdate >= day("1994-01-01")) & (o.o_orderdate < day("1995-01-01"))]
    j = (r.merge(read("nation", ["n_nationkey", "n_name", "n_regionkey"]), left_on="r_regionkey", right_on="n_regionkey")
         .merge(read("customer", ["c_custkey", "c_nationkey"]), left_on="n_nationkey", right_on="c_nationkey")
         .merge(o, left_on="c_custkey", right_on="o_custkey")
         .merge(read("lineitem", ["l_orderkey", "l_suppkey", "l_extendedprice", "l_discount"]),
                left_on="o_orderkey", right_on="l_orderkey")
         .merge(read("supplier", ["s_suppkey", "s_nationkey"]),
                left_on=["l_suppkey", "c_nationkey"], right_on=["s_suppkey", "s_nationkey"]))
    j = j.assign(revenue=j.l_extendedprice * (1 - j.l_discount))
    g = done(j.groupby("n_name").revenue.sum()).reset_index()
    return g.sort_values("revenue", ascending=False)


def q6(read, done):
    li = read("lineitem", ["l_quantity", "l_extendedprice", "l_discount", "l_shipdate"])
    li = li[(li.l_shipdate >= day("1994-01-01")) & (li.l_shipdate < day("1995-01-01"))
            & (li.l_discount >= 0.05) & (li.l_discount <= 0.07) & (li.l_quantity < 24)]
    return pd.DataFrame({"revenue": [done((li.l_extendedprice * li.l_discount).sum())]})


def q10(read, done):
    o = read("orders", ["o_orderkey", "o_custkey", "o_orderdate"])
    o = o[(o.o_orderdate >= day("1993-10-01")) & (o.o_orderdate < day("1994-01-01"))]
    li = read("lineitem", ["l_orderkey", "l_extendedprice", "l_discount", "l_returnflag"])
    li = li[li.l_returnflag == "R"]
    keys = ["c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address", "c_comment"]
    j = (read("customer", ["c_custkey", "c_name", "c_address", "c_nationkey", "c_phone", "c_acctbal", "c_comment"])
         .merge(o, left_on="c_custkey", right_on="o_custkey")
         .merge(li, left_on="o_orderkey", right_on="l_orderkey")
         .merge(read("nation", ["n_nationkey", "n_name"]), left_on="c_nationkey", right_on="n_nationkey"))
    j = j.assign(revenue=j.l_extendedprice * (1 - j.l_discount))
    g = done(j.groupby(keys).revenue.sum()).reset_index()
    g = g.sort_values("revenue", ascending=False).head(20)
    return g[["c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone", "c_comment"]]


QUERIES = {"q1": q1, "q3": q3, "q5": q5, "q6": q6, "q10": q10}


def plain(v):
    """A JSON value as the other scripts print it (dates as ISO text, numpy scalars as numbers)."""
    if isinstance(v, (pd.Timestamp, datetime.date)):
        return v.date().isoformat() if isinstance(v, pd.Timestamp) else v.isoformat()
    return v.item() if hasattr(v, "item") else v


def rows(df):
    return [[plain(v) for v in r] for r in df.itertuples(index=False, name=None)]


def run_pandas(d, query):
    return QUERIES[query](reader(pd, d), lambda x: x)


def dask_session(scheduler):
    """Starts Dask on 2 cores; returns a closer."""
    import dask
    if scheduler == "threads":
        dask.config.set(scheduler="threads", num_workers=2)
        return lambda: None
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)

    def close():
        client.close()
        cluster.close()
    return close


def run_dask(d, query):
    import dask.dataframe as dd
    return QUERIES[query](reader(dd, d), lambda x: x.compute())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data"); ap.add_argument("queries"); ap.add_argument("runs", type=int, nargs="?", default=1)
    ap.add_argument("--engine", choices=["pandas", "dask"], default="pandas")
    ap.add_argument("--scheduler", choices=["distributed", "threads"], default="distributed")
    a = ap.parse_args()
    close = dask_session(a.scheduler) if a.engine == "dask" else (lambda: None)
    run = run_dask if a.engine == "dask" else run_pandas
    try:
        for q in a.queries.split(","):
            times, out = [], []
            for _ in range(a.runs):
                t0 = time.perf_counter()
                out = rows(run(a.data, q))
                times.append(time.perf_counter() - t0)
            print(json.dumps({"query": q, "times": times, "rows": out}), flush=True)
    finally:
        close()


if __name__ == "__main__":
    main()
