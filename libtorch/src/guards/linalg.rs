//! Checks for the LAPACK-backed solvers that trust factorization outputs passed back in.
use super::*;

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
