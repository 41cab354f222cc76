#!/usr/bin/env bash
# The misuse suite (libtorch/tests/misuse.rs) under valgrind memcheck: every case in its own
# process, failing on any invalid read or write, use of uninitialised memory that decides a
# branch, or bad free (outside the reviewed suppressions of examples/tools/valgrind/libtorch.supp).
# A case that ends in the right `Err` can still have touched freed or foreign memory on its way;
# this is what sees it.
#
#   examples/tools/scripts/misuse-memcheck.sh [REGEX]    # only the cases whose names match
#
# About 20 minutes for all cases here (valgrind runs libtorch ~50x slower).
set -euo pipefail
cd "$(dirname "$0")/../../.."
command -v valgrind >/dev/null || { echo "misuse-memcheck.sh: valgrind is not installed" >&2; exit 2; }
only="${1:-.}"

bin=$(CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo test --quiet -p libtorch --test misuse \
  --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "misuse" and m.get("executable"):
        print(m["executable"])')
[ -x "$bin" ] || { echo "misuse-memcheck.sh: could not build the misuse test" >&2; exit 1; }
lib=$(ls -d "${LIBTORCH_CACHE:-$HOME/.cache/libtorch-rs}"/torch-*/torch/lib 2>/dev/null | head -1)
export LD_LIBRARY_PATH="${lib}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# valgrind lacks some AVX-512 instructions; one intra-op thread: fewer threads to serialise.
export ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1

cases=$(LTRS_MISUSE_LIST=1 "$bin" --exact misuse_cases_end_in_errors_not_crashes --nocapture \
  | sed -n 's/^LTRS_MISUSE_CASE_NAME //p' | grep -E "$only" || true)
[ -n "$cases" ] || { echo "misuse-memcheck.sh: no case matches $only" >&2; exit 1; }
logs=$(mktemp -d -t misuse-memcheck.XXXXXX)
failed=0 n=0
for c in $cases; do
  n=$((n + 1))
  log="$logs/$(echo "$c" | tr / _).log"
  t0=$(date +%s)
  set +e
  # Smaller superblocks: one of libtorch's RNN kernels exhausts VEX's temporary storage otherwise
  # (valgrind stops with "VEX temporary storage exhausted", not a memory error).
  out=$(LTRS_MISUSE_CASE="$c" valgrind --tool=memcheck --error-exitcode=99 --vex-guest-max-insns=25 \
    --suppressions=examples/tools/valgrind/libtorch.supp --log-file="$log" \
    "$bin" --exact misuse_cases_end_in_errors_not_crashes --nocapture --test-threads 1 2>&1)
  status=$?
  set -e
  errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tr -d , | tail -1)
  if [ "$status" -eq 0 ] && [[ "$out" == *LTRS_MISUSE_CASE_DONE* ]] && [ "${errors:-1}" = 0 ]; then
    printf '%-44s ok (%ss)\n' "$c" "$(( $(date +%s) - t0 ))"
  else
    failed=$((failed + 1))
    printf '%-44s FAILED: exit %s, %s memcheck errors (log: %s)\n' "$c" "$status" "${errors:-?}" "$log"
  fi
done
echo "misuse-memcheck: $n cases, $failed failed (logs: $logs)"
[ "$failed" -eq 0 ]
