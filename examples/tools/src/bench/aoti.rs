//! The `aoti-bench` workloads: one forward pass of a small MLP and a small CNN, compiled by
//! AOTInductor (`.pt2` packages from the test fixtures) against this crate's eager `nn`
//! modules holding the same weights. The baseline side ([`Side::Cpp`]) is the eager forward,
//! "ours" ([`Side::Ours`]) the compiled model.
use super::workloads::Case;
use super::{BenchResult, Side};
use libtorch::aoti::{self, CompiledModel, LoadOptions};
use libtorch::nn::{Conv2d, ConvConfig, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential};
use libtorch::{NoGradGuard, Tensor};
use std::hint::black_box;
use std::path::{Path, PathBuf};

/// A model of the fixtures: its package, the model's name in it, its eager twin's weights.
pub struct AotiWorkload {
    /// `mlp` or `cnn`.
    pub name: &'static str,
    /// What one input example looks like, without the batch dimension.
    pub example: &'static [i64],
    package: &'static str,
    model_name: &'static str,
    weights: &'static str,
    eager: fn() -> Sequential,
}

/// 64 → 128 → ReLU → 10 (`nn.Sequential(Linear, ReLU, Linear)`).
fn mlp() -> Sequential {
    Sequential::new()
        .add(Linear::new(64, 128))
        .add(ReLU)
        .add(Linear::new(128, 10))
}

/// 1×28×28 → conv 1→8 3×3, ReLU, max-pool 2, flatten, linear 1352 → 10.
fn cnn() -> Sequential {
    Sequential::new()
        .add(Conv2d::new(1, 8, 3, ConvConfig::default()))
        .add(ReLU)
        .add(MaxPool2d::new(2))
        .add(Flatten::default())
        .add(Linear::new(8 * 13 * 13, 10))
}

/// Both workloads, in the table's order.
pub fn all() -> [AotiWorkload; 2] {
    [
        AotiWorkload {
            name: "mlp",
            example: &[64],
            package: "mlp.pt2",
            model_name: "model",
            weights: "mlp_weights.pt",
            eager: mlp,
        },
        AotiWorkload {
            name: "cnn",
            example: &[1, 28, 28],
            package: "cnn.pt2",
            model_name: "cnn",
            weights: "cnn_weights.pt",
            eager: cnn,
        },
    ]
}

/// Where the packages and weights are: the test fixtures of the `libtorch` crate.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../libtorch/tests/fixtures/jit")
}

/// One workload's two models and its input batch.
pub struct AotiCase {
    eager: Sequential,
    compiled: CompiledModel,
    x: Tensor,
}

impl AotiCase {
    /// Loads both models from `dir` and checks they agree (within 1e-5) on a `batch` of
    /// uniform inputs before anything is timed.
    pub fn new(w: &AotiWorkload, dir: &Path, batch: i64) -> BenchResult<AotiCase> {
        let mut eager = (w.eager)();
        libtorch::serialize::load_module(&eager, dir.join(w.weights))?;
        eager.eval();
        let compiled =
            aoti::load_package_with(dir.join(w.package), &LoadOptions::model(w.model_name))?;
        let mut shape = vec![batch];
        shape.extend_from_slice(w.example);
        let x = Tensor::f_rand(&shape)?;
        let case = AotiCase { eager, compiled, x };
        let diff = case.max_difference()?;
        if diff > 1e-5 {
            return Err(format!("{}: compiled and eager differ by {diff}", w.name).into());
        }
        Ok(case)
    }

    /// The largest |compiled - eager| over the outputs for the case's input.
    pub fn max_difference(&self) -> BenchResult<f64> {
        let _g = NoGradGuard::new();
        let eager = self.eager.f_forward(&self.x)?;
        let compiled = self.compiled.f_run(std::slice::from_ref(&self.x))?;
        let first = compiled
            .first()
            .ok_or("the compiled model returned nothing")?;
        Ok((first - &eager).f_abs()?.f_max()?.double_value())
    }
}

impl Case for AotiCase {
    fn run(&mut self, side: Side, iters: u64) -> BenchResult<()> {
        let _g = NoGradGuard::new();
        let x = std::slice::from_ref(&self.x);
        for _ in 0..iters {
            match side {
                Side::Cpp => {
                    black_box(self.eager.f_forward(&self.x)?);
                }
                Side::Ours => {
                    black_box(self.compiled.f_run(x)?);
                }
            }
        }
        Ok(())
    }
}
