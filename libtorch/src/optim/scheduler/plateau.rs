//! `ReduceLROnPlateau`: the rate cut when a metric stops improving.
use super::state::{floats, opt_float_list, opt_str, take_float, take_int};
use super::{bad, set_all};
use crate::error::unwrap;
use crate::optim::Optimizer;
use crate::{IValue, Result};

/// Whether the metric should go down (a loss) or up (an accuracy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlateauMode {
    /// Lower is better (`"min"`, PyTorch's default).
    Min,
    /// Higher is better (`"max"`).
    Max,
}

/// How `threshold` measures a significant improvement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThresholdMode {
    /// Relative to the best value: `best · (1 ∓ threshold)` (`"rel"`, PyTorch's default).
    Rel,
    /// Absolute: `best ∓ threshold` (`"abs"`).
    Abs,
}

/// ReduceLROnPlateau's arguments, with PyTorch's defaults from `default()`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReduceLrOnPlateauOptions {
    /// Min or max (default min).
    pub mode: PlateauMode,
    /// The factor a cut multiplies the rate by (default 0.1), below 1.
    pub factor: f64,
    /// Epochs without improvement tolerated before a cut (default 10).
    pub patience: i64,
    /// The significance of an improvement (default 1e-4).
    pub threshold: f64,
    /// Relative or absolute threshold (default relative).
    pub threshold_mode: ThresholdMode,
    /// Epochs to wait after a cut before counting again (default 0).
    pub cooldown: i64,
    /// The lowest rate: one for every group or one per group (default 0).
    pub min_lr: Vec<f64>,
    /// Cuts smaller than this are skipped (default 1e-8).
    pub eps: f64,
}

impl Default for ReduceLrOnPlateauOptions {
    fn default() -> Self {
        ReduceLrOnPlateauOptions {
            mode: PlateauMode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: vec![0.0],
            eps: 1e-8,
        }
    }
}

impl ReduceLrOnPlateauOptions {
    /// Sets the mode.
    pub fn mode(mut self, m: PlateauMode) -> Self {
        self.mode = m;
        self
    }
    /// Sets the cut factor.
    pub fn factor(mut self, f: f64) -> Self {
        self.factor = f;
        self
    }
    /// Sets the patience.
    pub fn patience(mut self, p: i64) -> Self {
        self.patience = p;
        self
    }
    /// Sets the threshold and how it is measured.
    pub fn threshold(mut self, t: f64, mode: ThresholdMode) -> Self {
        self.threshold = t;
        self.threshold_mode = mode;
        self
    }
    /// Sets the cooldown.
    pub fn cooldown(mut self, c: i64) -> Self {
        self.cooldown = c;
        self
    }
    /// Sets the lowest rate of every group.
    pub fn min_lr(mut self, lr: f64) -> Self {
        self.min_lr = vec![lr];
        self
    }
    /// Sets the lowest rate of each group.
    pub fn min_lrs(mut self, lrs: Vec<f64>) -> Self {
        self.min_lr = lrs;
        self
    }
    /// Sets the smallest cut.
    pub fn eps(mut self, e: f64) -> Self {
        self.eps = e;
        self
    }
}

/// `ReduceLROnPlateau`: after `patience` epochs without a significant improvement of the
/// metric given to [`ReduceLrOnPlateau::step`], every group's rate is multiplied by `factor`
/// (not below its `min_lr`), then `cooldown` epochs pass before counting again. Its `step`
/// takes the metric, so it is not an [`super::LrScheduler`] (as in PyTorch, SequentialLR and
/// ChainedScheduler refuse it).
#[derive(Clone, Debug)]
pub struct ReduceLrOnPlateau {
    o: ReduceLrOnPlateauOptions,
    /// PyTorch's `default_min_lr`: the single `min_lr` given, if one was.
    default_min_lr: Option<f64>,
    min_lrs: Vec<f64>,
    best: f64,
    num_bad_epochs: i64,
    cooldown_counter: i64,
    last_epoch: i64,
    last_lr: Vec<f64>,
}

impl ReduceLrOnPlateau {
    /// PyTorch's defaults (see [`ReduceLrOnPlateauOptions`]).
    pub fn new(opt: &dyn Optimizer) -> Self {
        unwrap(Self::f_with_options(
            opt,
            ReduceLrOnPlateauOptions::default(),
        ))
    }

    /// Every argument; panics where [`ReduceLrOnPlateau::f_with_options`] errs.
    #[track_caller]
    pub fn with_options(opt: &dyn Optimizer, options: ReduceLrOnPlateauOptions) -> Self {
        unwrap(Self::f_with_options(opt, options))
    }

    /// Every argument, or PyTorch's error: `factor` below 1 (`Factor should be < 1.0.`), one
    /// `min_lr` or one per group.
    pub fn f_with_options(opt: &dyn Optimizer, o: ReduceLrOnPlateauOptions) -> Result<Self> {
        const OP: &str = "ReduceLROnPlateau";
        if o.factor.is_nan() || o.factor >= 1.0 {
            return Err(bad(OP, "Factor should be < 1.0."));
        }
        let n = opt.learning_rates().len();
        let (default_min_lr, min_lrs) = if o.min_lr.len() == 1 {
            (Some(o.min_lr[0]), vec![o.min_lr[0]; n])
        } else if o.min_lr.len() == n {
            (None, o.min_lr.clone())
        } else {
            return Err(bad(
                OP,
                format!("expected {n} min_lrs, got {}", o.min_lr.len()),
            ));
        };
        let mut s = ReduceLrOnPlateau {
            o,
            default_min_lr,
            min_lrs,
            best: 0.0,
            num_bad_epochs: 0,
            cooldown_counter: 0,
            last_epoch: 0,
            last_lr: opt.learning_rates(),
        };
        s.reset();
        Ok(s)
    }

    fn mode_worse(&self) -> f64 {
        match self.o.mode {
            PlateauMode::Min => f64::INFINITY,
            PlateauMode::Max => f64::NEG_INFINITY,
        }
    }

    fn reset(&mut self) {
        self.best = self.mode_worse();
        self.cooldown_counter = 0;
        self.num_bad_epochs = 0;
    }

    fn is_better(&self, a: f64, best: f64) -> bool {
        let t = self.o.threshold;
        match (self.o.mode, self.o.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - t),
            (PlateauMode::Min, ThresholdMode::Abs) => a < best - t,
            (PlateauMode::Max, ThresholdMode::Rel) => a > best * (t + 1.0),
            (PlateauMode::Max, ThresholdMode::Abs) => a > best + t,
        }
    }

    /// One epoch with its metric (`scheduler.step(metrics)`): cuts the rates after too many
    /// bad epochs. An error, changing nothing, when the optimizer's groups no longer match
    /// the per-group `min_lr`s.
    pub fn step(&mut self, opt: &mut dyn Optimizer, metric: f64) -> Result<()> {
        let mut next = self.clone();
        next.last_epoch += 1;
        if next.is_better(metric, next.best) {
            next.best = metric;
            next.num_bad_epochs = 0;
        } else {
            next.num_bad_epochs += 1;
        }
        if next.cooldown_counter > 0 {
            next.cooldown_counter -= 1;
            next.num_bad_epochs = 0;
        }
        if next.num_bad_epochs > next.o.patience {
            next.reduce_lr(opt)?;
            next.cooldown_counter = next.o.cooldown;
            next.num_bad_epochs = 0;
        }
        next.last_lr = opt.learning_rates();
        *self = next;
        Ok(())
    }

    fn reduce_lr(&mut self, opt: &mut dyn Optimizer) -> Result<()> {
        let lrs = opt.learning_rates();
        if lrs.len() != self.min_lrs.len() {
            match self.default_min_lr {
                None => {
                    return Err(bad(
                        "ReduceLROnPlateau",
                        format!(
                            "The number of param groups in the `optimizer` ({}) differs from \
                             when `ReduceLROnPlateau` was initialized ({}), usually due to a \
                             new param group being added to the optimizer. Please modify the \
                             `min_lrs` field to match the length of the `optimizer` param \
                             groups.",
                            lrs.len(),
                            self.min_lrs.len()
                        ),
                    ))
                }
                Some(m) => self.min_lrs = vec![m; lrs.len()],
            }
        }
        let new: Vec<f64> = lrs
            .iter()
            .zip(&self.min_lrs)
            .map(|(&old, &min)| {
                let cut = old * self.o.factor;
                // Python's max(cut, min): the first unless the second is larger.
                let new = if min > cut { min } else { cut };
                if old - new > self.o.eps {
                    new
                } else {
                    old
                }
            })
            .collect();
        set_all("ReduceLROnPlateau", opt, &new)
    }

    /// The rates after the last step (`get_last_lr()`).
    pub fn last_lr(&self) -> Vec<f64> {
        self.last_lr.clone()
    }

    /// Epochs stepped (`last_epoch`).
    pub fn last_epoch(&self) -> i64 {
        self.last_epoch
    }

    /// The best metric so far.
    pub fn best(&self) -> f64 {
        self.best
    }

    /// Whether the scheduler is cooling down after a cut (`in_cooldown`).
    pub fn in_cooldown(&self) -> bool {
        self.cooldown_counter > 0
    }

    /// The state under PyTorch's attribute names (`scheduler.state_dict()`).
    pub fn state_dict(&self) -> IValue {
        let o = &self.o;
        IValue::dict([
            ("factor", IValue::Double(o.factor)),
            (
                "default_min_lr",
                self.default_min_lr.map_or(IValue::None, IValue::Double),
            ),
            ("min_lrs", floats(&self.min_lrs)),
            ("patience", IValue::Int(o.patience)),
            ("cooldown", IValue::Int(o.cooldown)),
            ("eps", IValue::Double(o.eps)),
            ("last_epoch", IValue::Int(self.last_epoch)),
            ("_last_lr", floats(&self.last_lr)),
            ("mode_worse", IValue::Double(self.mode_worse())),
            (
                "mode",
                IValue::String(
                    match o.mode {
                        PlateauMode::Min => "min",
                        PlateauMode::Max => "max",
                    }
                    .into(),
                ),
            ),
            ("threshold", IValue::Double(o.threshold)),
            (
                "threshold_mode",
                IValue::String(
                    match o.threshold_mode {
                        ThresholdMode::Rel => "rel",
                        ThresholdMode::Abs => "abs",
                    }
                    .into(),
                ),
            ),
            ("best", IValue::Double(self.best)),
            ("cooldown_counter", IValue::Int(self.cooldown_counter)),
            ("num_bad_epochs", IValue::Int(self.num_bad_epochs)),
        ])
    }

    /// Restores a state saved here or by PyTorch; nothing changes on an error.
    pub fn load_state_dict(&mut self, st: &IValue) -> Result<()> {
        const OP: &str = "load_state_dict";
        let mut next = self.clone();
        take_float(st, "factor", &mut next.o.factor)?;
        match st.get("default_min_lr") {
            None => {}
            Some(IValue::None) => next.default_min_lr = None,
            Some(v) => {
                next.default_min_lr = Some(v.as_double().ok_or_else(|| {
                    bad(OP, "ReduceLROnPlateau's `default_min_lr` is not a number")
                })?)
            }
        }
        if let Some(v) = st.get("min_lrs") {
            let n = v.as_slice().map_or(0, <[IValue]>::len);
            next.min_lrs = opt_float_list(st, "min_lrs", n)?.unwrap_or_default();
        }
        take_int(st, "patience", &mut next.o.patience)?;
        take_int(st, "cooldown", &mut next.o.cooldown)?;
        take_float(st, "eps", &mut next.o.eps)?;
        take_int(st, "last_epoch", &mut next.last_epoch)?;
        if let Some(v) = st.get("_last_lr") {
            let n = v.as_slice().map_or(0, <[IValue]>::len);
            next.last_lr = opt_float_list(st, "_last_lr", n)?.unwrap_or_default();
        }
        if let Some(m) = opt_str(st, "mode")? {
            next.o.mode = match m {
                "min" => PlateauMode::Min,
                "max" => PlateauMode::Max,
                _ => return Err(bad(OP, format!("mode {m} is unknown!"))),
            };
        }
        take_float(st, "threshold", &mut next.o.threshold)?;
        if let Some(m) = opt_str(st, "threshold_mode")? {
            next.o.threshold_mode = match m {
                "rel" => ThresholdMode::Rel,
                "abs" => ThresholdMode::Abs,
                _ => return Err(bad(OP, format!("threshold mode {m} is unknown!"))),
            };
        }
        take_float(st, "best", &mut next.best)?;
        take_int(st, "cooldown_counter", &mut next.cooldown_counter)?;
        take_int(st, "num_bad_epochs", &mut next.num_bad_epochs)?;
        *self = next;
        Ok(())
    }
}
