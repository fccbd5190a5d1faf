"""Shared-memory batches of streaming UDF programs, the worker's side (sparkpp/sql/_shm.py): the
region is mapped from the path the executor names, argument references are checked against the
argument halves, results go round the result slots once the executor read the slot's last one,
and what does not fit travels inline."""
import os
import random
import struct

import pytest

np = pytest.importorskip("numpy")

from sparkpp.sql import _shm, types as T  # noqa: E402
from sparkpp.sql._batch import Dense, decode_columns, encode_columns, encode_parts  # noqa: E402
from sparkpp.sql._pandas_udf_eval import series_of_batch  # noqa: E402

IN_HALF, SLOT = 1 << 16, 1 << 15
SIZE = 2 * IN_HALF + 8 * SLOT


@pytest.fixture
def region():
    fd = os.memfd_create("test-udf-shm", os.MFD_CLOEXEC)
    os.ftruncate(fd, SIZE)
    spec = {"path": "/proc/self/fd/%d" % fd, "size": SIZE, "inHalf": IN_HALF, "outSlot": SLOT, "outSlots": 8}
    shm = _shm.SharedBatches.open(spec)
    assert shm is not None
    yield fd, shm
    shm.close()
    os.close(fd)


def ref(off, n):
    return struct.pack("<4sIQQ", b"SPBR", 0, off, n)


def test_argument_batch_by_reference_is_a_writable_zero_copy_view(region):
    fd, shm = region
    schema = T.StructType([T.StructField("_0", T.LongType(), True)])
    blob = encode_columns(schema, 1000, [Dense(np.arange(1000, dtype=np.int64))])
    os.pwrite(fd, blob, IN_HALF)  # the second half, as the executor's second PwInput
    view = shm.decode(ref(IN_HALF, len(blob)))
    n, (s,) = series_of_batch(view)
    assert n == 1000 and s.sum() == 999 * 500
    s.iloc[0] = 7  # pandas code may write to its argument: the region is writable
    assert struct.unpack_from("<q", os.pread(fd, 8, IN_HALF + len(blob) - 8000))[0] == 7


def test_inline_batches_pass_through(region):
    _, shm = region
    assert shm.decode(b"SPB1whatever") == b"SPB1whatever"
    assert shm.decode(b"SPBR") == b"SPBR"  # not a 24-byte reference: an (invalid) inline batch


@pytest.mark.parametrize("off,n", [(4, 8), (2 * IN_HALF + 8, 0), (2 * IN_HALF - 8, 16),
                                   (0, 2 * IN_HALF + 1), (8, 2 ** 64 - 8)])
def test_references_outside_the_argument_halves_are_refused(region, off, n):
    _, shm = region
    with pytest.raises(ValueError):
        shm.decode(ref(off, n))


def test_results_go_round_the_slots_and_big_ones_inline(region):
    fd, shm = region
    schema = T.StructType([T.StructField("_0", T.DoubleType(), True)])
    refs = []
    for k in range(10):
        if k == 8:  # the executor read the first two results: their slots are free again
            shm.read_sent()
            shm.reads[-1] = 2
            shm.input_received()
        parts = encode_parts(schema, 100, [Dense(np.full(100, float(k)))])
        r = shm.put(parts)
        _, _, off, n = struct.unpack("<4sIQQ", r)
        assert off == 2 * IN_HALF + (k % 8) * SLOT
        assert decode_columns(os.pread(fd, n, off))[2] == [[float(k)] * 100]
        refs.append(r)
    big = encode_parts(schema, SLOT // 8, [Dense(np.zeros(SLOT // 8))])
    out = shm.put(big)
    assert isinstance(out, bytes) and out[:4] == b"SPB1" and len(out) > SLOT
    assert shm.results == 10  # an inline result takes no slot


def test_a_result_whose_slot_the_executor_may_not_have_read_goes_inline(region):
    fd, shm = region
    schema = T.StructType([T.StructField("_0", T.LongType(), True)])
    put = lambda k: shm.put(encode_parts(schema, 10, [Dense(np.full(10, k, np.int64))]))  # noqa: E731
    assert [put(k)[:4] for k in range(8)] == [b"SPBR"] * 8
    shm.read_sent()  # a PwRead leaves after 8 results; its answer has not come back yet
    late = put(8)  # slot 0 may still hold result 0, unread: inline
    assert late[:4] == b"SPB1" and decode_columns(late)[2] == [[8] * 10]
    assert shm.results == 8
    shm.read_sent()
    shm.input_received()  # the answer to the first PwRead: results 0-7 were read
    assert put(9)[:4] == b"SPBR" and shm.results == 9
    _, _, off, n = struct.unpack("<4sIQQ", put(10))
    assert off == 2 * IN_HALF + 1 * SLOT and decode_columns(os.pread(fd, n, off))[2] == [[10] * 10]
    shm.reset()  # a new task: nothing in flight
    assert shm.acked == 0 and not shm.reads and shm.results == 0


def test_argument_batches_are_copies_when_the_program_may_keep_them(region):
    fd, shm = region
    schema = T.StructType([T.StructField("_0", T.LongType(), True)])
    blob = encode_columns(schema, 100, [Dense(np.arange(100, dtype=np.int64))])
    os.pwrite(fd, blob, 0)
    shm.reset(copy_in=True)
    n, (s,) = series_of_batch(shm.decode(ref(0, len(blob))))
    os.pwrite(fd, b"\0" * len(blob), 0)  # the executor's PwInput two later, into the same half
    assert n == 100 and s.sum() == 99 * 50
    s.iloc[0] = 5  # still writable
    assert s.iloc[0] == 5


def test_a_region_that_cannot_be_mapped_is_none():
    assert _shm.SharedBatches.open({"path": "/nonexistent/x", "size": SIZE, "inHalf": IN_HALF,
                                    "outSlot": SLOT, "outSlots": 8}) is None
    assert _shm.SharedBatches.open({"path": "/dev/null", "size": 10, "inHalf": 8,
                                    "outSlot": 8, "outSlots": 1}) is None  # the sizes disagree
    assert _shm.SharedBatches.open({"size": SIZE}) is None
    fd = os.memfd_create("small")
    try:
        os.ftruncate(fd, SIZE - 8)  # shorter than announced
        assert _shm.SharedBatches.open({"path": "/proc/self/fd/%d" % fd, "size": SIZE,
                                        "inHalf": IN_HALF, "outSlot": SLOT, "outSlots": 8}) is None
    finally:
        os.close(fd)


def test_random_references_never_escape_the_halves(region):
    _, shm = region
    rnd = random.Random(16)
    for _ in range(5000):
        off = rnd.choice([rnd.randrange(0, 2 * SIZE), rnd.randrange(0, 2 ** 64)])
        n = rnd.choice([rnd.randrange(0, 2 * SIZE), rnd.randrange(0, 2 ** 64)])
        try:
            v = shm.decode(ref(off, n))
        except ValueError:
            continue
        assert off % 8 == 0 and off + n <= 2 * IN_HALF and len(v) == n


# ---------------------------------------------------------------- the worker, as the executor sees it

def _conversation(spec, batches, eval_type=200):
    """Runs one UDF task (f = x * 2 + 1 over bigint batches, pandas or row-at-a-time) on a worker
    thread, playing the executor: answers PwReads with 4 batches per PwInput, through the region
    when the worker accepted it; returns (accepted, formats of the results, result columns,
    result batches per PwOutput)."""
    import socket
    import threading

    import cloudpickle

    from sparkpp import _wire, worker
    a, b = socket.socketpair()
    t = threading.Thread(target=lambda: worker.serve(b), daemon=True)
    t.start()
    ch = _wire.Channel(a)
    ch.send("Hello", {"proto": _wire.PROTOCOL_VERSION, "build": "test", "role": "executor"})
    assert ch.recv()[0] == "HelloAck"
    f = (lambda it: (s * 2 + 1 for s in it)) if eval_type == 204 else (lambda s: s * 2 + 1)
    program = {"evalType": eval_type, "outputs": [0],
               "udfs": [{"funcId": 7, "returnType": "long", "args": [{"col": 0}]}]}
    plan = {"op": "udf", "input": 0, "program": program}
    if spec is not None:
        plan["shm"] = spec
    ch.send("PwTask", {"task_id": 1, "stage_id": 0, "partition": 0, "attempt": 0, "props": {},
                       "new_funcs": [7], "plan": plan, "sink": "sqlbatch"},
            [cloudpickle.dumps(f)])
    schema = T.StructType([T.StructField("_0", T.LongType(), True)])
    todo = list(batches)
    accepted, formats, results, inputs, per_output = None, [], [], 0, []
    fd = os.open(spec["path"], os.O_RDWR) if spec and os.path.exists(spec["path"]) else -1
    try:
        while True:
            op, body, blobs = ch.recv()
            if op == "PwOutput" and blobs and bytes(blobs[0][:4]) == b"SPBA":
                assert accepted is None and not results  # the answer comes first, once
                accepted = blobs[0][4] == 1
            elif op == "PwOutput":
                per_output.append(len(blobs))
                for blob in blobs:
                    if bytes(blob[:4]) == b"SPBR":
                        _, _, off, n = struct.unpack("<4sIQQ", blob)
                        assert off >= 2 * IN_HALF and off + n <= SIZE
                        blob = os.pread(fd, n, off)
                        formats.append("shm")
                    else:
                        formats.append("inline")
                    results += decode_columns(blob)[2][0]
            elif op == "PwRead":
                send, todo = todo[:4], todo[4:]
                out, pos = [], (inputs % 2) * IN_HALF
                for vals in send:
                    blob = encode_columns(schema, len(vals), [vals])
                    if accepted and len(blob) < 1024:
                        os.pwrite(fd, blob, pos)
                        out.append(ref(pos, len(blob)))
                        pos += (len(blob) + 7) & ~7
                    else:
                        out.append(blob)
                inputs += 1
                ch.send("PwInput", {"input": 0, "end": not todo,
                                    "format": "sqlshm" if accepted else "sqlbatch"}, out)
            elif op == "PwDone":
                return accepted, formats, results, per_output
            else:
                raise AssertionError((op, body))
    finally:
        if fd >= 0:
            os.close(fd)
        ch.close()
        t.join(5)


@pytest.mark.parametrize("eval_type", [100, 200, 204])
def test_a_task_through_the_region_inline_when_too_big(region, eval_type):
    fd, _ = region
    spec = {"path": "/proc/self/fd/%d" % fd, "size": SIZE, "inHalf": IN_HALF, "outSlot": 1024,
            "outSlots": (SIZE - 2 * IN_HALF) // 1024}
    batches = [list(range(k * 10, k * 10 + 10)) for k in range(9)] + [list(range(200))]
    accepted, formats, results, _ = _conversation(spec, batches, eval_type)
    assert accepted is True
    assert formats == ["shm"] * 9 + ["inline"]  # 200 longs do not fit a 1 KiB slot
    assert results == [x * 2 + 1 for vals in batches for x in vals]


@pytest.mark.parametrize("eval_type", [100, 200])
@pytest.mark.parametrize("mapped", [True, False])
def test_one_output_message_per_input_message(region, eval_type, mapped):
    """The results of one PwInput's batches leave as one PwOutput (one blob each), with the next
    PwRead; the last ones before PwDone (docs/protocol.md "Python UDF programs")."""
    fd, _ = region
    spec = {"path": "/proc/self/fd/%d" % fd if mapped else "/nonexistent", "size": SIZE,
            "inHalf": IN_HALF, "outSlot": SLOT, "outSlots": 8}
    batches = [list(range(k * 10, k * 10 + 10)) for k in range(10)]  # 4 + 4 + 2 per PwInput
    accepted, formats, results, per_output = _conversation(spec, batches, eval_type)
    assert accepted is mapped
    # the first PwInput's results with the PwRead for the third; the last PwInput (end: true)
    # is not followed by a PwRead: its results and the second's go before PwDone
    assert per_output == [4, 6]
    assert formats == ["shm" if mapped else "inline"] * 10
    assert results == [x * 2 + 1 for vals in batches for x in vals]


def test_a_region_the_worker_cannot_map_means_inline_batches():
    spec = {"path": "/nonexistent", "size": SIZE, "inHalf": IN_HALF, "outSlot": SLOT,
            "outSlots": 8}
    accepted, formats, results, _ = _conversation(spec, [list(range(5)), [7]])
    assert accepted is False and formats == ["inline", "inline"]
    assert results == [1, 3, 5, 7, 9, 15]


def test_the_same_region_again_is_the_mapping_kept():
    fd = os.memfd_create("kept")
    os.ftruncate(fd, SIZE)
    spec = {"path": "/proc/self/fd/%d" % fd, "size": SIZE, "inHalf": IN_HALF, "outSlot": SLOT,
            "outSlots": 8}
    first = _shm.SharedBatches.open(spec)
    first.results = 5
    again = _shm.SharedBatches.open(spec, kept=first)
    assert again is first and again.results == 0  # slots counted from 0 for the new task
    other_fd = os.memfd_create("other")
    os.ftruncate(other_fd, SIZE)
    other = _shm.SharedBatches.open(dict(spec, path="/proc/self/fd/%d" % other_fd), kept=first)
    assert other is not first and other is not None
    for r in (first, other):
        r.close()
    os.close(fd)
    os.close(other_fd)
