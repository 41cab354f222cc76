//! `torch.distributed.new_group`: a Gloo group of some of the default group's ranks.
use super::init::{not_initialized, DEFAULT_GROUP};
use super::{ProcessGroup, Store};
use crate::error::{Error, Result};
use std::time::Duration;

const OP: &str = "new_group";

/// `torch.distributed.new_group(ranks)`: a group of the default group's `ranks` (global ranks,
/// in any order; empty means every rank, as PyTorch's `ranks=None` or `[]`), with the default
/// group's timeout and options. As in PyTorch, **every** rank of the default group calls it, in
/// the same order for every subgroup; a member gets `Some(group)`, where its rank is its
/// position among the sorted `ranks`, and a rank outside `ranks` gets `None`
/// (`GroupMember.NON_GROUP_MEMBER`). Members block until all of them joined, at most the
/// timeout. The group's collectives are its methods (`group.all_reduce(&mut t, ReduceOp::Sum)`).
///
/// The store keys are torch.distributed 2.11's (`"1/cpu/"` under the default group's store for
/// the first subgroup, ...), and, as there by default (`TORCH_DIST_INIT_BARRIER` unset), no
/// barrier over the whole world follows: members rendezvous among themselves.
pub fn new_group(ranks: &[usize]) -> Result<Option<ProcessGroup>> {
    new_group_with(ranks, None)
}

/// [`new_group`] with `timeout=` (`None`: the default group's).
pub fn new_group_with(ranks: &[usize], timeout: Option<Duration>) -> Result<Option<ProcessGroup>> {
    let (store, gloo, name, global_rank, world) = {
        let mut slot = DEFAULT_GROUP.write().unwrap_or_else(|e| e.into_inner());
        let w = slot.as_mut().ok_or_else(|| not_initialized(OP))?;
        let (rank, world) = (w.group.rank(), w.group.size());
        let name = w.groups_made;
        w.groups_made += 1;
        (w.store.clone(), w.gloo.clone(), name, rank, world)
    };
    let mut members: Vec<usize> = if ranks.is_empty() {
        (0..world).collect()
    } else {
        ranks.to_vec()
    };
    members.sort_unstable();
    if let Some(&bad) = members.iter().find(|&&r| r >= world) {
        return Err(Error::invalid(
            OP,
            format!("rank {bad} is not in the default group of world_size {world}"),
        ));
    }
    if let Some(pair) = members.windows(2).find(|p| p[0] == p[1]) {
        return Err(Error::invalid(
            OP,
            format!("rank {} is listed twice in ranks {ranks:?}", pair[0]),
        ));
    }
    let Some(group_rank) = members.iter().position(|&r| r == global_rank) else {
        return Ok(None);
    };
    let gloo = match timeout {
        Some(t) => gloo.with_timeout(t),
        None => gloo,
    };
    let device_store = Store::prefix("cpu/", &Store::prefix(&format!("{name}/"), &store)?)?;
    let group = ProcessGroup::new_gloo_checked_under(
        &device_store,
        group_rank,
        members.len(),
        &gloo,
        &format!("pg_wrapper:{name}"),
    )
    .map_err(|e| e.in_call(OP))?;
    Ok(Some(group))
}
