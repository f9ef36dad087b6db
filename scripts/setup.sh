#!/usr/bin/env bash
# Installs every Debian package p2pgrid needs to build, test and analyse.
# Idempotent: skips apt entirely when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake git pkg-config
  libopenmpi-dev openmpi-bin libboost-mpi-dev libboost-serialization-dev
  libhdf5-openmpi-dev hdf5-tools
  libbenchmark-dev libgtest-dev libtomlplusplus-dev libcli11-dev nlohmann-json3-dev
  python3 python3-h5py python3-numpy python3-matplotlib python3-pytest python3-hypothesis
  python3-pandas python3-scipy python3-venv python3-pip python3-setuptools
  clang libclang-rt-14-dev
  libssl-dev bubblewrap procps
  slurmctld slurmd slurm-client munge
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
