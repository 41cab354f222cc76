//! Raw FFI to libtorch, PyTorch's C++ core.
//!
//! Nothing here is safe to call without reading `shim/ltrs.h`; the safe API is the `libtorch`
//! crate. [`abi`] holds the handwritten part (handles, errors, library facts); [`ops`] the
//! functions generated from `spec/Declarations.yaml`, one per ATen operator overload.
#![allow(clippy::missing_safety_doc)]

pub mod abi;
pub mod amp;
// Generated and formatted by codegen (prettyplease), not by rustfmt.
#[rustfmt::skip]
pub mod ops;
pub mod autograd;
pub mod blob;
pub mod dispatch;
pub mod dist;
pub mod hooks;
pub mod jit;
pub mod serialize;
pub use abi::*;

/// The libtorch version this crate was built against (from libtorch's own headers).
pub const LIBTORCH_VERSION: &str = env!("LIBTORCH_SYS_VERSION");
