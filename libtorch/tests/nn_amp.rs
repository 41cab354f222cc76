//! Mixed precision against PyTorch 2.11 (tests/fixtures/amp/, made by
//! tests/fixtures/gen/fixtures_amp.py): CPU autocast's per-operation dtypes, outputs and
//! gradients, and GradScaler's scale sequence, skipped steps and parameters, bit for bit.
mod common;

use libtorch::amp::{
    autocast, get_autocast_dtype, is_autocast_enabled, AutocastGuard, AutocastOptions, GradScaler,
    GradScalerOptions,
};
use libtorch::nn::{functional as F, Linear, Module};
use libtorch::optim::{Optimizer, Sgd};
use libtorch::{Device, Kind, Tensor};

fn set(p: &Tensor, v: &Tensor) {
    libtorch::no_grad(|| {
        p.shallow_clone().copy_(v);
    });
}

#[test]
fn cpu_autocast_matches_pytorch() {
    let m = common::manifest("amp");
    let a = &m["autocast"];
    let lin = Linear::new(4, 3);
    set(&lin.weight, &common::tensor(&a["weight"]));
    set(lin.bias.as_ref().unwrap(), &common::tensor(&a["bias"]));
    let x = common::tensor(&a["x"]).set_requires_grad(true);
    let target = common::tensor(&a["target"]);
    let (y, loss, z) = autocast(Device::Cpu, Some(Kind::BFloat16), || {
        let y = lin.forward(&x);
        let loss = F::mse_loss(&y, &target);
        let off = AutocastGuard::with_options(
            Device::Cpu,
            AutocastOptions {
                enabled: false,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(!is_autocast_enabled(Device::Cpu).unwrap());
        let z = x.matmul(&lin.weight.t());
        drop(off);
        assert!(is_autocast_enabled(Device::Cpu).unwrap());
        (y, loss, z)
    })
    .unwrap();
    assert!(!is_autocast_enabled(Device::Cpu).unwrap());
    (loss.shallow_clone() + z.sum()).backward();
    common::assert_bit_identical(&y, &common::tensor(&a["y"]), "linear under autocast");
    assert_eq!(y.kind(), Kind::BFloat16);
    common::assert_bit_identical(
        &loss,
        &common::tensor(&a["loss"]),
        "mse_loss (float32 list)",
    );
    common::assert_bit_identical(&z, &common::tensor(&a["z"]), "matmul with autocast off");
    common::assert_bit_identical(&lin.weight.grad(), &common::tensor(&a["weight_grad"]), "dW");
    common::assert_bit_identical(
        &lin.bias.as_ref().unwrap().grad(),
        &common::tensor(&a["bias_grad"]),
        "db",
    );
    common::assert_bit_identical(&x.grad(), &common::tensor(&a["x_grad"]), "dx");
}

#[test]
fn autocast_state_is_scoped_and_checked() {
    assert_eq!(get_autocast_dtype(Device::Cpu).unwrap(), Kind::BFloat16);
    {
        let _outer = AutocastGuard::new(Device::Cpu, Some(Kind::Half)).unwrap();
        assert_eq!(get_autocast_dtype(Device::Cpu).unwrap(), Kind::Half);
        {
            let _inner = AutocastGuard::new(Device::Cpu, None).unwrap();
            // None keeps the enclosing scope's dtype, as torch.autocast does.
            assert_eq!(get_autocast_dtype(Device::Cpu).unwrap(), Kind::Half);
        }
        assert!(is_autocast_enabled(Device::Cpu).unwrap());
        let a = Tensor::from_data(&[1.0f32; 4], &[2, 2]).unwrap();
        assert_eq!(a.matmul(&a).kind(), Kind::Half);
    }
    assert!(!is_autocast_enabled(Device::Cpu).unwrap());
    assert_eq!(get_autocast_dtype(Device::Cpu).unwrap(), Kind::BFloat16);
    // Refused before anything changes.
    assert!(AutocastGuard::new(Device::Cpu, Some(Kind::Double)).is_err());
    assert!(AutocastGuard::new(Device::Mps, None).is_err());
    if !libtorch::cuda::is_available() {
        assert!(AutocastGuard::new(Device::Cuda(0), Some(Kind::Half)).is_err());
    }
    assert!(!is_autocast_enabled(Device::Cpu).unwrap());
    // A panic inside the closure still restores the state.
    let r = std::panic::catch_unwind(|| {
        autocast(Device::Cpu, None, || panic!("inside")).unwrap();
    });
    assert!(r.is_err());
    assert!(!is_autocast_enabled(Device::Cpu).unwrap());
}

#[test]
fn grad_scaler_matches_pytorch() {
    let m = common::manifest("amp");
    let s = &m["scaler"];
    let w = common::tensor(&s["w"]).set_requires_grad(true);
    let b = common::tensor(&s["b"]).set_requires_grad(true);
    let (x, x_inf, x_nan, y) = (
        common::tensor(&s["x"]),
        common::tensor(&s["x_inf"]),
        common::tensor(&s["x_nan"]),
        common::tensor(&s["y"]),
    );
    let mut opt = Sgd::new(vec![w.shallow_clone(), b.shallow_clone()], 0.05);
    let mut scaler = GradScaler::with_options(
        Device::Cpu,
        GradScalerOptions::default()
            .init_scale(1024.0)
            .growth_interval(3),
    )
    .unwrap();
    assert_eq!(scaler.get_scale(), 1024.0);
    for (step, want) in s["steps"].as_array().unwrap().iter().enumerate() {
        let xin = match step {
            4 => &x_inf,
            8 => &x_nan,
            _ => &x,
        };
        opt.zero_grad();
        let loss = autocast(Device::Cpu, Some(Kind::BFloat16), || {
            (w.matmul(xin) + b.unsqueeze(1))
                .tanh()
                .sub(&y)
                .square()
                .sum()
        })
        .unwrap();
        scaler.scale(&loss).unwrap().backward();
        let stepped = scaler.step(&mut opt).unwrap();
        scaler.update(None).unwrap();
        let what = format!("step {step}");
        common::assert_bit_identical(&loss, &common::tensor(&want["loss"]), &what);
        assert_eq!(
            stepped,
            want["found_inf"].as_f64().unwrap() == 0.0,
            "{what}"
        );
        assert_eq!(
            scaler.get_scale(),
            want["scale"].as_f64().unwrap(),
            "{what}"
        );
        assert_eq!(
            scaler.growth_tracker(),
            want["growth_tracker"].as_i64().unwrap(),
            "{what}"
        );
        common::assert_bit_identical(&w.detach(), &common::tensor(&want["w"]), &what);
        common::assert_bit_identical(&b.detach(), &common::tensor(&want["b"]), &what);
    }
}

#[test]
fn grad_scaler_misuse_is_an_error() {
    assert!(
        GradScaler::with_options(Device::Cpu, GradScalerOptions::default().growth_factor(1.0))
            .is_err()
    );
    assert!(GradScaler::with_options(
        Device::Cpu,
        GradScalerOptions::default().backoff_factor(1.0)
    )
    .is_err());
    let w = Tensor::from_slice(&[1.0f32, -2.0]).set_requires_grad(true);
    let mut opt = Sgd::new(vec![w.shallow_clone()], 0.1);
    let mut scaler = GradScaler::new(Device::Cpu);
    // Before scale(): nothing to unscale with.
    assert!(scaler.step(&mut opt).is_err());
    assert!(scaler.update(None).is_err());
    let loss = (&w * &w).sum();
    scaler.scale(&loss).unwrap().backward();
    assert_eq!(w.grad().to_vec::<f32>().unwrap(), [131072.0, -262144.0]);
    scaler.unscale_(&opt).unwrap();
    assert_eq!(w.grad().to_vec::<f32>().unwrap(), [2.0, -4.0]);
    assert!(scaler.unscale_(&opt).is_err()); // twice before update
    assert!(scaler.step(&mut opt).unwrap());
    assert!(scaler.step(&mut opt).is_err()); // twice before update
    assert!(scaler.unscale_(&opt).is_err()); // after step
    scaler.update(Some(8.0)).unwrap();
    assert_eq!(scaler.get_scale(), 8.0);
    // float16 gradients are refused, as PyTorch.
    let h = Tensor::from_slice(&[1.0f32])
        .to_dtype(Kind::Half)
        .set_requires_grad(true);
    let hopt = Sgd::new(vec![h.shallow_clone()], 0.1);
    scaler.scale(&h.sum()).unwrap().backward();
    assert!(scaler.unscale_(&hopt).is_err());
    // Disabled: scale is the identity and step always steps.
    let mut off =
        GradScaler::with_options(Device::Cpu, GradScalerOptions::default().enabled(false)).unwrap();
    assert_eq!(off.get_scale(), 1.0);
    let t = Tensor::from_slice(&[3.0f32]);
    assert_eq!(off.scale(&t).unwrap().to_vec::<f32>().unwrap(), [3.0]);
}
