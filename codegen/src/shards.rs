//! Step 2d: the shard (`ops_NN`) each op lives in, decided once for every output.
//!
//! An op's C++ shim (`libtorch-sys/shim/generated/ops_NN.cpp`), its FFI declaration
//! (`libtorch-sys/src/generated/ops_NN.rs`) and its safe methods
//! (`libtorch/src/generated/ops_NN.rs`) carry the same `NN`. The shards exist for the C++
//! compile, which builds them in parallel: ops are grouped by the ATen header declaring them (a
//! header's ops never straddle two shards, so each shard includes only its own headers) and the
//! groups are cut into [`COUNT`] shards of about equal size.

use crate::model::Op;

/// How many shards the generated code is split into.
pub const COUNT: usize = 8;

/// `ops_03`: the file stem of shard 3 in every output directory.
pub fn name(shard: usize) -> String {
    format!("ops_{shard:02}")
}

/// Sets every op's `shard`: sorted by header (stably, so declaration order within a header),
/// then cut between headers every `ops.len() / COUNT` ops.
pub fn assign(ops: &mut [Op]) {
    let per_shard = ops.len().div_ceil(COUNT).max(1);
    let mut order: Vec<usize> = (0..ops.len()).collect();
    order.sort_by(|&a, &b| ops[a].header.cmp(&ops[b].header));
    let (mut shard, mut count) = (0, 0);
    let mut prev_header: Option<String> = None;
    for i in order {
        let new_header = prev_header.as_deref() != Some(ops[i].header.as_str());
        if new_header && count >= per_shard * (shard + 1) && shard + 1 < COUNT {
            shard += 1;
        }
        if new_header {
            prev_header = Some(ops[i].header.clone());
        }
        ops[i].shard = shard;
        count += 1;
    }
}

/// The ops of one shard, in file order: by header, then declaration order.
pub fn ops_of(ops: &[Op], shard: usize) -> Vec<&Op> {
    let mut v: Vec<&Op> = ops.iter().filter(|op| op.shard == shard).collect();
    v.sort_by(|a, b| a.header.cmp(&b.header));
    v
}
