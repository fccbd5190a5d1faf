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


def test_pushed_input_needs_no_read(link):
    """The first reply sent with the task (its leaf marked "pushed", end=true): no PwRead."""
    funcs = {1: fn(lambda s, it: (x * 2 for x in it))}
    res = link.run_task(1, 0, apply(1, inp(0)), "result", funcs, [("pickled", [pk([1, 2, 3])])],
                        push=[0])
    assert result(res) == [2, 4, 6]
    assert "PwRead" not in link.log
    # the next task on the same worker pulls as before
    res = link.run_task(2, 0, apply(1, inp(0)), "result", funcs, [("pickled", [pk([5])])])
    assert result(res) == [10] and link.log.count("PwRead") == 2


def test_pushed_input_with_more_to_fetch(link):
    res = link.run_task(1, 0, inp(0), "result", {}, [("pickled", [pk([1, 2]), pk([3]), pk([4])])],
                        push=[0])
    assert result(res) == [1, 2, 3, 4]
    assert link.log.count("PwRead") == 3  # batches 2 and 3, then the end


def test_pushed_inputs_of_concat_and_zip(link):
    """Several inputs pushed: each is consumed by its own leaf, whatever order they come in."""
    plan = {"op": "concat", "children": [inp(0), inp(1)]}
    inputs = [("pickled", [pk([1]), pk([2])]), ("pickled", [pk([3])])]
    assert result(link.run_task(1, 0, plan, "result", {}, inputs, push=[1, 0])) == [1, 2, 3]
    plan = {"op": "zip", "children": [inp(0), inp(1)]}
    inputs = [("pickled", [pk([1, 2])]), ("pickled", [pk(["a"]), pk(["b"])])]
    assert result(link.run_task(2, 0, plan, "result", {}, inputs, push=[1])) == [(1, "a"), (2, "b")]


def test_pushed_input_unread_is_dropped_with_its_task(link):
    """A pushed reply the task never reads (the function ignores its input, or fails first)
    does not leak into the next task."""
    funcs = {1: fn(lambda s, it: iter([s])), 2: fn(lambda s, it: (1 // x for x in it))}
    assert result(link.run_task(1, 7, apply(1, inp(0), 7), "result", funcs,
                                [("pickled", [pk([1]), pk([2])])], push=[0])) == [7]
    res = link.run_task(2, 0, apply(2, inp(0)), "result", funcs,
                        [("pickled", [pk([0]), pk([1])])], push=[0])
    assert res[0] == "error" and res[1]["error_type"] == "ZeroDivisionError"
    assert result(link.run_task(3, 0, inp(0), "result", {}, [("pickled", [pk([8])])])) == [8]


def test_read_failing_after_pushed_input_ends_the_worker(link):
    """The executor fails the task and drops the worker when a read fails: after the pushed
    reply the worker asks for more, the connection closes, and the worker exits quietly."""
    res = link.run_task(1, 0, inp(0), "result", {}, [("pickled", [pk([1]), pk([2])])],
                        push=[0], fail_reads=[0])
    assert res == ("closed",)
    link.thread.join(5)
    assert not link.thread.is_alive()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_pushed_input_for_another_input_is_a_protocol_error(link):
    plan = dict(inp(0), pushed=True)
    link.ch.queue("PwTask", {"task_id": 9, "stage_id": 0, "partition": 0, "attempt": 0,
                             "plan": plan, "sink": "result", "new_funcs": [], "props": {}})
    link.ch.queue("PwInput", {"input": 1, "end": True, "format": "pickled"}, [pk([4])])
    link.ch.flush()
    link.thread.join(5)
    assert not link.thread.is_alive()  # the worker gave up on the connection


def test_group_replies_held_until_a_task_without_more(link):
    """A task sent with `more` (another follows in the same write, a task group) has its replies
    held and sent with the next task's; a failing task drops only its own pending output."""
    import select

    def queue(task_id, fid, more):
        link.ch.queue("PwTask", {"task_id": task_id, "stage_id": 0, "partition": task_id,
                                 "attempt": 0, "plan": _mark(apply(fid, inp(0))), "sink": "result",
                                 "new_funcs": [fid] if fid not in link.sent_funcs else [],
                                 "props": {}, "more": more},
                      [funcs[fid]] if fid not in link.sent_funcs else [])
        link.sent_funcs.add(fid)
        link.ch.queue("PwInput", {"input": 0, "end": True, "format": "pickled"}, [pk([task_id])])

    def _mark(plan):
        plan["child"]["pushed"] = True
        return plan

    def bad(s, it):
        for x in it:
            yield x
        raise ValueError("bad task")

    funcs = {1: fn(lambda s, it: (x * 10 for x in it)), 2: fn(bad)}
    queue(1, 1, True)
    link.ch.flush()
    # Task 1 is done, but its replies wait for the task that follows it.
    assert select.select([link.ch.sock], [], [], 0.2)[0] == []
    queue(2, 1, True)
    queue(3, 2, False)  # fails after its output was queued: only that output is dropped
    link.ch.flush()
    got = []
    while len(got) < 5:
        op, body, blobs = link.ch.recv()
        got.append((op, body.get("task_id"), [x for b in blobs for x in pickle.loads(b)]
                    if op == "PwOutput" else None))
    assert got == [("PwOutput", None, [10]), ("PwDone", 1, None),
                   ("PwOutput", None, [20]), ("PwDone", 2, None), ("PwError", 3, None)]
    # the worker goes on: a lone task (no `more`) is answered at once
    res = link.run_task(4, 0, apply(1, inp(0)), "result", funcs, [("pickled", [pk([4])])])
    assert result(res) == [40]
