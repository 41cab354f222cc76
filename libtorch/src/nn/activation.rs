//! Activation modules (no parameters), `Flatten`, and `Func`, a module from a closure; the
//! activations with settings are in `activation_args.rs`, `PReLU` in `prelu.rs`.
use super::functional as F;
use super::module::{Module, Slot};
use crate::{Result, Tensor};

macro_rules! activation {
    ($($(#[$doc:meta])* $name:ident => |$x:ident| $body:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;
        impl Module for $name {
            fn f_forward(&self, $x: &Tensor) -> Result<Tensor> {
                F::named($body, stringify!($name))
            }
            fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
        }
    )*};
}

activation! {
    /// `max(x, 0)`.
    ReLU => |x| F::f_relu(x);
    /// `tanh(x)`.
    Tanh => |x| F::f_tanh(x);
    /// `1 / (1 + exp(-x))`.
    Sigmoid => |x| F::f_sigmoid(x);
    /// `x * sigmoid(x)`.
    SiLU => |x| F::f_silu(x);
    /// `x * tanh(softplus(x))`.
    Mish => |x| F::f_mish(x);
    /// `min(max(x, 0), 6)`.
    ReLU6 => |x| F::f_relu6(x);
    /// `x` unchanged (`nn.Identity`, a placeholder).
    Identity => |x| Ok(x.clone());
    /// `x * relu6(x + 3) / 6`.
    Hardswish => |x| F::f_hardswish(x);
    /// `relu6(x + 3) / 6`.
    Hardsigmoid => |x| F::f_hardsigmoid(x);
    /// `x / (1 + |x|)`.
    Softsign => |x| F::f_softsign(x);
    /// `scale * (max(0, x) + min(0, α (exp(x) - 1)))` with PyTorch's α and scale.
    SELU => |x| F::f_selu(x);
    /// `log(sigmoid(x))`.
    LogSigmoid => |x| F::f_logsigmoid(x);
    /// `x - tanh(x)`.
    Tanhshrink => |x| F::f_tanhshrink(x);
}

/// GELU (`approximate='none'`, or `'tanh'` with `tanh: true`).
#[derive(Clone, Copy, Debug, Default)]
pub struct GELU {
    /// Use the tanh approximation.
    pub tanh: bool,
}

impl Module for GELU {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_gelu_with(x, if self.tanh { "tanh" } else { "none" }),
            "GELU",
        )
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// Leaky ReLU with the given negative slope (PyTorch's default 0.01).
#[derive(Clone, Copy, Debug)]
pub struct LeakyReLU {
    /// The slope for negative inputs.
    pub negative_slope: f64,
}

impl Default for LeakyReLU {
    fn default() -> Self {
        LeakyReLU {
            negative_slope: 0.01,
        }
    }
}

impl Module for LeakyReLU {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(F::f_leaky_relu_with(x, self.negative_slope), "LeakyReLU")
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// Softmax along `dim`.
#[derive(Clone, Copy, Debug)]
pub struct Softmax {
    /// The dimension that sums to 1.
    pub dim: i64,
}

impl Module for Softmax {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(F::f_softmax(x, self.dim), "Softmax")
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// Log-softmax along `dim`.
#[derive(Clone, Copy, Debug)]
pub struct LogSoftmax {
    /// The normalised dimension.
    pub dim: i64,
}

impl Module for LogSoftmax {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(F::f_log_softmax(x, self.dim), "LogSoftmax")
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// Flattens dimensions `start_dim..=end_dim` (`nn.Flatten()`: 1..=-1).
#[derive(Clone, Copy, Debug)]
pub struct Flatten {
    /// First flattened dimension.
    pub start_dim: i64,
    /// Last flattened dimension.
    pub end_dim: i64,
}

impl Default for Flatten {
    fn default() -> Self {
        Flatten {
            start_dim: 1,
            end_dim: -1,
        }
    }
}

impl Module for Flatten {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            x.f_flatten_using_ints_with(self.start_dim, self.end_dim),
            "Flatten",
        )
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// A parameterless module running a closure (`Sequential::add_fn`).
pub struct Func<G: Fn(&Tensor) -> Result<Tensor>>(pub G);

impl<G: Fn(&Tensor) -> Result<Tensor>> Module for Func<G> {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        (self.0)(x)
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}
