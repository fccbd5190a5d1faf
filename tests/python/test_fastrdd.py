"""sortByKey's map side (sparkpp/shuffle.py _int_pairs_bucketer) with and without its C loop
(src/pyworker/fastrdd.c): the same (partition, batch) output, record for record, whatever the
records (int pairs, bools, ints past 64 bits, lists, other types part way, more than one chunk),
ascending and descending, bounds fewer than the partitions. Skipped without a built _fastrdd."""
import glob
import os
import pickle

import pytest

from sparkpp import shuffle

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _ext_dir():
    for d in [os.path.dirname(os.environ.get("SPARKPP_BIN", "")), os.path.join(ROOT, "build")]:
        if d and glob.glob(os.path.join(d, "_fastrdd*.so")):
            return d
    return None


@pytest.fixture
def fast(monkeypatch):
    d = _ext_dir()
    if d is None:
        pytest.skip("_fastrdd is not built")
    monkeypatch.setenv("SPARKPP_PYEXT_DIR", d)
    monkeypatch.setattr(shuffle, "_fastrdd_mod", [])
    mod = shuffle._fastrdd()
    assert mod is not None
    return mod


def _run(records, n, bounds, ascending, use_c, monkeypatch):
    monkeypatch.setattr(shuffle, "_fastrdd_mod", [] if use_c else [None])
    flags = 1 | (0 if ascending else 2)
    out = list(shuffle._int_pairs_bucketer(n, bounds, ascending, flags)(0, iter(records)))
    # pickled batches compare by their records (pickle's framing may differ)
    return [(p, b if b[:1] == b"\0" else pickle.loads(b)) for p, b in out]


CASES = {
    "ints": [(i * 7919 % 1000 - 500, i) for i in range(5000)],
    "chunks": [(i * 31 % 997, -i) for i in range(shuffle._PAIRS_CHUNK * 2 + 7)],
    "edges": [(2 ** 63 - 1, -2 ** 63), (-2 ** 63, 2 ** 63 - 1), (5, 1)] * 10,
    "bool_late": [(i, i) for i in range(100)] + [(True, 1)] + [(i, i) for i in range(50)],
    "big_late": [(i, i) for i in range(100)] + [(2 ** 64, 1), (3, 2 ** 70)] + [(i, i) for i in range(50)],
    "list_late": [(i, i) for i in range(100)] + [[7, 8], [9, "x"]] + [(i, i) for i in range(50)],
    "str_late": [(i, i) for i in range(70000)] + [(3, "x"), ("a", 1)][:1] + [(i, i) for i in range(9)],
    "empty": [],
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("ascending", [True, False])
@pytest.mark.parametrize("n,bounds", [(1, []), (3, [-100, 200]), (5, [0, 400]), (4, [5, 5, 900])])
def test_c_loop_matches_python(fast, monkeypatch, case, ascending, n, bounds):
    records = CASES[case]
    want = _run(records, n, bounds, ascending, False, monkeypatch)
    got = _run(records, n, bounds, ascending, True, monkeypatch)
    assert got == want


def test_not_a_pair_fails_as_in_python(fast, monkeypatch):
    for use_c in (False, True):
        with pytest.raises(ValueError):
            _run([(1, 2), (1, 2, 3)], 2, [0], True, use_c, monkeypatch)


def test_non_int_bounds_use_python(fast, monkeypatch):
    records = [(1.5, 1), (2, 2), (0, 3)]
    assert _run(records, 2, [1.0], True, True, monkeypatch) == _run(records, 2, [1.0], True, False, monkeypatch)
