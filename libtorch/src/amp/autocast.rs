//! `torch.autocast` as a scope guard and a closure, over ATen's thread-local autocast state.
use crate::error::check;
use crate::{Device, Error, Kind, Result};
use libtorch_sys as sys;
use std::marker::PhantomData;

/// The c10 device type code autocast keys its state by; an error for a device autocast does
/// not serve here.
fn device_type(device: Device, op: &'static str) -> Result<i32> {
    match device {
        Device::Cpu => Ok(0),
        Device::Cuda(_) => {
            if cfg!(feature = "cuda") && crate::cuda::is_available() {
                Ok(1)
            } else {
                Err(Error::invalid(
                    op,
                    "device_type 'cuda' needs a CUDA build (the `cuda` feature) and a visible \
                     GPU",
                ))
            }
        }
        other => Err(Error::invalid(
            op,
            format!(
                "User specified an unsupported autocast device_type '{other:?}': this crate \
                 supports 'cpu' and 'cuda'"
            ),
        )),
    }
}

/// Whether autocast is on for `device`'s type in this thread (`torch.is_autocast_enabled`).
pub fn is_autocast_enabled(device: Device) -> Result<bool> {
    let t = device_type(device, "is_autocast_enabled")?;
    let mut out = false;
    // SAFETY: `out` is a valid out-pointer; the shim catches every C++ exception.
    unsafe {
        check(
            sys::amp::ltrs_autocast_is_enabled(t, &mut out),
            "is_autocast_enabled",
        )?
    };
    Ok(out)
}

/// The dtype autocast uses for `device`'s type in this thread (`torch.get_autocast_dtype`:
/// bfloat16 on the CPU and float16 on CUDA unless set).
pub fn get_autocast_dtype(device: Device) -> Result<Kind> {
    let t = device_type(device, "get_autocast_dtype")?;
    let mut out = 0i32;
    // SAFETY: `out` is a valid out-pointer; the shim catches every C++ exception.
    unsafe {
        check(
            sys::amp::ltrs_autocast_get_dtype(t, &mut out),
            "get_autocast_dtype",
        )?
    };
    Kind::from_ffi_result(out, "get_autocast_dtype")
}

/// `torch.autocast`'s keyword arguments: `dtype` (None: the device's current autocast dtype),
/// `enabled` (true; false turns autocast off inside an enclosing scope), `cache_enabled`
/// (None: the current setting; caches the casts of weights within the outermost scope).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AutocastOptions {
    /// The lower precision, `BFloat16` or `Half`.
    pub dtype: Option<Kind>,
    /// Whether autocast is on inside the scope.
    pub enabled: bool,
    /// Whether casts are cached inside the scope.
    pub cache_enabled: Option<bool>,
}

impl Default for AutocastOptions {
    fn default() -> Self {
        AutocastOptions {
            dtype: None,
            enabled: true,
            cache_enabled: None,
        }
    }
}

/// Autocast on for one device type until dropped (`with torch.autocast(device_type, dtype):`);
/// dropping restores the previous state, as `__exit__` does, and clears the cast cache when
/// the outermost scope ends. Autocast state belongs to the thread, so the guard cannot be
/// sent to another thread; guards must be dropped in reverse order of creation (scopes).
///
/// ```
/// use libtorch::amp::{is_autocast_enabled, AutocastGuard};
/// use libtorch::{Device, Kind};
/// {
///     let _g = AutocastGuard::new(Device::Cpu, Some(Kind::BFloat16)).unwrap();
///     assert!(is_autocast_enabled(Device::Cpu).unwrap());
/// }
/// assert!(!is_autocast_enabled(Device::Cpu).unwrap());
/// ```
pub struct AutocastGuard {
    device_type: i32,
    prev_enabled: bool,
    prev_dtype: i32,
    prev_cache: bool,
    _thread_bound: PhantomData<*const ()>,
}

impl AutocastGuard {
    /// Autocast on for `device`'s type with `dtype` (None: the device's default).
    pub fn new(device: Device, dtype: Option<Kind>) -> Result<AutocastGuard> {
        AutocastGuard::with_options(
            device,
            AutocastOptions {
                dtype,
                ..Default::default()
            },
        )
    }

    /// With all of `torch.autocast`'s arguments; an error for a device other than the CPU
    /// and CUDA (CUDA needs the `cuda` feature and a GPU), or a dtype other than bfloat16 and
    /// float16, before anything changes.
    pub fn with_options(device: Device, options: AutocastOptions) -> Result<AutocastGuard> {
        const OP: &str = "autocast";
        let t = device_type(device, OP)?;
        let dtype = match options.dtype {
            Some(k) => k,
            None => get_autocast_dtype(device)?,
        };
        if options.enabled && !matches!(dtype, Kind::BFloat16 | Kind::Half) {
            return Err(Error::invalid(
                OP,
                format!(
                    "autocast on {device:?} supports the dtypes BFloat16 and Half, got {dtype:?}"
                ),
            ));
        }
        let (mut prev_enabled, mut prev_dtype, mut prev_cache) = (false, 0i32, false);
        // SAFETY: the out-pointers are valid locals; each shim catches every C++ exception.
        unsafe {
            check(
                sys::amp::ltrs_autocast_is_cache_enabled(&mut prev_cache),
                OP,
            )?;
            check(sys::amp::ltrs_autocast_is_enabled(t, &mut prev_enabled), OP)?;
            check(sys::amp::ltrs_autocast_get_dtype(t, &mut prev_dtype), OP)?;
        }
        let cache = options.cache_enabled.unwrap_or(prev_cache);
        let mut nesting = 0i32;
        // SAFETY: plain values and a valid out-pointer; each shim catches every C++ exception.
        unsafe {
            check(sys::amp::ltrs_autocast_set_enabled(t, options.enabled), OP)?;
            check(sys::amp::ltrs_autocast_set_dtype(t, dtype.to_ffi()), OP)?;
            check(sys::amp::ltrs_autocast_increment_nesting(&mut nesting), OP)?;
            check(sys::amp::ltrs_autocast_set_cache_enabled(cache), OP)?;
        }
        Ok(AutocastGuard {
            device_type: t,
            prev_enabled,
            prev_dtype,
            prev_cache,
            _thread_bound: PhantomData,
        })
    }
}

impl Drop for AutocastGuard {
    fn drop(&mut self) {
        let t = self.device_type;
        let mut nesting = 0i32;
        // SAFETY: plain values and a valid out-pointer; the shims catch every C++ exception
        // (none of these setters throws; an error here would leave nothing to restore, so the
        // results are deliberately ignored rather than panicking in drop).
        unsafe {
            let _ = check(
                sys::amp::ltrs_autocast_decrement_nesting(&mut nesting),
                "autocast",
            );
            if nesting == 0 {
                let _ = check(sys::amp::ltrs_autocast_clear_cache(), "autocast");
            }
            let _ = check(
                sys::amp::ltrs_autocast_set_enabled(t, self.prev_enabled),
                "autocast",
            );
            let _ = check(
                sys::amp::ltrs_autocast_set_dtype(t, self.prev_dtype),
                "autocast",
            );
            let _ = check(
                sys::amp::ltrs_autocast_set_cache_enabled(self.prev_cache),
                "autocast",
            );
        }
    }
}

/// Runs `f` with autocast on for `device`'s type (`with torch.autocast(device_type, dtype):
/// f()`); the previous state is restored afterwards, also if `f` panics.
pub fn autocast<T>(device: Device, dtype: Option<Kind>, f: impl FnOnce() -> T) -> Result<T> {
    let _guard = AutocastGuard::new(device, dtype)?;
    Ok(f())
}
