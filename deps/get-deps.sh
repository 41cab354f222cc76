#!/usr/bin/env bash
# Fetch the pinned libtorch into the workspace's deps/pytorch (which the build then uses), by
# running the provisioning script that ships inside the libtorch-sys crate
# (libtorch-sys/provision/get-libtorch.sh, with the pin pytorch.lock beside it): one copy serves
# both this checkout and the published crate's build script.
#
# Usage: deps/get-deps.sh [--cuda] [--dest DIR] [--declarations] [--quiet]
#   --cuda          also fetch every NVIDIA library libtorch_cuda.so needs
#   --dest DIR      where to lay out include/lib/share (default: <repo>/deps/pytorch)
#   --declarations  regenerate spec/Declarations.yaml with the same wheel's torchgen
#   --quiet         print only errors
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
dest="$here/pytorch"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) dest="$2"; shift ;;
    --declarations) args+=(--declarations "$repo/spec") ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done
exec bash "$repo/libtorch-sys/provision/get-libtorch.sh" --dest "$dest" "${args[@]}"
