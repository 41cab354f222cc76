//! `torch.use_deterministic_algorithms`: make every operator choose a deterministic algorithm,
//! or fail.
use super::{get, set};
use crate::error::{check, unwrap};
use libtorch_sys::cuda_ctl::{self as ctl, flag};

/// Makes operators use deterministic algorithms where they have one, and fail (with an error
/// naming the operator) where they have none (`torch.use_deterministic_algorithms(mode)`).
/// Also makes cuDNN choose deterministic algorithms and, as in PyTorch, fills the memory of
/// tensors made uninitialized (`empty`) with NaN or the largest integer; see
/// [`use_deterministic_algorithms_with`] for the `warn_only` form.
///
/// ```
/// use libtorch::{are_deterministic_algorithms_enabled, use_deterministic_algorithms};
/// let before = are_deterministic_algorithms_enabled();
/// use_deterministic_algorithms(true);
/// assert!(are_deterministic_algorithms_enabled());
/// use_deterministic_algorithms(before);
/// ```
#[track_caller]
pub fn use_deterministic_algorithms(mode: bool) {
    use_deterministic_algorithms_with(mode, false)
}

/// [`use_deterministic_algorithms`] with PyTorch's keyword argument:
/// `torch.use_deterministic_algorithms(mode, warn_only=warn_only)`. With `warn_only`, an
/// operator without a deterministic algorithm warns instead of failing.
#[track_caller]
pub fn use_deterministic_algorithms_with(mode: bool, warn_only: bool) {
    // SAFETY: plain value arguments; the shim catches every C++ exception.
    unwrap(unsafe {
        check(
            ctl::ltrs_set_deterministic_algorithms(mode, warn_only),
            "use_deterministic_algorithms",
        )
    })
}

/// Whether [`use_deterministic_algorithms`] is on
/// (`torch.are_deterministic_algorithms_enabled()`).
#[track_caller]
pub fn are_deterministic_algorithms_enabled() -> bool {
    get(
        flag::DETERMINISTIC_ALGORITHMS,
        "are_deterministic_algorithms_enabled",
    )
}

/// Whether it is on in its warn-only form
/// (`torch.is_deterministic_algorithms_warn_only_enabled()`).
#[track_caller]
pub fn is_deterministic_algorithms_warn_only_enabled() -> bool {
    get(
        flag::DETERMINISTIC_WARN_ONLY,
        "is_deterministic_algorithms_warn_only_enabled",
    )
}

/// Whether, with [`use_deterministic_algorithms`] on, tensors made without initial values
/// (`empty`, `empty_like`, ...) are filled with NaN (or the largest integer)
/// (`torch.utils.deterministic.fill_uninitialized_memory`; default true).
#[track_caller]
pub fn fill_uninitialized_memory() -> bool {
    get(
        flag::DETERMINISTIC_FILL_UNINITIALIZED,
        "fill_uninitialized_memory",
    )
}

/// Sets [`fill_uninitialized_memory`]
/// (`torch.utils.deterministic.fill_uninitialized_memory = on`).
#[track_caller]
pub fn set_fill_uninitialized_memory(on: bool) {
    set(
        flag::DETERMINISTIC_FILL_UNINITIALIZED,
        on,
        "set_fill_uninitialized_memory",
    )
}
