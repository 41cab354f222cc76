//! `ReduceOp` and the `Work` handle of an asynchronous collective.
use super::store::millis;
use crate::error::{check, Result};
use crate::Tensor;
use libtorch_sys::dist as raw;
use std::time::Duration;

/// `torch.distributed.ReduceOp`: how collectives combine the ranks' values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReduceOp {
    /// Elementwise sum (the default).
    #[default]
    Sum,
    /// Elementwise mean over the ranks. Gloo has no native average (PyTorch refuses `AVG` with
    /// Gloo): this sums, then divides the result by the world size, so it needs a floating-point
    /// or complex tensor. The division happens in [`Work::wait`]: wait on an async average
    /// before reading it. Not available for `reduce`.
    Avg,
    /// Elementwise product.
    Product,
    /// Elementwise minimum.
    Min,
    /// Elementwise maximum.
    Max,
}

impl ReduceOp {
    /// The op Gloo runs (AVG runs as SUM, then a division).
    pub(super) fn code(self) -> i32 {
        match self {
            ReduceOp::Sum | ReduceOp::Avg => raw::LTRS_REDUCE_SUM,
            ReduceOp::Product => raw::LTRS_REDUCE_PRODUCT,
            ReduceOp::Min => raw::LTRS_REDUCE_MIN,
            ReduceOp::Max => raw::LTRS_REDUCE_MAX,
        }
    }
}

/// A handle to a collective started with `async_op=True` (the `_async` forms, `isend`,
/// `irecv`): `wait` for it before reading its outputs. Dropping it without waiting lets the
/// operation finish in the background (its tensors stay alive until then), as in PyTorch.
pub struct Work {
    raw: *mut raw::ltrs_work,
    /// The group's timeout: the bound of [`Work::wait`].
    timeout_ms: i64,
    /// For [`ReduceOp::Avg`]: the summed tensor and the world size, divided once the sum arrived.
    average: Option<(Tensor, i64)>,
    op: &'static str,
}

// SAFETY: a c10d Work is shared between the caller and the backend's worker threads by design
// (an intrusive pointer with an atomic count, its state under its own mutex); the Tensor inside is
// Send.
unsafe impl Send for Work {}

impl Drop for Work {
    fn drop(&mut self) {
        // SAFETY: `raw` is an owned handle freed exactly once, here.
        unsafe { raw::ltrs_work_free(self.raw) }
    }
}

impl Work {
    pub(super) fn new(
        raw: *mut raw::ltrs_work,
        timeout_ms: i64,
        average: Option<(Tensor, i64)>,
        op: &'static str,
    ) -> Work {
        Work {
            raw,
            timeout_ms,
            average,
            op,
        }
    }

    /// `work.wait()`: blocks until the operation completed, at most the group's timeout; fails
    /// with the operation's error (a peer that died or timed out, mismatched arguments) or when
    /// the time ran out.
    pub fn wait(mut self) -> Result<()> {
        let ms = self.timeout_ms;
        self.wait_raw(ms)
    }

    /// `work.wait(timeout)`.
    pub fn wait_timeout(mut self, timeout: Duration) -> Result<()> {
        let ms = millis(timeout, self.op)?;
        self.wait_raw(ms)
    }

    fn wait_raw(&mut self, ms: i64) -> Result<()> {
        // SAFETY: live handle, plain value.
        unsafe { check(raw::ltrs_work_wait(self.raw, ms), self.op)? };
        if let Some((mut t, n)) = self.average.take() {
            t.f_div_scalar_(n).map_err(|e| e.in_call(self.op))?;
        }
        Ok(())
    }

    /// `work.is_completed()`: whether the operation finished (successfully or not), without
    /// blocking. For [`ReduceOp::Avg`] the division happens in [`Work::wait`].
    pub fn is_completed(&self) -> Result<bool> {
        let mut out = false;
        // SAFETY: live handle, valid out-pointer.
        unsafe { check(raw::ltrs_work_is_completed(self.raw, &mut out), self.op)? };
        Ok(out)
    }
}
