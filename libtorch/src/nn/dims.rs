//! `IntoDims`: a size argument given as one value for every dimension or one per dimension,
//! as PyTorch's `_size_2_t` / `_size_3_t` (`kernel_size=2` or `kernel_size=(2, 3)`).

/// One `i64` repeated `N` times, or `N` values.
///
/// ```
/// use libtorch::nn::IntoDims;
/// assert_eq!(IntoDims::<3>::into_dims(2), [2, 2, 2]);
/// assert_eq!(IntoDims::<2>::into_dims([1, 4]), [1, 4]);
/// ```
pub trait IntoDims<const N: usize> {
    /// The `N` values.
    fn into_dims(self) -> [i64; N];
}

impl<const N: usize> IntoDims<N> for i64 {
    fn into_dims(self) -> [i64; N] {
        [self; N]
    }
}

impl<const N: usize> IntoDims<N> for [i64; N] {
    fn into_dims(self) -> [i64; N] {
        self
    }
}
