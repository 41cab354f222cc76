//! Seeding CUDA's default generators and the current device.
use super::index;
use crate::error::{check, Result};
use libtorch_sys::cuda_ctl as sys;

/// Seeds the default generator of every CUDA device (`torch.cuda.manual_seed_all(seed)`).
///
/// Like PyTorch's, it is safe to call without CUDA: with no CUDA device it does nothing. The
/// crate-level [`crate::manual_seed`] (`torch.manual_seed`) already seeds the CPU's generator
/// *and* every CUDA device's, so this is only needed to reseed the GPUs alone.
///
/// ```
/// libtorch::cuda::manual_seed_all(42).unwrap();
/// ```
#[track_caller]
pub fn manual_seed_all(seed: u64) -> Result<()> {
    // SAFETY: plain value arguments; the shim catches every C++ exception.
    unsafe {
        check(
            sys::ltrs_cuda_manual_seed(seed, true),
            "cuda::manual_seed_all",
        )
    }
}

/// Seeds the default generator of the current CUDA device (`torch.cuda.manual_seed(seed)`);
/// does nothing where there is no CUDA device, like PyTorch's.
#[track_caller]
pub fn manual_seed(seed: u64) -> Result<()> {
    // SAFETY: plain value arguments; the shim catches every C++ exception.
    unsafe { check(sys::ltrs_cuda_manual_seed(seed, false), "cuda::manual_seed") }
}

/// The seed of CUDA device `device`'s default generator (`torch.cuda.initial_seed()` for that
/// device). An error where there is no such device.
#[track_caller]
pub fn initial_seed(device: usize) -> Result<u64> {
    let mut out = 0u64;
    // SAFETY: valid out-pointer; the shim catches every C++ exception.
    unsafe {
        check(
            sys::ltrs_cuda_initial_seed(index(device), &mut out),
            "cuda::initial_seed",
        )?
    };
    Ok(out)
}

/// The calling thread's current CUDA device (`torch.cuda.current_device()`). An error where
/// there is no CUDA device.
#[track_caller]
pub fn current_device() -> Result<usize> {
    let mut out = 0i64;
    // SAFETY: valid out-pointer; the shim catches every C++ exception.
    unsafe {
        check(
            sys::ltrs_cuda_current_device(&mut out),
            "cuda::current_device",
        )?
    };
    Ok(out as usize)
}

/// Makes CUDA device `device` the calling thread's current one (`torch.cuda.set_device`).
/// An error where there is no such device.
#[track_caller]
pub fn set_device(device: usize) -> Result<()> {
    // SAFETY: plain value argument; the shim catches every C++ exception.
    unsafe { check(sys::ltrs_cuda_set_device(index(device)), "cuda::set_device") }
}
