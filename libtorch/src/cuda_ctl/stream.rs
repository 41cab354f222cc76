//! CUDA streams (`torch.cuda.Stream`, `torch.cuda.current_stream`, `torch.cuda.stream`), as
//! methods of [`crate::Stream`], the `c10::Stream` value the generated operators take too.
use super::{index, Event};
use crate::error::{check, Error, Result};
use crate::{Device, Stream};
use libtorch_sys as sys;
use libtorch_sys::cuda_ctl as ctl;

impl Stream {
    /// From the ABI form, as the shims return it (crate-private: see [`Stream`]'s fields).
    pub(crate) fn from_ffi(s: sys::ltrs_stream) -> Stream {
        let device = Device::from_ffi(sys::ltrs_device {
            type_: s.device_type,
            index: s.device_index,
        });
        // SAFETY: `s` is a stream a shim returned, i.e. one libtorch handed out.
        unsafe { Stream::from_raw_parts(s.id, device) }
    }

    /// A stream from libtorch's pool on CUDA device `device` (`torch.cuda.Stream(device,
    /// priority)`). `priority` is 0 (normal) or negative for a higher priority, as in CUDA;
    /// libtorch clamps it to the priorities the device has. Like PyTorch's, the stream is one of
    /// a fixed pool, handed out in turn, so two calls may return the same stream.
    ///
    /// ```no_run
    /// use libtorch::{cuda, Device, Kind, Tensor};
    /// let side = cuda::Stream::new(Device::Cuda(0), 0)?;
    /// {
    ///     let _on_side = cuda::stream(side)?; // kernels queue on `side` until this drops
    ///     let _x = Tensor::ones_opts(&[1024], (Kind::Float, Device::Cuda(0)));
    /// }
    /// cuda::current_stream(0)?.wait_stream(&side)?;
    /// # Ok::<(), libtorch::Error>(())
    /// ```
    #[track_caller]
    pub fn new(device: Device, priority: i32) -> Result<Stream> {
        let Device::Cuda(i) = device else {
            return Err(Error::invalid(
                "cuda::Stream::new",
                format!("streams can be made on CUDA devices only, not {device}"),
            ));
        };
        if priority > 0 {
            return Err(Error::invalid(
                "cuda::Stream::new",
                format!("priority must be 0 or negative (higher), got {priority}"),
            ));
        }
        let mut out = Stream::default_ffi();
        // SAFETY: valid out-pointer; the shim catches every C++ exception.
        unsafe {
            check(
                ctl::ltrs_cuda_stream_new(index(i), priority, &mut out),
                "cuda::Stream::new",
            )?
        };
        Ok(Stream::from_ffi(out))
    }

    fn default_ffi() -> sys::ltrs_stream {
        sys::ltrs_stream {
            id: 0,
            device_index: -1,
            device_type: 0,
        }
    }

    /// Blocks the calling thread until every kernel queued on this stream has finished
    /// (`s.synchronize()`).
    #[track_caller]
    pub fn synchronize(&self) -> Result<()> {
        // SAFETY: a plain value; the shim checks the stream and catches every C++ exception.
        unsafe {
            check(
                ctl::ltrs_cuda_stream_synchronize(self.to_ffi()),
                "Stream::synchronize",
            )
        }
    }

    /// Whether every kernel queued on this stream has finished (`s.query()`).
    #[track_caller]
    pub fn query(&self) -> Result<bool> {
        let mut out = false;
        // SAFETY: valid out-pointer; the shim checks the stream and catches every exception.
        unsafe {
            check(
                ctl::ltrs_cuda_stream_query(self.to_ffi(), &mut out),
                "Stream::query",
            )?
        };
        Ok(out)
    }

    /// Makes work queued on this stream from now on wait for the work queued on `other` so far
    /// (`s.wait_stream(other)`), without blocking the calling thread.
    #[track_caller]
    pub fn wait_stream(&self, other: &Stream) -> Result<()> {
        // SAFETY: plain values; the shim checks both streams and catches every exception.
        unsafe {
            check(
                ctl::ltrs_cuda_stream_wait_stream(self.to_ffi(), other.to_ffi()),
                "Stream::wait_stream",
            )
        }
    }

    /// Makes work queued on this stream from now on wait for `event`'s last record
    /// (`s.wait_event(event)`, the same as `event.wait(s)`).
    #[track_caller]
    pub fn wait_event(&self, event: &Event) -> Result<()> {
        event.wait(self)
    }

    /// A new event (without timing) recorded on this stream (`s.record_event()`).
    #[track_caller]
    pub fn record_event(&self) -> Result<Event> {
        let mut e = Event::new(false)?;
        e.record(self)?;
        Ok(e)
    }
}

#[track_caller]
fn device_stream(
    device: usize,
    f: unsafe extern "C" fn(i64, *mut sys::ltrs_stream) -> *mut sys::ltrs_error,
    op: &'static str,
) -> Result<Stream> {
    let mut out = Stream::default_ffi();
    // SAFETY: valid out-pointer; `f` is one of the shim's stream getters, which catch every
    // C++ exception.
    unsafe { check(f(index(device), &mut out), op)? };
    Ok(Stream::from_ffi(out))
}

/// The calling thread's current stream on CUDA device `device`, where operators queue their
/// kernels (`torch.cuda.current_stream(device)`).
#[track_caller]
pub fn current_stream(device: usize) -> Result<Stream> {
    device_stream(
        device,
        ctl::ltrs_cuda_stream_current,
        "cuda::current_stream",
    )
}

/// CUDA device `device`'s default stream (`torch.cuda.default_stream(device)`).
#[track_caller]
pub fn default_stream(device: usize) -> Result<Stream> {
    device_stream(
        device,
        ctl::ltrs_cuda_stream_default,
        "cuda::default_stream",
    )
}

/// Makes `stream` the calling thread's current stream on its device
/// (`torch.cuda.set_stream(stream)`), until another call changes it; [`stream`] does the same
/// for a scope.
#[track_caller]
pub fn set_stream(stream: Stream) -> Result<()> {
    // SAFETY: a plain value; the shim checks the stream and catches every C++ exception.
    unsafe {
        check(
            ctl::ltrs_cuda_stream_set_current(stream.to_ffi()),
            "cuda::set_stream",
        )
    }
}

/// Makes `stream` the calling thread's current stream, and its device the current device,
/// until the returned guard drops, which restores both (`with torch.cuda.stream(stream):`).
///
/// The guard belongs to the thread that made it (it is not `Send`); nested guards restore in
/// the reverse order of their creation, as Rust drops them.
#[track_caller]
pub fn stream(stream: Stream) -> Result<StreamGuard> {
    let mut raw = std::ptr::null_mut();
    // SAFETY: valid out-pointer; the shim checks the stream and catches every C++ exception.
    unsafe {
        check(
            ctl::ltrs_cuda_stream_guard_new(stream.to_ffi(), &mut raw),
            "cuda::stream",
        )?
    };
    Ok(StreamGuard { raw, stream })
}

/// The scope of [`stream`]: restores the previous current stream and device when dropped.
/// Not `Send`: the current stream is per thread.
#[must_use = "the stream stops being current as soon as the guard drops"]
pub struct StreamGuard {
    raw: *mut std::ffi::c_void,
    stream: Stream,
}

impl StreamGuard {
    /// The stream this guard made current.
    pub fn stream(&self) -> Stream {
        self.stream
    }
}

impl std::fmt::Debug for StreamGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamGuard")
            .field("stream", &self.stream)
            .finish()
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        // SAFETY: `raw` is the guard the shim made, freed once, here, on the thread that made
        // it (the type is not Send, the raw pointer keeps it so).
        unsafe { ctl::ltrs_cuda_stream_guard_free(self.raw) }
    }
}
