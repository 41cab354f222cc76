//! Checks for copies between tensor forms (dense, sparse, quantized, oneDNN), which some pairs of forms crash on.
use super::{fail, sparse_compressed};
use crate::{Layout, Result, Tensor};
use std::borrow::Borrow;

/// `copy(self, src)` clones a sparse compressed (CSR, CSC, BSR, BSC) or oneDNN `self` and
/// writes through strides it does not have: SIGSEGV for any `src`, even one of its own layout
/// and shape. A sparse compressed `src` sends a COO `self` to the compressed kernel (SIGSEGV);
/// libtorch rejects such a `src` with any other `self`, and a oneDNN one with a dense `self`.
/// (The in-place `copy_` is fine; a COO `self` is otherwise rejected by libtorch.)
///
/// (Found with `fuzz-ops --form-share`.) `copy` also reads `self`'s storage, to choose between a
/// clone and `empty_strided`, before anything checks that `self` is defined (SIGSEGV): its entry
/// checks that with `args::defined`.
pub(crate) fn copy_layouts(op: &'static str, self_: &Tensor, src: &Tensor) -> Result<()> {
    copy_layout_of(op, "self", self_)?;
    copy_layout_of(op, "src", src)
}

fn copy_layout_of(op: &'static str, name: &str, t: &Tensor) -> Result<()> {
    let layout = t.layout_or_strided();
    if sparse_compressed(layout) || layout == Layout::Mkldnn {
        return Err(fail(
            op,
            format!("{name} must not have a sparse compressed or oneDNN layout, got {layout:?}"),
        ));
    }
    Ok(())
}

/// The functional `_foreach_copy` clones each `self[i]` and copies `src[i]` through the clone,
/// which for a sparse compressed or oneDNN tensor on either side goes wrong as [`copy_layouts`]
/// says for `copy` (SIGSEGV).
///
/// (Found with `fuzz-ops --form-share`.) Both forms also loop over `src` reading `self[i]` without
/// a length check, and copying into an undefined tensor dereferences its null storage (SIGSEGV;
/// found in `_foreach_copy.out`, then in the functional form while verifying that entry): their
/// entries check `args::same_len` and `args::all_defined`.
pub(crate) fn foreach_copy_layouts<T: Borrow<Tensor>, U: Borrow<Tensor>>(
    op: &'static str,
    self_: &[T],
    src: &[U],
) -> Result<()> {
    for (i, t) in self_.iter().enumerate() {
        copy_layout_of(op, &format!("self[{i}]"), t.borrow())?;
    }
    for (i, t) in src.iter().enumerate() {
        copy_layout_of(op, &format!("src[{i}]"), t.borrow())?;
    }
    Ok(())
}
