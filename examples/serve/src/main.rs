//! `serve`: serves a model over HTTP (see `docs/serving.md`).
//!
//! ```text
//! cargo run --release --bin fashion-mnist -- --save-weights /tmp/fashion-mlp.pt
//! cargo run --release --bin serve -- --weights /tmp/fashion-mlp.pt
//! curl http://127.0.0.1:8081/compute2x/3.1
//! ```
use clap::Parser;
use examples::fashion::model::ModelKind;
use serve::batcher::{BatchConfig, Batcher};
use serve::http::{router, AppState};
use serve::metrics::Metrics;
use serve::model::ModelSpec;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Serve a libtorch model over HTTP with dynamic batching")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port (0: any free port; the chosen one is printed).
    #[arg(long, default_value_t = 8081)]
    port: u16,
    /// A Fashion-MNIST state_dict (`fashion-mnist --save-weights`).
    #[arg(long, conflicts_with = "torchscript")]
    weights: Option<PathBuf>,
    /// Serve freshly initialised weights from this seed instead of a file (to try the page
    /// or the load test without a trained model; the predictions are meaningless).
    #[arg(long, conflicts_with_all = ["weights", "torchscript"])]
    init_seed: Option<u64>,
    /// Architecture of --weights.
    #[arg(long, value_enum, default_value_t = ModelKind::Mlp)]
    model: ModelKind,
    /// A TorchScript module instead (`torch.jit.save`), taking `Float [N, *--input-shape]`.
    #[arg(long)]
    torchscript: Option<PathBuf>,
    /// One sample's shape for --torchscript, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,28,28")]
    input_shape: Vec<i64>,
    /// Class names for --torchscript's outputs, comma-separated (adds probabilities).
    #[arg(long, value_delimiter = ',')]
    labels: Option<Vec<String>>,
    /// A Linear(3, 1) state_dict for /inference (default: trained at start, as hasktorch does).
    #[arg(long)]
    regression_weights: Option<PathBuf>,
    /// Most samples in one forward pass (1: no batching).
    #[arg(long, default_value_t = 32)]
    max_batch: usize,
    /// Longest wait, in milliseconds, for a batch to fill.
    #[arg(long, default_value_t = 2.0)]
    max_wait_ms: f64,
    /// Pad every forward pass to --max-batch rows, so that a request's outputs are bit-identical
    /// however it was batched (false: faster under light load; rows may then differ by an ulp
    /// with the batch's size).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    batch_invariant: bool,
    /// Inference threads (each with its own copy of the model).
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// libtorch intra-op threads per inference thread (default: cores / workers).
    #[arg(long)]
    intra_op_threads: Option<usize>,
    /// Requests queued before new ones get 503.
    #[arg(long, default_value_t = 256)]
    queue_capacity: usize,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    body_limit: usize,
    /// Sleep before each forward pass, in milliseconds (for tests and demonstrations).
    #[arg(long, default_value_t = 0, hide = true)]
    simulate_delay_ms: u64,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("serve: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let weights = match (args.init_seed, &args.weights) {
        (Some(seed), _) => Some(init_weights(args.model, seed)?),
        (None, w) => w.clone(),
    };
    let spec = match (weights, &args.torchscript) {
        (Some(w), _) => ModelSpec::Fashion {
            kind: args.model,
            weights: w,
        },
        (None, Some(p)) => ModelSpec::Script {
            path: p.clone(),
            sample_shape: args.input_shape.clone(),
            labels: args.labels.clone(),
        },
        (None, None) => {
            return Err("give --weights FILE, --torchscript FILE or --init-seed N".into())
        }
    };
    if args.input_shape.iter().any(|&d| d <= 0) {
        return Err(format!(
            "--input-shape {:?}: sizes must be positive",
            args.input_shape
        ));
    }
    if args.max_batch == 0 || args.workers == 0 || args.queue_capacity == 0 {
        return Err("--max-batch, --workers and --queue-capacity must be positive".into());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let intra = args
        .intra_op_threads
        .unwrap_or((cores / args.workers).max(1));
    libtorch::set_num_threads(intra).map_err(|e| e.to_string())?;
    let regression = match &args.regression_weights {
        Some(p) => serve::hasktorch::load_regression(p)
            .map_err(|e| format!("loading --regression-weights {}: {e}", p.display()))?,
        None => serve::hasktorch::train_regression().map_err(|e| e.to_string())?,
    };
    let metrics = Arc::new(Metrics::default());
    let cfg = BatchConfig {
        max_batch: args.max_batch,
        max_wait: Duration::from_secs_f64(args.max_wait_ms.max(0.0) / 1000.0),
        workers: args.workers,
        intra_op_threads: intra,
        queue_capacity: args.queue_capacity,
        batch_invariant: args.batch_invariant,
        simulate_delay: Duration::from_millis(args.simulate_delay_ms),
    };
    let batcher = Batcher::start(&spec, &cfg, metrics.clone())?;
    let state = Arc::new(AppState {
        batcher,
        metrics,
        accepted_shapes: spec.accepted_sample_shapes(),
        labels: spec.labels(),
        regression,
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
            .await
            .map_err(|e| format!("binding {}:{}: {e}", args.host, args.port))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        println!(
            "listening on http://{addr} (batch up to {} samples, wait {} ms, {} inference \
             thread(s) x {intra} intra-op)",
            cfg.max_batch, args.max_wait_ms, cfg.workers
        );
        let _ = std::io::stdout().flush();
        axum::serve(listener, router(state.clone(), args.body_limit))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| e.to_string())
    })?;
    // Every connection has been answered; the queue is empty: stop the inference threads.
    state.batcher.shutdown();
    println!("shut down cleanly");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("installing the SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    println!("signal received: finishing in-flight requests");
    let _ = std::io::stdout().flush();
}

/// Saves a freshly initialised classifier (seed `seed`) to a temporary file, so that every
/// inference thread loads the same weights.
fn init_weights(kind: ModelKind, seed: u64) -> Result<PathBuf, String> {
    libtorch::manual_seed(seed);
    let net = examples::fashion::model::build(kind);
    let path = std::env::temp_dir().join(format!(
        "serve-{}-seed{seed}-{}.pt",
        kind.name(),
        std::process::id()
    ));
    libtorch::serialize::save_module(&net, &path)
        .map_err(|e| format!("saving the initial weights to {}: {e}", path.display()))?;
    Ok(path)
}
