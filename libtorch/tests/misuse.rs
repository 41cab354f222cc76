//! Misuse from safe code, by class (issue #25): every case must end in an `Err` (or a correct
//! result), never a crash, an abort, a panic out of an `f_` form or an invalid Rust value.
//!
//! Each case runs in a child process (this test binary re-run with `LTRS_MISUSE_CASE` naming
//! the case), so a crash fails its case with its signal instead of ending the run.
use libtorch::nn::{
    functional as F, Embedding, Linear, Module, MultiheadAttention, Rnn, RnnConfig,
};
use libtorch::optim::{Adam, AdamOptions, LinearWarmup, Optimizer, Sgd, SgdOptions};
use libtorch::{serialize, Device, Ellipsis, IValue, Kind, Tensor};
use std::process::Command;
use std::time::{Duration, Instant};

type Case = fn();

/// The classes of issue #25 and their cases.
const CASES: &[(&str, Case)] = &[
    // Use after free through a tensor over borrowed memory.
    ("uaf/alias_after_set_", uaf_alias_after_set),
    ("uaf/alias_after_set_data", uaf_alias_after_set_data),
    // Invalid Rust values.
    ("invalid/bool_view_of_bytes", invalid_bool_view_of_bytes),
    (
        "invalid/bool_blob_written_as_bytes",
        invalid_bool_blob_written_as_bytes,
    ),
    // An op with no check in ATen.
    (
        "unchecked/int_min_div_minus_one",
        unchecked_int_min_div_minus_one,
    ),
    // Aborts on the Rust side.
    ("abort/to_vec_of_huge_expand", abort_to_vec_of_huge_expand),
    ("abort/to_vec2_of_huge_empty", abort_to_vec2_of_huge_empty),
    ("abort/display_of_100000_dims", abort_display_of_many_dims),
    ("abort/display_of_huge_expand", abort_display_of_huge_expand),
    ("abort/loader_prefetch", abort_loader_prefetch),
    (
        "abort/panic_payload_panics_in_drop",
        abort_panic_payload_panics_in_drop,
    ),
    // Panics out of f_ forms.
    ("panic/index_bounds", panic_index_bounds),
    ("panic/undefined_arguments", panic_undefined_arguments),
    ("panic/constructors", panic_constructors),
    // Silent wrong answers.
    ("wrong/set_grad", wrong_set_grad),
    ("wrong/embedding_padding_idx", wrong_embedding_padding_idx),
    ("wrong/rnn_state_shape", wrong_rnn_state_shape),
    ("wrong/optimizer_arguments", wrong_optimizer_arguments),
    ("wrong/devices", wrong_devices),
    ("wrong/uint64_display", wrong_uint64_display),
    ("wrong/names_with_nul", wrong_names_with_nul),
    // Metadata changed in place while shared.
    ("shared/metadata_ops_refused", shared_metadata_ops_refused),
    ("shared/module_to_device", shared_module_to_device),
    // Messages.
    ("message/cuda_unavailable", message_cuda_unavailable),
    ("message/internal_assert", message_internal_assert),
];

#[test]
fn misuse_cases_end_in_errors_not_crashes() {
    if let Ok(name) = std::env::var("LTRS_MISUSE_CASE") {
        let (_, case) = CASES
            .iter()
            .find(|(n, _)| *n == name)
            .expect("a known case");
        case();
        println!("LTRS_MISUSE_CASE_DONE");
        return;
    }
    // The case names, one per line, for scripts that run each case themselves
    // (examples/tools/scripts/misuse-memcheck.sh runs them under valgrind).
    if std::env::var_os("LTRS_MISUSE_LIST").is_some() {
        for (name, _) in CASES {
            println!("LTRS_MISUSE_CASE_NAME {name}");
        }
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut failures = Vec::new();
    for (name, _) in CASES {
        let start = Instant::now();
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "misuse_cases_end_in_errors_not_crashes",
                "--nocapture",
            ])
            .args(["--test-threads", "1"])
            .env("LTRS_MISUSE_CASE", name)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Bounded: a case that hangs is a failure too.
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if start.elapsed() > Duration::from_secs(120) {
                let _ = child.kill();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let done = stdout.contains("LTRS_MISUSE_CASE_DONE");
        match status {
            Some(s) if s.success() && done => {}
            other => failures.push(format!(
                "{name}: {}\n{}{}",
                match other {
                    None => "timed out".to_owned(),
                    Some(s) => s.to_string(),
                },
                stdout,
                String::from_utf8_lossy(&out.stderr)
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[track_caller]
fn err_contains<T: std::fmt::Debug>(r: libtorch::Result<T>, want: &str) {
    match r {
        Err(e) => assert!(e.message().contains(want), "expected `{want}`, got: {e}"),
        Ok(v) => panic!("expected an error containing `{want}`, got Ok({v:?})"),
    }
}

fn uaf_alias_after_set() {
    let alias;
    {
        let mut buf = vec![3.0f32; 16];
        let mut v = Tensor::from_blob_mut(&mut buf, &[16]).unwrap();
        alias = v.f_narrow(0, 0, 4).unwrap();
        let _ = v.f_set_(); // refused while the alias shares it
        drop(v);
        drop(buf);
    }
    assert_eq!(alias.to_vec::<f32>().unwrap(), [3.0; 4]);
}

fn uaf_alias_after_set_data() {
    let alias;
    {
        let mut buf = vec![5.0f32; 16];
        let mut v = Tensor::from_blob_mut(&mut buf, &[16]).unwrap();
        alias = v.f_narrow(0, 2, 4).unwrap();
        let _ = v.f_set_data(&Tensor::zeros(&[2]));
        drop(v);
        drop(buf);
    }
    assert_eq!(alias.sum().double_value(), 20.0);
}

fn invalid_bool_view_of_bytes() {
    let b = Tensor::from_data(&[2u8, 255, 0], &[3])
        .unwrap()
        .f_view_dtype(Kind::Bool)
        .unwrap();
    let v: Vec<bool> = b.to_vec().unwrap();
    // Read as bytes so that a wrong value shows, rather than being undefined behaviour.
    let bytes: Vec<u8> = v.iter().map(|&x| x as u8).collect();
    assert_eq!(bytes, [1, 1, 0]);
    assert!(b.f_i(0).unwrap().item_as::<bool>().unwrap());
    assert_eq!(format!("{b}"), "tensor([ True,  True, False])");
}

fn invalid_bool_blob_written_as_bytes() {
    let mut flags = [false; 4];
    {
        let v = Tensor::from_blob_mut(&mut flags, &[4]).unwrap();
        let mut bytes = v.f_view_dtype(Kind::Uint8).unwrap();
        bytes.fill_scalar_(7);
    }
    let raw: Vec<u8> = flags.iter().map(|&b| b as u8).collect();
    assert_eq!(raw, [1, 1, 1, 1]);
}

fn unchecked_int_min_div_minus_one() {
    let a = Tensor::from_slice(&[i64::MIN, 6]);
    let b = Tensor::from_slice(&[-1i64, -1]);
    err_contains(a.f_div_with(&b, "trunc"), "overflows");
    err_contains(a.f_div_scalar_mode(-1, Some("trunc")), "overflows");
    let a32 = Tensor::from_slice(&[i32::MIN]);
    err_contains(a32.f_div_scalar_mode(-1, Some("trunc")), "overflows");
    let mut inplace = a.deep_clone();
    err_contains(inplace.f_div__with(&b, "trunc").map(|_| ()), "overflows");
    // Floor rounding handles it (as PyTorch), and other values divide.
    let floor = a.f_div_with(&b, "floor").unwrap();
    assert_eq!(floor.to_vec::<i64>().unwrap(), [i64::MIN, -6]);
}

fn abort_to_vec_of_huge_expand() {
    let t = Tensor::from_slice(&[1.0f32]).f_expand(&[1 << 40]).unwrap();
    assert!(t.to_vec::<f32>().is_err());
    let huge = Tensor::from_slice(&[1u8]).f_expand(&[i64::MAX]);
    if let Ok(h) = huge {
        assert!(h.to_vec::<u8>().is_err());
    }
}

fn abort_to_vec2_of_huge_empty() {
    let t = Tensor::zeros(&[1 << 50, 0]);
    assert!(t.to_vec2::<f32>().is_err());
    assert!(t.to_vec3::<f32>().is_err() || t.dim() != 3);
    let t3 = Tensor::zeros(&[1 << 50, 0, 2]);
    assert!(t3.to_vec3::<f32>().is_err());
}

fn abort_display_of_many_dims() {
    let t = Tensor::from_slice(&[1.0f32])
        .f_reshape(&vec![1; 100_000])
        .unwrap();
    let s = format!("{t}");
    assert!(
        s.contains("100000 dimensions"),
        "{}",
        &s[..s.len().min(200)]
    );
}

fn abort_display_of_huge_expand() {
    let t = Tensor::from_slice(&[2.5f32])
        .f_expand(&[1 << 20, 1 << 20])
        .unwrap();
    let s = format!("{t}");
    assert!(
        s.starts_with("tensor([[2.5000, 2.5000, 2.5000,  ..., 2.5000, 2.5000, 2.5000]"),
        "{s}"
    );
}

fn abort_loader_prefetch() {
    use libtorch::data::{DataLoader, TensorDataset};
    let ds = TensorDataset::new(Tensor::zeros(&[8, 2]), Tensor::zeros(&[8])).unwrap();
    let mut loader = DataLoader::new(ds, 2)
        .unwrap()
        .num_workers(2)
        .prefetch(1 << 36);
    assert_eq!(loader.epoch().count(), 4);
}

fn abort_panic_payload_panics_in_drop() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("the payload's drop panics too");
        }
    }
    struct Boom;
    impl libtorch::autograd::Function for Boom {
        fn forward(
            &mut self,
            _ctx: &mut libtorch::autograd::Ctx,
            _inputs: &[Tensor],
        ) -> libtorch::Result<Vec<Tensor>> {
            std::panic::panic_any(Bomb)
        }
        fn backward(
            &self,
            _ctx: &mut libtorch::autograd::Ctx,
            grads: &[Tensor],
        ) -> libtorch::Result<Vec<Tensor>> {
            Ok(grads.to_vec())
        }
    }
    let x = Tensor::from_slice(&[1.0f32]).set_requires_grad(true);
    assert!(libtorch::autograd::apply(Boom, &[&x]).is_err());
}

fn panic_index_bounds() {
    let t = Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
    assert_eq!(t.f_i(..=i64::MAX).unwrap().size(), [3]);
    assert_eq!(t.f_i(0..=i64::MAX).unwrap().size(), [3]);
    assert!(t.f_i(usize::MAX).is_err());
    assert!(t.f_i(i64::MIN).is_err());
    assert_eq!(t.f_i(usize::MAX..).unwrap().size(), [0]);
    err_contains(t.f_i((Ellipsis, 0, Ellipsis)), "single ellipsis");
}

fn panic_undefined_arguments() {
    let x = Tensor::zeros(&[1, 1, 4, 4]);
    assert!(F::f_conv1d_with(&x, &Tensor::default(), None, 1, 0, 1, 1).is_err());
    let mha = MultiheadAttention::new(4, 2, true);
    let q = Tensor::zeros(&[1, 3, 4]);
    assert!(mha
        .forward_qkv(&q, &q, &q, Some(&Tensor::default()))
        .is_err());
    assert!(Tensor::default().to_vec::<f32>().is_err());
    assert!(Tensor::default().f_device().is_err());
}

fn panic_constructors() {
    err_contains(
        Linear::f_new(-1, 3, true).map(|_| ()),
        "in_features must be non-negative",
    );
    let l = Linear::f_new(0, 3, true).unwrap(); // PyTorch allows it: an empty weight
    assert_eq!(l.weight.size(), [3, 0]);
    assert!(libtorch::nn::BatchNorm::f_new(-2).is_err());
    assert!(libtorch::nn::LayerNorm::f_new(&[-1]).is_err());
    assert!(libtorch::nn::GroupNorm::f_new(3, 4).is_err());
    assert!(libtorch::nn::Dropout::f_new(1.5).is_err());
    assert!(libtorch::nn::Dropout::f_new(f64::NAN).is_err());
    err_contains(
        MultiheadAttention::f_new(5, 2, true).map(|_| ()),
        "divisible by num_heads",
    );
    assert!(MultiheadAttention::f_new(4, 0, true).is_err());
    err_contains(
        Rnn::f_with_mode(libtorch::nn::RnnMode::Lstm, 3, 0, RnnConfig::default()).map(|_| ()),
        "hidden_size must be greater than zero",
    );
    assert!(Embedding::f_new(5, 2, Some(5)).is_err());
    assert!(libtorch::nn::Conv2d::f_make(3, 4, 0, Default::default(), false).is_err());
    assert!(libtorch::nn::Conv2d::f_make(3, -4, 3, Default::default(), false).is_err());
}

fn wrong_set_grad() {
    let mut t = Tensor::zeros(&[2, 3]).set_requires_grad(true);
    err_contains(t.f_set_grad(Some(&Tensor::zeros(&[3, 2]))), "size");
    err_contains(
        t.f_set_grad(Some(&Tensor::zeros_opts(
            &[2, 3],
            (Kind::Double, Device::Cpu),
        ))),
        "dtype",
    );
    let same = t.shallow_clone();
    err_contains(t.f_set_grad(Some(&same)), "its own gradient");
    t.f_set_grad(Some(&Tensor::ones(&[2, 3]))).unwrap();
    assert_eq!(t.grad().sum().double_value(), 6.0);
}

fn wrong_embedding_padding_idx() {
    let e = Embedding::with_padding_idx(5, 2, -1);
    assert_eq!(e.padding_idx, Some(4));
    assert_eq!(e.weight.i(4).to_vec::<f32>().unwrap(), [0.0, 0.0]);
    let idx = Tensor::from_slice(&[4i64, 1]);
    e.forward(&idx).sum().backward();
    assert_eq!(e.weight.grad().i(4).to_vec::<f32>().unwrap(), [0.0, 0.0]);
    assert_eq!(e.weight.grad().i(1).to_vec::<f32>().unwrap(), [1.0, 1.0]);
}

fn wrong_rnn_state_shape() {
    let lstm = Rnn::lstm(3, 4, RnnConfig::default().num_layers(2).batch_first(true));
    let x = Tensor::zeros(&[5, 7, 3]);
    let good = Tensor::zeros(&[2, 5, 4]);
    let one_layer = Tensor::zeros(&[1, 5, 4]);
    err_contains(lstm.forward_lstm(&x, Some((&good, &one_layer))), "c0");
    assert!(lstm.forward_lstm(&x, Some((&good, &good))).is_ok());
}

fn wrong_optimizer_arguments() {
    let p = || vec![Tensor::zeros(&[2]).set_requires_grad(true)];
    assert!(Sgd::f_with_options(p(), SgdOptions::new(f64::NAN)).is_err());
    assert!(Sgd::f_with_options(p(), SgdOptions::new(-1.0)).is_err());
    assert!(Adam::f_with_options(p(), AdamOptions::new(0.1).betas(0.9, 1.0)).is_err());
    let mut opt = Sgd::new(p(), 0.1);
    assert!(LinearWarmup::f_new(&mut opt, f64::NAN, 4).is_err());
    assert!(opt.set_group_lr(3, 0.1).is_err());
}

fn wrong_devices() {
    let t = Tensor::from_slice(&[1.0f32]);
    err_contains(t.f_to(Device::Cuda(65536)), "device index");
    err_contains(t.f_to(Device::Other(-1, 0)), "unknown device type");
}

fn wrong_uint64_display() {
    let t = Tensor::from_slice(&[u64::MAX, 1]);
    assert_eq!(
        format!("{t}"),
        "tensor([18446744073709551615,                    1], dtype=torch.uint64)"
    );
}

fn wrong_names_with_nul() {
    let t = Tensor::from_slice(&[1.0f32]);
    let bytes = serialize::save_to_bytes([("a\0b", &t)]).unwrap();
    let back = serialize::load_from_bytes(&bytes).unwrap();
    assert_eq!(back[0].0, "a\0b");
    let v = serialize::load_value_from_bytes(
        &serialize::save_value_to_bytes(&IValue::from("x\0y")).unwrap(),
    )
    .unwrap();
    assert_eq!(v.as_str(), Some("x\0y"));
}

fn shared_metadata_ops_refused() {
    let mut t = Tensor::zeros(&[4, 4]);
    let other = t.shallow_clone();
    err_contains(t.f_resize_(&[100, 100]).map(|_| ()), "shared");
    err_contains(t.f_set_().map(|_| ()), "shared");
    err_contains(t.f_set_data(&Tensor::zeros(&[2])), "shared");
    err_contains(t.f_transpose_(0, 1).map(|_| ()), "shared");
    err_contains(t.f_as_strided_(&[2], &[1]).map(|_| ()), "shared");
    err_contains(t.f_t_().map(|_| ()), "shared");
    drop(other);
    // A view shares the storage: resize (which may reallocate it) and out= are refused.
    let base = Tensor::zeros(&[4, 4]);
    let mut view = base.f_narrow(0, 0, 2).unwrap();
    err_contains(view.f_resize_(&[100]).map(|_| ()), "share its storage");
    err_contains(
        Tensor::ones(&[2, 4]).f_add_out(&Tensor::ones(&[2, 4]), &mut view),
        "share its storage",
    );
    // Alone, all allowed.
    let mut own = Tensor::zeros(&[4, 4]);
    own.f_resize_(&[2, 8]).unwrap();
    own.f_transpose_(0, 1).unwrap();
    assert_eq!(own.size(), [8, 2]);
}

fn shared_module_to_device() {
    let mut m = Linear::new(2, 2);
    let opt = Sgd::new(m.parameters(), 0.1);
    err_contains(m.to_kind(Kind::Double), "held outside the module");
    assert_eq!(m.weight.kind(), Kind::Float);
    drop(opt);
    m.to_kind(Kind::Double).unwrap();
    assert_eq!(m.weight.kind(), Kind::Double);
}

fn message_cuda_unavailable() {
    if libtorch::cuda::is_available() {
        return;
    }
    let e = Tensor::from_slice(&[1.0f32])
        .f_to(Device::Cuda(0))
        .unwrap_err();
    assert!(e.message().len() < 200, "{}", e.message());
    assert!(
        e.full_message().contains("Could not run"),
        "the original stays available"
    );
}

fn message_internal_assert() {
    // An ordinary misuse that reaches one of libtorch's internal assertions.
    let q = Tensor::from_slice(&[1.0f32])
        .f_quantize_per_tensor(0.1, 0, Kind::QInt8)
        .unwrap();
    if let Err(e) = q.f_q_per_channel_scales() {
        assert!(
            !e.message().contains("please report a bug"),
            "{}",
            e.message()
        );
    }
}
