//! Checks for the sparse constructors that skip libtorch's invariant checks.
use super::*;

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

/// [`sparse_compressed_args`] for the CSR constructors.
pub(crate) fn sparse_csr_args(
    op: &'static str,
    crow_indices: &Tensor,
    col_indices: &Tensor,
    values: &Tensor,
    size: &[i64],
) -> Result<()> {
    let layout = Some(Layout::SparseCsr);
    sparse_compressed_args(op, crow_indices, col_indices, values, size, layout)
}

/// [`sparse_compressed_args`] for the CSC constructors.
pub(crate) fn sparse_csc_args(
    op: &'static str,
    ccol_indices: &Tensor,
    row_indices: &Tensor,
    values: &Tensor,
    size: &[i64],
) -> Result<()> {
    let layout = Some(Layout::SparseCsc);
    sparse_compressed_args(op, ccol_indices, row_indices, values, size, layout)
}

/// [`sparse_compressed_args`] for the BSR constructors.
pub(crate) fn sparse_bsr_args(
    op: &'static str,
    crow_indices: &Tensor,
    col_indices: &Tensor,
    values: &Tensor,
    size: &[i64],
) -> Result<()> {
    let layout = Some(Layout::SparseBsr);
    sparse_compressed_args(op, crow_indices, col_indices, values, size, layout)
}

/// [`sparse_compressed_args`] for the BSC constructors.
pub(crate) fn sparse_bsc_args(
    op: &'static str,
    ccol_indices: &Tensor,
    row_indices: &Tensor,
    values: &Tensor,
    size: &[i64],
) -> Result<()> {
    let layout = Some(Layout::SparseBsc);
    sparse_compressed_args(op, ccol_indices, row_indices, values, size, layout)
}
