//! Checks for the sparse constructors that skip libtorch's invariant checks.
use super::{fail, int_values};
use crate::{Layout, Result, Tensor};

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
