//! TorchScript modules written by PyTorch 2.11 (tests/fixtures/gen/fixtures_jit.py): outputs
//! bit-identical to Python's, non-tensor arguments and results, errors, state, threads.
mod common;

use common::{assert_bit_identical, tensor};
use libtorch::jit::{self, ScriptModule};
use libtorch::nn::{Module, Slot};
use libtorch::optim::{Optimizer, Sgd};
use libtorch::{Complex, Device, IValue, Kind, Tensor};
use serde_json::Value as Json;
use std::sync::{Arc, Mutex};

/// Tests that seed or draw from libtorch's global generator take turns.
static RNG: Mutex<()> = Mutex::new(());

fn manifest() -> Json {
    common::manifest("jit")
}

fn load(entry: &str) -> ScriptModule {
    let m = manifest();
    let file = m[entry]["file"].as_str().expect("file");
    jit::load(common::fixture(&format!("jit/{file}"))).unwrap()
}

fn tmp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ltrs-jit-{}-{name}", std::process::id()))
}

fn as_tensor(v: &IValue) -> &Tensor {
    v.as_tensor()
        .unwrap_or_else(|| panic!("expected a Tensor, got a {}", v.type_name()))
}

#[test]
fn traced_convnet_matches_python_bit_for_bit() {
    let m = manifest();
    let net = load("convnet");
    let y = net.forward_ts(&[tensor(&m["convnet"]["input"])]);
    assert_bit_identical(&y, &tensor(&m["convnet"]["output"]), "convnet forward");
    // The same through forward_is and through the nn::Module trait.
    let y = net.forward_is(&[tensor(&m["convnet"]["input"]).into()]);
    assert_bit_identical(
        as_tensor(&y),
        &tensor(&m["convnet"]["output"]),
        "forward_is",
    );
    let y = Module::forward(&net, &tensor(&m["convnet"]["input"]));
    assert_bit_identical(&y, &tensor(&m["convnet"]["output"]), "Module::forward");
}

#[test]
fn scripted_lstm_returns_a_nested_tuple() {
    let m = manifest();
    let lstm = load("lstm");
    let out = lstm.forward_is(&[tensor(&m["lstm"]["input"]).into()]);
    let IValue::Tuple(items) = &out else {
        panic!("expected a tuple, got {out:?}")
    };
    assert_eq!(items.len(), 2);
    assert_bit_identical(
        as_tensor(&items[0]),
        &tensor(&m["lstm"]["output"]),
        "output",
    );
    let hc = items[1].as_slice().expect("(h, c)");
    assert!(matches!(items[1], IValue::Tuple(_)));
    assert_bit_identical(as_tensor(&hc[0]), &tensor(&m["lstm"]["h"]), "h");
    assert_bit_identical(as_tensor(&hc[1]), &tensor(&m["lstm"]["c"]), "c");
    // A tuple is not a tensor: forward_ts says so instead of guessing.
    let err = lstm
        .f_forward_ts(&[tensor(&m["lstm"]["input"])])
        .unwrap_err();
    assert!(err.message().contains("returned a tuple"), "{err}");
}

#[test]
fn methods_take_and_return_non_tensor_values() {
    let m = manifest();
    let want = &m["methods"];
    let mm = load("methods");
    let x = tensor(&want["forward_input"]);
    assert_bit_identical(
        &mm.forward_ts(std::slice::from_ref(&x)),
        &tensor(&want["forward_output"]),
        "forward",
    );
    let y = mm.method("scale_add", &[x.clone().into(), 3.into(), 0.5.into()]);
    assert_bit_identical(as_tensor(&y), &tensor(&want["scale_add"]), "scale_add");

    let s = mm.method("greet", &["rust".into(), 2.into()]);
    assert_eq!(s.as_str(), want["greet"].as_str());

    let stats = mm.method(
        "stats",
        &[IValue::List(vec![1.5.into(), (-2.0).into(), 4.25.into()])],
    );
    let stats = stats.as_slice().expect("tuple");
    assert_eq!(stats[0].as_double(), want["stats"][0].as_f64());
    assert_eq!(stats[1].as_double(), want["stats"][1].as_f64());
    assert_eq!(stats[2].as_int(), want["stats"][2].as_i64());
    // An int where the schema says float passes, as from Python.
    let mixed = mm.method("stats", &[IValue::List(vec![1.into(), 2.5.into()])]);
    assert_eq!(mixed.as_slice().unwrap()[0].as_double(), Some(3.5));

    let d = mm.method(
        "double_values",
        &[IValue::dict([("a", 1.into()), ("b", (-4).into())])],
    );
    assert_eq!(
        d.get("aa").and_then(IValue::as_int),
        want["double_values"]["aa"].as_i64()
    );
    assert_eq!(
        d.get("bb").and_then(IValue::as_int),
        want["double_values"]["bb"].as_i64()
    );
    assert_eq!(d.as_dict().unwrap().len(), 2);

    assert_eq!(
        mm.method("or_default", &[IValue::None]).as_int(),
        want["or_default"][0].as_i64()
    );
    assert_eq!(
        mm.method("or_default", &[Some(7i64).into()]).as_int(),
        want["or_default"][1].as_i64()
    );
    assert_eq!(
        mm.method("negate", &[true.into()]).as_bool(),
        want["negate"].as_bool()
    );
    let lens = mm.method(
        "lengths",
        &[IValue::List(vec!["a".into(), "bcd".into(), "".into()])],
    );
    let lens: Vec<i64> = lens
        .as_slice()
        .unwrap()
        .iter()
        .map(|v| v.as_int().unwrap())
        .collect();
    let want_lens: Vec<i64> = want["lengths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(lens, want_lens);

    let ts: Vec<IValue> = want["total_inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| tensor(t).into())
        .collect();
    let total = mm.method("total", &[IValue::List(ts)]);
    assert_bit_identical(as_tensor(&total), &tensor(&want["total"]), "total");

    // An empty list has no element type of its own: the schema's List[int] gives it one.
    assert_eq!(
        mm.method("count", &[IValue::List(vec![])]).as_int(),
        want["count_empty"].as_i64()
    );
    let nested = IValue::List(vec![
        IValue::List(vec![1.into(), 2.into()]),
        IValue::List(vec![]),
        IValue::List(vec![3.into()]),
    ]);
    assert_eq!(
        mm.method("flat_sum", &[nested]).as_int(),
        want["flat_sum"].as_i64()
    );

    // Defaults and keyword arguments.
    assert_eq!(
        mm.method("with_default", &[4.into()]).as_int(),
        want["with_default"][0].as_i64()
    );
    assert_eq!(
        mm.method_kw("with_default", &[4.into()], &[("y", 7.into())])
            .as_int(),
        want["with_default"][1].as_i64()
    );
    assert_eq!(
        mm.method_kw("with_default", &[], &[("y", 7.into()), ("x", 4.into())])
            .as_int(),
        want["with_default"][1].as_i64()
    );

    let z = mm.method("twice", &[IValue::Complex(Complex::new(1.5, -2.0))]);
    let IValue::Complex(z) = z else {
        panic!("expected a complex, got {z:?}")
    };
    assert_eq!(
        (Some(z.re), Some(z.im)),
        (want["twice"][0].as_f64(), want["twice"][1].as_f64())
    );

    let zeros = mm.method("or_zeros", &[IValue::None]);
    assert_bit_identical(
        as_tensor(&zeros),
        &tensor(&want["or_zeros"][0]),
        "or_zeros(None)",
    );
    let plus = mm.method("or_zeros", &[tensor(&want["total_inputs"][0]).into()]);
    assert_bit_identical(
        as_tensor(&plus),
        &tensor(&want["or_zeros"][1]),
        "or_zeros(t)",
    );

    // A dtype goes in as IValue::Kind (an int in TorchScript), a device as IValue::Device.
    let made = mm.method("make", &[4.into(), Kind::Double.into(), Device::Cpu.into()]);
    assert_bit_identical(as_tensor(&made), &tensor(&want["make_float64"]), "make");

    let described = mm.method("describe", &[Tensor::zeros(&[2, 5]).into()]);
    let d = described.as_slice().expect("tuple");
    assert!(matches!(d[0], IValue::Device(Device::Cpu)), "{:?}", d[0]);
    assert_eq!(d[1].as_int(), Some(Kind::Float as i64)); // a dtype comes back as its code
    let shape: Vec<i64> = d[2]
        .as_slice()
        .unwrap()
        .iter()
        .map(|v| v.as_int().unwrap())
        .collect();
    assert_eq!(shape, [2, 5]);
    assert_eq!(d[3].as_bool(), Some(false));

    let mixed = mm.method("mixed", &[]);
    let parts = mixed.as_slice().expect("tuple");
    let tensors = parts[0].as_slice().expect("list of tensors");
    for (got, want) in tensors
        .iter()
        .zip(want["mixed"]["tensors"].as_array().unwrap())
    {
        assert_bit_identical(as_tensor(got), &tensor(want), "mixed tensors");
    }
    let dict = parts[1].as_dict().expect("dict");
    let entries: Vec<(i64, &str)> = dict
        .iter()
        .map(|(k, v)| (k.as_int().unwrap(), v.as_str().unwrap()))
        .collect();
    let want_entries: Vec<(i64, &str)> = want["mixed"]["dict"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e[0].as_i64().unwrap(), e[1].as_str().unwrap()))
        .collect();
    assert_eq!(entries, want_entries);
    assert!(parts[2].is_none());
    assert_eq!(parts[3].as_double(), want["mixed"]["float"].as_f64());
}

#[test]
fn torchscript_errors_come_back_as_err_with_its_message() {
    let m = manifest();
    let mm = load("methods");
    let x: IValue = tensor(&m["methods"]["forward_input"]).into();

    // Wrong number of arguments.
    let err = mm.f_forward_is(&[x.clone(), x.clone()]).unwrap_err();
    assert!(
        err.message()
            .contains("Expected at most 2 argument(s) for operator 'forward', but received 3"),
        "{err}"
    );
    assert_eq!(err.op(), "ScriptModule::forward");
    let err = mm.f_forward_is(&[]).unwrap_err();
    assert!(
        err.message()
            .contains("forward() is missing value for argument 'x'"),
        "{err}"
    );
    // Wrong type.
    let err = mm.f_method("greet", &[5.into(), 2.into()]).unwrap_err();
    assert!(
        err.message()
            .contains("greet() Expected a value of type 'str' for argument 'name'"),
        "{err}"
    );
    let err = mm
        .f_method("count", &[IValue::List(vec!["a".into()])])
        .unwrap_err();
    assert!(
        err.message()
            .contains("Expected a value of type 'List[int]'"),
        "{err}"
    );
    let err = mm
        .f_method_kw("with_default", &[1.into()], &[("z", 2.into())])
        .unwrap_err();
    assert!(
        err.message().contains("Unknown keyword argument 'z'"),
        "{err}"
    );
    // A `raise` in the script.
    let err = mm.f_method("check_positive", &[(-3).into()]).unwrap_err();
    let want = m["methods"]["check_positive_error"].as_str().unwrap();
    assert!(err.message().contains(want), "{err}");
    assert!(err.message().contains("ValueError"), "{err}");
    assert_eq!(mm.method("check_positive", &[3.into()]).as_int(), Some(3));
    // A missing method names the ones there are.
    let err = mm.f_method("nope", &[]).unwrap_err();
    assert!(err.message().contains("no method `nope`"), "{err}");
    assert!(
        err.message().contains("forward") && err.message().contains("greet"),
        "{err}"
    );
    assert_eq!(err.op(), "ScriptModule::method");
    // A result with no IValue form names its type.
    let err = mm.f_method("point", &[1.into()]).unwrap_err();
    assert!(
        err.message().contains("Point") && err.message().contains("no IValue form"),
        "{err}"
    );
    // Bytes have no TorchScript form.
    let err = mm
        .f_method("greet", &[IValue::Bytes(vec![1]), 1.into()])
        .unwrap_err();
    assert!(err.message().contains("no bytes type"), "{err}");
    // Dict keys must share one hashable type.
    let bad = IValue::Dict(vec![(1.into(), 1.into()), ("a".into(), 2.into())]);
    let err = mm.f_method("double_values", &[bad]).unwrap_err();
    assert!(err.message().contains("dict keys"), "{err}");
    // The panicking form panics with the same message, at the caller.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        mm.method("check_positive", &[0.into()])
    }));
    let msg = caught.unwrap_err();
    let msg = msg.downcast_ref::<String>().unwrap();
    assert!(msg.contains("x must be positive, got 0"), "{msg}");
}

#[test]
fn bad_files_are_errors() {
    let err = jit::load("/nonexistent/model.pt").unwrap_err();
    assert!(err.message().contains("/nonexistent/model.pt"), "{err}");
    assert_eq!(err.op(), "jit::load");

    let garbage = tmp("garbage.pt");
    std::fs::write(
        &garbage,
        b"this is not a zip archive at all, just some bytes",
    )
    .unwrap();
    let err = jit::load(&garbage).unwrap_err();
    assert!(err.message().contains("zip archive"), "{err}");
    std::fs::remove_file(&garbage).unwrap();

    let m = manifest();
    let file = common::fixture(&format!("jit/{}", m["convnet"]["file"].as_str().unwrap()));
    let bytes = std::fs::read(file).unwrap();
    for cut in [bytes.len() / 2, bytes.len() - 10, 30] {
        let err = jit::load_from_bytes(&bytes[..cut]).unwrap_err();
        assert!(!err.message().is_empty());
        let truncated = tmp("truncated.pt");
        std::fs::write(&truncated, &bytes[..cut]).unwrap();
        let err2 = jit::load(&truncated).unwrap_err();
        assert!(
            err2.message().contains("zip") || err2.message().contains("archive"),
            "{err2}"
        );
        std::fs::remove_file(&truncated).unwrap();
    }
    assert!(jit::load_from_bytes(&[]).is_err());
    let err = jit::load("model.pt\0.evil").unwrap_err();
    assert!(err.message().contains("NUL"), "{err}");
    // A state_dict file (torch.save) is not a TorchScript module.
    let sd = tmp("sd.pt");
    libtorch::serialize::save([("w", &Tensor::from_slice(&[1.0f32]))], &sd).unwrap();
    assert!(jit::load(&sd).is_err());
    std::fs::remove_file(&sd).unwrap();
}

#[test]
fn corrupted_files_fail_cleanly() {
    // Bytes flipped anywhere in a module file: loading fails with an error, or loads a module
    // whose forward fails or runs; never a crash. (A deterministic sample of positions.)
    let m = manifest();
    let file = common::fixture(&format!("jit/{}", m["convnet"]["file"].as_str().unwrap()));
    let bytes = std::fs::read(file).unwrap();
    let mut seed = 12345u64;
    let mut failures = 0;
    for i in 0..40 {
        let mut b = bytes.clone();
        for _ in 0..(1 + i % 4) {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let pos = (seed >> 33) as usize % b.len();
            b[pos] ^= (seed >> 20) as u8 | 1;
        }
        match jit::load_from_bytes(&b) {
            Ok(module) => {
                let _ = module.f_forward_ts(&[tensor(&m["convnet"]["input"])]);
            }
            Err(e) => {
                assert!(!e.message().is_empty());
                failures += 1;
            }
        }
    }
    assert!(failures > 0);
}

#[test]
fn nesting_is_bounded_both_ways() {
    let mm = load("methods");
    // deep(n) returns n + 1 nested lists.
    let ok = mm.method("deep", &[999.into()]);
    let mut depth = 0;
    let mut v = &ok;
    while let IValue::List(items) = v {
        depth += 1;
        v = &items[0];
    }
    assert_eq!((depth, v.as_int()), (jit::MAX_DEPTH, Some(0)));
    let err = mm.f_method("deep", &[1000.into()]).unwrap_err();
    assert!(err.message().contains("more than 1000 levels"), "{err}");

    let mut arg = IValue::Int(0);
    for _ in 0..=jit::MAX_DEPTH {
        arg = IValue::List(vec![arg]);
    }
    let err = mm.f_method("count", &[arg]).unwrap_err();
    assert!(err.message().contains("more than 1000 levels"), "{err}");
}

fn names(v: &[(String, Tensor)]) -> Vec<&str> {
    v.iter().map(|(n, _)| n.as_str()).collect()
}

fn check_named(got: &[(String, Tensor)], want: &Json, what: &str) {
    let want = want.as_array().unwrap();
    assert_eq!(got.len(), want.len(), "{what}: count");
    for ((name, t), w) in got.iter().zip(want) {
        assert_eq!(name, w[0].as_str().unwrap(), "{what}: name");
        assert_bit_identical(t, &tensor(&w[1]), name);
    }
}

#[test]
fn parameters_and_buffers_by_name() {
    let m = manifest();
    let net = load("convnet");
    check_named(
        &net.named_parameters(),
        &m["convnet"]["parameters"],
        "convnet parameters",
    );
    check_named(
        &net.named_buffers(),
        &m["convnet"]["buffers"],
        "convnet buffers",
    );
    // visit (and so state_dict) walks them in Python's state_dict order.
    let mut order = Vec::new();
    net.visit(&mut |n, slot, _| order.push((n.to_owned(), slot)));
    let want: Vec<&str> = m["convnet"]["state_dict_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        order.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        want
    );
    assert_eq!(order[0].1, Slot::Parameter);
    assert_eq!(
        order
            .iter()
            .find(|(n, _)| n == "bn.running_mean")
            .unwrap()
            .1,
        Slot::Buffer
    );

    let mm = load("methods");
    assert_eq!(
        names(&mm.named_parameters()),
        ["weight", "sub.weight", "sub.bias"]
    );
    assert_eq!(names(&mm.named_buffers()), ["offset"]);
    check_named(
        &mm.named_parameters(),
        &m["methods"]["parameters"],
        "methods parameters",
    );
    check_named(
        &mm.named_buffers(),
        &m["methods"]["buffers"],
        "methods buffers",
    );
    assert_eq!(Module::num_parameters(&mm), 3 + 6 + 2);
    assert!(mm.named_parameters().iter().all(|(_, t)| t.requires_grad()));
}

#[test]
fn parameters_are_the_modules_own() {
    // An optimizer step on the handles changes what forward computes.
    let m = manifest();
    let mm = load("methods");
    let x = tensor(&m["methods"]["forward_input"]);
    let before = mm.forward_ts(std::slice::from_ref(&x));
    let mut opt = Sgd::new(mm.parameters(), 0.1);
    let loss = mm.forward_ts(std::slice::from_ref(&x)).sum();
    loss.backward();
    opt.step().unwrap();
    let after = mm.forward_ts(std::slice::from_ref(&x));
    assert_ne!(before.to_bytes().unwrap(), after.to_bytes().unwrap());
    // The loss went down along the gradient.
    assert!(after.sum().double_value() < before.sum().double_value());

    // state_dict round trip through serialize::save_module / load_module.
    let path = tmp("script-sd.pt");
    libtorch::serialize::save_module(&mm, &path).unwrap();
    let fresh = load("methods");
    libtorch::serialize::load_module(&fresh, &path).unwrap();
    assert_bit_identical(
        &fresh.forward_ts(std::slice::from_ref(&x)),
        &after,
        "reloaded state",
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn train_and_eval_change_batchnorm_and_dropout() {
    let _rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
    let m = manifest();
    let want = &m["bn_dropout"];
    let x = tensor(&want["input"]);

    let mut net = load("bn_dropout");
    assert_eq!(net.is_training(), want["saved_training"].as_bool().unwrap());
    net.eval();
    assert!(!net.is_training());
    let y_eval = net.forward_ts(std::slice::from_ref(&x));
    assert_bit_identical(&y_eval, &tensor(&want["eval_output"]), "eval");
    assert_bit_identical(
        &net.forward_ts(std::slice::from_ref(&x)),
        &y_eval,
        "eval is deterministic",
    );

    let mut net = load("bn_dropout");
    net.train();
    assert!(net.is_training());
    libtorch::manual_seed(want["train_seed"].as_u64().unwrap());
    let y_train = net.forward_ts(std::slice::from_ref(&x));
    // Batch statistics and a dropout mask drawn from the same seed as in Python.
    assert_bit_identical(&y_train, &tensor(&want["train_output"]), "train");
    let zeros = y_train
        .eq(&Tensor::from_slice(&[0.0f32]))
        .sum()
        .int64_value();
    assert!(zeros > 0, "dropout zeroed nothing");
    let (_, running_mean) = net
        .named_buffers()
        .into_iter()
        .find(|(n, _)| n == "bn.running_mean")
        .unwrap();
    assert_bit_identical(
        &running_mean,
        &tensor(&want["train_running_mean"]),
        "running_mean",
    );
    // Through the nn::Module trait too.
    Module::eval(&mut net);
    assert!(!Module::is_training(&net));
}

#[test]
fn save_then_load_round_trips() {
    let m = manifest();
    let x = tensor(&m["methods"]["forward_input"]);
    let mut mm = load("methods");
    // Change a parameter in place, so the round trip must carry the module's state.
    let (_, w) = mm.named_parameters().into_iter().next().unwrap();
    {
        let _g = libtorch::NoGradGuard::new();
        w.shallow_clone().mul_(&Tensor::from_slice(&[2.0f32]));
    }
    mm.eval();
    let want = mm.forward_ts(std::slice::from_ref(&x));

    let path = tmp("saved.pt");
    mm.save(&path).unwrap();
    let back = jit::load(&path).unwrap();
    assert_bit_identical(
        &back.forward_ts(std::slice::from_ref(&x)),
        &want,
        "file round trip",
    );
    assert!(!back.is_training());
    assert_eq!(
        back.method("greet", &["x".into(), 1.into()]).as_str(),
        Some("hello x! ")
    );
    std::fs::remove_file(&path).unwrap();

    let bytes = mm.save_to_bytes().unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let back = jit::load_from_bytes(&bytes).unwrap();
    assert_bit_identical(
        &back.forward_ts(std::slice::from_ref(&x)),
        &want,
        "bytes round trip",
    );
    let mut names = back.method_names();
    names.sort();
    assert!(names.contains(&"forward".to_owned()) && names.contains(&"check_positive".to_owned()));
    assert!(back.has_method("greet") && !back.has_method("nope"));

    let err = mm.save("/nonexistent/dir/m.pt").unwrap_err();
    assert!(!err.message().is_empty());
}

#[test]
fn load_on_places_every_tensor() {
    let m = manifest();
    let file = common::fixture(&format!("jit/{}", m["convnet"]["file"].as_str().unwrap()));
    let meta = jit::load_on(&file, Device::Meta).unwrap();
    assert!(meta
        .named_parameters()
        .iter()
        .all(|(_, t)| t.device() == Device::Meta));
    assert!(meta
        .named_buffers()
        .iter()
        .all(|(_, t)| t.device() == Device::Meta));
    let bytes = std::fs::read(&file).unwrap();
    let meta = jit::load_from_bytes_on(&bytes, Device::Meta).unwrap();
    assert!(meta
        .named_parameters()
        .iter()
        .all(|(_, t)| t.device() == Device::Meta));
    let cpu = jit::load_on(&file, Device::Cpu).unwrap();
    let y = cpu.forward_ts(&[tensor(&m["convnet"]["input"])]);
    assert_bit_identical(&y, &tensor(&m["convnet"]["output"]), "load_on cpu");

    let mut moved = jit::load(&file).unwrap();
    moved.to(Device::Cpu);
    let y = moved.forward_ts(&[tensor(&m["convnet"]["input"])]);
    assert_bit_identical(&y, &tensor(&m["convnet"]["output"]), "to(cpu)");
    // The output's autograd graph holds the module's tensors (batch norm's running
    // statistics): while it lives, moving them in place is refused.
    assert!(moved.f_to(Device::Cpu).is_err());
    drop(y);
    if libtorch::cuda::is_available() {
        let gpu = jit::load_on(&file, Device::Cuda(0)).unwrap();
        let y = gpu.forward_ts(&[tensor(&m["convnet"]["input"]).to(Device::Cuda(0))]);
        let diff = (y.to(Device::Cpu) - tensor(&m["convnet"]["output"]))
            .abs()
            .max();
        assert!(diff.double_value() < 1e-5);
        moved.to(Device::Cuda(0));
        assert!(moved
            .named_parameters()
            .iter()
            .all(|(_, t)| t.device() == Device::Cuda(0)));
    } else {
        let err = jit::load_on(&file, Device::Cuda(0)).unwrap_err();
        assert!(err.message().contains("CUDA"), "{err}");
        let err = moved.f_to(Device::Cuda(0)).unwrap_err();
        assert!(err.message().contains("CUDA"), "{err}");
    }
}

#[test]
fn calls_run_in_parallel_unless_the_code_changes_its_state() {
    for entry in ["convnet", "lstm", "methods", "bn_dropout"] {
        assert!(load(entry).calls_in_parallel(), "{entry}");
    }
    // An attribute assigned, a list attribute appended to, an object attribute changed by its
    // own method, a dict attribute written.
    let stateful = ["counter", "appender", "accumulator", "cache"];
    for entry in stateful {
        assert!(!load(entry).calls_in_parallel(), "{entry}");
    }

    let m = manifest();
    let net = Arc::new(load("convnet"));
    let x = tensor(&m["convnet"]["input"]);
    let want = tensor(&m["convnet"]["output"]);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (net, x) = (net.clone(), x.clone());
            std::thread::spawn(move || {
                (0..25)
                    .map(|_| net.forward_ts(std::slice::from_ref(&x)))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for t in threads {
        for y in t.join().unwrap() {
            assert_bit_identical(&y, &want, "concurrent forward");
        }
    }

    // Calls on modules that change their state take turns: no update is lost.
    for entry in stateful {
        let count = m[entry]["count_method"].as_str().unwrap();
        let module = Arc::new(load(entry));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let module = module.clone();
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        module.forward_ts(&[Tensor::from_slice(&[1.0f32, 2.0])]);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(module.method(count, &[]).as_int(), Some(200), "{entry}");
    }
}

#[test]
fn debug_lists_methods() {
    let text = format!("{:?}", load("counter"));
    assert!(
        text.contains("forward") && text.contains("get_calls"),
        "{text}"
    );
    assert!(text.contains("calls_in_parallel: false"), "{text}");
}

/// Moving a module whose parameters are held elsewhere (an optimizer) is refused, as for the
/// crate's own modules: the move changes them in place.
#[test]
fn to_refuses_while_parameters_are_held_outside() {
    let mut m = libtorch::jit::load(common::fixture("jit/convnet_traced.pt")).unwrap();
    m.f_to(libtorch::Device::Cpu).unwrap();
    let held = m.named_parameters();
    let e = m.f_to(libtorch::Device::Cpu).unwrap_err();
    assert!(e.message().contains("held outside the module"), "{e}");
    drop(held);
    m.f_to(libtorch::Device::Cpu).unwrap();
}
