//! Checks for the backwards that trust their forward's saved tensors and output shape.
use super::args::same_shape;
use super::quant::is_quantized;
use super::{fail, given, is_nested, must_be_defined, numel_is, on_device_kernels, sizes};
use crate::{Layout, Result, Tensor};

/// `native_layer_norm_backward` checks `normalized_shape` against `input` (and weight and bias)
/// but walks `grad_out` with `input`'s shape and reads `mean` and `rstd` once per normalized
/// row (M = the product of the leading sizes), unchecked (reads past 1-element statistics for 4
/// rows under valgrind). `grad_out` must have `input`'s shape and the statistics M elements.
pub(crate) fn layer_norm_backward_stats(
    op: &'static str,
    grad_out: &Tensor,
    input: &Tensor,
    normalized_shape: &[i64],
    mean: &Tensor,
    rstd: &Tensor,
) -> Result<()> {
    let s = sizes(op, "input", input)?;
    if normalized_shape.len() > s.len()
        || s[s.len() - normalized_shape.len()..] != *normalized_shape
    {
        return Ok(()); // libtorch rejects a normalized_shape that does not end input's
    }
    same_shape(op, [("input", input), ("grad_out", grad_out)])?;
    if s.contains(&0) {
        return Ok(()); // nothing is read
    }
    let rows: i64 = s[..s.len() - normalized_shape.len()].iter().product();
    numel_is(op, "mean", mean, rows)?;
    numel_is(op, "rstd", rstd, rows)
}

/// The grid-sampler backwards read `grad_output` as the forward's output, [N, C, grid's
/// spatial sizes], without comparing it (memmove past a [1, 1, 2, 2] gradient for a 5x5 grid,
/// under valgrind). For `input` and `grid` of one rank.
pub(crate) fn grid_sampler_backward_shape(
    op: &'static str,
    grad_output: &Tensor,
    input: &Tensor,
    grid: &Tensor,
) -> Result<()> {
    let (i, g) = (sizes(op, "input", input)?, sizes(op, "grid", grid)?);
    if i.len() < 3 || i.len() != g.len() {
        return Ok(()); // libtorch checks the ranks
    }
    let mut want = vec![i[0], i[1]];
    want.extend_from_slice(&g[1..g.len() - 1]);
    let got = sizes(op, "grad_output", grad_output)?;
    if got != want {
        return Err(fail(
            op,
            format!("grad_output must have the forward output's shape {want:?}, got {got:?}"),
        ));
    }
    Ok(())
}

/// `native_group_norm` checks `input.numel() == N * C * HxW` in wrapping 64-bit arithmetic, then
/// walks each of the N·group rows of C/group·HxW elements. A product that wraps to the input's
/// size (N = 4, C = 2^62 + 1, HxW = 1 for 4 elements; or N = 2, C = i64::MIN, HxW = -1 for an
/// empty input) passes and the walk runs off the input (SIGSEGV). Such a product is refused:
/// the exact product must equal the number of elements, which is the check libtorch means.
/// (Seed 1253 at 400 calls per op.)
pub(crate) fn group_norm_sizes(
    op: &'static str,
    input: &Tensor,
    n: i64,
    c: i64,
    hxw: i64,
) -> Result<()> {
    let numel: i64 = sizes(op, "input", input)?.iter().product();
    let exact = i128::from(n) * i128::from(c) * i128::from(hxw);
    let wrapped = n.wrapping_mul(c).wrapping_mul(hxw);
    // Any other mismatch libtorch reports itself, in its own words.
    if wrapped == numel && exact != i128::from(numel) {
        return Err(fail(
            op,
            format!("N * C * HxW = {n} * {c} * {hxw} must equal input's {numel} elements"),
        ));
    }
    Ok(())
}

/// Inputs the CPU and CUDA group-norm kernels do not take (a sparse weight or bias, a oneDNN,
/// quantized or nested input) go to the composite fallback `math_group_norm`, which needs an
/// input of at least two dimensions with elements:
/// - it writes C at index 1 of a shape vector with one entry per input dimension: past the end
///   for a 0-D or 1-D input (SIGSEGV);
/// - it batch-normalizes the input viewed as [1, N * group, -1] in training mode: without
///   elements the CPU kernel rejects that itself, and the CUDA kernel divides by the zero
///   channels (SIGFPE, CUDA fuzz on an H100 with a CSC bias and a [1, 0, 1] input).
///
/// The CPU kernel itself accepts a flat input, so only that route is checked. (The SIGSEGV was
/// found with `fuzz-ops --form-share`.)
pub(crate) fn group_norm_fallback_input(
    op: &'static str,
    input: &Tensor,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
) -> Result<()> {
    must_be_defined(op, "input", input)?;
    let rank = input.f_dim()?;
    let sizes = input.f_size().ok();
    let empty = sizes.as_ref().is_some_and(|s| s.contains(&0));
    if rank >= 2 && !empty {
        return Ok(());
    }
    let plain = |t: &Tensor| -> Result<bool> {
        let k = t.f_kind()?;
        Ok(t.layout() == Layout::Strided && !is_nested(t) && !is_quantized(k))
    };
    for t in [Some(input), given(weight), given(bias)]
        .into_iter()
        .flatten()
    {
        if !plain(t)? {
            let shape =
                sizes.map_or_else(|| format!("{rank} dimensions"), |s| format!("sizes {s:?}"));
            return Err(fail(
                op,
                format!(
                    "input must have at least 2 dimensions (N, C, ...) and an element with a \
                     sparse, oneDNN, quantized or nested argument, got {shape}"
                ),
            ));
        }
    }
    Ok(())
}

/// The fused weight-norm kernels, which run when `dim` is 0 or `v.dim() - 1` (not wrapped;
/// other dims take a composite path or are rejected), divide `v.numel()` by `v.size(dim)` and
/// read or write that many elements of each `per_slice` tensor through raw pointers: the size
/// must be nonzero and each per-slice tensor must have exactly that many elements.
///
/// Unchecked, a zero size is a SIGFPE and a short per-slice tensor a heap overflow (PyTorch later
/// added an early return for empty input). The backward kernel (`_weight_norm_interface_backward`)
/// does the same, and also reads `grad_w` with `saved_v`'s layout (its entry's `args::same_shape`).
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

/// The CUDA batch-norm kernels (`batch_norm_cuda_out` and the channels-last statistics) divide
/// `input.numel()` by the channel count `input.size(1)` on the host: a CUDA input with no
/// channels is a SIGFPE (the CUDA fuzz, `_native_batch_norm_legit(_functional)`). The CPU
/// kernels return early for it, so only inputs off the CPU (and meta, which has no kernel that
/// divides) are checked.
///
/// `batch_norm_elemt` (CUDA fuzz on an H100, session 12, seed 81) has only a CUDA kernel, whose
/// channels-last path, taken by a 2-D input, divides by the zero channels the same way;
/// `_native_batch_norm_legit` crashed so in one seed each of its first and functional forms.
///
/// The batch-norm entries that call this also check, with `args::numel_matches_size(_if)`, what the
/// CPU kernels read or write once per channel (`input.size(1)`) unchecked (SIGSEGV):
/// - `native_batch_norm` (seed 115) reads the running statistics in evaluation mode (through a null
///   pointer when not given) and updates them in training mode (seed 1111 at 400 calls per op: a
///   3-element running mean for 4 channels), and reads `weight` and `bias` per channel;
///   `batch_norm_update_stats` (seed 62; its entry has only the `args::` checks) writes the
///   statistics per channel;
/// - `_native_batch_norm_legit` (seed 1020 at 400 calls per op: a 4-channel input with a 6-element
///   weight and 3- and 0-element statistics) and the always-training `_batch_norm_with_update`
///   (seed 361: a [3, 3] input with 0-element statistics and weight) do the same;
/// - `_native_batch_norm_legit.no_stats` in inference (`training` false) reads the absent
///   statistics through a null pointer for every channel of a nonempty input, which
///   `args::true_unless_empty` refuses, and `weight` and `bias` per channel.
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
