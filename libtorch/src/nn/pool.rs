//! Pooling: `MaxPool1d/2d`, `AvgPool1d/2d`, `AdaptiveAvgPool2d` (no parameters).
use super::functional as F;
use super::module::{Module, Slot};
use crate::{Result, Tensor};

/// 2-D max pooling; `stride` defaults to the kernel size.
///
/// ```
/// use libtorch::nn::{MaxPool2d, Module};
/// use libtorch::Tensor;
/// let x = Tensor::from_data(&[1.0f32, 2.0, 3.0, 4.0], &[1, 1, 2, 2]).unwrap();
/// assert_eq!(MaxPool2d::new(2).forward(&x).to_vec::<f32>().unwrap(), [4.0]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MaxPool2d {
    /// Window size.
    pub kernel: i64,
    /// Step between windows.
    pub stride: i64,
    /// Implicit -∞ padding.
    pub padding: i64,
    /// Window dilation.
    pub dilation: i64,
    /// Round the output size up.
    pub ceil_mode: bool,
}

impl MaxPool2d {
    /// Non-overlapping `kernel`×`kernel` windows.
    pub fn new(kernel: i64) -> Self {
        MaxPool2d {
            kernel,
            stride: kernel,
            padding: 0,
            dilation: 1,
            ceil_mode: false,
        }
    }
}

impl Module for MaxPool2d {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_max_pool2d_with(
                x,
                self.kernel,
                self.stride,
                self.padding,
                self.dilation,
                self.ceil_mode,
            ),
            "MaxPool2d",
        )
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// 2-D average pooling; `stride` defaults to the kernel size.
#[derive(Clone, Copy, Debug)]
pub struct AvgPool2d {
    /// Window size.
    pub kernel: i64,
    /// Step between windows.
    pub stride: i64,
    /// Zero padding.
    pub padding: i64,
    /// Round the output size up.
    pub ceil_mode: bool,
    /// Count padding zeros in the average.
    pub count_include_pad: bool,
}

impl AvgPool2d {
    /// Non-overlapping `kernel`×`kernel` windows.
    pub fn new(kernel: i64) -> Self {
        AvgPool2d {
            kernel,
            stride: kernel,
            padding: 0,
            ceil_mode: false,
            count_include_pad: true,
        }
    }
}

impl Module for AvgPool2d {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_avg_pool2d_with(
                x,
                self.kernel,
                self.stride,
                self.padding,
                self.ceil_mode,
                self.count_include_pad,
                None,
            ),
            "AvgPool2d",
        )
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// 1-D max pooling (stride = kernel).
#[derive(Clone, Copy, Debug)]
pub struct MaxPool1d {
    /// Window size.
    pub kernel: i64,
}

impl Module for MaxPool1d {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(F::f_max_pool1d(x, self.kernel), "MaxPool1d")
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// 1-D average pooling (stride = kernel).
#[derive(Clone, Copy, Debug)]
pub struct AvgPool1d {
    /// Window size.
    pub kernel: i64,
}

impl Module for AvgPool1d {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(F::f_avg_pool1d(x, self.kernel), "AvgPool1d")
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}

/// Average pooling to a fixed output size `(h, w)`.
#[derive(Clone, Copy, Debug)]
pub struct AdaptiveAvgPool2d {
    /// The output's spatial size.
    pub output_size: (i64, i64),
}

impl Module for AdaptiveAvgPool2d {
    fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        F::named(
            F::f_adaptive_avg_pool2d(x, [self.output_size.0, self.output_size.1]),
            "AdaptiveAvgPool2d",
        )
    }
    fn visit(&self, _f: &mut dyn FnMut(&str, Slot, &Tensor)) {}
}
