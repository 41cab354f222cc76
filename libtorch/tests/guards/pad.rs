//! Guards of the pad family (libtorch/src/guards/).

use crate::common::{ones, rejected, t, vals};
use libtorch::Tensor;

#[test]
fn reflection_pad1d_backward_rejects_empty_padding_and_other_batch() {
    let x = ones(&[2, 3, 5]);
    let m = rejected(
        Tensor::f_reflection_pad1d_backward(&ones(&[2, 3, 5]), &x, &[]),
        "aten::reflection_pad1d_backward",
        "padding",
    );
    assert_eq!(
        m,
        "padding must have 2 elements, got 0 (libtorch 2.11 would crash)"
    );
    // grad_output's batch differs from self's: the kernel would read past grad_output's end.
    rejected(
        Tensor::f_reflection_pad1d_backward(&ones(&[1, 3, 7]), &x, &[1, 1]),
        "aten::reflection_pad1d_backward",
        "grad_output",
    );
    rejected(
        Tensor::f_reflection_pad1d_backward(&ones(&[7]), &ones(&[5]), &[1, 1]),
        "aten::reflection_pad1d_backward",
        "self",
    );
    let mut out = Tensor::zeros(&[0]);
    rejected(
        Tensor::f_reflection_pad1d_backward_grad_input(&ones(&[2, 3, 5]), &x, &[1], &mut out),
        "aten::reflection_pad1d_backward.grad_input",
        "padding",
    );
}

#[test]
fn reflection_pad1d_backward_valid_call_sums_reflected_gradients() {
    // Width 4 padded by (1, 2): out = [x1, x0, x1, x2, x3, x2, x1].
    let x = t(&[0.0; 8], &[1, 2, 4]);
    let g = ones(&[1, 2, 7]);
    let gi = Tensor::f_reflection_pad1d_backward(&g, &x, &[1, 2]).unwrap();
    assert_eq!(gi.size(), [1, 2, 4]);
    assert_eq!(vals(&gi), [1.0, 3.0, 2.0, 1.0, 1.0, 3.0, 2.0, 1.0]);
    let mut out = Tensor::zeros(&[0]);
    Tensor::f_reflection_pad1d_backward_grad_input(&g, &x, &[1, 2], &mut out).unwrap();
    assert_eq!(vals(&out), vals(&gi));
}

#[test]
fn reflection_pad2d_backward_rejects_short_padding_and_other_channels() {
    let x = ones(&[1, 2, 3, 3]);
    rejected(
        Tensor::f_reflection_pad2d_backward(&ones(&[1, 2, 5, 5]), &x, &[1, 1, 1]),
        "aten::reflection_pad2d_backward",
        "padding",
    );
    rejected(
        Tensor::f_reflection_pad2d_backward(&ones(&[1, 3, 5, 5]), &x, &[1, 1, 1, 1]),
        "aten::reflection_pad2d_backward",
        "grad_output",
    );
    let gi = Tensor::f_reflection_pad2d_backward(&ones(&[1, 2, 5, 5]), &x, &[1, 1, 1, 1]).unwrap();
    assert_eq!(gi.size(), [1, 2, 3, 3]);
    // Every one of the 25 output gradients lands on one input element.
    assert_eq!(gi.sum().to_vec::<f32>().unwrap(), [50.0]);
}

#[test]
fn reflection_pad3d_rejects_empty_padding_and_pads_valid_input() {
    let x = ones(&[1, 1, 2, 2, 2]);
    rejected(
        x.f_reflection_pad3d(&[]),
        "aten::reflection_pad3d",
        "padding",
    );
    let y = x.f_reflection_pad3d(&[1, 1, 1, 1, 1, 1]).unwrap();
    assert_eq!(y.size(), [1, 1, 4, 4, 4]);
    assert_eq!(vals(&y), vec![1.0; 64]);
}
