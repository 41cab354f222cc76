//! The quick fuzz variant (issue 7): every generated op called a few times with random
//! arguments, over 10,000 calls in all. Each call must return `Ok` or `Err`: a panic fails
//! this test, an abort or segfault kills it. The long variant is `cargo run --release --bin
//! fuzz-ops`. `LTRS_FUZZ_SEED` picks another seed.
use examples::fuzz::{fuzz_op, known_crashers, OPS};

#[test]
fn every_generated_op_returns_ok_or_err_for_random_arguments() {
    libtorch::threads::set_num_threads(1).unwrap();
    let seed = std::env::var("LTRS_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let skip = known_crashers();
    for k in &skip {
        assert!(
            OPS.iter().any(|(name, _)| name == k),
            "spec/fuzz-crashers.txt names {k}, which is not a bound op"
        );
    }
    let calls_per_op = 4;
    let (mut ok, mut err, mut ops_ok) = (0u64, 0u64, 0usize);
    let mut panics = Vec::new();
    for (i, (name, _)) in OPS.iter().enumerate() {
        if skip.contains(name) {
            continue;
        }
        let (c, p) = fuzz_op(i, calls_per_op, seed);
        ok += c.ok;
        err += c.err;
        ops_ok += usize::from(c.ok > 0);
        panics.extend(p.into_iter().map(|m| format!("{name}: {m}")));
    }
    let calls = ok + err + panics.len() as u64;
    println!(
        "fuzz (seed {seed}): {calls} calls over {} ops ({} known crashers left out): {ok} Ok, {err} Err, {} panics; {ops_ok} ops succeeded at least once",
        OPS.len() - skip.len(),
        skip.len(),
        panics.len()
    );
    assert!(calls >= 10_000, "only {calls} calls");
    assert!(panics.is_empty(), "the safe layer panicked:\n{}", panics.join("\n"));
    // The arguments must reach the kernels, not only their checks.
    assert!(ops_ok > OPS.len() / 4, "only {ops_ok} ops ever succeeded");
}
