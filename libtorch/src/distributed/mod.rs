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
//! Backends: Gloo, on CPU. Not yet here: NCCL, subgroups (`new_group`), DDP.
mod process_group;
mod store;

pub use process_group::{GlooDevice, GlooOptions, ProcessGroup, ReduceOp, Work};
pub use store::Store;

use crate::error::{Error, Result};
use crate::Tensor;
use std::sync::{Arc, RwLock};
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

/// `torch.distributed`'s default timeout for Gloo groups (`default_pg_timeout`): 30 minutes.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The arguments of [`init_process_group`] besides the backend, with PyTorch's defaults.
#[derive(Clone)]
pub struct InitOptions {
    init_method: Option<String>,
    store: Option<Store>,
    rank: Option<usize>,
    world_size: Option<usize>,
    timeout: Duration,
    device: GlooDevice,
    check_collectives: Option<bool>,
}

impl Default for InitOptions {
    fn default() -> InitOptions {
        InitOptions {
            init_method: None,
            store: None,
            rank: None,
            world_size: None,
            timeout: DEFAULT_TIMEOUT,
            device: GlooDevice::FromEnv,
            check_collectives: None,
        }
    }
}

impl InitOptions {
    /// `init_method=`: `"env://"` (the default: `MASTER_ADDR`, `MASTER_PORT`, and `RANK`,
    /// `WORLD_SIZE` unless given), `"tcp://HOST:PORT"` or `"file:///PATH"`.
    pub fn init_method(mut self, url: &str) -> InitOptions {
        self.init_method = Some(url.to_owned());
        self
    }

    /// `store=`: rendezvous through this store (then `rank` and `world_size` are needed).
    pub fn store(mut self, store: &Store) -> InitOptions {
        self.store = Some(store.clone());
        self
    }

    /// `rank=` (default: the `RANK` environment variable).
    pub fn rank(mut self, rank: usize) -> InitOptions {
        self.rank = Some(rank);
        self
    }

    /// `world_size=` (default: the `WORLD_SIZE` environment variable).
    pub fn world_size(mut self, world_size: usize) -> InitOptions {
        self.world_size = Some(world_size);
        self
    }

    /// `timeout=`: bounds the rendezvous, and then every collective (default
    /// [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> InitOptions {
        self.timeout = timeout;
        self
    }

    /// Where Gloo's sockets listen (default: `GLOO_SOCKET_IFNAME`, else this machine's
    /// hostname, as in PyTorch).
    pub fn device(mut self, device: GlooDevice) -> InitOptions {
        self.device = device;
        self
    }

    /// Whether collectives check that every rank calls the same one on the same shapes and
    /// dtypes (default: as `TORCH_DISTRIBUTED_DEBUG=DETAIL` asks); see
    /// [`GlooOptions::check_collectives`].
    pub fn check_collectives(mut self, on: bool) -> InitOptions {
        self.check_collectives = Some(on);
        self
    }
}

static DEFAULT_GROUP: RwLock<Option<Arc<ProcessGroup>>> = RwLock::new(None);

const INIT: &str = "init_process_group";

fn env_usize(name: &str) -> Result<usize> {
    let v = std::env::var(name).map_err(|_| {
        Error::invalid(
            INIT,
            format!("the environment variable {name} is not set (torchrun sets it)"),
        )
    })?;
    v.trim()
        .parse()
        .map_err(|_| Error::invalid(INIT, format!("{name}={v:?} is not a non-negative integer")))
}

fn env_string(name: &str) -> Result<String> {
    std::env::var(name).map_err(|_| {
        Error::invalid(
            INIT,
            format!("the environment variable {name} is not set (torchrun sets it)"),
        )
    })
}

fn parse_port(s: &str, from: &str) -> Result<u16> {
    s.trim()
        .parse()
        .map_err(|_| Error::invalid(INIT, format!("{from}: {s:?} is not a port number")))
}

/// `torch.distributed.init_process_group(backend, init_method, timeout, world_size, rank,
/// store)`: joins this process to the default group. Only Gloo is available (`"gloo"`,
/// `"cpu:gloo"`), for CPU tensors. The store keys are torch.distributed's, so Python ranks of
/// the same PyTorch version can join the group. Blocks until every rank joined, at most the timeout;
/// fails when a group already exists.
pub fn init_process_group(backend: &str, options: InitOptions) -> Result<()> {
    check_backend(backend)?;
    let already = || {
        Error::invalid(
            INIT,
            "the default process group is already initialized (call destroy_process_group first)",
        )
    };
    // The rendezvous blocks (up to the timeout) without holding the lock, so other threads can
    // still ask `is_initialized`; a second init racing this one loses at the end.
    if is_initialized() {
        return Err(already());
    }
    let rank = match options.rank {
        Some(r) => r,
        None => env_usize("RANK")?,
    };
    let world_size = match options.world_size {
        Some(n) => n,
        None => env_usize("WORLD_SIZE")?,
    };
    if rank >= world_size {
        return Err(Error::invalid(
            INIT,
            format!("rank {rank} is not in a group of world_size {world_size}"),
        ));
    }
    let timeout = options.timeout;
    let store = match (&options.store, options.init_method.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                INIT,
                "give either init_method or store, not both",
            ))
        }
        (Some(store), None) => store.clone(),
        (None, None) | (None, Some("env://")) => {
            let host = env_string("MASTER_ADDR")?;
            let port = parse_port(&env_string("MASTER_PORT")?, "MASTER_PORT")?;
            Store::tcp(&host, port, Some(world_size), starts_server(rank), timeout)
                .map_err(|e| e.in_call(INIT))?
        }
        (None, Some(url)) => {
            if let Some(addr) = url.strip_prefix("tcp://") {
                let (host, port) = addr.rsplit_once(':').ok_or_else(|| {
                    Error::invalid(INIT, format!("{url:?} has no port (tcp://HOST:PORT)"))
                })?;
                let host = host.trim_start_matches('[').trim_end_matches(']');
                let port = parse_port(port, url)?;
                Store::tcp(host, port, Some(world_size), starts_server(rank), timeout)
                    .map_err(|e| e.in_call(INIT))?
            } else if let Some(path) = url.strip_prefix("file://") {
                Store::file(path, Some(world_size)).map_err(|e| e.in_call(INIT))?
            } else {
                return Err(Error::invalid(
                    INIT,
                    format!("init_method {url:?} is not env://, tcp://HOST:PORT or file:///PATH"),
                ));
            }
        }
    };
    // The keys torch.distributed uses, so that Rust and Python ranks can form one group: the
    // default group's under "default_pg", then its name ("0", the first group), then the first
    // device type of the backend string ("cpu"; torch.distributed makes one Gloo group for all
    // the device types when they all name Gloo), and the collective checks' helper group under
    // "pg_wrapper:0" of that.
    let group_store = Store::prefix("0/", &Store::prefix("default_pg", &store)?)?;
    let device_store = Store::prefix("cpu/", &group_store)?;
    let mut gloo = GlooOptions::new(timeout).device(options.device);
    if let Some(on) = options.check_collectives {
        gloo = gloo.check_collectives(on);
    }
    let group = ProcessGroup::new_gloo_checked_under(
        &device_store,
        rank,
        world_size,
        &gloo,
        "pg_wrapper:0",
    )
    .map_err(|e| e.in_call(INIT))?;
    let mut slot = DEFAULT_GROUP.write().unwrap_or_else(|e| e.into_inner());
    if slot.is_some() {
        return Err(already());
    }
    *slot = Some(Arc::new(group));
    Ok(())
}

/// Checks a backend string: `"gloo"`, or Gloo for the CPU and optionally CUDA
/// (`"cpu:gloo"`, `"cpu:gloo,cuda:gloo"`); nothing else is available yet.
fn check_backend(backend: &str) -> Result<()> {
    let lower = backend.trim().to_ascii_lowercase();
    let mut cpu = lower == "gloo";
    let mut ok = true;
    if !cpu {
        for part in lower.split(',') {
            match part.trim().split_once(':') {
                Some(("cpu", "gloo")) => cpu = true,
                Some(("cuda", "gloo")) => {}
                _ => ok = false,
            }
        }
    }
    if ok && cpu {
        Ok(())
    } else {
        Err(Error::invalid(
            INIT,
            format!(
                "backend {backend:?} is not available: only \"gloo\" (or \"cpu:gloo\") is, for now"
            ),
        ))
    }
}

/// Whether this rank starts the TCP store's server: rank 0, unless torchrun's agent already
/// serves it (`TORCHELASTIC_USE_AGENT_STORE=True`), as in torch.distributed's rendezvous.
fn starts_server(rank: usize) -> bool {
    rank == 0 && std::env::var("TORCHELASTIC_USE_AGENT_STORE").as_deref() != Ok("True")
}

/// `torch.distributed.is_initialized()`.
pub fn is_initialized() -> bool {
    DEFAULT_GROUP
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .is_some()
}

/// The default group (`group.WORLD`), shared; an error before [`init_process_group`].
pub fn default_group() -> Result<Arc<ProcessGroup>> {
    DEFAULT_GROUP
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .ok_or_else(|| {
            Error::invalid(
                "torch.distributed",
                "the default process group is not initialized: call init_process_group first",
            )
        })
}

/// `torch.distributed.destroy_process_group()`: leaves the default group. Its resources go
/// once the last [`default_group`] handle is dropped (after its queued work finished or timed
/// out).
pub fn destroy_process_group() -> Result<()> {
    let group = DEFAULT_GROUP
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    match group {
        Some(_) => Ok(()),
        None => Err(Error::invalid(
            "destroy_process_group",
            "the default process group is not initialized",
        )),
    }
}

/// `torch.distributed.get_rank()`.
pub fn get_rank() -> Result<usize> {
    Ok(default_group()?.rank())
}

/// `torch.distributed.get_world_size()`.
pub fn get_world_size() -> Result<usize> {
    Ok(default_group()?.size())
}

/// `torch.distributed.get_backend()`: `"gloo"`.
pub fn get_backend() -> Result<String> {
    default_group()?.backend_name()
}

/// Free functions on the default group, each the method of the same name on [`ProcessGroup`].
macro_rules! on_default_group {
    ($($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        $(#[$doc])*
        pub fn $name($($arg: $ty),*) -> Result<$ret> {
            default_group()?.$name($($arg),*)
        }
    )*};
}

on_default_group! {
    /// `all_reduce(tensor, op)`; see [`ProcessGroup::all_reduce`].
    fn all_reduce(tensor: &mut Tensor, op: ReduceOp) -> ();
    /// `all_reduce(tensor, op, async_op=True)`.
    fn all_reduce_async(tensor: &mut Tensor, op: ReduceOp) -> Work;
    /// `broadcast(tensor, src)`; see [`ProcessGroup::broadcast`].
    fn broadcast(tensor: &mut Tensor, src: usize) -> ();
    /// `broadcast(tensor, src, async_op=True)`.
    fn broadcast_async(tensor: &mut Tensor, src: usize) -> Work;
    /// `reduce(tensor, dst, op)`; see [`ProcessGroup::reduce`].
    fn reduce(tensor: &mut Tensor, dst: usize, op: ReduceOp) -> ();
    /// `reduce(tensor, dst, op, async_op=True)`.
    fn reduce_async(tensor: &mut Tensor, dst: usize, op: ReduceOp) -> Work;
    /// `all_gather(tensor_list, tensor)`; see [`ProcessGroup::all_gather`].
    fn all_gather(tensor_list: &mut [Tensor], tensor: &Tensor) -> ();
    /// `all_gather(tensor_list, tensor, async_op=True)`.
    fn all_gather_async(tensor_list: &mut [Tensor], tensor: &Tensor) -> Work;
    /// `all_gather_into_tensor(output_tensor, input_tensor)`.
    fn all_gather_into_tensor(output_tensor: &mut Tensor, input_tensor: &Tensor) -> ();
    /// `all_gather_into_tensor(output_tensor, input_tensor, async_op=True)`.
    fn all_gather_into_tensor_async(output_tensor: &mut Tensor, input_tensor: &Tensor) -> Work;
    /// `gather(tensor, gather_list, dst)`; see [`ProcessGroup::gather`].
    fn gather(tensor: &Tensor, gather_list: Option<&mut [Tensor]>, dst: usize) -> ();
    /// `gather(tensor, gather_list, dst, async_op=True)`.
    fn gather_async(tensor: &Tensor, gather_list: Option<&mut [Tensor]>, dst: usize) -> Work;
    /// `scatter(tensor, scatter_list, src)`; see [`ProcessGroup::scatter`].
    fn scatter(tensor: &mut Tensor, scatter_list: Option<&[Tensor]>, src: usize) -> ();
    /// `scatter(tensor, scatter_list, src, async_op=True)`.
    fn scatter_async(tensor: &mut Tensor, scatter_list: Option<&[Tensor]>, src: usize) -> Work;
    /// `reduce_scatter(output, input_list, op)`; see [`ProcessGroup::reduce_scatter`].
    fn reduce_scatter(output: &mut Tensor, input_list: &[Tensor], op: ReduceOp) -> ();
    /// `reduce_scatter(output, input_list, op, async_op=True)`.
    fn reduce_scatter_async(output: &mut Tensor, input_list: &[Tensor], op: ReduceOp) -> Work;
    /// `reduce_scatter_tensor(output, input, op)`.
    fn reduce_scatter_tensor(output: &mut Tensor, input: &Tensor, op: ReduceOp) -> ();
    /// `reduce_scatter_tensor(output, input, op, async_op=True)`.
    fn reduce_scatter_tensor_async(output: &mut Tensor, input: &Tensor, op: ReduceOp) -> Work;
    /// `all_to_all_single(output, input, output_split_sizes, input_split_sizes)`.
    fn all_to_all_single(
        output: &mut Tensor,
        input: &Tensor,
        output_split_sizes: Option<&[i64]>,
        input_split_sizes: Option<&[i64]>
    ) -> ();
    /// `all_to_all_single(..., async_op=True)`.
    fn all_to_all_single_async(
        output: &mut Tensor,
        input: &Tensor,
        output_split_sizes: Option<&[i64]>,
        input_split_sizes: Option<&[i64]>
    ) -> Work;
    /// `barrier()`.
    fn barrier() -> ();
    /// `barrier(async_op=True)`.
    fn barrier_async() -> Work;
    /// `send(tensor, dst, tag)`.
    fn send(tensor: &Tensor, dst: usize, tag: u32) -> ();
    /// `isend(tensor, dst, tag)`.
    fn isend(tensor: &Tensor, dst: usize, tag: u32) -> Work;
    /// `recv(tensor, src, tag)`: returns the sender's rank.
    fn recv(tensor: &mut Tensor, src: usize, tag: u32) -> usize;
    /// `irecv(tensor, src, tag)`.
    fn irecv(tensor: &mut Tensor, src: usize, tag: u32) -> Work;
}
