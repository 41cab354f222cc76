//! The schedules that multiply the current rate by a factor: ConstantLR and MultiplicativeLR,
//! with PyTorch's arithmetic (the same `get_lr` steps, so sequences match bit for bit).
use super::lambdas::{Lambdas, LrLambda};
use super::state::{take_float, take_int};
use super::{bad, chainable, core_access, current, initial_step, times, Core, Schedule};
use crate::error::unwrap;
use crate::optim::Optimizer;
use crate::{IValue, Result};

/// `ConstantLR`: the rate times `factor` for the first `total_iters` steps, then the rate
/// itself again (a constant warm-up).
///
/// ```
/// use libtorch::optim::{ConstantLr, LrScheduler, Optimizer, Sgd};
/// use libtorch::Tensor;
/// let mut opt = Sgd::new(vec![Tensor::from_slice(&[1.0f32]).set_requires_grad(true)], 0.1);
/// let mut s = ConstantLr::new(&mut opt, 0.5, 2);
/// let mut lrs = vec![];
/// for _ in 0..4 {
///     lrs.push(opt.learning_rates()[0]);
///     s.step(&mut opt).unwrap();
/// }
/// assert_eq!(lrs, [0.05, 0.05, 0.1, 0.1]);
/// ```
#[derive(Clone, Debug)]
pub struct ConstantLr {
    core: Core,
    factor: f64,
    total_iters: i64,
}

impl ConstantLr {
    /// Scales by `factor` until step `total_iters`; PyTorch's defaults are 1/3 and 5.
    #[track_caller]
    pub fn new(opt: &mut dyn Optimizer, factor: f64, total_iters: i64) -> ConstantLr {
        unwrap(ConstantLr::f_new(opt, factor, total_iters))
    }

    /// [`ConstantLr::new`], or PyTorch's error for a `factor` outside [0, 1] (NaN included).
    pub fn f_new(opt: &mut dyn Optimizer, factor: f64, total_iters: i64) -> Result<ConstantLr> {
        if !(0.0..=1.0).contains(&factor) {
            return Err(bad(
                "ConstantLR",
                "Constant multiplicative factor expected to be between 0 and 1.",
            ));
        }
        let mut s = ConstantLr {
            core: Core::new(opt),
            factor,
            total_iters,
        };
        initial_step(&mut s, opt)?;
        Ok(s)
    }
}

impl Schedule for ConstantLr {
    const NAME: &'static str = "ConstantLR";
    core_access!();
    fn get_lr(&mut self, opt: &mut dyn Optimizer, _initial: bool) -> Result<Vec<f64>> {
        let e = self.core.last_epoch;
        Ok(if e == 0 {
            times(opt, self.factor)
        } else if e != self.total_iters {
            current(opt)
        } else {
            times(opt, 1.0 / self.factor)
        })
    }
    fn closed_form(&self) -> Option<Vec<f64>> {
        let after = if self.core.last_epoch >= self.total_iters {
            1.0
        } else {
            0.0
        };
        Some(
            self.core
                .base_lrs
                .iter()
                .map(|b| b * (self.factor + after * (1.0 - self.factor)))
                .collect(),
        )
    }
    fn own_state(&self) -> Vec<(&'static str, IValue)> {
        vec![
            ("factor", IValue::Double(self.factor)),
            ("total_iters", IValue::Int(self.total_iters)),
        ]
    }
    fn load_own_state(&mut self, st: &IValue) -> Result<()> {
        let (mut f, mut t) = (self.factor, self.total_iters);
        take_float(st, "factor", &mut f)?;
        take_int(st, "total_iters", &mut t)?;
        (self.factor, self.total_iters) = (f, t);
        Ok(())
    }
}
chainable!(ConstantLr);

/// `MultiplicativeLR`: every step the rate times `lr_lambda(epoch)` (where `LambdaLR` scales
/// the initial rate instead).
///
/// ```
/// use libtorch::optim::{LrScheduler, MultiplicativeLr, Optimizer, Sgd};
/// use libtorch::Tensor;
/// let mut opt = Sgd::new(vec![Tensor::from_slice(&[1.0f32]).set_requires_grad(true)], 1.0);
/// let mut s = MultiplicativeLr::new(&mut opt, |_| 0.5);
/// s.step(&mut opt).unwrap();
/// s.step(&mut opt).unwrap();
/// assert_eq!(opt.learning_rates(), [0.25]);
/// ```
#[derive(Clone, Debug)]
pub struct MultiplicativeLr {
    core: Core,
    lambdas: Lambdas,
}

impl MultiplicativeLr {
    /// One factor function for every group.
    pub fn new(
        opt: &mut dyn Optimizer,
        lr_lambda: impl Fn(i64) -> f64 + Send + Sync + 'static,
    ) -> MultiplicativeLr {
        let lambdas = Lambdas::shared(opt, lr_lambda);
        unwrap(MultiplicativeLr::start(opt, lambdas))
    }

    /// One function per group, or PyTorch's error when their number is not the number of
    /// groups.
    pub fn f_per_group(
        opt: &mut dyn Optimizer,
        lr_lambdas: Vec<LrLambda>,
    ) -> Result<MultiplicativeLr> {
        let lambdas = Lambdas::per_group("MultiplicativeLR", opt, lr_lambdas)?;
        MultiplicativeLr::start(opt, lambdas)
    }

    fn start(opt: &mut dyn Optimizer, lambdas: Lambdas) -> Result<MultiplicativeLr> {
        let mut s = MultiplicativeLr {
            core: Core::new(opt),
            lambdas,
        };
        initial_step(&mut s, opt)?;
        Ok(s)
    }
}

impl Schedule for MultiplicativeLr {
    const NAME: &'static str = "MultiplicativeLR";
    core_access!();
    fn get_lr(&mut self, opt: &mut dyn Optimizer, initial: bool) -> Result<Vec<f64>> {
        let lrs = opt.learning_rates();
        if initial {
            return Ok(lrs);
        }
        Ok(self.lambdas.scale(&lrs, self.core.last_epoch))
    }
    fn own_state(&self) -> Vec<(&'static str, IValue)> {
        self.lambdas.state()
    }
    fn load_own_state(&mut self, _st: &IValue) -> Result<()> {
        Ok(())
    }
}
chainable!(MultiplicativeLr);
