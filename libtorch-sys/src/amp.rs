//! FFI for `shim/amp.cpp`: ATen's thread-local autocast state (`at::autocast`). Device types
//! and dtypes are c10 codes; every function returns NULL or an error the caller owns (see
//! [`crate::abi`]).
use crate::abi::ltrs_error;

extern "C" {
    pub fn ltrs_autocast_is_enabled(device_type: i32, out: *mut bool) -> *mut ltrs_error;
    pub fn ltrs_autocast_set_enabled(device_type: i32, enabled: bool) -> *mut ltrs_error;
    pub fn ltrs_autocast_get_dtype(device_type: i32, out: *mut i32) -> *mut ltrs_error;
    pub fn ltrs_autocast_set_dtype(device_type: i32, dtype: i32) -> *mut ltrs_error;
    pub fn ltrs_autocast_increment_nesting(out: *mut i32) -> *mut ltrs_error;
    pub fn ltrs_autocast_decrement_nesting(out: *mut i32) -> *mut ltrs_error;
    pub fn ltrs_autocast_clear_cache() -> *mut ltrs_error;
    pub fn ltrs_autocast_is_cache_enabled(out: *mut bool) -> *mut ltrs_error;
    pub fn ltrs_autocast_set_cache_enabled(enabled: bool) -> *mut ltrs_error;
}
