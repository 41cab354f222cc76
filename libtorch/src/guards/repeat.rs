//! Checks for `repeat_interleave`, whose kernel trusts a given `output_size`: it allocates that
//! many elements and writes `sum(repeats)` of them, checking neither the sum nor (with
//! `output_size` given) that the repeats are not negative.

use super::{fail, int_values};
use crate::{Result, Tensor};

/// `repeats` (each >= 0) must add up to exactly `output_size` when it is given: more overflow
/// the result (seed 42: repeats [1, -1] with output_size 0), fewer leave its tail uninitialized.
///
/// With `output_size` given, `repeat_interleave` allocates that many elements and writes
/// `sum(repeats)`, checking neither the sum nor negative repeats (a heap overflow).
fn repeat_total(op: &'static str, repeats: &[i64], output_size: Option<i64>) -> Result<()> {
    let Some(size) = output_size else {
        return Ok(()); // libtorch computes the size and checks the repeats itself
    };
    if let Some(r) = repeats.iter().find(|&&r| r < 0) {
        return Err(fail(op, format!("repeats must not be negative, got {r}")));
    }
    let total = repeats
        .iter()
        .try_fold(0i64, |a, &r| a.checked_add(r))
        .unwrap_or(i64::MAX);
    if total == size {
        Ok(())
    } else {
        Err(fail(
            op,
            format!("output_size must equal the sum of repeats ({total}), got {size}"),
        ))
    }
}

/// The values of an integer `repeats` tensor, or `None` when libtorch rejects it itself (not
/// 1-D or 0-dim, not an integer type).
fn repeat_values(op: &'static str, repeats: &Tensor) -> Result<Option<Vec<i64>>> {
    if !repeats.defined() || repeats.f_dim()? > 1 {
        return Ok(None);
    }
    int_values(op, "repeats", repeats)
}

/// `repeat_interleave(repeats, output_size)`: see [`repeat_total`].
pub(crate) fn repeat_interleave_total(
    op: &'static str,
    repeats: &Tensor,
    output_size: Option<i64>,
) -> Result<()> {
    match repeat_values(op, repeats)? {
        Some(r) if output_size.is_some() => repeat_total(op, &r, output_size),
        _ => Ok(()),
    }
}

/// How many times each element is repeated when `self` is repeated along `dim` (or flattened):
/// a single repeat applies to every element.
fn expanded(this: &Tensor, dim: Option<i64>, repeats: Vec<i64>) -> Result<Vec<i64>> {
    if repeats.len() != 1 {
        return Ok(repeats);
    }
    let n = match dim {
        None => this.numel() as i64,
        Some(d) => {
            let s = this.f_size()?;
            let r = s.len() as i64;
            let w = if d < 0 { d + r } else { d };
            match s.get(w as usize) {
                Some(&n) if (0..r.max(1)).contains(&w) => n,
                _ => return Ok(repeats), // libtorch reports the dim
            }
        }
    };
    Ok(vec![repeats[0]; n.max(0) as usize])
}

/// `self.repeat_interleave(repeats, dim, output_size)` with a repeats tensor: see
/// [`repeat_total`].
pub(crate) fn repeat_interleave_self_total(
    op: &'static str,
    this: &Tensor,
    repeats: &Tensor,
    dim: Option<i64>,
    output_size: Option<i64>,
) -> Result<()> {
    if output_size.is_none() || !this.defined() {
        return Ok(());
    }
    match repeat_values(op, repeats)? {
        Some(r) => repeat_total(op, &expanded(this, dim, r)?, output_size),
        None => Ok(()),
    }
}

/// `self.repeat_interleave(repeats: int, dim, output_size)`: see [`repeat_total`].
pub(crate) fn repeat_interleave_int_total(
    op: &'static str,
    this: &Tensor,
    repeats: i64,
    dim: Option<i64>,
    output_size: Option<i64>,
) -> Result<()> {
    if output_size.is_none() || !this.defined() {
        return Ok(());
    }
    repeat_total(op, &expanded(this, dim, vec![repeats])?, output_size)
}
