//! FFI of `shim/blob.h`: tensors over memory they keep alive through a deleter.
#![allow(non_camel_case_types)]
use crate::abi::{ltrs_error, ltrs_tensor};
use std::ffi::c_void;

/// Called once with the context when libtorch frees the storage; from any thread. It must not
/// unwind.
pub type ltrs_blob_deleter = Option<unsafe extern "C" fn(ctx: *mut c_void)>;

extern "C" {
    /// A contiguous CPU tensor over `data`; `ctx` is owned by the call (see `blob.h`): the
    /// deleter runs exactly once, when the storage is freed or before a failing call returns.
    pub fn ltrs_tensor_from_blob_owned(
        out: *mut ltrs_tensor,
        data: *mut c_void,
        shape: *const i64,
        ndim: i64,
        kind: i32,
        deleter: ltrs_blob_deleter,
        ctx: *mut c_void,
    ) -> *mut ltrs_error;
}
