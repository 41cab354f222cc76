//! The quick fuzz variant (issue 7): every generated op called 4 times with random arguments
//! (over 12,000 calls, a fifth of the tensors in another form than dense), through the
//! `fuzz-ops` binary, which runs the ops in a child process so
//! that an op crashing libtorch is recorded instead of killing the test. The test fails on any
//! panic of ours, and on any crash or hang not listed in `spec/fuzz-crashers.txt` (libtorch's
//! own crashes, each with its signal). `LTRS_FUZZ_SEED` picks another seed.
//!
//! Part of `cargo test` (12,776 calls in 13 s here, now that errors carry no C++ backtrace);
//! alone: `cargo test -p examples --test fuzz_quick -- --nocapture`
use examples::fuzz::{known_crashers, OPS};
use std::process::Command;

#[test]
fn every_generated_op_returns_ok_or_err_for_random_arguments() {
    let seed = std::env::var("LTRS_FUZZ_SEED").unwrap_or_else(|_| "7".into());
    let known = known_crashers();
    for k in &known {
        assert!(
            OPS.iter().any(|(name, _)| name == k),
            "spec/fuzz-crashers.txt names {k}, which is not a bound op"
        );
    }
    let report = std::env::temp_dir().join(format!("ltrs-fuzz-quick-{}.tsv", std::process::id()));
    let status = Command::new(env!("CARGO_BIN_EXE_fuzz-ops"))
        .args(["--calls-per-op", "4", "--seed", &seed, "--hang-secs", "120"])
        // A fifth of the tensors sparse, quantized, nested, oneDNN or oddly strided.
        .args(["--form-share", "0.2"])
        // libtorch warns about many odd arguments; the counts are what matters here.
        .env("TORCH_CPP_LOG_LEVEL", "ERROR")
        .arg("--report")
        .arg(&report)
        .status()
        .expect("run fuzz-ops");
    let text = std::fs::read_to_string(&report).expect("the fuzz report");
    let _ = std::fs::remove_file(&report);
    let (mut ok, mut err, mut panics, mut ops_ok) = (0u64, 0u64, 0u64, 0usize);
    let mut unexpected = Vec::new();
    let mut crashed = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let [key, o, e, p, fate] = f[..] else {
            panic!("bad report line {line:?}");
        };
        let (o, e, p): (u64, u64, u64) =
            (o.parse().unwrap(), e.parse().unwrap(), p.parse().unwrap());
        ok += o;
        err += e;
        panics += p;
        ops_ok += usize::from(o > 0);
        if p > 0 {
            unexpected.push(format!("{key}: {p} panics"));
        }
        if fate != "ran" {
            crashed.push(key.to_string());
            if !known.contains(&key) {
                unexpected.push(format!("{key}: {fate}"));
            }
        }
    }
    let calls = ok + err + panics;
    println!(
        "fuzz (seed {seed}): {calls} calls over {} ops: {ok} Ok, {err} Err, {panics} panics; {ops_ok} ops succeeded at least once; libtorch crashed in {} known ops: {}",
        OPS.len(),
        crashed.len(),
        crashed.join(", ")
    );
    assert!(
        unexpected.is_empty(),
        "fuzz-ops ({status}) found:\n{}",
        unexpected.join("\n")
    );
    assert!(calls >= 10_000, "only {calls} calls");
    // The arguments must reach the kernels, not only their checks.
    assert!(ops_ok > OPS.len() / 4, "only {ops_ok} ops ever succeeded");
}
