//! Learning-rate schedulers: each computes the rate of step `t` in closed form from the
//! optimizer's initial rates and sets it with [`Optimizer::set_group_lr`].
//!
//! ```
//! use libtorch::optim::{LrScheduler, Optimizer, Sgd, StepLr};
//! use libtorch::Tensor;
//! let w = Tensor::from_slice(&[1.0f32]).set_requires_grad(true);
//! let mut opt = Sgd::new(vec![w], 1.0);
//! let mut sched = StepLr::new(&opt, 2, 0.5);
//! let mut lrs = vec![];
//! for _ in 0..5 {
//!     lrs.push(opt.learning_rates()[0]);
//!     sched.step(&mut opt).unwrap();
//! }
//! assert_eq!(lrs, [1.0, 1.0, 0.5, 0.5, 0.25]);
//! ```
use super::Optimizer;
use crate::error::unwrap;
use crate::{Error, Result};
use std::f64::consts::PI;

fn bad(op: &'static str, message: impl Into<String>) -> Error {
    Error::invalid(op, message)
}

/// Sets every group's rate to `lrs` (checked as the optimizer checks them).
fn set_all(opt: &mut dyn Optimizer, lrs: Vec<f64>) -> Result<()> {
    for (g, lr) in lrs.into_iter().enumerate() {
        opt.set_group_lr(g, lr)?;
    }
    Ok(())
}

/// A schedule: `step` advances one epoch (or iteration) and sets the new rates.
pub trait LrScheduler {
    /// The rate factor or value for group `g` at step `t`, from its initial rate `base`.
    fn lr_at(&self, base: f64, t: u64) -> f64;
    /// The initial rates, one per group.
    fn base_lrs(&self) -> &[f64];
    /// Steps taken so far.
    fn last_step(&self) -> u64;
    /// Records one more step.
    fn advance(&mut self);
    /// Whether step `t` is within the schedule (OneCycleLR has a last step).
    fn check_step(&self, _t: u64) -> Result<()> {
        Ok(())
    }

    /// Advances one step and sets every group's rate (`scheduler.step()`); an error, changing
    /// nothing, past the schedule's end or for an optimizer whose groups do not match.
    fn step(&mut self, opt: &mut dyn Optimizer) -> Result<()> {
        let t = self.last_step() + 1;
        self.check_step(t)?;
        if opt.learning_rates().len() != self.base_lrs().len() {
            return Err(bad(
                "LrScheduler::step",
                format!(
                    "the scheduler was made for {} parameter groups, the optimizer has {}",
                    self.base_lrs().len(),
                    opt.learning_rates().len()
                ),
            ));
        }
        let lrs: Vec<f64> = self.base_lrs().iter().map(|&b| self.lr_at(b, t)).collect();
        set_all(opt, lrs)?;
        self.advance();
        Ok(())
    }

    /// The rates of the current step (`get_last_lr()`).
    fn last_lr(&self) -> Vec<f64> {
        let t = self.last_step();
        self.base_lrs().iter().map(|&b| self.lr_at(b, t)).collect()
    }
}

macro_rules! common {
    () => {
        fn base_lrs(&self) -> &[f64] {
            &self.base
        }
        fn last_step(&self) -> u64 {
            self.t
        }
        fn advance(&mut self) {
            self.t += 1;
        }
    };
}

/// `lr = base · γ^⌊t / step_size⌋` (`StepLR`).
#[derive(Clone, Debug)]
pub struct StepLr {
    base: Vec<f64>,
    t: u64,
    step_size: u64,
    gamma: f64,
}

impl StepLr {
    /// Decays every `step_size` steps by `gamma`.
    #[track_caller]
    pub fn new(opt: &dyn Optimizer, step_size: u64, gamma: f64) -> StepLr {
        unwrap(StepLr::f_new(opt, step_size, gamma))
    }

    /// [`StepLr::new`], or an error for a zero `step_size` or a NaN `gamma`.
    pub fn f_new(opt: &dyn Optimizer, step_size: u64, gamma: f64) -> Result<StepLr> {
        if step_size == 0 || gamma.is_nan() {
            return Err(bad(
                "StepLR",
                format!(
                    "step_size must be positive and gamma a number, got {step_size} and {gamma}"
                ),
            ));
        }
        Ok(StepLr {
            base: opt.learning_rates(),
            t: 0,
            step_size,
            gamma,
        })
    }
}

impl LrScheduler for StepLr {
    fn lr_at(&self, base: f64, t: u64) -> f64 {
        base * self.gamma.powf((t / self.step_size) as f64)
    }
    common!();
}

/// `lr = η_min + (base - η_min)(1 + cos(π t / T_max)) / 2` (`CosineAnnealingLR`, the closed
/// form, which PyTorch's recursive update equals for `t ≤ T_max`).
#[derive(Clone, Debug)]
pub struct CosineAnnealingLr {
    base: Vec<f64>,
    t: u64,
    t_max: u64,
    eta_min: f64,
}

impl CosineAnnealingLr {
    /// Anneals from the initial rates to `eta_min` over `t_max` steps.
    #[track_caller]
    pub fn new(opt: &dyn Optimizer, t_max: u64, eta_min: f64) -> Self {
        unwrap(CosineAnnealingLr::f_new(opt, t_max, eta_min))
    }

    /// [`CosineAnnealingLr::new`], or an error for a zero `t_max` or a negative or NaN
    /// `eta_min`.
    pub fn f_new(opt: &dyn Optimizer, t_max: u64, eta_min: f64) -> Result<Self> {
        if t_max == 0 || eta_min.is_nan() || eta_min < 0.0 {
            return Err(bad(
                "CosineAnnealingLR",
                format!(
                    "T_max must be positive and eta_min non-negative, got {t_max} and {eta_min}"
                ),
            ));
        }
        Ok(CosineAnnealingLr {
            base: opt.learning_rates(),
            t: 0,
            t_max,
            eta_min,
        })
    }
}

impl LrScheduler for CosineAnnealingLr {
    fn lr_at(&self, base: f64, t: u64) -> f64 {
        self.eta_min
            + (base - self.eta_min) * (1.0 + (PI * t as f64 / self.t_max as f64).cos()) / 2.0
    }
    common!();
}

/// Linear warm-up (`LinearLR`): the factor goes from `start_factor` to `end_factor` over
/// `total_iters` steps, then stays: `lr = base · (s + (e - s) · min(t, T) / T)`.
#[derive(Clone, Debug)]
pub struct LinearWarmup {
    base: Vec<f64>,
    t: u64,
    start_factor: f64,
    end_factor: f64,
    total_iters: u64,
}

impl LinearWarmup {
    /// Warms up from `start_factor · base` to `base` over `total_iters` steps, and sets the
    /// first rate immediately (as PyTorch's constructor does).
    #[track_caller]
    pub fn new(opt: &mut dyn Optimizer, start_factor: f64, total_iters: u64) -> Self {
        unwrap(LinearWarmup::f_new(opt, start_factor, total_iters))
    }

    /// [`LinearWarmup::new`], or PyTorch's error: `start_factor` must be in (0, 1] (NaN is
    /// not) and `total_iters` positive.
    pub fn f_new(opt: &mut dyn Optimizer, start_factor: f64, total_iters: u64) -> Result<Self> {
        if !(start_factor > 0.0 && start_factor <= 1.0) {
            return Err(bad(
                "LinearLR",
                format!(
                    "Starting multiplicative factor expected to be greater than 0 and less or \
                     equal to 1, got {start_factor}"
                ),
            ));
        }
        if total_iters == 0 {
            return Err(bad("LinearLR", "total_iters must be positive"));
        }
        let s = LinearWarmup {
            base: opt.learning_rates(),
            t: 0,
            start_factor,
            end_factor: 1.0,
            total_iters,
        };
        set_all(opt, s.last_lr())?;
        Ok(s)
    }
}

impl LrScheduler for LinearWarmup {
    fn lr_at(&self, base: f64, t: u64) -> f64 {
        let frac = t.min(self.total_iters) as f64 / self.total_iters as f64;
        base * (self.start_factor + (self.end_factor - self.start_factor) * frac)
    }
    common!();
}

/// The 1cycle policy (`OneCycleLR`, two phases, cosine annealing): from `max_lr/div_factor`
/// up to `max_lr` over `pct_start · total_steps` steps, then down to
/// `max_lr/(div_factor·final_div_factor)` at step `total_steps - 1`. Sets the initial rate
/// when made. Momentum is not cycled.
#[derive(Clone, Debug)]
pub struct OneCycleLr {
    base: Vec<f64>,
    t: u64,
    max_lr: f64,
    total_steps: u64,
    pct_start: f64,
    div_factor: f64,
    final_div_factor: f64,
}

impl OneCycleLr {
    /// PyTorch's defaults: pct_start 0.3, div_factor 25, final_div_factor 1e4.
    #[track_caller]
    pub fn new(opt: &mut dyn Optimizer, max_lr: f64, total_steps: u64) -> Self {
        Self::with_options(opt, max_lr, total_steps, 0.3, 25.0, 1e4)
    }

    /// Every parameter of the schedule; panics where [`OneCycleLr::f_with_options`] errs.
    #[track_caller]
    pub fn with_options(
        opt: &mut dyn Optimizer,
        max_lr: f64,
        total_steps: u64,
        pct_start: f64,
        div_factor: f64,
        final_div_factor: f64,
    ) -> Self {
        unwrap(Self::f_with_options(
            opt,
            max_lr,
            total_steps,
            pct_start,
            div_factor,
            final_div_factor,
        ))
    }

    /// Every parameter of the schedule, or PyTorch's error: `total_steps` of at least 2 (the
    /// two phases), `pct_start` in [0, 1], positive rates and factors.
    pub fn f_with_options(
        opt: &mut dyn Optimizer,
        max_lr: f64,
        total_steps: u64,
        pct_start: f64,
        div_factor: f64,
        final_div_factor: f64,
    ) -> Result<Self> {
        const OP: &str = "OneCycleLR";
        if total_steps < 2 {
            return Err(bad(
                OP,
                format!("total_steps must be at least 2, got {total_steps}"),
            ));
        }
        if !(0.0..=1.0).contains(&pct_start) {
            return Err(bad(
                OP,
                format!("Expected float between 0 and 1 pct_start, but got {pct_start}"),
            ));
        }
        if !(max_lr > 0.0 && div_factor > 0.0 && final_div_factor > 0.0) {
            return Err(bad(
                OP,
                format!(
                    "max_lr, div_factor and final_div_factor must be positive, got {max_lr}, \
                     {div_factor} and {final_div_factor}"
                ),
            ));
        }
        let s = OneCycleLr {
            base: opt.learning_rates(),
            t: 0,
            max_lr,
            total_steps,
            pct_start,
            div_factor,
            final_div_factor,
        };
        set_all(opt, s.last_lr())?;
        Ok(s)
    }
}

fn cos_anneal(start: f64, end: f64, pct: f64) -> f64 {
    end + (start - end) / 2.0 * ((PI * pct).cos() + 1.0)
}

impl LrScheduler for OneCycleLr {
    fn lr_at(&self, _base: f64, t: u64) -> f64 {
        let initial = self.max_lr / self.div_factor;
        let min = initial / self.final_div_factor;
        let up_end = self.pct_start * self.total_steps as f64 - 1.0;
        let down_end = self.total_steps as f64 - 1.0;
        let t = t as f64;
        if t <= up_end {
            cos_anneal(initial, self.max_lr, t / up_end)
        } else {
            cos_anneal(self.max_lr, min, (t - up_end) / (down_end - up_end))
        }
    }
    /// As PyTorch: "Tried to step N times. The specified number of total steps is M".
    fn check_step(&self, t: u64) -> Result<()> {
        if t > self.total_steps {
            return Err(bad(
                "OneCycleLR",
                format!(
                    "Tried to step {t} times. The specified number of total steps is {}",
                    self.total_steps
                ),
            ));
        }
        Ok(())
    }
    common!();
}
