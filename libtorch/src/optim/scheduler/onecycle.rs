//! `OneCycleLR`: the 1cycle policy, two or three phases, cosine or linear annealing, with the
//! momentum cycled inversely.
use super::cyclic::{check_momentum, per_group};
use super::state::{floats, opt_bool, opt_float_list, opt_str, take_int};
use super::{bad, chainable, core_access, initial_step, Core, Schedule};
use crate::error::unwrap;
use crate::optim::Optimizer;
use crate::{IValue, Result};
use std::f64::consts::PI;

/// How OneCycleLR interpolates within a phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnnealStrategy {
    /// Half a cosine (`"cos"`, PyTorch's default).
    Cos,
    /// A straight line (`"linear"`).
    Linear,
}

/// OneCycleLR's arguments besides `max_lr` and `total_steps`, with PyTorch's defaults from
/// `default()`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OneCycleLrOptions {
    /// The fraction of the steps spent increasing the rate (default 0.3).
    pub pct_start: f64,
    /// The annealing (default cosine).
    pub anneal_strategy: AnnealStrategy,
    /// Cycle the momentum (or β1) inversely to the rate (default true).
    pub cycle_momentum: bool,
    /// The lower momentum bound (default 0.85).
    pub base_momentum: f64,
    /// The upper momentum bound (default 0.95).
    pub max_momentum: f64,
    /// The initial rate is `max_lr / div_factor` (default 25).
    pub div_factor: f64,
    /// The final rate is the initial one divided by this (default 1e4).
    pub final_div_factor: f64,
    /// Three phases (up, back down to the initial rate, then to the final one) instead of two.
    pub three_phase: bool,
}

impl Default for OneCycleLrOptions {
    fn default() -> Self {
        OneCycleLrOptions {
            pct_start: 0.3,
            anneal_strategy: AnnealStrategy::Cos,
            cycle_momentum: true,
            base_momentum: 0.85,
            max_momentum: 0.95,
            div_factor: 25.0,
            final_div_factor: 1e4,
            three_phase: false,
        }
    }
}

impl OneCycleLrOptions {
    /// Sets the fraction of the steps spent increasing the rate.
    pub fn pct_start(mut self, p: f64) -> Self {
        self.pct_start = p;
        self
    }
    /// Sets the annealing.
    pub fn anneal_strategy(mut self, a: AnnealStrategy) -> Self {
        self.anneal_strategy = a;
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
    /// Sets `div_factor`.
    pub fn div_factor(mut self, d: f64) -> Self {
        self.div_factor = d;
        self
    }
    /// Sets `final_div_factor`.
    pub fn final_div_factor(mut self, d: f64) -> Self {
        self.final_div_factor = d;
        self
    }
    /// Uses three phases.
    pub fn three_phase(mut self, on: bool) -> Self {
        self.three_phase = on;
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rate {
    Initial,
    Max,
    Min,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Momentum {
    Max,
    Base,
}

#[derive(Clone, Copy, Debug)]
struct Phase {
    end_step: f64,
    lr: (Rate, Rate),
    momentum: (Momentum, Momentum),
}

/// The 1cycle policy (`OneCycleLR`): from `max_lr / div_factor` up to `max_lr` over
/// `pct_start · total_steps` steps, then down to `max_lr / (div_factor · final_div_factor)` at
/// step `total_steps - 1` (or, with `three_phase`, back to the initial rate first); the
/// momentum (or β1) goes the other way between `max_momentum` and `base_momentum`. Sets the
/// initial rate when made; stepping past `total_steps` is an error.
#[derive(Clone, Debug)]
pub struct OneCycleLr {
    core: Core,
    total_steps: i64,
    phases: Vec<Phase>,
    anneal: AnnealStrategy,
    cycle_momentum: bool,
    use_beta1: bool,
    initial_lrs: Vec<f64>,
    max_lrs: Vec<f64>,
    min_lrs: Vec<f64>,
    max_momentums: Vec<f64>,
    base_momentums: Vec<f64>,
}

impl OneCycleLr {
    /// PyTorch's defaults (see [`OneCycleLrOptions`]) with one `max_lr` for every group.
    #[track_caller]
    pub fn new(opt: &mut dyn Optimizer, max_lr: f64, total_steps: u64) -> Self {
        unwrap(Self::f_with_options(
            opt,
            &[max_lr],
            total_steps,
            OneCycleLrOptions::default(),
        ))
    }

    /// Every argument; panics where [`OneCycleLr::f_with_options`] errs.
    #[track_caller]
    pub fn with_options(
        opt: &mut dyn Optimizer,
        max_lrs: &[f64],
        total_steps: u64,
        options: OneCycleLrOptions,
    ) -> Self {
        unwrap(Self::f_with_options(opt, max_lrs, total_steps, options))
    }

    /// Every argument (`max_lrs`: one for every group or one per group), or PyTorch's error: a
    /// positive `total_steps`, `pct_start` in [0, 1], momentum cycling only for an optimizer
    /// with momentum or β1, a phase of zero steps (a division by zero); and here, factors that
    /// are positive numbers.
    pub fn f_with_options(
        opt: &mut dyn Optimizer,
        max_lrs: &[f64],
        total_steps: u64,
        o: OneCycleLrOptions,
    ) -> Result<Self> {
        const OP: &str = "OneCycleLR";
        if total_steps == 0 || total_steps > i64::MAX as u64 {
            return Err(bad(
                OP,
                format!("Expected positive integer total_steps, but got {total_steps}"),
            ));
        }
        if !(0.0..=1.0).contains(&o.pct_start) {
            return Err(bad(
                OP,
                format!(
                    "Expected float between 0 and 1 pct_start, but got {}",
                    o.pct_start
                ),
            ));
        }
        if !(o.div_factor > 0.0 && o.final_div_factor > 0.0) {
            return Err(bad(
                OP,
                format!(
                    "div_factor and final_div_factor must be positive, got {} and {}",
                    o.div_factor, o.final_div_factor
                ),
            ));
        }
        let n = opt.learning_rates().len();
        let max_lrs = per_group("max_lr", OP, max_lrs, n)?;
        if let Some(lr) = max_lrs.iter().find(|lr| lr.is_nan() || **lr < 0.0) {
            return Err(bad(OP, format!("Invalid learning rate: {lr}")));
        }
        if o.cycle_momentum {
            check_momentum(OP, opt)?;
        }
        let total = total_steps as f64;
        let up_end = o.pct_start * total - 1.0;
        let phases = if o.three_phase {
            vec![
                Phase {
                    end_step: up_end,
                    lr: (Rate::Initial, Rate::Max),
                    momentum: (Momentum::Max, Momentum::Base),
                },
                Phase {
                    end_step: 2.0 * o.pct_start * total - 2.0,
                    lr: (Rate::Max, Rate::Initial),
                    momentum: (Momentum::Base, Momentum::Max),
                },
                Phase {
                    end_step: total - 1.0,
                    lr: (Rate::Initial, Rate::Min),
                    momentum: (Momentum::Max, Momentum::Max),
                },
            ]
        } else {
            vec![
                Phase {
                    end_step: up_end,
                    lr: (Rate::Initial, Rate::Max),
                    momentum: (Momentum::Max, Momentum::Base),
                },
                Phase {
                    end_step: total - 1.0,
                    lr: (Rate::Max, Rate::Min),
                    momentum: (Momentum::Base, Momentum::Max),
                },
            ]
        };
        let initial_lrs: Vec<f64> = max_lrs.iter().map(|m| m / o.div_factor).collect();
        let min_lrs = initial_lrs.iter().map(|i| i / o.final_div_factor).collect();
        // As PyTorch: the groups' `initial_lr` is this schedule's, whatever was there.
        for (g, &lr) in initial_lrs.iter().enumerate() {
            opt.set_initial_lr(g, lr);
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
        let mut s = OneCycleLr {
            core: Core::new(opt),
            total_steps: total_steps as i64,
            phases,
            anneal: o.anneal_strategy,
            cycle_momentum: o.cycle_momentum,
            use_beta1,
            initial_lrs,
            max_lrs,
            min_lrs,
            max_momentums,
            base_momentums,
        };
        initial_step(&mut s, opt)?;
        Ok(s)
    }

    fn anneal(&self, start: f64, end: f64, pct: f64) -> f64 {
        match self.anneal {
            AnnealStrategy::Cos => {
                let cos_out = (PI * pct).cos() + 1.0;
                end + (start - end) / 2.0 * cos_out
            }
            AnnealStrategy::Linear => (end - start) * pct + start,
        }
    }

    fn rate(&self, which: Rate, g: usize) -> f64 {
        match which {
            Rate::Initial => self.initial_lrs[g],
            Rate::Max => self.max_lrs[g],
            Rate::Min => self.min_lrs[g],
        }
    }

    fn momentum(&self, which: Momentum, g: usize) -> f64 {
        match which {
            Momentum::Max => self.max_momentums[g],
            Momentum::Base => self.base_momentums[g],
        }
    }
}

impl Schedule for OneCycleLr {
    const NAME: &'static str = "OneCycleLR";
    core_access!();
    fn get_lr(&mut self, opt: &mut dyn Optimizer, _initial: bool) -> Result<Vec<f64>> {
        let step_num = self.core.last_epoch;
        if step_num > self.total_steps {
            return Err(bad(
                "OneCycleLR",
                format!(
                    "Tried to step {step_num} times. The specified number of total steps is {}",
                    self.total_steps
                ),
            ));
        }
        let t = step_num as f64;
        let mut lrs = Vec::with_capacity(self.initial_lrs.len());
        let mut momenta = Vec::new();
        for g in 0..self.initial_lrs.len() {
            let mut start_step = 0.0;
            for (i, phase) in self.phases.iter().enumerate() {
                if t <= phase.end_step || i == self.phases.len() - 1 {
                    let span = phase.end_step - start_step;
                    if span == 0.0 {
                        return Err(bad(
                            "OneCycleLR",
                            format!(
                                "float division by zero: phase {} has no steps (pct_start · \
                                 total_steps = 1)",
                                i + 1
                            ),
                        ));
                    }
                    let pct = (t - start_step) / span;
                    lrs.push(self.anneal(self.rate(phase.lr.0, g), self.rate(phase.lr.1, g), pct));
                    if self.cycle_momentum {
                        momenta.push(self.anneal(
                            self.momentum(phase.momentum.0, g),
                            self.momentum(phase.momentum.1, g),
                            pct,
                        ));
                    }
                    break;
                }
                start_step = phase.end_step;
            }
        }
        for (g, m) in momenta.into_iter().enumerate() {
            opt.set_group_momentum(g, m)?;
        }
        Ok(lrs)
    }
    /// PyTorch's attributes, and (PyTorch keeps them in the optimizer's param groups) the
    /// rates and momenta of each group under `initial_lrs`, `max_lrs`, `min_lrs`,
    /// `max_momentums`, `base_momentums`.
    fn own_state(&self) -> Vec<(&'static str, IValue)> {
        let rate_name = |r: Rate| match r {
            Rate::Initial => "initial_lr",
            Rate::Max => "max_lr",
            Rate::Min => "min_lr",
        };
        let m_name = |m: Momentum| match m {
            Momentum::Max => "max_momentum",
            Momentum::Base => "base_momentum",
        };
        let phases = self
            .phases
            .iter()
            .map(|p| {
                IValue::dict([
                    ("end_step", IValue::Double(p.end_step)),
                    ("start_lr", IValue::String(rate_name(p.lr.0).into())),
                    ("end_lr", IValue::String(rate_name(p.lr.1).into())),
                    (
                        "start_momentum",
                        IValue::String(m_name(p.momentum.0).into()),
                    ),
                    ("end_momentum", IValue::String(m_name(p.momentum.1).into())),
                ])
            })
            .collect();
        let mut v = vec![
            ("total_steps", IValue::Int(self.total_steps)),
            ("_schedule_phases", IValue::List(phases)),
            (
                "_anneal_func_type",
                IValue::String(
                    match self.anneal {
                        AnnealStrategy::Cos => "cos",
                        AnnealStrategy::Linear => "linear",
                    }
                    .into(),
                ),
            ),
            ("cycle_momentum", IValue::Bool(self.cycle_momentum)),
        ];
        if self.cycle_momentum {
            v.push(("use_beta1", IValue::Bool(self.use_beta1)));
        }
        v.extend([
            ("initial_lrs", floats(&self.initial_lrs)),
            ("max_lrs", floats(&self.max_lrs)),
            ("min_lrs", floats(&self.min_lrs)),
            ("max_momentums", floats(&self.max_momentums)),
            ("base_momentums", floats(&self.base_momentums)),
        ]);
        v
    }
    fn load_own_state(&mut self, st: &IValue) -> Result<()> {
        const OP: &str = "load_state_dict";
        let n = self.initial_lrs.len();
        let mut next = self.clone();
        take_int(st, "total_steps", &mut next.total_steps)?;
        if let Some(a) = opt_str(st, "_anneal_func_type")? {
            next.anneal = match a {
                "cos" => AnnealStrategy::Cos,
                "linear" => AnnealStrategy::Linear,
                _ => return Err(bad(OP, format!("OneCycleLR anneal {a:?} is unknown"))),
            };
        }
        if let Some(c) = opt_bool(st, "cycle_momentum")? {
            next.cycle_momentum = c;
        }
        if let Some(b) = opt_bool(st, "use_beta1")? {
            next.use_beta1 = b;
        }
        if let Some(phases) = st.get("_schedule_phases") {
            let list = phases
                .as_slice()
                .filter(|l| l.len() == 2 || l.len() == 3)
                .ok_or_else(|| bad(OP, "OneCycleLR's `_schedule_phases` is not 2 or 3 phases"))?;
            let mut ends = Vec::new();
            for p in list {
                ends.push(
                    p.get("end_step")
                        .and_then(IValue::as_double)
                        .ok_or_else(|| bad(OP, "a OneCycleLR phase has no numeric `end_step`"))?,
                );
            }
            let template = if list.len() == next.phases.len() {
                next.phases.clone()
            } else {
                return Err(bad(
                    OP,
                    "the saved OneCycleLR has another number of phases (three_phase differs)",
                ));
            };
            next.phases = template
                .into_iter()
                .zip(ends)
                .map(|(p, e)| Phase { end_step: e, ..p })
                .collect();
        }
        for (key, slot) in [
            ("initial_lrs", &mut next.initial_lrs),
            ("max_lrs", &mut next.max_lrs),
            ("min_lrs", &mut next.min_lrs),
        ] {
            if let Some(v) = opt_float_list(st, key, n)? {
                *slot = v;
            }
        }
        if next.cycle_momentum {
            for (key, slot) in [
                ("max_momentums", &mut next.max_momentums),
                ("base_momentums", &mut next.base_momentums),
            ] {
                if let Some(v) = opt_float_list(st, key, n)? {
                    *slot = v;
                }
                if slot.len() != n {
                    return Err(bad(
                        OP,
                        "OneCycleLR's state cycles the momentum but lacks its bounds",
                    ));
                }
            }
        }
        let core = self.core.clone();
        *self = next;
        self.core = core;
        Ok(())
    }
}
chainable!(OneCycleLr);
