#!/usr/bin/env bash
# The scale benchmark: each scale scenario on 1 and 2 ranks, one process
# launch per row (peak RSS is a process's high-water mark), printed as one
# table. Usage: scripts/scale-bench.sh [CONFIG...]; RANKS="1 2" by default.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/src/app/p2pgrid
[[ -x $bin ]] || { scripts/setup.sh && scripts/build.sh release; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
configs=("$@")
if ((${#configs[@]} == 0)); then
  configs=(configs/scale-phold-100k.toml configs/chord-100k.toml configs/can-scale-100k.toml
           configs/scale-grid-100k.toml)
fi
header=1
for config in "${configs[@]}"; do
  for n in ${RANKS:-1 2}; do
    mpiexec --oversubscribe -n "$n" "$bin" bench "$config" | { if ((header)); then cat; else tail -n +2; fi; }
    header=0
  done
done
