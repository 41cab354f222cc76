//! Checks for the softmax kernels (`_log_softmax_backward_data`, `_masked_softmax`).
use super::{fail, sizes};
use crate::{Result, Tensor};

/// `_log_softmax_backward_data` never compares `output` with `grad_output` (its softmax sibling
/// does) and runs whenever `output` has elements: it reads `grad_output.numel()` elements of
/// `output`, and along a dimension other than the last it divides by that dimension's size and
/// by the product of the sizes after it (SIGFPE when either is 0, seed 45).
pub(crate) fn log_softmax_backward_shapes(
    op: &'static str,
    grad: &Tensor,
    output: &Tensor,
    dim: i64,
) -> Result<()> {
    if !grad.defined() || !output.defined() || output.numel() == 0 {
        return Ok(());
    }
    let s = grad.f_size()?;
    let rank = s.len() as i64;
    let d = if dim < 0 { dim + rank } else { dim };
    if rank == 0 || !(0..rank).contains(&d) {
        return Ok(()); // libtorch wraps and checks dim itself
    }
    let d = d as usize;
    let after: i64 = s[d + 1..].iter().product();
    let divides_by_zero = d + 1 != s.len() && (s[d] == 0 || after == 0);
    if divides_by_zero || output.numel() < grad.numel() {
        return Err(fail(
            op,
            format!(
                "output must have grad_output's shape {s:?} (the kernel reads it with that \
                 layout), got {:?}",
                sizes(op, "output", output)?
            ),
        ));
    }
    Ok(())
}

/// `_masked_softmax` runs the softmax kernel on every row without an early return for an empty
/// softmax dimension: it divides its grain size by that dimension's size and reads each row's
/// first element (seed 143: a [3, 0] input, read through a null pointer). `dim` defaults to the
/// last dimension.
pub(crate) fn masked_softmax_dim(op: &'static str, input: &Tensor, dim: Option<i64>) -> Result<()> {
    if !input.defined() {
        return Ok(());
    }
    let s = input.f_size()?;
    let rank = s.len() as i64;
    let d = dim.unwrap_or(rank - 1);
    let d = if d < 0 { d + rank } else { d };
    match s.get(d as usize) {
        Some(0) if (0..rank).contains(&d) => Err(fail(
            op,
            format!("self must not be empty along the softmax dim {d} (sizes {s:?})"),
        )),
        _ => Ok(()),
    }
}
