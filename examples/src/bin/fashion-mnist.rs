//! Fashion-MNIST (Zalando: 60,000 training and 10,000 test images of clothing, 28×28 grey,
//! 10 classes) with an MLP or a small CNN. Finds the data by itself (Debian's
//! `dataset-fashion-mnist`, fetched into the cache by `deps/get-fashion-mnist.sh` where it is
//! not installed), trains with a shuffling, prefetching `DataLoader`, shows a progress bar per
//! epoch, then prints the test accuracy and the confusion matrix, writes the loss/accuracy
//! curves as a PNG and the weights as a state_dict (into `--out-dir`, by default
//! `$TMPDIR/libtorch-rs-fashion-mnist`). Exits non-zero when the test accuracy is
//! below the target (87% for the MLP, 90.5% for the CNN, by default).
//!
//! `--eval-only --weights FILE` evaluates saved weights; `--loader-overhead` measures the
//! loader's cost against batches already in memory.
//!
//! Data-parallel training on several processes (DistributedDataParallel over Gloo, CPU):
//! under torchrun (`torchrun --nproc-per-node 2 --no-python target/release/fashion-mnist`),
//! which sets `RANK`, `WORLD_SIZE`, `MASTER_ADDR`, `MASTER_PORT`, or with `--nproc 2`, which
//! starts the ranks itself on 127.0.0.1. `--batch-size` stays the global batch (each of W ranks
//! takes batch/W per step), so the run makes the same steps as a single process; only rank 0
//! prints, evaluates and saves. See docs/distributed.md.
use clap::Parser;
use examples::fashion::model::{build, ModelKind};
use examples::fashion::train::{evaluate, train, train_distributed, TrainConfig};
use examples::fashion::{launch, locate, overhead, plot, report};
use libtorch::data::{mnist, Dataset, TensorDataset};
use libtorch::distributed::{self as dist, InitOptions};
use libtorch::nn::Module;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

#[derive(Parser)]
#[command(about = "Classify Fashion-MNIST with an MLP or a CNN")]
struct Args {
    /// Network: mlp (784-512-256-10) or cnn (2 conv + 2 linear).
    #[arg(long, value_enum, default_value_t = ModelKind::Mlp)]
    model: ModelKind,
    /// Passes over the training set (default: 5).
    #[arg(long)]
    epochs: Option<usize>,
    /// Examples per step.
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// cpu, cuda, cuda:N, or auto (cuda:0 when available).
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Seed of the initial weights and of the shuffling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Directory with the four IDX files (default: found or fetched automatically).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Only evaluate the weights given with --weights.
    #[arg(long, requires = "weights")]
    eval_only: bool,
    /// A state_dict saved by an earlier run (for --eval-only).
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Directory for the outputs (created if missing): the weights and the curves, unless
    /// --save-weights or --plot name other files. Outside the source tree by default.
    #[arg(long, default_value_os_t = std::env::temp_dir().join("libtorch-rs-fashion-mnist"))]
    out_dir: PathBuf,
    /// Where to save the trained weights (default: OUT_DIR/fashion-mnist-MODEL.pt).
    #[arg(long)]
    save_weights: Option<PathBuf>,
    /// Where to write the loss/accuracy curves (default: OUT_DIR/fashion-mnist-MODEL.png).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Train on the first N training images only (quick runs).
    #[arg(long)]
    train_subset: Option<usize>,
    /// Minimum test accuracy for exit status 0 (default: 0.87 mlp, 0.905 cnn).
    #[arg(long)]
    target_accuracy: Option<f64>,
    /// Loader threads assembling batches ahead of training (0: on the training thread).
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// libtorch's intra-op threads (0: libtorch's default, one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Measure one epoch through the loader against the same epoch from batches in memory.
    #[arg(long)]
    loader_overhead: bool,
    /// Runs of each feeding in --loader-overhead (the best of each counts).
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Largest loader/in-memory time ratio --loader-overhead accepts.
    #[arg(long, default_value_t = 1.05)]
    max_overhead: f64,
    /// Start N local ranks of this command (the environment torchrun sets, on 127.0.0.1) and
    /// train with DistributedDataParallel; fails if any rank fails.
    #[arg(long)]
    nproc: Option<usize>,
}

/// `println!` on rank 0 only.
macro_rules! say {
    ($lead:expr, $($t:tt)*) => {
        if $lead {
            println!($($t)*)
        }
    };
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(n) = args.nproc {
        // Find (or fetch) the data once, here, rather than in every rank at the same time.
        let spawn = || match &args.data_dir {
            Some(_) => launch::spawn_local(n, &[]),
            None => {
                let dir = locate::data_dir(None)?;
                launch::spawn_local(n, &["--data-dir".into(), dir.into_os_string()])
            }
        };
        return examples::exit_code(spawn());
    }
    examples::exit_code(launch::rank_and_world().and_then(|(rank, world)| {
        if world == 1 {
            return run(&args, 0, 1);
        }
        if args.eval_only || args.loader_overhead {
            return Err("--eval-only and --loader-overhead run in a single process".into());
        }
        dist::init_process_group("gloo", InitOptions::default()).map_err(|e| e.to_string())?;
        let result = run(&args, rank, world);
        // Every rank leaves the group, whatever happened (a failed rank makes the others'
        // collectives fail rather than wait).
        let _ = dist::destroy_process_group();
        result
    }))
}

fn run(args: &Args, rank: usize, world: usize) -> Result<bool, String> {
    let lead = rank == 0;
    let device = examples::parse_device(&args.device)?;
    if world > 1 && device != libtorch::Device::Cpu {
        return Err(format!(
            "distributed training runs on the CPU (Gloo) for now, not on {device}"
        ));
    }
    if args.threads > 0 {
        libtorch::threads::set_num_threads(args.threads).map_err(|e| e.to_string())?;
    }
    let dir = locate::data_dir(args.data_dir.as_deref())?;
    let start = Instant::now();
    let err = |e: libtorch::Error| e.to_string();
    let mut train_ds = mnist::load(&dir, mnist::Split::Train).map_err(err)?;
    let test_ds = mnist::load(&dir, mnist::Split::Test).map_err(err)?;
    if let Some(n) = args.train_subset {
        train_ds = train_ds.take(n).map_err(err)?;
    }
    say!(
        lead,
        "Fashion-MNIST from {}: {} training, {} test images (read in {:.2} s); {} on {device}, \
         {} libtorch threads{}",
        dir.display(),
        train_ds.len(),
        test_ds.len(),
        start.elapsed().as_secs_f64(),
        args.model.name(),
        libtorch::threads::get_num_threads(),
        if world > 1 {
            format!(" per rank, {world} ranks (DistributedDataParallel, Gloo)")
        } else {
            String::new()
        },
    );
    let cfg = TrainConfig {
        model: args.model,
        epochs: args.epochs.unwrap_or(args.model.default_epochs()),
        batch_size: args.batch_size,
        lr: args.lr,
        seed: args.seed,
        num_workers: args.workers,
        device,
        progress: true,
    };
    if args.loader_overhead {
        return loader_overhead(args, &cfg, train_ds);
    }
    let target = args.target_accuracy.unwrap_or(args.model.default_target());
    let (accuracy, confusion) = if args.eval_only {
        let weights = args.weights.as_ref().expect("clap requires --weights");
        let mut net = build(args.model);
        net.to_device(device).map_err(err)?;
        // Onto the model's device, wherever the weights were trained (GPU weights load on a CPU).
        libtorch::serialize::load_module(&net, weights)
            .map_err(|e| format!("{}: {e}", weights.display()))?;
        println!("loaded {}", weights.display());
        evaluate(&mut net, &test_ds, device).map_err(err)?
    } else if world > 1 {
        match train_and_save(args, &cfg, train_ds, &test_ds, lead)? {
            Some(result) => result,
            // Ranks other than 0 trained their share; rank 0 reports.
            None => return Ok(true),
        }
    } else {
        train_and_save(args, &cfg, train_ds, &test_ds, true)?.expect("a single process evaluates")
    };
    print!("{}", report::confusion_table(&confusion));
    let ok = accuracy >= target;
    println!(
        "test accuracy {:.2}% ({} target {:.2}%)",
        100.0 * accuracy,
        if ok { "meets the" } else { "BELOW the" },
        100.0 * target
    );
    Ok(ok)
}

/// Test accuracy and confusion matrix.
type Evaluation = (f64, [[u64; 10]; 10]);

/// Trains, then on rank 0 (`lead`) saves, plots and evaluates: `None` on the other ranks.
fn train_and_save(
    args: &Args,
    cfg: &TrainConfig,
    train_ds: TensorDataset,
    test_ds: &TensorDataset,
    lead: bool,
) -> Result<Option<Evaluation>, String> {
    let err = |e: libtorch::Error| e.to_string();
    say!(
        lead,
        "training {} epochs, batch {}, Adam lr {}, seed {}, {} loader worker(s)",
        cfg.epochs,
        cfg.batch_size,
        cfg.lr,
        cfg.seed,
        cfg.num_workers
    );
    let on_epoch = |s: &examples::fashion::train::EpochStats| {
        println!(
            "epoch {}/{}: train loss {:.4}, test accuracy {:.2}%, {:.0} images/s ({:.1} s)",
            s.epoch,
            cfg.epochs,
            s.train_loss,
            100.0 * s.test_accuracy,
            s.images_per_sec,
            s.seconds
        );
    };
    let (mut net, history) = if dist::is_initialized() {
        train_distributed(cfg, Arc::new(train_ds), test_ds, on_epoch)?
    } else {
        train(cfg, Arc::new(train_ds), test_ds, on_epoch).map_err(err)?
    };
    if !lead {
        return Ok(None);
    }
    let name = args.model.name();
    if args.save_weights.is_none() || args.plot.is_none() {
        std::fs::create_dir_all(&args.out_dir)
            .map_err(|e| format!("--out-dir {}: {e}", args.out_dir.display()))?;
    }
    let weights = args
        .save_weights
        .clone()
        .unwrap_or_else(|| args.out_dir.join(format!("fashion-mnist-{name}.pt")));
    libtorch::serialize::save_module(&net, &weights)
        .map_err(|e| format!("{}: {e}", weights.display()))?;
    println!(
        "weights saved to {} (check: --eval-only --weights {} --model {name})",
        weights.display(),
        weights.display()
    );
    let png = args
        .plot
        .clone()
        .unwrap_or_else(|| args.out_dir.join(format!("fashion-mnist-{name}.png")));
    let labels = plot::system_font();
    let title = format!(
        "Fashion-MNIST, {name}, batch {}, Adam lr {}",
        cfg.batch_size, cfg.lr
    );
    match plot::write_png(&png, &history, &title, labels) {
        Ok(()) => println!(
            "curves written to {}{}",
            png.display(),
            if labels {
                ""
            } else {
                " (no TrueType font found: drawn without text)"
            }
        ),
        Err(e) => eprintln!("warning: plot not written: {e}"),
    }
    evaluate(&mut net, test_ds, cfg.device)
        .map(Some)
        .map_err(err)
}

fn loader_overhead(
    args: &Args,
    cfg: &TrainConfig,
    train_ds: TensorDataset,
) -> Result<bool, String> {
    println!(
        "loader overhead: one epoch of {} ({} images, batch {}), {} loader worker(s), best of {}",
        cfg.model.name(),
        train_ds.len(),
        cfg.batch_size,
        cfg.num_workers,
        args.repeats
    );
    let o = overhead::measure(cfg, Arc::new(train_ds), args.repeats, |kind, run, t| {
        println!("  run {run}: {kind:<9} {t:.3} s");
    })
    .map_err(|e| e.to_string())?;
    let ratio = o.ratio();
    let ok = ratio <= args.max_overhead;
    println!(
        "in-memory {:.3} s, loader {:.3} s: ratio {ratio:.3} ({} {:.2})",
        o.in_memory,
        o.loader,
        if ok { "within" } else { "ABOVE" },
        args.max_overhead
    );
    Ok(ok)
}
