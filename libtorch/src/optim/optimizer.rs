//! The `Optimizer` trait and the parameter-group machinery every optimizer shares.
use crate::error::unwrap;
use crate::{Error, Result, Tensor};
use std::collections::BTreeMap;

/// Parameters updated with one set of hyper-parameters (`optimizer.param_groups[i]`).
#[derive(Clone)]
pub struct ParamGroup<O> {
    /// Handles to the parameters (shared with their module).
    pub params: Vec<Tensor>,
    /// The hyper-parameters.
    pub options: O,
}

/// The per-parameter state of an optimizer: a step count and named buffers
/// (`momentum_buffer`, `exp_avg`, ...).
#[derive(Clone, Default)]
pub struct ParamState {
    /// How many updates this parameter has had.
    pub step: u64,
    /// The buffers, by PyTorch's names.
    pub buffers: BTreeMap<String, Tensor>,
}

/// One optimisation algorithm: its hyper-parameters and its update of one parameter.
pub trait Algorithm: Clone {
    /// The learning rate.
    fn lr(&self) -> f64;
    /// Sets the learning rate (schedulers).
    fn set_lr(&mut self, lr: f64);
    /// Updates `param` in place from its gradient `grad` (grad mode is off).
    fn update(&self, param: &Tensor, grad: &Tensor, state: &mut ParamState) -> Result<()>;
}

/// An optimizer: parameter groups, a step, gradients to clear and state to save.
pub trait Optimizer {
    /// One update of every parameter that has a gradient (`optimizer.step()`).
    fn step(&mut self) -> Result<()>;
    /// Clears every parameter's gradient (`zero_grad(set_to_none=True)`, PyTorch's default).
    fn zero_grad(&mut self);
    /// The learning rate of every group.
    fn learning_rates(&self) -> Vec<f64>;
    /// Sets the learning rate of group `group`.
    fn set_group_lr(&mut self, group: usize, lr: f64);
    /// Sets the learning rate of every group.
    fn set_lr(&mut self, lr: f64) {
        for g in 0..self.learning_rates().len() {
            self.set_group_lr(g, lr);
        }
    }
    /// The state as tensors: `state.{group}.{index}.{buffer}`, `state.{group}.{index}.step` and
    /// `param_groups.{group}.lr` (copies, detached).
    fn state_dict(&self) -> BTreeMap<String, Tensor>;
    /// Restores what [`Optimizer::state_dict`] produced (for the same parameter layout).
    fn load_state_dict(&mut self, state: &BTreeMap<String, Tensor>) -> Result<()>;
}

/// An optimizer built from an [`Algorithm`]: [`crate::optim::Sgd`], [`crate::optim::Adam`], ...
#[derive(Clone)]
pub struct GenericOptimizer<O: Algorithm> {
    groups: Vec<ParamGroup<O>>,
    state: Vec<Vec<ParamState>>,
}

impl<O: Algorithm> GenericOptimizer<O> {
    /// One group of `params` with `options`.
    pub fn with_options(params: Vec<Tensor>, options: O) -> Self {
        let mut o = GenericOptimizer {
            groups: Vec::new(),
            state: Vec::new(),
        };
        o.add_param_group(params, options);
        o
    }

    /// Adds a parameter group (`optimizer.add_param_group`).
    pub fn add_param_group(&mut self, params: Vec<Tensor>, options: O) {
        self.state.push(vec![ParamState::default(); params.len()]);
        self.groups.push(ParamGroup { params, options });
    }

    /// The parameter groups.
    pub fn param_groups(&self) -> &[ParamGroup<O>] {
        &self.groups
    }

    /// The parameter groups, mutably (to change hyper-parameters).
    pub fn param_groups_mut(&mut self) -> &mut [ParamGroup<O>] {
        &mut self.groups
    }

    /// The state of parameter `index` of group `group`.
    pub fn param_state(&self, group: usize, index: usize) -> Option<&ParamState> {
        self.state.get(group)?.get(index)
    }
}

impl<O: Algorithm> Optimizer for GenericOptimizer<O> {
    fn step(&mut self) -> Result<()> {
        let _g = crate::NoGradGuard::new();
        for (group, states) in self.groups.iter().zip(&mut self.state) {
            for (p, st) in group.params.iter().zip(states.iter_mut()) {
                let g = p.f_grad()?;
                if !g.defined() {
                    continue;
                }
                group.options.update(p, &g, st)?;
            }
        }
        Ok(())
    }

    fn zero_grad(&mut self) {
        for group in &self.groups {
            for p in &group.params {
                let mut h = p.clone();
                unwrap(h.f_set_grad(None));
            }
        }
    }

    fn learning_rates(&self) -> Vec<f64> {
        self.groups.iter().map(|g| g.options.lr()).collect()
    }

    fn set_group_lr(&mut self, group: usize, lr: f64) {
        self.groups[group].options.set_lr(lr);
    }

    fn state_dict(&self) -> BTreeMap<String, Tensor> {
        let mut m = BTreeMap::new();
        for (gi, (group, states)) in self.groups.iter().zip(&self.state).enumerate() {
            m.insert(
                format!("param_groups.{gi}.lr"),
                Tensor::scalar(group.options.lr()),
            );
            for (pi, st) in states.iter().enumerate() {
                if st.step == 0 && st.buffers.is_empty() {
                    continue;
                }
                m.insert(
                    format!("state.{gi}.{pi}.step"),
                    Tensor::scalar(st.step as f64),
                );
                for (name, t) in &st.buffers {
                    m.insert(
                        format!("state.{gi}.{pi}.{name}"),
                        unwrap(crate::nn::ops::deep_clone(t)),
                    );
                }
            }
        }
        m
    }

    fn load_state_dict(&mut self, state: &BTreeMap<String, Tensor>) -> Result<()> {
        let mut fresh: Vec<Vec<ParamState>> = self
            .groups
            .iter()
            .map(|g| vec![ParamState::default(); g.params.len()])
            .collect();
        let mut lrs = Vec::new();
        for (key, t) in state {
            let parts: Vec<&str> = key.splitn(4, '.').collect();
            let bad = || Error::invalid("load_state_dict", format!("unexpected key `{key}`"));
            match parts.as_slice() {
                ["param_groups", g, "lr"] => {
                    let g: usize = g.parse().map_err(|_| bad())?;
                    if g >= self.groups.len() {
                        return Err(bad());
                    }
                    lrs.push((g, t.item_as::<f64>()?));
                }
                ["state", g, i, name] => {
                    let g: usize = g.parse().map_err(|_| bad())?;
                    let i: usize = i.parse().map_err(|_| bad())?;
                    let st = fresh
                        .get_mut(g)
                        .and_then(|v| v.get_mut(i))
                        .ok_or_else(bad)?;
                    if *name == "step" {
                        st.step = t.item_as::<f64>()? as u64;
                    } else {
                        let p = &self.groups[g].params[i];
                        let (got, want) = (t.f_size()?, p.f_size()?);
                        if got != want {
                            return Err(Error::invalid(
                                "load_state_dict",
                                format!("`{key}` has shape {got:?}, the parameter {want:?}"),
                            ));
                        }
                        st.buffers
                            .insert((*name).to_owned(), crate::nn::ops::deep_clone(t)?);
                    }
                }
                _ => return Err(bad()),
            }
        }
        self.state = fresh;
        for (g, lr) in lrs {
            self.groups[g].options.set_lr(lr);
        }
        Ok(())
    }
}

/// The buffer `name` of `state`, created by `init` on first use.
pub(crate) fn buffer<'a>(
    state: &'a mut ParamState,
    name: &str,
    init: impl FnOnce() -> Result<Tensor>,
) -> Result<&'a Tensor> {
    if !state.buffers.contains_key(name) {
        let t = init()?;
        state.buffers.insert(name.to_owned(), t);
    }
    Ok(&state.buffers[name])
}
