//! The quick fuzz pass on a GPU: every generated op called 4 times with half of the drawn
//! tensors on `cuda:0` (`fuzz-ops --cuda-share 0.5`, which waits for the GPU after each call),
//! allowing only the crashes `spec/cuda-fuzz-crashers.txt` lists with this very draw; and every
//! entry of that list replayed alone, each of which must still crash or hang as listed.
//!
//! Built with the `cuda` feature only; every test needs a GPU, so each is `#[ignore]`d (CI
//! builds it, and the CPU suite checks the list's format); on a machine with one:
//!
//! ```sh
//! cargo test --release --features cuda -p tools --test fuzz_quick_cuda -- --ignored --nocapture
//! ```
#![cfg(feature = "cuda")]

use std::path::Path;
use tools::fuzz::crashes::{self, Settings};
use tools::fuzz::OPS;

const BIN: &str = env!("CARGO_BIN_EXE_fuzz-ops");

/// Fails (rather than passing vacuously) where there is no usable GPU.
fn need_gpu() {
    assert!(
        libtorch::cuda::built_with_cuda(),
        "built without libtorch_cuda"
    );
    assert!(
        libtorch::cuda::is_available(),
        "no usable CUDA device: these tests need one"
    );
}

fn list() -> Vec<crashes::KnownCrash> {
    let (name, text) = crashes::CUDA_LIST;
    crashes::parse_list(name, text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
#[ignore = "needs a CUDA device"]
fn every_generated_op_returns_ok_or_err_with_tensors_on_the_gpu() {
    need_gpu();
    let settings = Settings {
        seed: 7,
        calls: 4,
        form_share: 0.0,
        forms: Vec::new(),
        cuda_share: 0.5,
    };
    let rows = crashes::run(Path::new(BIN), &settings, &["--hang-secs", "60"]);
    assert_eq!(rows.len(), OPS.len(), "every op reported");
    let (problems, allowed) = crashes::check_run(
        Path::new(BIN),
        crashes::CUDA_LIST.0,
        &list(),
        &settings,
        &rows,
        60,
    );
    let ok: u64 = rows.iter().map(|r| r.ok).sum();
    let calls: u64 = rows.iter().map(|r| r.ok + r.err + r.panic).sum();
    println!("CUDA fuzz ({settings}): {calls} calls, {ok} Ok; listed crashes: {allowed:?}");
    assert!(
        problems.is_empty(),
        "fuzz-ops found:\n{}",
        problems.join("\n")
    );
    assert!(calls >= 10_000, "only {calls} calls");
}

#[test]
#[ignore = "needs a CUDA device"]
fn every_listed_cuda_crash_still_happens_as_listed() {
    need_gpu();
    // A listed hang is one that makes no progress for 30 s.
    let (problems, seen) =
        crashes::check_entries(Path::new(BIN), crashes::CUDA_LIST.0, &list(), 30);
    println!("{}", seen.join("\n"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
