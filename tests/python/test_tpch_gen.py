"""Self-check of bench/tpch/gen.py at a tiny scale: row counts, keys and referential integrity."""
import csv, os, subprocess, sys

GEN = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "tpch", "gen.py")


def load(d, name):
    with open(os.path.join(d, name + ".csv")) as f:
        return list(csv.DictReader(f))


import pytest


@pytest.mark.parametrize("chunk", [[], ["--chunk", "700"]])
def test_tiny_scale(tmp_path, chunk):
    """Whole and in pieces of 700 orders (--chunk: bounded memory at large scales)."""
    subprocess.run([sys.executable, GEN, str(tmp_path), "--sf", "0.002", "--seed", "7"] + chunk, check=True, timeout=60)
    t = {n: load(tmp_path, n) for n in ["region", "nation", "supplier", "part", "partsupp", "customer", "orders", "lineitem"]}
    assert (len(t["region"]), len(t["nation"]), len(t["supplier"]), len(t["part"])) == (5, 25, 20, 400)
    assert len(t["partsupp"]) == 1600 and len(t["customer"]) == 300 and len(t["orders"]) == 3000
    ok = {r["o_orderkey"] for r in t["orders"]}
    assert len(ok) == 3000 and 3000 <= len(t["lineitem"]) <= 7 * 3000
    assert {r["l_orderkey"] for r in t["lineitem"]} == ok
    ps = {(r["ps_partkey"], r["ps_suppkey"]) for r in t["partsupp"]}
    assert len(ps) == 1600 and all((r["l_partkey"], r["l_suppkey"]) in ps for r in t["lineitem"])
    ck = {r["c_custkey"] for r in t["customer"]}
    assert all(r["o_custkey"] in ck for r in t["orders"])
    assert all("1992-01-01" <= r["l_shipdate"] <= "1998-12-31" for r in t["lineitem"])
    assert {r["l_returnflag"] for r in t["lineitem"]} <= {"A", "N", "R"}
    assert all(k != "o_orderkey" for k in ok)  # one header per file
    lines = {}
    for r in t["lineitem"]:
        lines.setdefault(r["l_orderkey"], []).append(int(r["l_linenumber"]))
    assert all(v == list(range(1, len(v) + 1)) for v in lines.values())


def test_parts_and_determinism(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    subprocess.run([sys.executable, GEN, str(a), "--sf", "0.001"], check=True, timeout=60)
    subprocess.run([sys.executable, GEN, str(b), "--sf", "0.001", "--parts", "3"], check=True, timeout=60)
    whole = (a / "orders.csv").read_text().splitlines()
    parts = sorted(os.listdir(b / "orders"))
    assert parts == ["part-00000.csv", "part-00001.csv", "part-00002.csv"]
    rows = [l for p in parts for l in (b / "orders" / p).read_text().splitlines()[1:]]
    assert rows == whole[1:]
