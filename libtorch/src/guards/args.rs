//! The shared argument checks: the guards that many operators need (list lengths, dimension
//! counts, matching shapes...), named in spec/rules.yaml as `args::NAME(...)`.
//!
//! Each takes the operator's name first, then its arguments as the spec passes them: `@x` in the
//! spec is the pair `("x", x)`, whose name the error message quotes
//! (`aten::reflection_pad1d_backward: padding must have 2 elements, got 0 (libtorch 2.11 would
//! crash)`). The crash each use prevents is told beside that use in spec/rules.yaml.

use super::{dim_of, fail, given, int_values, must_be_defined, size_at, sizes};
use crate::{Device, Error, Result, Tensor};
use std::borrow::{Borrow, Cow};

/// `list` has exactly `len` elements.
pub(crate) fn list_len<T>(op: &'static str, (name, list): (&str, &[T]), len: usize) -> Result<()> {
    if list.len() == len {
        Ok(())
    } else {
        Err(fail(
            op,
            format!("{name} must have {len} elements, got {}", list.len()),
        ))
    }
}

/// `list` has `len` elements, or one, which is repeated `len` times (what PyTorch's Python
/// argument parser does for an `int[N]` parameter given one number).
pub(crate) fn expand_singleton<'a>(
    op: &'static str,
    (name, list): (&str, &'a [i64]),
    len: usize,
) -> Result<Cow<'a, [i64]>> {
    match list {
        [one] if len != 1 => Ok(Cow::Owned(vec![*one; len])),
        _ => {
            if list.len() != len {
                return Err(fail(
                    op,
                    format!("{name} must have {len} elements (or 1), got {}", list.len()),
                ));
            }
            Ok(Cow::Borrowed(list))
        }
    }
}

/// `list` has at least one element.
pub(crate) fn nonempty<T>(op: &'static str, (name, list): (&str, &[T])) -> Result<()> {
    if list.is_empty() {
        Err(fail(op, format!("{name} must not be empty")))
    } else {
        Ok(())
    }
}

/// A list's (name, length), for [`same_len`].
pub(crate) fn len<'a, T>((name, list): (&'a str, &[T])) -> (&'a str, usize) {
    (name, list.len())
}

/// The lists, given as (name, length) by [`len`], have one length.
pub(crate) fn same_len<const N: usize>(op: &'static str, lists: [(&str, usize); N]) -> Result<()> {
    let (first, n) = lists[0];
    match lists.iter().find(|(_, len)| *len != n) {
        None => Ok(()),
        Some((name, len)) => Err(fail(
            op,
            format!("{name} must have as many elements as {first} ({n}), got {len}"),
        )),
    }
}

/// `t` is defined.
pub(crate) fn defined(op: &'static str, (name, t): (&str, &Tensor)) -> Result<()> {
    must_be_defined(op, name, t)
}

/// Every tensor of `list` is defined.
pub(crate) fn all_defined<T: Borrow<Tensor>>(
    op: &'static str,
    (name, list): (&str, &[T]),
) -> Result<()> {
    match list.iter().position(|t| !t.borrow().defined()) {
        None => Ok(()),
        Some(i) => Err(fail(
            op,
            format!("{name}[{i}] must be a defined tensor, got an undefined one"),
        )),
    }
}

/// `t`, when defined, is on the CPU: for kernels only the CPU has (fbgemm, the nested-size
/// helpers) that read their input through host pointers whatever its device.
pub(crate) fn on_cpu(op: &'static str, (name, t): (&str, &Tensor)) -> Result<()> {
    if !t.defined() || t.device() == Device::Cpu {
        return Ok(());
    }
    Err(fail(
        op,
        format!(
            "{name} must be on the CPU (this kernel has no other), got {:?}",
            t.device()
        ),
    ))
}

/// A list's name and the (device, position) of each of its defined tensors, for
/// [`same_device`].
pub(crate) fn devices<'a, T: Borrow<Tensor>>(
    (name, list): (&'a str, &[T]),
) -> (&'a str, Vec<(Device, usize)>) {
    let devices = list
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let t = t.borrow();
            t.defined().then(|| (t.device(), i))
        })
        .collect();
    (name, devices)
}

/// Every defined tensor of the named lists is on the device of the first one found: fused
/// kernels pick the device of the first list and read every list through pointers of it.
pub(crate) fn same_device<const N: usize>(
    op: &'static str,
    lists: [(&str, Vec<(Device, usize)>); N],
) -> Result<()> {
    let mut first: Option<(&str, usize, Device)> = None;
    for (name, devices) in &lists {
        for &(d, i) in devices {
            match first {
                None => first = Some((name, i, d)),
                Some((fname, fi, fd)) if fd != d => {
                    return Err(fail(
                        op,
                        format!("{name}[{i}] is on {d:?} but {fname}[{fi}] is on {fd:?}: every tensor of the lists must be on one device"),
                    ))
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// `t` is defined and has one of `dims` dimensions.
pub(crate) fn dim_in<const N: usize>(
    op: &'static str,
    (name, t): (&str, &Tensor),
    dims: [usize; N],
) -> Result<()> {
    must_be_defined(op, name, t)?;
    let d = t.f_dim()?;
    if dims.contains(&d) {
        return Ok(());
    }
    let want: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    Err(fail(
        op,
        format!("{name} must have {} dimensions, got {d}", want.join(" or ")),
    ))
}

/// `t` is defined and has at least `min` dimensions.
pub(crate) fn min_dim(op: &'static str, (name, t): (&str, &Tensor), min: usize) -> Result<()> {
    must_be_defined(op, name, t)?;
    let d = t.f_dim()?;
    if d >= min {
        Ok(())
    } else {
        Err(fail(
            op,
            format!("{name} must have at least {min} dimensions, got {d}"),
        ))
    }
}

/// Every tensor of `list` is defined and has at least `min` dimensions.
pub(crate) fn all_min_dim<T: Borrow<Tensor>>(
    op: &'static str,
    (name, list): (&str, &[T]),
    min: usize,
) -> Result<()> {
    for (i, t) in list.iter().enumerate() {
        min_dim(op, (&format!("{name}[{i}]"), t.borrow()), min)?;
    }
    Ok(())
}

/// The tensors have one dtype.
pub(crate) fn same_dtype<const N: usize>(op: &'static str, ts: [(&str, &Tensor); N]) -> Result<()> {
    let (first, t0) = ts[0];
    must_be_defined(op, first, t0)?;
    let k0 = t0.f_kind()?;
    for &(name, t) in &ts[1..] {
        must_be_defined(op, name, t)?;
        let k = t.f_kind()?;
        if k != k0 {
            return Err(fail(
                op,
                format!("{name} must have {first}'s dtype {k0:?}, got {k:?}"),
            ));
        }
    }
    Ok(())
}

/// The tensors have one shape.
pub(crate) fn same_shape<const N: usize>(op: &'static str, ts: [(&str, &Tensor); N]) -> Result<()> {
    let (first, t0) = ts[0];
    let s0 = sizes(op, first, t0)?;
    for &(name, t) in &ts[1..] {
        let s = sizes(op, name, t)?;
        if s != s0 {
            return Err(fail(
                op,
                format!("{name} must have {first}'s shape {s0:?}, got {s:?}"),
            ));
        }
    }
    Ok(())
}

/// `a` and `b` have as many dimensions, of equal sizes except the last `n`.
pub(crate) fn same_sizes_except_last(
    op: &'static str,
    (an, a): (&str, &Tensor),
    (bn, b): (&str, &Tensor),
    n: usize,
) -> Result<()> {
    let (sa, sb) = (sizes(op, an, a)?, sizes(op, bn, b)?);
    let lead = sb.len().saturating_sub(n);
    if sa.len() != sb.len() || sa[..lead] != sb[..lead] {
        return Err(fail(
            op,
            format!(
                "{an} must have {bn}'s dimension count and sizes except the last {n}: \
                 {bn} has sizes {sb:?}, {an} {sa:?}"
            ),
        ));
    }
    Ok(())
}

/// `a` and `b` have the dimensions `dims`, of equal sizes.
pub(crate) fn same_size_at<const N: usize>(
    op: &'static str,
    (an, a): (&str, &Tensor),
    (bn, b): (&str, &Tensor),
    dims: [usize; N],
) -> Result<()> {
    let (sa, sb) = (sizes(op, an, a)?, sizes(op, bn, b)?);
    for d in dims {
        if sa.get(d).is_none() || sa.get(d) != sb.get(d) {
            return Err(fail(
                op,
                format!(
                    "{an} must have {bn}'s size in dimension {d}: {bn} has sizes {sb:?}, {an} {sa:?}"
                ),
            ));
        }
    }
    Ok(())
}

/// `v > 0`.
pub(crate) fn positive(op: &'static str, (name, v): (&str, i64)) -> Result<()> {
    if v > 0 {
        Ok(())
    } else {
        Err(fail(op, format!("{name} must be > 0, got {v}")))
    }
}

/// Every element of `list` is > 0.
pub(crate) fn positive_list(op: &'static str, (name, list): (&str, &[i64])) -> Result<()> {
    if list.iter().all(|&v| v > 0) {
        Ok(())
    } else {
        Err(fail(
            op,
            format!("{name} must be > 0 everywhere, got {list:?}"),
        ))
    }
}

/// `0 <= v <= t.dim()`.
pub(crate) fn in_range_dims(
    op: &'static str,
    (name, v): (&str, i64),
    (tn, t): (&str, &Tensor),
) -> Result<()> {
    let bound = dim_of(op, tn, t)?;
    in_range_inclusive(op, name, v, bound, &format!("the dimension count of {tn}"))
}

/// `0 <= v <= list.len()`.
// Only named-tensor operators call it, which PyTorch 2.13 removed.
#[cfg_attr(torch_ge_2_13, allow(dead_code))]
pub(crate) fn in_range_len<T>(
    op: &'static str,
    (name, v): (&str, i64),
    (ln, list): (&str, &[T]),
) -> Result<()> {
    in_range_inclusive(op, name, v, list.len(), &format!("the length of {ln}"))
}

/// `0 <= v <= bound`; `bound_what` says what the bound is (e.g. "the length of order").
fn in_range_inclusive(
    op: &'static str,
    name: &str,
    v: i64,
    bound: usize,
    bound_what: &str,
) -> Result<()> {
    if v >= 0 && v as u64 <= bound as u64 {
        Ok(())
    } else {
        Err(fail(
            op,
            format!("{name} must be in 0..={bound} ({bound_what}), got {v}"),
        ))
    }
}

/// `t`, when given, has as many elements as `of` has in dimension `dim`; with `required`, it
/// must be given. Nothing is checked when `of` has no elements (a per-channel vector is then
/// never read).
pub(crate) fn numel_matches_size<'t>(
    op: &'static str,
    (name, t): (&str, impl Into<Option<&'t Tensor>>),
    (of_name, of): (&str, &Tensor),
    dim: usize,
    required: bool,
) -> Result<()> {
    let s = sizes(op, of_name, of)?;
    if s.contains(&0) {
        return Ok(());
    }
    let Some(t) = given(t.into()) else {
        if required {
            return Err(fail(op, format!("{name} must be given here")));
        }
        return Ok(());
    };
    let want = size_at(op, of_name, &s, dim)?;
    let n = t.f_size()?.iter().product::<i64>();
    if n != want {
        return Err(fail(
            op,
            format!("{name} must have {want} elements ({of_name}.size({dim})), got {n}"),
        ));
    }
    Ok(())
}

/// [`numel_matches_size`], required, when `flag` is true; nothing is checked when it is false.
pub(crate) fn numel_matches_size_if<'t>(
    op: &'static str,
    t: (&str, impl Into<Option<&'t Tensor>>),
    of: (&str, &Tensor),
    dim: usize,
    flag: bool,
) -> Result<()> {
    if flag {
        numel_matches_size(op, t, of, dim, true)
    } else {
        Ok(())
    }
}

/// `dims` are dimensions of `of`: each in `0..of.dim()` (not wrapped), none repeated.
pub(crate) fn distinct_dims(
    op: &'static str,
    (name, dims): (&str, &[i64]),
    (of_name, of): (&str, &Tensor),
) -> Result<()> {
    let n = dim_of(op, of_name, of)?;
    for (i, &d) in dims.iter().enumerate() {
        if d < 0 || d as u64 >= n as u64 {
            return Err(fail(
                op,
                format!("{name} must hold dimensions of {of_name} in 0..{n}, got {dims:?}"),
            ));
        }
        if dims[..i].contains(&d) {
            return Err(fail(op, format!("{name} repeats dimension {d}: {dims:?}")));
        }
    }
    Ok(())
}

/// `0 <= start <= end + 1 <= of.dim()`, the raw (not wrapped) bounds of an inclusive range of
/// `of`'s dimensions: what `flatten.named_out_dim` needs before it erases names
/// `[start, end]` from a vector of `of.dim()` names, which it does before any wrapping or check.
// Only named-tensor operators call it, which PyTorch 2.13 removed.
#[cfg_attr(torch_ge_2_13, allow(dead_code))]
pub(crate) fn raw_dim_range(
    op: &'static str,
    (sn, start): (&str, i64),
    (en, end): (&str, i64),
    (of_name, of): (&str, &Tensor),
) -> Result<()> {
    let rank = dim_of(op, of_name, of)? as i64;
    if 0 <= start && start <= end.saturating_add(1) && end.saturating_add(1) <= rank {
        return Ok(());
    }
    Err(fail(
        op,
        format!(
            "{sn} ({start}) and {en} ({end}) must satisfy 0 <= {sn} <= {en} + 1 <= {rank} \
             ({of_name}'s dimension count; negative dimensions are not wrapped here)"
        ),
    ))
}

/// `t` has a dimension `dim`, of nonzero size.
pub(crate) fn dim_size_positive(
    op: &'static str,
    (name, t): (&str, &Tensor),
    dim: usize,
) -> Result<()> {
    let n = size_at(op, name, &sizes(op, name, t)?, dim)?;
    if n > 0 {
        Ok(())
    } else {
        Err(fail(
            op,
            format!("{name} must have a nonzero size at dimension {dim}, got {n}"),
        ))
    }
}

/// `flag` is true unless `t` has no elements.
pub(crate) fn true_unless_empty(
    op: &'static str,
    (fname, flag): (&str, bool),
    (tn, t): (&str, &Tensor),
) -> Result<()> {
    must_be_defined(op, tn, t)?;
    if flag || t.numel() == 0 {
        Ok(())
    } else {
        Err(fail(
            op,
            format!("{fname} must be true when {tn} has elements"),
        ))
    }
}

/// How many pieces `chunk(chunks)` makes of a dimension of size `n`: pieces hold `ceil(n /
/// chunks)` each, so some sizes make fewer (4 in 3 chunks makes 2 of 2); a size of 0 makes
/// `chunks` empty pieces.
pub(crate) fn chunk_pieces(n: usize, chunks: usize) -> usize {
    if n == 0 {
        chunks
    } else {
        n.div_ceil(n.div_ceil(chunks))
    }
}

/// `t` has a dimension `dim`, and `t.chunk(chunks, dim)` makes exactly `chunks` pieces, which
/// the kernel indexes unchecked. Chunks hold `ceil(n / chunks)` each, so some sizes make fewer
/// (size 4 in 3 chunks makes 2 of 2); a size of 0 makes `chunks` empty pieces.
pub(crate) fn chunk_count(
    op: &'static str,
    (name, t): (&str, &Tensor),
    dim: usize,
    chunks: usize,
) -> Result<()> {
    let n = size_at(op, name, &sizes(op, name, t)?, dim)? as usize;
    let pieces = chunk_pieces(n, chunks);
    if pieces == chunks {
        Ok(())
    } else {
        Err(fail(
            op,
            format!(
                "{name}'s size at dimension {dim} ({n}) must split into {chunks} chunks, \
                 it makes {pieces}"
            ),
        ))
    }
}

/// `t` holds square matrices: at least 2 dimensions, the last two of one size.
pub(crate) fn square_matrix(op: &'static str, (name, t): (&str, &Tensor)) -> Result<()> {
    let s = sizes(op, name, t)?;
    match s[..] {
        [.., r, c] if r == c => Ok(()),
        [.., r, c] => Err(fail(
            op,
            format!("{name} must hold square matrices, got {r} by {c} ({s:?})"),
        )),
        _ => Err(fail(
            op,
            format!("{name} must have at least 2 dimensions, got {}", s.len()),
        )),
    }
}

/// Every element of the integer tensor `t` is in `0..bound` (`0..=bound` when `inclusive`):
/// kernels that index an array with the values themselves (not a tensor read, which ATen checks)
/// write out of bounds otherwise.
pub(crate) fn values_in_range(
    op: &'static str,
    (name, t): (&str, &Tensor),
    (bn, bound): (&str, i64),
    inclusive: bool,
) -> Result<()> {
    let Some(values) = int_values(op, name, t)? else {
        return Ok(());
    };
    let ok = |v: i64| v >= 0 && (v < bound || (inclusive && v == bound));
    match values.into_iter().find(|&v| !ok(v)) {
        None => Ok(()),
        Some(v) => {
            let range = if inclusive { "0..=" } else { "0.." };
            Err(fail(
                op,
                format!("every value of {name} must be in {range}{bn} ({range}{bound}), got {v}"),
            ))
        }
    }
}

/// [`values_in_range`] when `flag` is true.
pub(crate) fn values_in_range_if(
    op: &'static str,
    t: (&str, &Tensor),
    bound: (&str, i64),
    inclusive: bool,
    flag: bool,
) -> Result<()> {
    if flag {
        values_in_range(op, t, bound, inclusive)
    } else {
        Ok(())
    }
}

/// `self.as_strided(size, stride)` is a valid view (what `as_strided` checks: one length, sizes
/// and strides not negative, every element inside the storage), for ops that build such a view
/// without those checks and then read it. libtorch's own message says what is wrong.
pub(crate) fn as_strided_valid(
    op: &'static str,
    (xn, x): (&str, &Tensor),
    size: &[i64],
    stride: &[i64],
) -> Result<()> {
    must_be_defined(op, xn, x)?;
    match x.f_as_strided(size, stride) {
        Ok(_) => Ok(()),
        Err(Error::Torch { message, .. }) => Err(fail(
            op,
            format!(
                "size {size:?} and stride {stride:?} must make a valid view of {xn}: {message}"
            ),
        )),
        Err(e) => Err(e),
    }
}

/// Every element of a floating or complex `t` is finite: MKL's eigenvalue routines
/// (`?gebal`, `?gehrd`, `?hseqr`) crash on some matrices holding NaN or infinity, depending on
/// the values (PyTorch's `linalg_eig` rejects such input for this reason; `eigvals` does not).
pub(crate) fn all_finite(op: &'static str, (name, t): (&str, &Tensor)) -> Result<()> {
    must_be_defined(op, name, t)?;
    let k = t.f_kind()?;
    if !(k.is_floating_point() || k.is_complex()) || t.numel() == 0 {
        return Ok(());
    }
    if t.f_isfinite()?.f_all()?.item_as::<bool>()? {
        Ok(())
    } else {
        Err(fail(op, format!("{name} must not contain NaN or infinity")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guards::quant::dyn_quant_block_size;

    #[test]
    fn expand_singleton_repeats_one_and_keeps_n() {
        assert_eq!(
            &*expand_singleton("op", ("s", &[2]), 3).unwrap(),
            &[2, 2, 2]
        );
        assert_eq!(
            &*expand_singleton("op", ("s", &[1, 2, 3]), 3).unwrap(),
            &[1, 2, 3]
        );
        let e = expand_singleton("op", ("stride", &[]), 3).unwrap_err();
        assert_eq!(
            e.to_string(),
            "op: stride must have 3 elements (or 1), got 0 (libtorch 2.11 would crash)"
        );
        assert!(expand_singleton("op", ("s", &[1, 2]), 3).is_err());
    }

    #[test]
    fn ranges_and_block_sizes() {
        assert!(in_range_inclusive("op", "i", 2, 2, "b").is_ok());
        assert!(in_range_inclusive("op", "i", 3, 2, "b").is_err());
        assert!(in_range_inclusive("op", "i", -1, 2, "b").is_err());
        assert!(in_range_inclusive("op", "i", i64::MIN, 2, "b").is_err());
        assert!(dyn_quant_block_size("op", 0, 0).is_ok());
        assert!(dyn_quant_block_size("op", 0, 64).is_err());
        assert!(dyn_quant_block_size("op", 32, 64).is_ok());
        assert!(dyn_quant_block_size("op", 64, 64).is_ok());
        assert!(dyn_quant_block_size("op", 16, 64).is_err());
        assert!(dyn_quant_block_size("op", -32, 64).is_ok()); // ATen's own condition holds
        assert!(dyn_quant_block_size("op", i64::MIN, 64).is_err());
    }
}
