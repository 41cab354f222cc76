//! FFI of `shim/serialize.h`: name -> tensor maps in `torch.save`'s format.
use crate::abi::{ltrs_device, ltrs_error, ltrs_str, ltrs_tensor};
use std::ffi::c_char;

/// An opaque loaded name -> tensor list; free with [`ltrs_named_tensors_free`].
#[repr(C)]
pub struct ltrs_named_tensors {
    _private: [u8; 0],
}

extern "C" {
    pub fn ltrs_serialize_save(
        path: *const c_char,
        path_len: i64,
        names: *const ltrs_str,
        tensors: *const ltrs_tensor,
        n: i64,
    ) -> *mut ltrs_error;
    pub fn ltrs_serialize_save_bytes(
        names: *const ltrs_str,
        tensors: *const ltrs_tensor,
        n: i64,
        out_data: *mut *mut c_char,
        out_len: *mut i64,
    ) -> *mut ltrs_error;
    pub fn ltrs_serialize_load(
        path: *const c_char,
        path_len: i64,
        map_location: *const ltrs_device,
        out: *mut *mut ltrs_named_tensors,
    ) -> *mut ltrs_error;
    pub fn ltrs_serialize_load_bytes(
        data: *const c_char,
        len: i64,
        map_location: *const ltrs_device,
        out: *mut *mut ltrs_named_tensors,
    ) -> *mut ltrs_error;
    pub fn ltrs_named_tensors_len(m: *const ltrs_named_tensors) -> i64;
    pub fn ltrs_named_tensors_name(m: *const ltrs_named_tensors, k: i64) -> *const c_char;
    pub fn ltrs_named_tensors_tensor(m: *const ltrs_named_tensors, k: i64) -> ltrs_tensor;
    pub fn ltrs_named_tensors_free(m: *mut ltrs_named_tensors);
    pub fn ltrs_serialize_bytes_free(data: *mut c_char);
}
