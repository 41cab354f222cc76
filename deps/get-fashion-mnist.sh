#!/usr/bin/env bash
# Find Fashion-MNIST (Zalando; 60,000 training and 10,000 test images, 28x28, 10 classes) as
# packaged by Debian in `dataset-fashion-mnist`, and print the directory holding its four IDX
# files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-...).
#
# Usage: deps/get-fashion-mnist.sh [--quiet]
#
# Looks, in order, in:
#   1. /usr/share/datasets/fashion-mnist           (the package installed system-wide)
#   2. <cache>/datasets/dataset-fashion-mnist/usr/share/datasets/fashion-mnist
# and where neither is complete, downloads the package with `apt-get download` (no root needed;
# apt checks the .deb against the distribution's signed index) and unpacks it with
# `dpkg-deb -x` into the second place. <cache> is $LIBTORCH_CACHE, else
# $XDG_CACHE_HOME/libtorch-rs, else ~/.cache/libtorch-rs. If apt's package lists do not know
# the package (no `apt-get update` since the machine was made), the script refreshes a private
# copy of the lists under <cache>/apt, which also needs no root. Re-runs reuse the cache.
set -euo pipefail

quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quiet) quiet=1 ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "get-fashion-mnist: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

say() { [ "$quiet" = 1 ] || echo "get-fashion-mnist: $*" >&2; }
die() { echo "get-fashion-mnist: error: $*" >&2; exit 1; }

pkg=dataset-fashion-mnist
inside=usr/share/datasets/fashion-mnist
cache="${LIBTORCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libtorch-rs}"
dest="$cache/datasets/$pkg"

complete() {
  local f
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte \
           t10k-labels-idx1-ubyte; do
    [ -s "$1/$f.gz" ] || [ -s "$1/$f" ] || return 1
  done
}

for dir in "/$inside" "$dest/$inside"; do
  if complete "$dir"; then
    echo "$dir"
    exit 0
  fi
done

command -v apt-get >/dev/null || die "Fashion-MNIST not found and apt-get is missing: install \
the Debian package $pkg, or pass the directory holding its IDX files with --data-dir"
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (it unpacks $pkg)"

mkdir -p "$cache/datasets"
tmp=$(mktemp -d "$cache/datasets/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

say "downloading $pkg with apt-get (about 31 MB) into $cache/datasets"
if ! (cd "$tmp" && apt-get download "$pkg") >"$tmp/apt.log" 2>&1; then
  say "apt's package lists do not have $pkg; refreshing a private copy under $cache/apt"
  lists="$cache/apt/lists"
  mkdir -p "$lists/partial" "$cache/apt/archives/partial"
  opts=(-o "Dir::State::Lists=$lists" -o "Dir::Cache::Archives=$cache/apt/archives"
        -o "Debug::NoLocking=1")
  apt-get "${opts[@]}" update >"$tmp/apt-update.log" 2>&1 \
    || { cat "$tmp/apt.log" "$tmp/apt-update.log" >&2; die "apt-get update failed"; }
  (cd "$tmp" && apt-get "${opts[@]}" download "$pkg") >"$tmp/apt.log" 2>&1 \
    || { cat "$tmp/apt.log" >&2; die "apt-get download $pkg failed"; }
fi

debs=("$tmp"/"$pkg"_*.deb)
[ -f "${debs[0]}" ] || die "apt-get reported success but left no $pkg .deb in $tmp"
mkdir "$tmp/root"
dpkg-deb -x "${debs[0]}" "$tmp/root"
complete "$tmp/root/$inside" || die "the package ${debs[0]##*/} lacks the IDX files under /$inside"

# Replace any partial earlier copy in one rename, so a concurrent run never sees half a tree.
rm -rf "$dest"
mv "$tmp/root" "$dest" 2>/dev/null || complete "$dest/$inside" \
  || die "cannot move the unpacked package to $dest"
say "unpacked ${debs[0]##*/}"
echo "$dest/$inside"
