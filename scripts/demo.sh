#!/usr/bin/env bash
# Sets up, builds and runs the main job on its small default scenario on 2
# MPI ranks: prints the summary and writes an HDF5 trace to out/demo.h5.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p out
config="${1:-configs/demo.toml}"
mpiexec --oversubscribe -n 2 build/release/src/app/p2pgrid run "$config" -o out/demo.h5
