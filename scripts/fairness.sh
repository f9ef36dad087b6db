#!/usr/bin/env bash
# The fairness scenario of docs/fairness.md: configs/fairness-sweep.toml under
# FIFO and fair queues, for central, rntree and can-push, with SEEDS seeds
# each (default 1 2 3); traces in OUT (default out/fairness), then the table.
# Usage: scripts/fairness.sh [OUT] ; SEEDS="1 2" scripts/fairness.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-out/fairness}")"
seeds="${SEEDS:-1 2 3}"
bin="${P2PGRID:-build/release/src/app/p2pgrid}"
mkdir -p "$out"
for kind in central rntree can-push; do
  for queue in fifo fair; do
    for seed in $seeds; do
      f="$out/$kind-$queue-s$seed.h5"
      [ -s "$f" ] || "$bin" run configs/fairness-sweep.toml --set match.kind="$kind" --set grid.queue="$queue" \
        --set run.seed="$seed" -o "$f" > "$out/$kind-$queue-s$seed.log" 2>&1
    done
  done
done
cd postprocess && /usr/bin/python3 -m p2pgrid_post fairness "$out"/*.h5 -o "$out/fairness.png" --markdown
