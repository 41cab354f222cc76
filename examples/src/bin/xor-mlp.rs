//! XOR with a two-layer perceptron (hasktorch's `xor-mlp` example): 2 inputs → `hidden` tanh
//! units → 1 linear output (tanh between the layers only, as in hasktorch), trained with plain
//! gradient descent on the mean squared error over random batches of 0/1 pairs. Exits 0 when
//! every one of the four outputs is within 0.1 of its target.
//!
//! Seeds 0..9 with the defaults: all but seed 1 converge. Seed 1's initial weights lead into
//! XOR's local minimum for two hidden units (loss stays at 0.125: one hidden unit saturates and
//! the net can only fit three of the four points); `--hidden 4` or another seed avoids it. Seed 5
//! needs ~10,000 steps to leave a plateau, hence the default.
use clap::Parser;
use libtorch::nn::{functional as F, Linear, Module, Sequential, Tanh};
use libtorch::optim::{Optimizer, Sgd};
use libtorch::{Device, Kind, Tensor};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Learn XOR with a 2-2-1 tanh MLP and gradient descent")]
struct Args {
    /// Seed of libtorch's generator (initial weights and batches).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Gradient-descent iterations.
    #[arg(long, default_value_t = 10000)]
    iters: usize,
    /// Learning rate.
    #[arg(long, default_value_t = 0.1)]
    lr: f64,
    /// Random input pairs per iteration.
    #[arg(long, default_value_t = 256)]
    batch_size: i64,
    /// Hidden units.
    #[arg(long, default_value_t = 2)]
    hidden: i64,
    /// cpu, cuda, cuda:N, or auto (cuda:0 when available).
    #[arg(long, default_value = "cpu")]
    device: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match examples::parse_device(&args.device) {
        Ok(device) => examples::exit_code(run(&args, device)),
        Err(e) => examples::exit_code(Err::<bool, _>(e)),
    }
}

fn run(args: &Args, device: Device) -> libtorch::Result<bool> {
    libtorch::manual_seed(args.seed);
    let mut model = Sequential::new()
        .add(Linear::new(2, args.hidden))
        .add(Tanh)
        .add(Linear::new(args.hidden, 1));
    model.to_device(device)?;
    let mut opt = Sgd::new(model.parameters(), args.lr);
    // target = (a - b)², which is a XOR b for bits.
    let diff = Tensor::from_data(&[1.0f32, -1.0], &[1, 2])?.f_to(device)?;
    let xor = |x: &Tensor| -> libtorch::Result<Tensor> {
        let d = F::f_linear(x, &diff)?;
        Ok(&d * &d)
    };
    for i in 1..=args.iters {
        let x = Tensor::f_randint_opts(0, 2, &[args.batch_size, 2], (Kind::Float, device))?;
        let y = xor(&x)?;
        let loss = F::f_mse_loss(&model.f_forward(&x)?, &y)?;
        opt.zero_grad();
        loss.backward_with(None, false, false)?;
        opt.step()?;
        if i % 100 == 0 {
            println!("Iteration: {i} | Loss: {:.6}", loss.item_as::<f64>()?);
        }
    }
    println!("Final Model:");
    let inputs =
        Tensor::from_data(&[0.0f32, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0], &[4, 2])?.f_to(device)?;
    let outputs = libtorch::no_grad(|| model.f_forward(&inputs))?.to_vec::<f32>()?;
    let mut ok = true;
    for (k, out) in outputs.iter().enumerate() {
        let (a, b) = (k / 2, k % 2);
        let target = (a ^ b) as f32;
        let good = (out - target).abs() < 0.1;
        ok &= good;
        println!(
            "{a} XOR {b} = {out:.4} (target {target}){}",
            if good {
                ""
            } else {
                "  <- off by more than 0.1"
            }
        );
    }
    if !ok {
        println!(
            "Not converged (seed {}): an output is more than 0.1 from its target. With {} hidden \
             units XOR has local minima; try another --seed, more --iters or --hidden 4.",
            args.seed, args.hidden
        );
    }
    Ok(ok)
}
