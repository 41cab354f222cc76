//! FFI of `shim/dispatch.h`: boxed calls of ATen operators by schema name, and the autograd
//! accessors the `nn`/`optim` layer needs. See that header for ownership rules.
use crate::abi::{ltrs_error, ltrs_tensor, ltrs_tensor_vec};
use std::ffi::c_char;

pub const LTRS_IV_NONE: i32 = 0;
pub const LTRS_IV_TENSOR: i32 = 1;
pub const LTRS_IV_INT: i32 = 2;
pub const LTRS_IV_DOUBLE: i32 = 3;
pub const LTRS_IV_BOOL: i32 = 4;
pub const LTRS_IV_INT_LIST: i32 = 5;
pub const LTRS_IV_TENSOR_LIST: i32 = 6;
pub const LTRS_IV_DEFAULT: i32 = 7;
pub const LTRS_IV_STRING: i32 = 8;
pub const LTRS_IV_DOUBLE_LIST: i32 = 9;
pub const LTRS_IV_DEVICE: i32 = 10;

/// One argument of a boxed call (`ltrs_ivalue`): `tag` says which fields are read.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ltrs_ivalue {
    pub tag: i32,
    pub reserved: i32,
    pub t: ltrs_tensor,
    pub i: i64,
    pub f: f64,
    pub ints: *const i64,
    pub tensors: *const ltrs_tensor,
    pub str_: *const c_char,
    pub doubles: *const f64,
    pub len: i64,
}

impl ltrs_ivalue {
    /// An argument with only its tag set.
    pub const fn tagged(tag: i32) -> ltrs_ivalue {
        ltrs_ivalue {
            tag,
            reserved: 0,
            t: std::ptr::null_mut(),
            i: 0,
            f: 0.0,
            ints: std::ptr::null(),
            tensors: std::ptr::null(),
            str_: std::ptr::null(),
            doubles: std::ptr::null(),
            len: 0,
        }
    }
}

extern "C" {
    pub fn ltrs_dispatch_call(
        name: *const c_char,
        overload: *const c_char,
        args: *const ltrs_ivalue,
        nargs: i64,
        out: *mut ltrs_tensor_vec,
    ) -> *mut ltrs_error;
    pub fn ltrs_dispatch_has_op(
        name: *const c_char,
        overload: *const c_char,
        out: *mut bool,
    ) -> *mut ltrs_error;
}
