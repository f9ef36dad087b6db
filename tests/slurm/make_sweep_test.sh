#!/bin/bash
# make_sweep.py writes the cross product that sweep.sbatch then accepts:
# 2 configs x 2 loss rates x 2 initial loads x 2 seeds = 16 valid rows.
#   make_sweep_test.sh SOURCE_DIR P2PGRID_BINARY WORK_DIR
set -euo pipefail
src=$1
export P2PGRID_BIN=$2
work=$3
mkdir -p "$work"
cd "$src"
table=$work/sweep.tsv
jobs/slurm/make_sweep.py --config configs/slurm-phold-lossy.toml --config configs/slurm-phold-churn.toml \
  --vary network.loss=0,0.05 --vary phold.initial=1,4 --seeds 1,7 >"$table"

fail() { echo "FAIL: $*" >&2; exit 1; }
rows=$(grep -vc '^#' "$table")
[[ $rows -eq $((2 * 2 * 2 * 2)) ]] || fail "$rows rows, expected 16"
[[ $(grep -v '^#' "$table" | cut -f1 | sort -u | wc -l) -eq 16 ]] || fail "labels are not unique"
[[ $(grep -v '^#' "$table" | cut -f3 | sort -n | uniq -c | awk '{print $1 ":" $2}' | tr '\n' ' ') == "8:1 8:7 " ]] ||
  fail "each seed must appear in 8 rows"
grep -qP '^slurm-phold-churn-loss0.05-initial4-s7\tconfigs/slurm-phold-churn.toml\t7\tnetwork.loss=0.05 phold.initial=4$' "$table" ||
  fail "the row for churn, loss 0.05, initial 4, seed 7 is missing or malformed"
# sweep.sbatch validates every row with the binary and prints the array range.
[[ $(jobs/slurm/sweep.sbatch --check "$table") == 0-15 ]] || fail "sweep.sbatch --check did not accept 16 rows"

# A malformed table is refused with the row named.
printf 'a configs/slurm-phold-lossy.toml 1\na configs/slurm-phold-lossy.toml 2\n' >"$work/dup.tsv"
if msg=$(jobs/slurm/sweep.sbatch --array-spec "$work/dup.tsv" 2>&1); then fail "a repeated label was accepted"; fi
[[ $msg == *"row 1: label 'a' repeats row 0"* ]] || fail "unexpected message: $msg"
printf 'b configs/slurm-phold-lossy.toml 1 network.loss=2\n' >"$work/bad.tsv"
if msg=$(jobs/slurm/sweep.sbatch --check "$work/bad.tsv" 2>&1); then fail "an invalid override was accepted"; fi
[[ $msg == *"network.loss"* && $msg == *"row 0 (b) is not a valid scenario"* ]] || fail "unexpected message: $msg"
echo "PASS"
