//! Checks for quantization helpers that index their statistics and packed weights with sizes
//! they never compare: the fused moving-average observer and the 4-bit dynamic matmul.

use super::fail;
use crate::{Kind, Result, Tensor};

/// The first value of a one-element tensor as libtorch's `item().toInt()` would test it for
/// zero (a complex one by its real part), or `None` when it has not one element.
fn flag_value(t: &Tensor) -> Option<bool> {
    if !t.defined() || t.numel() != 1 {
        return None;
    }
    let real = if t.kind().is_complex() {
        t.f_real().and_then(|r| r.to_vec::<f64>())
    } else {
        t.to_vec::<f64>()
    };
    real.ok().map(|v| v[0] != 0.0)
}

/// `_fused_moving_avg_obs_fq_helper` (and `fused_moving_avg_obs_fake_quant`): `ch_axis` is
/// checked only from above, and per row it indexes a stack array with it (seed 35: -2^50); the
/// observer writes `running_min`/`running_max` at index 0 (per tensor) or for `self.size(0)`
/// rows (per row), and the fake-quantizer reads `running_max` for as many rows as
/// `running_min` has, all unchecked (an empty statistic is resized first, per row only).
#[allow(clippy::too_many_arguments)]
pub(crate) fn fused_observer(
    op: &'static str,
    this: &Tensor,
    (observer_on, fake_quant_on): (&Tensor, &Tensor),
    (running_min, running_max): (&Tensor, &Tensor),
    ch_axis: i64,
    per_row: bool,
) -> Result<()> {
    if !this.defined() || !running_min.defined() || !running_max.defined() {
        return Ok(());
    }
    let dim = this.f_dim()? as i64;
    if ch_axis >= dim || !observer_on.defined() || observer_on.numel() != 1 {
        return Ok(()); // libtorch checks these
    }
    if per_row && dim != 2 && ch_axis < 0 {
        return Err(fail(
            op,
            format!("ch_axis must not be negative for a {dim}-D self, got {ch_axis}"),
        ));
    }
    let Some(observe) = flag_value(observer_on) else {
        return Ok(());
    };
    let float = |t: &Tensor| t.kind() == Kind::Float;
    let (kmin, kmax) = (running_min.numel(), running_max.numel());
    if per_row {
        if dim < 2 || kmin == 0 {
            return Ok(()); // libtorch rejects 1-D; empty statistics are resized to fit
        }
        let rows = this.f_size()?[0] as usize;
        let floats = float(this) && float(running_min) && float(running_max);
        if observe && ch_axis == 0 && floats && this.numel() > 0 && kmin.min(kmax) < rows {
            return Err(fail(
                op,
                format!(
                    "running_min and running_max must hold self.size(0) = {rows} values, got \
                     {kmin} and {kmax}"
                ),
            ));
        }
        if flag_value(fake_quant_on) == Some(true) && kmax < kmin {
            return Err(fail(
                op,
                format!("running_max must hold running_min's {kmin} values, got {kmax}"),
            ));
        }
    } else if observe
        && float(this)
        && this.numel() > 0
        && float(running_min)
        && float(running_max)
        && (kmin == 0 || kmax == 0)
    {
        return Err(fail(
            op,
            "running_min and running_max must hold a value each (the observer writes them)"
                .to_string(),
        ));
    }
    Ok(())
}

/// `_dyn_quant_matmul_4bit` (the reference kernel, as on x86): `packed_weights` holds `N * K /
/// 2` int4 byte values, then `N * (K / block_size)` scales (and `N` bias values), as
/// `_dyn_quant_pack_4bit_weight` makes them; the kernel reads `M * K` contiguous floats of
/// `inp` and `N * ceil(K / 2)` weight bytes, dividing by `block_size`, none of it checked (seed
/// 39: an empty `inp` read through a null pointer). Mirrors ATen's own checks in order and
/// rejects what would read out of bounds.
pub(crate) fn dyn_quant_matmul_inputs(
    op: &'static str,
    inp: &Tensor,
    packed_weights: &Tensor,
    (block_size, k, n): (i64, i64, i64),
) -> Result<()> {
    if !inp.defined() || !packed_weights.defined() || inp.f_dim()? == 0 {
        return Ok(());
    }
    let kind = inp.f_kind()?;
    if !(kind == Kind::Float || (kind == Kind::BFloat16 && block_size == k)) {
        return Ok(());
    }
    if block_size == 0 && k != 0 {
        return Err(fail(
            op,
            format!("block_size must not be 0 for in_features {k}"),
        ));
    }
    if !(block_size == k || (block_size % 32 == 0 && k % block_size == 0)) || n < 0 {
        return Ok(()); // ATen's own checks
    }
    if block_size == 0 {
        return Err(fail(
            op,
            "block_size must not be 0 (the kernel divides by it)".to_string(),
        ));
    }
    let pw = packed_weights;
    let m = inp.f_size()?[0];
    // The kernel's element counts are computed in int64 and kept as C ints.
    let weights = (n.wrapping_mul(k) / 2) as i32;
    let scales = n.wrapping_mul(k / block_size) as i32;
    let sum = weights.wrapping_add(scales);
    let numel = pw.numel() as i64;
    if numel < sum as i64 || pw.f_dim()? == 0 {
        return Ok(());
    }
    let s0 = pw.f_size()?[0];
    let rest = s0 - weights as i64;
    if weights < 0 || weights as i64 > s0 || scales < 0 || scales as i64 > rest {
        return Ok(());
    }
    let bias = (numel - sum as i64) as i32;
    if bias != 0 && (bias < 0 || (scales + bias) as i64 > rest || bias as i64 != n) {
        return Ok(());
    }
    if m == 0 {
        return Ok(());
    }
    let want_inp = m.checked_mul(k);
    let inp_ok = k == 0 || (k > 0 && inp.is_contiguous() && want_inp == Some(inp.numel() as i64));
    let layout_ok = n == 0
        || k == 0
        || (k % 2 == 0
            && weights as i128 == n as i128 * k as i128 / 2
            && scales as i128 == n as i128 * (k / block_size) as i128
            // Float and uint8 weights are read in place, whatever their strides.
            && (pw.is_contiguous() || !matches!(pw.f_kind()?, Kind::Float | Kind::Uint8)));
    if inp_ok && layout_ok {
        Ok(())
    } else {
        Err(fail(
            op,
            format!(
                "inp must be a contiguous [M, in_features = {k}] tensor (got {:?}) and \
                 packed_weights the packed layout of an even in_features (N * K / 2 weight \
                 bytes, then scales), got {} elements",
                inp.size(),
                numel
            ),
        ))
    }
}
