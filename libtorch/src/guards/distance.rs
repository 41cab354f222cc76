//! Checks for the pairwise-distance backwards (`pdist`, `cdist`), which read their inputs with shapes taken from others.
use super::args::dim_in;
use super::{fail, must_be_defined, sizes};
use crate::{Result, Tensor};

/// `_pdist_backward`: `self` holds n rows (1-D or 2-D, as the forward takes), and `grad` and
/// `pdist` one element per pair of rows, n(n-1)/2; the kernel reads them pair by pair.
///
/// The kernel keeps the forward's layout assumptions: other shapes are a SIGSEGV (a 3-D input with
/// a zero-size last dimension has a null buffer).
pub(crate) fn pdist_backward_shapes(
    op: &'static str,
    grad: &Tensor,
    x: &Tensor,
    pdist: &Tensor,
) -> Result<()> {
    dim_in(op, ("self", x), [1, 2])?;
    let s = x.f_size()?;
    let n = s[0];
    // With no rows the kernel's per-column walk starts one row before the end and never meets
    // it (seed 171).
    if n == 0 && s.get(1).is_some_and(|&m| m > 0) {
        return Err(fail(
            op,
            format!("self must have at least one row, got sizes {s:?}"),
        ));
    }
    let pairs = (n * (n - 1) / 2).max(0) as usize;
    for (name, t) in [("grad", grad), ("pdist", pdist)] {
        must_be_defined(op, name, t)?;
        if t.numel() != pairs {
            return Err(fail(
                op,
                format!(
                    "{name} must have one element per pair of self's {n} rows ({pairs}), got {}",
                    t.numel()
                ),
            ));
        }
    }
    Ok(())
}

/// `_cdist_backward` reads `x1` and `x2` as `[..., r1, c]` and `[..., r2, c]` and `grad` and
/// `cdist` as `[..., r1, r2]`, with the sizes of `x1` and `x2`, unchecked (seed 296: an empty
/// grad, and x2 with another column count: a SIGSEGV).
pub(crate) fn cdist_backward_shapes(
    op: &'static str,
    grad: &Tensor,
    x1: &Tensor,
    x2: &Tensor,
    cdist: &Tensor,
) -> Result<()> {
    let (a, b) = (sizes(op, "x1", x1)?, sizes(op, "x2", x2)?);
    let ([batch @ .., r1, c1], [batch2 @ .., r2, c2]) = (&a[..], &b[..]) else {
        return Err(fail(
            op,
            format!("x1 and x2 must be at least 2-D, got {a:?} and {b:?}"),
        ));
    };
    if c1 != c2 || batch != batch2 {
        return Err(fail(
            op,
            format!("x2 must have x1's batch sizes and columns, got {a:?} and {b:?}"),
        ));
    }
    let mut want = batch.to_vec();
    want.extend([*r1, *r2]);
    for (name, t) in [("grad", grad), ("cdist", cdist)] {
        let s = sizes(op, name, t)?;
        if s != want {
            return Err(fail(
                op,
                format!("{name} must have shape {want:?}, got {s:?}"),
            ));
        }
    }
    Ok(())
}
