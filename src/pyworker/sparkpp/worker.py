"""Python worker: runs the tasks an executor sends over one connection (docs/protocol.md,
"Executor <-> Python worker"). Reused across tasks; exits when the connection closes.

Per task:  PwTask (+ new function blobs) + one PwInput per input leaf marked "pushed" in its plan
           -> [PwRead -> PwInput]* / PwOutput* -> PwDone | PwError.
A user error becomes PwError (with the formatted traceback) and the worker waits for the next
task; only a broken connection or a protocol violation ends it.
"""
import os
import pickle
import sys
import threading
import struct
import traceback
from itertools import chain

from sparkpp import _external, _wire
from sparkpp import broadcast as _broadcast
from sparkpp import accumulators as _acc
from sparkpp.files import SparkFiles
from sparkpp.serializers import INPUT_DECODERS, UTF8LinesSerializer, dump_auto_batches
from sparkpp.taskcontext import TaskContext

OUTPUT_FLUSH_BYTES = 1 << 20   # queue output blobs up to this much before sending a PwOutput
_ZIP_MISMATCH = "Can only zip RDDs with same number of elements in each partition"
_END = object()


class _BrokenFunction:
    """Stands in for a function blob that failed to unpickle: every task using it fails with
    the original error (the executor believes this worker holds the function)."""

    def __init__(self, fid, exc):
        self.fid = fid
        self.exc = exc
        self.tb = traceback.format_exc()

    def __call__(self, split, iterator):
        raise self.exc.with_traceback(None)


def _zip(a, b):
    for x in a:
        y = next(b, _END)
        if y is _END:
            raise ValueError(_ZIP_MISMATCH)
        yield x, y
    if next(b, _END) is not _END:
        raise ValueError(_ZIP_MISMATCH)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _user_traceback(e):
    """A UDF's error as PySpark 3.5 shows it (spark.sql.execution.pyspark.udf.
    simplifiedTraceback.enabled): the worker's own frames left out, the user's kept."""
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        tb = tb.tb_next
    if tb is None:  # the error is ours, not the user's: show all of it
        return traceback.format_exc()
    return "".join(traceback.format_exception(type(e), e, tb))


def _error_type(e):
    t = type(e)
    if t.__module__ in ("builtins", "__main__"):
        return t.__qualname__
    return "%s.%s" % (t.__module__, t.__qualname__)


class Worker:
    def __init__(self, channel):
        self.ch = channel
        self.funcs = {}
        self._read_msgs = {}   # input index -> pre-encoded PwRead parts
        self._pushed = {}      # input index -> (body, blobs): a first reply sent with the task
        self._text_dump = UTF8LinesSerializer().dump_blobs
        self._sys_path_added = set()
        self._task_resources = None  # sparkpp._resources.TaskResources, when tasks ask for any
        # User code may pull a task's input from another thread (RDD.pipe does): the lock keeps
        # each PwRead->PwInput round trip whole, and `_task_seq` ends a stale reader's input as
        # soon as its task is over, so it can never consume the next task's messages.
        self._lock = threading.RLock()
        self._task_seq = 0
        self._reads_out = 0  # PwReads sent and not answered yet (0 or 1)
        self._shm = None  # the UDF program's batches shared with the executor (sql/_shm.py)
        self._shm_kept = None  # the last task's region, mapped still: the executor reuses them
        self._results = []  # a UDF program's result blobs not queued yet (_emit_results)
        self._result_rows = 0
        self._output_heads = {}  # (rows, batches) -> a PwOutput's encoded header
        # The last task's props and what they gave (every task of an executor carries the same
        # ones, mostly): applied again only when they change.
        self._props = None
        self._props_resources = False
        self._cpus = 1

    # ------------------------------------------------------------------ connection
    def handshake(self):
        op, body, _ = self.ch.recv()
        if op != "Hello":
            raise _wire.ProtocolError("expected Hello, got %s" % op)
        if body.get("proto") != _wire.PROTOCOL_VERSION:
            why = _wire.version_mismatch(body.get("proto"), body.get("build"))
            self.ch.send("HelloRefused", {"reason": why, "proto": _wire.PROTOCOL_VERSION,
                                          "build": _wire.build_id()})
            raise _wire.ProtocolError(why)
        self.ch.send("HelloAck", {"role": "pyworker", "proto": _wire.PROTOCOL_VERSION,
                                  "name": str(os.getpid()), "build": _wire.build_id()})

    def serve_forever(self):
        recv = self.ch.recv
        while True:
            try:
                op, body, blobs = recv()
            except _wire.ConnectionClosed:
                return
            if op != "PwTask":
                raise _wire.ProtocolError("expected PwTask, got %s" % op)
            if type(body.get("task_id")) is not int:
                raise _wire.ProtocolError("malformed PwTask: no task_id")
            self.run_task(body, blobs)

    # ------------------------------------------------------------------ one task
    def run_task(self, task, blobs):
        task_id = task["task_id"]
        ch = self.ch
        mark = ch.mark()  # replies held from the tasks before it (`more`) stay queued
        self._read_pushed(task["plan"])
        try:
            for fid in task.get("drop_funcs") or ():  # released by the ContextCleaner
                self.funcs.pop(fid, None)
            for bid in task.get("drop_broadcasts") or ():
                _broadcast._broadcastRegistry.pop(bid, None)
            props = task["props"] or {}
            if props != self._props:  # before unpickling: functions may import --py-files modules
                if props:
                    self._apply_props(props)
                self._props = props
                self._props_resources = any(k.startswith("spark.task.resource.") for k in props)
                self._cpus = int(props.get("spark.task.cpus", 1))
            self._load_funcs(task["new_funcs"], blobs)
            resources = None
            if self._props_resources:
                if self._task_resources is None:
                    from sparkpp._resources import TaskResources
                    self._task_resources = TaskResources()
                resources = self._task_resources.acquire(props)
            TaskContext._taskContext = TaskContext(
                task["stage_id"], task["partition"], task["attempt"], task_id, props,
                self._cpus, resources)
            it = self._build(task["plan"], self._task_seq)
            sink = task["sink"]
            if sink == "result":
                self._write(it, dump_auto_batches)
            elif sink == "text":
                self._write(it, self._text_dump)
            elif sink == "shuffle":
                self._write(it, _shuffle_blobs)
            elif sink == "sqlbatch":
                self._write_batches(it)
            else:
                raise NotImplementedError("sink %r is not supported by this worker yet "
                                          "(shuffle: issue #4)" % sink)
        except (_wire.ConnectionClosed, _wire.ProtocolError):
            raise
        except BaseException as e:  # user code, including SystemExit/KeyboardInterrupt in it
            tb = (_user_traceback(e) if task.get("sink") == "sqlbatch"
                  else traceback.format_exc())
            with self._lock:
                self._task_seq += 1
                _acc._reset_task_updates()
                _external.take_spill_metrics()
                ch.discard(mark)
                self._results.clear()
                self._result_rows = 0
                self._take_pending_input()
                ch.send("PwError", {"task_id": task_id, "error_type": _error_type(e),
                                    "message": str(e), "traceback": tb})
            return
        finally:
            self._pushed = {}  # a pushed reply its task never read goes with it
            if self._shm is not None:
                self._shm_kept, self._shm = self._shm, None
            TaskContext._taskContext = None
            if self._task_resources is not None:
                self._task_resources.release()
        with self._lock:
            self._task_seq += 1
            self._done(task_id, task.get("more") is True)

    def _done(self, task_id, hold):
        """PwDone; held with the task's output when another task follows in the executor's
        write (`more`): they leave with the next reply that is sent (docs/protocol.md "Task
        groups"), so a group of tasks costs one write and one wake-up of the executor."""
        ch = self.ch
        updates = _acc._take_task_updates()
        mem_spilled, disk_spilled = _external.take_spill_metrics()
        if updates is None and not mem_spilled and not disk_spilled and type(task_id) is int:
            ch.queue_parts(_done_parts(task_id))
        elif updates is None:
            ch.queue("PwDone", {"task_id": task_id, "memory_spilled": mem_spilled,
                                "disk_spilled": disk_spilled, "accum_blob": False})
        else:
            ch.queue("PwDone", {"task_id": task_id, "memory_spilled": mem_spilled,
                                "disk_spilled": disk_spilled, "accum_blob": True},
                     [pickle.dumps(updates, pickle.HIGHEST_PROTOCOL)])
        if not hold:
            ch.flush()

    def _read_pushed(self, plan):
        """The first replies of the plan's `pushed` inputs follow the task unasked (one PwInput
        each, any order); they are all read before anything is written, as the executor writes
        them all before it reads."""
        want = set()
        stack = [plan]
        while stack:  # a malformed plan fails later, in _build, as the task's error
            node = stack.pop()
            if type(node) is not dict:
                continue
            op = node.get("op")
            if op == "input":
                if node.get("pushed") is True:
                    want.add(node.get("input"))
            elif op == "apply":
                stack.append(node.get("child"))
            elif op == "concat" or op == "zip":
                children = node.get("children")
                if type(children) is list:
                    stack.extend(children)
        pushed = {}
        recv = self.ch.recv
        for _ in range(len(want)):
            op, body, blobs = recv()
            idx = body.get("input")
            if op != "PwInput" or idx not in want or idx in pushed:
                raise _wire.ProtocolError("expected a pushed PwInput for one of inputs %s, got %s %s"
                                          % (sorted(want), op, idx))
            pushed[idx] = (body, blobs)
        self._pushed = pushed

    def _load_funcs(self, ids, blobs):
        if len(ids) != len(blobs):
            raise _wire.ProtocolError("PwTask lists %d new functions but carries %d blobs"
                                      % (len(ids), len(blobs)))
        for fid, blob in zip(ids, blobs):
            try:
                self.funcs[fid] = pickle.loads(blob)
            except Exception as e:
                self.funcs[fid] = _BrokenFunction(fid, e)

    def _apply_props(self, props):
        # PROPOSAL (not in docs/protocol.md yet): files added with addPyFile after this worker
        # started, and the SparkFiles root, as task properties.
        includes = props.get("spark.sparkpp.pyFiles")
        if includes:
            for p in includes.split(os.pathsep):
                if p and p not in self._sys_path_added:
                    self._sys_path_added.add(p)
                    sys.path.insert(1, p)
        bdir = props.get("spark.sparkpp.broadcastDir")
        if bdir:
            _broadcast._set_broadcast_dir(bdir)
        root = props.get("spark.files.root")
        if root:
            SparkFiles._root_directory = root
            SparkFiles._is_running_on_worker = True

    def _build(self, plan, seq):
        op = plan["op"]
        if op == "apply":
            fid = plan["func"]
            f = self.funcs.get(fid)
            if f is None:
                raise _wire.ProtocolError("function %d was never sent to this worker" % fid)
            return iter(f(plan["split"], self._build(plan["child"], seq)))
        if op == "udf":
            from sparkpp.sql._udf_eval import UdfProgram
            prog = UdfProgram(plan["program"], self._funcs_of(plan["program"]))
            if plan.get("shm") is not None:
                # The executor offers a shared region: say whether it is mapped before the first
                # PwRead (it then writes argument batches there; results go there in turn).
                from sparkpp.sql import _shm
                self._shm = _shm.SharedBatches.open(plan["shm"], self._shm_kept)
                if self._shm is not self._shm_kept and self._shm_kept is not None:
                    self._shm_kept.close()  # another region now: one is kept at a time
                    self._shm_kept = None
                prog.parts = self._shm is not None
                if self._shm is not None:
                    # Scalar programs are done with a batch when its result is queued; an
                    # iterator UDF or mapInPandas may keep one: theirs are copied out.
                    self._shm.reset(copy_in=prog.eval_type not in (100, 200))
                with self._lock:
                    self.ch.queue("PwOutput", {"records": 0},
                                  [_shm.ACK.pack(b"SPBA", int(self._shm is not None))])
            # Ahead except for windows (WindowInPandas hands over one batch per call and wants
            # its results before the next exists).
            ahead = plan["program"].get("evalType", 100) != 203
            return prog.run(self._input(plan["input"], seq, ahead=ahead))
        if op == "input":
            if plan.get("format") == "sqlbatch":  # df.rdd: each SPB1 stream is one element
                return self._input(plan["input"], seq)
            # batches flattened in C: a generator resuming per record costs ~20 ns each
            return chain.from_iterable(self._input(plan["input"], seq))
        if op == "concat":
            return chain.from_iterable(self._build(c, seq) for c in plan["children"])
        if op == "zip":
            a, b = plan["children"]
            return _zip(self._build(a, seq), self._build(b, seq))
        raise _wire.ProtocolError("unknown plan op %r" % op)

    def _funcs_of(self, program):
        funcs = {}
        for u in program["udfs"]:
            f = self.funcs.get(u["funcId"])
            if f is None:
                raise _wire.ProtocolError("function %d was never sent to this worker" % u["funcId"])
            if isinstance(f, _BrokenFunction):
                raise f.exc.with_traceback(None)
            funcs[u["funcId"]] = f
        return funcs

    def _write_batches(self, it):
        """BatchEvalPython: the result batches (shared-region references or inline batches) are
        gathered and leave as one PwOutput with the next PwRead (_emit_results), or before
        PwDone: one message per PwInput's results instead of one per batch."""
        shm = self._shm
        out = self._results
        for blob, n in it:
            if type(blob) is list:  # parts of one batch (encode_parts)
                blob = shm.put(blob) if shm is not None else b"".join(blob)
            out.append(blob)
            self._result_rows += n
        with self._lock:  # before PwDone
            self._emit_results()

    def _emit_results(self):
        """Queues the gathered results as one PwOutput (call under the lock, before a PwRead:
        the PwInput answering it acknowledges their slots, sql/_shm.py)."""
        out = self._results
        if not out:
            return
        key = (self._result_rows, len(out))
        head = self._output_heads.get(key)
        if head is None:
            if len(self._output_heads) > 64:
                self._output_heads.clear()
            head = self._output_heads[key] = _wire.encode_message(
                "PwOutput", {"records": key[0]}, [b""] * key[1])[:2]
        parts = list(head)
        blob_head = _wire.blob_frame_header
        for blob in out:
            parts.append(blob_head(len(blob)))
            parts.append(blob)
        self.ch.queue_parts(parts)
        out.clear()
        self._result_rows = 0

    def _input(self, idx, seq, ahead=False):
        """Yields the decoded batches (lists of records) of input `idx` until its end, pulling
        them as they are needed; sending PwRead also flushes output.

        ahead (SQL UDF programs): the PwRead for the next batch leaves as soon as a batch
        arrives, so the executor computes the next arguments (and consumes the last results)
        while Python works on this one. The worker still reads that pending input before it
        writes anything else, so neither side can block writing to the other: the executor
        writes input only in answer to a PwRead, and one at most is outstanding."""
        ch = self.ch
        lock = self._lock
        shm = self._shm if ahead else None  # its result slots are acknowledged by PwInputs
        parts = self._read_msgs.get(idx)
        if parts is None:
            parts = self._read_msgs[idx] = _wire.encode_message("PwRead", {"input": idx})
        while True:
            with lock:
                if self._task_seq != seq:
                    return  # a thread still reading after its task ended
                first = self._pushed.pop(idx, None) if self._pushed else None
                if first is not None:
                    body, blobs = first
                else:
                    if not self._reads_out:
                        self._emit_results()
                        ch.queue_parts(parts)
                        if shm is not None:
                            shm.read_sent()
                        ch.flush()
                        self._reads_out = 1
                    op, body, blobs = ch.recv()
                    if op != "PwInput":
                        raise _wire.ProtocolError("expected PwInput, got %s" % op)
                    self._reads_out = 0
                    if shm is not None:
                        shm.input_received()
                if ahead and not body["end"]:
                    self._emit_results()
                    ch.queue_parts(parts)  # with the last batch's results, if any
                    if shm is not None:
                        shm.read_sent()
                    ch.flush()
                    self._reads_out = 1
            if blobs:
                decode = (self._shm.decode if body["format"] == "sqlshm" and self._shm is not None
                          else INPUT_DECODERS.get(body["format"]))
                if decode is None:
                    raise _wire.ProtocolError("unknown input format %r" % body["format"])
                for b in blobs:
                    yield decode(b)
            # A PwInput carries one or more batches; end=true may come with the last ones.
            if body["end"]:
                return

    def _take_pending_input(self):
        """A failed task's input still on its way (asked for ahead) is read and dropped, so
        that the executor is never left writing it while it waits for the error."""
        while self._reads_out:
            op, _, _ = self.ch.recv()
            if op != "PwInput":
                raise _wire.ProtocolError("expected PwInput, got %s" % op)
            self._reads_out = 0

    def _write(self, it, dump):
        ch = self.ch
        pending = []
        size = 0
        records = 0
        for blob, n in dump(it):
            pending.append(blob)
            size += len(blob)
            records += n
            if size >= OUTPUT_FLUSH_BYTES:
                with self._lock:
                    ch.queue("PwOutput", {"records": records}, pending)
                    ch.flush()
                pending = []
                size = 0
                records = 0
        if pending:  # leaves together with PwDone
            with self._lock:
                if len(pending) == 1:  # a small task's output: the header without json
                    ch.queue_parts(_output_head(records) + [_wire.blob_frame_header(size), pending[0]])
                else:
                    ch.queue("PwOutput", {"records": records}, pending)


_OUTPUT_HEADS = {}


def _output_head(records):
    """The encoded J frame of PwOutput{records} with one blob (cached: records repeat)."""
    head = _OUTPUT_HEADS.get(records)
    if head is None:
        if len(_OUTPUT_HEADS) > 64:
            _OUTPUT_HEADS.clear()
        head = _OUTPUT_HEADS[records] = _wire.encode_message("PwOutput", {"records": records}, [b""])[:2]
    return head


_DONE_TEMPLATE = None


def _done_parts(task_id):
    """PwDone{task_id, 0, 0, accum_blob: false} encoded from a template (json.dumps of the same
    body gives the same bytes: the task id is the only field that varies)."""
    global _DONE_TEMPLATE
    if _DONE_TEMPLATE is None:
        j = _wire.encode_message("PwDone", {"task_id": -987654321, "memory_spilled": 0,
                                            "disk_spilled": 0, "accum_blob": False})[1]
        _DONE_TEMPLATE = j.decode().replace("-987654321", "%d").encode()
    j = _DONE_TEMPLATE % task_id
    return [_wire.frame_header_j(len(j)), j]


def _shuffle_blobs(iterator):
    """`shuffle` sink: the map side yields (reduce_partition, pickled list of pairs)."""
    pack = struct.Struct(">I").pack
    for p, payload in iterator:
        yield pack(p) + payload, 1


def serve(sock):
    """Runs a worker on a connected socket until the executor closes it."""
    ch = _wire.Channel(sock)
    try:
        w = Worker(ch)
        w.handshake()
        w.serve_forever()
    except _wire.ConnectionClosed:
        pass
    finally:
        try:
            ch.close()
        except OSError:
            pass
