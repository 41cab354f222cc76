//! Schedules made of schedules: `SequentialLR` (one after another at milestones) and
//! `ChainedScheduler` (all at once, their factors multiplied).
use super::state::{floats, opt_float_list};
use super::{bad, LrScheduler};
use crate::error::unwrap;
use crate::optim::Optimizer;
use crate::{IValue, Result};

fn load_children(
    op: &'static str,
    children: &mut [Box<dyn LrScheduler>],
    st: &IValue,
) -> Result<()> {
    let Some(saved) = st.get("_schedulers") else {
        return Ok(());
    };
    let saved = saved
        .as_slice()
        .ok_or_else(|| bad(op, "`_schedulers` is not a list"))?;
    if saved.len() != children.len() {
        return Err(bad(
            op,
            format!(
                "the state has {} schedulers, this one {}",
                saved.len(),
                children.len()
            ),
        ));
    }
    for (c, s) in children.iter_mut().zip(saved) {
        c.load_state_dict(s)?;
    }
    Ok(())
}

/// `SequentialLR`: `schedulers[i]` runs from `milestones[i-1]` (each restarted at epoch 0 at
/// its milestone). Made from schedulers already made on the same optimizer, as in PyTorch; it
/// resets the rates to the groups' `initial_lr` and restarts the first scheduler.
pub struct SequentialLr {
    schedulers: Vec<Box<dyn LrScheduler>>,
    milestones: Vec<i64>,
    last_epoch: i64,
    last_lr: Vec<f64>,
}

impl SequentialLr {
    /// Runs `schedulers` one after another, switching at `milestones`.
    #[track_caller]
    pub fn new(
        opt: &mut dyn Optimizer,
        schedulers: Vec<Box<dyn LrScheduler>>,
        milestones: &[i64],
    ) -> SequentialLr {
        unwrap(SequentialLr::f_new(opt, schedulers, milestones))
    }

    /// [`SequentialLr::new`], or PyTorch's error: no scheduler, or not one milestone fewer
    /// than schedulers; and an optimizer no scheduler has recorded an `initial_lr` in.
    pub fn f_new(
        opt: &mut dyn Optimizer,
        mut schedulers: Vec<Box<dyn LrScheduler>>,
        milestones: &[i64],
    ) -> Result<SequentialLr> {
        const OP: &str = "SequentialLR";
        if schedulers.is_empty() {
            return Err(bad(
                OP,
                "SequentialLR expects at least one scheduler, but got no scheduler.",
            ));
        }
        if milestones.len() != schedulers.len() - 1 {
            return Err(bad(
                OP,
                format!(
                    "Sequential Schedulers expects number of schedulers provided to be one more \
                     than the number of milestone points, but got number of schedulers {} and \
                     the number of milestones to be equal to {}",
                    schedulers.len(),
                    milestones.len()
                ),
            ));
        }
        let n = opt.learning_rates().len();
        let initial = (0..n)
            .map(|g| {
                opt.initial_lr(g).ok_or_else(|| {
                    bad(
                        OP,
                        format!("param group {g} has no initial_lr: make its schedulers first"),
                    )
                })
            })
            .collect::<Result<Vec<f64>>>()?;
        let before = opt.learning_rates();
        for (g, &lr) in initial.iter().enumerate() {
            opt.set_group_lr(g, lr)?;
        }
        for s in schedulers.iter_mut() {
            s.undo_epoch();
        }
        if let Err(e) = schedulers[0].initial_step(opt) {
            for (g, &lr) in before.iter().enumerate() {
                opt.set_group_lr(g, lr)?;
            }
            return Err(e);
        }
        let last_lr = schedulers[0].last_lr();
        Ok(SequentialLr {
            schedulers,
            milestones: milestones.to_vec(),
            last_epoch: 0,
            last_lr,
        })
    }
}

impl LrScheduler for SequentialLr {
    fn step(&mut self, opt: &mut dyn Optimizer) -> Result<()> {
        let epoch = self.last_epoch + 1;
        let idx = self.milestones.partition_point(|&m| m <= epoch);
        let s = &mut self.schedulers[idx];
        if idx > 0 && self.milestones[idx - 1] == epoch {
            s.restart(opt)?;
        } else {
            s.step(opt)?;
        }
        self.last_lr = s.last_lr();
        self.last_epoch = epoch;
        Ok(())
    }
    fn last_lr(&self) -> Vec<f64> {
        self.last_lr.clone()
    }
    fn last_epoch(&self) -> i64 {
        self.last_epoch
    }
    fn state_dict(&self) -> IValue {
        IValue::dict([
            (
                "_milestones",
                IValue::List(self.milestones.iter().map(|&m| IValue::Int(m)).collect()),
            ),
            ("last_epoch", IValue::Int(self.last_epoch)),
            ("_last_lr", floats(&self.last_lr)),
            (
                "_schedulers",
                IValue::List(self.schedulers.iter().map(|s| s.state_dict()).collect()),
            ),
        ])
    }
    /// Restores this schedule's and each child's state (children left as they were on an
    /// error in this schedule's own entries).
    fn load_state_dict(&mut self, st: &IValue) -> Result<()> {
        const OP: &str = "load_state_dict";
        let milestones = match st.get("_milestones") {
            None => self.milestones.clone(),
            Some(v) => v
                .as_slice()
                .and_then(|l| l.iter().map(IValue::as_int).collect::<Option<Vec<i64>>>())
                .filter(|m| m.len() == self.milestones.len())
                .ok_or_else(|| bad(OP, "SequentialLR's `_milestones` do not match"))?,
        };
        let last_epoch = super::state::opt_int(st, "last_epoch")?.unwrap_or(self.last_epoch);
        let n = self.last_lr.len();
        let last_lr = opt_float_list(st, "_last_lr", n)?.unwrap_or(self.last_lr.clone());
        load_children(OP, &mut self.schedulers, st)?;
        (self.milestones, self.last_epoch, self.last_lr) = (milestones, last_epoch, last_lr);
        Ok(())
    }
    fn undo_epoch(&mut self) {
        for s in &mut self.schedulers {
            s.undo_epoch();
        }
    }
}

/// `ChainedScheduler`: every step, each scheduler steps in turn on the rates the previous one
/// set (their factors multiply). Made from schedulers already made on the same optimizer.
pub struct ChainedScheduler {
    schedulers: Vec<Box<dyn LrScheduler>>,
    last_lr: Vec<f64>,
}

impl ChainedScheduler {
    /// Chains `schedulers` (all on `opt`).
    #[track_caller]
    pub fn new(schedulers: Vec<Box<dyn LrScheduler>>, opt: &dyn Optimizer) -> ChainedScheduler {
        unwrap(ChainedScheduler::f_new(schedulers, opt))
    }

    /// [`ChainedScheduler::new`], or PyTorch's error for no scheduler.
    pub fn f_new(
        schedulers: Vec<Box<dyn LrScheduler>>,
        opt: &dyn Optimizer,
    ) -> Result<ChainedScheduler> {
        if schedulers.is_empty() {
            return Err(bad(
                "ChainedScheduler",
                "ChainedScheduler expects at least one scheduler to be chained, but got no \
                 scheduler.",
            ));
        }
        Ok(ChainedScheduler {
            schedulers,
            last_lr: opt.learning_rates(),
        })
    }
}

impl LrScheduler for ChainedScheduler {
    /// Steps every scheduler in order; on an error the ones before have stepped (as in
    /// PyTorch, where the exception leaves them so).
    fn step(&mut self, opt: &mut dyn Optimizer) -> Result<()> {
        for s in &mut self.schedulers {
            s.step(opt)?;
        }
        self.last_lr = opt.learning_rates();
        Ok(())
    }
    fn last_lr(&self) -> Vec<f64> {
        self.last_lr.clone()
    }
    /// The last scheduler's (ChainedScheduler keeps no epoch of its own).
    fn last_epoch(&self) -> i64 {
        self.schedulers.last().map_or(0, |s| s.last_epoch())
    }
    fn state_dict(&self) -> IValue {
        IValue::dict([
            ("_last_lr", floats(&self.last_lr)),
            (
                "_schedulers",
                IValue::List(self.schedulers.iter().map(|s| s.state_dict()).collect()),
            ),
        ])
    }
    fn load_state_dict(&mut self, st: &IValue) -> Result<()> {
        let n = self.last_lr.len();
        let last_lr = opt_float_list(st, "_last_lr", n)?.unwrap_or(self.last_lr.clone());
        load_children("load_state_dict", &mut self.schedulers, st)?;
        self.last_lr = last_lr;
        Ok(())
    }
    fn undo_epoch(&mut self) {
        for s in &mut self.schedulers {
            s.undo_epoch();
        }
    }
}
