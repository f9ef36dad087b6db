#!/usr/bin/env bash
# The scale benchmark: each scenario on each rank count, one process launch
# per row (peak RSS is a process's high-water mark), printed as one table,
# appended to a CSV and drawn by postprocess (speed, memory and speedup
# against peers).
#
# Usage: scripts/scale-bench.sh [CONFIG...]
#   RANKS="1 2"               rank counts
#   REPEAT=1                  launches per (scenario, rank count); the plot uses medians
#   CSV=out/scale-bench.csv   rows (the file is started afresh)
#   PLOT=out/scaling.png      the figure
# Default configs: the sweep of docs/performance.md (grid and Chord at 10k,
# 100k and 1M peers, PHOLD and CAN at 100k): about 45 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/src/app/p2pgrid
[[ -x $bin ]] || { scripts/setup.sh && scripts/build.sh release; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
csv=$(realpath -m "${CSV:-out/scale-bench.csv}")
plot=$(realpath -m "${PLOT:-out/scaling.png}")
configs=("$@")
if ((${#configs[@]} == 0)); then
  configs=(configs/scale-grid-10k.toml configs/scale-grid-100k.toml configs/scale-grid-1m.toml
           configs/chord-10k.toml configs/chord-100k.toml configs/chord-1m.toml
           configs/scale-phold-100k.toml configs/can-scale-100k.toml)
fi
mkdir -p "$(dirname "$csv")" "$(dirname "$plot")"
rm -f "$csv"
header=1
for config in "${configs[@]}"; do
  for n in ${RANKS:-1 2}; do
    for ((i = 0; i < ${REPEAT:-1}; ++i)); do
      mpiexec --oversubscribe -n "$n" "$bin" bench "$config" --csv "$csv" |
        { if ((header)); then cat; else tail -n +2; fi; }
      header=0
    done
  done
done
(cd postprocess && /usr/bin/python3 -m p2pgrid_post scaling "$csv" -o "$plot")
