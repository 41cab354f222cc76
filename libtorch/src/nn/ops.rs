//! Small tensor helpers used by `nn` and `optim`, each one ATen operator through the
//! generated methods. Crate-internal: users call the generated methods directly.
#![allow(dead_code)]
use super::dispatch::{call1, Arg};
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
    call1("aten::empty.memory_format", &[Arg::Ints(size)])
}
pub(crate) fn zeros(size: &[i64]) -> Result<Tensor> {
    call1("aten::zeros", &[Arg::Ints(size)])
}
pub(crate) fn ones(size: &[i64]) -> Result<Tensor> {
    call1("aten::ones", &[Arg::Ints(size)])
}
pub(crate) fn zeros_like(t: &Tensor) -> Result<Tensor> {
    call1("aten::zeros_like", &[Arg::T(t)])
}
pub(crate) fn full(size: &[i64], v: f64, kind: Kind) -> Result<Tensor> {
    call1(
        "aten::full",
        &[Arg::Ints(size), Arg::F(v), Arg::I(kind.to_ffi() as i64)],
    )
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
    call1("aten::detach", &[Arg::T(t)])
}
pub(crate) fn deep_clone(t: &Tensor) -> Result<Tensor> {
    call1("aten::clone", &[Arg::T(t)])
}
pub(crate) fn set_data(t: &Tensor, data: &Tensor) -> Result<()> {
    handle(t).f_set_data(data)
}
pub(crate) fn add(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    call1("aten::add.Tensor", &[Arg::T(a), Arg::T(b)])
}
pub(crate) fn sub(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    call1("aten::sub.Tensor", &[Arg::T(a), Arg::T(b)])
}
pub(crate) fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    call1("aten::mul.Tensor", &[Arg::T(a), Arg::T(b)])
}
pub(crate) fn div(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    call1("aten::div.Tensor", &[Arg::T(a), Arg::T(b)])
}
pub(crate) fn add_scalar(a: &Tensor, s: f64) -> Result<Tensor> {
    call1("aten::add.Scalar", &[Arg::T(a), Arg::F(s)])
}
pub(crate) fn mul_scalar(a: &Tensor, s: f64) -> Result<Tensor> {
    call1("aten::mul.Scalar", &[Arg::T(a), Arg::F(s)])
}
pub(crate) fn div_scalar(a: &Tensor, s: f64) -> Result<Tensor> {
    call1("aten::div.Scalar", &[Arg::T(a), Arg::F(s)])
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
    call1("aten::sqrt", &[Arg::T(a)])
}
pub(crate) fn maximum(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    call1("aten::maximum", &[Arg::T(a), Arg::T(b)])
}
pub(crate) fn clamp_(a: &Tensor, lo: f64, hi: f64) -> Result<()> {
    handle(a)
        .f_clamp__with(Some(Scalar::Float(lo)), Some(Scalar::Float(hi)))
        .map(drop)
}
pub(crate) fn clamp_max(a: &Tensor, hi: f64) -> Result<Tensor> {
    call1("aten::clamp_max", &[Arg::T(a), Arg::F(hi)])
}
pub(crate) fn norm(a: &Tensor, p: f64) -> Result<Tensor> {
    call1("aten::norm.Scalar", &[Arg::T(a), Arg::F(p)])
}
pub(crate) fn stack(ts: &[Tensor], dim: i64) -> Result<Tensor> {
    call1("aten::stack", &[Arg::Ts(ts), Arg::I(dim)])
}
pub(crate) fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    call1("aten::matmul", &[Arg::T(a), Arg::T(b)])
}
pub(crate) fn reshape(a: &Tensor, shape: &[i64]) -> Result<Tensor> {
    call1("aten::reshape", &[Arg::T(a), Arg::Ints(shape)])
}
pub(crate) fn transpose(a: &Tensor, d0: i64, d1: i64) -> Result<Tensor> {
    call1("aten::transpose.int", &[Arg::T(a), Arg::I(d0), Arg::I(d1)])
}
pub(crate) fn mean_dim(a: &Tensor, dim: i64, keepdim: bool) -> Result<Tensor> {
    call1(
        "aten::mean.dim",
        &[Arg::T(a), Arg::Ints(&[dim]), Arg::B(keepdim)],
    )
}
pub(crate) fn to_kind(a: &Tensor, kind: Kind) -> Result<Tensor> {
    a.f_to_dtype(kind)
}
/// `a + alpha * b`
pub(crate) fn add_alpha(a: &Tensor, b: &Tensor, alpha: f64) -> Result<Tensor> {
    call1("aten::add.Tensor", &[Arg::T(a), Arg::T(b), Arg::F(alpha)])
}
