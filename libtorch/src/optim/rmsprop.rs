//! RMSprop (`torch.optim.RMSprop`).
use super::optimizer::{
    buffer, check_lr, check_non_negative, Algorithm, GenericOptimizer, ParamState,
};
use super::param_group as pg;
use crate::nn::ops;
use crate::{IValue, Result, Tensor};

/// RMSprop's hyper-parameters (defaults: lr 1e-2, alpha 0.99, eps 1e-8, no decay, no momentum,
/// not centered).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmsPropOptions {
    /// Learning rate γ.
    pub lr: f64,
    /// Smoothing constant α.
    pub alpha: f64,
    /// ε.
    pub eps: f64,
    /// L2 penalty λ.
    pub weight_decay: f64,
    /// Momentum μ.
    pub momentum: f64,
    /// Normalise by the variance estimate instead of the raw second moment.
    pub centered: bool,
}

impl RmsPropOptions {
    /// PyTorch's defaults with learning rate `lr`.
    pub fn new(lr: f64) -> Self {
        RmsPropOptions {
            lr,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
        }
    }
    /// Sets α.
    pub fn alpha(mut self, a: f64) -> Self {
        self.alpha = a;
        self
    }
    /// Sets ε.
    pub fn eps(mut self, e: f64) -> Self {
        self.eps = e;
        self
    }
    /// Sets the weight decay.
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.weight_decay = wd;
        self
    }
    /// Sets the momentum.
    pub fn momentum(mut self, m: f64) -> Self {
        self.momentum = m;
        self
    }
    /// Turns the centered variant on or off.
    pub fn centered(mut self, on: bool) -> Self {
        self.centered = on;
        self
    }
}

impl Algorithm for RmsPropOptions {
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
    /// g ← ∇ + λθ;  v ← αv + (1-α)g²;  ṽ ← v (- ḡ², ḡ ← αḡ + (1-α)g, if centered)
    /// b ← μb + g/(√ṽ + ε), θ ← θ - γb  (μ > 0)   |   θ ← θ - γ g/(√ṽ + ε)
    /// ```
    fn update(&self, p: &Tensor, grad: &Tensor, st: &mut ParamState) -> Result<()> {
        st.step += 1;
        let grad = if self.weight_decay != 0.0 {
            ops::add_alpha(grad, p, self.weight_decay)?
        } else {
            grad.clone()
        };
        let sq = buffer(st, "square_avg", || ops::zeros_like(p))?.clone();
        ops::mul_(&sq, self.alpha)?;
        ops::addcmul_(&sq, &grad, &grad, 1.0 - self.alpha)?;
        let avg = if self.centered {
            // As torch.optim: ḡ ← lerp(ḡ, g, 1-α), and the variance in one fused addcmul.
            let ga = buffer(st, "grad_avg", || ops::zeros_like(p))?.clone();
            ga.shallow_clone().f_lerp_scalar_(&grad, 1.0 - self.alpha)?;
            sq.f_addcmul_with(&ga, &ga, -1.0)?.f_sqrt()?
        } else {
            ops::sqrt(&sq)?
        };
        ops::add_scalar_(&avg, self.eps)?;
        if self.momentum > 0.0 {
            let buf = buffer(st, "momentum_buffer", || ops::zeros_like(p))?.clone();
            ops::mul_(&buf, self.momentum)?;
            ops::addcdiv_(&buf, &grad, &avg, 1.0)?;
            ops::add_(p, &buf, -self.lr)
        } else {
            ops::addcdiv_(p, &grad, &avg, -self.lr)
        }
    }
    fn param_group(&self) -> Vec<(&'static str, IValue)> {
        let mut g = pg::entries(&[
            ("lr", self.lr),
            ("momentum", self.momentum),
            ("alpha", self.alpha),
            ("eps", self.eps),
        ]);
        g.push(("centered", IValue::Bool(self.centered)));
        g.push(("weight_decay", IValue::Double(self.weight_decay)));
        g.extend([
            ("capturable", IValue::Bool(false)),
            ("foreach", IValue::None),
            ("maximize", IValue::Bool(false)),
            ("differentiable", IValue::Bool(false)),
        ]);
        g
    }
    fn validate(&self) -> Result<()> {
        check_lr("RMSprop", self.lr)?;
        check_non_negative(
            "RMSprop",
            &[
                ("epsilon", self.eps),
                ("momentum", self.momentum),
                ("weight_decay", self.weight_decay),
                ("alpha", self.alpha),
            ],
        )
    }
    fn load_param_group(&mut self, g: &IValue) -> Result<()> {
        pg::unsupported_flag(g, "maximize", "RMSprop")?;
        self.lr = pg::float(g, "lr", self.lr)?;
        self.momentum = pg::float(g, "momentum", self.momentum)?;
        self.alpha = pg::float(g, "alpha", self.alpha)?;
        self.eps = pg::float(g, "eps", self.eps)?;
        self.centered = pg::boolean(g, "centered", self.centered)?;
        self.weight_decay = pg::float(g, "weight_decay", self.weight_decay)?;
        Ok(())
    }
}

/// RMSprop (`torch.optim.RMSprop`).
pub type RmsProp = GenericOptimizer<RmsPropOptions>;

impl GenericOptimizer<RmsPropOptions> {
    /// RMSprop over `params` with PyTorch's defaults and learning rate `lr`.
    pub fn new(params: Vec<Tensor>, lr: f64) -> RmsProp {
        RmsProp::with_options(params, RmsPropOptions::new(lr))
    }
}
