//! Stateless forms of the layers, activations and losses (`torch.nn.functional`).
//!
//! ```
//! use libtorch::nn::functional as F;
//! use libtorch::Tensor;
//! let x = Tensor::from_slice(&[-1.0f32, 0.0, 2.0]);
//! assert_eq!(F::relu(&x).unwrap().to_vec::<f32>().unwrap(), [0.0, 0.0, 2.0]);
//! ```
//!
//! Every function here is the generated method of the same ATen operator (`F::linear` is
//! [`Tensor::f_linear_with`], `F::max_pool1d` is [`Tensor::f_max_pool1d_with`], ...) with
//! PyTorch's defaults filled in, so it runs the same argument checks (an argument libtorch
//! would crash on is an `Err`), and its errors name the function called (`max_pool1d: ...`).
//! Each returns a `Result` and never panics; the panicking forms are the generated methods
//! themselves (`x.softmax_int(1)`) and the layers' [`Module::forward`](super::Module::forward).
use crate::{Result, Tensor};

pub use super::interpolate::{interpolate, InterpolateMode};

/// How a loss reduces its per-element values (`reduction=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Reduction {
    /// Keep every element (`'none'`).
    None,
    /// The mean (`'mean'`, the default).
    #[default]
    Mean,
    /// The sum (`'sum'`).
    Sum,
}

impl Reduction {
    /// ATen's code for it (`at::Reduction::Reduction`: 0 none, 1 mean, 2 sum), the `reduction:
    /// i64` argument of the generated loss methods.
    pub fn code(self) -> i64 {
        match self {
            Reduction::None => 0,
            Reduction::Mean => 1,
            Reduction::Sum => 2,
        }
    }
}

/// `r`, its error named after the user's call `name` rather than the ATen operator.
#[inline]
pub(crate) fn named<T>(r: Result<T>, name: &'static str) -> Result<T> {
    r.map_err(|e| e.in_call(name))
}

macro_rules! unary {
    ($($(#[$doc:meta])* $name:ident => $method:ident;)*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub fn $name(x: &Tensor) -> Result<Tensor> {
            named(x.$method(), stringify!($name))
        }
    )*};
}

unary! {
    /// `max(x, 0)`.
    relu => f_relu;
    /// `tanh(x)`.
    tanh => f_tanh;
    /// `1 / (1 + exp(-x))`.
    sigmoid => f_sigmoid;
    /// `x * sigmoid(x)`.
    silu => f_silu;
    /// `x * tanh(softplus(x))`.
    mish => f_mish;
    /// `min(max(x, 0), 6)`.
    relu6 => f_relu6;
}

/// GELU; `tanh_approximation` selects `approximate='tanh'`.
#[track_caller]
pub fn gelu(x: &Tensor, tanh_approximation: bool) -> Result<Tensor> {
    let a = if tanh_approximation { "tanh" } else { "none" };
    named(x.f_gelu_with(a), "gelu")
}

/// `max(0, x) + negative_slope * min(0, x)`.
#[track_caller]
pub fn leaky_relu(x: &Tensor, negative_slope: f64) -> Result<Tensor> {
    named(x.f_leaky_relu_with(negative_slope), "leaky_relu")
}

/// ELU with the given `alpha` (`scale` and `input_scale` 1, as `F.elu`).
#[track_caller]
pub fn elu(x: &Tensor, alpha: f64) -> Result<Tensor> {
    named(x.f_elu_with(alpha, 1, 1), "elu")
}

/// `log(1 + exp(beta x)) / beta` (linear above `threshold`).
#[track_caller]
pub fn softplus(x: &Tensor, beta: f64, threshold: f64) -> Result<Tensor> {
    named(x.f_softplus_with(beta, threshold), "softplus")
}

/// Softmax along `dim`.
#[track_caller]
pub fn softmax(x: &Tensor, dim: i64) -> Result<Tensor> {
    named(x.f_softmax_int(dim), "softmax")
}

/// Log-softmax along `dim`.
#[track_caller]
pub fn log_softmax(x: &Tensor, dim: i64) -> Result<Tensor> {
    named(x.f_log_softmax_int(dim), "log_softmax")
}

/// `x W^T + b`.
#[track_caller]
pub fn linear(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    named(Tensor::f_linear_with(x, weight, bias), "linear")
}

/// `y_k = x1^T W_k x2 + b_k`.
#[track_caller]
pub fn bilinear(
    x1: &Tensor,
    x2: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
) -> Result<Tensor> {
    named(Tensor::f_bilinear_with(x1, x2, weight, bias), "bilinear")
}

/// Convolution over 1, 2 or 3 spatial dimensions (picked from `weight`'s rank: `conv1d`,
/// `conv2d`, `conv3d`).
#[allow(clippy::too_many_arguments)]
#[track_caller]
pub fn conv(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    padding: &[i64],
    dilation: &[i64],
    groups: i64,
) -> Result<Tensor> {
    let r = match named(weight.f_dim(), "conv")? {
        3 => Tensor::f_conv1d_with(x, weight, bias, stride, padding, dilation, groups),
        4 => Tensor::f_conv2d_with(x, weight, bias, stride, padding, dilation, groups),
        _ => Tensor::f_conv3d_with(x, weight, bias, stride, padding, dilation, groups),
    };
    named(r, "conv")
}

/// Convolution with `padding='same'` (the output has the input's spatial size; stride 1),
/// over 1, 2 or 3 spatial dimensions picked from `weight`'s rank.
#[track_caller]
pub fn conv_same(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    dilation: &[i64],
    groups: i64,
) -> Result<Tensor> {
    let (s, d, g) = (stride, dilation, groups);
    let r = match named(weight.f_dim(), "conv")? {
        3 => Tensor::f_conv1d_padding_with(x, weight, bias, s, "same", d, g),
        4 => Tensor::f_conv2d_padding_with(x, weight, bias, s, "same", d, g),
        _ => Tensor::f_conv3d_padding_with(x, weight, bias, s, "same", d, g),
    };
    named(r, "conv")
}

/// Transposed convolution over 1, 2 or 3 spatial dimensions (picked from `weight`'s rank).
#[allow(clippy::too_many_arguments)]
#[track_caller]
pub fn conv_transpose(
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
    let r = match named(weight.f_dim(), "conv_transpose")? {
        3 => Tensor::f_conv_transpose1d_with(x, weight, bias, s, p, o, g, d),
        4 => Tensor::f_conv_transpose2d_input_with(x, weight, bias, s, p, o, g, d),
        _ => Tensor::f_conv_transpose3d_input_with(x, weight, bias, s, p, o, g, d),
    };
    named(r, "conv_transpose")
}

/// 2-D max pooling (`stride` empty: the kernel size).
#[track_caller]
pub fn max_pool2d(
    x: &Tensor,
    kernel: &[i64],
    stride: &[i64],
    padding: &[i64],
    dilation: &[i64],
    ceil_mode: bool,
) -> Result<Tensor> {
    named(
        x.f_max_pool2d_with(kernel, stride, padding, dilation, ceil_mode),
        "max_pool2d",
    )
}

/// 1-D max pooling (`stride` None: the kernel size).
#[track_caller]
pub fn max_pool1d(x: &Tensor, kernel: i64, stride: Option<i64>, padding: i64) -> Result<Tensor> {
    let s: Vec<i64> = stride.into_iter().collect();
    named(
        x.f_max_pool1d_with(&[kernel], &s, &[padding], &[1], false),
        "max_pool1d",
    )
}

/// 2-D average pooling (`stride` empty: the kernel size).
#[track_caller]
pub fn avg_pool2d(
    x: &Tensor,
    kernel: &[i64],
    stride: &[i64],
    padding: &[i64],
    ceil_mode: bool,
    count_include_pad: bool,
) -> Result<Tensor> {
    named(
        x.f_avg_pool2d_with(kernel, stride, padding, ceil_mode, count_include_pad, None),
        "avg_pool2d",
    )
}

/// 1-D average pooling (`stride` None: the kernel size).
#[track_caller]
pub fn avg_pool1d(x: &Tensor, kernel: i64, stride: Option<i64>, padding: i64) -> Result<Tensor> {
    let s: Vec<i64> = stride.into_iter().collect();
    named(
        x.f_avg_pool1d_with(&[kernel], &s, &[padding], false, true),
        "avg_pool1d",
    )
}

/// Adaptive average pooling to `output_size` (h, w).
#[track_caller]
pub fn adaptive_avg_pool2d(x: &Tensor, output_size: &[i64]) -> Result<Tensor> {
    named(x.f_adaptive_avg_pool2d(output_size), "adaptive_avg_pool2d")
}

/// Batch normalisation; in training mode updates the running statistics in place.
#[allow(clippy::too_many_arguments)]
#[track_caller]
pub fn batch_norm(
    x: &Tensor,
    running_mean: Option<&Tensor>,
    running_var: Option<&Tensor>,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    training: bool,
    momentum: f64,
    eps: f64,
) -> Result<Tensor> {
    let r = Tensor::f_batch_norm(
        x,
        weight,
        bias,
        running_mean,
        running_var,
        training,
        momentum,
        eps,
        true, // cudnn_enabled, as torch.nn.functional.batch_norm passes
    );
    named(r, "batch_norm")
}

/// Layer normalisation over the trailing `normalized_shape` dimensions.
#[track_caller]
pub fn layer_norm(
    x: &Tensor,
    normalized_shape: &[i64],
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    named(
        Tensor::f_layer_norm_with(x, normalized_shape, weight, bias, eps, true),
        "layer_norm",
    )
}

/// Group normalisation.
#[track_caller]
pub fn group_norm(
    x: &Tensor,
    num_groups: i64,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    named(
        Tensor::f_group_norm_with(x, num_groups, weight, bias, eps, true),
        "group_norm",
    )
}

/// Zeroes elements with probability `p` and scales the rest by `1/(1-p)` when `train`.
#[track_caller]
pub fn dropout(x: &Tensor, p: f64, train: bool) -> Result<Tensor> {
    named(Tensor::f_dropout(x, p, train), "dropout")
}

/// Rows of `weight` picked by `indices`.
#[track_caller]
pub fn embedding(weight: &Tensor, indices: &Tensor, padding_idx: Option<i64>) -> Result<Tensor> {
    named(
        Tensor::f_embedding_with(weight, indices, padding_idx.unwrap_or(-1), false, false),
        "embedding",
    )
}

/// Mean squared error.
#[track_caller]
pub fn mse_loss(input: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    named(input.f_mse_loss_with(target, reduction.code()), "mse_loss")
}

/// Mean absolute error.
#[track_caller]
pub fn l1_loss(input: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    named(input.f_l1_loss_with(target, reduction.code()), "l1_loss")
}

/// Huber-like loss: `0.5 d²/beta` below `beta`, `|d| - 0.5 beta` above.
#[track_caller]
pub fn smooth_l1_loss(
    input: &Tensor,
    target: &Tensor,
    reduction: Reduction,
    beta: f64,
) -> Result<Tensor> {
    named(
        input.f_smooth_l1_loss_with(target, reduction.code(), beta),
        "smooth_l1_loss",
    )
}

/// Cross entropy of logits `input` (N, C, ...) against class indices (integer `target`) or
/// class probabilities (floating `target`, same shape as `input`).
#[track_caller]
pub fn cross_entropy(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    reduction: Reduction,
    ignore_index: i64,
    label_smoothing: f64,
) -> Result<Tensor> {
    let r = input.f_cross_entropy_loss_with(
        target,
        weight,
        reduction.code(),
        ignore_index,
        label_smoothing,
    );
    named(r, "cross_entropy")
}

/// Negative log-likelihood of log-probabilities `input` (N, C, ...) at class indices `target`.
#[track_caller]
pub fn nll_loss(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    reduction: Reduction,
    ignore_index: i64,
) -> Result<Tensor> {
    named(
        input.f_nll_loss_nd_with(target, weight, reduction.code(), ignore_index),
        "nll_loss",
    )
}

/// Binary cross entropy of probabilities `input` against `target`.
#[track_caller]
pub fn binary_cross_entropy(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    reduction: Reduction,
) -> Result<Tensor> {
    named(
        input.f_binary_cross_entropy_with(target, weight, reduction.code()),
        "binary_cross_entropy",
    )
}

/// Binary cross entropy of logits `input` (numerically stable sigmoid + BCE).
#[track_caller]
pub fn binary_cross_entropy_with_logits(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    pos_weight: Option<&Tensor>,
    reduction: Reduction,
) -> Result<Tensor> {
    named(
        input.f_binary_cross_entropy_with_logits_with(target, weight, pos_weight, reduction.code()),
        "binary_cross_entropy_with_logits",
    )
}

/// KL divergence `target * (log target - input)` with `input` log-probabilities (and `target`
/// too when `log_target`). `Reduction::Mean` divides by the element count, like PyTorch's
/// `'mean'`; use [`kl_div_batchmean`] for the mathematically correct `'batchmean'`.
#[track_caller]
pub fn kl_div(
    input: &Tensor,
    target: &Tensor,
    reduction: Reduction,
    log_target: bool,
) -> Result<Tensor> {
    named(
        input.f_kl_div_with(target, reduction.code(), log_target),
        "kl_div",
    )
}

/// `kl_div` summed and divided by the batch size (`reduction='batchmean'`).
#[track_caller]
pub fn kl_div_batchmean(input: &Tensor, target: &Tensor, log_target: bool) -> Result<Tensor> {
    let s = named(
        input.f_kl_div_with(target, Reduction::Sum.code(), log_target),
        "kl_div_batchmean",
    )?;
    let n = input.f_size()?.first().copied().unwrap_or(1).max(1);
    named(s.f_div_scalar(n as f64), "kl_div_batchmean")
}

unary! {
    /// `x * relu6(x + 3) / 6`.
    hardswish => f_hardswish;
    /// `relu6(x + 3) / 6`.
    hardsigmoid => f_hardsigmoid;
    /// SELU with PyTorch's fixed α and scale.
    selu => f_selu;
    /// `log(sigmoid(x))`.
    logsigmoid => f_log_sigmoid;
}

/// `x / (1 + |x|)` (computed as `F.softsign` does).
#[track_caller]
pub fn softsign(x: &Tensor) -> Result<Tensor> {
    named(x.f_div(&x.f_abs()?.f_add_scalar(1)?), "softsign")
}

/// `x - tanh(x)`.
#[track_caller]
pub fn tanhshrink(x: &Tensor) -> Result<Tensor> {
    named(x.f_sub(&x.f_tanh()?), "tanhshrink")
}

/// `max(0, x) + min(0, α (exp(x/α) - 1))`.
#[track_caller]
pub fn celu(x: &Tensor, alpha: f64) -> Result<Tensor> {
    named(x.f_celu_with(alpha), "celu")
}

/// `x` clamped to `[min_val, max_val]`.
#[track_caller]
pub fn hardtanh(x: &Tensor, min_val: f64, max_val: f64) -> Result<Tensor> {
    named(x.f_hardtanh_with(min_val, max_val), "hardtanh")
}

/// `x - λ` above λ, `x + λ` below -λ, 0 between (λ ≥ 0).
#[track_caller]
pub fn softshrink(x: &Tensor, lambd: f64) -> Result<Tensor> {
    if lambd < 0.0 {
        return Err(crate::Error::invalid(
            "softshrink",
            format!("lambda must be greater or equal to 0, but found to be {lambd}."),
        ));
    }
    named(x.f_softshrink_with(lambd), "softshrink")
}

/// `x` where `|x| > λ`, else 0.
#[track_caller]
pub fn hardshrink(x: &Tensor, lambd: f64) -> Result<Tensor> {
    named(x.f_hardshrink_with(lambd), "hardshrink")
}

/// `x` where `x > threshold`, else `value`.
#[track_caller]
pub fn threshold(x: &Tensor, threshold: f64, value: f64) -> Result<Tensor> {
    named(x.f_threshold(threshold, value), "threshold")
}

/// Gated linear unit: the first half of `dim` times the sigmoid of the second half.
#[track_caller]
pub fn glu(x: &Tensor, dim: i64) -> Result<Tensor> {
    named(x.f_glu_with(dim), "glu")
}

/// `softmax(-x)` along `dim`.
#[track_caller]
pub fn softmin(x: &Tensor, dim: i64) -> Result<Tensor> {
    named(x.f_neg()?.f_softmax_int(dim), "softmin")
}

/// `max(0, x) + weight * min(0, x)`, `weight` one value or one per channel (dimension 1).
#[track_caller]
pub fn prelu(x: &Tensor, weight: &Tensor) -> Result<Tensor> {
    named(x.f_prelu(weight), "prelu")
}

/// Pads the last dimensions by `pad` (`[left, right, top, bottom, ...]`, last dimension first)
/// in `mode` (`"constant"` with `value`, `"reflect"`, `"replicate"`, `"circular"`).
#[track_caller]
pub fn pad(x: &Tensor, pad: &[i64], mode: &str, value: Option<f64>) -> Result<Tensor> {
    named(x.f_pad_with(pad, mode, value), "pad")
}

/// Channel-wise dropout (`F.dropout1d`/`dropout2d`/`dropout3d`): whole channels are zeroed
/// with probability `p`, the rest scaled by `1/(1-p)`; `spatial` is the number of spatial
/// dimensions (1, 2 or 3) and an input without a batch dimension is handled as PyTorch does.
#[track_caller]
pub fn feature_dropout(x: &Tensor, p: f64, train: bool, spatial: usize) -> Result<Tensor> {
    let name = ["dropout1d", "dropout2d", "dropout3d"][spatial.clamp(1, 3) - 1];
    super::check::probability(name, p)?;
    let dim = named(x.f_dim(), name)?;
    if spatial == 1 && !(2..=3).contains(&dim) {
        return Err(crate::Error::invalid(
            name,
            format!(
                "Expected 2D or 3D input, but received a {dim}D input. Note that dropout1d \
                 exists to provide channel-wise dropout on inputs with 1 spatial dimension, a \
                 channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs)."
            ),
        ));
    }
    // dropout2d treats every input as batched; dropout1d/3d add a batch dimension when the
    // input has one dimension fewer than the batched form.
    let batched = spatial == 2 || dim == spatial + 2;
    let r = if batched {
        Tensor::f_feature_dropout(x, p, train)
    } else {
        Tensor::f_feature_dropout(&x.f_unsqueeze(0)?, p, train).and_then(|y| y.f_squeeze_dim(0))
    };
    named(r, name)
}

/// Alpha dropout (for SELU networks): keeps the mean and variance of its input.
#[track_caller]
pub fn alpha_dropout(x: &Tensor, p: f64, train: bool) -> Result<Tensor> {
    super::check::probability("alpha_dropout", p)?;
    named(Tensor::f_alpha_dropout(x, p, train), "alpha_dropout")
}

/// Sliding local blocks of a batched `[N, C, H, W]` (or unbatched) image as columns
/// `[N, C·kh·kw, L]` (`F.unfold`, ATen's `im2col`).
#[track_caller]
pub fn unfold(
    x: &Tensor,
    kernel_size: [i64; 2],
    dilation: [i64; 2],
    padding: [i64; 2],
    stride: [i64; 2],
) -> Result<Tensor> {
    named(
        x.f_im2col(&kernel_size, &dilation, &padding, &stride),
        "unfold",
    )
}

/// Sums columns `[N, C·kh·kw, L]` back into an image of `output_size` (`F.fold`, `col2im`).
#[track_caller]
pub fn fold(
    x: &Tensor,
    output_size: [i64; 2],
    kernel_size: [i64; 2],
    dilation: [i64; 2],
    padding: [i64; 2],
    stride: [i64; 2],
) -> Result<Tensor> {
    named(
        x.f_col2im(&output_size, &kernel_size, &dilation, &padding, &stride),
        "fold",
    )
}

/// Rearranges `[*, C·r², H, W]` to `[*, C, H·r, W·r]`.
#[track_caller]
pub fn pixel_shuffle(x: &Tensor, upscale_factor: i64) -> Result<Tensor> {
    named(x.f_pixel_shuffle(upscale_factor), "pixel_shuffle")
}

/// Rearranges `[*, C, H·r, W·r]` to `[*, C·r², H, W]`.
#[track_caller]
pub fn pixel_unshuffle(x: &Tensor, downscale_factor: i64) -> Result<Tensor> {
    named(x.f_pixel_unshuffle(downscale_factor), "pixel_unshuffle")
}

/// Instance normalisation (`F.instance_norm`): each channel of each sample normalised over
/// its spatial dimensions; with `use_input_stats` false, the running statistics are used.
#[allow(clippy::too_many_arguments)]
#[track_caller]
pub fn instance_norm(
    x: &Tensor,
    running_mean: Option<&Tensor>,
    running_var: Option<&Tensor>,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    use_input_stats: bool,
    momentum: f64,
    eps: f64,
) -> Result<Tensor> {
    named(
        Tensor::f_instance_norm(
            x,
            weight,
            bias,
            running_mean,
            running_var,
            use_input_stats,
            momentum,
            eps,
            true,
        ),
        "instance_norm",
    )
}

/// 3-D max pooling (`stride` empty: the kernel size).
#[track_caller]
pub fn max_pool3d(
    x: &Tensor,
    kernel: &[i64],
    stride: &[i64],
    padding: &[i64],
    dilation: &[i64],
    ceil_mode: bool,
) -> Result<Tensor> {
    named(
        x.f_max_pool3d_with(kernel, stride, padding, dilation, ceil_mode),
        "max_pool3d",
    )
}

/// 3-D average pooling (`stride` empty: the kernel size).
#[track_caller]
pub fn avg_pool3d(
    x: &Tensor,
    kernel: &[i64],
    stride: &[i64],
    padding: &[i64],
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: Option<i64>,
) -> Result<Tensor> {
    if divisor_override == Some(0) {
        return Err(crate::Error::invalid(
            "avg_pool3d",
            "divisor must be not zero",
        ));
    }
    named(
        x.f_avg_pool3d_with(
            kernel,
            stride,
            padding,
            ceil_mode,
            count_include_pad,
            divisor_override,
        ),
        "avg_pool3d",
    )
}

/// Adaptive average pooling of `[N, C, L]` to `output_size` (one value).
#[track_caller]
pub fn adaptive_avg_pool1d(x: &Tensor, output_size: i64) -> Result<Tensor> {
    super::check::sizes("adaptive_avg_pool1d", &[("output_size", output_size)])?;
    named(
        x.f_adaptive_avg_pool1d(&[output_size]),
        "adaptive_avg_pool1d",
    )
}

/// Adaptive average pooling of `[N, C, D, H, W]` to `output_size` (d, h, w).
#[track_caller]
pub fn adaptive_avg_pool3d(x: &Tensor, output_size: &[i64]) -> Result<Tensor> {
    named(x.f_adaptive_avg_pool3d(output_size), "adaptive_avg_pool3d")
}

/// Adaptive max pooling over 1, 2 or 3 spatial dimensions (`output_size.len()`): the pooled
/// values and the flat indices of the maxima.
#[track_caller]
pub fn adaptive_max_pool(x: &Tensor, output_size: &[i64]) -> Result<(Tensor, Tensor)> {
    let name = match output_size.len() {
        1 => "adaptive_max_pool1d",
        2 => "adaptive_max_pool2d",
        _ => "adaptive_max_pool3d",
    };
    for &o in output_size {
        super::check::sizes(name, &[("output_size", o)])?;
    }
    let r = match output_size.len() {
        1 => x.f_adaptive_max_pool1d(output_size),
        2 => x.f_adaptive_max_pool2d(output_size),
        3 => x.f_adaptive_max_pool3d(output_size),
        n => Err(crate::Error::invalid(
            name,
            format!("output_size must have 1, 2 or 3 values, got {n}"),
        )),
    };
    named(r, name)
}
