//! `CosineAnnealingWarmRestarts` (SGDR): cosine annealing restarted every `T_i` steps, the
//! period multiplied by `T_mult` at each restart.
use super::state::{take_float, take_int};
use super::{apply, bad, core_access, Core, LrScheduler, Schedule};
use crate::error::unwrap;
use crate::optim::Optimizer;
use crate::{IValue, Result};
use std::f64::consts::PI;

/// `CosineAnnealingWarmRestarts`: `lr = η_min + (base - η_min)(1 + cos(π T_cur / T_i)) / 2`,
/// where `T_cur` counts the steps since the last restart and the period `T_i` starts at `T_0`
/// and is multiplied by `T_mult` at each restart.
#[derive(Clone, Debug)]
pub struct CosineAnnealingWarmRestarts {
    core: Core,
    t_0: i64,
    t_i: i64,
    t_mult: i64,
    eta_min: f64,
    t_cur: i64,
}

impl CosineAnnealingWarmRestarts {
    /// Restarts every `t_0` steps, the period multiplied by `t_mult` (PyTorch's default 1)
    /// each time, annealing to `eta_min` (default 0.0).
    #[track_caller]
    pub fn new(opt: &mut dyn Optimizer, t_0: i64, t_mult: i64, eta_min: f64) -> Self {
        unwrap(Self::f_new(opt, t_0, t_mult, eta_min))
    }

    /// [`CosineAnnealingWarmRestarts::new`], or PyTorch's error for a `t_0` that is not
    /// positive or a `t_mult` below 1 (and here, a NaN `eta_min`).
    pub fn f_new(opt: &mut dyn Optimizer, t_0: i64, t_mult: i64, eta_min: f64) -> Result<Self> {
        const OP: &str = "CosineAnnealingWarmRestarts";
        if t_0 <= 0 {
            return Err(bad(
                OP,
                format!("Expected positive integer T_0, but got {t_0}"),
            ));
        }
        if t_mult < 1 {
            return Err(bad(
                OP,
                format!("Expected integer T_mult >= 1, but got {t_mult}"),
            ));
        }
        if eta_min.is_nan() {
            return Err(bad(OP, "Expected a number eta_min, but got NaN"));
        }
        let mut s = CosineAnnealingWarmRestarts {
            core: Core::new(opt),
            t_0,
            t_i: t_0,
            t_mult,
            eta_min,
            t_cur: -1,
        };
        // PyTorch's `_initial_step`: `_step_count` stays 0, and its step(), with no epoch
        // yet, takes epoch 0.
        s.advance(opt)?;
        Ok(s)
    }

    /// PyTorch's `step()` without an epoch.
    fn advance(&mut self, opt: &mut dyn Optimizer) -> Result<()> {
        let saved = (self.t_cur, self.t_i);
        let r = apply(self, opt, |s, opt| {
            if s.core.last_epoch < 0 {
                s.t_i = s.t_0;
                s.t_cur = 0;
                s.core.last_epoch = 0;
            } else {
                s.core.last_epoch += 1;
                s.t_cur += 1;
                if s.t_cur >= s.t_i {
                    s.t_cur %= s.t_i;
                    s.t_i = s.t_i.saturating_mul(s.t_mult);
                }
            }
            s.get_lr(opt, false)
        });
        if r.is_err() {
            (self.t_cur, self.t_i) = saved;
        }
        r
    }
}

impl Schedule for CosineAnnealingWarmRestarts {
    const NAME: &'static str = "CosineAnnealingWarmRestarts";
    core_access!();
    fn get_lr(&mut self, _opt: &mut dyn Optimizer, _initial: bool) -> Result<Vec<f64>> {
        let (cur, ti, eta) = (self.t_cur as f64, self.t_i as f64, self.eta_min);
        Ok(self
            .core
            .base_lrs
            .iter()
            .map(|b| eta + (b - eta) * (1.0 + (PI * cur / ti).cos()) / 2.0)
            .collect())
    }
    fn own_state(&self) -> Vec<(&'static str, IValue)> {
        vec![
            ("T_0", IValue::Int(self.t_0)),
            ("T_i", IValue::Int(self.t_i)),
            ("T_mult", IValue::Int(self.t_mult)),
            ("eta_min", IValue::Double(self.eta_min)),
            ("T_cur", IValue::Int(self.t_cur)),
        ]
    }
    fn load_own_state(&mut self, st: &IValue) -> Result<()> {
        let mut next = self.clone();
        take_int(st, "T_0", &mut next.t_0)?;
        take_int(st, "T_i", &mut next.t_i)?;
        take_int(st, "T_mult", &mut next.t_mult)?;
        take_float(st, "eta_min", &mut next.eta_min)?;
        take_int(st, "T_cur", &mut next.t_cur)?;
        if next.t_0 <= 0 || next.t_i <= 0 || next.t_mult < 1 {
            return Err(bad(
                "load_state_dict",
                "CosineAnnealingWarmRestarts needs positive T_0 and T_i and T_mult >= 1",
            ));
        }
        let core = self.core.clone();
        *self = next;
        self.core = core;
        Ok(())
    }
}

impl LrScheduler for CosineAnnealingWarmRestarts {
    fn step(&mut self, opt: &mut dyn Optimizer) -> Result<()> {
        self.advance(opt)
    }
    fn last_lr(&self) -> Vec<f64> {
        self.core.last_lr.clone()
    }
    fn last_epoch(&self) -> i64 {
        self.core.last_epoch
    }
    fn state_dict(&self) -> IValue {
        super::schedule_state(self)
    }
    fn load_state_dict(&mut self, state: &IValue) -> Result<()> {
        super::load_schedule_state(self, state)
    }
    fn undo_epoch(&mut self) {
        self.core.last_epoch -= 1;
    }
    fn initial_step(&mut self, opt: &mut dyn Optimizer) -> Result<()> {
        self.core.step_count = 0;
        self.advance(opt)
    }
    fn restart(&mut self, opt: &mut dyn Optimizer) -> Result<()> {
        super::restart(self, opt)
    }
}
