//! Checks for the FFT kernels, which index per-dimension tables with raw dimensions.
use super::{fail, sizes};
use crate::{Result, Tensor};

/// `_fft_c2r`: the input's size along the last transformed dimension is `last_dim_size / 2 + 1`
/// (a one-sided spectrum) or `last_dim_size`. Any other size (e.g. 3 for `last_dim_size` 2)
/// makes MKL write a longer signal than the output holds. Dims out of range are checked
/// separately (`distinct_dims`); this passes them.
///
/// The longer signal is a heap corruption, and so is a dim out of range: `_fft_c2r_mkl` indexes
/// sizes and per-dimension tables with the raw dims (`torch.fft` wraps them first).
pub(crate) fn c2r_last_dim_size(
    op: &'static str,
    (xn, x): (&str, &Tensor),
    dims: &[i64],
    (ln, last_dim_size): (&str, i64),
) -> Result<()> {
    let s = sizes(op, xn, x)?;
    let Some(have) = dims
        .last()
        .and_then(|&d| usize::try_from(d).ok())
        .and_then(|d| s.get(d).copied())
    else {
        return Ok(());
    };
    if have == last_dim_size / 2 + 1 || have == last_dim_size {
        return Ok(());
    }
    Err(fail(
        op,
        format!(
            "{xn}'s size along the last dimension in dim ({have}) must be {ln} / 2 + 1 ({}) \
             or {ln} ({last_dim_size})",
            last_dim_size / 2 + 1
        ),
    ))
}
