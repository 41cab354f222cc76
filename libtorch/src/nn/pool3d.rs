//! 3-D pooling (`MaxPool3d`, `AvgPool3d`) and the adaptive pools not in `pool.rs`
//! (`AdaptiveAvgPool1d/3d`, `AdaptiveMaxPool1d/2d/3d`). No parameters.
use super::dims::IntoDims;
use super::functional as F;
use super::module::{Module, Slot};
use crate::{Result, Tensor};

/// 3-D max pooling over `[N, C, D, H, W]` (`nn.MaxPool3d(kernel_size, stride=None, padding=0,
/// dilation=1, ceil_mode=False)`; the stride defaults to the kernel size).
///
/// ```
/// use libtorch::nn::{MaxPool3d, Module};
/// use libtorch::Tensor;
/// let x = Tensor::from_data(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], &[1, 1, 2, 2, 2]).unwrap();
/// assert_eq!(MaxPool3d::new(2).forward(&x).to_vec::<f32>().unwrap(), [8.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPool3d {
    /// Window size.
    pub kernel_size: [i64; 3],
    /// Step between windows.
    pub stride: [i64; 3],
    /// Implicit -∞ padding.
    pub padding: [i64; 3],
    /// Window dilation.
    pub dilation: [i64; 3],
    /// Round the output size up.
    pub ceil_mode: bool,
}

impl MaxPool3d {
    /// Non-overlapping windows of `kernel_size`.
    pub fn new(kernel_size: impl IntoDims<3>) -> MaxPool3d {
        let k = kernel_size.into_dims();
        MaxPool3d {
            kernel_size: k,
            stride: k,
            padding: [0; 3],
            dilation: [1; 3],
            ceil_mode: false,
        }
    }
    /// Sets the stride.
    pub fn stride(mut self, s: impl IntoDims<3>) -> Self {
        self.stride = s.into_dims();
        self
    }
    /// Sets the padding.
    pub fn padding(mut self, p: impl IntoDims<3>) -> Self {
        self.padding = p.into_dims();
        self
    }
    /// Sets the dilation.
    pub fn dilation(mut self, d: impl IntoDims<3>) -> Self {
        self.dilation = d.into_dims();
        self
    }
    /// Rounds the output size up.
    pub fn ceil_mode(mut self, c: bool) -> Self {
        self.ceil_mode = c;
        self
    }
}

impl Module for MaxPool3d {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_max_pool3d_with(
                x,
                self.kernel_size,
                self.stride,
                self.padding,
                self.dilation,
                self.ceil_mode,
            ),
            "MaxPool3d",
        )
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// 3-D average pooling (`nn.AvgPool3d(kernel_size, stride=None, padding=0, ceil_mode=False,
/// count_include_pad=True, divisor_override=None)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvgPool3d {
    /// Window size.
    pub kernel_size: [i64; 3],
    /// Step between windows.
    pub stride: [i64; 3],
    /// Zero padding.
    pub padding: [i64; 3],
    /// Round the output size up.
    pub ceil_mode: bool,
    /// Count padding zeros in the average.
    pub count_include_pad: bool,
    /// Divide by this instead of the window size.
    pub divisor_override: Option<i64>,
}

impl AvgPool3d {
    /// Non-overlapping windows of `kernel_size`.
    pub fn new(kernel_size: impl IntoDims<3>) -> AvgPool3d {
        let k = kernel_size.into_dims();
        AvgPool3d {
            kernel_size: k,
            stride: k,
            padding: [0; 3],
            ceil_mode: false,
            count_include_pad: true,
            divisor_override: None,
        }
    }
    /// Sets the stride.
    pub fn stride(mut self, s: impl IntoDims<3>) -> Self {
        self.stride = s.into_dims();
        self
    }
    /// Sets the padding.
    pub fn padding(mut self, p: impl IntoDims<3>) -> Self {
        self.padding = p.into_dims();
        self
    }
    /// Rounds the output size up.
    pub fn ceil_mode(mut self, c: bool) -> Self {
        self.ceil_mode = c;
        self
    }
    /// Whether padding zeros count in the average.
    pub fn count_include_pad(mut self, c: bool) -> Self {
        self.count_include_pad = c;
        self
    }
    /// Divides by `d` instead of the window size.
    pub fn divisor_override(mut self, d: i64) -> Self {
        self.divisor_override = Some(d);
        self
    }
}

impl Module for AvgPool3d {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_avg_pool3d_with(
                x,
                self.kernel_size,
                self.stride,
                self.padding,
                self.ceil_mode,
                self.count_include_pad,
                self.divisor_override,
            ),
            "AvgPool3d",
        )
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// Average pooling of `[N, C, L]` to `output_size` (`nn.AdaptiveAvgPool1d(output_size)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdaptiveAvgPool1d {
    /// The output length.
    pub output_size: i64,
}

impl AdaptiveAvgPool1d {
    /// `nn.AdaptiveAvgPool1d(output_size)`.
    pub fn new(output_size: i64) -> Self {
        AdaptiveAvgPool1d { output_size }
    }
}

impl Module for AdaptiveAvgPool1d {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_adaptive_avg_pool1d(x, self.output_size),
            "AdaptiveAvgPool1d",
        )
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// Average pooling of `[N, C, D, H, W]` to `output_size` (`nn.AdaptiveAvgPool3d`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdaptiveAvgPool3d {
    /// `(d, h, w)`.
    pub output_size: [i64; 3],
}

impl AdaptiveAvgPool3d {
    /// `nn.AdaptiveAvgPool3d(output_size)`.
    pub fn new(output_size: impl IntoDims<3>) -> Self {
        AdaptiveAvgPool3d {
            output_size: output_size.into_dims(),
        }
    }
}

impl Module for AdaptiveAvgPool3d {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_adaptive_avg_pool3d(x, self.output_size),
            "AdaptiveAvgPool3d",
        )
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// Max pooling to a fixed output size over `N` spatial dimensions (`nn.AdaptiveMaxPool1d/2d/
/// 3d(output_size)`); [`AdaptiveMaxPoolNd::forward_with_indices`] also returns the indices
/// (`return_indices=True`).
///
/// ```
/// use libtorch::nn::{AdaptiveMaxPool2d, Module};
/// use libtorch::Tensor;
/// let x = Tensor::from_data(&[1.0f32, 5.0, 3.0, 4.0], &[1, 1, 2, 2]).unwrap();
/// assert_eq!(AdaptiveMaxPool2d::new(1).forward(&x).to_vec::<f32>().unwrap(), [5.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdaptiveMaxPoolNd<const N: usize> {
    /// The output's spatial size.
    pub output_size: [i64; N],
}

/// Over `[N, C, L]`.
pub type AdaptiveMaxPool1d = AdaptiveMaxPoolNd<1>;
/// Over `[N, C, H, W]`.
pub type AdaptiveMaxPool2d = AdaptiveMaxPoolNd<2>;
/// Over `[N, C, D, H, W]`.
pub type AdaptiveMaxPool3d = AdaptiveMaxPoolNd<3>;

impl<const N: usize> AdaptiveMaxPoolNd<N> {
    /// Pools to `output_size`.
    pub fn new(output_size: impl IntoDims<N>) -> Self {
        AdaptiveMaxPoolNd {
            output_size: output_size.into_dims(),
        }
    }

    /// The pooled values and the flat index of each maximum in its input plane.
    pub fn forward_with_indices(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        F::f_adaptive_max_pool(x, &self.output_size)
    }
}

impl<const N: usize> Module for AdaptiveMaxPoolNd<N> {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.forward_with_indices(x)?.0)
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}
