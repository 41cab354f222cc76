//! `CyclicLR`: the rate cycles between two bounds (Smith's cyclical learning rates), and the
//! momentum the other way.
use super::state::{floats, opt_bool, opt_float_list, opt_str, take_float};
use super::{bad, chainable, core_access, initial_step, Core, Schedule};
use crate::error::unwrap;
use crate::optim::Optimizer;
use crate::{IValue, Result};
use std::sync::Arc;

/// CyclicLR's built-in amplitude policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CyclicMode {
    /// A constant amplitude (`"triangular"`, PyTorch's default).
    Triangular,
    /// The amplitude halves every cycle (`"triangular2"`).
    Triangular2,
    /// The amplitude scales by `gamma^iteration` (`"exp_range"`).
    ExpRange,
}

impl CyclicMode {
    fn name(self) -> &'static str {
        match self {
            CyclicMode::Triangular => "triangular",
            CyclicMode::Triangular2 => "triangular2",
            CyclicMode::ExpRange => "exp_range",
        }
    }
    fn parse(s: &str) -> Option<CyclicMode> {
        Some(match s {
            "triangular" => CyclicMode::Triangular,
            "triangular2" => CyclicMode::Triangular2,
            "exp_range" => CyclicMode::ExpRange,
            _ => return None,
        })
    }
}

/// What a custom scale function is given: the cycle number or the iteration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaleMode {
    /// The cycle number, from 1 (`"cycle"`).
    Cycle,
    /// The iteration, `last_epoch` (`"iterations"`).
    Iterations,
}

impl ScaleMode {
    fn name(self) -> &'static str {
        match self {
            ScaleMode::Cycle => "cycle",
            ScaleMode::Iterations => "iterations",
        }
    }
}

/// A custom amplitude scale (CyclicLR's `scale_fn`).
pub type ScaleFn = Arc<dyn Fn(f64) -> f64 + Send + Sync>;

/// CyclicLR's arguments besides the bounds, with PyTorch's defaults from `default()`.
#[derive(Clone)]
pub struct CyclicLrOptions {
    /// Steps in the increasing half of a cycle (default 2000).
    pub step_size_up: u64,
    /// Steps in the decreasing half (default: `step_size_up`).
    pub step_size_down: Option<u64>,
    /// The amplitude policy (default triangular); ignored with a `scale_fn`.
    pub mode: CyclicMode,
    /// `exp_range`'s γ (default 1.0).
    pub gamma: f64,
    /// A custom amplitude scale and what it is given, replacing `mode`.
    pub scale_fn: Option<(ScaleFn, ScaleMode)>,
    /// Cycle the momentum (or β1) inversely to the rate (default true).
    pub cycle_momentum: bool,
    /// The lower momentum bound (default 0.8).
    pub base_momentum: f64,
    /// The upper momentum bound (default 0.9).
    pub max_momentum: f64,
}

impl Default for CyclicLrOptions {
    fn default() -> Self {
        CyclicLrOptions {
            step_size_up: 2000,
            step_size_down: None,
            mode: CyclicMode::Triangular,
            gamma: 1.0,
            scale_fn: None,
            cycle_momentum: true,
            base_momentum: 0.8,
            max_momentum: 0.9,
        }
    }
}

impl CyclicLrOptions {
    /// Sets the steps of the increasing half.
    pub fn step_size_up(mut self, n: u64) -> Self {
        self.step_size_up = n;
        self
    }
    /// Sets the steps of the decreasing half.
    pub fn step_size_down(mut self, n: u64) -> Self {
        self.step_size_down = Some(n);
        self
    }
    /// Sets the amplitude policy.
    pub fn mode(mut self, mode: CyclicMode) -> Self {
        self.mode = mode;
        self
    }
    /// Sets `exp_range`'s γ.
    pub fn gamma(mut self, gamma: f64) -> Self {
        self.gamma = gamma;
        self
    }
    /// Sets a custom amplitude scale.
    pub fn scale_fn(
        mut self,
        f: impl Fn(f64) -> f64 + Send + Sync + 'static,
        mode: ScaleMode,
    ) -> Self {
        self.scale_fn = Some((Arc::new(f), mode));
        self
    }
    /// Turns momentum cycling on or off.
    pub fn cycle_momentum(mut self, on: bool) -> Self {
        self.cycle_momentum = on;
        self
    }
    /// Sets the momentum bounds.
    pub fn momentum_range(mut self, base: f64, max: f64) -> Self {
        self.base_momentum = base;
        self.max_momentum = max;
        self
    }
}

/// One value for every group, or one per group (PyTorch's `_format_param`).
pub(crate) fn per_group(name: &str, op: &'static str, v: &[f64], n: usize) -> Result<Vec<f64>> {
    match v.len() {
        1 => Ok(vec![v[0]; n]),
        k if k == n => Ok(v.to_vec()),
        k => Err(bad(
            op,
            format!(
                "{name} must have the same length as optimizer.param_groups. {name} has {k} \
                 values, param_groups has {n}."
            ),
        )),
    }
}

/// Checks that every group has a momentum or β1 to cycle.
pub(crate) fn check_momentum(op: &'static str, opt: &dyn Optimizer) -> Result<()> {
    let n = opt.learning_rates().len();
    if (0..n).any(|g| opt.group_momentum(g).is_none()) {
        return Err(bad(
            op,
            "optimizer must support momentum or beta1 with `cycle_momentum` option enabled",
        ));
    }
    Ok(())
}

/// `CyclicLR`: the rate goes from `base_lr` up to `max_lr` over `step_size_up` steps and back
/// over `step_size_down`, the amplitude scaled by the mode; the momentum (or β1) goes from
/// `max_momentum` down to `base_momentum` and back. Step it after every batch.
#[derive(Clone)]
pub struct CyclicLr {
    core: Core,
    max_lrs: Vec<f64>,
    total_size: f64,
    step_ratio: f64,
    mode: CyclicMode,
    gamma: f64,
    scale_fn: Option<ScaleFn>,
    scale_mode: ScaleMode,
    cycle_momentum: bool,
    use_beta1: bool,
    base_momentums: Vec<f64>,
    max_momentums: Vec<f64>,
}

impl std::fmt::Debug for CyclicLr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CyclicLr")
            .field("core", &self.core)
            .field("max_lrs", &self.max_lrs)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl CyclicLr {
    /// Cycles every group between `base_lr` and `max_lr` with PyTorch's defaults (2000 steps
    /// up, as many down, triangular, momentum cycled between 0.8 and 0.9).
    #[track_caller]
    pub fn new(opt: &mut dyn Optimizer, base_lr: f64, max_lr: f64) -> CyclicLr {
        unwrap(CyclicLr::f_with_options(
            opt,
            &[base_lr],
            &[max_lr],
            CyclicLrOptions::default(),
        ))
    }

    /// Every argument; panics where [`CyclicLr::f_with_options`] errs.
    #[track_caller]
    pub fn with_options(
        opt: &mut dyn Optimizer,
        base_lrs: &[f64],
        max_lrs: &[f64],
        options: CyclicLrOptions,
    ) -> CyclicLr {
        unwrap(CyclicLr::f_with_options(opt, base_lrs, max_lrs, options))
    }

    /// Every argument: `base_lrs` and `max_lrs` hold one value for every group or one per
    /// group. PyTorch's errors: bounds of another length, momentum cycling for an optimizer
    /// without momentum or β1, and cycles of zero steps (a division by zero).
    pub fn f_with_options(
        opt: &mut dyn Optimizer,
        base_lrs: &[f64],
        max_lrs: &[f64],
        o: CyclicLrOptions,
    ) -> Result<CyclicLr> {
        const OP: &str = "CyclicLR";
        let n = opt.learning_rates().len();
        let base_lrs = per_group("base_lr", OP, base_lrs, n)?;
        let max_lrs = per_group("max_lr", OP, max_lrs, n)?;
        if let Some(lr) = base_lrs.iter().find(|lr| lr.is_nan() || **lr < 0.0) {
            return Err(bad(OP, format!("Invalid learning rate: {lr}")));
        }
        let up = o.step_size_up as f64;
        let down = o.step_size_down.map_or(up, |d| d as f64);
        let total_size = up + down;
        if total_size == 0.0 {
            return Err(bad(OP, "float division by zero (a cycle of zero steps)"));
        }
        if o.cycle_momentum {
            check_momentum(OP, opt)?;
        }
        let (scale_fn, scale_mode) = match o.scale_fn {
            Some((f, m)) => (Some(f), m),
            None => (
                None,
                match o.mode {
                    CyclicMode::ExpRange => ScaleMode::Iterations,
                    _ => ScaleMode::Cycle,
                },
            ),
        };
        for (g, &lr) in base_lrs.iter().enumerate() {
            opt.set_group_lr(g, lr)?;
        }
        let use_beta1 = opt.momentum_is_beta1();
        let (base_momentums, max_momentums) = if o.cycle_momentum {
            for g in 0..n {
                opt.set_group_momentum(g, o.max_momentum)?;
            }
            (vec![o.base_momentum; n], vec![o.max_momentum; n])
        } else {
            (vec![], vec![])
        };
        let mut s = CyclicLr {
            core: Core::new(opt),
            max_lrs,
            total_size,
            step_ratio: up / total_size,
            mode: o.mode,
            gamma: o.gamma,
            scale_fn,
            scale_mode,
            cycle_momentum: o.cycle_momentum,
            use_beta1,
            base_momentums,
            max_momentums,
        };
        initial_step(&mut s, opt)?;
        // As PyTorch: the constructor's step ran from the `initial_lr`s; the bounds take over.
        s.core.base_lrs = base_lrs;
        Ok(s)
    }

    fn scale(&self, x: f64) -> f64 {
        if let Some(f) = &self.scale_fn {
            return f(x);
        }
        match self.mode {
            CyclicMode::Triangular => 1.0,
            CyclicMode::Triangular2 => 1.0 / 2.0f64.powf(x - 1.0),
            CyclicMode::ExpRange => self.gamma.powf(x),
        }
    }
}

impl Schedule for CyclicLr {
    const NAME: &'static str = "CyclicLR";
    core_access!();
    fn get_lr(&mut self, opt: &mut dyn Optimizer, _initial: bool) -> Result<Vec<f64>> {
        let e = self.core.last_epoch as f64;
        let cycle = (1.0 + e / self.total_size).floor();
        let x = 1.0 + e / self.total_size - cycle;
        let scale_factor = if x <= self.step_ratio {
            x / self.step_ratio
        } else {
            (x - 1.0) / (self.step_ratio - 1.0)
        };
        let at = match self.scale_mode {
            ScaleMode::Cycle => cycle,
            ScaleMode::Iterations => e,
        };
        let scale = self.scale(at);
        let lrs = self
            .core
            .base_lrs
            .iter()
            .zip(&self.max_lrs)
            .map(|(base, max)| base + (max - base) * scale_factor * scale)
            .collect();
        if self.cycle_momentum {
            for (g, (base, max)) in self
                .base_momentums
                .iter()
                .zip(&self.max_momentums)
                .enumerate()
            {
                opt.set_group_momentum(g, max - (max - base) * scale_factor * scale)?;
            }
        }
        Ok(lrs)
    }
    fn own_state(&self) -> Vec<(&'static str, IValue)> {
        let mut v = vec![
            ("max_lrs", floats(&self.max_lrs)),
            ("total_size", IValue::Double(self.total_size)),
            ("step_ratio", IValue::Double(self.step_ratio)),
            ("mode", IValue::String(self.mode.name().into())),
            ("gamma", IValue::Double(self.gamma)),
            ("scale_mode", IValue::String(self.scale_mode.name().into())),
            ("cycle_momentum", IValue::Bool(self.cycle_momentum)),
        ];
        if self.cycle_momentum {
            v.extend([
                ("use_beta1", IValue::Bool(self.use_beta1)),
                ("base_momentums", floats(&self.base_momentums)),
                ("max_momentums", floats(&self.max_momentums)),
            ]);
        }
        // A custom scale function is not saved (PyTorch saves only a callable object's
        // attributes).
        v.push(("_scale_fn_custom", IValue::None));
        v
    }
    fn load_own_state(&mut self, st: &IValue) -> Result<()> {
        const OP: &str = "load_state_dict";
        let n = self.core.base_lrs.len();
        let mut next = self.clone();
        if let Some(v) = opt_float_list(st, "max_lrs", n)? {
            next.max_lrs = v;
        }
        take_float(st, "total_size", &mut next.total_size)?;
        take_float(st, "step_ratio", &mut next.step_ratio)?;
        take_float(st, "gamma", &mut next.gamma)?;
        if let Some(m) = opt_str(st, "mode")? {
            next.mode = CyclicMode::parse(m)
                .ok_or_else(|| bad(OP, format!("CyclicLR mode {m:?} is unknown")))?;
        }
        if next.scale_fn.is_none() {
            // PyTorch's `_init_scale_fn` after loading: the mode decides.
            next.scale_mode = match next.mode {
                CyclicMode::ExpRange => ScaleMode::Iterations,
                _ => ScaleMode::Cycle,
            };
        }
        if let Some(c) = opt_bool(st, "cycle_momentum")? {
            next.cycle_momentum = c;
        }
        if let Some(b) = opt_bool(st, "use_beta1")? {
            next.use_beta1 = b;
        }
        if next.cycle_momentum {
            next.base_momentums =
                opt_float_list(st, "base_momentums", n)?.unwrap_or(next.base_momentums);
            next.max_momentums =
                opt_float_list(st, "max_momentums", n)?.unwrap_or(next.max_momentums);
            if next.base_momentums.len() != n || next.max_momentums.len() != n {
                return Err(bad(
                    OP,
                    "CyclicLR's state cycles the momentum but lacks its bounds",
                ));
            }
        }
        if next.total_size <= 0.0 {
            return Err(bad(OP, "CyclicLR's total_size must be positive"));
        }
        let core = self.core.clone();
        *self = next;
        self.core = core;
        Ok(())
    }
}
chainable!(CyclicLr);
