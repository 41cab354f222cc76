//! DistributedDataParallel training throughput: the Fashion-MNIST CNN of the `fashion-mnist`
//! example on synthetic 28×28 images, 2 Gloo ranks × 1 thread against 1 process × 2 threads,
//! this crate against Python's torch (same PyTorch, same backend, same global batch).
//!
//! ```sh
//! LTRS_TORCH_PYTHON=/path/to/python cargo run --release -p tools --bin ddp-bench
//! ```
//!
//! Every configuration trains with SGD on a global batch of `--batch` images (each of 2 ranks
//! takes half); after `--warmup` steps, rank 0 times `--steps` steps and reports images per
//! second. The configurations (1 process × 1 thread, 1 process × 2 threads, 2 ranks × 1
//! thread) run in turn, `--runs` times, and the table shows each one's median with the ratios
//! that matter: 2 ranks against 1 process (what DDP's communication costs or gains on this
//! machine) and this crate against Python. Without `LTRS_TORCH_PYTHON` only the Rust side runs.
use clap::Parser;
use examples::fashion::model::{build, ModelKind};
use libtorch::distributed::{self as dist, DdpOptions, DistributedDataParallel, InitOptions};
use libtorch::nn::Module;
use libtorch::optim::{Optimizer, Sgd};
use libtorch::Tensor;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "DDP training throughput: 2 ranks x 1 thread against 1 process x 2 threads")]
struct Args {
    /// Global batch size (split evenly over the ranks).
    #[arg(long, default_value_t = 64)]
    batch: usize,
    /// Untimed steps first.
    #[arg(long, default_value_t = 5)]
    warmup: usize,
    /// Timed steps per run.
    #[arg(long, default_value_t = 30)]
    steps: usize,
    /// Runs per configuration (alternating).
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

/// One configuration: its label, processes, threads per process, and whether it is Python.
#[derive(Clone, Copy)]
struct Config {
    label: &'static str,
    ranks: usize,
    threads: usize,
    python: bool,
}

const CONFIGS: [Config; 6] = [
    Config {
        label: "rust 1 process x 1 thread",
        ranks: 1,
        threads: 1,
        python: false,
    },
    Config {
        label: "rust 1 process x 2 threads",
        ranks: 1,
        threads: 2,
        python: false,
    },
    Config {
        label: "rust 2 ranks x 1 thread (DDP)",
        ranks: 2,
        threads: 1,
        python: false,
    },
    Config {
        label: "python 1 process x 1 thread",
        ranks: 1,
        threads: 1,
        python: true,
    },
    Config {
        label: "python 1 process x 2 threads",
        ranks: 1,
        threads: 2,
        python: true,
    },
    Config {
        label: "python 2 ranks x 1 thread (DDP)",
        ranks: 2,
        threads: 1,
        python: true,
    },
];

/// The Python side: the same CNN (torch.nn layers in the same order), data, optimizer and
/// timing as `rust_rank`.
const PYTHON_RANK: &str = r#"
import os, time, torch, torch.distributed as dist
from datetime import timedelta
import torch.nn as nn
world = int(os.environ.get("WORLD_SIZE", "1"))
torch.set_num_threads(int(os.environ["LTRS_BENCH_THREADS"]))
batch, warmup, steps = (int(os.environ[k]) for k in ("LTRS_BENCH_BATCH", "LTRS_BENCH_WARMUP", "LTRS_BENCH_STEPS"))
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                    nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
rank = 0
if world > 1:
    dist.init_process_group("gloo", timeout=timedelta(seconds=120))
    rank = dist.get_rank()
    net = nn.parallel.DistributedDataParallel(net)
local = batch // world
torch.manual_seed(1 + rank)
x, y = torch.randn(local, 1, 28, 28), torch.randn(local, 10)
opt = torch.optim.SGD(net.parameters(), lr=0.01)
def step():
    opt.zero_grad()
    nn.functional.mse_loss(net(x), y).backward()
    opt.step()
for _ in range(warmup):
    step()
if world > 1:
    dist.barrier()
s = time.perf_counter()
for _ in range(steps):
    step()
if world > 1:
    dist.barrier()
e = time.perf_counter()
if rank == 0:
    print(f"IMGS {batch * steps / (e - s):.2f}", flush=True)
if world > 1:
    dist.destroy_process_group()
"#;

fn env_usize(key: &str) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{key} is not set"))
}

/// The Rust side of one rank (or of the single process).
fn rust_rank() -> libtorch::Result<()> {
    let world = std::env::var("WORLD_SIZE")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1);
    libtorch::set_num_threads(env_usize("LTRS_BENCH_THREADS"))?;
    let (batch, warmup, steps) = (
        env_usize("LTRS_BENCH_BATCH"),
        env_usize("LTRS_BENCH_WARMUP"),
        env_usize("LTRS_BENCH_STEPS"),
    );
    libtorch::manual_seed(0);
    let plain = build(ModelKind::Cnn);
    let mut rank = 0;
    let net: Box<dyn Module> = if world > 1 {
        dist::init_process_group(
            "gloo",
            InitOptions::default().timeout(Duration::from_secs(120)),
        )?;
        rank = dist::get_rank()?;
        Box::new(DistributedDataParallel::new(plain, DdpOptions::default())?)
    } else {
        Box::new(plain)
    };
    let local = (batch / world) as i64;
    libtorch::manual_seed(1 + rank as u64);
    let (x, y) = (
        Tensor::randn(&[local, 1, 28, 28]),
        Tensor::randn(&[local, 10]),
    );
    let mut opt = Sgd::new(net.parameters(), 0.01);
    let mut step = || -> libtorch::Result<()> {
        opt.zero_grad();
        net.f_forward(&x)?
            .f_mse_loss(&y)?
            .backward_with(None, false, false)?;
        opt.step()
    };
    for _ in 0..warmup {
        step()?;
    }
    if world > 1 {
        dist::barrier()?;
    }
    let start = Instant::now();
    for _ in 0..steps {
        step()?;
    }
    if world > 1 {
        dist::barrier()?;
    }
    let secs = start.elapsed().as_secs_f64();
    if rank == 0 {
        println!("IMGS {:.2}", (batch * steps) as f64 / secs);
    }
    drop(net);
    if world > 1 {
        dist::destroy_process_group()?;
    }
    Ok(())
}

/// Runs one configuration once and returns rank 0's images per second.
fn run(config: Config, args: &Args, python: Option<&str>) -> Result<f64, String> {
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let mut children = Vec::new();
    for rank in 0..config.ranks {
        let mut c = match (config.python, python) {
            (true, Some(p)) => {
                let mut c = Command::new(p);
                c.args(["-c", PYTHON_RANK]);
                c
            }
            _ => {
                let mut c = Command::new(std::env::current_exe().map_err(|e| e.to_string())?);
                c.env("LTRS_BENCH_CHILD", "1");
                c
            }
        };
        if config.ranks > 1 {
            c.env("RANK", rank.to_string())
                .env("WORLD_SIZE", config.ranks.to_string())
                .env("MASTER_ADDR", "127.0.0.1")
                .env("MASTER_PORT", port.to_string())
                .env("GLOO_SOCKET_IFNAME", "lo");
        } else {
            c.env_remove("RANK").env_remove("WORLD_SIZE");
        }
        c.env("LTRS_BENCH_THREADS", config.threads.to_string())
            .env("OMP_NUM_THREADS", config.threads.to_string())
            .env("LTRS_BENCH_BATCH", args.batch.to_string())
            .env("LTRS_BENCH_WARMUP", args.warmup.to_string())
            .env("LTRS_BENCH_STEPS", args.steps.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        children.push(c.spawn().map_err(|e| e.to_string())?);
    }
    let mut found = None;
    for stdout in tools::ranks::wait_for_ranks(children, Duration::from_secs(300))? {
        for line in stdout.lines() {
            if let Some(v) = line.strip_prefix("IMGS ") {
                found = v.trim().parse().ok();
            }
        }
    }
    found.ok_or_else(|| "rank 0 reported no throughput".to_owned())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() -> ExitCode {
    if std::env::var_os("LTRS_BENCH_CHILD").is_some() {
        return match rust_rank() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    let args = Args::parse();
    if args.batch == 0 || args.batch % 2 != 0 || args.steps == 0 || args.runs == 0 {
        eprintln!("--batch must be even and positive, --steps and --runs positive");
        return ExitCode::FAILURE;
    }
    let python = std::env::var("LTRS_TORCH_PYTHON").ok();
    let configs: Vec<Config> = CONFIGS
        .into_iter()
        .filter(|c| !c.python || python.is_some())
        .collect();
    let mut results = vec![Vec::new(); configs.len()];
    for _ in 0..args.runs {
        for (i, c) in configs.iter().enumerate() {
            match run(*c, &args, python.as_deref()) {
                Ok(v) => results[i].push(v),
                Err(e) => {
                    eprintln!("{}: {e}", c.label);
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    println!(
        "CNN training, global batch {}, {} timed steps, median of {} runs (images/s)",
        args.batch, args.steps, args.runs
    );
    let medians: Vec<f64> = results.into_iter().map(median).collect();
    for (c, m) in configs.iter().zip(&medians) {
        println!("{:>40} {m:>10.1}", c.label);
    }
    // medians: [1x1, 1x2, 2x1] for Rust, then the same for Python.
    let ratios = |m: &[f64], side: &str| {
        println!(
            "{:>40} {:>10.3}",
            format!("{side}: 2 ranks / 1 process x 1 thread"),
            m[2] / m[0]
        );
        println!(
            "{:>40} {:>10.3}",
            format!("{side}: 2 ranks / 1 process x 2 threads"),
            m[2] / m[1]
        );
    };
    ratios(&medians[..3], "rust");
    if medians.len() == 6 {
        ratios(&medians[3..], "python");
        for (i, what) in ["1 process x 1 thread", "1 process x 2 threads", "2 ranks"]
            .iter()
            .enumerate()
        {
            println!(
                "{:>40} {:>10.3}",
                format!("{what}: rust / python"),
                medians[i] / medians[i + 3]
            );
        }
    }
    ExitCode::SUCCESS
}
