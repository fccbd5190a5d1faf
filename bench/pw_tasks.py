"""Per-task CPU of the Python worker alone: N W3-like tasks (one pushed [x] input, a count-style
function, result sink) sent in groups of 8 over a socketpair, the executor side played here.
    /usr/bin/python3 bench/pw_tasks.py src/pyworker 20000      # MORE=1: groups sent with `more`
PROF=1 writes a cProfile of the worker to /tmp/pw_tasks.prof. Benchmark, not a test."""
import os, sys, socket, time, resource, pickle
sys.path.insert(0, sys.argv[1])
from sparkpp import _wire, worker
import cloudpickle
N = int(sys.argv[2]); G = 8
a, b = socket.socketpair()
pid = os.fork()
if pid == 0:
    a.close()
    if os.environ.get("PROF"):
        import cProfile
        cProfile.run("worker.serve(b)", "/tmp/pw_tasks.prof")
    else:
        worker.serve(b)
    os._exit(0)
b.close()
ch = _wire.Channel(a)
ch.send("Hello", {"proto": _wire.PROTOCOL_VERSION, "build": "x"})
print(ch.recv()[0])
props = {"spark.sparkpp.broadcastDir": "/tmp/x/broadcast", "spark.python.worker.memory": "512m",
         "spark.app.id": "app-20261207-0001", "executor_id": "0", "spark.task.cpus": "1",
         "spark.sparkpp.resourcesDir": "/tmp/x/work/resources"}
f = cloudpickle.dumps(lambda split, it: [sum(1 for _ in it)])
data = pickle.dumps([7], 5)
t0 = time.perf_counter()
tid = 0
while tid < N:
    for k in range(G):
        body = {"task_id": tid + k, "stage_id": 1, "partition": tid + k, "attempt": 0,
                "plan": {"op": "apply", "func": 1, "split": tid + k, "child": {"op": "input", "input": 0, "pushed": True}},
                "sink": "result", "more": bool(os.environ.get("MORE")) and k < G - 1, "new_funcs": [1] if tid + k == 0 else [], "props": props}
        ch.queue("PwTask", body, [f] if tid + k == 0 else [])
        ch.queue("PwInput", {"input": 0, "end": True, "format": "pickled"}, [data])
    ch.flush()
    for k in range(G):
        while True:
            op, body, blobs = ch.recv()
            if op == "PwDone": break
            assert op == "PwOutput", (op, body)
    tid += G
dt = time.perf_counter() - t0
ch.close()
os.waitpid(pid, 0)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
me = resource.getrusage(resource.RUSAGE_SELF)
print("wall %.1f us/task; worker CPU %.1f us/task; bench side CPU %.1f us/task" % (dt / N * 1e6, (ru.ru_utime + ru.ru_stime) / N * 1e6, (me.ru_utime + me.ru_stime) / N * 1e6))
