//! The CUDA caching allocator's statistics (`torch.cuda.memory_allocated` and friends), read
//! through c10's device-generic `DeviceAllocator`.
use super::index;
use crate::error::{check, Result};
use libtorch_sys::cuda_ctl as sys;

#[track_caller]
fn stats(device: usize, op: &'static str) -> Result<[i64; 4]> {
    let mut out = [0i64; 4];
    // SAFETY: `out` has the 4 slots the shim writes; the shim catches every C++ exception.
    unsafe {
        check(
            sys::ltrs_cuda_memory_stats(index(device), out.as_mut_ptr()),
            op,
        )?
    };
    Ok(out)
}

/// Bytes of CUDA device `device`'s memory held by tensors now
/// (`torch.cuda.memory_allocated(device)`). An error where there is no such device.
///
/// ```
/// use libtorch::cuda;
/// if !cuda::is_available() {
///     assert!(cuda::memory_allocated(0).is_err());
/// }
/// ```
#[track_caller]
pub fn memory_allocated(device: usize) -> Result<u64> {
    Ok(stats(device, "cuda::memory_allocated")?[0] as u64)
}

/// The most bytes tensors have held on device `device` since the program started or
/// [`reset_peak_memory_stats`] (`torch.cuda.max_memory_allocated(device)`).
#[track_caller]
pub fn max_memory_allocated(device: usize) -> Result<u64> {
    Ok(stats(device, "cuda::max_memory_allocated")?[1] as u64)
}

/// Bytes the caching allocator has reserved from the device, used or cached
/// (`torch.cuda.memory_reserved(device)`).
#[track_caller]
pub fn memory_reserved(device: usize) -> Result<u64> {
    Ok(stats(device, "cuda::memory_reserved")?[2] as u64)
}

/// The most bytes reserved since the program started or [`reset_peak_memory_stats`]
/// (`torch.cuda.max_memory_reserved(device)`).
#[track_caller]
pub fn max_memory_reserved(device: usize) -> Result<u64> {
    Ok(stats(device, "cuda::max_memory_reserved")?[3] as u64)
}

/// Starts the peaks of [`max_memory_allocated`] and [`max_memory_reserved`] again from the
/// current values (`torch.cuda.reset_peak_memory_stats(device)`).
#[track_caller]
pub fn reset_peak_memory_stats(device: usize) -> Result<()> {
    // SAFETY: plain value argument; the shim catches every C++ exception.
    unsafe {
        check(
            sys::ltrs_cuda_reset_peak_memory_stats(index(device)),
            "cuda::reset_peak_memory_stats",
        )
    }
}

/// Returns the cached, unused blocks of every device to CUDA (`torch.cuda.empty_cache()`), so
/// other processes can use them; tensors still alive keep theirs.
#[track_caller]
pub fn empty_cache() -> Result<()> {
    // SAFETY: no arguments; the shim catches every C++ exception.
    unsafe { check(sys::ltrs_cuda_empty_cache(), "cuda::empty_cache") }
}

/// `(free, total)` bytes of device `device` as CUDA reports them (`torch.cuda.mem_get_info`).
#[track_caller]
pub fn mem_get_info(device: usize) -> Result<(u64, u64)> {
    let (mut free, mut total) = (0i64, 0i64);
    // SAFETY: valid out-pointers; the shim catches every C++ exception.
    unsafe {
        check(
            sys::ltrs_cuda_mem_get_info(index(device), &mut free, &mut total),
            "cuda::mem_get_info",
        )?
    };
    Ok((free as u64, total as u64))
}
