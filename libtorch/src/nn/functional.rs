//! Stateless forms of the layers, activations and losses (`torch.nn.functional`).
//!
//! ```
//! use libtorch::nn::functional as F;
//! use libtorch::Tensor;
//! let x = Tensor::from_slice(&[-1.0f32, 0.0, 2.0]);
//! assert_eq!(F::relu(&x).unwrap().to_vec::<f32>().unwrap(), [0.0, 0.0, 2.0]);
//! ```
use super::dispatch::{call, call1, Arg};
use crate::{Result, Tensor};

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
    fn code(self) -> i64 {
        match self {
            Reduction::None => 0,
            Reduction::Mean => 1,
            Reduction::Sum => 2,
        }
    }
}

macro_rules! unary {
    ($($(#[$doc:meta])* $name:ident => $op:literal;)*) => {$(
        $(#[$doc])*
        pub fn $name(x: &Tensor) -> Result<Tensor> {
            call1($op, &[Arg::T(x)])
        }
    )*};
}

unary! {
    /// `max(x, 0)`.
    relu => "aten::relu";
    /// `tanh(x)`.
    tanh => "aten::tanh";
    /// `1 / (1 + exp(-x))`.
    sigmoid => "aten::sigmoid";
    /// `x * sigmoid(x)`.
    silu => "aten::silu";
    /// `x * tanh(softplus(x))`.
    mish => "aten::mish";
    /// `min(max(x, 0), 6)`.
    relu6 => "aten::relu6";
}

/// GELU; `tanh_approximation` selects `approximate='tanh'`.
pub fn gelu(x: &Tensor, tanh_approximation: bool) -> Result<Tensor> {
    let a = if tanh_approximation { "tanh" } else { "none" };
    call1("aten::gelu", &[Arg::T(x), Arg::Str(a)])
}

/// `max(0, x) + negative_slope * min(0, x)`.
pub fn leaky_relu(x: &Tensor, negative_slope: f64) -> Result<Tensor> {
    call1("aten::leaky_relu", &[Arg::T(x), Arg::F(negative_slope)])
}

/// ELU with the given `alpha`.
pub fn elu(x: &Tensor, alpha: f64) -> Result<Tensor> {
    call1("aten::elu", &[Arg::T(x), Arg::F(alpha)])
}

/// `log(1 + exp(beta x)) / beta` (linear above `threshold`).
pub fn softplus(x: &Tensor, beta: f64, threshold: f64) -> Result<Tensor> {
    call1(
        "aten::softplus",
        &[Arg::T(x), Arg::F(beta), Arg::F(threshold)],
    )
}

/// Softmax along `dim`.
pub fn softmax(x: &Tensor, dim: i64) -> Result<Tensor> {
    call1("aten::softmax.int", &[Arg::T(x), Arg::I(dim)])
}

/// Log-softmax along `dim`.
pub fn log_softmax(x: &Tensor, dim: i64) -> Result<Tensor> {
    call1("aten::log_softmax.int", &[Arg::T(x), Arg::I(dim)])
}

/// `x W^T + b`.
pub fn linear(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    call1(
        "aten::linear",
        &[Arg::T(x), Arg::T(weight), Arg::OptT(bias)],
    )
}

/// `y_k = x1^T W_k x2 + b_k`.
pub fn bilinear(
    x1: &Tensor,
    x2: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
) -> Result<Tensor> {
    call1(
        "aten::bilinear",
        &[Arg::T(x1), Arg::T(x2), Arg::T(weight), Arg::OptT(bias)],
    )
}

/// Convolution over 1, 2 or 3 spatial dimensions (picked from `weight`'s rank).
#[allow(clippy::too_many_arguments)]
pub fn conv(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    padding: &[i64],
    dilation: &[i64],
    groups: i64,
) -> Result<Tensor> {
    let op = match weight.f_dim()? {
        3 => "aten::conv1d",
        4 => "aten::conv2d",
        _ => "aten::conv3d",
    };
    call1(
        op,
        &[
            Arg::T(x),
            Arg::T(weight),
            Arg::OptT(bias),
            Arg::Ints(stride),
            Arg::Ints(padding),
            Arg::Ints(dilation),
            Arg::I(groups),
        ],
    )
}

/// Transposed convolution over 1, 2 or 3 spatial dimensions (picked from `weight`'s rank).
#[allow(clippy::too_many_arguments)]
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
    let op = match weight.f_dim()? {
        3 => "aten::conv_transpose1d",
        4 => "aten::conv_transpose2d.input",
        _ => "aten::conv_transpose3d.input",
    };
    call1(
        op,
        &[
            Arg::T(x),
            Arg::T(weight),
            Arg::OptT(bias),
            Arg::Ints(stride),
            Arg::Ints(padding),
            Arg::Ints(output_padding),
            Arg::I(groups),
            Arg::Ints(dilation),
        ],
    )
}

/// 2-D max pooling (`stride` empty: the kernel size).
pub fn max_pool2d(
    x: &Tensor,
    kernel: &[i64],
    stride: &[i64],
    padding: &[i64],
    dilation: &[i64],
    ceil_mode: bool,
) -> Result<Tensor> {
    call1(
        "aten::max_pool2d",
        &[
            Arg::T(x),
            Arg::Ints(kernel),
            Arg::Ints(stride),
            Arg::Ints(padding),
            Arg::Ints(dilation),
            Arg::B(ceil_mode),
        ],
    )
}

/// 1-D max pooling (`stride` empty: the kernel size).
pub fn max_pool1d(x: &Tensor, kernel: i64, stride: Option<i64>, padding: i64) -> Result<Tensor> {
    let s: Vec<i64> = stride.into_iter().collect();
    call1(
        "aten::max_pool1d",
        &[
            Arg::T(x),
            Arg::Ints(&[kernel]),
            Arg::Ints(&s),
            Arg::Ints(&[padding]),
        ],
    )
}

/// 2-D average pooling (`stride` empty: the kernel size).
pub fn avg_pool2d(
    x: &Tensor,
    kernel: &[i64],
    stride: &[i64],
    padding: &[i64],
    ceil_mode: bool,
    count_include_pad: bool,
) -> Result<Tensor> {
    call1(
        "aten::avg_pool2d",
        &[
            Arg::T(x),
            Arg::Ints(kernel),
            Arg::Ints(stride),
            Arg::Ints(padding),
            Arg::B(ceil_mode),
            Arg::B(count_include_pad),
        ],
    )
}

/// 1-D average pooling (`stride` None: the kernel size).
pub fn avg_pool1d(x: &Tensor, kernel: i64, stride: Option<i64>, padding: i64) -> Result<Tensor> {
    let s: Vec<i64> = stride.into_iter().collect();
    call1(
        "aten::avg_pool1d",
        &[
            Arg::T(x),
            Arg::Ints(&[kernel]),
            Arg::Ints(&s),
            Arg::Ints(&[padding]),
        ],
    )
}

/// Adaptive average pooling to `output_size` (h, w).
pub fn adaptive_avg_pool2d(x: &Tensor, output_size: &[i64]) -> Result<Tensor> {
    call1(
        "aten::adaptive_avg_pool2d",
        &[Arg::T(x), Arg::Ints(output_size)],
    )
}

/// Batch normalisation; in training mode updates the running statistics in place.
#[allow(clippy::too_many_arguments)]
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
    call1(
        "aten::batch_norm",
        &[
            Arg::T(x),
            Arg::OptT(weight),
            Arg::OptT(bias),
            Arg::OptT(running_mean),
            Arg::OptT(running_var),
            Arg::B(training),
            Arg::F(momentum),
            Arg::F(eps),
            Arg::B(true),
        ],
    )
}

/// Layer normalisation over the trailing `normalized_shape` dimensions.
pub fn layer_norm(
    x: &Tensor,
    normalized_shape: &[i64],
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    call1(
        "aten::layer_norm",
        &[
            Arg::T(x),
            Arg::Ints(normalized_shape),
            Arg::OptT(weight),
            Arg::OptT(bias),
            Arg::F(eps),
        ],
    )
}

/// Group normalisation.
pub fn group_norm(
    x: &Tensor,
    num_groups: i64,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    call1(
        "aten::group_norm",
        &[
            Arg::T(x),
            Arg::I(num_groups),
            Arg::OptT(weight),
            Arg::OptT(bias),
            Arg::F(eps),
        ],
    )
}

/// Zeroes elements with probability `p` and scales the rest by `1/(1-p)` when `train`.
pub fn dropout(x: &Tensor, p: f64, train: bool) -> Result<Tensor> {
    call1("aten::dropout", &[Arg::T(x), Arg::F(p), Arg::B(train)])
}

/// Rows of `weight` picked by `indices`.
pub fn embedding(weight: &Tensor, indices: &Tensor, padding_idx: Option<i64>) -> Result<Tensor> {
    call1(
        "aten::embedding",
        &[
            Arg::T(weight),
            Arg::T(indices),
            Arg::I(padding_idx.unwrap_or(-1)),
        ],
    )
}

fn loss2(op: &str, x: &Tensor, y: &Tensor, r: Reduction) -> Result<Tensor> {
    call1(op, &[Arg::T(x), Arg::T(y), Arg::I(r.code())])
}

/// Mean squared error.
pub fn mse_loss(input: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    loss2("aten::mse_loss", input, target, reduction)
}

/// Mean absolute error.
pub fn l1_loss(input: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    loss2("aten::l1_loss", input, target, reduction)
}

/// Huber-like loss: `0.5 d²/beta` below `beta`, `|d| - 0.5 beta` above.
pub fn smooth_l1_loss(
    input: &Tensor,
    target: &Tensor,
    reduction: Reduction,
    beta: f64,
) -> Result<Tensor> {
    call1(
        "aten::smooth_l1_loss",
        &[
            Arg::T(input),
            Arg::T(target),
            Arg::I(reduction.code()),
            Arg::F(beta),
        ],
    )
}

/// Cross entropy of logits `input` (N, C, ...) against class indices (integer `target`) or
/// class probabilities (floating `target`, same shape as `input`).
pub fn cross_entropy(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    reduction: Reduction,
    ignore_index: i64,
    label_smoothing: f64,
) -> Result<Tensor> {
    call1(
        "aten::cross_entropy_loss",
        &[
            Arg::T(input),
            Arg::T(target),
            Arg::OptT(weight),
            Arg::I(reduction.code()),
            Arg::I(ignore_index),
            Arg::F(label_smoothing),
        ],
    )
}

/// Negative log-likelihood of log-probabilities `input` (N, C, ...) at class indices `target`.
pub fn nll_loss(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    reduction: Reduction,
    ignore_index: i64,
) -> Result<Tensor> {
    call1(
        "aten::nll_loss_nd",
        &[
            Arg::T(input),
            Arg::T(target),
            Arg::OptT(weight),
            Arg::I(reduction.code()),
            Arg::I(ignore_index),
        ],
    )
}

/// Binary cross entropy of probabilities `input` against `target`.
pub fn binary_cross_entropy(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    reduction: Reduction,
) -> Result<Tensor> {
    call1(
        "aten::binary_cross_entropy",
        &[
            Arg::T(input),
            Arg::T(target),
            Arg::OptT(weight),
            Arg::I(reduction.code()),
        ],
    )
}

/// Binary cross entropy of logits `input` (numerically stable sigmoid + BCE).
pub fn binary_cross_entropy_with_logits(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    pos_weight: Option<&Tensor>,
    reduction: Reduction,
) -> Result<Tensor> {
    call1(
        "aten::binary_cross_entropy_with_logits",
        &[
            Arg::T(input),
            Arg::T(target),
            Arg::OptT(weight),
            Arg::OptT(pos_weight),
            Arg::I(reduction.code()),
        ],
    )
}

/// KL divergence `target * (log target - input)` with `input` log-probabilities (and `target`
/// too when `log_target`). `Reduction::Mean` divides by the element count, like PyTorch's
/// `'mean'`; use [`kl_div_batchmean`] for the mathematically correct `'batchmean'`.
pub fn kl_div(
    input: &Tensor,
    target: &Tensor,
    reduction: Reduction,
    log_target: bool,
) -> Result<Tensor> {
    call1(
        "aten::kl_div",
        &[
            Arg::T(input),
            Arg::T(target),
            Arg::I(reduction.code()),
            Arg::B(log_target),
        ],
    )
}

/// `kl_div` summed and divided by the batch size (`reduction='batchmean'`).
pub fn kl_div_batchmean(input: &Tensor, target: &Tensor, log_target: bool) -> Result<Tensor> {
    let s = kl_div(input, target, Reduction::Sum, log_target)?;
    let n = input.f_size()?.first().copied().unwrap_or(1).max(1);
    super::ops::div_scalar(&s, n as f64)
}

/// Runs a multi-layer recurrent network (`mode`: "lstm", "gru", "rnn_tanh", "rnn_relu") over
/// `input` with flat `params` (per layer and direction: w_ih, w_hh[, b_ih, b_hh]); returns
/// (output, h_n[, c_n]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn rnn(
    mode: &str,
    input: &Tensor,
    hx: &[Tensor],
    params: &[Tensor],
    has_biases: bool,
    num_layers: i64,
    dropout: f64,
    train: bool,
    bidirectional: bool,
    batch_first: bool,
) -> Result<Vec<Tensor>> {
    let tail = [
        Arg::Ts(params),
        Arg::B(has_biases),
        Arg::I(num_layers),
        Arg::F(dropout),
        Arg::B(train),
        Arg::B(bidirectional),
        Arg::B(batch_first),
    ];
    let mut args = vec![Arg::T(input)];
    if mode == "lstm" {
        args.push(Arg::Ts(hx));
    } else {
        args.push(Arg::T(&hx[0]));
    }
    args.extend_from_slice(&tail);
    call(&format!("aten::{mode}.input"), &args)
}
