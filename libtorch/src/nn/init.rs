//! Parameter initialisation, as `torch.nn.init`: every function fills its tensor in place
//! (without recording autograd history) and draws from libtorch's default generator, so
//! [`manual_seed`](crate::manual_seed) makes it reproducible.
//!
//! ```
//! use libtorch::{nn::init, Tensor};
//! let w = Tensor::from_data(&[0.0f32; 12], &[4, 3]).unwrap();
//! init::constant_(&w, 0.5).unwrap();
//! assert_eq!(w.to_vec::<f32>().unwrap(), [0.5; 12]);
//! ```
use super::functional::named;
use super::ops;
use crate::{Error, Result, Tensor};

/// Which fan `kaiming_*` preserves the variance of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FanMode {
    /// Forward pass (the default).
    #[default]
    FanIn,
    /// Backward pass.
    FanOut,
}

/// The non-linearity a gain is computed for (`calculate_gain`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Nonlinearity {
    /// Linear / conv / sigmoid: 1.
    Linear,
    /// Sigmoid: 1.
    Sigmoid,
    /// 5/3.
    Tanh,
    /// √2.
    Relu,
    /// √(2 / (1 + slope²)).
    LeakyRelu(f64),
    /// 3/4.
    Selu,
}

/// The recommended gain for a non-linearity (`torch.nn.init.calculate_gain`).
pub fn calculate_gain(nl: Nonlinearity) -> f64 {
    match nl {
        Nonlinearity::Linear | Nonlinearity::Sigmoid => 1.0,
        Nonlinearity::Tanh => 5.0 / 3.0,
        Nonlinearity::Relu => 2f64.sqrt(),
        Nonlinearity::LeakyRelu(a) => (2.0 / (1.0 + a * a)).sqrt(),
        Nonlinearity::Selu => 0.75,
    }
}

/// `(fan_in, fan_out)` of a weight of at least 2 dimensions: `size(1)` and `size(0)` times the
/// product of the remaining (receptive field) dimensions.
pub fn calculate_fan_in_and_fan_out(t: &Tensor) -> Result<(i64, i64)> {
    let s = t.f_size()?;
    if s.len() < 2 {
        return Err(Error::invalid(
            "init",
            "fan in and fan out need a tensor of at least 2 dimensions",
        ));
    }
    let receptive: i64 = s[2..].iter().product();
    Ok((s[1] * receptive, s[0] * receptive))
}

/// Whether `t` has no elements: initialising it is a no-op, as PyTorch's initialisers say
/// ("Initializing zero-element tensors is a no-op"), rather than a division by a zero fan.
fn no_elements(t: &Tensor) -> Result<bool> {
    Ok(t.f_size()?.contains(&0))
}

/// Fills with U(a, b).
pub fn uniform_(t: &Tensor, a: f64, b: f64) -> Result<()> {
    let _g = crate::NoGradGuard::new();
    named(ops::uniform_(t, a, b), "uniform_")
}

/// Fills with N(mean, std²).
pub fn normal_(t: &Tensor, mean: f64, std: f64) -> Result<()> {
    let _g = crate::NoGradGuard::new();
    named(ops::normal_(t, mean, std), "normal_")
}

/// Fills with `v`.
pub fn constant_(t: &Tensor, v: f64) -> Result<()> {
    let _g = crate::NoGradGuard::new();
    named(ops::fill_(t, v), "constant_")
}

/// Fills with 0.
pub fn zeros_(t: &Tensor) -> Result<()> {
    constant_(t, 0.0)
}

/// Fills with 1.
pub fn ones_(t: &Tensor) -> Result<()> {
    constant_(t, 1.0)
}

/// Glorot uniform: U(-a, a) with `a = gain * sqrt(6 / (fan_in + fan_out))`.
pub fn xavier_uniform_(t: &Tensor, gain: f64) -> Result<()> {
    if no_elements(t)? {
        return Ok(());
    }
    let (fi, fo) = calculate_fan_in_and_fan_out(t)?;
    let std = gain * (2.0 / (fi + fo) as f64).sqrt();
    let a = 3f64.sqrt() * std;
    uniform_(t, -a, a)
}

/// Glorot normal: N(0, std²) with `std = gain * sqrt(2 / (fan_in + fan_out))`.
pub fn xavier_normal_(t: &Tensor, gain: f64) -> Result<()> {
    if no_elements(t)? {
        return Ok(());
    }
    let (fi, fo) = calculate_fan_in_and_fan_out(t)?;
    let std = gain * (2.0 / (fi + fo) as f64).sqrt();
    normal_(t, 0.0, std)
}

fn kaiming_std(t: &Tensor, a: f64, mode: FanMode, nl: Nonlinearity) -> Result<f64> {
    let (fi, fo) = calculate_fan_in_and_fan_out(t)?;
    let fan = match mode {
        FanMode::FanIn => fi,
        FanMode::FanOut => fo,
    };
    let nl = match nl {
        Nonlinearity::LeakyRelu(_) => Nonlinearity::LeakyRelu(a),
        other => other,
    };
    Ok(calculate_gain(nl) / (fan as f64).sqrt())
}

/// He uniform: U(-b, b) with `b = gain * sqrt(3 / fan)`; `a` is the leaky-ReLU slope used by
/// `Nonlinearity::LeakyRelu` (PyTorch's default `nonlinearity='leaky_relu'`).
pub fn kaiming_uniform_(t: &Tensor, a: f64, mode: FanMode, nl: Nonlinearity) -> Result<()> {
    if no_elements(t)? {
        return Ok(());
    }
    let bound = 3f64.sqrt() * kaiming_std(t, a, mode, nl)?;
    uniform_(t, -bound, bound)
}

/// He normal: N(0, std²) with `std = gain / sqrt(fan)`.
pub fn kaiming_normal_(t: &Tensor, a: f64, mode: FanMode, nl: Nonlinearity) -> Result<()> {
    if no_elements(t)? {
        return Ok(());
    }
    let std = kaiming_std(t, a, mode, nl)?;
    normal_(t, 0.0, std)
}

/// A (semi-)orthogonal matrix from the QR decomposition of a normal sample, scaled by `gain`
/// (`torch.nn.init.orthogonal_`); trailing dimensions are flattened.
pub fn orthogonal_(t: &Tensor, gain: f64) -> Result<()> {
    named(orthogonal(t, gain), "orthogonal_")
}

fn orthogonal(t: &Tensor, gain: f64) -> Result<()> {
    if no_elements(t)? {
        return Ok(());
    }
    let s = t.f_size()?;
    if s.len() < 2 {
        return Err(Error::invalid(
            "orthogonal_",
            "only tensors with 2 or more dimensions are supported",
        ));
    }
    let _g = crate::NoGradGuard::new();
    let rows = s[0];
    let cols = t.numel() as i64 / rows;
    let mut flat = ops::empty(&[rows, cols])?;
    ops::normal_(&flat, 0.0, 1.0)?;
    if rows < cols {
        flat = ops::transpose(&flat, 0, 1)?;
    }
    let (q, r) = Tensor::f_linalg_qr(&flat)?;
    let ph = r.f_diagonal()?.f_sign()?;
    let mut q = ops::mul(&q, &ph)?;
    if rows < cols {
        q = ops::transpose(&q, 0, 1)?;
    }
    let q = ops::mul_scalar(&ops::reshape(&q, &s)?, gain)?;
    ops::copy_(t, &q)
}
