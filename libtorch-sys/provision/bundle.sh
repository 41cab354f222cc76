#!/usr/bin/env bash
# Copy a binary and every libtorch shared library it loads into one directory, so that the
# directory runs anywhere (another machine, another user, after the cache is cleaned) with no
# LD_LIBRARY_PATH: the binary finds the libraries through an `$ORIGIN` rpath, and libtorch's own
# libraries find each other (and the CUDA runtime) through theirs, which holds `$ORIGIN` too.
#
# Usage: bundle.sh [--lib DIR] BINARY DEST
#   BINARY     linked with `$ORIGIN` in its rpath: build it with LIBTORCH_RPATH='$ORIGIN' set
#              (read by a build.rs written as in the README; the workspace's examples do)
#   DEST       the directory to fill (created); BINARY is copied there too
#   --lib DIR  the libtorch lib/ the binary was built against (default: $LIBTORCH/lib if
#              LIBTORCH is set, else the pinned version's in the cache, as the build script finds)
#
# Copied: everything the binary loads except the C and C++ runtime (glibc, libgcc_s, libstdc++),
# which the other machine must have, at least as new as the symbol versions the bundle uses:
# printed at the end (glibc 2.34 and GLIBCXX_3.4.29, i.e. GCC 11's libstdc++, for a binary built
# on Debian 12; the libtorch libraries alone need glibc 2.28). A CPU bundle is about 475 MB.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "bundle: error: $*" >&2; exit 1; }

lib=
while [ $# -gt 0 ]; do
  case "$1" in
    --lib) lib="$2"; shift ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) die "unknown option '$1' (try --help)" ;;
    *) break ;;
  esac
  shift
done
[ $# -eq 2 ] || die "usage: bundle.sh [--lib DIR] BINARY DEST (try --help)"
bin=$1
dest=$2
[ -f "$bin" ] || die "$bin: no such file"

# Without `$ORIGIN` in its rpath the binary would not look beside itself.
rpath=$(readelf -d "$bin" | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]$/\2/p')
case ":$rpath:" in
  *':$ORIGIN:'*) ;;
  *) die "$bin's rpath is '$rpath', without \$ORIGIN: rebuild it with LIBTORCH_RPATH='\$ORIGIN' set" ;;
esac

if [ -z "$lib" ]; then
  if [ -n "${LIBTORCH:-}" ]; then
    lib="$LIBTORCH/lib"
  else
    minor=$(cut -d. -f1,2 <<<"${LIBTORCH_VERSION:-$(cat "$here/default-version")}")
    version=$(sed -n 's/^torch==\([^ ]*\).*/\1/p' "$here/pytorch-$minor.lock")
    lib="${LIBTORCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libtorch-rs}/libtorch-$version/lib"
  fi
fi
[ -f "$lib/libtorch_cpu.so" ] || die "no libtorch_cpu.so in $lib: pass --lib DIR"

# The loader's own answer, with libtorch's lib/ on the search path as the binary's rpath was
# when it was built: every library of the tree, resolved as it would be at run time.
listing=$(LD_LIBRARY_PATH="$lib" ldd "$bin") || die "ldd $bin failed"
if grep -q 'not found' <<<"$listing"; then
  die "some libraries cannot be found:"$'\n'"$(grep 'not found' <<<"$listing")"
fi

mkdir -p "$dest"
cp "$bin" "$dest/"
count=0
while read -r name path; do
  case "$name" in
    # The C and C++ runtime: the other machine's own.
    libc.so.*|libm.so.*|libdl.so.*|librt.so.*|libpthread.so.*|libutil.so.*|libresolv.so.*|\
    libanl.so.*|libnsl.so.*|ld-linux*|libgcc_s.so.*|libstdc++.so.*) continue ;;
  esac
  cp -L "$path" "$dest/$name"
  count=$((count + 1))
done < <(awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' <<<"$listing")
echo "bundle: $dest: $(basename "$bin") and $count libraries ($(du -sh "$dest" | cut -f1))" >&2
# The newest symbol versions the bundle asks of the other machine's runtime.
newest() { objdump -T "$dest"/* 2>/dev/null | grep -o "$1[0-9.]*" | sort -uV | tail -n 1; }
echo "bundle: the other machine needs Linux x86-64 with $(newest 'GLIBC_2\.') or newer and a libstdc++ with $(newest 'GLIBCXX_')" >&2
