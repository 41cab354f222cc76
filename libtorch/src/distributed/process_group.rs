//! The Gloo process group, its collectives and their work handles.
use super::store::{millis, Store};
use super::work::{ReduceOp, Work};
use crate::error::{check, Error, Result};
use crate::{Device, Layout, Tensor};
use libtorch_sys as sys;
use libtorch_sys::dist as raw;
use std::time::Duration;

/// A process group on the Gloo backend (`torch.distributed.ProcessGroupGloo`): collectives on
/// CPU tensors among `size` processes.
///
/// Each rank must call the same collectives in the same order. Tensors must be dense and
/// contiguous, on the CPU, with the same shape and dtype on every rank (Gloo checks what it can
/// and reports the rest as an error of the collective; a peer that dies or never calls makes the
/// others fail after the timeout, never hang).
pub struct ProcessGroup {
    raw: *mut raw::ltrs_pg,
    rank: i64,
    size: i64,
    timeout_ms: i64,
}

impl std::fmt::Debug for ProcessGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessGroup")
            .field("rank", &self.rank)
            .field("size", &self.size)
            .field("timeout_ms", &self.timeout_ms)
            .finish_non_exhaustive()
    }
}

// SAFETY: c10d's ProcessGroupGloo enqueues work under its own mutex and runs it on its worker
// threads; PyTorch calls one group from several Python threads (GIL released). Rank, size and
// timeout are immutable.
unsafe impl Send for ProcessGroup {}
// SAFETY: as above; every method takes `&self` and only enqueues work.
unsafe impl Sync for ProcessGroup {}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        // SAFETY: `raw` is an owned handle freed exactly once, here. The destructor waits for the
        // queued work, which is bounded by the group's timeout.
        unsafe { raw::ltrs_pg_free(self.raw) }
    }
}

/// Where a Gloo group's sockets listen (`torch.distributed`'s `GLOO_SOCKET_IFNAME`, or a
/// hostname of this machine).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum GlooDevice {
    /// `GLOO_SOCKET_IFNAME` when set (comma-separated interface names), else the address this
    /// machine's hostname resolves to (loopback when it does not resolve): what
    /// `torch.distributed` does.
    #[default]
    FromEnv,
    /// The address of this hostname or IP, e.g. `"127.0.0.1"`.
    Hostname(String),
    /// These network interfaces, e.g. `["lo"]`.
    Interfaces(Vec<String>),
}

fn check_cpu(t: &Tensor, op: &'static str) -> Result<()> {
    if !t.defined() {
        return Err(Error::invalid(op, "an undefined tensor"));
    }
    let device = t.f_device()?;
    if device != Device::Cpu {
        return Err(Error::invalid(
            op,
            format!("the Gloo group takes CPU tensors, got one on {device:?}"),
        ));
    }
    // Gloo's sparse paths replace a sparse tensor's internals from a worker thread, which this
    // crate allows only through an unshared handle (see `Tensor`'s soundness rules).
    let layout = t.layout_or_strided();
    if layout != Layout::Strided {
        return Err(Error::invalid(
            op,
            format!("the Gloo group takes dense (strided) tensors, got a {layout:?} one"),
        ));
    }
    Ok(())
}

/// The options of a Gloo group (`ProcessGroupGloo.Options`, plus `torch.distributed`'s
/// collective checks).
#[derive(Debug, Clone)]
pub struct GlooOptions {
    timeout: Duration,
    device: GlooDevice,
    threads: usize,
    check_collectives: bool,
}

impl GlooOptions {
    /// Options with this timeout: it bounds the rendezvous and every collective. Devices from
    /// the environment, Gloo's 2 worker threads, and collective checks as
    /// `TORCH_DISTRIBUTED_DEBUG=DETAIL` asks (off otherwise), as in PyTorch.
    pub fn new(timeout: Duration) -> GlooOptions {
        GlooOptions {
            timeout,
            device: GlooDevice::FromEnv,
            threads: 0,
            check_collectives: std::env::var("TORCH_DISTRIBUTED_DEBUG")
                .is_ok_and(|v| v.eq_ignore_ascii_case("DETAIL")),
        }
    }

    /// The same options with another timeout (a subgroup's `timeout=`).
    pub(super) fn with_timeout(mut self, timeout: Duration) -> GlooOptions {
        self.timeout = timeout;
        self
    }

    /// Where Gloo's sockets listen.
    pub fn device(mut self, device: GlooDevice) -> GlooOptions {
        self.device = device;
        self
    }

    /// The number of Gloo worker threads (`Options.threads`, default 2).
    pub fn threads(mut self, threads: usize) -> GlooOptions {
        self.threads = threads;
        self
    }

    /// Whether every collective first checks, through a second Gloo group, that all ranks call
    /// the same collective with the same shapes and dtypes (c10d's `ProcessGroupWrapper`, what
    /// `TORCH_DISTRIBUTED_DEBUG=DETAIL` turns on). A mismatch is then an error on every rank
    /// instead of an undefined result; the price is one extra small collective per call.
    pub fn check_collectives(mut self, on: bool) -> GlooOptions {
        self.check_collectives = on;
        self
    }
}

impl ProcessGroup {
    /// `ProcessGroupGloo(store, rank, size, options)`: joins the group of `size` processes that
    /// rendezvous through `store`, as rank `rank`. Blocks until every rank joined, at most the
    /// options' timeout, which then bounds every collective of the group too.
    pub fn new_gloo(
        store: &Store,
        rank: usize,
        size: usize,
        options: &GlooOptions,
    ) -> Result<ProcessGroup> {
        ProcessGroup::new_gloo_checked_under(store, rank, size, options, "pg_wrapper")
    }

    /// [`ProcessGroup::new_gloo`], with the collective checks' helper group on the keys under
    /// `wrapper_prefix`.
    pub(crate) fn new_gloo_checked_under(
        store: &Store,
        rank: usize,
        size: usize,
        options: &GlooOptions,
        wrapper_prefix: &str,
    ) -> Result<ProcessGroup> {
        const OP: &str = "ProcessGroupGloo";
        let ms = millis(options.timeout, OP)?;
        let (rank, size) = match (i64::try_from(rank), i64::try_from(size)) {
            (Ok(r), Ok(s)) if s >= 1 && r < s => (r, s),
            _ => {
                return Err(Error::invalid(
                    OP,
                    format!("rank {rank} is not in a group of {size} ranks"),
                ))
            }
        };
        let threads =
            i64::try_from(options.threads).map_err(|_| Error::invalid(OP, "too many threads"))?;
        let env_ifname = std::env::var("GLOO_SOCKET_IFNAME").ok();
        let (hostname, interfaces) = match &options.device {
            GlooDevice::Hostname(h) => (Some(h.clone()), None),
            GlooDevice::Interfaces(names) => (None, Some(names.join(","))),
            GlooDevice::FromEnv => (None, env_ifname.filter(|s| !s.is_empty())),
        };
        let as_str = |s: &Option<String>| match s {
            Some(s) => sys::ltrs_str::from_str(s),
            None => sys::ltrs_str {
                data: std::ptr::null(),
                len: 0,
            },
        };
        let mut out = std::ptr::null_mut();
        // SAFETY: the store is live and the strings outlive the call.
        unsafe {
            check(
                raw::ltrs_gloo_new(
                    store.as_raw(),
                    rank,
                    size,
                    ms,
                    as_str(&hostname),
                    as_str(&interfaces),
                    threads,
                    if options.check_collectives {
                        sys::ltrs_str::from_str(wrapper_prefix)
                    } else {
                        as_str(&None)
                    },
                    &mut out,
                ),
                OP,
            )?
        };
        Ok(ProcessGroup {
            raw: out,
            rank,
            size,
            timeout_ms: ms,
        })
    }

    /// The raw handle, borrowed for one call of a dist.h function.
    pub(super) fn as_raw(&self) -> *const raw::ltrs_pg {
        self.raw
    }

    /// `group.rank()`: this process's rank in the group.
    pub fn rank(&self) -> usize {
        self.rank as usize
    }

    /// `group.size()`: the number of processes in the group.
    pub fn size(&self) -> usize {
        self.size as usize
    }

    /// The bound of every collective and of [`Work::wait`].
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms as u64)
    }

    /// The backend's name, `"gloo"`.
    pub fn backend_name(&self) -> Result<String> {
        let mut out = std::ptr::null_mut();
        // SAFETY: live handle; on success `out` is a malloc'ed NUL-terminated string, copied
        // then freed once.
        unsafe {
            check(raw::ltrs_pg_backend_name(self.raw, &mut out), "get_backend")?;
            let name = std::ffi::CStr::from_ptr(out).to_string_lossy().into_owned();
            raw::ltrs_dist_free(out.cast());
            Ok(name)
        }
    }

    fn work(
        &self,
        op: &'static str,
        average: Option<(Tensor, i64)>,
        start: impl FnOnce(*mut *mut raw::ltrs_work) -> *mut sys::ltrs_error,
    ) -> Result<Work> {
        let mut out = std::ptr::null_mut();
        // SAFETY: `start` calls one dist.h collective with this live group, borrowed tensor
        // handles that outlive the call (the work keeps its own references), and this
        // out-pointer.
        unsafe { check(start(&mut out), op)? };
        Ok(Work::new(out, self.timeout_ms, average, op))
    }

    fn check_rank(&self, r: usize, what: &str, op: &'static str) -> Result<i64> {
        match i64::try_from(r) {
            Ok(r) if r < self.size => Ok(r),
            _ => Err(Error::invalid(
                op,
                format!("{what} rank {r} is not in the group of {} ranks", self.size),
            )),
        }
    }

    /// `all_reduce(tensor, op, async_op=True)`.
    pub fn all_reduce_async(&self, tensor: &mut Tensor, op: ReduceOp) -> Result<Work> {
        const OP: &str = "all_reduce";
        check_cpu(tensor, OP)?;
        let average = self.average_of(tensor, op, OP)?;
        let t = tensor.as_raw();
        let pg = self.raw;
        // SAFETY (in `work`): `t` is borrowed from `tensor`, live for the call.
        self.work(OP, average, |out| unsafe {
            raw::ltrs_pg_allreduce(pg, t, op.code(), -1, out)
        })
    }

    /// `all_reduce(tensor, op)`: every rank's `tensor` becomes the reduction of all ranks'.
    pub fn all_reduce(&self, tensor: &mut Tensor, op: ReduceOp) -> Result<()> {
        self.all_reduce_async(tensor, op)?.wait()
    }

    /// `broadcast(tensor, src, async_op=True)`.
    pub fn broadcast_async(&self, tensor: &mut Tensor, src: usize) -> Result<Work> {
        const OP: &str = "broadcast";
        check_cpu(tensor, OP)?;
        let src = self.check_rank(src, "the source", OP)?;
        let (pg, t) = (self.raw, tensor.as_raw());
        // SAFETY: see `work`.
        self.work(OP, None, |out| unsafe {
            raw::ltrs_pg_broadcast(pg, t, src, -1, out)
        })
    }

    /// `broadcast(tensor, src)`: every rank's `tensor` becomes rank `src`'s.
    pub fn broadcast(&self, tensor: &mut Tensor, src: usize) -> Result<()> {
        self.broadcast_async(tensor, src)?.wait()
    }

    /// `reduce(tensor, dst, op, async_op=True)`.
    pub fn reduce_async(&self, tensor: &mut Tensor, dst: usize, op: ReduceOp) -> Result<Work> {
        const OP: &str = "reduce";
        check_cpu(tensor, OP)?;
        let dst = self.check_rank(dst, "the destination", OP)?;
        if op == ReduceOp::Avg {
            return Err(Error::invalid(
                OP,
                "ReduceOp::Avg is not supported by reduce on Gloo; use Sum and divide on the destination",
            ));
        }
        let (pg, t) = (self.raw, tensor.as_raw());
        // SAFETY: see `work`.
        self.work(OP, None, |out| unsafe {
            raw::ltrs_pg_reduce(pg, t, dst, op.code(), -1, out)
        })
    }

    /// `reduce(tensor, dst, op)`: rank `dst`'s `tensor` becomes the reduction of all ranks'
    /// (the others' may be used as scratch space, as in PyTorch).
    pub fn reduce(&self, tensor: &mut Tensor, dst: usize, op: ReduceOp) -> Result<()> {
        self.reduce_async(tensor, dst, op)?.wait()
    }

    /// `all_gather(tensor_list, tensor, async_op=True)`.
    pub fn all_gather_async(&self, tensor_list: &mut [Tensor], tensor: &Tensor) -> Result<Work> {
        const OP: &str = "all_gather";
        check_cpu(tensor, OP)?;
        for t in tensor_list.iter() {
            check_cpu(t, OP)?;
        }
        let handles: Vec<sys::ltrs_tensor> = tensor_list.iter().map(Tensor::as_raw).collect();
        let (pg, t) = (self.raw, tensor.as_raw());
        // SAFETY: see `work`; `handles` outlives the call.
        self.work(OP, None, |out| unsafe {
            raw::ltrs_pg_allgather(pg, sys::ltrs_tensor_list::new(&handles), t, -1, out)
        })
    }

    /// `all_gather(tensor_list, tensor)`: `tensor_list[r]` becomes rank `r`'s `tensor`, on
    /// every rank (one output per rank).
    pub fn all_gather(&self, tensor_list: &mut [Tensor], tensor: &Tensor) -> Result<()> {
        self.all_gather_async(tensor_list, tensor)?.wait()
    }

    /// `all_gather_into_tensor(output_tensor, input_tensor, async_op=True)`.
    pub fn all_gather_into_tensor_async(
        &self,
        output_tensor: &mut Tensor,
        input_tensor: &Tensor,
    ) -> Result<Work> {
        const OP: &str = "all_gather_into_tensor";
        check_cpu(output_tensor, OP)?;
        check_cpu(input_tensor, OP)?;
        let (pg, o, i) = (self.raw, output_tensor.as_raw(), input_tensor.as_raw());
        // SAFETY: see `work`.
        self.work(OP, None, |out| unsafe {
            raw::ltrs_pg_allgather_into_tensor(pg, o, i, -1, out)
        })
    }

    /// `all_gather_into_tensor(output_tensor, input_tensor)`: the ranks' inputs concatenated
    /// along dimension 0, in rank order.
    pub fn all_gather_into_tensor(
        &self,
        output_tensor: &mut Tensor,
        input_tensor: &Tensor,
    ) -> Result<()> {
        self.all_gather_into_tensor_async(output_tensor, input_tensor)?
            .wait()
    }

    /// `gather(tensor, gather_list, dst, async_op=True)`: `gather_list` (one tensor per rank)
    /// only on `dst`, `None` elsewhere.
    pub fn gather_async(
        &self,
        tensor: &Tensor,
        gather_list: Option<&mut [Tensor]>,
        dst: usize,
    ) -> Result<Work> {
        const OP: &str = "gather";
        check_cpu(tensor, OP)?;
        let dst = self.check_rank(dst, "the destination", OP)?;
        let handles: Vec<sys::ltrs_tensor> = match &gather_list {
            Some(list) => {
                for t in list.iter() {
                    check_cpu(t, OP)?;
                }
                list.iter().map(Tensor::as_raw).collect()
            }
            None => Vec::new(),
        };
        if (dst == self.rank) != gather_list.is_some() {
            return Err(Error::invalid(
                OP,
                format!("gather_list must be given on the destination rank {dst} and only there"),
            ));
        }
        let (pg, t) = (self.raw, tensor.as_raw());
        // SAFETY: see `work`; `handles` outlives the call.
        self.work(OP, None, |out| unsafe {
            raw::ltrs_pg_gather(pg, sys::ltrs_tensor_list::new(&handles), t, dst, -1, out)
        })
    }

    /// `gather(tensor, gather_list, dst)`: on `dst`, `gather_list[r]` becomes rank `r`'s
    /// `tensor`.
    pub fn gather(
        &self,
        tensor: &Tensor,
        gather_list: Option<&mut [Tensor]>,
        dst: usize,
    ) -> Result<()> {
        self.gather_async(tensor, gather_list, dst)?.wait()
    }

    /// `scatter(tensor, scatter_list, src, async_op=True)`: `scatter_list` (one tensor per rank)
    /// only on `src`, `None` elsewhere.
    pub fn scatter_async(
        &self,
        tensor: &mut Tensor,
        scatter_list: Option<&[Tensor]>,
        src: usize,
    ) -> Result<Work> {
        const OP: &str = "scatter";
        check_cpu(tensor, OP)?;
        let src = self.check_rank(src, "the source", OP)?;
        if (src == self.rank) != scatter_list.is_some() {
            return Err(Error::invalid(
                OP,
                format!("scatter_list must be given on the source rank {src} and only there"),
            ));
        }
        let handles: Vec<sys::ltrs_tensor> = match scatter_list {
            Some(list) => {
                for t in list {
                    check_cpu(t, OP)?;
                }
                list.iter().map(Tensor::as_raw).collect()
            }
            None => Vec::new(),
        };
        let (pg, t) = (self.raw, tensor.as_raw());
        // SAFETY: see `work`; `handles` outlives the call.
        self.work(OP, None, |out| unsafe {
            raw::ltrs_pg_scatter(pg, t, sys::ltrs_tensor_list::new(&handles), src, -1, out)
        })
    }

    /// `scatter(tensor, scatter_list, src)`: rank `r`'s `tensor` becomes `scatter_list[r]` of
    /// rank `src`.
    pub fn scatter(
        &self,
        tensor: &mut Tensor,
        scatter_list: Option<&[Tensor]>,
        src: usize,
    ) -> Result<()> {
        self.scatter_async(tensor, scatter_list, src)?.wait()
    }

    /// `reduce_scatter(output, input_list, op, async_op=True)`.
    pub fn reduce_scatter_async(
        &self,
        output: &mut Tensor,
        input_list: &[Tensor],
        op: ReduceOp,
    ) -> Result<Work> {
        const OP: &str = "reduce_scatter";
        check_cpu(output, OP)?;
        for t in input_list {
            check_cpu(t, OP)?;
        }
        let average = self.average_of(output, op, OP)?;
        let handles: Vec<sys::ltrs_tensor> = input_list.iter().map(Tensor::as_raw).collect();
        let (pg, o) = (self.raw, output.as_raw());
        // SAFETY: see `work`; `handles` outlives the call.
        self.work(OP, average, |out| unsafe {
            raw::ltrs_pg_reduce_scatter(
                pg,
                o,
                sys::ltrs_tensor_list::new(&handles),
                op.code(),
                -1,
                out,
            )
        })
    }

    /// `reduce_scatter(output, input_list, op)`: rank `r`'s `output` becomes the reduction over
    /// the ranks of their `input_list[r]`.
    pub fn reduce_scatter(
        &self,
        output: &mut Tensor,
        input_list: &[Tensor],
        op: ReduceOp,
    ) -> Result<()> {
        self.reduce_scatter_async(output, input_list, op)?.wait()
    }

    /// `reduce_scatter_tensor(output, input, op, async_op=True)`.
    pub fn reduce_scatter_tensor_async(
        &self,
        output: &mut Tensor,
        input: &Tensor,
        op: ReduceOp,
    ) -> Result<Work> {
        const OP: &str = "reduce_scatter_tensor";
        check_cpu(output, OP)?;
        check_cpu(input, OP)?;
        let average = self.average_of(output, op, OP)?;
        let (pg, o, i) = (self.raw, output.as_raw(), input.as_raw());
        // SAFETY: see `work`.
        self.work(OP, average, |out| unsafe {
            raw::ltrs_pg_reduce_scatter_tensor(pg, o, i, op.code(), -1, out)
        })
    }

    /// `reduce_scatter_tensor(output, input, op)`: `input` is the ranks' chunks concatenated
    /// along dimension 0; rank `r`'s `output` becomes the reduction of chunk `r`.
    pub fn reduce_scatter_tensor(
        &self,
        output: &mut Tensor,
        input: &Tensor,
        op: ReduceOp,
    ) -> Result<()> {
        self.reduce_scatter_tensor_async(output, input, op)?.wait()
    }

    /// `all_to_all_single(output, input, output_split_sizes, input_split_sizes,
    /// async_op=True)`.
    pub fn all_to_all_single_async(
        &self,
        output: &mut Tensor,
        input: &Tensor,
        output_split_sizes: Option<&[i64]>,
        input_split_sizes: Option<&[i64]>,
    ) -> Result<Work> {
        const OP: &str = "all_to_all_single";
        check_cpu(output, OP)?;
        check_cpu(input, OP)?;
        let outs = output_split_sizes.unwrap_or(&[]).to_vec();
        let ins = input_split_sizes.unwrap_or(&[]).to_vec();
        let (pg, o, i) = (self.raw, output.as_raw(), input.as_raw());
        // SAFETY: see `work`; the split lists outlive the call.
        self.work(OP, None, |out| unsafe {
            raw::ltrs_pg_alltoall_base(
                pg,
                o,
                i,
                sys::ltrs_int_list::new(&outs),
                sys::ltrs_int_list::new(&ins),
                -1,
                out,
            )
        })
    }

    /// `all_to_all_single(output, input, output_split_sizes, input_split_sizes)`: rank `r`
    /// sends the `j`-th slice of `input` (along dimension 0; even slices when the sizes are
    /// `None`) to rank `j`, and receives rank `j`'s `r`-th slice into the `j`-th slice of
    /// `output`.
    pub fn all_to_all_single(
        &self,
        output: &mut Tensor,
        input: &Tensor,
        output_split_sizes: Option<&[i64]>,
        input_split_sizes: Option<&[i64]>,
    ) -> Result<()> {
        self.all_to_all_single_async(output, input, output_split_sizes, input_split_sizes)?
            .wait()
    }

    /// `barrier(async_op=True)`.
    pub fn barrier_async(&self) -> Result<Work> {
        let pg = self.raw;
        // SAFETY: see `work`.
        self.work("barrier", None, |out| unsafe {
            raw::ltrs_pg_barrier(pg, -1, out)
        })
    }

    /// `barrier()`: returns once every rank called it (or fails after the timeout).
    pub fn barrier(&self) -> Result<()> {
        self.barrier_async()?.wait()
    }

    /// `isend(tensor, dst, tag)`.
    pub fn isend(&self, tensor: &Tensor, dst: usize, tag: u32) -> Result<Work> {
        const OP: &str = "send";
        check_cpu(tensor, OP)?;
        let dst = self.check_rank(dst, "the destination", OP)?;
        let (pg, t) = (self.raw, tensor.as_raw());
        // SAFETY: see `work`.
        self.work(OP, None, |out| unsafe {
            raw::ltrs_pg_send(pg, t, dst, i64::from(tag), out)
        })
    }

    /// `send(tensor, dst, tag)`: blocks until the data left (at most the timeout).
    pub fn send(&self, tensor: &Tensor, dst: usize, tag: u32) -> Result<()> {
        self.isend(tensor, dst, tag)?.wait()
    }

    /// `irecv(tensor, src, tag)`.
    pub fn irecv(&self, tensor: &mut Tensor, src: usize, tag: u32) -> Result<Work> {
        const OP: &str = "recv";
        check_cpu(tensor, OP)?;
        let src = self.check_rank(src, "the source", OP)?;
        let (pg, t) = (self.raw, tensor.as_raw());
        // SAFETY: see `work`.
        self.work(OP, None, |out| unsafe {
            raw::ltrs_pg_recv(pg, t, src, i64::from(tag), out)
        })
    }

    /// `recv(tensor, src, tag)`: fills `tensor` with what rank `src` sent with the same tag;
    /// returns the sender's rank.
    pub fn recv(&self, tensor: &mut Tensor, src: usize, tag: u32) -> Result<usize> {
        self.irecv(tensor, src, tag)?.wait()?;
        Ok(src)
    }

    fn average_of(
        &self,
        output: &Tensor,
        op: ReduceOp,
        name: &'static str,
    ) -> Result<Option<(Tensor, i64)>> {
        if op != ReduceOp::Avg {
            return Ok(None);
        }
        let kind = output.f_kind()?;
        if !(kind.is_floating_point() || kind.is_complex()) {
            return Err(Error::invalid(
                name,
                format!("ReduceOp::Avg needs a floating-point or complex tensor, got {kind:?}"),
            ));
        }
        Ok(Some((output.shallow_clone(), self.size)))
    }
}
