//! `vision::models` against torchvision 0.26 (tests/fixtures/vision/, from fixtures_vision.py):
//! state_dict keys, shapes and order equal to torchvision's; eval-mode outputs on weights
//! filled by a formula both sides compute with the same ATen operations; the initialisation
//! from a seed; and a torchvision-saved state_dict loaded strictly.
mod common;

use common::tensor;
use libtorch::nn::Module;
use libtorch::vision::models::*;
use libtorch::{Kind, NoGradGuard, Tensor};
use serde_json::Value;

/// Building a model draws from the global generator: the tests take turns, so the seeded one
/// sees only its own draws.
static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn rng() -> std::sync::MutexGuard<'static, ()> {
    RNG.lock().unwrap_or_else(|e| e.into_inner())
}

fn manifest() -> Value {
    common::manifest("vision")["models"].clone()
}

/// `(name, shape)` of every parameter and buffer, in registration (state_dict) order.
fn keys(m: &dyn Module) -> Vec<(String, Vec<i64>)> {
    let mut v = Vec::new();
    m.visit(&mut |n, _, t| v.push((n.to_owned(), t.size())));
    v
}

fn want_keys(v: &Value) -> Vec<(String, Vec<i64>)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let shape = e[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_i64().unwrap())
                .collect();
            (e[0].as_str().unwrap().to_owned(), shape)
        })
        .collect()
}

/// fixtures_vision.py's `fill_state`, with the same ATen operations.
fn fill_state(m: &dyn Module) {
    let mut entries = Vec::new();
    m.visit(&mut |n, _, t| entries.push((n.to_owned(), t.shallow_clone())));
    let _g = NoGradGuard::new();
    for (p, (name, t)) in entries.into_iter().enumerate() {
        if !t.kind().is_floating_point() {
            continue;
        }
        let n = t.numel() as i64;
        let s = Tensor::arange_opts(0, n, 1, (Kind::Double, libtorch::Device::Cpu))
            .mul(0.7)
            .add(0.3)
            .add(p as i64)
            .sin();
        let size = t.size();
        let v = if name.ends_with("running_var") {
            s.mul(0.5).add(1)
        } else if name.ends_with("running_mean") {
            s.mul(0.1)
        } else if size.len() >= 2 {
            s.div((n as f64 / size[0] as f64).sqrt())
        } else if size.len() == 1 && name.ends_with("weight") {
            s.mul(0.1).add(1)
        } else {
            s.mul(0.1)
        };
        let mut h = t.shallow_clone();
        h.copy_(&v.reshape(&size).to_dtype(t.kind()));
    }
}

fn det_input(shape: &[i64]) -> Tensor {
    let n: i64 = shape.iter().product();
    Tensor::arange_opts(0, n, 1, (Kind::Double, libtorch::Device::Cpu))
        .mul(0.37)
        .add(0.1)
        .sin()
        .reshape(shape)
        .to_dtype(Kind::Float)
}

fn small_vit_config() -> VitConfig {
    VitConfig {
        image_size: 32,
        patch_size: 8,
        num_layers: 2,
        num_heads: 2,
        hidden_dim: 16,
        mlp_dim: 32,
        dropout: 0.0,
        attention_dropout: 0.0,
        num_classes: 10,
    }
}

/// Relative closeness: max |got - want| <= tol * max |want|.
#[track_caller]
fn assert_close(got: &Tensor, want: &Tensor, tol: f64, what: &str) {
    assert_eq!(got.size(), want.size(), "{what}: shape");
    let scale = want.abs().max().double_value();
    let diff = got.sub(want).abs().max().double_value();
    assert!(scale > 0.0, "{what}: a zero output checks nothing");
    assert!(
        diff <= tol * scale,
        "{what}: max difference {diff} for values up to {scale}"
    );
}

#[test]
fn state_dict_keys_and_shapes_equal_torchvisions() {
    let _rng = rng();
    let m = manifest();
    let k = &m["keys"];
    assert_eq!(keys(&resnet18(1000)), want_keys(&k["resnet18"]), "resnet18");
    assert_eq!(keys(&resnet50(1000)), want_keys(&k["resnet50"]), "resnet50");
    assert_eq!(
        keys(&mobilenet_v3_small(1000)),
        want_keys(&k["mobilenet_v3_small"])
    );
    assert_eq!(
        keys(&mobilenet_v3_large(1000)),
        want_keys(&k["mobilenet_v3_large"])
    );
    let vit = vit_b_16(1000);
    assert_eq!(keys(&vit), want_keys(&k["vit_b_16"]), "vit_b_16");
    assert_eq!(vit.num_parameters(), 86_567_656);
}

#[test]
fn outputs_on_deterministic_weights_match_torchvision() {
    let _rng = rng();
    let m = manifest();
    let cases: Vec<(&str, Box<dyn Module>)> = vec![
        ("resnet18", Box::new(resnet18(10))),
        ("resnet50", Box::new(resnet50(10))),
        ("mobilenet_v3_small", Box::new(mobilenet_v3_small(10))),
        ("mobilenet_v3_large", Box::new(mobilenet_v3_large(10))),
        (
            "vit_small",
            Box::new(VisionTransformer::new(small_vit_config())),
        ),
    ];
    for (name, mut net) in cases {
        let case = &m["outputs"][name];
        assert_eq!(keys(net.as_ref()), want_keys(&case["keys"]), "{name} keys");
        fill_state(net.as_ref());
        net.eval();
        let shape: Vec<i64> = case["input_shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_i64().unwrap())
            .collect();
        let y = libtorch::no_grad(|| net.forward(&det_input(&shape)));
        assert_close(&y, &tensor(&case["out"]), 1e-4, name);
    }
}

#[test]
fn initialisation_from_a_seed_matches_torchvision() {
    let _rng = rng();
    let m = manifest();
    type Make = fn() -> Box<dyn Module>;
    let cases: Vec<(&str, Make)> = vec![
        ("resnet18", || Box::new(resnet18(10))),
        ("mobilenet_v3_small", || Box::new(mobilenet_v3_small(10))),
        ("vit_small", || {
            Box::new(VisionTransformer::new(small_vit_config()))
        }),
    ];
    for (name, make) in cases {
        libtorch::manual_seed(0);
        let net = make();
        let mut got = Vec::new();
        net.visit(&mut |n, _, t| got.push((n.to_owned(), t.shallow_clone())));
        let want = m["seeded"][name].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{name}");
        for ((n, t), w) in got.iter().zip(want) {
            assert_eq!(n, w[0].as_str().unwrap());
            let first = t.reshape(&[-1]).narrow(0, 0, t.numel().min(3) as i64);
            common::assert_bit_identical(&first, &tensor(&w[2]), &format!("{name} {n}"));
            let sum = t.to_dtype(Kind::Double).sum().double_value();
            let want_sum = w[1].as_f64().unwrap();
            assert!(
                (sum - want_sum).abs() <= 1e-9 * want_sum.abs().max(1.0),
                "{name} {n}: sum {sum} vs {want_sum}"
            );
        }
    }
}

#[test]
fn a_torchvision_state_dict_loads_strictly() {
    let _rng = rng();
    let m = manifest();
    let mut vit = VisionTransformer::new(small_vit_config());
    libtorch::serialize::load_module(&vit, common::fixture("vision/vit_small.pt")).unwrap();
    vit.eval();
    let y = libtorch::no_grad(|| vit.forward(&det_input(&[2, 3, 32, 32])));
    assert_close(
        &y,
        &tensor(&m["vit_small_file_out"]),
        1e-5,
        "vit_small from file",
    );
    // a file for another architecture is refused, naming the keys
    let net = resnet18(10);
    let e =
        libtorch::serialize::load_module(&net, common::fixture("vision/vit_small.pt")).unwrap_err();
    assert!(e.message().contains("class_token"), "{e}");
}

#[test]
fn training_mode_and_bad_inputs() {
    let _rng = rng();
    let mut net = resnet18(3);
    assert!(net.is_training());
    let x = Tensor::rand(&[2, 3, 32, 32]);
    let rm: Vec<(String, Tensor)> = net.named_buffers();
    let rm0 = rm
        .iter()
        .find(|(n, _)| n == "layer1.0.bn1.running_mean")
        .unwrap()
        .1
        .deep_clone();
    net.forward(&x).sum().backward();
    let after = net.named_buffers();
    let rm1 = &after
        .iter()
        .find(|(n, _)| n == "layer1.0.bn1.running_mean")
        .unwrap()
        .1;
    assert!(
        !rm1.equal(&rm0),
        "batch norm statistics update in training mode"
    );
    assert!(net.parameters().iter().all(|p| p.grad().defined()));
    net.eval();
    assert!(!net.is_training());
    let e = net.f_forward(&Tensor::zeros(&[2, 5, 32, 32])).unwrap_err();
    assert_eq!(e.op(), "ResNet");
    let vit = VisionTransformer::new(small_vit_config());
    let e = vit.f_forward(&Tensor::zeros(&[1, 3, 16, 16])).unwrap_err();
    assert!(e.message().contains("[N, 3, 32, 32]"), "{e}");
    let bad = VitConfig {
        patch_size: 7,
        ..small_vit_config()
    };
    assert!(VisionTransformer::f_new(bad).is_err());
    assert!(ResNet::f_new(Block::Basic, [2, 2, 2, 2], 0).is_err());
    assert!(MobileNetV3::f_new(MobileNetV3Arch::Small, -1, 0.2).is_err());
}
