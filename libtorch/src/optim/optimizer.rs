//! The `Optimizer` trait and the parameter-group machinery every optimizer shares.
use crate::error::unwrap;
use crate::{Error, IValue, Result, Tensor};
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
    /// The hyper-parameters as `torch.optim` lists them in a state dict's param group, in
    /// PyTorch's order (without `params`).
    fn param_group(&self) -> Vec<(&'static str, IValue)>;
    /// Takes the hyper-parameters of a saved param group (PyTorch's `load_state_dict` does:
    /// the saved values replace the current ones); keys it lacks keep their current values.
    fn load_param_group(&mut self, group: &IValue) -> Result<()>;
    /// Whether `torch.optim`'s version keeps a `step` count in each parameter's state (all but
    /// SGD do).
    fn counts_steps(&self) -> bool {
        true
    }
    /// The state PyTorch gives a parameter before its first step, if it makes one then
    /// (Adagrad's `sum`).
    fn initial_state(&self, _param: &Tensor) -> Result<Option<ParamState>> {
        Ok(None)
    }
    /// The checks `torch.optim`'s constructor makes of these hyper-parameters (a negative or
    /// NaN learning rate, betas outside [0, 1), ...), with its messages.
    fn validate(&self) -> Result<()>;
    /// The state entries that are scalars rather than tensors of the parameter's shape
    /// (NAdam's `mu_product`).
    fn scalar_buffers(&self) -> &'static [&'static str] {
        &[]
    }
    /// The momentum CyclicLR and OneCycleLR cycle: `momentum` (SGD, RMSprop) or β1 (`betas[0]`
    /// of the Adam family); `None` for an optimizer with neither, which those schedulers
    /// refuse to cycle.
    fn momentum(&self) -> Option<f64> {
        None
    }
    /// Sets the momentum [`Algorithm::momentum`] reports (nothing for an optimizer without).
    fn set_momentum(&mut self, _momentum: f64) {}
    /// Whether that momentum is β1 of `betas` (PyTorch's `use_beta1`: the Adam family).
    fn momentum_is_beta1(&self) -> bool {
        false
    }
    /// Updates every parameter of a group at once with libtorch's `_foreach_*` operators
    /// (torch.optim's multi-tensor path), where this algorithm has one and its `foreach`
    /// option chooses it; `Ok(false)` leaves the update to [`Algorithm::update`], parameter
    /// by parameter. Only parameters with a gradient are passed.
    fn update_group(
        &self,
        _params: &[Tensor],
        _grads: &[Tensor],
        _states: &mut [&mut ParamState],
    ) -> Result<bool> {
        Ok(false)
    }
}

/// PyTorch's default for `foreach=None`: the multi-tensor path when every parameter is on a
/// CUDA device (on the CPU its `_foreach_*` kernels only loop over the tensors).
pub(crate) fn use_foreach(foreach: Option<bool>, params: &[Tensor]) -> bool {
    foreach.unwrap_or_else(|| !params.is_empty() && params.iter().all(|p| p.device().is_cuda()))
}

/// An optimizer: parameter groups, a step, gradients to clear and state to save.
pub trait Optimizer {
    /// One update of every parameter that has a gradient (`optimizer.step()`).
    fn step(&mut self) -> Result<()>;
    /// Clears every parameter's gradient (`zero_grad(set_to_none=True)`, PyTorch's default).
    fn zero_grad(&mut self);
    /// The learning rate of every group.
    fn learning_rates(&self) -> Vec<f64>;
    /// Sets the learning rate of group `group`; an error for a group it does not have, or a
    /// rate PyTorch refuses (negative or NaN), changing nothing.
    fn set_group_lr(&mut self, group: usize, lr: f64) -> Result<()>;
    /// Sets the learning rate of every group (nothing changes on an error).
    fn set_lr(&mut self, lr: f64) -> Result<()> {
        check_lr("set_lr", lr)?;
        for g in 0..self.learning_rates().len() {
            self.set_group_lr(g, lr)?;
        }
        Ok(())
    }
    /// The state as `torch.optim` lays it out (`optimizer.state_dict()`): `{"state": {index:
    /// {"step": tensor, buffer: tensor, ...}}, "param_groups": [{hyper-parameters...,
    /// "params": [index, ...]}]}`, parameters indexed across groups in order; tensors copied.
    /// Saved with [`crate::serialize::save_value`], it loads into the matching `torch.optim`
    /// optimizer in Python, and Python's loads here.
    fn state_dict(&self) -> Result<IValue>;
    /// Restores a state in [`Optimizer::state_dict`]'s layout, from this crate or from Python
    /// (`optimizer.load_state_dict`): the groups must have the same sizes; the saved
    /// hyper-parameters replace the current ones; buffers are moved to each parameter's dtype
    /// and device.
    fn load_state_dict(&mut self, state: &IValue) -> Result<()>;
    /// The rate a scheduler starts from for group `group` (`param_group["initial_lr"]`), once
    /// a scheduler has recorded it.
    fn initial_lr(&self, _group: usize) -> Option<f64> {
        None
    }
    /// Records group `group`'s starting rate (schedulers do when made, as PyTorch's
    /// `setdefault("initial_lr", lr)`); optimizers that keep none ignore it.
    fn set_initial_lr(&mut self, _group: usize, _lr: f64) {}
    /// The momentum or β1 of group `group` that cyclic schedulers cycle (see
    /// [`Algorithm::momentum`]), `None` where the optimizer has neither.
    fn group_momentum(&self, _group: usize) -> Option<f64> {
        None
    }
    /// Whether the momentum of [`Optimizer::group_momentum`] is β1 (`betas[0]`, the Adam
    /// family) rather than a `momentum` (SGD, RMSprop).
    fn momentum_is_beta1(&self) -> bool {
        false
    }
    /// Sets group `group`'s momentum or β1; an error where it has neither.
    fn set_group_momentum(&mut self, group: usize, _momentum: f64) -> Result<()> {
        Err(Error::invalid(
            "set_group_momentum",
            format!("group {group} of this optimizer has no momentum or beta1"),
        ))
    }
}

/// An optimizer built from an [`Algorithm`]: [`crate::optim::Sgd`], [`crate::optim::Adam`], ...
#[derive(Clone)]
pub struct GenericOptimizer<O: Algorithm> {
    groups: Vec<ParamGroup<O>>,
    state: Vec<Vec<ParamState>>,
    /// Each group's `initial_lr`, once a scheduler has set it.
    initial_lrs: Vec<Option<f64>>,
}

impl<O: Algorithm> GenericOptimizer<O> {
    /// One group of `params` with `options`; panics where PyTorch's constructor raises (see
    /// [`GenericOptimizer::f_with_options`]).
    #[track_caller]
    pub fn with_options(params: Vec<Tensor>, options: O) -> Self {
        unwrap(Self::f_with_options(params, options))
    }

    /// One group of `params` with `options`, or PyTorch's error for invalid hyper-parameters.
    pub fn f_with_options(params: Vec<Tensor>, options: O) -> Result<Self> {
        let mut o = GenericOptimizer {
            groups: Vec::new(),
            state: Vec::new(),
            initial_lrs: Vec::new(),
        };
        o.f_add_param_group(params, options)?;
        Ok(o)
    }

    /// Adds a parameter group (`optimizer.add_param_group`); panics on invalid
    /// hyper-parameters (see [`GenericOptimizer::f_add_param_group`]).
    #[track_caller]
    pub fn add_param_group(&mut self, params: Vec<Tensor>, options: O) {
        unwrap(self.f_add_param_group(params, options))
    }

    /// Adds a parameter group, or PyTorch's error for invalid hyper-parameters.
    pub fn f_add_param_group(&mut self, params: Vec<Tensor>, options: O) -> Result<()> {
        options.validate()?;
        self.state.push(vec![ParamState::default(); params.len()]);
        self.initial_lrs.push(None);
        self.groups.push(ParamGroup { params, options });
        Ok(())
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
        // Hyper-parameters may have been changed through `param_groups_mut` since.
        for group in &self.groups {
            group.options.validate()?;
        }
        let _g = crate::NoGradGuard::new();
        for (group, states) in self.groups.iter().zip(&mut self.state) {
            let mut params = Vec::with_capacity(group.params.len());
            let mut grads = Vec::with_capacity(group.params.len());
            let mut sts = Vec::with_capacity(group.params.len());
            for (p, st) in group.params.iter().zip(states.iter_mut()) {
                let g = p.f_grad()?;
                if g.defined() {
                    params.push(p.shallow_clone());
                    grads.push(g);
                    sts.push(st);
                }
            }
            if params.is_empty() {
                continue;
            }
            // libtorch's errors under the user's call, not the in-place operator's name.
            let grouped = group
                .options
                .update_group(&params, &grads, &mut sts)
                .map_err(|e| e.in_call("step"))?;
            if grouped {
                continue;
            }
            for ((p, g), st) in params.iter().zip(&grads).zip(sts) {
                group
                    .options
                    .update(p, g, st)
                    .map_err(|e| e.in_call("step"))?;
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

    fn set_group_lr(&mut self, group: usize, lr: f64) -> Result<()> {
        check_lr("set_group_lr", lr)?;
        let n = self.groups.len();
        let g = self.groups.get_mut(group).ok_or_else(|| {
            Error::invalid(
                "set_group_lr",
                format!("group {group} of an optimizer with {n} groups"),
            )
        })?;
        g.options.set_lr(lr);
        Ok(())
    }

    fn initial_lr(&self, group: usize) -> Option<f64> {
        self.initial_lrs.get(group).copied().flatten()
    }

    fn set_initial_lr(&mut self, group: usize, lr: f64) {
        if let Some(slot) = self.initial_lrs.get_mut(group) {
            *slot = Some(lr);
        }
    }

    fn group_momentum(&self, group: usize) -> Option<f64> {
        self.groups.get(group)?.options.momentum()
    }

    fn momentum_is_beta1(&self) -> bool {
        self.groups
            .first()
            .is_some_and(|g| g.options.momentum_is_beta1())
    }

    fn set_group_momentum(&mut self, group: usize, momentum: f64) -> Result<()> {
        match self.groups.get_mut(group) {
            Some(g) if g.options.momentum().is_some() => {
                g.options.set_momentum(momentum);
                Ok(())
            }
            _ => Err(Error::invalid(
                "set_group_momentum",
                format!("group {group} of this optimizer has no momentum or beta1"),
            )),
        }
    }

    fn state_dict(&self) -> Result<IValue> {
        let mut state = Vec::new();
        let mut groups = Vec::new();
        let mut index = 0i64;
        for (group, states) in self.groups.iter().zip(&self.state) {
            let mut params = Vec::new();
            for (p, st) in group.params.iter().zip(states) {
                let initial;
                let st = if st.step == 0 && st.buffers.is_empty() {
                    match group.options.initial_state(p)? {
                        Some(s) => {
                            initial = s;
                            &initial
                        }
                        None => {
                            params.push(IValue::Int(index));
                            index += 1;
                            continue;
                        }
                    }
                } else {
                    st
                };
                let mut entries = Vec::new();
                if group.options.counts_steps() {
                    // PyTorch keeps the count as a float32 scalar tensor.
                    entries.push((
                        "step".to_owned(),
                        IValue::Tensor(Tensor::scalar(st.step as f32)),
                    ));
                }
                for (name, t) in &st.buffers {
                    entries.push((name.clone(), IValue::Tensor(crate::nn::ops::deep_clone(t)?)));
                }
                state.push((IValue::Int(index), IValue::dict(entries)));
                params.push(IValue::Int(index));
                index += 1;
            }
            let mut g = group.options.param_group();
            if let Some(lr) = self.initial_lrs[groups.len()] {
                g.push(("initial_lr", IValue::Double(lr)));
            }
            g.push(("params", IValue::List(params)));
            groups.push(IValue::dict(g));
        }
        Ok(IValue::dict([
            ("state", IValue::Dict(state)),
            ("param_groups", IValue::List(groups)),
        ]))
    }

    fn load_state_dict(&mut self, state: &IValue) -> Result<()> {
        const OP: &str = "load_state_dict";
        let bad = |m: String| Error::invalid(OP, m);
        let groups = state
            .get("param_groups")
            .and_then(IValue::as_slice)
            .ok_or_else(|| bad("the state dict has no `param_groups` list".into()))?;
        if groups.len() != self.groups.len() {
            return Err(bad(format!(
                "the state dict has {} parameter groups, the optimizer {}",
                groups.len(),
                self.groups.len()
            )));
        }
        // Saved index → (group, position), as the saved groups list them.
        let mut where_is = std::collections::HashMap::new();
        let mut options = Vec::new();
        let mut initial_lrs = Vec::new();
        for (gi, (saved, mine)) in groups.iter().zip(&self.groups).enumerate() {
            let params = saved
                .get("params")
                .and_then(IValue::as_slice)
                .ok_or_else(|| bad(format!("param group {gi} has no `params` list")))?;
            if params.len() != mine.params.len() {
                return Err(bad(format!(
                    "param group {gi} has {} parameters in the state dict, {} in the optimizer",
                    params.len(),
                    mine.params.len()
                )));
            }
            for (pi, id) in params.iter().enumerate() {
                let id = id
                    .as_int()
                    .ok_or_else(|| bad(format!("param group {gi} lists a non-integer id")))?;
                if where_is.insert(id, (gi, pi)).is_some() {
                    return Err(bad(format!("parameter id {id} is listed twice")));
                }
            }
            let mut o = mine.options.clone();
            o.load_param_group(saved)?;
            o.validate()?;
            options.push(o);
            // As PyTorch, whose saved group replaces the current one: `initial_lr` too.
            initial_lrs.push(match saved.get("initial_lr") {
                None => None,
                Some(_) => Some(super::param_group::float(saved, "initial_lr", 0.0)?),
            });
        }
        let mut fresh: Vec<Vec<ParamState>> = self
            .groups
            .iter()
            .map(|g| vec![ParamState::default(); g.params.len()])
            .collect();
        let entries = match state.get("state") {
            None => &[][..],
            Some(s) => s
                .as_dict()
                .ok_or_else(|| bad("`state` is not a dict".into()))?,
        };
        for (id, entry) in entries {
            let &(gi, pi) = id
                .as_int()
                .and_then(|i| where_is.get(&i))
                .ok_or_else(|| bad(format!("state for an unknown parameter id {id:?}")))?;
            let p = &self.groups[gi].params[pi];
            let st = &mut fresh[gi][pi];
            let items = entry
                .as_dict()
                .ok_or_else(|| bad(format!("the state of parameter {id:?} is not a dict")))?;
            for (name, value) in items {
                let name = name
                    .as_str()
                    .ok_or_else(|| bad("a state entry's name is not a string".into()))?;
                let v = match value {
                    IValue::Tensor(t) => t.clone(),
                    IValue::Int(_) | IValue::Double(_) => {
                        Tensor::scalar(value.as_double().unwrap())
                    }
                    // `momentum_buffer: None` (SGD before its first step with momentum).
                    IValue::None => continue,
                    other => {
                        return Err(bad(format!(
                            "state `{name}` of parameter {id:?} is a {}",
                            other.type_name()
                        )))
                    }
                };
                if name == "step" {
                    let s = v.item_as::<f64>()?;
                    if !(s.is_finite() && s >= 0.0 && s.fract() == 0.0 && s < 9.0e15) {
                        return Err(bad(format!("a step count of {s}")));
                    }
                    st.step = s as u64;
                    continue;
                }
                let (got, want) = (v.f_size()?, p.f_size()?);
                let scalar = self.groups[gi].options.scalar_buffers().contains(&name);
                if got != want && !(scalar && got.is_empty()) {
                    return Err(bad(format!(
                        "state `{name}` of parameter {id:?} has shape {got:?}, the parameter {want:?}"
                    )));
                }
                // As PyTorch: buffers follow their parameter's dtype and device.
                let v = v.f_to_opts((p.f_kind()?, p.device()))?;
                st.buffers
                    .insert(name.to_owned(), crate::nn::ops::deep_clone(&v)?);
            }
        }
        self.state = fresh;
        self.initial_lrs = initial_lrs;
        for (g, o) in self.groups.iter_mut().zip(options) {
            g.options = o;
        }
        Ok(())
    }
}

/// PyTorch's learning-rate check (`Invalid learning rate`): not negative, not NaN.
pub(crate) fn check_lr(op: &'static str, lr: f64) -> Result<()> {
    if lr >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(op, format!("Invalid learning rate: {lr}")))
    }
}

/// Each `(name, value)` is not negative (and not NaN), with PyTorch's message (`Invalid
/// momentum value: -1`).
pub(crate) fn check_non_negative(op: &'static str, values: &[(&str, f64)]) -> Result<()> {
    for &(name, v) in values {
        if v.is_nan() || v < 0.0 {
            return Err(Error::invalid(op, format!("Invalid {name} value: {v}")));
        }
    }
    Ok(())
}

/// The checks the Adam family's constructors run in `torch.optim` (Adamax, NAdam, RAdam), in
/// their order: `lr`, `eps`, `betas`, `weight_decay`.
pub(crate) fn check_adam_family(
    op: &'static str,
    lr: f64,
    eps: f64,
    betas: (f64, f64),
    weight_decay: f64,
) -> Result<()> {
    check_lr(op, lr)?;
    check_non_negative(op, &[("epsilon", eps)])?;
    check_betas(op, betas)?;
    check_non_negative(op, &[("weight_decay", weight_decay)])
}

/// `torch.optim`'s check of `betas` (each in [0, 1)), with its message.
pub(crate) fn check_betas(op: &'static str, betas: (f64, f64)) -> Result<()> {
    for (i, b) in [betas.0, betas.1].into_iter().enumerate() {
        if !(0.0..1.0).contains(&b) {
            return Err(Error::invalid(
                op,
                format!("Invalid beta parameter at index {i}: {b}"),
            ));
        }
    }
    Ok(())
}

/// The gradient the update uses: `-grad` when maximizing (as torch.optim's `maximize=True`).
pub(crate) fn signed_grad(grad: &Tensor, maximize: bool) -> Result<Tensor> {
    if maximize {
        grad.f_neg()
    } else {
        Ok(grad.clone())
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
