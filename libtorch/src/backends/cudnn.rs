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
