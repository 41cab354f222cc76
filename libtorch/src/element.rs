//! Rust element types that map one-to-one onto tensor kinds.
use crate::Kind;

/// A Rust type whose values are stored in tensors of one [`Kind`], bit for bit.
///
/// # Safety
/// `KIND.elt_size_in_bytes()` must equal `size_of::<Self>()`, and every bit pattern libtorch
/// writes for that kind must be a valid `Self`.
pub unsafe trait Element: Copy + Send + Sync + 'static {
    /// The tensor kind of this type.
    const KIND: Kind;
}

macro_rules! element {
    ($($t:ty => $k:ident),* $(,)?) => {$(
        // SAFETY: sizes match (checked by the test below) and every bit pattern is valid.
        unsafe impl Element for $t { const KIND: Kind = Kind::$k; }
    )*};
}
element!(
    u8 => Uint8, i8 => Int8, i16 => Int16, i32 => Int, i64 => Int64, f32 => Float,
    f64 => Double, u16 => Uint16, u32 => Uint32, u64 => Uint64,
    half::f16 => Half, half::bf16 => BFloat16,
);
// SAFETY: `Complex<T>` is `repr(C)` { re, im }, the layout of c10::complex<T>: sizes match (tested
// below) and every bit pattern of two floats is valid.
unsafe impl Element for num_complex::Complex<f32> {
    const KIND: Kind = Kind::ComplexFloat;
}
// SAFETY: as for `Complex<f32>`, with two f64.
unsafe impl Element for num_complex::Complex<f64> {
    const KIND: Kind = Kind::ComplexDouble;
}
// SAFETY: size 1; libtorch only ever stores 0 or 1 in a bool tensor.
unsafe impl Element for bool {
    const KIND: Kind = Kind::Bool;
}

#[cfg(test)]
mod tests {
    use super::*;
    fn same<T: Element>() {
        assert_eq!(
            T::KIND.elt_size_in_bytes(),
            std::mem::size_of::<T>(),
            "{:?}",
            T::KIND
        );
    }
    #[test]
    fn sizes_match() {
        same::<u8>();
        same::<i8>();
        same::<i16>();
        same::<i32>();
        same::<i64>();
        same::<f32>();
        same::<f64>();
        same::<u16>();
        same::<u32>();
        same::<u64>();
        same::<half::f16>();
        same::<half::bf16>();
        same::<bool>();
        same::<num_complex::Complex<f32>>();
        same::<num_complex::Complex<f64>>();
    }
}
