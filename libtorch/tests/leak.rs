//! Resident memory stays flat over many small ops and errors. Its own test binary: RSS is
//! process-wide, so tests running beside it in one process would count as growth.
use libtorch::Tensor;

/// Resident set size in KiB, from /proc/self/statm.
fn rss_kib() -> i64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: i64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4
}

#[test]
fn no_leak_in_small_ops_and_errors() {
    // The full-size run is `cargo run --release -p examples --bin leak-check`.
    let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
    let round = || {
        let y = &(&x * 2.0) + &x;
        let _ = y.f_i(5).unwrap_err();
        let g = Tensor::from_slice(&[2.0f64]).set_requires_grad(true);
        let h = &g * &g;
        h.backward();
        assert_eq!(g.grad().double_value(), 4.0);
    };
    for _ in 0..500 {
        round();
    }
    let start = rss_kib();
    for _ in 0..20000 {
        round();
    }
    let growth = rss_kib() - start;
    // A leak of one tensor (or one error message) per round would be well over 4 MiB here.
    assert!(growth < 4096, "RSS grew by {growth} KiB over 20000 rounds");
}
