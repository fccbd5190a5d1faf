"""The worker loop against a fake executor over socket.socketpair()."""
import os
import pickle

import cloudpickle
import pytest

from fakedriver import WorkerLink
from sparkpp.accumulators import Accumulator, AddingAccumulatorParam
from sparkpp.serializers import FileContentSerializer


@pytest.fixture
def link():
    lk = WorkerLink()
    yield lk
    lk.close()


def pk(xs):
    return pickle.dumps(list(xs))


def result(res):
    assert res[0] == "done", res
    return [x for b in res[1] for x in pickle.loads(b)]


def inp(i, fmt="pickled"):
    return {"op": "input", "input": i, "format": fmt}


def apply(fid, child, split=0):
    return {"op": "apply", "func": fid, "split": split, "child": child}


def fn(f):
    return cloudpickle.dumps(f)


def test_handshake_names_the_pid(link):
    assert link.worker_name == str(os.getpid())  # in-process worker thread


def test_parallelize_style_input_and_apply(link):
    funcs = {1: fn(lambda s, it: (x * 10 + s for x in it))}
    res = link.run_task(1, 2, apply(1, inp(0), split=2), "result", funcs,
                        [("pickled", [pk([1, 2]), pk([3])])])
    assert result(res) == [12, 22, 32]
    assert res[2] == 3
    assert link.log.count("PwRead") == 3  # two batches, then end


def test_function_cache_reused(link):
    funcs = {7: fn(lambda s, it: (x + 1 for x in it))}
    link.run_task(1, 0, apply(7, inp(0)), "result", funcs, [("pickled", [pk([1])])])
    assert 7 in link.sent_funcs
    # second task: the executor does not resend function 7
    res = link.run_task(2, 0, apply(7, inp(0)), "result", funcs, [("pickled", [pk([5])])])
    assert result(res) == [6]


def test_lines_and_files_input(link):
    res = link.run_task(1, 0, inp(0, "lines"), "result", {},
                        [("lines", ["a b\nc\n".encode(), "é\n".encode()])])
    assert result(res) == ["a b", "c", "é"]
    blob = FileContentSerializer.dumps("/x/y.txt", "hi\nthere")
    res = link.run_task(2, 0, inp(0, "files"), "result", {}, [("files", [blob])])
    assert result(res) == [("/x/y.txt", "hi\nthere")]


def test_concat_and_zip(link):
    plan = {"op": "concat", "children": [inp(0), inp(1)]}
    res = link.run_task(1, 0, plan, "result", {}, [("pickled", [pk([1])]),
                                                     ("pickled", [pk([2, 3])])])
    assert result(res) == [1, 2, 3]
    plan = {"op": "zip", "children": [inp(0), inp(1)]}
    res = link.run_task(2, 0, plan, "result", {}, [("pickled", [pk("ab")]),
                                                     ("pickled", [pk([1]), pk([2])])])
    assert result(res) == [("a", 1), ("b", 2)]
    res = link.run_task(3, 0, plan, "result", {}, [("pickled", [pk("abc")]),
                                                     ("pickled", [pk([1])])])
    assert res[0] == "error" and "same number of elements" in res[1]["message"]


def test_error_then_worker_still_usable(link):
    funcs = {1: fn(lambda s, it: (1 // x for x in it))}
    res = link.run_task(1, 0, apply(1, inp(0)), "result", funcs, [("pickled", [pk([1, 0])])])
    assert res[0] == "error"
    err = res[1]
    assert err["error_type"] == "ZeroDivisionError"
    assert err["message"] == "integer division or modulo by zero"
    assert "Traceback (most recent call last)" in err["traceback"]
    assert "ZeroDivisionError" in err["traceback"]
    res = link.run_task(2, 0, apply(1, inp(0)), "result", funcs, [("pickled", [pk([1, 2])])])
    assert result(res) == [1, 0]


def test_error_before_reading_all_input(link):
    def boom(s, it):
        next(it)
        raise KeyError("k")
    res = link.run_task(1, 0, apply(1, inp(0)), "result", {1: fn(boom)},
                        [("pickled", [pk([1]), pk([2])])])
    assert res[0] == "error" and res[1]["error_type"] == "KeyError"


def test_unpicklable_function_fails_its_tasks_only(link):
    res = link.run_task(1, 0, apply(3, inp(0)), "result", {3: b"not a pickle"},
                        [("pickled", [pk([1])])])
    assert res[0] == "error" and res[1]["error_type"] == "_pickle.UnpicklingError"
    res = link.run_task(2, 0, inp(0), "result", {}, [("pickled", [pk([1])])])
    assert result(res) == [1]


def test_text_sink(link):
    res = link.run_task(1, 0, inp(0), "text", {}, [("pickled", [pk(["a", 1, b"b"])])])
    assert res[0] == "done" and b"".join(res[1]) == b"a\n1\nb\n" and res[2] == 3


def test_large_output_streams_in_several_messages(link):
    funcs = {1: fn(lambda s, it: (("%05d" % i) * 200 for i in range(3000)))}
    res = link.run_task(1, 0, apply(1, inp(0)), "result", funcs, [("pickled", [])])
    out = result(res)
    assert len(out) == 3000 and res[2] == 3000
    assert link.log.count("PwOutput") >= 2


def test_accumulator_updates(link):
    acc = Accumulator(4242, 0, AddingAccumulatorParam(0))

    def f(s, it):
        for x in it:
            acc.add(x)
            yield x
    funcs = {1: fn(f)}
    res = link.run_task(1, 0, apply(1, inp(0)), "result", funcs, [("pickled", [pk([1, 2, 3])])])
    assert res[0] == "done" and pickle.loads(res[3]) == [(4242, 6)]
    res = link.run_task(2, 0, apply(1, inp(0)), "result", funcs, [("pickled", [pk([10])])])
    assert pickle.loads(res[3]) == [(4242, 10)]  # reset between tasks
    res = link.run_task(3, 0, inp(0), "result", {}, [("pickled", [pk([1])])])
    assert res[3] is None  # untouched: no accumulator blob
    assert acc._value == 0  # the driver-side original is untouched by workers


def test_task_context(link):
    def f(s, it):
        from sparkpp import TaskContext
        tc = TaskContext.get()
        yield (tc.partitionId(), tc.stageId(), tc.attemptNumber(), tc.taskAttemptId(),
               tc.getLocalProperty("k"))
    res = link.run_task(77, 5, apply(1, inp(0)), "result", {1: fn(f)}, [("pickled", [])],
                        props={"k": "v"})
    assert result(res) == [(5, 0, 0, 77, "v")]


def test_unknown_sink_is_an_error(link):
    res = link.run_task(1, 0, inp(0), "bogus", {}, [("pickled", [pk([1])])])
    assert res[0] == "error" and "bogus" in res[1]["message"]
    assert result(link.run_task(2, 0, inp(0), "result", {}, [("pickled", [pk([1])])])) == [1]


def test_last_batch_may_come_with_end(link):
    """Forward-compatible: PwInput{end:true} carrying the final blob (one round trip saved)."""
    link.ch.send("PwTask", {"task_id": 9, "stage_id": 0, "partition": 0, "attempt": 0,
                            "plan": inp(0), "sink": "result", "new_funcs": [], "props": {}})
    op, body, _ = link.ch.recv()
    assert op == "PwRead"
    link.ch.send("PwInput", {"input": 0, "end": True, "format": "pickled"}, [pk([4, 5])])
    out = []
    while True:
        op, body, blobs = link.ch.recv()
        if op == "PwDone":
            break
        assert op == "PwOutput"
        out += [x for b in blobs for x in pickle.loads(b)]
    assert out == [4, 5]
