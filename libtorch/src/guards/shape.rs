//! Checks for the shape kernels (stack, unfold, split) that walk their inputs with sizes they never check.
use super::{fail, non_overlapping_and_dense, on_device_kernels, sizes};
use crate::tensor::contiguous_in_order;
use crate::{Kind, Result, Tensor};
use std::borrow::Borrow;

/// `unfold_backward`: `grad_in` has the shape `unfold(dim, size, step)` gives for an input of
/// `input_sizes` (the kernel indexes it with that shape), with `step > 0` and `0 <= size <=`
/// the unfolded dimension.
///
/// Another shape is a heap corruption.
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
///
/// Otherwise: SIGSEGV or heap corruption. They also read `tensors[0]` (its options, its sizes)
/// before any check that the list has an element: the entry's `args::nonempty`.
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
///
/// (A heap overflow, seed 19; the fast path serves float and double tensors.)
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

/// `split_with_sizes_copy.out` on CUDA takes a fast path when `self` and every `out` are
/// non-overlapping and dense with `self`'s dtype; it divides by the sizes of `self` from `dim`
/// on and by a block count that is zero when `self` has no elements (SIGFPE, CUDA fuzz on an
/// H100 with a [0, 3] self: session 12, forms seed 28). The CPU kernel, and the CUDA one off
/// that path, split an empty tensor, so only that path is refused.
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
