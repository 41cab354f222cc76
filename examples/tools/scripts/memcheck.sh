#!/usr/bin/env bash
# Leak check under valgrind memcheck: runs the `leak-check` workload (creation, ops, autograd
# incl. a custom function, failing calls, nn + optimizer, serialization, zero-copy
# views, drops) and fails if any byte is "definitely lost" outside the reviewed suppressions of
# libtorch's own one-time allocations (examples/tools/valgrind/libtorch.supp).
#
#   examples/tools/scripts/memcheck.sh [OPS]     # OPS: libtorch operations after warm-up (default 1400)
#
# Valgrind runs libtorch ~50x slower, so the workload is small; the 1M-operation RSS check is
# `cargo run --release -p tools --bin leak-check` (no valgrind).
set -euo pipefail
cd "$(dirname "$0")/../../.."

ops="${1:-1400}" # 100 rounds, one of them full
command -v valgrind >/dev/null || { echo "memcheck.sh: valgrind is not installed" >&2; exit 2; }

CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo build --quiet -p tools --bin leak-check
bin="$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/leak-check"
log="$(mktemp -t memcheck.XXXXXX.log)"

# One intra-op thread: fewer threads for valgrind to serialise, same code paths.
export OMP_NUM_THREADS=1
set +e
valgrind --tool=memcheck \
  --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --suppressions=examples/tools/valgrind/libtorch.supp \
  --error-exitcode=99 --log-file="$log" \
  "$bin" --ops "$ops" --warmup 0 --slack-kib 10000000
status=$?
set -e

sed -n '/HEAP SUMMARY/,$p' "$log"
definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | tail -1)
grep -q "no leaks are possible" "$log" && definite=0
echo "memcheck: definitely lost ${definite:-?} bytes (log: $log)"
if [ "$status" -ne 0 ] || [ "${definite:-1}" != "0" ]; then
  echo "memcheck: FAILED (exit $status); see $log" >&2
  exit 1
fi
echo "memcheck: ok"
