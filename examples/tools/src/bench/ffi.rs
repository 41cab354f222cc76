//! The C++ baseline (`examples/tools/cpp/bench_baseline.cpp`), compiled into this crate by `build.rs`,
//! and safe wrappers around it.
use libtorch::Tensor;
use std::ffi::{c_char, c_void, CStr};

type TensorFn = unsafe extern "C" fn(*const *mut c_void, usize, i64) -> *const c_char;
type StepFn = unsafe extern "C" fn(*const *mut c_void, usize, i64, f64) -> *const c_char;

extern "C" {
    fn bench_callgrind_requests() -> bool;
    fn bench_callgrind_start();
    fn bench_callgrind_stop();
    fn bench_callgrind_zero();
    fn bench_callgrind_dump(name: *const c_char);
    fn bench_cpp_set_num_threads(n: i64);
    fn bench_cpp_add(t: *const *mut c_void, n: usize, iters: i64) -> *const c_char;
    fn bench_cpp_relu(t: *const *mut c_void, n: usize, iters: i64) -> *const c_char;
    fn bench_cpp_matmul(t: *const *mut c_void, n: usize, iters: i64) -> *const c_char;
    fn bench_cpp_xor_step(t: *const *mut c_void, n: usize, iters: i64, lr: f64) -> *const c_char;
    fn bench_cpp_mlp_step(t: *const *mut c_void, n: usize, iters: i64, lr: f64) -> *const c_char;
    fn bench_cpp_conv_step(t: *const *mut c_void, n: usize, iters: i64, lr: f64) -> *const c_char;
    fn bench_cpp_memcpy(
        src: *const f32,
        n: usize,
        mid: *mut f32,
        dst: *mut f32,
        iters: i64,
    ) -> *const c_char;
    fn bench_cpp_copy(src: *const f32, n: usize, iters: i64) -> *const c_char;
}

/// A C++ operator loop: `iters` times one operator on the given tensors.
#[derive(Clone, Copy, Debug)]
pub enum CppOp {
    /// `at::add(t[0], t[1])`.
    Add,
    /// `at::relu(t[0])`.
    Relu,
    /// `at::matmul(t[0], t[1])`.
    Matmul,
}

/// A C++ training loop: `iters` SGD steps of one model.
#[derive(Clone, Copy, Debug)]
pub enum CppStep {
    /// 2 → 2 → 1 tanh MLP, MSE loss.
    Xor,
    /// 784 → 256 → 10 ReLU MLP, cross-entropy loss.
    Mlp,
    /// conv 1 → 8 3×3, ReLU, max-pool 2, linear → 10, cross-entropy loss.
    Conv,
}

/// Sets libtorch's intra-op thread count the way a C++ program does (`at::set_num_threads`).
pub fn set_num_threads(n: usize) {
    // SAFETY: a plain value; at::set_num_threads does not throw for positive n, and the caller
    // has checked n > 0.
    unsafe { bench_cpp_set_num_threads(n as i64) }
}

/// Whether the baseline was compiled with valgrind's client requests (`valgrind/callgrind.h`
/// was found), so [`callgrind_start`] and [`callgrind_stop`] work.
pub fn callgrind_requests() -> bool {
    // SAFETY: returns a constant.
    unsafe { bench_callgrind_requests() }
}

/// Switches callgrind's instrumentation on (a no-op outside valgrind).
pub fn callgrind_start() {
    // SAFETY: a client request is a no-op instruction sequence outside valgrind.
    unsafe { bench_callgrind_start() }
}

/// Switches callgrind's instrumentation off (a no-op outside valgrind).
pub fn callgrind_stop() {
    // SAFETY: as in `callgrind_start`.
    unsafe { bench_callgrind_stop() }
}

/// Zeroes callgrind's counters (a no-op outside valgrind).
pub fn callgrind_zero() {
    // SAFETY: as in `callgrind_start`.
    unsafe { bench_callgrind_zero() }
}

/// Writes callgrind's counters since the last zeroing to a new output file whose trigger line
/// names `name`, and zeroes them (a no-op outside valgrind).
pub fn callgrind_dump(name: &CStr) {
    // SAFETY: `name` is a live NUL-terminated string for the call; callgrind copies it.
    unsafe { bench_callgrind_dump(name.as_ptr()) }
}

fn handles(tensors: &[&Tensor]) -> Vec<*mut c_void> {
    tensors
        .iter()
        .map(|t| t.as_raw().cast::<c_void>())
        .collect()
}

/// Turns a returned error message (NULL = success) into a `Result`.
///
/// # Safety
/// `err` must be NULL or a NUL-terminated string that stays valid until the next call.
unsafe fn check(err: *const c_char) -> Result<(), String> {
    if err.is_null() {
        Ok(())
    } else {
        // SAFETY: the caller guarantees a live NUL-terminated string.
        Err(unsafe { CStr::from_ptr(err) }
            .to_string_lossy()
            .into_owned())
    }
}

/// Runs `iters` iterations of `op` in C++ on `tensors` (which must be defined).
pub fn run_op(op: CppOp, tensors: &[&Tensor], iters: u64) -> Result<(), String> {
    let f: TensorFn = match op {
        CppOp::Add => bench_cpp_add,
        CppOp::Relu => bench_cpp_relu,
        CppOp::Matmul => bench_cpp_matmul,
    };
    let hs = handles(tensors);
    // SAFETY: every handle is borrowed from a live Tensor for the call; the C++ side takes its
    // own references, catches every exception and returns NULL or a message.
    unsafe { check(f(hs.as_ptr(), hs.len(), iters as i64)) }
}

/// Runs `iters` training steps of `step` in C++ on `[inputs, targets, parameters...]`.
pub fn run_step(step: CppStep, tensors: &[&Tensor], iters: u64, lr: f64) -> Result<(), String> {
    let f: StepFn = match step {
        CppStep::Xor => bench_cpp_xor_step,
        CppStep::Mlp => bench_cpp_mlp_step,
        CppStep::Conv => bench_cpp_conv_step,
    };
    let hs = handles(tensors);
    // SAFETY: as in `run_op`; the parameters are updated in place through the shared handles.
    unsafe { check(f(hs.as_ptr(), hs.len(), iters as i64, lr)) }
}

/// `iters` times: `src` → `mid` → `dst` with two plain memcpys (the copy floor).
pub fn run_memcpy(src: &[f32], mid: &mut [f32], dst: &mut [f32], iters: u64) -> Result<(), String> {
    assert!(mid.len() >= src.len() && dst.len() >= src.len());
    // SAFETY: the three buffers are live and hold at least `src.len()` floats each, and the
    // mutable ones do not overlap `src` (distinct borrows).
    unsafe {
        check(bench_cpp_memcpy(
            src.as_ptr(),
            src.len(),
            mid.as_mut_ptr(),
            dst.as_mut_ptr(),
            iters as i64,
        ))
    }
}

/// `iters` times in C++: `at::from_blob(src).clone()`, then a memcpy into a new buffer.
pub fn run_copy(src: &[f32], iters: u64) -> Result<(), String> {
    // SAFETY: `src` is live for the call; C++ only reads it (from_blob's clone copies it).
    unsafe { check(bench_cpp_copy(src.as_ptr(), src.len(), iters as i64)) }
}
