//! New CPU tensors filled in place from a file's bytes.
use crate::error::check;
use crate::{Device, Error, Kind, Result, Tensor};
use libtorch_sys as sys;

fn bad(message: impl Into<String>) -> Error {
    Error::data("load", message)
}

/// A 1-D CPU tensor of `kind` holding `nbytes` bytes that `fill` writes, without an
/// intermediate copy. The tensor is allocated (zeroed) first: call this only once the input is
/// known to hold `nbytes` bytes. A bool tensor's bytes must all be 0 or 1.
pub(crate) fn tensor_from_reader(
    nbytes: u64,
    kind: Kind,
    fill: impl FnOnce(&mut [u8]) -> Result<()>,
) -> Result<Tensor> {
    let len = usize::try_from(nbytes)
        .ok()
        .filter(|&n| i64::try_from(n).is_ok())
        .ok_or_else(|| bad(format!("a storage of {nbytes} bytes")))?;
    let elt = kind.elt_size_in_bytes();
    if elt == 0 || len % elt != 0 {
        return Err(bad(format!(
            "{nbytes} bytes are no whole number of {kind} elements"
        )));
    }
    let t = Tensor::f_zeros_opts(&[len as i64], (Kind::Uint8, Device::Cpu))?;
    if len == 0 {
        fill(&mut [])?;
    } else {
        let mut ptr = std::ptr::null_mut();
        // SAFETY: `t` is a live tensor; the shim writes its data pointer to `ptr`.
        unsafe { check(sys::ltrs_tensor_data_ptr(t.as_raw(), &mut ptr), "load")? };
        // SAFETY: `t` is a new contiguous CPU uint8 tensor of `len` initialised (zeroed) bytes
        // starting at `ptr`; this function holds its only handle, so nothing else reads or
        // writes that memory while `buf` lives, and `t` outlives `buf`.
        let buf = unsafe { std::slice::from_raw_parts_mut(ptr.cast::<u8>(), len) };
        fill(buf)?;
        if kind == Kind::Bool {
            if let Some(i) = buf.iter().position(|&b| b > 1) {
                return Err(bad(format!(
                    "byte {i} of a bool storage is {}, not 0 or 1",
                    buf[i]
                )));
            }
        }
    }
    if kind == Kind::Uint8 {
        Ok(t)
    } else {
        t.f_view_dtype(kind)
    }
}
