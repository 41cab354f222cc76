//! Random number generators and storages: the two other reference-counted libtorch objects
//! that operators take.
use crate::error::{check, Result};
use crate::Tensor;
use libtorch_sys as sys;

/// A random number generator (`torch.Generator`), for operators that take `generator=`.
pub struct Generator {
    raw: sys::ltrs_generator,
}

// SAFETY: libtorch generators guard their state with their own mutex, and the handle is an
// atomically reference-counted pointer with no thread affinity.
unsafe impl Send for Generator {}
// SAFETY: as above: every use locks the generator's mutex inside libtorch.
unsafe impl Sync for Generator {}

impl Generator {
    /// A CPU generator seeded with `seed`.
    #[track_caller]
    pub fn cpu(seed: u64) -> Result<Generator> {
        let mut raw = std::ptr::null_mut();
        // SAFETY: valid out-pointer; the result owns one reference.
        unsafe {
            check(
                sys::ltrs_generator_new_cpu(&mut raw, seed),
                "Generator::cpu",
            )?
        };
        Ok(Generator { raw })
    }

    /// Reseeds (`g.manual_seed(seed)`).
    #[track_caller]
    pub fn manual_seed(&mut self, seed: u64) -> Result<()> {
        // SAFETY: `raw` is a live generator.
        unsafe {
            check(
                sys::ltrs_generator_set_seed(self.raw, seed),
                "Generator::manual_seed",
            )
        }
    }

    /// The seed it was last seeded with.
    #[track_caller]
    pub fn initial_seed(&self) -> Result<u64> {
        let mut s = 0u64;
        // SAFETY: `raw` is a live generator, valid out-pointer.
        unsafe {
            check(
                sys::ltrs_generator_seed(self.raw, &mut s),
                "Generator::initial_seed",
            )?
        };
        Ok(s)
    }

    /// The handle, borrowed.
    pub fn as_raw(&self) -> sys::ltrs_generator {
        self.raw
    }
}

impl Drop for Generator {
    fn drop(&mut self) {
        // SAFETY: `raw` owns one reference, released once.
        unsafe { sys::ltrs_generator_free(self.raw) }
    }
}

/// The memory behind one or more tensors (`t.untyped_storage()`).
pub struct Storage {
    raw: sys::ltrs_storage,
}

// SAFETY: an atomically reference-counted pointer with no thread affinity.
unsafe impl Send for Storage {}
// SAFETY: only immutable metadata is read through `&Storage`.
unsafe impl Sync for Storage {}

impl Storage {
    /// The storage of `t`.
    #[track_caller]
    pub fn of(t: &Tensor) -> Result<Storage> {
        let mut raw = std::ptr::null_mut();
        // SAFETY: `t` borrowed for the call, valid out-pointer; the result owns one reference.
        unsafe { check(sys::ltrs_tensor_storage(t.as_raw(), &mut raw), "storage")? };
        Ok(Storage { raw })
    }

    /// Its size in bytes.
    #[track_caller]
    pub fn nbytes(&self) -> Result<usize> {
        let mut n = 0i64;
        // SAFETY: `raw` is live, valid out-pointer.
        unsafe {
            check(
                sys::ltrs_storage_nbytes(self.raw, &mut n),
                "Storage::nbytes",
            )?
        };
        Ok(n as usize)
    }

    /// The handle, borrowed.
    pub fn as_raw(&self) -> sys::ltrs_storage {
        self.raw
    }
}

impl Drop for Storage {
    fn drop(&mut self) {
        // SAFETY: `raw` owns one reference, released once.
        unsafe { sys::ltrs_storage_free(self.raw) }
    }
}
