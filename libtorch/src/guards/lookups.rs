//! Op-specific checks for the embedding-bag lookups and the masked index helpers, which trust an
//! integer argument or a list length to match the shapes they index with.
use super::*;

/// The embedding-bag kernels know three modes: 0 (sum), 1 (mean) and 2 (max). Any other value
/// sizes the bag counts and `max_indices` as for sum or mean, then runs the max kernel, which
/// writes `max_indices` as a [bags, embedding_dim] array into the smaller buffer (seed 142: a
/// heap overflow that glibc detected only at a later allocation).
pub(crate) fn embedding_bag_mode(op: &'static str, mode: i64) -> Result<()> {
    if (0..=2).contains(&mode) {
        Ok(())
    } else {
        Err(fail(
            op,
            format!("mode must be 0 (sum), 1 (mean) or 2 (max), got {mode}"),
        ))
    }
}

/// `_unsafe_masked_index` and `_unsafe_masked_index_put_accumulate` clamp each index to its
/// dimension by walking the index list and `self`'s sizes side by side: a list longer than
/// `self` has dimensions reads sizes past their end and writes past the clamped list.
pub(crate) fn index_list_within_dims<T>(
    op: &'static str,
    this: &Tensor,
    indices: &[Option<T>],
) -> Result<()> {
    let rank = sizes(op, "self", this)?.len();
    if indices.len() <= rank {
        Ok(())
    } else {
        Err(fail(
            op,
            format!(
                "indices must have at most one entry per dimension of self ({rank}), got {}",
                indices.len()
            ),
        ))
    }
}

/// `nll_loss_backward` and `nll_loss2d_backward` check each target against the class count
/// except with `reduction = None` (0), where they write `grad_input[i][target[i]]` unchecked (a
/// heap write past the end for a target equal to the class count: PyTorch issue 194802). With
/// that reduction, every target other than `ignore_index` must be one of `self`'s classes
/// (dimension 1, or 0 for a 1-D `self`).
pub(crate) fn nll_backward_targets(
    op: &'static str,
    self_: &Tensor,
    target: &Tensor,
    reduction: i64,
    ignore_index: i64,
) -> Result<()> {
    if reduction != 0 || !self_.defined() || !target.defined() {
        return Ok(());
    }
    let s = self_.f_size()?;
    let Some(&classes) = s.get(usize::from(s.len() > 1)) else {
        return Ok(()); // a 0-D self: libtorch rejects it
    };
    let Some(values) = int_values(op, "target", target)? else {
        return Ok(());
    };
    match values
        .iter()
        .find(|&&v| v != ignore_index && !(0..classes).contains(&v))
    {
        Some(v) => Err(fail(
            op,
            format!("target values must be in 0..{classes} (self's classes) or ignore_index ({ignore_index}), got {v}"),
        )),
        None => Ok(()),
    }
}

/// The embedding-bag kernels give each index a bag from `offsets`, and with no bag to give (no
/// offsets, or with `include_last_offset` only the end offset) they still place the indices in
/// bag 0 of an output without rows: the max mode writes there always (a SIGSEGV), sum and mean
/// with a float64 weight and no offsets too (PyTorch issue 175370). The float32 fast path
/// happens to leave them out, but which path runs depends on the dtype and the layout, so
/// indices need at least one bag in every case: one offset, or two with `include_last_offset` in
/// the max mode (sum and mean then leave the indices out, as PyTorch documents).
pub(crate) fn embedding_bag_bags(
    op: &'static str,
    indices: &Tensor,
    offsets: &Tensor,
    mode: i64,
    include_last_offset: bool,
) -> Result<()> {
    if !indices.defined() || !offsets.defined() || indices.numel() == 0 {
        return Ok(());
    }
    let n = offsets.numel();
    if n == 0 || (include_last_offset && mode == 2 && n == 1) {
        let need = if n == 0 {
            "an offset"
        } else {
            "two offsets (the last one ends the bags)"
        };
        return Err(fail(
            op,
            format!(
                "offsets must hold {need} for {} indices, got {n}",
                indices.numel()
            ),
        ));
    }
    Ok(())
}
