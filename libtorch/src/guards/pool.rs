//! Checks for the pooling kernels' window arithmetic.
use super::{fail, ints_below, sizes};
use crate::{Result, Tensor};

/// `max_pool1d` on a CPU tensor without grad runs its own kernel, whose output size comes from
/// `pooling_output_shape`: `div_rtn` there keeps the quotient and remainder in 32-bit `int`, and
/// the products are 64-bit without overflow checks. A kernel, stride or dilation beyond
/// `i32::MAX` (which the `max_pool1d_with_indices` path refuses as "integer out of range"), or a
/// window so much larger than the input that the quotient leaves `int`, gives a wrong output
/// size of 1 and a window read far past the input (PyTorch issues 136719 and 142454: kernel and
/// stride 2^63 - 1 on a width of 3, a SIGSEGV). Each parameter must fit in `i32`, as on the
/// other path, and so must the quotient.
pub(crate) fn max_pool1d_window(
    op: &'static str,
    input: &Tensor,
    kernel_size: &[i64],
    stride: &[i64],
    padding: &[i64],
    dilation: &[i64],
    ceil_mode: bool,
) -> Result<()> {
    let stride = if stride.is_empty() {
        kernel_size
    } else {
        stride
    };
    let ([k], [s], [p], [d]) = (kernel_size, stride, padding, dilation) else {
        return Ok(()); // libtorch checks the lengths
    };
    for (name, v) in [
        ("kernel_size", k),
        ("stride", s),
        ("padding", p),
        ("dilation", d),
    ] {
        if *v > i64::from(i32::MAX) {
            return Err(fail(
                op,
                format!("{name} must fit in a 32-bit int (as max_pool1d_with_indices requires), got {v}"),
            ));
        }
    }
    if !input.defined() || *k <= 0 || *s <= 0 || *d <= 0 || *p < 0 {
        return Ok(()); // libtorch rejects these
    }
    let Some(&width) = input.f_size()?.last() else {
        return Ok(());
    };
    let (w, k, s, p, d) = (
        i128::from(width),
        i128::from(*k),
        i128::from(*s),
        i128::from(*p),
        i128::from(*d),
    );
    let num = w + 2 * p - d * (k - 1) - 1 + if ceil_mode { s - 1 } else { 0 };
    let (q, r) = (num / s, num % s);
    if i32::try_from(q).is_err() || i32::try_from(r).is_err() {
        return Err(fail(
            op,
            format!(
                "the window (kernel_size {k}, dilation {d}) over width {w} with padding {p} \
                 and stride {s} gives an output size outside a 32-bit int ({})",
                q + 1
            ),
        ));
    }
    Ok(())
}

/// The max-pool backwards scatter each gradient element to `grad_input` at its index, a flat
/// offset into its (batch, channel) plane of `self`, without a bounds check (SIGSEGV for an
/// index of 10^6 into a 4x4 plane, in all four backwards). Every index must lie in the plane:
/// `0..` the product of `self`'s last `dims` sizes.
fn indices_in_plane(op: &'static str, input: &Tensor, indices: &Tensor, dims: usize) -> Result<()> {
    let s = sizes(op, "self", input)?;
    if s.len() < dims {
        return Ok(()); // libtorch checks the rank
    }
    let plane = &s[s.len() - dims..];
    let what = format!("self's plane of {dims} dimensions {plane:?}");
    ints_below(op, "indices", indices, plane.iter().product(), &what)
}

/// `max_pool2d_with_indices_backward`, `adaptive_max_pool2d_backward`: see [`indices_in_plane`].
pub(crate) fn pool2d_indices(op: &'static str, input: &Tensor, indices: &Tensor) -> Result<()> {
    indices_in_plane(op, input, indices, 2)
}

/// `max_pool3d_with_indices_backward`, `adaptive_max_pool3d_backward`: see [`indices_in_plane`].
pub(crate) fn pool3d_indices(op: &'static str, input: &Tensor, indices: &Tensor) -> Result<()> {
    indices_in_plane(op, input, indices, 3)
}

/// The adaptive pools loop over every output row and column even when the output has no
/// elements: an `output_size` like `[2^50, 0]` loops 2^50 times over nothing (seed 243).
///
/// (A hang.) The quantized kernels also read `output_size[1]` (and `[2]`) without checking its
/// length, which every other kernel requires (SIGSEGV in 3-D, found with `fuzz-ops --form-share`):
/// the entries check it with `args::list_len`.
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

/// The adaptive average-pool backwards read `grad_output` with bounds derived from `self`'s
/// spatial sizes, which the forward requires to be nonzero (every size after the first); a
/// `self` with a zero-size one makes the kernel read past `grad_output` (seed 1023 at 400 calls
/// per op: a [3, 5, 0] self under a [3, 3, 3] gradient).
///
/// Its entries' `args::same_sizes_except_last` guards the rest (SIGSEGV, heap corruption, seeds 66,
/// 100 and 107): the backwards loop over `self`'s batch and channels and read `grad_output` with
/// them, so only `grad_output`'s last sizes are its own. `adaptive_avg_pool3d_backward.grad_input`,
/// the public name of the 3-D backward's out form, runs the same kernel (seed 997: a gradient
/// without channels under a 3-channel `self`).
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
