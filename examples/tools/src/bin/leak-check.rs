//! Leak check: runs many small libtorch operations and reports the resident set size (RSS) after
//! warm-up, as it goes and at the end; exits non-zero if RSS grew by more than the slack.
//!
//! Every 100th round is a *full* round exercising the whole safe API once: creation, arithmetic,
//! indexing, autograd (backward, grad of grad, a custom function), failing calls of every
//! kind (shape mismatches, bad indices, bad arguments, a panicking callback), an `nn` model's
//! forward and backward with an optimizer step, a serialization round trip, a zero-copy view of
//! Rust memory, and drops in every order. The same binary, with a small `--ops`, is the workload
//! of the valgrind memcheck run (`examples/tools/scripts/memcheck.sh`).
//!
//! ```text
//! cargo run --release -p tools --bin leak-check -- [--ops 1000000] [--slack-kib 4096]
//! ```
use clap::Parser;
use libtorch::autograd::{self, Ctx, Function};
use libtorch::nn::{functional as F, Linear, Module, Sequential, Tanh};
use libtorch::optim::{Adam, Optimizer, Sgd};
use libtorch::{serialize, Device, Error, Kind, Result, Tensor};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Run many libtorch operations and check that memory stays flat")]
struct Args {
    /// libtorch operations to run after warm-up (14 per round).
    #[arg(long, default_value_t = 1_000_000)]
    ops: usize,
    /// Rounds run before the starting RSS is taken (allocator caches, lazy initialisation).
    #[arg(long, default_value_t = 2_000)]
    warmup: usize,
    /// Allowed RSS growth from after warm-up to the end, in KiB.
    #[arg(long, default_value_t = 4096)]
    slack_kib: u64,
}

/// libtorch calls in one plain round (counted by hand in `round`).
const OPS_PER_ROUND: usize = 14;
/// One round in this many is a full round.
const FULL_EVERY: usize = 100;

/// Resident set size in bytes, from /proc/self/statm (Linux).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("read /proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("statm's second field");
    pages * 4096
}

/// 14 libtorch calls: arithmetic, indexing, an error path, printing, a third derivative.
fn round(x: &Tensor, y: &Tensor) -> Result<()> {
    let z = &(x * y) + 1.0f64; // 2
    let w = z.f_i((.., 1..))?.f_i(0)?; // 2
    let s = &w * 2i64; // 1
    let err = (-x).f_i(10).unwrap_err(); // 2 (negation, a failing index)
    assert!(err.to_string().contains("out of bounds"), "{err}");
    let _ = format!("{s}"); // 1 (counted once, though printing makes several)
    let g = Tensor::from_slice(&[1.5f64]).f_set_requires_grad(true)?; // 2
    let h = &(&g * &g) * &g; // 2
    let d = autograd::grad(&[&h], &[&g], &[], false, false, false)?; // 1 (backward)
    assert_eq!(d[0].double_value(), 6.75); // 1: 3 * 1.5²
    Ok(())
}

/// y = x², with dy/dx = 2x, as a custom autograd function.
struct Square;

impl Function for Square {
    fn forward(&mut self, ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        ctx.save_for_backward(&[&inputs[0]])?;
        Ok(vec![&inputs[0] * &inputs[0]])
    }
    fn backward(&self, ctx: &mut Ctx, grads: &[Tensor]) -> Result<Vec<Tensor>> {
        let x = &ctx.saved_tensors()?[0];
        Ok(vec![&(x * 2.0f64) * &grads[0]])
    }
}

/// A custom function whose backward panics: the panic must come back as an error.
struct PanicsInBackward;

impl Function for PanicsInBackward {
    fn forward(&mut self, _ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![&inputs[0] * 1.0f64])
    }
    fn backward(&self, _ctx: &mut Ctx, _grads: &[Tensor]) -> Result<Vec<Tensor>> {
        panic!("deliberate panic in backward")
    }
}

fn expect_err<T>(r: Result<T>, needle: &str) {
    match r {
        Ok(_) => panic!("expected an error containing {needle:?}"),
        Err(e) => assert!(e.to_string().contains(needle), "{e} lacks {needle:?}"),
    }
}

/// Failing calls of every kind; each error is built, inspected and dropped.
fn errors() {
    let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
    let b = Tensor::zeros_opts(&[2, 2], (Kind::Float, Device::Cpu));
    expect_err(a.f_matmul(&b), "cannot be multiplied");
    expect_err(a.f_i(7), "out of bounds");
    expect_err(Tensor::from_data(&[1.0f32; 5], &[2, 2]), "do not fill");
    expect_err(a.f_reshape(&[4]), "invalid for input of size");
    expect_err(Tensor::default().f_dim(), "undefined");
    expect_err(
        Tensor::from_slice(&[1i64]).f_set_requires_grad(true),
        "Only Tensors of floating point",
    );
    expect_err(serialize::load_from_bytes(b"not a checkpoint"), "");
    let x = Tensor::from_slice(&[2.0f64]).set_requires_grad(true);
    let y = &x * &x;
    y.backward();
    expect_err(y.backward_with(None, false, false), "second time");
    let v = &x * 2.0f64;
    let two = &v * Tensor::from_slice(&[1.0f64, 1.0]);
    expect_err(two.backward_with(None, false, false), "scalar outputs");
    let p = autograd::apply(PanicsInBackward, &[&x]).unwrap();
    match p[0].backward_with(None, false, false) {
        Err(Error::CallbackPanic { message, .. }) => {
            assert_eq!(message, "deliberate panic in backward")
        }
        other => panic!("expected a CallbackPanic, got {other:?}"),
    }
}

/// Autograd: backward into leaves, grad of grad, a custom function.
fn autograd_round() -> Result<()> {
    let x = Tensor::from_slice(&[1.0f64, -2.0, 0.5]).f_set_requires_grad(true)?;
    let y = (&(&x * &x) * &x).sum(); // Σ x³
    let g = autograd::grad(&[&y], &[&x], &[], true, true, false)?; // 3x²
    let gg = autograd::grad(&[&g[0].sum()], &[&x], &[], false, false, false)?; // 6x
    assert_eq!(g[0].to_vec::<f64>()?, [3.0, 12.0, 0.75]);
    assert_eq!(gg[0].to_vec::<f64>()?, [6.0, -12.0, 3.0]);
    let s = autograd::apply(Square, &[&x])?;
    s[0].sum().backward();
    assert_eq!(x.grad().to_vec::<f64>()?, [2.0, -4.0, 1.0]);
    (&x * 1.0f64).sum().backward(); // accumulates 1 more
    assert_eq!(x.grad().to_vec::<f64>()?, [3.0, -3.0, 2.0]);
    Ok(())
}

/// A small model trained one step with each optimizer, and a serialization round trip.
fn nn_round() -> Result<()> {
    let model = Sequential::new()
        .add(Linear::new(4, 8))
        .add(Tanh)
        .add(Linear::new(8, 1));
    let xs = Tensor::rand_opts(&[16, 4], (Kind::Float, Device::Cpu));
    let ys = Tensor::rand_opts(&[16, 1], (Kind::Float, Device::Cpu));
    let mut sgd = Sgd::new(model.parameters(), 0.01);
    let mut adam = Adam::new(model.parameters(), 0.01);
    for opt in [&mut sgd as &mut dyn Optimizer, &mut adam] {
        let loss = F::f_mse_loss(&model.f_forward(&xs)?, &ys)?;
        opt.zero_grad();
        loss.backward_with(None, false, false)?;
        opt.step()?;
    }
    expect_err(
        model.f_forward(&Tensor::rand_opts(&[2, 3], (Kind::Float, Device::Cpu))),
        "",
    );
    let named = model.named_parameters();
    let bytes = serialize::save_to_bytes(&named)?;
    let back = serialize::load_from_bytes(&bytes)?;
    assert_eq!(back.len(), named.len());
    for ((n1, t1), (n2, t2)) in named.iter().zip(&back) {
        assert_eq!(n1, n2);
        assert_eq!(t1.to_vec::<f32>()?, t2.to_vec::<f32>()?);
    }
    Ok(())
}

/// A zero-copy view of Rust memory, with a handle that escapes it.
fn blob_round() -> Result<()> {
    let mut buf = vec![1.0f32, 2.0, 3.0, 4.0];
    let escaped = {
        let mut v = Tensor::from_blob_mut(&mut buf, &[2, 2])?;
        *v *= 2.0;
        v.f_i(1)?
    };
    assert_eq!(buf, [2.0, 4.0, 6.0, 8.0]);
    buf[2] = 0.0;
    assert_eq!(escaped.to_vec::<f32>()?, [6.0, 8.0]);
    Ok(())
}

/// An out kernel that rebinds its out argument instead of writing into it (the quantized
/// `std.out`): the caller's `out` must stay a live tensor (under memcheck: no read of freed
/// memory when it is used and dropped), and the returned tensor holds the result.
fn rebound_out_round() -> Result<()> {
    let q =
        Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0]).f_quantize_per_tensor(0.25, 0, Kind::QInt8)?;
    let mut out = Tensor::from_slice(&[7.0f32]);
    let std = q.f_std_correction_out_with(0, 1, false, &mut out)?;
    assert_eq!(out.to_vec::<f32>()?, [7.0]);
    drop(out);
    // The sample standard deviation of 1..=4 is 1.29, quantized at 0.25 to 1.25.
    assert_eq!(std.f_dequantize_self()?.to_vec::<f32>()?, [1.25]);
    Ok(())
}

fn full_round() -> Result<()> {
    errors();
    autograd_round()?;
    nn_round()?;
    blob_round()?;
    rebound_out_round()?;
    // Drops in odd states.
    drop(Tensor::default());
    let t = Tensor::from_slice(&[1u8, 2]);
    let u = t.shallow_clone();
    drop(t);
    assert_eq!(u.to_vec::<u8>()?, [1, 2]);
    Ok(())
}

fn run(args: &Args) -> Result<bool> {
    // The panicking callback in `errors` is expected: keep its message off stderr, and only it.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
        let deliberate = message.is_some_and(|m| m.contains("deliberate panic"));
        if !deliberate {
            default_hook(info);
        }
    }));
    libtorch::manual_seed(0);
    let x = Tensor::rand_opts(&[2, 3], (Kind::Float, Device::Cpu));
    let y = Tensor::rand_opts(&[2, 3], (Kind::Float, Device::Cpu));
    let step = |i: usize| -> Result<()> {
        round(&x, &y)?;
        if i.is_multiple_of(FULL_EVERY) {
            full_round()?;
        }
        Ok(())
    };
    for i in 0..args.warmup {
        step(i)?;
    }
    let start = rss_bytes();
    println!(
        "after {} warm-up rounds: RSS {} KiB",
        args.warmup,
        start / 1024
    );
    let t0 = std::time::Instant::now();
    let rounds = args.ops.div_ceil(OPS_PER_ROUND);
    let report_every = (rounds / 10).max(1);
    for i in 0..rounds {
        step(i)?;
        if (i + 1) % report_every == 0 && i + 1 < rounds {
            println!(
                "  {:>8} ops: RSS {} KiB",
                (i + 1) * OPS_PER_ROUND,
                rss_bytes() / 1024
            );
        }
    }
    let end = rss_bytes();
    let growth = end as i64 - start as i64;
    println!(
        "{rounds} rounds ({} ops, {} full rounds) in {:.1?}: RSS {} KiB -> {} KiB ({:+} KiB)",
        rounds * OPS_PER_ROUND,
        rounds.div_ceil(FULL_EVERY),
        t0.elapsed(),
        start / 1024,
        end / 1024,
        growth / 1024
    );
    let ok = growth <= (args.slack_kib * 1024) as i64;
    if !ok {
        eprintln!("RSS grew by more than {} KiB: a leak", args.slack_kib);
    }
    Ok(ok)
}

fn main() -> ExitCode {
    examples::exit_code(run(&Args::parse()))
}
