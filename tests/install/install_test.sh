#!/usr/bin/env bash
# install_test.sh CMAKE BUILD_DIR EXAMPLE_DIR MPIEXEC
set -euo pipefail
cmake=$1 build=$2 example=$3 mpiexec=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log"
for f in bin/p2pgrid include/p2pgrid/api/context.hpp lib/cmake/p2pgrid/p2pgridConfig.cmake \
         lib/cmake/p2pgrid/p2pgridConfigVersion.cmake share/p2pgrid/slurm/run.sbatch share/p2pgrid/slurm/common.sh \
         share/p2pgrid/configs/grid-small.toml share/p2pgrid/postprocess/pyproject.toml \
         share/doc/p2pgrid/trace-schema.md share/doc/p2pgrid/LICENSE share/doc/p2pgrid/CITATION.cff \
         share/doc/p2pgrid/CHANGELOG.md; do
  [[ -e $prefix/$f ]] || { echo "not installed: $f"; exit 1; }
done
[[ -x $prefix/share/p2pgrid/slurm/run.sbatch ]] || { echo "run.sbatch is not executable"; exit 1; }
"$prefix/bin/p2pgrid" --version
"$prefix/bin/p2pgrid" validate "$prefix/share/p2pgrid/configs/grid-small.toml" >/dev/null

# The example is built from a copy outside the source tree, as a researcher would.
cp -r "$example" "$tmp/gossip"
"$cmake" -S "$tmp/gossip" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  -DHDF5_C_COMPILER_EXECUTABLE=/usr/bin/h5pcc >"$tmp/configure.log" || { cat "$tmp/configure.log"; exit 1; }
"$cmake" --build "$tmp/build" -j 2 >"$tmp/build.log" || { cat "$tmp/build.log"; exit 1; }
# Push gossip informs most peers, not all; the count is the same on any number of ranks.
one=$("$mpiexec" -n 1 "$tmp/build/gossip" 500)
two=$("$mpiexec" -n 2 --oversubscribe "$tmp/build/gossip" 500 "$tmp/rumour.h5")
echo "$one"
echo "$two"
informed=$(sed -nE 's/^gossip: ([0-9]+) of 500 peers informed on 2 rank\(s\),.*/\1/p' <<<"$two")
[[ -n $informed && $informed -gt 250 ]] || { echo "unexpected output"; exit 1; }
[[ ${one%% on *} == "${two%% on *}" ]] || { echo "1 and 2 ranks disagree"; exit 1; }
[[ -s $tmp/rumour.h5 ]] || { echo "no trace written"; exit 1; }
echo "install test: ok"
