//! Checks for the strided nested-tensor constructors that build a view from raw metadata.
use super::*;

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
        &[
            ("nested_size", nested_size),
            ("nested_strides", nested_strides),
        ],
    )?;
    numel_is(op, "offsets", offsets, s[0])
}
