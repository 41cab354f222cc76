//! What the generated operator methods accept for list and optional arguments, so a call reads
//! as in PyTorch: `x.sum_dim(1)`, `x.mean_dim([0, 1])`, `x.argmax_with(1, false)`,
//! `x.clamp(-1, 1)`, `x.clamp(0, None)`, `x.div_with(&y, "floor")`.
//!
//! | schema type | Rust parameter | takes |
//! |---|---|---|
//! | `int[]`, `int[N]` | `impl` [`IntList`] | `1`, `[0, 1]`, `&[0, 1]`, `&v[..]`, `v` / `&v` (`Vec<i64>`) |
//! | `int[]?`, `int[1]?` | `impl` [`OptionalIntList`] | all of the above, and `None` or an `Option<&[i64]>` |
//! | `Scalar?` | `impl` [`OptionalScalar`] | any number, a [`Scalar`], `None` or an `Option<Scalar>` |
//! | `str?` | `impl` [`OptionalStr`] | `"floor"`, a `String` / `&String`, `None` or an `Option<&str>` |
//! | `int?`, `float?`, `bool?`, `ScalarType?`, `Layout?`, `Device?`, `MemoryFormat?` | `impl Into<Option<T>>` | the value (`1`, `0.5`, `Kind::Float`) or an `Option` (`None`, `Some(1)`) |
//! | `Tensor?[]` (`index_put_`'s indices) | `impl` [`OptionalTensorList`] | `&[&i]`, `&[Some(&i), None]`, `&[Tensor]`, a `Vec` of either |
//! | `Tensor?` merged with `Scalar?` (`clamp`) | `impl` [`OptionalTensorOrNumber`](crate::OptionalTensorOrNumber) | `&Tensor`, any number, `None` |
//!
//! Each trait has exactly one `Option` implementation, so a bare `None` needs no annotation, and
//! exactly one integer implementation where a list is expected (`i64`), so integer literals need
//! none either:
//!
//! ```
//! use libtorch::Tensor;
//! let x = Tensor::from_data(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
//! assert_eq!(x.sum_dim(1).to_vec::<f32>()?, [6.0, 15.0]); // x.sum(dim=1)
//! assert_eq!(x.sum_dim([0, 1]).to_vec::<f32>()?, [21.0]); // x.sum(dim=(0, 1))
//! assert_eq!(x.sum_dim(None).to_vec::<f32>()?, [21.0]); // every dimension
//! assert_eq!(x.argmax_with(1, false).to_vec::<i64>()?, [2, 2]); // x.argmax(dim=1)
//! assert_eq!(x.clamp(2, 5).max().double_value(), 5.0); // x.clamp(2, 5)
//! assert_eq!(x.clamp(None, 3.5).max().double_value(), 3.5); // x.clamp(max=3.5)
//! # Ok::<(), libtorch::Error>(())
//! ```
use crate::{Scalar, Tensor};
use std::borrow::Cow;

/// An `int[]` argument (sizes, dimensions, strides): a single `i64` (a one-element list, as
/// PyTorch takes `x.sum(dim=1)`), an array, a slice or a `Vec` of `i64`, by value or by
/// reference.
///
/// ```
/// use libtorch::Tensor;
/// let x = Tensor::zeros(&[2, 3]);
/// let shape = vec![3, 2];
/// assert_eq!(x.view([3, 2]).size(), [3, 2]);
/// assert_eq!(x.view(&shape).size(), [3, 2]);
/// assert_eq!(x.view(-1).size(), [6]);
/// ```
pub trait IntList {
    /// The list.
    fn int_list(&self) -> &[i64];
}

impl IntList for i64 {
    fn int_list(&self) -> &[i64] {
        std::slice::from_ref(self)
    }
}
impl IntList for &[i64] {
    fn int_list(&self) -> &[i64] {
        self
    }
}
impl<const N: usize> IntList for [i64; N] {
    fn int_list(&self) -> &[i64] {
        self
    }
}
impl<const N: usize> IntList for &[i64; N] {
    fn int_list(&self) -> &[i64] {
        *self
    }
}
impl IntList for Vec<i64> {
    fn int_list(&self) -> &[i64] {
        self
    }
}
impl IntList for &Vec<i64> {
    fn int_list(&self) -> &[i64] {
        self
    }
}

/// An `int[]?` argument (`dim` of the reductions): what [`IntList`] takes, or `None` (all
/// dimensions, for a reduction). An `Option<&[i64]>` passes through.
pub trait OptionalIntList {
    /// The list, or None.
    fn optional_int_list(&self) -> Option<&[i64]>;
}

impl<L: IntList> OptionalIntList for L {
    fn optional_int_list(&self) -> Option<&[i64]> {
        Some(self.int_list())
    }
}
/// The one `Option` implementation, so that `None` needs no annotation (`Some(&[1])` does not
/// coerce here: write `&[1]`, or `Some(&[1][..])`).
impl OptionalIntList for Option<&[i64]> {
    fn optional_int_list(&self) -> Option<&[i64]> {
        *self
    }
}

/// A `Scalar?` argument: a number (any Rust integer or float, `bool`, [`Scalar`]) or `None`.
/// An `Option<Scalar>` passes through.
pub trait OptionalScalar {
    /// The number, or None.
    fn optional_scalar(self) -> Option<Scalar>;
}

impl<S: Into<Scalar>> OptionalScalar for S {
    fn optional_scalar(self) -> Option<Scalar> {
        Some(self.into())
    }
}
/// The one `Option` implementation, so that `None` needs no annotation.
impl OptionalScalar for Option<Scalar> {
    fn optional_scalar(self) -> Option<Scalar> {
        self
    }
}

/// A `str?` argument (`rounding_mode="floor"`): a string or `None`. An `Option<&str>` passes
/// through.
pub trait OptionalStr {
    /// The string, or None.
    fn optional_str(&self) -> Option<&str>;
}

impl OptionalStr for &str {
    fn optional_str(&self) -> Option<&str> {
        Some(self)
    }
}
impl OptionalStr for String {
    fn optional_str(&self) -> Option<&str> {
        Some(self)
    }
}
impl OptionalStr for &String {
    fn optional_str(&self) -> Option<&str> {
        Some(self)
    }
}
/// The one `Option` implementation, so that `None` needs no annotation.
impl OptionalStr for Option<&str> {
    fn optional_str(&self) -> Option<&str> {
        *self
    }
}

/// A `Tensor?[]` argument (the indices of `index` and `index_put_`, where None stands for a
/// whole dimension, as `:` in `x[:, i]`): a list of tensors (`&[&i]`, `&[i]`, `[&i, &j]`) or of
/// optional tensors (`&[None, Some(&i)]`), as an array, slice or `Vec`.
///
/// ```
/// use libtorch::Tensor;
/// let mut x = Tensor::zeros(&[3]);
/// let i = Tensor::from_slice(&[0i64, 2]);
/// x.index_put_(&[&i], &Tensor::from_slice(&[1.0f32, 9.0])); // x.index_put_((i,), v)
/// assert_eq!(x.to_vec::<f32>()?, [1.0, 0.0, 9.0]);
/// # Ok::<(), libtorch::Error>(())
/// ```
pub trait OptionalTensorList {
    /// The tensors, None where a dimension is taken whole.
    fn optional_tensor_list(&self) -> Cow<'_, [Option<&Tensor>]>;
}

impl OptionalTensorList for &[Option<&Tensor>] {
    fn optional_tensor_list(&self) -> Cow<'_, [Option<&Tensor>]> {
        Cow::Borrowed(self)
    }
}
impl<const N: usize> OptionalTensorList for [Option<&Tensor>; N] {
    fn optional_tensor_list(&self) -> Cow<'_, [Option<&Tensor>]> {
        Cow::Borrowed(self)
    }
}
impl<const N: usize> OptionalTensorList for &[Option<&Tensor>; N] {
    fn optional_tensor_list(&self) -> Cow<'_, [Option<&Tensor>]> {
        Cow::Borrowed(*self)
    }
}
impl OptionalTensorList for Vec<Option<&Tensor>> {
    fn optional_tensor_list(&self) -> Cow<'_, [Option<&Tensor>]> {
        Cow::Borrowed(self)
    }
}
impl OptionalTensorList for &Vec<Option<&Tensor>> {
    fn optional_tensor_list(&self) -> Cow<'_, [Option<&Tensor>]> {
        Cow::Borrowed(self)
    }
}

/// Tensors, every one given: `&[&i]`, `&[i]`, `[&i, &j]`, a `Vec` of either.
macro_rules! all_given {
    ($($t:ty),*) => {$(
        impl OptionalTensorList for $t {
            fn optional_tensor_list(&self) -> Cow<'_, [Option<&Tensor>]> {
                Cow::Owned(self.iter().map(|t| Some(std::borrow::Borrow::<Tensor>::borrow(t))).collect())
            }
        }
    )*};
}
all_given!(
    &[&Tensor],
    &[Tensor],
    Vec<&Tensor>,
    &Vec<&Tensor>,
    &Vec<Tensor>
);
macro_rules! all_given_arrays {
    ($($t:ty),*) => {$(
        impl<const N: usize> OptionalTensorList for $t {
            fn optional_tensor_list(&self) -> Cow<'_, [Option<&Tensor>]> {
                Cow::Owned(self.iter().map(|t| Some(std::borrow::Borrow::<Tensor>::borrow(t))).collect())
            }
        }
    )*};
}
all_given_arrays!([&Tensor; N], &[&Tensor; N], &[Tensor; N]);
