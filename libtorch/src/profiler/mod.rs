//! The profiler (`torch.profiler`): libtorch's own Kineto profiler records every operator a
//! thread runs, with its times (and, on request, input shapes, FLOPs, memory), and writes the
//! Chrome trace PyTorch writes (open it in `chrome://tracing` or <https://ui.perfetto.dev>).
//! On a machine without a GPU, Kineto logs `gpuGetDeviceCount failed` to stderr when the first
//! profile starts, as it does under PyTorch; the CPU profile is unaffected.
//!
//! ```
//! use libtorch::profiler::{self, ProfilerOptions};
//! use libtorch::Tensor;
//! let a = Tensor::ones(&[64, 64]);
//! let (_, prof) = profiler::profile(ProfilerOptions::default().record_shapes(true), || {
//!     let _r = profiler::record_function("my_block");
//!     for _ in 0..3 {
//!         a.mm(&a);
//!     }
//! })
//! .unwrap();
//! let mm = prof.key_averages().into_iter().find(|e| e.key == "aten::mm").unwrap();
//! assert_eq!(mm.count, 3);
//! println!("{}", prof.key_averages().table(Some("self_cpu_time_total"), 10));
//! prof.export_chrome_trace(std::env::temp_dir().join("doc_trace.json")).unwrap();
//! ```
mod events;
mod key_averages;
mod record_function;

pub use events::FunctionEvent;
pub use key_averages::{FunctionEventAvg, KeyAverages};
pub use record_function::{f_record_function, record_function, RecordFunction};

use crate::error::check;
use crate::{Error, Result};
use libtorch_sys as sys;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// What to record (`torch.profiler.ProfilerActivity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProfilerActivity {
    /// Operators run on the CPU side (every op, whatever its device).
    CPU,
    /// CUDA kernels and memory copies (needs the `cuda` feature and a GPU).
    CUDA,
}

/// The activities this build and machine can record (`torch.profiler.supported_activities()`):
/// the CPU, and CUDA where it is usable.
pub fn supported_activities() -> Vec<ProfilerActivity> {
    let mut out = vec![ProfilerActivity::CPU];
    if cfg!(feature = "cuda") && crate::cuda::is_available() {
        out.push(ProfilerActivity::CUDA);
    }
    out
}

/// `torch.profiler.profile`'s keyword arguments, with its defaults: every supported activity,
/// nothing extra recorded. Builder methods set each one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfilerOptions {
    /// What to record (default: [`supported_activities`]).
    pub activities: Vec<ProfilerActivity>,
    /// Record each operator's input shapes (`record_shapes`).
    pub record_shapes: bool,
    /// Record memory allocated and freed by operators (`profile_memory`).
    pub profile_memory: bool,
    /// Record source stacks (`with_stack`; TorchScript frames, Rust frames are not seen).
    pub with_stack: bool,
    /// Estimate the FLOPs of matrix multiplications and convolutions (`with_flops`; records
    /// the input shapes too).
    pub with_flops: bool,
    /// Record the TorchScript module hierarchy (`with_modules`).
    pub with_modules: bool,
}

impl Default for ProfilerOptions {
    fn default() -> Self {
        ProfilerOptions {
            activities: supported_activities(),
            record_shapes: false,
            profile_memory: false,
            with_stack: false,
            with_flops: false,
            with_modules: false,
        }
    }
}

impl ProfilerOptions {
    /// Sets `activities`.
    pub fn activities(mut self, activities: &[ProfilerActivity]) -> Self {
        self.activities = activities.to_vec();
        self
    }
    /// Sets `record_shapes`.
    pub fn record_shapes(mut self, on: bool) -> Self {
        self.record_shapes = on;
        self
    }
    /// Sets `profile_memory`.
    pub fn profile_memory(mut self, on: bool) -> Self {
        self.profile_memory = on;
        self
    }
    /// Sets `with_stack`.
    pub fn with_stack(mut self, on: bool) -> Self {
        self.with_stack = on;
        self
    }
    /// Sets `with_flops`.
    pub fn with_flops(mut self, on: bool) -> Self {
        self.with_flops = on;
        self
    }
    /// Sets `with_modules`.
    pub fn with_modules(mut self, on: bool) -> Self {
        self.with_modules = on;
        self
    }
}

/// Set while a profile runs anywhere in the process: Kineto keeps one trace per process.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Profiles everything the calling thread runs inside `f` (`with torch.profiler.profile(...)
/// as prof:`) and returns `f`'s value with the finished profile. An error if an activity is
/// not supported here, if `activities` is empty, or if a profile is already running in this
/// process. A panic in `f` stops the profiler and carries on unwinding.
pub fn profile<R>(options: ProfilerOptions, f: impl FnOnce() -> R) -> Result<(R, ProfilerResult)> {
    let guard = Profile::start(options)?;
    let value = f();
    Ok((value, guard.stop()?))
}

/// A running profile, as a scope guard (`prof = torch.profiler.profile(...); prof.start()`):
/// [`stop`](Profile::stop) ends it and returns the result; dropping it without stopping ends it
/// and throws the result away. The profiler belongs to the thread that started it, so the guard
/// cannot be sent to another thread.
///
/// ```
/// use libtorch::profiler::{Profile, ProfilerOptions};
/// use libtorch::Tensor;
/// let p = Profile::start(ProfilerOptions::default()).unwrap();
/// let x = Tensor::from_slice(&[1.0f32, 2.0]);
/// let _ = x.exp();
/// let prof = p.stop().unwrap();
/// assert!(prof.events().iter().any(|e| e.name == "aten::exp"));
/// ```
pub struct Profile {
    running: bool,
    _thread_bound: PhantomData<*const ()>,
}

impl Profile {
    /// Starts profiling the calling thread with `options`.
    pub fn start(options: ProfilerOptions) -> Result<Profile> {
        const OP: &str = "profile";
        if options.activities.is_empty() {
            return Err(Error::invalid(
                OP,
                "activities is empty: nothing to profile",
            ));
        }
        let cpu = options.activities.contains(&ProfilerActivity::CPU);
        let cuda = options.activities.contains(&ProfilerActivity::CUDA);
        if cuda && !supported_activities().contains(&ProfilerActivity::CUDA) {
            return Err(Error::invalid(
                OP,
                "ProfilerActivity::CUDA needs a CUDA build (the `cuda` feature) and a visible GPU",
            ));
        }
        if ACTIVE
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(Error::invalid(
                OP,
                "a profile is already running in this process (libtorch's profiler records \
                 one at a time)",
            ));
        }
        // SAFETY: plain value arguments; the shim catches every C++ exception.
        let r = unsafe {
            check(
                sys::profiler::ltrs_profiler_enable(
                    cpu,
                    cuda,
                    // FLOPs are estimated from the shapes (PyTorch: record_shapes |= with_flops).
                    options.record_shapes || options.with_flops,
                    options.profile_memory,
                    options.with_stack,
                    options.with_flops,
                    options.with_modules,
                ),
                OP,
            )
        };
        if let Err(e) = r {
            ACTIVE.store(false, Ordering::Release);
            return Err(e);
        }
        Ok(Profile {
            running: true,
            _thread_bound: PhantomData,
        })
    }

    /// Stops the profile and returns what it recorded (`prof.stop()`).
    pub fn stop(mut self) -> Result<ProfilerResult> {
        self.running = false;
        let raw = disable()?;
        ProfilerResult::new(raw)
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        if self.running {
            if let Ok(raw) = disable() {
                // SAFETY: `raw` is the result the shim just handed over, freed once here.
                unsafe { sys::profiler::ltrs_profiler_result_free(raw) };
            }
        }
    }
}

/// Stops this thread's profile and clears the process-wide flag, whatever the outcome.
fn disable() -> Result<*mut sys::profiler::ltrs_profiler_result> {
    let mut raw = std::ptr::null_mut();
    // SAFETY: `raw` is a valid out-pointer; the shim catches every C++ exception.
    let r = unsafe { check(sys::profiler::ltrs_profiler_disable(&mut raw), "profile") };
    ACTIVE.store(false, Ordering::Release);
    r.map(|_| raw)
}

/// A finished profile (what `prof` holds after `with torch.profiler.profile() as prof:`): its
/// events, their averages by name, and the Chrome trace.
pub struct ProfilerResult {
    raw: Mutex<RawResult>,
    events: Vec<FunctionEvent>,
}

struct RawResult(*mut sys::profiler::ltrs_profiler_result);

// SAFETY: the C++ result is plain data owned by this handle; every access goes through the
// Mutex around it, so it is used by one thread at a time.
unsafe impl Send for RawResult {}

impl Drop for RawResult {
    fn drop(&mut self) {
        // SAFETY: the pointer came from ltrs_profiler_disable and is freed exactly once, here.
        unsafe { sys::profiler::ltrs_profiler_result_free(self.0) };
    }
}

impl ProfilerResult {
    fn new(raw: *mut sys::profiler::ltrs_profiler_result) -> Result<ProfilerResult> {
        let raw = RawResult(raw);
        let events = events::read(raw.0)?;
        Ok(ProfilerResult {
            raw: Mutex::new(raw),
            events,
        })
    }

    /// Every recorded event, sorted by start time, longest first among equal starts
    /// (`prof.events()`), without the profiler's own bookkeeping ops; nested calls on one
    /// thread are each other's children as PyTorch counts them (for self times).
    pub fn events(&self) -> &[FunctionEvent] {
        &self.events
    }

    /// The events averaged by operator name (`prof.key_averages()`), in order of first call.
    pub fn key_averages(&self) -> KeyAverages {
        KeyAverages::new(&self.events, false)
    }

    /// The events averaged by operator name and input shapes
    /// (`prof.key_averages(group_by_input_shape=True)`; record the shapes with
    /// [`ProfilerOptions::record_shapes`]).
    pub fn key_averages_by_input_shape(&self) -> KeyAverages {
        KeyAverages::new(&self.events, true)
    }

    /// Writes the profile as a Chrome trace JSON file (`prof.export_chrome_trace(path)`), as
    /// libtorch's Kineto writes it; once per profile, as in PyTorch.
    pub fn export_chrome_trace(&self, path: impl AsRef<Path>) -> Result<()> {
        const OP: &str = "export_chrome_trace";
        let path = path.as_ref();
        let Some(text) = path.to_str() else {
            return Err(Error::invalid(
                OP,
                format!("the path {} is not valid UTF-8", path.display()),
            ));
        };
        let raw = self.raw.lock().unwrap_or_else(|p| p.into_inner());
        // SAFETY: the result handle is alive and locked; `text` outlives the call.
        unsafe {
            check(
                sys::profiler::ltrs_profiler_result_save(raw.0, sys::ltrs_str::from_str(text)),
                OP,
            )
        }
    }
}
