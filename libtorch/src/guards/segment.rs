//! Checks for the segment reductions, which walk `data` by the offsets or lengths they are given
//! without comparing them with `data`'s shape.
use super::{fail, given, sizes};
use crate::{Kind, Result, Tensor};

/// `segment_reduce` with `offsets` (which win over `lengths`) validates none of them, and with
/// `lengths` it checks their values only unless `unsafe`; neither path compares the index
/// tensor's leading sizes with `data`'s. The kernel then reads `data` at the offsets, per
/// leading index of `data` (seed 27: an empty offsets tensor read at 0). The index tensor must
/// have `data`'s sizes before `axis`, and its values must stay inside `data.size(axis)`:
/// offsets from 0 to it without decreasing, lengths not negative and summing to at most it.
pub(crate) fn segment_bounds(
    op: &'static str,
    data: &Tensor,
    (lengths, offsets): (Option<&Tensor>, Option<&Tensor>),
    axis: i64,
    unsafe_: bool,
) -> Result<()> {
    let (idx, name, is_offsets) = match (given(offsets), given(lengths)) {
        (Some(o), _) => (o, "offsets", true),
        (None, Some(l)) => (l, "lengths", false),
        _ => return Ok(()),
    };
    if !data.defined() {
        return Ok(());
    }
    let ds = data.f_size()?;
    let rank = ds.len() as i64;
    let ax = if axis < 0 { axis + rank } else { axis };
    let is = idx.f_size()?;
    let index_kind = matches!(idx.f_kind()?, Kind::Int | Kind::Int64);
    if !(0..rank).contains(&ax) || is.len() as i64 != ax + 1 || !index_kind {
        return Ok(()); // libtorch rejects these itself
    }
    let ax = ax as usize;
    if is[..ax] != ds[..ax] {
        return Err(fail(
            op,
            format!(
                "{name} must have data's sizes before axis {ax} ({:?}), got {is:?}",
                &ds[..ax]
            ),
        ));
    }
    if !is_offsets && !unsafe_ {
        return Ok(()); // libtorch checks the lengths' values
    }
    let width = is[ax] as usize;
    if width == 0 {
        return Ok(()); // no segments (or, for offsets, libtorch rejects -1 of them)
    }
    let n = ds[ax];
    let values = idx.to_vec::<i64>()?;
    for row in values.chunks(width) {
        let ok = if is_offsets {
            row[0] >= 0 && row.windows(2).all(|w| w[0] <= w[1]) && row[width - 1] <= n
        } else {
            row.iter().all(|&l| l >= 0)
                && row
                    .iter()
                    .try_fold(0i64, |a, &l| a.checked_add(l))
                    .is_some_and(|t| t <= n)
        };
        if !ok {
            let what = if is_offsets {
                "non-decreasing offsets from 0 to"
            } else {
                "non-negative lengths summing to at most"
            };
            return Err(fail(
                op,
                format!("{name} must hold {what} data.size({ax}) = {n}, got a row {row:?}"),
            ));
        }
    }
    Ok(())
}

/// `_segment_reduce_backward` checks neither its offsets or lengths (it turns lengths into
/// offsets by a cumulative sum, so negative ones walk backwards) nor the shapes of `grad` and
/// `output`, which it reads per segment as [data's sizes, with `segments` at `axis`] (seed 1045
/// at 400 calls per op: lengths of shape [2, 3] for a [3, 1] data, a SIGSEGV). The index tensor
/// must pass [`segment_bounds`]' checks, values included, and `grad` and `output` must have
/// that shape.
pub(crate) fn segment_backward_bounds(
    op: &'static str,
    grad: &Tensor,
    output: &Tensor,
    data: &Tensor,
    (lengths, offsets): (Option<&Tensor>, Option<&Tensor>),
    axis: i64,
) -> Result<()> {
    segment_bounds(op, data, (lengths, offsets), axis, true)?;
    let (idx, segments_of) = match (given(offsets), given(lengths)) {
        (Some(o), _) => (o, 1),
        (None, Some(l)) => (l, 0),
        _ => return Ok(()),
    };
    if !data.defined() {
        return Ok(());
    }
    let mut want = data.f_size()?;
    let rank = want.len() as i64;
    let ax = if axis < 0 { axis + rank } else { axis };
    let is = idx.f_size()?;
    if !(0..rank).contains(&ax) || is.len() as i64 != ax + 1 {
        return Ok(()); // as in segment_bounds: libtorch rejects these itself
    }
    want[ax as usize] = (is[ax as usize] - segments_of).max(0);
    for (name, t) in [("grad", grad), ("output", output)] {
        let got = sizes(op, name, t)?;
        if got != want {
            return Err(fail(
                op,
                format!("{name} must have the reduction's shape {want:?}, got {got:?}"),
            ));
        }
    }
    Ok(())
}
