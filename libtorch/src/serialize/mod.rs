//! Files that cross between PyTorch and Rust: `torch.save`/`torch.load` checkpoints (here),
//! [`safetensors`], and NumPy's [`npy`]/`npz`.
//!
//! # `torch.save` and `torch.load`
//!
//! [`save`] writes what Python's `torch.save(model.state_dict(), path)` writes — an
//! `OrderedDict` of tensors pickled into PyTorch's zip container — so that Python's plain
//! `torch.load(path)` (whose default has been `weights_only=True` since PyTorch 2.6) reads it and
//! `model.load_state_dict(torch.load(path))` works. [`save_value`] writes any [`IValue`]
//! (`{"model": sd, "optimizer": opt_sd, "epoch": 3}`).
//!
//! [`load`] reads a state dict saved by Python (an `OrderedDict` or a `dict`); [`load_value`]
//! reads any checkpoint as an [`IValue`] tree: tensors of every dtype (quantized, sparse and
//! complex ones included), ints, floats, strings, bytes, bools, None, lists, tuples, dicts,
//! devices and dtypes. Both read the zip format (PyTorch ≥ 1.6) and the legacy format
//! (`_use_new_zipfile_serialization=False`, and files from PyTorch < 1.6).
//!
//! Tensors that share a storage in the file (views, tied weights) share it after loading, and
//! shared storages are written once, both ways. [`load_on`] and [`load_value_on`] are
//! `map_location`.
//!
//! Loading never runs code from the file: it runs the opcodes and accepts only the globals that
//! PyTorch's weights-only unpickler allows (`torch/_weights_only_unpickler.py`), and checks every
//! size, offset and stride against the bytes the file really holds. A crafted or corrupt file
//! is an `Err`, never a crash or an out-of-bounds read.
//!
//! ```
//! use libtorch::nn::{Linear, Module};
//! use libtorch::serialize;
//! let fc = Linear::new(3, 2);
//! let path = std::env::temp_dir().join(format!("ltrs-doc-{}.pt", std::process::id()));
//! serialize::save_module(&fc, &path).unwrap(); // Python: fc.load_state_dict(torch.load(path))
//! let other = Linear::new(3, 2);
//! serialize::load_module(&other, &path).unwrap();
//! assert_eq!(other.weight.to_vec::<f32>().unwrap(), fc.weight.to_vec::<f32>().unwrap());
//! # std::fs::remove_file(&path).unwrap();
//! ```
pub mod npy;
pub mod safetensors;

pub use named::NamedTensor;

mod bytes;
mod legacy;
mod named;
mod objects;
mod pickle;
mod rebuild;
mod save;
mod value;
mod zip_format;

use crate::error::{Error, Result};
use crate::nn::{IncompatibleKeys, Module};
use crate::{Device, IValue, Tensor};
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

/// Runs a loader, turning a panic inside it (a bug here or in a parser we use) into an error
/// rather than letting it escape a `Result` API.
fn no_panic<T>(op: &'static str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let why = crate::callback::panic_message(payload.as_ref());
        crate::callback::drop_quietly(payload);
        Err(Error::data(
            op,
            format!("the reader failed unexpectedly: {why}"),
        ))
    })
}

/// Which of torch.save's formats `head` (the first bytes of a file) starts.
fn load_any(
    head: &[u8],
    zip: impl FnOnce() -> Result<IValue>,
    whole: impl FnOnce() -> Result<Vec<u8>>,
    map_location: Option<Device>,
) -> Result<IValue> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        zip()
    } else if legacy::is_legacy(head) {
        legacy::load(&whole()?, map_location)
    } else {
        let bytes = whole()?;
        if legacy::is_tar(&bytes) {
            Err(Error::data(
                "load",
                "a tar archive: the format of PyTorch before 0.4, which (like torch.load with \
                 weights_only=True) this loader does not read; re-save it with a newer PyTorch",
            ))
        } else {
            Err(Error::data(
                "load",
                "not a torch.save file (neither a zip archive nor the legacy pickle format)",
            ))
        }
    }
}

fn load_path(path: &Path, map_location: Option<Device>) -> Result<IValue> {
    no_panic("load", || {
        let open = || {
            std::fs::File::open(path)
                .map_err(|e| Error::data("load", format!("cannot open {}: {e}", path.display())))
        };
        let mut head = [0u8; 16];
        let n = open()?
            .read(&mut head)
            .map_err(|e| Error::data("load", format!("cannot read {}: {e}", path.display())))?;
        let in_file = |e: Error| match e {
            Error::Data { op, message } => Error::Data {
                op,
                message: format!("{}: {message}", path.display()),
            },
            other => other,
        };
        load_any(
            &head[..n],
            || zip_format::load(BufReader::new(open()?), map_location),
            || {
                std::fs::read(path).map_err(|e| {
                    Error::data("load", format!("cannot read {}: {e}", path.display()))
                })
            },
            map_location,
        )
        .map_err(in_file)
    })
}

fn load_bytes(bytes: &[u8], map_location: Option<Device>) -> Result<IValue> {
    no_panic("load", || {
        load_any(
            &bytes[..bytes.len().min(16)],
            || zip_format::load(Cursor::new(bytes), map_location),
            || Ok(bytes.to_vec()),
            map_location,
        )
    })
}

/// Reads any `torch.save` file as a value tree (`torch.load(path)`), each tensor on the device
/// it was saved from (a file saved from a GPU needs one; see [`load_value_on`]).
///
/// ```
/// use libtorch::{serialize, IValue, Tensor};
/// let ckpt = IValue::dict([
///     ("model", IValue::tensor_dict([("w", &Tensor::from_slice(&[1.0f32, 2.0]))])),
///     ("epoch", IValue::from(3)),
/// ]);
/// let bytes = serialize::save_value_to_bytes(&ckpt).unwrap();
/// let back = serialize::load_value_from_bytes(&bytes).unwrap();
/// assert_eq!(back.get("epoch").and_then(IValue::as_int), Some(3));
/// let w = back.get("model").unwrap().get("w").unwrap().as_tensor().unwrap();
/// assert_eq!(w.to_vec::<f32>().unwrap(), [1.0, 2.0]);
/// ```
pub fn load_value(path: impl AsRef<Path>) -> Result<IValue> {
    load_path(path.as_ref(), None)
}

/// [`load_value`] with every tensor placed on `device` (`torch.load(path, map_location=device)`).
#[doc(alias = "map_location")]
pub fn load_value_on(path: impl AsRef<Path>, device: Device) -> Result<IValue> {
    load_path(path.as_ref(), Some(device))
}

/// [`load_value`] from bytes in memory (`torch.load(io.BytesIO(bytes))`).
pub fn load_value_from_bytes(bytes: &[u8]) -> Result<IValue> {
    load_bytes(bytes, None)
}

/// [`load_value_on`] from bytes in memory.
pub fn load_value_from_bytes_on(bytes: &[u8], device: Device) -> Result<IValue> {
    load_bytes(bytes, Some(device))
}

/// Writes `value` as `torch.save(value, path)` does; Python reads it with plain
/// `torch.load(path)`.
pub fn save_value(value: &IValue, path: impl AsRef<Path>) -> Result<()> {
    save::save(value, save::Target::File(path.as_ref()), false).map(|_| ())
}

/// The bytes [`save_value`] would write.
pub fn save_value_to_bytes(value: &IValue) -> Result<Vec<u8>> {
    Ok(save::save(value, save::Target::Bytes, false)?.unwrap_or_default())
}

fn tensor_map<'a, I>(tensors: I) -> IValue
where
    I: IntoIterator<Item = (&'a str, &'a Tensor)>,
{
    IValue::tensor_dict(tensors)
}

/// Writes `tensors` (name, tensor) as an `OrderedDict`, what Python's
/// `torch.save(model.state_dict(), path)` writes, in the given order.
pub fn save(
    tensors: impl IntoIterator<Item = impl NamedTensor>,
    path: impl AsRef<Path>,
) -> Result<()> {
    let items: Vec<_> = tensors.into_iter().collect();
    save::save(
        &tensor_map(named::pairs(&items)),
        save::Target::File(path.as_ref()),
        true,
    )
    .map(|_| ())
}

/// The bytes [`save`] would write.
pub fn save_to_bytes(tensors: impl IntoIterator<Item = impl NamedTensor>) -> Result<Vec<u8>> {
    let items: Vec<_> = tensors.into_iter().collect();
    let map = tensor_map(named::pairs(&items));
    Ok(save::save(&map, save::Target::Bytes, true)?.unwrap_or_default())
}

fn as_tensor_map(v: IValue) -> Result<Vec<(String, Tensor)>> {
    v.to_tensor_map().map_err(|e| {
        Error::data(
            "load",
            format!(
                "{} (a checkpoint holding more than tensors loads with load_value)",
                e.message()
            ),
        )
    })
}

/// Reads a state dict — a `dict` or `OrderedDict` of tensors, as written by [`save`] or by
/// Python's `torch.save(model.state_dict(), path)` — in the file's order, each tensor on the
/// device it was saved from (`torch.load(path)`: a file saved from a GPU needs one; see
/// [`load_on`]). Other checkpoints load with [`load_value`].
pub fn load(path: impl AsRef<Path>) -> Result<Vec<(String, Tensor)>> {
    as_tensor_map(load_value(path)?)
}

/// [`load`] with every tensor placed on `device` (`torch.load(path, map_location=device)`):
/// `load_on(path, Device::Cpu)` reads a checkpoint saved on a GPU on a machine without one.
#[doc(alias = "map_location")]
pub fn load_on(path: impl AsRef<Path>, device: Device) -> Result<Vec<(String, Tensor)>> {
    as_tensor_map(load_value_on(path, device)?)
}

/// [`load`] from bytes in memory.
pub fn load_from_bytes(bytes: &[u8]) -> Result<Vec<(String, Tensor)>> {
    as_tensor_map(load_value_from_bytes(bytes)?)
}

/// [`load_on`] from bytes in memory.
pub fn load_from_bytes_on(bytes: &[u8], device: Device) -> Result<Vec<(String, Tensor)>> {
    as_tensor_map(load_value_from_bytes_on(bytes, device)?)
}

/// `module`'s parameters and buffers in registration order, detached (Python's
/// `module.state_dict()`, whose order this keeps).
fn ordered_state(module: &dyn Module) -> Result<Vec<(String, Tensor)>> {
    let mut entries = Vec::new();
    let mut err = None;
    module.visit(&mut |n, _, t| match t.f_detach() {
        Ok(d) => entries.push((n.to_owned(), d)),
        Err(e) => {
            err.get_or_insert(e);
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(entries),
    }
}

/// Saves `module`'s state dict to `path`, in registration order, as Python's
/// `torch.save(model.state_dict(), path)`.
pub fn save_module(module: &dyn Module, path: impl AsRef<Path>) -> Result<()> {
    let sd = ordered_state(module)?;
    save(sd.iter().map(|(k, v)| (k.as_str(), v)), path)
}

/// Loads a state dict from `path` into `module` (strict: every name must match). The values
/// are read straight onto the device of the module's first parameter or buffer, wherever they
/// were saved from, so weights trained on a GPU load on a CPU-only machine and vice versa.
pub fn load_module(module: &dyn Module, path: impl AsRef<Path>) -> Result<()> {
    load_module_with(module, path, &LoadModule::default()).map(|_| ())
}

/// How [`load_module_with`] maps a checkpoint onto a module.
///
/// ```
/// use libtorch::serialize::LoadModule;
/// // A DDP checkpoint ({"model": {"module.fc.weight": ...}, "epoch": ...}), loaded leniently:
/// let opts = LoadModule::default().entry("model").strip_prefix("module.").strict(false);
/// # let _ = opts;
/// ```
#[derive(Clone, Debug)]
pub struct LoadModule {
    strict: bool,
    prefix: Option<String>,
    entry: Option<String>,
}

impl Default for LoadModule {
    fn default() -> Self {
        LoadModule {
            strict: true,
            prefix: None,
            entry: None,
        }
    }
}

impl LoadModule {
    /// `strict=False` of `load_state_dict`: missing and unexpected names are reported in the
    /// returned [`IncompatibleKeys`] instead of failing (shapes must still match).
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Removes `prefix` from every name that has it, as PyTorch's
    /// `consume_prefix_in_state_dict_if_present` (the `module.` of a DDP model's state dict).
    pub fn strip_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Takes the state dict from this key of a dict checkpoint (`torch.load(p)["model"]`).
    pub fn entry(mut self, key: impl Into<String>) -> Self {
        self.entry = Some(key.into());
        self
    }
}

/// Loads a state dict from `path` into `module` as [`LoadModule`] says; returns the missing and
/// unexpected names (empty for a strict load, which fails on any).
pub fn load_module_with(
    module: &dyn Module,
    path: impl AsRef<Path>,
    opts: &LoadModule,
) -> Result<IncompatibleKeys> {
    let mut device = None;
    module.visit(&mut |_, _, t| {
        device.get_or_insert_with(|| t.device());
    });
    let mut value = load_value_on(path, device.unwrap_or(Device::Cpu))?;
    if let Some(key) = &opts.entry {
        value = value.get(key).cloned().ok_or_else(|| {
            Error::data(
                "load_module",
                format!("the checkpoint has no entry `{key}`"),
            )
        })?;
    }
    let mut sd: crate::nn::StateDict = as_tensor_map(value)?.into_iter().collect();
    if let Some(prefix) = &opts.prefix {
        crate::nn::consume_prefix_in_state_dict_if_present(&mut sd, prefix);
    }
    module.load_state_dict_with(&sd, opts.strict)
}
