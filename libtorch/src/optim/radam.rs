//! RAdam (`torch.optim.RAdam`): Adam with the variance of its adaptive rate rectified.
use super::optimizer::{
    buffer, check_adam_family, signed_grad, Algorithm, GenericOptimizer, ParamState,
};
use super::param_group as pg;
use crate::nn::ops;
use crate::{IValue, Result, Tensor};

/// RAdam's hyper-parameters (PyTorch's defaults from [`RAdamOptions::new`]; `default()` also
/// takes PyTorch's learning rate, 1e-3).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RAdamOptions {
    /// Learning rate γ (PyTorch's default 1e-3).
    pub lr: f64,
    /// β1, β2 (default 0.9, 0.999).
    pub betas: (f64, f64),
    /// ε (default 1e-8).
    pub eps: f64,
    /// λ (default 0): an L2 penalty, or decoupled decay with `decoupled_weight_decay`.
    pub weight_decay: f64,
    /// Apply the weight decay to the parameter (`θ ← θ(1 - γλ)`) instead of the gradient.
    pub decoupled_weight_decay: bool,
    /// Maximize the objective instead of minimizing it.
    pub maximize: bool,
}

impl Default for RAdamOptions {
    fn default() -> Self {
        RAdamOptions::new(1e-3)
    }
}

impl RAdamOptions {
    /// PyTorch's defaults with learning rate `lr`.
    pub fn new(lr: f64) -> Self {
        RAdamOptions {
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled_weight_decay: false,
            maximize: false,
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
    /// Decouples the weight decay.
    pub fn decoupled_weight_decay(mut self, on: bool) -> Self {
        self.decoupled_weight_decay = on;
        self
    }
    /// Maximizes instead of minimizing.
    pub fn maximize(mut self, on: bool) -> Self {
        self.maximize = on;
        self
    }
}

impl Algorithm for RAdamOptions {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    /// torch.optim's single-tensor RAdam, operation for operation:
    /// ```text
    /// m ← lerp(m, g, 1-β1);  v ← β2 v + (1-β2) g²;  m̂ = m / (1-β1^t)
    /// ρ∞ = 2/(1-β2) - 1;  ρ_t = ρ∞ - 2t β2^t / (1-β2^t)
    /// ρ_t > 5:  θ ← θ - m̂ γ · √(1-β2^t)/(√v + ε) · √((ρ_t-4)(ρ_t-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρ_t))
    /// else:     θ ← θ - m̂ γ
    /// ```
    fn update(&self, p: &Tensor, grad: &Tensor, st: &mut ParamState) -> Result<()> {
        let (b1, b2) = self.betas;
        st.step += 1;
        let t = st.step as f64;
        let mut grad = signed_grad(grad, self.maximize)?;
        if self.weight_decay != 0.0 {
            if self.decoupled_weight_decay {
                ops::mul_(p, 1.0 - self.lr * self.weight_decay)?;
            } else {
                grad = grad.f_add_with(p, self.weight_decay)?;
            }
        }
        let m = buffer(st, "exp_avg", || p.f_zeros_like())?.clone();
        let v = buffer(st, "exp_avg_sq", || p.f_zeros_like())?.clone();
        m.shallow_clone().f_lerp_scalar_(&grad, 1.0 - b1)?;
        ops::mul_(&v, b2)?;
        ops::addcmul_(&v, &grad, &grad, 1.0 - b2)?;
        let bias_correction1 = 1.0 - b1.powf(t);
        let bias_correction2 = 1.0 - b2.powf(t);
        let corrected = m.f_div_scalar(bias_correction1)?;
        let rho_inf = 2.0 / (1.0 - b2) - 1.0;
        let rho_t = rho_inf - 2.0 * t * b2.powf(t) / bias_correction2;
        let update = if rho_t > 5.0 {
            // Python's `** 0.5` is C's pow, kept here rather than sqrt.
            let rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                .powf(0.5);
            let root = v.f_sqrt()?;
            ops::add_scalar_(&root, self.eps)?;
            // `scalar / tensor` in Python is `tensor.reciprocal() * scalar`.
            let adaptive = root
                .f_reciprocal()?
                .f_mul_scalar(bias_correction2.powf(0.5))?;
            corrected
                .f_mul_scalar(self.lr)?
                .f_mul(&adaptive)?
                .f_mul_scalar(rect)?
        } else {
            corrected.f_mul_scalar(self.lr)?
        };
        ops::add_(p, &update, -1.0)
    }
    fn param_group(&self) -> Vec<(&'static str, IValue)> {
        vec![
            ("lr", IValue::Double(self.lr)),
            ("betas", IValue::from((self.betas.0, self.betas.1))),
            ("eps", IValue::Double(self.eps)),
            ("weight_decay", IValue::Double(self.weight_decay)),
            ("maximize", IValue::Bool(self.maximize)),
            ("foreach", IValue::None),
            ("capturable", IValue::Bool(false)),
            (
                "decoupled_weight_decay",
                IValue::Bool(self.decoupled_weight_decay),
            ),
            ("differentiable", IValue::Bool(false)),
        ]
    }
    fn load_param_group(&mut self, g: &IValue) -> Result<()> {
        self.lr = pg::float(g, "lr", self.lr)?;
        self.betas = pg::pair(g, "betas", self.betas)?;
        self.eps = pg::float(g, "eps", self.eps)?;
        self.weight_decay = pg::float(g, "weight_decay", self.weight_decay)?;
        self.decoupled_weight_decay =
            pg::boolean(g, "decoupled_weight_decay", self.decoupled_weight_decay)?;
        self.maximize = pg::boolean(g, "maximize", self.maximize)?;
        Ok(())
    }
    fn validate(&self) -> Result<()> {
        check_adam_family("RAdam", self.lr, self.eps, self.betas, self.weight_decay)
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
}

/// RAdam (`torch.optim.RAdam`), with optional L2 or decoupled weight decay.
pub type RAdam = GenericOptimizer<RAdamOptions>;

impl GenericOptimizer<RAdamOptions> {
    /// RAdam over `params` with PyTorch's defaults and learning rate `lr`.
    pub fn new(params: Vec<Tensor>, lr: f64) -> RAdam {
        RAdam::with_options(params, RAdamOptions::new(lr))
    }
}
