#!/usr/bin/python3
"""Writes a sweep table for sweep.sbatch: every config x every combination of
the varied keys x every replicate seed, one row per array task.

  jobs/slurm/make_sweep.py --config configs/phold-small.toml \\
      --vary network.loss=0,0.01,0.05 --vary phold.initial=1,4 --seeds 1-3 > my-sweep.tsv

Rows are LABEL CONFIG SEED key=value...; labels are built from the config
name, the varied values and the seed, so the outputs say what they hold.
"""
import argparse
import itertools
import os
import re
import sys


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part.strip())
        if not m:
            raise SystemExit(f"make_sweep: --seeds: '{part}' is not N or N-M")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi < lo:
            raise SystemExit(f"make_sweep: --seeds: range '{part}' is empty")
        seeds.extend(range(lo, hi + 1))
    if len(set(seeds)) != len(seeds):
        raise SystemExit("make_sweep: --seeds lists a seed twice")
    return seeds


def parse_vary(text):
    key, sep, values = text.partition("=")
    if not sep or not key or not values:
        raise SystemExit(f"make_sweep: --vary '{text}' is not key=v1,v2,...")
    vals = [v for v in values.split(",")]
    if any(not v or re.search(r"\s|#", v) for v in vals):
        raise SystemExit(f"make_sweep: --vary '{text}': values may not be empty or hold blanks or '#'")
    return key, vals


def label_part(key, value):
    short = key.rsplit(".", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"{short}{value}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", action="append", required=True, help="scenario file (repeatable)")
    ap.add_argument("--vary", action="append", default=[], help="key=v1,v2,... (repeatable)")
    ap.add_argument("--seeds", default="1", help="replicate seeds: 1-5 or 1,7,9 (default 1)")
    a = ap.parse_args()
    seeds = parse_seeds(a.seeds)
    varied = [parse_vary(v) for v in a.vary]
    keys = [k for k, _ in varied]
    if len(set(keys)) != len(keys):
        raise SystemExit("make_sweep: a key is varied twice")
    stems = [os.path.splitext(os.path.basename(c))[0] for c in a.config]
    if len(set(stems)) != len(stems):
        raise SystemExit("make_sweep: two configs have the same file name; labels would collide")

    out = sys.stdout
    out.write(f"# {len(a.config)} config(s) x {max(1, len(list(itertools.product(*[v for _, v in varied]))))}"
              f" combination(s) x {len(seeds)} seed(s); made by make_sweep.py\n")
    rows = 0
    for config, stem in zip(a.config, stems):
        for combo in itertools.product(*[v for _, v in varied]):
            for seed in seeds:
                label = "-".join([stem] + [label_part(k, v) for k, v in zip(keys, combo)] + [f"s{seed}"])
                sets = " ".join(f"{k}={v}" for k, v in zip(keys, combo))
                out.write(f"{label}\t{config}\t{seed}" + (f"\t{sets}" if sets else "") + "\n")
                rows += 1
    print(f"make_sweep: {rows} rows; submit with --array=0-{rows - 1}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
