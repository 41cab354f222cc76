//! The workloads: each one's data, its Rust implementation through the safe API, and which C++
//! loop is its baseline. Both sides make the same libtorch calls in the same order.
use super::ffi::{self, CppOp, CppStep};
use super::{BenchResult, Side, Unit};
use libtorch::nn::{self, functional as F, Module};
use libtorch::{Device, Kind, NoGradGuard, Tensor};
use std::hint::black_box;

/// One workload as the harness sees it: run `iters` iterations on one side.
pub trait Case {
    /// Puts the state back where it started (untimed), so every run does the same work.
    fn reset(&mut self) -> BenchResult<()> {
        Ok(())
    }
    /// Runs `iters` iterations on `side` (timed).
    fn run(&mut self, side: Side, iters: u64) -> BenchResult<()>;
}

/// A named workload and how to report it.
pub struct Workload {
    /// The name `--filter` and `--only` match.
    pub name: &'static str,
    /// The letter for it, e.g. `(a)`.
    pub group: &'static str,
    /// The unit one iteration's time is shown in.
    pub unit: Unit,
    /// What the baseline column is (`C++` or `memcpy`).
    pub baseline: &'static str,
    /// The largest acceptable ours/baseline ratio by wall time, if there is one.
    pub wall_budget: Option<f64>,
    /// The largest acceptable ratio by instructions per iteration, if there is one.
    pub instr_budget: Option<f64>,
    /// Two iteration counts for `--instructions` (their difference cancels the startup).
    pub callgrind_iters: (u64, u64),
    /// Makes the data (with the global seed already set).
    pub setup: Setup,
}

const CPU_F32: (Kind, Device) = (Kind::Float, Device::Cpu);
const LR: f64 = 0.1;

/// Makes a workload's data (with the global seed already set).
pub type Setup = fn() -> BenchResult<Box<dyn Case>>;

/// An operator-call workload of (a) or (b).
fn op(name: &'static str, group: &'static str, setup: Setup) -> Workload {
    Workload {
        name,
        group,
        unit: Unit::Ns,
        baseline: "C++",
        wall_budget: Some(1.05),
        instr_budget: Some(1.03),
        callgrind_iters: (1000, 3000),
        setup,
    }
}

/// A training-step workload of (c), (d) or (e).
fn step(
    name: &'static str,
    group: &'static str,
    callgrind_iters: (u64, u64),
    setup: Setup,
) -> Workload {
    Workload {
        name,
        group,
        unit: Unit::Us,
        baseline: "C++",
        wall_budget: Some(1.05),
        instr_budget: Some(1.03),
        callgrind_iters,
        setup,
    }
}

/// Every workload, in the table's order.
pub fn all() -> Vec<Workload> {
    vec![
        op("add", "(a)", || op_case(CppOp::Add, &[&[1], &[1]], false)),
        op("relu", "(a)", || op_case(CppOp::Relu, &[&[1]], false)),
        op("matmul-4x4", "(a)", || {
            op_case(CppOp::Matmul, &[&[4, 4], &[4, 4]], false)
        }),
        op("add-grad", "(b)", || {
            op_case(CppOp::Add, &[&[1], &[1]], true)
        }),
        op("relu-grad", "(b)", || op_case(CppOp::Relu, &[&[1]], true)),
        op("matmul-4x4-grad", "(b)", || {
            op_case(CppOp::Matmul, &[&[4, 4], &[4, 4]], true)
        }),
        step("xor-step", "(c)", (100, 300), xor_case),
        step("mlp-step", "(d)", (5, 15), mlp_case),
        step("conv-step", "(e)", (3, 9), conv_case),
        step("mlp-step-nn", "(d)", (5, 15), || nn_case(mlp_train()?)),
        step("conv-step-nn", "(e)", (3, 9), || nn_case(conv_train()?)),
        Workload {
            name: "matmul-1024",
            group: "(f)",
            unit: Unit::Ms,
            baseline: "C++",
            wall_budget: Some(1.01),
            instr_budget: Some(1.01),
            callgrind_iters: (1, 3),
            setup: || op_case(CppOp::Matmul, &[&[1024, 1024], &[1024, 1024]], false),
        },
        Workload {
            name: "copy-1m",
            group: "(g)",
            unit: Unit::Us,
            baseline: "memcpy",
            wall_budget: Some(1.2),
            instr_budget: Some(1.2),
            callgrind_iters: (5, 15),
            setup: || copy_case(CopyBaseline::Memcpy),
        },
        Workload {
            name: "copy-1m-cpp",
            group: "(g)",
            unit: Unit::Us,
            baseline: "C++",
            wall_budget: None,
            instr_budget: None,
            callgrind_iters: (5, 15),
            setup: || copy_case(CopyBaseline::Cpp),
        },
        // The optimizer step of a 10M-parameter model: foreach (ours) against torch.optim's
        // per-parameter loop (the baseline side), both through the safe API.
        Workload {
            name: "sgd-10m-foreach",
            group: "(h)",
            unit: Unit::Ms,
            baseline: "per-param loop",
            wall_budget: None,
            instr_budget: None,
            callgrind_iters: (1, 3),
            setup: super::optim_step::sgd_case,
        },
        Workload {
            name: "adam-10m-foreach",
            group: "(h)",
            unit: Unit::Ms,
            baseline: "per-param loop",
            wall_budget: None,
            instr_budget: None,
            callgrind_iters: (1, 3),
            setup: super::optim_step::adam_case,
        },
        Workload {
            name: "sgd-10m-fused",
            group: "(h)",
            unit: Unit::Ms,
            baseline: "per-param loop",
            wall_budget: None,
            instr_budget: None,
            callgrind_iters: (1, 3),
            setup: super::optim_step::sgd_fused_case,
        },
        Workload {
            name: "adam-10m-fused",
            group: "(h)",
            unit: Unit::Ms,
            baseline: "per-param loop",
            wall_budget: None,
            instr_budget: None,
            callgrind_iters: (1, 3),
            setup: super::optim_step::adam_fused_case,
        },
    ]
}

/// (a), (b), (f): one operator on fixed random inputs.
struct OpCase {
    op: CppOp,
    inputs: Vec<Tensor>,
}

fn op_case(op: CppOp, shapes: &[&[i64]], requires_grad: bool) -> BenchResult<Box<dyn Case>> {
    let inputs = shapes
        .iter()
        .map(|s| Tensor::f_randn_opts(s, CPU_F32)?.f_set_requires_grad(requires_grad))
        .collect::<libtorch::Result<Vec<_>>>()?;
    Ok(Box::new(OpCase { op, inputs }))
}

impl Case for OpCase {
    fn run(&mut self, side: Side, iters: u64) -> BenchResult<()> {
        let t = &self.inputs;
        match (side, self.op) {
            (Side::Cpp, op) => ffi::run_op(op, &t.iter().collect::<Vec<_>>(), iters)?,
            (Side::Ours, CppOp::Add) => {
                for _ in 0..iters {
                    black_box(t[0].f_add(&t[1])?);
                }
            }
            (Side::Ours, CppOp::Relu) => {
                for _ in 0..iters {
                    black_box(t[0].f_relu()?);
                }
            }
            (Side::Ours, CppOp::Matmul) => {
                for _ in 0..iters {
                    black_box(t[0].f_matmul(&t[1])?);
                }
            }
        }
        Ok(())
    }
}

/// (c), (d), (e): SGD steps. Each side trains its own copy of the parameters, reset to the same
/// initial values before every run, on the same fixed batch.
struct TrainCase {
    step: CppStep,
    /// `[inputs, targets]`.
    data: [Tensor; 2],
    init: Vec<Tensor>,
    ours: Vec<Tensor>,
    cpp: Vec<Tensor>,
    /// `Some`: our side runs these `nn` layers (holding `ours`) instead of the generated calls.
    net: Option<Vec<Box<dyn Module>>>,
}

impl TrainCase {
    fn new(step: CppStep, data: [Tensor; 2], init: Vec<Tensor>) -> BenchResult<TrainCase> {
        let fresh = || -> libtorch::Result<Vec<Tensor>> {
            init.iter()
                .map(|p| p.f_deep_clone()?.f_set_requires_grad(true))
                .collect()
        };
        let (ours, cpp) = (fresh()?, fresh()?);
        Ok(TrainCase {
            step,
            data,
            init,
            ours,
            cpp,
            net: None,
        })
    }
}

/// The `-nn` twins of (d) and (e): the same step, our side written with `nn` layers
/// (`nn::Linear`, `nn::Conv2d`, `nn::MaxPool2d`, `nn::Flatten`) and `F::cross_entropy`, as a user
/// would write it, holding the same parameter tensors; the C++ side is unchanged.
fn nn_case(mut case: TrainCase) -> BenchResult<Box<dyn Case>> {
    let p = &case.ours;
    let linear = |w: &Tensor, b: &Tensor| -> BenchResult<Box<dyn Module>> {
        let s = w.size();
        let mut fc = nn::Linear::new(s[1], s[0]);
        fc.weight = w.clone();
        fc.bias = Some(b.clone());
        Ok(Box::new(fc))
    };
    let net: Vec<Box<dyn Module>> = match case.step {
        CppStep::Mlp => vec![
            linear(&p[0], &p[1])?,
            Box::new(nn::ReLU),
            linear(&p[2], &p[3])?,
        ],
        CppStep::Conv => {
            let mut conv = nn::Conv2d::new(1, 8, 3, nn::ConvConfig::default().padding(1));
            conv.weight = p[0].clone();
            conv.bias = Some(p[1].clone());
            vec![
                Box::new(conv),
                Box::new(nn::ReLU),
                Box::new(nn::MaxPool2d::new(2)),
                Box::new(nn::Flatten::default()),
                linear(&p[2], &p[3])?,
            ]
        }
        CppStep::Xor => return Err("no nn twin of the XOR step".into()),
    };
    case.net = Some(net);
    Ok(Box::new(case))
}

impl Case for TrainCase {
    fn reset(&mut self) -> BenchResult<()> {
        let _guard = NoGradGuard::new();
        for params in [&mut self.ours, &mut self.cpp] {
            for (p, init) in params.iter_mut().zip(&self.init) {
                p.f_copy_(init)?;
            }
        }
        Ok(())
    }

    fn run(&mut self, side: Side, iters: u64) -> BenchResult<()> {
        let [x, y] = &self.data;
        if let Side::Cpp = side {
            let all: Vec<&Tensor> = [x, y].into_iter().chain(&self.cpp).collect();
            return Ok(ffi::run_step(self.step, &all, iters, LR)?);
        }
        let p = &mut self.ours;
        let batch = x.size()[0];
        if let Some(net) = &self.net {
            for _ in 0..iters {
                let mut h = x.shallow_clone();
                for layer in net {
                    h = layer.f_forward(&h)?;
                }
                let loss = F::f_cross_entropy(&h, y)?;
                loss.backward_with(None, false, false)?;
                sgd_step_and_zero(p, LR)?;
            }
            return Ok(());
        }
        for _ in 0..iters {
            let loss = match self.step {
                CppStep::Xor => {
                    let h = Tensor::f_linear_with(x, &p[0], Some(&p[1]))?.f_tanh()?;
                    let out = Tensor::f_linear_with(&h, &p[2], Some(&p[3]))?;
                    out.f_mse_loss(y)?
                }
                CppStep::Mlp => {
                    let h = Tensor::f_linear_with(x, &p[0], Some(&p[1]))?.f_relu()?;
                    let logits = Tensor::f_linear_with(&h, &p[2], Some(&p[3]))?;
                    logits.f_cross_entropy_loss(y)?
                }
                CppStep::Conv => {
                    let h = Tensor::f_conv2d_with(x, &p[0], Some(&p[1]), &[1], &[1], &[1], 1)?;
                    let h = h.f_relu()?.f_max_pool2d(&[2])?;
                    let logits =
                        Tensor::f_linear_with(&h.f_reshape(&[batch, -1])?, &p[2], Some(&p[3]))?;
                    logits.f_cross_entropy_loss(y)?
                }
            };
            loss.backward_with(None, false, false)?;
            sgd_step_and_zero(p, LR)?;
        }
        Ok(())
    }
}

/// `p -= lr * p.grad` for every parameter without recording, then zeroes the gradients: the
/// same calls as the C++ side's `sgd_step_and_zero`.
fn sgd_step_and_zero(params: &mut [Tensor], lr: f64) -> libtorch::Result<()> {
    {
        let _guard = NoGradGuard::new();
        for p in params.iter_mut() {
            let g = p.f_grad()?;
            p.f_sub__with(&g, lr)?;
        }
    }
    for p in params.iter() {
        p.f_grad()?.f_zero_()?;
    }
    Ok(())
}

/// Uniform initial weights in ±1/√fan_in, as `nn.Linear` and `nn.Conv2d` draw them.
fn weights(shape: &[i64], fan_in: i64) -> libtorch::Result<Tensor> {
    let bound = 1.0 / (fan_in as f64).sqrt();
    let u = Tensor::f_rand_opts(shape, CPU_F32)?;
    Ok(&(&u * (2.0 * bound)) - bound)
}

/// (c): XOR of random bit pairs, batch 256, 2 → 2 tanh → 1 (the xor-mlp example's net), MSE.
fn xor_case() -> BenchResult<Box<dyn Case>> {
    let x = Tensor::f_randint_opts(0, 2, &[256, 2], CPU_F32)?;
    let diff = Tensor::from_data(&[1.0f32, -1.0], &[2, 1])?;
    let d = x.f_matmul(&diff)?;
    let y = &d * &d; // (a - b)², which is a XOR b for bits
    let init = vec![
        weights(&[2, 2], 2)?,
        weights(&[2], 2)?,
        weights(&[1, 2], 2)?,
        weights(&[1], 2)?,
    ];
    Ok(Box::new(TrainCase::new(CppStep::Xor, [x, y], init)?))
}

fn mlp_case() -> BenchResult<Box<dyn Case>> {
    Ok(Box::new(mlp_train()?))
}

/// (d): batch 64 of 784 features, 10 classes; 784 → 256 ReLU → 10, cross-entropy.
fn mlp_train() -> BenchResult<TrainCase> {
    let x = Tensor::f_randn_opts(&[64, 784], CPU_F32)?;
    let labels = Tensor::f_randint_opts(0, 10, &[64], (Kind::Int64, Device::Cpu))?;
    let init = vec![
        weights(&[256, 784], 784)?,
        weights(&[256], 784)?,
        weights(&[10, 256], 256)?,
        weights(&[10], 256)?,
    ];
    TrainCase::new(CppStep::Mlp, [x, labels], init)
}

fn conv_case() -> BenchResult<Box<dyn Case>> {
    Ok(Box::new(conv_train()?))
}

/// (e): batch 64 of 1×28×28 images; conv 1 → 8 3×3 (padding 1), ReLU, max-pool 2,
/// linear 8·14·14 → 10, cross-entropy.
fn conv_train() -> BenchResult<TrainCase> {
    let x = Tensor::f_randn_opts(&[64, 1, 28, 28], CPU_F32)?;
    let labels = Tensor::f_randint_opts(0, 10, &[64], (Kind::Int64, Device::Cpu))?;
    let init = vec![
        weights(&[8, 1, 3, 3], 9)?,
        weights(&[8], 9)?,
        weights(&[10, 8 * 14 * 14], 8 * 14 * 14)?,
        weights(&[10], 8 * 14 * 14)?,
    ];
    TrainCase::new(CppStep::Conv, [x, labels], init)
}

/// What the copy workload is compared against.
#[derive(Clone, Copy)]
enum CopyBaseline {
    /// Two memcpys of the same bytes into existing buffers.
    Memcpy,
    /// `at::from_blob(..).clone()` and a memcpy out, in C++.
    Cpp,
}

/// (g): a tensor made from a 1M-element `Vec<f32>` and read back into a new `Vec`.
struct CopyCase {
    baseline: CopyBaseline,
    src: Vec<f32>,
    mid: Vec<f32>,
    dst: Vec<f32>,
}

fn copy_case(baseline: CopyBaseline) -> BenchResult<Box<dyn Case>> {
    const N: i64 = 1 << 20;
    let src = Tensor::f_randn_opts(&[N], CPU_F32)?.to_vec::<f32>()?;
    let (mid, dst) = (vec![0.0; src.len()], vec![0.0; src.len()]);
    Ok(Box::new(CopyCase {
        baseline,
        src,
        mid,
        dst,
    }))
}

impl Case for CopyCase {
    fn run(&mut self, side: Side, iters: u64) -> BenchResult<()> {
        match (side, self.baseline) {
            (Side::Cpp, CopyBaseline::Memcpy) => {
                ffi::run_memcpy(&self.src, &mut self.mid, &mut self.dst, iters)?
            }
            (Side::Cpp, CopyBaseline::Cpp) => ffi::run_copy(&self.src, iters)?,
            (Side::Ours, _) => {
                let n = self.src.len() as i64;
                for _ in 0..iters {
                    let t = Tensor::from_data(&self.src, &[n])?;
                    black_box(t.to_vec::<f32>()?);
                }
            }
        }
        Ok(())
    }
}
