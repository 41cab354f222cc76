//! `InstanceNorm1d/2d/3d`: each channel of each sample normalised over its spatial dimensions.
use super::functional as F;
use super::module::{param, Module, Slot};
use super::ops;
use crate::error::unwrap;
use crate::{Error, Kind, Result, Tensor};

/// Instance normalisation over `D` spatial dimensions (`nn.InstanceNorm1d/2d/3d(num_features,
/// eps=1e-5, momentum=0.1, affine=False, track_running_stats=False)`). With `affine`: weight 1,
/// bias 0; with `track_running_stats`: running mean 0, running var 1 and
/// `num_batches_tracked`, updated in training and used in eval mode. Accepts batched
/// `[N, C, ...]` and unbatched `[C, ...]` input.
///
/// ```
/// use libtorch::nn::{InstanceNorm2d, Module};
/// use libtorch::Tensor;
/// let norm = InstanceNorm2d::new(2);
/// let x = Tensor::from_data(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0, 5.0], &[1, 2, 2, 2]).unwrap();
/// let y = norm.forward(&x).to_vec::<f32>().unwrap();
/// // Channel 0 standardised over its 4 pixels; the constant channel 1 becomes 0.
/// let want = [-1.3416f32, -0.4472, 0.4472, 1.3416, 0.0, 0.0, 0.0, 0.0];
/// assert!(y.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-3), "{y:?}");
/// ```
pub struct InstanceNormNd<const D: usize> {
    /// γ `[C]` when `affine`.
    pub weight: Option<Tensor>,
    /// β `[C]` when `affine`.
    pub bias: Option<Tensor>,
    /// Buffer `[C]` when `track_running_stats`.
    pub running_mean: Option<Tensor>,
    /// Buffer `[C]` when `track_running_stats`.
    pub running_var: Option<Tensor>,
    /// Buffer (int64 scalar) when `track_running_stats`.
    pub num_batches_tracked: Option<Tensor>,
    /// C.
    pub num_features: i64,
    /// Added to the variance.
    pub eps: f64,
    /// Running-statistics momentum.
    pub momentum: f64,
    training: bool,
}

/// Over `[N, C, L]` or `[C, L]`.
pub type InstanceNorm1d = InstanceNormNd<1>;
/// Over `[N, C, H, W]` or `[C, H, W]`.
pub type InstanceNorm2d = InstanceNormNd<2>;
/// Over `[N, C, D, H, W]` or `[C, D, H, W]`.
pub type InstanceNorm3d = InstanceNormNd<3>;

fn name(d: usize) -> &'static str {
    ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"][d.clamp(1, 3) - 1]
}

impl<const D: usize> InstanceNormNd<D> {
    /// `num_features` channels, PyTorch's defaults (no affine parameters, no running stats).
    #[track_caller]
    pub fn new(num_features: i64) -> Self {
        unwrap(Self::f_new(num_features, 1e-5, 0.1, false, false))
    }

    /// All of PyTorch's arguments; an error for a negative `num_features`.
    pub fn f_new(
        num_features: i64,
        eps: f64,
        momentum: f64,
        affine: bool,
        track_running_stats: bool,
    ) -> Result<Self> {
        F::named(
            Self::unnamed_new(num_features, eps, momentum, affine, track_running_stats),
            name(D),
        )
    }

    fn unnamed_new(
        num_features: i64,
        eps: f64,
        momentum: f64,
        affine: bool,
        track_running_stats: bool,
    ) -> Result<Self> {
        super::check::sizes(name(D), &[("num_features", num_features)])?;
        let c = [num_features];
        let (weight, bias) = if affine {
            (Some(param(ops::ones(&c)?)), Some(param(ops::zeros(&c)?)))
        } else {
            (None, None)
        };
        let (running_mean, running_var, num_batches_tracked) = if track_running_stats {
            (
                Some(ops::zeros(&c)?),
                Some(ops::ones(&c)?),
                Some(ops::full(&[], 0.0, Kind::Int64)?),
            )
        } else {
            (None, None, None)
        };
        Ok(InstanceNormNd {
            weight,
            bias,
            running_mean,
            running_var,
            num_batches_tracked,
            num_features,
            eps,
            momentum,
            training: true,
        })
    }

    fn run(&self, x: &Tensor) -> Result<Tensor> {
        let dim = x.f_dim()?;
        if dim != D + 1 && dim != D + 2 {
            return Err(Error::invalid(
                name(D),
                format!("expected {}D or {}D input (got {dim}D input)", D + 1, D + 2),
            ));
        }
        let channels = x.f_size()?[dim - D - 1];
        if channels != self.num_features && self.weight.is_some() {
            return Err(Error::invalid(
                name(D),
                format!(
                    "expected input's size at dim={} to match num_features ({}), but got: \
                     {channels}.",
                    dim - D - 1,
                    self.num_features
                ),
            ));
        }
        let use_input_stats = self.training || self.running_mean.is_none();
        let norm = |x: &Tensor| {
            F::f_instance_norm_with(
                x,
                self.running_mean.as_ref(),
                self.running_var.as_ref(),
                self.weight.as_ref(),
                self.bias.as_ref(),
                use_input_stats,
                self.momentum,
                self.eps,
            )
        };
        if dim == D + 1 {
            norm(&x.f_unsqueeze(0)?)?.f_squeeze_dim(0)
        } else {
            norm(x)
        }
    }
}

impl<const D: usize> Module for InstanceNormNd<D> {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(self.run(x), name(D))
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        for (n, s, t) in [
            ("weight", Slot::Parameter, &self.weight),
            ("bias", Slot::Parameter, &self.bias),
            ("running_mean", Slot::Buffer, &self.running_mean),
            ("running_var", Slot::Buffer, &self.running_var),
            (
                "num_batches_tracked",
                Slot::Buffer,
                &self.num_batches_tracked,
            ),
        ] {
            if let Some(t) = t {
                f(n, s, t);
            }
        }
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
    fn is_training(&self) -> bool {
        self.training
    }
}
