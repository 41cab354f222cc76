//! The C ABI of `shim/ltrs.h`, mirrored type for type. See that header for the conventions:
//! fallible functions return a nullable `*mut ltrs_error`; tensors cross as bare `TensorImpl`
//! pointers (borrowed as arguments, owned as results, null = undefined / None).
#![allow(non_camel_case_types)]

use std::ffi::c_char;

/// An opaque `c10::TensorImpl`.
#[repr(C)]
pub struct ltrs_tensor_impl {
    _private: [u8; 0],
}
/// A tensor handle: a `c10::TensorImpl*`; null is an undefined tensor or None.
pub type ltrs_tensor = *mut ltrs_tensor_impl;

/// An error produced by a shim; free it with [`ltrs_error_free`].
#[repr(C)]
pub struct ltrs_error {
    _private: [u8; 0],
}

#[repr(C)]
pub struct ltrs_generator_impl {
    _private: [u8; 0],
}
/// A `c10::GeneratorImpl*`; null selects the default generator.
pub type ltrs_generator = *mut ltrs_generator_impl;

#[repr(C)]
pub struct ltrs_storage_impl {
    _private: [u8; 0],
}
/// A `c10::StorageImpl*`.
pub type ltrs_storage = *mut ltrs_storage_impl;

pub const LTRS_SCALAR_NONE: i32 = 0;
pub const LTRS_SCALAR_INT: i32 = 1;
pub const LTRS_SCALAR_FLOAT: i32 = 2;
pub const LTRS_SCALAR_BOOL: i32 = 3;
pub const LTRS_SCALAR_COMPLEX: i32 = 4;

#[repr(C)]
#[derive(Clone, Copy)]
pub union ltrs_scalar_value {
    pub i: i64,
    pub f: f64,
    pub b: bool,
    pub c: [f64; 2],
}

/// A `c10::Scalar` by value (tag + payload).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ltrs_scalar {
    pub tag: i32,
    pub reserved: i32,
    pub v: ltrs_scalar_value,
}

impl ltrs_scalar {
    /// The `Scalar?` None.
    pub const NONE: ltrs_scalar = ltrs_scalar {
        tag: LTRS_SCALAR_NONE,
        reserved: 0,
        v: ltrs_scalar_value { i: 0 },
    };
}

macro_rules! list {
    ($(#[$doc:meta])* $name:ident, $elem:ty) => {
        $(#[$doc])*
        #[repr(C)]
        #[derive(Clone, Copy)]
        pub struct $name {
            pub data: *const $elem,
            pub len: i64,
        }
        impl $name {
            /// None, for the optional list types.
            pub const NONE: $name = $name { data: std::ptr::null(), len: -1 };
            /// A view of `s`, valid while `s` is.
            pub fn new(s: &[$elem]) -> Self {
                $name { data: s.as_ptr(), len: s.len() as i64 }
            }
        }
    };
}
list!(
    /// `int[]` (null data with negative length: None).
    ltrs_int_list, i64);
list!(
    /// `float[]` (null data with negative length: None).
    ltrs_float_list, f64);
list!(
    /// `Scalar[]`.
    ltrs_scalar_list, ltrs_scalar);
list!(
    /// `Tensor[]` / `Tensor?[]` (elements may be null for the latter).
    ltrs_tensor_list, ltrs_tensor);
list!(
    /// UTF-8 text, not NUL-terminated (null data: None).
    ltrs_str, c_char);
list!(
    /// `Dimname[]` / `str[]`.
    ltrs_str_list, ltrs_str);

impl ltrs_str {
    /// A view of a Rust string, valid while it is.
    // Not `FromStr`: this borrows the string instead of parsing it.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(s: &str) -> Self {
        ltrs_str {
            data: s.as_ptr().cast(),
            len: s.len() as i64,
        }
    }
}

/// `int?`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ltrs_opt_int {
    pub value: i64,
    pub some: bool,
}

/// `float?`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ltrs_opt_float {
    pub value: f64,
    pub some: bool,
}

/// `bool?`: -1 None, 0 false, 1 true.
pub type ltrs_opt_bool = i8;

/// A device: `c10::DeviceType` code and index (-1 = current). `type_ < 0` is None.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ltrs_device {
    pub type_: i16,
    pub index: i16,
}

/// A `c10::Stream`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ltrs_stream {
    pub id: i64,
    pub device_index: i16,
    pub device_type: i16,
}

/// A tensor list returned by libtorch; free the array with [`ltrs_tensor_vec_free`] after
/// taking ownership of every element.
#[repr(C)]
pub struct ltrs_tensor_vec {
    pub data: *mut ltrs_tensor,
    pub len: i64,
}

extern "C" {
    pub fn ltrs_error_message(e: *const ltrs_error) -> *const c_char;
    pub fn ltrs_error_full_message(e: *const ltrs_error) -> *const c_char;
    pub fn ltrs_error_free(e: *mut ltrs_error);
    pub fn ltrs_set_cpp_backtraces(on: bool);

    pub fn ltrs_tensor_free(t: ltrs_tensor);
    pub fn ltrs_tensor_retain(t: ltrs_tensor) -> ltrs_tensor;
    pub fn ltrs_tensor_vec_free(v: ltrs_tensor_vec);
    pub fn ltrs_generator_free(g: ltrs_generator);
    pub fn ltrs_storage_free(s: ltrs_storage);

    pub fn ltrs_version() -> *const c_char;
    pub fn ltrs_get_num_threads(out: *mut i64) -> *mut ltrs_error;
    pub fn ltrs_set_num_threads(n: i64) -> *mut ltrs_error;
    pub fn ltrs_get_num_interop_threads(out: *mut i64) -> *mut ltrs_error;
    pub fn ltrs_set_num_interop_threads(n: i64) -> *mut ltrs_error;
    pub fn ltrs_set_num_threads_this_thread(n: i64) -> *mut ltrs_error;
    pub fn ltrs_built_with_cuda() -> bool;
    pub fn ltrs_cuda_is_available(out: *mut bool) -> *mut ltrs_error;
    pub fn ltrs_cuda_device_count(out: *mut i64) -> *mut ltrs_error;
    pub fn ltrs_cuda_synchronize(device: i64) -> *mut ltrs_error;
    pub fn ltrs_manual_seed(seed: u64) -> *mut ltrs_error;
    pub fn ltrs_tensor_from_data(
        out: *mut ltrs_tensor,
        data: *const std::ffi::c_void,
        nbytes: i64,
        shape: *const i64,
        ndim: i64,
        kind: i32,
    ) -> *mut ltrs_error;
    pub fn ltrs_tensor_from_blob(
        out: *mut ltrs_tensor,
        data: *mut std::ffi::c_void,
        shape: *const i64,
        ndim: i64,
        strides: *const i64,
        kind: i32,
    ) -> *mut ltrs_error;
    pub fn ltrs_tensor_copy_to(
        t: ltrs_tensor,
        dst: *mut std::ffi::c_void,
        nbytes: i64,
        kind: i32,
    ) -> *mut ltrs_error;
    pub fn ltrs_tensor_dim(t: ltrs_tensor, out: *mut i64) -> *mut ltrs_error;
    pub fn ltrs_tensor_sizes(t: ltrs_tensor, buf: *mut i64, cap: i64) -> *mut ltrs_error;
    pub fn ltrs_tensor_strides(t: ltrs_tensor, buf: *mut i64, cap: i64) -> *mut ltrs_error;
    pub fn ltrs_tensor_numel(t: ltrs_tensor, out: *mut i64) -> *mut ltrs_error;
    pub fn ltrs_tensor_storage_offset(t: ltrs_tensor, out: *mut i64) -> *mut ltrs_error;
    pub fn ltrs_tensor_scalar_type(t: ltrs_tensor, out: *mut i32) -> *mut ltrs_error;
    pub fn ltrs_tensor_device(t: ltrs_tensor, out: *mut ltrs_device) -> *mut ltrs_error;
    pub fn ltrs_tensor_layout(t: ltrs_tensor, out: *mut i32) -> *mut ltrs_error;
    pub fn ltrs_tensor_layout_of(t: ltrs_tensor) -> i32;
    pub fn ltrs_tensor_requires_grad(t: ltrs_tensor, out: *mut bool) -> *mut ltrs_error;
    pub fn ltrs_tensor_data_ptr(t: ltrs_tensor, out: *mut *mut std::ffi::c_void)
        -> *mut ltrs_error;
    pub fn ltrs_tensor_is_same(a: ltrs_tensor, b: ltrs_tensor) -> bool;
    pub fn ltrs_tensor_use_counts(t: ltrs_tensor, impl_refs: *mut i64, storage_refs: *mut i64);

    pub fn ltrs_generator_new_cpu(out: *mut ltrs_generator, seed: u64) -> *mut ltrs_error;
    pub fn ltrs_generator_set_seed(g: ltrs_generator, seed: u64) -> *mut ltrs_error;
    pub fn ltrs_generator_seed(g: ltrs_generator, out: *mut u64) -> *mut ltrs_error;
    pub fn ltrs_tensor_storage(t: ltrs_tensor, out: *mut ltrs_storage) -> *mut ltrs_error;
    pub fn ltrs_storage_nbytes(s: ltrs_storage, out: *mut i64) -> *mut ltrs_error;

    pub fn ltrs_test_throw(message: *const c_char) -> *mut ltrs_error;
}
