//! Checks for the strided nested-tensor constructors that build a view from raw metadata.
use super::args::same_shape;
use super::quant::is_quantized;
use super::{fail, is_nested, numel_is, sizes};
use crate::{Kind, Layout, Result, Tensor};

/// `_nested_view_from_buffer` (and its `_copy` forms) compares only the leading sizes of its
/// metadata: `nested_strides` and `storage_offsets` must have `nested_size`'s row count. It
/// then reads one stride per column of `nested_size` and one offset per row, so narrower
/// strides are read past their end (garbage strides come back in the error) and offsets of
/// shape [3, 0] are dereferenced empty (SIGSEGV). The strides must have `nested_size`'s shape
/// and the offsets one element per row. (Seed 1255 at 400 calls per op.)
pub(crate) fn nested_view_metadata(
    op: &'static str,
    nested_size: &Tensor,
    nested_strides: &Tensor,
    offsets: &Tensor,
) -> Result<()> {
    let s = sizes(op, "nested_size", nested_size)?;
    if s.len() != 2 {
        return Ok(()); // libtorch requires a 2-D nested_size first
    }
    same_shape(
        op,
        [
            ("nested_size", nested_size),
            ("nested_strides", nested_strides),
        ],
    )?;
    numel_is(op, "offsets", offsets, s[0])
}

/// The component sizes of a nested tensor, one row per component; `None` for a tensor that is
/// not nested (libtorch then reports it itself).
fn component_sizes(t: &Tensor) -> Option<Vec<Vec<i64>>> {
    if !is_nested(t) {
        return None;
    }
    let table = t.f__nested_tensor_size().ok()?;
    let shape = table.f_size().ok()?;
    let values = table.to_vec::<i64>().ok()?;
    match shape[..] {
        [rows, cols] if rows >= 0 && cols >= 0 => Some(
            (0..rows as usize)
                .map(|r| values[r * cols as usize..(r + 1) * cols as usize].to_vec())
                .collect(),
        ),
        _ => None,
    }
}

/// `_nested_sum_backward` (of a sum over the last dimension) spreads each element of `grad`
/// over one row of `self`'s last dimension, component by component, trusting the sizes: it
/// writes (elements of grad's component) × (self's last size) elements per component into a
/// buffer of self's size, and reads grad's buffer as far. Other sizes wrote past the buffer
/// (heap corruption, nested-only form fuzz seeds 2 and 13). Each of grad's components must
/// hold one element per row of self's.
pub(crate) fn nested_sum_backward_sizes(
    op: &'static str,
    grad: &Tensor,
    self_: &Tensor,
) -> Result<()> {
    let (Some(g), Some(s)) = (component_sizes(grad), component_sizes(self_)) else {
        return Ok(());
    };
    if g.len() != s.len() {
        return Err(fail(
            op,
            format!("grad has {} components but self has {}", g.len(), s.len()),
        ));
    }
    for (i, (g, s)) in g.iter().zip(&s).enumerate() {
        let product = |v: &[i64]| v.iter().map(|&x| i128::from(x)).product::<i128>();
        let rows = match s.split_last() {
            Some((_, leading)) => product(leading),
            None => 1,
        };
        if product(g) != rows {
            return Err(fail(
                op,
                format!(
                    "grad's component {i} (sizes {g:?}) must hold one element per row of self's \
                     component (sizes {s:?}), {rows}"
                ),
            ));
        }
    }
    Ok(())
}

/// `_nested_compute_contiguous_strides_offsets` reads `nested_size` as `size(0)` rows of
/// `size(1)` sizes and writes the first offset unconditionally: with columns but no elements
/// (`[0, 3]`, `[2, 3, 0]`) it reads and writes through null buffers (SIGSEGV).
///
/// It also reads `nested_size` on the host whatever its device (SIGSEGV, CUDA fuzz seed
/// 2): the entry's `args::on_cpu`.
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

/// `select` on a nested tensor does not wrap a negative `dim`: it reads component sizes and
/// strides at the negative position (SIGSEGV for `select(-1, 1)` of components of sizes 3 and
/// 2, and an out-of-range index let through). A nested tensor's `dim` must be non-negative;
/// libtorch checks the rest.
///
/// (Found with `fuzz-ops --form-share`.) The trapezoid rules select the first and last entries
/// along `dim`, so a nested `y` with the default `dim` of -1 reaches the same select (invalid
/// writes, memcheck with forms, seed 3).
pub(crate) fn nested_select_dim(op: &'static str, self_: &Tensor, dim: i64) -> Result<()> {
    if dim < 0 && is_nested(self_) {
        return Err(fail(
            op,
            format!("dim {dim} of a nested tensor must be given as a non-negative dimension"),
        ));
    }
    Ok(())
}

/// A nested tensor converted to a quantized dtype: the nested `_to_copy` makes a quantized
/// buffer without a quantizer and copies into it, which reads the missing quantizer (SIGSEGV
/// with `memory_format` Contiguous; the CUDA build's form fuzz, seed 107, reproduced on the
/// CPU). Other memory formats get libtorch's own error, and no nested quantized tensor exists,
/// so every such conversion is refused. The `_like` factories make the same buffer: `zeros_like`
/// and `ones_like` crash filling it (seed 551), and `empty_like` returns a tensor that crashes
/// at its first use, so they are refused too. The dtype is tested first: this guards every `to`.
///
/// (`fill_` and `dequantize` are first uses that crash; the other `_like` factories reject the
/// buffer later.)
pub(crate) fn nested_to_quantized(
    op: &'static str,
    self_: &Tensor,
    dtype: impl Into<Option<Kind>>,
) -> Result<()> {
    match dtype.into() {
        Some(k) if is_quantized(k) && is_nested(self_) => Err(fail(
            op,
            format!(
                "self is a nested tensor, which cannot be converted to {}",
                k.name()
            ),
        )),
        _ => Ok(()),
    }
}

/// [`nested_to_quantized`] to `other`'s dtype.
pub(crate) fn nested_to_quantized_like(
    op: &'static str,
    self_: &Tensor,
    other: &Tensor,
) -> Result<()> {
    if !other.defined() {
        return Ok(());
    }
    nested_to_quantized(op, self_, other.f_kind()?)
}

/// `_nested_compute_contiguous_strides_offsets` reads `nested_size` in memory order, as
/// [`coo_rows_contiguous`] says for its input (an expanded one: invalid reads, found with
/// `fuzz-ops --form-share` under valgrind's memcheck).
pub(crate) fn nested_size_contiguous(op: &'static str, nested_size: &Tensor) -> Result<()> {
    read_in_memory_order(op, "nested_size", nested_size)
}

pub(crate) fn read_in_memory_order(op: &'static str, name: &str, t: &Tensor) -> Result<()> {
    // Only a strided tensor with sizes (not nested) is read in memory order.
    if t.layout_or_strided() != Layout::Strided {
        return Ok(());
    }
    let (Ok(s), Ok(st)) = (t.f_size(), t.f_stride()) else {
        return Ok(());
    };
    let order: Vec<usize> = (0..s.len()).rev().collect();
    if !crate::tensor::contiguous_in_order(&s, &st, &order) {
        return Err(fail(
            op,
            format!("{name} must be contiguous (it is read in memory order), got strides {st:?} for sizes {s:?}"),
        ));
    }
    Ok(())
}
