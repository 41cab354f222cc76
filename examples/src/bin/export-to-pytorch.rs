//! Train in Rust, hand the model to Python: trains a small MLP, saves its state dict and a full
//! training checkpoint (model, Adam's state, epoch, an input and the model's output on it) in
//! `torch.save`'s format, and re-saves every PyTorch-written fixture it can load. Then, with
//! Python's PyTorch at hand:
//!
//! ```sh
//! cargo run --release --bin export-to-pytorch -- --out /tmp/ltrs-export
//! python3 examples/scripts/check-export.py /tmp/ltrs-export
//! ```
//!
//! The script loads everything with plain `torch.load` (weights only), rebuilds the same
//! `torch.nn` model, and checks that its outputs and Adam's next step are bit-identical to
//! Rust's. This program checks its own files before exiting (non-zero on any failure).
use clap::Parser;
use libtorch::nn::{Linear, Module, Sequential, Tanh};
use libtorch::optim::{Adam, Optimizer};
use libtorch::serialize;
use libtorch::{Device, IValue, Kind, Tensor};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Train a model in Rust and save it for Python's torch.load")]
struct Args {
    /// Where to write the files (created if missing).
    #[arg(long, default_value_os_t = std::env::temp_dir().join("libtorch-rs-export"))]
    out: PathBuf,
    /// Training steps.
    #[arg(long, default_value_t = 200)]
    steps: usize,
    /// Seed of libtorch's generator.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn main() -> ExitCode {
    examples::exit_code(run(&Args::parse()))
}

/// `torch.nn.Sequential(Linear(4, 16), Tanh(), Linear(16, 1))`, named as in Python.
fn model() -> Sequential {
    Sequential::new()
        .add(Linear::new(4, 16))
        .add(Tanh)
        .add(Linear::new(16, 1))
}

/// One Adam step on the mean squared error of `model(x)` against `y`.
fn step(model: &Sequential, opt: &mut Adam, x: &Tensor, y: &Tensor) -> libtorch::Result<f64> {
    let loss = (model.f_forward(x)? - y).f_square()?.f_mean()?;
    opt.zero_grad();
    loss.backward_with(None, false, false)?;
    opt.step()?;
    loss.item_as::<f64>()
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn run(args: &Args) -> Result<bool> {
    libtorch::manual_seed(args.seed);
    std::fs::create_dir_all(args.out.join("resaved"))?;
    // y = sin(x₀) + x₁x₂ - x₃ on random points.
    let opts = (Kind::Float, Device::Cpu);
    let x = Tensor::f_randn_opts(&[256, 4], opts)?;
    let cols = |i: i64| x.narrow(1, i, 1);
    let y = cols(0).sin() + cols(1) * cols(2) - cols(3);
    let net = model();
    let mut opt = Adam::new(net.parameters(), 0.01);
    let first = step(&net, &mut opt, &x, &y)?;
    let mut last = first;
    for _ in 1..args.steps {
        last = step(&net, &mut opt, &x, &y)?;
    }
    println!(
        "trained {} Adam steps: loss {first:.4} -> {last:.4}",
        args.steps
    );

    // What Python must reproduce: the outputs on `probe`, and the next Adam step.
    let probe = x.narrow(0, 0, 8);
    let output = libtorch::no_grad(|| net.f_forward(&probe))?;
    let checkpoint = IValue::dict([
        ("model", state_dict(&net)?),
        ("optimizer", opt.state_dict()?),
        ("epoch", IValue::from(args.steps as i64)),
        ("input", IValue::from(&x)),
        ("target", IValue::from(&y)),
        ("probe", IValue::from(&probe)),
        ("output", IValue::from(output)),
    ]);
    serialize::save_module(&net, args.out.join("model.pt"))?;
    serialize::save_value(&checkpoint, args.out.join("checkpoint.pt"))?;
    step(&net, &mut opt, &x, &y)?;
    let next: Vec<IValue> = net
        .parameters()
        .iter()
        .map(|p| IValue::from(p.detach()))
        .collect();
    serialize::save_value(&IValue::List(next), args.out.join("next_step.pt"))?;

    let resaved = resave_fixtures(&args.out.join("resaved"))?;
    println!("re-saved {resaved} PyTorch-written fixtures");

    // Our own reading of what we wrote.
    let back = model();
    serialize::load_module(&back, args.out.join("model.pt"))?;
    let ckpt = serialize::load_value(args.out.join("checkpoint.pt"))?;
    let again = libtorch::no_grad(|| back.f_forward(&probe))?;
    let want = ckpt
        .get("output")
        .and_then(IValue::as_tensor)
        .expect("output");
    let ok = again.to_bytes()? == want.to_bytes()?;
    println!(
        "reloaded here: outputs {}",
        if ok { "identical" } else { "DIFFER" }
    );
    println!(
        "now check them in Python: python3 examples/scripts/check-export.py {}",
        args.out.display()
    );
    Ok(ok)
}

fn state_dict(m: &dyn Module) -> libtorch::Result<IValue> {
    let mut entries = Vec::new();
    let mut err = None;
    m.visit(&mut |n, _, t| match t.f_detach() {
        Ok(d) => entries.push((n.to_owned(), IValue::from(d))),
        Err(e) => err = Some(e),
    });
    match err {
        Some(e) => Err(e),
        None => Ok(IValue::dict(entries)),
    }
}

/// Loads each `.pt` fixture PyTorch wrote and saves it again under the same name.
fn resave_fixtures(dir: &Path) -> Result<usize> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../libtorch/tests/fixtures/pt");
    let entries = std::fs::read_dir(&src)?;
    let mut n = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().ends_with(".pt") {
            continue;
        }
        let v = serialize::load_value(entry.path())?;
        serialize::save_value(&v, dir.join(&name))?;
        n += 1;
    }
    Ok(n)
}
