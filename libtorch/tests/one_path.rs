//! One path to ATen (issue #24): `nn` layers and `nn::functional` call the generated typed
//! methods, so the argument checks those methods run (`libtorch/src/guards/`) apply through
//! them too. Each case is a call that crashed or hung libtorch when `nn` went through the boxed
//! string dispatcher, now an `Err` naming the layer or function the user called, beside its
//! valid twin giving the right value.
//!
//! Each case runs in a child process (this test binary re-run with `LTRS_ONE_PATH_CASE` naming
//! it, as in `misuse.rs`), so a regression fails its case with its signal instead of ending the
//! run.
use libtorch::nn::{
    functional as F, Linear, MaxPool1d, Module, MultiheadAttention, Reduction, Rnn, RnnConfig,
};
use libtorch::{Error, Kind, Tensor};
use std::process::Command;
use std::time::{Duration, Instant};

const CASES: &[(&str, fn())] = &[
    ("max_pool1d_huge_kernel", max_pool1d_huge_kernel),
    ("linear_onednn_empty_weight", linear_onednn_empty_weight),
    ("attention_onednn_empty_query", attention_onednn_empty_query),
    ("rnn_onednn_empty_batch_first", rnn_onednn_empty_batch_first),
    ("arange_int64_fractional_step", arange_int64_fractional_step),
];

#[test]
fn guarded_calls_through_nn_end_in_errors_not_crashes() {
    if let Ok(name) = std::env::var("LTRS_ONE_PATH_CASE") {
        let (_, case) = CASES
            .iter()
            .find(|(n, _)| *n == name)
            .expect("a known case");
        case();
        println!("LTRS_ONE_PATH_CASE_DONE");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut failures = Vec::new();
    for (name, _) in CASES {
        let start = Instant::now();
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "guarded_calls_through_nn_end_in_errors_not_crashes",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env("LTRS_ONE_PATH_CASE", name)
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
        match status {
            Some(s) if s.success() && stdout.contains("LTRS_ONE_PATH_CASE_DONE") => {}
            other => failures.push(format!(
                "{name}: {}\n{stdout}{}",
                other.map_or("timed out".to_owned(), |s| s.to_string()),
                String::from_utf8_lossy(&out.stderr)
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `r` is the generated check's refusal, renamed to the user's call `op`, naming `arg`.
#[track_caller]
fn refused<T>(r: libtorch::Result<T>, op: &str, arg: &str) {
    match r {
        Err(Error::InvalidArgument { op: o, message }) => {
            assert_eq!(o, op, "{message}");
            assert!(
                message.contains(arg) && message.ends_with("(libtorch 2.11 would crash)"),
                "{message}"
            );
        }
        Err(e) => panic!("expected the check's InvalidArgument naming `{arg}`, got {e:?}"),
        Ok(_) => panic!("expected the check's InvalidArgument naming `{arg}`, got Ok"),
    }
}

fn t(v: &[f32], shape: &[i64]) -> Tensor {
    Tensor::from_data(v, shape).unwrap()
}

fn vals(t: &Tensor) -> Vec<f32> {
    t.f_contiguous().unwrap().to_vec::<f32>().unwrap()
}

#[track_caller]
fn close(got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-6 * w.abs().max(1.0),
            "{got:?} vs {want:?}"
        );
    }
}

fn onednn(t: &Tensor) -> Tensor {
    t.f_to_mkldnn().unwrap()
}

/// A kernel of 2^63 - 1 over a width of 3 made libtorch's `max_pool1d` kernel read far past the
/// input (PyTorch issues 136719, 142454; SIGSEGV through the dispatcher).
fn max_pool1d_huge_kernel() {
    let x = t(&[1.0, 3.0, 2.0], &[1, 1, 3]);
    refused(
        MaxPool1d { kernel: i64::MAX }.f_forward(&x),
        "MaxPool1d",
        "kernel_size",
    );
    refused(
        F::f_max_pool1d_with(&x, i64::MAX, i64::MAX, 0, 1, false),
        "max_pool1d",
        "kernel_size",
    );
    let x = t(&[1.0, 3.0, 2.0, 4.0], &[1, 1, 4]);
    close(&vals(&MaxPool1d { kernel: 2 }.forward(&x)), &[3.0, 4.0]);
    close(
        &vals(&F::max_pool1d_with(&x, 2, 1, 0, 1, false)),
        &[3.0, 3.0, 4.0],
    );
}

/// A oneDNN weight without elements under a dense input divided by its zero size (SIGFPE
/// through the dispatcher).
fn linear_onednn_empty_weight() {
    let x = Tensor::zeros(&[2, 0]);
    let w = onednn(&Tensor::zeros(&[3, 0]));
    refused(F::f_linear(&x, &w), "linear", "weight");
    let mut fc = Linear::with_bias(0, 3, false);
    fc.weight = w;
    refused(fc.f_forward(&x), "Linear", "weight");
    // The dense twin: [1, 2] times the rows [1, 1] and [2, 0], plus the bias.
    let x = t(&[1.0, 2.0], &[1, 2]);
    let w = t(&[1.0, 1.0, 2.0, 0.0], &[2, 2]);
    let b = t(&[0.5, -1.0], &[2]);
    close(&vals(&F::linear_with(&x, &w, Some(&b))), &[3.5, 1.0]);
    fc.weight = w;
    fc.bias = Some(b);
    close(&vals(&fc.forward(&x)), &[3.5, 1.0]);
}

/// `[L, N, E]` attention transposes its query to batch-first; oneDNN's transpose of an empty
/// tensor divides by zero (SIGFPE through the dispatcher for this `[2, 0, 4]` query).
fn attention_onednn_empty_query() {
    libtorch::manual_seed(0);
    let mha = MultiheadAttention::new(4, 2, false);
    let q = onednn(&Tensor::zeros(&[2, 0, 4]));
    refused(
        mha.forward_qkv(&q, &q, &q, None),
        "MultiheadAttention",
        "self",
    );
    // Its twin: three identical tokens attend uniformly (weights 1/3), so the output of each is
    // the value projection of the token through out_proj.
    let x = t(&[0.5, -1.0, 2.0, 0.25], &[1, 1, 4])
        .f_expand(&[3, 1, 4])
        .unwrap();
    let (y, w) = mha.forward_qkv(&x, &x, &x, None).unwrap();
    close(&vals(&w), &[1.0 / 3.0; 9]);
    let wv = mha.in_proj_weight.f_narrow(0, 8, 4).unwrap();
    let bv = mha.in_proj_bias.f_narrow(0, 8, 4).unwrap();
    let v = F::linear_with(&x, &wv, Some(&bv));
    let want = mha.out_proj.forward(&v);
    close(&vals(&y), &vals(&want));
}

/// A batch-first recurrent layer transposes its input to time-major: the same oneDNN transpose
/// (SIGFPE through the dispatcher's `rnn_tanh.input`).
fn rnn_onednn_empty_batch_first() {
    let rnn = Rnn::new(1, 1, RnnConfig::default().batch_first(true));
    let x = onednn(&Tensor::zeros(&[2, 0, 1]));
    let h0 = Tensor::zeros(&[1, 2, 1]);
    refused(rnn.forward_hidden(&x, Some(&h0)), "RNN", "input");
    // Its twin, by hand: h1 = tanh(0.5 x1 + 0.1 + 0.25 h0 + 0.2), h2 = tanh(0.5 x2 + ... h1).
    for (name, v) in [
        ("weight_ih_l0", 0.5),
        ("bias_ih_l0", 0.1),
        ("weight_hh_l0", 0.25),
        ("bias_hh_l0", 0.2),
    ] {
        libtorch::nn::init::constant_(rnn.parameter(name).unwrap(), v).unwrap();
    }
    let x = t(&[1.0, -2.0], &[1, 2, 1]);
    let (y, h) = rnn.forward_hidden(&x, None).unwrap();
    let h1 = (0.5f32 * 1.0 + 0.3).tanh();
    let h2 = (0.5f32 * -2.0 + 0.3 + 0.25 * h1).tanh();
    close(&vals(&y), &[h1, h2]);
    close(&vals(&h), &[h2]);
}

/// The factories take the same path: a step of 0.5 truncates to 0 in int64 and
/// `torch.arange(0, 10, 0.5, dtype=torch.int64)` dies of SIGFPE in PyTorch 2.11 itself.
fn arange_int64_fractional_step() {
    let cpu = libtorch::Device::Cpu;
    let r = Tensor::f_arange_opts(0, 10, 0.5, (Kind::Int64, cpu));
    match r {
        Err(e) => assert_eq!(e.op(), "arange", "{e}"),
        Ok(t) => panic!("expected an error, got {t:?}"),
    }
    let t = Tensor::f_arange_opts(0, 10, 2, (Kind::Int64, cpu)).unwrap();
    assert_eq!(t.to_vec::<i64>().unwrap(), [0, 2, 4, 6, 8]);
    let t = Tensor::f_arange_opts(0, 1, 0.25, (Kind::Float, cpu)).unwrap();
    assert_eq!(vals(&t), [0.0, 0.25, 0.5, 0.75]);
}

#[test]
fn functional_errors_name_the_call_and_the_callers_line() {
    let logits = Tensor::zeros(&[2, 3]);
    let labels = Tensor::from_slice(&[0i64, 1, 2]); // one label too many
    let line = line!() + 1;
    let err = F::f_cross_entropy(&logits, &labels).unwrap_err();
    assert_eq!(err.op(), "cross_entropy", "{err}");
    assert!(err.to_string().starts_with("cross_entropy: "), "{err}");
    let at = err.location().expect("a libtorch error has a location");
    assert_eq!((at.file(), at.line()), (file!(), line));
    // The valid twin: uniform logits give log(3) per sample.
    let labels = Tensor::from_slice(&[0i64, 2]);
    let loss = F::cross_entropy(&logits, &labels);
    assert!((loss.double_value() - 3f64.ln()).abs() < 1e-6);

    let err = F::f_mse_loss_with(&logits, &Tensor::zeros(&[4]), Reduction::Sum, None).unwrap_err();
    assert_eq!(err.op(), "mse_loss", "{err}");
    let err = F::f_softmax(&logits, 5).unwrap_err();
    assert_eq!(err.op(), "softmax", "{err}");
}

#[test]
fn layer_errors_name_the_layer() {
    let fc = Linear::new(3, 2);
    let err = fc.f_forward(&Tensor::zeros(&[4, 5])).unwrap_err();
    assert_eq!(err.op(), "Linear", "{err}");
    assert!(err.message().contains("4x5 and 3x2"), "{err}");
    let conv = libtorch::nn::Conv2d::new(3, 4, 3, Default::default());
    let err = conv.f_forward(&Tensor::zeros(&[1, 2, 5, 5])).unwrap_err();
    assert_eq!(err.op(), "Conv2d", "{err}");
    let err = libtorch::nn::Softmax { dim: 3 }
        .f_forward(&Tensor::zeros(&[2]))
        .unwrap_err();
    assert_eq!(err.op(), "Softmax", "{err}");
    let bn = libtorch::nn::BatchNorm::new(3);
    let err = bn.f_forward(&Tensor::zeros(&[2, 4])).unwrap_err();
    assert_eq!(err.op(), "BatchNorm", "{err}");
    // Constructors too: the checks PyTorch's constructors make, and libtorch's errors.
    let err = libtorch::nn::Conv2d::f_make(3, 4, 0, Default::default(), false)
        .err()
        .unwrap();
    assert_eq!(err.op(), "Conv2d", "{err}");
    assert!(
        err.message()
            .contains("kernel_size must be greater than zero"),
        "{err}"
    );
    let err = Linear::f_new(1 << 40, 1 << 40, true).err().unwrap(); // 2^80 elements
    assert_eq!(err.op(), "Linear", "{err}");
    // Integer inputs to a float layer: libtorch's dtype error, under the layer's name.
    let err = fc
        .f_forward(&Tensor::zeros_opts(
            &[1, 3],
            (Kind::Int64, libtorch::Device::Cpu),
        ))
        .unwrap_err();
    assert_eq!(err.op(), "Linear", "{err}");
}

#[test]
fn dispatch_stays_an_escape_hatch_with_libtorchs_own_checks() {
    use libtorch::nn::dispatch::{call, call1, has_op, Arg};
    let a = t(&[1.0, 2.0], &[2]);
    let b = t(&[10.0, 20.0], &[2]);
    // The same numbers as the generated method.
    let boxed = call1("aten::add.Tensor", &[Arg::T(&a), Arg::T(&b), Arg::F(0.5)]).unwrap();
    assert_eq!(vals(&boxed), vals(&a.f_add_with(&b, 0.5).unwrap()));
    // What it checks: the operator exists, the argument count, the types, libtorch's checks.
    assert!(has_op("aten::add.Tensor") && !has_op("aten::no_such_op"));
    assert!(call("aten::no_such_op", &[Arg::T(&a)]).is_err());
    let many = [Arg::T(&a), Arg::T(&b), Arg::F(1.0), Arg::F(1.0)];
    assert!(call("aten::add.Tensor", &many).is_err());
    assert!(call("aten::add.Tensor", &[Arg::T(&a)]).is_err()); // `other` has no default
    assert!(call("aten::add.Tensor", &[Arg::T(&a), Arg::F(1.0)]).is_err()); // not a tensor
    let err = call(
        "aten::add.Tensor",
        &[Arg::T(&a), Arg::T(&t(&[1.0; 3], &[3]))],
    )
    .unwrap_err();
    assert!(err.message().contains("must match the size"), "{err}");
}
