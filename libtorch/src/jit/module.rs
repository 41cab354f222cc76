//! [`ScriptModule`]: the handle, loading, and method calls.
use super::convert::{from_value, to_value};
use super::value::Value;
use crate::error::{check, unwrap, Error, Result};
use crate::{Device, IValue, Tensor};
use libtorch_sys as sys;
use libtorch_sys::jit as j;
use std::path::Path;
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A TorchScript module (`torch.jit.ScriptModule`), loaded from a file saved by Python's
/// `torch.jit.save` / `ScriptModule.save` (a traced or scripted model), or from bytes.
///
/// [`forward_ts`](ScriptModule::forward_ts) and [`forward_is`](ScriptModule::forward_is) run
/// `forward` on tensors or on any values ([`IValue`]); [`method`](ScriptModule::method) runs
/// any other method. Every call has an `f_` form returning the error TorchScript raised (wrong
/// number or types of arguments, a `raise` in the script, a missing method); the plain form
/// panics with that message. It implements [`nn::Module`](crate::nn::Module), so its parameters
/// train with this crate's optimizers and save with [`serialize::save_module`](crate::serialize::save_module).
///
/// Threads: `ScriptModule` is `Send` and `Sync`. Calls through `&self` from several threads
/// run at the same time, as in PyTorch's C++ API, unless the module's code can change its own
/// state (assign an attribute, append to a list attribute; see
/// [`calls_in_parallel`](ScriptModule::calls_in_parallel)): then they take turns. Changing the
/// module ([`train`](ScriptModule::train), [`to`](ScriptModule::to)) needs `&mut self`.
pub struct ScriptModule {
    raw: NonNull<j::ltrs_script_module>,
    /// Held by every call on a module whose code can change its own non-tensor state.
    turns: Option<Mutex<()>>,
}

// SAFETY: a torch::jit::Module is a reference-counted C++ object with no thread affinity: it
// may be used and dropped from any thread.
unsafe impl Send for ScriptModule {}
// SAFETY: `&self` methods only read the module's object graph (its attribute slots, types and
// code) and run its methods. TorchScript's interpreter and graph executors may run one method
// from several threads at once (their caches take their own locks), as PyTorch's C++ API
// documents for inference servers. Running the module's code could write its state, which
// would race: so each module is scanned when loaded (`ltrs_script_module_mutates_state`:
// attribute assignments, and writes to lists, dicts or objects that are attributes or
// arguments, by TorchScript's alias analysis over every function of the module's compilation
// unit), and on a module that can, every `&self` call holds `turns`. Writes that are left are
// to tensor *elements* (an in-place op on a parameter, BatchNorm's running statistics), the
// same contract as `Tensor: Sync`. Mutating calls (train, eval, to) take `&mut self`.
unsafe impl Sync for ScriptModule {}

impl Drop for ScriptModule {
    fn drop(&mut self) {
        // SAFETY: the handle is owned and freed once; the module's destructor does not throw.
        unsafe { j::ltrs_script_module_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for ScriptModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptModule")
            .field("methods", &self.f_method_names().unwrap_or_default())
            .field("calls_in_parallel", &self.calls_in_parallel())
            .finish()
    }
}

/// `path` as UTF-8 without NUL bytes (C++ would stop reading the name at the first one).
pub(crate) fn path_str<'a>(path: &'a Path, op: &'static str) -> Result<&'a str> {
    path.to_str()
        .filter(|p| !p.contains('\0'))
        .ok_or_else(|| Error::invalid(op, format!("path {path:?} is not UTF-8 without NUL bytes")))
}

impl ScriptModule {
    /// Takes over a loaded module and scans it for code that changes its own state.
    ///
    /// # Safety
    /// `raw` must be an owned module handle from a successful load.
    unsafe fn from_loaded(raw: *mut j::ltrs_script_module, op: &'static str) -> Result<Self> {
        let raw = NonNull::new(raw).ok_or_else(|| Error::invalid(op, "no module returned"))?;
        let mut module = ScriptModule { raw, turns: None };
        let mut mutates = true;
        // SAFETY: the handle is live; the scan only reads the module's code.
        let scanned = unsafe {
            check(
                j::ltrs_script_module_mutates_state(raw.as_ptr(), &mut mutates),
                op,
            )
        };
        // A scan that failed counts as "mutates": calls then take turns, which is always sound.
        if scanned.is_err() || mutates {
            module.turns = Some(Mutex::new(()));
        }
        Ok(module)
    }

    #[track_caller]
    pub(super) fn load_file(path: &Path, device: Option<Device>) -> Result<ScriptModule> {
        let op = "jit::load";
        let p = path_str(path, op)?;
        let d = device.map(Device::to_ffi);
        let dp = d.as_ref().map_or(std::ptr::null(), |d| d as *const _);
        let mut raw = std::ptr::null_mut();
        // SAFETY: `p` and `dp` are valid for the call; on success `raw` is an owned module.
        unsafe {
            check(
                j::ltrs_jit_load(p.as_ptr().cast(), p.len() as i64, dp, &mut raw),
                op,
            )?;
            ScriptModule::from_loaded(raw, op)
        }
    }

    #[track_caller]
    pub(super) fn load_bytes(bytes: &[u8], device: Option<Device>) -> Result<ScriptModule> {
        let op = "jit::load_from_bytes";
        let d = device.map(Device::to_ffi);
        let dp = d.as_ref().map_or(std::ptr::null(), |d| d as *const _);
        let mut raw = std::ptr::null_mut();
        // SAFETY: `bytes` is valid for its length (the shim copies it) and `dp` for the call.
        unsafe {
            check(
                j::ltrs_jit_load_bytes(bytes.as_ptr().cast(), bytes.len() as i64, dp, &mut raw),
                op,
            )?;
            ScriptModule::from_loaded(raw, op)
        }
    }

    pub(super) fn raw(&self) -> *const j::ltrs_script_module {
        self.raw.as_ptr()
    }

    pub(super) fn raw_mut(&mut self) -> *mut j::ltrs_script_module {
        self.raw.as_ptr()
    }

    /// The lock a call must hold on a module whose code changes its own state (none otherwise).
    pub(super) fn turn(&self) -> Option<MutexGuard<'_, ()>> {
        self.turns
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Whether calls from several threads run at the same time (`true`), or take turns
    /// because some code of the module can change its own state other than tensor data: assign
    /// an attribute (`self.calls += 1`), or write to a list, dict or object it holds
    /// (`self.seen.append(n)`), as TorchScript's alias analysis sees it when the module is
    /// loaded. Traced models and typical scripted ones run in parallel.
    ///
    /// ```no_run
    /// # fn main() -> libtorch::Result<()> {
    /// let model = libtorch::jit::load("model.pt")?;
    /// let model = std::sync::Arc::new(model);
    /// let handles: Vec<_> = (0..4)
    ///     .map(|_| {
    ///         let model = model.clone();
    ///         std::thread::spawn(move || model.f_forward_ts(&[libtorch::Tensor::from_slice(&[1.0f32])]))
    ///     })
    ///     .collect();
    /// for h in handles {
    ///     h.join().unwrap()?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn calls_in_parallel(&self) -> bool {
        self.turns.is_none()
    }

    #[track_caller]
    fn call(
        &self,
        op: &'static str,
        name: &str,
        args: &[IValue],
        kwargs: &[(&str, IValue)],
    ) -> Result<IValue> {
        let args = args
            .iter()
            .map(|a| to_value(a, op))
            .collect::<Result<Vec<_>>>()?;
        let kw_values = kwargs
            .iter()
            .map(|(_, a)| to_value(a, op))
            .collect::<Result<Vec<_>>>()?;
        let arg_ptrs: Vec<*const j::ltrs_ivalue> = args.iter().map(Value::as_ptr).collect();
        let kw_ptrs: Vec<*const j::ltrs_ivalue> = kw_values.iter().map(Value::as_ptr).collect();
        let kw_names: Vec<sys::ltrs_str> = kwargs
            .iter()
            .map(|(n, _)| sys::ltrs_str::from_str(n))
            .collect();
        // Held until the result is converted: it may share lists with the module's state.
        let _turn = self.turn();
        let mut out = std::ptr::null_mut();
        // SAFETY: the module handle is live for `&self`; every pointer array holds as many
        // live handles or string views as the count passed, all borrowed for the call.
        let result = unsafe {
            check(
                j::ltrs_script_module_call(
                    self.raw(),
                    sys::ltrs_str::from_str(name),
                    arg_ptrs.as_ptr(),
                    arg_ptrs.len() as i64,
                    kw_names.as_ptr(),
                    kw_ptrs.as_ptr(),
                    kw_ptrs.len() as i64,
                    &mut out,
                ),
                op,
            )?;
            Value::take(out, op)?
        };
        from_value(&result, op)
    }

    /// Runs `forward` on any values (`module(*args)` in Python); TorchScript checks the number
    /// and types of the arguments against the method's signature (an empty list passes for
    /// `List[int]`, an int for `float`, as from Python).
    #[track_caller]
    pub fn f_forward_is(&self, args: &[IValue]) -> Result<IValue> {
        self.call("ScriptModule::forward", "forward", args, &[])
    }

    /// [`f_forward_is`](ScriptModule::f_forward_is), panicking on error.
    #[track_caller]
    pub fn forward_is(&self, args: &[IValue]) -> IValue {
        unwrap(self.f_forward_is(args))
    }

    /// Runs `forward` on tensors, for a model that returns one tensor; any other result is an
    /// error naming its type (use [`f_forward_is`](ScriptModule::f_forward_is) for those).
    #[track_caller]
    pub fn f_forward_ts(&self, inputs: &[Tensor]) -> Result<Tensor> {
        let args: Vec<IValue> = inputs.iter().map(IValue::from).collect();
        match self.f_forward_is(&args)? {
            IValue::Tensor(t) => Ok(t),
            other => Err(Error::invalid(
                "ScriptModule::forward_ts",
                format!(
                    "forward returned a {}, not a Tensor (use forward_is)",
                    other.type_name()
                ),
            )),
        }
    }

    /// [`f_forward_ts`](ScriptModule::f_forward_ts), panicking on error.
    #[track_caller]
    pub fn forward_ts(&self, inputs: &[Tensor]) -> Tensor {
        unwrap(self.f_forward_ts(inputs))
    }

    /// Runs the method `name` (`module.name(*args)`); a method the module lacks is an error
    /// listing the ones it has.
    #[track_caller]
    pub fn f_method(&self, name: &str, args: &[IValue]) -> Result<IValue> {
        self.call("ScriptModule::method", name, args, &[])
    }

    /// [`f_method`](ScriptModule::f_method), panicking on error.
    #[track_caller]
    pub fn method(&self, name: &str, args: &[IValue]) -> IValue {
        unwrap(self.f_method(name, args))
    }

    /// Runs the method `name` with keyword arguments too (`module.name(*args, **kwargs)`);
    /// arguments left out take their defaults.
    #[track_caller]
    pub fn f_method_kw(
        &self,
        name: &str,
        args: &[IValue],
        kwargs: &[(&str, IValue)],
    ) -> Result<IValue> {
        self.call("ScriptModule::method", name, args, kwargs)
    }

    /// [`f_method_kw`](ScriptModule::f_method_kw), panicking on error.
    #[track_caller]
    pub fn method_kw(&self, name: &str, args: &[IValue], kwargs: &[(&str, IValue)]) -> IValue {
        unwrap(self.f_method_kw(name, args, kwargs))
    }

    /// Whether the module has a method `name` (its own, not a child's).
    pub fn has_method(&self, name: &str) -> bool {
        let mut out = false;
        // SAFETY: the module is live for `&self`; `name` is borrowed for the call.
        let r = unsafe {
            check(
                j::ltrs_script_module_has_method(
                    self.raw(),
                    sys::ltrs_str::from_str(name),
                    &mut out,
                ),
                "ScriptModule::has_method",
            )
        };
        r.is_ok() && out
    }

    /// The names of the module's methods (its own, not its children's), `forward` among them.
    #[track_caller]
    pub fn f_method_names(&self) -> Result<Vec<String>> {
        let op = "ScriptModule::method_names";
        let mut out = std::ptr::null_mut();
        // SAFETY: the module is live for `&self`; on success `out` is an owned list of str.
        let list = unsafe {
            check(j::ltrs_script_module_method_names(self.raw(), &mut out), op)?;
            Value::take(out, op)?
        };
        Vec::<IValue>::try_from(from_value(&list, op)?)?
            .into_iter()
            .map(String::try_from)
            .collect()
    }

    /// [`f_method_names`](ScriptModule::f_method_names), panicking on error.
    #[track_caller]
    pub fn method_names(&self) -> Vec<String> {
        unwrap(self.f_method_names())
    }
}
