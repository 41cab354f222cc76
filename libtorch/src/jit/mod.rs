//! TorchScript modules: models saved from Python with `torch.jit.save` (or
//! `ScriptModule.save`), traced or scripted, loaded and run from Rust.
//!
//! ```
//! use libtorch::{jit, IValue, Tensor};
//! # fn main() -> libtorch::Result<()> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jit/methods.pt");
//! let model = jit::load(path)?; // torch.jit.load(path)
//! let y = model.f_forward_ts(&[Tensor::zeros(&[2, 3])])?;
//! assert_eq!(y.size(), [2, 2]);
//! // Any method, with any TorchScript values: here `greet(self, name: str, times: int) -> str`.
//! let hello = model.f_method("greet", &[IValue::from("rust"), IValue::from(2)])?;
//! assert_eq!(hello.as_str(), Some("hello rust! hello rust! "));
//! // TorchScript's own errors come back as `Err`.
//! let err = model.f_method("greet", &[IValue::from(5), IValue::from(2)]).unwrap_err();
//! assert!(err.message().contains("Expected a value of type 'str' for argument 'name'"));
//! # Ok(())
//! # }
//! ```
//!
//! Arguments and results are [`IValue`](crate::IValue)s: `None`, bool, int, float, complex,
//! str, Tensor, lists (of anything, or of ints, floats, bools or tensors), tuples, dicts and
//! devices; a dtype is passed as [`IValue::Kind`](crate::IValue::Kind) and comes back as its
//! int code, as TorchScript handles dtypes. Values nest at most 1,000 levels deep either way.
//! A result TorchScript cannot express that way (an object of a script class, a future) is an
//! error naming its type.
//!
//! **Load only files you trust.** A TorchScript file is a program: loading it defines its
//! code, and calling a method runs that code with this process's rights, including any
//! libtorch operator with any arguments (which skips this crate's argument guards). Treat a
//! `.pt` model like a shared library.
//!
//! Saving ([`ScriptModule::save`]) writes what `torch.jit.load` reads in Python.
mod convert;
mod module;
mod state;
mod value;

pub(crate) use convert::from_value;
pub(crate) use module::path_str;
pub use module::ScriptModule;
pub(crate) use value::Value;
pub use value::MAX_DEPTH;

use crate::{Device, Result};
use std::path::Path;

/// Loads a TorchScript module (`torch.jit.load(path)`): tensors go to the devices they were
/// saved from, so a model saved on a GPU needs one ([`load_on`] moves it).
#[track_caller]
pub fn load(path: impl AsRef<Path>) -> Result<ScriptModule> {
    ScriptModule::load_file(path.as_ref(), None)
}

/// Loads a TorchScript module with every tensor on `device`
/// (`torch.jit.load(path, map_location=device)`).
#[doc(alias = "map_location")]
#[track_caller]
pub fn load_on(path: impl AsRef<Path>, device: Device) -> Result<ScriptModule> {
    ScriptModule::load_file(path.as_ref(), Some(device))
}

/// [`load`] from the bytes of a saved module (`torch.jit.load(io.BytesIO(bytes))`).
#[track_caller]
pub fn load_from_bytes(bytes: &[u8]) -> Result<ScriptModule> {
    ScriptModule::load_bytes(bytes, None)
}

/// [`load_on`] from the bytes of a saved module.
#[track_caller]
pub fn load_from_bytes_on(bytes: &[u8], device: Device) -> Result<ScriptModule> {
    ScriptModule::load_bytes(bytes, Some(device))
}
