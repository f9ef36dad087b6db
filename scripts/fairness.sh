#!/usr/bin/env bash
# The fairness scenario of docs/fairness.md: configs/fairness-sweep.toml under
# FIFO and fair queues, for central, rntree and can-push, and under the
# central server's global fair queue (fair_global), with SEEDS seeds each
# (default 1 2 3); then configs/fairness-weights.toml (two backlogged users,
# weights 1:1 and 4:1). Traces in OUT (default out/fairness), then the tables.
# Usage: scripts/fairness.sh [OUT] ; SEEDS="1 2" scripts/fairness.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-out/fairness}")"
seeds="${SEEDS:-1 2 3}"
bin="${P2PGRID:-build/release/src/app/p2pgrid}"
mkdir -p "$out"
run() {  # run NAME CONFIG --set ... : one trace, skipped if already there
  local f="$out/$1.h5" config="$2"
  shift 2
  [ -s "$f" ] || "$bin" run "$config" "$@" -o "$f" > "${f%.h5}.log" 2>&1
}
for seed in $seeds; do
  for kind in central rntree can-push; do
    for queue in fifo fair; do
      run "$kind-$queue-s$seed" configs/fairness-sweep.toml --set match.kind="$kind" --set grid.queue="$queue" \
        --set run.seed="$seed"
    done
  done
  run "central-fair_global-s$seed" configs/fairness-sweep.toml --set match.kind=central \
    --set grid.queue=fair_global --set run.seed="$seed"
  for queue in fifo fair fair_global; do
    for w in 1 4; do
      run "weights-$queue-w$w-s$seed" configs/fairness-weights.toml --set grid.queue="$queue" \
        --set workload.heavy_weight="$w" --set run.seed="$seed"
    done
  done
done
cd postprocess
/usr/bin/python3 -m p2pgrid_post fairness "$out"/{central,rntree,can-push}-*.h5 -o "$out/fairness.png" --markdown --cells
/usr/bin/python3 -m p2pgrid_post fairness "$out"/weights-*.h5 -o "$out/weights.png" --markdown --cells
