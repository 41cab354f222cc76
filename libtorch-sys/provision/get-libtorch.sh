#!/usr/bin/env bash
# Fetch one supported libtorch (pytorch-MINOR.lock beside this script, e.g. pytorch-2.15.lock)
# from the Python package registry and lay it out like an official libtorch archive:
#
#   DEST/{include,lib,share}  ->  symlinks into the download cache
#   DEST/build-version        ->  "2.11.0"
#
# Usage: get-libtorch.sh --dest DIR [--version MINOR] [--cuda] [--declarations DIR] [--quiet]
#   --dest DIR          where to lay out include/lib/share
#   --version MINOR     which PyTorch, e.g. 2.13 (default: $LIBTORCH_VERSION, else the one in
#                       default-version beside this script); supported: one lock file each
#   --cuda              also fetch every NVIDIA library libtorch_cuda.so needs (read from the torch
#                       wheel's own metadata), so `--features cuda` builds link and run on a GPU
#   --declarations DIR  write Declarations.yaml (and its .sha256) into DIR, made by the same
#                       wheel's torchgen
#   --quiet             print only errors
#
# Downloads and unpacked files live in the cache: $LIBTORCH_CACHE, else
# $XDG_CACHE_HOME/libtorch-rs, else ~/.cache/libtorch-rs. Re-runs reuse them (idempotent).
# This script, the pin and cuda-substitutes.txt live inside the libtorch-sys crate, so the
# published crate's build script can run it; the workspace's deps/get-deps.sh calls this copy.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
substitutes="$here/cuda-substitutes.txt"
dest=
cuda=0
minor="${LIBTORCH_VERSION:-$(cat "$here/default-version")}"
declarations=
quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cuda) cuda=1 ;;
    --dest) dest="$2"; shift ;;
    --version) minor="$2"; shift ;;
    --declarations) declarations="$2"; shift ;;
    --quiet) quiet=1 ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "get-libtorch: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$dest" ] || { echo "get-libtorch: --dest DIR is required (try --help)" >&2; exit 2; }

say() { [ "$quiet" = 1 ] || echo "get-libtorch: $*" >&2; }
die() { echo "get-libtorch: error: $*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 is needed (its pip downloads the wheels)"
lock="$here/pytorch-$minor.lock"
if [ ! -f "$lock" ]; then
  supported=$(cd "$here" && ls pytorch-*.lock | sed 's/pytorch-\(.*\)\.lock/\1/' | sort -V | tr '\n' ' ')
  die "PyTorch $minor is not supported; supported: ${supported% }"
fi
version=$(sed -n 's/^torch==\([^ ]*\).*/\1/p' "$lock")
[ -n "$version" ] || die "no torch==VERSION line in $lock"

cache="${LIBTORCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libtorch-rs}"
# The pinned wheels, identified by the lock file's content: a changed pin gets a fresh directory.
key=$(sha256sum "$lock" | cut -c1-12)
wheels="$cache/wheels"
site="$cache/torch-$version-$key"
mkdir -p "$wheels"

# pip picks the exact wheel the hashes were recorded for, whatever Python runs this script.
pip_target=(--only-binary=:all: --implementation cp --python-version 3.11 --abi cp311 --abi abi3
            --abi none --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64
            --platform manylinux_2_25_x86_64 --platform manylinux_2_17_x86_64
            --platform manylinux2014_x86_64)

fetch_cpu() {
  say "downloading (or reusing) the wheels pinned in $lock into $wheels"
  local q=(); [ "$quiet" = 1 ] && q=(-q)
  python3 -m pip download "${q[@]}" --disable-pip-version-check --no-deps --require-hashes \
    "${pip_target[@]}" -r "$lock" -d "$wheels" >&2 \
    || die "pip could not download the pinned wheels (see above)"
}

# Unpacks only the parts a C++ user needs (headers, libraries, cmake files, torchgen), in the
# layout pip gives them, so libtorch_cpu.so's RPATH ($ORIGIN/../../nvidia/cu13/lib) finds the
# CUDA runtime it NEEDs without any environment variable.
unpack() { # unpack DIR WHEEL...
  local out="$1"; shift
  python3 - "$out" "$@" <<'PY'
import sys, zipfile, os, stat
out, wheels = sys.argv[1], sys.argv[2:]
keep = ("torch/include/", "torch/lib/", "torch/share/", "torch/version.py", "torchgen/", "nvidia/")
for w in wheels:
    with zipfile.ZipFile(w) as z:
        for info in z.infolist():
            if not info.filename.startswith(keep) or info.is_dir():
                continue
            path = z.extract(info, out)
            mode = info.external_attr >> 16
            if mode & stat.S_IXUSR:
                os.chmod(path, 0o755)
PY
}

wheel_path() { # the downloaded file of a distribution pinned in the lock, e.g. wheel_path torch
  local name="${1//-/_}" version
  version=$(sed -n "s/^$1==\([^ ]*\).*/\1/p" "$lock")
  ls "$wheels"/"$name"-"$version"-*.whl 2>/dev/null | head -n 1
}

if [ ! -f "$site/.complete" ]; then
  fetch_cpu
  say "unpacking into $site"
  rm -rf "$site.tmp"
  unpack "$site.tmp" "$(wheel_path torch)" "$(wheel_path nvidia-cuda-runtime)" "$(wheel_path nvidia-cuda-cupti)"
  echo "$version" > "$site.tmp/build-version"
  touch "$site.tmp/.complete"
  rm -rf "$site"
  mv "$site.tmp" "$site"
else
  say "libtorch $version already unpacked in $site"
fi

if [ "$cuda" = 1 ] && [ ! -f "$site/.cuda-complete" ]; then
  # torch's METADATA names the CUDA libraries libtorch_cuda.so needs, for Linux.
  mapfile -t reqs < <(python3 - "$site" "$(wheel_path torch)" <<'PY'
import sys, zipfile, re
with zipfile.ZipFile(sys.argv[2]) as z:
    meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
    for line in z.read(meta).decode().splitlines():
        m = re.match(r"Requires-Dist: ([^;]+?)\s*;\s*platform_system == \"Linux\"$", line)
        if m and re.match(r"(cuda-toolkit|nvidia-)", m.group(1)):
            print(m.group(1).replace(" ", ""))
PY
)
  # Versions the registry lacks are swapped for the substitutes recorded beside this script.
  for i in "${!reqs[@]}"; do
    sub=$(awk -v r="${reqs[$i]}" '$1 == r { print $2 }' "$substitutes")
    if [ -n "$sub" ]; then say "using $sub for ${reqs[$i]} (cuda-substitutes.txt)"; reqs[$i]=$sub; fi
  done
  say "fetching the CUDA libraries torch $version needs: ${reqs[*]}"
  cudadir="$wheels/cuda-$version"
  mkdir -p "$cudadir"
  python3 -m pip download --disable-pip-version-check "${pip_target[@]}" -d "$cudadir" "${reqs[@]}" >&2 \
    || die "pip could not download the CUDA libraries (see above)"
  unpack "$site" "$cudadir"/nvidia_*.whl
  touch "$site/.cuda-complete"
fi

mkdir -p "$dest"
for d in include lib share; do ln -sfn "$site/torch/$d" "$dest/$d"; done
cp "$site/build-version" "$dest/build-version"
say "libtorch $version ready in $dest (lib -> $site/torch/lib)"

if [ -n "$declarations" ]; then
  say "writing $declarations/Declarations.yaml with torchgen $version"
  python3 -c 'import yaml' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check pyyaml >&2
  tmp=$(mktemp -d)
  (cd "$site" && PYTHONPATH="$site" python3 -m torchgen.gen -s torchgen/packaged/ATen \
     --generate declarations_yaml -d "$tmp" >/dev/null)
  mkdir -p "$declarations"
  cp "$tmp/Declarations.yaml" "$declarations/Declarations.yaml"
  sha256sum "$declarations/Declarations.yaml" | sed "s|  .*|  Declarations.yaml|" > "$declarations/Declarations.yaml.sha256"
  rm -rf "$tmp"
  say "$declarations/Declarations.yaml: $(grep -c '^- name:' "$declarations/Declarations.yaml" || true) entries"
fi
