//! FFI of `shim/jit/jit.h`: TorchScript values and modules, and AOTInductor packages. See that
//! header for what each function does and owns.
#![allow(non_camel_case_types)]
use crate::abi::{ltrs_device, ltrs_error, ltrs_str, ltrs_tensor, ltrs_tensor_vec};
use std::ffi::{c_char, c_void};

/// The path of the library with soname `libtorch.so` that [`ltrs_aoti_load`] takes as
/// `libtorch_stub` (built by this crate's build script).
pub const LIBTORCH_STUB: &str = env!("LTRS_LIBTORCH_STUB");

/// An opaque owned `c10::IValue`; free with [`ltrs_ivalue_free`].
#[repr(C)]
pub struct ltrs_ivalue {
    _private: [u8; 0],
}

/// An opaque owned `torch::jit::Module`; free with [`ltrs_script_module_free`].
#[repr(C)]
pub struct ltrs_script_module {
    _private: [u8; 0],
}

/// An opaque owned AOTInductor package loader; free with [`ltrs_aoti_free`].
#[repr(C)]
pub struct ltrs_aoti_package {
    _private: [u8; 0],
}

pub const LTRS_IVALUE_NONE: i32 = 0;
pub const LTRS_IVALUE_BOOL: i32 = 1;
pub const LTRS_IVALUE_INT: i32 = 2;
pub const LTRS_IVALUE_DOUBLE: i32 = 3;
pub const LTRS_IVALUE_COMPLEX: i32 = 4;
pub const LTRS_IVALUE_STRING: i32 = 5;
pub const LTRS_IVALUE_TENSOR: i32 = 6;
pub const LTRS_IVALUE_LIST: i32 = 7;
pub const LTRS_IVALUE_TUPLE: i32 = 8;
pub const LTRS_IVALUE_DICT: i32 = 9;
pub const LTRS_IVALUE_DEVICE: i32 = 10;
pub const LTRS_IVALUE_OTHER: i32 = 11;

extern "C" {
    // ---- values ----
    pub fn ltrs_ivalue_free(v: *mut ltrs_ivalue);
    pub fn ltrs_ivalue_none(out: *mut *mut ltrs_ivalue) -> *mut ltrs_error;
    pub fn ltrs_ivalue_bool(b: bool, out: *mut *mut ltrs_ivalue) -> *mut ltrs_error;
    pub fn ltrs_ivalue_int(i: i64, out: *mut *mut ltrs_ivalue) -> *mut ltrs_error;
    pub fn ltrs_ivalue_double(d: f64, out: *mut *mut ltrs_ivalue) -> *mut ltrs_error;
    pub fn ltrs_ivalue_complex(re: f64, im: f64, out: *mut *mut ltrs_ivalue) -> *mut ltrs_error;
    pub fn ltrs_ivalue_string(s: ltrs_str, out: *mut *mut ltrs_ivalue) -> *mut ltrs_error;
    pub fn ltrs_ivalue_tensor(t: ltrs_tensor, out: *mut *mut ltrs_ivalue) -> *mut ltrs_error;
    pub fn ltrs_ivalue_device(d: ltrs_device, out: *mut *mut ltrs_ivalue) -> *mut ltrs_error;
    pub fn ltrs_ivalue_list(
        items: *const *const ltrs_ivalue,
        n: i64,
        out: *mut *mut ltrs_ivalue,
    ) -> *mut ltrs_error;
    pub fn ltrs_ivalue_tuple(
        items: *const *const ltrs_ivalue,
        n: i64,
        out: *mut *mut ltrs_ivalue,
    ) -> *mut ltrs_error;
    pub fn ltrs_ivalue_dict(
        keys: *const *const ltrs_ivalue,
        values: *const *const ltrs_ivalue,
        n: i64,
        out: *mut *mut ltrs_ivalue,
    ) -> *mut ltrs_error;
    pub fn ltrs_ivalue_tag(v: *const ltrs_ivalue) -> i32;
    pub fn ltrs_ivalue_type_name(v: *const ltrs_ivalue, out: *mut *mut c_char) -> *mut ltrs_error;
    pub fn ltrs_ivalue_to_bool(v: *const ltrs_ivalue, out: *mut bool) -> *mut ltrs_error;
    pub fn ltrs_ivalue_to_int(v: *const ltrs_ivalue, out: *mut i64) -> *mut ltrs_error;
    pub fn ltrs_ivalue_to_double(v: *const ltrs_ivalue, out: *mut f64) -> *mut ltrs_error;
    pub fn ltrs_ivalue_to_complex(
        v: *const ltrs_ivalue,
        re: *mut f64,
        im: *mut f64,
    ) -> *mut ltrs_error;
    pub fn ltrs_ivalue_to_str(v: *const ltrs_ivalue, out: *mut ltrs_str) -> *mut ltrs_error;
    pub fn ltrs_ivalue_to_tensor(v: *const ltrs_ivalue, out: *mut ltrs_tensor) -> *mut ltrs_error;
    pub fn ltrs_ivalue_to_device(v: *const ltrs_ivalue, out: *mut ltrs_device) -> *mut ltrs_error;
    pub fn ltrs_ivalue_len(v: *const ltrs_ivalue, out: *mut i64) -> *mut ltrs_error;
    pub fn ltrs_ivalue_get(
        v: *const ltrs_ivalue,
        k: i64,
        out: *mut *mut ltrs_ivalue,
    ) -> *mut ltrs_error;
    pub fn ltrs_ivalue_dict_items(
        v: *const ltrs_ivalue,
        keys: *mut *mut ltrs_ivalue,
        values: *mut *mut ltrs_ivalue,
    ) -> *mut ltrs_error;
    pub fn ltrs_jit_free(p: *mut c_void);

    // ---- TorchScript modules ----
    pub fn ltrs_jit_load(
        path: *const c_char,
        path_len: i64,
        device: *const ltrs_device,
        out: *mut *mut ltrs_script_module,
    ) -> *mut ltrs_error;
    pub fn ltrs_jit_load_bytes(
        data: *const c_char,
        len: i64,
        device: *const ltrs_device,
        out: *mut *mut ltrs_script_module,
    ) -> *mut ltrs_error;
    pub fn ltrs_script_module_free(m: *mut ltrs_script_module);
    #[allow(clippy::too_many_arguments)]
    pub fn ltrs_script_module_call(
        m: *const ltrs_script_module,
        name: ltrs_str,
        args: *const *const ltrs_ivalue,
        nargs: i64,
        kw_names: *const ltrs_str,
        kw_values: *const *const ltrs_ivalue,
        nkw: i64,
        out: *mut *mut ltrs_ivalue,
    ) -> *mut ltrs_error;
    pub fn ltrs_script_module_has_method(
        m: *const ltrs_script_module,
        name: ltrs_str,
        out: *mut bool,
    ) -> *mut ltrs_error;
    pub fn ltrs_script_module_method_names(
        m: *const ltrs_script_module,
        out: *mut *mut ltrs_ivalue,
    ) -> *mut ltrs_error;
    pub fn ltrs_script_module_mutates_state(
        m: *const ltrs_script_module,
        out: *mut bool,
    ) -> *mut ltrs_error;
    pub fn ltrs_script_module_tensors(
        m: *const ltrs_script_module,
        out: *mut *mut ltrs_ivalue,
    ) -> *mut ltrs_error;
    pub fn ltrs_script_module_train(m: *mut ltrs_script_module, on: bool) -> *mut ltrs_error;
    pub fn ltrs_script_module_is_training(
        m: *const ltrs_script_module,
        out: *mut bool,
    ) -> *mut ltrs_error;
    pub fn ltrs_script_module_to(
        m: *mut ltrs_script_module,
        device: ltrs_device,
    ) -> *mut ltrs_error;
    pub fn ltrs_script_module_save(
        m: *const ltrs_script_module,
        path: *const c_char,
        path_len: i64,
    ) -> *mut ltrs_error;
    pub fn ltrs_script_module_save_bytes(
        m: *const ltrs_script_module,
        out_data: *mut *mut c_char,
        out_len: *mut i64,
    ) -> *mut ltrs_error;

    // ---- AOTInductor packages ----
    pub fn ltrs_aoti_load(
        path: *const c_char,
        path_len: i64,
        model_name: ltrs_str,
        num_runners: i64,
        device_index: i16,
        libtorch_stub: *const c_char,
        out: *mut *mut ltrs_aoti_package,
    ) -> *mut ltrs_error;
    pub fn ltrs_aoti_free(p: *mut ltrs_aoti_package);
    pub fn ltrs_aoti_run(
        p: *const ltrs_aoti_package,
        inputs: *const ltrs_tensor,
        n: i64,
        out: *mut ltrs_tensor_vec,
    ) -> *mut ltrs_error;
    pub fn ltrs_aoti_metadata(
        p: *const ltrs_aoti_package,
        out: *mut *mut ltrs_ivalue,
    ) -> *mut ltrs_error;
    pub fn ltrs_aoti_constant_names(
        p: *const ltrs_aoti_package,
        out: *mut *mut ltrs_ivalue,
    ) -> *mut ltrs_error;
}
