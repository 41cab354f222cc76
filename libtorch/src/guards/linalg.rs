//! Checks for the LAPACK-backed solvers that trust factorization outputs passed back in.
use super::args::square_matrix;
use super::{fail, int_values, on_device_kernels, size_at, sizes, sparse_compressed};
use crate::{Kind, Result, Tensor};
use std::borrow::Borrow;

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

/// `lu_unpack`: with `unpack_pivots`, the pivots have the shape `LU.shape[:-2] + [min(m, n)]`;
/// the kernel iterates with the pivots' shape over a permutation laid out for LU's.
///
/// Other pivots are a SIGSEGV (PyTorch later added this exact check).
pub(crate) fn lu_unpack_pivots(
    op: &'static str,
    lu: &Tensor,
    pivots: &Tensor,
    unpack_pivots: bool,
) -> Result<()> {
    if !unpack_pivots || !lu.defined() {
        return Ok(());
    }
    let s = lu.f_size()?;
    let [batch @ .., m, n] = &s[..] else {
        return Ok(());
    };
    let mut want = batch.to_vec();
    want.push(*m.min(n));
    let have = sizes(op, "LU_pivots", pivots)?;
    if have == want {
        Ok(())
    } else {
        Err(fail(
            op,
            format!(
                "LU_pivots must have shape {want:?} (LU_data's batch and min(m, n)), got {have:?}"
            ),
        ))
    }
}

/// `matrix_power(n)` with `n == i64::MIN`: a negative power inverts and negates `n`, which
/// stays negative, and the squaring loop never ends.
pub(crate) fn matrix_power_exponent(op: &'static str, n: i64) -> Result<()> {
    if n == i64::MIN {
        return Err(fail(
            op,
            "n must be above i64::MIN (its negation overflows and the squaring loop never ends)"
                .into(),
        ));
    }
    Ok(())
}

/// `_compute_linear_combination` (the matrix exponential's helper: `out[i] = sum_j
/// coefficients[i, j] * input[j]`) restrides its operands and sums `coefficients.size(1)` rows
/// of `input` by raw stride, reading the coefficients as the real type of `input`'s dtype and
/// writing `out` as `input`'s dtype. It checks none of that: a 0-D input writes past an empty
/// size list, and a short `input` or a wider coefficient dtype is read past its end (seed 142).
/// (`out`'s dtype is checked with `same_dtype`.)
pub(crate) fn linear_combination(
    op: &'static str,
    input: &Tensor,
    coefficients: &Tensor,
) -> Result<()> {
    let s = sizes(op, "input", input)?;
    let rows = size_at(op, "input", &s, 0)?;
    let c = sizes(op, "coefficients", coefficients)?;
    let terms = size_at(op, "coefficients", &c, 1)?;
    if terms > rows {
        return Err(fail(
            op,
            format!(
                "coefficients.size(1) ({terms}) must be at most input.size(0) ({rows}): that \
                 many rows of input are summed"
            ),
        ));
    }
    let kind = input.kind();
    let real = match kind {
        Kind::ComplexHalf => Kind::Half,
        Kind::ComplexFloat => Kind::Float,
        Kind::ComplexDouble => Kind::Double,
        k => k,
    };
    if coefficients.kind() != real {
        return Err(fail(
            op,
            format!(
                "coefficients must have dtype {} (the real type of input's {}), got {}",
                real.name(),
                kind.name(),
                coefficients.kind().name()
            ),
        ));
    }
    Ok(())
}

/// `linalg__powsum` (and the `_foreach_powsum` lists built on it) reduces a complex input with
/// the real-valued norm kernel of `complex<float>`, which writes 4-byte floats: into a
/// `bfloat16` result that is a write past each 2-byte element (seed 1 under valgrind; the
/// result is garbage too; also the abort of seed 267 in session 8). Half and the wider dtypes
/// are converted correctly.
pub(crate) fn powsum_dtype<T: Borrow<Tensor>>(
    op: &'static str,
    tensors: impl AsRef<[T]>,
    dtype: Option<Kind>,
) -> Result<()> {
    if dtype != Some(Kind::BFloat16) {
        return Ok(());
    }
    match tensors
        .as_ref()
        .iter()
        .map(Borrow::borrow)
        .find(|t| t.defined() && t.kind().is_complex())
    {
        Some(t) => Err(fail(
            op,
            format!(
                "dtype bfloat16 is not supported for a complex self ({})",
                t.kind().name()
            ),
        )),
        None => Ok(()),
    }
}

/// `matrix_exp` scales a matrix by 2^-s, s = ceil(log2(‖A‖₁ / θ)), and squares the result s
/// times. The CUDA path converts s to an integer on the device, where the count of an infinite
/// 1-norm (an infinite entry, or column sums beyond the dtype's range) saturates to 2^63 squarings
/// (the CUDA fuzz's hangs, seeds 3 and 5); on the CPU the same conversion gives a negative count
/// and the call returns. So only tensors off the CPU are checked: their 1-norms, summed in their
/// own dtype as the kernel sums them, must be finite (NaN is refused with infinity). (This
/// cause was read from the source, not yet confirmed on a GPU.)
pub(crate) fn matrix_exp_norm(op: &'static str, t: &Tensor) -> Result<()> {
    if !on_device_kernels(t) || t.numel() == 0 {
        return Ok(());
    }
    let k = t.f_kind()?;
    if !(k.is_floating_point() || k.is_complex()) || t.dim() < 2 {
        return Ok(()); // ATen rejects these itself
    }
    let norms = t.f_abs()?.f_sum_dim(-2)?;
    if norms.f_isfinite()?.f_all()?.item_as::<bool>()? {
        Ok(())
    } else {
        Err(fail(
            op,
            format!(
                "self's 1-norm must be finite in {} (an infinite one makes the {:?} kernel square \
                 the matrix 2^63 times)",
                k.name(),
                t.device()
            ),
        ))
    }
}
