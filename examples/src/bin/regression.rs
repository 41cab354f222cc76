//! Linear regression: recovers `w = [2, -3.4]`, `b = 4.2` from noisy samples
//! `y = x·w + b + ε` (ε ~ N(0, 0.01²)) with a `Linear(2, 1)` layer and SGD, then checks the
//! learnt weights; exits 1 if they are off by more than 0.05.
use clap::Parser;
use libtorch::nn::{functional as F, Linear, Module};
use libtorch::optim::{Optimizer, Sgd};
use libtorch::{Device, Kind, Tensor};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Fit y = x·w + b to noisy data and check w and b")]
struct Args {
    /// Seed of libtorch's generator.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// SGD steps (a fresh batch each).
    #[arg(long, default_value_t = 500)]
    iters: usize,
    /// Learning rate.
    #[arg(long, default_value_t = 0.05)]
    lr: f64,
    /// Samples per step.
    #[arg(long, default_value_t = 64)]
    batch_size: i64,
}

const W: [f32; 2] = [2.0, -3.4];
const B: f32 = 4.2;

fn main() -> ExitCode {
    examples::exit_code(run(&Args::parse()))
}

fn run(args: &Args) -> libtorch::Result<bool> {
    libtorch::manual_seed(args.seed);
    let w_true = Tensor::from_data(&W, &[1, 2])?;
    let b_true = Tensor::from_slice(&[B]);
    let model = Linear::new(2, 1);
    let mut opt = Sgd::new(model.parameters(), args.lr);
    let opts = (Kind::Float, Device::Cpu);
    for i in 1..=args.iters {
        let x = Tensor::f_randn_opts(&[args.batch_size, 2], opts)?;
        let noise = Tensor::f_randn_opts(&[args.batch_size, 1], opts)?;
        let y = F::f_linear_with(&x, &w_true, Some(&b_true))? + noise * 0.01;
        let loss = F::f_mse_loss(&model.f_forward(&x)?, &y)?;
        opt.zero_grad();
        loss.backward_with(None, false, false)?;
        opt.step()?;
        if i % 100 == 0 {
            println!("Iteration: {i} | Loss: {:.6}", loss.item_as::<f64>()?);
        }
    }
    let w = model.weight.to_vec::<f32>()?;
    let b = model.bias.as_ref().expect("bias").to_vec::<f32>()?[0];
    println!("learnt w = [{:.4}, {:.4}], b = {b:.4}", w[0], w[1]);
    println!("true   w = [{:.4}, {:.4}], b = {B:.4}", W[0], W[1]);
    let ok = (w[0] - W[0]).abs() < 0.05 && (w[1] - W[1]).abs() < 0.05 && (b - B).abs() < 0.05;
    if !ok {
        println!("the learnt parameters are more than 0.05 from the true ones");
    }
    Ok(ok)
}
