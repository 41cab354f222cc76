//! TorchScript values on the C++ side (`shim/jit/ivalue.cpp`): the owned handle, and the
//! conversion of single (non-container) values each way. `convert.rs` walks containers.
use crate::error::{check, Error, Result};
use crate::{Complex, Device, IValue, Tensor};
use libtorch_sys as sys;
use libtorch_sys::jit as j;
use std::ptr::NonNull;

/// How deeply lists, tuples and dicts may nest in a value passed to or returned by TorchScript
/// (deeper is an error, either way).
pub const MAX_DEPTH: usize = 1000;

/// An owned `c10::IValue` on the C++ heap.
pub(crate) struct Value(NonNull<j::ltrs_ivalue>);

impl Drop for Value {
    fn drop(&mut self) {
        // SAFETY: the handle is owned by this Value and freed once; the shim cannot throw.
        unsafe { j::ltrs_ivalue_free(self.0.as_ptr()) }
    }
}

impl Value {
    /// Takes over the handle a successful shim call wrote to its out-pointer.
    ///
    /// # Safety
    /// `raw` must be null or an owned handle nothing else frees.
    pub(crate) unsafe fn take(raw: *mut j::ltrs_ivalue, op: &'static str) -> Result<Value> {
        NonNull::new(raw)
            .map(Value)
            .ok_or_else(|| Error::invalid(op, "libtorch returned no value"))
    }

    pub(crate) fn as_ptr(&self) -> *const j::ltrs_ivalue {
        self.0.as_ptr()
    }
}

/// Runs a constructor shim that writes a new handle to its out-pointer.
#[track_caller]
pub(super) fn make(
    op: &'static str,
    f: impl FnOnce(*mut *mut j::ltrs_ivalue) -> *mut sys::ltrs_error,
) -> Result<Value> {
    let mut out = std::ptr::null_mut();
    let err = f(&mut out);
    // SAFETY: `err` comes straight from the shim; on success `out` is a new owned handle.
    unsafe {
        check(err, op)?;
        Value::take(out, op)
    }
}

/// Reads through an accessor shim that writes `init`'s place.
#[track_caller]
pub(super) fn read<T>(
    op: &'static str,
    init: T,
    f: impl FnOnce(*mut T) -> *mut sys::ltrs_error,
) -> Result<T> {
    let mut out = init;
    // SAFETY: the accessor only writes `out`; its error is checked once.
    unsafe { check(f(&mut out), op)? };
    Ok(out)
}

pub(super) fn too_deep(op: &'static str) -> Error {
    Error::invalid(
        op,
        format!("the value nests lists, tuples or dicts more than {MAX_DEPTH} levels deep"),
    )
}

/// A value that is not a list, tuple or dict, as a TorchScript value: a dtype becomes its `int`
/// code (as TorchScript passes dtypes); `bytes` has no TorchScript form.
#[track_caller]
pub(super) fn leaf_to_value(v: &IValue, op: &'static str) -> Result<Value> {
    // SAFETY (every call below): plain values, or a tensor handle or string view borrowed for
    // the call, which copies what it keeps.
    match v {
        IValue::None => make(op, |out| unsafe { j::ltrs_ivalue_none(out) }),
        IValue::Bool(b) => make(op, |out| unsafe { j::ltrs_ivalue_bool(*b, out) }),
        IValue::Int(i) => make(op, |out| unsafe { j::ltrs_ivalue_int(*i, out) }),
        IValue::Double(d) => make(op, |out| unsafe { j::ltrs_ivalue_double(*d, out) }),
        IValue::Complex(z) => make(op, |out| unsafe { j::ltrs_ivalue_complex(z.re, z.im, out) }),
        IValue::String(s) => make(op, |out| unsafe {
            j::ltrs_ivalue_string(sys::ltrs_str::from_str(s), out)
        }),
        IValue::Bytes(_) => Err(Error::invalid(
            op,
            "TorchScript has no bytes type: pass a str, or the bytes as a uint8 tensor",
        )),
        IValue::Tensor(t) => make(op, |out| unsafe { j::ltrs_ivalue_tensor(t.as_raw(), out) }),
        IValue::Device(d) => make(op, |out| unsafe { j::ltrs_ivalue_device(d.to_ffi(), out) }),
        IValue::Kind(k) => make(op, |out| unsafe {
            j::ltrs_ivalue_int(i64::from(k.to_ffi()), out)
        }),
        IValue::List(_) | IValue::Tuple(_) | IValue::Dict(_) => Err(Error::invalid(
            op,
            "internal: a container reached the leaf conversion",
        )),
    }
}

/// The TorchScript type of a value, for messages.
fn type_name(p: *const j::ltrs_ivalue) -> String {
    let mut out: *mut std::ffi::c_char = std::ptr::null_mut();
    // SAFETY: `p` is live; on success `out` is a malloc'ed NUL-terminated string we copy and
    // free once; a failure leaves it null.
    unsafe {
        let err = j::ltrs_ivalue_type_name(p, &mut out);
        if check(err, "type_name").is_err() || out.is_null() {
            return "value of unknown type".to_owned();
        }
        let s = std::ffi::CStr::from_ptr(out).to_string_lossy().into_owned();
        j::ltrs_jit_free(out.cast());
        s
    }
}

/// A TorchScript value whose tag (`j::LTRS_IVALUE_*`) is not a list, tuple or dict, as an
/// [`IValue`]. Objects, futures, enums and the other TorchScript types without an `IValue`
/// variant are an error naming the type.
#[track_caller]
pub(super) fn leaf_from_value(
    p: *const j::ltrs_ivalue,
    tag: i32,
    op: &'static str,
) -> Result<IValue> {
    // SAFETY (every accessor below): `p` is a live handle borrowed from its owner for the call;
    // the accessors write only their out-pointers.
    Ok(match tag {
        j::LTRS_IVALUE_NONE => IValue::None,
        j::LTRS_IVALUE_BOOL => IValue::Bool(read(op, false, |o| unsafe {
            j::ltrs_ivalue_to_bool(p, o)
        })?),
        j::LTRS_IVALUE_INT => IValue::Int(read(op, 0, |o| unsafe { j::ltrs_ivalue_to_int(p, o) })?),
        j::LTRS_IVALUE_DOUBLE => IValue::Double(read(op, 0.0, |o| unsafe {
            j::ltrs_ivalue_to_double(p, o)
        })?),
        j::LTRS_IVALUE_COMPLEX => {
            let (mut re, mut im) = (0.0, 0.0);
            // SAFETY: as above, with two out-pointers.
            unsafe { check(j::ltrs_ivalue_to_complex(p, &mut re, &mut im), op)? };
            IValue::Complex(Complex::new(re, im))
        }
        j::LTRS_IVALUE_STRING => {
            let empty = sys::ltrs_str::from_str("");
            let view = read(op, empty, |o| unsafe { j::ltrs_ivalue_to_str(p, o) })?;
            // SAFETY: the view points into the string held by `p`, alive for this borrow; its
            // length is what the shim reported.
            let bytes =
                unsafe { std::slice::from_raw_parts(view.data.cast::<u8>(), view.len as usize) };
            IValue::String(String::from_utf8(bytes.to_vec()).map_err(|_| {
                Error::invalid(op, "TorchScript returned a str that is not valid UTF-8")
            })?)
        }
        j::LTRS_IVALUE_TENSOR => {
            let null = std::ptr::null_mut();
            let raw = read(op, null, |o| unsafe { j::ltrs_ivalue_to_tensor(p, o) })?;
            // SAFETY: the shim handed over one owned reference (or null for undefined).
            IValue::Tensor(unsafe { Tensor::from_raw(raw) })
        }
        j::LTRS_IVALUE_DEVICE => {
            let cpu = Device::Cpu.to_ffi();
            let d = read(op, cpu, |o| unsafe { j::ltrs_ivalue_to_device(p, o) })?;
            IValue::Device(Device::from_ffi(d))
        }
        _ => {
            return Err(Error::invalid(
                op,
                format!(
                    "TorchScript returned a value of type `{}`, which has no IValue form \
                     (supported: None, bool, int, float, complex, str, Tensor, list, tuple, \
                     dict, device)",
                    type_name(p)
                ),
            ))
        }
    })
}
