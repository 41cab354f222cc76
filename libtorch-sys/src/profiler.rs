//! FFI for `shim/profiler.cpp`: libtorch's Kineto profiler (`prepareProfiler`, `enableProfiler`,
//! `disableProfiler`, `ProfilerResult::save`) and user ranges (`record_function_enter_new`).
//! Conventions as in [`crate::abi`].
#![allow(non_camel_case_types)]
use crate::abi::{ltrs_error, ltrs_str};

/// One event of a finished profile; the pointers borrow from the result that returned it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ltrs_profiler_event {
    pub name: *const std::ffi::c_char,
    pub overload_name: *const std::ffi::c_char,
    pub start_ns: u64,
    pub end_ns: u64,
    pub start_thread: u64,
    pub end_thread: u64,
    pub sequence_nr: i64,
    pub correlation_id: u64,
    pub linked_correlation_id: u64,
    pub flops: u64,
    pub nbytes: i64,
    pub device_type: i32,
    pub device_index: i32,
    pub activity_type: u8,
    pub scope: u8,
    pub is_async: bool,
    pub is_hidden: bool,
    pub is_user_scope: bool,
    /// The dims of every input, one after the other.
    pub shape_dims: *const i64,
    /// The rank of each input (`n_shapes` of them).
    pub shape_ranks: *const i64,
    pub n_shapes: usize,
}

/// A finished profile (`torch::autograd::profiler::ProfilerResult` and its events).
#[repr(C)]
pub struct ltrs_profiler_result {
    _private: [u8; 0],
}

/// An open user range (`PythonRecordFunction`).
#[repr(C)]
pub struct ltrs_record_function {
    _private: [u8; 0],
}

extern "C" {
    /// Starts profiling on the calling thread (ProfilerState::KINETO).
    pub fn ltrs_profiler_enable(
        cpu: bool,
        cuda: bool,
        record_shapes: bool,
        profile_memory: bool,
        with_stack: bool,
        with_flops: bool,
        with_modules: bool,
    ) -> *mut ltrs_error;
    /// Stops this thread's profile; `out` receives a result freed by `ltrs_profiler_result_free`.
    pub fn ltrs_profiler_disable(out: *mut *mut ltrs_profiler_result) -> *mut ltrs_error;
    /// The result's events (borrowed) and the trace's start time.
    pub fn ltrs_profiler_result_events(
        r: *const ltrs_profiler_result,
        events: *mut *const ltrs_profiler_event,
        n: *mut usize,
        trace_start_ns: *mut u64,
    ) -> *mut ltrs_error;
    /// Writes the Chrome trace to `path`.
    pub fn ltrs_profiler_result_save(
        r: *mut ltrs_profiler_result,
        path: ltrs_str,
    ) -> *mut ltrs_error;
    pub fn ltrs_profiler_result_free(r: *mut ltrs_profiler_result);
    /// Opens a user range; `out` receives the handle `ltrs_record_function_exit` takes.
    pub fn ltrs_record_function_enter(
        name: ltrs_str,
        out: *mut *mut ltrs_record_function,
    ) -> *mut ltrs_error;
    /// Closes the range and releases the handle (also when it returns an error).
    pub fn ltrs_record_function_exit(handle: *mut ltrs_record_function) -> *mut ltrs_error;
}
