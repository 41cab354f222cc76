//! Rejected calls return errors that name the problem, and the process carries on.
use libtorch::{Device, Kind, Tensor};

#[test]
fn a_missing_cuda_device_is_an_error() {
    // Device `cuda:N` with N the number of usable devices is missing on every machine: on a
    // CPU-only one (or a CPU build) N = 0 and libtorch has no CUDA backend to run on.
    let n = libtorch::cuda::device_count();
    let missing = Device::Cuda(n);
    let err = Tensor::f_zeros_opts(&[2], (Kind::Float, missing)).unwrap_err();
    let t = Tensor::from_slice(&[1.0f32]);
    let err2 = t.f_to_opts((Kind::Float, missing)).unwrap_err();
    for msg in [err.to_string(), err2.to_string()] {
        if n == 0 {
            assert!(msg.contains("CUDA"), "{msg}");
        } else {
            // What tests/cuda.rs saw on an H100 for a device index past the last.
            assert!(msg.to_lowercase().contains("device"), "{msg}");
        }
    }
    // Still working afterwards.
    assert_eq!((&t + 1.0f64).double_value(), 2.0);
}

#[test]
fn wrong_shapes() {
    let a = Tensor::zeros_opts(&[2, 3], (Kind::Float, Device::Cpu));
    let b = Tensor::zeros_opts(&[2, 4], (Kind::Float, Device::Cpu));
    let p = std::panic::catch_unwind(|| &a * &b).unwrap_err();
    let msg = p.downcast_ref::<String>().unwrap();
    assert!(msg.contains("must match the size of tensor b"), "{msg}");
    let err = Tensor::from_data(&[1.0f32, 2.0, 3.0], &[2, 2]).unwrap_err();
    assert!(err
        .to_string()
        .contains("3 elements do not fill a tensor of shape [2, 2]"));
}

#[test]
fn wrong_dtypes() {
    let f = Tensor::from_slice(&[1.0f32, 2.0]);
    let err = f.f_i(&f).unwrap_err();
    assert!(
        err.to_string()
            .contains("tensors used as indices must be long"),
        "{err}"
    );
    let err = Tensor::from_slice(&[1i64])
        .f_set_requires_grad(true)
        .unwrap_err();
    assert!(
        err.to_string().contains("Only Tensors of floating point"),
        "{err}"
    );
    let err = Tensor::f_arange_opts(0, 10, 1, (Kind::Bool, Device::Cpu)).unwrap_err();
    // PyTorch 2.11's torch.arange(0, 10, 1, dtype=torch.bool) says the same.
    assert_eq!(err.op(), "arange");
    assert_eq!(
        err.message().lines().next().unwrap(),
        "\"arange_cpu\" not implemented for 'Bool'",
        "{err}"
    );
}

#[test]
fn out_of_range_indices() {
    let t = Tensor::from_slice(&[1i64, 2, 3]);
    let err = t.f_i(3).unwrap_err();
    assert_eq!(err.op(), "index");
    assert!(
        err.message()
            .contains("index 3 is out of bounds for dimension 0 with size 3"),
        "{err}"
    );
}

#[test]
fn undefined_tensors() {
    let u = Tensor::default();
    assert!(u.f_i(0).is_err());
    assert!(u.f_grad().is_err());
    let p = std::panic::catch_unwind(|| &u + 1.0).unwrap_err();
    assert!(p.downcast_ref::<String>().unwrap().contains("undefined"));
}

#[test]
fn mismatched_devices() {
    // A meta tensor stands in for a second device on a CPU-only machine.
    let cpu = Tensor::from_slice(&[1.0f32, 2.0]);
    let meta = cpu.to(Device::Meta);
    let err = cpu.f_add(&meta).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("meta") && msg.contains("cpu"), "{msg}");
    // The CPU tensor is untouched and usable.
    assert_eq!(cpu.to_vec::<f32>().unwrap(), [1.0, 2.0]);
}

#[test]
fn errors_carry_the_callers_location() {
    let a = Tensor::from_slice(&[1.0f32, 2.0]);
    let line = line!() + 1;
    let err = a.f_reshape(&[3]).unwrap_err();
    let at = err.location().expect("a libtorch error has a location");
    assert_eq!((at.file(), at.line()), (file!(), line));
    assert!(format!("{err:?}").contains("errors.rs"), "{err:?}");
    // The hand-written fallible forms pass it on too.
    let line = line!() + 1;
    let err = Tensor::f_zeros_opts(&[-1], (Kind::Float, Device::Cpu)).unwrap_err();
    assert_eq!(err.location().unwrap().line(), line);
    // Errors raised on the Rust side before any libtorch call have none.
    let err = Tensor::from_data(&[1.0f32], &[2]).unwrap_err();
    assert!(err.location().is_none());
}
