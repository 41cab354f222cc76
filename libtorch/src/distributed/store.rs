//! Key-value stores (`torch.distributed.TCPStore`, `FileStore`, `HashStore`, `PrefixStore`): the
//! rendezvous that process groups are built on, usable on their own too.
use crate::error::{check, Error, Result};
use libtorch_sys as sys;
use libtorch_sys::dist as raw;
use std::time::Duration;

/// A c10d key-value store shared by the processes of a job. Every blocking call is bounded by
/// the store's timeout (or the one given).
///
/// Handles are cheap to clone (they share one store).
pub struct Store {
    raw: *mut raw::ltrs_store,
}

// SAFETY: c10d's stores are used from any thread (PyTorch's Python bindings release the GIL around
// every call): each store serializes its own state (TCPStore's client under a mutex, HashStore and
// FileStore under theirs), and the handle is a reference-counted pointer with an atomic count.
unsafe impl Send for Store {}
// SAFETY: as above; every method takes `&self` and the shim only calls c10d's thread-safe methods.
unsafe impl Sync for Store {}

impl Drop for Store {
    fn drop(&mut self) {
        // SAFETY: `raw` is an owned handle freed exactly once, here.
        unsafe { raw::ltrs_store_free(self.raw) }
    }
}

impl Clone for Store {
    fn clone(&self) -> Store {
        let mut out = std::ptr::null_mut();
        // SAFETY: `self.raw` is live; the shim copies an intrusive pointer (cannot fail but for
        // memory exhaustion, reported as an error).
        unsafe {
            check(
                raw::ltrs_store_clone_handle(self.raw, &mut out),
                "Store.clone",
            )
        }
        .expect("cloning a store handle");
        Store { raw: out }
    }
}

pub(crate) fn millis(d: Duration, op: &'static str) -> Result<i64> {
    let ms = i64::try_from(d.as_millis())
        .map_err(|_| Error::invalid(op, format!("the timeout {d:?} is too long")))?;
    if ms == 0 {
        return Err(Error::invalid(
            op,
            format!("the timeout must be at least 1 ms, got {d:?}"),
        ));
    }
    Ok(ms)
}

fn key_list(keys: &[&str]) -> Vec<sys::ltrs_str> {
    keys.iter().map(|k| sys::ltrs_str::from_str(k)).collect()
}

/// Takes a malloc'ed byte buffer from the shim.
///
/// # Safety
/// `data` must be null (then `len` is 0) or a buffer of `len` bytes from a dist.h function.
unsafe fn take_bytes(data: *mut u8, len: i64) -> Vec<u8> {
    if data.is_null() {
        return Vec::new();
    }
    // SAFETY: the caller's guarantee; the buffer is copied, then freed once.
    unsafe {
        let v = std::slice::from_raw_parts(data, len as usize).to_vec();
        raw::ltrs_dist_free(data.cast());
        v
    }
}

impl Store {
    pub(crate) fn as_raw(&self) -> *const raw::ltrs_store {
        self.raw
    }

    fn make(
        op: &'static str,
        f: impl FnOnce(*mut *mut raw::ltrs_store) -> *mut sys::ltrs_error,
    ) -> Result<Store> {
        let mut out = std::ptr::null_mut();
        // SAFETY: `f` calls a dist.h constructor with valid arguments and this out-pointer.
        unsafe { check(f(&mut out), op)? };
        Ok(Store { raw: out })
    }

    /// `TCPStore(host_name, port, world_size, is_master, timeout)`: the server runs in the
    /// process with `is_master` (listening on `port`; 0 picks a free port, see
    /// [`Store::port`]), every process (the master included) connects to it as a client.
    /// `world_size` (when given) makes the master wait, at most `timeout`, until that many
    /// clients joined. A server that cannot be reached within `timeout` is an error naming host
    /// and port.
    pub fn tcp(
        host_name: &str,
        port: u16,
        world_size: Option<usize>,
        is_master: bool,
        timeout: Duration,
    ) -> Result<Store> {
        const OP: &str = "TCPStore";
        let ms = millis(timeout, OP)?;
        let world = match world_size {
            Some(n) => i64::try_from(n).map_err(|_| Error::invalid(OP, "world_size too large"))?,
            None => -1,
        };
        Store::make(OP, |out| {
            // SAFETY: the host string outlives the call; plain values otherwise.
            unsafe {
                raw::ltrs_tcp_store_new(
                    sys::ltrs_str::from_str(host_name),
                    port,
                    world,
                    is_master,
                    ms,
                    world_size.is_some(),
                    out,
                )
            }
        })
        .map_err(|e| match e {
            Error::Torch {
                op,
                message,
                full_message,
                location,
            } => Error::Torch {
                op,
                message: format!("TCPStore at {host_name}:{port}: {message}"),
                full_message,
                location,
            },
            other => other,
        })
    }

    /// `FileStore(file_name, world_size)`: a store in a file every process can open (a shared
    /// file system). The last of `world_size` processes to close it deletes the file.
    pub fn file(file_name: &str, world_size: Option<usize>) -> Result<Store> {
        let world = match world_size {
            Some(n) => {
                i64::try_from(n).map_err(|_| Error::invalid("FileStore", "world_size too large"))?
            }
            None => -1,
        };
        Store::make("FileStore", |out| {
            // SAFETY: the path string outlives the call.
            unsafe { raw::ltrs_file_store_new(sys::ltrs_str::from_str(file_name), world, out) }
        })
    }

    /// `HashStore()`: a store inside this process (for threads, and for tests).
    pub fn hash() -> Result<Store> {
        // SAFETY: only the out-pointer.
        Store::make("HashStore", |out| unsafe { raw::ltrs_hash_store_new(out) })
    }

    /// `PrefixStore(prefix, store)`: the keys of `store` under `"{prefix}/"`.
    pub fn prefix(prefix: &str, store: &Store) -> Result<Store> {
        Store::make("PrefixStore", |out| {
            // SAFETY: both borrowed arguments outlive the call; the new store shares `store`.
            unsafe { raw::ltrs_prefix_store_new(sys::ltrs_str::from_str(prefix), store.raw, out) }
        })
    }

    /// The port a TCP store listens on (its master) or is connected to; an error for other
    /// stores.
    pub fn port(&self) -> Result<u16> {
        let mut out = 0;
        // SAFETY: live handle, valid out-pointer.
        unsafe {
            check(
                raw::ltrs_tcp_store_port(self.raw, &mut out),
                "TCPStore.port",
            )?
        };
        Ok(out)
    }

    /// `store.set(key, value)`.
    pub fn set(&self, key: &str, value: impl AsRef<[u8]>) -> Result<()> {
        let v = value.as_ref();
        // SAFETY: key and value outlive the call, which copies them.
        unsafe {
            check(
                raw::ltrs_store_set(
                    self.raw,
                    sys::ltrs_str::from_str(key),
                    v.as_ptr(),
                    v.len() as i64,
                ),
                "Store.set",
            )
        }
    }

    /// `store.get(key)`: waits until `key` is set, at most the store's timeout.
    pub fn get(&self, key: &str) -> Result<Vec<u8>> {
        let (mut data, mut len) = (std::ptr::null_mut(), 0);
        // SAFETY: the key outlives the call; on success `data` holds `len` malloc'ed bytes.
        unsafe {
            check(
                raw::ltrs_store_get(self.raw, sys::ltrs_str::from_str(key), &mut data, &mut len),
                "Store.get",
            )?;
            Ok(take_bytes(data, len))
        }
    }

    /// `store.add(key, amount)`: adds to the integer counter under `key` (0 when absent) and
    /// returns the new value.
    pub fn add(&self, key: &str, amount: i64) -> Result<i64> {
        let mut out = 0;
        // SAFETY: the key outlives the call; valid out-pointer.
        unsafe {
            check(
                raw::ltrs_store_add(self.raw, sys::ltrs_str::from_str(key), amount, &mut out),
                "Store.add",
            )?
        };
        Ok(out)
    }

    /// `store.compare_set(key, expected_value, desired_value)`: sets `desired_value` when the
    /// current value is `expected_value` (or when `key` is absent and `expected_value` is
    /// empty); returns the value `key` holds afterwards.
    pub fn compare_set(
        &self,
        key: &str,
        expected_value: impl AsRef<[u8]>,
        desired_value: impl AsRef<[u8]>,
    ) -> Result<Vec<u8>> {
        let (e, d) = (expected_value.as_ref(), desired_value.as_ref());
        let (mut data, mut len) = (std::ptr::null_mut(), 0);
        // SAFETY: all buffers outlive the call; on success `data` holds `len` malloc'ed bytes.
        unsafe {
            check(
                raw::ltrs_store_compare_set(
                    self.raw,
                    sys::ltrs_str::from_str(key),
                    e.as_ptr(),
                    e.len() as i64,
                    d.as_ptr(),
                    d.len() as i64,
                    &mut data,
                    &mut len,
                ),
                "Store.compare_set",
            )?;
            Ok(take_bytes(data, len))
        }
    }

    /// `store.delete_key(key)`: whether the key existed.
    pub fn delete_key(&self, key: &str) -> Result<bool> {
        let mut out = false;
        // SAFETY: the key outlives the call; valid out-pointer.
        unsafe {
            check(
                raw::ltrs_store_delete_key(self.raw, sys::ltrs_str::from_str(key), &mut out),
                "Store.delete_key",
            )?
        };
        Ok(out)
    }

    /// `store.check(keys)`: whether every key is set, without waiting.
    pub fn check(&self, keys: &[&str]) -> Result<bool> {
        let list = key_list(keys);
        let mut out = false;
        // SAFETY: the keys and their list outlive the call.
        unsafe {
            check(
                raw::ltrs_store_check(self.raw, sys::ltrs_str_list::new(&list), &mut out),
                "Store.check",
            )?
        };
        Ok(out)
    }

    /// `store.wait(keys)`: waits until every key is set, at most the store's timeout.
    pub fn wait(&self, keys: &[&str]) -> Result<()> {
        self.wait_raw(keys, -1)
    }

    /// `store.wait(keys, timeout)`.
    pub fn wait_timeout(&self, keys: &[&str], timeout: Duration) -> Result<()> {
        self.wait_raw(keys, millis(timeout, "Store.wait")?)
    }

    fn wait_raw(&self, keys: &[&str], ms: i64) -> Result<()> {
        let list = key_list(keys);
        // SAFETY: the keys and their list outlive the call.
        unsafe {
            check(
                raw::ltrs_store_wait(self.raw, sys::ltrs_str_list::new(&list), ms),
                "Store.wait",
            )
        }
    }

    /// `store.num_keys()`: the number of keys set (a TCP store counts its own bookkeeping keys
    /// too, as in PyTorch).
    pub fn num_keys(&self) -> Result<i64> {
        let mut out = 0;
        // SAFETY: live handle, valid out-pointer.
        unsafe {
            check(
                raw::ltrs_store_num_keys(self.raw, &mut out),
                "Store.num_keys",
            )?
        };
        Ok(out)
    }

    /// `store.timeout`: the bound of `get` and `wait`.
    pub fn timeout(&self) -> Result<Duration> {
        let mut out = 0;
        // SAFETY: live handle, valid out-pointer.
        unsafe { check(raw::ltrs_store_timeout(self.raw, &mut out), "Store.timeout")? };
        Ok(Duration::from_millis(out.max(0) as u64))
    }

    /// `store.set_timeout(timeout)`.
    pub fn set_timeout(&self, timeout: Duration) -> Result<()> {
        let ms = millis(timeout, "Store.set_timeout")?;
        // SAFETY: live handle, plain value.
        unsafe {
            check(
                raw::ltrs_store_set_timeout(self.raw, ms),
                "Store.set_timeout",
            )
        }
    }
}
