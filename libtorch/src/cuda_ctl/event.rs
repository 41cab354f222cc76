//! CUDA events (`torch.cuda.Event`), on c10's device-generic `c10::Event`.
use crate::error::{check, Result};
use crate::Stream;
use libtorch_sys::cuda_ctl as ctl;

/// A marker in a CUDA stream's queue (`torch.cuda.Event(enable_timing=...)`): record it on a
/// stream, then make other streams wait for it, wait for it on the CPU, or time the work
/// between two events.
///
/// ```no_run
/// use libtorch::cuda::{self, Event};
/// use libtorch::{Device, Kind, Tensor};
/// let s = cuda::current_stream(0)?;
/// let (mut start, mut end) = (Event::new(true)?, Event::new(true)?);
/// start.record(&s)?;
/// let a = Tensor::randn_opts(&[1024, 1024], (Kind::Float, Device::Cuda(0)));
/// let _b = a.matmul(&a);
/// end.record(&s)?;
/// end.synchronize()?;
/// println!("{:.3} ms", start.elapsed_time(&end)?);
/// # Ok::<(), libtorch::Error>(())
/// ```
pub struct Event {
    raw: ctl::ltrs_event,
}

// SAFETY: a c10::Event holds a CUDA event handle and plain fields, usable from any thread;
// what it must not be is used from two threads at once, which `Event` not being `Sync` (the
// raw pointer) and `record` taking `&mut self` rule out.
unsafe impl Send for Event {}

impl Event {
    /// A new event; `enable_timing` lets [`Event::elapsed_time`] measure from it (PyTorch's
    /// default is `false`: events without timing are cheaper to record and wait on). An error
    /// where there is no CUDA device.
    #[track_caller]
    pub fn new(enable_timing: bool) -> Result<Event> {
        let mut raw = std::ptr::null_mut();
        // SAFETY: valid out-pointer; the shim catches every C++ exception.
        unsafe {
            check(
                ctl::ltrs_cuda_event_new(enable_timing, &mut raw),
                "cuda::Event::new",
            )?
        };
        Ok(Event { raw })
    }

    /// Queues the event on `stream` (`e.record(stream)`): it completes when the work queued
    /// there before it has. An event belongs to the device of the stream it was first
    /// recorded on; recording it on another device's stream is an error.
    #[track_caller]
    pub fn record(&mut self, stream: &Stream) -> Result<()> {
        // SAFETY: `raw` is live; the shim checks the stream and catches every exception.
        unsafe {
            check(
                ctl::ltrs_cuda_event_record(self.raw, stream.to_ffi()),
                "Event::record",
            )
        }
    }

    /// Makes work queued on `stream` from now on wait for this event's last record
    /// (`e.wait(stream)`), without blocking the calling thread; nothing if never recorded.
    #[track_caller]
    pub fn wait(&self, stream: &Stream) -> Result<()> {
        // SAFETY: `raw` is live; the shim checks the stream and catches every exception.
        unsafe {
            check(
                ctl::ltrs_cuda_event_wait(self.raw, stream.to_ffi()),
                "Event::wait",
            )
        }
    }

    /// Whether the work before the last record has finished (`e.query()`); true if never
    /// recorded.
    #[track_caller]
    pub fn query(&self) -> Result<bool> {
        let mut out = false;
        // SAFETY: `raw` is live, valid out-pointer; the shim catches every exception.
        unsafe {
            check(
                ctl::ltrs_cuda_event_query(self.raw, &mut out),
                "Event::query",
            )?
        };
        Ok(out)
    }

    /// Blocks the calling thread until the work before the last record has finished
    /// (`e.synchronize()`).
    #[track_caller]
    pub fn synchronize(&self) -> Result<()> {
        // SAFETY: `raw` is live; the shim catches every exception.
        unsafe {
            check(
                ctl::ltrs_cuda_event_synchronize(self.raw),
                "Event::synchronize",
            )
        }
    }

    /// Milliseconds from this event's last record to `end`'s (`e.elapsed_time(end)`). Both
    /// must have been made with `enable_timing`, recorded, and have completed (synchronize
    /// `end` first); an error otherwise.
    #[track_caller]
    pub fn elapsed_time(&self, end: &Event) -> Result<f64> {
        let mut out = 0f64;
        // SAFETY: both events are live, valid out-pointer; the shim catches every exception.
        unsafe {
            check(
                ctl::ltrs_cuda_event_elapsed_time(self.raw, end.raw, &mut out),
                "Event::elapsed_time",
            )?
        };
        Ok(out)
    }
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event").finish_non_exhaustive()
    }
}

impl Drop for Event {
    fn drop(&mut self) {
        // SAFETY: `raw` is the event the shim made, freed once, here.
        unsafe { ctl::ltrs_cuda_event_free(self.raw) }
    }
}
