//! Small building blocks the models share: activations torchvision uses, its
//! `Conv2dNormActivation`, and the initialisations it applies after building a model.
use crate::error::Result;
use crate::nn::init::{self, FanMode, Nonlinearity};
use crate::nn::{BatchNorm2d, Conv2d, ConvConfig, Module, Sequential, Slot};
use crate::{NoGradGuard, Tensor};

/// `x * relu6(x + 3) / 6` (`nn.Hardswish`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Hardswish;

impl Module for Hardswish {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        x.f_hardswish()
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// `relu6(x + 3) / 6` (`nn.Hardsigmoid`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Hardsigmoid;

impl Module for Hardsigmoid {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        x.f_hardsigmoid()
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// The activation after a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Act {
    None,
    Relu,
    Hardswish,
}

/// torchvision's `Conv2dNormActivation`: a `Sequential` of a bias-free convolution (padding
/// `(k - 1) / 2 * dilation`), a batch norm and the activation, named `0`, `1`, `2`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn conv_norm_act(
    cin: i64,
    cout: i64,
    kernel: i64,
    stride: i64,
    groups: i64,
    dilation: i64,
    bn: (f64, f64),
    act: Act,
) -> Result<Sequential> {
    let cfg = ConvConfig::default()
        .stride(stride)
        .padding((kernel - 1) / 2 * dilation)
        .dilation(dilation)
        .groups(groups)
        .bias(false);
    let conv = Conv2d::f_make(cin, cout, kernel, cfg, false)?;
    let s = Sequential::new().add(conv).add(batch_norm(cout, bn)?);
    Ok(match act {
        Act::None => s,
        Act::Relu => s.add(crate::nn::ReLU),
        Act::Hardswish => s.add(Hardswish),
    })
}

/// A `BatchNorm2d` with `(eps, momentum)`.
pub(crate) fn batch_norm(c: i64, (eps, momentum): (f64, f64)) -> Result<BatchNorm2d> {
    let mut b = BatchNorm2d::f_new(c)?;
    b.eps = eps;
    b.momentum = momentum;
    Ok(b)
}

/// `kaiming_normal_(w, mode="fan_out", nonlinearity="relu")` on every 4-D parameter (the
/// convolutions' weights), in registration order, as torchvision's model constructors loop
/// over `self.modules()`.
pub(crate) fn kaiming_normal_convs(m: &dyn Module) -> Result<()> {
    let _g = NoGradGuard::new();
    for (_, p) in m.named_parameters() {
        if p.dim() == 4 {
            init::kaiming_normal_(&p, 0.0, FanMode::FanOut, Nonlinearity::Relu)?;
        }
    }
    Ok(())
}

/// `nn.init.trunc_normal_(t, mean, std, a, b)`, with PyTorch's inverse-CDF method (one uniform
/// draw per element).
pub(crate) fn trunc_normal_(t: &Tensor, mean: f64, std: f64, a: f64, b: f64) -> Result<()> {
    let _g = NoGradGuard::new();
    let cdf = |x: f64| (1.0 + erf(x / 2f64.sqrt())) / 2.0;
    let l = cdf((a - mean) / std);
    let u = cdf((b - mean) / std);
    let mut h = t.shallow_clone();
    h.f_uniform__with(2.0 * l - 1.0, 2.0 * u - 1.0, None)?;
    h.f_erfinv_()?;
    h.f_mul_scalar_(std * 2f64.sqrt())?;
    h.f_add_scalar_(mean)?;
    h.f_clamp_(a, b)?;
    Ok(())
}

/// The error function (Python's `math.erf`), via libtorch's `erf` on a float64 scalar.
fn erf(x: f64) -> f64 {
    Tensor::from_slice(&[x]).erf().double_value()
}
