//! Adadelta (`torch.optim.Adadelta`).
use super::optimizer::{
    buffer, check_lr, check_non_negative, signed_grad, Algorithm, GenericOptimizer, ParamState,
};
use super::param_group as pg;
use crate::nn::ops;
use crate::{Error, IValue, Result, Tensor};

/// Adadelta's hyper-parameters (PyTorch's defaults from [`AdadeltaOptions::new`]; `default()`
/// also takes PyTorch's learning rate, 1.0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdadeltaOptions {
    /// Learning rate γ, a factor on the step (PyTorch's default 1.0).
    pub lr: f64,
    /// ρ, the decay of both running averages (default 0.9), in [0, 1].
    pub rho: f64,
    /// ε (default 1e-6).
    pub eps: f64,
    /// L2 penalty λ (default 0).
    pub weight_decay: f64,
    /// Maximize the objective instead of minimizing it.
    pub maximize: bool,
}

impl Default for AdadeltaOptions {
    fn default() -> Self {
        AdadeltaOptions::new(1.0)
    }
}

impl AdadeltaOptions {
    /// PyTorch's defaults with learning rate `lr`.
    pub fn new(lr: f64) -> Self {
        AdadeltaOptions {
            lr,
            rho: 0.9,
            eps: 1e-6,
            weight_decay: 0.0,
            maximize: false,
        }
    }
    /// Sets ρ.
    pub fn rho(mut self, rho: f64) -> Self {
        self.rho = rho;
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

impl Algorithm for AdadeltaOptions {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    /// torch.optim's single-tensor Adadelta:
    /// ```text
    /// g ← ∇ + λθ;  v ← ρv + (1-ρ)g²;  Δ = √(u + ε)/√(v + ε) · g;  u ← ρu + (1-ρ)Δ²;  θ ← θ - γΔ
    /// ```
    fn update(&self, p: &Tensor, grad: &Tensor, st: &mut ParamState) -> Result<()> {
        st.step += 1;
        let mut grad = signed_grad(grad, self.maximize)?;
        if self.weight_decay != 0.0 {
            grad = grad.f_add_with(p, self.weight_decay)?;
        }
        let v = buffer(st, "square_avg", || p.f_zeros_like())?.clone();
        let u = buffer(st, "acc_delta", || p.f_zeros_like())?.clone();
        ops::mul_(&v, self.rho)?;
        ops::addcmul_(&v, &grad, &grad, 1.0 - self.rho)?;
        let std = v.f_add_scalar(self.eps)?.f_sqrt()?;
        let mut delta = u.f_add_scalar(self.eps)?.f_sqrt()?;
        delta.f_div_(&std)?.f_mul_(&grad)?;
        ops::mul_(&u, self.rho)?;
        ops::addcmul_(&u, &delta, &delta, 1.0 - self.rho)?;
        ops::add_(p, &delta, -self.lr)
    }
    fn param_group(&self) -> Vec<(&'static str, IValue)> {
        vec![
            ("lr", IValue::Double(self.lr)),
            ("rho", IValue::Double(self.rho)),
            ("eps", IValue::Double(self.eps)),
            ("weight_decay", IValue::Double(self.weight_decay)),
            ("maximize", IValue::Bool(self.maximize)),
            ("capturable", IValue::Bool(false)),
            ("foreach", IValue::None),
            ("differentiable", IValue::Bool(false)),
        ]
    }
    fn load_param_group(&mut self, g: &IValue) -> Result<()> {
        self.lr = pg::float(g, "lr", self.lr)?;
        self.rho = pg::float(g, "rho", self.rho)?;
        self.eps = pg::float(g, "eps", self.eps)?;
        self.weight_decay = pg::float(g, "weight_decay", self.weight_decay)?;
        self.maximize = pg::boolean(g, "maximize", self.maximize)?;
        Ok(())
    }
    fn validate(&self) -> Result<()> {
        check_lr("Adadelta", self.lr)?;
        if !(0.0..=1.0).contains(&self.rho) {
            return Err(Error::invalid(
                "Adadelta",
                format!("Invalid rho value: {}", self.rho),
            ));
        }
        check_non_negative(
            "Adadelta",
            &[("epsilon", self.eps), ("weight_decay", self.weight_decay)],
        )
    }
}

/// Adadelta (`torch.optim.Adadelta`).
pub type Adadelta = GenericOptimizer<AdadeltaOptions>;

impl GenericOptimizer<AdadeltaOptions> {
    /// Adadelta over `params` with PyTorch's defaults and learning rate `lr` (PyTorch's
    /// default is 1.0).
    pub fn new(params: Vec<Tensor>, lr: f64) -> Adadelta {
        Adadelta::with_options(params, AdadeltaOptions::new(lr))
    }
}
