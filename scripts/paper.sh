#!/usr/bin/env bash
# The paper's experiment: every scenario in configs/paper/ with every
# matchmaker, then Figure 2 and the results table from the traces.
#   scripts/paper.sh [OUTDIR]          (default: out/paper)
# MATCHMAKERS (default "central rntree can can-push") picks the matchmakers;
# SEEDS (default "1") replicates every cell (figure2 then takes confidence
# intervals over the runs' means); JOBS (default: nproc) runs that many
# single-rank runs at once. On a
# cluster, jobs/slurm/sweep.sbatch runs the same grid as a job array.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-out/paper}"
matchmakers="${MATCHMAKERS:-central rntree can can-push}"
parallel="${JOBS:-$(nproc)}"
seeds="${SEEDS:-1}"
bin=build/release/src/app/p2pgrid
[[ -x $bin ]] || { scripts/setup.sh && scripts/build.sh release; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$out"
out="$(realpath "$out")"

runs=()
for config in configs/paper/*.toml; do
  for m in $matchmakers; do
    if ! "$bin" validate "$config" --set "match.kind=$m" >/dev/null 2>&1; then
      echo "paper: matchmaker '$m' is not available in this build; skipped" >&2
      continue
    fi
    for seed in $seeds; do runs+=("$config $m $seed"); done
  done
done

run_one() {
  local config=$1 m=$2 seed=$3 out=$4 bin=$5
  local name
  name="$(basename "$config" .toml)-$m-s$seed"
  if "$bin" run "$config" --set "match.kind=$m" --set "run.seed=$seed" --set progress.mode=plain \
       -o "$out/$name.h5" >"$out/$name.log" 2>&1; then
    echo "done   $name ($(grep -o 'wait: mean [0-9.]* s' "$out/$name.log"))"
  else
    echo "FAILED $name (see $out/$name.log)"
    return 1
  fi
}
export -f run_one
start=$(date +%s)
printf '%s\n' "${runs[@]}" | xargs -P "$parallel" -L 1 bash -c 'run_one $0 $1 $2 "'"$out"'" "'"$bin"'"'
echo "paper: ${#runs[@]} runs in $(( $(date +%s) - start )) s wall"

cd postprocess
/usr/bin/python3 -m p2pgrid_post figure2 "$out"/*.h5 -o "$out/figure2.png" --markdown | tee "$out/figure2.md"
