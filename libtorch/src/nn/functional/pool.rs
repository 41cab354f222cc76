//! Pooling: `F.max_pool1d/2d/3d`, `F.avg_pool1d/2d/3d`, `F.adaptive_avg_pool1d/2d/3d`,
//! `F.adaptive_max_pool1d/2d/3d`.
//!
//! PyTorch's `stride=None` (the default) is the kernel size; the `_with` forms take the stride
//! itself (pass the kernel size for PyTorch's default).
use super::{named, pair};
use crate::nn::check;
use crate::nn::IntoDims;
use crate::{Error, Result, Tensor};

fn divisor(name: &'static str, divisor_override: Option<i64>) -> Result<()> {
    if divisor_override == Some(0) {
        return Err(Error::invalid(name, "divisor must be not zero"));
    }
    Ok(())
}

pair! {
    /// 1-D max pooling of `[N, C, L]` (or `[C, L]`) over non-overlapping windows
    /// (`F.max_pool1d(input, kernel_size)`).
    fn max_pool1d / f_max_pool1d(x: &Tensor, kernel_size: impl IntoDims<1>) -> Tensor {
        let k = kernel_size.into_dims();
        f_max_pool1d_with(x, k, k, 0, 1, false)
    }
    /// 1-D max pooling (`F.max_pool1d(input, kernel_size, stride, padding, dilation,
    /// ceil_mode)`).
    /// PyTorch's default `stride=None` is `kernel_size`: pass it for that.
    fn max_pool1d_with / f_max_pool1d_with(
        x: &Tensor,
        kernel_size: impl IntoDims<1>,
        stride: impl IntoDims<1>,
        padding: impl IntoDims<1>,
        dilation: impl IntoDims<1>,
        ceil_mode: bool,
    ) -> Tensor {
        let (k, s) = (kernel_size.into_dims(), stride.into_dims());
        let (p, d) = (padding.into_dims(), dilation.into_dims());
        named(x.f_max_pool1d_with(&k, &s, &p, &d, ceil_mode), "max_pool1d")
    }

    /// 2-D max pooling of `[N, C, H, W]` (or `[C, H, W]`) over non-overlapping windows
    /// (`F.max_pool2d(input, kernel_size)`).
    ///
    /// ```
    /// use libtorch::nn::functional as F;
    /// use libtorch::Tensor;
    /// let x = Tensor::arange(16).reshape(&[1, 1, 4, 4]).float();
    /// assert_eq!(F::max_pool2d(&x, 2).flatten().to_vec::<f32>().unwrap(), [5.0, 7.0, 13.0, 15.0]);
    /// ```
    fn max_pool2d / f_max_pool2d(x: &Tensor, kernel_size: impl IntoDims<2>) -> Tensor {
        let k = kernel_size.into_dims();
        f_max_pool2d_with(x, k, k, 0, 1, false)
    }
    /// 2-D max pooling (`F.max_pool2d(input, kernel_size, stride, padding, dilation,
    /// ceil_mode)`).
    /// PyTorch's default `stride=None` is `kernel_size`: pass it for that.
    fn max_pool2d_with / f_max_pool2d_with(
        x: &Tensor,
        kernel_size: impl IntoDims<2>,
        stride: impl IntoDims<2>,
        padding: impl IntoDims<2>,
        dilation: impl IntoDims<2>,
        ceil_mode: bool,
    ) -> Tensor {
        let (k, s) = (kernel_size.into_dims(), stride.into_dims());
        let (p, d) = (padding.into_dims(), dilation.into_dims());
        named(x.f_max_pool2d_with(&k, &s, &p, &d, ceil_mode), "max_pool2d")
    }

    /// 3-D max pooling of `[N, C, D, H, W]` (or `[C, D, H, W]`) over non-overlapping windows
    /// (`F.max_pool3d(input, kernel_size)`).
    fn max_pool3d / f_max_pool3d(x: &Tensor, kernel_size: impl IntoDims<3>) -> Tensor {
        let k = kernel_size.into_dims();
        f_max_pool3d_with(x, k, k, 0, 1, false)
    }
    /// 3-D max pooling (`F.max_pool3d(input, kernel_size, stride, padding, dilation,
    /// ceil_mode)`).
    /// PyTorch's default `stride=None` is `kernel_size`: pass it for that.
    fn max_pool3d_with / f_max_pool3d_with(
        x: &Tensor,
        kernel_size: impl IntoDims<3>,
        stride: impl IntoDims<3>,
        padding: impl IntoDims<3>,
        dilation: impl IntoDims<3>,
        ceil_mode: bool,
    ) -> Tensor {
        let (k, s) = (kernel_size.into_dims(), stride.into_dims());
        let (p, d) = (padding.into_dims(), dilation.into_dims());
        named(x.f_max_pool3d_with(&k, &s, &p, &d, ceil_mode), "max_pool3d")
    }

    /// 1-D average pooling over non-overlapping windows (`F.avg_pool1d(input, kernel_size)`).
    fn avg_pool1d / f_avg_pool1d(x: &Tensor, kernel_size: impl IntoDims<1>) -> Tensor {
        let k = kernel_size.into_dims();
        f_avg_pool1d_with(x, k, k, 0, false, true)
    }
    /// 1-D average pooling (`F.avg_pool1d(input, kernel_size, stride, padding, ceil_mode,
    /// count_include_pad)`).
    /// PyTorch's default `stride=None` is `kernel_size`: pass it for that.
    fn avg_pool1d_with / f_avg_pool1d_with(
        x: &Tensor,
        kernel_size: impl IntoDims<1>,
        stride: impl IntoDims<1>,
        padding: impl IntoDims<1>,
        ceil_mode: bool,
        count_include_pad: bool,
    ) -> Tensor {
        let (k, s, p) = (kernel_size.into_dims(), stride.into_dims(), padding.into_dims());
        named(x.f_avg_pool1d_with(&k, &s, &p, ceil_mode, count_include_pad), "avg_pool1d")
    }

    /// 2-D average pooling over non-overlapping windows (`F.avg_pool2d(input, kernel_size)`).
    fn avg_pool2d / f_avg_pool2d(x: &Tensor, kernel_size: impl IntoDims<2>) -> Tensor {
        let k = kernel_size.into_dims();
        f_avg_pool2d_with(x, k, k, 0, false, true, None)
    }
    /// 2-D average pooling (`F.avg_pool2d(input, kernel_size, stride, padding, ceil_mode,
    /// count_include_pad, divisor_override)`).
    /// PyTorch's default `stride=None` is `kernel_size`: pass it for that.
    fn avg_pool2d_with / f_avg_pool2d_with(
        x: &Tensor,
        kernel_size: impl IntoDims<2>,
        stride: impl IntoDims<2>,
        padding: impl IntoDims<2>,
        ceil_mode: bool,
        count_include_pad: bool,
        divisor_override: Option<i64>,
    ) -> Tensor {
        divisor("avg_pool2d", divisor_override)?;
        let (k, s, p) = (kernel_size.into_dims(), stride.into_dims(), padding.into_dims());
        let (c, i) = (ceil_mode, count_include_pad);
        named(x.f_avg_pool2d_with(&k, &s, &p, c, i, divisor_override), "avg_pool2d")
    }

    /// 3-D average pooling over non-overlapping windows (`F.avg_pool3d(input, kernel_size)`).
    fn avg_pool3d / f_avg_pool3d(x: &Tensor, kernel_size: impl IntoDims<3>) -> Tensor {
        let k = kernel_size.into_dims();
        f_avg_pool3d_with(x, k, k, 0, false, true, None)
    }
    /// 3-D average pooling (`F.avg_pool3d(input, kernel_size, stride, padding, ceil_mode,
    /// count_include_pad, divisor_override)`).
    /// PyTorch's default `stride=None` is `kernel_size`: pass it for that.
    fn avg_pool3d_with / f_avg_pool3d_with(
        x: &Tensor,
        kernel_size: impl IntoDims<3>,
        stride: impl IntoDims<3>,
        padding: impl IntoDims<3>,
        ceil_mode: bool,
        count_include_pad: bool,
        divisor_override: Option<i64>,
    ) -> Tensor {
        divisor("avg_pool3d", divisor_override)?;
        let (k, s, p) = (kernel_size.into_dims(), stride.into_dims(), padding.into_dims());
        let (c, i) = (ceil_mode, count_include_pad);
        named(x.f_avg_pool3d_with(&k, &s, &p, c, i, divisor_override), "avg_pool3d")
    }

    /// Average pooling of `[N, C, L]` to `output_size` (`F.adaptive_avg_pool1d(input,
    /// output_size)`).
    fn adaptive_avg_pool1d / f_adaptive_avg_pool1d(
        x: &Tensor,
        output_size: impl IntoDims<1>,
    ) -> Tensor {
        let o = output_size.into_dims();
        check::sizes("adaptive_avg_pool1d", &[("output_size", o[0])])?;
        named(x.f_adaptive_avg_pool1d(&o), "adaptive_avg_pool1d")
    }
    /// Average pooling of `[N, C, H, W]` to `output_size` (`F.adaptive_avg_pool2d(input,
    /// output_size)`; `(1, 1)` is global average pooling).
    fn adaptive_avg_pool2d / f_adaptive_avg_pool2d(
        x: &Tensor,
        output_size: impl IntoDims<2>,
    ) -> Tensor {
        named(x.f_adaptive_avg_pool2d(&output_size.into_dims()), "adaptive_avg_pool2d")
    }
    /// Average pooling of `[N, C, D, H, W]` to `output_size` (`F.adaptive_avg_pool3d(input,
    /// output_size)`).
    fn adaptive_avg_pool3d / f_adaptive_avg_pool3d(
        x: &Tensor,
        output_size: impl IntoDims<3>,
    ) -> Tensor {
        named(x.f_adaptive_avg_pool3d(&output_size.into_dims()), "adaptive_avg_pool3d")
    }

    /// Max pooling of `[N, C, L]` to `output_size` (`F.adaptive_max_pool1d(input,
    /// output_size)`).
    fn adaptive_max_pool1d / f_adaptive_max_pool1d(
        x: &Tensor,
        output_size: impl IntoDims<1>,
    ) -> Tensor {
        Ok(f_adaptive_max_pool(x, &output_size.into_dims())?.0)
    }
    /// The pooled values and the flat indices of the maxima
    /// (`F.adaptive_max_pool1d_with_indices(input, output_size)`).
    fn adaptive_max_pool1d_with_indices / f_adaptive_max_pool1d_with_indices(
        x: &Tensor,
        output_size: impl IntoDims<1>,
    ) -> (Tensor, Tensor) {
        f_adaptive_max_pool(x, &output_size.into_dims())
    }
    /// Max pooling of `[N, C, H, W]` to `output_size` (`F.adaptive_max_pool2d(input,
    /// output_size)`).
    fn adaptive_max_pool2d / f_adaptive_max_pool2d(
        x: &Tensor,
        output_size: impl IntoDims<2>,
    ) -> Tensor {
        Ok(f_adaptive_max_pool(x, &output_size.into_dims())?.0)
    }
    /// The pooled values and the flat indices of the maxima
    /// (`F.adaptive_max_pool2d_with_indices(input, output_size)`).
    fn adaptive_max_pool2d_with_indices / f_adaptive_max_pool2d_with_indices(
        x: &Tensor,
        output_size: impl IntoDims<2>,
    ) -> (Tensor, Tensor) {
        f_adaptive_max_pool(x, &output_size.into_dims())
    }
    /// Max pooling of `[N, C, D, H, W]` to `output_size` (`F.adaptive_max_pool3d(input,
    /// output_size)`).
    fn adaptive_max_pool3d / f_adaptive_max_pool3d(
        x: &Tensor,
        output_size: impl IntoDims<3>,
    ) -> Tensor {
        Ok(f_adaptive_max_pool(x, &output_size.into_dims())?.0)
    }
    /// The pooled values and the flat indices of the maxima
    /// (`F.adaptive_max_pool3d_with_indices(input, output_size)`).
    fn adaptive_max_pool3d_with_indices / f_adaptive_max_pool3d_with_indices(
        x: &Tensor,
        output_size: impl IntoDims<3>,
    ) -> (Tensor, Tensor) {
        f_adaptive_max_pool(x, &output_size.into_dims())
    }
}

/// Adaptive max pooling over 1, 2 or 3 spatial dimensions (`output_size.len()`): the pooled
/// values and the flat indices of the maxima.
pub(crate) fn f_adaptive_max_pool(x: &Tensor, output_size: &[i64]) -> Result<(Tensor, Tensor)> {
    let name = match output_size.len() {
        1 => "adaptive_max_pool1d",
        2 => "adaptive_max_pool2d",
        _ => "adaptive_max_pool3d",
    };
    for &o in output_size {
        check::sizes(name, &[("output_size", o)])?;
    }
    let r = match output_size.len() {
        1 => x.f_adaptive_max_pool1d(output_size),
        2 => x.f_adaptive_max_pool2d(output_size),
        3 => x.f_adaptive_max_pool3d(output_size),
        n => Err(Error::invalid(
            name,
            format!("output_size must have 1, 2 or 3 values, got {n}"),
        )),
    };
    named(r, name)
}
