#!/usr/bin/python3
"""kill -9 at random moments of runs that flush their trace every millisecond.

A killed run must keep every row up to its last completed flush (issue 18):
every file must open, and each table must hold at least the rows the run
reported in its last "trace: flush N complete" line (trace.flush_log), equal
to the same rows of a run that was not killed. A run killed before its first
flush completed promises nothing and is only counted.

    tests/trace/kill_during_flush.py --p2pgrid build/release/src/app/p2pgrid --kills 50
"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time

import h5py

# Tables whose rows hold wall-clock measurements: their counts are checked, not their values.
FILLED_AT_END = {"nodes": ("jobs_run", "busy")}
WALL_CLOCK = {"engine"}
FLUSH = re.compile(r"^trace: flush (\d+) complete:(.*)$")


def run(p2pgrid, config, sets, out, log):
    cmd = [p2pgrid, "run", config, "-o", out, "--set", "trace.flush_interval=1ms", "--set", "trace.flush_log=true",
           "--set", "progress.mode=plain"]
    for s in sets:
        cmd += ["--set", s]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)


def same_rows(name, got, want):
    """Equal rows, except columns a complete run fills in only at its end
    (the nodes table's load figures: a killed run keeps them at 0)."""
    fields = [c for c in want.dtype.names if c not in FILLED_AT_END.get(name, ())]
    return all((got[c] == want[c]).all() for c in fields)


def last_flush(log_path):
    rows = None
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            m = FLUSH.match(line.rstrip("\n"))
            if m:
                rows = {name: int(n) for name, n in (kv.split("=") for kv in m.group(2).split())}
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--p2pgrid", required=True)
    ap.add_argument("--config", default=os.path.join(os.path.dirname(__file__), "..", "..", "configs",
                                                     "chord-small.toml"))
    ap.add_argument("--set", action="append", default=[], dest="sets", help="extra --set for every run")
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1, help="of the kill moments")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="p2pgrid_kill_") as tmp:
        ref_path = os.path.join(tmp, "reference.h5")
        with open(os.path.join(tmp, "reference.log"), "w") as log:
            start = time.monotonic()
            if run(args.p2pgrid, args.config, args.sets, ref_path, log).wait() != 0:
                sys.exit("the reference run failed")
            wall = time.monotonic() - start
        with h5py.File(ref_path, "r") as f:
            reference = {name: f[name][:] for name in f.keys()}

        failures = []
        checked = early = 0
        for k in range(args.kills):
            out = os.path.join(tmp, f"killed-{k}.h5")
            log_path = os.path.join(tmp, f"killed-{k}.log")
            delay = rng.uniform(0.0, wall)
            with open(log_path, "w") as log:
                proc = run(args.p2pgrid, args.config, args.sets, out, log)
                time.sleep(delay)
                proc.kill()  # SIGKILL
                proc.wait()
            expected = last_flush(log_path)
            if expected is None:
                early += 1
                continue
            checked += 1
            try:
                with h5py.File(out, "r") as f:
                    for name, n in expected.items():
                        rows = f[name][:]  # every row must be readable, not only the promised ones
                        if len(rows) < n:
                            failures.append(f"kill {k} at {delay:.3f} s: {name} has {len(rows)} rows, flushed {n}")
                        elif name not in WALL_CLOCK and not same_rows(name, rows[:n], reference[name][:n]):
                            failures.append(f"kill {k} at {delay:.3f} s: {name}: the first {n} rows differ")
            except Exception as e:  # noqa: BLE001 -- any failure to read is the defect
                failures.append(f"kill {k} at {delay:.3f} s: unreadable after flush: {type(e).__name__}: {e}")
            os.remove(out)
        print(f"{args.kills} kills over {wall:.1f} s runs: {checked} after a completed flush checked, "
              f"{early} before the first flush, {len(failures)} failed")
        for f in failures:
            print("  " + f)
        sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
