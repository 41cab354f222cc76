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
