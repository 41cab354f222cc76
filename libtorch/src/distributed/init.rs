//! `init_process_group` and the default group it makes (`group.WORLD`).
use super::{GlooDevice, GlooOptions, ProcessGroup, Store};
use crate::error::{Error, Result};
use std::sync::{Arc, RwLock};
use std::time::Duration;

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

/// The default group with what [`super::new_group`] needs to make subgroups beside it.
pub(super) struct World {
    pub(super) group: Arc<ProcessGroup>,
    /// The default group's store (`"default_pg"` then `"0/"` over the rendezvous store), which
    /// torch.distributed's `_get_default_store()` returns and subgroups prefix.
    pub(super) store: Store,
    pub(super) gloo: GlooOptions,
    /// The name the next subgroup takes: `"1"`, `"2"`, ... (torch.distributed's `group_count`).
    pub(super) groups_made: usize,
}

pub(super) static DEFAULT_GROUP: RwLock<Option<World>> = RwLock::new(None);

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
    *slot = Some(World {
        group: Arc::new(group),
        store: group_store,
        gloo,
        groups_made: 1,
    });
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
        .as_ref()
        .map(|w| w.group.clone())
        .ok_or_else(|| not_initialized("torch.distributed"))
}

/// The error of a call (`op`) that needs the default group before [`init_process_group`].
pub(super) fn not_initialized(op: &'static str) -> Error {
    Error::invalid(
        op,
        "the default process group is not initialized: call init_process_group first",
    )
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
