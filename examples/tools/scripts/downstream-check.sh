#!/usr/bin/env bash
# What a new user does, checked from outside the workspace (issue #2's "done when"):
#   1. a crate made with `cargo new`, depending on `libtorch` by path and following only the
#      README (the dependency line and the build.rs), builds, and its binary runs from
#      the shell with no environment variable set;
#   2. a LIBTORCH pointing at a missing directory, or at a libtorch of another version, fails the
#      build with a short message naming the path and the expected version;
#   3. a LIBTORCH pointing at a real libtorch 2.11.0 (here: the unpacked wheel's torch/ directory,
#      as in a Python environment) is the one used.
# The scratch crate builds into a target dir in the cache, so re-runs take seconds.
# Usage: examples/tools/scripts/downstream-check.sh
set -euo pipefail

repo=$(cd "$(dirname "$0")/../../.." && pwd)
cache=${LIBTORCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libtorch-rs}
export CARGO_TARGET_DIR=$cache/downstream-target
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset LIBTORCH LD_LIBRARY_PATH

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

step "cargo new, outside the workspace: $work/demo"
cd "$work"
cargo new --quiet --bin demo
cd demo
# The workspace's lock file pins the same dependency versions (cargo drops what is unused).
cp "$repo/Cargo.lock" .
cat >>Cargo.toml <<TOML
libtorch = { path = "$repo/libtorch" }
TOML
cat >build.rs <<'RS'
fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH_RPATH");
    let dir = std::env::var("LIBTORCH_RPATH").or(std::env::var("DEP_LIBTORCH_LIB_DIR")).unwrap();
    println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
}
RS
cat >src/main.rs <<'RS'
use libtorch::Tensor;

fn main() -> Result<(), libtorch::Error> {
    let x = Tensor::from_data(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2])?;
    let y = x.matmul(&x);
    println!("{:?}", y.to_vec::<f32>()?);
    Ok(())
}
RS
cargo build --quiet
step "its binary, run from the shell with no environment variable"
out=$(env -i PATH=/usr/bin:/bin "$CARGO_TARGET_DIR/debug/demo")
echo "$out"
[ "$out" = "[7.0, 10.0, 15.0, 22.0]" ] || fail "expected [7.0, 10.0, 15.0, 22.0]"

expect_build_failure() { # LIBTORCH value, then strings the message must contain
    local dir=$1 log
    shift
    if log=$(LIBTORCH=$dir cargo build --quiet 2>&1); then
        fail "the build succeeded with LIBTORCH=$dir"
    fi
    echo "$log" | grep -E 'error: |LIBTORCH|libtorch' | head -4
    for want in "$@"; do
        echo "$log" | grep -qF -- "$want" || fail "the message does not name '$want'"
    done
}

step "LIBTORCH pointing at a missing directory"
expect_build_failure "$work/no-such-libtorch" "$work/no-such-libtorch" "2.11.0"

step "LIBTORCH pointing at a libtorch of another version"
fake=$work/libtorch-2.10.0
mkdir -p "$fake/include/torch/headeronly" "$fake/lib"
printf '#define TORCH_VERSION_MAJOR 2\n#define TORCH_VERSION_MINOR 10\n#define TORCH_VERSION_PATCH 0\n' \
    >"$fake/include/torch/headeronly/version.h"
expect_build_failure "$fake" "$fake" "2.10.0" "2.11.0"

step "LIBTORCH pointing at a Python environment's torch/ directory"
# The directory the first build used (deps/pytorch or the provisioned cache copy) links into
# the unpacked wheel; its torch/ directory is laid out like a Python environment's.
inc=$(readlink -e "$repo/deps/pytorch/include" || readlink -e "$cache/libtorch-2.11.0/include") \
    || fail "no libtorch found to point LIBTORCH at"
torch_dir=$(dirname "$inc")
LIBTORCH=$torch_dir cargo build --quiet
grep -lx "cargo:root=$torch_dir" "$CARGO_TARGET_DIR"/debug/build/libtorch-sys-*/output >/dev/null \
    || fail "the build did not use LIBTORCH=$torch_dir"
echo "built against $torch_dir"
out=$(env -i PATH=/usr/bin:/bin "$CARGO_TARGET_DIR/debug/demo")
[ "$out" = "[7.0, 10.0, 15.0, 22.0]" ] || fail "expected [7.0, 10.0, 15.0, 22.0], got $out"

step "all downstream checks passed"
