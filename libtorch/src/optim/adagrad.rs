//! Adagrad (`torch.optim.Adagrad`).
use super::optimizer::{
    buffer, check_lr, check_non_negative, Algorithm, GenericOptimizer, ParamState,
};
use super::param_group as pg;
use crate::nn::ops;
use crate::{IValue, Result, Tensor};

/// Adagrad's hyper-parameters (defaults: lr 1e-2, no lr decay, no weight decay, accumulator
/// starting at 0, eps 1e-10).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdagradOptions {
    /// Learning rate γ.
    pub lr: f64,
    /// η: the step size is γ / (1 + (t-1)η).
    pub lr_decay: f64,
    /// L2 penalty λ.
    pub weight_decay: f64,
    /// The accumulator's starting value.
    pub initial_accumulator_value: f64,
    /// ε.
    pub eps: f64,
}

impl AdagradOptions {
    /// PyTorch's defaults with learning rate `lr`.
    pub fn new(lr: f64) -> Self {
        AdagradOptions {
            lr,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
        }
    }
    /// Sets η.
    pub fn lr_decay(mut self, d: f64) -> Self {
        self.lr_decay = d;
        self
    }
    /// Sets the weight decay.
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.weight_decay = wd;
        self
    }
    /// Sets the accumulator's starting value.
    pub fn initial_accumulator_value(mut self, v: f64) -> Self {
        self.initial_accumulator_value = v;
        self
    }
    /// Sets ε.
    pub fn eps(mut self, e: f64) -> Self {
        self.eps = e;
        self
    }
}

impl Algorithm for AdagradOptions {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    /// `g ← ∇ + λθ;  γ̃ ← γ/(1+(t-1)η);  s ← s + g²;  θ ← θ - γ̃ g/(√s + ε)`
    fn update(&self, p: &Tensor, grad: &Tensor, st: &mut ParamState) -> Result<()> {
        st.step += 1;
        let grad = if self.weight_decay != 0.0 {
            ops::add_alpha(grad, p, self.weight_decay)?
        } else {
            grad.clone()
        };
        let clr = self.lr / (1.0 + (st.step - 1) as f64 * self.lr_decay);
        let init = self.initial_accumulator_value;
        let sum = buffer(st, "sum", || {
            let z = ops::zeros_like(p)?;
            ops::fill_(&z, init)?;
            Ok(z)
        })?
        .clone();
        ops::addcmul_(&sum, &grad, &grad, 1.0)?;
        let std = ops::sqrt(&sum)?;
        ops::add_scalar_(&std, self.eps)?;
        ops::addcdiv_(p, &grad, &std, -clr)
    }
    fn param_group(&self) -> Vec<(&'static str, IValue)> {
        let mut g = pg::entries(&[
            ("lr", self.lr),
            ("lr_decay", self.lr_decay),
            ("eps", self.eps),
            ("weight_decay", self.weight_decay),
            ("initial_accumulator_value", self.initial_accumulator_value),
        ]);
        g.extend([
            ("foreach", IValue::None),
            ("maximize", IValue::Bool(false)),
            ("differentiable", IValue::Bool(false)),
            ("fused", IValue::None),
        ]);
        g
    }
    fn validate(&self) -> Result<()> {
        check_lr("Adagrad", self.lr)?;
        check_non_negative(
            "Adagrad",
            &[
                ("lr_decay", self.lr_decay),
                ("weight_decay", self.weight_decay),
                ("initial_accumulator_value", self.initial_accumulator_value),
                ("epsilon", self.eps),
            ],
        )
    }
    fn load_param_group(&mut self, g: &IValue) -> Result<()> {
        pg::unsupported_flag(g, "maximize", "Adagrad")?;
        self.lr = pg::float(g, "lr", self.lr)?;
        self.lr_decay = pg::float(g, "lr_decay", self.lr_decay)?;
        self.eps = pg::float(g, "eps", self.eps)?;
        self.weight_decay = pg::float(g, "weight_decay", self.weight_decay)?;
        self.initial_accumulator_value = pg::float(
            g,
            "initial_accumulator_value",
            self.initial_accumulator_value,
        )?;
        Ok(())
    }
    /// torch.optim.Adagrad makes every parameter's `sum` (and a zero step) when it is built,
    /// and its `step` expects them: a state dict saved before the first step has them too.
    fn initial_state(&self, p: &Tensor) -> Result<Option<ParamState>> {
        let sum = ops::zeros_like(p)?;
        ops::fill_(&sum, self.initial_accumulator_value)?;
        let mut st = ParamState::default();
        st.buffers.insert("sum".to_owned(), sum);
        Ok(Some(st))
    }
}

/// Adagrad (`torch.optim.Adagrad`).
pub type Adagrad = GenericOptimizer<AdagradOptions>;

impl GenericOptimizer<AdagradOptions> {
    /// Adagrad over `params` with PyTorch's defaults and learning rate `lr`.
    pub fn new(params: Vec<Tensor>, lr: f64) -> Adagrad {
        Adagrad::with_options(params, AdagradOptions::new(lr))
    }
}
