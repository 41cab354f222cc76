//! Tensor gradient hooks (`tensor.register_hook(hook)`): a Rust closure that autograd calls
//! with the gradient computed for a tensor, and that may replace it.
use crate::callback;
use crate::error::check;
use crate::{Error, Result, Tensor};
use libtorch_sys as sys;
use std::ffi::c_void;

/// Removes the hook it was returned for (`torch.utils.hooks.RemovableHandle`). Dropping the
/// handle keeps the hook, as in PyTorch.
#[must_use = "dropping the handle keeps the hook; call remove() to take it off"]
pub struct RemovableHandle {
    tensor: Tensor,
    id: i64,
}

impl RemovableHandle {
    /// Takes the hook off its tensor (`handle.remove()`).
    pub fn remove(self) -> Result<()> {
        // SAFETY: the handle holds a live tensor handle; the shim catches every C++ exception.
        unsafe {
            check(
                sys::hooks::ltrs_tensor_remove_hook(self.tensor.as_raw(), self.id),
                "remove_hook",
            )
        }
    }
}

type HookFn = dyn Fn(&Tensor) -> Result<Option<Tensor>> + Send + Sync;

unsafe extern "C" fn call_hook(
    data: *mut c_void,
    grad: sys::ltrs_tensor,
    out: *mut sys::ltrs_tensor,
) -> *mut sys::ltrs_error {
    callback::run(
        || {
            // SAFETY: `data` is the Box<Box<HookFn>> made by `register_hook`, alive until
            // `drop_hook`; the shim passes a borrowed gradient handle, retained here into an
            // owned one.
            let f = unsafe { &*data.cast::<Box<HookFn>>() };
            let g = unsafe { Tensor::from_raw(sys::ltrs_tensor_retain(grad)) };
            f(&g)
        },
        |r| {
            if let Some(t) = r {
                // SAFETY: `out` is the shim's valid out-pointer; it takes over the reference.
                unsafe { *out = t.into_raw() };
            }
        },
    )
}

unsafe extern "C" fn drop_hook(data: *mut c_void) {
    // SAFETY: `data` is the Box<Box<HookFn>> made by `register_hook`; the shim calls this
    // exactly once. A panicking Drop is swallowed rather than unwinding into C++.
    callback::drop_quietly(unsafe { Box::from_raw(data.cast::<Box<HookFn>>()) });
}

impl Tensor {
    /// Registers `hook`, called with this tensor's gradient each time autograd computes it
    /// (`tensor.register_hook(hook)`): returning `Some(g)` replaces the gradient, `None` keeps
    /// it; an `Err` (or a panic) fails the backward pass with that error. An error if the
    /// tensor does not require grad.
    ///
    /// ```
    /// use libtorch::Tensor;
    /// let x = Tensor::from_slice(&[1.0f32, 2.0]).set_requires_grad(true);
    /// let h = x.register_hook(|g| Ok(Some(g * 10.0))).unwrap();
    /// (&x * &x).sum().backward();
    /// assert_eq!(x.grad().to_vec::<f32>().unwrap(), [20.0, 40.0]); // 2x, times 10
    /// h.remove().unwrap();
    /// ```
    pub fn register_hook<F>(&self, hook: F) -> Result<RemovableHandle>
    where
        F: Fn(&Tensor) -> Result<Option<Tensor>> + Send + Sync + 'static,
    {
        if !self.defined() {
            return Err(Error::invalid("register_hook", "the tensor is undefined"));
        }
        let boxed: Box<HookFn> = Box::new(hook);
        let data = Box::into_raw(Box::new(boxed)).cast::<c_void>();
        let vtable = sys::hooks::ltrs_hook_vtable {
            call: call_hook,
            drop: drop_hook,
        };
        let mut id = 0i64;
        // SAFETY: `data` is a leaked Box<Box<HookFn>> whose ownership passes to the shim, which
        // releases it through `drop_hook` exactly once in every case; `self` is a live handle
        // and `id` a valid out-pointer.
        unsafe {
            check(
                sys::hooks::ltrs_tensor_register_hook(self.as_raw(), vtable, data, &mut id),
                "register_hook",
            )?;
        }
        Ok(RemovableHandle {
            tensor: self.shallow_clone(),
            id,
        })
    }
}
