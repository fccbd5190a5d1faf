"""An in-process stand-in for the C++ driver + executor, for testing the Python side alone.

FakeGateway answers the Python driver's requests (PyCreateContext, PyDefineRdd, PyRunJob, and the typed calls)
like the C++ driver would, and runs each task by playing the executor's part of the worker
protocol against a real sparkpp.worker served over socket.socketpair() in a thread. So a test
goes through the whole Python stack: RDD -> lineage messages -> task plans -> worker -> results.
"""
import os
import shutil
import socket
import tempfile
import struct
import threading

from sparkpp import _wire
from sparkpp.errors import error_from_reply
from sparkpp import worker as _worker


def _mark_pushed(plan, push):
    """A copy of `plan` whose input leaves in `push` say their first reply comes with the task."""
    plan = dict(plan)
    if plan.get("op") == "input" and plan["input"] in push:
        plan["pushed"] = True
    if "child" in plan:
        plan["child"] = _mark_pushed(plan["child"], push)
    if "children" in plan:
        plan["children"] = [_mark_pushed(c, push) for c in plan["children"]]
    return plan


class WorkerLink:
    """The executor's end of one Python worker connection."""

    def __init__(self):
        a, b = socket.socketpair()
        self.thread = threading.Thread(target=_worker.serve, args=(b,), daemon=True)
        self.thread.start()
        self.ch = _wire.Channel(a)
        self.ch.send("Hello", {"role": "executor", "proto": _wire.PROTOCOL_VERSION, "name": "fake", "secret": ""})
        op, body, _ = self.ch.recv()
        assert op == "HelloAck" and body["role"] == "pyworker", (op, body)
        self.worker_name = body["name"]
        self.sent_funcs = set()
        self.log = []  # ops received from the worker

    def run_task(self, task_id, partition, plan, sink, funcs, inputs, props=None, push=(),
                 fail_reads=(), per_read=1):
        """funcs: {fid: blob} used by the plan; inputs: [(format, [blob, ...]), ...]; push:
        inputs whose first batch goes with the task (their leaves marked "pushed"; end=true with
        it when it is the only one), in this order; fail_reads: inputs whose PwRead closes the
        connection, as the executor does when a read fails; per_read: batches per PwInput (the
        last ones go with end=true, as the executor sends a UDF program's). Returns ("done", output_blobs,
        records, accum_blob), ("error", body) or ("closed",)."""
        new = [fid for fid in sorted(funcs) if fid not in self.sent_funcs]
        if push:
            plan = _mark_pushed(plan, set(push))
        self.ch.queue("PwTask", {"task_id": task_id, "stage_id": 0, "partition": partition,
                                 "attempt": 0, "plan": plan, "sink": sink, "new_funcs": new,
                                 "props": props or {}},
                      [funcs[f] for f in new])
        self.sent_funcs.update(new)
        cursors = [0] * len(inputs)
        for i in push:
            fmt, data = inputs[i]
            cursors[i] = min(1, len(data))
            self.ch.queue("PwInput", {"input": i, "end": cursors[i] == len(data), "format": fmt},
                          data[:1])
        self.ch.flush()
        out, records = [], 0
        while True:
            op, body, blobs = self.ch.recv()
            self.log.append(op)
            if op == "PwRead":
                i = body["input"]
                if i in fail_reads:
                    self.ch.close()
                    return ("closed",)
                fmt, data = inputs[i]
                if per_read > 1:
                    part = data[cursors[i]:cursors[i] + per_read]
                    cursors[i] += len(part)
                    self.ch.send("PwInput", {"input": i, "end": len(part) < per_read, "format": fmt},
                                 part)
                elif cursors[i] < len(data):
                    self.ch.send("PwInput", {"input": i, "end": False, "format": fmt},
                                 [data[cursors[i]]])
                    cursors[i] += 1
                else:
                    self.ch.send("PwInput", {"input": i, "end": True, "format": fmt})
            elif op == "PwOutput":
                out.extend(blobs)
                records += body["records"]
            elif op == "PwDone":
                assert body["task_id"] == task_id
                assert body["accum_blob"] == (len(blobs) == 1)
                return "done", out, records, (blobs[0] if blobs else None)
            elif op == "PwError":
                assert body["task_id"] == task_id
                return "error", body
            else:
                raise AssertionError("unexpected op from worker: %s" % op)

    def close(self):
        self.ch.close()
        self.thread.join(5)


class FakeGateway:
    def __init__(self, default_parallelism=4, app_id="app-test-0000"):
        self.default_parallelism = default_parallelism
        self.app_id = app_id
        self.requests = []     # (op, body, number of blobs)
        self.nodes = {}
        self.calls = []
        self.link = WorkerLink()
        self.task_id = 0
        self.job_id = 0
        self.fids = {}         # rdd id -> function id
        self.func_blobs = {}
        self._closed = False
        # Broadcast values land here, as the executor keeps them for its Python workers.
        self.broadcast_dir = tempfile.mkdtemp(prefix="sparkpp-fake-bcast-")

    # No SQL engine here: DataFrames are not analysed eagerly (sql/_client.py).
    sql_engine = False

    # -- the Gateway interface
    def request(self, op, body, blobs=()):
        self.requests.append((op, dict(body), len(blobs)))
        handler = getattr(self, "_on_" + op)
        reply_op, reply, reply_blobs = handler(body, list(blobs))
        if reply_op == "PyError":
            raise error_from_reply(reply["kind"], reply["message"])
        return reply_op, reply, reply_blobs

    def send_request(self, op, body, blobs=(), defer=False):
        """Answered at once, as request(); the reply (or its error) waits for reply()."""
        self._req = getattr(self, "_req", 0) + 1
        try:
            self._pending = getattr(self, "_pending", {})
            self._pending[self._req] = ("ok", self.request(op, body, blobs))
        except Exception as e:
            self._pending[self._req] = ("error", e)
        return self._req

    def reply(self, req, op):
        kind, value = self._pending.pop(req)
        if kind == "error":
            raise value
        return value

    def abandon(self, req):
        self._pending.pop(req, None)

    def sent(self, op):
        return [b for o, b, _ in self.requests if o == op]

    # -- handlers
    def _on_PyCreateContext(self, body, blobs):
        conf = dict(body["conf"])
        self.nodes = {}  # RDD ids count from 0 in every context, as in the C++ driver
        return "PyContextInfo", {"app_id": self.app_id,
                                 "master": conf.get("spark.master", "local[4]"),
                                 "app_name": conf.get("spark.app.name", "test"),
                                 "default_parallelism": self.default_parallelism,
                                 "ui_url": "http://localhost:4040", "conf": conf}, []

    def _on_call(self, op, body, blobs):
        self.calls.append((op, {k: v for k, v in body.items() if k != "req"}))
        if op == "PyBroadcast":
            with open(os.path.join(self.broadcast_dir, "broadcast_%d" % body["id"]), "wb") as f:
                f.write(blobs[0])
        return "PyReply", {"value": None}, []

    def _on_PyBroadcast(self, body, blobs):
        return self._on_call("PyBroadcast", body, blobs)

    def _on_PyUnpersistBroadcast(self, body, blobs):
        return self._on_call("PyUnpersistBroadcast", body, blobs)

    def _on_PyPersist(self, body, blobs):
        return self._on_call("PyPersist", body, blobs)

    def _on_PyUnpersist(self, body, blobs):
        return self._on_call("PyUnpersist", body, blobs)

    def _on_PyForgetRdds(self, body, blobs):
        for rid in body["rdds"]:  # as the C++ driver: the lineage node goes
            self.nodes.pop(rid, None)
        return self._on_call("PyForgetRdds", body, blobs)

    def _on_PyCheckpointed(self, body, blobs):
        return self._on_call("PyCheckpointed", body, blobs)

    def _on_PySetLogLevel(self, body, blobs):
        return self._on_call("PySetLogLevel", body, blobs)

    def _on_PyAddPyFile(self, body, blobs):
        return self._on_call("PyAddPyFile", body, blobs)

    def _on_PyStopContext(self, body, blobs):
        return self._on_call("PyStopContext", body, blobs)

    def _on_PyDefineRdd(self, body, blobs):
        rid, kind = body["id"], body["kind"]
        assert rid not in self.nodes, "RDD %d defined twice" % rid
        for p in body["parents"]:
            assert p in self.nodes, "parent %d of %d not defined first" % (p, rid)
        node = dict(body, blobs=blobs)
        if kind == "parallelize":
            counts = body["args"]["batches"]
            assert len(counts) == body["num_partitions"] and sum(counts) == len(blobs)
            parts, pos = [], 0
            for c in counts:
                parts.append(blobs[pos:pos + c])
                pos += c
            node["parts"] = parts
            n = len(counts)
        elif kind in ("text_file", "whole_text_files"):
            files = []
            for p in body["args"]["paths"]:
                if os.path.isdir(p):
                    files += sorted(os.path.join(p, f) for f in os.listdir(p)
                                    if not f.startswith((".", "_")))
                elif os.path.exists(p):
                    files.append(p)
                else:
                    return "PyError", {"kind": "bad_request",
                                       "message": "Input path does not exist: %s" % p}, []
            m = max(1, body["args"]["min_partitions"])
            if kind == "text_file":
                lines = []
                for f in files:
                    with open(f, "rb") as fh:
                        lines += fh.read().decode("utf-8").splitlines()
                n = max(1, m) if lines else 1
                node["parts"] = [[("".join(x + "\n" for x in lines[i * len(lines) // n:
                                                                   (i + 1) * len(lines) // n])
                                   ).encode()] for i in range(n)]
            else:
                n = max(1, min(m, len(files)))
                groups = [files[i * len(files) // n:(i + 1) * len(files) // n] for i in range(n)]
                node["parts"] = []
                for g in groups:
                    part = []
                    for f in g:
                        with open(f, "rb") as fh:
                            p = f.encode()
                            part.append(struct.pack(">I", len(p)) + p + fh.read())
                    node["parts"].append(part)
        elif kind == "python":
            assert len(blobs) == 1 and len(body["parents"]) == 1
            self.fids[rid] = fid = len(self.func_blobs) + 100
            self.func_blobs[fid] = blobs[0]
            n = self.nodes[body["parents"][0]]["num_partitions"]
        elif kind == "union" and body["args"].get("partitioner_aware"):
            n = self.nodes[body["parents"][0]]["num_partitions"]
        elif kind == "union":
            n = sum(self.nodes[p]["num_partitions"] for p in body["parents"])
        elif kind == "coalesce":
            n = min(body["num_partitions"], self.nodes[body["parents"][0]]["num_partitions"])
        elif kind == "shuffled":
            n = body["num_partitions"]
            node["blocks"] = None  # map outputs, computed by the first plan that reads them
        elif kind == "zip":
            a, b = (self.nodes[p]["num_partitions"] for p in body["parents"])
            assert a == b
            n = a
        else:
            return "PyError", {"kind": "bad_request", "message": "unknown kind " + kind}, []
        node["num_partitions"] = n
        self.nodes[rid] = node
        return "PyDefined", {"id": rid, "num_partitions": n}, []

    def _plan(self, rid, p, inputs, funcs):
        node = self.nodes[rid]
        kind = node["kind"]
        if kind in ("parallelize", "text_file", "whole_text_files"):
            fmt = {"parallelize": "pickled", "text_file": "lines",
                   "whole_text_files": "files"}[kind]
            inputs.append((fmt, node["parts"][p]))
            return {"op": "input", "input": len(inputs) - 1, "format": fmt}
        if kind == "python":
            fid = self.fids[rid]
            funcs[fid] = self.func_blobs[fid]
            return {"op": "apply", "func": fid, "split": p,
                    "child": self._plan(node["parents"][0], p, inputs, funcs)}
        if kind == "union" and node["args"].get("partitioner_aware"):
            return {"op": "concat", "children": [self._plan(q, p, inputs, funcs)
                                                  for q in node["parents"]]}
        if kind == "union":
            for parent in node["parents"]:
                k = self.nodes[parent]["num_partitions"]
                if p < k:
                    return self._plan(parent, p, inputs, funcs)
                p -= k
            raise AssertionError("partition out of range")
        if kind == "coalesce":
            parent = node["parents"][0]
            pn, n = self.nodes[parent]["num_partitions"], node["num_partitions"]
            return {"op": "concat", "children": [
                self._plan(parent, q, inputs, funcs) for q in range(p * pn // n,
                                                                    (p + 1) * pn // n)]}
        if kind == "zip":
            return {"op": "zip", "children": [self._plan(q, p, inputs, funcs)
                                               for q in node["parents"]]}
        if kind == "shuffled":
            if node["blocks"] is None:
                node["blocks"] = self._run_map_stage(node)
            inputs.append(("pickled", node["blocks"][p]))
            return {"op": "input", "input": len(inputs) - 1, "format": "pickled"}
        raise AssertionError(kind)

    def _run_map_stage(self, node):
        """The shuffle's map tasks, run one after another: their blocks per reduce partition."""
        parent = node["parents"][0]
        blocks = [[] for _ in range(node["num_partitions"])]
        for q in range(self.nodes[parent]["num_partitions"]):
            inputs, funcs = [], {}
            plan = self._plan(parent, q, inputs, funcs)
            self.task_id += 1
            res = self.link.run_task(self.task_id, q, plan, "shuffle", funcs, inputs,
                                     {"spark.sparkpp.broadcastDir": self.broadcast_dir})
            assert res[0] == "done", res
            for b in res[1]:
                (r,) = struct.unpack(">I", b[:4])
                blocks[r].append(b[4:])
        return blocks

    def _on_PyRunJob(self, body, blobs):
        rid = body["rdd"]
        node = self.nodes[rid]
        parts = body["partitions"] or list(range(node["num_partitions"]))
        sink = body["sink"]
        counts, out, accums = [], [], []
        self.job_id += 1
        for i, p in enumerate(parts):
            inputs, funcs = [], {}
            plan = self._plan(rid, p, inputs, funcs)
            self.task_id += 1
            # every other task gets its inputs' first batches pushed with it, as the executor
            # does for in-memory inputs
            push = tuple(range(len(inputs))) if self.task_id % 2 else ()
            res = self.link.run_task(self.task_id, p, plan, sink["kind"], funcs, inputs,
                                     {"spark.sparkpp.broadcastDir": self.broadcast_dir}, push)
            if res[0] == "error":
                e = res[1]
                return "PyError", {"kind": "job_failed", "message": (
                    "Job aborted due to stage failure: Task %d in stage 0.0 failed: "
                    "PythonException: %s" % (p, e["traceback"]))}, []
            _, task_out, records, accum = res
            if sink["kind"] == "text":
                os.makedirs(sink["path"], exist_ok=True)
                with open(os.path.join(sink["path"], "part-%05d" % p), "wb") as f:
                    f.write(b"".join(task_out))
                counts.append(0)
            else:
                counts.append(len(task_out))
                out += task_out
            if accum is not None:
                accums.append(accum)
        if sink["kind"] == "text":
            open(os.path.join(sink["path"], "_SUCCESS"), "wb").close()
        return "PyJobResult", {"job_id": self.job_id, "counts": counts,
                               "accum_blobs": bool(accums),
                               "num_accum_blobs": len(accums)}, out + accums

    def close(self):
        self.link.close()
        shutil.rmtree(self.broadcast_dir, ignore_errors=True)  # no sparkpp-* dirs left in /tmp
