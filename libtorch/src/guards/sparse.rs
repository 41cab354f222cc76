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
