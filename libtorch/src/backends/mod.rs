//! `torch.backends`: ATen's process-wide switches for cuDNN and CUDA matrix products, and
//! (re-exported at the crate root) `torch.use_deterministic_algorithms` and
//! `torch.set_float32_matmul_precision`.
//!
//! The switches are plain global state, as in PyTorch: they can be set and read in any build,
//! with or without a GPU, and take effect for CUDA operators run afterwards on any thread.
pub mod cuda;
pub mod cudnn;
mod deterministic;
mod precision;

pub use deterministic::{
    are_deterministic_algorithms_enabled, fill_uninitialized_memory,
    is_deterministic_algorithms_warn_only_enabled, set_fill_uninitialized_memory,
    use_deterministic_algorithms, use_deterministic_algorithms_with,
};
pub use precision::{get_float32_matmul_precision, set_float32_matmul_precision};

use libtorch_sys::cuda_ctl as ctl;

/// Reads one of ATen's boolean flags. The shim cannot fail for a known code.
#[track_caller]
fn get(flag: i32, op: &'static str) -> bool {
    let mut out = false;
    // SAFETY: valid out-pointer; the shim catches every C++ exception.
    crate::error::unwrap(unsafe { crate::error::check(ctl::ltrs_flag_get(flag, &mut out), op) });
    out
}

/// Sets one of ATen's boolean flags. The shim cannot fail for a known code.
#[track_caller]
fn set(flag: i32, value: bool, op: &'static str) {
    // SAFETY: plain value arguments; the shim catches every C++ exception.
    crate::error::unwrap(unsafe { crate::error::check(ctl::ltrs_flag_set(flag, value), op) });
}
