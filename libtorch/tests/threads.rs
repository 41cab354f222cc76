//! Threads: eight threads build and differentiate independent graphs at once, all sharing one
//! leaf, each checking its results against the closed form; grad mode is per thread.
//!
//! The quick variant runs in `cargo test` (8 threads × 417 iterations of 16 libtorch calls,
//! counted by hand in `work`: about 53,000 calls); `LTRS_LONG=1` runs 8 × 10,417 iterations
//! (over 1.3 million calls): `LTRS_LONG=1 cargo test --release -p libtorch --test threads -- --nocapture`.
use libtorch::{autograd, is_grad_enabled, no_grad, NoGradGuard, Tensor};
use std::sync::{Arc, Barrier};
use std::time::Instant;

const THREADS: usize = 8;

/// x of iteration `iter` on thread `thread`.
fn xs(thread: usize, iter: usize) -> [f64; 3] {
    let a = (thread * 7 + iter % 13) as f64;
    [a, -a, 0.5 * a]
}

/// One iteration: s = Σ (w·x² + x), with x fresh and w shared, so ∂s/∂x = 2wx + 1, ∂s/∂w = x².
/// `grad` checks both; then `backward` accumulates ∂s/∂w = x² into the shared leaf's `.grad`,
/// concurrently with the other threads. At the iteration `meet` every thread waits, holding a
/// graph not yet differentiated, until all eight hold one: their work really overlaps.
fn work(thread: usize, iter: usize, w: &Tensor, w_host: &[f64; 3], meet: Option<&Barrier>) {
    let xs = xs(thread, iter);
    let a = xs[0];
    let x = Tensor::from_slice(&xs).set_requires_grad(true); // 2 calls
    let y = &(&(w * &x) * &x) + &x; // 3
    let s = y.sum(); // 1
    if let Some(b) = meet {
        b.wait();
    }
    let g = autograd::grad(&[&s], &[&x, w], &[], true, false, false).unwrap(); // 1
    let dx = g[0].to_vec::<f64>().unwrap(); // 1
    let dw = g[1].to_vec::<f64>().unwrap(); // 1
    for i in 0..3 {
        assert_eq!(
            dx[i],
            2.0 * w_host[i] * xs[i] + 1.0,
            "thread {thread} iter {iter}"
        );
        assert_eq!(dw[i], xs[i] * xs[i], "thread {thread} iter {iter}");
    }
    s.backward(); // 1
                  // Under no_grad nothing is recorded, on this thread only.
    let (r, recorded) = no_grad(|| {
        let r = &x * 2.0f64; // 1
        (r.i(1).double_value(), r.requires_grad()) // 2
    });
    assert_eq!(r, -2.0 * a);
    assert!(!recorded);
    // ∂s/∂x accumulated into x's own .grad too.
    assert_eq!(x.grad().to_vec::<f64>().unwrap(), dx); // 2
}

fn run(iters_per_thread: usize) {
    let w_host = [1.5f64, -2.0, 0.25];
    let w = Arc::new(Tensor::from_slice(&w_host).set_requires_grad(true));
    let meet = Arc::new(Barrier::new(THREADS));
    let start = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (w, meet) = (w.clone(), meet.clone());
            std::thread::spawn(move || {
                for i in 0..iters_per_thread {
                    let halfway = i == iters_per_thread / 2;
                    work(t, i, &w, &w_host, halfway.then_some(&*meet));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    println!(
        "{THREADS} threads × {iters_per_thread} iterations in {:.2?}",
        start.elapsed()
    );
    // Every backward of every thread landed in the shared leaf's .grad, none lost to a race:
    // Σ over threads and iterations of x², computed here (exact: sums of quarters in f64).
    let mut want = [0.0f64; 3];
    for t in 0..THREADS {
        for i in 0..iters_per_thread {
            for (k, x) in xs(t, i).iter().enumerate() {
                want[k] += x * x;
            }
        }
    }
    assert_eq!(w.grad().to_vec::<f64>().unwrap(), want);
}

#[test]
fn eight_threads_independent_graphs() {
    let long = std::env::var("LTRS_LONG").is_ok_and(|v| v == "1");
    run(if long { 10_417 } else { 417 });
}

#[test]
fn grad_mode_is_per_thread() {
    let barrier = Arc::new(Barrier::new(2));
    let b = barrier.clone();
    let a = std::thread::spawn(move || {
        let _guard = NoGradGuard::new();
        b.wait(); // A has turned grad mode off
        b.wait(); // B has checked its own
        let x = Tensor::from_slice(&[1.0f64]).set_requires_grad(true);
        (is_grad_enabled(), (&x * 2.0f64).requires_grad())
    });
    let b = barrier.clone();
    let bt = std::thread::spawn(move || {
        b.wait();
        let x = Tensor::from_slice(&[1.0f64]).set_requires_grad(true);
        let r = (is_grad_enabled(), (&x * 2.0f64).requires_grad());
        b.wait();
        r
    });
    assert_eq!(a.join().unwrap(), (false, false), "A: off under its guard");
    assert_eq!(
        bt.join().unwrap(),
        (true, true),
        "B: unaffected by A's guard"
    );
}

#[test]
fn new_threads_start_with_grad_mode_on() {
    no_grad(|| {
        assert!(!is_grad_enabled());
        let child = std::thread::spawn(is_grad_enabled).join().unwrap();
        assert!(
            child,
            "grad mode is thread-local, not inherited by std threads"
        );
    });
}

#[test]
fn a_thread_can_limit_its_own_intra_op_threads() {
    use libtorch::threads::{get_num_threads, set_num_threads_this_thread};
    let before = get_num_threads();
    let limited = std::thread::spawn(|| {
        set_num_threads_this_thread(1).unwrap();
        // Large enough for libtorch to split across threads if it could: still right on one.
        let x = Tensor::ones_opts(&[1 << 18], (libtorch::Kind::Float, libtorch::Device::Cpu));
        ((&x * 2.0f64).sum().double_value(), get_num_threads())
    });
    assert_eq!(limited.join().unwrap(), ((1 << 19) as f64, 1));
    assert_eq!(
        get_num_threads(),
        before,
        "the caller's own count is untouched"
    );
    let fresh = std::thread::spawn(get_num_threads).join().unwrap();
    assert_eq!(fresh, before, "so are the threads started later");
    let err = set_num_threads_this_thread(0).unwrap_err();
    assert!(err.to_string().contains("must be positive, got 0"), "{err}");
}
