//! Ownership checks for operations that change a tensor's sizes, strides, storage or layout in
//! place (the soundness model in [`crate::Tensor`]'s docs): such an operation runs only on a
//! handle nothing else can see at the same time — no other handle to the tensor, and, where the
//! storage may be reallocated or replaced, no other tensor over that storage — so no other
//! thread can be reading what it changes.
//!
//! The generated methods call these before the FFI call: [`exclusive`] for `self` of the
//! operators listed under `exclusive:` in `spec/rules.yaml` (set, the in-place view operators),
//! [`exclusive_with_storage`] for those under `exclusive_with_storage:` (resize, which may
//! reallocate the storage) and for every `out=` argument (which ATen resizes to the result's
//! shape); and [`exclusive_unless_strided`] for every other argument an operator writes to,
//! which only changes metadata for sparse, nested and oneDNN tensors (their values live in
//! internal tensors an in-place operation may replace).
use crate::{Error, Layout, Result, Tensor};
use libtorch_sys as sys;

/// (references to the TensorImpl, TensorImpls sharing its storage).
fn use_counts(t: &Tensor) -> (i64, i64) {
    let (mut impl_refs, mut storage_refs) = (0i64, 0i64);
    // SAFETY: `t` is a live handle (or null); the shim only reads two atomic counts.
    unsafe { sys::ltrs_tensor_use_counts(t.as_raw(), &mut impl_refs, &mut storage_refs) };
    (impl_refs, storage_refs)
}

fn shared(op: &'static str, name: &str, what: String) -> Error {
    Error::invalid(
        op,
        format!(
            "`{name}` is {what}. This operation changes a tensor's shape or storage in place, \
             which is only allowed on a tensor no other handle or view can see (another thread \
             could be reading it): drop the other handles, or work on `{name}.deep_clone()`"
        ),
    )
}

/// `t` (when defined) is the only handle to its tensor (no clone, no view's base, no autograd
/// graph holds it).
pub(crate) fn exclusive(op: &'static str, name: &str, t: &Tensor) -> Result<()> {
    let (impl_refs, _) = use_counts(t);
    if impl_refs > 1 {
        return Err(shared(
            op,
            name,
            format!("shared by {impl_refs} handles (clones, views' bases or autograd's graph)"),
        ));
    }
    Ok(())
}

/// [`exclusive`], and its tensor the only one over its storage (for operations that may
/// reallocate the storage every such tensor reads).
pub(crate) fn exclusive_with_storage(op: &'static str, name: &str, t: &Tensor) -> Result<()> {
    exclusive(op, name, t)?;
    let (_, storage_refs) = use_counts(t);
    if storage_refs > 1 {
        return Err(shared(
            op,
            name,
            format!("a view: {storage_refs} tensors share its storage, which this may reallocate"),
        ));
    }
    Ok(())
}

/// [`exclusive_with_storage`] for each tensor of a list written to (`out=` lists).
pub(crate) fn all_exclusive_with_storage(
    op: &'static str,
    name: &str,
    ts: &[Tensor],
) -> Result<()> {
    ts.iter()
        .try_for_each(|t| exclusive_with_storage(op, name, t))
}

/// For an argument an operation writes into: a strided tensor's metadata is untouched (its
/// elements are plain numbers, shared as in PyTorch), any other layout must be exclusive.
pub(crate) fn exclusive_unless_strided(op: &'static str, name: &str, t: &Tensor) -> Result<()> {
    // SAFETY: `t` is a live handle (or null); the shim reads the layout without side effects.
    let layout = unsafe { sys::ltrs_tensor_layout_of(t.as_raw()) };
    if layout == Layout::Strided.to_ffi() {
        return Ok(());
    }
    let (impl_refs, _) = use_counts(t);
    if impl_refs > 1 {
        return Err(shared(
            op,
            name,
            format!("a non-strided tensor shared by {impl_refs} handles"),
        ));
    }
    Ok(())
}

/// [`exclusive_unless_strided`] for each tensor of a list written to.
pub(crate) fn all_exclusive_unless_strided(
    op: &'static str,
    name: &str,
    ts: &[Tensor],
) -> Result<()> {
    ts.iter()
        .try_for_each(|t| exclusive_unless_strided(op, name, t))
}

/// `dst` of `_copy_from` and `_copy_from_and_resize`, a backend's internal copies, which write
/// (and may resize) it although their schema does not mark it as written (no `(a!)`): the
/// ownership check that `out=` arguments get, applied by hand.
pub(crate) fn exclusive_dst(op: &'static str, dst: &Tensor) -> Result<()> {
    exclusive_with_storage(op, "dst", dst)
}
