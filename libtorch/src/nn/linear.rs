//! `Linear` and `Bilinear`.
use super::init::{kaiming_uniform_, uniform_, FanMode, Nonlinearity};
use super::module::{param, Module, Slot};
use super::{functional as F, ops};
use crate::error::unwrap;
use crate::{Result, Tensor};

/// `y = x W^T + b` (`torch.nn.Linear`): weight `[out, in]`, bias `[out]`, initialised as
/// PyTorch does: `kaiming_uniform_(a=√5)` for the weight (U(±1/√in)) and U(±1/√in) for the bias.
///
/// ```
/// use libtorch::nn::{Linear, Module};
/// use libtorch::Tensor;
/// let fc = Linear::new(4, 2);
/// assert_eq!(fc.weight.size(), [2, 4]);
/// let y = fc.forward(&Tensor::from_data(&[0.0f32; 4], &[1, 4]).unwrap());
/// // A zero input gives the bias.
/// assert_eq!(y.to_vec::<f32>().unwrap(), fc.bias.as_ref().unwrap().to_vec::<f32>().unwrap());
/// ```
pub struct Linear {
    /// `[out_features, in_features]`.
    pub weight: Tensor,
    /// `[out_features]`, when the layer has one.
    pub bias: Option<Tensor>,
}

impl Linear {
    /// A layer with a bias.
    pub fn new(in_features: i64, out_features: i64) -> Linear {
        Linear::with_bias(in_features, out_features, true)
    }

    /// A layer with or without a bias.
    pub fn with_bias(in_features: i64, out_features: i64, bias: bool) -> Linear {
        unwrap(Linear::f_new(in_features, out_features, bias))
    }

    /// Fallible form of [`Linear::with_bias`].
    #[track_caller]
    pub fn f_new(in_features: i64, out_features: i64, bias: bool) -> Result<Linear> {
        super::functional::named(Self::unnamed_new(in_features, out_features, bias), "Linear")
    }

    fn unnamed_new(in_features: i64, out_features: i64, bias: bool) -> Result<Linear> {
        super::check::sizes(
            "Linear",
            &[("in_features", in_features), ("out_features", out_features)],
        )?;
        let weight = ops::empty(&[out_features, in_features])?;
        kaiming_uniform_(
            &weight,
            5f64.sqrt(),
            FanMode::FanIn,
            Nonlinearity::LeakyRelu(0.0),
        )?;
        let bias = if bias {
            let b = ops::empty(&[out_features])?;
            let bound = if in_features > 0 {
                1.0 / (in_features as f64).sqrt()
            } else {
                0.0
            };
            uniform_(&b, -bound, bound)?;
            Some(param(b))
        } else {
            None
        };
        Ok(Linear {
            weight: param(weight),
            bias,
        })
    }
}

impl Module for Linear {
    fn f_forward(&self, xs: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_linear_with(xs, &self.weight, self.bias.as_ref()),
            "Linear",
        )
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        f("weight", Slot::Parameter, &self.weight);
        if let Some(b) = &self.bias {
            f("bias", Slot::Parameter, b);
        }
    }
}

/// `y_k = x1^T W_k x2 + b_k` (`torch.nn.Bilinear`): weight `[out, in1, in2]`, bias `[out]`,
/// both U(±1/√in1). Takes two inputs: use [`Bilinear::forward2`].
pub struct Bilinear {
    /// `[out, in1, in2]`.
    pub weight: Tensor,
    /// `[out]`.
    pub bias: Option<Tensor>,
}

impl Bilinear {
    /// A layer with a bias.
    pub fn new(in1: i64, in2: i64, out: i64) -> Bilinear {
        unwrap(Bilinear::f_new(in1, in2, out, true))
    }

    /// Fallible constructor, with or without bias.
    #[track_caller]
    pub fn f_new(in1: i64, in2: i64, out: i64, bias: bool) -> Result<Bilinear> {
        super::functional::named(Self::unnamed_new(in1, in2, out, bias), "Bilinear")
    }

    fn unnamed_new(in1: i64, in2: i64, out: i64, bias: bool) -> Result<Bilinear> {
        let bound = 1.0 / (in1 as f64).sqrt();
        let weight = ops::empty(&[out, in1, in2])?;
        uniform_(&weight, -bound, bound)?;
        let bias = if bias {
            let b = ops::empty(&[out])?;
            uniform_(&b, -bound, bound)?;
            Some(param(b))
        } else {
            None
        };
        Ok(Bilinear {
            weight: param(weight),
            bias,
        })
    }

    /// The forward pass on two inputs `[N, in1]`, `[N, in2]` -> `[N, out]`.
    pub fn forward2(&self, x1: &Tensor, x2: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_bilinear_with(x1, x2, &self.weight, self.bias.as_ref()),
            "Bilinear",
        )
    }
}

impl Module for Bilinear {
    /// Bilinear(x, x): the single-input form, for use inside containers.
    fn f_forward(&self, xs: &Tensor) -> Result<Tensor> {
        self.forward2(xs, xs)
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        f("weight", Slot::Parameter, &self.weight);
        if let Some(b) = &self.bias {
            f("bias", Slot::Parameter, b);
        }
    }
}
