#!/usr/bin/python3
"""Checks the HDF5 traces of a Slurm run: each file exists, is marked complete,
holds the expected tables, was written by the expected number of ranks, and
matches an independent run of the same scenario (the determinism rule: the
same trace on any number of ranks).

  check_traces.py --trace T.h5 --ranks 2 --tables engine,phold [--peers N]
                  [--reference REF.h5 --compare phold] [--log JOB.log]

Exit 0 when every check passes; otherwise prints each failure and exits 1.
"""
import argparse
import re
import sys

import h5py
import numpy as np


def find_table(f, name):
    """The dataset called `name`, at the root or in any group."""
    if name in f and isinstance(f[name], h5py.Dataset):
        return f[name]
    found = []
    f.visititems(lambda path, obj: found.append(obj) if isinstance(obj, h5py.Dataset)
                 and path.rsplit("/", 1)[-1] == name else None)
    return found[0] if len(found) == 1 else None


def sorted_rows(ds):
    rows = ds[...]
    key = rows.dtype.names[0]  # tables lead with their key fields
    return rows[np.argsort(rows[key], kind="stable")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trace", required=True)
    ap.add_argument("--ranks", type=int, required=True)
    ap.add_argument("--tables", required=True, help="comma-separated table names")
    ap.add_argument("--peers", type=int, help="rows expected in the protocol table named first after engine")
    ap.add_argument("--reference", help="trace of the same scenario from an independent run")
    ap.add_argument("--compare", default="", help="comma-separated tables that must equal the reference's")
    ap.add_argument("--log", help="the job log; its summary total must equal the engine table's events")
    a = ap.parse_args()
    errors = []

    def fail(msg):
        errors.append(f"{a.trace}: {msg}")

    try:
        f = h5py.File(a.trace, "r")
    except OSError as e:
        print(f"{a.trace}: cannot open: {e}", file=sys.stderr)
        return 1
    with f:
        complete = f.attrs.get("complete")
        if complete is None or int(np.asarray(complete).ravel()[0]) != 1:
            fail(f"root attribute complete is {complete!r}, not 1 (the run did not close its trace)")
        tables = [t for t in a.tables.split(",") if t]
        for t in tables:
            if find_table(f, t) is None:
                fail(f"no table '{t}'")
        engine = find_table(f, "engine")
        if engine is not None:
            ranks = sorted(int(r) for r in engine["rank"])
            if ranks != list(range(a.ranks)):
                fail(f"engine table has ranks {ranks}, expected 0..{a.ranks - 1} (a {a.ranks}-rank run)")
            events = int(np.sum(engine["events"]))
            if a.log:
                text = open(a.log, encoding="utf-8", errors="replace").read()
                totals = re.findall(r"^\s*total: (\d+) events", text, re.M)
                if len(totals) != 1:
                    fail(f"{a.log}: expected one summary total line (rank 0 only), found {len(totals)}")
                elif int(totals[0]) != events:
                    fail(f"{a.log} reports {totals[0]} events, the engine table sums to {events}")
        proto = [t for t in tables if t != "engine"]
        if a.peers is not None and proto:
            ds = find_table(f, proto[0])
            if ds is not None and ds.shape[0] != a.peers:
                fail(f"table '{proto[0]}' has {ds.shape[0]} rows, expected {a.peers} (one per live peer)")
        if a.reference:
            with h5py.File(a.reference, "r") as ref:
                for t in [t for t in a.compare.split(",") if t]:
                    mine, theirs = find_table(f, t), find_table(ref, t)
                    if mine is None or theirs is None:
                        fail(f"table '{t}' missing here or in {a.reference}")
                    elif mine.dtype != theirs.dtype or not np.array_equal(sorted_rows(mine), sorted_rows(theirs)):
                        fail(f"table '{t}' differs from {a.reference} (same scenario, other rank count)")
    for e in errors:
        print(e, file=sys.stderr)
    if not errors:
        print(f"{a.trace}: complete, tables {a.tables}, {a.ranks} ranks" +
              (f", '{a.compare}' equals the reference" if a.reference else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
