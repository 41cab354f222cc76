//! A Fashion-MNIST classifier trained in Python (a small CNN, saved with `torch.jit.script(model)
//! .save(...)` by libtorch/tests/fixtures/gen/fixtures_jit.py), loaded as a TorchScript module
//! and evaluated on the 10,000 test images read with this crate's IDX reader. Python measured
//! the same model on the same images (its accuracy and every prediction are in the fixtures'
//! manifest); the example prints both and exits non-zero unless every prediction is the same.
//!
//! ```sh
//! cargo run --release --bin torchscript-fashion
//! cargo run --release --bin torchscript-fashion -- --model other.pt --data-dir DIR
//! ```
use clap::Parser;
use examples::fashion::locate;
use libtorch::data::{mnist, DataLoader};
use libtorch::{jit, Device, Kind, NoGradGuard};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(about = "Evaluate a TorchScript Fashion-MNIST classifier trained in Python")]
struct Args {
    /// The TorchScript model (default: the fixtures' fashion_cnn.pt).
    #[arg(long)]
    model: Option<PathBuf>,
    /// The manifest with Python's accuracy and predictions (default: the fixtures').
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Directory with the four IDX files (default: found or fetched automatically).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// libtorch's intra-op threads (0: libtorch's default).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../libtorch/tests/fixtures/jit")
}

/// What Python measured: the batch size it evaluated with, its number of correct answers and
/// its predicted class for each test image.
struct PythonResult {
    batch: usize,
    correct: usize,
    total: usize,
    predictions: Vec<u8>,
}

fn python_result(path: &Path) -> Result<PythonResult, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let m: Json = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let f = &m["fashion"];
    let field = |k: &str| {
        f[k].as_u64()
            .map(|v| v as usize)
            .ok_or_else(|| format!("{}: no fashion.{k}", path.display()))
    };
    let hex = f["predictions"]["hex"]
        .as_str()
        .ok_or_else(|| format!("{}: no fashion.predictions", path.display()))?;
    let predictions = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|e| format!("{}: predictions: {e}", path.display()))?;
    Ok(PythonResult {
        batch: field("eval_batch")?,
        correct: field("correct")?,
        total: field("total")?,
        predictions,
    })
}

fn main() -> ExitCode {
    examples::exit_code(run(&Args::parse()))
}

fn run(args: &Args) -> Result<bool, String> {
    let err = |e: libtorch::Error| e.to_string();
    if args.threads > 0 {
        libtorch::threads::set_num_threads(args.threads).map_err(err)?;
    }
    let model_path = args
        .model
        .clone()
        .unwrap_or_else(|| fixtures().join("fashion_cnn.pt"));
    let manifest = args
        .manifest
        .clone()
        .unwrap_or_else(|| fixtures().join("manifest.json"));
    let python = python_result(&manifest)?;
    let dir = locate::data_dir(args.data_dir.as_deref())?;
    let test = mnist::load(&dir, mnist::Split::Test).map_err(err)?;

    let mut model = jit::load(&model_path).map_err(err)?;
    model.eval();
    println!(
        "{} on {} test images from {} ({} parameters)",
        model_path.display(),
        libtorch::data::Dataset::len(&test),
        dir.display(),
        libtorch::nn::Module::num_parameters(&model),
    );

    // The batches Python used: the prediction for an image may depend on its batch's size
    // (which kernels libtorch picks), never on its neighbours' values.
    let start = Instant::now();
    let _no_grad = NoGradGuard::new();
    let loader = DataLoader::new(test, python.batch).map_err(err)?;
    let (mut predictions, mut correct) = (Vec::new(), 0usize);
    for batch in loader.epoch_at(0) {
        let (x, y) = batch.map_err(err)?;
        let pred = model
            .f_forward_ts(&[x])
            .and_then(|logits| logits.f_argmax_with(Some(1), false))
            .map_err(err)?;
        let pred = pred
            .f_to_device(Device::Cpu, Kind::Int64)
            .and_then(|p| p.to_vec::<i64>())
            .map_err(err)?;
        let truth = y.to_vec::<i64>().map_err(err)?;
        correct += pred.iter().zip(&truth).filter(|(p, t)| p == t).count();
        predictions.extend(pred.iter().map(|&p| p as u8));
    }
    let total = predictions.len();
    let accuracy = correct as f64 / total.max(1) as f64;
    let python_accuracy = python.correct as f64 / python.total.max(1) as f64;
    let differ = predictions
        .iter()
        .zip(&python.predictions)
        .filter(|(a, b)| a != b)
        .count();
    println!(
        "Rust:   test accuracy {:.2}% ({correct}/{total}) in {:.2} s",
        100.0 * accuracy,
        start.elapsed().as_secs_f64()
    );
    println!(
        "Python: test accuracy {:.2}% ({}/{})",
        100.0 * python_accuracy,
        python.correct,
        python.total
    );
    let same = total == python.total
        && python.predictions.len() == total
        && correct == python.correct
        && differ == 0;
    if same {
        println!("every one of the {total} predictions is Python's");
    } else {
        println!(
            "MISMATCH: {differ} of {total} predictions differ from Python's (Python's file holds {})",
            python.predictions.len()
        );
    }
    Ok(same)
}
