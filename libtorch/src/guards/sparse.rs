//! Checks for the sparse constructors that skip libtorch's invariant checks.
use super::nested::read_in_memory_order;
use super::{fail, int_values, sizes};
use crate::{Layout, Result, Tensor};
use std::borrow::Borrow;

/// The sparse COO constructors that take a size (`sparse_coo_tensor.indices_size`,
/// `_sparse_coo_tensor_unsafe`) validate their indices only when the global
/// `check_sparse_tensor_invariants` flag is on, and it is off by default: an index outside the
/// size is then written through by `to_dense` and the other kernels (PyTorch issue 182662: a
/// negative index, a SIGSEGV). The safe API always runs libtorch's own validation,
/// `_validate_sparse_coo_tensor_args`, and returns its message.
pub(crate) fn sparse_coo_args(
    op: &'static str,
    indices: &Tensor,
    values: &Tensor,
    size: &[i64],
    is_coalesced: Option<bool>,
) -> Result<()> {
    if !indices.defined() || !values.defined() {
        return Ok(());
    }
    Tensor::f__validate_sparse_coo_tensor_args_with(indices, values, size, is_coalesced, None)
        .map_err(|e| fail(op, format!("invalid sparse COO arguments: {e}")))
}

/// The compressed (CSR, CSC, BSR, BSC) counterpart of [`sparse_coo_args`]:
/// `_validate_sparse_compressed_tensor_args` for the constructors that take a size and skip it.
pub(crate) fn sparse_compressed_args(
    op: &'static str,
    compressed_indices: &Tensor,
    plain_indices: &Tensor,
    values: &Tensor,
    size: &[i64],
    layout: Option<Layout>,
) -> Result<()> {
    if !compressed_indices.defined() || !plain_indices.defined() || !values.defined() {
        return Ok(());
    }
    let Some(layout) = layout else {
        return Ok(()); // libtorch requires a layout for the generic constructors
    };
    Tensor::f__validate_sparse_compressed_tensor_args_with(
        compressed_indices,
        plain_indices,
        values,
        size,
        layout,
        None,
    )
    .map_err(|e| fail(op, format!("invalid sparse compressed arguments: {e}")))
}

/// [`sparse_compressed_args`] for the constructors of one compressed layout (`_sparse_csr_tensor_unsafe`,
/// `sparse_csr_tensor.crow_col_value_size` and their CSC, BSR and BSC counterparts).
macro_rules! compressed_layout_args {
    ($($name:ident => $layout:ident),* $(,)?) => {$(
        pub(crate) fn $name(
            op: &'static str,
            compressed_indices: &Tensor,
            plain_indices: &Tensor,
            values: &Tensor,
            size: &[i64],
        ) -> Result<()> {
            let layout = Some(Layout::$layout);
            sparse_compressed_args(op, compressed_indices, plain_indices, values, size, layout)
        }
    )*};
}

compressed_layout_args! {
    sparse_csr_args => SparseCsr,
    sparse_csc_args => SparseCsc,
    sparse_bsr_args => SparseBsr,
    sparse_bsc_args => SparseBsc,
}

/// The size the compressed constructors without a size infer (ATen's
/// `_estimate_sparse_compressed_tensor_size`): the batch sizes of the compressed indices, the
/// compressed and plain dimensions (the compressed indices' last size less one, the largest
/// plain index plus one; times the block size for BSR and BSC, read from `values`), then the
/// dense sizes of `values`. None where ATen's own checks reject the ranks.
fn inferred_compressed_size(
    op: &'static str,
    (compressed, plain, values): (&Tensor, &Tensor, &Tensor),
    layout: Layout,
) -> Result<Option<Vec<i64>>> {
    let (c, v) = (compressed.f_size()?, values.f_size()?);
    let block = matches!(layout, Layout::SparseBsr | Layout::SparseBsc);
    let batch = c.len().saturating_sub(1);
    let block_ndim = if block { 2 } else { 0 };
    if c.is_empty() || v.len() < batch + block_ndim + 1 {
        return Ok(None);
    }
    let blocksize = if block {
        [v[batch + 1], v[batch + 2]]
    } else {
        [1, 1]
    };
    let Some(plain_values) = int_values(op, "plain_indices", plain)? else {
        return Ok(None);
    };
    let ncompressed = if c[batch] > 0 { c[batch] - 1 } else { 0 };
    let nplain = plain_values.iter().max().map_or(0, |m| m + 1);
    let mut size = c[..batch].to_vec();
    if matches!(layout, Layout::SparseCsr | Layout::SparseBsr) {
        size.extend([ncompressed * blocksize[0], nplain * blocksize[1]]);
    } else {
        size.extend([nplain * blocksize[0], ncompressed * blocksize[1]]);
    }
    size.extend_from_slice(&v[batch + block_ndim + 1..]);
    Ok(Some(size))
}

/// The compressed constructors without a size validate nothing either (PyTorch issues 190046,
/// 190047: crow indices [0, 9, 2] for two values, a SIGSEGV in `to_dense`): they are validated
/// like [`sparse_compressed_args`] against the size they infer.
pub(crate) fn sparse_compressed_inferred_args(
    op: &'static str,
    compressed_indices: &Tensor,
    plain_indices: &Tensor,
    values: &Tensor,
    layout: Option<Layout>,
) -> Result<()> {
    let (Some(layout), true) = (
        layout,
        compressed_indices.defined() && plain_indices.defined() && values.defined(),
    ) else {
        return Ok(());
    };
    let args = (compressed_indices, plain_indices, values);
    match inferred_compressed_size(op, args, layout)? {
        Some(size) => sparse_compressed_args(
            op,
            compressed_indices,
            plain_indices,
            values,
            &size,
            Some(layout),
        ),
        None => Ok(()),
    }
}

/// [`sparse_compressed_inferred_args`] for the constructors of one compressed layout.
macro_rules! compressed_layout_inferred_args {
    ($($name:ident => $layout:ident),* $(,)?) => {$(
        pub(crate) fn $name(
            op: &'static str,
            compressed_indices: &Tensor,
            plain_indices: &Tensor,
            values: &Tensor,
        ) -> Result<()> {
            let layout = Some(Layout::$layout);
            sparse_compressed_inferred_args(op, compressed_indices, plain_indices, values, layout)
        }
    )*};
}

compressed_layout_inferred_args! {
    sparse_csr_inferred_args => SparseCsr,
    sparse_csc_inferred_args => SparseCsc,
    sparse_bsr_inferred_args => SparseBsr,
    sparse_bsc_inferred_args => SparseBsc,
}

/// CSR row pointers `crow_indices` (one row of `nrows + 1` per batch) are used as fill offsets
/// into the output unchecked: within each row `0 <= crow[i] <= crow[i + 1] <= nnz`, where nnz is
/// `col_indices.size(-1)`, and both have the same batch sizes.
///
/// Out-of-range pointers are a SIGSEGV.
pub(crate) fn csr_crow_indices(op: &'static str, crow: &Tensor, col: &Tensor) -> Result<()> {
    let (cs, ks) = (
        sizes(op, "crow_indices", crow)?,
        sizes(op, "col_indices", col)?,
    );
    let (Some((&rows, cb)), Some((&nnz, kb))) = (cs.split_last(), ks.split_last()) else {
        return Ok(());
    };
    if cb != kb {
        return Err(fail(
            op,
            format!("crow_indices and col_indices must have the same batch sizes, got {cs:?} and {ks:?}"),
        ));
    }
    let Some(values) = int_values(op, "crow_indices", crow)? else {
        return Ok(());
    };
    if rows <= 1 || nnz == 0 {
        return Ok(());
    }
    for row in values.chunks(rows as usize) {
        let ordered = row.windows(2).all(|w| w[0] <= w[1]);
        if !ordered || row[0] < 0 || row[row.len() - 1] > nnz {
            return Err(fail(
                op,
                format!(
                    "each row of crow_indices must be non-decreasing within 0..={nnz}, got {row:?}"
                ),
            ));
        }
    }
    Ok(())
}

/// `_sparse_compressed_tensor_with_dims` reads the two sparse sizes and the dense ones from
/// `size` by position, unchecked (seed 273: an empty size): it needs `dense_dim >= 0`, at least
/// `2 + dense_dim` sizes, and a block size of 0 or 2 elements.
///
/// Too short a `size` is a SIGSEGV (seeds 273 and 284).
pub(crate) fn compressed_dims(
    op: &'static str,
    dense_dim: i64,
    size: &[i64],
    blocksize: &[i64],
) -> Result<()> {
    if dense_dim < 0 || (size.len() as i64) < 2 + dense_dim || !matches!(blocksize.len(), 0 | 2) {
        return Err(fail(
            op,
            format!(
                "size must hold 2 sparse and dense_dim = {dense_dim} dense sizes (dense_dim >= \
                 0) and blocksize 0 or 2 elements, got size {size:?} and blocksize {blocksize:?}"
            ),
        ));
    }
    Ok(())
}

/// `_convert_indices_from_coo_to_csr` walks `self`'s data pointer as if it were contiguous:
/// an expanded [2] view of one value reads a second value past its storage and writes the
/// output at that garbage offset (SIGSEGV); a transposed view would be read in memory order,
/// a silent wrong answer. `self` must be contiguous.
///
/// (Found with `fuzz-ops --form-share`.) Its entry's `args::values_in_range` prevents a heap
/// corruption of the same kernel: the output has `size + 1` elements and is indexed by the values
/// of `self` (sorted COO row indices) with no range check.
pub(crate) fn coo_rows_contiguous(op: &'static str, self_: &Tensor) -> Result<()> {
    read_in_memory_order(op, "self", self_)
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
