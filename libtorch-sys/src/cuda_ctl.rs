//! FFI for `shim/cuda_ctl.cpp`: CUDA seeding, ATen's global backend flags, the caching
//! allocator's statistics, streams, events and device properties. CUDA devices are indices,
//! streams [`ltrs_stream`]s; every function returns NULL or an error the caller owns (see
//! [`crate::abi`]). Without a CUDA device (always in a CPU-only build) every CUDA call returns an
//! error, except the seeding, which does nothing as `torch.cuda.manual_seed_all` does.
#![allow(non_camel_case_types)]
use crate::abi::{ltrs_error, ltrs_stream};

/// A `c10::Event` (owned; free with [`ltrs_cuda_event_free`]).
#[repr(C)]
pub struct ltrs_event_s {
    _private: [u8; 0],
}
pub type ltrs_event = *mut ltrs_event_s;

/// The flag codes of [`ltrs_flag_get`] / [`ltrs_flag_set`].
pub mod flag {
    pub const CUDNN_ENABLED: i32 = 0;
    pub const CUDNN_BENCHMARK: i32 = 1;
    pub const CUDNN_DETERMINISTIC: i32 = 2;
    pub const CUDNN_ALLOW_TF32: i32 = 3;
    pub const MATMUL_ALLOW_TF32: i32 = 4;
    pub const MATMUL_ALLOW_FP16_REDUCED: i32 = 5;
    pub const MATMUL_ALLOW_BF16_REDUCED: i32 = 6;
    /// Read-only: set with [`ltrs_set_deterministic_algorithms`](crate::cuda_ctl::ltrs_set_deterministic_algorithms).
    pub const DETERMINISTIC_ALGORITHMS: i32 = 7;
    /// Read-only: set with [`ltrs_set_deterministic_algorithms`](crate::cuda_ctl::ltrs_set_deterministic_algorithms).
    pub const DETERMINISTIC_WARN_ONLY: i32 = 8;
    pub const DETERMINISTIC_FILL_UNINITIALIZED: i32 = 9;
}

extern "C" {
    // Seeding and the current device.
    pub fn ltrs_cuda_manual_seed(seed: u64, all: bool) -> *mut ltrs_error;
    pub fn ltrs_cuda_initial_seed(device: i64, out: *mut u64) -> *mut ltrs_error;
    pub fn ltrs_cuda_current_device(out: *mut i64) -> *mut ltrs_error;
    pub fn ltrs_cuda_set_device(device: i64) -> *mut ltrs_error;

    // ATen's global flags.
    pub fn ltrs_flag_get(flag: i32, out: *mut bool) -> *mut ltrs_error;
    pub fn ltrs_flag_set(flag: i32, value: bool) -> *mut ltrs_error;
    pub fn ltrs_set_deterministic_algorithms(mode: bool, warn_only: bool) -> *mut ltrs_error;
    /// 0 = "highest", 1 = "high", 2 = "medium".
    pub fn ltrs_get_float32_matmul_precision(out: *mut i32) -> *mut ltrs_error;
    pub fn ltrs_set_float32_matmul_precision(precision: i32) -> *mut ltrs_error;
    pub fn ltrs_cudnn_is_available(out: *mut bool) -> *mut ltrs_error;
    /// -1 where libtorch has no cuDNN.
    pub fn ltrs_cudnn_version(out: *mut i64) -> *mut ltrs_error;

    // The caching allocator. `out` holds 4 values: allocated (current, peak), reserved
    // (current, peak), in bytes.
    pub fn ltrs_cuda_memory_stats(device: i64, out: *mut i64) -> *mut ltrs_error;
    pub fn ltrs_cuda_reset_peak_memory_stats(device: i64) -> *mut ltrs_error;
    pub fn ltrs_cuda_empty_cache() -> *mut ltrs_error;
    pub fn ltrs_cuda_mem_get_info(device: i64, free: *mut i64, total: *mut i64) -> *mut ltrs_error;

    // Streams.
    pub fn ltrs_cuda_stream_new(
        device: i64,
        priority: i32,
        out: *mut ltrs_stream,
    ) -> *mut ltrs_error;
    pub fn ltrs_cuda_stream_current(device: i64, out: *mut ltrs_stream) -> *mut ltrs_error;
    pub fn ltrs_cuda_stream_default(device: i64, out: *mut ltrs_stream) -> *mut ltrs_error;
    pub fn ltrs_cuda_stream_set_current(stream: ltrs_stream) -> *mut ltrs_error;
    /// `out` receives a `c10::StreamGuard*` for [`ltrs_cuda_stream_guard_free`], which must run
    /// on the same thread.
    pub fn ltrs_cuda_stream_guard_new(
        stream: ltrs_stream,
        out: *mut *mut std::ffi::c_void,
    ) -> *mut ltrs_error;
    pub fn ltrs_cuda_stream_guard_free(guard: *mut std::ffi::c_void);
    pub fn ltrs_cuda_stream_synchronize(stream: ltrs_stream) -> *mut ltrs_error;
    pub fn ltrs_cuda_stream_query(stream: ltrs_stream, out: *mut bool) -> *mut ltrs_error;
    pub fn ltrs_cuda_stream_wait_stream(stream: ltrs_stream, other: ltrs_stream)
        -> *mut ltrs_error;

    // Events.
    pub fn ltrs_cuda_event_new(enable_timing: bool, out: *mut ltrs_event) -> *mut ltrs_error;
    pub fn ltrs_cuda_event_free(event: ltrs_event);
    pub fn ltrs_cuda_event_record(event: ltrs_event, stream: ltrs_stream) -> *mut ltrs_error;
    pub fn ltrs_cuda_event_wait(event: ltrs_event, stream: ltrs_stream) -> *mut ltrs_error;
    pub fn ltrs_cuda_event_query(event: ltrs_event, out: *mut bool) -> *mut ltrs_error;
    pub fn ltrs_cuda_event_synchronize(event: ltrs_event) -> *mut ltrs_error;
    pub fn ltrs_cuda_event_elapsed_time(
        start: ltrs_event,
        end: ltrs_event,
        out: *mut f64,
    ) -> *mut ltrs_error;

    // Device properties; `name` is a buffer of `name_len` bytes for a NUL-terminated name.
    pub fn ltrs_cuda_device_properties(
        device: i64,
        name: *mut std::ffi::c_char,
        name_len: i32,
        major: *mut i32,
        minor: *mut i32,
        total_memory: *mut i64,
        multi_processor_count: *mut i32,
    ) -> *mut ltrs_error;
}
