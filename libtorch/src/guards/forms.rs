//! Checks for tensors held in another form than dense and strided: oneDNN (MKL-DNN), sparse
//! compressed and quantized tensors reach kernels that read them as plain memory.
use super::{fail, given, is_nested, sparse_compressed};
use crate::{Kind, Layout, Result, Tensor};
use std::borrow::Borrow;

pub(crate) fn is_quantized(k: Kind) -> bool {
    matches!(
        k,
        Kind::QInt8 | Kind::QUInt8 | Kind::QInt32 | Kind::QUInt4x2 | Kind::QUInt2x4
    )
}

/// Zeroing a oneDNN tensor (`mkldnn_zero_`) writes `numel` 4-byte floats whatever its dtype,
/// overflowing a half, bfloat16 or 1-byte buffer. `zero_` and the foreach forms call it on
/// their arguments; `diag` and `diag_embed` on a result of `self`'s dtype and layout.
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

/// `self`, when defined, is not quantized: `view_copy.dtype` reinterprets a quantized tensor's
/// storage without its quantizer (SIGSEGV), and `_neg_view_copy` recurses on it until the stack
/// overflows (the views themselves, `view.dtype` and `_neg_view`, are fine).
pub(crate) fn self_not_quantized(op: &'static str, self_: &Tensor) -> Result<()> {
    if self_.defined() && is_quantized(self_.f_kind()?) {
        return Err(fail(
            op,
            format!("self must not be quantized, got {:?}", self_.f_kind()?),
        ));
    }
    Ok(())
}

/// `copy(self, src)` clones a sparse compressed (CSR, CSC, BSR, BSC) or oneDNN `self` and
/// writes through strides it does not have: SIGSEGV for any `src`, even one of its own layout
/// and shape. A sparse compressed `src` sends a COO `self` to the compressed kernel (SIGSEGV);
/// libtorch rejects such a `src` with any other `self`, and a oneDNN one with a dense `self`.
/// (The in-place `copy_` is fine; a COO `self` is otherwise rejected by libtorch.)
pub(crate) fn copy_layouts(op: &'static str, self_: &Tensor, src: &Tensor) -> Result<()> {
    copy_layout_of(op, "self", self_)?;
    copy_layout_of(op, "src", src)
}

fn copy_layout_of(op: &'static str, name: &str, t: &Tensor) -> Result<()> {
    let layout = t.layout_or_strided();
    if sparse_compressed(layout) || layout == Layout::Mkldnn {
        return Err(fail(
            op,
            format!("{name} must not have a sparse compressed or oneDNN layout, got {layout:?}"),
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

/// The functional `_foreach_copy` clones each `self[i]` and copies `src[i]` through the clone,
/// which for a sparse compressed or oneDNN tensor on either side goes wrong as [`copy_layouts`]
/// says for `copy` (SIGSEGV).
pub(crate) fn foreach_copy_layouts<T: Borrow<Tensor>, U: Borrow<Tensor>>(
    op: &'static str,
    self_: &[T],
    src: &[U],
) -> Result<()> {
    for (i, t) in self_.iter().enumerate() {
        copy_layout_of(op, &format!("self[{i}]"), t.borrow())?;
    }
    for (i, t) in src.iter().enumerate() {
        copy_layout_of(op, &format!("src[{i}]"), t.borrow())?;
    }
    Ok(())
}

/// `select` on a nested tensor does not wrap a negative `dim`: it reads component sizes and
/// strides at the negative position (SIGSEGV for `select(-1, 1)` of components of sizes 3 and
/// 2, and an out-of-range index let through). A nested tensor's `dim` must be non-negative;
/// libtorch checks the rest.
pub(crate) fn nested_select_dim(op: &'static str, self_: &Tensor, dim: i64) -> Result<()> {
    if dim < 0 && is_nested(self_) {
        return Err(fail(
            op,
            format!("dim {dim} of a nested tensor must be given as a non-negative dimension"),
        ));
    }
    Ok(())
}

/// A nested tensor converted to a quantized dtype: the nested `_to_copy` makes a quantized
/// buffer without a quantizer and copies into it, which reads the missing quantizer (SIGSEGV
/// with `memory_format` Contiguous; the CUDA build's form fuzz, seed 107, reproduced on the
/// CPU). Other memory formats get libtorch's own error, and no nested quantized tensor exists,
/// so every such conversion is refused. The `_like` factories make the same buffer: `zeros_like`
/// and `ones_like` crash filling it (seed 551), and `empty_like` returns a tensor that crashes
/// at its first use, so they are refused too. The dtype is tested first: this guards every `to`.
pub(crate) fn nested_to_quantized(
    op: &'static str,
    self_: &Tensor,
    dtype: impl Into<Option<Kind>>,
) -> Result<()> {
    match dtype.into() {
        Some(k) if is_quantized(k) && is_nested(self_) => Err(fail(
            op,
            format!(
                "self is a nested tensor, which cannot be converted to {}",
                k.name()
            ),
        )),
        _ => Ok(()),
    }
}

/// [`nested_to_quantized`] to `other`'s dtype.
pub(crate) fn nested_to_quantized_like(
    op: &'static str,
    self_: &Tensor,
    other: &Tensor,
) -> Result<()> {
    if !other.defined() {
        return Ok(());
    }
    nested_to_quantized(op, self_, other.f_kind()?)
}

/// [`empty_mkldnn_transposed`] for attention's `key`, whose last two dimensions the math path
/// transposes (SIGFPE for an empty oneDNN key, form fuzz seed 373 and CUDA-build seeds 111 and
/// 130).
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

/// `_convert_indices_from_coo_to_csr` walks `self`'s data pointer as if it were contiguous:
/// an expanded [2] view of one value reads a second value past its storage and writes the
/// output at that garbage offset (SIGSEGV); a transposed view would be read in memory order,
/// a silent wrong answer. `self` must be contiguous.
pub(crate) fn coo_rows_contiguous(op: &'static str, self_: &Tensor) -> Result<()> {
    read_in_memory_order(op, "self", self_)
}

/// `_nested_compute_contiguous_strides_offsets` reads `nested_size` in memory order, as
/// [`coo_rows_contiguous`] says for its input (an expanded one: invalid reads under valgrind).
pub(crate) fn nested_size_contiguous(op: &'static str, nested_size: &Tensor) -> Result<()> {
    read_in_memory_order(op, "nested_size", nested_size)
}

fn read_in_memory_order(op: &'static str, name: &str, t: &Tensor) -> Result<()> {
    // Only a strided tensor with sizes (not nested) is read in memory order.
    if t.layout_or_strided() != Layout::Strided {
        return Ok(());
    }
    let (Ok(s), Ok(st)) = (t.f_size(), t.f_stride()) else {
        return Ok(());
    };
    let order: Vec<usize> = (0..s.len()).rev().collect();
    if !crate::tensor::contiguous_in_order(&s, &st, &order) {
        return Err(fail(
            op,
            format!("{name} must be contiguous (it is read in memory order), got strides {st:?} for sizes {s:?}"),
        ));
    }
    Ok(())
}

/// `cummaxmin_backward` scatter-adds `grad` into zeros like `input`; a oneDNN `grad` is read as
/// strided memory there, as by the in-place scatters (SIGSEGV).
pub(crate) fn cummaxmin_grad_not_mkldnn(op: &'static str, grad: &Tensor) -> Result<()> {
    not_mkldnn(op, "grad", grad)
}

/// `_weight_norm` along a dim other than the first or last takes the composite path, which
/// transposes `v`: for a oneDNN `v` without elements that is the transpose of
/// [`mkldnn_transposed`] (SIGFPE).
pub(crate) fn weight_norm_mkldnn(op: &'static str, v: &Tensor) -> Result<()> {
    empty_mkldnn_transposed(op, "v", v, None)
}

/// Adding a sparse COO tensor (without dense dimensions) into a dense one in place, ATen's
/// `add_dense_sparse_worker_non_hybrid_cpu` applies the dense tensor's storage offset twice: a
/// view starting at element 2 gets the sum written two elements further on, past the end of
/// its storage (a wrong value and an invalid write under valgrind). `add_`, `sub_`, their out
/// forms and a dense `mul_` by a sparse tensor (which ends in `add_`) take this path; a view
/// with a storage offset is refused as their destination (the functional forms are fine).
pub(crate) fn dense_sparse_add_into_view(
    op: &'static str,
    name: &str,
    written: &Tensor,
    addend: &Tensor,
) -> Result<()> {
    // Hot path (every add_ and mul_): one plain layout query unless the addend is sparse.
    if addend.layout_or_strided() != Layout::Sparse || !written.defined() {
        return Ok(());
    }
    if written.layout() != Layout::Strided || addend.f_dense_dim()? != 0 {
        return Ok(());
    }
    let offset = written.f_storage_offset()?;
    if offset != 0 {
        return Err(fail(
            op,
            format!(
                "{name} is a view at storage offset {offset}, into which libtorch adds a sparse \
                 tensor at the wrong place; add into a tensor of its own (a clone) instead"
            ),
        ));
    }
    Ok(())
}

/// [`dense_sparse_add_into_view`] for the in-place forms (`self` is written).
pub(crate) fn sparse_addend_in_place(
    op: &'static str,
    self_: &Tensor,
    other: &Tensor,
) -> Result<()> {
    dense_sparse_add_into_view(op, "self", self_, other)
}

/// [`dense_sparse_add_into_view`] for the out forms (`out` is written).
pub(crate) fn sparse_addend_out(op: &'static str, other: &Tensor, out: &Tensor) -> Result<()> {
    dense_sparse_add_into_view(op, "out", out, other)
}

/// The foreach forms of [`sparse_addend_in_place`] with one `other` for every `self[i]`
/// (`_foreach_mul_.Tensor`, `_foreach_add_.Tensor`): their per-tensor path ends in the same
/// `add_` (invalid writes under valgrind, then heap corruption).
pub(crate) fn foreach_sparse_addend<T: Borrow<Tensor>>(
    op: &'static str,
    self_: &[T],
    other: &Tensor,
) -> Result<()> {
    for (i, t) in self_.iter().enumerate() {
        dense_sparse_add_into_view(op, &format!("self[{i}]"), t.borrow(), other)?;
    }
    Ok(())
}

/// [`foreach_sparse_addend`] with a list of others, paired by index (`_foreach_add_.List`).
pub(crate) fn foreach_sparse_addends<T: Borrow<Tensor>, U: Borrow<Tensor>>(
    op: &'static str,
    self_: &[T],
    other: &[U],
) -> Result<()> {
    for (i, (t, o)) in self_.iter().zip(other).enumerate() {
        dense_sparse_add_into_view(op, &format!("self[{i}]"), t.borrow(), o.borrow())?;
    }
    Ok(())
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
/// (SIGFPE, oneDNN-only form fuzz seeds 1, 7 and 15). In training, a oneDNN input's weight must
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

/// Setting a quantized tensor to a storage (`set_` with an offset, size and stride) checks
/// nothing: the dense kernel grows the storage or refuses a view past its end, the quantized
/// one keeps the view. Reading it then reads past the storage (a [2] view at offset 3 of a
/// 4-element storage gave [4, 0]), and the `.out` form crashed copying from it (SIGSEGV,
/// quantized-only form fuzz, seed 2). For a quantized `self` the view must lie inside the
/// storage, as the dense kernel requires of a storage it cannot grow.
pub(crate) fn quantized_set_bounds(
    op: &'static str,
    self_: &Tensor,
    source: &crate::Storage,
    storage_offset: i64,
    (size, stride): (&[i64], &[i64]),
) -> Result<()> {
    if !self_.defined() || !is_quantized(self_.f_kind()?) {
        return Ok(());
    }
    if storage_offset < 0 {
        return Err(fail(
            op,
            format!("storage_offset must not be negative, got {storage_offset}"),
        ));
    }
    if size.contains(&0) || (!stride.is_empty() && stride.len() != size.len()) {
        return Ok(()); // nothing is read; libtorch rejects mismatched lists itself
    }
    // The largest element index the view reaches, with contiguous strides when none are given.
    let mut last = i128::from(storage_offset);
    let mut contiguous = 1i128;
    for (d, &n) in size.iter().enumerate().rev() {
        let s = match stride.get(d) {
            Some(&s) => i128::from(s),
            None => contiguous,
        };
        if n < 0 || s < 0 {
            return Ok(()); // libtorch rejects negative sizes and strides itself
        }
        last += (i128::from(n) - 1) * s;
        contiguous *= i128::from(n);
    }
    let item = self_.f_kind()?.elt_size_in_bytes().max(1) as i128;
    let have = source.nbytes()? as i128;
    if (last + 1) * item > have {
        return Err(fail(
            op,
            format!(
                "sizes {size:?}, strides {stride:?} at storage offset {storage_offset} reach \
                 element {last}, past the storage's {} elements of a quantized self",
                have / item
            ),
        ));
    }
    Ok(())
}

/// [`quantized_set_bounds`] with a tensor's storage.
pub(crate) fn quantized_set_bounds_tensor(
    op: &'static str,
    self_: &Tensor,
    source: &Tensor,
    storage_offset: i64,
    size_stride: (&[i64], &[i64]),
) -> Result<()> {
    if !source.defined() {
        return Ok(());
    }
    let Ok(storage) = crate::Storage::of(source) else {
        return Ok(()); // no storage (sparse, nested): libtorch reports it
    };
    quantized_set_bounds(op, self_, &storage, storage_offset, size_stride)
}
