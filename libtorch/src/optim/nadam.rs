//! NAdam (`torch.optim.NAdam`): Adam with Nesterov momentum and a momentum schedule.
use super::optimizer::{
    buffer, check_adam_family, check_non_negative, signed_grad, Algorithm, GenericOptimizer,
    ParamState,
};
use super::param_group as pg;
use crate::nn::ops;
use crate::{IValue, Kind, Result, Tensor};

/// NAdam's hyper-parameters (PyTorch's defaults from [`NAdamOptions::new`]; `default()` also
/// takes PyTorch's learning rate, 2e-3).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NAdamOptions {
    /// Learning rate γ (PyTorch's default 2e-3).
    pub lr: f64,
    /// β1, β2 (default 0.9, 0.999).
    pub betas: (f64, f64),
    /// ε (default 1e-8).
    pub eps: f64,
    /// λ (default 0): an L2 penalty, or decoupled decay with `decoupled_weight_decay`.
    pub weight_decay: f64,
    /// ψ, the momentum decay (default 4e-3).
    pub momentum_decay: f64,
    /// Apply the weight decay to the parameter (`θ ← θ(1 - γλ)`, as AdamW) instead of the
    /// gradient.
    pub decoupled_weight_decay: bool,
    /// Maximize the objective instead of minimizing it.
    pub maximize: bool,
}

impl Default for NAdamOptions {
    fn default() -> Self {
        NAdamOptions::new(2e-3)
    }
}

impl NAdamOptions {
    /// PyTorch's defaults with learning rate `lr`.
    pub fn new(lr: f64) -> Self {
        NAdamOptions {
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            momentum_decay: 4e-3,
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
    /// Sets the momentum decay ψ.
    pub fn momentum_decay(mut self, psi: f64) -> Self {
        self.momentum_decay = psi;
        self
    }
    /// Decouples the weight decay (NAdamW).
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

impl Algorithm for NAdamOptions {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    /// torch.optim's single-tensor NAdam, operation for operation:
    /// ```text
    /// μ_t = β1 (1 - ½·0.96^(tψ)),  μ_{t+1} = β1 (1 - ½·0.96^((t+1)ψ)),  Πμ ← Πμ·μ_t (float32)
    /// m ← lerp(m, g, 1-β1);  v ← β2 v + (1-β2) g²;  d ← √(v / (1-β2^t)) + ε
    /// θ ← θ - γ(1-μ_t)/(1-Πμ) · g/d - γμ_{t+1}/(1-Πμ·μ_{t+1}) · m/d
    /// ```
    fn update(&self, p: &Tensor, grad: &Tensor, st: &mut ParamState) -> Result<()> {
        let (b1, b2) = self.betas;
        st.step += 1;
        let t = st.step as f64;
        let mut grad = signed_grad(grad, self.maximize)?;
        let bias_correction2 = 1.0 - b2.powf(t);
        if self.weight_decay != 0.0 {
            if self.decoupled_weight_decay {
                ops::mul_(p, 1.0 - self.lr * self.weight_decay)?;
            } else {
                grad = grad.f_add_with(p, self.weight_decay)?;
            }
        }
        let mu = b1 * (1.0 - 0.5 * 0.96f64.powf(t * self.momentum_decay));
        let mu_next = b1 * (1.0 - 0.5 * 0.96f64.powf((t + 1.0) * self.momentum_decay));
        // PyTorch keeps the product of the μ as a float32 scalar tensor (on the parameter's
        // device), so it is rounded to float32 after every step.
        let device = p.device();
        let mu_product = buffer(st, "mu_product", || {
            Tensor::scalar(1.0f32).f_to_opts((Kind::Float, device))
        })?
        .clone();
        ops::mul_(&mu_product, mu)?;
        let m = buffer(st, "exp_avg", || p.f_zeros_like())?.clone();
        let v = buffer(st, "exp_avg_sq", || p.f_zeros_like())?.clone();
        m.shallow_clone().f_lerp_scalar_(&grad, 1.0 - b1)?;
        ops::mul_(&v, b2)?;
        ops::addcmul_(&v, &grad, &grad, 1.0 - b2)?;
        let denom = v.f_div_scalar(bias_correction2)?.f_sqrt()?;
        let mu_product = mu_product.item_as::<f64>()?;
        let mu_product_next = mu_product * mu_next;
        ops::add_scalar_(&denom, self.eps)?;
        ops::addcdiv_(p, &grad, &denom, -self.lr * (1.0 - mu) / (1.0 - mu_product))?;
        ops::addcdiv_(
            p,
            &m,
            &denom,
            (-self.lr * mu_next) / (1.0 - mu_product_next),
        )
    }
    fn param_group(&self) -> Vec<(&'static str, IValue)> {
        vec![
            ("lr", IValue::Double(self.lr)),
            ("betas", IValue::from((self.betas.0, self.betas.1))),
            ("eps", IValue::Double(self.eps)),
            ("weight_decay", IValue::Double(self.weight_decay)),
            ("momentum_decay", IValue::Double(self.momentum_decay)),
            (
                "decoupled_weight_decay",
                IValue::Bool(self.decoupled_weight_decay),
            ),
            ("maximize", IValue::Bool(self.maximize)),
            ("foreach", IValue::None),
            ("capturable", IValue::Bool(false)),
            ("differentiable", IValue::Bool(false)),
        ]
    }
    fn load_param_group(&mut self, g: &IValue) -> Result<()> {
        self.lr = pg::float(g, "lr", self.lr)?;
        self.betas = pg::pair(g, "betas", self.betas)?;
        self.eps = pg::float(g, "eps", self.eps)?;
        self.weight_decay = pg::float(g, "weight_decay", self.weight_decay)?;
        self.momentum_decay = pg::float(g, "momentum_decay", self.momentum_decay)?;
        self.decoupled_weight_decay =
            pg::boolean(g, "decoupled_weight_decay", self.decoupled_weight_decay)?;
        self.maximize = pg::boolean(g, "maximize", self.maximize)?;
        Ok(())
    }
    fn validate(&self) -> Result<()> {
        check_adam_family("NAdam", self.lr, self.eps, self.betas, self.weight_decay)?;
        check_non_negative("NAdam", &[("momentum_decay", self.momentum_decay)])
    }
    fn scalar_buffers(&self) -> &'static [&'static str] {
        &["mu_product"]
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

/// NAdam (`torch.optim.NAdam`), with optional L2 or decoupled weight decay.
pub type NAdam = GenericOptimizer<NAdamOptions>;

impl GenericOptimizer<NAdamOptions> {
    /// NAdam over `params` with PyTorch's defaults and learning rate `lr`.
    pub fn new(params: Vec<Tensor>, lr: f64) -> NAdam {
        NAdam::with_options(params, NAdamOptions::new(lr))
    }
}
