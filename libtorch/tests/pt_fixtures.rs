//! `torch.save` files written by Python's PyTorch 2.11 (tests/fixtures/pt/, made by
//! tests/fixtures/gen/fixtures_pt.py) load here exactly as `torch.load(weights_only=True)` loads
//! them: same structure, dtypes, shapes, strides, storage sharing and bits.
mod common;

use common::describe::describe;
use libtorch::nn::{BatchNorm1d, Linear, Module, ReLU, Sequential};
use libtorch::serialize::{self, LoadModule};
use libtorch::{Device, IValue, Kind, Tensor};
use std::collections::BTreeMap;

/// Every fixture's description equals the one Python made of `torch.load(path)`.
#[test]
fn every_fixture_loads_as_python_loads_it() {
    let manifest = common::manifest("pt");
    let mut checked = 0;
    for (name, want) in manifest.as_object().unwrap() {
        if !name.ends_with(".pt") {
            continue;
        }
        let path = common::fixture(&format!("pt/{name}"));
        let got = serialize::load_value(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            describe(&got),
            *want,
            "{name}: loaded differently from Python's torch.load"
        );
        // The same from bytes in memory.
        let bytes = std::fs::read(&path).unwrap();
        let again = serialize::load_value_from_bytes(&bytes).unwrap();
        assert_eq!(describe(&again), *want, "{name} from bytes");
        checked += 1;
    }
    // Every committed file but the one libtorch's C++ pickler wrote is described.
    let files = std::fs::read_dir(common::fixture("pt"))
        .unwrap()
        .filter(|e| {
            let n = e.as_ref().unwrap().file_name();
            let n = n.to_string_lossy();
            n.ends_with(".pt") && n != "written-by-pickle-save.pt"
        })
        .count();
    assert_eq!(checked, files);
    assert!(checked >= 16);
}

fn net() -> Sequential {
    Sequential::new()
        .add(Linear::new(4, 3))
        .add(ReLU)
        .add(BatchNorm1d::new(3))
        .add(Linear::new(3, 2))
}

/// `torch.save(model.state_dict())` from Python — an OrderedDict, the file every PyTorch user
/// has — loads into the same model in Rust, whose forward then gives Python's outputs.
#[test]
fn a_python_state_dict_loads_into_the_same_model() {
    let forward = &common::manifest("pt")["model_forward"];
    let (x, want) = (
        common::tensor(&forward["input"]),
        common::tensor(&forward["output"]),
    );
    for file in [
        "state_dict.pt",
        "state_dict_plain_dict.pt",
        "legacy_format.pt",
    ] {
        let mut m = net();
        serialize::load_module(&m, common::fixture(&format!("pt/{file}"))).unwrap();
        m.eval();
        let y = libtorch::no_grad(|| m.forward(&x));
        common::assert_bit_identical(&y, &want, file);
    }
}

/// A nested training checkpoint gives its model with `entry("model")`, and its other values.
#[test]
fn a_training_checkpoint_gives_its_parts() {
    let path = common::fixture("pt/checkpoint.pt");
    let ckpt = serialize::load_value(&path).unwrap();
    assert_eq!(ckpt.get("epoch").and_then(IValue::as_int), Some(3));
    let config = ckpt.get("config").unwrap();
    assert_eq!(config.get("name").and_then(IValue::as_str), Some("mlp"));
    assert_eq!(config.get("lr").and_then(IValue::as_double), Some(0.01));
    assert!(matches!(
        config.get("dtype"),
        Some(IValue::Kind(Kind::Half))
    ));
    assert!(matches!(
        config.get("device"),
        Some(IValue::Device(Device::Cpu))
    ));
    assert!(matches!(config.get("raw"), Some(IValue::Bytes(b)) if b == &[0, 1, 0xfe, 0xff]));
    // Adam's state, as torch.optim writes it: `state` by parameter index, `param_groups`.
    let opt = ckpt.get("optimizer").unwrap();
    let groups = opt.get("param_groups").unwrap().as_slice().unwrap();
    assert_eq!(groups[0].get("lr").and_then(IValue::as_double), Some(0.01));
    let step = opt.get("state").unwrap().as_dict().unwrap()[0]
        .1
        .get("step")
        .unwrap();
    assert_eq!(step.as_tensor().unwrap().double_value(), 2.0);

    let m = net();
    let keys =
        serialize::load_module_with(&m, &path, &LoadModule::default().entry("model")).unwrap();
    assert!(keys.is_empty());
    assert!(
        serialize::load_module(&m, &path).is_err(),
        "a checkpoint is not a state dict"
    );
}

/// Views and tied weights come back sharing one storage, as in Python.
#[test]
fn shared_storages_stay_shared() {
    let sd: BTreeMap<String, Tensor> = serialize::load(common::fixture("pt/tied.pt"))
        .unwrap()
        .into_iter()
        .collect();
    let w = &sd["encoder.weight"];
    assert!(
        w.is_same(&sd["decoder.weight"]),
        "the same tensor twice is one tensor"
    );
    // Writing through one view shows in the others.
    sd["row"].shallow_clone().fill_scalar_(7.0);
    assert_eq!(w.to_vec2::<f32>().unwrap()[1], [7.0; 4]);
    assert_eq!(sd["transposed"].to_vec2::<f32>().unwrap()[0][1], 7.0);
    assert_eq!(sd["detached"].to_vec2::<f32>().unwrap()[1], [7.0; 4]);
}

/// A GPU checkpoint loads onto the CPU with a map location; without one, on a machine without
/// CUDA, the error says what to do.
#[test]
fn map_location_places_every_tensor() {
    let path = common::fixture("saved-on-cuda.pt");
    let v = serialize::load_value_on(&path, Device::Cpu).unwrap();
    for (name, t) in v.named_tensors() {
        assert_eq!(t.device(), Device::Cpu, "{name}");
    }
    if !libtorch::cuda::is_available() {
        let e = serialize::load_value(&path).unwrap_err();
        assert!(
            e.message().contains("no CUDA device") && e.message().contains("load_on"),
            "{e}"
        );
    }
}

/// A file written by libtorch's own C++ pickler (what this crate wrote before it wrote
/// torch.save's format) still loads.
#[test]
fn files_from_libtorch_pickle_save_still_load() {
    let sd = serialize::load(common::fixture("pt/written-by-pickle-save.pt")).unwrap();
    assert_eq!(sd[0].0, "layer.weight");
    assert_eq!(sd[0].1.to_vec::<f32>().unwrap(), [1.5, -2.0, 3.25, 4.0]);
    assert_eq!(sd[1].1.to_vec::<i64>().unwrap(), [7, -9]);
}

/// Optimizer states saved by `torch.optim` (two steps in) load into our optimizers, which then
/// make the same third step as PyTorch did, bit for bit; and our state dict, saved and loaded
/// back, continues the same way.
#[test]
fn python_optimizer_states_continue_identically() {
    use libtorch::optim::{Adagrad, Adam, AdamW, Optimizer, RmsProp, Sgd};
    let manifest = common::manifest("pt");
    type Make = fn(Vec<Tensor>) -> Box<dyn Optimizer>;
    // Deliberately other hyper-parameters than Python's: the state dict's must win.
    let cases: [(&str, Make); 7] = [
        ("sgd_momentum", |p| Box::new(Sgd::new(p, 1.0))),
        ("sgd_nesterov", |p| Box::new(Sgd::new(p, 1.0))),
        ("adam", |p| Box::new(Adam::new(p, 1.0))),
        ("adam_amsgrad", |p| Box::new(Adam::new(p, 1.0))),
        ("adamw", |p| Box::new(AdamW::new(p, 1.0))),
        ("rmsprop", |p| Box::new(RmsProp::new(p, 1.0))),
        ("adagrad", |p| Box::new(Adagrad::new(p, 1.0))),
    ];
    for (name, make) in cases {
        let ckpt =
            serialize::load_value(common::fixture(&format!("pt/optimizer_{name}.pt"))).unwrap();
        let m = net();
        serialize::load_module_with(
            &m,
            common::fixture(&format!("pt/optimizer_{name}.pt")),
            &LoadModule::default().entry("model"),
        )
        .unwrap();
        let x = ckpt
            .get("input")
            .unwrap()
            .as_tensor()
            .unwrap()
            .shallow_clone();
        let mut opt = make(m.parameters());
        opt.load_state_dict(ckpt.get("optimizer").unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // Our own state dict of the loaded state loads into a fresh optimizer just as well.
        let ours = serialize::load_value_from_bytes(
            &serialize::save_value_to_bytes(&opt.state_dict().unwrap()).unwrap(),
        )
        .unwrap();
        let m2 = net();
        serialize::load_module_with(
            &m2,
            common::fixture(&format!("pt/optimizer_{name}.pt")),
            &LoadModule::default().entry("model"),
        )
        .unwrap();
        let mut opt2 = make(m2.parameters());
        opt2.load_state_dict(&ours).unwrap();
        for (model, opt) in [(&m, &mut opt), (&m2, &mut opt2)] {
            opt.zero_grad();
            model.forward(&x).square().sum().backward();
            opt.step().unwrap();
            let want = manifest[format!("optimizer_{name}_next_step")]
                .as_array()
                .unwrap();
            for (i, (p, w)) in model.parameters().iter().zip(want).enumerate() {
                common::assert_bit_identical(
                    &p.detach(),
                    &common::tensor(w),
                    &format!("{name}: parameter {i} after the third step"),
                );
            }
        }
    }
}
