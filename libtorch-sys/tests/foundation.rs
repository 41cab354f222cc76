//! The whole chain, before any generated code: Rust -> C shim -> libtorch -> back, errors included.
use libtorch_sys::*;
use std::ffi::{CStr, CString};

fn message(e: *mut ltrs_error) -> String {
    assert!(!e.is_null(), "expected an error");
    // SAFETY: `e` is a live error returned by a shim; the message is copied before it is freed.
    unsafe {
        let m = CStr::from_ptr(ltrs_error_message(e))
            .to_string_lossy()
            .into_owned();
        ltrs_error_free(e);
        m
    }
}

#[test]
fn version_is_a_supported_one() {
    // SAFETY: returns a pointer to a static NUL-terminated string.
    let v = unsafe { CStr::from_ptr(ltrs_version()) }.to_str().unwrap();
    // A supported minor has its lock: the libtorch linked is one of those versions.
    let minor = v.split('.').take(2).collect::<Vec<_>>().join(".");
    let lock = format!(
        "{}/provision/pytorch-{minor}.lock",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&lock).unwrap_or_else(|e| panic!("{lock}: {e}"));
    assert!(text.contains(&format!("torch=={minor}.")), "{lock}");
    assert_eq!(v, LIBTORCH_VERSION);
}

#[test]
fn thread_count_round_trips() {
    let mut n = 0i64;
    // SAFETY: `n` is a valid out-pointer for the call.
    unsafe {
        assert!(ltrs_set_num_threads(1).is_null());
        assert!(ltrs_get_num_threads(&mut n).is_null());
    }
    assert_eq!(n, 1);
}

#[test]
fn bad_thread_count_is_an_error_not_an_abort() {
    // SAFETY: plain value argument; the returned error is consumed by `message`.
    let m = message(unsafe { ltrs_set_num_threads(0) });
    assert!(m.contains("must be positive, got 0"), "{m}");
}

#[test]
fn cpp_exception_becomes_error_without_backtrace() {
    let text = CString::new("boom 42").unwrap();
    // SAFETY: `text` is a valid NUL-terminated string for the duration of the call.
    let e = unsafe { ltrs_test_throw(text.as_ptr()) };
    // SAFETY: `e` is a live error; the full message is read before `message` frees it.
    let full = unsafe { CStr::from_ptr(ltrs_error_full_message(e)) }
        .to_string_lossy()
        .into_owned();
    let m = message(e);
    assert!(m.contains("ltrs_test_throw: boom 42"), "{m}");
    assert!(full.contains("boom 42"));
}

#[test]
fn cuda_availability_is_answered() {
    let mut available = true;
    let mut count = -1i64;
    // SAFETY: valid out-pointers.
    unsafe {
        assert!(ltrs_cuda_is_available(&mut available).is_null());
        assert!(ltrs_cuda_device_count(&mut count).is_null());
    }
    // A CPU-only build can never see a GPU; a CUDA build reports what the machine has.
    // SAFETY: no arguments.
    if !unsafe { ltrs_built_with_cuda() } {
        assert!(!available);
        assert_eq!(count, 0);
    } else {
        assert_eq!(available, count > 0);
    }
}

/// With the `cuda` feature, this test binary (a downstream binary like any user's) must load
/// libtorch_cuda and libc10_cuda at start-up even though it calls nothing CUDA-specific:
/// otherwise libtorch never registers its CUDA kernels and reports no GPU on a GPU machine.
/// Without the feature it must load neither. CI runs it both ways.
#[test]
fn cuda_libraries_are_loaded_exactly_with_the_feature() {
    // SAFETY: no arguments.
    let built = unsafe { ltrs_built_with_cuda() };
    assert_eq!(built, cfg!(feature = "cuda"));
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    for lib in ["libtorch_cuda.so", "libc10_cuda.so"] {
        assert_eq!(
            maps.contains(lib),
            built,
            "{lib} mapped: {}, built with cuda: {built}",
            maps.contains(lib)
        );
    }
}
