//! The parts of `torch.cuda` beyond the device queries of `device.rs`: seeding, memory
//! statistics, streams, events and device properties. Re-exported as [`crate::cuda`].
//!
//! Where there is no CUDA device (always in a build without the `cuda` feature) every call
//! returns an `Err` saying so, except the seeding, which does nothing, as PyTorch's does.
//! (PyTorch's memory statistics read 0 there and its `empty_cache` does nothing; an `Err` tells
//! a program that meant to measure a GPU that it has none.)
//!
//! Nothing here includes CUDA's headers: the shim (`libtorch-sys/shim/cuda_ctl.cpp`) goes
//! through c10's device-generic interfaces (`c10::DeviceAllocator`, `c10::Event`,
//! `c10::StreamGuard`, `c10::impl::VirtualGuardImpl`), which libtorch_cuda implements.
mod event;
mod memory;
mod properties;
mod random;
mod stream;

pub use event::Event;
pub use memory::{
    empty_cache, max_memory_allocated, max_memory_reserved, mem_get_info, memory_allocated,
    memory_reserved, reset_peak_memory_stats,
};
pub use properties::{
    get_device_capability, get_device_name, get_device_properties, DeviceProperties,
};
pub use random::{current_device, initial_seed, manual_seed, manual_seed_all, set_device};
pub use stream::{current_stream, default_stream, set_stream, stream, StreamGuard};

/// A device index in the ABI's form: one past `i64::MAX` cannot be a device, and the shim says
/// "no CUDA device N" for it as for any other missing one.
pub(crate) fn index(device: usize) -> i64 {
    i64::try_from(device).unwrap_or(i64::MAX)
}
