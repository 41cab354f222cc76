//! `F.interpolate` and its module form `nn.Upsample`: resizing by an output size or a scale
//! factor, with ATen's `upsample_*` kernels picked as PyTorch picks them.
use super::functional::named;
use super::module::{Module, Slot};
use crate::{Error, Result, Tensor};

/// The interpolation algorithm (`mode=`); [`str::parse`] takes PyTorch's names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InterpolateMode {
    /// `'nearest'` (the default).
    #[default]
    Nearest,
    /// `'nearest-exact'`.
    NearestExact,
    /// `'linear'` (3-D input).
    Linear,
    /// `'bilinear'` (4-D input).
    Bilinear,
    /// `'bicubic'` (4-D input).
    Bicubic,
    /// `'trilinear'` (5-D input).
    Trilinear,
    /// `'area'` (adaptive average pooling).
    Area,
}

impl InterpolateMode {
    /// PyTorch's name.
    pub fn name(self) -> &'static str {
        match self {
            InterpolateMode::Nearest => "nearest",
            InterpolateMode::NearestExact => "nearest-exact",
            InterpolateMode::Linear => "linear",
            InterpolateMode::Bilinear => "bilinear",
            InterpolateMode::Bicubic => "bicubic",
            InterpolateMode::Trilinear => "trilinear",
            InterpolateMode::Area => "area",
        }
    }

    fn interpolating(self) -> bool {
        matches!(
            self,
            InterpolateMode::Linear
                | InterpolateMode::Bilinear
                | InterpolateMode::Bicubic
                | InterpolateMode::Trilinear
        )
    }
}

impl std::str::FromStr for InterpolateMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        use InterpolateMode::*;
        [
            Nearest,
            NearestExact,
            Linear,
            Bilinear,
            Bicubic,
            Trilinear,
            Area,
        ]
        .into_iter()
        .find(|m| m.name() == s)
        .ok_or_else(|| {
            Error::invalid(
                "interpolate",
                format!(
                    "unknown mode '{s}': expected nearest | nearest-exact | linear | bilinear \
                     | bicubic | trilinear | area"
                ),
            )
        })
    }
}

/// `F.interpolate`'s body (see [`interpolate_with`](super::functional::interpolate_with)); its
/// errors are named `interpolate`.
pub(crate) fn resize(
    x: &Tensor,
    size: Option<&[i64]>,
    scale_factor: Option<&[f64]>,
    mode: InterpolateMode,
    align_corners: Option<bool>,
    recompute_scale_factor: Option<bool>,
    antialias: bool,
) -> Result<Tensor> {
    let fail = |m: String| Err(Error::invalid("interpolate", m));
    if align_corners.is_some() && !mode.interpolating() {
        return fail(
            "align_corners option can only be set with the interpolating modes: linear | \
             bilinear | bicubic | trilinear"
                .into(),
        );
    }
    let align = align_corners.unwrap_or(false);
    let shape = x.f_size()?;
    if shape.len() < 3 {
        return fail(format!(
            "Input Error: Only 3D, 4D and 5D input Tensors supported (got {}D) for the modes: \
             nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got {})",
            shape.len(),
            mode.name()
        ));
    }
    let dim = shape.len() - 2;
    let spread = |n: usize, what: &str| -> Result<()> {
        if n != 1 && n != dim {
            return Err(Error::invalid(
                "interpolate",
                format!(
                    "Input and {what} must have the same number of spatial dimensions, but got \
                     input with spatial dimensions of {:?} and {what} of {n} values",
                    &shape[2..]
                ),
            ));
        }
        Ok(())
    };
    let (mut out_size, mut scales): (Option<Vec<i64>>, Option<Vec<f64>>) =
        match (size, scale_factor) {
            (Some(_), Some(_)) => {
                return fail("only one of size or scale_factor should be defined".into())
            }
            (None, None) => return fail("either size or scale_factor should be defined".into()),
            (Some(s), None) => {
                spread(s.len(), "output size")?;
                (
                    Some((0..dim).map(|i| s[i.min(s.len() - 1)]).collect()),
                    None,
                )
            }
            (None, Some(f)) => {
                spread(f.len(), "scale_factor")?;
                (
                    None,
                    Some((0..dim).map(|i| f[i.min(f.len() - 1)]).collect()),
                )
            }
        };
    if recompute_scale_factor == Some(true) && size.is_some() {
        return fail("recompute_scale_factor is not meaningful with an explicit size.".into());
    }
    if recompute_scale_factor == Some(true) || mode == InterpolateMode::Area {
        if let Some(f) = scales.take() {
            // PyTorch: `int(input.size(i + 2) * scale_factors[i])`.
            out_size = Some(
                (0..dim)
                    .map(|i| (shape[i + 2] as f64 * f[i]) as i64)
                    .collect(),
            );
        }
    }
    let bilinear_or_bicubic = matches!(mode, InterpolateMode::Bilinear | InterpolateMode::Bicubic);
    if antialias && !(bilinear_or_bicubic && shape.len() == 4) {
        return fail(
            "Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D \
             tensor as input"
                .into(),
        );
    }
    let (o, s) = (out_size.as_deref(), scales.as_deref());
    use InterpolateMode::*;
    match (mode, dim) {
        (Nearest, 1) => Tensor::f_upsample_nearest1d_vec(x, o, s),
        (Nearest, 2) => Tensor::f_upsample_nearest2d_vec(x, o, s),
        (Nearest, 3) => Tensor::f_upsample_nearest3d_vec(x, o, s),
        (NearestExact, 1) => Tensor::f__upsample_nearest_exact1d_vec(x, o, s),
        (NearestExact, 2) => Tensor::f__upsample_nearest_exact2d_vec(x, o, s),
        (NearestExact, 3) => Tensor::f__upsample_nearest_exact3d_vec(x, o, s),
        (Area, 1) => x.f_adaptive_avg_pool1d(o.unwrap_or_default()),
        (Area, 2) => x.f_adaptive_avg_pool2d(o.unwrap_or_default()),
        (Area, 3) => x.f_adaptive_avg_pool3d(o.unwrap_or_default()),
        (Linear, 1) => Tensor::f_upsample_linear1d_vec(x, o, align, s),
        (Bilinear, 2) if antialias => Tensor::f__upsample_bilinear2d_aa_vec(x, o, align, s),
        (Bicubic, 2) if antialias => Tensor::f__upsample_bicubic2d_aa_vec(x, o, align, s),
        (Bilinear, 2) => Tensor::f_upsample_bilinear2d_vec(x, o, align, s),
        (Bicubic, 2) => Tensor::f_upsample_bicubic2d_vec(x, o, align, s),
        (Trilinear, 3) => Tensor::f_upsample_trilinear3d_vec(x, o, align, s),
        _ => fail(format!(
            "Input Error: Only 3D, 4D and 5D input Tensors supported (got {}D) for the modes: \
             nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got {})",
            shape.len(),
            mode.name()
        )),
    }
}

/// Resizes its input (`nn.Upsample(size=None, scale_factor=None, mode='nearest',
/// align_corners=None)`), by [`F::interpolate_with`](super::functional::interpolate_with).
///
/// ```
/// use libtorch::nn::{InterpolateMode, Module, Upsample};
/// use libtorch::Tensor;
/// let up = Upsample::scale_factor(&[2.0]).mode(InterpolateMode::Bilinear);
/// let x = Tensor::from_data(&[0.0f32; 6], &[1, 1, 2, 3]).unwrap();
/// assert_eq!(up.forward(&x).size(), [1, 1, 4, 6]);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Upsample {
    /// The output's spatial size (one value for every dimension, or one per dimension).
    pub size: Option<Vec<i64>>,
    /// The multiplier of each spatial size (one value, or one per dimension).
    pub scale_factor: Option<Vec<f64>>,
    /// The algorithm.
    pub mode: InterpolateMode,
    /// Align the corner pixels (interpolating modes only; `None`: false).
    pub align_corners: Option<bool>,
}

impl Upsample {
    /// Resizes to `size` (`nn.Upsample(size=...)`).
    pub fn size(size: &[i64]) -> Upsample {
        Upsample {
            size: Some(size.to_vec()),
            ..Default::default()
        }
    }
    /// Scales by `scale_factor` (`nn.Upsample(scale_factor=...)`).
    pub fn scale_factor(scale_factor: &[f64]) -> Upsample {
        Upsample {
            scale_factor: Some(scale_factor.to_vec()),
            ..Default::default()
        }
    }
    /// Sets the mode.
    pub fn mode(mut self, mode: InterpolateMode) -> Upsample {
        self.mode = mode;
        self
    }
    /// Sets `align_corners`.
    pub fn align_corners(mut self, align_corners: bool) -> Upsample {
        self.align_corners = Some(align_corners);
        self
    }
}

impl Module for Upsample {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        named(
            resize(
                x,
                self.size.as_deref(),
                self.scale_factor.as_deref(),
                self.mode,
                self.align_corners,
                None,
                false,
            ),
            "Upsample",
        )
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}
