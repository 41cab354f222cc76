//! Writes optimizer and scheduler state dicts made here, for Python's `torch.optim` to load and
//! continue from (`libtorch/tests/fixtures/gen/check_rust_optim.py` checks that PyTorch's next
//! steps then match its own 50-step trajectories bit for bit):
//!
//! ```sh
//! cargo run --bin interop-write-optim -- --out /tmp/rust-optim
//! /work/venv/torch/bin/python libtorch/tests/fixtures/gen/check_rust_optim.py /tmp/rust-optim
//! ```
//!
//! Each optimizer makes the first 25 steps of the fixture problem (read from
//! `libtorch/tests/fixtures/optim/manifest.json`) and saves `optimizer.state_dict()` as
//! `<name>_state25.pt`; LBFGS (strong Wolfe) saves its state after 3 steps as
//! `lbfgs_strong_wolfe_step3.pt`; a CyclicLR saves its state after 7 steps as
//! `cyclic_state7.pt`.
use clap::Parser;
use libtorch::optim::scheduler::{CyclicLrOptions, CyclicMode};
use libtorch::optim::*;
use libtorch::{serialize, Kind, Tensor};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Write optimizer and scheduler states for torch.optim to continue from")]
struct Args {
    /// The folder to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
}

fn tensor(v: &serde_json::Value) -> Tensor {
    let kind: Kind = v["dtype"].as_str().unwrap().parse().unwrap();
    let shape: Vec<i64> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_i64().unwrap())
        .collect();
    let hex = v["hex"].as_str().unwrap();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    Tensor::from_bytes(&bytes, &shape, kind).unwrap()
}

/// The Rust twins of fixtures_optim.py's configurations with the same names.
fn make(name: &str, p: Vec<Tensor>) -> Box<dyn Optimizer> {
    match name {
        "nadam_wd" => Box::new(NAdam::with_options(
            p,
            NAdamOptions::new(0.01)
                .betas(0.8, 0.99)
                .weight_decay(0.1)
                .momentum_decay(0.01),
        )),
        "nadam_decoupled_maximize" => Box::new(NAdam::with_options(
            p,
            NAdamOptions::new(0.01)
                .weight_decay(0.1)
                .decoupled_weight_decay(true)
                .maximize(true),
        )),
        "radam" => Box::new(RAdam::new(p, 0.01)),
        "radam_decoupled" => Box::new(RAdam::with_options(
            p,
            RAdamOptions::new(0.01)
                .weight_decay(0.1)
                .decoupled_weight_decay(true),
        )),
        "adamax_wd_maximize" => Box::new(Adamax::with_options(
            p,
            AdamaxOptions::new(0.01)
                .betas(0.8, 0.99)
                .eps(1e-3)
                .weight_decay(0.1)
                .maximize(true),
        )),
        "adadelta_wd" => Box::new(Adadelta::with_options(
            p,
            AdadeltaOptions::new(0.5)
                .rho(0.8)
                .eps(1e-4)
                .weight_decay(0.1),
        )),
        "rmsprop_centered" => Box::new(RmsProp::with_options(
            p,
            RmsPropOptions::new(0.01)
                .alpha(0.9)
                .momentum(0.5)
                .centered(true)
                .weight_decay(0.1),
        )),
        other => unreachable!("{other}"),
    }
}

const NAMES: [&str; 7] = [
    "nadam_wd",
    "nadam_decoupled_maximize",
    "radam",
    "radam_decoupled",
    "adamax_wd_maximize",
    "adadelta_wd",
    "rmsprop_centered",
];

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(&args.out)?;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../libtorch/tests/fixtures/optim/manifest.json"
    );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect(path)).expect(path);
    let p = &m["problem"];
    let (x, y) = (tensor(&p["x"]), tensor(&p["y"]));
    for name in NAMES {
        let params = vec![
            tensor(&p["w"]).set_requires_grad(true),
            tensor(&p["b"]).set_requires_grad(true),
        ];
        let mut opt = make(name, params.clone());
        for _ in 0..25 {
            opt.zero_grad();
            let (w, b) = (&params[0], &params[1]);
            (w.matmul(&x) + b.unsqueeze(1))
                .tanh()
                .sub(&y)
                .square()
                .sum()
                .backward();
            opt.step()?;
        }
        serialize::save_value(
            &opt.state_dict()?,
            args.out.join(format!("{name}_state25.pt")),
        )?;
    }
    // LBFGS with the strong-Wolfe line search, after 3 of its steps.
    let params = vec![
        tensor(&p["w"]).set_requires_grad(true),
        tensor(&p["b"]).set_requires_grad(true),
    ];
    let mut opt = Lbfgs::f_new(
        params.clone(),
        LbfgsOptions::default().line_search_fn(Some(LineSearch::StrongWolfe)),
    )?;
    for _ in 0..3 {
        opt.step_with_closure(|| {
            opt_zero_grad(&params)?;
            let (w, b) = (&params[0], &params[1]);
            let loss = (w.matmul(&x) + b.unsqueeze(1))
                .tanh()
                .sub(&y)
                .square()
                .sum();
            loss.backward();
            Ok(loss)
        })?;
    }
    serialize::save_value(
        &opt.state_dict()?,
        args.out.join("lbfgs_strong_wolfe_step3.pt"),
    )?;
    let a = Tensor::zeros(&[2]).set_requires_grad(true);
    let b = Tensor::zeros(&[3]).set_requires_grad(true);
    let mut opt = Sgd::with_options(vec![a], SgdOptions::new(0.1).momentum(0.9));
    opt.add_param_group(vec![b], SgdOptions::new(0.05).momentum(0.9));
    let mut s = CyclicLr::f_with_options(
        &mut opt,
        &[0.01],
        &[0.1],
        CyclicLrOptions::default()
            .step_size_up(4)
            .mode(CyclicMode::Triangular2),
    )?;
    for _ in 0..7 {
        s.step(&mut opt)?;
    }
    serialize::save_value(&s.state_dict(), args.out.join("cyclic_state7.pt"))?;
    println!("interop-write-optim: wrote {}", args.out.display());
    Ok(())
}

fn opt_zero_grad(params: &[Tensor]) -> libtorch::Result<()> {
    for p in params {
        p.clone().f_set_grad(None)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("interop-write-optim: {e}");
            ExitCode::FAILURE
        }
    }
}
