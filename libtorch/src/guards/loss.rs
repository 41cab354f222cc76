//! Checks for the loss kernels.
use super::fail;
use crate::{Kind, Result, Tensor};

/// `smooth_l1_loss_backward` computes in the common dtype of its three inputs, and its
/// vectorized kernel divides by `beta` converted to that dtype on every element (all branches
/// are evaluated, then blended): with an integer common dtype, any `0 <= beta < 1` truncates to
/// 0 and divides by zero (SIGFPE: seed 133 with beta 0.5; seed 1003 at 400 calls per op with
/// beta 0 and a float `grad_input`, which the integer result is only cast into). The common
/// dtype is an integer one when no input is floating or complex and one is a non-bool integer.
pub(crate) fn smooth_l1_integer_beta(
    op: &'static str,
    inputs: [&Tensor; 3],
    beta: f64,
) -> Result<()> {
    if !(0.0..1.0).contains(&beta) {
        return Ok(()); // a negative beta is refused by libtorch; 1 and more do not truncate to 0
    }
    let mut kinds = Vec::with_capacity(3);
    for t in inputs.iter().filter(|t| t.defined()) {
        kinds.push(t.f_kind()?);
    }
    if kinds
        .iter()
        .any(|k| k.is_floating_point() || k.is_complex())
        || kinds.iter().all(|&k| k == Kind::Bool)
    {
        return Ok(());
    }
    Err(fail(
        op,
        format!(
            "beta ({beta}) truncates to 0 in the inputs' integer dtype, and the kernel divides by it"
        ),
    ))
}
