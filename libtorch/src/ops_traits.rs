//! The std operator traits: `+ - * /` and unary `-` between tensors, and between tensors and
//! Rust numbers, with PyTorch's broadcasting and type promotion; and `+= -= *= /=` in place.
//!
//! Both operands may be owned or borrowed (`&a + &b`, `a + b`, `&a * 2.0`, `2.0 * &a`); borrow
//! to keep using a tensor. A number behaves like a Python number: `int_tensor * 2.5` is a float
//! tensor, `float_tensor * 2` stays `float32`. Number literals need no annotation: a tensor
//! takes any number on its right (`&x * 2.0`, `&x + 1`, `x *= 0.9f32`), and `f64` or `i64` on
//! its left (`2.0 - &x`, `1 - &x`), the types of Python's numbers. Like std's indexing, the operators panic when
//! libtorch rejects the operands (shapes that do not broadcast, an in-place result that would
//! change dtype, tensors on different devices), with libtorch's message; the `f_add`-style
//! methods return a `Result` instead.
//!
//! ```
//! use libtorch::{Kind, Tensor};
//! let a = Tensor::from_slice(&[1i64, 2, 3]);
//! let b = Tensor::from_slice(&[0.5f32, 0.5, 0.5]);
//! let c = &a + &b; // int64 + float32 -> float32
//! assert_eq!(c.kind(), Kind::Float);
//! assert_eq!(c.to_vec::<f32>().unwrap(), [1.5, 2.5, 3.5]);
//! assert_eq!((2.0f64 * &a - 1i64).to_vec::<f32>().unwrap(), [1.0, 3.0, 5.0]);
//! let mut d = Tensor::from_slice(&[0.5f32, 0.5, 0.5]);
//! d += 1.0;
//! assert_eq!(d.to_vec::<f32>().unwrap(), [1.5, 1.5, 1.5]);
//! ```
use crate::error::{unwrap, Result};
use crate::{Scalar, Tensor};
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

/// The four arithmetic operators, as the generated methods they call.
#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

impl Op {
    /// The `torch.Tensor` method the operator is, for errors.
    fn name(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Mul => "mul",
            Op::Div => "div",
        }
    }

    fn tensors(self, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        match self {
            Op::Add => a.f_add(b),
            Op::Sub => a.f_sub(b),
            Op::Mul => a.f_mul(b),
            Op::Div => a.f_div(b),
        }
        .map_err(|e| e.in_call(self.name()))
    }

    /// `a op s`, a tensor and a number: the number as Python passes it, a wrapped-number
    /// tensor (spec/rules.yaml `numbers_as_tensors`), so the graph records `MulBackward0`.
    fn scalar(self, a: &Tensor, s: Scalar) -> Result<Tensor> {
        match self {
            Op::Add => a.f_add(s),
            Op::Sub => a.f_sub(s),
            Op::Mul => a.f_mul(s),
            Op::Div => a.f_div(s),
        }
        .map_err(|e| e.in_call(self.name()))
    }

    /// `s op a`, a number and a tensor, as Python's reflected methods compute it
    /// (`torch.Tensor.__radd__`, `__rsub__`, `__rmul__`, `__rtruediv__`).
    fn scalar_first(self, s: Scalar, a: &Tensor) -> Result<Tensor> {
        match self {
            Op::Add => a.f_add(s),
            Op::Sub => a.f_rsub_scalar(s),
            Op::Mul => a.f_mul(s),
            Op::Div => a.f_reciprocal().and_then(|r| r.f_mul(s)),
        }
        .map_err(|e| e.in_call(self.name()))
    }

    fn tensors_(self, a: &mut Tensor, b: &Tensor) -> Result<()> {
        match self {
            Op::Add => a.f_add_(b),
            Op::Sub => a.f_sub_(b),
            Op::Mul => a.f_mul_(b),
            Op::Div => a.f_div_(b),
        }
        .map(|_| ())
        .map_err(|e| e.in_call(self.name()))
    }

    fn scalar_(self, a: &mut Tensor, s: Scalar) -> Result<()> {
        match self {
            Op::Add => a.f_add_(s),
            Op::Sub => a.f_sub_(s),
            Op::Mul => a.f_mul_(s),
            Op::Div => a.f_div_(s),
        }
        .map(|_| ())
        .map_err(|e| e.in_call(self.name()))
    }
}

macro_rules! binary_trait {
    ($trait:ident, $method:ident, $op:expr) => {
        impl $trait<&Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                unwrap($op.tensors(self, rhs))
            }
        }
        impl $trait<Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                unwrap($op.tensors(self, &rhs))
            }
        }
        impl $trait<&Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                unwrap($op.tensors(&self, rhs))
            }
        }
        impl $trait<Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                unwrap($op.tensors(&self, &rhs))
            }
        }
        // One generic impl for every number on the right, so that the output type is known
        // before the literal's type is: `(&x * 2.0).requires_grad()` needs no annotation.
        impl<S: Into<Scalar>> $trait<S> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: S) -> Tensor {
                unwrap($op.scalar(self, rhs.into()))
            }
        }
        impl<S: Into<Scalar>> $trait<S> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: S) -> Tensor {
                unwrap($op.scalar(&self, rhs.into()))
            }
        }
    };
}

// A number on the left: only Python's two number types, f64 and i64. With more, a literal
// `2.0 - &x` would match several impls and need an annotation.
macro_rules! reflected_trait {
    ($trait:ident, $method:ident, $op:expr, $($t:ty),*) => {$(
        impl $trait<&Tensor> for $t {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                unwrap($op.scalar_first(Scalar::from(self), rhs))
            }
        }
        impl $trait<Tensor> for $t {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                unwrap($op.scalar_first(Scalar::from(self), &rhs))
            }
        }
    )*};
}

macro_rules! assign_trait {
    ($trait:ident, $method:ident, $op:expr) => {
        impl $trait<&Tensor> for Tensor {
            #[track_caller]
            fn $method(&mut self, rhs: &Tensor) {
                unwrap($op.tensors_(self, rhs))
            }
        }
        impl $trait<Tensor> for Tensor {
            #[track_caller]
            fn $method(&mut self, rhs: Tensor) {
                unwrap($op.tensors_(self, &rhs))
            }
        }
        impl<S: Into<Scalar>> $trait<S> for Tensor {
            #[track_caller]
            fn $method(&mut self, rhs: S) {
                unwrap($op.scalar_(self, rhs.into()))
            }
        }
    };
}

binary_trait!(Add, add, Op::Add);
binary_trait!(Sub, sub, Op::Sub);
binary_trait!(Mul, mul, Op::Mul);
binary_trait!(Div, div, Op::Div);
reflected_trait!(Add, add, Op::Add, f64, i64);
reflected_trait!(Sub, sub, Op::Sub, f64, i64);
reflected_trait!(Mul, mul, Op::Mul, f64, i64);
reflected_trait!(Div, div, Op::Div, f64, i64);
assign_trait!(AddAssign, add_assign, Op::Add);
assign_trait!(SubAssign, sub_assign, Op::Sub);
assign_trait!(MulAssign, mul_assign, Op::Mul);
assign_trait!(DivAssign, div_assign, Op::Div);

impl Neg for &Tensor {
    type Output = Tensor;
    #[track_caller]
    fn neg(self) -> Tensor {
        unwrap(self.f_neg().map_err(|e| e.in_call("neg")))
    }
}

impl Neg for Tensor {
    type Output = Tensor;
    #[track_caller]
    fn neg(self) -> Tensor {
        -&self
    }
}
