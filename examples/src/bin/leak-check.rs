//! Runs many small tensor operations (creation, arithmetic, indexing, autograd, printing) and
//! reports the resident set size before and after: a leak of even a few bytes per operation
//! shows as growth. Exits with an error if RSS grew by more than the bound.
//!
//! ```text
//! cargo run --release -p examples --bin leak-check [iterations, default 1000000]
//! ```
use libtorch::{autograd, Device, Kind, Tensor};

/// Resident set size in bytes, from /proc/self/statm (Linux).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("read /proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("statm's second field");
    pages * 4096
}

fn round(x: &Tensor, y: &Tensor) {
    let z = &(x * y) + 1.0f64;
    let w = z.i((.., 1..)).i(0);
    let s = &w * 2i64;
    let x2 = x.shallow_clone().set_requires_grad(false);
    let _ = (-&x2).f_i(10).unwrap_err(); // an error path, freed
    let _ = format!("{s}");
    let g = Tensor::from_slice(&[1.5f64]).set_requires_grad(true);
    let h = &(&g * &g) * &g;
    let d = autograd::grad(&[&h], &[&g], &[], false, false, false).unwrap();
    assert_eq!(d[0].double_value(), 6.75);
}

fn main() {
    let iterations: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("iterations: a number"))
        .unwrap_or(1_000_000);
    let x = Tensor::rand_opts(&[2, 3], (Kind::Float, Device::Cpu));
    let y = Tensor::rand_opts(&[2, 3], (Kind::Float, Device::Cpu));
    // Warm up: allocator caches, lazy initialisation, thread pools.
    for _ in 0..1000 {
        round(&x, &y);
    }
    let start = rss_bytes();
    let t0 = std::time::Instant::now();
    // About ten libtorch calls per round.
    let rounds = iterations / 10;
    for _ in 0..rounds {
        round(&x, &y);
    }
    let end = rss_bytes();
    let growth = end as i64 - start as i64;
    println!(
        "{rounds} rounds (~{iterations} ops) in {:.1?}: RSS {} KiB -> {} KiB ({:+} KiB)",
        t0.elapsed(),
        start / 1024,
        end / 1024,
        growth / 1024
    );
    let bound = 16 * 1024 * 1024;
    if growth > bound {
        eprintln!("RSS grew by more than {} KiB: a leak", bound / 1024);
        std::process::exit(1);
    }
}
