#!/usr/bin/env bash
# clang-tidy over the project's sources with the checks in .clang-tidy,
# using the release build's compile_commands.json.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f build/release/compile_commands.json ]] || scripts/build.sh release
files=$(git ls-files 'src/*.cpp' | grep -v '^src/app/version')
run-clang-tidy -quiet -p build/release $files "$@" 2>/dev/null | grep -E "warning:|error:" | sort -u || true
