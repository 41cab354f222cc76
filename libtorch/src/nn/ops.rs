//! Small tensor helpers used by `nn` and `optim`, each one call of a generated method (so every
//! argument check of that method applies), taking `&Tensor` where the in-place methods take
//! `&mut` and `f64` where a `Scalar` is passed as a float. Crate-internal: users call the
//! generated methods directly.
#![allow(dead_code)]
use crate::{Kind, Result, Scalar, Tensor};

/// A scalar that keeps integral values integral, so in-place updates of integer tensors
/// (e.g. BatchNorm's `num_batches_tracked`) stay legal.
fn num(v: f64) -> Scalar {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Scalar::Int(v as i64)
    } else {
        Scalar::Float(v)
    }
}

/// A second handle to `t`, for the generated in-place methods (they take `&mut`); the
/// update lands in the tensor every handle shares.
fn handle(t: &Tensor) -> Tensor {
    t.shallow_clone()
}

pub(crate) fn empty(size: &[i64]) -> Result<Tensor> {
    Tensor::f_empty_memory_format(size)
}
pub(crate) fn zeros(size: &[i64]) -> Result<Tensor> {
    Tensor::f_zeros(size)
}
pub(crate) fn ones(size: &[i64]) -> Result<Tensor> {
    Tensor::f_ones(size)
}
pub(crate) fn zeros_like(t: &Tensor) -> Result<Tensor> {
    t.f_zeros_like()
}
pub(crate) fn full(size: &[i64], v: f64, kind: Kind) -> Result<Tensor> {
    Tensor::f_full_with(size, v, Some(kind), None, None, None)
}
pub(crate) fn uniform_(t: &Tensor, lo: f64, hi: f64) -> Result<()> {
    handle(t).f_uniform__with(lo, hi, None).map(drop)
}
pub(crate) fn normal_(t: &Tensor, mean: f64, std: f64) -> Result<()> {
    handle(t).f_normal__with(mean, std, None).map(drop)
}
pub(crate) fn fill_(t: &Tensor, v: f64) -> Result<()> {
    handle(t).f_fill_scalar_(num(v)).map(drop)
}
pub(crate) fn zero_(t: &Tensor) -> Result<()> {
    handle(t).f_zero_().map(drop)
}
pub(crate) fn copy_(dst: &Tensor, src: &Tensor) -> Result<()> {
    handle(dst).f_copy_(src).map(drop)
}
pub(crate) fn requires_grad_(t: &Tensor, on: bool) -> Result<()> {
    handle(t).f_requires_grad__with(on).map(drop)
}
pub(crate) fn detach(t: &Tensor) -> Result<Tensor> {
    t.f_detach()
}
pub(crate) fn deep_clone(t: &Tensor) -> Result<Tensor> {
    t.f_deep_clone()
}
pub(crate) fn set_data(t: &Tensor, data: &Tensor) -> Result<()> {
    handle(t).f_set_data(data)
}
pub(crate) fn add(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    a.f_add(b)
}
pub(crate) fn sub(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    a.f_sub(b)
}
pub(crate) fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    a.f_mul(b)
}
pub(crate) fn div(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    a.f_div(b)
}
pub(crate) fn add_scalar(a: &Tensor, s: f64) -> Result<Tensor> {
    a.f_add_scalar(s)
}
pub(crate) fn mul_scalar(a: &Tensor, s: f64) -> Result<Tensor> {
    a.f_mul_scalar(s)
}
pub(crate) fn div_scalar(a: &Tensor, s: f64) -> Result<Tensor> {
    a.f_div_scalar(s)
}
/// `a += alpha * b`
pub(crate) fn add_(a: &Tensor, b: &Tensor, alpha: f64) -> Result<()> {
    handle(a).f_add__with(b, num(alpha)).map(drop)
}
pub(crate) fn add_scalar_(a: &Tensor, s: f64) -> Result<()> {
    handle(a).f_add_scalar_(num(s)).map(drop)
}
pub(crate) fn mul_(a: &Tensor, s: f64) -> Result<()> {
    handle(a).f_mul_scalar_(num(s)).map(drop)
}
/// `a += value * t1 * t2`
pub(crate) fn addcmul_(a: &Tensor, t1: &Tensor, t2: &Tensor, value: f64) -> Result<()> {
    handle(a).f_addcmul__with(t1, t2, num(value)).map(drop)
}
/// `a += value * t1 / t2`
pub(crate) fn addcdiv_(a: &Tensor, t1: &Tensor, t2: &Tensor, value: f64) -> Result<()> {
    handle(a).f_addcdiv__with(t1, t2, num(value)).map(drop)
}
pub(crate) fn sqrt(a: &Tensor) -> Result<Tensor> {
    a.f_sqrt()
}
pub(crate) fn maximum(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    a.f_maximum(b)
}
pub(crate) fn clamp_(a: &Tensor, lo: f64, hi: f64) -> Result<()> {
    handle(a)
        .f_clamp__with(Some(Scalar::Float(lo)), Some(Scalar::Float(hi)))
        .map(drop)
}
pub(crate) fn clamp_max(a: &Tensor, hi: f64) -> Result<Tensor> {
    a.f_clamp_max(hi)
}
pub(crate) fn norm(a: &Tensor, p: f64) -> Result<Tensor> {
    a.f_norm_scalar_with(p)
}
pub(crate) fn stack(ts: &[Tensor], dim: i64) -> Result<Tensor> {
    Tensor::f_stack_with(ts, dim)
}
pub(crate) fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    a.f_matmul(b)
}
pub(crate) fn reshape(a: &Tensor, shape: &[i64]) -> Result<Tensor> {
    a.f_reshape(shape)
}
pub(crate) fn transpose(a: &Tensor, d0: i64, d1: i64) -> Result<Tensor> {
    a.f_transpose_int(d0, d1)
}
pub(crate) fn mean_dim(a: &Tensor, dim: i64, keepdim: bool) -> Result<Tensor> {
    a.f_mean_dim_with(dim, keepdim, None)
}
pub(crate) fn to_kind(a: &Tensor, kind: Kind) -> Result<Tensor> {
    a.f_to_dtype(kind)
}
/// `a + alpha * b`
pub(crate) fn add_alpha(a: &Tensor, b: &Tensor, alpha: f64) -> Result<Tensor> {
    a.f_add_with(b, alpha)
}
