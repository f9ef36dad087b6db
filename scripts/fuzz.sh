#!/usr/bin/env bash
# Long fuzz campaigns (docs/reliability.md). Builds the fuzz preset (clang,
# ASan + UBSan, libFuzzer) and runs each named target (default: all) for a
# time or an execution budget, one target at a time, from the repository's
# seed corpus plus a scratch corpus in build/asan/fuzz/campaign/<target>.
# Crashing inputs land in build/asan/fuzz/campaign/<target>-crash-*; copy a
# fixed one into fuzz/corpus/<target>/ so it replays in every build.
#
#   scripts/fuzz.sh                          # every target, 30 min each
#   scripts/fuzz.sh -t 600 config swf        # 10 min each, two targets
#   scripts/fuzz.sh -r 10000000 batch        # 10 million executions
#   scripts/fuzz.sh -j 2 ...                 # two libFuzzer jobs per target
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=1800
runs=-1
jobs=1
while getopts "t:r:j:" opt; do
  case "$opt" in
    t) seconds="$OPTARG" ;;
    r) runs="$OPTARG"; seconds=0 ;;
    j) jobs="$OPTARG" ;;
    *) echo "usage: $0 [-t seconds | -r runs] [-j jobs] [target ...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
all=(chord_messages can_messages grid_messages rntree_messages can_match_messages batch config swf fta)
targets=("${@:-${all[@]}}")

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
out=build/asan/fuzz/campaign
mkdir -p "$out"
for t in "${targets[@]}"; do
  mkdir -p "$out/$t"
  log="$out/$t.log"
  echo "fuzz: $t (${seconds}s, runs $runs, jobs $jobs) -> $log"
  extra=()
  if ((jobs > 1)); then extra=(-jobs="$jobs" -workers="$jobs"); fi
  status=0
  ASAN_OPTIONS=detect_leaks=0 "build/asan/fuzz/fuzz_$t" -max_total_time="$seconds" -runs="$runs" -timeout=20 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/$t-" "${extra[@]}" \
    "$out/$t" "fuzz/corpus/$t" >"$log" 2>&1 || status=$?
  # With -jobs, libFuzzer writes each worker's log to fuzz-N.log in the current directory.
  execs=$({ cat "$log"; cat fuzz-*.log 2>/dev/null || true; } | awk '/stat::number_of_executed_units/ {s += $2} END {print s + 0}')
  secs=$(awk '/stat::average_exec_per_sec/ {v = $2} END {print v}' "$log")
  echo "fuzz: $t: exit $status, $execs executions, ${secs:-?} exec/s"
  if ((status != 0)); then
    grep -m5 -E "ERROR|SUMMARY|fuzz property" "$log" || true
    exit "$status"
  fi
done
