//! The `torch.nn.functional` calls PyTorch users type most (`../shared/pytorch-calls.md`,
//! "torch.nn.functional"), each written the guessable way: PyTorch's name and positional order,
//! `F::NAME` for the required arguments with PyTorch's defaults, `F::NAME_with` for every
//! argument in PyTorch's order; checked bit for bit against what the pinned torch returned for
//! the same inputs (`fixtures/functional`, written by `fixtures/gen/fixtures_functional.py`).
//! Then: the defaults of the plain forms are PyTorch's, and bad arguments are an `Err` from the
//! `f_` forms (a panic naming the call from the plain ones).
use libtorch::nn::functional as F;
use libtorch::nn::{InterpolateMode, Reduction};
use libtorch::Tensor;
use std::sync::OnceLock;

mod common;

fn manifest() -> &'static serde_json::Value {
    static M: OnceLock<serde_json::Value> = OnceLock::new();
    M.get_or_init(|| common::manifest("functional"))
}

/// An input of the fixture.
fn input(name: &str) -> Tensor {
    let v = &manifest()["inputs"][name];
    assert!(!v.is_null(), "no input {name}");
    common::tensor(v)
}

/// `got` is bit for bit what PyTorch returned for case `name`.
#[track_caller]
fn check(name: &str, got: &Tensor) {
    let v = &manifest()["outputs"][name];
    assert!(!v.is_null(), "no case {name}");
    common::assert_bit_identical(got, &common::tensor(v), name);
}

#[test]
fn activations() {
    let x = input("x");
    check("relu", &F::relu(&x)); // F.relu(x)
    check("gelu", &F::gelu(&x)); // F.gelu(x)
    check("gelu_tanh", &F::gelu_with(&x, "tanh")); // F.gelu(x, approximate="tanh")
    check("silu", &F::silu(&x)); // F.silu(x)
    check("leaky_relu", &F::leaky_relu_with(&x, 0.2)); // F.leaky_relu(x, 0.2)
    check("softmax", &F::softmax(&x, -1)); // F.softmax(x, dim=-1)
    check("log_softmax", &F::log_softmax(&x, 1)); // F.log_softmax(x, dim=1)
}

#[test]
fn dropout_draws_as_pytorch_from_the_same_seed() {
    let x = input("x");
    libtorch::manual_seed(7);
    check("dropout", &F::dropout_with(&x, 0.1, true)); // F.dropout(x, p=0.1, training=True)
}

#[test]
fn linear_convolution_and_pooling() {
    let (x, xl) = (input("x"), input("xl"));
    let (w, b) = (input("w"), input("b"));
    check("linear", &F::linear_with(&xl, &w, Some(&b))); // F.linear(x, w, b)
    let (cw, cb) = (input("cw"), input("cb"));
    // F.conv2d(x, w, b, stride=2, padding=1): dilation 1, groups 1 are PyTorch's defaults.
    check("conv2d", &F::conv2d_with(&x, &cw, Some(&cb), 2, 1, 1, 1));
    // F.max_pool2d(x, 2), F.avg_pool2d(x, 2), F.adaptive_avg_pool2d(x, (1, 1))
    check("max_pool2d", &F::max_pool2d(&x, 2));
    check("avg_pool2d", &F::avg_pool2d(&x, 2));
    check("adaptive_avg_pool2d", &F::adaptive_avg_pool2d(&x, [1, 1]));
    // F.interpolate(x, scale_factor=2)
    check("interpolate", &F::interpolate(&x, None, Some(&[2.0])));
}

#[test]
fn normalisation_lookup_and_shape() {
    let x = input("x");
    check("layer_norm", &F::layer_norm(&input("x64"), &[64])); // F.layer_norm(x, (64,))
    let (rm, rv) = (input("rm"), input("rv"));
    // F.batch_norm(x, rm, rv, training=True): updates rm and rv in place, as PyTorch does.
    let y = F::batch_norm_with(&x, Some(&rm), Some(&rv), None, None, true, 0.1, 1e-5);
    check("batch_norm", &y);
    check("batch_norm_rm", &rm);
    check("batch_norm_rv", &rv);
    check("embedding", &F::embedding(&input("idx"), &input("ew"))); // F.embedding(idx, w)
    check("pad", &F::pad(&x, &[1, 1])); // F.pad(x, (1, 1))
    check("normalize", &F::normalize(&x)); // F.normalize(x, dim=1): dim 1 is the default
    check("normalize", &F::normalize_with(&x, 2.0, 1, 1e-12));
    check("one_hot", &F::one_hot_with(&input("labels"), 10)); // F.one_hot(labels, 10)
}

#[test]
fn losses() {
    let (logits, labels) = (input("logits"), input("labels"));
    // F.cross_entropy(logits, target)
    check("cross_entropy", &F::cross_entropy(&logits, &labels));
    // F.cross_entropy(logits, target, label_smoothing=0.1)
    let ls = F::cross_entropy_with(&logits, &labels, None, -100, Reduction::Mean, 0.1);
    check("cross_entropy_ls", &ls);
    let (a, b) = (input("a"), input("bb"));
    check("mse_loss", &F::mse_loss(&a, &b)); // F.mse_loss(a, b)
    let sum = F::mse_loss_with(&a, &b, Reduction::Sum, None); // F.mse_loss(a, b, reduction="sum")
    check("mse_loss_sum", &sum);
    let sum = F::mse_loss_with(&a, &b, "sum", None); // PyTorch's string
    check("mse_loss_sum", &sum);
    check("l1_loss", &F::l1_loss(&a, &b)); // F.l1_loss(a, b)
    let y = input("y");
    // F.binary_cross_entropy_with_logits(x, y)
    check(
        "bce_with_logits",
        &F::binary_cross_entropy_with_logits(&a, &y),
    );
    check("nll_loss", &F::nll_loss(&input("logp"), &labels)); // F.nll_loss(logp, target)
    check("smooth_l1_loss", &F::smooth_l1_loss(&a, &b)); // F.smooth_l1_loss(a, b)
}

#[test]
fn attention() {
    let (q, k, v) = (input("q"), input("k"), input("v"));
    // F.scaled_dot_product_attention(q, k, v, is_causal=True)
    let y = F::scaled_dot_product_attention_with(&q, &k, &v, None, 0.0, true, None, false);
    check("sdpa_causal", &y);
}

fn vals(t: &Tensor) -> Vec<f32> {
    t.flatten().to_vec::<f32>().unwrap()
}

#[test]
fn plain_forms_fill_in_pytorchs_defaults() {
    let x = input("x");
    assert_eq!(vals(&F::gelu(&x)), vals(&F::gelu_with(&x, "none")));
    assert_eq!(
        vals(&F::leaky_relu(&x)),
        vals(&F::leaky_relu_with(&x, 0.01))
    );
    assert_eq!(vals(&F::elu(&x)), vals(&F::elu_with(&x, 1.0)));
    assert_eq!(vals(&F::hardtanh(&x)), vals(&x.clamp_min(-1).clamp_max(1)));
    assert_eq!(
        vals(&F::softplus(&x)),
        vals(&F::softplus_with(&x, 1.0, 20.0))
    );
    assert_eq!(vals(&F::glu(&x)), vals(&F::glu_with(&x, -1)));
    // stride = kernel_size, padding 0, dilation 1, no ceil mode.
    assert_eq!(
        vals(&F::max_pool2d(&x, 2)),
        vals(&F::max_pool2d_with(&x, 2, 2, 0, 1, false))
    );
    assert_eq!(
        vals(&F::max_pool2d(&x, [2, 2])),
        vals(&F::max_pool2d_with(
            &x,
            [2, 2],
            [2, 2],
            [0, 0],
            [1, 1],
            false
        ))
    );
    let cw = input("cw");
    assert_eq!(
        vals(&F::conv2d(&x, &cw)),
        vals(&F::conv2d_with(&x, &cw, None, 1, 0, 1, 1))
    );
    assert_eq!(
        vals(&F::conv2d_with(&x, &cw, None, 1, 1, 1, 1)),
        vals(&F::conv2d_with(&x, &cw, None, 1, "same", 1, 1))
    );
    // F.dropout defaults to p=0.5 in training mode; F.alpha_dropout to evaluation mode.
    let kept = F::dropout(&Tensor::ones(&[4000])).gt(0).sum().int64_value();
    assert!((1700..2300).contains(&kept), "{kept}");
    assert_eq!(vals(&F::alpha_dropout(&x)), vals(&x));
    // F.one_hot(labels): as many classes as the largest label plus one.
    assert_eq!(F::one_hot(&input("labels")).size(), [4, 10]);
    // F.batch_norm(x, rm, rv): evaluation mode, the running statistics untouched.
    let (rm, rv) = (Tensor::zeros(&[3]), Tensor::ones(&[3]));
    let y = F::batch_norm(&x, Some(&rm), Some(&rv));
    let want = &x / (1.0 + 1e-5f64).sqrt();
    let d = (&y - &want).abs().max().double_value();
    assert!(d < 1e-6, "{d}");
    assert_eq!(vals(&rm), [0.0; 3]);
    // F.mse_loss with a weight: PyTorch's weighted mean, sum(w (a - b)²) / sum(w).
    let (a, b) = (
        Tensor::from_slice(&[1.0f32, 2.0]),
        Tensor::from_slice(&[0.0f32, 0.0]),
    );
    let w = Tensor::from_slice(&[3.0f32, 1.0]);
    let m = F::mse_loss_with(&a, &b, Reduction::Mean, Some(&w));
    assert_eq!(m.double_value(), 7.0 / 4.0);
    // F.embedding(idx, w, max_norm=1.0) renormalises the rows looked up, in place, to norm 1
    // (PyTorch's scale: max_norm / (norm + 1e-7)).
    let w = Tensor::from_data(&[3.0f32, 4.0, 0.3, 0.4], &[2, 2]).unwrap();
    let e = F::embedding_with(
        &Tensor::from_slice(&[0i64]),
        &w,
        None,
        Some(1.0),
        2.0,
        false,
        false,
    );
    let scale = 1.0 / (5.0 + 1e-7);
    let want = [3.0 * scale, 4.0 * scale];
    for (g, w) in vals(&e).iter().zip(want) {
        assert!((*g as f64 - w).abs() < 1e-6, "{g} vs {w}");
    }
    assert_eq!(vals(&w)[..2], vals(&e)[..]);
    assert_eq!(vals(&w)[2..], [0.3, 0.4]);
    // F.interpolate(x, size=(5, 7), mode="bilinear", antialias=True) keeps a constant image.
    let c = Tensor::ones(&[1, 1, 10, 14]);
    let m = InterpolateMode::Bilinear;
    let y = F::interpolate_with(&c, Some(&[5, 7]), None, m, None, None, true);
    assert_eq!((y.size(), vals(&y)), (vec![1, 1, 5, 7], vec![1.0; 35]));
}

/// `f` panics with a message starting `call: `.
#[track_caller]
fn panics_naming(call: &str, f: impl FnOnce() -> Tensor + std::panic::UnwindSafe) {
    let err = std::panic::catch_unwind(f).expect_err("a panic");
    let msg = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap();
    assert!(msg.starts_with(&format!("{call}: ")), "{msg}");
}

#[test]
fn bad_arguments_are_errors_naming_the_call() {
    let x = Tensor::from_data(&[1.0f32, 3.0, 2.0], &[1, 1, 3]).unwrap();
    let err = F::f_max_pool1d(&x, 100).unwrap_err();
    assert_eq!(err.op(), "max_pool1d", "{err}");
    let err = F::f_max_pool1d_with(&x, i64::MAX, i64::MAX, 0, 1, false).unwrap_err();
    assert_eq!(err.op(), "max_pool1d", "{err}");
    panics_naming("max_pool1d", || F::max_pool1d(&x, 100));

    let img = Tensor::ones(&[1, 3, 5, 5]);
    let w = Tensor::ones(&[2, 4, 3, 3]); // 4 input channels for a 3-channel image
    let err = F::f_conv2d(&img, &w).unwrap_err();
    assert_eq!(err.op(), "conv2d", "{err}");
    assert!(err.message().contains("channels"), "{err}");
    let err =
        F::f_conv2d_with(&img, &Tensor::ones(&[2, 3, 3, 3]), None, 1, "full", 1, 1).unwrap_err();
    assert_eq!(err.op(), "conv2d", "{err}");
    panics_naming("conv2d", || F::conv2d(&img, &w));

    assert_eq!(F::f_gelu_with(&img, "fast").unwrap_err().op(), "gelu");
    let err = F::f_dropout_with(&img, 1.5, true).unwrap_err();
    assert!(
        err.to_string().starts_with("dropout: dropout probability"),
        "{err}"
    );
    let err = F::f_hardtanh_with(&img, 1.0, -1.0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "hardtanh: min_val cannot be greater than max_val"
    );
    let err = F::f_interpolate(&img, None, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "interpolate: either size or scale_factor should be defined"
    );
    let err = F::f_interpolate_with(
        &img,
        None,
        Some(&[0.5]),
        InterpolateMode::Nearest,
        None,
        None,
        true,
    )
    .unwrap_err();
    assert!(err.message().starts_with("Anti-alias option"), "{err}");
    let idx = Tensor::from_slice(&[0i64, 1]);
    let table = Tensor::ones(&[3, 2]);
    let err = F::f_embedding_with(&idx, &table, Some(3), None, 2.0, false, false).unwrap_err();
    assert_eq!(err.op(), "embedding", "{err}");
    let err = F::f_embedding(&table, &idx).unwrap_err(); // tch-style (weight, indices): refused
    assert_eq!(err.op(), "embedding", "{err}");
    let (a, b) = (Tensor::ones(&[2, 2]), Tensor::ones(&[2, 2]));
    let err = F::f_mse_loss_with(&a, &b, Reduction::Mean, Some(&Tensor::ones(&[2]))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "mse_loss: Weights and input must have the same size."
    );
    let err = F::f_binary_cross_entropy_with_logits(&a, &Tensor::ones(&[4])).unwrap_err();
    assert_eq!(err.op(), "binary_cross_entropy_with_logits", "{err}");
    let err = F::f_batch_norm_with(
        &Tensor::ones(&[1, 3]),
        None,
        None,
        None,
        None,
        true,
        0.1,
        1e-5,
    )
    .unwrap_err();
    assert!(
        err.message()
            .starts_with("Expected more than 1 value per channel"),
        "{err}"
    );
    let err = F::f_l1_loss_with(&a, &b, "avg", None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "l1_loss: avg is not a valid value for reduction"
    );
}
