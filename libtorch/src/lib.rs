//! PyTorch's C++ core, libtorch, for Rust: tensors with autograd, on CPU and CUDA.
//!
//! ```
//! use libtorch::{Kind, Tensor};
//! let a = Tensor::from_data(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
//! assert_eq!(a.size(), [2, 2]);
//! assert_eq!(a.kind(), Kind::Float);
//! assert_eq!(a.to_vec::<f32>().unwrap(), [1.0, 2.0, 3.0, 4.0]);
//! ```
#![doc = include_str!("cheatsheet.md")]
#![warn(missing_docs)]

pub mod amp;
pub mod aoti;
mod arguments;
pub mod backends;
mod cuda_ctl;
pub mod data;
mod device;
pub mod distributed;
mod element;
pub mod error;
mod ffi_support;
mod generated;
mod generator;
mod guards;
pub mod hooks;
mod ivalue;
pub mod jit;
mod kind;
pub mod nn;
pub mod optim;
pub mod profiler;
mod scalar;
pub mod serialize;
mod shorthands;
mod tensor;
pub mod threads;
pub mod utils;
pub mod vision;
// The safe Tensor with autograd: operators, indexing, printing, creation helpers.
pub mod autograd;
mod callback;
mod creation;
mod display;
pub mod indexing;
mod operand;
mod ops_traits;

pub use arguments::{IntList, OptionalIntList, OptionalScalar, OptionalStr, OptionalTensorList};
pub use autograd::{enable_grad, is_grad_enabled, no_grad, NoGradGuard};
pub use backends::{
    are_deterministic_algorithms_enabled, get_float32_matmul_precision,
    is_deterministic_algorithms_warn_only_enabled, set_float32_matmul_precision,
    use_deterministic_algorithms, use_deterministic_algorithms_with,
};
pub use creation::{Options, TensorView};
pub use device::{cuda, Device, Layout, MemoryFormat, QScheme, Stream};
pub use element::Element;
pub use error::{set_cpp_backtraces, Error, Result};
pub use generator::{Generator, Storage};
/// Half-precision elements (`torch.float16`, `torch.bfloat16`): `Tensor::from_slice(&[f16::ONE])`.
pub use half::{bf16, f16};
pub use indexing::{Ellipsis, NewAxis, TensorIndexer};
pub use ivalue::IValue;
pub use kind::Kind;
/// Complex elements (`Complex<f32>` for complex64 tensors, `Complex<f64>` for complex128).
pub use num_complex::Complex;
pub use operand::{Operand, OptionalOperand, OptionalTensorOrNumber, TensorOrNumber};
pub use scalar::Scalar;
pub use tensor::Tensor;
pub use threads::{get_num_threads, manual_seed, set_num_threads};

/// The raw layer, for what the safe API does not cover.
pub use libtorch_sys as sys;

/// The README's Rust snippets compile (and the first runs) as doctests, so the user's door
/// cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeSnippets;

/// The libtorch version this crate runs on, e.g. "2.11.0".
pub fn version() -> &'static str {
    sys::LIBTORCH_VERSION
}
