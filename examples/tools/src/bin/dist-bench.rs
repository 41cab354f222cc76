//! `all_reduce` on 2 local Gloo ranks: this crate against Python's `torch.distributed` (same
//! PyTorch, same backend), 1 KB, 1 MB and 64 MB of float32, over loopback.
//!
//! ```sh
//! LTRS_TORCH_PYTHON=/path/to/python cargo run --release --bin dist-bench
//! ```
//!
//! Each side runs as its own pair of processes, the sides alternating (Rust, Python, Rust,
//! Python, ...); each rank times every call after a barrier, and the table shows, per size, the
//! median over all calls of each side and the ratio Rust / Python. Without `LTRS_TORCH_PYTHON`
//! only the Rust side runs.
use clap::Parser;
use libtorch::distributed::{self as dist, InitOptions, ReduceOp};
use libtorch::Tensor;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "all_reduce on 2 local Gloo ranks, this crate against torch.distributed")]
struct Args {
    /// Timed calls per size in one run.
    #[arg(long, default_value_t = 20)]
    calls: usize,
    /// Runs per side (alternating).
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

/// Sizes in float32 elements: 1 KB, 1 MB, 64 MB.
const SIZES: [usize; 3] = [256, 256 * 1024, 16 * 1024 * 1024];

const PYTHON_RANK: &str = r#"
import os, sys, time, torch, torch.distributed as dist
from datetime import timedelta
dist.init_process_group("gloo", timeout=timedelta(seconds=120))
calls = int(os.environ["LTRS_BENCH_CALLS"])
for n in (256, 256 * 1024, 16 * 1024 * 1024):
    t = torch.ones(n)
    for _ in range(3):
        dist.all_reduce(t)
    for _ in range(calls):
        dist.barrier()
        s = time.perf_counter()
        dist.all_reduce(t)
        e = time.perf_counter()
        if dist.get_rank() == 0:
            print(f"TIME {n} {(e - s) * 1e6:.1f}", flush=True)
dist.destroy_process_group()
"#;

fn rust_rank(calls: usize) -> libtorch::Result<()> {
    dist::init_process_group(
        "gloo",
        InitOptions::default().timeout(Duration::from_secs(120)),
    )?;
    for n in SIZES {
        let mut t = Tensor::ones(&[n as i64]);
        for _ in 0..3 {
            dist::all_reduce(&mut t, ReduceOp::Sum)?;
        }
        for _ in 0..calls {
            dist::barrier()?;
            let s = Instant::now();
            dist::all_reduce(&mut t, ReduceOp::Sum)?;
            let us = s.elapsed().as_secs_f64() * 1e6;
            if dist::get_rank()? == 0 {
                println!("TIME {n} {us:.1}");
            }
        }
    }
    dist::destroy_process_group()
}

/// Runs one pair of ranks (Python's when `python` is given) and returns rank 0's timings.
fn run_pair(python: Option<&str>, calls: usize) -> Result<Vec<(usize, f64)>, String> {
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let mut children = Vec::new();
    for rank in 0..2 {
        let mut c = match python {
            Some(p) => {
                let mut c = Command::new(p);
                c.args(["-c", PYTHON_RANK]);
                c
            }
            None => {
                let mut c = Command::new(std::env::current_exe().map_err(|e| e.to_string())?);
                c.env("LTRS_BENCH_RANK", "1");
                c
            }
        };
        c.env("RANK", rank.to_string())
            .env("WORLD_SIZE", "2")
            .env("MASTER_ADDR", "127.0.0.1")
            .env("MASTER_PORT", port.to_string())
            .env("GLOO_SOCKET_IFNAME", "lo")
            .env("LTRS_BENCH_CALLS", calls.to_string())
            .env("OMP_NUM_THREADS", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        children.push(c.spawn().map_err(|e| e.to_string())?);
    }
    let mut times = Vec::new();
    for stdout in tools::ranks::wait_for_ranks(children, Duration::from_secs(300))? {
        for line in stdout.lines() {
            let mut parts = line.split_whitespace();
            if parts.next() == Some("TIME") {
                let n = parts.next().and_then(|s| s.parse().ok());
                let us = parts.next().and_then(|s| s.parse().ok());
                if let (Some(n), Some(us)) = (n, us) {
                    times.push((n, us));
                }
            }
        }
    }
    Ok(times)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() -> ExitCode {
    if std::env::var_os("LTRS_BENCH_RANK").is_some() {
        let calls = std::env::var("LTRS_BENCH_CALLS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(20);
        return match rust_rank(calls) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    let args = Args::parse();
    let python = std::env::var("LTRS_TORCH_PYTHON").ok();
    let (mut rust, mut py) = (Vec::new(), Vec::new());
    for _ in 0..args.runs {
        match run_pair(None, args.calls) {
            Ok(t) => rust.extend(t),
            Err(e) => {
                eprintln!("rust ranks: {e}");
                return ExitCode::FAILURE;
            }
        }
        if let Some(p) = python.as_deref() {
            match run_pair(Some(p), args.calls) {
                Ok(t) => py.extend(t),
                Err(e) => {
                    eprintln!("python ranks: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    println!(
        "all_reduce, 2 Gloo ranks on loopback, median of {} calls per side",
        args.calls * args.runs
    );
    println!(
        "{:>8} {:>12} {:>12} {:>8}",
        "size", "rust µs", "python µs", "ratio"
    );
    for n in SIZES {
        let of = |v: &[(usize, f64)]| -> Vec<f64> {
            v.iter().filter(|(m, _)| *m == n).map(|(_, t)| *t).collect()
        };
        let r = median(of(&rust));
        let bytes = n * 4;
        let size = if bytes >= 1 << 20 {
            format!("{} MB", bytes >> 20)
        } else {
            format!("{} KB", bytes >> 10)
        };
        if py.is_empty() {
            println!("{size:>8} {r:>12.1} {:>12} {:>8}", "-", "-");
        } else {
            let p = median(of(&py));
            println!("{size:>8} {r:>12.1} {p:>12.1} {:>8.3}", r / p);
        }
    }
    ExitCode::SUCCESS
}
