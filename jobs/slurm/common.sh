# Shared by run.sbatch, sweep.sbatch and scaling.sbatch (sourced, not run).
# Nothing here names an account, a partition or a module: sites supply those
# through a site file (see site.example.sh) and SBATCH_* variables.
#
# Variables (all optional):
#   P2PGRID_SITE      site file to source first (default: site.sh next to this file, if present)
#   P2PGRID_BIN       the p2pgrid binary (default: p2pgrid on PATH, else build/release/src/app/p2pgrid
#                     under the submit directory)
#   P2PGRID_LAUNCHER  how ranks are started, e.g. "srun --mpi=pmix" or "mpirun" (default: auto =
#                     srun --mpi=pmix when this srun has the pmix plugin, else mpirun)
#   P2PGRID_OUTDIR    where results go (default: results/ under the submit directory)
#   P2PGRID_PROGRESS  wall-clock interval of progress lines in the log (default: 60s)

p2pgrid_log() {
  printf '%s: %s\n' "${P2PGRID_SCRIPT:-p2pgrid-job}" "$*"
}

p2pgrid_die() {
  printf '%s: error: %s\n' "${P2PGRID_SCRIPT:-p2pgrid-job}" "$*" >&2
  exit 2
}

# Makes a path given by the user absolute, relative to the submit directory
# (where `sbatch` was typed), which is also where Slurm starts the job.
p2pgrid_abspath() {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "${SLURM_SUBMIT_DIR:-$PWD}/$1" ;;
  esac
}

p2pgrid_setup() {
  local jobs_dir=$1
  if [[ -n ${P2PGRID_SITE:-} ]]; then
    [[ -r $P2PGRID_SITE ]] || p2pgrid_die "P2PGRID_SITE=$P2PGRID_SITE: no such readable file"
    # shellcheck disable=SC1090
    source "$P2PGRID_SITE"
  elif [[ -r $jobs_dir/site.sh ]]; then
    # shellcheck disable=SC1091
    source "$jobs_dir/site.sh"
  fi

  local submit=${SLURM_SUBMIT_DIR:-$PWD}
  if [[ -z ${P2PGRID_BIN:-} ]]; then
    if command -v p2pgrid >/dev/null 2>&1; then
      P2PGRID_BIN=$(command -v p2pgrid)
    elif [[ -x $submit/build/release/src/app/p2pgrid ]]; then
      P2PGRID_BIN=$submit/build/release/src/app/p2pgrid
    else
      p2pgrid_die "cannot find the p2pgrid binary: set P2PGRID_BIN=/path/to/p2pgrid (in the environment or the site file)"
    fi
  fi
  P2PGRID_BIN=$(p2pgrid_abspath "$P2PGRID_BIN")
  [[ -x $P2PGRID_BIN ]] || p2pgrid_die "P2PGRID_BIN=$P2PGRID_BIN is not an executable file"

  if [[ -z ${P2PGRID_LAUNCHER:-} || $P2PGRID_LAUNCHER == auto ]]; then
    # Debian's Open MPI is built against PMIx: srun must use --mpi=pmix
    # (--mpi=pmi2 and --mpi=none start singletons that abort in MPI_Init).
    if command -v srun >/dev/null 2>&1 && srun --mpi=list 2>&1 | grep -qw pmix; then
      P2PGRID_LAUNCHER="srun --mpi=pmix"
    elif command -v mpirun >/dev/null 2>&1; then
      P2PGRID_LAUNCHER=mpirun
    else
      p2pgrid_die "no launcher: this srun has no pmix plugin and mpirun is not on PATH; set P2PGRID_LAUNCHER"
    fi
  fi

  P2PGRID_OUTDIR=$(p2pgrid_abspath "${P2PGRID_OUTDIR:-results}")
  P2PGRID_PROGRESS=${P2PGRID_PROGRESS:-60s}
  export P2PGRID_BIN P2PGRID_LAUNCHER P2PGRID_OUTDIR P2PGRID_PROGRESS

  p2pgrid_log "job ${SLURM_JOB_ID:-none}${SLURM_ARRAY_TASK_ID:+ (array ${SLURM_ARRAY_JOB_ID} task ${SLURM_ARRAY_TASK_ID})}" \
    "on ${SLURM_JOB_NUM_NODES:-1} node(s) [${SLURM_JOB_NODELIST:-$(hostname)}], ${SLURM_NTASKS:-1} task(s)"
  p2pgrid_log "binary $P2PGRID_BIN ($("$P2PGRID_BIN" --version 2>/dev/null || echo 'version unknown'))"
  p2pgrid_log "launcher: $P2PGRID_LAUNCHER"
}

# p2pgrid_launch [LAUNCHER_ARGS...] -- P2PGRID_ARGS...
# Starts one MPI job through the launcher. The word splitting of
# $P2PGRID_LAUNCHER is deliberate: it holds a command and its options.
p2pgrid_launch() {
  local launcher_args=()
  while [[ $# -gt 0 && $1 != -- ]]; do
    launcher_args+=("$1")
    shift
  done
  [[ ${1:-} == -- ]] && shift
  local cmd
  # shellcheck disable=SC2206
  cmd=($P2PGRID_LAUNCHER "${launcher_args[@]}" "$P2PGRID_BIN" "$@")
  p2pgrid_log "running: ${cmd[*]}"
  # P2PGRID_LAUNCH_EXEC=1 (in a background subshell): become the launcher,
  # so $! names it and a trapped signal can be passed on to it.
  if [[ ${P2PGRID_LAUNCH_EXEC:-0} == 1 ]]; then exec "${cmd[@]}"; fi
  "${cmd[@]}"
}
