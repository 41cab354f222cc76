//! The quick fuzz variant (issue 7): every generated op called 4 times with random arguments
//! (over 12,000 calls, a fifth of the tensors in another form than dense), through the
//! `fuzz-ops` binary, which runs the ops in a child process so that an op crashing libtorch is
//! recorded instead of killing the test. `LTRS_FUZZ_SEED` picks another seed.
//!
//! It fails on any panic of ours, and on any crash or hang except one that
//! `spec/fuzz-crashers.txt` lists with this very draw and signal (see
//! `examples/tools/src/fuzz/crashes.rs`); and every entry of that list is replayed alone and must
//! still crash as listed, so the list holds exactly the crashes libtorch still has.
//!
//! Part of `cargo test` (12,776 calls, about 3 s in a debug build here, plus the replays); alone:
//! `cargo test -p tools --test fuzz_quick -- --nocapture`
use std::path::Path;
use tools::fuzz::crashes::{self, Settings};
use tools::fuzz::OPS;

const BIN: &str = env!("CARGO_BIN_EXE_fuzz-ops");

fn list() -> Vec<crashes::KnownCrash> {
    let (name, text) = crashes::CPU_LIST;
    crashes::parse_list(name, text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_generated_op_returns_ok_or_err_for_random_arguments() {
    let seed = std::env::var("LTRS_FUZZ_SEED").unwrap_or_else(|_| "7".into());
    let settings = Settings {
        seed: seed.parse().expect("LTRS_FUZZ_SEED: a number"),
        calls: 4,
        // A fifth of the tensors sparse, quantized, nested, oneDNN or oddly strided.
        form_share: 0.2,
        forms: Vec::new(),
        cuda_share: 0.0,
    };
    let rows = crashes::run(Path::new(BIN), &settings, &["--hang-secs", "120"]);
    assert_eq!(rows.len(), OPS.len(), "every op reported");
    let (problems, allowed) = crashes::check_run(
        Path::new(BIN),
        crashes::CPU_LIST.0,
        &list(),
        &settings,
        &rows,
        120,
    );
    let (ok, err, panics) = rows
        .iter()
        .fold((0, 0, 0), |(o, e, p), r| (o + r.ok, e + r.err, p + r.panic));
    let ops_ok = rows.iter().filter(|r| r.ok > 0).count();
    let calls = ok + err + panics;
    println!(
        "fuzz ({settings}): {calls} calls over {} ops: {ok} Ok, {err} Err, {panics} panics; \
         {ops_ok} ops succeeded at least once; listed crashes: {allowed:?}",
        OPS.len(),
    );
    assert!(
        problems.is_empty(),
        "fuzz-ops found:\n{}",
        problems.join("\n")
    );
    assert!(calls >= 10_000, "only {calls} calls");
    // The arguments must reach the kernels, not only their checks.
    assert!(ops_ok > OPS.len() / 4, "only {ops_ok} ops ever succeeded");
}

#[test]
fn every_listed_crash_still_happens_as_listed() {
    let l = list();
    let (problems, seen) = crashes::check_entries(Path::new(BIN), crashes::CPU_LIST.0, &l, 60);
    println!("{}", seen.join("\n"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
