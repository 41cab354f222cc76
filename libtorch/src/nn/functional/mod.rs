//! Stateless forms of the layers, activations and losses (`torch.nn.functional`, used as `F`).
//!
//! ```
//! use libtorch::nn::functional as F;
//! use libtorch::Tensor;
//! let x = Tensor::from_slice(&[-1.0f32, 0.0, 2.0]);
//! assert_eq!(F::relu(&x).to_vec::<f32>().unwrap(), [0.0, 0.0, 2.0]);
//! assert_eq!(F::leaky_relu_with(&x, 0.5).to_vec::<f32>().unwrap(), [-0.5, 0.0, 2.0]);
//! assert!(F::f_max_pool1d(&x, 100).is_err()); // a kernel longer than the input
//! ```
//!
//! The names, argument order and defaults are PyTorch's, in the convention of the generated
//! tensor methods:
//!
//! - `F::NAME` takes PyTorch's required arguments and fills in PyTorch's defaults for the rest
//!   (`F.gelu(x)` is `F::gelu(&x)`, `F.max_pool2d(x, 2)` is `F::max_pool2d(&x, 2)`);
//! - `F::NAME_with` takes every argument, in PyTorch's order (`F.gelu(x, approximate="tanh")` is
//!   `F::gelu_with(&x, "tanh")`, `F.cross_entropy(x, t, label_smoothing=0.1)` is
//!   `F::cross_entropy_with(&x, &t, None, -100, Reduction::Mean, 0.1)`);
//! - both panic on an error, with a message naming the function (`max_pool1d: ...`); the
//!   `f_` forms (`F::f_gelu`, `F::f_gelu_with`) return a [`Result`] instead and never panic.
//!
//! A size PyTorch takes as an int or a tuple takes an `i64` or an array
//! ([`IntoDims`](super::IntoDims): `F::max_pool2d(&x, 2)`, `F::max_pool2d(&x, [2, 3])`); an
//! optional tensor is an `Option<&Tensor>`; `reduction=` is a [`Reduction`] or PyTorch's string
//! ([`IntoReduction`]). The deprecated `size_average`/`reduce` and the `inplace=` flags are
//! not taken (the in-place forms are the tensor methods: `x.relu_()`). Each function calls the
//! generated method of its ATen operator ([`Tensor::f_linear_with`], [`Tensor::f_max_pool2d_with`],
//! ...), so it makes the same argument checks, plus those PyTorch's Python makes, before libtorch
//! could crash.
//!
//! [`Tensor::f_linear_with`]: crate::Tensor::f_linear_with
//! [`Tensor::f_max_pool2d_with`]: crate::Tensor::f_max_pool2d_with
use crate::Result;

pub use super::interpolate::InterpolateMode;

mod activation;
mod attention;
mod conv;
mod dropout;
mod loss;
mod norm;
mod pool;
mod shape;
mod sparse;

pub use activation::*;
pub use attention::*;
pub use conv::*;
pub use dropout::*;
pub use loss::*;
pub use norm::*;
pub use pool::*;
pub use shape::*;
pub use sparse::*;

pub(crate) use conv::{f_conv, f_conv_same, f_conv_transpose};
pub(crate) use dropout::f_feature_dropout;
pub(crate) use pool::f_adaptive_max_pool;

/// How a loss reduces its per-element values (`reduction=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Reduction {
    /// Keep every element (`'none'`).
    None,
    /// The mean (`'mean'`, the default).
    #[default]
    Mean,
    /// The sum (`'sum'`).
    Sum,
}

impl Reduction {
    /// ATen's code for it (`at::Reduction::Reduction`: 0 none, 1 mean, 2 sum), the `reduction:
    /// i64` argument of the generated loss methods.
    pub fn code(self) -> i64 {
        match self {
            Reduction::None => 0,
            Reduction::Mean => 1,
            Reduction::Sum => 2,
        }
    }
}

impl std::str::FromStr for Reduction {
    type Err = crate::Error;
    /// PyTorch's names: `"none"`, `"mean"`, `"sum"`.
    fn from_str(s: &str) -> Result<Reduction> {
        match s {
            "none" => Ok(Reduction::None),
            "mean" => Ok(Reduction::Mean),
            "sum" => Ok(Reduction::Sum),
            _ => Err(crate::Error::invalid(
                "reduction",
                format!("{s} is not a valid value for reduction"),
            )),
        }
    }
}

/// A `reduction=` argument: a [`Reduction`] or PyTorch's string (`"none"`, `"mean"`, `"sum"`).
///
/// ```
/// use libtorch::nn::{functional as F, Reduction};
/// use libtorch::Tensor;
/// let (a, b) = (Tensor::from_slice(&[1.0f32, 2.0]), Tensor::from_slice(&[0.0f32, 0.0]));
/// assert_eq!(F::mse_loss_with(&a, &b, "sum", None).double_value(), 5.0);
/// assert_eq!(F::mse_loss_with(&a, &b, Reduction::Sum, None).double_value(), 5.0);
/// assert!(F::f_mse_loss_with(&a, &b, "total", None).is_err());
/// ```
pub trait IntoReduction {
    /// The reduction, or an error for a name PyTorch does not know.
    fn into_reduction(self) -> Result<Reduction>;
}

impl IntoReduction for Reduction {
    fn into_reduction(self) -> Result<Reduction> {
        Ok(self)
    }
}

impl IntoReduction for &str {
    fn into_reduction(self) -> Result<Reduction> {
        self.parse()
    }
}

/// `r`, its error named after the user's call `name` rather than the ATen operator.
#[inline]
pub(crate) fn named<T>(r: Result<T>, name: &'static str) -> Result<T> {
    r.map_err(|e| e.in_call(name))
}

/// Each `fn NAME / f_NAME (args) -> T { body }` becomes `f_NAME(args) -> Result<T>` running
/// `body`, and `NAME(args) -> T`, which panics with its error.
macro_rules! pair {
    ($(
        $(#[doc = $doc:expr])*
        fn $name:ident / $f_name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty $body:block
    )*) => {$(
        $(#[doc = $doc])*
        ///
        #[doc = concat!("Panics with the error; [`", stringify!($f_name), "`] returns it.")]
        #[allow(clippy::too_many_arguments)]
        #[track_caller]
        pub fn $name($($arg: $ty),*) -> $ret {
            crate::error::unwrap($f_name($($arg),*))
        }

        #[doc = concat!("[`", stringify!($name), "`], returning an error instead of panicking.")]
        #[allow(clippy::too_many_arguments)]
        #[track_caller]
        pub fn $f_name($($arg: $ty),*) -> crate::Result<$ret> $body
    )*};
}
pub(crate) use pair;
