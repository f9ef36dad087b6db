#!/usr/bin/env bash
# Regenerates every number and figure in docs/results.md (issue 14):
#   scripts/results.sh [OUTDIR]            (default: out/results)
# Parts (PARTS, default "paper sensitivity load scale recovery"):
#   paper        the paper's grid (configs/paper/, 8 scenarios x 4 matchmakers)
#                under its named model, SEEDS replications (default "1 2 3 4 5"),
#                trace.traffic on (overhead per role);
#   sensitivity  the same grid under the other requirement models
#                (workload.requirement_model x workload.constraint_count),
#                SENS_SEEDS replications (default "1 2 3 4 5");
#   load         offered load 0.5 .. 2.0 in steady state (mm-light, 1,000 nodes),
#                LOAD_SEEDS (default "1 2 3 4 5");
#   scale        10,000 nodes (SCALE_SEEDS, default "1 2 3 4 5"), then 100,000
#                nodes (seed 1; SCALE_100K=0 skips them), jobs scaled with nodes
#                (mm-light); the 100,000-node runs stop at the guard
#                SCALE_100K_GUARD (run.duration, default 6h: docs/results.md);
#   recovery     10% and 30% crashes while jobs are matched, and churn
#                (mm-heavy), RECOVERY_SEEDS (default "1 2 3 4 5").
# JOBS (default: nproc) single-rank runs at once. Each part writes its traces
# under OUTDIR/<part>/ and its tables as Markdown next to them; the tables in
# docs/results.md are copied from there (docs/data/results/).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-out/results}"
parts="${PARTS:-paper sensitivity load scale recovery}"
parallel="${JOBS:-$(nproc)}"
seeds="${SEEDS:-1 2 3 4 5}"
sens_seeds="${SENS_SEEDS:-1 2 3 4 5}"
load_seeds="${LOAD_SEEDS:-1 2 3 4 5}"
scale_seeds="${SCALE_SEEDS:-1 2 3 4 5}"
scale_100k="${SCALE_100K:-1}"
scale_100k_guard="${SCALE_100K_GUARD:-6h}"
recovery_seeds="${RECOVERY_SEEDS:-1 2 3 4 5}"
# Every run can be paused and continued (docs/checkpoint.md): SIGTERM to
# its p2pgrid (`pkill -TERM -f "p2pgrid run"`) or a hard stop after a
# periodic checkpoint; the same command then resumes it from its .ckpt.
export CHECKPOINT_EVERY="${CHECKPOINT_EVERY:-10min}"
# Slowest first: runs start in this order, so parallel workers end together.
matchmakers="${MATCHMAKERS:-can-push can rntree central}"
bin=build/release/src/app/p2pgrid
[[ -x $bin ]] || { scripts/setup.sh && scripts/build.sh release; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$out"
out="$(realpath "$out")"
post() { (cd postprocess && /usr/bin/python3 -m p2pgrid_post "$@"); }

# Waits for every background job; fails if one did.
wait_all() {
  local pid status=0
  for pid in $(jobs -p); do wait "$pid" || status=1; done
  return $status
}

# One line per run: NAME CONFIG [--set KEY=VALUE ...]; run in parallel.
run_all() {
  local dir=$1
  mkdir -p "$dir"
  local start=$SECONDS
  rm -f "$dir/.pausing"
  xargs -P "$parallel" -L 1 bash -c '
    dir=$0 bin=$1 name=$2 config=$3; shift 3
    if [[ -s "$dir/$name.h5" && ! -e "$dir/$name.h5.partial" ]]; then echo "kept   $name"; exit 0; fi
    # Once a run paused, the rest wait for the next invocation.
    if [[ -e "$dir/.pausing" ]]; then echo "later  $name"; exit 0; fi
    ckpt="$dir/$name.ckpt"
    resume=()
    if [[ -s $ckpt && -s "$dir/$name.h5" ]]; then
      resume=(--resume "$ckpt")
    else
      rm -f "$dir/$name.h5" "$ckpt"
      : >"$dir/$name.log"
    fi
    touch "$dir/$name.h5.partial"
    status=0
    "$bin" run "$config" --set progress.mode=plain --set run.checkpoint_every="$CHECKPOINT_EVERY" "$@" \
      --checkpoint "$ckpt" "${resume[@]}" -o "$dir/$name.h5" \
      >>"$dir/$name.log" 2>&1 || status=$?
    case $status in
      0) rm -f "$dir/$name.h5.partial" "$ckpt"
         echo "done   $name ($(grep -o "[0-9.]* simulated s" "$dir/$name.log" | tail -1), $(grep -o "[0-9.]* s wall" "$dir/$name.log" | tail -1))" ;;
      75) touch "$dir/.pausing"
          echo "paused $name (SIGTERM: $ckpt written; run again to continue)" ;;
      *) echo "FAILED $name (see $dir/$name.log)"; exit 1 ;;
    esac' "$dir" "$bin"
  echo "results: $(basename "$dir"): $((SECONDS - start)) s wall"
  if [[ -e "$dir/.pausing" ]]; then
    rm -f "$dir/.pausing"
    echo "results: runs of $(basename "$dir") paused with a checkpoint; run the same command again to continue" >&2
    exit 75
  fi
}

paper_grid() {  # $1 = seeds, then extra --set pairs for every run
  local s=$1
  shift
  # Seed-major, so that a sweep cut short still holds whole grids for its
  # first seeds; within a seed, matchmaker-major (slowest first, above).
  for seed in $s; do
    for m in $matchmakers; do
      for config in configs/paper/*.toml; do
        echo "$(basename "$config" .toml)-$m-s$seed $config --set match.kind=$m --set run.seed=$seed $*"
      done
    done
  done
}

for part in $parts; do
  case $part in
    paper)
      paper_grid "$seeds" --set trace.traffic=true | run_all "$out/paper"
      # Three independent readers of the traces: side by side.
      post figure2 "$out"/paper/*.h5 -o "$out/paper/figure2.png" --markdown >"$out/paper/figure2.md" &
      post ratios "$out"/paper/*.h5 >"$out/paper/ratios.md" &
      post traffic "$out"/paper/*-s1.h5 >"$out/paper/traffic.md" &
      wait_all
      ;;
    sensitivity)
      # Seed-major, so that a sweep cut short holds every model for its
      # first seeds.
      for seed in $sens_seeds; do
        for model in "below_node drawn" "below_node binding" "node_value drawn"; do
          set -- $model
          paper_grid "$seed" --set workload.requirement_model=$1 --set workload.constraint_count=$2 \
            | sed "s/^\([^ ]*\)/\1-$1-$2/"
        done
      done | run_all "$out/sensitivity"
      # The named model's runs (paper part) share the table, over its first seeds.
      files=("$out"/sensitivity/*.h5)
      for seed in $sens_seeds; do files+=("$out"/paper/*-s$seed.h5); done
      post ratios "${files[@]}" --by workload.requirement_model --by workload.constraint_count \
        >"$out/sensitivity/ratios.md"
      post ratios "${files[@]}" --by workload.requirement_model --by workload.constraint_count --wide \
        >"$out/sensitivity/ratios-wide.md"
      ;;
    load)
      # mean run time 200 s on 1,000 nodes: interarrival = 0.2 s / load;
      # 40 minutes of arrivals, the first quarter discarded as warm-up.
      for load in 0.5 0.75 1.0 1.25 1.5 2.0; do
        ia_ms=$(/usr/bin/python3 -c "print(round(200.0 / $load, 3))")
        jobs=$(/usr/bin/python3 -c "print(round(2400 * $load * 1000 / 200))")
        for m in $matchmakers; do
          for seed in $load_seeds; do
            echo "load$load-$m-s$seed configs/paper/mixed-nodes-mixed-jobs-light.toml --set match.kind=$m" \
                 "--set run.seed=$seed --set workload.interarrival=${ia_ms}ms --set workload.jobs=$jobs" \
                 "--set workload.name=load$load-mm-light"
          done
        done
      done | run_all "$out/load"
      post load "$out"/load/*.h5 --warmup 0.25 -o "$out/load/load.png" >"$out/load/load.md"
      ;;
    scale)
      # Every 10,000-node run before the first 100,000-node one, so that a
      # sweep cut short still holds whole 10,000-node cells.
      {
        for seed in $scale_seeds; do
          for m in $matchmakers; do
            echo "n10k-$m-s$seed configs/paper/mixed-nodes-mixed-jobs-light.toml --set match.kind=$m --set run.seed=$seed" \
                 "--set peers.count=10000 --set workload.jobs=100000 --set workload.interarrival=10ms" \
                 "--set workload.clients=100 --set workload.name=n10k-mm-light"
          done
        done
        if [[ $scale_100k == 1 ]]; then
          for m in $matchmakers; do
            echo "n100k-$m-s1 configs/paper/mixed-nodes-mixed-jobs-light.toml --set match.kind=$m --set run.seed=1" \
                 "--set peers.count=100000 --set workload.jobs=1000000 --set workload.interarrival=1ms" \
                 "--set workload.clients=1000 --set workload.name=n100k-mm-light --set run.duration=$scale_100k_guard"
          done
        fi
      } | run_all "$out/scale"
      post figure2 "$out"/scale/*.h5 -o "$out/scale/figure2.png" --markdown >"$out/scale/figure2.md"
      post ratios "$out"/scale/*.h5 >"$out/scale/ratios.md"
      ;;
    recovery)
      # Crashes while the burst is being matched (5 minutes in), for good;
      # churn: half the peers alternate exponential sessions (mean 1 h) and
      # down times (mean 10 min). Clients are exempt (they hold the records).
      mkdir -p "$out/recovery"
      base=configs/paper/mixed-nodes-mixed-jobs-heavy.toml
      for f in 10 30; do
        { cat "$base"; printf '\n[[faults]]\nat = "5min"\nfraction = 0.%s\n' "$f"; } >"$out/recovery/crash$f.toml"
      done
      cp "$base" "$out/recovery/churn.toml"
      for m in $matchmakers; do
        for seed in $recovery_seeds; do
          set_m="--set match.kind=$m --set run.seed=$seed --set trace.traffic=true"
          echo "crash10-$m-s$seed $out/recovery/crash10.toml $set_m --set workload.name=crash10-mm-heavy"
          echo "crash30-$m-s$seed $out/recovery/crash30.toml $set_m --set workload.name=crash30-mm-heavy"
          echo "churn-$m-s$seed $out/recovery/churn.toml $set_m --set workload.name=churn-mm-heavy" \
               "--set churn.model=exponential --set churn.session_mean=1h --set churn.down_mean=10min" \
               "--set churn.fraction=0.5"
        done
      done | run_all "$out/recovery"
      post recovery "$out"/recovery/*.h5 >"$out/recovery/recovery.md"
      post figure2 "$out"/recovery/*.h5 -o "$out/recovery/figure2.png" --markdown >"$out/recovery/figure2.md"
      ;;
    *) echo "results: unknown part '$part'" >&2; exit 2 ;;
  esac
done
echo "results: all parts in $SECONDS s wall; tables in $out/*/"
