#!/usr/bin/env bash
# fashion-mnist under PyTorch's own launcher: `torchrun --standalone --nproc-per-node 2
# --no-python <binary> ...` (run as `python -m torch.distributed.run`, which is what the
# torchrun command is) starts 2 ranks of the Rust binary with RANK, WORLD_SIZE, LOCAL_RANK,
# MASTER_ADDR, MASTER_PORT and torchrun's agent store (TORCHELASTIC_USE_AGENT_STORE); they train
# the MLP one epoch on 2,000 images with DistributedDataParallel and rank 0 must report a test
# accuracy of at least 50%. Fails, saying why, when anything is missing: this is a check to run
# by hand where Python's torch is, not a test that skips itself.
#
# Usage: LTRS_TORCH_PYTHON=/path/to/python examples/scripts/torchrun-check.sh
#   LTRS_TORCH_PYTHON  a Python with torch 2.11.0 (e.g. /work/venv/bin/python)
#   PROFILE            cargo profile of the binary (default: dev; `release` for timings)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

python=${LTRS_TORCH_PYTHON:-}
[ -n "$python" ] || fail "set LTRS_TORCH_PYTHON to a Python with torch 2.11.0"
version=$("$python" -c 'import torch; print(torch.__version__)') ||
  fail "$python cannot import torch"
case "$version" in 2.11.0*) ;; *) fail "$python has torch $version, the pin is 2.11.0" ;; esac

profile=${PROFILE:-dev}
cargo build --quiet --profile "$profile" -p examples --bin fashion-mnist
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
target=$(cargo metadata --format-version 1 --no-deps | sed 's/.*"target_directory":"\([^"]*\)".*/\1/')
bin=$target/$dir/fashion-mnist
# Fetch the data once before the ranks look for it at the same time.
data=$(bash deps/get-fashion-mnist.sh --quiet)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
set -x
timeout 300 "$python" -m torch.distributed.run --standalone --nproc-per-node 2 --no-python \
  "$bin" --data-dir "$data" --train-subset 2000 --epochs 1 --threads 1 --workers 0 \
  --target-accuracy 0.5 --out-dir "$work" | tee "$work/out.txt"
set +x
[ "$(grep -c '2 ranks (DistributedDataParallel, Gloo)' "$work/out.txt")" = 1 ] ||
  fail "rank 0 alone should print the header once"
grep -q '^test accuracy .*(meets the target' "$work/out.txt" || fail "no passing verdict"
echo "torchrun-check: OK (torch $version, 2 ranks under torchrun)"
