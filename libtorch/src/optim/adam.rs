//! Adam and AdamW (`torch.optim.Adam`, `torch.optim.AdamW`).
use super::optimizer::{
    buffer, check_betas, check_lr, check_non_negative, use_foreach, Algorithm, GenericOptimizer,
    ParamState,
};
use super::param_group as pg;
use crate::nn::ops;
use crate::{Error, IValue, Kind, Result, Scalar, Tensor};

/// Adam's hyper-parameters (PyTorch's defaults from [`AdamOptions::new`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamOptions {
    /// Learning rate γ (default 1e-3).
    pub lr: f64,
    /// β1, β2 (default 0.9, 0.999).
    pub betas: (f64, f64),
    /// ε (default 1e-8).
    pub eps: f64,
    /// λ: L2 penalty added to the gradient (Adam, default 0) or decoupled decay (AdamW,
    /// default 1e-2).
    pub weight_decay: f64,
    /// Use the maximum of past second moments (AMSGrad).
    pub amsgrad: bool,
    /// Update the whole group with libtorch's `_foreach_*` operators (torch.optim's
    /// multi-tensor path); `None`, PyTorch's default, chooses it when every parameter is on a
    /// CUDA device. Both paths give the same numbers.
    pub foreach: Option<bool>,
    /// Use libtorch's fused kernel (`_fused_adam_` / `_fused_adamw_`: one pass over each
    /// parameter; PyTorch's `fused=True`, for floating-point parameters on the CPU or CUDA).
    /// Its arithmetic differs from the other paths in the last bits, as in PyTorch.
    pub fused: Option<bool>,
}

impl AdamOptions {
    /// PyTorch's defaults for Adam, with learning rate `lr`.
    pub fn new(lr: f64) -> AdamOptions {
        AdamOptions {
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            foreach: None,
            fused: None,
        }
    }
    /// Sets β1, β2.
    pub fn betas(mut self, b1: f64, b2: f64) -> Self {
        self.betas = (b1, b2);
        self
    }
    /// Sets ε.
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }
    /// Sets the weight decay.
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.weight_decay = wd;
        self
    }
    /// Turns AMSGrad on or off.
    pub fn amsgrad(mut self, on: bool) -> Self {
        self.amsgrad = on;
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

    /// torch.optim's `_fused_adam`: the steps counted, then one fused kernel for the group.
    fn fused_group(
        &self,
        params: &[Tensor],
        grads: &[Tensor],
        states: &mut [&mut ParamState],
        decoupled: bool,
    ) -> Result<()> {
        let mut m = Vec::with_capacity(params.len());
        let mut v = Vec::with_capacity(params.len());
        let mut vmax = Vec::new();
        let mut steps = Vec::with_capacity(params.len());
        for (p, st) in params.iter().zip(states.iter_mut()) {
            m.push(buffer(st, "exp_avg", || ops::zeros_like(p))?.shallow_clone());
            v.push(buffer(st, "exp_avg_sq", || ops::zeros_like(p))?.shallow_clone());
            if self.amsgrad {
                vmax.push(buffer(st, "max_exp_avg_sq", || ops::zeros_like(p))?.shallow_clone());
            }
            st.step += 1;
            steps.push(Tensor::scalar(st.step as f32).f_to_opts((Kind::Float, p.device()))?);
        }
        let mut ps = params.to_vec();
        let mut gs = grads.to_vec();
        let (b1, b2) = self.betas;
        let f = if decoupled {
            Tensor::f__fused_adamw__with
        } else {
            Tensor::f__fused_adam__with
        };
        f(
            &mut ps,
            &mut gs,
            &mut m,
            &mut v,
            &mut vmax,
            &steps,
            self.lr,
            b1,
            b2,
            self.weight_decay,
            self.eps,
            self.amsgrad,
            false,
            None,
            None,
        )
    }

    /// torch.optim's `_multi_tensor_adam` (not capturable): every step of the update one
    /// `_foreach_*` operator over the group.
    fn adam_group(
        &self,
        params: &[Tensor],
        grads: &[Tensor],
        states: &mut [&mut ParamState],
        decoupled: bool,
    ) -> Result<bool> {
        if self.fused == Some(true) {
            self.fused_group(params, grads, states, decoupled)?;
            return Ok(true);
        }
        if !use_foreach(self.foreach, params) {
            return Ok(false);
        }
        let (b1, b2) = self.betas;
        let mut m = Vec::with_capacity(params.len());
        let mut v = Vec::with_capacity(params.len());
        let mut vmax = Vec::new();
        for (p, st) in params.iter().zip(states.iter_mut()) {
            m.push(buffer(st, "exp_avg", || ops::zeros_like(p))?.shallow_clone());
            v.push(buffer(st, "exp_avg_sq", || ops::zeros_like(p))?.shallow_clone());
            if self.amsgrad {
                vmax.push(buffer(st, "max_exp_avg_sq", || ops::zeros_like(p))?.shallow_clone());
            }
            st.step += 1;
        }
        let mut ps = params.to_vec();
        let grads = if self.weight_decay != 0.0 {
            if decoupled {
                Tensor::f__foreach_mul_scalar_(&mut ps, 1.0 - self.lr * self.weight_decay)?;
                grads.to_vec()
            } else {
                Tensor::f__foreach_add_list_with(grads, params, self.weight_decay)?
            }
        } else {
            grads.to_vec()
        };
        Tensor::f__foreach_lerp_scalar_(&mut m, &grads, 1.0 - b1)?;
        Tensor::f__foreach_mul_scalar_(&mut v, b2)?;
        Tensor::f__foreach_addcmul_scalar__with(&mut v, &grads, &grads, 1.0 - b2)?;
        let steps: Vec<f64> = states.iter().map(|s| s.step as f64).collect();
        let step_size: Vec<Scalar> = steps
            .iter()
            // PyTorch writes `(lr / bc) * -1`: the same bits as the negation.
            .map(|&t| Scalar::Float(-(self.lr / (1.0 - b1.powf(t)))))
            .collect();
        let bc2_sqrt: Vec<Scalar> = steps
            .iter()
            .map(|&t| Scalar::Float((1.0 - b2.powf(t)).powf(0.5)))
            .collect();
        let mut denom = if self.amsgrad {
            Tensor::f__foreach_maximum_list_(&mut vmax, &v)?;
            Tensor::f__foreach_sqrt(&vmax)?
        } else {
            Tensor::f__foreach_sqrt(&v)?
        };
        Tensor::f__foreach_div_scalarlist_(&mut denom, &bc2_sqrt)?;
        Tensor::f__foreach_add_scalar_(&mut denom, self.eps)?;
        Tensor::f__foreach_addcdiv_scalarlist_(&mut ps, &m, &denom, &step_size)?;
        Ok(true)
    }

    fn adam_step(
        &self,
        p: &Tensor,
        grad: &Tensor,
        st: &mut ParamState,
        decoupled: bool,
    ) -> Result<()> {
        let (b1, b2) = self.betas;
        st.step += 1;
        // As torch.optim: the step count is a float, and `beta ** step` is C's pow.
        let t = st.step as f64;
        let grad = if self.weight_decay != 0.0 && !decoupled {
            ops::add_alpha(grad, p, self.weight_decay)?
        } else {
            grad.clone()
        };
        if self.weight_decay != 0.0 && decoupled {
            ops::mul_(p, 1.0 - self.lr * self.weight_decay)?;
        }
        let m = buffer(st, "exp_avg", || ops::zeros_like(p))?.clone();
        let v = buffer(st, "exp_avg_sq", || ops::zeros_like(p))?.clone();
        // m ← lerp(m, g, 1-β1) (torch.optim's exact operation);  v ← β2 v + (1-β2) g²
        m.shallow_clone().f_lerp_scalar_(&grad, 1.0 - b1)?;
        ops::mul_(&v, b2)?;
        ops::addcmul_(&v, &grad, &grad, 1.0 - b2)?;
        let bc1 = 1.0 - b1.powf(t);
        let bc2_sqrt = (1.0 - b2.powf(t)).sqrt();
        let second = if self.amsgrad {
            let vmax = buffer(st, "max_exp_avg_sq", || ops::zeros_like(p))?.clone();
            let mx = ops::maximum(&vmax, &v)?;
            ops::copy_(&vmax, &mx)?;
            vmax
        } else {
            v
        };
        // θ ← θ - (γ / bc1) m / (sqrt(v) / sqrt(bc2) + ε)
        let denom = ops::div_scalar(&ops::sqrt(&second)?, bc2_sqrt)?;
        ops::add_scalar_(&denom, self.eps)?;
        ops::addcdiv_(p, &m, &denom, -self.lr / bc1)
    }

    /// `torch.optim.Adam`'s checks.
    fn check(&self, op: &'static str) -> Result<()> {
        check_lr(op, self.lr)?;
        check_non_negative(
            op,
            &[("epsilon", self.eps), ("weight_decay", self.weight_decay)],
        )?;
        check_betas(op, self.betas)?;
        if self.fused == Some(true) && self.foreach == Some(true) {
            return Err(Error::invalid(
                op,
                "`fused` and `foreach` cannot be `True` together.",
            ));
        }
        Ok(())
    }

    /// The param group `torch.optim.Adam` (or `AdamW`, `decoupled`) writes.
    fn group(&self, decoupled: bool) -> Vec<(&'static str, IValue)> {
        vec![
            ("lr", IValue::Double(self.lr)),
            ("betas", IValue::from((self.betas.0, self.betas.1))),
            ("eps", IValue::Double(self.eps)),
            ("weight_decay", IValue::Double(self.weight_decay)),
            ("amsgrad", IValue::Bool(self.amsgrad)),
            ("maximize", IValue::Bool(false)),
            ("foreach", pg::optional_bool(self.foreach)),
            ("capturable", IValue::Bool(false)),
            ("differentiable", IValue::Bool(false)),
            ("fused", pg::optional_bool(self.fused)),
            ("decoupled_weight_decay", IValue::Bool(decoupled)),
        ]
    }

    fn load_group(&mut self, g: &IValue, decoupled: bool) -> Result<()> {
        let name = if decoupled { "AdamW" } else { "Adam" };
        pg::unsupported_flag(g, "maximize", name)?;
        if pg::boolean(g, "decoupled_weight_decay", decoupled)? != decoupled {
            return Err(Error::invalid(
                "load_state_dict",
                format!(
                    "the state dict's optimizer {} weight decay: load it into {}",
                    if decoupled {
                        "does not decouple"
                    } else {
                        "decouples"
                    },
                    if decoupled { "Adam" } else { "AdamW" }
                ),
            ));
        }
        self.lr = pg::float(g, "lr", self.lr)?;
        self.betas = pg::pair(g, "betas", self.betas)?;
        self.eps = pg::float(g, "eps", self.eps)?;
        self.weight_decay = pg::float(g, "weight_decay", self.weight_decay)?;
        self.amsgrad = pg::boolean(g, "amsgrad", self.amsgrad)?;
        self.foreach = pg::optional_boolean(g, "foreach", self.foreach)?;
        self.fused = pg::optional_boolean(g, "fused", self.fused)?;
        Ok(())
    }
}

impl Algorithm for AdamOptions {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn momentum(&self) -> Option<f64> {
        Some(self.betas.0)
    }
    fn set_momentum(&mut self, momentum: f64) {
        self.betas.0 = momentum;
    }
    fn momentum_is_beta1(&self) -> bool {
        true
    }
    fn update(&self, p: &Tensor, grad: &Tensor, st: &mut ParamState) -> Result<()> {
        self.adam_step(p, grad, st, false)
    }
    fn update_group(
        &self,
        params: &[Tensor],
        grads: &[Tensor],
        states: &mut [&mut ParamState],
    ) -> Result<bool> {
        self.adam_group(params, grads, states, false)
    }
    fn param_group(&self) -> Vec<(&'static str, IValue)> {
        self.group(false)
    }
    fn validate(&self) -> Result<()> {
        self.check("Adam")
    }
    fn load_param_group(&mut self, g: &IValue) -> Result<()> {
        self.load_group(g, false)
    }
}

/// AdamW's hyper-parameters: Adam's, with the weight decay applied to the parameter
/// (`θ ← θ(1 - γλ)`) instead of the gradient; default λ = 1e-2.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamWOptions(pub AdamOptions);

impl AdamWOptions {
    /// PyTorch's defaults for AdamW, with learning rate `lr`.
    pub fn new(lr: f64) -> AdamWOptions {
        AdamWOptions(AdamOptions::new(lr).weight_decay(1e-2))
    }
}

impl Algorithm for AdamWOptions {
    fn lr(&self) -> f64 {
        self.0.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.0.lr = lr;
    }
    fn momentum(&self) -> Option<f64> {
        Some(self.0.betas.0)
    }
    fn set_momentum(&mut self, momentum: f64) {
        self.0.betas.0 = momentum;
    }
    fn momentum_is_beta1(&self) -> bool {
        true
    }
    fn update(&self, p: &Tensor, grad: &Tensor, st: &mut ParamState) -> Result<()> {
        self.0.adam_step(p, grad, st, true)
    }
    fn update_group(
        &self,
        params: &[Tensor],
        grads: &[Tensor],
        states: &mut [&mut ParamState],
    ) -> Result<bool> {
        self.0.adam_group(params, grads, states, true)
    }
    fn param_group(&self) -> Vec<(&'static str, IValue)> {
        self.0.group(true)
    }
    fn validate(&self) -> Result<()> {
        self.0.check("AdamW")
    }
    fn load_param_group(&mut self, g: &IValue) -> Result<()> {
        self.0.load_group(g, true)
    }
}

/// Adam (`torch.optim.Adam`), with bias correction, optional L2 weight decay and AMSGrad.
pub type Adam = GenericOptimizer<AdamOptions>;
/// AdamW (`torch.optim.AdamW`): Adam with decoupled weight decay.
pub type AdamW = GenericOptimizer<AdamWOptions>;

impl GenericOptimizer<AdamOptions> {
    /// Adam over `params` with PyTorch's defaults and learning rate `lr`.
    pub fn new(params: Vec<Tensor>, lr: f64) -> Adam {
        Adam::with_options(params, AdamOptions::new(lr))
    }
}

impl GenericOptimizer<AdamWOptions> {
    /// AdamW over `params` with PyTorch's defaults (weight decay 1e-2) and learning rate `lr`.
    pub fn new(params: Vec<Tensor>, lr: f64) -> AdamW {
        AdamW::with_options(params, AdamWOptions::new(lr))
    }
}
