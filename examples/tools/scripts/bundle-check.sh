#!/usr/bin/env bash
# A bundled binary runs from another directory with libtorch's cache out of reach
# (docs/bundling.md): xor-mlp is linked with LIBTORCH_RPATH='$ORIGIN', bundled by
# libtorch-sys/provision/bundle.sh into a scratch directory, and run from there with
# LD_LIBRARY_PATH unset, HOME, XDG_CACHE_HOME and LIBTORCH_CACHE pointing at an empty directory,
# and (where a private mount namespace can be had, as root) an empty tmpfs mounted over the cache
# and over this checkout, so that no file of either can be loaded.
# Usage: examples/tools/scripts/bundle-check.sh
set -euo pipefail

repo=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$repo"
cache=${LIBTORCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libtorch-rs}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

LIBTORCH_RPATH='$ORIGIN' cargo build --quiet --release --bin xor-mlp
bin=$(cargo metadata --format-version 1 --no-deps | sed 's/.*"target_directory":"\([^"]*\)".*/\1/')/release/xor-mlp
rpath=$(readelf -d "$bin" | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]$/\2/p')
[ "$rpath" = '$ORIGIN' ] || fail "xor-mlp's rpath is '$rpath', not \$ORIGIN alone"

bash libtorch-sys/provision/bundle.sh "$bin" "$work/bundle"
mkdir "$work/empty"
# The bundle is run as a user would on another machine: from its own directory, with nothing
# in the environment pointing at libtorch.
run='cd "$1/bundle" && exec env -u LD_LIBRARY_PATH -u LIBTORCH HOME="$1/empty" \
  XDG_CACHE_HOME="$1/empty" LIBTORCH_CACHE="$1/empty" ./xor-mlp'
if unshare -m true 2>/dev/null; then
  echo "cache ($cache) and checkout ($repo) hidden under empty tmpfs mounts"
  # Every library the loader resolves must come from the bundle.
  unshare -m bash -c "mount -t tmpfs none '$cache' && mount -t tmpfs none '$repo' &&
    cd '$work/bundle' && env -u LD_LIBRARY_PATH ldd ./xor-mlp" >"$work/ldd.txt"
  if grep -E 'libtorch|libc10|libgomp|libcudart|libcupti|not found' "$work/ldd.txt" | grep -v "=> $work/bundle/"; then
    fail "libraries above were not loaded from the bundle"
  fi
  unshare -m bash -c "mount -t tmpfs none '$cache' && mount -t tmpfs none '$repo' && $run" _ "$work"
else
  echo "no mount namespace here: the cache stays, but nothing in the environment points at it"
  bash -c "$run" _ "$work"
fi
