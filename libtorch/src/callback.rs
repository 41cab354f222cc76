//! The barrier around Rust code that libtorch calls back (custom autograd functions): a panic
//! must never unwind into C++, so it is caught here and travels back through libtorch as an error,
//! which [`crate::error::check`] turns into [`Error::CallbackPanic`].
use crate::error::{Error, Result};
use libtorch_sys as sys;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Starts the message of an error that carries a caught panic; `check` recognises it (libtorch
/// may prefix its own context, e.g. "custom function backward: ").
pub(crate) const PANIC_MARKER: &str = "a Rust callback panicked: ";

/// An error object for the shim, made from a Rust message (the shim copies it).
pub(crate) fn error_for_shim(message: &str) -> *mut sys::ltrs_error {
    // SAFETY: the pointer and length describe `message`, which the shim copies.
    unsafe { sys::autograd::ltrs_error_new(message.as_ptr().cast(), message.len() as i64) }
}

/// The text of a panic payload (`panic!` gives a `&str` or a `String`).
pub(crate) fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

/// Runs `body` for the shim: its `Ok` value goes to `done`, an `Err` or a panic becomes the
/// shim's error object (null on success). Nothing unwinds out of it.
pub(crate) fn run<T>(
    body: impl FnOnce() -> Result<T>,
    done: impl FnOnce(T),
) -> *mut sys::ltrs_error {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(v)) => match catch_unwind(AssertUnwindSafe(|| done(v))) {
            Ok(()) => std::ptr::null_mut(),
            Err(p) => panic_error(p),
        },
        Ok(Err(e)) => error_for_shim(&e.to_string()),
        Err(p) => panic_error(p),
    }
}

fn panic_error(p: Box<dyn std::any::Any + Send>) -> *mut sys::ltrs_error {
    // Formatting cannot panic here (a String is built from plain strings); were it to, the
    // process would abort rather than unwind into C++, since the callers are `extern "C"`.
    let e = error_for_shim(&format!("{PANIC_MARKER}{}", panic_message(p.as_ref())));
    drop_quietly(p);
    e
}

/// Drops `value` (a callback's state, a panic's payload) without ever unwinding: a `Drop` that
/// panics has its own payload dropped the same way, and past a few such levels the last payload
/// is leaked rather than dropped.
pub(crate) fn drop_quietly<T>(value: T) {
    let mut next = catch_unwind(AssertUnwindSafe(move || drop(value))).err();
    for _ in 0..8 {
        match next.take() {
            None => return,
            Some(p) => next = catch_unwind(AssertUnwindSafe(move || drop(p))).err(),
        }
    }
    std::mem::forget(next);
}

/// The [`Error::CallbackPanic`] for a libtorch message that carries a caught panic, if it does.
pub(crate) fn recognise_panic(op: &'static str, message: &str) -> Option<Error> {
    let at = message.find(PANIC_MARKER)?;
    Some(Error::CallbackPanic {
        op,
        message: message[at + PANIC_MARKER.len()..].trim_end().to_owned(),
    })
}
