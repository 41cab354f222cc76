//! Checks for the convolution kernels (slow, cuDNN and double-backward paths) that read weights and inputs with unchecked shapes.
use super::args::{dim_in, min_dim, positive};
use super::{fail, given, sizes};
use crate::{Result, Tensor};

/// `weight` (2-D `[out, in * kh * kw]` or 4-D `[out, in, kh, kw]`; other ranks are left to
/// ATen, which rejects them) has `input.size(1) * kh * kw` columns, as every valid conv2d weight
/// has. `_slow_conv2d_backward` derives the input planes from the weight with an integer division
/// and overflows its per-frame buffer when the weight has more columns.
///
/// The other checks of its entry in `spec/rules.yaml` guard the same kernel (SIGSEGV, heap
/// overflow): it reads `kernel_size`, `stride` and `padding[0..1]` before its shape check, and
/// never compares `grad_output`'s batch size with `self`'s, reading `grad_output` for every batch
/// entry of `self`.
pub(crate) fn conv2d_weight_columns(
    op: &'static str,
    (wn, w): (&str, &Tensor),
    (xn, x): (&str, &Tensor),
    kernel_size: &[i64],
) -> Result<()> {
    let ws = sizes(op, wn, w)?;
    let columns = match ws[..] {
        [_, c] => Some(c),
        [_, c, h, w] => c.checked_mul(h).and_then(|v| v.checked_mul(w)),
        _ => return Ok(()),
    };
    let xs = sizes(op, xn, x)?;
    let Some(&planes) = xs.get(1) else {
        return Err(fail(
            op,
            format!("{xn} must have at least 2 dimensions, got {}", xs.len()),
        ));
    };
    let want = kernel_size
        .iter()
        .try_fold(planes, |acc, &k| acc.checked_mul(k));
    if columns.is_none() || columns != want {
        return Err(fail(
            op,
            format!(
                "{wn} must have {xn}.size(1) * kernel_size = {planes} * {kernel_size:?} columns \
                 (as [out, in, kh, kw] or [out, in * kh * kw]), got sizes {ws:?}"
            ),
        ));
    }
    Ok(())
}

/// `_convolution_double_backward` indexes the sizes of `gO`, `self` and the second-order
/// gradients with the weight's spatial dimensions and views `ggb` as `[1, C, 1, ...]` with
/// `gO`'s rank, all unchecked: the weight has at least 3 dimensions, `gO`, `self`, `ggI` and
/// `ggW` (when given) as many, `ggb` (when given) is 1-D, and `groups` is positive (what
/// `convolution` itself requires of all of them).
///
/// Unchecked, these are SIGSEGVs (seed 12); with an empty input no convolution runs that would
/// check anything.
#[allow(clippy::too_many_arguments)]
pub(crate) fn conv_double_backward(
    op: &'static str,
    ggi: Option<&Tensor>,
    ggw: Option<&Tensor>,
    ggb: Option<&Tensor>,
    go: &Tensor,
    weight: &Tensor,
    input: &Tensor,
    groups: i64,
) -> Result<()> {
    min_dim(op, ("weight", weight), 3)?;
    let rank = weight.f_dim()?;
    let same_rank = [
        ("gO", Some(go)),
        ("self", Some(input)),
        ("ggI", given(ggi)),
        ("ggW", given(ggw)),
    ];
    for (name, t) in same_rank {
        if let Some(t) = t {
            dim_in(op, (name, t), [rank])?;
        }
    }
    if let Some(b) = given(ggb) {
        dim_in(op, ("ggb", b), [1])?;
    }
    positive(op, ("groups", groups))
}

/// The cuDNN convolution entry points (`cudnn_convolution*`), which PyTorch's own `convolution`
/// only calls after its shape checks, run none of them: they read `padding[0]` etc. of shorter
/// lists, take 0-D tensors' sizes, and divide by channel counts and groups (the CUDA fuzz's
/// SIGSEGVs and SIGFPEs). This replays those checks: `weight` has at least one spatial
/// dimension and elements, `self` has its rank and elements (an empty batch is handled by the
/// `convolution` wrapper, never here), every list has one entry per spatial dimension (stride
/// and dilation positive, the paddings non-negative), and the channels match `groups`.
pub(crate) fn cudnn_conv_args(
    op: &'static str,
    input: &Tensor,
    weight: &Tensor,
    lists: [&[i64]; 3],
    groups: i64,
) -> Result<()> {
    conv_args(op, input, weight, &lists, groups, false)
}

/// [`cudnn_conv_args`] for `cudnn_convolution_transpose`, whose weight is laid out
/// [in_channels, out_channels / groups, ...] and which takes an `output_padding` too.
pub(crate) fn cudnn_conv_transpose_args(
    op: &'static str,
    input: &Tensor,
    weight: &Tensor,
    lists: [&[i64]; 4],
    groups: i64,
) -> Result<()> {
    conv_args(op, input, weight, &lists, groups, true)
}

fn conv_args(
    op: &'static str,
    input: &Tensor,
    weight: &Tensor,
    lists: &[&[i64]],
    groups: i64,
    transposed: bool,
) -> Result<()> {
    let w = sizes(op, "weight", weight)?;
    let x = sizes(op, "self", input)?;
    if w.len() < 3 || w.contains(&0) {
        return Err(fail(
            op,
            format!("weight must have at least 3 dimensions and elements, got sizes {w:?}"),
        ));
    }
    if x.len() != w.len() || x.contains(&0) {
        return Err(fail(
            op,
            format!(
                "self must have weight's {} dimensions and elements, got sizes {x:?}",
                w.len()
            ),
        ));
    }
    let spatial = w.len() - 2;
    // `lists` is [stride, dilation, padding(, output_padding)]: the first two positive.
    for (k, list) in lists.iter().enumerate() {
        if list.len() != spatial {
            return Err(fail(
                op,
                format!(
                    "padding, stride and dilation must have {spatial} elements (one per spatial \
                     dimension), got a list of {}",
                    list.len()
                ),
            ));
        }
        if list.iter().any(|&v| v < 0 || (k < 2 && v == 0)) {
            return Err(fail(
                op,
                format!(
                    "stride and dilation must be positive and paddings non-negative, got {list:?}"
                ),
            ));
        }
    }
    let channels_ok = if transposed {
        groups > 0 && w[0] % groups == 0 && x[1] == w[0]
    } else {
        groups > 0 && x[1] == w[1] * groups && w[0] % groups == 0
    };
    if !channels_ok {
        return Err(fail(
            op,
            format!(
                "groups ({groups}) must be positive and match the channels of self {x:?} and \
                 weight {w:?}"
            ),
        ));
    }
    Ok(())
}
