//! FFI of `shim/serialize.h`: torch.save's zip container, written by PyTorch's own writer.
use crate::abi::{ltrs_error, ltrs_str, ltrs_tensor};
use std::ffi::{c_char, c_void};

/// An opaque archive being written; free with [`ltrs_zip_writer_free`].
#[repr(C)]
pub struct ltrs_zip_writer {
    _private: [u8; 0],
}

extern "C" {
    pub fn ltrs_zip_writer_open_file(
        path: *const c_char,
        path_len: i64,
        out: *mut *mut ltrs_zip_writer,
    ) -> *mut ltrs_error;
    pub fn ltrs_zip_writer_open_buffer(out: *mut *mut ltrs_zip_writer) -> *mut ltrs_error;
    pub fn ltrs_zip_writer_write_record(
        w: *mut ltrs_zip_writer,
        name: ltrs_str,
        data: *const c_void,
        len: i64,
    ) -> *mut ltrs_error;
    pub fn ltrs_zip_writer_write_storage(
        w: *mut ltrs_zip_writer,
        name: ltrs_str,
        t: ltrs_tensor,
    ) -> *mut ltrs_error;
    pub fn ltrs_zip_writer_finish(
        w: *mut ltrs_zip_writer,
        out_data: *mut *mut c_char,
        out_len: *mut i64,
    ) -> *mut ltrs_error;
    pub fn ltrs_zip_writer_free(w: *mut ltrs_zip_writer);
    pub fn ltrs_serialize_bytes_free(data: *mut c_char);
}
