//! Library-wide settings: threads and the global seed.
use crate::error::{check, Result};
use libtorch_sys as sys;

/// The number of threads libtorch uses inside one operator (`torch.get_num_threads()`).
#[track_caller]
pub fn get_num_threads() -> usize {
    let mut n = 0i64;
    // SAFETY: valid out-pointer; the shim catches every exception.
    let r = unsafe { check(sys::ltrs_get_num_threads(&mut n), "get_num_threads") };
    r.map(|_| n as usize).unwrap_or(1)
}

/// Sets the intra-op thread count (`torch.set_num_threads(n)`); `n` must be positive.
#[track_caller]
pub fn set_num_threads(n: usize) -> Result<()> {
    // SAFETY: plain value argument.
    unsafe { check(sys::ltrs_set_num_threads(n as i64), "set_num_threads") }
}

/// Sets the intra-op thread count of the calling thread only, leaving the process-wide default
/// of [`set_num_threads`] and every other thread alone; `n` must be positive.
///
/// A thread that prepares work beside the one that computes (a data-loading worker) should run
/// its operators on one thread: with libtorch's default, each such thread starts its own team
/// of one thread per core and they fight over the cores (on 2 cores, a Fashion-MNIST epoch fed
/// by one loader worker took 2.4× as long). [`crate::data::DataLoader`]'s workers do this
/// themselves, as PyTorch's DataLoader workers run with `torch.set_num_threads(1)`.
///
/// Fails where libtorch was built without OpenMP, whose thread count is process-wide.
///
/// ```
/// use libtorch::threads;
/// std::thread::spawn(|| {
///     threads::set_num_threads_this_thread(1).unwrap();
///     assert_eq!(threads::get_num_threads(), 1);
/// })
/// .join()
/// .unwrap();
/// ```
#[track_caller]
pub fn set_num_threads_this_thread(n: usize) -> Result<()> {
    // SAFETY: plain value argument; the shim catches every exception.
    unsafe {
        check(
            sys::ltrs_set_num_threads_this_thread(n as i64),
            "set_num_threads_this_thread",
        )
    }
}

/// The inter-op thread count (`torch.get_num_interop_threads()`).
#[track_caller]
pub fn get_num_interop_threads() -> usize {
    let mut n = 0i64;
    // SAFETY: valid out-pointer.
    let r = unsafe {
        check(
            sys::ltrs_get_num_interop_threads(&mut n),
            "get_num_interop_threads",
        )
    };
    r.map(|_| n as usize).unwrap_or(1)
}

/// Sets the inter-op thread count; libtorch allows this only once, before any parallel work.
#[track_caller]
pub fn set_num_interop_threads(n: usize) -> Result<()> {
    // SAFETY: plain value argument.
    unsafe {
        check(
            sys::ltrs_set_num_interop_threads(n as i64),
            "set_num_interop_threads",
        )
    }
}

/// Seeds every default generator (`torch.manual_seed(seed)`).
#[track_caller]
pub fn manual_seed(seed: u64) {
    // SAFETY: plain value argument; seeding the default generators cannot fail on CPU.
    let _ = unsafe { check(sys::ltrs_manual_seed(seed), "manual_seed") };
}
