//! Op-specific checks for the embedding-bag lookups and the masked index helpers, which trust an
//! integer argument or a list length to match the shapes they index with.
use super::{fail, given, int_values, ints_below, numel_is, size_at, sizes};
use crate::{Result, Tensor};

/// The embedding-bag kernels know three modes: 0 (sum), 1 (mean) and 2 (max). Any other value
/// sizes the bag counts and `max_indices` as for sum or mean, then runs the max kernel, which
/// writes `max_indices` as a [bags, embedding_dim] array into the smaller buffer (seed 142: a
/// heap overflow that glibc detected only at a later allocation, a SIGABRT, found under
/// valgrind).
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
/// `self` has dimensions reads sizes past their end and writes past the clamped list (a heap
/// overflow, seed 142, under valgrind).
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
/// with a float64 weight and no offsets too (PyTorch issue 175370, reproduced). The float32
/// fast path happens to leave them out, but which path runs depends on the dtype and the layout, so
/// indices need at least one bag in every case: one offset, or two with `include_last_offset` in
/// the max mode (sum and mean then leave the indices out, as PyTorch documents).
///
/// With 2-D indices nothing checks that `offsets` is
/// 1-D (the entry's `args::dim_in`): its first element is read through a null pointer for a [k, 0]
/// offsets, and a 2-D offsets with elements overflows the output (SIGSEGV, out-of-bounds writes).
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

/// `offset2bag` names a bag (a row of `grad`) for each of the indices. The composite backwards
/// rebuild an empty one from `offsets` (`computed`); the dense kernel reads it as given.
fn offset2bag_rows(
    op: &'static str,
    grad: &Tensor,
    indices: &Tensor,
    offset2bag: &Tensor,
    computed: bool,
) -> Result<()> {
    let bags = size_at(op, "grad", &sizes(op, "grad", grad)?, 0)?;
    if computed && offset2bag.defined() && offset2bag.numel() == 0 {
        return Ok(());
    }
    numel_is(op, "offset2bag", offset2bag, indices.numel() as i64)?;
    ints_below(op, "offset2bag", offset2bag, bags, "grad's rows")
}

/// The embedding-bag backwards trust `indices`, `offset2bag`, `bag_size` and the per-sample
/// weights to be the forward's: each index is written to a row of the weight gradient, each
/// `offset2bag` entry reads a row of `grad`, the mean mode divides by `bag_size` per bag (a
/// SIGSEGV for an index or bag of 100000 in a 3-row weight or 2-row gradient). Indices must be
/// in `0..num_weights`, `offset2bag` must hold one bag per index in `0..grad.size(0)`, `bag_size`
/// one entry per bag and the per-sample weights one per index. For `_embedding_bag_dense_backward`.
pub(crate) fn embedding_bag_dense_backward_args(
    op: &'static str,
    grad: &Tensor,
    indices: &Tensor,
    offset2bag: &Tensor,
    bag_size: &Tensor,
    num_weights: i64,
    per_sample_weights: Option<&Tensor>,
) -> Result<()> {
    let args = (grad, indices, offset2bag, bag_size);
    embedding_bag_backward_checks(op, args, num_weights, per_sample_weights, false)
}

/// The composite `_embedding_bag_backward` and `_embedding_bag_sparse_backward`: as
/// [`embedding_bag_dense_backward_args`], but an empty `offset2bag` is rebuilt from the offsets.
pub(crate) fn embedding_bag_backward_args(
    op: &'static str,
    grad: &Tensor,
    indices: &Tensor,
    offset2bag: &Tensor,
    bag_size: &Tensor,
    num_weights: i64,
    per_sample_weights: Option<&Tensor>,
) -> Result<()> {
    let args = (grad, indices, offset2bag, bag_size);
    embedding_bag_backward_checks(op, args, num_weights, per_sample_weights, true)
}

fn embedding_bag_backward_checks(
    op: &'static str,
    (grad, indices, offset2bag, bag_size): (&Tensor, &Tensor, &Tensor, &Tensor),
    num_weights: i64,
    per_sample_weights: Option<&Tensor>,
    computed: bool,
) -> Result<()> {
    ints_below(op, "indices", indices, num_weights, "num_weights")?;
    offset2bag_rows(op, grad, indices, offset2bag, computed)?;
    let bags = size_at(op, "grad", &grad.f_size()?, 0)?;
    if (bag_size.defined() && (bag_size.numel() as i64) < bags) || !bag_size.defined() {
        return Err(fail(
            op,
            format!("bag_size must have an entry per bag ({bags})"),
        ));
    }
    if let Some(w) = given(per_sample_weights) {
        numel_is(op, "per_sample_weights", w, indices.numel() as i64)?;
    }
    Ok(())
}

/// `_embedding_bag_per_sample_weights_backward` reads, per index, its row of `weight` and its
/// bag's row of `grad` (a SIGSEGV for an index or bag of 100000): indices in
/// `0..weight.size(0)`, one `offset2bag` bag per index in `0..grad.size(0)` (or an empty one,
/// rebuilt from the offsets).
pub(crate) fn embedding_bag_psw_backward_args(
    op: &'static str,
    grad: &Tensor,
    weight: &Tensor,
    indices: &Tensor,
    offset2bag: &Tensor,
) -> Result<()> {
    let rows = size_at(op, "weight", &sizes(op, "weight", weight)?, 0)?;
    ints_below(op, "indices", indices, rows, "weight's rows")?;
    offset2bag_rows(op, grad, indices, offset2bag, true)
}
