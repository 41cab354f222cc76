//! Factories with options, nested conversions, zero-copy views of Rust memory.
use libtorch::{Device, Kind, Tensor};

/// libtorch's default generator is global and `cargo test` runs this file's tests on parallel
/// threads: a test that seeds it and compares what it draws (or a layer's initial weights)
/// must not interleave with another test drawing from it. Every test here holds this lock.
fn global_rng() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

const CPU_F: (Kind, Device) = (Kind::Float, Device::Cpu);

#[test]
fn full_zeros_ones() {
    let _rng = global_rng();
    let z = Tensor::zeros_opts(&[2, 3], CPU_F);
    assert_eq!(z.size(), [2, 3]);
    assert_eq!(z.kind(), Kind::Float);
    assert_eq!(z.to_vec::<f32>().unwrap(), [0.0; 6]);
    let o = Tensor::ones_opts(&[4], (Kind::Int, Device::Cpu));
    assert_eq!(o.kind(), Kind::Int);
    assert_eq!(o.to_vec::<i32>().unwrap(), [1; 4]);
    let f = Tensor::full_opts(&[2], 2.5, (Kind::Double, Device::Cpu));
    assert_eq!(f.to_vec::<f64>().unwrap(), [2.5, 2.5]);
}

#[test]
fn ranges() {
    let _rng = global_rng();
    let a = Tensor::arange_opts(1, 10, 3, (Kind::Int64, Device::Cpu));
    assert_eq!(a.to_vec::<i64>().unwrap(), [1, 4, 7]);
    let b = Tensor::arange_opts(0.0, 1.0, 0.25, (Kind::Double, Device::Cpu));
    assert_eq!(b.to_vec::<f64>().unwrap(), [0.0, 0.25, 0.5, 0.75]);
    let l = Tensor::linspace_opts(-1.0, 1.0, 5, CPU_F);
    assert_eq!(l.to_vec::<f32>().unwrap(), [-1.0, -0.5, 0.0, 0.5, 1.0]);
    let e = Tensor::eye_opts(3, (Kind::Int64, Device::Cpu));
    let rows: Vec<Vec<i64>> = e.to_vec2().unwrap();
    for (i, row) in rows.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            assert_eq!(v, (i == j) as i64);
        }
    }
}

#[test]
fn random_factories() {
    let _rng = global_rng();
    libtorch::manual_seed(7);
    let r = Tensor::rand_opts(&[1000], CPU_F);
    let v = r.to_vec::<f32>().unwrap();
    assert!(v.iter().all(|&x| (0.0..1.0).contains(&x)));
    let mean = v.iter().sum::<f32>() / 1000.0;
    assert!((mean - 0.5).abs() < 0.05, "mean of U[0,1) samples: {mean}");
    let n = Tensor::randn_opts(&[2000], (Kind::Double, Device::Cpu));
    let v = n.to_vec::<f64>().unwrap();
    let mean = v.iter().sum::<f64>() / 2000.0;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / 2000.0;
    assert!(mean.abs() < 0.1 && (var - 1.0).abs() < 0.15, "{mean} {var}");
    let i = Tensor::randint_opts(3, 6, &[500], (Kind::Int64, Device::Cpu));
    let v = i.to_vec::<i64>().unwrap();
    assert!(v.iter().all(|x| (3..6).contains(x)));
    for k in 3..6 {
        assert!(v.contains(&k), "{k} never drawn in 500 samples");
    }
    // Same seed, same numbers.
    libtorch::manual_seed(7);
    let again = Tensor::rand_opts(&[1000], CPU_F);
    assert_eq!(again.to_vec::<f32>().unwrap(), r.to_vec::<f32>().unwrap());
}

#[test]
fn nested_conversions() {
    let _rng = global_rng();
    let v: Vec<i64> = (0..12).collect();
    let t = Tensor::from_data(&v, &[2, 3, 2]).unwrap();
    let n: Vec<Vec<Vec<i64>>> = t.to_vec3().unwrap();
    assert_eq!(n[1][2], [10, 11]);
    assert_eq!(n[0][1], [2, 3]);
    let m = Tensor::from_data(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
    let rows = Vec::<Vec<f64>>::try_from(&m).unwrap();
    assert_eq!(rows, [[1.0, 2.0], [3.0, 4.0]]);
    let flat = Vec::<f32>::try_from(&Tensor::from_slice(&[5.0f32, 6.0])).unwrap();
    assert_eq!(flat, [5.0, 6.0]);
    let err = Vec::<f32>::try_from(&m).unwrap_err();
    assert!(err.to_string().contains("expected a 1-D tensor"), "{err}");
    let err = t.to_vec2::<i64>().unwrap_err();
    assert!(
        err.to_string()
            .contains("expected a 2-D tensor, got shape [2, 3, 2]"),
        "{err}"
    );
}

#[test]
fn to_opts_converts() {
    let _rng = global_rng();
    let t = Tensor::from_slice(&[1.7f32, -2.2]);
    let i = t.to_opts((Kind::Int64, Device::Cpu));
    assert_eq!(i.to_vec::<i64>().unwrap(), [1, -2]);
}

#[test]
fn from_blob_mut_shares_memory_both_ways() {
    let _rng = global_rng();
    let mut buf = vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
    {
        let mut t = Tensor::from_blob_mut(&mut buf, &[2, 3]).unwrap();
        assert_eq!(t.size(), [2, 3]);
        assert_eq!(t.i((1, 2)).double_value(), 6.0);
        *t += 1.0;
        let mut row = t.i(0);
        row *= 10.0;
    }
    assert_eq!(buf, [20.0, 30.0, 40.0, 5.0, 6.0, 7.0]);
    let err = Tensor::from_blob_mut(&mut buf, &[4, 2])
        .map(|_| ())
        .unwrap_err();
    assert!(err
        .to_string()
        .contains("6 elements do not fill a tensor of shape [4, 2]"));
}

/// The view's tensor owns its memory: resizing it (PyTorch issue 170298 was a resize of a view
/// over caller memory left claiming more than the buffer) or swapping its storage can never
/// make anything read or write past the borrowed buffer, and the buffer gets back what the
/// storage holds in its first bytes.
#[test]
fn a_resized_or_rebound_view_never_reaches_past_the_buffer() {
    let _rng = global_rng();
    let mut buf = [1.0f32, 2.0, 3.0, 4.0];
    {
        let mut view = Tensor::from_blob_mut(&mut buf, &[2, 2]).unwrap();
        view.f_resize_(&[100000]).unwrap();
        view.f_fill_scalar_(7.0).unwrap();
    }
    assert_eq!(buf, [7.0; 4]);
    // An out= op writing into the view.
    {
        let mut view = Tensor::from_blob_mut(&mut buf, &[2, 2]).unwrap();
        let x = Tensor::from_data(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
        x.f_add_out(&x, &mut view).unwrap();
    }
    assert_eq!(buf, [2.0, 4.0, 6.0, 8.0]);
    // The use-after-free of issue #25: an alias keeps the storage after the view's handle is
    // rebound; the alias must stay valid after the buffer is gone. Rebinding a tensor that a
    // view still refers to is refused (the view's base is shared); and whatever happens, the
    // alias holds libtorch memory, never the buffer's.
    let alias;
    {
        let mut owned = vec![1.0f32; 8];
        {
            let mut v = Tensor::from_blob_mut(&mut owned, &[8]).unwrap();
            alias = v.f_narrow(0, 0, 4).unwrap();
            let e = v.f_set_().unwrap_err();
            assert!(e.message().contains("shared by 2 handles"), "{e}");
            v.f_set_data(&Tensor::zeros(&[3])).unwrap_err();
            *v = Tensor::zeros(&[2]); // the handle itself may be replaced
        }
        drop(owned);
    }
    assert_eq!(alias.to_vec::<f32>().unwrap(), [1.0; 4]);
    let mut owned = vec![1.0f32; 8];
    {
        let mut v = Tensor::from_blob_mut(&mut owned, &[8]).unwrap();
        v.f_set_().unwrap(); // nothing else sees it: allowed
        assert_eq!(v.numel(), 0);
    }
    assert_eq!(
        owned, [1.0; 8],
        "the storage was detached: the buffer keeps its values"
    );
    // A bool buffer written through a byte view gets back valid bools only.
    let mut flags = [false, true, false];
    {
        let v = Tensor::from_blob_mut(&mut flags, &[3]).unwrap();
        v.f_view_dtype(libtorch::Kind::Uint8)
            .unwrap()
            .fill_scalar_(7);
    }
    assert_eq!(flags, [true, true, true]);
}

#[test]
fn from_blob_mut_escaping_handles_get_a_copy() {
    let _rng = global_rng();
    let mut buf = vec![1i64, 2, 3];
    let escaped;
    let escaped_view;
    {
        let t = Tensor::from_blob_mut(&mut buf, &[3]).unwrap();
        escaped = t.shallow_clone();
        escaped_view = t.i(1..);
    }
    // The borrow is over: the Rust memory may change, the escaped tensors keep their values.
    buf[0] = 100;
    buf[2] = 300;
    assert_eq!(escaped.to_vec::<i64>().unwrap(), [1, 2, 3]);
    assert_eq!(escaped_view.to_vec::<i64>().unwrap(), [2, 3]);
    drop(buf);
    assert_eq!(escaped.to_vec::<i64>().unwrap(), [1, 2, 3]);
}

#[cfg(feature = "ndarray")]
#[test]
fn ndarray_round_trip() {
    let _rng = global_rng();
    let a = ndarray::arr2(&[[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    let t = Tensor::try_from(&a).unwrap();
    assert_eq!(t.size(), [2, 3]);
    let back = ndarray::Array2::<f32>::try_from(&t).unwrap();
    assert_eq!(back, a);
    let t2 = Tensor::try_from(&a.t()).unwrap();
    assert_eq!(t2.size(), [3, 2]);
    assert_eq!(t2.to_vec::<f32>().unwrap(), [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    assert!(ndarray::Array1::<f32>::try_from(&t).is_err());
}

#[test]
fn half_and_bfloat16_round_trip() {
    let _rng = global_rng();
    use half::{bf16, f16};
    let h = [
        f16::from_f32(1.5),
        f16::from_f32(-0.25),
        f16::from_f32(65504.0),
    ];
    let t = Tensor::from_data(&h, &[3]).unwrap();
    assert_eq!(t.kind(), Kind::Half);
    assert_eq!(t.to_vec::<f16>().unwrap(), h);
    assert_eq!(t.to_vec::<f32>().unwrap(), [1.5, -0.25, 65504.0]);
    let b = [bf16::from_f32(3.0), bf16::from_f32(-1e30)];
    let t = Tensor::from_data(&b, &[2]).unwrap();
    assert_eq!(t.kind(), Kind::BFloat16);
    assert_eq!(t.to_vec::<bf16>().unwrap(), b);
    assert_eq!(t.i(0).item_as::<bf16>().unwrap(), bf16::from_f32(3.0));
    // A float tensor converted down rounds as PyTorch does: 1/3 in bfloat16 is 0.333984375.
    let third = Tensor::from_slice(&[1.0f32 / 3.0])
        .to_dtype(Kind::BFloat16)
        .to_vec::<bf16>()
        .unwrap();
    assert_eq!(third[0].to_f32(), 0.333_984_38);
}

#[test]
fn clone_shares_and_deep_clone_copies() {
    let _rng = global_rng();
    let a = Tensor::from_slice(&[1.0f32, 2.0]);
    let mut shared = a.clone();
    let mut copy = a.deep_clone();
    shared.fill_scalar_(5.0);
    assert_eq!(a.to_vec::<f32>().unwrap(), [5.0, 5.0]);
    assert_eq!(copy.to_vec::<f32>().unwrap(), [1.0, 2.0]);
    copy.fill_scalar_(0.0);
    assert_eq!(a.to_vec::<f32>().unwrap(), [5.0, 5.0]);
}

#[test]
fn complex_round_trip() {
    let _rng = global_rng();
    use libtorch::Complex;
    let z = [Complex::new(3.0f32, 4.0), Complex::new(-1.0, 0.5)];
    let t = Tensor::from_data(&z, &[2]).unwrap();
    assert_eq!(t.kind(), Kind::ComplexFloat);
    assert_eq!(t.to_vec::<Complex<f32>>().unwrap(), z);
    // |3 + 4i| = 5; (3 + 4i)(-1 + 0.5i) = -5 - 2.5i.
    assert_eq!(t.abs().to_vec::<f32>().unwrap()[0], 5.0);
    assert_eq!(
        t.i(0).mul(&t.i(1)).item_as::<Complex<f32>>().unwrap(),
        Complex::new(-5.0, -2.5)
    );
    let d = Tensor::from_slice(&[Complex::new(1.0f64, -1.0)]);
    assert_eq!(d.kind(), Kind::ComplexDouble);
    assert_eq!(d.to_string(), "tensor([1.-1.j], dtype=torch.complex128)");
    // Real data read as complex gets a zero imaginary part.
    let r = Tensor::from_slice(&[2.0f32])
        .to_vec::<Complex<f64>>()
        .unwrap();
    assert_eq!(r, [Complex::new(2.0, 0.0)]);
}

#[test]
fn reading_out_a_negative_view_gives_its_values() {
    let _rng = global_rng();
    // `_neg_view` flips a sign bit instead of the data; reading out must apply it (it used to
    // copy the raw memory: [2, 2] for a view whose values are [-2, -2]), as printing must.
    let n = Tensor::from_slice(&[2i64, 3]).f__neg_view().unwrap();
    assert_eq!(n.to_vec::<i64>().unwrap(), [-2, -3]);
    assert_eq!(n.f_select_int(0, 1).unwrap().item_as::<i64>().unwrap(), -3);
    assert_eq!(format!("{n}"), "tensor([-2, -3])");
    // The imaginary part of a conjugate view reads negated too.
    let c = Tensor::from_slice(&[1.0f32, 2.0])
        .reshape(&[1, 2])
        .f_view_as_complex()
        .unwrap()
        .f_conj()
        .unwrap();
    assert_eq!(c.f_imag().unwrap().to_vec::<f32>().unwrap(), [-2.0]);
}
