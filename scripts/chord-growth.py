#!/usr/bin/env python3
"""Summarises a Chord run for issue 19 (docs/chord.md, "Growing a ring"):
lookups per time bin (count, success, mean hops, failure reasons) and the
final successors and predecessors against the true ring of live peers.

usage: chord-growth.py TRACE.h5 [--bin SECONDS] [--from SECONDS]

The true ring is computed here from ring_id_of (SplitMix64, as in
include/p2pgrid/core/ids.hpp), independently of the protocol.
"""
import argparse
import math
import sys

import h5py
import numpy as np

REASONS = {0: "ok", 1: "timeouts", 2: "hop limit", 3: "no route", 4: "not joined", 5: "busy"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("--bin", type=float, default=100.0, help="bin width in simulated seconds")
    ap.add_argument("--from", dest="start", type=float, default=None,
                    help="also summarise lookups issued from this time on")
    a = ap.parse_args()
    f = h5py.File(a.trace, "r")
    if "lookups" in f:
        lk = f["lookups"][()]
        t = lk["time"] / 1e9
        edges = np.arange(0, t.max() + a.bin, a.bin) if len(t) else []
        print(f"{'from s':>7} {'to s':>7} {'lookups':>9} {'ok %':>7} {'mean hops':>9}  failures by reason")
        for lo in edges:
            m = (t >= lo) & (t < lo + a.bin)
            summarise(lo, lo + a.bin, lk[m])
        if a.start is not None:
            late = lk[t >= a.start]
            summarise(a.start, math.inf, late)
            if "chord_snapshot" in f:
                # Every peer has joined by --from (the caller's claim): the
                # true owner is the successor of the key among the live peers.
                snap = f["chord_snapshot"][()]
                alive = snap[snap["alive"] == 1]
                order = np.argsort(alive["id"])
                ids, peers = alive["id"][order], alive["peer"][order]
                at = np.searchsorted(ids, late["key"], side="left") % len(ids)
                ok = late["outcome"] == 0
                right = ok & (late["result"] == peers[at])
                print(f"  from {a.start:.0f} s: {int(ok.sum())} answered, {int(right.sum())} the true owner "
                      f"({100.0 * right.sum() / max(1, len(late)):.3f}% of all); 0.5 log2 N = "
                      f"{0.5 * math.log2(len(ids)):.2f}")
        summarise(0, math.inf, lk)
    if "chord_snapshot" in f:
        snap = f["chord_snapshot"][()]
        alive = snap[snap["alive"] == 1]
        order = np.argsort(alive["id"])
        peers = alive["peer"][order]
        nxt = np.roll(peers, -1)
        prv = np.roll(peers, 1)
        succ = dict(zip(alive["peer"], alive["successor"]))
        pred = dict(zip(alive["peer"], alive["predecessor"]))
        bad_s = sum(1 for p, s in zip(peers, nxt) if succ[p] != s)
        bad_p = sum(1 for p, q in zip(peers, prv) if pred[p] != q)
        print(f"snapshot: {len(alive)} live peers, {bad_s} wrong successors, {bad_p} wrong predecessors")
    if "engine" in f:
        e = f["engine"][()]
        print("engine:", {n: int(e[n].sum()) for n in e.dtype.names if np.issubdtype(e[n].dtype, np.integer)})


def summarise(lo, hi, rows):
    n = len(rows)
    if n == 0:
        return
    ok = rows["outcome"] == 0
    reasons = {REASONS.get(int(k), str(k)): int(v) for k, v in zip(*np.unique(rows["outcome"][~ok], return_counts=True))}
    hi_s = "end" if hi == math.inf else f"{hi:.0f}"
    print(f"{lo:7.0f} {hi_s:>7} {n:9d} {100.0 * ok.mean():7.2f} {rows['hops'].mean():9.2f}  {reasons}")


if __name__ == "__main__":
    sys.exit(main())
