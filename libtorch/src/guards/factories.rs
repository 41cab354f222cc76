//! Checks for the ops that make or fill tensors from scalar bounds (`range`, `arange`,
//! `random_`) and for the Sobol engine's state, which their loops trust.
use super::onednn::zero_fill_overflows;
use super::{fail, given, must_be_defined, sizes};
use crate::{Kind, Layout, Result, Scalar, Tensor};

/// A Scalar as the integer ATen computes with for an integer result (truncated toward zero).
fn truncated(s: &Scalar) -> Option<i64> {
    match *s {
        Scalar::Int(i) => Some(i),
        Scalar::Bool(b) => Some(b as i64),
        Scalar::Float(f) if f.is_finite() => Some(f as i64),
        // ATen converts a complex number with no imaginary part by its real part.
        Scalar::Complex(re, im) if im == 0.0 && re.is_finite() => Some(re as i64),
        _ => None,
    }
}

/// The size of an integer `range`/`arange` is computed as `(end - start) / step` in int64: a
/// step that truncates to 0 divides by zero, and -1 with `end - start == i64::MIN` overflows
/// (both SIGFPE).
///
/// The checks before it are made in double. (`arange` computes in integers only for an int64
/// result.)
fn integer_step(op: &'static str, start: &Scalar, end: &Scalar, step: &Scalar) -> Result<()> {
    let (Some(a), Some(b), Some(d)) = (truncated(start), truncated(end), truncated(step)) else {
        return Ok(());
    };
    if d == 0 {
        return Err(fail(
            op,
            format!("step ({step:?}) must not truncate to 0 for an integer result"),
        ));
    }
    if d == -1 && b.wrapping_sub(a) == i64::MIN {
        return Err(fail(
            op,
            format!("end - start overflows int64 ({end:?} - {start:?}) for an integer result"),
        ));
    }
    Ok(())
}

/// A Scalar as the double ATen computes a floating range's size with.
fn as_double(s: &Scalar) -> Option<f64> {
    match *s {
        Scalar::Int(i) => Some(i as f64),
        Scalar::Bool(b) => Some(f64::from(u8::from(b))),
        Scalar::Float(f) => Some(f),
        Scalar::Complex(re, 0.0) => Some(re),
        _ => None,
    }
}

/// `arange` into half or bfloat16 fills its `ceil((end - start) / step)` elements in a loop whose
/// bound is that count converted to `float` (the dtypes' accumulate type): above 2^24 it rounds,
/// up (a write past the end: seed 1042 at 400 calls per op, 6.3e9 bfloat16 elements from
/// `arange(1, 64, 1e-8)`, heap corruption) or down (elements left unset). The count must be
/// exact in `float`.
fn half_count(
    op: &'static str,
    (start, end, step): (&Scalar, &Scalar, &Scalar),
    dtype: Option<Kind>,
) -> Result<()> {
    if !matches!(dtype, Some(Kind::Half | Kind::BFloat16)) {
        return Ok(());
    }
    let (Some(a), Some(b), Some(d)) = (as_double(start), as_double(end), as_double(step)) else {
        return Ok(());
    };
    let size = ((b - a) / d).ceil();
    if !size.is_finite() || size <= 0.0 || size >= 9.2e18 {
        return Ok(()); // libtorch rejects these sizes
    }
    let n = size as i64;
    let bound = n as f32 as i64;
    if bound != n {
        return Err(fail(
            op,
            format!(
                "{n} elements of {} are counted as {bound} by the kernel's float loop bound; \
                 fill at most 2^24 at a time or use float32",
                dtype.map_or("", |k| k.name())
            ),
        ));
    }
    Ok(())
}

/// `arange(end, dtype)`: see [`half_count`].
pub(crate) fn arange_end(op: &'static str, end: &Scalar, dtype: Option<Kind>) -> Result<()> {
    half_count(op, (&Scalar::Int(0), end, &Scalar::Int(1)), dtype)
}

/// `arange(end, out)`: see [`half_count`].
pub(crate) fn arange_end_out(op: &'static str, end: &Scalar, out: &Tensor) -> Result<()> {
    if !out.defined() {
        return Ok(());
    }
    half_count(
        op,
        (&Scalar::Int(0), end, &Scalar::Int(1)),
        Some(out.f_kind()?),
    )
}

/// `range(start, end, step, dtype)`: checked when the result dtype is an integer type.
pub(crate) fn range_step(
    op: &'static str,
    start: &Scalar,
    end: &Scalar,
    step: &Scalar,
    dtype: Option<Kind>,
) -> Result<()> {
    match dtype {
        Some(k) if !k.is_floating_point() && !k.is_complex() => integer_step(op, start, end, step),
        _ => Ok(()),
    }
}

/// `range(..., out)`: checked when `out` is of an integer type.
pub(crate) fn range_out_step(
    op: &'static str,
    start: &Scalar,
    end: &Scalar,
    step: &Scalar,
    out: &Tensor,
) -> Result<()> {
    if !out.defined() {
        return Ok(());
    }
    range_step(op, start, end, step, Some(out.f_kind()?))
}

/// `arange(start, end, step, dtype)`: only an int64 result computes its size in integers; with
/// no dtype the result is int64 when all three are integers (or bools). Half and bfloat16
/// results: see [`half_count`].
pub(crate) fn arange_step(
    op: &'static str,
    start: &Scalar,
    end: &Scalar,
    step: &Scalar,
    dtype: Option<Kind>,
) -> Result<()> {
    let int = |s: &Scalar| matches!(s, Scalar::Int(_) | Scalar::Bool(_));
    let int64 = match dtype {
        Some(k) => k == Kind::Int64,
        None => int(start) && int(end) && int(step),
    };
    if int64 {
        integer_step(op, start, end, step)
    } else {
        half_count(op, (start, end, step), dtype)
    }
}

/// `arange(..., out)`: checked when `out` is int64, or half or bfloat16 ([`half_count`]).
pub(crate) fn arange_out_step(
    op: &'static str,
    start: &Scalar,
    end: &Scalar,
    step: &Scalar,
    out: &Tensor,
) -> Result<()> {
    if !out.defined() {
        return Ok(());
    }
    match out.f_kind()? {
        Kind::Int64 => integer_step(op, start, end, step),
        k => half_count(op, (start, end, step), Some(k)),
    }
}

const SOBOL_BITS: i64 = 30;
const SOBOL_MAXDIM: i64 = 21201;

/// A Sobol engine state is 2-D (the draw reads other ranks through raw strides; seed 218 passed a
/// [1, 0, 4, 3] one), with at least `rows` rows and a bit count that `bits_ok` accepts, and
/// `dimension <= 21201`.
fn sobol_state(
    op: &'static str,
    (name, state): (&str, &Tensor),
    rows: i64,
    dimension: i64,
    bits_ok: impl Fn(i64) -> bool,
) -> Result<()> {
    let s = sizes(op, name, state)?;
    match s[..] {
        [r, b] if r >= rows && bits_ok(b) && dimension <= SOBOL_MAXDIM => Ok(()),
        _ => Err(fail(
            op,
            format!(
                "{name} must be [>= {rows}, {SOBOL_BITS}] with dimension <= {SOBOL_MAXDIM}, got \
                 {s:?} and {dimension}"
            ),
        )),
    }
}

/// `_sobol_engine_initialize_state_`: the state `[>= max(dimension, 1), 30]` (30 bits) is
/// written for row 0 and every row below `dimension` unchecked.
///
/// Beyond those bounds: heap corruption or a SIGSEGV.
pub(crate) fn sobol_initialize(op: &'static str, state: &Tensor, dimension: i64) -> Result<()> {
    sobol_state(op, ("self", state), dimension.max(1), dimension, |b| {
        b == SOBOL_BITS
    })
}

/// `_sobol_engine_scramble_`: for `dimension > 0` rows, the state (`[>= dimension, >= 30]`) and
/// `ltm` (`[>= dimension, >= 30, _]`) are read unchecked.
///
/// Beyond those bounds: heap corruption or a SIGSEGV.
pub(crate) fn sobol_scramble(
    op: &'static str,
    state: &Tensor,
    ltm: &Tensor,
    dimension: i64,
) -> Result<()> {
    if dimension <= 0 {
        return Ok(());
    }
    sobol_state(op, ("self", state), dimension, dimension, |b| {
        b >= SOBOL_BITS
    })?;
    let l = sizes(op, "ltm", ltm)?;
    if !matches!(l[..], [d, bits, _] if d >= dimension && bits >= SOBOL_BITS) {
        return Err(fail(
            op,
            format!("ltm must be [>= {dimension}, >= {SOBOL_BITS}, _], got {l:?}"),
        ));
    }
    Ok(())
}

/// `random_(from, to=None)` on a floating tensor with `from == i64::MAX`: ATen's bound
/// adjustment computes `abs(from + 1)`, which wraps to `i64::MIN`, and then shifts it right
/// until it is 0, which never happens (an endless loop). Integer tensors take another path.
pub(crate) fn random_from(op: &'static str, t: &Tensor, from: i64, to: Option<i64>) -> Result<()> {
    if to.is_none() && from == i64::MAX && t.defined() && t.f_kind()?.is_floating_point() {
        return Err(fail(
            op,
            "from must be below i64::MAX when to is None and self is floating point (ATen's \
             bound adjustment never ends)"
                .into(),
        ));
    }
    Ok(())
}

/// `_sobol_engine_draw`: `quasi` holds the `dimension` current points and `sobolstate` is
/// `[>= dimension, 30]`; draw i reads the state's column at the lowest zero bit of
/// `num_generated + i`, which stays below 30 only while `num_generated + n < 2^30`.
///
/// Anything smaller is read past (SIGSEGV).
pub(crate) fn sobol_draw(
    op: &'static str,
    quasi: &Tensor,
    n: i64,
    sobolstate: &Tensor,
    dimension: i64,
    num_generated: i64,
) -> Result<()> {
    sobol_steps(
        op,
        ("quasi", quasi),
        n,
        sobolstate,
        dimension,
        num_generated,
    )
}

/// `_sobol_engine_ff_`: fast-forwarding `self` (the current points) reads the state as a draw
/// does; see [`sobol_draw`] (a SIGSEGV for an empty state, seed 24).
pub(crate) fn sobol_fast_forward(
    op: &'static str,
    quasi: &Tensor,
    n: i64,
    sobolstate: &Tensor,
    dimension: i64,
    num_generated: i64,
) -> Result<()> {
    sobol_steps(op, ("self", quasi), n, sobolstate, dimension, num_generated)
}

fn sobol_steps(
    op: &'static str,
    (qn, quasi): (&str, &Tensor),
    n: i64,
    sobolstate: &Tensor,
    dimension: i64,
    num_generated: i64,
) -> Result<()> {
    let rows = dimension.max(1);
    sobol_state(op, ("sobolstate", sobolstate), rows, dimension, |b| {
        b == SOBOL_BITS
    })?;
    must_be_defined(op, qn, quasi)?;
    if (quasi.numel() as i64) < dimension {
        return Err(fail(
            op,
            format!(
                "{qn} must hold {dimension} values (dimension), got {}",
                quasi.numel()
            ),
        ));
    }
    if n < 0 || num_generated < 0 || num_generated.saturating_add(n) >= 1 << 30 {
        return Err(fail(
            op,
            format!(
                "n ({n}) and num_generated ({num_generated}) must be >= 0 with a sum below 2^30"
            ),
        ));
    }
    Ok(())
}

/// `zeros(..., layout=torch._mkldnn)` fills the new oneDNN tensor by writing `numel` floats
/// whatever its dtype (`mkldnn_zero_`), overflowing the buffer of a 1- or 2-byte dtype (int8,
/// uint8, half, bfloat16). `dtype`/`layout` default to `like`'s when given (`zeros_like`,
/// `new_zeros`), else to float and strided.
fn mkldnn_zero_fill(
    op: &'static str,
    like: Option<&Tensor>,
    dtype: Option<Kind>,
    layout: Option<Layout>,
) -> Result<()> {
    let like = given(like);
    let layout = layout
        .or(like.map(Tensor::layout))
        .unwrap_or(Layout::Strided);
    let kind = dtype.or(like.map(Tensor::kind)).unwrap_or(Kind::Float);
    if zero_fill_overflows(layout, kind) {
        return Err(fail(
            op,
            format!(
                "dtype {kind:?} cannot be zero-filled with layout Mkldnn (oneDNN's fill writes \
                 4-byte floats)"
            ),
        ));
    }
    Ok(())
}

/// `zeros(size, dtype, layout, ...)`: see [`mkldnn_zero_fill`].
pub(crate) fn zeros_layout(
    op: &'static str,
    dtype: Option<Kind>,
    layout: Option<Layout>,
) -> Result<()> {
    mkldnn_zero_fill(op, None, dtype, layout)
}

/// `zeros_like(self, dtype, layout, ...)` / `new_zeros`: see [`mkldnn_zero_fill`].
pub(crate) fn zeros_like_layout(
    op: &'static str,
    like: &Tensor,
    dtype: Option<Kind>,
    layout: Option<Layout>,
) -> Result<()> {
    mkldnn_zero_fill(op, Some(like), dtype, layout)
}

/// `binomial(count, prob)` samples by inversion or rejection until a test passes that never
/// does for a NaN or infinite count with `0 < prob < 1` (a NaN count never exceeds the running
/// sum; an infinite one never accepts: a hang, seed 42). Count and prob pair up by broadcasting.
pub(crate) fn binomial_counts(op: &'static str, count: &Tensor, prob: &Tensor) -> Result<()> {
    if !count.defined() || !prob.defined() {
        return Ok(());
    }
    let floating = |t: &Tensor| t.f_kind().map(|k| k.is_floating_point());
    if !floating(count)? || !floating(prob)? || count.numel() == 0 {
        return Ok(()); // libtorch rejects other dtypes; nothing to sample when empty
    }
    let endless = (|| {
        let bad_count = count.f_isnan()?.f_logical_or(&count.f_isposinf()?)?;
        let open = prob
            .f_gt_scalar(0.0)?
            .f_logical_and(&prob.f_lt_scalar(1.0)?)?;
        bad_count.f_logical_and(&open)?.f_any()?.item_as::<bool>()
    })();
    match endless {
        Ok(true) => Err(fail(
            op,
            "count must be finite where 0 < prob < 1 (sampling a NaN or infinite count never \
             ends)"
                .to_string(),
        )),
        // Shapes that do not broadcast: libtorch reports them itself.
        _ => Ok(()),
    }
}
