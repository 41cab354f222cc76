//! The optimizer step of a 10M-parameter model: torch.optim's multi-tensor path
//! (`foreach=True`, libtorch's `_foreach_*` operators) and its fused kernels (`fused=True`)
//! against its per-parameter loop, all through our safe API. The baseline column is the loop;
//! the ratio is foreach (or fused) / loop.
use super::workloads::Case;
use super::{BenchResult, Side};
use libtorch::optim::{Adam, AdamOptions, Optimizer, Sgd, SgdOptions};
use libtorch::{Device, Kind, Tensor};

/// 50 layers of a 447x447 weight and a bias: 10,012,800 parameters in 100 tensors.
fn model() -> BenchResult<Vec<Tensor>> {
    let mut params = Vec::new();
    for _ in 0..50 {
        for shape in [&[447i64, 447][..], &[447][..]] {
            let p = Tensor::f_randn_opts(shape, (Kind::Float, Device::Cpu))?
                .f_set_requires_grad(true)?;
            let mut h = p.shallow_clone();
            h.f_set_grad(Some(&Tensor::f_randn_opts(
                shape,
                (Kind::Float, Device::Cpu),
            )?))?;
            params.push(p);
        }
    }
    Ok(params)
}

/// The same update both ways: `loop` (the baseline side) and `foreach` or fused (ours), each
/// on its own copy of the model with fixed gradients.
struct OptimStep {
    looped: Box<dyn Optimizer>,
    foreach: Box<dyn Optimizer>,
}

/// SGD with momentum 0.9, the fused kernel.
pub fn sgd_fused_case() -> BenchResult<Box<dyn Case>> {
    let o = SgdOptions::new(1e-3).momentum(0.9);
    Ok(Box::new(OptimStep {
        looped: Box::new(Sgd::f_with_options(model()?, o.foreach(false))?),
        foreach: Box::new(Sgd::f_with_options(model()?, o.fused(true))?),
    }))
}

/// Adam with PyTorch's defaults, the fused kernel.
pub fn adam_fused_case() -> BenchResult<Box<dyn Case>> {
    let o = AdamOptions::new(1e-3);
    Ok(Box::new(OptimStep {
        looped: Box::new(Adam::f_with_options(model()?, o.foreach(false))?),
        foreach: Box::new(Adam::f_with_options(model()?, o.fused(true))?),
    }))
}

impl Case for OptimStep {
    fn run(&mut self, side: Side, iters: u64) -> BenchResult<()> {
        let opt = match side {
            Side::Cpp => &mut self.looped,
            Side::Ours => &mut self.foreach,
        };
        for _ in 0..iters {
            opt.step()?;
        }
        Ok(())
    }
}

/// SGD with momentum 0.9.
pub fn sgd_case() -> BenchResult<Box<dyn Case>> {
    let o = SgdOptions::new(1e-3).momentum(0.9);
    Ok(Box::new(OptimStep {
        looped: Box::new(Sgd::f_with_options(model()?, o.foreach(false))?),
        foreach: Box::new(Sgd::f_with_options(model()?, o.foreach(true))?),
    }))
}

/// Adam with PyTorch's defaults.
pub fn adam_case() -> BenchResult<Box<dyn Case>> {
    let o = AdamOptions::new(1e-3);
    Ok(Box::new(OptimStep {
        looped: Box::new(Adam::f_with_options(model()?, o.foreach(false))?),
        foreach: Box::new(Adam::f_with_options(model()?, o.foreach(true))?),
    }))
}
