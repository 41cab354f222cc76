//! Handwritten helpers for the generated safe API in `generated/` (the None encodings of
//! shim/ltrs.h, tensor-list results).

use crate::Tensor;
use libtorch_sys::abi::*;

/// `Device?` None.
pub(crate) const NO_DEVICE: ltrs_device = ltrs_device {
    type_: -1,
    index: -1,
};

pub(crate) fn opt_int(v: Option<i64>) -> ltrs_opt_int {
    ltrs_opt_int {
        value: v.unwrap_or(0),
        some: v.is_some(),
    }
}

pub(crate) fn opt_float(v: Option<f64>) -> ltrs_opt_float {
    ltrs_opt_float {
        value: v.unwrap_or(0.0),
        some: v.is_some(),
    }
}

pub(crate) fn opt_bool(v: Option<bool>) -> ltrs_opt_bool {
    match v {
        None => -1,
        Some(false) => 0,
        Some(true) => 1,
    }
}

/// Takes over every tensor of a list a shim returned, and frees the array.
///
/// # Safety
/// `v` must come from a successful shim call and not be used again.
pub(crate) unsafe fn tensor_vec(v: ltrs_tensor_vec) -> Vec<Tensor> {
    let len = usize::try_from(v.len).unwrap_or(0);
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        // SAFETY: the shim wrote `len` owned handles to `data`; each is taken over once.
        out.push(unsafe { Tensor::from_raw(*v.data.add(i)) });
    }
    // SAFETY: the array came from the shim's malloc and its elements now belong to `out`.
    unsafe { ltrs_tensor_vec_free(v) };
    out
}
