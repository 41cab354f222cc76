//! The schedules of one formula each: StepLR, MultiStepLR, ExponentialLR, LambdaLR,
//! PolynomialLR, LinearLR and CosineAnnealingLR, with PyTorch's arithmetic.
use super::lambdas::{Lambdas, LrLambda};
use super::state::{take_float, take_int};
use super::{bad, chainable, core_access, current, initial_step, times, Core, Schedule};
use crate::error::unwrap;
use crate::optim::Optimizer;
use crate::{IValue, Result};
use std::collections::BTreeMap;
use std::f64::consts::PI;

/// `StepLR`: the rate times `gamma` every `step_size` steps.
#[derive(Clone, Debug)]
pub struct StepLr {
    core: Core,
    step_size: i64,
    gamma: f64,
}

impl StepLr {
    /// Decays every `step_size` steps by `gamma` (PyTorch's default 0.1).
    #[track_caller]
    pub fn new(opt: &mut dyn Optimizer, step_size: u64, gamma: f64) -> StepLr {
        unwrap(StepLr::f_new(opt, step_size, gamma))
    }

    /// [`StepLr::new`], or an error for a zero `step_size` (a division by zero in PyTorch) or
    /// a NaN `gamma`.
    pub fn f_new(opt: &mut dyn Optimizer, step_size: u64, gamma: f64) -> Result<StepLr> {
        if step_size == 0 || step_size > i64::MAX as u64 || gamma.is_nan() {
            return Err(bad(
                "StepLR",
                format!(
                    "step_size must be positive and gamma a number, got {step_size} and {gamma}"
                ),
            ));
        }
        let mut s = StepLr {
            core: Core::new(opt),
            step_size: step_size as i64,
            gamma,
        };
        initial_step(&mut s, opt)?;
        Ok(s)
    }
}

impl Schedule for StepLr {
    const NAME: &'static str = "StepLR";
    core_access!();
    fn get_lr(&mut self, opt: &mut dyn Optimizer, _initial: bool) -> Result<Vec<f64>> {
        let e = self.core.last_epoch;
        if e == 0 || e.rem_euclid(self.step_size) != 0 {
            return Ok(current(opt));
        }
        Ok(times(opt, self.gamma))
    }
    fn closed_form(&self) -> Option<Vec<f64>> {
        let k = self.core.last_epoch.div_euclid(self.step_size) as f64;
        Some(
            self.core
                .base_lrs
                .iter()
                .map(|b| b * self.gamma.powf(k))
                .collect(),
        )
    }
    fn own_state(&self) -> Vec<(&'static str, IValue)> {
        vec![
            ("step_size", IValue::Int(self.step_size)),
            ("gamma", IValue::Double(self.gamma)),
        ]
    }
    fn load_own_state(&mut self, st: &IValue) -> Result<()> {
        let (mut step_size, mut gamma) = (self.step_size, self.gamma);
        take_int(st, "step_size", &mut step_size)?;
        take_float(st, "gamma", &mut gamma)?;
        if step_size <= 0 {
            return Err(bad(
                "load_state_dict",
                "StepLR's step_size must be positive",
            ));
        }
        (self.step_size, self.gamma) = (step_size, gamma);
        Ok(())
    }
}
chainable!(StepLr);

/// `MultiStepLR`: the rate times `gamma` at each milestone (times `gamma^k` for a milestone
/// listed `k` times).
#[derive(Clone, Debug)]
pub struct MultiStepLr {
    core: Core,
    /// Milestone → how many times it was listed (PyTorch's `Counter`).
    milestones: BTreeMap<i64, u32>,
    gamma: f64,
}

impl MultiStepLr {
    /// Decays by `gamma` (PyTorch's default 0.1) at each of `milestones`.
    #[track_caller]
    pub fn new(opt: &mut dyn Optimizer, milestones: &[i64], gamma: f64) -> MultiStepLr {
        unwrap(MultiStepLr::f_new(opt, milestones, gamma))
    }

    /// [`MultiStepLr::new`], or an error for a NaN `gamma`.
    pub fn f_new(opt: &mut dyn Optimizer, milestones: &[i64], gamma: f64) -> Result<MultiStepLr> {
        if gamma.is_nan() {
            return Err(bad("MultiStepLR", "gamma must be a number, got NaN"));
        }
        let mut counts = BTreeMap::new();
        for &m in milestones {
            *counts.entry(m).or_insert(0) += 1;
        }
        let mut s = MultiStepLr {
            core: Core::new(opt),
            milestones: counts,
            gamma,
        };
        initial_step(&mut s, opt)?;
        Ok(s)
    }
}

impl Schedule for MultiStepLr {
    const NAME: &'static str = "MultiStepLR";
    core_access!();
    fn get_lr(&mut self, opt: &mut dyn Optimizer, _initial: bool) -> Result<Vec<f64>> {
        match self.milestones.get(&self.core.last_epoch) {
            None => Ok(current(opt)),
            Some(&k) => Ok(times(opt, self.gamma.powf(k as f64))),
        }
    }
    fn closed_form(&self) -> Option<Vec<f64>> {
        // bisect_right over the sorted milestones, repeats counted.
        let passed: u32 = self
            .milestones
            .range(..=self.core.last_epoch)
            .map(|(_, k)| k)
            .sum();
        Some(
            self.core
                .base_lrs
                .iter()
                .map(|b| b * self.gamma.powf(passed as f64))
                .collect(),
        )
    }
    /// `milestones` is written as a dict {milestone: count} (Python's `Counter` is a dict).
    fn own_state(&self) -> Vec<(&'static str, IValue)> {
        let ms = self
            .milestones
            .iter()
            .map(|(&m, &k)| (IValue::Int(m), IValue::Int(k as i64)))
            .collect();
        vec![
            ("milestones", IValue::Dict(ms)),
            ("gamma", IValue::Double(self.gamma)),
        ]
    }
    fn load_own_state(&mut self, st: &IValue) -> Result<()> {
        let mut gamma = self.gamma;
        take_float(st, "gamma", &mut gamma)?;
        let milestones = match st.get("milestones") {
            None => self.milestones.clone(),
            Some(v) => {
                let entries = v.as_dict().ok_or_else(|| {
                    bad(
                        "load_state_dict",
                        "MultiStepLR's `milestones` is not a dict",
                    )
                })?;
                let mut ms = BTreeMap::new();
                for (m, k) in entries {
                    match (m.as_int(), k.as_int()) {
                        (Some(m), Some(k)) if (0..=u32::MAX as i64).contains(&k) => {
                            ms.insert(m, k as u32);
                        }
                        _ => {
                            return Err(bad(
                                "load_state_dict",
                                "MultiStepLR's `milestones` must map ints to counts",
                            ))
                        }
                    }
                }
                ms
            }
        };
        (self.milestones, self.gamma) = (milestones, gamma);
        Ok(())
    }
}
chainable!(MultiStepLr);

/// `ExponentialLR`: the rate times `gamma` every step.
#[derive(Clone, Debug)]
pub struct ExponentialLr {
    core: Core,
    gamma: f64,
}

impl ExponentialLr {
    /// Decays by `gamma` every step.
    #[track_caller]
    pub fn new(opt: &mut dyn Optimizer, gamma: f64) -> ExponentialLr {
        unwrap(ExponentialLr::f_new(opt, gamma))
    }

    /// [`ExponentialLr::new`], or an error for a NaN `gamma`.
    pub fn f_new(opt: &mut dyn Optimizer, gamma: f64) -> Result<ExponentialLr> {
        if gamma.is_nan() {
            return Err(bad("ExponentialLR", "gamma must be a number, got NaN"));
        }
        let mut s = ExponentialLr {
            core: Core::new(opt),
            gamma,
        };
        initial_step(&mut s, opt)?;
        Ok(s)
    }
}

impl Schedule for ExponentialLr {
    const NAME: &'static str = "ExponentialLR";
    core_access!();
    fn get_lr(&mut self, opt: &mut dyn Optimizer, initial: bool) -> Result<Vec<f64>> {
        if initial {
            return Ok(current(opt));
        }
        Ok(times(opt, self.gamma))
    }
    fn closed_form(&self) -> Option<Vec<f64>> {
        let e = self.core.last_epoch as f64;
        Some(
            self.core
                .base_lrs
                .iter()
                .map(|b| b * self.gamma.powf(e))
                .collect(),
        )
    }
    fn own_state(&self) -> Vec<(&'static str, IValue)> {
        vec![("gamma", IValue::Double(self.gamma))]
    }
    fn load_own_state(&mut self, st: &IValue) -> Result<()> {
        take_float(st, "gamma", &mut self.gamma)
    }
}
chainable!(ExponentialLr);

/// `LambdaLR`: `lr = base_lr · f(epoch)`, one function for every group or one per group.
#[derive(Clone, Debug)]
pub struct LambdaLr {
    core: Core,
    lambdas: Lambdas,
}

impl LambdaLr {
    /// `lr = base_lr · lr_lambda(epoch)` for every group.
    pub fn new(
        opt: &mut dyn Optimizer,
        lr_lambda: impl Fn(i64) -> f64 + Send + Sync + 'static,
    ) -> LambdaLr {
        let lambdas = Lambdas::shared(opt, lr_lambda);
        unwrap(LambdaLr::start(opt, lambdas))
    }

    /// One function per group (PyTorch's list of `lr_lambda`s), or PyTorch's error when their
    /// number is not the number of groups.
    pub fn f_per_group(opt: &mut dyn Optimizer, lr_lambdas: Vec<LrLambda>) -> Result<LambdaLr> {
        let lambdas = Lambdas::per_group("LambdaLR", opt, lr_lambdas)?;
        LambdaLr::start(opt, lambdas)
    }

    fn start(opt: &mut dyn Optimizer, lambdas: Lambdas) -> Result<LambdaLr> {
        let mut s = LambdaLr {
            core: Core::new(opt),
            lambdas,
        };
        initial_step(&mut s, opt)?;
        Ok(s)
    }
}

impl Schedule for LambdaLr {
    const NAME: &'static str = "LambdaLR";
    core_access!();
    fn get_lr(&mut self, _opt: &mut dyn Optimizer, _initial: bool) -> Result<Vec<f64>> {
        Ok(self
            .lambdas
            .scale(&self.core.base_lrs, self.core.last_epoch))
    }
    fn own_state(&self) -> Vec<(&'static str, IValue)> {
        self.lambdas.state()
    }
    fn load_own_state(&mut self, _st: &IValue) -> Result<()> {
        Ok(())
    }
}
chainable!(LambdaLr);

/// `PolynomialLR`: the rate decays as `(1 - t/total_iters)^power` to 0 at `total_iters`.
#[derive(Clone, Debug)]
pub struct PolynomialLr {
    core: Core,
    total_iters: i64,
    power: f64,
}

impl PolynomialLr {
    /// Decays over `total_iters` steps (PyTorch's default 5) with `power` (default 1.0).
    #[track_caller]
    pub fn new(opt: &mut dyn Optimizer, total_iters: u64, power: f64) -> PolynomialLr {
        unwrap(PolynomialLr::f_new(opt, total_iters, power))
    }

    /// [`PolynomialLr::new`], or an error for a zero `total_iters` or a NaN `power`.
    pub fn f_new(opt: &mut dyn Optimizer, total_iters: u64, power: f64) -> Result<PolynomialLr> {
        if total_iters == 0 || total_iters > i64::MAX as u64 || power.is_nan() {
            return Err(bad(
                "PolynomialLR",
                format!(
                    "total_iters must be positive and power a number, got {total_iters} and \
                     {power}"
                ),
            ));
        }
        let mut s = PolynomialLr {
            core: Core::new(opt),
            total_iters: total_iters as i64,
            power,
        };
        initial_step(&mut s, opt)?;
        Ok(s)
    }
}

impl Schedule for PolynomialLr {
    const NAME: &'static str = "PolynomialLR";
    core_access!();
    fn get_lr(&mut self, opt: &mut dyn Optimizer, initial: bool) -> Result<Vec<f64>> {
        let (e, t) = (self.core.last_epoch, self.total_iters);
        if initial || e > t {
            return Ok(current(opt));
        }
        let (e, t) = (e as f64, t as f64);
        let decay = ((1.0 - e / t) / (1.0 - (e - 1.0) / t)).powf(self.power);
        Ok(times(opt, decay))
    }
    fn closed_form(&self) -> Option<Vec<f64>> {
        let t = self.total_iters as f64;
        let e = self.core.last_epoch.min(self.total_iters) as f64;
        Some(
            self.core
                .base_lrs
                .iter()
                .map(|b| b * (1.0 - e / t).powf(self.power))
                .collect(),
        )
    }
    fn own_state(&self) -> Vec<(&'static str, IValue)> {
        vec![
            ("total_iters", IValue::Int(self.total_iters)),
            ("power", IValue::Double(self.power)),
        ]
    }
    fn load_own_state(&mut self, st: &IValue) -> Result<()> {
        let (mut t, mut p) = (self.total_iters, self.power);
        take_int(st, "total_iters", &mut t)?;
        take_float(st, "power", &mut p)?;
        if t <= 0 {
            return Err(bad(
                "load_state_dict",
                "PolynomialLR's total_iters must be positive",
            ));
        }
        (self.total_iters, self.power) = (t, p);
        Ok(())
    }
}
chainable!(PolynomialLr);

/// `LinearLR`: the rate factor goes linearly from `start_factor` to `end_factor` over
/// `total_iters` steps, then stays.
#[derive(Clone, Debug)]
pub struct LinearLr {
    core: Core,
    start_factor: f64,
    end_factor: f64,
    total_iters: i64,
}

/// Linear warm-up: [`LinearLr`] to a factor of 1 (its `new`).
pub type LinearWarmup = LinearLr;

impl LinearLr {
    /// Warms up from `start_factor · lr` to `lr` (end factor 1.0) over `total_iters` steps.
    /// PyTorch's defaults are `start_factor` 1/3 and `total_iters` 5.
    #[track_caller]
    pub fn new(opt: &mut dyn Optimizer, start_factor: f64, total_iters: u64) -> Self {
        unwrap(LinearLr::f_new(opt, start_factor, total_iters))
    }

    /// [`LinearLr::new`], or PyTorch's error (see [`LinearLr::f_with_options`]).
    pub fn f_new(opt: &mut dyn Optimizer, start_factor: f64, total_iters: u64) -> Result<Self> {
        LinearLr::f_with_options(opt, start_factor, 1.0, total_iters)
    }

    /// Every argument; panics where [`LinearLr::f_with_options`] errs.
    #[track_caller]
    pub fn with_options(
        opt: &mut dyn Optimizer,
        start_factor: f64,
        end_factor: f64,
        total_iters: u64,
    ) -> Self {
        unwrap(LinearLr::f_with_options(
            opt,
            start_factor,
            end_factor,
            total_iters,
        ))
    }

    /// Every argument, or PyTorch's error: `start_factor` in (0, 1], `end_factor` in [0, 1]
    /// (NaN is neither), and a positive `total_iters`.
    pub fn f_with_options(
        opt: &mut dyn Optimizer,
        start_factor: f64,
        end_factor: f64,
        total_iters: u64,
    ) -> Result<Self> {
        if !(start_factor > 0.0 && start_factor <= 1.0) {
            return Err(bad(
                "LinearLR",
                format!(
                    "Starting multiplicative factor expected to be greater than 0 and less or \
                     equal to 1, got {start_factor}"
                ),
            ));
        }
        if !(0.0..=1.0).contains(&end_factor) {
            return Err(bad(
                "LinearLR",
                format!(
                    "Ending multiplicative factor expected to be between 0 and 1, got \
                     {end_factor}"
                ),
            ));
        }
        if total_iters == 0 || total_iters > i64::MAX as u64 {
            return Err(bad("LinearLR", "total_iters must be positive"));
        }
        let mut s = LinearLr {
            core: Core::new(opt),
            start_factor,
            end_factor,
            total_iters: total_iters as i64,
        };
        initial_step(&mut s, opt)?;
        Ok(s)
    }
}

impl Schedule for LinearLr {
    const NAME: &'static str = "LinearLR";
    core_access!();
    fn get_lr(&mut self, opt: &mut dyn Optimizer, initial: bool) -> Result<Vec<f64>> {
        let e = self.core.last_epoch;
        if e == 0 {
            return Ok(times(opt, self.start_factor));
        }
        if initial || e > self.total_iters {
            return Ok(current(opt));
        }
        let (s, f) = (self.start_factor, self.end_factor);
        let factor = 1.0 + (f - s) / (self.total_iters as f64 * s + (e - 1) as f64 * (f - s));
        Ok(times(opt, factor))
    }
    fn closed_form(&self) -> Option<Vec<f64>> {
        let (s, f) = (self.start_factor, self.end_factor);
        let e = self.core.last_epoch.min(self.total_iters) as f64;
        let t = self.total_iters as f64;
        Some(
            self.core
                .base_lrs
                .iter()
                .map(|b| b * (s + (f - s) * e / t))
                .collect(),
        )
    }
    fn own_state(&self) -> Vec<(&'static str, IValue)> {
        vec![
            ("start_factor", IValue::Double(self.start_factor)),
            ("end_factor", IValue::Double(self.end_factor)),
            ("total_iters", IValue::Int(self.total_iters)),
        ]
    }
    fn load_own_state(&mut self, st: &IValue) -> Result<()> {
        let (mut s, mut f, mut t) = (self.start_factor, self.end_factor, self.total_iters);
        take_float(st, "start_factor", &mut s)?;
        take_float(st, "end_factor", &mut f)?;
        take_int(st, "total_iters", &mut t)?;
        if t <= 0 {
            return Err(bad(
                "load_state_dict",
                "LinearLR's total_iters must be positive",
            ));
        }
        (self.start_factor, self.end_factor, self.total_iters) = (s, f, t);
        Ok(())
    }
}
chainable!(LinearLr);

/// `CosineAnnealingLR`: from the initial rate down to `eta_min` along a half cosine over
/// `t_max` steps, in PyTorch's recursive form (which keeps going, back up, past `t_max`).
#[derive(Clone, Debug)]
pub struct CosineAnnealingLr {
    core: Core,
    t_max: i64,
    eta_min: f64,
}

impl CosineAnnealingLr {
    /// Anneals to `eta_min` (PyTorch's default 0.0) over `t_max` steps.
    #[track_caller]
    pub fn new(opt: &mut dyn Optimizer, t_max: u64, eta_min: f64) -> Self {
        unwrap(CosineAnnealingLr::f_new(opt, t_max, eta_min))
    }

    /// [`CosineAnnealingLr::new`], or an error for a zero `t_max` (a division by zero in
    /// PyTorch) or a negative or NaN `eta_min`.
    pub fn f_new(opt: &mut dyn Optimizer, t_max: u64, eta_min: f64) -> Result<Self> {
        if t_max == 0 || t_max > i64::MAX as u64 || eta_min.is_nan() || eta_min < 0.0 {
            return Err(bad(
                "CosineAnnealingLR",
                format!(
                    "T_max must be positive and eta_min non-negative, got {t_max} and {eta_min}"
                ),
            ));
        }
        let mut s = CosineAnnealingLr {
            core: Core::new(opt),
            t_max: t_max as i64,
            eta_min,
        };
        initial_step(&mut s, opt)?;
        Ok(s)
    }
}

impl Schedule for CosineAnnealingLr {
    const NAME: &'static str = "CosineAnnealingLR";
    core_access!();
    fn get_lr(&mut self, opt: &mut dyn Optimizer, initial: bool) -> Result<Vec<f64>> {
        let (e, t, eta) = (self.core.last_epoch, self.t_max, self.eta_min);
        let lrs = opt.learning_rates();
        if initial {
            return Ok(lrs);
        }
        let (ef, tf) = (e as f64, t as f64);
        if self.core.step_count == 1 && e > 0 {
            return Ok(self
                .core
                .base_lrs
                .iter()
                .map(|b| eta + (b - eta) * (1.0 + (ef * PI / tf).cos()) / 2.0)
                .collect());
        }
        if (e - 1 - t).rem_euclid(2 * t) == 0 {
            return Ok(lrs
                .iter()
                .zip(&self.core.base_lrs)
                .map(|(lr, b)| lr + (b - eta) * (1.0 - (PI / tf).cos()) / 2.0)
                .collect());
        }
        Ok(lrs
            .iter()
            .map(|lr| {
                (1.0 + (PI * ef / tf).cos()) / (1.0 + (PI * (ef - 1.0) / tf).cos()) * (lr - eta)
                    + eta
            })
            .collect())
    }
    fn closed_form(&self) -> Option<Vec<f64>> {
        let (e, t, eta) = (self.core.last_epoch as f64, self.t_max as f64, self.eta_min);
        Some(
            self.core
                .base_lrs
                .iter()
                .map(|b| eta + (b - eta) * (1.0 + (PI * e / t).cos()) / 2.0)
                .collect(),
        )
    }
    fn own_state(&self) -> Vec<(&'static str, IValue)> {
        vec![
            ("T_max", IValue::Int(self.t_max)),
            ("eta_min", IValue::Double(self.eta_min)),
        ]
    }
    fn load_own_state(&mut self, st: &IValue) -> Result<()> {
        let (mut t, mut eta) = (self.t_max, self.eta_min);
        take_int(st, "T_max", &mut t)?;
        take_float(st, "eta_min", &mut eta)?;
        if t <= 0 {
            return Err(bad(
                "load_state_dict",
                "CosineAnnealingLR's T_max must be positive",
            ));
        }
        (self.t_max, self.eta_min) = (t, eta);
        Ok(())
    }
}
chainable!(CosineAnnealingLr);
