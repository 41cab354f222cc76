#!/usr/bin/env bash
# A Rust rank and a Python rank (torch.distributed, Gloo, same PyTorch) in one process group on
# loopback: libtorch/tests/distributed.rs's all_reduce / broadcast / all_gather / send-recv case,
# and libtorch/tests/distributed_ddp.rs's DistributedDataParallel training (Python's DDP on rank
# 0, this crate's on rank 1, 5 SGD steps equal to each side's single-process run). Both tests are
# #[ignore]d in the ordinary run because they need Python; this runs them, and fails (never
# skips) when the Python is missing or has another torch.
#
# Usage: LTRS_TORCH_PYTHON=/path/to/python examples/scripts/python-interop-check.sh
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
python=${LTRS_TORCH_PYTHON:-}
[ -n "$python" ] || fail "set LTRS_TORCH_PYTHON to a Python with torch 2.11.0"
version=$("$python" -c 'import torch; print(torch.__version__)') ||
  fail "$python cannot import torch"
case "$version" in 2.11.0*) ;; *) fail "$python has torch $version, the pin is 2.11.0" ;; esac
export LTRS_TORCH_PYTHON=$python
cargo test -p libtorch --test distributed a_rust_and_a_python_rank_form_one_group -- \
  --include-ignored --exact
cargo test -p libtorch --test distributed_ddp a_rust_and_a_python_ddp_rank_train_together -- \
  --include-ignored --exact
echo "python-interop-check: OK (torch $version)"
