#!/usr/bin/env bash
# A sample of the loader fuzz under valgrind memcheck: the reads and writes past a buffer that
# do not crash at once. Runs the fuzz child (the same cases `fuzz-loaders` runs) over COUNT
# mutated files per format and fails if memcheck reports any invalid read or write, invalid
# free, or overlapping copy, printing each with its innermost frames.
#
#   examples/tools/scripts/fuzz-loaders-memcheck.sh [COUNT [SEED [FORMATS]]]
#
# COUNT: cases per format (default 300); SEED: the fuzz seed (default 1); FORMATS: comma-
# separated (default pt,safetensors,npy,npz). Cases START..START+COUNT with START=$START
# (default 0). About a second per case under valgrind on this machine (libtorch starts in about
# a minute). libtorch's AVX2/AVX-512 kernels are switched off (ATEN_CPU_CAPABILITY=default):
# valgrind lacks some of their instructions. A case that kills the child under valgrind
# (valgrind cannot throw `std::bad_alloc` for a refused huge allocation and aborts instead) is
# reported as "child died" and the run goes on after it; `fuzz-loaders --format F --seed S
# --case N` replays it without valgrind.
set -euo pipefail
cd "$(dirname "$0")/../../.."
count="${1:-300}"
seed="${2:-1}"
formats="${3:-pt,safetensors,npy,npz}"
start="${START:-0}"
command -v valgrind >/dev/null || { echo "fuzz-loaders-memcheck.sh: valgrind is not installed" >&2; exit 2; }

CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo build --quiet -p tools --bin fuzz-loaders
bin="$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/fuzz-loaders"
work="$(mktemp -d -t fuzz-loaders-memcheck.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1 TORCH_CPP_LOG_LEVEL=ERROR

"$bin" --format "$formats" --write-corpus "$work/corpus"
failed=0
for format in ${formats//,/ }; do
  from="$start" end=$((start + count)) part=0 died=0
  while [ "$from" -lt "$end" ]; do
    set +e
    valgrind --error-limit=no --num-callers=30 --suppressions=examples/tools/valgrind/libtorch.supp \
      "$bin" --format "$format" --seed "$seed" --from "$from" --to "$end" --mem-limit-gb 0 \
      --child-corpus "$work/corpus/$format" >"$work/$format.$part.out" 2>"$work/$format.$part.err"
    set -e
    if grep -q '^D$' "$work/$format.$part.out"; then break; fi
    last="$(awk '$1 == "B" { b = $2 } END { print b }' "$work/$format.$part.out")"
    [ -n "$last" ] || { echo "$format: the child died before its first case"; cat "$work/$format.$part.err" >&2; exit 1; }
    echo "$format case $last: child died under valgrind ($(grep -m1 -o -E 'new/new\[\] failed|Process terminating[^(]*|panicked[^\n]*' "$work/$format.$part.err" || echo 'no reason given'))"
    died=$((died + 1)) from=$((last + 1)) part=$((part + 1))
  done
  cases="$(cat "$work/$format".*.out | grep -c '^E ' || true)"
  ok="$(cat "$work/$format".*.out | grep -c '^E .* o$' || true)"
  # Each error block: its kind, and the first frames that are ours or libtorch's.
  cat "$work/$format".*.err | awk '
    /^==[0-9]+== (Invalid (read|write|free)|Mismatched free|Source and destination overlap)/ {
      if (kind != "") print kind "\t" where
      kind = $0; sub(/^==[0-9]+== /, "", kind); where = ""; n = 0; next
    }
    kind != "" && /^==[0-9]+== +(at|by) / && n < 4 {
      f = $0; sub(/^==[0-9]+== +(at|by) 0x[0-9A-F]+: /, "", f); sub(/ \(.*/, "", f)
      where = where (n ? " < " : "") f; n++
    }
    kind != "" && /^==[0-9]+== *$/ { print kind "\t" where; kind = "" }
    END { if (kind != "") print kind "\t" where }' | sort | uniq -c | sort -rn >"$work/$format.errors"
  other="$(cat "$work/$format".*.err | grep -c -E '^==[0-9]+== (Conditional jump|Use of uninitialised|Syscall param)' || true)"
  echo "$format: $cases cases under memcheck (seed $seed, cases $start..$end: $ok Ok), $died child deaths; invalid reads/writes/frees:"
  if [ -s "$work/$format.errors" ]; then
    sed 's/^/  /' "$work/$format.errors"
    failed=1
  else
    echo "  none"
  fi
  [ "$other" = 0 ] || echo "  ($other uninitialised-value reports, not counted: see valgrind's output with --track-origins=yes)"
done
exit "$failed"
