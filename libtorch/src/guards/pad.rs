//! Checks for the padding kernels (replication, and the quantized reflection `.out`).
use super::quant::is_quantized;
use super::{fail, sizes};
use crate::{Result, Tensor};

/// `replication_pad{1,2,3}d` compute each output size as `input + left + right` in `int64_t`
/// without overflow checks: pads near `i64::MAX` wrap to a small size that passes the checks,
/// and the kernel then reads at the huge offsets (PyTorch issue 169741, a SIGSEGV for 3-D). And
/// the kernel loops over every output position of the padded dimensions even when another one
/// is empty: a pad of 2^50 with an output width of 0 runs 2^50 empty iterations (seed 1081 at
/// 400 calls per op, a hang). Each padded size must fit in `i64`, and an output without
/// elements may have no size beyond `i32::MAX` (the work budget of `spec/rules.yaml`).
pub(crate) fn replication_pad_sizes(
    op: &'static str,
    input: &Tensor,
    padding: &[i64],
) -> Result<()> {
    if !input.defined() || padding.len() % 2 != 0 {
        return Ok(());
    }
    let sizes = input.f_size()?;
    let dims = padding.len() / 2;
    if sizes.len() < dims {
        return Ok(()); // libtorch rejects the rank
    }
    let mut out = sizes.clone();
    for (i, pair) in padding.chunks(2).enumerate() {
        // padding lists the last dimension first
        let dim = sizes.len() - 1 - i;
        let padded = i128::from(sizes[dim]) + i128::from(pair[0]) + i128::from(pair[1]);
        out[dim] = i64::try_from(padded).map_err(|_| {
            fail(
                op,
                format!(
                    "padding ({}, {}) of dimension {dim} (size {}) overflows int64",
                    pair[0], pair[1], sizes[dim]
                ),
            )
        })?;
    }
    let empty = out.iter().any(|&o| o <= 0);
    if let Some(o) = out
        .iter()
        .find(|&&o| o > i64::from(i32::MAX))
        .filter(|_| empty)
    {
        return Err(fail(
            op,
            format!(
                "the padded sizes {out:?} have no elements but a size of {o}, which the kernel \
                 would loop over"
            ),
        ));
    }
    Ok(())
}

/// `_pad_enum` with mode 1 (replicate; 0 is reflect, 2 circular, 3 constant) runs the
/// replication kernels: see [`replication_pad_sizes`].
pub(crate) fn pad_enum_sizes(
    op: &'static str,
    input: &Tensor,
    pad: &[i64],
    mode: i64,
) -> Result<()> {
    if mode == 1 {
        replication_pad_sizes(op, input, pad)
    } else {
        Ok(())
    }
}

/// `pad` with mode "replicate": see [`replication_pad_sizes`].
pub(crate) fn pad_mode_sizes(
    op: &'static str,
    input: &Tensor,
    pad: &[i64],
    mode: &str,
) -> Result<()> {
    if mode == "replicate" {
        replication_pad_sizes(op, input, pad)
    } else {
        Ok(())
    }
}

/// The quantized `reflection_pad1d.out` neither checks its input nor resizes `out`: it walks
/// `out`'s existing shape. An empty input crashed (SIGSEGV, quantized-only form fuzz seeds 7
/// and 12), a smaller `out` returned a truncated result, and a larger one read past the input
/// (garbage values). For a quantized `self`, the input must pass the checks of the functional
/// form (2-D or 3-D, non-zero sizes but the batch, each pad smaller than the width) and `out`
/// must already have the padded shape.
pub(crate) fn quantized_reflection_pad1d_out(
    op: &'static str,
    self_: &Tensor,
    padding: &[i64],
    out: &Tensor,
) -> Result<()> {
    if !self_.defined() || !is_quantized(self_.f_kind()?) || padding.len() != 2 {
        return Ok(());
    }
    let s = self_.f_size()?;
    let nonzero = match s.len() {
        2 => s[0] > 0 && s[1] > 0,
        3 => s[1] > 0 && s[2] > 0,
        _ => false,
    };
    if !nonzero {
        return Err(fail(
            op,
            format!(
                "a quantized self must be 2-D or 3-D with non-zero sizes but the batch, got {s:?}"
            ),
        ));
    }
    let width = s[s.len() - 1];
    let (left, right) = (padding[0], padding[1]);
    let padded = i128::from(width) + i128::from(left) + i128::from(right);
    if left >= width || right >= width || padded < 1 {
        return Err(fail(
            op,
            format!("padding {padding:?} must be smaller than self's width {width} and leave one element"),
        ));
    }
    let mut want = s.clone();
    if let Some(last) = want.last_mut() {
        *last = padded as i64;
    }
    let got = sizes(op, "out", out)?;
    if got != want {
        return Err(fail(
            op,
            format!(
                "out must already have the padded shape {want:?} for a quantized self (this \
                 kernel does not resize it), got {got:?}"
            ),
        ));
    }
    Ok(())
}
