"""The row-at-a-time UDF worker program (sparkpp/sql/_udf_eval.py) with and without its C loop
(src/pyworker/fastudf.c): every result must come out the same (wrong types NULL, integers wrapped,
bools NULL for integral types, numpy integers as their value), errors propagate, and the loop is
used only where it applies. The C side is skipped when the build tree has no _fastudf."""
import glob
import os

import numpy as np
import pytest

from sparkpp.sql import _udf_eval
from sparkpp.sql import types as T
from sparkpp.sql._batch import Dense, decode_columns, encode_columns

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _ext_dir():
    for d in [os.path.dirname(os.environ.get("SPARKPP_BIN", "")), os.path.join(ROOT, "build")]:
        if d and glob.glob(os.path.join(d, "_fastudf*.so")):
            return d
    return None


@pytest.fixture
def loop(monkeypatch):
    d = _ext_dir()
    if d is None:
        pytest.skip("_fastudf is not built")
    monkeypatch.setenv("SPARKPP_PYEXT_DIR", d)
    monkeypatch.setattr(_udf_eval, "_fastudf", False)
    mod = _udf_eval._fast_loop()
    assert mod is not None
    return mod


def _program(udfs, outputs, funcs, fast):
    saved = _udf_eval._fastudf
    try:
        if not fast:
            _udf_eval._fastudf = None
        return _udf_eval.UdfProgram({"evalType": 100, "udfs": udfs, "outputs": outputs}, funcs)
    finally:
        _udf_eval._fastudf = saved


ARGS = T.StructType([T.StructField("_0", T.LongType(), True), T.StructField("_1", T.DoubleType(), True),
                     T.StructField("_2", T.LongType(), True), T.StructField("_3", T.StringType(), True)])


def _batch(n):
    ids = np.arange(n, dtype="<i8")
    with_nulls = [None if i % 5 == 0 else i for i in range(n)]
    return encode_columns(ARGS, n, [Dense(ids), Dense(ids * 0.5), with_nulls,
                                    [None if i % 7 == 0 else "s%d" % i for i in range(n)]])


CASES = [  # (return type, function of the row number, argument columns)
    ("long", lambda x: x * 3 - 7, [0]),
    ("long", lambda x: True if x == 3 else (None if x == 4 else (float(x) if x == 5 else x)), [0]),
    ("long", lambda x: 2 ** 63 if x == 2 else -x, [0]),  # out of range: NULL
    ("long", lambda x: np.int64(x) if x % 2 else x, [0]),
    ("integer", lambda x: x * 10 ** 9, [0]),  # wraps
    ("short", lambda x: x * 1000, [0]),
    ("byte", lambda x: x - 100, [0]),
    ("byte", lambda x: False if x == 1 else x, [0]),
    ("double", lambda x: x / 3 if x % 4 else x, [0]),  # ints are NULL for double
    ("float", lambda d: d * 1.1, [1]),
    ("double", lambda a, b: None if a is None else a + b, [2, 1]),
    ("long", lambda a, s: (a or 0) + len(s or ""), [2, 3]),
    ("double", lambda: 1.5, []),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_c_loop_matches_python(loop, case):
    rt, f, cols = CASES[case]
    udfs = [{"funcId": 1, "returnType": rt, "args": [{"col": c} for c in cols]}]
    fast = _program(udfs, [0], {1: f}, True)
    slow = _program(udfs, [0], {1: f}, False)
    assert fast.direct == {0} and slow.direct == set()
    for n in (1, 37, 1000):
        blob = _batch(n)
        got, want = fast.eval_batch(blob), slow.eval_batch(blob)
        assert got[1] == want[1] == n
        assert decode_columns(got[0])[2] == decode_columns(want[0])[2]


def test_c_loop_only_for_numeric_outputs_not_chained(loop):
    udfs = [{"funcId": 1, "returnType": "long", "args": [{"col": 0}]},
            {"funcId": 2, "returnType": "long", "args": [{"udf": 0}]},
            {"funcId": 3, "returnType": "string", "args": [{"col": 0}]}]
    p = _program(udfs, [0, 1, 2], {1: lambda x: x + 1, 2: lambda y: y * 2, 3: str}, True)
    assert p.direct == {1}  # 0 feeds 1 (raw values), 2 is a string
    _, n, cols = decode_columns(p.eval_batch(_batch(10))[0])
    assert cols == [list(range(1, 11)), [2 * i for i in range(1, 11)], [str(i) for i in range(10)]]


def test_c_loop_errors_propagate(loop):
    def boom(x):
        if x == 5:
            raise ValueError("bad %d" % x)
        return x
    p = _program([{"funcId": 1, "returnType": "long", "args": [{"col": 0}]}], [0], {1: boom}, True)
    with pytest.raises(ValueError, match="bad 5"):
        p.eval_batch(_batch(10))


def test_c_loop_argument_checks(loop):
    out = np.zeros(3, np.int64)
    with pytest.raises(ValueError):
        loop.call_into(abs, [[1, 2]], 3, out, "q")  # a short column
    with pytest.raises(ValueError):
        loop.call_into(abs, [[1, 2, 3]], 3, np.zeros(2, np.int64), "q")  # a short output
    with pytest.raises(ValueError):
        loop.call_into(abs, [[1, 2, 3]], 3, out, "x")
    with pytest.raises(ValueError):
        loop.call_into(abs, [np.zeros(3, np.uint16)], 3, out, "q")  # not a signed number column
    assert loop.call_into(abs, [np.array([-1, 2, -3], np.int16)], 3, out, "q") is None
    assert out.tolist() == [1, 2, 3]


def test_without_the_extension_directory_python_runs_the_loop(monkeypatch):
    monkeypatch.delenv("SPARKPP_PYEXT_DIR", raising=False)
    monkeypatch.setattr(_udf_eval, "_fastudf", False)
    monkeypatch.setenv("SPARKPP_FASTUDF", "0")
    p = _udf_eval.UdfProgram({"evalType": 100, "outputs": [0],
                              "udfs": [{"funcId": 1, "returnType": "long", "args": [{"col": 0}]}]},
                             {1: lambda x: x + 1})
    assert p.direct == set()
    assert decode_columns(p.eval_batch(_batch(4))[0])[2] == [[1, 2, 3, 4]]


def _udf_task(link, fid, f, batches, per_read):
    import cloudpickle
    program = {"evalType": 100, "outputs": [0],
               "udfs": [{"funcId": fid, "returnType": "long", "args": [{"col": 0}]}]}
    return link.run_task(1, 0, {"op": "udf", "input": 0, "program": program}, "sqlbatch",
                         {fid: cloudpickle.dumps(f)}, [("sqlbatch", batches)], per_read=per_read)


@pytest.mark.parametrize("count", [1, 3, 4, 9])
def test_several_batches_per_input_message(count):
    """The executor sends a streaming program's argument batches several to a PwInput: every
    batch is its own call and its own result, in order."""
    from fakedriver import WorkerLink
    link = WorkerLink()
    try:
        batches = [_batch(5 + i) for i in range(count)]
        res = _udf_task(link, 1, lambda x: x * 10, batches, 4)
        assert res[0] == "done" and res[2] == sum(5 + i for i in range(count))
        assert [decode_columns(b)[2] for b in res[1]] == [[[x * 10 for x in range(5 + i)]]
                                                           for i in range(count)]
        assert link.log.count("PwRead") == count // 4 + 1

        def late(x):  # fails in the 6th batch, the 2nd of the second message
            if x == 9:
                raise KeyError("late")
            return x
        res = _udf_task(link, 2, late, [_batch(5 + i) for i in range(9)], 4)
        assert res[0] == "error" and "KeyError: 'late'" in res[1]["traceback"]
        res = _udf_task(link, 3, lambda x: -x, batches, 4)  # the worker is still usable
        assert res[0] == "done" and len(res[1]) == count
    finally:
        link.close()


def test_pandas_argument_series_match_the_public_constructor():
    """series_of_batch's Series (pandas 1.x: the internal fast path, one RangeIndex kept from
    batch to batch) equal what pd.Series builds, for every column kind; an index a function
    renamed is not handed to the next batch."""
    import datetime

    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    from sparkpp.sql._batch import encode_columns
    from sparkpp.sql._pandas_udf_eval import series_of_batch
    cols = [("b", T.ByteType(), [1, -2, 3]), ("i", T.IntegerType(), [1, None, 3]),
            ("l", T.LongType(), [2 ** 40, 0, -1]), ("d", T.DoubleType(), [0.5, None, 1e300]),
            ("f", T.FloatType(), [1.5, 2.5, 3.5]), ("t", T.BooleanType(), [True, False, None]),
            ("s", T.StringType(), ["a", None, "ü"]),
            ("dt", T.DateType(), [T.DateType().toInternal(datetime.date(2020, 1, 2)), None, 0])]
    schema = T.StructType([T.StructField(n, t, True) for n, t, _ in cols])
    blob = encode_columns(schema, 3, [v for _, _, v in cols])
    n, series = series_of_batch(blob)
    assert n == 3
    for (name, _, _), s in zip(cols, series):
        want = pd.Series(np.asarray(s.to_numpy()), index=pd.RangeIndex(3), name=name)
        pd.testing.assert_series_equal(s, want)
        assert (s * 1 if s.dtype.kind in "iuf" else s).name == name
    first = series[0].index
    _, again = series_of_batch(blob)
    assert again[0].index is first  # one RangeIndex for batches of one length
    first.name = "renamed"
    _, third = series_of_batch(blob)
    assert third[0].index is not first and third[0].index.name is None


def test_pandas_argument_batches_of_one_layout_take_the_short_way_correctly():
    """Batches whose prefix (header, schema, nodes, spans) equals a checked one are read as
    arrays at the known offsets: their values, not the first batch's; a batch with NULLs, or
    one shorter than its header says, never takes that way."""
    np = pytest.importorskip("numpy")
    pytest.importorskip("pandas")
    from sparkpp.sql import _pandas_udf_eval as pe
    from sparkpp.sql._batch import BatchFormatError, Dense, encode_columns
    schema = T.StructType([T.StructField("a", T.LongType(), True),
                           T.StructField("b", T.IntegerType(), True),
                           T.StructField("c", T.DoubleType(), True)])

    def batch(k, n=5):
        return encode_columns(schema, n, [Dense(np.arange(n, dtype=np.int64) + k),
                                          Dense(np.arange(n, dtype=np.int32) * k),
                                          Dense(np.full(n, k / 2))])
    pe._LAYOUTS.clear()
    for k in range(4):
        n, (a, b, c) = pe.series_of_batch(batch(k))
        assert n == 5 and a.tolist() == [k + i for i in range(5)]
        assert b.tolist() == [k * i for i in range(5)] and c.tolist() == [k / 2] * 5
        assert (a.dtype, b.dtype, c.dtype) == (np.int64, np.int32, np.float64)
        assert [s.name for s in (a, b, c)] == ["a", "b", "c"]
    assert len(pe._LAYOUTS) == 1
    with_nulls = encode_columns(schema, 5, [[1, None, 3, 4, 5], [1, 2, 3, 4, 5], [0.0] * 5])
    assert pe.series_of_batch(with_nulls)[1][0].isna().tolist() == [False, True, False, False,
                                                                     False]
    assert len(pe._LAYOUTS) == 1
    with pytest.raises(BatchFormatError):
        pe.series_of_batch(batch(9)[:-8])  # the known prefix, a body cut short


def test_result_batches_of_one_shape_reuse_their_header():
    np = pytest.importorskip("numpy")
    from sparkpp.sql import _batch
    from sparkpp.sql._batch import Dense, decode_columns, encode_parts, join_parts
    schema = T.StructType([T.StructField("_0", T.LongType(), True),
                           T.StructField("_1", T.IntegerType(), True)])
    sj = schema.json().encode()
    _batch._DENSE_HEADS.clear()
    for k in range(3):  # the second and third take the cached header
        parts = encode_parts(schema, 3, [Dense(np.arange(3) + k), Dense(np.array([k, 2.0, 3.0]))],
                             sj)
        assert decode_columns(bytes(join_parts(parts)))[2] == [[k, k + 1, k + 2], [k, 2, 3]]
    assert len(_batch._DENSE_HEADS) == 1
    parts = encode_parts(schema, 3, [Dense(np.arange(3)), Dense(np.arange(3), np.array([1, 0, 1],
                                                                                 bool))], sj)
    assert decode_columns(bytes(join_parts(parts)))[2] == [[0, 1, 2], [0, None, 2]]
    parts = encode_parts(schema, 3, [[1, 2, 3], Dense(np.arange(3))], sj)  # a list: the long way
    assert decode_columns(bytes(join_parts(parts)))[2] == [[1, 2, 3], [0, 1, 2]]
