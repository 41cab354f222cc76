//! User ranges in a profile (`with torch.profiler.record_function("name"):`).
use crate::error::check;
use crate::Result;
use libtorch_sys as sys;
use std::marker::PhantomData;

/// A labelled range in the profile, open until dropped (`torch.profiler.record_function`):
/// the operators run meanwhile appear nested under `name` in the trace and in
/// [`events`](super::ProfilerResult::events). Without a running profile it records nothing.
/// Ranges belong to their thread (the guard cannot be sent to another) and close in reverse
/// order of opening.
///
/// ```
/// use libtorch::profiler::{self, ProfilerOptions};
/// let (_, prof) = profiler::profile(ProfilerOptions::default(), || {
///     let _r = profiler::record_function("load_batch");
/// })
/// .unwrap();
/// assert!(prof.events().iter().any(|e| e.name == "load_batch" && e.is_user_annotation));
/// ```
#[must_use = "the range closes when the guard is dropped"]
pub struct RecordFunction {
    raw: *mut sys::profiler::ltrs_record_function,
    _thread_bound: PhantomData<*const ()>,
}

/// Opens a range named `name` ([`RecordFunction`]); panics if libtorch fails to open it (see
/// [`f_record_function`]).
#[track_caller]
pub fn record_function(name: &str) -> RecordFunction {
    f_record_function(name).unwrap_or_else(|e| panic!("{e}"))
}

/// [`record_function`], returning libtorch's error if it fails to open the range.
#[track_caller]
pub fn f_record_function(name: &str) -> Result<RecordFunction> {
    let mut raw = std::ptr::null_mut();
    // SAFETY: `name` outlives the call (the shim copies it); `raw` is a valid out-pointer.
    unsafe {
        check(
            sys::profiler::ltrs_record_function_enter(sys::ltrs_str::from_str(name), &mut raw),
            "record_function",
        )?
    };
    Ok(RecordFunction {
        raw,
        _thread_bound: PhantomData,
    })
}

impl RecordFunction {
    /// Closes the range now (`__exit__`), reporting an error libtorch raised while closing it.
    pub fn end(mut self) -> Result<()> {
        let raw = std::mem::replace(&mut self.raw, std::ptr::null_mut());
        // SAFETY: `raw` is the handle `ltrs_record_function_enter` gave, released exactly once
        // by this call (the Drop below then sees null).
        unsafe {
            check(
                sys::profiler::ltrs_record_function_exit(raw),
                "record_function",
            )
        }
    }
}

impl Drop for RecordFunction {
    fn drop(&mut self) {
        if !self.raw.is_null() {
            // SAFETY: as in `end`; an error while closing cannot be reported from a drop.
            let err = unsafe { sys::profiler::ltrs_record_function_exit(self.raw) };
            // SAFETY: `err` is null or an error the shim handed over, freed once here.
            unsafe { crate::error::check(err, "record_function").ok() };
        }
    }
}
