#!/bin/bash
# The Slurm test (CTest label `slurm`): starts a private single-node Slurm,
# submits jobs/slurm/sweep.sbatch over jobs/slurm/sweeps/ci-tiny.tsv (2
# scenarios x 2 replicate seeds, 2 ranks each) with `sbatch --wait`, checks that
# every array task completed and every HDF5 trace is complete and equals an
# independent 1-rank run of the same row; then runs the launch check under
# real srun/mpirun/batch environments; stops the daemons it started.
#
#   sweep_test.sh SOURCE_DIR P2PGRID_BINARY WORK_DIR
#
# Exit 77 (CTest SKIP_RETURN_CODE) only when Slurm or munge is not installed.
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 SOURCE_DIR P2PGRID_BINARY WORK_DIR" >&2; exit 2; }
src=$(cd "$1" && pwd -P)
bin=$(cd "$(dirname "$2")" && pwd -P)/$(basename "$2")
work=$3
here=$src/tests/slurm
cluster_sh=$here/slurm_cluster.sh
table=jobs/slurm/sweeps/ci-tiny.tsv
readonly kRanks=2 kTimeout=90

for b in slurmctld slurmd munged sbatch srun scontrol; do
  if ! command -v "$b" >/dev/null 2>&1 && [[ ! -x /usr/sbin/$b ]]; then
    echo "SKIP: $b is not installed (Debian: slurmctld slurmd slurm-client munge)"
    exit 77
  fi
done
[[ -x $bin ]] || { echo "FAIL: $bin is not built" >&2; exit 1; }

# Hermetic: a test started from inside some Slurm job must not inherit its
# job's variables (SLURM_NTASKS would reach the reference runs).
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(SLURM_|SBATCH_|SALLOC_|SRUN_|P2PGRID_)' || true)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none

# A cluster left by a run that was killed before its cleanup: stop it first
# (slurm_cluster.sh only signals PIDs whose command line names its directory).
mkdir -p "$work"
pointer=$work/last-cluster-dir
if [[ -s $pointer ]]; then
  old=$(cat "$pointer")
  if [[ -d $old ]]; then
    "$cluster_sh" stop "$old" || true
    rm -rf "$old"
  fi
fi
# Short path: slurmd's step sockets live under it (sockaddr_un is 108 bytes).
dir=$(mktemp -d "${TMPDIR:-/tmp}/p2pgrid-slurm.XXXXXX")
echo "$dir" >"$pointer"
status=1
cleanup() {
  "$cluster_sh" stop "$dir" >&2 || status=1
  if [[ $status -eq 0 ]]; then
    rm -rf "$dir"
    rm -f "$pointer"
  else
    echo "FAIL: logs and outputs kept in $dir" >&2
    exit 1
  fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$dir"/logs/*; do
    [[ -f $f ]] || continue
    echo "----- $f" >&2
    tail -n 40 "$f" >&2
  done
  exit 1
}

t0=$SECONDS
eval "$("$cluster_sh" start "$dir")"
echo "cluster up in $((SECONDS - t0)) s: SLURM_CONF=$SLURM_CONF"
mkdir -p "$dir/logs" "$dir/out" "$dir/ref"

# ---- the sweep, submitted the way the docs say, from the project root
cd "$src"
array=$(jobs/slurm/sweep.sbatch --array-spec "$table")
[[ $array == 0-3 ]] || fail "$table: expected 4 rows (array 0-3), got $array"
export P2PGRID_BIN=$bin P2PGRID_OUTDIR=$dir/out P2PGRID_PROGRESS=50ms
t0=$SECONDS
set +e
job=$(timeout $kTimeout sbatch --wait --parsable --array="$array" -n $kRanks -o "$dir/logs/%x-%A_%a.out" \
  jobs/slurm/sweep.sbatch "$table")
rc=$?
set -e
job=${job%%;*}
echo "sweep job $job finished in $((SECONDS - t0)) s, sbatch --wait exit code $rc"
[[ $rc -eq 0 ]] || fail "sbatch --wait exited with $rc (124: no answer within $kTimeout s)"
unset P2PGRID_BIN P2PGRID_OUTDIR P2PGRID_PROGRESS

# Every array task, as the controller saw it. `sbatch --wait` returns when the
# array's tasks have ended, which can be before slurmd has finished cleaning up
# the last one (state COMPLETING): wait for that to settle first.
task_states() {
  scontrol -o show job "$job" | sed -nE 's/.*ArrayTaskId=([0-9]+) .*JobState=([A-Z_]+) .*ExitCode=([0-9:]+).*/\1 \2 \3/p' | sort -n
}
for _ in $(seq 60); do
  states=$(task_states)
  [[ $states == *COMPLETING* ]] || break
  sleep 0.5
done
expected=$'0 COMPLETED 0:0\n1 COMPLETED 0:0\n2 COMPLETED 0:0\n3 COMPLETED 0:0'
[[ $states == "$expected" ]] || fail "array tasks of job $job: got"$'\n'"$states"$'\n'"expected"$'\n'"$expected"

# Every row: its log, its trace, and an independent 1-rank run without Slurm.
i=0
while read -r label config seed rest; do
  log=$dir/logs/p2pgrid-sweep-${job}_$i.out
  trace=$dir/out/sweep-$job/$i-$label.h5
  [[ -f $log ]] || fail "no log $log"
  [[ -f $trace ]] || fail "row $i ($label): no trace $trace"
  if grep -q $'\r' "$log"; then fail "$log contains carriage returns (batch logs take plain lines)"; fi
  grep -q "^summary: protocol phold, 400 peers, $kRanks rank(s), seed $seed," "$log" ||
    fail "$log: no summary of a $kRanks-rank run with seed $seed"
  [[ $(grep -c '^summary:' "$log") -eq 1 ]] || fail "$log: the summary must come from rank 0 only"
  grep -qF "row $i of " "$log" || fail "$log: the job did not log its row"

  sets=(--set "run.seed=$seed")
  for kv in $rest; do sets+=(--set "$kv"); done
  "$bin" run "$config" "${sets[@]}" -o "$dir/ref/$label.h5" >"$dir/ref/$label.log"
  /usr/bin/python3 "$here/check_traces.py" --trace "$trace" --ranks $kRanks --tables engine,phold --peers 400 \
    --reference "$dir/ref/$label.h5" --compare phold --log "$log" || fail "row $i ($label): trace check failed"
  i=$((i + 1))
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$table")
[[ $i -eq 4 ]] || fail "checked $i rows, expected 4"

# ---- the launch check against what real launchers set inside a 2-task job
cat >"$dir/launch_job.sh" <<EOF
#!/bin/bash
cfg=$src/configs/slurm-phold-lossy.toml
echo "== direct"; "$bin" run "\$cfg"; echo "rc=\$?"
echo "== srun-n1"; srun --mpi=pmix -n 1 "$bin" run "\$cfg"; echo "rc=\$?"
echo "== mpirun-n1"; mpirun -n 1 "$bin" run "\$cfg"; echo "rc=\$?"
echo "== srun"; srun --mpi=pmix "$bin" run "\$cfg"; echo "rc=\$?"
echo "== mpirun"; mpirun "$bin" run "\$cfg"; echo "rc=\$?"
EOF
set +e
timeout $kTimeout sbatch --wait -n $kRanks -o "$dir/logs/launch.out" "$dir/launch_job.sh" >/dev/null
rc=$?
set -e
[[ $rc -eq 0 ]] || fail "the launch-check job failed (sbatch --wait exit code $rc)"
section() {  # the lines of one "== name" section of the launch log
  awk -v s="== $1" '$0 == s {on = 1; next} /^== / {on = 0} on' "$dir/logs/launch.out"
}
section direct | grep -q "SLURM_NTASKS=2) but MPI_COMM_WORLD has 1 rank(s)" ||
  fail "p2pgrid started directly in a 2-task job was not refused with the SLURM_NTASKS message"
section direct | grep -qx "rc=2" || fail "the refused direct start did not exit with 2"
for s in srun-n1 mpirun-n1; do
  section $s | grep -q "^summary: protocol phold, 400 peers, 1 rank(s)," || fail "$s: no 1-rank run"
done
for s in srun mpirun; do
  section $s | grep -q "^summary: protocol phold, 400 peers, 2 rank(s)," || fail "$s: no 2-rank run"
done
for s in srun-n1 mpirun-n1 srun mpirun; do
  section $s | grep -qx "rc=0" || fail "$s: exit code is not 0"
done

status=0
echo "PASS: sweep of 4 array tasks x $kRanks ranks, traces complete and equal to 1-rank runs; launch check refuses a direct start in a $kRanks-task job"
