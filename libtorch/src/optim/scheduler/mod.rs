//! Learning-rate schedulers (`torch.optim.lr_scheduler`), computed as PyTorch computes them:
//! each step derives the new rates from the optimizer's current ones (PyTorch's chainable
//! `get_lr`), so sequences match PyTorch's bit for bit, and schedulers compose
//! ([`ChainedScheduler`], [`SequentialLr`]). A scheduler is made after its optimizer, sets the
//! first rates at once (as PyTorch's constructors do), and `step` is called after each
//! `optimizer.step()`. `state_dict` / `load_state_dict` use PyTorch's keys.
//!
//! ```
//! use libtorch::optim::{LrScheduler, Optimizer, Sgd, StepLr};
//! use libtorch::Tensor;
//! let w = Tensor::from_slice(&[1.0f32]).set_requires_grad(true);
//! let mut opt = Sgd::new(vec![w], 1.0);
//! let mut sched = StepLr::new(&mut opt, 2, 0.5);
//! let mut lrs = vec![];
//! for _ in 0..5 {
//!     lrs.push(opt.learning_rates()[0]);
//!     sched.step(&mut opt).unwrap();
//! }
//! assert_eq!(lrs, [1.0, 1.0, 0.5, 0.5, 0.25]);
//! ```
mod compose;
mod cyclic;
mod factor;
mod lambdas;
mod onecycle;
mod plateau;
mod restarts;
mod simple;
mod state;

pub use compose::{ChainedScheduler, SequentialLr};
pub use cyclic::{CyclicLr, CyclicLrOptions, CyclicMode, ScaleFn, ScaleMode};
pub use factor::{ConstantLr, MultiplicativeLr};
pub use lambdas::LrLambda;
pub use onecycle::{AnnealStrategy, OneCycleLr, OneCycleLrOptions};
pub use plateau::{PlateauMode, ReduceLrOnPlateau, ReduceLrOnPlateauOptions, ThresholdMode};
pub use restarts::CosineAnnealingWarmRestarts;
pub use simple::{
    CosineAnnealingLr, ExponentialLr, LambdaLr, LinearLr, LinearWarmup, MultiStepLr, PolynomialLr,
    StepLr,
};

use super::Optimizer;
use crate::{Error, IValue, Result};

pub(crate) fn bad(op: &'static str, message: impl Into<String>) -> Error {
    Error::invalid(op, message)
}

/// A schedule: `step` advances one epoch (or iteration) and sets the optimizer's rates.
pub trait LrScheduler {
    /// Advances one step and sets every group's rate (`scheduler.step()`); an error, changing
    /// nothing, past the schedule's end or for an optimizer whose groups do not match.
    fn step(&mut self, opt: &mut dyn Optimizer) -> Result<()>;
    /// The rates the scheduler set last (`get_last_lr()`).
    fn last_lr(&self) -> Vec<f64>;
    /// The index of the last step (`last_epoch`): 0 right after construction.
    fn last_epoch(&self) -> i64;
    /// The scheduler's state under PyTorch's attribute names (`scheduler.state_dict()`), which
    /// `load_state_dict` here or in Python takes back.
    fn state_dict(&self) -> IValue;
    /// Restores a state saved by [`LrScheduler::state_dict`] or by PyTorch; the schedule's own
    /// arguments are taken from it as PyTorch does (`__dict__.update`).
    fn load_state_dict(&mut self, state: &IValue) -> Result<()>;
    /// SequentialLR's `recursive_undo`: one epoch back, without touching the optimizer.
    #[doc(hidden)]
    fn undo_epoch(&mut self) {}
    /// PyTorch's `_initial_step` (SequentialLR restarts its first scheduler with it).
    #[doc(hidden)]
    fn initial_step(&mut self, opt: &mut dyn Optimizer) -> Result<()> {
        self.step(opt)
    }
    /// PyTorch's `_update_lr(0)`: back to epoch 0 (SequentialLR at a milestone).
    #[doc(hidden)]
    fn restart(&mut self, _opt: &mut dyn Optimizer) -> Result<()> {
        Err(bad(
            "SequentialLR",
            "this scheduler cannot restart at epoch 0 (PyTorch's get_lr is not implemented)",
        ))
    }
}

/// What every `LRScheduler` keeps: the initial rates, the epoch, the number of steps and the
/// rates set last.
#[derive(Clone, Debug)]
pub(crate) struct Core {
    pub base_lrs: Vec<f64>,
    pub last_epoch: i64,
    pub step_count: i64,
    pub last_lr: Vec<f64>,
}

impl Core {
    /// PyTorch's `LRScheduler.__init__` before its initial step: each group's `initial_lr` is
    /// set if unset (`setdefault`), and the base rates are the `initial_lr`s.
    pub fn new(opt: &mut dyn Optimizer) -> Core {
        let lrs = opt.learning_rates();
        let mut base = Vec::with_capacity(lrs.len());
        for (g, lr) in lrs.iter().enumerate() {
            match opt.initial_lr(g) {
                Some(initial) => base.push(initial),
                None => {
                    opt.set_initial_lr(g, *lr);
                    base.push(*lr);
                }
            }
        }
        Core {
            base_lrs: base,
            last_epoch: -1,
            step_count: 0,
            last_lr: lrs,
        }
    }

    pub fn check_groups(&self, op: &'static str, opt: &dyn Optimizer) -> Result<()> {
        let n = opt.learning_rates().len();
        if n != self.base_lrs.len() {
            return Err(bad(
                op,
                format!(
                    "the scheduler was made for {} parameter groups, the optimizer has {n}",
                    self.base_lrs.len()
                ),
            ));
        }
        Ok(())
    }
}

/// A schedule in PyTorch's form: `get_lr` from the optimizer's current rates, and a closed
/// form where PyTorch has one (used by SequentialLR's restarts).
pub(crate) trait Schedule {
    /// PyTorch's class name, for messages.
    const NAME: &'static str;
    fn core(&self) -> &Core;
    fn core_mut(&mut self) -> &mut Core;
    /// PyTorch's `get_lr()` at `core().last_epoch`; `initial` during the constructor's step
    /// (PyTorch's `_is_initial`). May set momenta (the cyclic schedules).
    fn get_lr(&mut self, opt: &mut dyn Optimizer, initial: bool) -> Result<Vec<f64>>;
    /// PyTorch's `_get_closed_form_lr()`, where it has one.
    fn closed_form(&self) -> Option<Vec<f64>> {
        None
    }
    /// The schedule's own attributes, in PyTorch's `__dict__` order.
    fn own_state(&self) -> Vec<(&'static str, IValue)>;
    /// Takes the schedule's own attributes back from a state dict.
    fn load_own_state(&mut self, state: &IValue) -> Result<()>;
}

/// Sets every group's rate, all or nothing: each rate is checked before any is set.
pub(crate) fn set_all(op: &'static str, opt: &mut dyn Optimizer, lrs: &[f64]) -> Result<()> {
    if let Some(lr) = lrs.iter().find(|lr| lr.is_nan() || **lr < 0.0) {
        return Err(bad(
            op,
            format!("the schedule reached the learning rate {lr}"),
        ));
    }
    for (g, &lr) in lrs.iter().enumerate() {
        opt.set_group_lr(g, lr)?;
    }
    Ok(())
}

/// Runs `update` (which moves the epoch and computes the rates) and sets the rates; on an
/// error the scheduler's counters are restored and the optimizer's rates left alone.
pub(crate) fn apply<S: Schedule>(
    s: &mut S,
    opt: &mut dyn Optimizer,
    update: impl FnOnce(&mut S, &mut dyn Optimizer) -> Result<Vec<f64>>,
) -> Result<()> {
    s.core().check_groups(S::NAME, opt)?;
    let saved = s.core().clone();
    let result = update(s, opt).and_then(|lrs| set_all(S::NAME, opt, &lrs));
    match result {
        Ok(()) => {
            s.core_mut().last_lr = opt.learning_rates();
            Ok(())
        }
        Err(e) => {
            *s.core_mut() = saved;
            Err(e)
        }
    }
}

/// `scheduler.step()`.
pub(crate) fn step<S: Schedule>(s: &mut S, opt: &mut dyn Optimizer) -> Result<()> {
    apply(s, opt, |s, opt| {
        let c = s.core_mut();
        c.step_count += 1;
        c.last_epoch += 1;
        s.get_lr(opt, false)
    })
}

/// PyTorch's `_initial_step`: the step the constructor makes, with `_is_initial` set.
pub(crate) fn initial_step<S: Schedule>(s: &mut S, opt: &mut dyn Optimizer) -> Result<()> {
    apply(s, opt, |s, opt| {
        let c = s.core_mut();
        c.step_count = 1;
        c.last_epoch += 1;
        s.get_lr(opt, true)
    })
}

/// PyTorch's `_update_lr(0)`: the epoch set to 0, the closed form where there is one.
pub(crate) fn restart<S: Schedule>(s: &mut S, opt: &mut dyn Optimizer) -> Result<()> {
    apply(s, opt, |s, opt| {
        s.core_mut().last_epoch = 0;
        match s.closed_form() {
            Some(lrs) => Ok(lrs),
            None => s.get_lr(opt, false),
        }
    })
}

/// The state dict of a [`Schedule`]: its own attributes, then `LRScheduler`'s.
pub(crate) fn schedule_state<S: Schedule>(s: &S) -> IValue {
    let mut entries = s.own_state();
    entries.extend(state::core_entries(s.core()));
    IValue::dict(entries)
}

pub(crate) fn load_schedule_state<S: Schedule>(s: &mut S, st: &IValue) -> Result<()> {
    let mut next = s.core().clone();
    state::load_core(&mut next, st)?;
    s.load_own_state(st)?;
    *s.core_mut() = next;
    Ok(())
}

/// Implements [`LrScheduler`] for a [`Schedule`].
macro_rules! chainable {
    ($t:ty) => {
        impl $crate::optim::scheduler::LrScheduler for $t {
            fn step(&mut self, opt: &mut dyn $crate::optim::Optimizer) -> $crate::Result<()> {
                $crate::optim::scheduler::step(self, opt)
            }
            fn last_lr(&self) -> Vec<f64> {
                $crate::optim::scheduler::Schedule::core(self)
                    .last_lr
                    .clone()
            }
            fn last_epoch(&self) -> i64 {
                $crate::optim::scheduler::Schedule::core(self).last_epoch
            }
            fn state_dict(&self) -> $crate::IValue {
                $crate::optim::scheduler::schedule_state(self)
            }
            fn load_state_dict(&mut self, state: &$crate::IValue) -> $crate::Result<()> {
                $crate::optim::scheduler::load_schedule_state(self, state)
            }
            fn undo_epoch(&mut self) {
                $crate::optim::scheduler::Schedule::core_mut(self).last_epoch -= 1;
            }
            fn initial_step(
                &mut self,
                opt: &mut dyn $crate::optim::Optimizer,
            ) -> $crate::Result<()> {
                $crate::optim::scheduler::initial_step(self, opt)
            }
            fn restart(&mut self, opt: &mut dyn $crate::optim::Optimizer) -> $crate::Result<()> {
                $crate::optim::scheduler::restart(self, opt)
            }
        }
    };
}
pub(crate) use chainable;

/// The optimizer's current rates (PyTorch's `[group["lr"] for group in param_groups]`).
pub(crate) fn current(opt: &dyn Optimizer) -> Vec<f64> {
    opt.learning_rates()
}

/// The current rates times `factor`.
pub(crate) fn times(opt: &dyn Optimizer, factor: f64) -> Vec<f64> {
    opt.learning_rates().iter().map(|lr| lr * factor).collect()
}

/// `Schedule::core` / `core_mut` for a schedule whose `Core` is its `core` field.
macro_rules! core_access {
    () => {
        fn core(&self) -> &Core {
            &self.core
        }
        fn core_mut(&mut self) -> &mut Core {
            &mut self.core
        }
    };
}
pub(crate) use core_access;
