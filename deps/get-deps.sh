#!/usr/bin/env bash
# Fetch the pinned libtorch into the workspace's deps/pytorch (which the build then uses), by
# running the provisioning script that ships inside the libtorch-sys crate
# (libtorch-sys/provision/get-libtorch.sh, with the locks pytorch-2.MINOR.lock beside it): one
# copy serves both this checkout and the published crate's build script.
#
# Usage: deps/get-deps.sh [--version MINOR] [--cuda] [--dest DIR] [--declarations] [--quiet]
#   --version MINOR which PyTorch (default: $LIBTORCH_VERSION, else provision/default-version)
#   --cuda          also fetch every NVIDIA library libtorch_cuda.so needs
#   --dest DIR      where to lay out include/lib/share (default: <repo>/deps/pytorch)
#   --declarations  regenerate that version's Declarations.yaml (spec/ for 2.11,
#                   spec/versions/MINOR/ for newer) with the same wheel's torchgen
#   --quiet         print only errors
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
dest="$here/pytorch"
args=()
minor="${LIBTORCH_VERSION:-$(cat "$repo/libtorch-sys/provision/default-version")}"
minor=$(cut -d. -f1,2 <<<"$minor")
declarations=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) dest="$2"; shift ;;
    --version) minor="$2"; shift ;;
    --declarations) declarations=1 ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done
if [ "$declarations" = 1 ]; then
  if [ "$minor" = 2.11 ]; then args+=(--declarations "$repo/spec")
  else args+=(--declarations "$repo/spec/versions/$minor"); fi
fi
exec bash "$repo/libtorch-sys/provision/get-libtorch.sh" --version "$minor" --dest "$dest" "${args[@]}"
