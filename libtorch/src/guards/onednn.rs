//! Checks for oneDNN (MKL-DNN) tensors, an opaque layout that many kernels read as plain strided memory.
//!
//! The crashes below were found with `fuzz-ops --form-share` unless a function's doc names
//! another finder.
use super::{fail, given};
use crate::{Kind, Layout, Result, Tensor};
use std::borrow::Borrow;

/// Zeroing a oneDNN tensor (`mkldnn_zero_`) writes `numel` 4-byte floats whatever its dtype,
/// overflowing a half, bfloat16 or 1-byte buffer. `zero_` and the foreach forms call it on
/// their arguments; `diag` and `diag_embed` on a result of `self`'s dtype and layout.
///
/// (Heap corruption: seed 38 through `zero_`, then `fuzz-ops --form-share` through `zero_` on a
/// half or bfloat16 oneDNN tensor and through `diag` and `diag_embed`.)
pub(crate) fn mkldnn_zeroed(op: &'static str, self_: &Tensor) -> Result<()> {
    mkldnn_zero_fill_of(op, "self", self_)
}

/// [`mkldnn_zeroed`] for backwards that make zeros like their gradient (`slice_backward`).
pub(crate) fn mkldnn_zeroed_grad(op: &'static str, grad_output: &Tensor) -> Result<()> {
    mkldnn_zero_fill_of(op, "grad_output", grad_output)
}

/// [`mkldnn_zeroed`] for each tensor of a list (`_foreach_zero`).
pub(crate) fn mkldnn_zeroed_list<T: Borrow<Tensor>>(op: &'static str, self_: &[T]) -> Result<()> {
    for (i, t) in self_.iter().enumerate() {
        mkldnn_zero_fill_of(op, &format!("self[{i}]"), t.borrow())?;
    }
    Ok(())
}

/// Whether oneDNN's zero-fill overflows a tensor of this layout and dtype (it writes 4-byte
/// floats whatever the dtype).
pub(crate) fn zero_fill_overflows(layout: Layout, kind: Kind) -> bool {
    layout == Layout::Mkldnn && kind.elt_size_in_bytes() < 4
}

fn mkldnn_zero_fill_of(op: &'static str, name: &str, t: &Tensor) -> Result<()> {
    if t.layout_or_strided() != Layout::Mkldnn {
        return Ok(());
    }
    let kind = t.f_kind()?;
    if zero_fill_overflows(Layout::Mkldnn, kind) {
        return Err(fail(
            op,
            format!(
                "{name} is a oneDNN tensor of dtype {kind:?}, which it zero-fills as 4-byte floats"
            ),
        ));
    }
    Ok(())
}

/// `t`, when defined, is not a oneDNN (MKL-DNN) tensor.
fn not_mkldnn(op: &'static str, name: &str, t: &Tensor) -> Result<()> {
    if t.layout_or_strided() == Layout::Mkldnn {
        return Err(fail(
            op,
            format!("{name} must not be a oneDNN (Mkldnn) tensor"),
        ));
    }
    Ok(())
}

/// `index_copy_` reads a oneDNN index or source as strided memory before checking either
/// (SIGSEGV); the functional and out forms reject them, as no oneDNN kernel exists.
pub(crate) fn index_copy_not_mkldnn(
    op: &'static str,
    index: &Tensor,
    source: &Tensor,
) -> Result<()> {
    not_mkldnn(op, "index", index)?;
    not_mkldnn(op, "source", source)
}

/// `_sparse_mm` divides by zero for a oneDNN argument with an empty side (SIGFPE), and rejects
/// every other oneDNN one (no oneDNN addmm).
pub(crate) fn sparse_mm_not_mkldnn(
    op: &'static str,
    sparse: &Tensor,
    dense: &Tensor,
) -> Result<()> {
    not_mkldnn(op, "sparse", sparse)?;
    not_mkldnn(op, "dense", dense)
}

/// oneDNN's PReLU reads `weight.size(0)` values of a dense weight, which a weight without
/// elements but a nonzero first size ([1, 3, 3, 0]) does not have (SIGSEGV); libtorch rejects
/// the other empty weights. With a oneDNN `self`, `weight` must have elements.
pub(crate) fn prelu_mkldnn_weight(op: &'static str, self_: &Tensor, weight: &Tensor) -> Result<()> {
    if self_.layout_or_strided() == Layout::Mkldnn && weight.defined() && weight.numel() == 0 {
        return Err(fail(
            op,
            "weight must have elements when self is a oneDNN tensor".into(),
        ));
    }
    Ok(())
}

/// A oneDNN tensor without elements, transposed across two distinct dimensions: oneDNN's
/// transpose divides by a zero size for some shapes (SIGFPE for [3, 0] and for dims 0 and 1 of
/// [2, 0, 3]) and returns an empty tensor for others ([0, 3]); no rule separating them was
/// found, so every such transpose is refused (a stated over-rejection of an empty result).
fn empty_mkldnn_transposed(
    op: &'static str,
    name: &str,
    t: &Tensor,
    dims: Option<(i64, i64)>,
) -> Result<()> {
    if t.layout_or_strided() != Layout::Mkldnn || t.numel() != 0 {
        return Ok(());
    }
    let rank = t.f_dim()? as i64;
    let wrap = |d: i64| if d < 0 { d + rank } else { d };
    let distinct = match dims {
        Some((a, b)) => wrap(a) != wrap(b),
        None => rank >= 2,
    };
    if distinct {
        return Err(fail(
            op,
            format!("{name} is a oneDNN tensor without elements, which oneDNN cannot transpose"),
        ));
    }
    Ok(())
}

/// [`empty_mkldnn_transposed`] for `t`, `mT`, `mH`, `adjoint` and `matrix_H` (the last two
/// dimensions).
pub(crate) fn mkldnn_transposed(op: &'static str, self_: &Tensor) -> Result<()> {
    empty_mkldnn_transposed(op, "self", self_, None)
}

/// [`empty_mkldnn_transposed`] for `transpose(dim0, dim1)` and its aliases.
pub(crate) fn mkldnn_transposed_dims(
    op: &'static str,
    self_: &Tensor,
    dim0: i64,
    dim1: i64,
) -> Result<()> {
    empty_mkldnn_transposed(op, "self", self_, Some((dim0, dim1)))
}

/// The recurrent layers transpose a `batch_first` input to time-major first:
/// [`empty_mkldnn_transposed`].
pub(crate) fn rnn_mkldnn_input(op: &'static str, input: &Tensor, batch_first: bool) -> Result<()> {
    if batch_first {
        empty_mkldnn_transposed(op, "input", input, Some((0, 1)))?;
    }
    Ok(())
}

/// [`empty_mkldnn_transposed`] for attention's `key`, whose last two dimensions the math path
/// transposes (SIGFPE for an empty oneDNN key, form fuzz seed 373 and CUDA-build seeds 111 and
/// 130).
///
/// (Reproduced on the CPU.)
pub(crate) fn attention_mkldnn_key(op: &'static str, key: &Tensor) -> Result<()> {
    empty_mkldnn_transposed(op, "key", key, Some((-2, -1)))
}

/// `linear` with a oneDNN `weight` and a dense `input` goes to the dense matmul, which no
/// oneDNN kernel serves (an error), except that a weight without elements first divides by its
/// zero size (SIGFPE). A oneDNN weight needs a oneDNN input (oneDNN's own linear).
pub(crate) fn linear_mkldnn_weight(
    op: &'static str,
    input: &Tensor,
    weight: &Tensor,
) -> Result<()> {
    // Hot path (every linear layer): one layout query unless the weight is oneDNN.
    let mkldnn = |t: &Tensor| t.layout_or_strided() == Layout::Mkldnn;
    if mkldnn(weight) && !mkldnn(input) {
        return Err(fail(
            op,
            "weight is a oneDNN tensor, which needs a oneDNN input".into(),
        ));
    }
    Ok(())
}

/// A oneDNN `self` times a sparse matrix reaches the sparse kernel, which divides by the oneDNN
/// tensor's zero size when it has no elements (SIGFPE) and otherwise rejects it.
///
/// (`linalg_matmul` reaches it through the alias: CUDA-build form fuzz seed 74, reproduced on
/// the CPU.)
pub(crate) fn mm_mkldnn_sparse(op: &'static str, self_: &Tensor, other: &Tensor) -> Result<()> {
    // Hot path (every matmul): one layout query unless self is oneDNN.
    if self_.layout_or_strided() != Layout::Mkldnn {
        return Ok(());
    }
    if !matches!(other.layout_or_strided(), Layout::Strided | Layout::Mkldnn) {
        return Err(fail(
            op,
            format!(
                "self is a oneDNN tensor, which cannot multiply a {:?} one",
                other.layout()
            ),
        ));
    }
    Ok(())
}

/// The in-place scatters read a oneDNN `src` as strided memory (SIGSEGV, even with an empty
/// index); the other forms reject it, as no oneDNN scatter exists.
pub(crate) fn scatter_src_not_mkldnn(op: &'static str, src: &Tensor) -> Result<()> {
    not_mkldnn(op, "src", src)
}

/// `cummaxmin_backward` scatter-adds `grad` into zeros like `input`; a oneDNN `grad` is read as
/// strided memory there, as by the in-place scatters (SIGSEGV).
pub(crate) fn cummaxmin_grad_not_mkldnn(op: &'static str, grad: &Tensor) -> Result<()> {
    not_mkldnn(op, "grad", grad)
}

/// `_weight_norm` along a dim other than the first or last takes the composite path, which
/// transposes `v`: for a oneDNN `v` without elements that is the transpose of
/// [`mkldnn_transposed`] (SIGFPE).
///
/// `norm_except_dim` transposes `v` the same way (SIGFPE).
pub(crate) fn weight_norm_mkldnn(op: &'static str, v: &Tensor) -> Result<()> {
    empty_mkldnn_transposed(op, "v", v, None)
}

/// oneDNN's linear reads `weight.size(0)` of a 0-D weight (SIGSEGV), and with a `self` without
/// elements reads a weight of more than two dimensions out of bounds (SIGSEGV for [1, 4, 3];
/// a 1-D one is rejected). The weight needs a dimension, and two for an empty `self`.
pub(crate) fn mkldnn_linear_weight(
    op: &'static str,
    self_: &Tensor,
    weight: &Tensor,
) -> Result<()> {
    let rank = weight.f_dim()?;
    let empty = self_.defined() && self_.numel() == 0;
    if rank == 0 || (empty && rank != 2) {
        return Err(fail(
            op,
            format!(
                "weight must be [out_features, in_features]{}, got {rank} dimensions",
                if empty {
                    " for a self without elements"
                } else {
                    ""
                }
            ),
        ));
    }
    Ok(())
}

/// `_batch_norm_with_update` on a oneDNN input divides by its channel count (SIGFPE for
/// [1, 0, 3, 1]; `native_batch_norm` handles the same input). A oneDNN input needs channels,
/// and, as this form always trains, a full weight ([`batch_norm_mkldnn_weight`]).
///
/// (Seed 378.)
pub(crate) fn batch_norm_mkldnn_channels(
    op: &'static str,
    input: &Tensor,
    weight: Option<&Tensor>,
) -> Result<()> {
    if input.layout_or_strided() != Layout::Mkldnn {
        return Ok(());
    }
    mkldnn_training_input(op, input, weight)
}

/// oneDNN's training batch norm reads `weight` for every channel even when the input has no
/// elements, where libtorch's per-channel checks (and [`numel_matches_size`]) are skipped: a
/// weight of 0 elements for 3 channels under an empty [1, 3, 0, 3] input divides by zero
/// (SIGFPE, oneDNN-only form fuzz seeds 1, 7 and 15, through
/// `_batch_norm_with_update_functional`). In training, a oneDNN input's weight must
/// have input.size(1) elements; inference reads none of it for an empty input. And training a
/// oneDNN input without channels divides by zero when it updates running statistics (SIGFPE,
/// MKL-DNN seed 16 through `native_batch_norm`, a [3, 0, 3, 5] input); without statistics it
/// returns an empty result, which is refused as well (a stated over-rejection: the statistics
/// are not passed to this check).
pub(crate) fn batch_norm_mkldnn_weight(
    op: &'static str,
    input: &Tensor,
    weight: Option<&Tensor>,
    training: bool,
) -> Result<()> {
    if given(weight).is_none() || !training || input.layout_or_strided() != Layout::Mkldnn {
        return Ok(());
    }
    mkldnn_training_input(op, input, weight)
}

/// A oneDNN `input` trained on: it has channels, and a given `weight` one element per channel.
fn mkldnn_training_input(op: &'static str, input: &Tensor, weight: Option<&Tensor>) -> Result<()> {
    let channels = input.f_size()?.get(1).copied().unwrap_or(0);
    if channels == 0 {
        return Err(fail(
            op,
            "input is a oneDNN tensor without channels (size 0 at dim 1)".into(),
        ));
    }
    let Some(w) = given(weight) else {
        return Ok(());
    };
    let n = w.numel() as i64;
    if n != channels {
        return Err(fail(
            op,
            format!(
                "weight must have {channels} elements (input.size(1)) for a oneDNN input in \
                 training, even an empty one, got {n}"
            ),
        ));
    }
    Ok(())
}
