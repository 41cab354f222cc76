//! Multi-dimensional indexing, as `t[...]` in PyTorch: [`Tensor::i`] and [`Tensor::f_i`] to
//! read, [`Tensor::i_set`] to write.
//!
//! An index is one item or a tuple of items (up to 8), each of them:
//!
//! | PyTorch        | Rust                         |
//! |----------------|------------------------------|
//! | `t[1]`, `t[-1]`| `t.i(1)`, `t.i(-1)`          |
//! | `t[1:3]`       | `t.i(1..3)`                  |
//! | `t[1:]`, `t[:3]`, `t[:]` | `t.i(1..)`, `t.i(..3)`, `t.i(..)` |
//! | `t[:3+1]`      | `t.i(..=3)`                  |
//! | `t[::2]`, `t[1:5:2]` | `t.i(step(.., 2))`, `t.i(step(1..5, 2))` |
//! | `t[None]`      | `t.i(NewAxis)`               |
//! | `t[..., 0]`    | `t.i((Ellipsis, 0))`         |
//! | `t[mask]`, `t[idx]` | `t.i(&mask)`, `t.i(&idx)` (bool or integer tensors) |
//! | `t[0, 1:, None]` | `t.i((0, 1.., NewAxis))`   |
//!
//! Integers, slices, `NewAxis` and `Ellipsis` give views that share memory with `t` (writing
//! through them changes `t`), exactly where PyTorch does; tensor indices copy.
//!
//! ```
//! use libtorch::indexing::{step, NewAxis};
//! use libtorch::Tensor;
//! let t = Tensor::from_data(&[0i64, 1, 2, 3, 4, 5], &[2, 3]).unwrap();
//! assert_eq!(t.i((1, 1..)).to_vec::<i64>().unwrap(), [4, 5]);
//! assert_eq!(t.i((.., step(.., 2))).to_vec::<i64>().unwrap(), [0, 2, 3, 5]);
//! assert_eq!(t.i((NewAxis, -1)).size(), [1, 3]);
//! assert!(t.f_i((2, 0)).is_err()); // index 2 is out of bounds for dimension 0 with size 2
//! ```

use crate::error::{check, unwrap, Result};
use crate::Tensor;
use libtorch_sys::autograd as ffi;
use std::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};

/// `None` in an index: inserts a dimension of size 1 (`t[None]`, `np.newaxis`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewAxis;

/// `...` in an index: as many full slices as the other items leave dimensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ellipsis;

/// One item of a multi-dimensional index.
#[derive(Clone, Debug)]
pub enum TensorIndexer {
    /// An integer (negative counts from the end): selects, removing the dimension.
    Select(i64),
    /// `start:stop:step` (missing ends mean the whole dimension); `step` must be positive.
    Slice {
        /// The first index (default 0).
        start: Option<i64>,
        /// One past the last index (default the size).
        stop: Option<i64>,
        /// The stride between selected indices.
        step: i64,
    },
    /// [`NewAxis`].
    NewAxis,
    /// [`Ellipsis`].
    Ellipsis,
    /// A bool mask or integer index tensor (advanced indexing; copies).
    Tensor(Tensor),
    /// `True` / `False` (adds a dimension of size 1 or 0).
    Bool(bool),
}

/// `start..stop` with a step: `step(1..7, 2)` is `1:7:2`, `step(.., 3)` is `::3`.
pub fn step(range: impl Into<TensorIndexer>, step: i64) -> TensorIndexer {
    match range.into() {
        TensorIndexer::Slice { start, stop, .. } => TensorIndexer::Slice { start, stop, step },
        TensorIndexer::Select(i) => TensorIndexer::Slice {
            start: Some(i),
            stop: None,
            step,
        },
        other => other,
    }
}

/// An index value as i64. Values past i64 (a `usize` above `i64::MAX`) saturate: as Python's
/// arbitrarily large ints, they are out of range for a selection (an error) and clamp to the
/// end for a slice, rather than wrapping to a negative index.
fn idx<T: TryInto<i64>>(v: T) -> i64 {
    v.try_into().unwrap_or(i64::MAX)
}

/// The exclusive stop of an inclusive end: `a..=-1` reaches the end (a stop of 0 would select
/// nothing), and `..=i64::MAX` stops at the end rather than overflowing.
fn inclusive_stop(end: i64) -> Option<i64> {
    if end == -1 || end == i64::MAX {
        None
    } else {
        Some(end + 1)
    }
}

macro_rules! int_indexers {
    ($($t:ty),*) => {$(
        impl From<$t> for TensorIndexer {
            fn from(i: $t) -> Self { TensorIndexer::Select(idx(i)) }
        }
        impl From<Range<$t>> for TensorIndexer {
            fn from(r: Range<$t>) -> Self {
                TensorIndexer::Slice { start: Some(idx(r.start)), stop: Some(idx(r.end)), step: 1 }
            }
        }
        impl From<RangeFrom<$t>> for TensorIndexer {
            fn from(r: RangeFrom<$t>) -> Self {
                TensorIndexer::Slice { start: Some(idx(r.start)), stop: None, step: 1 }
            }
        }
        impl From<RangeTo<$t>> for TensorIndexer {
            fn from(r: RangeTo<$t>) -> Self {
                TensorIndexer::Slice { start: None, stop: Some(idx(r.end)), step: 1 }
            }
        }
        impl From<RangeInclusive<$t>> for TensorIndexer {
            fn from(r: RangeInclusive<$t>) -> Self {
                let stop = inclusive_stop(idx(*r.end()));
                TensorIndexer::Slice { start: Some(idx(*r.start())), stop, step: 1 }
            }
        }
        impl From<RangeToInclusive<$t>> for TensorIndexer {
            fn from(r: RangeToInclusive<$t>) -> Self {
                TensorIndexer::Slice { start: None, stop: inclusive_stop(idx(r.end)), step: 1 }
            }
        }
    )*};
}
int_indexers!(i64, i32, usize);

impl From<RangeFull> for TensorIndexer {
    fn from(_: RangeFull) -> Self {
        TensorIndexer::Slice {
            start: None,
            stop: None,
            step: 1,
        }
    }
}
impl From<NewAxis> for TensorIndexer {
    fn from(_: NewAxis) -> Self {
        TensorIndexer::NewAxis
    }
}
impl From<Ellipsis> for TensorIndexer {
    fn from(_: Ellipsis) -> Self {
        TensorIndexer::Ellipsis
    }
}
impl From<bool> for TensorIndexer {
    fn from(b: bool) -> Self {
        TensorIndexer::Bool(b)
    }
}
impl From<&Tensor> for TensorIndexer {
    fn from(t: &Tensor) -> Self {
        TensorIndexer::Tensor(t.shallow_clone())
    }
}
impl From<Tensor> for TensorIndexer {
    fn from(t: Tensor) -> Self {
        TensorIndexer::Tensor(t)
    }
}

/// What [`Tensor::i`] accepts: one index item, a tuple of up to 8, or a `Vec` / slice of
/// [`TensorIndexer`]s.
pub trait IntoIndex {
    /// The items, in order.
    fn into_indexers(self) -> Vec<TensorIndexer>;
}

impl<A: Into<TensorIndexer>> IntoIndex for A {
    fn into_indexers(self) -> Vec<TensorIndexer> {
        vec![self.into()]
    }
}

impl IntoIndex for Vec<TensorIndexer> {
    fn into_indexers(self) -> Vec<TensorIndexer> {
        self
    }
}

impl IntoIndex for &[TensorIndexer] {
    fn into_indexers(self) -> Vec<TensorIndexer> {
        self.to_vec()
    }
}

macro_rules! tuple_index {
    ($($name:ident),+) => {
        impl<$($name: Into<TensorIndexer>),+> IntoIndex for ($($name,)+) {
            #[allow(non_snake_case)]
            fn into_indexers(self) -> Vec<TensorIndexer> {
                let ($($name,)+) = self;
                vec![$($name.into()),+]
            }
        }
    };
}
tuple_index!(A);
tuple_index!(A, B);
tuple_index!(A, B, C);
tuple_index!(A, B, C, D);
tuple_index!(A, B, C, D, E);
tuple_index!(A, B, C, D, E, F);
tuple_index!(A, B, C, D, E, F, G);
tuple_index!(A, B, C, D, E, F, G, H);

/// Python's rule: `t[..., 0, ...]` is an error ("an index can only have a single ellipsis").
fn one_ellipsis(op: &'static str, items: &[TensorIndexer]) -> Result<()> {
    let n = items
        .iter()
        .filter(|i| matches!(i, TensorIndexer::Ellipsis))
        .count();
    if n > 1 {
        return Err(crate::Error::invalid(
            op,
            format!("an index can only have a single ellipsis ('...'), this one has {n}"),
        ));
    }
    Ok(())
}

fn to_ffi(items: &[TensorIndexer]) -> Vec<ffi::ltrs_index> {
    items
        .iter()
        .map(|x| {
            let mut r = ffi::ltrs_index {
                tag: 0,
                has_start: false,
                has_stop: false,
                start: 0,
                stop: 0,
                step: 1,
                tensor: std::ptr::null_mut(),
            };
            match x {
                TensorIndexer::Select(i) => {
                    r.tag = ffi::LTRS_INDEX_INT;
                    r.start = *i;
                }
                TensorIndexer::Slice { start, stop, step } => {
                    r.tag = ffi::LTRS_INDEX_SLICE;
                    r.has_start = start.is_some();
                    r.start = start.unwrap_or(0);
                    r.has_stop = stop.is_some();
                    r.stop = stop.unwrap_or(0);
                    r.step = *step;
                }
                TensorIndexer::NewAxis => r.tag = ffi::LTRS_INDEX_NONE,
                TensorIndexer::Ellipsis => r.tag = ffi::LTRS_INDEX_ELLIPSIS,
                TensorIndexer::Tensor(t) => {
                    r.tag = ffi::LTRS_INDEX_TENSOR;
                    r.tensor = t.as_raw();
                }
                TensorIndexer::Bool(b) => {
                    r.tag = ffi::LTRS_INDEX_BOOL;
                    r.start = *b as i64;
                }
            }
            r
        })
        .collect()
}

impl Tensor {
    /// `t[index]`: see the [module docs](crate::indexing) for the forms of `index`. Panics where
    /// PyTorch raises (an index out of range, too many indices, a float index tensor);
    /// [`Tensor::f_i`] returns the error instead.
    #[track_caller]
    pub fn i(&self, index: impl IntoIndex) -> Tensor {
        unwrap(self.f_i(index))
    }

    /// `t[index]`, or libtorch's error (e.g. `index 5 is out of bounds for dimension 0 with
    /// size 3`).
    #[track_caller]
    pub fn f_i(&self, index: impl IntoIndex) -> Result<Tensor> {
        let items = index.into_indexers();
        one_ellipsis("index", &items)?;
        let raw = to_ffi(&items);
        let mut out = std::ptr::null_mut();
        // SAFETY: `raw` (and the index tensors it points to, owned by `items`) lives across the
        // call; the result owns one reference.
        unsafe {
            check(
                ffi::ltrs_tensor_index_multi(
                    self.as_raw(),
                    raw.as_ptr(),
                    raw.len() as i64,
                    &mut out,
                ),
                "index",
            )?;
            Ok(Tensor::from_raw(out))
        }
    }

    /// `t[index] = value` (`value` broadcast to the indexed shape and converted to `t`'s dtype);
    /// panics where PyTorch raises, see [`Tensor::f_i_set`].
    ///
    /// ```
    /// use libtorch::Tensor;
    /// let mut t = Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
    /// t.i_set(1.., &Tensor::scalar(0.0f32));
    /// assert_eq!(t.to_vec::<f32>().unwrap(), [1.0, 0.0, 0.0]);
    /// ```
    #[track_caller]
    pub fn i_set(&mut self, index: impl IntoIndex, value: &Tensor) {
        unwrap(self.f_i_set(index, value))
    }

    /// `t[index] = value`, or libtorch's error.
    #[track_caller]
    pub fn f_i_set(&mut self, index: impl IntoIndex, value: &Tensor) -> Result<()> {
        let items = index.into_indexers();
        one_ellipsis("index_put", &items)?;
        let raw = to_ffi(&items);
        // SAFETY: as in `f_i`; `self` is held mutably for the write.
        unsafe {
            check(
                ffi::ltrs_tensor_index_put_multi(
                    self.as_raw(),
                    raw.as_ptr(),
                    raw.len() as i64,
                    value.as_raw(),
                ),
                "index_put",
            )
        }
    }
}
