//! `torch.distributed` on libtorch's own c10d: key-value stores, the Gloo process group and
//! its collectives, for CPU tensors across processes.
//!
//! ```no_run
//! use libtorch::distributed::{self as dist, InitOptions, ReduceOp};
//! use libtorch::Tensor;
//! # fn main() -> libtorch::Result<()> {
//! // RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT come from the environment (as torchrun sets).
//! dist::init_process_group("gloo", InitOptions::default())?;
//! let mut t = Tensor::from_slice(&[dist::get_rank()? as f32 + 1.0]);
//! dist::all_reduce(&mut t, ReduceOp::Sum)?; // 1 + 2 + ... + world_size on every rank
//! dist::destroy_process_group()?;
//! # Ok(()) }
//! ```
//!
//! Names follow `torch.distributed`: the free functions act on the default group made by
//! [`init_process_group`]; the same methods on a [`ProcessGroup`] act on that group (PyTorch's
//! `group=` argument). Every `_async` form (`async_op=True`), [`isend`] and [`irecv`] return a
//! [`Work`] to wait on. Every blocking call is bounded: stores by their timeout, collectives by
//! the group's; a peer that dies or never joins makes the others fail with an error, not hang.
//!
//! [`DistributedDataParallel`] trains one model replica per process on c10d's own `Reducer`.
//!
//! Backends: Gloo, on CPU, for the default group and subgroups ([`new_group`]). Not yet here:
//! NCCL.
mod collectives;
mod ddp;
mod ddp_comm_hooks;
mod init;
mod new_group;
mod process_group;
mod store;
mod work;

pub use collectives::*;
pub use ddp::{DdpOptions, DistributedDataParallel, NoSync};
pub use ddp_comm_hooks::BuiltinCommHookType;
pub use init::{
    default_group, destroy_process_group, get_backend, get_rank, get_world_size,
    init_process_group, is_initialized, InitOptions, DEFAULT_TIMEOUT,
};
pub use new_group::{new_group, new_group_with};
pub use process_group::{GlooDevice, GlooOptions, ProcessGroup};
pub use store::Store;
pub use work::{ReduceOp, Work};

use crate::error::Result;
use std::time::Duration;

/// `torch.distributed.TCPStore`: constructors of a TCP [`Store`].
pub struct TCPStore;

impl TCPStore {
    /// `TCPStore(host_name, port, world_size, is_master, timeout)`; see [`Store::tcp`].
    #[allow(clippy::new_ret_no_self)]
    pub fn new(
        host_name: &str,
        port: u16,
        world_size: Option<usize>,
        is_master: bool,
        timeout: Duration,
    ) -> Result<Store> {
        Store::tcp(host_name, port, world_size, is_master, timeout)
    }
}

/// `torch.distributed.FileStore`: constructors of a file-backed [`Store`].
pub struct FileStore;

impl FileStore {
    /// `FileStore(file_name, world_size)`; see [`Store::file`].
    #[allow(clippy::new_ret_no_self)]
    pub fn new(file_name: &str, world_size: Option<usize>) -> Result<Store> {
        Store::file(file_name, world_size)
    }
}

/// `torch.distributed.HashStore`: constructors of an in-process [`Store`].
pub struct HashStore;

impl HashStore {
    /// `HashStore()`; see [`Store::hash`].
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> Result<Store> {
        Store::hash()
    }
}

/// `torch.distributed.PrefixStore`: constructors of a [`Store`] view under a prefix.
pub struct PrefixStore;

impl PrefixStore {
    /// `PrefixStore(prefix, store)`; see [`Store::prefix`].
    #[allow(clippy::new_ret_no_self)]
    pub fn new(prefix: &str, store: &Store) -> Result<Store> {
        Store::prefix(prefix, store)
    }
}
