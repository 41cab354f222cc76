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
use crate::error::{check, Error, Result};
use crate::nn::Module;
use crate::Tensor;
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
/// the file's order.
pub fn load(path: impl AsRef<Path>) -> Result<Vec<(String, Tensor)>> {
    let p = path_str(path.as_ref())?;
    let mut m = std::ptr::null_mut();
    // SAFETY: `p` is valid for its length; on success `m` is an owned list passed to `take`.
    unsafe {
        check(
            s::ltrs_serialize_load(p.as_ptr().cast(), p.len() as i64, &mut m),
            "load",
        )?;
        Ok(take(m))
    }
}

/// [`load`] from bytes in memory.
pub fn load_from_bytes(bytes: &[u8]) -> Result<Vec<(String, Tensor)>> {
    let mut m = std::ptr::null_mut();
    // SAFETY: `bytes` is valid for its length; on success `m` is an owned list.
    unsafe {
        check(
            s::ltrs_serialize_load_bytes(bytes.as_ptr().cast(), bytes.len() as i64, &mut m),
            "load",
        )?;
        Ok(take(m))
    }
}

/// Saves `module.state_dict()` to `path`.
pub fn save_module(module: &dyn Module, path: impl AsRef<Path>) -> Result<()> {
    let sd = module.state_dict();
    save(sd.iter().map(|(k, v)| (k.as_str(), v)), path)
}

/// Loads a state dict from `path` into `module` (strict: every name must match).
pub fn load_module(module: &dyn Module, path: impl AsRef<Path>) -> Result<()> {
    let sd: BTreeMap<String, Tensor> = load(path)?.into_iter().collect();
    module.load_state_dict(&sd)
}
