//! The one error type of the crate.
use libtorch_sys as sys;
use std::ffi::CStr;
use std::panic::Location;

/// What went wrong in a libtorch call: libtorch's own message (without the C++ backtrace), the
/// operator that raised it, and where the Rust caller was, when that was cheap to know.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// libtorch rejected the call (a C++ exception, caught at the FFI boundary).
    #[error("{op}: {message}")]
    Torch {
        /// The operator, e.g. `add` or `matmul`.
        op: &'static str,
        /// libtorch's message, without the C++ backtrace.
        message: String,
        /// libtorch's full message, with the C++ backtrace when backtraces are on
        /// ([`set_cpp_backtraces`]).
        full_message: String,
        /// Where the Rust caller of the failing call was (see [`Error::location`]).
        location: &'static Location<'static>,
    },
    /// The arguments were rejected on the Rust side before calling libtorch.
    #[error("{op}: {message}")]
    InvalidArgument {
        /// The function that rejected them.
        op: &'static str,
        /// What was wrong.
        message: String,
    },
    /// A panic inside Rust code that libtorch called back (a custom autograd function, a hook).
    #[error("{op}: a Rust callback panicked: {message}")]
    CallbackPanic {
        /// The callback's owner.
        op: &'static str,
        /// The panic payload, when it was a string.
        message: String,
    },
    /// Reading or preparing data failed: an unreadable, truncated or corrupted file, or a
    /// data-loader worker that panicked.
    #[error("{op}: {message}")]
    Data {
        /// The reader or loader that failed, e.g. `idx::read`.
        op: &'static str,
        /// What was wrong, naming the file where there is one.
        message: String,
    },
}

/// Turns the capture of a C++ backtrace in libtorch's errors on or off, for the whole process.
///
/// Off by default, or on when the environment variable `LTRS_CPP_BACKTRACE` is set (to anything
/// but `0`) as the program starts: capturing and symbolizing a backtrace costs about a
/// millisecond per error, which dominates code that probes with failing calls. With it on,
/// [`Error::full_message`] carries the backtrace (`frame #0: ...` lines). Call it before
/// starting threads that use libtorch: libtorch swaps the setting without a lock.
///
/// ```
/// use libtorch::Tensor;
/// let a = Tensor::from_slice(&[1.0f32, 2.0]).reshape(&[1, 2]);
/// let b = Tensor::from_slice(&[1.0f32, 2.0, 3.0]).reshape(&[3, 1]);
/// let err = a.f_matmul(&b).unwrap_err();
/// assert!(err.message().contains("(1x2 and 3x1)"));
/// assert!(!err.full_message().contains("frame #")); // no backtrace by default
/// ```
pub fn set_cpp_backtraces(on: bool) {
    // SAFETY: plain value argument; the shim only swaps c10's stack-trace fetcher.
    unsafe { sys::ltrs_set_cpp_backtraces(on) }
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// libtorch's message (or ours, for errors raised on the Rust side).
    pub fn message(&self) -> &str {
        match self {
            Error::Torch { message, .. }
            | Error::InvalidArgument { message, .. }
            | Error::CallbackPanic { message, .. }
            | Error::Data { message, .. } => message,
        }
    }

    /// The operator or function that failed.
    pub fn op(&self) -> &'static str {
        match self {
            Error::Torch { op, .. }
            | Error::InvalidArgument { op, .. }
            | Error::CallbackPanic { op, .. }
            | Error::Data { op, .. } => op,
        }
    }

    /// For an error libtorch raised, the caller's source location: the line of user code that
    /// made the failing call (every generated operator and fallible method passes its caller's
    /// location down, at the cost of one pointer argument).
    ///
    /// ```
    /// use libtorch::Tensor;
    /// let a = Tensor::from_slice(&[1.0f32, 2.0]);
    /// let err = a.f_matmul(&Tensor::from_slice(&[1.0f32])).unwrap_err();
    /// let here = err.location().unwrap();
    /// assert_eq!((here.file(), here.line()), (file!(), line!() - 2));
    /// ```
    pub fn location(&self) -> Option<&'static Location<'static>> {
        match self {
            Error::Torch { location, .. } => Some(location),
            _ => None,
        }
    }

    /// The message as libtorch formats it: with where in libtorch the error was raised and, when
    /// backtraces were on ([`set_cpp_backtraces`]) as it was raised, the C++ backtrace.
    pub fn full_message(&self) -> &str {
        match self {
            Error::Torch { full_message, .. } => full_message,
            other => other.message(),
        }
    }

    pub(crate) fn data(op: &'static str, message: impl Into<String>) -> Error {
        Error::Data {
            op,
            message: message.into(),
        }
    }

    pub(crate) fn invalid(op: &'static str, message: impl Into<String>) -> Error {
        Error::InvalidArgument {
            op,
            message: message.into(),
        }
    }
}

/// Turns a shim's returned error pointer into a `Result`, freeing the error.
///
/// # Safety
/// `err` must be null or an error returned by a libtorch-sys function and not yet freed.
#[inline]
#[track_caller]
pub unsafe fn check(err: *mut sys::ltrs_error, op: &'static str) -> Result<()> {
    if err.is_null() {
        return Ok(());
    }
    Err(take(err, op, Location::caller()))
}

#[cold]
unsafe fn take(
    err: *mut sys::ltrs_error,
    op: &'static str,
    location: &'static Location<'static>,
) -> Error {
    // SAFETY: the caller guarantees `err` is a live error; both strings are copied before it is
    // freed, exactly once, here.
    unsafe {
        let message = CStr::from_ptr(sys::ltrs_error_message(err))
            .to_string_lossy()
            .into_owned();
        let full_message = CStr::from_ptr(sys::ltrs_error_full_message(err))
            .to_string_lossy()
            .into_owned();
        sys::ltrs_error_free(err);
        if let Some(panic) = crate::callback::recognise_panic(op, &message) {
            return panic;
        }
        Error::Torch {
            op,
            message: plain_message(message.trim_end()),
            full_message,
            location,
        }
    }
}

/// libtorch's message in one sentence a user can act on, where libtorch speaks to its own
/// developers: the dispatcher's list of every backend key when an operator has no kernel for a
/// tensor's backend (a CUDA tensor in a CPU-only build), and "INTERNAL ASSERT FAILED ... please
/// report a bug to PyTorch" for arguments that reach an internal check. The original text stays
/// in [`Error::full_message`].
fn plain_message(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("Could not run '") {
        if let Some((op, rest)) = rest.split_once("' with arguments from the '") {
            if let Some((backend, _)) = rest.split_once("' backend") {
                let why = if backend == "CUDA" && !crate::cuda::built_with_cuda() {
                    " (this program was built without the `cuda` feature)".to_owned()
                } else if backend == "CUDA" {
                    " (is a CUDA device present?)".to_owned()
                } else {
                    String::new()
                };
                return format!("`{op}` cannot run on {backend} tensors{why}");
            }
        }
    }
    if let Some(rest) = message.strip_prefix("Unknown device: ") {
        let code = rest.split('.').next().unwrap_or(rest);
        return format!("unknown device type {code}");
    }
    if message.contains("Device index must be -1 or non-negative, got -2") {
        // What `Device::to_ffi` sends for an index past i16::MAX.
        return "a device index outside -1..=32767".to_owned();
    }
    if let Some(at) = message.find(" INTERNAL ASSERT FAILED at ") {
        let condition = &message[..at];
        let detail = message
            .split_once("please report a bug to PyTorch.")
            .map(|(_, d)| d.trim())
            .filter(|d| !d.is_empty())
            .unwrap_or(condition);
        return format!(
            "libtorch rejected the arguments: {detail} (an internal check of libtorch that \
             these arguments reach; the full text is in `full_message`)"
        );
    }
    message.to_owned()
}

/// The panicking form of every fallible call: panics with the error's message, at the caller.
#[inline]
#[track_caller]
pub fn unwrap<T>(r: Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => fail(e),
    }
}

#[cold]
#[track_caller]
fn fail(e: Error) -> ! {
    panic!("{e}")
}
