"""Custom resources (GPUs, FPGAs...) as Spark's: discovery scripts print
{"name": ..., "addresses": [...]}; the driver's are sc.resources, an executor's are shared out
to its tasks (TaskContext.resources()) by spark.task.resource.<name>.amount.

The driver schedules no more tasks on an executor than its resources allow (Driver::task_slots);
which addresses a task holds is decided here, in the Python worker running it, with one lock
file per (address, share) in the executor's resources directory: concurrent tasks of one
executor never hold the same address (or, for a fractional amount, more than 1/amount tasks
share one).
"""
import errno
import fcntl
import json
import math
import os
import subprocess

from sparkpp.resource.information import ResourceInformation


def _names(conf, prefix, suffix=".amount"):
    """Resource names configured as `prefix<name>suffix` (spark.driver.resource.gpu.amount)."""
    out = []
    for k in conf:
        if k.startswith(prefix) and k.endswith(suffix) and len(k) > len(prefix) + len(suffix):
            out.append(k[len(prefix):-len(suffix)])
    return sorted(set(out))


def discover(name, script):
    """Runs a discovery script; its JSON output must name `name`."""
    try:
        try:
            out = subprocess.run([script], stdout=subprocess.PIPE, check=True, timeout=120).stdout
        except OSError as e:
            if e.errno != errno.ENOEXEC:
                raise
            # no #! line: a shell script, as the JVM's process launcher (and execvp) run it
            out = subprocess.run(["/bin/sh", script], stdout=subprocess.PIPE, check=True,
                                 timeout=120).stdout
    except (OSError, subprocess.SubprocessError) as e:
        raise RuntimeError("Error running the resource discovery script %s for %s: %s"
                           % (script, name, e)) from e
    try:
        info = json.loads(out.decode("utf-8"))
        found, addresses = info["name"], [str(a) for a in info.get("addresses", [])]
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise RuntimeError("Error parsing JSON into ResourceInformation:\n%s"
                           % out.decode("utf-8", "replace").strip()) from e
    if found != name:
        raise RuntimeError("Error running the resource discovery script %s: script returned "
                           "resource name %s and we were expecting %s." % (script, found, name))
    return addresses


def driver_resources(conf):
    """sc.resources: spark.driver.resource.<name>.amount with its discoveryScript."""
    out = {}
    for name in _names(conf, "spark.driver.resource."):
        prefix = "spark.driver.resource.%s." % name
        script = conf.get(prefix + "discoveryScript")
        if not script:
            raise RuntimeError("User is expecting to use resource: %s, but didn't specify a "
                               "discovery script!" % name)
        addresses = discover(name, script)
        amount = int(float(conf.get(prefix + "amount", "0")))
        if len(addresses) < amount:
            raise RuntimeError("Resource: %s, with addresses: %s is less than what the user "
                               "requested: %d)" % (name, ",".join(addresses), amount))
        out[name] = ResourceInformation(name, addresses)
    return out


_executor_addresses = {}  # name -> the executor's addresses (discovered once per worker)


def _executor_resource(props, name):
    got = _executor_addresses.get(name)
    if got is None:
        amount = int(float(props.get("spark.executor.resource.%s.amount" % name, "0") or 0))
        # An executor's own script, else its worker's (standalone workers discover theirs).
        script = (props.get("spark.executor.resource.%s.discoveryScript" % name)
                  or props.get("spark.worker.resource.%s.discoveryScript" % name))
        got = discover(name, script) if script else []
        if amount > 0:
            got = got[:amount]
        _executor_addresses[name] = got
    return got


class TaskResources:
    """The addresses one task holds: acquire() before it runs, release() after."""

    def __init__(self):
        self._held = []

    def acquire(self, props):
        self.release()
        out = {}
        lock_dir = props.get("spark.sparkpp.resourcesDir")
        for name in _names(props, "spark.task.resource."):
            try:
                need = float(props["spark.task.resource.%s.amount" % name])
            except ValueError:
                continue
            addresses = _executor_resource(props, name)
            if need <= 0 or not addresses:
                continue
            shares = max(1, int(math.floor(1 / need + 1e-9))) if need < 1 else 1
            count = 1 if need < 1 else int(math.ceil(need))
            out[name] = ResourceInformation(name, self._take(lock_dir, name, addresses,
                                                             count, shares))
        return out

    def _take(self, lock_dir, name, addresses, count, shares):
        if not lock_dir:
            return addresses[:count]
        os.makedirs(lock_dir, exist_ok=True)
        taken = []
        for addr in addresses:
            for share in range(shares):
                path = os.path.join(lock_dir, "%s-%s-%d.lock" % (name, addr.replace("/", "_"), share))
                fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    os.close(fd)
                    continue
                self._held.append(fd)
                taken.append(addr)
                break
            if len(taken) == count:
                return taken
        # More concurrent tasks than addresses (the driver's slots prevent it): share.
        return taken + [a for a in addresses if a not in taken][:count - len(taken)]

    def release(self):
        for fd in self._held:
            try:
                os.close(fd)  # drops the lock
            except OSError:
                pass
        self._held = []
