//! Helpers shared by the guard tests.

use libtorch::{Error, Kind, Result, Tensor};

/// `r` is the guard's error: InvalidArgument, for `op`, naming `arg`.
#[track_caller]
pub(crate) fn rejected<T>(r: Result<T>, op: &str, arg: &str) -> String {
    match r {
        Err(Error::InvalidArgument { op: o, message }) => {
            assert_eq!(o, op);
            assert!(
                message.contains(arg) && message.ends_with("(libtorch 2.11 would crash)"),
                "{message}"
            );
            message
        }
        Err(e) => panic!("expected the guard's InvalidArgument naming `{arg}`, got {e:?}"),
        Ok(_) => panic!("expected the guard's InvalidArgument naming `{arg}`, got Ok"),
    }
}

pub(crate) fn t(v: &[f32], shape: &[i64]) -> Tensor {
    Tensor::from_data(v, shape).unwrap()
}

pub(crate) fn ones(shape: &[i64]) -> Tensor {
    Tensor::ones(shape)
}

pub(crate) fn vals(t: &Tensor) -> Vec<f32> {
    t.to_vec::<f32>().unwrap()
}

pub(crate) fn close(got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-4, "{got:?} vs {want:?}");
    }
}

pub(crate) fn longs(v: &[i64], shape: &[i64]) -> Tensor {
    Tensor::from_data(v, shape).unwrap()
}

pub(crate) fn meta(shape: &[i64]) -> Tensor {
    ones(shape).f_to(libtorch::Device::Meta).unwrap()
}

/// One fused SGD step without momentum or weight decay, at lr 0.1.
pub(crate) fn fused_sgd(params: &mut [Tensor], grads: &mut [Tensor]) -> Result<()> {
    fused_sgd_scaled(params, grads, None)
}

/// [`fused_sgd`] with the gradients divided by `grad_scale`.
pub(crate) fn fused_sgd_scaled(
    params: &mut [Tensor],
    grads: &mut [Tensor],
    grad_scale: Option<&Tensor>,
) -> Result<()> {
    Tensor::f__fused_sgd__with(
        params,
        grads,
        &mut [],
        0.0,
        0.0,
        0.1,
        0.0,
        false,
        false,
        false,
        grad_scale,
        None,
    )
}

/// `n` one-element tensors holding `v`.
pub(crate) fn filled(n: usize, v: f32) -> Vec<Tensor> {
    (0..n).map(|_| t(&[v], &[1])).collect()
}

/// One fused SGD step with momentum 0.9 (first step: the buffer takes the gradient), at lr 0.1.
pub(crate) fn fused_sgd_momentum(
    params: &mut [Tensor],
    grads: &mut [Tensor],
    bufs: &mut [Tensor],
    grad_scale: Option<&Tensor>,
    found_inf: Option<&Tensor>,
) -> Result<()> {
    Tensor::f__fused_sgd__with(
        params, grads, bufs, 0.0, 0.9, 0.1, 0.0, false, false, true, grad_scale, found_inf,
    )
}

/// Integer tensor of the given values and shape.
pub(crate) fn ints(v: &[i64], shape: &[i64]) -> Tensor {
    Tensor::from_data(v, shape).unwrap()
}

pub(crate) fn onednn(t: &Tensor, kind: Kind) -> Tensor {
    t.to_dtype(kind).f_to_mkldnn().unwrap()
}

pub(crate) fn nested(parts: &[&[f32]]) -> Tensor {
    let parts: Vec<Tensor> = parts.iter().map(|p| t(p, &[p.len() as i64])).collect();
    Tensor::f__nested_tensor_from_tensor_list(&parts).unwrap()
}
