# Example site file for p2pgrid's Slurm jobs. Copy it (e.g. to
# jobs/slurm/site.sh, which the jobs pick up by themselves, or anywhere and
# point P2PGRID_SITE at it), fill in your cluster's names, and source it in the
# shell you submit from:
#
#   source jobs/slurm/site.sh && sbatch -n 16 jobs/slurm/run.sbatch configs/phold-small.toml
#
# Sourced twice: by you before `sbatch` (the SBATCH_* variables only matter
# there: sbatch reads them, and they override the scripts' #SBATCH lines) and
# by each job on its first node (modules, P2PGRID_*). Keep it idempotent.

# --- read by sbatch at submission (see `man sbatch`, INPUT ENVIRONMENT VARIABLES)
# export SBATCH_ACCOUNT=my-project
# export SBATCH_PARTITION=compute
# export SBATCH_QOS=normal
# export SBATCH_TIMELIMIT=02:00:00
# export SBATCH_OUTPUT=logs/%x-%j.out      # the directory must exist

# --- read by the jobs
# Make the job source this same file on the compute node.
export P2PGRID_SITE=${P2PGRID_SITE:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/$(basename "${BASH_SOURCE[0]}")}

# Software: whatever provides Open MPI, parallel HDF5, toml++ on your cluster.
# if command -v module >/dev/null 2>&1; then
#   module load openmpi/4.1 hdf5/1.10-mpi
# fi

# The binary (default: p2pgrid on PATH, else build/release/src/app/p2pgrid).
# export P2PGRID_BIN=$HOME/p2pgrid/build/release/src/app/p2pgrid

# How ranks are started (default: auto = "srun --mpi=pmix" when srun has the
# pmix plugin, else "mpirun"). Some sites want extra options:
# export P2PGRID_LAUNCHER="srun --mpi=pmix --cpu-bind=cores"

# Where outputs go (default: results/ under the submit directory); scratch
# file systems are usually the right place for traces.
# export P2PGRID_OUTDIR=/scratch/$USER/p2pgrid

# Wall-clock interval of progress lines in job logs.
# export P2PGRID_PROGRESS=60s
