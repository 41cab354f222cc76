//! Stochastic gradient descent (`torch.optim.SGD`).
use super::optimizer::{
    buffer, check_lr, check_non_negative, use_foreach, Algorithm, GenericOptimizer, ParamState,
};
use super::param_group as pg;
use crate::nn::ops;
use crate::{Error, IValue, Result, Tensor};

/// SGD's hyper-parameters (PyTorch's defaults except `lr`, which has none).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdOptions {
    /// Learning rate γ.
    pub lr: f64,
    /// Momentum μ (0: none).
    pub momentum: f64,
    /// Dampening τ of the momentum.
    pub dampening: f64,
    /// L2 penalty λ added to the gradient.
    pub weight_decay: f64,
    /// Nesterov momentum (needs `momentum > 0` and `dampening == 0`).
    pub nesterov: bool,
    /// Update the whole group with libtorch's `_foreach_*` operators (torch.optim's
    /// multi-tensor path); `None`, PyTorch's default, chooses it when every parameter is on a
    /// CUDA device. Both paths give the same numbers.
    pub foreach: Option<bool>,
    /// Use libtorch's fused kernel (`_fused_sgd_`; PyTorch's `fused=True`, for floating-point
    /// parameters on the CPU or CUDA).
    pub fused: Option<bool>,
}

impl SgdOptions {
    /// Plain gradient descent with learning rate `lr`.
    pub fn new(lr: f64) -> SgdOptions {
        SgdOptions {
            lr,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            foreach: None,
            fused: None,
        }
    }
    /// Sets the momentum.
    pub fn momentum(mut self, m: f64) -> Self {
        self.momentum = m;
        self
    }
    /// Sets the dampening.
    pub fn dampening(mut self, d: f64) -> Self {
        self.dampening = d;
        self
    }
    /// Sets the weight decay.
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.weight_decay = wd;
        self
    }
    /// Turns Nesterov momentum on or off.
    pub fn nesterov(mut self, on: bool) -> Self {
        self.nesterov = on;
        self
    }
    /// Chooses the multi-tensor (`_foreach_*`) path or the per-parameter loop.
    pub fn foreach(mut self, on: bool) -> Self {
        self.foreach = Some(on);
        self
    }
    /// Chooses libtorch's fused kernel.
    pub fn fused(mut self, on: bool) -> Self {
        self.fused = Some(on);
        self
    }

    /// torch.optim's `_fused_sgd`: one fused kernel for the group; the momentum buffers are
    /// made (uninitialised, the kernel fills them) on the first step.
    fn fused_group(
        &self,
        params: &[Tensor],
        grads: &[Tensor],
        states: &mut [&mut ParamState],
    ) -> Result<()> {
        let with_momentum = self.momentum != 0.0;
        let missing = states
            .iter()
            .filter(|s| !s.buffers.contains_key("momentum_buffer"))
            .count();
        let is_first_step = with_momentum && missing == states.len();
        if with_momentum && missing != 0 && !is_first_step {
            return Err(Error::invalid(
                "SGD",
                "the fused step needs a momentum buffer for every parameter or for none",
            ));
        }
        let mut bufs = Vec::new();
        if with_momentum {
            for (st, g) in states.iter_mut().zip(grads) {
                bufs.push(buffer(st, "momentum_buffer", || g.f_empty_like())?.shallow_clone());
            }
        }
        let mut ps = params.to_vec();
        let mut gs = grads.to_vec();
        Tensor::f__fused_sgd__with(
            &mut ps,
            &mut gs,
            &mut bufs,
            self.weight_decay,
            self.momentum,
            self.lr,
            self.dampening,
            self.nesterov,
            false,
            is_first_step,
            None,
            None,
        )?;
        for st in states.iter_mut() {
            st.step += 1;
        }
        Ok(())
    }
}

impl Algorithm for SgdOptions {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn momentum(&self) -> Option<f64> {
        Some(self.momentum)
    }
    fn set_momentum(&mut self, momentum: f64) {
        self.momentum = momentum;
    }
    /// ```text
    /// g ← ∇ + λθ                       (if λ ≠ 0)
    /// b ← g (first step) | μb + (1-τ)g (if μ ≠ 0)
    /// g ← g + μb (nesterov) | b
    /// θ ← θ - γg
    /// ```
    fn validate(&self) -> Result<()> {
        check_lr("SGD", self.lr)?;
        check_non_negative(
            "SGD",
            &[
                ("momentum", self.momentum),
                ("weight_decay", self.weight_decay),
            ],
        )?;
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(Error::invalid(
                "SGD",
                "Nesterov momentum requires a momentum and zero dampening",
            ));
        }
        if self.fused == Some(true) && self.foreach == Some(true) {
            return Err(Error::invalid(
                "SGD",
                "`fused` and `foreach` cannot be `True` together.",
            ));
        }
        Ok(())
    }
    fn update(&self, p: &Tensor, grad: &Tensor, st: &mut ParamState) -> Result<()> {
        let mut d_p = if self.weight_decay != 0.0 {
            ops::add_alpha(grad, p, self.weight_decay)?
        } else {
            grad.clone()
        };
        if self.momentum != 0.0 {
            let first = !st.buffers.contains_key("momentum_buffer");
            let buf = buffer(st, "momentum_buffer", || ops::deep_clone(&d_p))?;
            if !first {
                ops::mul_(buf, self.momentum)?;
                ops::add_(buf, &d_p, 1.0 - self.dampening)?;
            }
            d_p = if self.nesterov {
                ops::add_alpha(&d_p, buf, self.momentum)?
            } else {
                buf.clone()
            };
        }
        st.step += 1;
        ops::add_(p, &d_p, -self.lr)
    }
    fn param_group(&self) -> Vec<(&'static str, IValue)> {
        let mut g = pg::entries(&[
            ("lr", self.lr),
            ("momentum", self.momentum),
            ("dampening", self.dampening),
            ("weight_decay", self.weight_decay),
        ]);
        g.push(("nesterov", IValue::Bool(self.nesterov)));
        g.extend(defaults_without_fused_state());
        for (k, v) in g.iter_mut() {
            match *k {
                "foreach" => *v = pg::optional_bool(self.foreach),
                "fused" => *v = pg::optional_bool(self.fused),
                _ => {}
            }
        }
        g
    }
    fn load_param_group(&mut self, g: &IValue) -> Result<()> {
        pg::unsupported_flag(g, "maximize", "SGD")?;
        self.lr = pg::float(g, "lr", self.lr)?;
        self.momentum = pg::float(g, "momentum", self.momentum)?;
        self.dampening = pg::float(g, "dampening", self.dampening)?;
        self.weight_decay = pg::float(g, "weight_decay", self.weight_decay)?;
        self.nesterov = pg::boolean(g, "nesterov", self.nesterov)?;
        self.foreach = pg::optional_boolean(g, "foreach", self.foreach)?;
        self.fused = pg::optional_boolean(g, "fused", self.fused)?;
        Ok(())
    }
    /// torch.optim's `_multi_tensor_sgd`, with the parameters' update in one
    /// `_foreach_add_`.
    fn update_group(
        &self,
        params: &[Tensor],
        grads: &[Tensor],
        states: &mut [&mut ParamState],
    ) -> Result<bool> {
        if self.fused == Some(true) {
            self.fused_group(params, grads, states)?;
            return Ok(true);
        }
        if !use_foreach(self.foreach, params) {
            return Ok(false);
        }
        let mut grads = if self.weight_decay != 0.0 {
            Tensor::f__foreach_add_list_with(grads, params, self.weight_decay)?
        } else {
            grads.to_vec()
        };
        if self.momentum != 0.0 {
            let all = states
                .iter()
                .all(|s| s.buffers.contains_key("momentum_buffer"));
            let mut bufs = Vec::with_capacity(states.len());
            if all {
                bufs.extend(
                    states
                        .iter()
                        .map(|s| s.buffers["momentum_buffer"].shallow_clone()),
                );
                Tensor::f__foreach_mul_scalar_(&mut bufs, self.momentum)?;
                Tensor::f__foreach_add_list__with(&mut bufs, &grads, 1.0 - self.dampening)?;
            } else {
                for (st, g) in states.iter_mut().zip(&grads) {
                    let first = !st.buffers.contains_key("momentum_buffer");
                    let buf = buffer(st, "momentum_buffer", || ops::deep_clone(g))?;
                    if !first {
                        ops::mul_(buf, self.momentum)?;
                        ops::add_(buf, g, 1.0 - self.dampening)?;
                    }
                    bufs.push(buf.shallow_clone());
                }
            }
            grads = if self.nesterov {
                Tensor::f__foreach_add_list_with(&grads, &bufs, self.momentum)?
            } else {
                bufs
            };
        }
        let mut ps = params.to_vec();
        Tensor::f__foreach_add_list__with(&mut ps, &grads, -self.lr)?;
        for st in states.iter_mut() {
            st.step += 1;
        }
        Ok(true)
    }
    /// torch.optim.SGD keeps no step count.
    fn counts_steps(&self) -> bool {
        false
    }
}

/// The flags `torch.optim.SGD` writes that change nothing here.
fn defaults_without_fused_state() -> Vec<(&'static str, IValue)> {
    vec![
        ("maximize", IValue::Bool(false)),
        ("foreach", IValue::None),
        ("differentiable", IValue::Bool(false)),
        ("fused", IValue::None),
    ]
}

/// Stochastic gradient descent, with optional momentum, dampening, Nesterov and weight decay,
/// exactly as `torch.optim.SGD`.
///
/// ```
/// use libtorch::nn::{functional as F, Reduction};
/// use libtorch::optim::{Optimizer, Sgd};
/// use libtorch::Tensor;
/// let w = Tensor::from_slice(&[1.0f32]).set_requires_grad(true);
/// let mut opt = Sgd::new(vec![w.clone()], 0.1);
/// let zero = Tensor::from_slice(&[0.0f32]);
/// F::mse_loss_with(&w, &zero, Reduction::Sum, None).backward(); // d(w²)/dw = 2
/// opt.step().unwrap();
/// assert!((w.double_value() - 0.8).abs() < 1e-6);
/// ```
pub type Sgd = GenericOptimizer<SgdOptions>;

impl GenericOptimizer<SgdOptions> {
    /// Plain SGD over `params` with learning rate `lr`.
    pub fn new(params: Vec<Tensor>, lr: f64) -> Sgd {
        Sgd::with_options(params, SgdOptions::new(lr))
    }
}
