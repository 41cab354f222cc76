//! Op-specific checks for single kernels (FFT, linear algebra, sparse and nested helpers,
//! convolution and quantization helpers) that read their arguments with shapes or values they
//! never check.
use super::args::{dim_in, min_dim, positive, same_shape};
use super::{
    fail, given, int_values, must_be_defined, non_overlapping_and_dense, on_device_kernels,
    size_at, sizes,
};
use crate::tensor::contiguous_in_order;
use crate::{Kind, Result, Tensor};
use std::borrow::Borrow;

/// The fused weight-norm kernels, which run when `dim` is 0 or `v.dim() - 1` (not wrapped;
/// other dims take a composite path or are rejected), divide `v.numel()` by `v.size(dim)` and
/// read or write that many elements of each `per_slice` tensor through raw pointers: the size
/// must be nonzero and each per-slice tensor must have exactly that many elements.
pub(crate) fn weight_norm_dim<const N: usize>(
    op: &'static str,
    (vn, v): (&str, &Tensor),
    dim: i64,
    per_slice: [(&str, &Tensor); N],
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
    for (pn, p) in per_slice {
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
    dim_in(op, ("self", x), [1, 2])?;
    let s = x.f_size()?;
    let n = s[0];
    // With no rows the kernel's per-column walk starts one row before the end and never meets
    // it (seed 171).
    if n == 0 && s.get(1).is_some_and(|&m| m > 0) {
        return Err(fail(
            op,
            format!("self must have at least one row, got sizes {s:?}"),
        ));
    }
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

/// `_convolution_double_backward` indexes the sizes of `gO`, `self` and the second-order
/// gradients with the weight's spatial dimensions and views `ggb` as `[1, C, 1, ...]` with
/// `gO`'s rank, all unchecked: the weight has at least 3 dimensions, `gO`, `self`, `ggI` and
/// `ggW` (when given) as many, `ggb` (when given) is 1-D, and `groups` is positive (what
/// `convolution` itself requires of all of them).
#[allow(clippy::too_many_arguments)]
pub(crate) fn conv_double_backward(
    op: &'static str,
    ggi: Option<&Tensor>,
    ggw: Option<&Tensor>,
    ggb: Option<&Tensor>,
    go: &Tensor,
    weight: &Tensor,
    input: &Tensor,
    groups: i64,
) -> Result<()> {
    min_dim(op, ("weight", weight), 3)?;
    let rank = weight.f_dim()?;
    let same_rank = [
        ("gO", Some(go)),
        ("self", Some(input)),
        ("ggI", given(ggi)),
        ("ggW", given(ggw)),
    ];
    for (name, t) in same_rank {
        if let Some(t) = t {
            dim_in(op, (name, t), [rank])?;
        }
    }
    if let Some(b) = given(ggb) {
        dim_in(op, ("ggb", b), [1])?;
    }
    positive(op, ("groups", groups))
}

/// Strides of a row-major contiguous tensor of `sizes` (c10's convention: a size-0 dimension
/// counts as 1).
fn contiguous_strides(sizes: &[i64]) -> Vec<i64> {
    let mut strides = vec![1; sizes.len()];
    for d in (0..sizes.len().saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * sizes[d + 1].max(1);
    }
    strides
}

/// The memory formats a tensor can suggest (`Tensor::suggest_memory_format`), with the dimension
/// order, innermost first, in which each is contiguous.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Format {
    Contiguous,
    ChannelsLast,
    ChannelsLast3d,
}

impl Format {
    /// What `suggest_memory_format()` returns for a strided tensor: channels-last when its
    /// strides order the channels innermost (c10's `is_channels_last_strides_2d_s4` / `_3d_s5`).
    fn suggested(sizes: &[i64], strides: &[i64]) -> Format {
        let like = |order: &[usize]| {
            if strides[1] == 0 {
                return false;
            }
            let mut min = 0;
            for &d in order {
                if sizes[d] == 0 || strides[d] < min || (d == 0 && min == strides[1]) {
                    return false;
                }
                min = strides[d] * if sizes[d] > 1 { sizes[d] } else { 1 };
            }
            true
        };
        match sizes.len() {
            4 if like(&[1, 3, 2, 0]) => Format::ChannelsLast,
            5 if like(&[1, 4, 3, 2, 0]) => Format::ChannelsLast3d,
            _ => Format::Contiguous,
        }
    }

    /// `is_contiguous(memory_format=self)` of a tensor with these sizes and strides.
    fn holds(self, sizes: &[i64], strides: &[i64]) -> bool {
        let order: Vec<usize> = match (self, sizes.len()) {
            (Format::Contiguous, n) => (0..n).rev().collect(),
            (Format::ChannelsLast, 4) => vec![1, 3, 2, 0],
            (Format::ChannelsLast3d, 5) => vec![1, 4, 3, 2, 0],
            _ => return false,
        };
        contiguous_in_order(sizes, strides, &order)
    }
}

/// The private CPU stack's serial fast path (`can_use_native_serial_stack`) checks that the
/// tensors after the first are contiguous with the first one's strides, but never the first one
/// itself: it then copies `size(dim) * stride(dim)` elements per outer index from each tensor,
/// which over-reads and overflows the result for a first tensor that is not row-major
/// contiguous (a transposed one, or a size-1 `dim` with a larger stride). When the fast path
/// applies, the first tensor must be laid out as the kernel assumes.
///
/// `result` is the output's dtype and whether it is contiguous in a memory format: `_stack`
/// makes an empty 1-D result of the promoted dtype, `_stack.out` takes the caller's.
fn serial_stack_layout<T: Borrow<Tensor>>(
    op: &'static str,
    list: &[T],
    dim: i64,
    result: (Kind, &dyn Fn(Format) -> bool),
) -> Result<()> {
    let Some(first) = list.first().map(Borrow::borrow) else {
        return Ok(());
    };
    let Ok(st0) = first.f_stride() else {
        return Ok(()); // the serial kernel takes strided tensors only
    };
    let (s0, k0) = (first.f_size()?, first.f_kind()?);
    let n = first.numel();
    let fmt = Format::suggested(&s0, &st0);
    let fast = dim >= 0
        && (dim as usize) < s0.len()
        && !(n == 0 && s0.len() == 1)
        && result.0 == k0
        && matches!(k0, Kind::Float | Kind::Double)
        && (result.1)(fmt)
        // The others must be contiguous in `fmt` with the first one's strides, so when there
        // are others the first one's strides must be contiguous in `fmt` too.
        && (list.len() == 1 || fmt.holds(&s0, &st0))
        && list.iter().skip(1).all(|t| {
            let t = t.borrow();
            t.f_size().ok() == Some(s0.clone())
                && t.f_stride().ok() == Some(st0.clone())
                && t.f_kind().ok() == Some(k0)
        })
        && (n * list.len() < 32768 || crate::threads::get_num_threads() == 1);
    if !fast || n == 0 {
        return Ok(());
    }
    let d = dim as usize;
    let row_major = Format::Contiguous.holds(&s0, &st0) && st0[d] == contiguous_strides(&s0)[d];
    if row_major {
        Ok(())
    } else {
        Err(fail(
            op,
            format!(
                "tensors[0] must be row-major contiguous for the serial stack kernel (a \
                 {k0:?} tensor of sizes {s0:?} has strides {st0:?}); pass t.contiguous()"
            ),
        ))
    }
}

/// `_stack(tensors, dim)`: see [`serial_stack_layout`]; the result is a fresh 1-D tensor of the
/// tensors' promoted dtype.
pub(crate) fn stack_serial_layout<T: Borrow<Tensor>>(
    op: &'static str,
    list: &[T],
    dim: i64,
) -> Result<()> {
    if list.iter().any(|t| !t.borrow().defined()) {
        return Ok(());
    }
    let promoted =
        list.iter()
            .skip(1)
            .try_fold(list.first().map(|t| t.borrow().kind()), |k, t| {
                k.map(|k| Tensor::f_promote_types(k, t.borrow().f_kind()?))
                    .transpose()
            })?;
    let Some(kind) = promoted else {
        return Ok(());
    };
    serial_stack_layout(op, list, dim, (kind, &|f| f == Format::Contiguous))
}

/// `_stack.out(tensors, dim, out)`: see [`serial_stack_layout`]; the result is `out`.
pub(crate) fn stack_out_serial_layout<T: Borrow<Tensor>>(
    op: &'static str,
    list: &[T],
    dim: i64,
    out: &Tensor,
) -> Result<()> {
    if !out.defined() || list.iter().any(|t| !t.borrow().defined()) {
        return Ok(());
    }
    let (Ok(size), Ok(stride)) = (out.f_size(), out.f_stride()) else {
        return Ok(()); // not the serial kernel's out
    };
    serial_stack_layout(op, list, dim, (out.f_kind()?, &|f| f.holds(&size, &stride)))
}

/// `choose_qparams_optimized` searches for a range by moving one bound inward by `s = (max -
/// min) / n_bins` per iteration while `min + thr < max`, `thr = n_bins * (1 - ratio) * s` (all in
/// f32). The loop never ends when a step moves a bound outward (`n_bins < 0`), not at all (`s`
/// below the float spacing of the bounds: a huge `n_bins`, or values a few ulps apart), or past
/// the other bound for good (`ratio > 1`, infinite values); otherwise it takes about `2 n_bins
/// ratio` iterations of `O(numel)` each. The minimum and maximum are those of the first `numel`
/// floats of `input`'s memory, as ATen reads them. Calls that enter the loop must make progress
/// every step and stay within about 2^32 element operations.
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

/// `smooth_l1_loss_backward` computes in the common dtype of its three inputs, and its
/// vectorized kernel divides by `beta` converted to that dtype on every element (all branches
/// are evaluated, then blended): with an integer common dtype, any `0 <= beta < 1` truncates to
/// 0 and divides by zero (SIGFPE: seed 133 with beta 0.5; seed 1003 at 400 calls per op with
/// beta 0 and a float `grad_input`, which the integer result is only cast into). The common
/// dtype is an integer one when no input is floating or complex and one is a non-bool integer.
pub(crate) fn smooth_l1_integer_beta(
    op: &'static str,
    inputs: [&Tensor; 3],
    beta: f64,
) -> Result<()> {
    if !(0.0..1.0).contains(&beta) {
        return Ok(()); // a negative beta is refused by libtorch; 1 and more do not truncate to 0
    }
    let mut kinds = Vec::with_capacity(3);
    for t in inputs.iter().filter(|t| t.defined()) {
        kinds.push(t.f_kind()?);
    }
    if kinds
        .iter()
        .any(|k| k.is_floating_point() || k.is_complex())
        || kinds.iter().all(|&k| k == Kind::Bool)
    {
        return Ok(());
    }
    Err(fail(
        op,
        format!(
            "beta ({beta}) truncates to 0 in the inputs' integer dtype, and the kernel divides by it"
        ),
    ))
}

/// `_log_softmax_backward_data` never compares `output` with `grad_output` (its softmax sibling
/// does) and runs whenever `output` has elements: it reads `grad_output.numel()` elements of
/// `output`, and along a dimension other than the last it divides by that dimension's size and
/// by the product of the sizes after it (SIGFPE when either is 0, seed 45).
pub(crate) fn log_softmax_backward_shapes(
    op: &'static str,
    grad: &Tensor,
    output: &Tensor,
    dim: i64,
) -> Result<()> {
    if !grad.defined() || !output.defined() || output.numel() == 0 {
        return Ok(());
    }
    let s = grad.f_size()?;
    let rank = s.len() as i64;
    let d = if dim < 0 { dim + rank } else { dim };
    if rank == 0 || !(0..rank).contains(&d) {
        return Ok(()); // libtorch wraps and checks dim itself
    }
    let d = d as usize;
    let after: i64 = s[d + 1..].iter().product();
    let divides_by_zero = d + 1 != s.len() && (s[d] == 0 || after == 0);
    if divides_by_zero || output.numel() < grad.numel() {
        return Err(fail(
            op,
            format!(
                "output must have grad_output's shape {s:?} (the kernel reads it with that \
                 layout), got {:?}",
                sizes(op, "output", output)?
            ),
        ));
    }
    Ok(())
}

/// The adaptive pools loop over every output row and column even when the output has no
/// elements: an `output_size` like `[2^50, 0]` loops 2^50 times over nothing (seed 243).
pub(crate) fn adaptive_pool_output(op: &'static str, output_size: &[i64]) -> Result<()> {
    let empty = output_size.contains(&0);
    match output_size.iter().find(|&&o| o > i32::MAX as i64) {
        Some(o) if empty => Err(fail(
            op,
            format!(
                "output_size {output_size:?} has no elements but a size of {o}, which the \
                 kernel would loop over"
            ),
        )),
        _ => Ok(()),
    }
}

/// `_cdist_backward` reads `x1` and `x2` as `[..., r1, c]` and `[..., r2, c]` and `grad` and
/// `cdist` as `[..., r1, r2]`, with the sizes of `x1` and `x2`, unchecked (seed 296: an empty
/// grad, and x2 with another column count).
pub(crate) fn cdist_backward_shapes(
    op: &'static str,
    grad: &Tensor,
    x1: &Tensor,
    x2: &Tensor,
    cdist: &Tensor,
) -> Result<()> {
    let (a, b) = (sizes(op, "x1", x1)?, sizes(op, "x2", x2)?);
    let ([batch @ .., r1, c1], [batch2 @ .., r2, c2]) = (&a[..], &b[..]) else {
        return Err(fail(
            op,
            format!("x1 and x2 must be at least 2-D, got {a:?} and {b:?}"),
        ));
    };
    if c1 != c2 || batch != batch2 {
        return Err(fail(
            op,
            format!("x2 must have x1's batch sizes and columns, got {a:?} and {b:?}"),
        ));
    }
    let mut want = batch.to_vec();
    want.extend([*r1, *r2]);
    for (name, t) in [("grad", grad), ("cdist", cdist)] {
        let s = sizes(op, name, t)?;
        if s != want {
            return Err(fail(
                op,
                format!("{name} must have shape {want:?}, got {s:?}"),
            ));
        }
    }
    Ok(())
}

/// `_sparse_compressed_tensor_with_dims` reads the two sparse sizes and the dense ones from
/// `size` by position, unchecked (seed 273: an empty size): it needs `dense_dim >= 0`, at least
/// `2 + dense_dim` sizes, and a block size of 0 or 2 elements.
pub(crate) fn compressed_dims(
    op: &'static str,
    dense_dim: i64,
    size: &[i64],
    blocksize: &[i64],
) -> Result<()> {
    if dense_dim < 0 || (size.len() as i64) < 2 + dense_dim || !matches!(blocksize.len(), 0 | 2) {
        return Err(fail(
            op,
            format!(
                "size must hold 2 sparse and dense_dim = {dense_dim} dense sizes (dense_dim >= \
                 0) and blocksize 0 or 2 elements, got size {size:?} and blocksize {blocksize:?}"
            ),
        ));
    }
    Ok(())
}

/// `_masked_softmax` runs the softmax kernel on every row without an early return for an empty
/// softmax dimension: it divides its grain size by that dimension's size and reads each row's
/// first element (seed 143: a [3, 0] input, read through a null pointer). `dim` defaults to the
/// last dimension.
pub(crate) fn masked_softmax_dim(op: &'static str, input: &Tensor, dim: Option<i64>) -> Result<()> {
    if !input.defined() {
        return Ok(());
    }
    let s = input.f_size()?;
    let rank = s.len() as i64;
    let d = dim.unwrap_or(rank - 1);
    let d = if d < 0 { d + rank } else { d };
    match s.get(d as usize) {
        Some(0) if (0..rank).contains(&d) => Err(fail(
            op,
            format!("self must not be empty along the softmax dim {d} (sizes {s:?})"),
        )),
        _ => Ok(()),
    }
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
/// result is garbage too). Half and the wider dtypes are converted correctly.
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

/// The cuDNN convolution entry points (`cudnn_convolution*`), which PyTorch's own `convolution`
/// only calls after its shape checks, run none of them: they read `padding[0]` etc. of shorter
/// lists, take 0-D tensors' sizes, and divide by channel counts and groups (the CUDA fuzz's
/// SIGSEGVs and SIGFPEs). This replays those checks: `weight` has at least one spatial
/// dimension and elements, `self` has its rank and elements (an empty batch is handled by the
/// `convolution` wrapper, never here), every list has one entry per spatial dimension (stride
/// and dilation positive, the paddings non-negative), and the channels match `groups`.
pub(crate) fn cudnn_conv_args(
    op: &'static str,
    input: &Tensor,
    weight: &Tensor,
    lists: [&[i64]; 3],
    groups: i64,
) -> Result<()> {
    conv_args(op, input, weight, &lists, groups, false)
}

/// [`cudnn_conv_args`] for `cudnn_convolution_transpose`, whose weight is laid out
/// [in_channels, out_channels / groups, ...] and which takes an `output_padding` too.
pub(crate) fn cudnn_conv_transpose_args(
    op: &'static str,
    input: &Tensor,
    weight: &Tensor,
    lists: [&[i64]; 4],
    groups: i64,
) -> Result<()> {
    conv_args(op, input, weight, &lists, groups, true)
}

fn conv_args(
    op: &'static str,
    input: &Tensor,
    weight: &Tensor,
    lists: &[&[i64]],
    groups: i64,
    transposed: bool,
) -> Result<()> {
    let w = sizes(op, "weight", weight)?;
    let x = sizes(op, "self", input)?;
    if w.len() < 3 || w.contains(&0) {
        return Err(fail(
            op,
            format!("weight must have at least 3 dimensions and elements, got sizes {w:?}"),
        ));
    }
    if x.len() != w.len() || x.contains(&0) {
        return Err(fail(
            op,
            format!(
                "self must have weight's {} dimensions and elements, got sizes {x:?}",
                w.len()
            ),
        ));
    }
    let spatial = w.len() - 2;
    // `lists` is [stride, dilation, padding(, output_padding)]: the first two positive.
    for (k, list) in lists.iter().enumerate() {
        if list.len() != spatial {
            return Err(fail(
                op,
                format!(
                    "padding, stride and dilation must have {spatial} elements (one per spatial \
                     dimension), got a list of {}",
                    list.len()
                ),
            ));
        }
        if list.iter().any(|&v| v < 0 || (k < 2 && v == 0)) {
            return Err(fail(
                op,
                format!(
                    "stride and dilation must be positive and paddings non-negative, got {list:?}"
                ),
            ));
        }
    }
    let channels_ok = if transposed {
        groups > 0 && w[0] % groups == 0 && x[1] == w[0]
    } else {
        groups > 0 && x[1] == w[1] * groups && w[0] % groups == 0
    };
    if !channels_ok {
        return Err(fail(
            op,
            format!(
                "groups ({groups}) must be positive and match the channels of self {x:?} and \
                 weight {w:?}"
            ),
        ));
    }
    Ok(())
}

/// `matrix_exp` scales a matrix by 2^-s, s = ceil(log2(‖A‖₁ / θ)), and squares the result s
/// times. The CUDA path converts s to an integer on the device, where the count of an infinite
/// 1-norm (an infinite entry, or column sums beyond the dtype's range) saturates to 2^63 squarings
/// (the CUDA fuzz's hangs, seeds 3 and 5); on the CPU the same conversion gives a negative count
/// and the call returns. So only tensors off the CPU are checked: their 1-norms, summed in their
/// own dtype as the kernel sums them, must be finite (NaN is refused with infinity).
pub(crate) fn matrix_exp_norm(op: &'static str, t: &Tensor) -> Result<()> {
    if !on_device_kernels(t) || t.numel() == 0 {
        return Ok(());
    }
    let k = t.f_kind()?;
    if !(k.is_floating_point() || k.is_complex()) || t.dim() < 2 {
        return Ok(()); // ATen rejects these itself
    }
    let norms = t.f_abs()?.f_sum_dim_intlist(Some(&[-2]))?;
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

/// The CUDA batch-norm kernels (`batch_norm_cuda_out` and the channels-last statistics) divide
/// `input.numel()` by the channel count `input.size(1)` on the host: a CUDA input with no
/// channels is a SIGFPE (the CUDA fuzz, `_native_batch_norm_legit(_functional)`). The CPU
/// kernels return early for it, so only inputs off the CPU (and meta, which has no kernel that
/// divides) are checked.
pub(crate) fn device_channels(op: &'static str, input: &Tensor) -> Result<()> {
    if !on_device_kernels(input) {
        return Ok(());
    }
    let s = input.f_size()?;
    if s.len() >= 2 && s[1] == 0 {
        return Err(fail(
            op,
            format!(
                "input must have channels (size(1) > 0) on {:?}, got sizes {s:?}",
                input.device()
            ),
        ));
    }
    Ok(())
}

/// `split_with_sizes_copy.out` on CUDA takes a fast path when `self` and every `out` are
/// non-overlapping and dense with `self`'s dtype; it divides by the sizes of `self` from `dim`
/// on and by a block count that is zero when `self` has no elements (SIGFPE, CUDA fuzz on an
/// H100 with a [0, 3] self). The CPU kernel, and the CUDA one off that path, split an empty
/// tensor, so only that path is refused.
pub(crate) fn split_copy_fast_path_elements<T: Borrow<Tensor>>(
    op: &'static str,
    t: &Tensor,
    out: &[T],
) -> Result<()> {
    if !on_device_kernels(t) {
        return Ok(());
    }
    let (Ok(sizes), Ok(strides), Ok(kind)) = (t.f_size(), t.f_stride(), t.f_kind()) else {
        return Ok(()); // not strided: ATen takes the composite path or rejects it
    };
    if !sizes.contains(&0) || !non_overlapping_and_dense(&sizes, &strides) {
        return Ok(());
    }
    let dense_alike = |o: &Tensor| -> bool {
        matches!(
            (o.f_size(), o.f_stride(), o.f_kind()),
            (Ok(s), Ok(st), Ok(k)) if k == kind && non_overlapping_and_dense(&s, &st)
        )
    };
    if out.iter().all(|o| dense_alike(o.borrow())) {
        return Err(fail(
            op,
            format!(
                "self must have elements on {:?} when it and every out are dense with one dtype \
                 (got sizes {sizes:?}); split it with split_with_sizes instead",
                t.device()
            ),
        ));
    }
    Ok(())
}

/// The adaptive average-pool backwards read `grad_output` with bounds derived from `self`'s
/// spatial sizes, which the forward requires to be nonzero (every size after the first); a
/// `self` with a zero-size one makes the kernel read past `grad_output` (seed 1023 at 400 calls
/// per op: a [3, 5, 0] self under a [3, 3, 3] gradient).
pub(crate) fn pool_input_sizes_positive(op: &'static str, input: &Tensor) -> Result<()> {
    let s = sizes(op, "self", input)?;
    if s.iter().skip(1).any(|&d| d <= 0) {
        return Err(fail(
            op,
            format!("self must have a nonzero size in every dimension after the first, got {s:?}"),
        ));
    }
    Ok(())
}

/// `rrelu_with_noise.out` in training mode writes its random slopes' results into `out`
/// element by element for every element of `self`, without resizing it (a SIGSEGV for a 0-D
/// self into a [0, 1] out, seed 1179 at 400 calls per op): `out` must have `self`'s shape then.
pub(crate) fn rrelu_out_shape(
    op: &'static str,
    input: &Tensor,
    out: &Tensor,
    training: bool,
) -> Result<()> {
    if !training || !input.defined() || !out.defined() {
        return Ok(());
    }
    same_shape(op, [("self", input), ("out", out)])
}

/// `median(dim)` and `nanmedian(dim)` read the reduced dimension of `self` as if its stride
/// were 1 when it is 0 (an expanded view): `[2.0].expand([5]).median(0)` returns 0, reading
/// past the one-element storage (invalid reads under valgrind). A zero stride over more than
/// one element at `dim` is refused; `self.contiguous()` gives the intended input.
pub(crate) fn median_dim_stride(op: &'static str, self_: &Tensor, dim: i64) -> Result<()> {
    let (Ok(s), Ok(st)) = (self_.f_size(), self_.f_stride()) else {
        return Ok(()); // undefined or without strides: libtorch decides
    };
    let rank = s.len() as i64;
    let d = if dim < 0 { dim + rank } else { dim };
    if d < 0 || d >= rank {
        return Ok(()); // libtorch rejects the dim (a 0-D self has no strides to misread)
    }
    let d = d as usize;
    if st[d] == 0 && s[d] > 1 {
        return Err(fail(
            op,
            format!(
                "self is expanded along dim {dim} (stride 0 over {} elements), which the kernel \
                 reads as stride 1; pass self.contiguous()",
                s[d]
            ),
        ));
    }
    Ok(())
}
