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

/// What an [`OptionalTensorOrNumber`] argument holds.
#[derive(Clone, Copy)]
pub enum OptionalOperand<'a> {
    /// Nothing (`None`): the bound is left out.
    Absent,
    /// A tensor.
    Tensor(&'a Tensor),
    /// A number.
    Number(Scalar),
}

/// An optional argument that may be a tensor or a number, as in PyTorch where an operator has a
/// `Tensor?` and a `Scalar?` overload (`x.clamp(min, max)`): `&Tensor`, any number, [`Scalar`],
/// `None` (or an `Option<Scalar>`). The operator takes either all tensors or all numbers (an
/// `Err` otherwise, as PyTorch refuses the mix); a left-out one goes with either.
///
/// ```
/// use libtorch::Tensor;
/// let x = Tensor::from_slice(&[-3.0f32, 0.5, 3.0]);
/// let hi = Tensor::from_slice(&[1.0f32, 1.0, 2.0]);
/// assert_eq!(x.clamp(-1, 1).to_vec::<f32>()?, [-1.0, 0.5, 1.0]); // x.clamp(-1, 1)
/// assert_eq!(x.clamp(0, None).to_vec::<f32>()?, [0.0, 0.5, 3.0]); // x.clamp(min=0)
/// assert_eq!(x.clamp(None, &hi).to_vec::<f32>()?, [-3.0, 0.5, 2.0]); // x.clamp(max=hi)
/// assert!(x.f_clamp(0, &hi).is_err()); // a number and a tensor: TypeError in PyTorch
/// # Ok::<(), libtorch::Error>(())
/// ```
pub trait OptionalTensorOrNumber {
    /// The tensor, the number, or nothing.
    fn optional_operand(&self) -> OptionalOperand<'_>;
}

impl<T: TensorOrNumber> OptionalTensorOrNumber for T {
    fn optional_operand(&self) -> OptionalOperand<'_> {
        match self.operand() {
            Operand::Tensor(t) => OptionalOperand::Tensor(t),
            Operand::Number(n) => OptionalOperand::Number(n),
        }
    }
}

/// The one `Option` implementation, so that `None` needs no annotation.
impl OptionalTensorOrNumber for Option<Scalar> {
    fn optional_operand(&self) -> OptionalOperand<'_> {
        match self {
            Some(n) => OptionalOperand::Number(*n),
            None => OptionalOperand::Absent,
        }
    }
}

impl OptionalTensorOrNumber for OptionalOperand<'_> {
    fn optional_operand(&self) -> OptionalOperand<'_> {
        *self
    }
}

/// The optional tensor-or-number arguments of one call, split as the operator's overloads take
/// them: all tensors (or left out), or all numbers (or left out; also when all are left out).
pub(crate) enum OptionalOperands<'a, const N: usize> {
    Tensors([Option<&'a Tensor>; N]),
    Numbers([Option<Scalar>; N]),
}

/// Splits `args` (name, value) into [`OptionalOperands`]; a tensor and a number together are an
/// `Err` naming both, as PyTorch raises a TypeError for them.
pub(crate) fn optional_operands<'a, const N: usize>(
    op: &'static str,
    args: [(&str, OptionalOperand<'a>); N],
) -> Result<OptionalOperands<'a, N>> {
    let tensor = args
        .iter()
        .find(|(_, a)| matches!(a, OptionalOperand::Tensor(_)));
    let number = args
        .iter()
        .find(|(_, a)| matches!(a, OptionalOperand::Number(_)));
    match (tensor, number) {
        (Some((t, _)), Some((n, _))) => Err(crate::Error::invalid(
            op,
            format!(
                "`{t}` is a tensor and `{n}` a number; pass all of them as tensors or all as \
                 numbers (None leaves one out)"
            ),
        )),
        (Some(_), None) => Ok(OptionalOperands::Tensors(args.map(|(_, a)| match a {
            OptionalOperand::Tensor(t) => Some(t),
            _ => None,
        }))),
        (None, _) => Ok(OptionalOperands::Numbers(args.map(|(_, a)| match a {
            OptionalOperand::Number(n) => Some(n),
            _ => None,
        }))),
    }
}
