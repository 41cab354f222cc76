//! Saving and loading name → tensor maps (a module's `state_dict`) in PyTorch's `torch.save`
//! format: a zip archive holding a pickled `dict` of tensors, written by libtorch's own
//! `torch::pickle_save`. Python reads the file with `torch.load(path)`, and files from Python's
//! `torch.save(model.state_dict(), path)` load here.
//!
//! ```
//! use libtorch::nn::{Linear, Module};
//! let fc = Linear::new(3, 2);
//! let path = std::env::temp_dir().join(format!("ltrs-doc-{}.pt", std::process::id()));
//! libtorch::serialize::save_module(&fc, &path).unwrap();
//! let other = Linear::new(3, 2);
//! libtorch::serialize::load_module(&other, &path).unwrap();
//! assert_eq!(other.weight.to_vec::<f32>().unwrap(), fc.weight.to_vec::<f32>().unwrap());
//! # std::fs::remove_file(&path).unwrap();
//! ```
pub mod npy;
pub mod safetensors;

use crate::error::{check, Error, Result};
use crate::nn::Module;
use crate::{Device, Tensor};
use libtorch_sys as sys;
use libtorch_sys::serialize as s;
use std::collections::BTreeMap;
use std::ffi::CStr;
use std::path::Path;

fn path_str(path: &Path) -> Result<&str> {
    path.to_str()
        .ok_or_else(|| Error::invalid("serialize", format!("path {path:?} is not UTF-8")))
}

/// Writes `tensors` (name, tensor) as a `dict` in `torch.save`'s format.
#[track_caller]
pub fn save<'a, I>(tensors: I, path: impl AsRef<Path>) -> Result<()>
where
    I: IntoIterator<Item = (&'a str, &'a Tensor)>,
{
    let (names, handles): (Vec<&str>, Vec<&Tensor>) = tensors.into_iter().unzip();
    let raw_names: Vec<sys::ltrs_str> = names.iter().map(|n| sys::ltrs_str::from_str(n)).collect();
    let raw: Vec<sys::ltrs_tensor> = handles.iter().map(|t| t.as_raw()).collect();
    let p = path_str(path.as_ref())?;
    // SAFETY: `raw_names` and `raw` hold `n` valid entries borrowed from `names`/`handles`,
    // and `p` is valid for its length; all outlive the call, which copies what it keeps.
    unsafe {
        check(
            s::ltrs_serialize_save(
                p.as_ptr().cast(),
                p.len() as i64,
                raw_names.as_ptr(),
                raw.as_ptr(),
                raw.len() as i64,
            ),
            "save",
        )
    }
}

/// The bytes [`save`] would write.
#[track_caller]
pub fn save_to_bytes<'a, I>(tensors: I) -> Result<Vec<u8>>
where
    I: IntoIterator<Item = (&'a str, &'a Tensor)>,
{
    let (names, handles): (Vec<&str>, Vec<&Tensor>) = tensors.into_iter().unzip();
    let raw_names: Vec<sys::ltrs_str> = names.iter().map(|n| sys::ltrs_str::from_str(n)).collect();
    let raw: Vec<sys::ltrs_tensor> = handles.iter().map(|t| t.as_raw()).collect();
    let mut data = std::ptr::null_mut();
    let mut len = 0i64;
    // SAFETY: as in `save`; on success `data` is a malloc'ed buffer of `len` bytes that we
    // copy and free exactly once.
    unsafe {
        check(
            s::ltrs_serialize_save_bytes(
                raw_names.as_ptr(),
                raw.as_ptr(),
                raw.len() as i64,
                &mut data,
                &mut len,
            ),
            "save",
        )?;
        let v = std::slice::from_raw_parts(data as *const u8, len as usize).to_vec();
        s::ltrs_serialize_bytes_free(data);
        Ok(v)
    }
}

/// Takes ownership of a loaded list and converts it.
///
/// # Safety
/// `m` must be a live list returned by the shim; it is freed here.
unsafe fn take(m: *mut s::ltrs_named_tensors) -> Vec<(String, Tensor)> {
    // SAFETY: `m` is live until the free below; names are NUL-terminated and copied; each
    // tensor accessor returns a new owning handle.
    unsafe {
        let n = s::ltrs_named_tensors_len(m);
        let mut v = Vec::with_capacity(n as usize);
        for k in 0..n {
            let name = CStr::from_ptr(s::ltrs_named_tensors_name(m, k))
                .to_string_lossy()
                .into_owned();
            v.push((name, Tensor::from_raw(s::ltrs_named_tensors_tensor(m, k))));
        }
        s::ltrs_named_tensors_free(m);
        v
    }
}

/// Reads a file written by [`save`] or by Python's `torch.save(dict_of_tensors, path)`, in
/// the file's order, each tensor on the device it was saved from (as `torch.load(path)`: a
/// file saved from a GPU needs one; see [`load_on`]).
pub fn load(path: impl AsRef<Path>) -> Result<Vec<(String, Tensor)>> {
    load_impl(path.as_ref(), None)
}

/// [`load`] with every tensor placed on `device` (`torch.load(path, map_location=device)`):
/// `load_on(path, Device::Cpu)` reads a checkpoint saved on a GPU on a machine without one.
#[doc(alias = "map_location")]
pub fn load_on(path: impl AsRef<Path>, device: Device) -> Result<Vec<(String, Tensor)>> {
    load_impl(path.as_ref(), Some(device))
}

#[track_caller]
fn load_impl(path: &Path, device: Option<Device>) -> Result<Vec<(String, Tensor)>> {
    let p = path_str(path)?;
    let d = device.map(Device::to_ffi);
    let mut m = std::ptr::null_mut();
    // SAFETY: `p` is valid for its length and `d` (or null) for the call; on success `m` is an
    // owned list passed to `take`.
    unsafe {
        check(
            s::ltrs_serialize_load(p.as_ptr().cast(), p.len() as i64, opt_ptr(&d), &mut m),
            "load",
        )?;
        Ok(take(m))
    }
}

/// [`load`] from bytes in memory.
pub fn load_from_bytes(bytes: &[u8]) -> Result<Vec<(String, Tensor)>> {
    load_bytes_impl(bytes, None)
}

/// Reads any `torch.save` file from bytes in memory (`torch.load(io.BytesIO(bytes))`) as a
/// value tree. (Being rewritten: today only a dict of tensors loads.)
pub fn load_value_from_bytes(bytes: &[u8]) -> Result<crate::IValue> {
    let entries = load_from_bytes(bytes)?;
    Ok(crate::IValue::tensor_dict(
        entries.iter().map(|(k, t)| (k.as_str(), t)),
    ))
}

/// [`load_on`] from bytes in memory.
pub fn load_from_bytes_on(bytes: &[u8], device: Device) -> Result<Vec<(String, Tensor)>> {
    load_bytes_impl(bytes, Some(device))
}

#[track_caller]
fn load_bytes_impl(bytes: &[u8], device: Option<Device>) -> Result<Vec<(String, Tensor)>> {
    let d = device.map(Device::to_ffi);
    let mut m = std::ptr::null_mut();
    // SAFETY: `bytes` is valid for its length and `d` (or null) for the call; on success `m` is
    // an owned list.
    unsafe {
        check(
            s::ltrs_serialize_load_bytes(
                bytes.as_ptr().cast(),
                bytes.len() as i64,
                opt_ptr(&d),
                &mut m,
            ),
            "load",
        )?;
        Ok(take(m))
    }
}

fn opt_ptr<T>(v: &Option<T>) -> *const T {
    v.as_ref().map_or(std::ptr::null(), |v| v as *const T)
}

/// Saves `module.state_dict()` to `path`.
pub fn save_module(module: &dyn Module, path: impl AsRef<Path>) -> Result<()> {
    let sd = module.state_dict();
    save(sd.iter().map(|(k, v)| (k.as_str(), v)), path)
}

/// Loads a state dict from `path` into `module` (strict: every name must match). The values
/// are read straight onto the device of the module's first parameter or buffer, wherever they
/// were saved from, so weights trained on a GPU load on a CPU-only machine and vice versa.
pub fn load_module(module: &dyn Module, path: impl AsRef<Path>) -> Result<()> {
    let mut device = None;
    module.visit(&mut |_, _, t| {
        device.get_or_insert_with(|| t.device());
    });
    let sd: BTreeMap<String, Tensor> = load_on(path, device.unwrap_or(Device::Cpu))?
        .into_iter()
        .collect();
    module.load_state_dict(&sd)
}
