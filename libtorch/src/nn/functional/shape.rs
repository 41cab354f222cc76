//! Padding and resampling: `F.pad`, `F.interpolate`, `F.unfold`, `F.fold`,
//! `F.pixel_shuffle`, `F.pixel_unshuffle`.
use super::{named, pair};
use crate::nn::interpolate::{resize, InterpolateMode};
use crate::nn::IntoDims;
use crate::Tensor;

pair! {
    /// Zero-pads the last dimensions by `pad` (`[left, right, top, bottom, ...]`, last dimension
    /// first) (`F.pad(input, pad)`).
    ///
    /// ```
    /// use libtorch::nn::functional as F;
    /// use libtorch::Tensor;
    /// let x = Tensor::from_slice(&[1.0f32, 2.0]);
    /// assert_eq!(F::pad(&x, &[1, 2]).to_vec::<f32>().unwrap(), [0.0, 1.0, 2.0, 0.0, 0.0]);
    /// ```
    fn pad / f_pad(x: &Tensor, pad: &[i64]) -> Tensor { f_pad_with(x, pad, "constant", None) }
    /// Pads in `mode` (`"constant"` with `value`, default 0; `"reflect"`, `"replicate"`,
    /// `"circular"`) (`F.pad(input, pad, mode, value)`).
    fn pad_with / f_pad_with(x: &Tensor, pad: &[i64], mode: &str, value: Option<f64>) -> Tensor {
        named(x.f_pad_with(pad, mode, value), "pad")
    }

    /// Resizes the spatial dimensions of `[N, C, d1, ...]` (1 to 3 of them) to `size`, or by
    /// `scale_factor` (exactly one of the two; one value applies to every dimension), by
    /// nearest-neighbour sampling (`F.interpolate(input, size, scale_factor)`).
    ///
    /// ```
    /// use libtorch::nn::functional as F;
    /// use libtorch::Tensor;
    /// let x = Tensor::from_data(&[1.0f32, 2.0], &[1, 1, 2]).unwrap();
    /// let y = F::interpolate(&x, None, Some(&[2.0])); // scale_factor=2
    /// assert_eq!(y.flatten().to_vec::<f32>().unwrap(), [1.0, 1.0, 2.0, 2.0]);
    /// ```
    fn interpolate / f_interpolate(
        x: &Tensor,
        size: Option<&[i64]>,
        scale_factor: Option<&[f64]>,
    ) -> Tensor {
        f_interpolate_with(x, size, scale_factor, InterpolateMode::Nearest, None, None, false)
    }
    /// Resizes in `mode` (`F.interpolate(input, size, scale_factor, mode, align_corners,
    /// recompute_scale_factor, antialias)`): `align_corners` may only be given for the
    /// interpolating modes (`None`: false); `recompute_scale_factor` computes the output size
    /// from `scale_factor` and samples as for that size; `antialias` (bilinear and bicubic of
    /// 4-D input) low-pass filters when downsampling.
    fn interpolate_with / f_interpolate_with(
        x: &Tensor,
        size: Option<&[i64]>,
        scale_factor: Option<&[f64]>,
        mode: InterpolateMode,
        align_corners: Option<bool>,
        recompute_scale_factor: Option<bool>,
        antialias: bool,
    ) -> Tensor {
        let (a, r) = (align_corners, recompute_scale_factor);
        named(resize(x, size, scale_factor, mode, a, r, antialias), "interpolate")
    }

    /// Sliding `kernel_size` blocks of a batched `[N, C, H, W]` (or unbatched) image as columns
    /// `[N, C·kh·kw, L]` (`F.unfold(input, kernel_size)`).
    fn unfold / f_unfold(x: &Tensor, kernel_size: impl IntoDims<2>) -> Tensor {
        f_unfold_with(x, kernel_size, 1, 0, 1)
    }
    /// Sliding blocks as columns (`F.unfold(input, kernel_size, dilation, padding, stride)`,
    /// ATen's `im2col`).
    fn unfold_with / f_unfold_with(
        x: &Tensor,
        kernel_size: impl IntoDims<2>,
        dilation: impl IntoDims<2>,
        padding: impl IntoDims<2>,
        stride: impl IntoDims<2>,
    ) -> Tensor {
        let (k, d) = (kernel_size.into_dims(), dilation.into_dims());
        let (p, s) = (padding.into_dims(), stride.into_dims());
        named(x.f_im2col(&k, &d, &p, &s), "unfold")
    }

    /// Sums columns `[N, C·kh·kw, L]` back into an image of `output_size`
    /// (`F.fold(input, output_size, kernel_size)`).
    fn fold / f_fold(
        x: &Tensor,
        output_size: impl IntoDims<2>,
        kernel_size: impl IntoDims<2>,
    ) -> Tensor {
        f_fold_with(x, output_size, kernel_size, 1, 0, 1)
    }
    /// Sums columns back into an image (`F.fold(input, output_size, kernel_size, dilation,
    /// padding, stride)`, ATen's `col2im`).
    fn fold_with / f_fold_with(
        x: &Tensor,
        output_size: impl IntoDims<2>,
        kernel_size: impl IntoDims<2>,
        dilation: impl IntoDims<2>,
        padding: impl IntoDims<2>,
        stride: impl IntoDims<2>,
    ) -> Tensor {
        let (o, k, d) = (output_size.into_dims(), kernel_size.into_dims(), dilation.into_dims());
        let (p, s) = (padding.into_dims(), stride.into_dims());
        named(x.f_col2im(&o, &k, &d, &p, &s), "fold")
    }

    /// Rearranges `[*, C·r², H, W]` to `[*, C, H·r, W·r]` (`F.pixel_shuffle(input,
    /// upscale_factor)`).
    fn pixel_shuffle / f_pixel_shuffle(x: &Tensor, upscale_factor: i64) -> Tensor {
        named(x.f_pixel_shuffle(upscale_factor), "pixel_shuffle")
    }
    /// Rearranges `[*, C, H·r, W·r]` to `[*, C·r², H, W]` (`F.pixel_unshuffle(input,
    /// downscale_factor)`).
    fn pixel_unshuffle / f_pixel_unshuffle(x: &Tensor, downscale_factor: i64) -> Tensor {
        named(x.f_pixel_unshuffle(downscale_factor), "pixel_unshuffle")
    }
}
