#!/usr/bin/env bash
# Measures two build costs of the workspace and prints them as a Markdown table:
#
#   1. the clean build of libtorch-sys with the shim cache off (LIBTORCH_SHIM_CACHE=0), into a
#      scratch CARGO_TARGET_DIR that is deleted afterwards: every C++ shim is compiled afresh;
#   2. the run time of the generator's check (`cargo run --release -p codegen -- --check`), after
#      building it untimed.
#
# Usage: examples/tools/scripts/build-times.sh [--skip-clean] [--release] [--jobs N]
#   --skip-clean   measure only the codegen run (the clean build takes minutes on all cores)
#   --release      build libtorch-sys with the release profile
#   --jobs N       cargo's -j for the clean build (default: cargo's, i.e. every core)
set -euo pipefail

skip_clean=0
profile=()
jobs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-clean) skip_clean=1 ;;
    --release) profile=(--release) ;;
    --jobs) shift; jobs=(-j "${1:?--jobs needs a number}") ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-times.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

rows=()
if [ "$skip_clean" = 0 ]; then
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  echo "clean build of libtorch-sys (LIBTORCH_SHIM_CACHE=0, target dir $scratch)..." >&2
  start=$(now)
  LIBTORCH_SHIM_CACHE=0 CARGO_TARGET_DIR="$scratch" \
    cargo build -p libtorch-sys "${profile[@]}" "${jobs[@]}" >&2
  end=$(now)
  rows+=("| clean \`cargo build -p libtorch-sys ${profile[*]}\` (shim cache off) | $(elapsed "$start" "$end") s |")
fi

echo "building codegen (untimed)..." >&2
cargo build --release -p codegen >&2
echo "timing codegen --check..." >&2
start=$(now)
cargo run --release -q -p codegen -- --check >/dev/null
end=$(now)
rows+=("| \`cargo run --release -p codegen -- --check\` (already built) | $(elapsed "$start" "$end") s |")

echo "build times on $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
echo "| what | wall time |"
echo "|---|--:|"
printf '%s\n' "${rows[@]}"
