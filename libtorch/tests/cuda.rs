//! On a CUDA device: tensors really live there, results match the CPU's, autograd, modules,
//! the data loader and serialization work, and CUDA's own failures (a missing device, out of
//! memory, mixing devices) come back as errors.
//!
//! Built only with the `cuda` feature, and every test needs a GPU, so each is `#[ignore]`d;
//! on a machine with one:
//!
//! ```sh
//! cargo test --features cuda -p libtorch --test cuda -- --ignored
//! ```
#![cfg(feature = "cuda")]

use libtorch::data::{DataLoader, TensorDataset};
use libtorch::nn::{functional as F, Conv2d, ConvConfig, Linear, Module};
use libtorch::optim::{Optimizer, Sgd};
use libtorch::{Device, Kind, Tensor};

const GPU: Device = Device::Cuda(0);

/// Fails (rather than passing vacuously) when run where there is no usable GPU. The guard it
/// returns is held for the whole test: libtorch's generators are global and `cargo test` runs
/// tests on parallel threads, so a test that seeds them and compares what it draws must not
/// interleave with another drawing from them (it did on an H100: `draw(7) != draw(7)`).
fn need_gpu() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    assert!(
        libtorch::cuda::built_with_cuda(),
        "built without libtorch_cuda"
    );
    assert!(
        libtorch::cuda::is_available(),
        "no usable CUDA device: these tests need one"
    );
    guard
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a.cpu().to_opts((Kind::Double, Device::Cpu)) - b.cpu().to_opts((Kind::Double, Device::Cpu)))
        .abs()
        .max()
        .double_value()
}

#[test]
#[ignore = "needs a CUDA device"]
fn tensors_are_created_on_the_gpu() {
    let _gpu = need_gpu();
    assert!(libtorch::cuda::device_count() >= 1);
    let t = Tensor::arange_opts(0, 6, 1, (Kind::Float, GPU));
    assert_eq!(t.device(), GPU);
    assert!(t.device().is_cuda());
    // cuda:0 reported by libtorch itself, as in `str(t.device)`.
    assert!(format!("{t}").contains("cuda:0"), "{t}");
    let sq = &t * &t;
    assert_eq!(sq.device(), GPU);
    assert_eq!(
        sq.to_vec::<f32>().unwrap(),
        [0.0, 1.0, 4.0, 9.0, 16.0, 25.0]
    );
    // Round trips through host memory keep the values, and the CPU copy is a CPU tensor.
    let host = Tensor::from_slice(&[1.5f64, -2.0, 3.25]);
    let dev = host.to(GPU);
    assert_eq!(dev.device(), GPU);
    assert_eq!(dev.kind(), Kind::Double);
    let back = dev.cpu();
    assert_eq!(back.device(), Device::Cpu);
    assert_eq!(back.to_vec::<f64>().unwrap(), [1.5, -2.0, 3.25]);
    // `to` onto the device a tensor is already on shares it, like PyTorch's.
    let again = dev.to(GPU);
    assert!(again.is_same(&dev));
}

#[test]
#[ignore = "needs a CUDA device"]
fn matmul_and_reductions_match_the_cpu() {
    let _gpu = need_gpu();
    libtorch::manual_seed(0);
    let a = Tensor::randn_opts(&[256, 128], (Kind::Float, Device::Cpu));
    let b = Tensor::randn_opts(&[128, 64], (Kind::Float, Device::Cpu));
    let cpu = a.matmul(&b);
    let gpu = a.cuda().matmul(&b.cuda());
    assert_eq!(gpu.device(), GPU);
    // Sums of 128 products of N(0,1) values: f32 rounding differs by well under 1e-3.
    assert!(
        max_abs_diff(&cpu, &gpu) < 1e-3,
        "{}",
        max_abs_diff(&cpu, &gpu)
    );
    let s_cpu = a.sum().double_value();
    let s_gpu = a.cuda().sum().double_value();
    assert!((s_cpu - s_gpu).abs() < 1e-2, "{s_cpu} vs {s_gpu}");
    // Half and bfloat16 run on the GPU and agree with f32 to their precision.
    for kind in [Kind::Half, Kind::BFloat16] {
        let lo = a.to_opts((kind, GPU)).matmul(&b.to_opts((kind, GPU)));
        assert_eq!(lo.kind(), kind);
        let err = max_abs_diff(&cpu, &lo);
        assert!(err < 0.5, "{kind:?}: {err}");
    }
}

#[test]
#[ignore = "needs a CUDA device"]
fn autograd_on_the_gpu() {
    let _gpu = need_gpu();
    let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0])
        .to(GPU)
        .set_requires_grad(true);
    let y = (&x * &x).sum();
    y.backward();
    let g = x.grad();
    assert_eq!(g.device(), GPU);
    assert_eq!(g.to_vec::<f32>().unwrap(), [2.0, 4.0, 6.0]);
    // Grad of grad: d/dx sum(2x) through create_graph.
    let x = Tensor::from_slice(&[0.5f64, -1.0])
        .to(GPU)
        .set_requires_grad(true);
    let y = (&x * &x * &x).sum();
    let dy = libtorch::autograd::grad(&[&y], &[&x], &[], true, true, false).unwrap();
    assert_eq!(dy[0].to_vec::<f64>().unwrap(), [0.75, 3.0]); // 3x²
    let d2 = libtorch::autograd::grad(&[&dy[0].sum()], &[&x], &[], false, false, false).unwrap();
    assert_eq!(d2[0].device(), GPU);
    assert_eq!(d2[0].to_vec::<f64>().unwrap(), [3.0, -6.0]); // 6x
}

#[test]
#[ignore = "needs a CUDA device"]
fn a_module_trains_on_the_gpu() {
    let _gpu = need_gpu();
    libtorch::manual_seed(3);
    // y = 2a - 3b + 0.5, fitted by a Linear layer moved to the GPU after construction. Moving
    // it while an optimizer holds its parameters is refused (it could race the optimizer);
    // moved first, then given to the optimizer, as PyTorch advises.
    let mut fc = Linear::new(2, 1);
    let early = Sgd::new(fc.parameters(), 0.1);
    assert!(fc.to_device(GPU).is_err());
    drop(early);
    fc.to_device(GPU).unwrap();
    let mut opt = Sgd::new(fc.parameters(), 0.1);
    assert!(fc.parameters().iter().all(|p| p.device() == GPU));
    let w = Tensor::from_data(&[2.0f32, -3.0], &[2, 1]).unwrap().to(GPU);
    for _ in 0..300 {
        let x = Tensor::randn_opts(&[64, 2], (Kind::Float, GPU));
        let y = x.matmul(&w) + 0.5;
        let loss = F::mse_loss(&fc.forward(&x), &y);
        opt.zero_grad();
        loss.backward();
        opt.step().unwrap();
    }
    let got = fc.weight.cpu().to_vec::<f32>().unwrap();
    let bias = fc.bias.as_ref().unwrap().cpu().to_vec::<f32>().unwrap();
    assert!(
        (got[0] - 2.0).abs() < 1e-3 && (got[1] + 3.0).abs() < 1e-3,
        "{got:?}"
    );
    assert!((bias[0] - 0.5).abs() < 1e-3, "{bias:?}");
}

#[test]
#[ignore = "needs a CUDA device"]
fn convolution_on_the_gpu_matches_the_cpu() {
    let _gpu = need_gpu();
    libtorch::manual_seed(5);
    let mut conv = Conv2d::new(3, 8, 3, ConvConfig::default().padding(1));
    let x = Tensor::randn_opts(&[4, 3, 16, 16], (Kind::Float, Device::Cpu));
    let cpu = libtorch::no_grad(|| conv.forward(&x));
    conv.to_device(GPU).unwrap();
    let gpu = libtorch::no_grad(|| conv.forward(&x.cuda()));
    assert_eq!(gpu.size(), [4, 8, 16, 16]);
    assert_eq!(gpu.device(), GPU);
    // cuDNN may use TF32 (10-bit mantissa) for convolutions, as PyTorch allows by default.
    let err = max_abs_diff(&cpu, &gpu);
    assert!(err < 1e-2, "{err}");
}

#[test]
#[ignore = "needs a CUDA device"]
fn the_data_loader_delivers_gpu_batches() {
    let _gpu = need_gpu();
    let x: Vec<f32> = (0..20).map(|i| i as f32).collect();
    let y: Vec<i64> = (0..10).collect();
    let ds = TensorDataset::new(
        Tensor::from_data(&x, &[10, 2]).unwrap(),
        Tensor::from_slice(&y),
    )
    .unwrap();
    let mut loader = DataLoader::new(ds, 4).unwrap().device(GPU);
    let mut seen = Vec::new();
    for batch in &mut loader {
        let (inputs, targets) = batch.unwrap();
        assert_eq!(inputs.device(), GPU);
        assert_eq!(targets.device(), GPU);
        seen.extend(targets.to_vec::<i64>().unwrap());
    }
    assert_eq!(seen, (0..10).collect::<Vec<i64>>());
}

#[test]
#[ignore = "needs a CUDA device"]
fn gpu_tensors_save_and_load() {
    let _gpu = need_gpu();
    let t = Tensor::from_data(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2])
        .unwrap()
        .to(GPU);
    let bytes = libtorch::serialize::save_to_bytes([("w", &t)]).unwrap();
    let loaded = libtorch::serialize::load_from_bytes(&bytes).unwrap();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].0, "w");
    assert_eq!(loaded[0].1.size(), [2, 2]);
    assert_eq!(
        loaded[0].1.cpu().to_vec::<f32>().unwrap(),
        [1.0, 2.0, 3.0, 4.0]
    );
    // Saved with its device, as `torch.save`; a map location overrides it both ways.
    assert_eq!(loaded[0].1.device(), GPU);
    let on_cpu = libtorch::serialize::load_from_bytes_on(&bytes, Device::Cpu).unwrap();
    assert_eq!(on_cpu[0].1.device(), Device::Cpu);
    assert_eq!(on_cpu[0].1.to_vec::<f32>().unwrap(), [1.0, 2.0, 3.0, 4.0]);
    let cpu_bytes = libtorch::serialize::save_to_bytes([("w", &t.cpu())]).unwrap();
    let on_gpu = libtorch::serialize::load_from_bytes_on(&cpu_bytes, GPU).unwrap();
    assert_eq!(on_gpu[0].1.device(), GPU);
    assert_eq!(on_gpu[0].1.to_vec::<f32>().unwrap(), [1.0, 2.0, 3.0, 4.0]);
}

#[test]
#[ignore = "needs a CUDA device"]
fn seeded_gpu_randomness_is_reproducible() {
    let _gpu = need_gpu();
    let draw = |seed| {
        libtorch::manual_seed(seed);
        Tensor::randn_opts(&[1000], (Kind::Float, GPU)).cpu()
    };
    assert!(draw(7).equal(&draw(7)));
    assert!(!draw(7).equal(&draw(8)));
}

#[test]
#[ignore = "needs a CUDA device"]
fn dropped_gpu_tensors_give_their_memory_back() {
    let _gpu = need_gpu();
    // 400 × 256 MiB = 100 GiB, more than any single GPU holds: this only completes if each
    // dropped tensor's memory returns to libtorch's caching allocator.
    for i in 0..400 {
        let t = Tensor::zeros_opts(&[64 << 20], (Kind::Float, GPU));
        if i % 100 == 0 {
            assert_eq!(t.sum().double_value(), 0.0);
        }
    }
}

#[test]
#[ignore = "needs a CUDA device"]
fn cuda_failures_are_errors() {
    let _gpu = need_gpu();
    // Out of memory: 2^40 floats (4 TiB).
    let err = Tensor::f_zeros_opts(&[1 << 40], (Kind::Float, GPU)).unwrap_err();
    assert!(err.message().contains("out of memory"), "{err}");
    // A device this machine lacks.
    let missing = Device::Cuda(libtorch::cuda::device_count() + 3);
    let err = Tensor::f_zeros_opts(&[2], (Kind::Float, missing)).unwrap_err();
    assert!(err.message().to_lowercase().contains("device"), "{err}");
    let err = Tensor::from_slice(&[1.0f32]).f_to(missing).unwrap_err();
    assert!(err.message().to_lowercase().contains("device"), "{err}");
    let err = libtorch::cuda::synchronize(libtorch::cuda::device_count() + 3).unwrap_err();
    assert!(err.message().contains("no CUDA device"), "{err}");
    // Mixing devices in one op.
    let a = Tensor::from_slice(&[1.0f32, 2.0]).to(GPU);
    let b = Tensor::from_slice(&[1.0f32, 2.0]);
    let err = a.f_add(&b).unwrap_err();
    assert!(err.message().contains("same device"), "{err}");
    // The GPU still works afterwards.
    assert_eq!((&a + &a).to_vec::<f32>().unwrap(), [2.0, 4.0]);
}

/// The argument is refused by our guard (`Error::InvalidArgument`), not passed to the kernel.
#[track_caller]
fn refused<T: std::fmt::Debug>(r: libtorch::Result<T>, arg: &str) {
    match r {
        Err(libtorch::Error::InvalidArgument { message, .. }) => {
            assert!(message.contains(arg), "{message}")
        }
        other => panic!("expected the guard's InvalidArgument naming `{arg}`, got {other:?}"),
    }
}

#[test]
#[ignore = "needs a CUDA device"]
fn calls_that_crash_cuda_kernels_are_refused() {
    let _gpu = need_gpu();
    let gpu = |v: &[f32]| Tensor::from_slice(v).to(GPU);
    let on_gpu = |n: usize, v: f32| -> Vec<Tensor> { (0..n).map(|_| gpu(&[v, v])).collect() };
    // The CUDA fuzz on an H100 (session 12): the fused optimizers' CUDA kernels read a shorter
    // gradient or state list past its end (SIGSEGV).
    refused(
        Tensor::f__fused_adagrad_(
            &mut on_gpu(2, 1.0),
            &mut on_gpu(1, 0.5),
            &mut on_gpu(2, 0.0),
            &mut on_gpu(2, 0.0),
            0.1,
            0.0,
            0.0,
            1e-10,
            false,
        ),
        "grads",
    );
    // A CPU grad_scale beside GPU parameters would be dereferenced by the GPU.
    let mut params = on_gpu(1, 1.0);
    let sgd_step = |params: &mut [Tensor], grad_scale: &Tensor| {
        Tensor::f__fused_sgd__with(
            params,
            &mut on_gpu(1, 0.5),
            &mut [],
            0.0,
            0.0,
            0.1,
            0.0,
            false,
            false,
            false,
            Some(grad_scale),
            None,
        )
    };
    refused(
        sgd_step(&mut params, &Tensor::from_slice(&[1.0f32])),
        "grad_scale",
    );
    // The same step with the scale on the GPU: p - lr * g / scale = 1 - 0.1 * 0.5 / 1.
    sgd_step(&mut params, &gpu(&[1.0])).unwrap();
    assert_eq!(params[0].to_vec::<f32>().unwrap(), [0.95, 0.95]);
    // split_with_sizes_copy.out's fast path divides by zero for an empty self (SIGFPE).
    let empty = Tensor::zeros_opts(&[0, 3], (Kind::Float, GPU));
    refused(empty.f_split_with_sizes_copy_out(&[], &mut []), "self");
    let mut parts = vec![
        Tensor::zeros_opts(&[1], (Kind::Float, GPU)),
        Tensor::zeros_opts(&[2], (Kind::Float, GPU)),
    ];
    gpu(&[1.0, 2.0, 3.0])
        .f_split_with_sizes_copy_out(&[1, 2], &mut parts)
        .unwrap();
    assert_eq!(parts[1].to_vec::<f32>().unwrap(), [2.0, 3.0]);
    // native_group_norm's composite fallback (a sparse bias) batch-normalizes an empty input,
    // whose zero channels the CUDA kernel divides by (SIGFPE).
    let csc = Tensor::from_slice(&[1.0f32, 0.0, 2.0, 3.0])
        .view(&[2, 2])
        .to_sparse_csc();
    refused(
        Tensor::f_native_group_norm(
            &Tensor::zeros_opts(&[1, 0, 1], (Kind::Float, GPU)),
            None,
            Some(&csc),
            0,
            -2,
            0,
            4,
            1e-5,
        ),
        "input",
    );
    // batch_norm_elemt's CUDA kernel divides by a 2-D input's zero channels (SIGFPE).
    refused(
        Tensor::f_batch_norm_elemt(
            &Tensor::zeros_opts(&[4, 0], (Kind::Float, GPU)),
            None,
            None,
            &Tensor::zeros_opts(&[0], (Kind::Float, GPU)),
            &Tensor::ones_opts(&[0], (Kind::Float, GPU)),
            1e-5,
        ),
        "input",
    );
    // With channels: (x - mean) * invstd = ([1, 3] - [1, 1]) * [1, 0.5] = [0, 1].
    let normed = Tensor::f_batch_norm_elemt(
        &gpu(&[1.0, 3.0]).view(&[1, 2]),
        None,
        None,
        &gpu(&[1.0, 1.0]),
        &gpu(&[1.0, 0.5]),
        1e-5,
    )
    .unwrap();
    assert_eq!(normed.to_vec::<f32>().unwrap(), [0.0, 1.0]);
    // The GPU still works afterwards, and no queued kernel failed.
    libtorch::cuda::synchronize(0).unwrap();
    let one = gpu(&[1.0]);
    assert_eq!((&one + &one).to_vec::<f32>().unwrap(), [2.0]);
}
