//! Activations with settings (`ELU(alpha)`, `Softplus(beta, threshold)`, ...), each with
//! PyTorch's defaults as its `Default`, and `PReLU`, the one with a parameter.
use super::functional as F;
use super::module::{param, Module, Slot};
use super::ops;
use crate::error::unwrap;
use crate::{Error, Result, Tensor};

macro_rules! with_args {
    ($($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident: $ty:ty = $default:expr),* }
       => |$s:ident, $x:ident| $body:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: $ty,)*
        }
        impl Default for $name {
            fn default() -> Self {
                $name { $($field: $default),* }
            }
        }
        impl Module for $name {
            fn f_forward(&self, $x: &Tensor) -> Result<Tensor> {
                let $s = self;
                F::named($body, stringify!($name))
            }
            fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
        }
    )*};
}

with_args! {
    /// `max(0, x) + min(0, α (exp(x) - 1))` (`nn.ELU(alpha=1.0)`).
    ELU { /// α.
        alpha: f64 = 1.0 } => |s, x| F::f_elu_with(x, s.alpha);
    /// `max(0, x) + min(0, α (exp(x/α) - 1))` (`nn.CELU(alpha=1.0)`).
    CELU { /// α.
        alpha: f64 = 1.0 } => |s, x| F::f_celu_with(x, s.alpha);
    /// `log(1 + exp(β x)) / β`, linear where `β x > threshold` (`nn.Softplus(beta=1.0,
    /// threshold=20.0)`).
    Softplus { /// β.
        beta: f64 = 1.0, /// Above it the function is linear.
        threshold: f64 = 20.0 } => |s, x| F::f_softplus_with(x, s.beta, s.threshold);
    /// `x` where `|x| > λ`, else 0 (`nn.Hardshrink(lambd=0.5)`).
    Hardshrink { /// λ.
        lambd: f64 = 0.5 } => |s, x| F::f_hardshrink_with(x, s.lambd);
    /// `x - λ` above λ, `x + λ` below -λ, else 0 (`nn.Softshrink(lambd=0.5)`); λ must not be
    /// negative (checked by [`Softshrink::f_new`] and in the forward pass).
    Softshrink { /// λ.
        lambd: f64 = 0.5 } => |s, x| F::f_softshrink_with(x, s.lambd);
    /// `x` clamped to `[min_val, max_val]` (`nn.Hardtanh(min_val=-1.0, max_val=1.0)`).
    Hardtanh { /// Lower bound.
        min_val: f64 = -1.0, /// Upper bound.
        max_val: f64 = 1.0 } => |s, x| F::f_hardtanh_with(x, s.min_val, s.max_val);
    /// Gated linear unit: `a * sigmoid(b)` for the halves `a`, `b` of `dim` (`nn.GLU(dim=-1)`).
    GLU { /// The dimension split in two (its size must be even).
        dim: i64 = -1 } => |s, x| F::f_glu_with(x, s.dim);
}

/// `x` where `x > threshold`, else `value` (`nn.Threshold(threshold, value)`, no defaults).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Threshold {
    /// The value compared with.
    pub threshold: f64,
    /// The replacement at or below `threshold`.
    pub value: f64,
}

/// `softmax(-x)` along `dim` (`nn.Softmin(dim)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Softmin {
    /// The dimension that sums to 1.
    pub dim: i64,
}

impl Module for Softmin {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(F::f_softmin(x, self.dim), "Softmin")
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

impl Module for Threshold {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(F::f_threshold(x, self.threshold, self.value), "Threshold")
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

impl ELU {
    /// `nn.ELU(alpha)`.
    pub fn new(alpha: f64) -> ELU {
        ELU { alpha }
    }
}

impl CELU {
    /// `nn.CELU(alpha)`; α must not be 0 (PyTorch: "ZeroDivisionError").
    pub fn f_new(alpha: f64) -> Result<CELU> {
        if alpha == 0.0 {
            return Err(Error::invalid(
                "CELU",
                "ZeroDivisionError: alpha cannot be 0 for CELU",
            ));
        }
        Ok(CELU { alpha })
    }
}

impl Softplus {
    /// `nn.Softplus(beta, threshold)`.
    pub fn new(beta: f64, threshold: f64) -> Softplus {
        Softplus { beta, threshold }
    }
}

impl Hardshrink {
    /// `nn.Hardshrink(lambd)`.
    pub fn new(lambd: f64) -> Hardshrink {
        Hardshrink { lambd }
    }
}

impl Softshrink {
    /// `nn.Softshrink(lambd)`, or an error for a negative λ.
    pub fn f_new(lambd: f64) -> Result<Softshrink> {
        if lambd < 0.0 {
            return Err(Error::invalid(
                "Softshrink",
                format!("lambda must be greater or equal to 0, but found to be {lambd}."),
            ));
        }
        Ok(Softshrink { lambd })
    }
    /// [`Softshrink::f_new`]; panics on a negative λ.
    #[track_caller]
    pub fn new(lambd: f64) -> Softshrink {
        unwrap(Softshrink::f_new(lambd))
    }
}

impl Hardtanh {
    /// `nn.Hardtanh(min_val, max_val)`, or PyTorch's error unless `max_val > min_val`.
    pub fn f_new(min_val: f64, max_val: f64) -> Result<Hardtanh> {
        if max_val <= min_val {
            return Err(Error::invalid(
                "Hardtanh",
                format!("max_val ({max_val}) must be greater than min_val ({min_val})"),
            ));
        }
        Ok(Hardtanh { min_val, max_val })
    }
    /// [`Hardtanh::f_new`]; panics unless `max_val > min_val`.
    #[track_caller]
    pub fn new(min_val: f64, max_val: f64) -> Hardtanh {
        unwrap(Hardtanh::f_new(min_val, max_val))
    }
}

impl Softmin {
    /// `nn.Softmin(dim)`.
    pub fn new(dim: i64) -> Softmin {
        Softmin { dim }
    }
}

impl GLU {
    /// `nn.GLU(dim)`.
    pub fn new(dim: i64) -> GLU {
        GLU { dim }
    }
}

impl Threshold {
    /// `nn.Threshold(threshold, value)`.
    pub fn new(threshold: f64, value: f64) -> Threshold {
        Threshold { threshold, value }
    }
}

/// `max(0, x) + a * min(0, x)` with a learnt slope `a` (`nn.PReLU(num_parameters=1,
/// init=0.25)`): one slope shared by every channel, or one per channel (dimension 1).
///
/// ```
/// use libtorch::nn::{Module, PReLU};
/// use libtorch::Tensor;
/// let p = PReLU::new(1, 0.25);
/// let y = p.forward(&Tensor::from_slice(&[-2.0f32, 3.0]));
/// assert_eq!(y.to_vec::<f32>().unwrap(), [-0.5, 3.0]);
/// ```
pub struct PReLU {
    /// The slopes, `[num_parameters]`.
    pub weight: Tensor,
}

impl Default for PReLU {
    fn default() -> Self {
        PReLU::new(1, 0.25)
    }
}

impl PReLU {
    /// `num_parameters` slopes (1, or the number of channels), each `init`.
    #[track_caller]
    pub fn new(num_parameters: i64, init: f64) -> PReLU {
        unwrap(PReLU::f_new(num_parameters, init))
    }

    /// [`PReLU::new`], or an error unless `num_parameters` is positive.
    pub fn f_new(num_parameters: i64, init: f64) -> Result<PReLU> {
        super::check::positive("PReLU", &[("num_parameters", num_parameters)])?;
        let w = F::named(ops::empty(&[num_parameters]), "PReLU")?;
        super::init::constant_(&w, init)?;
        Ok(PReLU { weight: param(w) })
    }
}

impl Module for PReLU {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(F::f_prelu(x, &self.weight), "PReLU")
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        f("weight", Slot::Parameter, &self.weight);
    }
}
