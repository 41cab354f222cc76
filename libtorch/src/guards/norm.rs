//! Checks for the backwards that trust their forward's saved tensors and output shape.
use super::*;

/// `native_layer_norm_backward` checks `normalized_shape` against `input` (and weight and bias)
/// but walks `grad_out` with `input`'s shape and reads `mean` and `rstd` once per normalized
/// row (M = the product of the leading sizes), unchecked (reads past 1-element statistics for 4
/// rows under valgrind). `grad_out` must have `input`'s shape and the statistics M elements.
pub(crate) fn layer_norm_backward_stats(
    op: &'static str,
    grad_out: &Tensor,
    input: &Tensor,
    normalized_shape: &[i64],
    mean: &Tensor,
    rstd: &Tensor,
) -> Result<()> {
    let s = sizes(op, "input", input)?;
    if normalized_shape.len() > s.len()
        || s[s.len() - normalized_shape.len()..] != *normalized_shape
    {
        return Ok(()); // libtorch rejects a normalized_shape that does not end input's
    }
    same_shape(op, &[("input", input), ("grad_out", grad_out)])?;
    if s.contains(&0) {
        return Ok(()); // nothing is read
    }
    let rows: i64 = s[..s.len() - normalized_shape.len()].iter().product();
    numel_is(op, "mean", mean, rows)?;
    numel_is(op, "rstd", rstd, rows)
}

/// The grid-sampler backwards read `grad_output` as the forward's output, [N, C, grid's
/// spatial sizes], without comparing it (memmove past a [1, 1, 2, 2] gradient for a 5x5 grid,
/// under valgrind). For `input` and `grid` of one rank.
pub(crate) fn grid_sampler_backward_shape(
    op: &'static str,
    grad_output: &Tensor,
    input: &Tensor,
    grid: &Tensor,
) -> Result<()> {
    let (i, g) = (sizes(op, "input", input)?, sizes(op, "grid", grid)?);
    if i.len() < 3 || i.len() != g.len() {
        return Ok(()); // libtorch checks the ranks
    }
    let mut want = vec![i[0], i[1]];
    want.extend_from_slice(&g[1..g.len() - 1]);
    let got = sizes(op, "grad_output", grad_output)?;
    if got != want {
        return Err(fail(
            op,
            format!("grad_output must have the forward output's shape {want:?}, got {got:?}"),
        ));
    }
    Ok(())
}
