//! Linear maps and convolutions: `F.linear`, `F.bilinear`, `F.conv1d/2d/3d`,
//! `F.conv_transpose1d/2d/3d`.
use super::{named, pair};
use crate::nn::IntoDims;
use crate::{Result, Tensor};

/// A convolution's `padding=`: one `i64` for every spatial dimension, `[i64; N]` one per
/// dimension, or PyTorch's `"same"` (the output keeps the input's size; stride 1) or `"valid"`
/// (no padding).
///
/// ```
/// use libtorch::nn::functional as F;
/// use libtorch::Tensor;
/// let x = Tensor::ones(&[1, 1, 5, 5]);
/// let w = Tensor::ones(&[1, 1, 3, 3]);
/// assert_eq!(F::conv2d_with(&x, &w, None, 1, 1, 1, 1).size(), [1, 1, 5, 5]);
/// assert_eq!(F::conv2d_with(&x, &w, None, 1, [0, 1], 1, 1).size(), [1, 1, 3, 5]);
/// assert_eq!(F::conv2d_with(&x, &w, None, 1, "same", 1, 1).size(), [1, 1, 5, 5]);
/// ```
pub trait IntoPadding<const N: usize> {
    /// The sizes, or the name PyTorch takes (`"same"`, `"valid"`).
    fn into_padding(self) -> std::result::Result<[i64; N], String>;
}

impl<const N: usize> IntoPadding<N> for i64 {
    fn into_padding(self) -> std::result::Result<[i64; N], String> {
        Ok([self; N])
    }
}

impl<const N: usize> IntoPadding<N> for [i64; N] {
    fn into_padding(self) -> std::result::Result<[i64; N], String> {
        Ok(self)
    }
}

impl<const N: usize> IntoPadding<N> for &str {
    fn into_padding(self) -> std::result::Result<[i64; N], String> {
        Err(self.to_owned())
    }
}

pair! {
    /// `x W^T` (`F.linear(input, weight)`).
    fn linear / f_linear(x: &Tensor, weight: &Tensor) -> Tensor { f_linear_with(x, weight, None) }
    /// `x W^T + b` (`F.linear(input, weight, bias)`).
    ///
    /// ```
    /// use libtorch::nn::functional as F;
    /// use libtorch::Tensor;
    /// let x = Tensor::from_data(&[1.0f32, 2.0], &[1, 2]).unwrap();
    /// let w = Tensor::from_data(&[1.0f32, 1.0, 0.0, 1.0], &[2, 2]).unwrap();
    /// let b = Tensor::from_slice(&[0.5f32, -0.5]);
    /// assert_eq!(F::linear_with(&x, &w, Some(&b)).to_vec2::<f32>().unwrap(), [[3.5, 1.5]]);
    /// ```
    fn linear_with / f_linear_with(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Tensor {
        named(Tensor::f_linear_with(x, weight, bias), "linear")
    }

    /// `y_k = x1^T W_k x2` (`F.bilinear(input1, input2, weight)`).
    fn bilinear / f_bilinear(x1: &Tensor, x2: &Tensor, weight: &Tensor) -> Tensor {
        f_bilinear_with(x1, x2, weight, None)
    }
    /// `y_k = x1^T W_k x2 + b_k` (`F.bilinear(input1, input2, weight, bias)`).
    fn bilinear_with / f_bilinear_with(
        x1: &Tensor,
        x2: &Tensor,
        weight: &Tensor,
        bias: Option<&Tensor>,
    ) -> Tensor {
        named(Tensor::f_bilinear_with(x1, x2, weight, bias), "bilinear")
    }

    /// 1-D convolution of `[N, C, L]` (or `[C, L]`) with stride 1 and no padding
    /// (`F.conv1d(input, weight)`).
    fn conv1d / f_conv1d(x: &Tensor, weight: &Tensor) -> Tensor {
        f_conv1d_with(x, weight, None, 1, 0, 1, 1)
    }
    /// 1-D convolution (`F.conv1d(input, weight, bias, stride, padding, dilation, groups)`).
    fn conv1d_with / f_conv1d_with(
        x: &Tensor,
        weight: &Tensor,
        bias: Option<&Tensor>,
        stride: impl IntoDims<1>,
        padding: impl IntoPadding<1>,
        dilation: impl IntoDims<1>,
        groups: i64,
    ) -> Tensor {
        let (s, d) = (stride.into_dims(), dilation.into_dims());
        let r = match padding.into_padding() {
            Ok(p) => Tensor::f_conv1d_with(x, weight, bias, &s, &p, &d, groups),
            Err(name) => Tensor::f_conv1d_padding_with(x, weight, bias, &s, &name, &d, groups),
        };
        named(r, "conv1d")
    }

    /// 2-D convolution of `[N, C, H, W]` (or `[C, H, W]`) with stride 1 and no padding
    /// (`F.conv2d(input, weight)`).
    fn conv2d / f_conv2d(x: &Tensor, weight: &Tensor) -> Tensor {
        f_conv2d_with(x, weight, None, 1, 0, 1, 1)
    }
    /// 2-D convolution (`F.conv2d(input, weight, bias, stride, padding, dilation, groups)`).
    ///
    /// ```
    /// use libtorch::nn::functional as F;
    /// use libtorch::Tensor;
    /// let x = Tensor::ones(&[1, 1, 4, 4]);
    /// let (w, b) = (Tensor::ones(&[2, 1, 3, 3]), Tensor::from_slice(&[0.0f32, 1.0]));
    /// let y = F::conv2d_with(&x, &w, Some(&b), 2, 1, 1, 1); // stride=2, padding=1
    /// assert_eq!(y.size(), [1, 2, 2, 2]);
    /// assert_eq!(y.flatten().to_vec::<f32>().unwrap(), [4.0, 6.0, 6.0, 9.0, 5.0, 7.0, 7.0, 10.0]);
    /// ```
    fn conv2d_with / f_conv2d_with(
        x: &Tensor,
        weight: &Tensor,
        bias: Option<&Tensor>,
        stride: impl IntoDims<2>,
        padding: impl IntoPadding<2>,
        dilation: impl IntoDims<2>,
        groups: i64,
    ) -> Tensor {
        let (s, d) = (stride.into_dims(), dilation.into_dims());
        let r = match padding.into_padding() {
            Ok(p) => Tensor::f_conv2d_with(x, weight, bias, &s, &p, &d, groups),
            Err(name) => Tensor::f_conv2d_padding_with(x, weight, bias, &s, &name, &d, groups),
        };
        named(r, "conv2d")
    }

    /// 3-D convolution of `[N, C, D, H, W]` (or `[C, D, H, W]`) with stride 1 and no padding
    /// (`F.conv3d(input, weight)`).
    fn conv3d / f_conv3d(x: &Tensor, weight: &Tensor) -> Tensor {
        f_conv3d_with(x, weight, None, 1, 0, 1, 1)
    }
    /// 3-D convolution (`F.conv3d(input, weight, bias, stride, padding, dilation, groups)`).
    fn conv3d_with / f_conv3d_with(
        x: &Tensor,
        weight: &Tensor,
        bias: Option<&Tensor>,
        stride: impl IntoDims<3>,
        padding: impl IntoPadding<3>,
        dilation: impl IntoDims<3>,
        groups: i64,
    ) -> Tensor {
        let (s, d) = (stride.into_dims(), dilation.into_dims());
        let r = match padding.into_padding() {
            Ok(p) => Tensor::f_conv3d_with(x, weight, bias, &s, &p, &d, groups),
            Err(name) => Tensor::f_conv3d_padding_with(x, weight, bias, &s, &name, &d, groups),
        };
        named(r, "conv3d")
    }

    /// 1-D transposed convolution with stride 1 and no padding
    /// (`F.conv_transpose1d(input, weight)`).
    fn conv_transpose1d / f_conv_transpose1d(x: &Tensor, weight: &Tensor) -> Tensor {
        f_conv_transpose1d_with(x, weight, None, 1, 0, 0, 1, 1)
    }
    /// 1-D transposed convolution (`F.conv_transpose1d(input, weight, bias, stride, padding,
    /// output_padding, groups, dilation)`).
    fn conv_transpose1d_with / f_conv_transpose1d_with(
        x: &Tensor,
        weight: &Tensor,
        bias: Option<&Tensor>,
        stride: impl IntoDims<1>,
        padding: impl IntoDims<1>,
        output_padding: impl IntoDims<1>,
        groups: i64,
        dilation: impl IntoDims<1>,
    ) -> Tensor {
        let (s, p) = (stride.into_dims(), padding.into_dims());
        let (o, d) = (output_padding.into_dims(), dilation.into_dims());
        named(
            Tensor::f_conv_transpose1d_with(x, weight, bias, &s, &p, &o, groups, &d),
            "conv_transpose1d",
        )
    }

    /// 2-D transposed convolution with stride 1 and no padding
    /// (`F.conv_transpose2d(input, weight)`).
    fn conv_transpose2d / f_conv_transpose2d(x: &Tensor, weight: &Tensor) -> Tensor {
        f_conv_transpose2d_with(x, weight, None, 1, 0, 0, 1, 1)
    }
    /// 2-D transposed convolution (`F.conv_transpose2d(input, weight, bias, stride, padding,
    /// output_padding, groups, dilation)`).
    fn conv_transpose2d_with / f_conv_transpose2d_with(
        x: &Tensor,
        weight: &Tensor,
        bias: Option<&Tensor>,
        stride: impl IntoDims<2>,
        padding: impl IntoDims<2>,
        output_padding: impl IntoDims<2>,
        groups: i64,
        dilation: impl IntoDims<2>,
    ) -> Tensor {
        let (s, p) = (stride.into_dims(), padding.into_dims());
        let (o, d) = (output_padding.into_dims(), dilation.into_dims());
        named(
            Tensor::f_conv_transpose2d_input_with(x, weight, bias, &s, &p, &o, groups, &d),
            "conv_transpose2d",
        )
    }

    /// 3-D transposed convolution with stride 1 and no padding
    /// (`F.conv_transpose3d(input, weight)`).
    fn conv_transpose3d / f_conv_transpose3d(x: &Tensor, weight: &Tensor) -> Tensor {
        f_conv_transpose3d_with(x, weight, None, 1, 0, 0, 1, 1)
    }
    /// 3-D transposed convolution (`F.conv_transpose3d(input, weight, bias, stride, padding,
    /// output_padding, groups, dilation)`).
    fn conv_transpose3d_with / f_conv_transpose3d_with(
        x: &Tensor,
        weight: &Tensor,
        bias: Option<&Tensor>,
        stride: impl IntoDims<3>,
        padding: impl IntoDims<3>,
        output_padding: impl IntoDims<3>,
        groups: i64,
        dilation: impl IntoDims<3>,
    ) -> Tensor {
        let (s, p) = (stride.into_dims(), padding.into_dims());
        let (o, d) = (output_padding.into_dims(), dilation.into_dims());
        named(
            Tensor::f_conv_transpose3d_input_with(x, weight, bias, &s, &p, &o, groups, &d),
            "conv_transpose3d",
        )
    }
}

/// Convolution over 1, 2 or 3 spatial dimensions picked from `weight`'s rank (the
/// `ConvNd` layers' body; errors name the `conv1d`/`conv2d`/`conv3d` called).
pub(crate) fn f_conv(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    padding: &[i64],
    dilation: &[i64],
    groups: i64,
) -> Result<Tensor> {
    let (s, p, d, g) = (stride, padding, dilation, groups);
    match weight.f_dim()? {
        3 => named(Tensor::f_conv1d_with(x, weight, bias, s, p, d, g), "conv1d"),
        4 => named(Tensor::f_conv2d_with(x, weight, bias, s, p, d, g), "conv2d"),
        _ => named(Tensor::f_conv3d_with(x, weight, bias, s, p, d, g), "conv3d"),
    }
}

/// [`f_conv`] with `padding='same'`.
pub(crate) fn f_conv_same(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    dilation: &[i64],
    groups: i64,
) -> Result<Tensor> {
    let (s, d, g) = (stride, dilation, groups);
    match weight.f_dim()? {
        3 => named(
            Tensor::f_conv1d_padding_with(x, weight, bias, s, "same", d, g),
            "conv1d",
        ),
        4 => named(
            Tensor::f_conv2d_padding_with(x, weight, bias, s, "same", d, g),
            "conv2d",
        ),
        _ => named(
            Tensor::f_conv3d_padding_with(x, weight, bias, s, "same", d, g),
            "conv3d",
        ),
    }
}

/// Transposed convolution over 1, 2 or 3 spatial dimensions picked from `weight`'s rank.
#[allow(clippy::too_many_arguments)]
pub(crate) fn f_conv_transpose(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    padding: &[i64],
    output_padding: &[i64],
    groups: i64,
    dilation: &[i64],
) -> Result<Tensor> {
    let (s, p, o, g, d) = (stride, padding, output_padding, groups, dilation);
    match weight.f_dim()? {
        3 => named(
            Tensor::f_conv_transpose1d_with(x, weight, bias, s, p, o, g, d),
            "conv_transpose1d",
        ),
        4 => named(
            Tensor::f_conv_transpose2d_input_with(x, weight, bias, s, p, o, g, d),
            "conv_transpose2d",
        ),
        _ => named(
            Tensor::f_conv_transpose3d_input_with(x, weight, bias, s, p, o, g, d),
            "conv_transpose3d",
        ),
    }
}
