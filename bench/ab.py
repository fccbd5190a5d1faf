#!/usr/bin/python3
"""Alternates one bench script between local[2] and a master + 2 one-core workers, so that
both see the same background load; prints each run's own timing line.

    SPARKPP_BIN=$PWD/build/sparkpp /usr/bin/python3 bench/ab.py [ROUNDS] [SCRIPT ARGS...]
    e.g. bench/ab.py 3 pi.py 1        (the default)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (bench/run.py: submit(), TwoWorkers)

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
script_args = sys.argv[2:] or ["pi.py", "1"]
with run.TwoWorkers(cores=1) as tw:
    for i in range(rounds):
        for name, master in (("local[2]", "local[2]"), ("cluster", tw.master.url)):
            seconds, out = run.submit(master, *script_args)
            timing = [l for l in out.splitlines() if l.startswith("W")]
            print(f"round {i + 1} {name:<9} submit {seconds:6.2f} s  {' | '.join(timing)}  "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
