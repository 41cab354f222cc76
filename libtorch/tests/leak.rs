//! Resident memory stays flat over many small ops and errors. Its own test binary: RSS is
//! process-wide, so tests running beside it in one process would count as growth.
use libtorch::Tensor;

/// Resident set size in bytes, from /proc/self/statm.
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// Rounds measured after the warm-up.
const ROUNDS: u64 = 50_000;
/// The smallest leak per round this test must see: the allowance is set below what it adds up
/// to. A round makes about ten libtorch calls, so a leak of 100 bytes in any one call per round
/// (the case this test was sized for) is twice this, and one in every call twenty times.
const SMALLEST_LEAK_PER_ROUND: u64 = 50;
/// Allowed RSS growth over `ROUNDS`: 2.4 MiB. Measured without a leak: 0 KiB (five runs of
/// 100,000 rounds); a leak of 100 bytes once a round adds 4.9 MB and more (malloc's header).
const ALLOWANCE: u64 = ROUNDS * SMALLEST_LEAK_PER_ROUND;

#[test]
fn no_leak_in_small_ops_and_errors() {
    // The full-size run is `cargo run --release -p tools --bin leak-check`.
    let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
    let round = || {
        let y = &(&x * 2.0) + &x;
        let _ = y.f_i(5).unwrap_err();
        let g = Tensor::from_slice(&[2.0f64]).set_requires_grad(true);
        let h = &g * &g;
        h.backward();
        assert_eq!(g.grad().double_value(), 4.0);
    };
    for _ in 0..2_000 {
        round();
    }
    let start = rss_bytes();
    for _ in 0..ROUNDS {
        round();
    }
    let growth = rss_bytes().saturating_sub(start);
    println!(
        "RSS grew by {} KiB over {ROUNDS} rounds ({:.1} bytes a round; allowance {} KiB)",
        growth / 1024,
        growth as f64 / ROUNDS as f64,
        ALLOWANCE / 1024
    );
    assert!(
        growth < ALLOWANCE,
        "RSS grew by {} KiB over {ROUNDS} rounds: {:.1} bytes a round, a leak (the test fails \
         from {SMALLEST_LEAK_PER_ROUND} bytes a round)",
        growth / 1024,
        growth as f64 / ROUNDS as f64
    );
}
