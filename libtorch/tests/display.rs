//! Printing, against PyTorch's own `repr` output for the same tensors.
use libtorch::{Device, Kind, Tensor};

fn f32s(v: &[f32], shape: &[i64]) -> Tensor {
    Tensor::from_data(v, shape).unwrap()
}

#[test]
fn floats() {
    assert_eq!(
        f32s(&[1.0, 2.0, 3.0, 4.0], &[2, 2]).to_string(),
        "tensor([[1., 2.],\n        [3., 4.]])"
    );
    assert_eq!(
        f32s(&[1.5, 2.0], &[2]).to_string(),
        "tensor([1.5000, 2.0000])"
    );
    assert_eq!(f32s(&[1.0, 2.0], &[2]).to_string(), "tensor([1., 2.])");
    assert_eq!(
        f32s(&[-1.5, 2.25], &[2]).to_string(),
        "tensor([-1.5000,  2.2500])"
    );
    assert_eq!(Tensor::scalar(3.5f32).to_string(), "tensor(3.5000)");
    assert_eq!(
        Tensor::from_slice(&[1.0f64, 2.0]).to_string(),
        "tensor([1., 2.], dtype=torch.float64)"
    );
    assert_eq!(
        f32s(&[1.0, f32::NAN], &[2]).to_string(),
        "tensor([1., nan])"
    );
    assert_eq!(
        f32s(&[1.0, f32::NEG_INFINITY, 0.5], &[3]).to_string(),
        "tensor([1.0000,   -inf, 0.5000])"
    );
}

#[test]
fn scientific_notation() {
    assert_eq!(
        f32s(&[1e-5, 1.0], &[2]).to_string(),
        "tensor([1.0000e-05, 1.0000e+00])"
    );
    assert_eq!(
        Tensor::from_slice(&[1.0f64, 123456789.0]).to_string(),
        "tensor([1.0000e+00, 1.2346e+08], dtype=torch.float64)"
    );
}

#[test]
fn integers_and_bools() {
    assert_eq!(
        Tensor::from_slice(&[1i64, 2, 3]).to_string(),
        "tensor([1, 2, 3])"
    );
    assert_eq!(
        Tensor::from_slice(&[1i32, 2, 3]).to_string(),
        "tensor([1, 2, 3], dtype=torch.int32)"
    );
    assert_eq!(
        Tensor::from_slice(&[1i64, -20, 300]).to_string(),
        "tensor([  1, -20, 300])"
    );
    assert_eq!(Tensor::scalar(7i64).to_string(), "tensor(7)");
    assert_eq!(
        Tensor::from_slice(&[true, false]).to_string(),
        "tensor([ True, False])"
    );
    assert_eq!(
        Tensor::from_slice(&[1u8, 2]).to_string(),
        "tensor([1, 2], dtype=torch.uint8)"
    );
}

#[test]
fn empty() {
    assert_eq!(
        Tensor::zeros_opts(&[0], (Kind::Float, Device::Cpu)).to_string(),
        "tensor([])"
    );
    assert_eq!(
        Tensor::zeros_opts(&[0, 3], (Kind::Float, Device::Cpu)).to_string(),
        "tensor([], size=(0, 3))"
    );
    assert_eq!(
        Tensor::zeros_opts(&[0], (Kind::Int64, Device::Cpu)).to_string(),
        "tensor([], dtype=torch.int64)"
    );
}

#[test]
fn autograd_suffixes() {
    let x = Tensor::from_slice(&[1.0f32, 2.0]).set_requires_grad(true);
    assert_eq!(x.to_string(), "tensor([1., 2.], requires_grad=True)");
    assert_eq!(
        (&x * 2.0f64).to_string(),
        "tensor([2., 4.], grad_fn=<MulBackward0>)"
    );
}

#[test]
fn line_wrapping() {
    let t = Tensor::arange_opts(0, 30, 1, (Kind::Float, Device::Cpu));
    assert_eq!(
        t.to_string(),
        "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n        \
         14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n        \
         28., 29.])"
    );
}

#[test]
fn summarization_beyond_1000_elements() {
    let t = Tensor::arange_opts(0, 2000, 1, (Kind::Int64, Device::Cpu));
    assert_eq!(
        t.to_string(),
        "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"
    );
    let z = Tensor::zeros_opts(&[100, 100], (Kind::Float, Device::Cpu));
    let row = "[0., 0., 0.,  ..., 0., 0., 0.]";
    let expected = format!(
        "tensor([{row},\n        {row},\n        {row},\n        ...,\n        {row},\n        {row},\n        {row}])"
    );
    assert_eq!(z.to_string(), expected);
    // Exactly 1000 elements are printed in full.
    let full = Tensor::zeros_opts(&[1000], (Kind::Int64, Device::Cpu)).to_string();
    assert!(!full.contains("..."));
    assert_eq!(full.matches('0').count(), 1000);
}

#[test]
fn three_dims() {
    let v: Vec<i64> = (0..8).collect();
    let t = Tensor::from_data(&v, &[2, 2, 2]).unwrap();
    assert_eq!(
        t.to_string(),
        "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])"
    );
}

#[test]
fn debug_shows_metadata() {
    let t = f32s(&[0.0; 6], &[2, 3]);
    assert_eq!(
        format!("{t:?}"),
        "Tensor { shape: [2, 3], dtype: float32, device: cpu }"
    );
    let x = Tensor::from_slice(&[1.0f64]).set_requires_grad(true);
    assert_eq!(
        format!("{x:?}"),
        "Tensor { shape: [1], dtype: float64, device: cpu, requires_grad: true }"
    );
    assert_eq!(format!("{:?}", Tensor::default()), "Tensor(undefined)");
    assert_eq!(Tensor::default().to_string(), "tensor(undefined)");
}

fn complex(re_im: &[f32], n: i64) -> Tensor {
    f32s(re_im, &[n, 2]).f_view_as_complex().unwrap()
}

#[test]
fn complex_values() {
    // PyTorch: torch.tensor([1+2j, -3.5-1j]) -> tensor([ 1.0000+2.j, -3.5000-1.j])
    assert_eq!(
        complex(&[1.0, 2.0, -3.5, -1.0], 2).to_string(),
        "tensor([ 1.0000+2.j, -3.5000-1.j])"
    );
    // torch.tensor([1+1j], dtype=torch.complex128) -> tensor([1.+1.j], dtype=torch.complex128)
    let c = complex(&[1.0, 1.0], 1).to_dtype(Kind::ComplexDouble);
    assert_eq!(c.to_string(), "tensor([1.+1.j], dtype=torch.complex128)");
    // torch.tensor(0.5-0.5j) -> tensor(0.5000-0.5000j)
    let z = complex(&[0.5, -0.5], 1).reshape(&[]);
    assert_eq!(z.to_string(), "tensor(0.5000-0.5000j)");
}

#[test]
fn every_tensor_form_prints_without_panicking() {
    // Debug shows the layout of a non-strided tensor, and a nested tensor has no single shape;
    // Display prints PyTorch's repr or says why it cannot.
    let dense = Tensor::from_data(&[1.0f32, 0.0, 0.0, 2.0], &[2, 2]).unwrap();
    let csr = dense.f_to_sparse_csr().unwrap();
    assert_eq!(
        format!("{csr:?}"),
        "Tensor { shape: [2, 2], dtype: float32, device: cpu, layout: SparseCsr }"
    );
    let nested =
        Tensor::f__nested_tensor_from_tensor_list(&[dense.shallow_clone(), dense.narrow(0, 0, 1)])
            .unwrap();
    assert_eq!(
        format!("{nested:?}"),
        "Tensor { shape: nested, dtype: float32, device: cpu }"
    );
    let quantized = dense.f_quantize_per_tensor(0.5, 0, Kind::QInt8).unwrap();
    assert_eq!(
        format!("{quantized:?}"),
        "Tensor { shape: [2, 2], dtype: qint8, device: cpu }"
    );
    let onednn = dense.f_to_mkldnn().unwrap();
    for t in [
        &dense.f_to_sparse().unwrap(),
        &csr,
        &nested,
        &quantized,
        &onednn,
    ] {
        let shown = format!("{t}");
        assert!(shown.starts_with("tensor("), "{shown}");
    }
}
