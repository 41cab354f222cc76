//! `Tensor`: an owning handle to one libtorch tensor.
use crate::error::{check, unwrap, Error, Result};
use crate::{Device, Element, Kind, Layout};
use libtorch_sys as sys;

/// A tensor: a handle that owns one reference to a libtorch `at::Tensor`.
///
/// Handles behave like Python's tensor variables: [`Clone`] (and [`Tensor::shallow_clone`]) makes
/// another handle to the *same* tensor, sharing data and autograd history, at the cost of one
/// atomic increment; [`Tensor::deep_clone`] copies the data (`t.clone()` in PyTorch).
/// A handle may be *undefined* (no tensor), like a default-constructed `at::Tensor`: some
/// operators return one (e.g. an unused gradient).
///
/// In-place operators (names ending in `_`, and `out=` arguments) take `&mut Tensor`: to write
/// through a handle you must hold it mutably. Other handles to the same tensor (clones, views)
/// see the change, exactly as in PyTorch.
///
/// # In-place operations on a tensor borrowed elsewhere: the one rule
///
/// `&mut` guards the *handle*, not the data: the data is shared by every handle, view and
/// autograd graph that refers to it, as in PyTorch. So, to modify a tensor you only hold by `&`
/// (a model's parameter, a tensor inside a struct you borrow), take your own handle with
/// [`Tensor::shallow_clone`] and write through it: `t.shallow_clone().add_(&u)`. That is the only
/// way, and it is explicit: every write that other handles can see goes through a handle the
/// writer owns or borrows mutably. What makes it safe is the same as in PyTorch: elements are
/// plain numbers (never pointers), and autograd's version counter rejects, at `backward` time, a
/// graph whose saved tensor was modified in place afterwards.
///
/// ```
/// use libtorch::Tensor;
/// let t = Tensor::from_slice(&[1.0f64, 2.0]);
/// let shared: &Tensor = &t; // only borrowed
/// shared.shallow_clone().add_(&Tensor::from_slice(&[10.0f64, 10.0]));
/// assert_eq!(t.to_vec::<f64>().unwrap(), [11.0, 12.0]); // every handle sees the write
///
/// // Autograd notices a saved tensor modified in place, and backward fails cleanly.
/// let x = Tensor::from_slice(&[3.0f64]).set_requires_grad(true);
/// let y = &x * 2.0f64;
/// let z = &y * &y; // saves y
/// y.shallow_clone().add_(&Tensor::from_slice(&[1.0f64]));
/// let err = z.backward_with(None, false, false).unwrap_err();
/// assert!(err.to_string().contains("modified by an inplace operation"));
/// ```
///
/// # Soundness: what may change a tensor in place, and when
///
/// A `Tensor` is `Send + Sync`, and any `&Tensor` can become another handle
/// ([`Tensor::shallow_clone`]), so several threads may hold handles to one tensor. What keeps
/// that sound:
///
/// - **Elements** are plain numbers. Writing them in place (`add_`, `copy_`, `fill_`, an
///   optimizer step) through any handle is allowed, as in PyTorch; concurrent writes to the
///   same elements give torn or lost values, never undefined behaviour in Rust. Values read out
///   are always valid Rust values (a bool tensor holding other bytes reads as `true`).
/// - **Metadata** — sizes, strides, the storage, dtype, device — is what other threads'
///   reads follow as pointers. The operations that change it in place (`resize_`,
///   `resize_as_`, `set_` in all its forms, `set_data`, `as_strided_`, `squeeze_`,
///   `unsqueeze_`, `t_`, `transpose_`, `swapdims_`, `detach_`, `rename_`, the sparse resizes;
///   listed in `spec/rules.yaml` under `exclusive`) run only on a handle that **no other handle
///   shares** — no clone, no view made from it, no autograd graph holding it — which is checked
///   before the call and is an `Err` otherwise. Those that may also reallocate the storage
///   (`resize_`, `resize_as_`, and every `out=` argument, which ATen resizes to fit) also need
///   **no other tensor over the same storage** (no view). In-place operations on a tensor that
///   is not strided (sparse, nested, oneDNN), whose values live in internal tensors an update may
///   replace, need the same exclusive handle. [`crate::nn::Module::to_device`] and
///   [`crate::nn::Module::to_kind`] take `&mut self` and refuse when a parameter is held outside
///   the module (e.g. by an optimizer).
/// - **The gradient** (`.grad`) is read and replaced under one lock
///   ([`Tensor::grad`], [`Tensor::f_set_grad`], [`Tensor::f_zero_grad`]), and `set_grad`
///   checks dtype, device and shape as Python's `t.grad = g` does. Not covered: reading
///   `.grad` on one thread while a `backward` on another thread writes that same gradient
///   (libtorch's engine writes it under its own lock); do not read a gradient that a
///   concurrent backward pass is still accumulating.
/// - **Borrowed memory** ([`Tensor::from_blob_mut`]) is copied in and written back when the
///   view is dropped: no tensor ever points at memory Rust may free or reuse.
///
/// Every `unsafe` block in the crate states which of these rules it relies on.
pub struct Tensor {
    raw: sys::ltrs_tensor,
}

// SAFETY: a TensorImpl's reference count is atomic, and libtorch allows using a tensor from any
// thread; the handle has no thread affinity.
unsafe impl Send for Tensor {}
// SAFETY: every `&self` method either reads immutable metadata or runs an ATen operator, which
// libtorch allows concurrently on one tensor from several threads (as PyTorch does across Python
// threads); writes need `&mut self`. Concurrent reads racing a write through another handle to
// the same storage are data races on the *elements* only, the same contract as PyTorch's.
unsafe impl Sync for Tensor {}

impl Drop for Tensor {
    fn drop(&mut self) {
        // SAFETY: `raw` is null or an owned reference that no other handle will free; the shim
        // cannot throw.
        unsafe { sys::ltrs_tensor_free(self.raw) }
    }
}

impl Clone for Tensor {
    /// Another handle to the same tensor (shares data and grad); see [`Tensor::deep_clone`].
    fn clone(&self) -> Tensor {
        self.shallow_clone()
    }
}

impl Default for Tensor {
    /// An undefined tensor.
    fn default() -> Tensor {
        Tensor {
            raw: std::ptr::null_mut(),
        }
    }
}

impl Tensor {
    /// Takes ownership of a handle returned by a libtorch-sys function (null = undefined).
    ///
    /// # Safety
    /// `raw` must be null or own one reference that nothing else will release.
    #[inline]
    pub unsafe fn from_raw(raw: sys::ltrs_tensor) -> Tensor {
        Tensor { raw }
    }

    /// The handle, borrowed (valid while `self` lives).
    #[inline]
    pub fn as_raw(&self) -> sys::ltrs_tensor {
        self.raw
    }

    /// Gives up ownership of the handle (the caller must release it).
    pub fn into_raw(self) -> sys::ltrs_tensor {
        let raw = self.raw;
        std::mem::forget(self);
        raw
    }

    /// Whether this handle holds a tensor.
    pub fn defined(&self) -> bool {
        !self.raw.is_null()
    }

    /// Another handle to the same tensor.
    pub fn shallow_clone(&self) -> Tensor {
        // SAFETY: `raw` is null or a live handle; retain returns a new owned reference.
        unsafe { Tensor::from_raw(sys::ltrs_tensor_retain(self.raw)) }
    }

    /// Whether two handles refer to the same tensor (Python's `a is b`).
    pub fn is_same(&self, other: &Tensor) -> bool {
        self.raw == other.raw
    }

    fn need_defined(&self, op: &'static str) -> Result<()> {
        if self.raw.is_null() {
            return Err(Error::invalid(op, "the tensor is undefined"));
        }
        Ok(())
    }

    /// The number of dimensions.
    #[track_caller]
    pub fn dim(&self) -> usize {
        unwrap(self.f_dim())
    }

    /// The number of dimensions, or an error for an undefined tensor.
    #[track_caller]
    pub fn f_dim(&self) -> Result<usize> {
        let mut n = 0i64;
        // SAFETY: `raw` is borrowed for the call, `n` a valid out-pointer.
        unsafe { check(sys::ltrs_tensor_dim(self.raw, &mut n), "dim")? };
        Ok(n as usize)
    }

    /// The shape (`t.shape` / `t.size()`).
    #[track_caller]
    pub fn size(&self) -> Vec<i64> {
        unwrap(self.f_size())
    }

    /// The shape, or an error for an undefined tensor.
    #[track_caller]
    pub fn f_size(&self) -> Result<Vec<i64>> {
        let n = self.f_dim()?;
        let mut v = vec![0i64; n];
        // SAFETY: `v` has room for `n` values, the tensor's dimension count.
        unsafe {
            check(
                sys::ltrs_tensor_sizes(self.raw, v.as_mut_ptr(), n as i64),
                "size",
            )?
        };
        Ok(v)
    }

    /// The strides, in elements.
    #[track_caller]
    pub fn stride(&self) -> Vec<i64> {
        unwrap(self.f_stride())
    }

    /// The strides, in elements, or an error for an undefined tensor or a layout without
    /// strides (sparse, nested, MKL-DNN).
    #[track_caller]
    pub fn f_stride(&self) -> Result<Vec<i64>> {
        let n = self.f_dim()?;
        let mut v = vec![0i64; n];
        // SAFETY: `v` has room for `n` values, the tensor's dimension count.
        unsafe {
            check(
                sys::ltrs_tensor_strides(self.raw, v.as_mut_ptr(), n as i64),
                "stride",
            )?
        };
        Ok(v)
    }

    /// Whether the elements are laid out row-major without gaps (`t.is_contiguous()`), by c10's
    /// rule: dimensions of size 1 may have any stride, and a tensor without elements is
    /// contiguous. A tensor without strides (sparse, oneDNN, nested) is not.
    ///
    /// ```
    /// use libtorch::Tensor;
    /// let t = Tensor::zeros(&[2, 3]);
    /// assert!(t.is_contiguous());
    /// assert!(!t.transpose_int(0, 1).is_contiguous());
    /// ```
    pub fn is_contiguous(&self) -> bool {
        // A tensor without strides (sparse, oneDNN, nested) is not laid out row-major.
        let (Ok(s), Ok(st)) = (self.f_size(), self.f_stride()) else {
            return false;
        };
        let order: Vec<usize> = (0..s.len()).rev().collect();
        contiguous_in_order(&s, &st, &order)
    }

    /// The number of elements.
    #[track_caller]
    pub fn numel(&self) -> usize {
        let mut n = 0i64;
        // SAFETY: `raw` borrowed, valid out-pointer.
        unwrap(unsafe { check(sys::ltrs_tensor_numel(self.raw, &mut n), "numel") });
        n as usize
    }

    /// The offset of the first element in the storage, in elements (`t.storage_offset()`), or
    /// an error for an undefined tensor or one without storage (sparse, oneDNN, nested).
    ///
    /// ```
    /// use libtorch::Tensor;
    /// let t = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0]);
    /// assert_eq!(t.f_storage_offset().unwrap(), 0);
    /// assert_eq!(t.narrow(0, 1, 2).f_storage_offset().unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn f_storage_offset(&self) -> Result<i64> {
        let mut n = 0i64;
        // SAFETY: `raw` borrowed, valid out-pointer.
        unsafe {
            check(
                sys::ltrs_tensor_storage_offset(self.raw, &mut n),
                "storage_offset",
            )?
        };
        Ok(n)
    }

    /// The element type (`t.dtype`).
    #[track_caller]
    pub fn kind(&self) -> Kind {
        unwrap(self.f_kind())
    }

    /// The element type, or an error for an undefined tensor.
    #[track_caller]
    pub fn f_kind(&self) -> Result<Kind> {
        let mut k = 0i32;
        // SAFETY: `raw` borrowed, valid out-pointer.
        unsafe { check(sys::ltrs_tensor_scalar_type(self.raw, &mut k), "dtype")? };
        Ok(Kind::from_ffi(k))
    }

    /// Where the data lives (`t.device`).
    #[track_caller]
    pub fn device(&self) -> Device {
        unwrap(self.f_device())
    }

    /// The device, or an error for an undefined tensor.
    #[track_caller]
    pub fn f_device(&self) -> Result<Device> {
        let mut d = sys::ltrs_device {
            type_: 0,
            index: -1,
        };
        // SAFETY: `raw` borrowed, valid out-pointer.
        unsafe { check(sys::ltrs_tensor_device(self.raw, &mut d), "device")? };
        Ok(Device::from_ffi(d))
    }

    /// The layout (`t.layout`).
    #[track_caller]
    pub fn layout(&self) -> Layout {
        let mut l = 0i32;
        // SAFETY: `raw` borrowed, valid out-pointer.
        unwrap(unsafe { check(sys::ltrs_tensor_layout(self.raw, &mut l), "layout") });
        Layout::from_ffi(l)
    }

    /// The layout, strided for an undefined tensor: one plain call, for the argument guards of
    /// hot ops.
    pub(crate) fn layout_or_strided(&self) -> Layout {
        // SAFETY: `raw` is null or a live handle; the shim reads its key set and cannot throw.
        Layout::from_ffi(unsafe { sys::ltrs_tensor_layout_of(self.raw) })
    }

    /// Whether autograd records operations on this tensor.
    #[track_caller]
    pub fn requires_grad(&self) -> bool {
        let mut b = false;
        // SAFETY: `raw` borrowed, valid out-pointer.
        unwrap(unsafe {
            check(
                sys::ltrs_tensor_requires_grad(self.raw, &mut b),
                "requires_grad",
            )
        });
        b
    }

    /// A 1-D tensor holding a copy of `data` (`torch.tensor(list)`).
    ///
    /// ```
    /// let t = libtorch::Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
    /// assert_eq!(t.size(), [3]);
    /// ```
    #[track_caller]
    pub fn from_slice<T: Element>(data: &[T]) -> Tensor {
        unwrap(Tensor::from_data(data, &[data.len() as i64]))
    }

    /// A tensor of the given shape holding a copy of `data` (row-major); an error if the number
    /// of elements does not match the shape.
    #[track_caller]
    pub fn from_data<T: Element>(data: &[T], shape: &[i64]) -> Result<Tensor> {
        let numel = shape.iter().try_fold(
            1i64,
            |acc, &d| {
                if d < 0 {
                    None
                } else {
                    acc.checked_mul(d)
                }
            },
        );
        match numel {
            Some(n) if n as usize == data.len() => {}
            _ => {
                return Err(Error::invalid(
                    "from_data",
                    format!(
                        "{} elements do not fill a tensor of shape {shape:?}",
                        data.len()
                    ),
                ))
            }
        }
        let mut out = std::ptr::null_mut();
        // SAFETY: `data` is valid for `size_of_val(data)` bytes, `shape` for `shape.len()`
        // values; the shim copies both before returning.
        unsafe {
            check(
                sys::ltrs_tensor_from_data(
                    &mut out,
                    data.as_ptr().cast(),
                    std::mem::size_of_val(data) as i64,
                    shape.as_ptr(),
                    shape.len() as i64,
                    T::KIND.to_ffi(),
                ),
                "from_data",
            )?;
            Ok(Tensor::from_raw(out))
        }
    }

    /// A CPU tensor of `kind` and `shape` holding a copy of `bytes`, the elements in row-major
    /// order and native (little-endian) byte order, as `torch.frombuffer(bytes, dtype=kind)`
    /// followed by a reshape. For the element types without a Rust [`Element`] (bfloat16 and
    /// float16 without `half`, the float8 kinds, complex32) and for readers of file formats.
    ///
    /// An error if `bytes` is not exactly the size of such a tensor, if `kind` has no plain
    /// storage (the quantized and sub-byte kinds), or if a bool tensor's bytes are not all 0 or 1
    /// (any other byte would be an invalid Rust `bool` when read back).
    ///
    /// ```
    /// use libtorch::{Kind, Tensor};
    /// let t = Tensor::from_bytes(&[0x80, 0x3f, 0x00, 0x40], &[2], Kind::BFloat16).unwrap();
    /// assert_eq!(t.to_vec::<f32>().unwrap(), [1.0, 2.0]);
    /// assert_eq!(t.to_bytes().unwrap(), [0x80, 0x3f, 0x00, 0x40]);
    /// ```
    pub fn from_bytes(bytes: &[u8], shape: &[i64], kind: Kind) -> Result<Tensor> {
        const OP: &str = "from_bytes";
        let numel = shape
            .iter()
            .try_fold(1u64, |acc, &d| u64::try_from(d).ok()?.checked_mul(acc));
        let Some(numel) = numel else {
            return Err(Error::invalid(OP, format!("invalid shape {shape:?}")));
        };
        let elt = kind.elt_size_in_bytes() as u64;
        if !kind.has_plain_storage() {
            return Err(Error::invalid(
                OP,
                format!("{kind} tensors cannot be made from raw bytes"),
            ));
        }
        if numel.checked_mul(elt) != Some(bytes.len() as u64) {
            return Err(Error::invalid(
                OP,
                format!(
                    "{} bytes do not make a {kind} tensor of shape {shape:?} ({numel} elements of {elt} bytes)",
                    bytes.len()
                ),
            ));
        }
        if kind == Kind::Bool {
            if let Some(i) = bytes.iter().position(|&b| b > 1) {
                return Err(Error::invalid(
                    OP,
                    format!("byte {i} of a bool tensor is {}, not 0 or 1", bytes[i]),
                ));
            }
        }
        let mut out = std::ptr::null_mut();
        // SAFETY: `bytes` is valid for its length and `shape` for `shape.len()` values; the shim
        // allocates a tensor of that shape and kind, checks that its size is `bytes.len()`, and
        // copies both before returning.
        unsafe {
            check(
                sys::ltrs_tensor_from_data(
                    &mut out,
                    bytes.as_ptr().cast(),
                    bytes.len() as i64,
                    shape.as_ptr(),
                    shape.len() as i64,
                    kind.to_ffi(),
                ),
                OP,
            )?;
            Ok(Tensor::from_raw(out))
        }
    }

    /// The elements' bytes in row-major order, in the tensor's own kind and native
    /// (little-endian) byte order, copied from any device or stride: the inverse of
    /// [`Tensor::from_bytes`]. Conjugate and negative views are resolved first.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        const OP: &str = "to_bytes";
        self.need_defined(OP)?;
        let kind = self.f_kind()?;
        if !kind.has_plain_storage() {
            return Err(Error::invalid(
                OP,
                format!("{kind} tensors have no plain bytes (use int_repr for quantized ones)"),
            ));
        }
        let n = (self.numel() as u64)
            .checked_mul(kind.elt_size_in_bytes() as u64)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| Error::invalid(OP, "the tensor's size in bytes overflows"))?;
        let mut v: Vec<u8> = Vec::new();
        v.try_reserve_exact(n)
            .map_err(|_| Error::invalid(OP, format!("cannot allocate {n} bytes")))?;
        // SAFETY: `v` has capacity for `n` bytes, and the shim writes exactly `n` bytes (it
        // checks the count against the tensor's size) before we set the length.
        unsafe {
            check(
                sys::ltrs_tensor_copy_to(self.raw, v.as_mut_ptr().cast(), n as i64, kind.to_ffi()),
                OP,
            )?;
            v.set_len(n);
        }
        Ok(v)
    }

    /// The address of the first element (`t.data_ptr()`), for identity checks and for FFI;
    /// null for a tensor without data. Reading or writing through it is `unsafe` and the
    /// caller's business: the tensor owns the memory and may be on a GPU.
    pub fn f_data_ptr(&self) -> Result<*mut std::ffi::c_void> {
        self.need_defined("data_ptr")?;
        let mut ptr = std::ptr::null_mut();
        // SAFETY: `self` is a live handle; the shim writes the data pointer to `ptr`.
        unsafe { check(sys::ltrs_tensor_data_ptr(self.raw, &mut ptr), "data_ptr")? };
        Ok(ptr)
    }

    /// [`Tensor::f_data_ptr`], panicking on an undefined tensor.
    #[track_caller]
    pub fn data_ptr(&self) -> *mut std::ffi::c_void {
        unwrap(self.f_data_ptr())
    }

    /// A 0-dim tensor holding `v` (`torch.tensor(v)`).
    #[track_caller]
    pub fn scalar<T: Element>(v: T) -> Tensor {
        unwrap(Tensor::from_data(&[v], &[]))
    }

    /// The elements, converted to `T` and flattened in row-major order (from any device).
    #[track_caller]
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        self.need_defined("to_vec")?;
        let n = self.numel();
        let nbytes = n
            .checked_mul(std::mem::size_of::<T>())
            .filter(|&b| i64::try_from(b).is_ok())
            .ok_or_else(|| Error::invalid("to_vec", format!("{n} elements overflow a buffer")))?;
        let mut v: Vec<T> = Vec::new();
        // An expanded view can claim more elements than memory holds: an error, not an abort.
        v.try_reserve_exact(n).map_err(|_| {
            Error::invalid(
                "to_vec",
                format!("cannot allocate {nbytes} bytes for {n} elements"),
            )
        })?;
        // SAFETY: `v` has capacity for `n` elements of `T`, and the shim writes exactly
        // `nbytes` = n * size_of::<T>() bytes (it checks the count) before we set the length.
        unsafe {
            check(
                sys::ltrs_tensor_copy_to(
                    self.raw,
                    v.as_mut_ptr().cast(),
                    nbytes as i64,
                    T::KIND.to_ffi(),
                ),
                "to_vec",
            )?;
            v.set_len(n);
        }
        Ok(v)
    }

    /// The single value of a one-element tensor, converted to `T` (`t.item()`).
    pub fn item_as<T: Element>(&self) -> Result<T> {
        self.need_defined("item")?;
        let n = self.numel();
        if n != 1 {
            return Err(Error::invalid(
                "item",
                format!("a tensor with {n} elements cannot be converted to a scalar"),
            ));
        }
        Ok(self.to_vec::<T>()?[0])
    }

    /// The single value of a one-element tensor as f64; panics otherwise.
    #[track_caller]
    pub fn double_value(&self) -> f64 {
        unwrap(self.item_as::<f64>())
    }

    /// The single value of a one-element tensor as i64; panics otherwise.
    #[track_caller]
    pub fn int64_value(&self) -> i64 {
        unwrap(self.item_as::<i64>())
    }
}

/// c10's contiguity test in the dimension order `order` (innermost first): size-1 dimensions
/// may have any stride, and a tensor without elements is contiguous.
pub(crate) fn contiguous_in_order(sizes: &[i64], strides: &[i64], order: &[usize]) -> bool {
    if sizes.contains(&0) {
        return true;
    }
    let mut expected = 1;
    for &d in order {
        if sizes[d] != 1 {
            if strides[d] != expected {
                return false;
            }
            expected *= sizes[d];
        }
    }
    true
}
