//! FFI for `shim/autograd.h`: autograd (grad mode, backward, grad, custom functions) and the
//! handwritten extras the safe crate builds on (multi-dimensional indexing, tensor
//! conversions with options). Conventions as in [`crate::abi`].
#![allow(non_camel_case_types)]

use crate::abi::*;
use std::ffi::{c_char, c_void};

/// A collector of tensors a callback returns (opaque).
#[repr(C)]
pub struct ltrs_tensor_sink {
    _private: [u8; 0],
}

/// A `torch::autograd::AutogradContext`, valid during one callback (opaque).
#[repr(C)]
pub struct ltrs_autograd_ctx {
    _private: [u8; 0],
}

/// A custom function's forward or backward callback.
pub type ltrs_function_callback = unsafe extern "C" fn(
    data: *mut c_void,
    ctx: *mut ltrs_autograd_ctx,
    tensors: *const ltrs_tensor,
    n: i64,
    sink: *mut ltrs_tensor_sink,
) -> *mut ltrs_error;

/// The callbacks of a custom autograd function (see `shim/autograd.h`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ltrs_function_vtable {
    pub forward: ltrs_function_callback,
    pub backward: ltrs_function_callback,
    pub drop: unsafe extern "C" fn(data: *mut c_void),
}

pub const LTRS_INDEX_INT: i32 = 0;
pub const LTRS_INDEX_SLICE: i32 = 1;
pub const LTRS_INDEX_NONE: i32 = 2;
pub const LTRS_INDEX_ELLIPSIS: i32 = 3;
pub const LTRS_INDEX_TENSOR: i32 = 4;
pub const LTRS_INDEX_BOOL: i32 = 5;

/// One index of a multi-dimensional index (`t[a, b:c, None, ..., mask]`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ltrs_index {
    pub tag: i32,
    pub has_start: bool,
    pub has_stop: bool,
    pub start: i64,
    pub stop: i64,
    pub step: i64,
    pub tensor: ltrs_tensor,
}

extern "C" {
    pub fn ltrs_error_new(msg: *const c_char, len: i64) -> *mut ltrs_error;

    pub fn ltrs_grad_mode_is_enabled() -> bool;
    pub fn ltrs_grad_mode_set_enabled(enabled: bool);
    pub fn ltrs_anomaly_mode_is_enabled() -> bool;
    pub fn ltrs_anomaly_mode_set_enabled(enabled: bool);

    pub fn ltrs_tensor_set_requires_grad(t: ltrs_tensor, requires_grad: bool) -> *mut ltrs_error;
    pub fn ltrs_tensor_grad(t: ltrs_tensor, out: *mut ltrs_tensor) -> *mut ltrs_error;
    pub fn ltrs_tensor_set_grad(t: ltrs_tensor, g: ltrs_tensor) -> *mut ltrs_error;
    pub fn ltrs_tensor_zero_grad(t: ltrs_tensor) -> *mut ltrs_error;
    pub fn ltrs_tensor_has_grad_fn(t: ltrs_tensor, out: *mut bool) -> *mut ltrs_error;
    pub fn ltrs_tensor_grad_fn_name(t: ltrs_tensor, buf: *mut c_char, cap: i64) -> *mut ltrs_error;

    pub fn ltrs_autograd_backward(
        tensors: ltrs_tensor_list,
        grad_tensors: ltrs_tensor_list,
        retain_graph: ltrs_opt_bool,
        create_graph: bool,
    ) -> *mut ltrs_error;
    pub fn ltrs_autograd_grad(
        outputs: ltrs_tensor_list,
        inputs: ltrs_tensor_list,
        grad_outputs: ltrs_tensor_list,
        retain_graph: ltrs_opt_bool,
        create_graph: bool,
        allow_unused: bool,
        out: *mut ltrs_tensor_vec,
    ) -> *mut ltrs_error;

    pub fn ltrs_tensor_sink_push(sink: *mut ltrs_tensor_sink, t: ltrs_tensor);
    pub fn ltrs_autograd_ctx_save_for_backward(
        ctx: *mut ltrs_autograd_ctx,
        ts: ltrs_tensor_list,
    ) -> *mut ltrs_error;
    pub fn ltrs_autograd_ctx_saved_tensors(
        ctx: *mut ltrs_autograd_ctx,
        out: *mut ltrs_tensor_vec,
    ) -> *mut ltrs_error;
    pub fn ltrs_autograd_ctx_mark_non_differentiable(
        ctx: *mut ltrs_autograd_ctx,
        ts: ltrs_tensor_list,
    ) -> *mut ltrs_error;
    pub fn ltrs_autograd_ctx_needs_input_grad(
        ctx: *mut ltrs_autograd_ctx,
        i: i64,
        out: *mut bool,
    ) -> *mut ltrs_error;
    pub fn ltrs_function_apply(
        vtable: ltrs_function_vtable,
        data: *mut c_void,
        inputs: ltrs_tensor_list,
        out: *mut ltrs_tensor_vec,
    ) -> *mut ltrs_error;

    pub fn ltrs_tensor_index_multi(
        t: ltrs_tensor,
        idx: *const ltrs_index,
        n: i64,
        out: *mut ltrs_tensor,
    ) -> *mut ltrs_error;
    pub fn ltrs_tensor_index_put_multi(
        t: ltrs_tensor,
        idx: *const ltrs_index,
        n: i64,
        value: ltrs_tensor,
    ) -> *mut ltrs_error;

    pub fn ltrs_tensor_to_opts(
        t: ltrs_tensor,
        kind: i32,
        dev: ltrs_device,
        out: *mut ltrs_tensor,
    ) -> *mut ltrs_error;
    pub fn ltrs_wrapped_number(s: ltrs_scalar, out: *mut ltrs_tensor) -> *mut ltrs_error;
    pub fn ltrs_tensor_is_contiguous(t: ltrs_tensor, out: *mut bool) -> *mut ltrs_error;
    pub fn ltrs_blob_guard_new(t: ltrs_tensor, out: *mut *mut ltrs_blob_guard) -> *mut ltrs_error;
    pub fn ltrs_blob_guard_release(
        g: *mut ltrs_blob_guard,
        dst: *mut std::ffi::c_void,
        len: i64,
    ) -> *mut ltrs_error;
}

/// An opaque weak reference to the storage of a tensor standing for caller memory (see
/// `ltrs_blob_guard_new`).
#[repr(C)]
pub struct ltrs_blob_guard {
    _private: [u8; 0],
}
