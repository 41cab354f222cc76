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
///
/// Unchecked: SIGSEGV (seeds 35, 64 and 74). An undefined `self` crashes too (seed 1009 at 400
/// calls per op): the entry's `args::defined`.
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
///
/// (SIGSEGV, seeds 39, 51, 57 and 70.)
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

/// `_dyn_quant_matmul_4bit`'s own condition `block_size == in_features || (block_size % 32 == 0
/// && in_features % block_size == 0)`, which ATen evaluates dividing by a zero `block_size`.
///
/// (SIGFPE.) `block_size == in_features == 0` passes the condition: a valid call of
/// `_dyn_quant_pack_4bit_weight` (so no `args::positive` there), but the x86 kernel of
/// `_dyn_quant_matmul_4bit` then divides by `block_size`, so its entry also requires a positive one
/// (a negative block size, which the condition lets through, makes a negative block count).
pub(crate) fn dyn_quant_block_size(
    op: &'static str,
    block_size: i64,
    in_features: i64,
) -> Result<()> {
    let ok = block_size == in_features
        || (block_size % 32 == 0 && in_features.checked_rem(block_size) == Some(0));
    if ok {
        Ok(())
    } else {
        Err(fail(
            op,
            format!(
                "block_size must equal in_features or be a multiple of 32 dividing it, \
                 got block_size {block_size}, in_features {in_features}"
            ),
        ))
    }
}

/// `choose_qparams_optimized` searches for a range by moving one bound inward by `s = (max -
/// min) / n_bins` per iteration while `min + thr < max`, `thr = n_bins * (1 - ratio) * s` (all in
/// f32). The loop never ends when a step moves a bound outward (`n_bins < 0`), not at all (`s`
/// below the float spacing of the bounds: a huge `n_bins`, or values a few ulps apart), or past
/// the other bound for good (`ratio > 1`, infinite values); otherwise it takes about `2 n_bins
/// ratio` iterations of `O(numel)` each. The minimum and maximum are those of the first `numel`
/// floats of `input`'s memory, as ATen reads them. Calls that enter the loop must make progress
/// every step and stay within about 2^32 element operations.
///
/// (A hang, seed 13: `n_bins` = 2^40.) The search reads `input` on the host whatever its device
/// (SIGSEGV, CUDA fuzz): the entry's `args::on_cpu`.
pub(crate) fn qparams_search(
    op: &'static str,
    input: &Tensor,
    numel: i64,
    n_bins: i64,
    ratio: f64,
) -> Result<()> {
    let readable = input.defined()
        && input.f_kind()? == Kind::Float
        && numel > 0
        && numel <= input.numel() as i64;
    if !readable {
        return Ok(());
    }
    // ATen reads the first `numel` floats from the data pointer, whatever the strides.
    let Ok(raw) = input.f_as_strided(&[numel], &[1]) else {
        return Err(fail(
            op,
            format!("input's storage must hold numel = {numel} floats from its offset"),
        ));
    };
    let memory = raw.to_vec::<f32>()?;
    // std::min_element / max_element: the first element that no later one compares below
    // (above); NaN never compares.
    let (mut lo, mut hi) = (memory[0], memory[0]);
    for &x in &memory[1..] {
        if x < lo {
            lo = x;
        }
        if x > hi {
            hi = x;
        }
    }
    let nb = n_bins as f32;
    let range = hi - lo;
    let step = range / nb;
    let min_bins = (nb as f64 * (1.0 - ratio)) as f32;
    let thr = min_bins * step;
    // NaN compares false too: the loop is never entered.
    if (lo + thr).partial_cmp(&hi) != Some(std::cmp::Ordering::Less) {
        return Ok(());
    }
    let m = lo.abs().max(hi.abs());
    let spacing = f32::from_bits(m.to_bits() + 1) - m;
    let iterations = 2.0 * f64::from((range - thr) / step) + 2.0;
    let work = iterations * (2 * numel + 1) as f64;
    let ends = n_bins > 0 && ratio <= 1.0 && step.is_finite() && step >= spacing;
    if ends && work <= (1u64 << 32) as f64 {
        Ok(())
    } else {
        Err(fail(
            op,
            format!(
                "n_bins ({n_bins}) and ratio ({ratio}) must give a search that ends: from [{lo}, \
                 {hi}] it steps by {step:e} (float spacing there {spacing:e}) for about \
                 {iterations:e} iterations"
            ),
        ))
    }
}

pub(crate) fn is_quantized(k: Kind) -> bool {
    matches!(
        k,
        Kind::QInt8 | Kind::QUInt8 | Kind::QInt32 | Kind::QUInt4x2 | Kind::QUInt2x4
    )
}

/// `self`, when defined, is not quantized: `view_copy.dtype` reinterprets a quantized tensor's
/// storage without its quantizer (SIGSEGV), and `_neg_view_copy` recurses on it until the stack
/// overflows (the views themselves, `view.dtype` and `_neg_view`, are fine).
pub(crate) fn self_not_quantized(op: &'static str, self_: &Tensor) -> Result<()> {
    if self_.defined() && is_quantized(self_.f_kind()?) {
        return Err(fail(
            op,
            format!("self must not be quantized, got {:?}", self_.f_kind()?),
        ));
    }
    Ok(())
}

/// Setting a quantized tensor to a storage (`set_` with an offset, size and stride) checks
/// nothing: the dense kernel grows the storage or refuses a view past its end, the quantized
/// one keeps the view. Reading it then reads past the storage (a [2] view at offset 3 of a
/// 4-element storage gave [4, 0]), and the `.out` form crashed copying from it (SIGSEGV,
/// quantized-only form fuzz, seed 2). For a quantized `self` the view must lie inside the
/// storage, as the dense kernel requires of a storage it cannot grow.
pub(crate) fn quantized_set_bounds(
    op: &'static str,
    self_: &Tensor,
    source: &crate::Storage,
    storage_offset: i64,
    (size, stride): (&[i64], &[i64]),
) -> Result<()> {
    if !self_.defined() || !is_quantized(self_.f_kind()?) {
        return Ok(());
    }
    if storage_offset < 0 {
        return Err(fail(
            op,
            format!("storage_offset must not be negative, got {storage_offset}"),
        ));
    }
    if size.contains(&0) || (!stride.is_empty() && stride.len() != size.len()) {
        return Ok(()); // nothing is read; libtorch rejects mismatched lists itself
    }
    // The largest element index the view reaches, with contiguous strides when none are given.
    let mut last = i128::from(storage_offset);
    let mut contiguous = 1i128;
    for (d, &n) in size.iter().enumerate().rev() {
        let s = match stride.get(d) {
            Some(&s) => i128::from(s),
            None => contiguous,
        };
        if n < 0 || s < 0 {
            return Ok(()); // libtorch rejects negative sizes and strides itself
        }
        last += (i128::from(n) - 1) * s;
        contiguous *= i128::from(n);
    }
    let item = self_.f_kind()?.elt_size_in_bytes().max(1) as i128;
    let have = source.nbytes()? as i128;
    if (last + 1) * item > have {
        return Err(fail(
            op,
            format!(
                "sizes {size:?}, strides {stride:?} at storage offset {storage_offset} reach \
                 element {last}, past the storage's {} elements of a quantized self",
                have / item
            ),
        ));
    }
    Ok(())
}

/// [`quantized_set_bounds`] with a tensor's storage.
pub(crate) fn quantized_set_bounds_tensor(
    op: &'static str,
    self_: &Tensor,
    source: &Tensor,
    storage_offset: i64,
    size_stride: (&[i64], &[i64]),
) -> Result<()> {
    if !source.defined() {
        return Ok(());
    }
    let Ok(storage) = crate::Storage::of(source) else {
        return Ok(()); // no storage (sparse, nested): libtorch reports it
    };
    quantized_set_bounds(op, self_, &storage, storage_offset, size_stride)
}
