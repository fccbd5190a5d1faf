#!/usr/bin/python3
"""TPC-H-shaped data generator (written here; not dbgen). All 8 tables, spec column names,
dbgen-like distributions, deterministic per (scale, seed). Usage:
    /usr/bin/python3 bench/tpch/gen.py OUTDIR [--sf 0.1] [--seed 1] [--parts N] [--chunk ORDERS]
Writes OUTDIR/<table>.csv with a header, or with --parts N a directory OUTDIR/<table>/ of
part-0000N.csv files (each with a header), as Spark writes them. --chunk ORDERS generates orders
and lineitem that many orders at a time (each chunk from its own seeded generator: other data
than without it, as deterministic), so memory stays bounded at any scale (SF 5 in ~2 GiB; SF 1
without it takes ~9 GiB); it writes single files only."""
import argparse, os
import numpy as np

NATIONS = [("ALGERIA", 0), ("ARGENTINA", 1), ("BRAZIL", 1), ("CANADA", 1), ("EGYPT", 4),
           ("ETHIOPIA", 0), ("FRANCE", 3), ("GERMANY", 3), ("INDIA", 2), ("INDONESIA", 2),
           ("IRAN", 4), ("IRAQ", 4), ("JAPAN", 2), ("JORDAN", 4), ("KENYA", 0), ("MOROCCO", 0),
           ("MOZAMBIQUE", 0), ("PERU", 1), ("CHINA", 2), ("ROMANIA", 3), ("SAUDI ARABIA", 4),
           ("VIETNAM", 2), ("RUSSIA", 3), ("UNITED KINGDOM", 3), ("UNITED STATES", 1)]
REGIONS = ["AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"]
SEGMENTS = ["AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"]
PRIORITIES = ["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"]
SHIPMODES = ["REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"]
INSTRUCT = ["DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"]
WORDS = ("furiously quickly carefully blithely slyly final regular special pending express "
         "ironic bold even silent unusual packages deposits requests accounts foxes ideas "
         "theodolites pinto beans instructions dependencies excuses platelets asymptotes").split()
TYPES1 = ["STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"]
TYPES2 = ["ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"]
TYPES3 = ["TIN", "NICKEL", "BRASS", "STEEL", "COPPER"]
CONTAINERS = [a + " " + b for a in ["SM", "LG", "MED", "JUMBO", "WRAP"]
              for b in ["CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"]]
COLORS = ("almond antique aquamarine azure beige bisque black blanched blue blush brown "
          "burlywood chartreuse chiffon chocolate coral cornflower cornsilk cream cyan").split()
START = np.datetime64("1992-01-01")
END_ORDER = np.datetime64("1998-08-02")  # dbgen: ENDDATE - 151 days
CURRENT = np.datetime64("1995-06-17")


def comments(rng, n):
    w = np.array(WORDS)
    return np.char.add(np.char.add(w[rng.integers(0, len(w), n)], " "), w[rng.integers(0, len(w), n)])


def phones(rng, nationkey):
    n = len(nationkey)
    return np.array([f"{10 + k}-{a}-{b}-{c}" for k, a, b, c in zip(
        nationkey, rng.integers(100, 1000, n), rng.integers(100, 1000, n), rng.integers(1000, 10000, n))])


def tables(sf, seed, chunk=0):
    """(table, columns) pieces; a table's pieces come one after the other."""
    rng = np.random.default_rng(seed)
    out = {}
    out["region"] = {"r_regionkey": np.arange(5), "r_name": np.array(REGIONS), "r_comment": comments(rng, 5)}
    out["nation"] = {"n_nationkey": np.arange(25), "n_name": np.array([n for n, _ in NATIONS]),
                     "n_regionkey": np.array([r for _, r in NATIONS]), "n_comment": comments(rng, 25)}
    ns, np_, nc, no = int(10000 * sf), int(200000 * sf), int(150000 * sf), int(1500000 * sf)
    sk = np.arange(1, ns + 1); snat = rng.integers(0, 25, ns)
    out["supplier"] = {"s_suppkey": sk, "s_name": np.char.add("Supplier#", np.char.zfill(sk.astype(str), 9)),
                       "s_address": comments(rng, ns), "s_nationkey": snat, "s_phone": phones(rng, snat),
                       "s_acctbal": np.round(rng.uniform(-999.99, 9999.99, ns), 2), "s_comment": comments(rng, ns)}
    pk = np.arange(1, np_ + 1)
    retail = (90000 + (pk // 10) % 20001 + 100 * (pk % 1000)) / 100.0  # dbgen's formula
    col = np.array(COLORS); t1, t2, t3 = np.array(TYPES1), np.array(TYPES2), np.array(TYPES3)
    mfgr = rng.integers(1, 6, np_)
    out["part"] = {"p_partkey": pk,
                   "p_name": np.char.add(np.char.add(col[rng.integers(0, len(col), np_)], " "), col[rng.integers(0, len(col), np_)]),
                   "p_mfgr": np.char.add("Manufacturer#", mfgr.astype(str)),
                   "p_brand": np.char.add(np.char.add("Brand#", mfgr.astype(str)), rng.integers(1, 6, np_).astype(str)),
                   "p_type": np.char.add(np.char.add(np.char.add(np.char.add(t1[rng.integers(0, 6, np_)], " "), t2[rng.integers(0, 5, np_)]), " "), t3[rng.integers(0, 5, np_)]),
                   "p_size": rng.integers(1, 51, np_), "p_container": np.array(CONTAINERS)[rng.integers(0, 40, np_)],
                   "p_retailprice": retail, "p_comment": comments(rng, np_)}
    # partsupp: 4 suppliers per part, spread a quarter of the suppliers apart
    ps_part = np.repeat(pk, 4); i = np.tile(np.arange(4), np_)
    ps_supp = (ps_part - 1 + i * (ns // 4)) % ns + 1  # 4 distinct suppliers per part
    n4 = len(ps_part)
    out["partsupp"] = {"ps_partkey": ps_part, "ps_suppkey": ps_supp, "ps_availqty": rng.integers(1, 10000, n4),
                       "ps_supplycost": np.round(rng.uniform(1.0, 1000.0, n4), 2), "ps_comment": comments(rng, n4)}
    ck = np.arange(1, nc + 1); cnat = rng.integers(0, 25, nc)
    out["customer"] = {"c_custkey": ck, "c_name": np.char.add("Customer#", np.char.zfill(ck.astype(str), 9)),
                       "c_address": comments(rng, nc), "c_nationkey": cnat, "c_phone": phones(rng, cnat),
                       "c_acctbal": np.round(rng.uniform(-999.99, 9999.99, nc), 2),
                       "c_mktsegment": np.array(SEGMENTS)[rng.integers(0, 5, nc)], "c_comment": comments(rng, nc)}
    if chunk <= 0:  # one piece, from the same generator (the data of earlier versions)
        out.update(orders_lineitem(rng, sf, 0, no, ns, np_, nc))
    yield from out.items()
    if chunk <= 0:
        return
    for c, lo_ in enumerate(range(0, no, chunk)):
        yield from orders_lineitem(np.random.default_rng([seed, c + 1]), sf, lo_, min(no, lo_ + chunk), ns, np_, nc).items()


def orders_lineitem(rng, sf, first, last, ns, np_, nc):
    """Orders [first, last) of the order index and their lines."""
    out = {}
    no = last - first
    # orders: sparse keys (8 of every 32), customers not divisible by 3 (as dbgen)
    idx = np.arange(first, last); ok = (idx // 8) * 32 + idx % 8 + 1
    cust = rng.integers(1, nc + 1, no); cust = np.where(cust % 3 == 0, np.maximum(cust - 1, 1), cust)
    odate = START + rng.integers(0, int((END_ORDER - START).astype(int)) + 1, no).astype("timedelta64[D]")
    nl = rng.integers(1, 8, no)
    lo = np.repeat(ok, nl); lod = np.repeat(odate, nl); m = len(lo)
    lnum = np.arange(m) - np.repeat(np.cumsum(nl) - nl, nl) + 1
    lpart = rng.integers(1, np_ + 1, m); li = rng.integers(0, 4, m)
    lsupp = (lpart - 1 + li * (ns // 4)) % ns + 1
    qty = rng.integers(1, 51, m).astype(float)
    price = np.round(qty * ((90000 + (lpart // 10) % 20001 + 100 * (lpart % 1000)) / 100.0), 2)
    disc = rng.integers(0, 11, m) / 100.0; tax = rng.integers(0, 9, m) / 100.0
    ship = lod + rng.integers(1, 122, m).astype("timedelta64[D]")
    commit = lod + rng.integers(30, 91, m).astype("timedelta64[D]")
    receipt = ship + rng.integers(1, 31, m).astype("timedelta64[D]")
    rflag = np.where(receipt <= CURRENT, np.where(rng.random(m) < 0.5, "R", "A"), "N")
    lstatus = np.where(ship > CURRENT, "O", "F")
    out["lineitem"] = {"l_orderkey": lo, "l_partkey": lpart, "l_suppkey": lsupp, "l_linenumber": lnum,
                       "l_quantity": qty, "l_extendedprice": price, "l_discount": disc, "l_tax": tax,
                       "l_returnflag": rflag, "l_linestatus": lstatus, "l_shipdate": ship, "l_commitdate": commit,
                       "l_receiptdate": receipt, "l_shipinstruct": np.array(INSTRUCT)[rng.integers(0, 4, m)],
                       "l_shipmode": np.array(SHIPMODES)[rng.integers(0, 7, m)], "l_comment": comments(rng, m)}
    # order totals and status from their lines, as dbgen does
    starts = np.cumsum(nl) - nl
    total = np.add.reduceat(price * (1 + tax) * (1 - disc), starts)
    nf = np.add.reduceat((lstatus == "F").astype(int), starts)
    status = np.where(nf == nl, "F", np.where(nf == 0, "O", "P"))
    out["orders"] = {"o_orderkey": ok, "o_custkey": cust, "o_orderstatus": status, "o_totalprice": np.round(total, 2),
                     "o_orderdate": odate, "o_orderpriority": np.array(PRIORITIES)[rng.integers(0, 5, no)],
                     "o_clerk": np.char.add("Clerk#", np.char.zfill(rng.integers(1, max(2, int(1000 * sf)) + 1, no).astype(str), 9)),
                     "o_shippriority": np.zeros(no, dtype=int), "o_comment": comments(rng, no)}
    return out


def fmt(col):
    if col.dtype.kind == "f":
        return np.char.mod("%.2f", col)
    return col.astype(str)


def write(path, cols, lo, hi, header=True):
    names = list(cols)
    with open(path, "w" if header else "a") as f:
        if header:
            f.write(",".join(names) + "\n")
        for a in range(lo, hi, 500000):  # formatted a slice at a time: bounded memory
            b = min(hi, a + 500000)
            strs = [fmt(cols[c][a:b]) for c in names]
            # commas never occur in generated text, so no quoting is needed
            f.write("\n".join(",".join(r) for r in zip(*strs)) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out"); ap.add_argument("--sf", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1); ap.add_argument("--parts", type=int, default=0)
    ap.add_argument("--chunk", type=int, default=0, help="orders per generated piece (bounded memory)")
    a = ap.parse_args()
    if a.chunk > 0 and a.parts > 0:
        ap.error("--chunk writes single files: leave out --parts")
    os.makedirs(a.out, exist_ok=True)
    seen = set()
    for name, cols in tables(a.sf, a.seed, a.chunk):
        n = len(next(iter(cols.values())))
        if a.parts <= 0:
            write(os.path.join(a.out, name + ".csv"), cols, 0, n, header=name not in seen)
            seen.add(name)
        else:
            d = os.path.join(a.out, name); os.makedirs(d, exist_ok=True)
            b = np.linspace(0, n, a.parts + 1).astype(int)
            for p in range(a.parts):
                write(os.path.join(d, f"part-{p:05d}.csv"), cols, b[p], b[p + 1])


if __name__ == "__main__":
    main()
