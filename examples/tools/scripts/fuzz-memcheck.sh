#!/usr/bin/env bash
# The long fuzz pass of one seed under valgrind memcheck: finds the invalid reads and writes that
# libtorch makes without crashing at once (a heap overflow that glibc only notices at a later
# allocation, in another op). Prints, per op, each kind of memory error and the innermost
# libtorch frame; an op listed here needs a guard (spec/rules.yaml).
#
#   examples/tools/scripts/fuzz-memcheck.sh SEED [FROM [SHARE [FORMS]]]
#
# FROM: the first op index (default 0); SHARE: fuzz-ops --form-share, the share of tensors drawn
# sparse, quantized, nested, oneDNN or oddly strided (default 0); FORMS: fuzz-ops --forms, only
# these forms, comma-separated (default all), e.g. "nested".
#
# About 5 minutes per seed on one core. The fuzz child runs every op in one process; when it
# dies (valgrind cannot throw `std::bad_alloc` for a refused huge allocation and aborts instead),
# the run restarts after that op, and the op is reported as "child died". Uninitialised-value
# reports are left out (reading an `empty` tensor's memory is allowed), and so are "fishy"
# malloc sizes (c10 refuses a wrapped size with an error: `_add_batch_dim` of a 0-D tensor). libtorch's AVX2/AVX-512
# kernels are switched off (ATEN_CPU_CAPABILITY=default): valgrind lacks some of their
# instructions. Then `LTRS_FUZZ_TRACE=1 fuzz-ops --only OP --seed SEED --child-from 0` under
# valgrind shows the arguments of the call that made the error.
set -euo pipefail
cd "$(dirname "$0")/../../.."
seed="${1:?usage: fuzz-memcheck.sh SEED [FROM]}"
from="${2:-0}"
share="${3:-0}"
forms="${4:-}"
command -v valgrind >/dev/null || { echo "fuzz-memcheck.sh: valgrind is not installed" >&2; exit 2; }

cargo build --quiet --release -p tools --bin fuzz-ops
bin="$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/fuzz-ops"
work="$(mktemp -d -t fuzz-memcheck.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1 TORCH_CPP_LOG_LEVEL=ERROR

"$bin" --list >"$work/ops" # op index -> declaration key
part=0
while :; do
  set +e
  valgrind --error-limit=no --num-callers=40 "$bin" --calls-per-op 40 --seed "$seed" \
    --form-share "$share" ${forms:+--forms "$forms"} --child-from "$from" \
    >"$work/$part.out" 2>"$work/$part.err"
  set -e
  last="$(awk '$1 == "B" { b = $2 } END { print b }' "$work/$part.out")"
  if [ -z "$last" ] || grep -q "^E $last " "$work/$part.out"; then break; fi
  echo "op $last ($(awk -F'\t' -v i="$last" '$1 == i { print $2 }' "$work/ops")): child died ($(grep -m1 -o -E 'new/new\[\] failed|Process terminating[^(]*' "$work/$part.err" || echo 'no reason given'))"
  from=$((last + 1)) part=$((part + 1))
done

# Each error block: its first line names the kind; the first `table::op_N` frame names the op
# (the index into examples/tools/src/fuzz/generated/table.rs's OPS); the first libtorch frame is the site.
cat "$work"/*.err | awk '
  /^==[0-9]+== (Invalid|Mismatched|Source and destination)/ {
    kind = $0; sub(/^==[0-9]+== /, "", kind); site = ""; next
  }
  kind != "" && site == "" && /libtorch_cpu|libc10/ {
    site = $0; sub(/^==[0-9]+== +(at|by) 0x[0-9A-F]+: /, "", site); sub(/\(.*/, "", site)
  }
  kind != "" && match($0, /table::op_[0-9]+/) {
    op = substr($0, RSTART + 10, RLENGTH - 10)
    print op "\t" kind "\t" site; kind = ""
  }' | sort | uniq -c | sort -k2,2n >"$work/errors"
calls="$(cat "$work"/*.out | awk '$1 == "E" { n += $3 + $4 + $5 } END { print n + 0 }')"
echo "seed $seed (form share $share${forms:+, forms $forms}): $calls calls under memcheck; memory errors (count, op, kind, innermost libtorch frame):"
if [ -s "$work/errors" ]; then
  # The op index becomes its declaration key.
  awk -F'\t' 'NR == FNR { key[$1] = $2; next }
    { split($1, a, " "); printf "  %s %s\t%s\t%s\n", a[1], key[a[2]], $2, $3 }' \
    "$work/ops" "$work/errors"
  exit 1
fi
echo "  none"
