//! Layers against PyTorch 2.11's own numbers (tests/fixtures/layers/, made by
//! tests/fixtures/gen/fixtures_layers.py): for each case, the default initialisation from the
//! same seed, the outputs, the gradients of inputs and parameters and the state after the
//! forward pass, all compared bit for bit.
mod common;

use libtorch::nn::functional::InterpolateMode;
use libtorch::nn::*;
use libtorch::Tensor;
use serde_json::Value;

/// libtorch's default generator is global and the tests of this file run on parallel threads:
/// every test that seeds it holds this lock.
fn global_rng() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn manifest() -> &'static Value {
    static M: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    M.get_or_init(|| common::manifest("layers"))
}

/// The module's tensors in registration order (parameters and buffers).
fn tensors(m: &dyn Module) -> Vec<(String, Tensor)> {
    let mut v = Vec::new();
    m.visit(&mut |n, _, t| v.push((n.to_owned(), t.detach())));
    v
}

fn compare_state(m: &dyn Module, want: &Value, what: &str) {
    let got = tensors(m);
    let want = want.as_array().unwrap();
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    let want_names: Vec<&str> = want.iter().map(|p| p[0].as_str().unwrap()).collect();
    assert_eq!(names, want_names, "{what}: state names");
    for ((n, t), w) in got.iter().zip(want) {
        common::assert_bit_identical(t, &common::tensor(&w[1]), &format!("{what}: {n}"));
    }
}

/// Builds the case's module from its seed, runs `forward` on its inputs, and compares
/// everything the fixture recorded.
fn case<M: Module>(
    name: &str,
    build: impl FnOnce() -> M,
    forward: impl Fn(&M, &[Tensor]) -> Vec<Tensor>,
) {
    let c = &manifest()["cases"][name];
    assert!(c.is_object(), "no fixture case {name}");
    libtorch::manual_seed(c["seed"].as_u64().unwrap());
    let m = build();
    compare_state(&m, &c["state"], &format!("{name} init"));
    let inputs: Vec<Tensor> = c["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let t = common::tensor(v);
            if t.kind().is_floating_point() {
                t.set_requires_grad(true)
            } else {
                t
            }
        })
        .collect();
    let outs = forward(&m, &inputs);
    let want_outs = c["outputs"].as_array().unwrap();
    assert_eq!(outs.len(), want_outs.len(), "{name}: outputs");
    for (k, (o, w)) in outs.iter().zip(want_outs).enumerate() {
        common::assert_bit_identical(o, &common::tensor(w), &format!("{name}: output {k}"));
    }
    let grads: Vec<(Tensor, Tensor)> = outs
        .iter()
        .zip(c["output_grads"].as_array().unwrap())
        .filter(|(_, g)| !g.is_null())
        .map(|(o, g)| (o.shallow_clone(), common::tensor(g)))
        .collect();
    if !grads.is_empty() {
        let os: Vec<&Tensor> = grads.iter().map(|(o, _)| o).collect();
        let gs: Vec<Option<&Tensor>> = grads.iter().map(|(_, g)| Some(g)).collect();
        libtorch::autograd::backward(&os, &gs, None, false).unwrap();
    }
    for (k, (x, w)) in inputs
        .iter()
        .zip(c["input_grads"].as_array().unwrap())
        .enumerate()
    {
        if !w.is_null() {
            common::assert_bit_identical(
                &x.grad(),
                &common::tensor(w),
                &format!("{name}: input {k} grad"),
            );
        }
    }
    let want_pg = c["param_grads"].as_array().unwrap();
    let got_pg: Vec<(String, Tensor)> = m
        .named_parameters()
        .into_iter()
        .filter(|(_, p)| p.grad().defined())
        .collect();
    assert_eq!(
        got_pg.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        want_pg
            .iter()
            .map(|p| p[0].as_str().unwrap())
            .collect::<Vec<_>>(),
        "{name}: parameters with gradients"
    );
    for ((n, p), w) in got_pg.iter().zip(want_pg) {
        common::assert_bit_identical(
            &p.grad(),
            &common::tensor(&w[1]),
            &format!("{name}: {n} grad"),
        );
    }
    compare_state(&m, &c["state_after"], &format!("{name} after forward"));
}

fn one<M: Module>(m: &M, xs: &[Tensor]) -> Vec<Tensor> {
    vec![m.forward(&xs[0])]
}

/// Runs the single-input case `name` with the module `build` makes.
fn simple<M: Module>(name: &str, build: impl FnOnce() -> M) {
    case(name, build, one);
}

#[test]
fn activations_match_pytorch() {
    let _rng = global_rng();
    simple("identity", || Identity);
    simple("flatten", Flatten::default);
    simple("flatten_0_1", || Flatten {
        start_dim: 0,
        end_dim: 1,
    });
    simple("unflatten", || Unflatten::new(1, &[2, 3]));
    simple("prelu", PReLU::default);
    simple("prelu3", || PReLU::new(3, 0.1));
    simple("hardswish", || Hardswish);
    simple("hardsigmoid", || Hardsigmoid);
    simple("softsign", || Softsign);
    simple("softmin", || Softmin::new(1));
    simple("glu", GLU::default);
    simple("glu0", || GLU::new(0));
    simple("elu", ELU::default);
    simple("elu_alpha", || ELU::new(0.5));
    simple("selu", || SELU);
    simple("celu", || CELU::f_new(0.7).unwrap());
    simple("mish", || Mish);
    simple("silu", || SiLU);
    simple("gelu", GELU::default);
    simple("gelu_tanh", || GELU { tanh: true });
    simple("leaky_relu", LeakyReLU::default);
    simple("leaky_relu_02", || LeakyReLU {
        negative_slope: 0.2,
    });
    simple("softplus", Softplus::default);
    simple("softplus_b2", || Softplus::new(2.0, 1.0));
    simple("hardtanh", Hardtanh::default);
    simple("hardtanh_range", || Hardtanh::new(-0.5, 1.2));
    simple("relu6", || ReLU6);
    simple("logsigmoid", || LogSigmoid);
    simple("tanhshrink", || Tanhshrink);
    simple("softshrink", Softshrink::default);
    simple("softshrink_1", || Softshrink::new(1.0));
    simple("hardshrink", Hardshrink::default);
    simple("threshold", || Threshold::new(0.1, 20.0));
}

#[test]
fn activation_arguments_are_checked() {
    assert!(Hardtanh::f_new(1.0, 1.0).is_err());
    assert!(Softshrink::f_new(-0.1).is_err());
    assert!(CELU::f_new(0.0).is_err());
    assert!(PReLU::f_new(0, 0.25).is_err());
    let odd = Tensor::from_data(&[1.0f32; 3], &[1, 3]).unwrap();
    let e = GLU::default().f_forward(&odd).unwrap_err().to_string();
    assert!(e.contains("GLU"), "{e}");
    // A per-channel PReLU needs as many channels as slopes.
    assert!(PReLU::new(3, 0.25)
        .f_forward(&Tensor::from_data(&[1.0f32; 4], &[1, 4]).unwrap())
        .is_err());
}

#[test]
fn dropout_variants_match_pytorch() {
    let _rng = global_rng();
    simple("dropout1d", Dropout1d::default);
    simple("dropout1d_unbatched", || Dropout1d::new(0.3));
    simple("dropout2d", Dropout2d::default);
    simple("dropout3d", || Dropout3d::new(0.4));
    simple("alpha_dropout", || AlphaDropout::new(0.2));
    assert!(Dropout2d::f_new(1.5).is_err());
    assert!(AlphaDropout::f_new(-0.1).is_err());
    let x = Tensor::from_data(&[1.0f32; 8], &[2, 2, 2]).unwrap();
    // Eval mode: the identity.
    let mut d = Dropout2d::new(0.9);
    d.eval();
    assert_eq!(d.forward(&x).to_vec::<f32>().unwrap(), [1.0; 8]);
    // dropout1d takes 2-D or 3-D input only.
    let e = Dropout1d::default()
        .f_forward(&Tensor::from_data(&[1.0f32; 16], &[2, 2, 2, 2]).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("Expected 2D or 3D input"), "{e}");
}

#[test]
fn instance_norm_matches_pytorch() {
    let _rng = global_rng();
    simple("instance_norm1d", || InstanceNorm1d::new(3));
    simple("instance_norm2d_affine", || {
        InstanceNorm2d::f_new(3, 1e-5, 0.1, true, false).unwrap()
    });
    simple("instance_norm3d_tracked", || {
        InstanceNorm3d::f_new(2, 1e-3, 0.2, true, true).unwrap()
    });
    simple("instance_norm1d_unbatched", || InstanceNorm1d::new(3));
    assert!(InstanceNorm2d::f_new(-1, 1e-5, 0.1, false, false).is_err());
    let affine = InstanceNorm1d::f_new(4, 1e-5, 0.1, true, false).unwrap();
    let e = affine
        .f_forward(&Tensor::from_data(&[1.0f32; 6], &[1, 3, 2]).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("num_features"), "{e}");
    assert!(affine
        .f_forward(&Tensor::from_data(&[1.0f32; 4], &[4]).unwrap())
        .is_err());
}

#[test]
fn upsample_matches_pytorch() {
    let _rng = global_rng();
    use InterpolateMode::*;
    simple("upsample_nearest", || Upsample::scale_factor(&[2.0]));
    simple("upsample_nearest_size", || Upsample::size(&[3, 5]));
    simple("upsample_linear", || {
        Upsample::scale_factor(&[2.5]).mode(Linear)
    });
    simple("upsample_bilinear", || {
        Upsample::size(&[5, 7]).mode(Bilinear)
    });
    simple("upsample_bilinear_ac", || {
        Upsample::scale_factor(&[1.5])
            .mode(Bilinear)
            .align_corners(true)
    });
    simple("upsample_bicubic", || {
        Upsample::scale_factor(&[2.0, 1.5]).mode(Bicubic)
    });
    simple("upsample_trilinear", || {
        Upsample::scale_factor(&[2.0]).mode(Trilinear)
    });
    simple("upsample_nearest3d", || Upsample::size(&[3, 4, 5]));
    simple("upsample_nearest_exact", || {
        Upsample::scale_factor(&[1.7]).mode(NearestExact)
    });
    assert_eq!(
        "nearest-exact".parse::<InterpolateMode>().unwrap(),
        NearestExact
    );
    assert!("cubic".parse::<InterpolateMode>().is_err());
    let x = Tensor::from_data(&[1.0f32; 12], &[1, 1, 3, 4]).unwrap();
    let e = |u: Upsample| u.f_forward(&x).unwrap_err().to_string();
    assert!(e(Upsample::default()).contains("either size or scale_factor"));
    assert!(e(Upsample::scale_factor(&[2.0]).align_corners(true)).contains("align_corners"));
    assert!(e(Upsample::scale_factor(&[2.0]).mode(Trilinear)).contains("Only 3D, 4D and 5D"));
    assert!(e(Upsample::size(&[2, 2, 2])).contains("spatial dimensions"));
    let mut both = Upsample::size(&[2, 2]);
    both.scale_factor = Some(vec![2.0]);
    assert!(e(both).contains("only one of"));
    // 'area' pools to floor(size * scale).
    let y = Upsample::scale_factor(&[0.5]).mode(Area).forward(&x);
    assert_eq!(y.size(), [1, 1, 1, 2]);
}

#[test]
fn pixel_shuffle_fold_unfold_match_pytorch() {
    let _rng = global_rng();
    simple("pixel_shuffle", || PixelShuffle::new(2));
    simple("pixel_unshuffle", || PixelUnshuffle::new(2));
    simple("unfold", || Unfold::new(2).padding(1).stride(2));
    simple("unfold_dilated", || Unfold::new([2, 3]).dilation([1, 2]));
    simple("fold", || Fold::new([4, 5], [2, 3]));
    simple("fold_strided", || Fold::new(5, 2).padding(1).stride(2));
    let x = Tensor::from_data(&[1.0f32; 12], &[1, 3, 2, 2]).unwrap();
    assert!(PixelShuffle::new(2).f_forward(&x).is_err());
    assert!(Fold::new(4, 2)
        .f_forward(&Tensor::from_data(&[1.0f32; 10], &[1, 5, 2]).unwrap())
        .is_err());
}

#[test]
fn pools_match_pytorch() {
    let _rng = global_rng();
    simple("max_pool3d", || MaxPool3d::new(2));
    simple("max_pool3d_opts", || {
        MaxPool3d::new(3).stride(2).padding(1).ceil_mode(true)
    });
    simple("avg_pool3d", || AvgPool3d::new(2));
    simple("avg_pool3d_opts", || {
        AvgPool3d::new(2)
            .stride(1)
            .padding(1)
            .count_include_pad(false)
    });
    simple("avg_pool3d_divisor", || {
        AvgPool3d::new([1, 2, 2]).divisor_override(3)
    });
    simple("adaptive_avg_pool1d", || AdaptiveAvgPool1d::new(3));
    simple("adaptive_avg_pool3d", || AdaptiveAvgPool3d::new([2, 3, 2]));
    simple("adaptive_max_pool1d", || AdaptiveMaxPool1d::new(3));
    simple("adaptive_max_pool2d", || AdaptiveMaxPool2d::new([3, 2]));
    simple("adaptive_max_pool3d", || AdaptiveMaxPool3d::new(2));
    let x = Tensor::from_data(&[1.0f32, 3.0, 2.0, 0.0], &[1, 1, 4]).unwrap();
    let (v, i) = AdaptiveMaxPool1d::new(2).forward_with_indices(&x).unwrap();
    assert_eq!(v.to_vec::<f32>().unwrap(), [3.0, 2.0]);
    assert_eq!(i.to_vec::<i64>().unwrap(), [1, 2]);
    assert!(AdaptiveMaxPool1d::new(-1).f_forward(&x).is_err());
    assert!(AvgPool3d::new(2)
        .divisor_override(0)
        .f_forward(&Tensor::from_data(&[1.0f32; 8], &[1, 1, 2, 2, 2]).unwrap())
        .is_err());
}

#[test]
fn conv_padding_modes_match_pytorch() {
    let _rng = global_rng();
    let cfg = ConvConfig::default;
    simple("conv2d_reflect", || {
        Conv2d::new(2, 3, 3, cfg().padding(1).padding_mode(PaddingMode::Reflect))
    });
    simple("conv2d_replicate", || {
        Conv2d::new(
            2,
            3,
            3,
            cfg().padding(2).padding_mode(PaddingMode::Replicate),
        )
    });
    simple("conv2d_circular", || {
        Conv2d::new(
            2,
            4,
            3,
            cfg()
                .stride(2)
                .padding(1)
                .padding_mode(PaddingMode::Circular)
                .bias(false),
        )
    });
    simple("conv1d_same", || {
        Conv1d::new(2, 3, 4, cfg().padding_same().dilation(2))
    });
    simple("conv2d_same_reflect", || {
        Conv2d::new(
            2,
            3,
            4,
            cfg().padding_same().padding_mode(PaddingMode::Reflect),
        )
    });
    simple("conv2d_valid", || Conv2d::new(2, 3, 3, cfg().padding(0)));
    simple("conv3d_circular", || {
        Conv3d::new(
            1,
            2,
            2,
            cfg().padding(1).padding_mode(PaddingMode::Circular),
        )
    });
    simple("conv1d_replicate", || {
        Conv1d::new(
            2,
            2,
            3,
            cfg().padding(1).padding_mode(PaddingMode::Replicate),
        )
    });
    assert_eq!(
        "circular".parse::<PaddingMode>().unwrap(),
        PaddingMode::Circular
    );
    assert!("mirror".parse::<PaddingMode>().is_err());
    let e = Conv2d::f_make(1, 1, 3, cfg().padding_same().stride(2), false)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("strided"), "{e}");
    assert!(Conv2d::f_make(1, 1, 3, cfg().padding_mode(PaddingMode::Reflect), true).is_err());
    // Reflect padding wider than the input is PyTorch's error, not a crash.
    let c = Conv1d::new(1, 1, 3, cfg().padding(4).padding_mode(PaddingMode::Reflect));
    assert!(c
        .f_forward(&Tensor::from_data(&[1.0f32; 3], &[1, 1, 3]).unwrap())
        .is_err());
}

#[test]
fn embedding_bag_matches_pytorch() {
    let _rng = global_rng();
    let bags = |m: &EmbeddingBag, xs: &[Tensor]| {
        vec![m.forward_bags(&xs[0], Some(&xs[1]), xs.get(2)).unwrap()]
    };
    case("embedding_bag_mean", || EmbeddingBag::new(10, 3), bags);
    case(
        "embedding_bag_sum_weights",
        || EmbeddingBag::new(10, 3).mode(EmbeddingBagMode::Sum),
        bags,
    );
    simple("embedding_bag_max_2d", || {
        EmbeddingBag::new(10, 3).mode(EmbeddingBagMode::Max)
    });
    simple("embedding_bag_padding", || {
        EmbeddingBag::f_new(6, 2, Some(2)).unwrap()
    });
    case(
        "embedding_bag_last_offset",
        || {
            EmbeddingBag::new(10, 3)
                .mode(EmbeddingBagMode::Sum)
                .include_last_offset(true)
        },
        bags,
    );
    let bag = EmbeddingBag::new(4, 2);
    let flat = Tensor::from_slice(&[0i64, 1, 3]);
    let w = Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
    let off = Tensor::from_slice(&[0i64]);
    assert!(bag.forward_bags(&flat, None, None).is_err());
    assert!(bag.forward_bags(&flat, Some(&off), Some(&w)).is_err()); // mode mean
    let two = Tensor::from_data(&[0i64, 1, 2, 3], &[2, 2]).unwrap();
    assert!(bag.forward_bags(&two, Some(&off), None).is_err());
    assert!(bag
        .forward_bags(&Tensor::from_slice(&[0i64, 7]), Some(&off), None)
        .is_err());
    assert!(EmbeddingBag::f_new(4, 2, Some(4)).is_err());
}

#[test]
fn containers_name_and_init_as_pytorch() {
    let _rng = global_rng();
    case(
        "module_list",
        || {
            ModuleList::new()
                .push(Linear::new(3, 4))
                .push(Tanh)
                .push(Linear::new(4, 2))
        },
        |m, xs| {
            let mut x = xs[0].shallow_clone();
            for l in m.iter() {
                x = l.forward(&x);
            }
            vec![x]
        },
    );
    case(
        "module_dict",
        || {
            ModuleDict::new()
                .with("enc", Linear::new(3, 4))
                .with("act", ReLU)
                .with("dec", Linear::new(4, 2))
        },
        |m, xs| {
            let h = m.get("enc").unwrap().forward(&xs[0]);
            let h = m.get("act").unwrap().forward(&h);
            vec![m.get("dec").unwrap().forward(&h)]
        },
    );
    let mut d = ModuleDict::new().with("a", ReLU).with("b", Tanh);
    d.insert("a", Sigmoid).unwrap();
    assert_eq!(d.keys().collect::<Vec<_>>(), ["a", "b"]);
    assert!(d.insert("x.y", ReLU).is_err());
    assert!(d.remove("a").is_some());
    assert_eq!(d.len(), 1);
    let x = Tensor::from_slice(&[1.0f32]);
    assert!(d.f_forward(&x).is_err());
    let mut l = ModuleList::new().push(Dropout::new(0.5));
    assert!(l.insert(5, ReLU).is_err());
    l.eval();
    assert!(!l.get(0).unwrap().is_training());
}

#[test]
fn cells_match_pytorch() {
    let _rng = global_rng();
    case(
        "rnn_cell",
        || RNNCell::new(3, 4),
        |m, xs| vec![m.forward_cell(&xs[0], Some(&xs[1])).unwrap()],
    );
    simple("rnn_cell_relu_nobias", || {
        RNNCell::f_new(3, 4, false, RnnMode::Relu).unwrap()
    });
    simple("rnn_cell_unbatched", || RNNCell::new(3, 4));
    case(
        "lstm_cell",
        || LSTMCell::new(3, 4),
        |m, xs| {
            let (h, c) = m.forward_cell(&xs[0], Some((&xs[1], &xs[2]))).unwrap();
            vec![h, c]
        },
    );
    case(
        "lstm_cell_zero",
        || LSTMCell::f_new(3, 5, false).unwrap(),
        |m, xs| {
            let (h, c) = m.forward_cell(&xs[0], None).unwrap();
            vec![h, c]
        },
    );
    case(
        "gru_cell",
        || GRUCell::new(3, 4),
        |m, xs| vec![m.forward_cell(&xs[0], Some(&xs[1])).unwrap()],
    );
    case(
        "gru_cell_unbatched",
        || GRUCell::new(3, 4),
        |m, xs| vec![m.forward_cell(&xs[0], Some(&xs[1])).unwrap()],
    );
    assert!(RNNCell::f_new(3, 4, true, RnnMode::Lstm).is_err());
    assert!(GRUCell::f_new(-1, 4, true).is_err());
    let cell = GRUCell::new(3, 4);
    let x = Tensor::from_data(&[1.0f32; 6], &[2, 3]).unwrap();
    assert!(cell
        .forward_cell(&Tensor::from_data(&[1.0f32; 8], &[2, 2, 2]).unwrap(), None)
        .is_err());
    let bad_h = Tensor::from_data(&[1.0f32; 6], &[2, 3]).unwrap();
    assert!(cell.forward_cell(&x, Some(&bad_h)).is_err());
    assert!(cell
        .forward_cell(&Tensor::from_data(&[1.0f32; 4], &[2, 2]).unwrap(), None)
        .is_err());
}

fn small() -> TransformerOptions {
    TransformerOptions::default().dim_feedforward(16)
}

fn evaluated<M: Module>(mut m: M) -> M {
    m.eval();
    m
}

fn encoder(o: TransformerOptions) -> TransformerEncoder {
    let layer = TransformerEncoderLayer::new(8, 2, o);
    TransformerEncoder::new(&layer, 2, Some(LayerNorm::new(&[8])))
}

fn decoder(o: TransformerOptions) -> TransformerDecoder {
    let layer = TransformerDecoderLayer::new(8, 2, o);
    TransformerDecoder::new(&layer, 2, Some(LayerNorm::new(&[8])))
}

#[test]
fn transformer_layers_match_pytorch() {
    let _rng = global_rng();
    case(
        "enc_layer",
        || evaluated(TransformerEncoderLayer::new(8, 2, small())),
        one,
    );
    case(
        "enc_layer_masks_bf_prenorm_gelu",
        || {
            evaluated(TransformerEncoderLayer::new(
                8,
                2,
                small()
                    .batch_first(true)
                    .norm_first(true)
                    .activation(TransformerActivation::Gelu),
            ))
        },
        |m, xs| {
            vec![m
                .forward_mask(&xs[0], Some(&xs[1]), Some(&xs[2]), false)
                .unwrap()]
        },
    );
    case(
        "enc_layer_unbatched_bool_mask",
        || evaluated(TransformerEncoderLayer::new(8, 2, small())),
        |m, xs| vec![m.forward_mask(&xs[0], Some(&xs[1]), None, false).unwrap()],
    );
    case(
        "encoder_causal",
        || evaluated(encoder(small())),
        |m, xs| vec![m.forward_mask(&xs[0], Some(&xs[1]), None, None).unwrap()],
    );
    case(
        "encoder_causal_kpm_bf",
        || evaluated(encoder(small().batch_first(true))),
        |m, xs| {
            vec![m
                .forward_mask(&xs[0], Some(&xs[1]), Some(&xs[2]), None)
                .unwrap()]
        },
    );
    case(
        "dec_layer",
        || evaluated(TransformerDecoderLayer::new(8, 2, small())),
        |m, xs| {
            let masks = DecoderMasks {
                tgt_mask: Some(&xs[2]),
                memory_key_padding_mask: Some(&xs[3]),
                ..Default::default()
            };
            vec![m.forward_memory(&xs[0], &xs[1], masks).unwrap()]
        },
    );
    case(
        "decoder_bf_prenorm",
        || evaluated(decoder(small().batch_first(true).norm_first(true))),
        |m, xs| {
            let masks = DecoderMasks {
                tgt_mask: Some(&xs[2]),
                tgt_key_padding_mask: Some(&xs[3]),
                ..Default::default()
            };
            vec![m.forward_memory(&xs[0], &xs[1], masks).unwrap()]
        },
    );
}

#[test]
fn transformer_matches_pytorch() {
    let _rng = global_rng();
    case(
        "transformer_bf",
        || evaluated(Transformer::new(8, 2, 2, 2, small().batch_first(true))),
        |m, xs| {
            let masks = TransformerMasks {
                src_key_padding_mask: Some(&xs[3]),
                decoder: DecoderMasks {
                    tgt_mask: Some(&xs[2]),
                    memory_key_padding_mask: Some(&xs[3]),
                    ..Default::default()
                },
                ..Default::default()
            };
            vec![m.forward_src_tgt(&xs[0], &xs[1], masks).unwrap()]
        },
    );
    case(
        "transformer_train",
        || Transformer::new(8, 2, 1, 1, small().dropout(0.2)),
        |m, xs| {
            vec![m
                .forward_src_tgt(&xs[0], &xs[1], TransformerMasks::default())
                .unwrap()]
        },
    );
}

#[test]
fn transformer_loads_a_pytorch_state_dict() {
    let _rng = global_rng();
    let c = &manifest()["cases"]["transformer_bf"];
    libtorch::manual_seed(1234); // different weights from the case's
    let mut t = Transformer::new(8, 2, 2, 2, small().batch_first(true));
    let mut sd = t.state_dict();
    for p in c["state"].as_array().unwrap() {
        sd.insert(p[0].as_str().unwrap().to_owned(), common::tensor(&p[1]));
    }
    assert_eq!(sd.len(), c["state"].as_array().unwrap().len());
    t.load_state_dict(&sd).unwrap();
    t.eval();
    let xs: Vec<Tensor> = c["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(common::tensor)
        .collect();
    let masks = TransformerMasks {
        src_key_padding_mask: Some(&xs[3]),
        decoder: DecoderMasks {
            tgt_mask: Some(&xs[2]),
            memory_key_padding_mask: Some(&xs[3]),
            ..Default::default()
        },
        ..Default::default()
    };
    let y = libtorch::no_grad(|| t.forward_src_tgt(&xs[0], &xs[1], masks).unwrap());
    common::assert_bit_identical(&y, &common::tensor(&c["outputs"][0]), "loaded transformer");
}

#[test]
fn transformer_arguments_are_checked() {
    assert!(TransformerEncoderLayer::f_new(8, 3, small()).is_err());
    assert!(TransformerEncoderLayer::f_new(8, 2, small().dropout(1.5)).is_err());
    assert!(TransformerDecoderLayer::f_new(0, 1, small()).is_err());
    assert!("swish".parse::<TransformerActivation>().is_err());
    let t = Transformer::new(8, 2, 1, 1, small());
    let src = Tensor::from_data(&[0.1f32; 5 * 2 * 8], &[5, 2, 8]).unwrap();
    let tgt = Tensor::from_data(&[0.1f32; 3 * 3 * 8], &[3, 3, 8]).unwrap();
    let e = t
        .forward_src_tgt(&src, &tgt, TransformerMasks::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("batch number"), "{e}");
    let layer = TransformerEncoderLayer::new(8, 2, small());
    let bad_mask = generate_square_subsequent_mask(4).unwrap();
    let e = layer
        .forward_mask(&src, Some(&bad_mask), None, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("attn_mask"), "{e}");
    let e = layer
        .forward_mask(&src, None, None, true)
        .unwrap_err()
        .to_string();
    assert!(e.contains("Need attn_mask"), "{e}");
    let int_mask = Tensor::from_data(&[0i64; 25], &[5, 5]).unwrap();
    assert!(layer
        .forward_mask(&src, Some(&int_mask), None, false)
        .is_err());
    assert!(t.f_forward(&src).is_err());
    // PyTorch's names, so a PyTorch state_dict loads strictly.
    let names: Vec<String> = layer
        .named_parameters()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        [
            "self_attn.in_proj_weight",
            "self_attn.in_proj_bias",
            "self_attn.out_proj.weight",
            "self_attn.out_proj.bias",
            "linear1.weight",
            "linear1.bias",
            "linear2.weight",
            "linear2.bias",
            "norm1.weight",
            "norm1.bias",
            "norm2.weight",
            "norm2.bias"
        ]
    );
}
