"""Process facts the benchmark jobs sample from /proc (imported inside their job scripts, with
bench/ on sys.path via BENCH_DIR): resident memory in MiB and the command line."""


def rss(pid):
    """VmRSS of `pid` in MiB, 0 when the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return [int(line.split()[1]) for line in f if line.startswith("VmRSS")][0] / 1024
    except (OSError, IndexError):
        return 0.0


def cmd(pid):
    """The command line of `pid`, "" when the process is gone."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode()
    except OSError:
        return ""
