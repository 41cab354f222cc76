//! Checks for the strided nested-tensor constructors that build a view from raw metadata.
use super::args::same_shape;
use super::{fail, is_nested, numel_is, sizes};
use crate::{Result, Tensor};

/// `_nested_view_from_buffer` (and its `_copy` forms) compares only the leading sizes of its
/// metadata: `nested_strides` and `storage_offsets` must have `nested_size`'s row count. It
/// then reads one stride per column of `nested_size` and one offset per row, so narrower
/// strides are read past their end (garbage strides come back in the error) and offsets of
/// shape [3, 0] are dereferenced empty (SIGSEGV). The strides must have `nested_size`'s shape
/// and the offsets one element per row.
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
