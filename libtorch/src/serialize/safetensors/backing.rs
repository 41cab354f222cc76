//! Memory that tensors view in place and keep alive: a file's private mapping or a heap buffer
//! holding a file's bytes. Each tensor made here holds one reference to its backing, released by
//! libtorch (through the shim's deleter) when the tensor's storage is freed, on any thread.
use crate::error::{check, Error, Result};
use crate::{Kind, Tensor};
use libtorch_sys::blob as ffi;
use std::ffi::c_void;
use std::sync::Arc;

/// What keeps the bytes alive.
enum Owner {
    /// A private (copy-on-write) mapping of a file: writes through a tensor change this process's
    /// copy of the page, never the file.
    Map(#[allow(dead_code)] memmap2::MmapMut),
    /// A heap block of `words` u64 (8-byte aligned), made by `Box::into_raw`.
    Heap { words: *mut u64, len: usize },
}

/// Bytes that tensors view: `ptr..ptr + len`, kept alive by `owner`.
pub(super) struct Backing {
    ptr: *mut u8,
    len: usize,
    owner: Owner,
}

// SAFETY: `Backing` is an owner only: after construction nothing reads or writes the bytes
// through it (tensors do, through their own pointers, under libtorch's element-race contract),
// and dropping it (munmap or free) is valid from any thread.
unsafe impl Send for Backing {}
// SAFETY: as above; `&Backing` gives access to nothing but the pointer values.
unsafe impl Sync for Backing {}

impl Drop for Backing {
    fn drop(&mut self) {
        if let Owner::Heap { words, len } = self.owner {
            // SAFETY: `words` came from `Box::<[u64]>::into_raw` of `len` words in `heap` and is
            // freed once, here; every tensor viewing it is gone (each held an `Arc` to us).
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(words, len)) });
        }
        // A mapping unmaps itself when `owner` drops.
    }
}

impl Backing {
    /// A private copy-on-write mapping of `file`.
    ///
    /// # Safety
    /// The file must not be truncated or modified (by this or another process) while the mapping
    /// or any tensor made from it lives: memmap2's contract for `map_copy`.
    pub(super) unsafe fn map(file: &std::fs::File) -> std::io::Result<Backing> {
        // SAFETY: the caller upholds the no-truncation, no-modification contract.
        let mut map = unsafe { memmap2::MmapOptions::new().map_copy(file)? };
        let ptr = map.as_mut_ptr();
        let len = map.len();
        Ok(Backing {
            ptr,
            len,
            owner: Owner::Map(map),
        })
    }

    /// A heap buffer of `len` bytes (8-byte aligned), filled by `fill`. An error, not an abort,
    /// when the memory cannot be had.
    pub(super) fn heap(
        len: usize,
        fill: impl FnOnce(&mut [u8]) -> std::io::Result<()>,
    ) -> std::io::Result<Backing> {
        let words = len.div_ceil(8);
        let mut v: Vec<u64> = Vec::new();
        v.try_reserve_exact(words).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::OutOfMemory,
                format!("cannot allocate {len} bytes"),
            )
        })?;
        v.resize(words, 0);
        let raw = Box::into_raw(v.into_boxed_slice()).cast::<u64>();
        let backing = Backing {
            ptr: raw.cast::<u8>(),
            len,
            owner: Owner::Heap {
                words: raw,
                len: words,
            },
        };
        // SAFETY: the block holds `words * 8 >= len` initialised bytes, uniquely ours until
        // tensors are made from it (after this call).
        fill(unsafe { std::slice::from_raw_parts_mut(backing.ptr, len) })?;
        Ok(backing)
    }

    /// The bytes, for parsing them before handing out tensors.
    ///
    /// # Safety
    /// No tensor made from this backing may be written while the slice lives (tensors made but
    /// not yet handed to anyone are fine).
    pub(super) unsafe fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `ptr..ptr + len` is live while `self` is; nothing writes it while the slice
        // lives (the caller's contract), and a mapping's file is unchanged (`map`'s contract).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// The deleter the shim calls when a tensor's storage is freed: drops the tensor's reference to
/// its backing. It never unwinds into C++: a panic (none is known to be possible) is caught and
/// the reference leaked.
unsafe extern "C" fn release(ctx: *mut c_void) {
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: `ctx` is the `Box<Arc<Backing>>` leaked by `view`, passed here exactly once.
        drop(unsafe { Box::from_raw(ctx.cast::<Arc<Backing>>()) });
    });
}

/// A contiguous tensor of `kind` and `shape` viewing `backing`'s bytes `range` in place, or
/// `None` when they are not aligned for `kind` or hold no element (the caller then copies). An
/// error unless `range` lies in the backing and holds exactly the tensor's bytes, or for a bool
/// byte other than 0 or 1.
pub(super) fn view(
    backing: &Arc<Backing>,
    range: std::ops::Range<usize>,
    shape: &[i64],
    kind: Kind,
) -> Result<Option<Tensor>> {
    const OP: &str = "safetensors::view";
    let elt = kind.elt_size_in_bytes();
    let nbytes = shape
        .iter()
        .try_fold(elt, |acc, &d| acc.checked_mul(usize::try_from(d).ok()?));
    if !kind.has_plain_storage()
        || range.start > range.end
        || range.end > backing.len
        || nbytes != Some(range.len())
    {
        return Err(Error::invalid(
            OP,
            format!(
                "bytes {range:?} of a {}-byte buffer for a {kind} tensor of shape {shape:?}",
                backing.len
            ),
        ));
    }
    if range.is_empty() {
        return Ok(None);
    }
    // SAFETY: `range.start < backing.len`, so the pointer stays inside the allocation.
    let data = unsafe { backing.ptr.add(range.start) };
    if (data as usize) % elt != 0 {
        return Ok(None);
    }
    if kind == Kind::Bool {
        // SAFETY: `data..data + range.len()` lies in the live backing (checked above). Our
        // callers check each range before handing out any tensor, so nothing writes it meanwhile
        // (a write through an earlier tensor over the same bytes would be a race on elements,
        // the contract `Tensor`'s `Sync` documents).
        let bytes = unsafe { std::slice::from_raw_parts(data, range.len()) };
        if let Some(i) = bytes.iter().position(|&b| b > 1) {
            return Err(Error::invalid(
                OP,
                format!("byte {i} of a bool tensor is {}, not 0 or 1", bytes[i]),
            ));
        }
    }
    let ctx = Box::into_raw(Box::new(Arc::clone(backing)));
    let mut out = std::ptr::null_mut();
    // SAFETY: `data` points at `range.len()` live bytes, exactly the size of a contiguous `kind`
    // tensor of `shape` (checked above; libtorch computes the same size and views no more),
    // aligned for `kind`, bools valid. `ctx` keeps them alive: ownership passes to the shim,
    // which calls `release(ctx)` exactly once, when the storage dies or before it returns an
    // error. `release` cannot unwind.
    unsafe {
        check(
            ffi::ltrs_tensor_from_blob_owned(
                &mut out,
                data.cast(),
                shape.as_ptr(),
                shape.len() as i64,
                kind.to_ffi(),
                Some(release),
                ctx.cast(),
            ),
            OP,
        )?;
        Ok(Some(Tensor::from_raw(out)))
    }
}
