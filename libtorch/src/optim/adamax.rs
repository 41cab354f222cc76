//! Adamax (`torch.optim.Adamax`): Adam with the infinity norm in place of the second moment.
use super::optimizer::{
    buffer, check_adam_family, signed_grad, Algorithm, GenericOptimizer, ParamState,
};
use super::param_group as pg;
use crate::nn::ops;
use crate::{IValue, Result, Tensor};

/// Adamax's hyper-parameters (PyTorch's defaults from [`AdamaxOptions::new`]; `default()` also
/// takes PyTorch's learning rate, 2e-3).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamaxOptions {
    /// Learning rate γ (PyTorch's default 2e-3).
    pub lr: f64,
    /// β1, β2 (default 0.9, 0.999).
    pub betas: (f64, f64),
    /// ε (default 1e-8).
    pub eps: f64,
    /// L2 penalty λ (default 0).
    pub weight_decay: f64,
    /// Maximize the objective instead of minimizing it.
    pub maximize: bool,
}

impl Default for AdamaxOptions {
    fn default() -> Self {
        AdamaxOptions::new(2e-3)
    }
}

impl AdamaxOptions {
    /// PyTorch's defaults with learning rate `lr`.
    pub fn new(lr: f64) -> Self {
        AdamaxOptions {
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
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
    /// Maximizes instead of minimizing.
    pub fn maximize(mut self, on: bool) -> Self {
        self.maximize = on;
        self
    }
}

impl Algorithm for AdamaxOptions {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    /// torch.optim's single-tensor Adamax:
    /// ```text
    /// g ← ∇ + λθ;  m ← lerp(m, g, 1-β1);  u ← max(β2 u, |g| + ε);  θ ← θ - γ/(1-β1^t) · m/u
    /// ```
    fn update(&self, p: &Tensor, grad: &Tensor, st: &mut ParamState) -> Result<()> {
        let (b1, b2) = self.betas;
        st.step += 1;
        let mut grad = signed_grad(grad, self.maximize)?;
        if self.weight_decay != 0.0 {
            grad = grad.f_add_with(p, self.weight_decay)?;
        }
        let m = buffer(st, "exp_avg", || p.f_zeros_like())?.clone();
        let u = buffer(st, "exp_inf", || p.f_zeros_like())?.clone();
        m.shallow_clone().f_lerp_scalar_(&grad, 1.0 - b1)?;
        ops::mul_(&u, b2)?;
        let bound = grad.f_abs()?;
        ops::add_scalar_(&bound, self.eps)?;
        // torch.maximum(u, bound, out=u): the maximum is exact, so computing it aside and
        // copying it back gives the same bits.
        ops::copy_(&u, &u.f_maximum(&bound)?)?;
        let clr = self.lr / (1.0 - b1.powf(st.step as f64));
        ops::addcdiv_(p, &m, &u, -clr)
    }
    fn param_group(&self) -> Vec<(&'static str, IValue)> {
        vec![
            ("lr", IValue::Double(self.lr)),
            ("betas", IValue::from((self.betas.0, self.betas.1))),
            ("eps", IValue::Double(self.eps)),
            ("weight_decay", IValue::Double(self.weight_decay)),
            ("foreach", IValue::None),
            ("maximize", IValue::Bool(self.maximize)),
            ("differentiable", IValue::Bool(false)),
            ("capturable", IValue::Bool(false)),
        ]
    }
    fn load_param_group(&mut self, g: &IValue) -> Result<()> {
        self.lr = pg::float(g, "lr", self.lr)?;
        self.betas = pg::pair(g, "betas", self.betas)?;
        self.eps = pg::float(g, "eps", self.eps)?;
        self.weight_decay = pg::float(g, "weight_decay", self.weight_decay)?;
        self.maximize = pg::boolean(g, "maximize", self.maximize)?;
        Ok(())
    }
    fn validate(&self) -> Result<()> {
        check_adam_family("Adamax", self.lr, self.eps, self.betas, self.weight_decay)
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

/// Adamax (`torch.optim.Adamax`).
pub type Adamax = GenericOptimizer<AdamaxOptions>;

impl GenericOptimizer<AdamaxOptions> {
    /// Adamax over `params` with PyTorch's defaults and learning rate `lr`.
    pub fn new(params: Vec<Tensor>, lr: f64) -> Adamax {
        Adamax::with_options(params, AdamaxOptions::new(lr))
    }
}
