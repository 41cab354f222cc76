//! `Scalar`: a number or bool crossing to libtorch by value (no allocation).
use libtorch_sys as sys;

/// A Python-like number: what `Scalar` arguments of libtorch operators take.
/// Made from any Rust integer, float or bool with `.into()`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// An integer (`int` in PyTorch's schema).
    Int(i64),
    /// A float.
    Float(f64),
    /// A bool.
    Bool(bool),
    /// A complex number (re, im).
    Complex(f64, f64),
}

impl Scalar {
    /// The ABI form.
    #[inline]
    pub fn to_ffi(&self) -> sys::ltrs_scalar {
        let (tag, v) = match *self {
            Scalar::Int(i) => (sys::LTRS_SCALAR_INT, sys::ltrs_scalar_value { i }),
            Scalar::Float(f) => (sys::LTRS_SCALAR_FLOAT, sys::ltrs_scalar_value { f }),
            Scalar::Bool(b) => (sys::LTRS_SCALAR_BOOL, sys::ltrs_scalar_value { b }),
            Scalar::Complex(re, im) => (
                sys::LTRS_SCALAR_COMPLEX,
                sys::ltrs_scalar_value { c: [re, im] },
            ),
        };
        sys::ltrs_scalar {
            tag,
            reserved: 0,
            v,
        }
    }

    /// From the ABI form, as a shim returns it.
    ///
    /// # Safety
    /// The payload must match the tag (shims always write them together).
    pub unsafe fn from_ffi(s: sys::ltrs_scalar) -> Scalar {
        // SAFETY: the caller guarantees the union field read matches the tag.
        unsafe {
            match s.tag {
                sys::LTRS_SCALAR_INT => Scalar::Int(s.v.i),
                // Read as a byte: any byte is a valid u8, while a `bool` other than 0 or 1 would
                // be undefined behaviour, should libtorch ever hand one over from a bool tensor
                // holding other bytes.
                sys::LTRS_SCALAR_BOOL => Scalar::Bool(*(&raw const s.v).cast::<u8>() != 0),
                sys::LTRS_SCALAR_COMPLEX => Scalar::Complex(s.v.c[0], s.v.c[1]),
                _ => Scalar::Float(s.v.f),
            }
        }
    }

    /// The value as f64 (ints converted, bools 0/1, complex: the real part).
    pub fn to_f64(self) -> f64 {
        match self {
            Scalar::Int(i) => i as f64,
            Scalar::Float(f) => f,
            Scalar::Bool(b) => b as i64 as f64,
            Scalar::Complex(re, _) => re,
        }
    }

    /// The value as i64 (floats truncated toward zero).
    pub fn to_i64(self) -> i64 {
        match self {
            Scalar::Int(i) => i,
            Scalar::Float(f) => f as i64,
            Scalar::Bool(b) => b as i64,
            Scalar::Complex(re, _) => re as i64,
        }
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Scalar {
            #[inline]
            fn from(v: $t) -> Scalar { Scalar::Int(v as i64) }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32, isize, usize);

impl From<f64> for Scalar {
    #[inline]
    fn from(v: f64) -> Scalar {
        Scalar::Float(v)
    }
}
impl From<f32> for Scalar {
    #[inline]
    fn from(v: f32) -> Scalar {
        Scalar::Float(v as f64)
    }
}
impl From<bool> for Scalar {
    #[inline]
    fn from(v: bool) -> Scalar {
        Scalar::Bool(v)
    }
}
impl From<half::f16> for Scalar {
    #[inline]
    fn from(v: half::f16) -> Scalar {
        Scalar::Float(v.to_f64())
    }
}
impl From<half::bf16> for Scalar {
    #[inline]
    fn from(v: half::bf16) -> Scalar {
        Scalar::Float(v.to_f64())
    }
}
