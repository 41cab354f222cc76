//! Making tensors with a `(Kind, Device)` pair of options, nested `Vec` conversions, and
//! zero-copy views of Rust memory.
//!
//! ```
//! use libtorch::{Device, Kind, Tensor};
//! let z = Tensor::zeros_opts(&[2, 3], (Kind::Float, Device::Cpu));
//! assert_eq!(z.size(), [2, 3]);
//! let r = Tensor::arange_opts(0, 6, 1, (Kind::Int64, Device::Cpu));
//! assert_eq!(r.to_vec::<i64>().unwrap(), [0, 1, 2, 3, 4, 5]);
//! let m: Vec<Vec<f32>> = Tensor::eye_opts(2, (Kind::Float, Device::Cpu)).to_vec2().unwrap();
//! assert_eq!(m, [[1.0, 0.0], [0.0, 1.0]]);
//! ```
use crate::error::{check, unwrap, Error, Result};
use crate::{Device, Element, Kind, Scalar, Tensor};
use libtorch_sys as sys;
use libtorch_sys::autograd as ffi;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

/// A dtype and a device: what PyTorch's factories take as `dtype=` and `device=`.
pub type Options = (Kind, Device);

/// # Safety
/// `f` must be a shim call that writes an owned tensor to its out-pointer on success.
#[track_caller]
unsafe fn make(
    op: &'static str,
    f: impl FnOnce(*mut sys::ltrs_tensor) -> *mut sys::ltrs_error,
) -> Result<Tensor> {
    let mut out = std::ptr::null_mut();
    // SAFETY: the caller guarantees `f` fills `out` with an owned handle when it succeeds.
    unsafe {
        check(f(&mut out), op)?;
        Ok(Tensor::from_raw(out))
    }
}

impl Tensor {
    /// A tensor of `shape` filled with `value` (`torch.full(shape, value, dtype=, device=)`).
    #[track_caller]
    pub fn f_full_opts(shape: &[i64], value: impl Into<Scalar>, opts: Options) -> Result<Tensor> {
        if !opts.0.has_plain_storage() {
            return Err(Error::invalid(
                "full",
                format!(
                    "{} tensors cannot be filled with a value (quantized ones are made with \
                     quantize_per_tensor)",
                    opts.0
                ),
            ));
        }
        // The generated method: every factory goes through the same checked path.
        Tensor::f_full_with(shape, value, Some(opts.0), None, Some(opts.1), None)
            .map_err(|e| e.in_call("full"))
    }

    /// [`Tensor::f_full_opts`], panicking on error.
    #[track_caller]
    pub fn full_opts(shape: &[i64], value: impl Into<Scalar>, opts: Options) -> Tensor {
        unwrap(Tensor::f_full_opts(shape, value, opts))
    }

    /// Zeros (`torch.zeros(shape, dtype=, device=)`); an error for a device this build cannot
    /// use, e.g. CUDA in a CPU-only build.
    #[track_caller]
    pub fn f_zeros_opts(shape: &[i64], opts: Options) -> Result<Tensor> {
        Tensor::f_full_opts(shape, 0, opts)
    }

    /// [`Tensor::f_zeros_opts`], panicking on error.
    #[track_caller]
    pub fn zeros_opts(shape: &[i64], opts: Options) -> Tensor {
        unwrap(Tensor::f_zeros_opts(shape, opts))
    }

    /// Ones (`torch.ones(shape, dtype=, device=)`).
    #[track_caller]
    pub fn f_ones_opts(shape: &[i64], opts: Options) -> Result<Tensor> {
        Tensor::f_full_opts(shape, 1, opts)
    }

    /// [`Tensor::f_ones_opts`], panicking on error.
    #[track_caller]
    pub fn ones_opts(shape: &[i64], opts: Options) -> Tensor {
        unwrap(Tensor::f_ones_opts(shape, opts))
    }

    /// `torch.arange(start, end, step, dtype=, device=)`: `start, start+step, ...` below `end`.
    #[track_caller]
    pub fn f_arange_opts(
        start: impl Into<Scalar>,
        end: impl Into<Scalar>,
        step: impl Into<Scalar>,
        opts: Options,
    ) -> Result<Tensor> {
        Tensor::f_arange_start_with(start, end, step, opts.0, None, opts.1, None)
            .map_err(|e| e.in_call("arange"))
    }

    /// [`Tensor::f_arange_opts`], panicking on error.
    #[track_caller]
    pub fn arange_opts(
        start: impl Into<Scalar>,
        end: impl Into<Scalar>,
        step: impl Into<Scalar>,
        opts: Options,
    ) -> Tensor {
        unwrap(Tensor::f_arange_opts(start, end, step, opts))
    }

    /// `torch.linspace(start, end, steps, dtype=, device=)`: `steps` evenly spaced values from
    /// `start` to `end` inclusive.
    ///
    /// ```
    /// use libtorch::{Device, Kind, Tensor};
    /// let t = Tensor::linspace_opts(0.0, 1.0, 5, (Kind::Double, Device::Cpu));
    /// assert_eq!(t.to_vec::<f64>().unwrap(), [0.0, 0.25, 0.5, 0.75, 1.0]);
    /// ```
    #[track_caller]
    pub fn f_linspace_opts(
        start: impl Into<Scalar>,
        end: impl Into<Scalar>,
        steps: i64,
        opts: Options,
    ) -> Result<Tensor> {
        let end: Scalar = end.into();
        Tensor::f_linspace_with(start, end, steps, Some(opts.0), None, Some(opts.1), None)
            .map_err(|e| e.in_call("linspace"))
    }

    /// [`Tensor::f_linspace_opts`], panicking on error.
    #[track_caller]
    pub fn linspace_opts(
        start: impl Into<Scalar>,
        end: impl Into<Scalar>,
        steps: i64,
        opts: Options,
    ) -> Tensor {
        unwrap(Tensor::f_linspace_opts(start, end, steps, opts))
    }

    /// The `n`×`n` identity matrix (`torch.eye(n, dtype=, device=)`).
    #[track_caller]
    pub fn f_eye_opts(n: i64, opts: Options) -> Result<Tensor> {
        Tensor::f_eye_with(n, Some(opts.0), None, Some(opts.1), None).map_err(|e| e.in_call("eye"))
    }

    /// [`Tensor::f_eye_opts`], panicking on error.
    #[track_caller]
    pub fn eye_opts(n: i64, opts: Options) -> Tensor {
        unwrap(Tensor::f_eye_opts(n, opts))
    }

    /// Uniform on `[0, 1)` (`torch.rand(shape, dtype=, device=)`), from the default generator
    /// (see [`crate::manual_seed`]).
    #[track_caller]
    pub fn f_rand_opts(shape: &[i64], opts: Options) -> Result<Tensor> {
        Tensor::f_rand_with(shape, Some(opts.0), None, Some(opts.1), None)
            .map_err(|e| e.in_call("rand"))
    }

    /// [`Tensor::f_rand_opts`], panicking on error.
    #[track_caller]
    pub fn rand_opts(shape: &[i64], opts: Options) -> Tensor {
        unwrap(Tensor::f_rand_opts(shape, opts))
    }

    /// Standard normal (`torch.randn(shape, dtype=, device=)`).
    #[track_caller]
    pub fn f_randn_opts(shape: &[i64], opts: Options) -> Result<Tensor> {
        Tensor::f_randn_with(shape, Some(opts.0), None, Some(opts.1), None)
            .map_err(|e| e.in_call("randn"))
    }

    /// [`Tensor::f_randn_opts`], panicking on error.
    #[track_caller]
    pub fn randn_opts(shape: &[i64], opts: Options) -> Tensor {
        unwrap(Tensor::f_randn_opts(shape, opts))
    }

    /// Integers uniform on `[low, high)` (`torch.randint(low, high, shape, dtype=, device=)`).
    #[track_caller]
    pub fn f_randint_opts(low: i64, high: i64, shape: &[i64], opts: Options) -> Result<Tensor> {
        Tensor::f_randint_low_with(low, high, shape, Some(opts.0), None, Some(opts.1), None)
            .map_err(|e| e.in_call("randint"))
    }

    /// [`Tensor::f_randint_opts`], panicking on error.
    #[track_caller]
    pub fn randint_opts(low: i64, high: i64, shape: &[i64], opts: Options) -> Tensor {
        unwrap(Tensor::f_randint_opts(low, high, shape, opts))
    }

    /// The tensor converted to `opts` (`t.to(dtype=, device=)`; the same tensor when nothing
    /// changes).
    #[track_caller]
    pub fn f_to_opts(&self, opts: Options) -> Result<Tensor> {
        // SAFETY: `self` is borrowed for the call; the shim returns an owned tensor.
        unsafe {
            make("to", |out| {
                ffi::ltrs_tensor_to_opts(self.as_raw(), opts.0.to_ffi(), opts.1.to_ffi(), out)
            })
        }
    }

    /// [`Tensor::f_to_opts`], panicking on error.
    #[track_caller]
    pub fn to_opts(&self, opts: Options) -> Tensor {
        unwrap(self.f_to_opts(opts))
    }

    /// The tensor on `device`, dtype unchanged (`t.to(device)`; the same tensor when it is
    /// already there). Copies between devices; a CUDA device that is missing or out of range is
    /// an error.
    ///
    /// ```
    /// use libtorch::{Device, Tensor};
    /// let t = Tensor::from_slice(&[1.0f32, 2.0]);
    /// let same = t.f_to(Device::Cpu)?;
    /// assert_eq!(same.device(), Device::Cpu);
    /// # Ok::<(), libtorch::Error>(())
    /// ```
    #[track_caller]
    pub fn f_to(&self, device: Device) -> Result<Tensor> {
        self.f_to_opts((self.f_kind()?, device))
    }

    /// [`Tensor::f_to`], panicking on error.
    #[track_caller]
    pub fn to(&self, device: Device) -> Tensor {
        unwrap(self.f_to(device))
    }

    /// `t.cpu()`: the tensor on the CPU.
    #[track_caller]
    pub fn cpu(&self) -> Tensor {
        self.to(Device::Cpu)
    }

    /// `t.cuda()`: the tensor on `cuda:0`; panics without a CUDA device (use
    /// [`Tensor::f_to`] for a `Result`).
    #[track_caller]
    pub fn cuda(&self) -> Tensor {
        self.to(Device::Cuda(0))
    }

    fn need_dims(&self, op: &'static str, n: usize) -> Result<Vec<usize>> {
        let size = self.f_size()?;
        if size.len() != n {
            return Err(Error::invalid(
                op,
                format!("expected a {n}-D tensor, got shape {size:?}"),
            ));
        }
        Ok(size.into_iter().map(|d| d as usize).collect())
    }

    /// The elements of a 2-D tensor as rows, converted to `T` (`t.tolist()`).
    pub fn to_vec2<T: Element>(&self) -> Result<Vec<Vec<T>>> {
        let d = self.need_dims("to_vec2", 2)?;
        let flat = self.to_vec::<T>()?;
        // [huge, 0] has no elements but a huge number of (empty) rows.
        let mut rows = reserve_rows("to_vec2", d[0])?;
        for i in 0..d[0] {
            rows.push(flat[i * d[1]..(i + 1) * d[1]].to_vec());
        }
        Ok(rows)
    }

    /// The elements of a 3-D tensor as nested `Vec`s, converted to `T` (`t.tolist()`).
    pub fn to_vec3<T: Element>(&self) -> Result<Vec<Vec<Vec<T>>>> {
        let d = self.need_dims("to_vec3", 3)?;
        let flat = self.to_vec::<T>()?;
        let mut out = reserve_rows("to_vec3", d[0])?;
        for i in 0..d[0] {
            let mut rows = reserve_rows("to_vec3", d[1])?;
            for j in 0..d[1] {
                let at = (i * d[1] + j) * d[2];
                rows.push(flat[at..at + d[2]].to_vec());
            }
            out.push(rows);
        }
        Ok(out)
    }

    /// A tensor standing for `data` while it is borrowed (`torch.from_numpy`-style): it starts
    /// with `data`'s values, and when the [`TensorView`] is dropped its storage's values are
    /// written back into `data`. While the view lives, `data` is borrowed mutably, so Rust
    /// cannot see it change either way; every handle and view made from it shares the tensor's
    /// storage, as in PyTorch.
    ///
    /// The tensor owns its memory (one copy in, one copy out), so nothing it becomes — a
    /// handle kept past the borrow, a view sent to another thread, a storage swapped with
    /// `set_` — can ever point at `data` once the borrow ends. A bool buffer gets back only 0s
    /// and 1s, whatever was written through a byte view.
    ///
    /// ```
    /// use libtorch::Tensor;
    /// let mut buf = [1.0f32, 2.0, 3.0, 4.0];
    /// {
    ///     let mut t = Tensor::from_blob_mut(&mut buf, &[2, 2]).unwrap();
    ///     *t *= 10.0;
    /// }
    /// assert_eq!(buf, [10.0, 20.0, 30.0, 40.0]);
    /// ```
    ///
    /// The borrow checker enforces the rule: the view cannot outlive the memory,
    ///
    /// ```compile_fail,E0597
    /// use libtorch::Tensor;
    /// let view;
    /// {
    ///     let mut buf = vec![1.0f32, 2.0];
    ///     view = Tensor::from_blob_mut(&mut buf, &[2]).unwrap();
    /// } // `buf` is freed here while the view still borrows it
    /// println!("{}", *view);
    /// ```
    ///
    /// cannot be returned past it,
    ///
    /// ```compile_fail,E0515
    /// use libtorch::{Tensor, TensorView};
    /// fn make() -> TensorView<'static> {
    ///     let mut buf = vec![1.0f32, 2.0];
    ///     Tensor::from_blob_mut(&mut buf, &[2]).unwrap()
    /// }
    /// ```
    ///
    /// and while it lives the Rust side cannot touch the memory:
    ///
    /// ```compile_fail,E0506
    /// use libtorch::Tensor;
    /// let mut buf = [1.0f32, 2.0];
    /// let view = Tensor::from_blob_mut(&mut buf, &[2]).unwrap();
    /// buf[0] = 5.0; // assigning to memory the view borrows mutably
    /// println!("{}", *view);
    /// ```
    ///
    /// Handles made from the view are plain [`Tensor`]s (`'static`): they keep the tensor's
    /// storage, which is libtorch's. A leaked view (`std::mem::forget`) never writes back.
    pub fn from_blob_mut<'a, T: Element>(
        data: &'a mut [T],
        shape: &[i64],
    ) -> Result<TensorView<'a>> {
        let tensor = Tensor::from_data(data, shape).map_err(|e| match e {
            Error::InvalidArgument { message, .. } => Error::invalid("from_blob_mut", message),
            other => other,
        })?;
        let mut guard = std::ptr::null_mut();
        // SAFETY: `tensor` is live; on success `guard` owns a weak reference released in drop.
        unsafe {
            check(
                ffi::ltrs_blob_guard_new(tensor.as_raw(), &mut guard),
                "from_blob_mut",
            )?
        };
        Ok(TensorView {
            tensor,
            guard,
            dst: data.as_mut_ptr().cast(),
            len: std::mem::size_of_val(data),
            is_bool: T::KIND == Kind::Bool,
            _borrow: PhantomData,
        })
    }
}

/// An empty `Vec` with room for `n` rows, or an error when that cannot be allocated (a shape
/// like `[2^40, 0]` has no elements but that many rows).
fn reserve_rows<R>(op: &'static str, n: usize) -> Result<Vec<R>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| Error::invalid(op, format!("cannot allocate {n} rows")))?;
    Ok(v)
}

/// A tensor standing for borrowed Rust memory, made by [`Tensor::from_blob_mut`]; use it as a
/// [`Tensor`] (it dereferences to one) while the borrow lasts. Dropping it writes the tensor's
/// values back into the memory.
pub struct TensorView<'a> {
    /// The handle users see (and may even swap out through `DerefMut`).
    tensor: Tensor,
    /// A weak reference to the tensor's first storage: what the values are copied back from.
    guard: *mut ffi::ltrs_blob_guard,
    /// The borrowed memory, `len` bytes (valid and exclusively ours for `'a`).
    dst: *mut u8,
    len: usize,
    is_bool: bool,
    _borrow: PhantomData<&'a mut [u8]>,
}

// SAFETY: the view owns a tensor handle (Send), a weak storage reference (an atomically counted
// pointer with no thread affinity) and an exclusive borrow of plain memory (`&mut [T]` with
// `T: Element: Send`); moving all of them to another thread is what `&mut [T]: Send` allows.
unsafe impl Send for TensorView<'_> {}

impl Deref for TensorView<'_> {
    type Target = Tensor;
    fn deref(&self) -> &Tensor {
        &self.tensor
    }
}

impl DerefMut for TensorView<'_> {
    fn deref_mut(&mut self) -> &mut Tensor {
        &mut self.tensor
    }
}

impl Drop for TensorView<'_> {
    fn drop(&mut self) {
        // SAFETY: `guard` is live and released exactly once, here; `dst` is valid for `len`
        // bytes and exclusively borrowed by this view for its whole life, so nothing else reads
        // or writes it while the shim copies into it.
        let r = unsafe {
            check(
                ffi::ltrs_blob_guard_release(self.guard, self.dst.cast(), self.len as i64),
                "from_blob_mut",
            )
        };
        if self.is_bool {
            // SAFETY: as above; the bytes are read as `u8` (any value is a valid u8) and every
            // one is made 0 or 1, so the borrowed `[bool]` holds valid `bool`s again.
            let bytes = unsafe { std::slice::from_raw_parts_mut(self.dst, self.len) };
            for b in bytes {
                *b = (*b != 0) as u8;
            }
        }
        // A failed copy-back leaves the buffer as it was: valid values, and no pointer to it.
        drop(r);
    }
}

impl<T: Element> TryFrom<&Tensor> for Vec<T> {
    type Error = Error;
    /// The elements of a 1-D tensor, converted to `T`.
    fn try_from(t: &Tensor) -> Result<Vec<T>> {
        t.need_dims("Vec::try_from", 1)?;
        t.to_vec()
    }
}

impl<T: Element> TryFrom<&Tensor> for Vec<Vec<T>> {
    type Error = Error;
    /// The rows of a 2-D tensor, converted to `T`.
    fn try_from(t: &Tensor) -> Result<Vec<Vec<T>>> {
        t.to_vec2()
    }
}

#[cfg(feature = "ndarray")]
mod nd {
    use crate::error::{Error, Result};
    use crate::{Element, Tensor};

    impl<T: Element, D: ndarray::Dimension> TryFrom<&Tensor> for ndarray::Array<T, D> {
        type Error = Error;
        /// The elements, converted to `T`, as an array of dimensionality `D` (use `IxDyn` for any).
        fn try_from(t: &Tensor) -> Result<Self> {
            let shape: Vec<usize> = t.f_size()?.into_iter().map(|d| d as usize).collect();
            let data = t.to_vec::<T>()?;
            ndarray::ArrayD::from_shape_vec(shape, data)
                .map_err(|e| Error::invalid("ndarray", e.to_string()))?
                .into_dimensionality::<D>()
                .map_err(|e| Error::invalid("ndarray", e.to_string()))
        }
    }

    impl<T: Element, S: ndarray::Data<Elem = T>, D: ndarray::Dimension>
        TryFrom<&ndarray::ArrayBase<S, D>> for Tensor
    {
        type Error = Error;
        /// A tensor holding a copy of the array's elements (any memory order), same shape.
        fn try_from(a: &ndarray::ArrayBase<S, D>) -> Result<Tensor> {
            let shape: Vec<i64> = a.shape().iter().map(|&d| d as i64).collect();
            let data: Vec<T> = a.iter().copied().collect();
            Tensor::from_data(&data, &shape)
        }
    }
}
