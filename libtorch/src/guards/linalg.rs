//! Checks for the LAPACK-backed solvers that trust factorization outputs passed back in.
use super::args::square_matrix;
use super::{fail, int_values, sizes, sparse_compressed};
use crate::{Result, Tensor};

/// `linalg_ldl_solve` hands `pivots` to LAPACK's `?sytrs` unchecked; the pivots must be what
/// `linalg_ldl_factor` returns (1-based, LAPACK's `ipiv`): per matrix of order `n`, a positive
/// `p <= n` for a 1x1 block, or two equal negative values `-p` with `p <= n` for a 2x2 block.
/// Zero, out-of-range or unpaired ones swap rows outside the matrix (PyTorch issue 91590: a
/// SIGSEGV for zeros, an abort for 100).
pub(crate) fn ldl_pivots(op: &'static str, ld: &Tensor, pivots: &Tensor) -> Result<()> {
    if !ld.defined() {
        return Ok(());
    }
    let Some(&n) = ld.f_size()?.last() else {
        return Ok(());
    };
    let Some(values) = int_values(op, "pivots", pivots)? else {
        return Ok(()); // libtorch requires int32 pivots
    };
    if n <= 0 || values.len() % n as usize != 0 {
        return Ok(()); // libtorch compares the shapes
    }
    for (b, ipiv) in values.chunks(n as usize).enumerate() {
        let mut k = 0;
        while k < ipiv.len() {
            let p = ipiv[k];
            let pair = p < 0 && ipiv.get(k + 1) == Some(&p);
            if p == 0 || p.abs() > n || (p < 0 && !pair) {
                return Err(fail(
                    op,
                    format!(
                        "pivots of matrix {b} must be LAPACK's (from linalg_ldl_factor): 1..={n}, \
                         or equal negative pairs; got {p} at {k} in {ipiv:?}"
                    ),
                ));
            }
            k += if pair { 2 } else { 1 };
        }
    }
    Ok(())
}

/// `triangular_solve.X` with a sparse compressed `A` goes to the MKL kernel, which checks
/// nothing and does not resize `X`: a non-square CSR `A` (2 × 4) or a `B` of other rows wrote
/// past a buffer while converting indices (invalid writes under memcheck, CSR-only form fuzz
/// seeds 1 and 6, which then aborted in `free`), and an `X` of another shape came back empty or
/// partly written. For such an `A`, the call needs what the functional form checks (`A`
/// square, `B` of `A`'s order in rows) and an `X` of the result's shape.
pub(crate) fn sparse_triangular_solve_out(
    op: &'static str,
    b: &Tensor,
    a: &Tensor,
    x: &Tensor,
) -> Result<()> {
    if !sparse_compressed(a.layout_or_strided()) {
        return Ok(());
    }
    square_matrix(op, ("A", a))?;
    let (a_sizes, b_sizes) = (a.f_size()?, sizes(op, "self", b)?);
    let n = a_sizes[a_sizes.len() - 1];
    if b_sizes.len() < 2 || b_sizes[b_sizes.len() - 2] != n {
        return Err(fail(
            op,
            format!("self must be a matrix (or batch) with A's order {n} in rows, got {b_sizes:?}"),
        ));
    }
    let (a_batch, b_batch) = (&a_sizes[..a_sizes.len() - 2], &b_sizes[..b_sizes.len() - 2]);
    let Some(mut want) = broadcast_shapes(a_batch, b_batch) else {
        return Ok(()); // libtorch reports batches that do not broadcast
    };
    want.extend_from_slice(&b_sizes[b_sizes.len() - 2..]);
    let got = sizes(op, "X", x)?;
    if got != want {
        return Err(fail(
            op,
            format!(
                "X must already have the result's shape {want:?} with a sparse A (this kernel \
                 does not resize it), got {got:?}"
            ),
        ));
    }
    Ok(())
}

/// The broadcast of two shapes (NumPy's rule), or `None` where a pair of sizes differs and
/// neither is 1.
fn broadcast_shapes(a: &[i64], b: &[i64]) -> Option<Vec<i64>> {
    let n = a.len().max(b.len());
    let at = |s: &[i64], i: usize| {
        if i < n - s.len() {
            1
        } else {
            s[i - (n - s.len())]
        }
    };
    (0..n)
        .map(|i| match (at(a, i), at(b, i)) {
            (x, y) if x == y || y == 1 => Some(x),
            (1, y) => Some(y),
            _ => None,
        })
        .collect()
}
