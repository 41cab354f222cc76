//! Checks for the activation kernels (`rrelu_with_noise`).
use super::args::same_shape;
use crate::{Result, Tensor};

/// `rrelu_with_noise.out` in training mode writes its random slopes' results into `out`
/// element by element for every element of `self`, without resizing it (a SIGSEGV for a 0-D
/// self into a [0, 1] out, seed 1179 at 400 calls per op): `out` must have `self`'s shape then.
pub(crate) fn rrelu_out_shape(
    op: &'static str,
    input: &Tensor,
    out: &Tensor,
    training: bool,
) -> Result<()> {
    if !training || !input.defined() || !out.defined() {
        return Ok(());
    }
    same_shape(op, [("self", input), ("out", out)])
}
