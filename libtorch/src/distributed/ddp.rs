//! `torch.nn.parallel.DistributedDataParallel` on c10d's own `Reducer`.
//!
//! # Why c10d's Reducer, not home-made hooks
//!
//! libtorch_cpu.so exports the `Reducer` PyTorch's DDP runs on (its constructor,
//! `prepare_for_forward`, `prepare_for_backward`, `rebuild_buckets`), and its header needs no
//! Gloo. Using it gives PyTorch's behaviour rather than a copy of it: gradient-accumulator hooks
//! that launch a bucket's all-reduce as soon as its last gradient arrives (so communication
//! overlaps the rest of backward), the division by the world size (DDP averages), buckets rebuilt
//! in gradient order after the first iteration, the wait at the end of backward, unused
//! parameters (`find_unused_parameters`) and PyTorch's error messages when a parameter got no
//! gradient. The shim (libtorch-sys/shim/dist/reducer.cpp) only wraps the Gloo backend in the
//! `c10d::ProcessGroup` the Reducer dispatches through.
use super::{default_group, ProcessGroup};
use crate::error::{check, Error, Result};
use crate::nn::{Module, Slot};
use crate::Tensor;
use libtorch_sys as sys;
use libtorch_sys::dist as raw;
use std::cell::Cell;
use std::sync::Arc;

/// `DistributedDataParallel`'s `broadcast_bucket_size` (250 MiB) for parameters and buffers.
const BROADCAST_BUCKET_BYTES: i64 = 250 * 1024 * 1024;

/// The keyword arguments of `DistributedDataParallel(module, ...)`, with PyTorch's defaults.
#[derive(Clone, Default)]
pub struct DdpOptions {
    process_group: Option<Arc<ProcessGroup>>,
    no_broadcast_buffers: bool,
    bucket_cap_mb: Option<f64>,
    find_unused_parameters: bool,
    gradient_as_bucket_view: bool,
    static_graph: bool,
}

impl DdpOptions {
    /// `process_group=` (default: the group of [`init_process_group`](super::init_process_group)).
    pub fn process_group(mut self, group: Arc<ProcessGroup>) -> DdpOptions {
        self.process_group = Some(group);
        self
    }

    /// `broadcast_buffers=` (default true): rank 0's buffers are copied to every rank before
    /// each forward in training (BatchNorm's running statistics).
    pub fn broadcast_buffers(mut self, on: bool) -> DdpOptions {
        self.no_broadcast_buffers = !on;
        self
    }

    /// `bucket_cap_mb=` (default 25): the size of a gradient bucket, in MiB.
    pub fn bucket_cap_mb(mut self, mb: f64) -> DdpOptions {
        self.bucket_cap_mb = Some(mb);
        self
    }

    /// `find_unused_parameters=` (default false): after each forward, walk the output's graph to
    /// find parameters that will get no gradient, and mark them ready so the reduction does not
    /// wait for them (their gradient stays as it was). Without it, a parameter that got no
    /// gradient makes the next forward fail with PyTorch's "Expected to have finished reduction
    /// in the prior iteration" error.
    pub fn find_unused_parameters(mut self, on: bool) -> DdpOptions {
        self.find_unused_parameters = on;
        self
    }

    /// `gradient_as_bucket_view=` (default false): gradients are views into the buckets, which
    /// saves a copy and memory.
    pub fn gradient_as_bucket_view(mut self, on: bool) -> DdpOptions {
        self.gradient_as_bucket_view = on;
        self
    }

    /// `static_graph=` (default false): promises that every iteration uses the same parameters
    /// in the same order. The first backward then reduces every gradient at its end (finding
    /// unused parameters by itself, with no graph walk), and later ones overlap as usual; the
    /// gradients are the same as without it.
    pub fn static_graph(mut self, on: bool) -> DdpOptions {
        self.static_graph = on;
        self
    }
}

/// An owned c10d Reducer.
pub(super) struct Reducer(pub(super) *mut raw::ltrs_reducer);

impl Drop for Reducer {
    fn drop(&mut self) {
        // SAFETY: an owned handle freed exactly once, here; this removes its autograd hooks.
        unsafe { raw::ltrs_reducer_free(self.0) }
    }
}

/// `torch.nn.parallel.DistributedDataParallel`: data-parallel training of `module` across the
/// ranks of a process group, one model replica per process.
///
/// At construction, every rank's parameters and buffers become rank 0's (and a rank whose
/// parameter shapes differ fails). In training, `backward` on a loss computed from
/// [`forward`](Module::forward)'s output leaves in every parameter's `grad` the **average** over
/// the ranks of their gradients: gradients are all-reduced in buckets while backward runs, and
/// the backward call returns once the reduction finished. Each rank then runs the same optimizer
/// step, so the replicas stay identical. With the same batch size on every rank, a step equals
/// one single-process step on all the ranks' batches concatenated (with a mean-reduced loss).
///
/// It is itself a [`Module`] whose tensors are named `module.` + the wrapped module's names, as
/// in PyTorch (`state_dict` keys); [`module`](Self::module) gives the wrapped one.
///
/// ```no_run
/// use libtorch::distributed::{self as dist, DdpOptions, DistributedDataParallel, InitOptions};
/// use libtorch::nn::{self, Module};
/// use libtorch::optim::{Optimizer, Sgd};
/// use libtorch::Tensor;
/// # fn main() -> libtorch::Result<()> {
/// dist::init_process_group("gloo", InitOptions::default())?; // torchrun's environment
/// let model = DistributedDataParallel::new(nn::Linear::new(4, 2), DdpOptions::default())?;
/// let mut opt = Sgd::new(model.parameters(), 0.1);
/// let (x, y) = (Tensor::randn(&[8, 4]), Tensor::randn(&[8, 2])); // this rank's batch
/// opt.zero_grad();
/// let loss = model.forward(&x).mse_loss(&y);
/// loss.backward(); // gradients averaged over the ranks
/// opt.step()?;
/// dist::destroy_process_group()?;
/// # Ok(()) }
/// ```
pub struct DistributedDataParallel<M: Module> {
    module: M,
    group: Arc<ProcessGroup>,
    pub(super) reducer: Reducer,
    broadcast_buffers: bool,
    find_unused_parameters: bool,
    static_graph: bool,
    /// `require_backward_grad_sync`: false inside [`no_sync`](Self::no_sync).
    sync: Cell<bool>,
    /// `require_forward_param_sync`: whether the last forward synchronized (then buffers are
    /// broadcast before the next one).
    forward_sync: Cell<bool>,
}

const NEW: &str = "DistributedDataParallel";

fn list(tensors: &[Tensor]) -> Vec<sys::ltrs_tensor> {
    tensors.iter().map(Tensor::as_raw).collect()
}

impl<M: Module> DistributedDataParallel<M> {
    /// `DistributedDataParallel(module, process_group=..., ...)`: wraps `module`, broadcasting
    /// rank 0's parameters and buffers to every rank. A collective: every rank of the group
    /// calls it, with the same architecture.
    pub fn new(module: M, options: DdpOptions) -> Result<DistributedDataParallel<M>> {
        let group = match options.process_group {
            Some(g) => g,
            None => default_group().map_err(|e| e.in_call(NEW))?,
        };
        let mb = options.bucket_cap_mb.unwrap_or(25.0);
        if !(mb.is_finite() && mb > 0.0) {
            return Err(Error::invalid(
                NEW,
                format!("bucket_cap_mb must be positive, got {mb}"),
            ));
        }
        let cap = (mb * 1024.0 * 1024.0) as i64;
        let mut params = Vec::new();
        let mut names = Vec::new();
        let mut states = Vec::new();
        let mut bad = None;
        module.visit(&mut |name, slot, t| {
            if !t.defined() || t.f_device().map_or(true, |d| d != crate::Device::Cpu) {
                bad.get_or_insert_with(|| name.to_owned());
                return;
            }
            states.push(t.clone());
            if slot == Slot::Parameter && t.requires_grad() {
                params.push(t.clone());
                names.push(name.to_owned());
            }
        });
        if let Some(name) = bad {
            return Err(Error::invalid(
                NEW,
                format!("{name} is not a defined CPU tensor (the Gloo group takes CPU tensors)"),
            ));
        }
        if params.is_empty() {
            return Err(Error::invalid(
                NEW,
                "the module has no parameter that requires a gradient",
            ));
        }
        let handles = list(&params);
        let name_strs: Vec<sys::ltrs_str> =
            names.iter().map(|n| sys::ltrs_str::from_str(n)).collect();
        let mut out = std::ptr::null_mut();
        // SAFETY: live group; the tensor and string lists outlive the call (the Reducer keeps
        // its own references to the parameters).
        unsafe {
            check(
                raw::ltrs_reducer_new(
                    group.as_raw(),
                    sys::ltrs_tensor_list::new(&handles),
                    sys::ltrs_str_list::new(&name_strs),
                    cap,
                    options.bucket_cap_mb.is_none(),
                    options.find_unused_parameters,
                    options.gradient_as_bucket_view,
                    options.static_graph,
                    &mut out,
                ),
                NEW,
            )?
        };
        let reducer = Reducer(out);
        // _sync_module_states: parameters then buffers, from rank 0, once the Reducer's
        // construction checked that every rank has the same parameter shapes.
        broadcast_coalesced(&group, &states)?;
        Ok(DistributedDataParallel {
            module,
            group,
            reducer,
            broadcast_buffers: !options.no_broadcast_buffers,
            find_unused_parameters: options.find_unused_parameters,
            static_graph: options.static_graph,
            sync: Cell::new(true),
            forward_sync: Cell::new(true),
        })
    }

    /// The wrapped module (`ddp.module`).
    pub fn module(&self) -> &M {
        &self.module
    }

    /// The wrapped module, mutably.
    pub fn module_mut(&mut self) -> &mut M {
        &mut self.module
    }

    /// `no_sync()`: while the returned guard lives, forwards do not arm the gradient reduction,
    /// so backward only accumulates local gradients (gradient accumulation). The first forward
    /// and backward after the guard is dropped reduce the accumulated sum.
    ///
    /// ```no_run
    /// # use libtorch::distributed::DistributedDataParallel;
    /// # use libtorch::{nn::{Linear, Module}, Tensor};
    /// # fn f(ddp: &DistributedDataParallel<Linear>, micro: &[Tensor], last: &Tensor) {
    /// {
    ///     let _guard = ddp.no_sync();
    ///     for x in micro {
    ///         ddp.forward(x).sum().backward(); // local accumulation only
    ///     }
    /// }
    /// ddp.forward(last).sum().backward(); // reduces everything accumulated
    /// # }
    /// ```
    pub fn no_sync(&self) -> NoSync<'_> {
        NoSync {
            flag: &self.sync,
            previous: self.sync.replace(false),
        }
    }

    /// The wrapped module, unwrapped.
    pub fn into_inner(self) -> M {
        self.module
    }

    fn pre_forward(&self) -> Result<()> {
        const OP: &str = "DistributedDataParallel.forward";
        let grad = crate::is_grad_enabled();
        if grad && self.sync.get() {
            // SAFETY: live reducer.
            unsafe { check(raw::ltrs_reducer_prepare_for_forward(self.reducer.0), OP)? };
        }
        if grad {
            let mut rebuilt = false;
            // SAFETY: live reducer, valid out-pointer.
            unsafe {
                check(
                    raw::ltrs_reducer_rebuild_buckets(self.reducer.0, &mut rebuilt),
                    OP,
                )?
            };
        }
        if self.forward_sync.get() && self.broadcast_buffers {
            let buffers: Vec<Tensor> = self
                .module
                .named_buffers()
                .into_iter()
                .map(|(_, t)| t)
                .collect();
            if !buffers.is_empty() {
                broadcast_coalesced(&self.group, &buffers).map_err(|e| e.in_call(OP))?;
            }
        }
        Ok(())
    }

    fn post_forward(&self, output: Tensor) -> Result<Tensor> {
        const OP: &str = "DistributedDataParallel.forward";
        if crate::is_grad_enabled() && self.sync.get() {
            self.forward_sync.set(true);
            // A static graph needs no graph walk to find unused parameters.
            let roots = if self.find_unused_parameters && !self.static_graph {
                vec![output.as_raw()]
            } else {
                Vec::new()
            };
            // SAFETY: live reducer; `roots` borrows `output` for the call.
            unsafe {
                check(
                    raw::ltrs_reducer_prepare_for_backward(
                        self.reducer.0,
                        sys::ltrs_tensor_list::new(&roots),
                    ),
                    OP,
                )?
            };
        } else {
            self.forward_sync.set(false);
        }
        if !self.static_graph {
            return Ok(output);
        }
        // static_graph: until the first backward, the output passes through _DDPSink, whose
        // gradient queues the Reducer's delayed all-reduce of that first iteration.
        let mut out = std::ptr::null_mut();
        // SAFETY: live reducer and output; `out` receives a new reference, owned below.
        unsafe {
            check(
                raw::ltrs_reducer_static_graph_sink(self.reducer.0, output.as_raw(), &mut out),
                OP,
            )?;
            Ok(Tensor::from_raw(out))
        }
    }
}

/// `c10d::broadcast_coalesced` from rank 0 (`_broadcast_coalesced`).
fn broadcast_coalesced(group: &ProcessGroup, tensors: &[Tensor]) -> Result<()> {
    let handles = list(tensors);
    // SAFETY: live group; the handles outlive the call, which completes the broadcast.
    unsafe {
        check(
            raw::ltrs_broadcast_coalesced(
                group.as_raw(),
                sys::ltrs_tensor_list::new(&handles),
                BROADCAST_BUCKET_BYTES,
                0,
            ),
            NEW,
        )
    }
}

/// The guard of [`DistributedDataParallel::no_sync`]: restores gradient synchronization when
/// dropped.
#[must_use = "no_sync lasts as long as the guard: bind it with `let _guard = ...`"]
pub struct NoSync<'a> {
    flag: &'a Cell<bool>,
    previous: bool,
}

impl Drop for NoSync<'_> {
    fn drop(&mut self) {
        self.flag.set(self.previous);
    }
}

impl<M: Module> Module for DistributedDataParallel<M> {
    /// `ddp(xs)`: the wrapped module's forward, arming the gradient reduction in training (with
    /// grad mode on and outside [`no_sync`](DistributedDataParallel::no_sync)).
    fn f_forward(&self, xs: &Tensor) -> Result<Tensor> {
        self.pre_forward()?;
        let out = self.module.f_forward(xs)?;
        self.post_forward(out)
    }

    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        self.module
            .visit(&mut |name, slot, t| f(&format!("module.{name}"), slot, t));
    }

    fn set_training(&mut self, training: bool) {
        self.module.set_training(training)
    }

    fn is_training(&self) -> bool {
        self.module.is_training()
    }
}
