//! Argument checks for the operators that libtorch 2.11 crashes on (a segfault, SIGFPE or hang
//! inside ATen) instead of raising an error, for some arguments.
//!
//! The generated `f_..._with` functions call these before the FFI call, as listed in the
//! `guards:` section of `spec/rules.yaml` (each entry with the crash it prevents). A failed check
//! is an [`Error::InvalidArgument`] naming the operator, the argument and what was wrong. Each
//! check only rejects arguments libtorch would crash on or reject anyway.
use crate::{Error, Kind, Result, Scalar, Tensor};
use std::borrow::{Borrow, Cow};

fn fail(op: &'static str, what: String) -> Error {
    Error::invalid(op, format!("{what} (libtorch 2.11 would crash)"))
}

fn must_be_defined(op: &'static str, name: &str, t: &Tensor) -> Result<()> {
    if t.defined() {
        Ok(())
    } else {
        Err(fail(op, format!("{name} must be a defined tensor")))
    }
}

fn sizes(op: &'static str, name: &str, t: &Tensor) -> Result<Vec<i64>> {
    must_be_defined(op, name, t)?;
    t.f_size()
}

/// `s[dim]`, the size at `dim` of the tensor `name` whose sizes are `s`, or the error that it has
/// too few dimensions.
fn size_at(op: &'static str, name: &str, s: &[i64], dim: usize) -> Result<i64> {
    s.get(dim).copied().ok_or_else(|| {
        fail(
            op,
            format!(
                "{name} must have at least {} dimensions, got {}",
                dim + 1,
                s.len()
            ),
        )
    })
}

/// `t` is defined and has exactly `count` elements.
fn numel_is(op: &'static str, name: &str, t: &Tensor, count: i64) -> Result<()> {
    must_be_defined(op, name, t)?;
    if t.numel() as i64 == count {
        Ok(())
    } else {
        Err(fail(
            op,
            format!("{name} must have {count} elements, got {}", t.numel()),
        ))
    }
}

/// `list` has exactly `len` elements.
pub(crate) fn list_len<T>(op: &'static str, name: &str, list: &[T], len: usize) -> Result<()> {
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
    name: &str,
    list: &'a [i64],
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
pub(crate) fn nonempty<T>(op: &'static str, name: &str, list: &[T]) -> Result<()> {
    if list.is_empty() {
        Err(fail(op, format!("{name} must not be empty")))
    } else {
        Ok(())
    }
}

/// The lists, given as (name, length), have one length.
pub(crate) fn same_len(op: &'static str, lists: &[(&str, usize)]) -> Result<()> {
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
pub(crate) fn defined(op: &'static str, name: &str, t: &Tensor) -> Result<()> {
    must_be_defined(op, name, t)
}

/// Every tensor of `list` is defined.
pub(crate) fn all_defined<T: Borrow<Tensor>>(
    op: &'static str,
    name: &str,
    list: &[T],
) -> Result<()> {
    match list.iter().position(|t| !t.borrow().defined()) {
        None => Ok(()),
        Some(i) => Err(fail(
            op,
            format!("{name}[{i}] must be a defined tensor, got an undefined one"),
        )),
    }
}

/// `t` is defined and has one of `dims` dimensions.
pub(crate) fn dim_in(op: &'static str, name: &str, t: &Tensor, dims: &[usize]) -> Result<()> {
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
pub(crate) fn min_dim(op: &'static str, name: &str, t: &Tensor, min: usize) -> Result<()> {
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

/// The tensors, given as (name, tensor), have one dtype.
pub(crate) fn same_dtype(op: &'static str, ts: &[(&str, &Tensor)]) -> Result<()> {
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

/// The tensors, given as (name, tensor), have one shape.
pub(crate) fn same_shape(op: &'static str, ts: &[(&str, &Tensor)]) -> Result<()> {
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
pub(crate) fn same_size_at(
    op: &'static str,
    (an, a): (&str, &Tensor),
    (bn, b): (&str, &Tensor),
    dims: &[usize],
) -> Result<()> {
    let (sa, sb) = (sizes(op, an, a)?, sizes(op, bn, b)?);
    for &d in dims {
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
pub(crate) fn positive(op: &'static str, name: &str, v: i64) -> Result<()> {
    if v > 0 {
        Ok(())
    } else {
        Err(fail(op, format!("{name} must be > 0, got {v}")))
    }
}

/// Every element of `list` is > 0.
pub(crate) fn positive_list(op: &'static str, name: &str, list: &[i64]) -> Result<()> {
    if list.iter().all(|&v| v > 0) {
        Ok(())
    } else {
        Err(fail(
            op,
            format!("{name} must be > 0 everywhere, got {list:?}"),
        ))
    }
}

/// The dimension count of `t`, as the bound of [`in_range_inclusive`].
pub(crate) fn dim_of(op: &'static str, name: &str, t: &Tensor) -> Result<usize> {
    must_be_defined(op, name, t)?;
    t.f_dim()
}

/// `0 <= v <= bound`; `bound_what` says what the bound is (e.g. "the length of order").
pub(crate) fn in_range_inclusive(
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
pub(crate) fn numel_matches_size(
    op: &'static str,
    name: &str,
    t: Option<&Tensor>,
    (of_name, of): (&str, &Tensor),
    dim: usize,
    required: bool,
) -> Result<()> {
    let s = sizes(op, of_name, of)?;
    if s.contains(&0) {
        return Ok(());
    }
    let Some(t) = t.filter(|t| t.defined()) else {
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

/// `dims` are dimensions of `of`: each in `0..of.dim()` (not wrapped), none repeated.
pub(crate) fn distinct_dims(
    op: &'static str,
    name: &str,
    dims: &[i64],
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

/// Every tensor of `list` is defined and has at least `min` dimensions.
pub(crate) fn all_min_dim<T: Borrow<Tensor>>(
    op: &'static str,
    name: &str,
    list: &[T],
    min: usize,
) -> Result<()> {
    for (i, t) in list.iter().enumerate() {
        min_dim(op, &format!("{name}[{i}]"), t.borrow(), min)?;
    }
    Ok(())
}

/// `t` has a dimension `dim`, of nonzero size.
pub(crate) fn dim_size_positive(
    op: &'static str,
    name: &str,
    t: &Tensor,
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

/// `t` has a dimension `dim`, and `t.chunk(chunks, dim)` makes exactly `chunks` pieces, which
/// the kernel indexes unchecked. Chunks hold `ceil(n / chunks)` each, so some sizes make fewer
/// (size 4 in 3 chunks makes 2 of 2); a size of 0 makes `chunks` empty pieces.
pub(crate) fn chunk_count(
    op: &'static str,
    name: &str,
    t: &Tensor,
    dim: usize,
    chunks: usize,
) -> Result<()> {
    let n = size_at(op, name, &sizes(op, name, t)?, dim)? as usize;
    let pieces = if n == 0 {
        chunks
    } else {
        n.div_ceil(n.div_ceil(chunks))
    };
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

/// The fused weight-norm kernels, which run when `dim` is 0 or `v.dim() - 1` (not wrapped;
/// other dims take a composite path or are rejected), divide `v.numel()` by `v.size(dim)` and
/// read or write that many elements of each `per_slice` tensor through raw pointers: the size
/// must be nonzero and each per-slice tensor must have exactly that many elements.
pub(crate) fn weight_norm_dim(
    op: &'static str,
    (vn, v): (&str, &Tensor),
    dim: i64,
    per_slice: &[(&str, &Tensor)],
) -> Result<()> {
    let s = sizes(op, vn, v)?;
    let last = s.len() as i64 - 1;
    if s.is_empty() || (dim != 0 && dim != last) {
        return Ok(());
    }
    let n = s[dim as usize];
    if n == 0 {
        return Err(fail(
            op,
            format!("{vn} must have a nonzero size at dimension {dim}, got {s:?}"),
        ));
    }
    for &(pn, p) in per_slice {
        must_be_defined(op, pn, p)?;
        if p.numel() as i64 != n {
            return Err(fail(
                op,
                format!(
                    "{pn} must have {n} elements ({vn}'s size at dimension {dim}), got {}",
                    p.numel()
                ),
            ));
        }
    }
    Ok(())
}

/// `_fft_c2r`: the input's size along the last transformed dimension is `last_dim_size / 2 + 1`
/// (a one-sided spectrum) or `last_dim_size`. Any other size (e.g. 3 for `last_dim_size` 2)
/// makes MKL write a longer signal than the output holds. Dims out of range are checked
/// separately (`distinct_dims`); this passes them.
pub(crate) fn c2r_last_dim_size(
    op: &'static str,
    (xn, x): (&str, &Tensor),
    dims: &[i64],
    (ln, last_dim_size): (&str, i64),
) -> Result<()> {
    let s = sizes(op, xn, x)?;
    let Some(have) = dims
        .last()
        .and_then(|&d| usize::try_from(d).ok())
        .and_then(|d| s.get(d).copied())
    else {
        return Ok(());
    };
    if have == last_dim_size / 2 + 1 || have == last_dim_size {
        return Ok(());
    }
    Err(fail(
        op,
        format!(
            "{xn}'s size along the last dimension in dim ({have}) must be {ln} / 2 + 1 ({}) \
             or {ln} ({last_dim_size})",
            last_dim_size / 2 + 1
        ),
    ))
}

/// `t` holds square matrices: at least 2 dimensions, the last two of one size.
pub(crate) fn square_matrix(op: &'static str, name: &str, t: &Tensor) -> Result<()> {
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

/// The elements of an integer tensor, as `i64`, row-major; `None` for other dtypes (the kernels
/// that index with tensor values reject those themselves).
fn int_values(op: &'static str, name: &str, t: &Tensor) -> Result<Option<Vec<i64>>> {
    use Kind::*;
    must_be_defined(op, name, t)?;
    let integral = matches!(
        t.f_kind()?,
        Uint8 | Int8 | Int16 | Int | Int64 | Uint16 | Uint32 | Uint64
    );
    if !integral {
        return Ok(None);
    }
    t.to_vec::<i64>().map(Some)
}

/// Every element of the integer tensor `t` is in `0..bound` (`0..=bound` when `inclusive`):
/// kernels that index an array with the values themselves (not a tensor read, which ATen checks)
/// write out of bounds otherwise.
pub(crate) fn values_in_range(
    op: &'static str,
    name: &str,
    t: &Tensor,
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

/// `_ctc_loss_backward` trusts its arguments to be what `_ctc_loss` returned ("we don't do much
/// checking"): it indexes with the lengths, `blank` and the target values unchecked. With
/// `log_probs` of shape `[T, N, C]`: one input and target length per batch entry, input lengths
/// in `0..=T`, `blank` and every target read in `0..C`, targets (1-D concatenated or 2-D padded)
/// that hold the target lengths, `log_alpha` covering `[N, max input length, 2 * max target
/// length + 1]`, and `grad` and `neg_log_likelihood` with an element per batch entry.
#[allow(clippy::too_many_arguments)]
pub(crate) fn ctc_loss_backward(
    op: &'static str,
    grad: &Tensor,
    log_probs: &Tensor,
    targets: &Tensor,
    input_lengths: &[i64],
    target_lengths: &[i64],
    neg_log_likelihood: &Tensor,
    log_alpha: &Tensor,
    blank: i64,
) -> Result<()> {
    let lp = sizes(op, "log_probs", log_probs)?;
    let [t, n, c] = lp[..] else {
        return Err(fail(
            op,
            format!("log_probs must have 3 dimensions [T, N, C], got {lp:?}"),
        ));
    };
    let n_us = n.max(0) as usize;
    list_len(op, "input_lengths", input_lengths, n_us)?;
    list_len(op, "target_lengths", target_lengths, n_us)?;
    if !(0..c).contains(&blank) {
        return Err(fail(
            op,
            format!("blank must be in 0..{c} (log_probs' classes), got {blank}"),
        ));
    }
    if let Some(&l) = input_lengths.iter().find(|&&l| !(0..=t).contains(&l)) {
        return Err(fail(
            op,
            format!("input_lengths must be in 0..={t}, got {l}"),
        ));
    }
    if let Some(&l) = target_lengths.iter().find(|&&l| l < 0) {
        return Err(fail(
            op,
            format!("target_lengths must not be negative, got {l}"),
        ));
    }
    let max_in = input_lengths.iter().copied().max().unwrap_or(0);
    let max_tg = target_lengths.iter().copied().max().unwrap_or(0);
    let total: i64 = target_lengths.iter().sum();
    let ts = sizes(op, "targets", targets)?;
    match ts[..] {
        [len] if len >= total => {}
        [rows, cols] if rows >= n && cols >= max_tg => {}
        _ => {
            return Err(fail(
                op,
                format!(
                    "targets must be 1-D with at least {total} elements (the sum of \
                     target_lengths) or 2-D with at least [{n}, {max_tg}], got {ts:?}"
                ),
            ))
        }
    }
    if let Some(values) = int_values(op, "targets", targets)? {
        let mut read = Vec::new();
        let mut start = 0usize;
        for (b, &l) in target_lengths.iter().enumerate() {
            let l = l as usize;
            if ts.len() == 1 {
                read.extend_from_slice(&values[start..start + l]);
                start += l;
            } else {
                let row = b * ts[1] as usize;
                read.extend_from_slice(&values[row..row + l]);
            }
        }
        if let Some(v) = read.into_iter().find(|v| !(0..c).contains(v)) {
            return Err(fail(
                op,
                format!("every target must be in 0..{c} (log_probs' classes), got {v}"),
            ));
        }
    }
    let la = sizes(op, "log_alpha", log_alpha)?;
    let need = [n, max_in, 2 * max_tg + 1];
    if la.len() != 3 || la.iter().zip(need).any(|(&have, want)| have < want) {
        return Err(fail(
            op,
            format!("log_alpha must be 3-D and at least {need:?}, got {la:?}"),
        ));
    }
    for (name, x) in [("grad", grad), ("neg_log_likelihood", neg_log_likelihood)] {
        must_be_defined(op, name, x)?;
        if (x.numel() as i64) < n {
            return Err(fail(
                op,
                format!(
                    "{name} must have an element per batch entry ({n}), got {}",
                    x.numel()
                ),
            ));
        }
    }
    Ok(())
}

/// [`ctc_loss_backward`] with the lengths given as integer tensors (`_ctc_loss_backward.Tensor`
/// flattens them into the lists the kernel reads). Lengths of another dtype are left to
/// libtorch, which rejects them.
#[allow(clippy::too_many_arguments)]
pub(crate) fn ctc_loss_backward_tensor_lengths(
    op: &'static str,
    grad: &Tensor,
    log_probs: &Tensor,
    targets: &Tensor,
    input_lengths: &Tensor,
    target_lengths: &Tensor,
    neg_log_likelihood: &Tensor,
    log_alpha: &Tensor,
    blank: i64,
) -> Result<()> {
    let (Some(il), Some(tl)) = (
        int_values(op, "input_lengths", input_lengths)?,
        int_values(op, "target_lengths", target_lengths)?,
    ) else {
        return Ok(());
    };
    ctc_loss_backward(
        op,
        grad,
        log_probs,
        targets,
        &il,
        &tl,
        neg_log_likelihood,
        log_alpha,
        blank,
    )
}

/// `mkldnn_rnn_layer` always builds a oneDNN LSTM primitive (other modes fail to create one,
/// after the GRU mode has indexed three chunks of each weight unchecked), and hands oneDNN raw
/// pointers with descriptors derived from `input` and `hidden_size` alone. With `input`
/// `[T, N, I]` and H = `hidden_size`: mode 2 (LSTM), no packed `batch_sizes`, `weight0` with
/// 4H * I elements, `weight1` 4H * H, `weight2` and `weight3` 4H each (when `has_biases`), and
/// `hx_` and `cx_` N * H.
#[allow(clippy::too_many_arguments)]
pub(crate) fn mkldnn_lstm_layer(
    op: &'static str,
    input: &Tensor,
    weight0: &Tensor,
    weight1: &Tensor,
    weight2: &Tensor,
    weight3: &Tensor,
    hx_: &Tensor,
    cx_: &Tensor,
    batch_sizes: &[i64],
    mode: i64,
    hidden_size: i64,
    has_biases: bool,
) -> Result<()> {
    if mode != 2 {
        return Err(fail(
            op,
            format!("mode must be 2 (LSTM, the only primitive this layer builds), got {mode}"),
        ));
    }
    if !batch_sizes.is_empty() {
        return Err(fail(
            op,
            "batch_sizes must be empty (no packed input)".into(),
        ));
    }
    positive(op, "hidden_size", hidden_size)?;
    let s = sizes(op, "input", input)?;
    let [_, n, i] = s[..] else {
        return Err(fail(
            op,
            format!("input must have 3 dimensions [T, N, I], got {s:?}"),
        ));
    };
    let h = hidden_size;
    let mut want = vec![
        ("weight0", weight0, 4 * h * i),
        ("weight1", weight1, 4 * h * h),
        ("hx_", hx_, n * h),
        ("cx_", cx_, n * h),
    ];
    if has_biases {
        want.extend([("weight2", weight2, 4 * h), ("weight3", weight3, 4 * h)]);
    }
    for (name, x, count) in want {
        numel_is(op, name, x, count)?;
    }
    Ok(())
}

/// `mkldnn_rnn_layer_backward`: the forward's contract ([`mkldnn_lstm_layer`]) for the same
/// arguments, training mode (only a training forward makes the workspace), `output` with
/// T * N * H elements and `hy_`, `cy_` N * H (and the gradients the same as what they belong
/// to, when given), and a `workspace` at least as large as the one the forward makes for these
/// shapes: oneDNN reads it through a raw pointer with its own size. That size is found by
/// running the forward, which makes this check cost about one forward step.
#[allow(clippy::too_many_arguments)]
pub(crate) fn mkldnn_lstm_layer_backward(
    op: &'static str,
    input: &Tensor,
    (w0, w1, w2, w3): (&Tensor, &Tensor, &Tensor, &Tensor),
    (hx_, cx_tmp, output, hy_, cy_): (&Tensor, &Tensor, &Tensor, &Tensor, &Tensor),
    grads: [Option<&Tensor>; 3],
    (mode, hidden_size, has_biases, train): (i64, i64, bool, bool),
    batch_sizes: &[i64],
    workspace: &Tensor,
) -> Result<()> {
    mkldnn_lstm_layer(
        op,
        input,
        w0,
        w1,
        w2,
        w3,
        hx_,
        cx_tmp,
        batch_sizes,
        mode,
        hidden_size,
        has_biases,
    )?;
    if !train {
        return Err(fail(
            op,
            "train must be true (the workspace comes from a training forward)".into(),
        ));
    }
    let s = sizes(op, "input", input)?;
    let (t, n, h) = (s[0], s[1], hidden_size);
    let [grad_output, grad_hy, grad_cy] = grads;
    let want = [
        ("output", Some(output), t * n * h),
        ("hy_", Some(hy_), n * h),
        ("cy_", Some(cy_), n * h),
        ("grad_output", grad_output, t * n * h),
        ("grad_hy", grad_hy, n * h),
        ("grad_cy", grad_cy, n * h),
    ];
    for (name, x, count) in want {
        match x.filter(|x| x.defined()) {
            Some(x) => numel_is(op, name, x, count)?,
            None if name.starts_with("grad") => {}
            None => return Err(fail(op, format!("{name} must be a defined tensor"))),
        }
    }
    must_be_defined(op, "workspace", workspace)?;
    let (.., made) = Tensor::f_mkldnn_rnn_layer(
        input,
        w0,
        w1,
        w2,
        w3,
        hx_,
        cx_tmp,
        false,
        batch_sizes,
        mode,
        hidden_size,
        1,
        has_biases,
        false,
        false,
        true,
    )?;
    let need = made.numel() * made.f_kind()?.elt_size_in_bytes();
    let have = workspace.numel() * workspace.f_kind()?.elt_size_in_bytes();
    if have < need {
        return Err(fail(
            op,
            format!("workspace must hold the forward's {need} bytes, got {have}"),
        ));
    }
    Ok(())
}

/// Every element of a floating or complex `t` is finite: MKL's eigenvalue routines
/// (`?gebal`, `?gehrd`, `?hseqr`) crash on some matrices holding NaN or infinity, depending on
/// the values (PyTorch's `linalg_eig` rejects such input for this reason; `eigvals` does not).
pub(crate) fn all_finite(op: &'static str, name: &str, t: &Tensor) -> Result<()> {
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

/// `lu_unpack`: with `unpack_pivots`, the pivots have the shape `LU.shape[:-2] + [min(m, n)]`;
/// the kernel iterates with the pivots' shape over a permutation laid out for LU's.
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
/// no dtype the result is int64 when all three are integers (or bools).
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
        Ok(())
    }
}

/// `arange(..., out)`: checked when `out` is int64.
pub(crate) fn arange_out_step(
    op: &'static str,
    start: &Scalar,
    end: &Scalar,
    step: &Scalar,
    out: &Tensor,
) -> Result<()> {
    if out.defined() && out.f_kind()? == Kind::Int64 {
        integer_step(op, start, end, step)
    } else {
        Ok(())
    }
}

/// CSR row pointers `crow_indices` (one row of `nrows + 1` per batch) are used as fill offsets
/// into the output unchecked: within each row `0 <= crow[i] <= crow[i + 1] <= nnz`, where nnz is
/// `col_indices.size(-1)`, and both have the same batch sizes.
pub(crate) fn csr_crow_indices(op: &'static str, crow: &Tensor, col: &Tensor) -> Result<()> {
    let (cs, ks) = (
        sizes(op, "crow_indices", crow)?,
        sizes(op, "col_indices", col)?,
    );
    let (Some((&rows, cb)), Some((&nnz, kb))) = (cs.split_last(), ks.split_last()) else {
        return Ok(());
    };
    if cb != kb {
        return Err(fail(
            op,
            format!("crow_indices and col_indices must have the same batch sizes, got {cs:?} and {ks:?}"),
        ));
    }
    let Some(values) = int_values(op, "crow_indices", crow)? else {
        return Ok(());
    };
    if rows <= 1 || nnz == 0 {
        return Ok(());
    }
    for row in values.chunks(rows as usize) {
        let ordered = row.windows(2).all(|w| w[0] <= w[1]);
        if !ordered || row[0] < 0 || row[row.len() - 1] > nnz {
            return Err(fail(
                op,
                format!(
                    "each row of crow_indices must be non-decreasing within 0..={nnz}, got {row:?}"
                ),
            ));
        }
    }
    Ok(())
}

/// A packed sequence's `batch_sizes`: 1-D, nonempty, not negative, non-increasing (the lengths are
/// filled downwards at each decrease; anything else writes before the buffer).
pub(crate) fn packed_batch_sizes(op: &'static str, batch_sizes: &Tensor) -> Result<()> {
    packed_batch_size_values(op, batch_sizes).map(drop)
}

/// [`packed_batch_sizes`], returning the values it read (`None` for a non-integer tensor, which
/// libtorch rejects).
fn packed_batch_size_values(op: &'static str, batch_sizes: &Tensor) -> Result<Option<Vec<i64>>> {
    dim_in(op, "batch_sizes", batch_sizes, &[1])?;
    let Some(b) = int_values(op, "batch_sizes", batch_sizes)? else {
        return Ok(None);
    };
    let ok = !b.is_empty() && b.iter().all(|&v| v >= 0) && b.windows(2).all(|w| w[0] >= w[1]);
    if ok {
        Ok(Some(b))
    } else {
        Err(fail(
            op,
            format!("batch_sizes must be nonempty, not negative and non-increasing, got {b:?}"),
        ))
    }
}

/// `_nested_compute_contiguous_strides_offsets` reads `nested_size` as `size(0)` rows of
/// `size(1)` sizes and writes the first offset unconditionally: with columns but no elements
/// (`[0, 3]`, `[2, 3, 0]`) it reads and writes through null buffers.
pub(crate) fn nested_size_rows(op: &'static str, nested_size: &Tensor) -> Result<()> {
    let s = sizes(op, "nested_size", nested_size)?;
    match s[..] {
        [_, c, ..] if c > 0 && s.contains(&0) => Err(fail(
            op,
            format!("nested_size must have elements when it has columns, got {s:?}"),
        )),
        _ => Ok(()),
    }
}

/// With `enable_gqa`, the math attention computes `query.size(-3) % key.size(-3)` (and value's):
/// both need a nonzero head count there.
pub(crate) fn gqa_heads(
    op: &'static str,
    key: &Tensor,
    value: &Tensor,
    enable_gqa: bool,
) -> Result<()> {
    if !enable_gqa {
        return Ok(());
    }
    for (name, t) in [("key", key), ("value", value)] {
        let s = sizes(op, name, t)?;
        match s.len().checked_sub(3).map(|i| s[i]) {
            Some(h) if h > 0 => {}
            _ => {
                return Err(fail(
                    op,
                    format!("{name} must have a nonzero head count at dimension -3 with enable_gqa, got {s:?}"),
                ))
            }
        }
    }
    Ok(())
}

const SOBOL_BITS: i64 = 30;
const SOBOL_MAXDIM: i64 = 21201;

/// A 2-D Sobol engine state (other ranks are left to ATen, which rejects them) has at least
/// `rows` rows and a bit count that `bits_ok` accepts, and `dimension <= 21201`.
fn sobol_state(
    op: &'static str,
    state: &Tensor,
    rows: i64,
    dimension: i64,
    bits_ok: impl Fn(i64) -> bool,
) -> Result<()> {
    let s = sizes(op, "self", state)?;
    match s[..] {
        [r, b] if r < rows || !bits_ok(b) || dimension > SOBOL_MAXDIM => Err(fail(
            op,
            format!(
                "self must be [>= {rows}, {SOBOL_BITS}] with dimension <= {SOBOL_MAXDIM}, got \
                 {s:?} and {dimension}"
            ),
        )),
        _ => Ok(()),
    }
}

/// `_sobol_engine_initialize_state_`: the state `[>= max(dimension, 1), 30]` (30 bits) is
/// written for row 0 and every row below `dimension` unchecked.
pub(crate) fn sobol_initialize(op: &'static str, state: &Tensor, dimension: i64) -> Result<()> {
    sobol_state(op, state, dimension.max(1), dimension, |b| b == SOBOL_BITS)
}

/// `_sobol_engine_scramble_`: for `dimension > 0` rows, the state (`[>= dimension, >= 30]`) and
/// `ltm` (`[>= dimension, >= 30, _]`) are read unchecked.
pub(crate) fn sobol_scramble(
    op: &'static str,
    state: &Tensor,
    ltm: &Tensor,
    dimension: i64,
) -> Result<()> {
    if dimension <= 0 {
        return Ok(());
    }
    sobol_state(op, state, dimension, dimension, |b| b >= SOBOL_BITS)?;
    let l = sizes(op, "ltm", ltm)?;
    if !matches!(l[..], [d, bits, _] if d >= dimension && bits >= SOBOL_BITS) {
        return Err(fail(
            op,
            format!("ltm must be [>= {dimension}, >= {SOBOL_BITS}, _], got {l:?}"),
        ));
    }
    Ok(())
}

/// `unfold_backward`: `grad_in` has the shape `unfold(dim, size, step)` gives for an input of
/// `input_sizes` (the kernel indexes it with that shape), with `step > 0` and `0 <= size <=`
/// the unfolded dimension.
pub(crate) fn unfold_backward_shape(
    op: &'static str,
    grad_in: &Tensor,
    input_sizes: &[i64],
    dim: i64,
    size: i64,
    step: i64,
) -> Result<()> {
    let rank = input_sizes.len().max(1) as i64;
    let d = if dim < 0 { dim + rank } else { dim };
    if !(0..rank).contains(&d) {
        return Err(fail(
            op,
            format!("dim must be in -{rank}..{rank}, got {dim}"),
        ));
    }
    let len = input_sizes.get(d as usize).copied().unwrap_or(1);
    if step <= 0 || size < 0 || size > len {
        return Err(fail(
            op,
            format!("step ({step}) must be > 0 and size ({size}) in 0..={len}"),
        ));
    }
    let mut want = input_sizes.to_vec();
    if let Some(n) = want.get_mut(d as usize) {
        *n = (len - size) / step + 1;
    }
    want.push(size);
    let have = sizes(op, "grad_in", grad_in)?;
    if have == want {
        Ok(())
    } else {
        Err(fail(
            op,
            format!("grad_in must have the unfolded shape {want:?}, got {have:?}"),
        ))
    }
}

/// The shapes `nn.LSTM` gives the fused `lstm`: `hx` = [h0 `[L*D, N, Hout]`, c0 `[L*D, N, H]`],
/// and per layer and direction `w_ih [4H, in]`, `w_hh [4H, Hout]`, with biases `b_ih`, `b_hh`
/// `[4H]`, and with a projection (Hout != H) `w_hr [Hout, H]`; `in` is the input size for the
/// first layer and `D * Hout` after. The CPU kernels (and oneDNN's) index all of them unchecked.
#[allow(clippy::too_many_arguments)]
fn lstm_params<H: Borrow<Tensor>, P: Borrow<Tensor>>(
    op: &'static str,
    (input_size, batch): (i64, i64),
    hx: &[H],
    params: &[P],
    has_biases: bool,
    num_layers: i64,
    bidirectional: bool,
) -> Result<()> {
    if num_layers < 1 {
        return Err(fail(
            op,
            format!("num_layers must be >= 1, got {num_layers}"),
        ));
    }
    let dirs: i64 = if bidirectional { 2 } else { 1 };
    let [h0, c0] = hx else {
        return Err(fail(
            op,
            format!("hx must hold [h0, c0], got {} tensors", hx.len()),
        ));
    };
    let (hs, cs) = (
        sizes(op, "hx[0]", h0.borrow())?,
        sizes(op, "hx[1]", c0.borrow())?,
    );
    let states = num_layers * dirs;
    let (h, hout) = match (&hs[..], &cs[..]) {
        ([l1, n1, p], [l2, n2, h]) if *l1 == states && *l2 == states && *n1 == batch && *n2 == batch => (*h, *p),
        _ => {
            return Err(fail(
                op,
                format!("hx must be [h0 [{states}, {batch}, Hout], c0 [{states}, {batch}, H]], got {hs:?} and {cs:?}"),
            ))
        }
    };
    let proj = hout != h;
    let per = 2 + 2 * has_biases as usize + proj as usize;
    if params.len() != states as usize * per {
        return Err(fail(
            op,
            format!(
                "params must hold {per} tensors per layer and direction ({}), got {}",
                states as usize * per,
                params.len()
            ),
        ));
    }
    for (i, layer) in params.chunks(per).enumerate() {
        let in_size = if (i as i64) < dirs {
            input_size
        } else {
            dirs * hout
        };
        let mut want = vec![vec![4 * h, in_size], vec![4 * h, hout]];
        if has_biases {
            want.extend([vec![4 * h], vec![4 * h]]);
        }
        if proj {
            want.push(vec![hout, h]);
        }
        for (j, (p, w)) in layer.iter().zip(want).enumerate() {
            let have = sizes(op, "params", p.borrow())?;
            if have != w {
                return Err(fail(
                    op,
                    format!(
                        "params[{}] must have shape {w:?}, got {have:?}",
                        i * per + j
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `lstm(input, hx, params, ...)`: input `[T, N, I]` (`[N, T, I]` batch-first) and the shapes of
/// [`lstm_params`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn lstm_input<H: Borrow<Tensor>, P: Borrow<Tensor>>(
    op: &'static str,
    input: &Tensor,
    hx: &[H],
    params: &[P],
    (has_biases, num_layers, bidirectional, batch_first): (bool, i64, bool, bool),
) -> Result<()> {
    let s = sizes(op, "input", input)?;
    let [a, b, i] = s[..] else {
        return Err(fail(op, format!("input must have 3 dimensions, got {s:?}")));
    };
    let batch = if batch_first { a } else { b };
    lstm_params(
        op,
        (i, batch),
        hx,
        params,
        has_biases,
        num_layers,
        bidirectional,
    )
}

/// `lstm(data, batch_sizes, hx, params, ...)` of a packed sequence: data `[sum(batch_sizes), I]`,
/// batch_sizes nonempty, positive and non-increasing, and the shapes of [`lstm_params`] for
/// a batch of `batch_sizes[0]`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn lstm_data<H: Borrow<Tensor>, P: Borrow<Tensor>>(
    op: &'static str,
    data: &Tensor,
    batch_sizes: &Tensor,
    hx: &[H],
    params: &[P],
    (has_biases, num_layers, bidirectional): (bool, i64, bool),
) -> Result<()> {
    let Some(b) = packed_batch_size_values(op, batch_sizes)? else {
        return Ok(());
    };
    if b.contains(&0) {
        return Err(fail(
            op,
            format!(
                "batch_sizes must be positive (a packed sequence has no empty step), got {b:?}"
            ),
        ));
    }
    let s = sizes(op, "data", data)?;
    let total: i64 = b.iter().sum();
    let [rows, i] = s[..] else {
        return Err(fail(op, format!("data must have 2 dimensions, got {s:?}")));
    };
    if rows != total {
        return Err(fail(
            op,
            format!("data must have sum(batch_sizes) = {total} rows, got {rows}"),
        ));
    }
    lstm_params(
        op,
        (i, b[0]),
        hx,
        params,
        has_biases,
        num_layers,
        bidirectional,
    )
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

/// Every tensor of the list `tensors` is defined and has the first one's shape, and `dim` is a
/// dimension of the result, not wrapped (`0..=d` for d-dimensional tensors): the private stack
/// kernels copy each tensor with the first one's sizes along `dim` as given (the public `stack`
/// checks the shapes and wraps `dim` first).
pub(crate) fn stack_args<T: Borrow<Tensor>>(op: &'static str, list: &[T], dim: i64) -> Result<()> {
    let name = "tensors";
    let Some(first) = list.first() else {
        return Ok(());
    };
    let s0 = sizes(op, &format!("{name}[0]"), first.borrow())?;
    let d = s0.len() as i64;
    if !(0..=d).contains(&dim) {
        return Err(fail(
            op,
            format!("dim must be in 0..={d} (not wrapped) for {d}-dimensional tensors, got {dim}"),
        ));
    }
    for (i, t) in list.iter().enumerate().skip(1) {
        let s = sizes(op, &format!("{name}[{i}]"), t.borrow())?;
        if s != s0 {
            return Err(fail(
                op,
                format!("{name}[{i}] must have {name}[0]'s shape {s0:?}, got {s:?}"),
            ));
        }
    }
    Ok(())
}

/// `_pdist_backward`: `self` holds n rows (1-D or 2-D, as the forward takes), and `grad` and
/// `pdist` one element per pair of rows, n(n-1)/2; the kernel reads them pair by pair.
pub(crate) fn pdist_backward_shapes(
    op: &'static str,
    grad: &Tensor,
    x: &Tensor,
    pdist: &Tensor,
) -> Result<()> {
    dim_in(op, "self", x, &[1, 2])?;
    let n = x.f_size()?[0];
    let pairs = (n * (n - 1) / 2).max(0) as usize;
    for (name, t) in [("grad", grad), ("pdist", pdist)] {
        must_be_defined(op, name, t)?;
        if t.numel() != pairs {
            return Err(fail(
                op,
                format!(
                    "{name} must have one element per pair of self's {n} rows ({pairs}), got {}",
                    t.numel()
                ),
            ));
        }
    }
    Ok(())
}

/// `_sobol_engine_draw`: `quasi` holds the `dimension` current points and `sobolstate` is
/// `[>= dimension, 30]`; draw i reads the state's column at the lowest zero bit of
/// `num_generated + i`, which stays below 30 only while `num_generated + n < 2^30`.
pub(crate) fn sobol_draw(
    op: &'static str,
    quasi: &Tensor,
    n: i64,
    sobolstate: &Tensor,
    dimension: i64,
    num_generated: i64,
) -> Result<()> {
    sobol_initialize(op, sobolstate, dimension)?;
    must_be_defined(op, "quasi", quasi)?;
    if (quasi.numel() as i64) < dimension {
        return Err(fail(
            op,
            format!(
                "quasi must hold {dimension} values (dimension), got {}",
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

/// `weight` (2-D `[out, in * kh * kw]` or 4-D `[out, in, kh, kw]`; other ranks are left to
/// ATen, which rejects them) has `input.size(1) * kh * kw` columns, as every valid conv2d weight
/// has. `_slow_conv2d_backward` derives the input planes from the weight with an integer division
/// and overflows its per-frame buffer when the weight has more columns.
pub(crate) fn conv2d_weight_columns(
    op: &'static str,
    (wn, w): (&str, &Tensor),
    (xn, x): (&str, &Tensor),
    kernel_size: &[i64],
) -> Result<()> {
    let ws = sizes(op, wn, w)?;
    let columns = match ws[..] {
        [_, c] => Some(c),
        [_, c, h, w] => c.checked_mul(h).and_then(|v| v.checked_mul(w)),
        _ => return Ok(()),
    };
    let xs = sizes(op, xn, x)?;
    let Some(&planes) = xs.get(1) else {
        return Err(fail(
            op,
            format!("{xn} must have at least 2 dimensions, got {}", xs.len()),
        ));
    };
    let want = kernel_size
        .iter()
        .try_fold(planes, |acc, &k| acc.checked_mul(k));
    if columns.is_none() || columns != want {
        return Err(fail(
            op,
            format!(
                "{wn} must have {xn}.size(1) * kernel_size = {planes} * {kernel_size:?} columns \
                 (as [out, in, kh, kw] or [out, in * kh * kw]), got sizes {ws:?}"
            ),
        ));
    }
    Ok(())
}

/// `_dyn_quant_matmul_4bit`'s own condition `block_size == in_features || (block_size % 32 == 0
/// && in_features % block_size == 0)`, which ATen evaluates dividing by a zero `block_size`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_singleton_repeats_one_and_keeps_n() {
        assert_eq!(&*expand_singleton("op", "s", &[2], 3).unwrap(), &[2, 2, 2]);
        assert_eq!(
            &*expand_singleton("op", "s", &[1, 2, 3], 3).unwrap(),
            &[1, 2, 3]
        );
        let e = expand_singleton("op", "stride", &[], 3).unwrap_err();
        assert_eq!(
            e.to_string(),
            "op: stride must have 3 elements (or 1), got 0 (libtorch 2.11 would crash)"
        );
        assert!(expand_singleton("op", "s", &[1, 2], 3).is_err());
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
