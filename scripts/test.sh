#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (every label: unit,
# protocol, mpi, equivalence, python, slurm, bench-smoke).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ctest --preset release -j "$(nproc)" --timeout 900 "$@"
