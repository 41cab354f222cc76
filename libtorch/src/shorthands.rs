//! PyTorch's one-word tensor methods that have no ATen operator of their own: the dtype
//! conversions (`x.float()`, `x.long()`, ...) and `x.unique()`. Each calls a generated method.
use crate::error::unwrap;
use crate::{Kind, Result, Tensor};

macro_rules! dtype_shorthands {
    ($($(#[$doc:meta])* $name:ident, $f_name:ident => $kind:expr;)*) => {
        impl Tensor {
            $(
                $(#[$doc])*
                #[track_caller]
                pub fn $name(&self) -> Tensor {
                    unwrap(self.$f_name())
                }

                #[doc = concat!("Fallible form of [`Tensor::", stringify!($name), "`].")]
                #[track_caller]
                pub fn $f_name(&self) -> Result<Tensor> {
                    self.f_to_dtype($kind)
                }
            )*
        }
    };
}

dtype_shorthands! {
    /// `x.float()`: a float32 copy (or `x` itself when it already is one), as `to_dtype(Kind::Float)`.
    ///
    /// ```
    /// use libtorch::{Kind, Tensor};
    /// let x = Tensor::from_slice(&[1i64, 2]);
    /// assert_eq!(x.float().kind(), Kind::Float);
    /// assert_eq!(Tensor::from_slice(&[1.5f32, -2.5]).long().to_vec::<i64>().unwrap(), [1, -2]);
    /// ```
    float, f_float => Kind::Float;
    /// `x.double()`: float64.
    double, f_double => Kind::Double;
    /// `x.half()`: float16.
    half, f_half => Kind::Half;
    /// `x.bfloat16()`: bfloat16.
    bfloat16, f_bfloat16 => Kind::BFloat16;
    /// `x.long()`: int64 (floats round toward zero, as in PyTorch).
    long, f_long => Kind::Int64;
    /// `x.int()`: int32.
    int, f_int => Kind::Int;
    /// `x.short()`: int16.
    short, f_short => Kind::Int16;
    /// `x.char()`: int8.
    char, f_char => Kind::Int8;
    /// `x.byte()`: uint8.
    byte, f_byte => Kind::Uint8;
    /// `x.bool()`: nonzero elements become `true`.
    bool, f_bool => Kind::Bool;
}

impl Tensor {
    /// `x.unique()` (`torch.unique(x)`): the distinct elements, sorted, as a 1-D tensor. The
    /// inverse indices and counts (`return_inverse`, `return_counts`) are the schema's
    /// `_unique2_with`.
    ///
    /// ```
    /// use libtorch::Tensor;
    /// let x = Tensor::from_slice(&[3i64, 1, 3, 2, 1]);
    /// assert_eq!(x.unique().to_vec::<i64>().unwrap(), [1, 2, 3]);
    /// ```
    #[track_caller]
    pub fn unique(&self) -> Tensor {
        unwrap(self.f_unique())
    }

    /// Fallible form of [`Tensor::unique`].
    #[track_caller]
    pub fn f_unique(&self) -> Result<Tensor> {
        Ok(self.f__unique2_with(true, false, false)?.0)
    }
}
