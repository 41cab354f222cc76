//! CUDA device properties (`torch.cuda.get_device_properties` and its shorthands), read from
//! the CUDA driver by the shim (see `ltrs_cuda_device_properties` for why that is sound
//! without CUDA's headers).
use super::index;
use crate::error::{check, Result};
use libtorch_sys::cuda_ctl as ctl;

/// What `torch.cuda.get_device_properties(i)` reports, the common fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceProperties {
    /// The product name, e.g. "NVIDIA H100 80GB HBM3".
    pub name: String,
    /// Compute capability, major part (9 for Hopper).
    pub major: i32,
    /// Compute capability, minor part.
    pub minor: i32,
    /// Global memory in bytes.
    pub total_memory: u64,
    /// Streaming multiprocessors.
    pub multi_processor_count: i32,
}

/// The properties of CUDA device `device` (`torch.cuda.get_device_properties(device)`). An
/// error where there is no such device.
///
/// ```
/// use libtorch::cuda;
/// match cuda::get_device_properties(0) {
///     Ok(p) => println!("{} sm_{}{}, {} bytes", p.name, p.major, p.minor, p.total_memory),
///     Err(e) => assert!(!cuda::is_available(), "{e}"),
/// }
/// ```
#[track_caller]
pub fn get_device_properties(device: usize) -> Result<DeviceProperties> {
    let mut name = [0 as std::ffi::c_char; 256];
    let (mut major, mut minor, mut total, mut sms) = (0i32, 0i32, 0i64, 0i32);
    // SAFETY: `name` has the 256 bytes passed as its length, the others are valid
    // out-pointers; the shim catches every C++ exception.
    unsafe {
        check(
            ctl::ltrs_cuda_device_properties(
                index(device),
                name.as_mut_ptr(),
                name.len() as i32,
                &mut major,
                &mut minor,
                &mut total,
                &mut sms,
            ),
            "cuda::get_device_properties",
        )?
    };
    // The driver NUL-terminates within the buffer; the last byte stays 0 regardless.
    name[name.len() - 1] = 0;
    // SAFETY: `name` is NUL-terminated (above) and outlives the borrow.
    let name = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) };
    Ok(DeviceProperties {
        name: name.to_string_lossy().into_owned(),
        major,
        minor,
        total_memory: total as u64,
        multi_processor_count: sms,
    })
}

/// CUDA device `device`'s name (`torch.cuda.get_device_name(device)`).
#[track_caller]
pub fn get_device_name(device: usize) -> Result<String> {
    get_device_properties(device)
        .map(|p| p.name)
        .map_err(|e| e.in_call("cuda::get_device_name"))
}

/// CUDA device `device`'s compute capability `(major, minor)`
/// (`torch.cuda.get_device_capability(device)`), e.g. `(9, 0)` on an H100.
#[track_caller]
pub fn get_device_capability(device: usize) -> Result<(i32, i32)> {
    get_device_properties(device)
        .map(|p| (p.major, p.minor))
        .map_err(|e| e.in_call("cuda::get_device_capability"))
}
