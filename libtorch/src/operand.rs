//! A tensor or a number, for the operators PyTorch lets take either: `x.add(&y)` and `x.add(1)`,
//! `x.gt(0.5)`, `x.pow(2)`, `x.masked_fill(&mask, 0.0)`, `x.clamp_min(&floor)`.
use crate::error::{check, Result};
use crate::{Scalar, Tensor};
use libtorch_sys::autograd as ffi;

/// What a [`TensorOrNumber`] argument holds.
#[derive(Clone, Copy)]
pub enum Operand<'a> {
    /// A tensor: the operator's `Tensor` overload runs (`add.Tensor`).
    Tensor(&'a Tensor),
    /// A number: the operator's `Scalar` overload runs (`add.Scalar`), which treats it as
    /// Python treats a number (`int_tensor.add(2.5)` is float, `float_tensor.add(2)` stays
    /// `float32`).
    Number(Scalar),
}

/// An argument that may be a tensor or a number, as in PyTorch: `&Tensor` (borrowed, as every
/// tensor argument; an owned `Tensor` is not taken, so a call never consumes one), any Rust
/// number, `bool`, [`Scalar`], `f16`/`bf16`. A number literal needs no annotation
/// (`x.add(1)`, `x.mul(0.5)`).
///
/// ```
/// use libtorch::Tensor;
/// let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
/// let y = Tensor::from_slice(&[3.0f32, 2.0, 1.0]);
/// assert_eq!(x.gt(&y).to_vec::<bool>()?, [false, false, true]);
/// assert_eq!(x.gt(1.5).to_vec::<bool>()?, [false, true, true]);
/// assert_eq!(x.pow(2).to_vec::<f32>()?, [1.0, 4.0, 9.0]);
/// # Ok::<(), libtorch::Error>(())
/// ```
pub trait TensorOrNumber {
    /// The tensor, or the number as a [`Scalar`].
    fn operand(&self) -> Operand<'_>;
}

impl TensorOrNumber for &Tensor {
    fn operand(&self) -> Operand<'_> {
        Operand::Tensor(self)
    }
}

impl TensorOrNumber for &mut Tensor {
    fn operand(&self) -> Operand<'_> {
        Operand::Tensor(self)
    }
}

/// Every number a [`Scalar`] is made from (and `Scalar` itself).
impl<S: Into<Scalar> + Copy> TensorOrNumber for S {
    fn operand(&self) -> Operand<'_> {
        Operand::Number((*self).into())
    }
}

/// A number as Python passes it where a tensor is expected: a 0-dim CPU tensor flagged as a
/// wrapped number, which type promotion treats as a Python number (an int64 tensor times 2.5 is
/// float32, not float64) and which may meet tensors on any device.
#[track_caller]
pub(crate) fn wrapped_number(s: Scalar) -> Result<Tensor> {
    let mut out = std::ptr::null_mut();
    // SAFETY: the scalar is passed by value and `out` points to a local; on success the shim
    // wrote one owned tensor, taken over once here.
    unsafe {
        check(
            ffi::ltrs_wrapped_number(s.to_ffi(), &mut out),
            "wrapped_number",
        )?;
        Ok(Tensor::from_raw(out))
    }
}
