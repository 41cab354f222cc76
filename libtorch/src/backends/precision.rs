//! `torch.set_float32_matmul_precision`: how precise float32 matrix products must be.
use crate::error::{check, unwrap, Error, Result};
use libtorch_sys::cuda_ctl as ctl;

const NAMES: [&str; 3] = ["highest", "high", "medium"];

/// Sets the internal precision of float32 matrix products
/// (`torch.set_float32_matmul_precision(precision)`): `"highest"` (the default: full float32),
/// `"high"` (TensorFloat-32 allowed on CUDA, the same switch as
/// [`crate::backends::cuda::matmul::set_allow_tf32`]), or `"medium"` (bfloat16 allowed too).
/// An error for any other string (PyTorch warns and changes nothing).
///
/// ```
/// use libtorch::{get_float32_matmul_precision, set_float32_matmul_precision};
/// let before = get_float32_matmul_precision();
/// set_float32_matmul_precision("high").unwrap();
/// assert_eq!(get_float32_matmul_precision(), "high");
/// assert!(set_float32_matmul_precision("low").is_err());
/// set_float32_matmul_precision(before).unwrap();
/// ```
#[track_caller]
pub fn set_float32_matmul_precision(precision: &str) -> Result<()> {
    let Some(code) = NAMES.iter().position(|&n| n == precision) else {
        return Err(Error::invalid(
            "set_float32_matmul_precision",
            format!("precision must be \"highest\", \"high\" or \"medium\", got {precision:?}"),
        ));
    };
    // SAFETY: a plain value argument; the shim catches every C++ exception.
    unsafe {
        check(
            ctl::ltrs_set_float32_matmul_precision(code as i32),
            "set_float32_matmul_precision",
        )
    }
}

/// The current precision of float32 matrix products: `"highest"`, `"high"` or `"medium"`
/// (`torch.get_float32_matmul_precision()`).
#[track_caller]
pub fn get_float32_matmul_precision() -> &'static str {
    let mut code = 0i32;
    // SAFETY: valid out-pointer; the shim catches every C++ exception.
    unwrap(unsafe {
        check(
            ctl::ltrs_get_float32_matmul_precision(&mut code),
            "get_float32_matmul_precision",
        )
    });
    NAMES.get(code as usize).copied().unwrap_or("highest")
}
