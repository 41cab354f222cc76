//! Automatic differentiation: grad mode, `backward`, `grad` (also of higher order), tensor
//! gradients, anomaly detection, and custom autograd functions written in Rust.
//!
//! ```
//! use libtorch::Tensor;
//! // d/dx of x³ at 2 is 3·2² = 12.
//! let x = Tensor::from_slice(&[2.0f64]).set_requires_grad(true);
//! let y = &(&x * &x) * &x;
//! y.backward();
//! assert_eq!(x.grad().to_vec::<f64>().unwrap(), [12.0]);
//! ```
use crate::callback;
use crate::error::{check, unwrap, Error, Result};
use crate::Tensor;
use libtorch_sys as sys;
use std::ffi::{c_char, c_void};
use std::marker::PhantomData;

/// Whether operations on this thread are recorded for autograd (`torch.is_grad_enabled()`).
///
/// Grad mode is per thread, as in PyTorch; new threads start with it on.
pub fn is_grad_enabled() -> bool {
    // SAFETY: reads a thread-local flag; cannot fail.
    unsafe { sys::autograd::ltrs_grad_mode_is_enabled() }
}

/// Turns grad mode on or off for this thread (`torch.set_grad_enabled(b)`) and returns the
/// previous setting. Prefer [`no_grad`] / [`NoGradGuard`], which restore it.
pub fn set_grad_enabled(enabled: bool) -> bool {
    let prev = is_grad_enabled();
    // SAFETY: sets a thread-local flag; cannot fail.
    unsafe { sys::autograd::ltrs_grad_mode_set_enabled(enabled) };
    prev
}

/// Restores this thread's grad mode when dropped; made by [`NoGradGuard::new`] or
/// [`GradModeGuard::new`].
///
/// It is neither `Send` nor `Sync`: grad mode is per thread (`c10::AutoGradMode`), so the guard
/// must be dropped on the thread that made it.
#[must_use = "grad mode is restored as soon as the guard is dropped"]
pub struct GradModeGuard {
    prev: bool,
    _not_send: PhantomData<*const ()>,
}

impl GradModeGuard {
    /// Sets grad mode to `enabled` on this thread until the guard is dropped.
    pub fn new(enabled: bool) -> GradModeGuard {
        GradModeGuard {
            prev: set_grad_enabled(enabled),
            _not_send: PhantomData,
        }
    }
}

impl Drop for GradModeGuard {
    fn drop(&mut self) {
        set_grad_enabled(self.prev);
    }
}

/// Turns grad mode off on this thread until dropped (`torch.no_grad()` as a context manager).
///
/// ```
/// use libtorch::{NoGradGuard, Tensor};
/// let x = Tensor::from_slice(&[1.0f32]).set_requires_grad(true);
/// {
///     let _guard = NoGradGuard::new();
///     assert!(!(&x * 2.0f64).requires_grad());
/// }
/// assert!((&x * 2.0f64).requires_grad());
/// ```
pub struct NoGradGuard(#[allow(dead_code)] GradModeGuard);

impl NoGradGuard {
    /// Turns grad mode off until the guard is dropped.
    #[allow(clippy::new_without_default)]
    pub fn new() -> NoGradGuard {
        NoGradGuard(GradModeGuard::new(false))
    }
}

/// Runs `f` with grad mode off (`with torch.no_grad(): ...`), restoring it afterwards (also if
/// `f` panics).
///
/// ```
/// let x = libtorch::Tensor::from_slice(&[1.0f32]).set_requires_grad(true);
/// let y = libtorch::no_grad(|| &x + 1.0f64);
/// assert!(!y.requires_grad());
/// ```
pub fn no_grad<T>(f: impl FnOnce() -> T) -> T {
    let _guard = GradModeGuard::new(false);
    f()
}

/// Runs `f` with grad mode on (`with torch.enable_grad(): ...`), e.g. inside [`no_grad`].
pub fn enable_grad<T>(f: impl FnOnce() -> T) -> T {
    let _guard = GradModeGuard::new(true);
    f()
}

/// Whether anomaly detection is on (`torch.is_anomaly_enabled()`).
pub fn is_anomaly_enabled() -> bool {
    // SAFETY: reads a global flag; cannot fail.
    unsafe { sys::autograd::ltrs_anomaly_mode_is_enabled() }
}

/// Turns anomaly detection on or off, process-wide (`torch.autograd.set_detect_anomaly`):
/// backward then checks for NaN gradients and reports the forward operation that made them.
pub fn set_detect_anomaly(enabled: bool) {
    // SAFETY: sets a global flag; cannot fail.
    unsafe { sys::autograd::ltrs_anomaly_mode_set_enabled(enabled) }
}

fn raw_list(ts: &[&Tensor]) -> Vec<sys::ltrs_tensor> {
    ts.iter().map(|t| t.as_raw()).collect()
}

fn opt_raw_list(ts: &[Option<&Tensor>]) -> Vec<sys::ltrs_tensor> {
    ts.iter()
        .map(|t| t.map_or(std::ptr::null_mut(), |t| t.as_raw()))
        .collect()
}

/// Takes over the tensors of a vector a shim returned and frees its array.
///
/// # Safety
/// `v` must come from a successful shim call and not be used again.
pub(crate) unsafe fn take_vec(v: sys::ltrs_tensor_vec) -> Vec<Tensor> {
    let len = usize::try_from(v.len).unwrap_or(0);
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        // SAFETY: the shim wrote `len` owned handles to `data`; each is taken over exactly once.
        out.push(unsafe { Tensor::from_raw(*v.data.add(i)) });
    }
    // SAFETY: the array came from the shim's malloc; its elements now belong to `out`.
    unsafe { sys::ltrs_tensor_vec_free(v) };
    out
}

/// Computes the gradients of `tensors` with respect to the graph leaves and accumulates them into
/// the leaves' `.grad` (`torch.autograd.backward`).
///
/// `grad_tensors` is empty (every tensor must then hold one element) or has one entry per tensor
/// (`None` for one-element tensors). `retain_graph: None` means "same as `create_graph`".
#[track_caller]
pub fn backward(
    tensors: &[&Tensor],
    grad_tensors: &[Option<&Tensor>],
    retain_graph: Option<bool>,
    create_graph: bool,
) -> Result<()> {
    if !grad_tensors.is_empty() && grad_tensors.len() != tensors.len() {
        return Err(Error::invalid(
            "backward",
            format!(
                "{} gradients given for {} tensors",
                grad_tensors.len(),
                tensors.len()
            ),
        ));
    }
    let ts = raw_list(tensors);
    let gs = opt_raw_list(grad_tensors);
    let retain = match retain_graph {
        None => -1,
        Some(b) => b as i8,
    };
    // SAFETY: both lists borrow live handles (or null) for the duration of the call.
    unsafe {
        check(
            sys::autograd::ltrs_autograd_backward(
                sys::ltrs_tensor_list::new(&ts),
                sys::ltrs_tensor_list::new(&gs),
                retain,
                create_graph,
            ),
            "backward",
        )
    }
}

/// The gradients of `outputs` with respect to `inputs`, returned rather than accumulated
/// (`torch.autograd.grad`).
///
/// `grad_outputs` is empty (every output must then hold one element) or has one tensor per output.
/// With `create_graph` the result is itself differentiable (for higher-order derivatives); the
/// graph is then kept as well, as `retain_graph` does. With `allow_unused`, an input the outputs
/// do not depend on gets an undefined tensor (see [`Tensor::defined`]) instead of an error.
///
/// ```
/// use libtorch::{autograd, Tensor};
/// let x = Tensor::from_slice(&[2.0f64]).set_requires_grad(true);
/// let y = &(&x * &x) * &x; // x³
/// let dy = &autograd::grad(&[&y], &[&x], &[], true, true, false).unwrap()[0]; // 3x²
/// let d2y = &autograd::grad(&[dy], &[&x], &[], false, false, false).unwrap()[0]; // 6x
/// assert_eq!(dy.double_value(), 12.0);
/// assert_eq!(d2y.double_value(), 12.0);
/// ```
#[track_caller]
pub fn grad(
    outputs: &[&Tensor],
    inputs: &[&Tensor],
    grad_outputs: &[&Tensor],
    retain_graph: bool,
    create_graph: bool,
    allow_unused: bool,
) -> Result<Vec<Tensor>> {
    if !grad_outputs.is_empty() && grad_outputs.len() != outputs.len() {
        return Err(Error::invalid(
            "grad",
            format!(
                "{} grad_outputs given for {} outputs",
                grad_outputs.len(),
                outputs.len()
            ),
        ));
    }
    let os = raw_list(outputs);
    let is = raw_list(inputs);
    let gs = raw_list(grad_outputs);
    let mut out = sys::ltrs_tensor_vec {
        data: std::ptr::null_mut(),
        len: 0,
    };
    // SAFETY: the lists borrow live handles for the call; `out` is a valid out-pointer whose
    // contents are taken over once, only on success.
    unsafe {
        check(
            sys::autograd::ltrs_autograd_grad(
                sys::ltrs_tensor_list::new(&os),
                sys::ltrs_tensor_list::new(&is),
                sys::ltrs_tensor_list::new(&gs),
                (retain_graph || create_graph) as i8,
                create_graph,
                allow_unused,
                &mut out,
            ),
            "grad",
        )?;
        Ok(take_vec(out))
    }
}

impl Tensor {
    /// Sets whether autograd records operations on this tensor (`t.requires_grad_(b)`), and
    /// returns the same tensor, for chaining: `Tensor::from_slice(&[1.0]).set_requires_grad(true)`.
    ///
    /// The flag belongs to the tensor, so every handle to it sees the change. Panics where
    /// PyTorch raises (e.g. on a non-leaf tensor, or an integer tensor); see
    /// [`Tensor::f_set_requires_grad`].
    #[track_caller]
    pub fn set_requires_grad(self, requires_grad: bool) -> Tensor {
        unwrap(self.f_set_requires_grad(requires_grad))
    }

    /// [`Tensor::set_requires_grad`], returning an error where PyTorch raises.
    #[track_caller]
    pub fn f_set_requires_grad(self, requires_grad: bool) -> Result<Tensor> {
        // SAFETY: `self` is a live handle (or null, which the shim rejects).
        unsafe {
            check(
                sys::autograd::ltrs_tensor_set_requires_grad(self.as_raw(), requires_grad),
                "set_requires_grad",
            )?
        };
        Ok(self)
    }

    /// The accumulated gradient (`t.grad`); an undefined tensor when there is none yet.
    #[track_caller]
    pub fn grad(&self) -> Tensor {
        unwrap(self.f_grad())
    }

    /// [`Tensor::grad`], or an error for an undefined tensor.
    #[track_caller]
    pub fn f_grad(&self) -> Result<Tensor> {
        let mut out = std::ptr::null_mut();
        // SAFETY: live handle, valid out-pointer; the result owns one reference.
        unsafe {
            check(
                sys::autograd::ltrs_tensor_grad(self.as_raw(), &mut out),
                "grad",
            )?;
            Ok(Tensor::from_raw(out))
        }
    }

    /// Replaces the gradient (`t.grad = g`; `None` clears it, like `t.grad = None`).
    #[track_caller]
    pub fn f_set_grad(&mut self, grad: Option<&Tensor>) -> Result<()> {
        let g = grad.map_or(std::ptr::null_mut(), |g| g.as_raw());
        // SAFETY: both handles are live (or null) for the call; the shim takes its own reference.
        unsafe {
            check(
                sys::autograd::ltrs_tensor_set_grad(self.as_raw(), g),
                "set_grad",
            )
        }
    }

    /// Zeroes the accumulated gradient in place (detaching it from any graph), if there is one;
    /// panics on an undefined tensor (see [`Tensor::f_zero_grad`]).
    #[track_caller]
    pub fn zero_grad(&mut self) {
        unwrap(self.f_zero_grad())
    }

    /// [`Tensor::zero_grad`], or an error for an undefined tensor.
    #[track_caller]
    pub fn f_zero_grad(&mut self) -> Result<()> {
        // SAFETY: live handle (or null, which the shim rejects with an error).
        unsafe {
            check(
                sys::autograd::ltrs_tensor_zero_grad(self.as_raw()),
                "zero_grad",
            )
        }
    }

    /// The name of the autograd node that made this tensor (`t.grad_fn.name()`, e.g.
    /// `"MulBackward0"`), or `None` for a leaf or a tensor made without grad.
    #[track_caller]
    pub fn grad_fn_name(&self) -> Option<String> {
        let mut buf = [0u8; 256];
        // SAFETY: `buf` has room for `cap` bytes; the shim writes a NUL-terminated string.
        unwrap(unsafe {
            check(
                sys::autograd::ltrs_tensor_grad_fn_name(
                    self.as_raw(),
                    buf.as_mut_ptr().cast::<c_char>(),
                    buf.len() as i64,
                ),
                "grad_fn",
            )
        });
        let n = buf.iter().position(|&b| b == 0).unwrap_or(0);
        (n > 0).then(|| String::from_utf8_lossy(&buf[..n]).into_owned())
    }

    /// Computes the gradient of this one-element tensor with respect to the graph leaves and
    /// accumulates it into their `.grad` (`t.backward()`); panics where PyTorch raises.
    #[track_caller]
    pub fn backward(&self) {
        unwrap(self.backward_with(None, false, false))
    }

    /// `t.backward(gradient, retain_graph, create_graph)`: `gradient` is required unless the
    /// tensor holds one element; `retain_graph` keeps the graph for another backward;
    /// `create_graph` records the backward pass itself (for higher-order gradients).
    pub fn backward_with(
        &self,
        gradient: Option<&Tensor>,
        retain_graph: bool,
        create_graph: bool,
    ) -> Result<()> {
        let grads: &[Option<&Tensor>] = match gradient {
            Some(_) => std::slice::from_ref(&gradient),
            None => &[],
        };
        backward(
            &[self],
            grads,
            Some(retain_graph || create_graph),
            create_graph,
        )
    }
}

/// The context of one application of a custom [`Function`]: tensors saved in `forward` for
/// `backward`, and what autograd needs to know about the outputs. Only valid during the callback.
pub struct Ctx<'a> {
    raw: *mut sys::autograd::ltrs_autograd_ctx,
    _life: PhantomData<&'a mut ()>,
}

impl Ctx<'_> {
    /// Saves tensors (inputs or outputs) for `backward` (`ctx.save_for_backward(...)`); call it
    /// once in `forward`. Saving through the context, rather than in the function's own fields,
    /// avoids a reference cycle when an output is saved, and detects in-place modification.
    #[track_caller]
    pub fn save_for_backward(&mut self, tensors: &[&Tensor]) -> Result<()> {
        let raw = raw_list(tensors);
        // SAFETY: `self.raw` is the live context of the running callback; the list borrows live
        // handles for the call.
        unsafe {
            check(
                sys::autograd::ltrs_autograd_ctx_save_for_backward(
                    self.raw,
                    sys::ltrs_tensor_list::new(&raw),
                ),
                "save_for_backward",
            )
        }
    }

    /// The tensors saved in `forward` (`ctx.saved_tensors`), for use in `backward`.
    #[track_caller]
    pub fn saved_tensors(&self) -> Result<Vec<Tensor>> {
        let mut out = sys::ltrs_tensor_vec {
            data: std::ptr::null_mut(),
            len: 0,
        };
        // SAFETY: live context; `out` is taken over once, only on success.
        unsafe {
            check(
                sys::autograd::ltrs_autograd_ctx_saved_tensors(self.raw, &mut out),
                "saved_tensors",
            )?;
            Ok(take_vec(out))
        }
    }

    /// Marks outputs as not differentiable (`ctx.mark_non_differentiable`); call in `forward`.
    #[track_caller]
    pub fn mark_non_differentiable(&mut self, outputs: &[&Tensor]) -> Result<()> {
        let raw = raw_list(outputs);
        // SAFETY: live context; the list borrows live handles for the call.
        unsafe {
            check(
                sys::autograd::ltrs_autograd_ctx_mark_non_differentiable(
                    self.raw,
                    sys::ltrs_tensor_list::new(&raw),
                ),
                "mark_non_differentiable",
            )
        }
    }

    /// Whether input `i` needs a gradient (`ctx.needs_input_grad[i]`); valid in `backward`.
    #[track_caller]
    pub fn needs_input_grad(&self, i: usize) -> Result<bool> {
        let mut b = false;
        // SAFETY: live context, valid out-pointer.
        unsafe {
            check(
                sys::autograd::ltrs_autograd_ctx_needs_input_grad(self.raw, i as i64, &mut b),
                "needs_input_grad",
            )?
        };
        Ok(b)
    }
}

/// A custom autograd function (`torch.autograd.Function`) implemented in Rust.
///
/// [`apply`] runs `forward` once, with grad mode off, and records one graph node; autograd calls
/// `backward` with one gradient per output and expects one gradient per input (an undefined
/// [`Tensor::default`] where an input gets none). A panic in either method is caught and becomes
/// an [`Error::CallbackPanic`] of the call that ran it (`apply`, or the `backward` that reached
/// the node); it never unwinds through libtorch.
///
/// ```
/// use libtorch::autograd::{self, Ctx, Function};
/// use libtorch::{Result, Tensor};
///
/// /// y = x², with d/dx = 2x.
/// struct Square;
/// impl Function for Square {
///     fn forward(&mut self, ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
///         ctx.save_for_backward(&[&inputs[0]])?;
///         Ok(vec![&inputs[0] * &inputs[0]])
///     }
///     fn backward(&self, ctx: &mut Ctx, grads: &[Tensor]) -> Result<Vec<Tensor>> {
///         let x = &ctx.saved_tensors()?[0];
///         Ok(vec![&(x * 2.0f64) * &grads[0]])
///     }
/// }
///
/// let x = Tensor::from_slice(&[3.0f64]).set_requires_grad(true);
/// let y = &autograd::apply(Square, &[&x]).unwrap()[0];
/// y.backward();
/// assert_eq!(x.grad().double_value(), 6.0);
/// ```
pub trait Function: Send + Sync + 'static {
    /// Computes the outputs (all defined tensors) from the inputs.
    fn forward(&mut self, ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>>;
    /// Computes one gradient per input from one gradient per output.
    fn backward(&self, ctx: &mut Ctx, grad_outputs: &[Tensor]) -> Result<Vec<Tensor>>;
}

/// Applies a custom [`Function`] to `inputs` (`MyFunction.apply(...)`), recording it in the
/// graph when an input requires grad. The function object lives as long as the graph node.
#[track_caller]
pub fn apply<F: Function>(function: F, inputs: &[&Tensor]) -> Result<Vec<Tensor>> {
    let data = Box::into_raw(Box::new(function)).cast::<c_void>();
    let vtable = sys::autograd::ltrs_function_vtable {
        forward: forward_callback::<F>,
        backward: backward_callback::<F>,
        drop: drop_callback::<F>,
    };
    let raw = raw_list(inputs);
    let mut out = sys::ltrs_tensor_vec {
        data: std::ptr::null_mut(),
        len: 0,
    };
    // SAFETY: `data` is a leaked Box<F> whose ownership passes to the shim, which releases it
    // through `drop_callback::<F>` exactly once, in every case; the callbacks match `F`. The input
    // list borrows live handles for the call; `out` is taken over only on success.
    unsafe {
        check(
            sys::autograd::ltrs_function_apply(
                vtable,
                data,
                sys::ltrs_tensor_list::new(&raw),
                &mut out,
            ),
            "custom function",
        )?;
        Ok(take_vec(out))
    }
}

/// Runs one callback body: catches panics, and hands the tensors it produced to `sink`.
///
/// # Safety
/// `tensors` must point to `n` live handles (or nulls), `sink` be the shim's live sink.
unsafe fn run_callback(
    tensors: *const sys::ltrs_tensor,
    n: i64,
    sink: *mut sys::autograd::ltrs_tensor_sink,
    body: impl FnOnce(&[Tensor]) -> Result<Vec<Tensor>>,
) -> *mut sys::ltrs_error {
    callback::run(
        || {
            let n = usize::try_from(n).unwrap_or(0);
            let args: Vec<Tensor> = (0..n)
                .map(|i| {
                    // SAFETY: the shim passes `n` borrowed handles (null for an undefined
                    // gradient); retain makes an owned handle of each.
                    unsafe { Tensor::from_raw(sys::ltrs_tensor_retain(*tensors.add(i))) }
                })
                .collect();
            body(&args)
        },
        |outs| {
            for t in outs {
                // SAFETY: `sink` is live; push takes over the owned reference.
                unsafe { sys::autograd::ltrs_tensor_sink_push(sink, t.into_raw()) };
            }
        },
    )
}

unsafe extern "C" fn forward_callback<F: Function>(
    data: *mut c_void,
    ctx: *mut sys::autograd::ltrs_autograd_ctx,
    tensors: *const sys::ltrs_tensor,
    n: i64,
    sink: *mut sys::autograd::ltrs_tensor_sink,
) -> *mut sys::ltrs_error {
    // SAFETY: the shim passes the Box<F> made by `apply` (not yet dropped, used by no other
    // callback during forward), `n` handles and a live sink.
    unsafe {
        run_callback(tensors, n, sink, |inputs| {
            let f = &mut *data.cast::<F>();
            let mut ctx = Ctx {
                raw: ctx,
                _life: PhantomData,
            };
            let outs = f.forward(&mut ctx, inputs)?;
            if outs.iter().any(|t| !t.defined()) {
                return Err(Error::invalid(
                    "custom function forward",
                    "an output is an undefined tensor",
                ));
            }
            Ok(outs)
        })
    }
}

unsafe extern "C" fn backward_callback<F: Function>(
    data: *mut c_void,
    ctx: *mut sys::autograd::ltrs_autograd_ctx,
    tensors: *const sys::ltrs_tensor,
    n: i64,
    sink: *mut sys::autograd::ltrs_tensor_sink,
) -> *mut sys::ltrs_error {
    // SAFETY: the shim passes the live Box<F> made by `apply` (shared: `F: Sync`, only `&F` is
    // made), `n` gradient handles and a live sink.
    unsafe {
        run_callback(tensors, n, sink, |grads| {
            let f = &*data.cast::<F>();
            let mut ctx = Ctx {
                raw: ctx,
                _life: PhantomData,
            };
            f.backward(&mut ctx, grads)
        })
    }
}

unsafe extern "C" fn drop_callback<F: Function>(data: *mut c_void) {
    // SAFETY: `data` is the Box<F> made by `apply`; the shim calls this exactly once. A panicking
    // Drop must not unwind into C++: it is swallowed (the memory is freed all the same).
    callback::drop_quietly(unsafe { Box::from_raw(data.cast::<F>()) });
}
