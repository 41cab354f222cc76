//! `torch.backends.cudnn`: whether and how convolutions and RNNs on CUDA use cuDNN.
use super::{get, set};
use crate::error::check;
use libtorch_sys::cuda_ctl::{self as ctl, flag};

/// Whether libtorch has cuDNN (`torch.backends.cudnn.is_available()`): true in a build with
/// the `cuda` feature, even on a machine without a GPU, as PyTorch's; false in a CPU-only
/// build.
#[track_caller]
pub fn is_available() -> bool {
    let mut out = false;
    // SAFETY: valid out-pointer; the shim catches every C++ exception.
    let r = unsafe {
        check(
            ctl::ltrs_cudnn_is_available(&mut out),
            "cudnn::is_available",
        )
    };
    r.map(|_| out).unwrap_or(false)
}

/// cuDNN's version as one number, e.g. `Some(91900)` for 9.19.0
/// (`torch.backends.cudnn.version()`, read from the cuDNN library loaded, with or without a
/// GPU); `None` where libtorch was built without cuDNN (a CPU-only build).
#[track_caller]
pub fn version() -> Option<i64> {
    let mut out = -1i64;
    // SAFETY: valid out-pointer; the shim catches every C++ exception.
    let r = unsafe { check(ctl::ltrs_cudnn_version(&mut out), "cudnn::version") };
    r.ok().filter(|_| out >= 0).map(|_| out)
}

/// Whether CUDA operators may use cuDNN (`torch.backends.cudnn.enabled`; default true).
#[track_caller]
pub fn enabled() -> bool {
    get(flag::CUDNN_ENABLED, "cudnn::enabled")
}

/// Lets CUDA operators use cuDNN, or not (`torch.backends.cudnn.enabled = on`).
#[track_caller]
pub fn set_enabled(on: bool) {
    set(flag::CUDNN_ENABLED, on, "cudnn::set_enabled")
}

/// Whether cuDNN times its algorithms on the first call with each shape and keeps the fastest
/// (`torch.backends.cudnn.benchmark`; default false).
#[track_caller]
pub fn benchmark() -> bool {
    get(flag::CUDNN_BENCHMARK, "cudnn::benchmark")
}

/// Turns cuDNN's algorithm benchmarking on or off (`torch.backends.cudnn.benchmark = on`):
/// faster for fixed input shapes, at the cost of a slow first call per shape and results that
/// may differ from run to run.
///
/// ```
/// use libtorch::backends::cudnn;
/// let before = cudnn::benchmark();
/// cudnn::set_benchmark(true);
/// assert!(cudnn::benchmark());
/// cudnn::set_benchmark(before);
/// ```
#[track_caller]
pub fn set_benchmark(on: bool) {
    set(flag::CUDNN_BENCHMARK, on, "cudnn::set_benchmark")
}

/// Whether cuDNN is limited to deterministic algorithms
/// (`torch.backends.cudnn.deterministic`; default false).
#[track_caller]
pub fn deterministic() -> bool {
    get(flag::CUDNN_DETERMINISTIC, "cudnn::deterministic")
}

/// Limits cuDNN to deterministic algorithms, or not
/// (`torch.backends.cudnn.deterministic = on`). For every operator, see
/// [`crate::use_deterministic_algorithms`].
#[track_caller]
pub fn set_deterministic(on: bool) {
    set(flag::CUDNN_DETERMINISTIC, on, "cudnn::set_deterministic")
}

/// Whether cuDNN convolutions may use TensorFloat-32 on Ampere and later
/// (`torch.backends.cudnn.allow_tf32`; default true).
#[track_caller]
pub fn allow_tf32() -> bool {
    get(flag::CUDNN_ALLOW_TF32, "cudnn::allow_tf32")
}

/// Lets cuDNN convolutions use TensorFloat-32, or not
/// (`torch.backends.cudnn.allow_tf32 = on`).
#[track_caller]
pub fn set_allow_tf32(on: bool) {
    set(flag::CUDNN_ALLOW_TF32, on, "cudnn::set_allow_tf32")
}

/// The switches [`flags`] sets, with `torch.backends.cudnn.flags()`'s defaults: `enabled` false,
/// `benchmark` false, `deterministic` false, `allow_tf32` true.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "nothing changes until `set` is called"]
pub struct Flags {
    enabled: bool,
    benchmark: bool,
    deterministic: bool,
    allow_tf32: bool,
}

impl Default for Flags {
    fn default() -> Flags {
        Flags {
            enabled: false,
            benchmark: false,
            deterministic: false,
            allow_tf32: true,
        }
    }
}

impl Flags {
    /// `enabled=` (default false).
    pub fn enabled(mut self, on: bool) -> Flags {
        self.enabled = on;
        self
    }

    /// `benchmark=` (default false).
    pub fn benchmark(mut self, on: bool) -> Flags {
        self.benchmark = on;
        self
    }

    /// `deterministic=` (default false).
    pub fn deterministic(mut self, on: bool) -> Flags {
        self.deterministic = on;
        self
    }

    /// `allow_tf32=` (default true).
    pub fn allow_tf32(mut self, on: bool) -> Flags {
        self.allow_tf32 = on;
        self
    }

    /// Sets all four switches until the returned guard drops, which restores the values they
    /// had (the `with` block's end).
    #[track_caller]
    pub fn set(self) -> FlagsGuard {
        let previous = current();
        apply(self);
        FlagsGuard { previous }
    }
}

fn current() -> Flags {
    Flags {
        enabled: enabled(),
        benchmark: benchmark(),
        deterministic: deterministic(),
        allow_tf32: allow_tf32(),
    }
}

fn apply(f: Flags) {
    set_enabled(f.enabled);
    set_benchmark(f.benchmark);
    set_deterministic(f.deterministic);
    set_allow_tf32(f.allow_tf32);
}

/// `with torch.backends.cudnn.flags(enabled=..., benchmark=..., deterministic=...,
/// allow_tf32=...):` — set every keyword on the builder, then [`Flags::set`]. Unset keywords
/// take PyTorch's defaults, so, as in PyTorch, `flags().set()` turns cuDNN *off*.
///
/// The switches are process-wide: the guard changes them for every thread until it drops.
///
/// ```
/// use libtorch::backends::cudnn;
/// let before = cudnn::benchmark();
/// {
///     let _g = cudnn::flags().enabled(true).benchmark(true).set();
///     assert!(cudnn::enabled() && cudnn::benchmark() && !cudnn::deterministic());
/// }
/// assert_eq!(cudnn::benchmark(), before);
/// ```
pub fn flags() -> Flags {
    Flags::default()
}

/// Restores cuDNN's switches when dropped; see [`flags`].
#[derive(Debug)]
#[must_use = "the switches are restored as soon as the guard drops"]
pub struct FlagsGuard {
    previous: Flags,
}

impl Drop for FlagsGuard {
    fn drop(&mut self) {
        apply(self.previous);
    }
}
