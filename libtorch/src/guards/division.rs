//! Integer division's one trap: the type's minimum divided by -1 overflows, and with
//! `rounding_mode="trunc"` ATen's CPU kernel divides with the machine instruction, which traps
//! on x86 (SIGFPE, found by issue #25's probe; Python's PyTorch dies the same way). The other
//! rounding modes and `remainder`/`fmod` handle it; int8 and int16 are computed in `int`.
use super::fail;
use crate::{Device, Kind, Result, Scalar, Tensor};

/// The minimum of the integer kinds the CPU divides with a trapping instruction.
fn trapping_min(kind: Kind) -> Option<i64> {
    match kind {
        Kind::Int => Some(i32::MIN as i64),
        Kind::Int64 => Some(i64::MIN),
        _ => None,
    }
}

/// Whether some element pair divides the minimum by -1 (in `kind`, on the CPU).
fn min_by_minus_one(a: &Tensor, b: &Tensor, kind: Kind) -> Result<bool> {
    let Some(min) = trapping_min(kind) else {
        return Ok(false);
    };
    let at_min = a.f_eq_scalar(min)?;
    let minus_one = b.f_eq_scalar(-1)?;
    at_min.f_logical_and(&minus_one)?.f_any()?.item_as::<bool>()
}

fn refuse(op: &'static str) -> crate::Error {
    fail(
        op,
        "integer division of the type's minimum by -1 overflows, with rounding_mode=\"trunc\""
            .into(),
    )
}

/// `div(self, other, rounding_mode)` with a tensor divisor.
pub(crate) fn int_trunc_div(
    op: &'static str,
    this: &Tensor,
    other: &Tensor,
    rounding_mode: Option<&str>,
) -> Result<()> {
    if rounding_mode != Some("trunc")
        || !this.defined()
        || !other.defined()
        || this.device() != Device::Cpu
    {
        return Ok(());
    }
    let kind = Tensor::f_result_type(this, other)?;
    if min_by_minus_one(this, other, kind)? {
        return Err(refuse(op));
    }
    Ok(())
}

/// `div(self, other, rounding_mode)` with a scalar divisor.
pub(crate) fn int_trunc_div_scalar(
    op: &'static str,
    this: &Tensor,
    other: &Scalar,
    rounding_mode: Option<&str>,
) -> Result<()> {
    if rounding_mode != Some("trunc") || !this.defined() || this.device() != Device::Cpu {
        return Ok(());
    }
    let minus_one = match *other {
        Scalar::Int(i) => i == -1,
        Scalar::Bool(_) => false,
        _ => return Ok(()), // a float divisor makes the division a floating one
    };
    let kind = Tensor::f_result_type_scalar(this, *other)?;
    if let (true, Some(min)) = (minus_one, trapping_min(kind)) {
        if this.f_eq_scalar(min)?.f_any()?.item_as::<bool>()? {
            return Err(refuse(op));
        }
    }
    Ok(())
}
