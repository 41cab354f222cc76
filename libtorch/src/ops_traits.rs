//! The std operator traits: `+ - * /` and unary `-` between tensors, and between tensors and
//! Rust numbers, with PyTorch's broadcasting and type promotion; and `+= -= *= /=` in place.
//!
//! Both operands may be owned or borrowed (`&a + &b`, `a + b`, `&a * 2.0`, `2.0 * &a`); borrow
//! to keep using a tensor. A number behaves like a Python number: `int_tensor * 2.5` is a float
//! tensor, `float_tensor * 2` stays `float32`. Like std's indexing, the operators panic when
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
use crate::error::{check, unwrap, Result};
use crate::{Scalar, Tensor};
use libtorch_sys as sys;
use libtorch_sys::autograd as ffi;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

const NAMES: [&str; 4] = ["add", "sub", "mul", "div"];

#[track_caller]
pub(crate) fn binary(op: i32, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let mut out = std::ptr::null_mut();
    // SAFETY: both handles are borrowed for the call; the result owns one reference.
    unsafe {
        check(
            ffi::ltrs_binary(op, a.as_raw(), b.as_raw(), &mut out),
            NAMES[op as usize],
        )?;
        Ok(Tensor::from_raw(out))
    }
}

#[track_caller]
pub(crate) fn binary_scalar(op: i32, a: &Tensor, s: Scalar, scalar_first: bool) -> Result<Tensor> {
    let mut out = std::ptr::null_mut();
    // SAFETY: the handle is borrowed for the call, the scalar passed by value; the result owns one
    // reference.
    unsafe {
        check(
            ffi::ltrs_binary_scalar(op, a.as_raw(), s.to_ffi(), scalar_first, &mut out),
            NAMES[op as usize],
        )?;
        Ok(Tensor::from_raw(out))
    }
}

#[track_caller]
fn binary_inplace(op: i32, a: &mut Tensor, b: &Tensor) -> Result<()> {
    // SAFETY: both handles are live for the call; `a` is held mutably, as writes require.
    unsafe {
        check(
            ffi::ltrs_binary_(op, a.as_raw(), b.as_raw()),
            NAMES[op as usize],
        )
    }
}

#[track_caller]
fn binary_scalar_inplace(op: i32, a: &mut Tensor, s: Scalar) -> Result<()> {
    // SAFETY: the handle is live for the call and held mutably.
    unsafe {
        check(
            ffi::ltrs_binary_scalar_(op, a.as_raw(), s.to_ffi()),
            NAMES[op as usize],
        )
    }
}

#[track_caller]
pub(crate) fn neg(a: &Tensor) -> Result<Tensor> {
    let mut out = std::ptr::null_mut();
    // SAFETY: borrowed handle; the result owns one reference.
    unsafe {
        check(ffi::ltrs_tensor_negate(a.as_raw(), &mut out), "neg")?;
        Ok(Tensor::from_raw(out))
    }
}

macro_rules! binary_trait {
    ($trait:ident, $method:ident, $code:expr) => {
        impl $trait<&Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                unwrap(binary($code, self, rhs))
            }
        }
        impl $trait<Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                unwrap(binary($code, self, &rhs))
            }
        }
        impl $trait<&Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                unwrap(binary($code, &self, rhs))
            }
        }
        impl $trait<Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                unwrap(binary($code, &self, &rhs))
            }
        }
    };
}

macro_rules! scalar_trait {
    ($trait:ident, $method:ident, $code:expr, $($t:ty),*) => {$(
        impl $trait<$t> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: $t) -> Tensor {
                unwrap(binary_scalar($code, self, Scalar::from(rhs), false))
            }
        }
        impl $trait<$t> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: $t) -> Tensor {
                unwrap(binary_scalar($code, &self, Scalar::from(rhs), false))
            }
        }
        impl $trait<&Tensor> for $t {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                unwrap(binary_scalar($code, rhs, Scalar::from(self), true))
            }
        }
        impl $trait<Tensor> for $t {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                unwrap(binary_scalar($code, &rhs, Scalar::from(self), true))
            }
        }
    )*};
}

macro_rules! assign_trait {
    ($trait:ident, $method:ident, $code:expr, $($t:ty),*) => {
        impl $trait<&Tensor> for Tensor {
            #[track_caller]
            fn $method(&mut self, rhs: &Tensor) {
                unwrap(binary_inplace($code, self, rhs))
            }
        }
        impl $trait<Tensor> for Tensor {
            #[track_caller]
            fn $method(&mut self, rhs: Tensor) {
                unwrap(binary_inplace($code, self, &rhs))
            }
        }
        $(
        impl $trait<$t> for Tensor {
            #[track_caller]
            fn $method(&mut self, rhs: $t) {
                unwrap(binary_scalar_inplace($code, self, Scalar::from(rhs)))
            }
        }
        )*
    };
}

binary_trait!(Add, add, sys::autograd::LTRS_ADD);
binary_trait!(Sub, sub, sys::autograd::LTRS_SUB);
binary_trait!(Mul, mul, sys::autograd::LTRS_MUL);
binary_trait!(Div, div, sys::autograd::LTRS_DIV);
scalar_trait!(Add, add, sys::autograd::LTRS_ADD, f64, f32, i64, i32);
scalar_trait!(Sub, sub, sys::autograd::LTRS_SUB, f64, f32, i64, i32);
scalar_trait!(Mul, mul, sys::autograd::LTRS_MUL, f64, f32, i64, i32);
scalar_trait!(Div, div, sys::autograd::LTRS_DIV, f64, f32, i64, i32);
assign_trait!(
    AddAssign,
    add_assign,
    sys::autograd::LTRS_ADD,
    f64,
    f32,
    i64,
    i32
);
assign_trait!(
    SubAssign,
    sub_assign,
    sys::autograd::LTRS_SUB,
    f64,
    f32,
    i64,
    i32
);
assign_trait!(
    MulAssign,
    mul_assign,
    sys::autograd::LTRS_MUL,
    f64,
    f32,
    i64,
    i32
);
assign_trait!(
    DivAssign,
    div_assign,
    sys::autograd::LTRS_DIV,
    f64,
    f32,
    i64,
    i32
);

impl Neg for &Tensor {
    type Output = Tensor;
    #[track_caller]
    fn neg(self) -> Tensor {
        unwrap(neg(self))
    }
}

impl Neg for Tensor {
    type Output = Tensor;
    #[track_caller]
    fn neg(self) -> Tensor {
        unwrap(neg(&self))
    }
}
