//! FFI for `shim/hooks.cpp` (tensor gradient hooks implemented by the caller) and
//! `shim/rng_state.cpp` (the default CPU generator's state, for checkpointing). Conventions as in
//! [`crate::abi`].
#![allow(non_camel_case_types)]
use crate::abi::{ltrs_error, ltrs_tensor};
use std::ffi::c_void;

/// The callbacks of a tensor hook (see `shim/hooks.cpp`): `call` gets the gradient (borrowed)
/// and writes an owned replacement into `out`, or leaves it null; `drop` releases `data` once.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ltrs_hook_vtable {
    pub call: unsafe extern "C" fn(
        data: *mut c_void,
        grad: ltrs_tensor,
        out: *mut ltrs_tensor,
    ) -> *mut ltrs_error,
    pub drop: unsafe extern "C" fn(data: *mut c_void),
}

extern "C" {
    /// Registers a hook; `data` is released through `vtable.drop` in every case (also on
    /// error). `handle` receives the id `ltrs_tensor_remove_hook` takes.
    pub fn ltrs_tensor_register_hook(
        t: ltrs_tensor,
        vtable: ltrs_hook_vtable,
        data: *mut c_void,
        handle: *mut i64,
    ) -> *mut ltrs_error;
    pub fn ltrs_tensor_remove_hook(t: ltrs_tensor, handle: i64) -> *mut ltrs_error;
}

extern "C" {
    /// The default CPU generator's state as a new uint8 tensor (`torch.get_rng_state()`).
    pub fn ltrs_cpu_rng_get_state(out: *mut ltrs_tensor) -> *mut ltrs_error;
    /// Restores a state `ltrs_cpu_rng_get_state` returned (`torch.set_rng_state`).
    pub fn ltrs_cpu_rng_set_state(state: ltrs_tensor) -> *mut ltrs_error;
}
