#!/bin/bash
# Checkpoint size per peer and save/write/read/restore times (docs/performance.md,
# "Checkpoints"): PHOLD at 100,000 and 1,000,000 peers, stopped at 0.5 simulated
# seconds and resumed. The figures are the `checkpoint:` lines p2pgrid prints.
#
#   scripts/checkpoint-bench.sh [OUT_DIR]     (default: a temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/src/app/p2pgrid
config=configs/scale-phold-100k.toml
out=${1:-$(mktemp -d)}
mkdir -p "$out"
[[ -x $bin ]] || { echo "checkpoint-bench.sh: build first (scripts/build.sh release)" >&2; exit 2; }
run() {  # PEERS RANKS_WRITING RANKS_READING
  local file=$out/p$1.ckpt
  local sets=(--set "peers.count=$1" --set run.duration=1s --set progress.mode=plain)
  echo "== $1 peers: stop at 0.5 s on $2 rank(s)"
  mpiexec --oversubscribe -n "$2" "$bin" run "$config" "${sets[@]}" --checkpoint-at 0.5s --checkpoint "$file" 2>&1 |
    grep -E '^checkpoint:' || true
  echo "file bytes $(stat -c %s "$file")"
  echo "== resume on $3 rank(s)"
  mpiexec --oversubscribe -n "$3" "$bin" run "$config" "${sets[@]}" --resume "$file" 2>&1 | grep -E '^checkpoint:'
  rm -f "$file"
}
run 100000 1 1
run 100000 2 2
run 1000000 1 2
