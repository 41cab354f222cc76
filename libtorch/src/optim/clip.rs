//! Gradient clipping (`torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`).
use crate::nn::functional::named;
use crate::nn::ops;
use crate::{Result, Tensor};

/// Scales the gradients of `params` so that their joint `norm_type`-norm is at most `max_norm`
/// (coefficient `max_norm / (total + 1e-6)`, clamped to 1); returns the total norm before
/// clipping. `norm_type` may be `f64::INFINITY`.
///
/// ```
/// use libtorch::nn::{functional as F, Reduction};
/// use libtorch::optim::clip_grad_norm_;
/// use libtorch::Tensor;
/// let w = Tensor::from_slice(&[3.0f32, 4.0]).set_requires_grad(true);
/// let zero = Tensor::from_slice(&[0.0f32, 0.0]);
/// F::mse_loss_with(&w, &zero, Reduction::Sum, None).backward(); // grad = [6, 8], norm 10
/// let total = clip_grad_norm_(&[w.clone()], 5.0, 2.0).unwrap();
/// assert!((total - 10.0).abs() < 1e-5);
/// let g = w.grad().to_vec::<f32>().unwrap();
/// assert!((g[0] - 3.0).abs() < 1e-4 && (g[1] - 4.0).abs() < 1e-4);
/// ```
pub fn clip_grad_norm_(params: &[Tensor], max_norm: f64, norm_type: f64) -> Result<f64> {
    named(
        clip_grad_norm(params, max_norm, norm_type),
        "clip_grad_norm_",
    )
}

fn clip_grad_norm(params: &[Tensor], max_norm: f64, norm_type: f64) -> Result<f64> {
    let _g = crate::NoGradGuard::new();
    let grads: Vec<Tensor> = params
        .iter()
        .map(|p| p.f_grad())
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter(|g| g.defined())
        .collect();
    if grads.is_empty() {
        return Ok(0.0);
    }
    let norms = grads
        .iter()
        .map(|g| ops::norm(g, norm_type))
        .collect::<Result<Vec<_>>>()?;
    let total = ops::norm(&ops::stack(&norms, 0)?, norm_type)?;
    // clip_coef = max_norm / (total + 1e-6), clamped to 1 (a tensor: no host sync needed).
    let denom = ops::add_scalar(&total, 1e-6)?;
    let inv = denom.f_reciprocal()?;
    let coef = ops::clamp_max(&ops::mul_scalar(&inv, max_norm)?, 1.0)?;
    for g in &grads {
        let scaled = ops::mul(g, &coef)?;
        ops::copy_(g, &scaled)?;
    }
    total.item_as::<f64>()
}

/// Clamps every gradient of `params` to `[-clip_value, clip_value]`.
pub fn clip_grad_value_(params: &[Tensor], clip_value: f64) -> Result<()> {
    let _g = crate::NoGradGuard::new();
    for p in params {
        let g = named(p.f_grad(), "clip_grad_value_")?;
        if g.defined() {
            named(ops::clamp_(&g, -clip_value, clip_value), "clip_grad_value_")?;
        }
    }
    Ok(())
}
