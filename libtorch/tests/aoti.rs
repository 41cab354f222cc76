//! AOTInductor packages compiled by PyTorch 2.11 (tests/fixtures/gen/fixtures_jit.py): outputs
//! against the eager model's, model selection, input checks, threads.
mod common;

use common::tensor;
use libtorch::aoti::{self, CompiledModel, LoadOptions};
use libtorch::{Device, Kind, Tensor};
use serde_json::Value as Json;
use std::sync::Arc;

fn entry(name: &str) -> Json {
    common::manifest("jit")["aoti"][name].clone()
}

fn package(e: &Json) -> std::path::PathBuf {
    common::fixture(&format!("jit/{}", e["file"].as_str().unwrap()))
}

fn load(name: &str) -> CompiledModel {
    let e = entry(name);
    aoti::load_package_with(
        package(&e),
        &LoadOptions::model(e["model_name"].as_str().unwrap()),
    )
    .unwrap()
}

#[track_caller]
fn assert_close(got: &Tensor, want: &Tensor, what: &str) {
    assert_eq!(got.kind(), want.kind(), "{what}: dtype");
    assert_eq!(got.size(), want.size(), "{what}: shape");
    let diff = (got - want).abs().max().double_value();
    assert!(diff <= 1e-5, "{what}: max |compiled - eager| = {diff}");
}

/// Every input of the manifest entry through the model, against the eager outputs.
fn check_outputs(model: &CompiledModel, e: &Json) {
    let inputs = e["inputs"].as_array().unwrap();
    let outputs = e["eager_outputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2);
    for (x, want) in inputs.iter().zip(outputs) {
        let got = model.run(&[tensor(x)]);
        assert_eq!(got.len(), 1);
        assert_close(&got[0], &tensor(want), model.model_name());
    }
}

#[test]
fn mlp_package_agrees_with_eager() {
    let e = entry("mlp");
    assert_eq!(e["model_name"], "model");
    let model = aoti::load_package(package(&e)).unwrap();
    assert_eq!(model.model_name(), "model");
    check_outputs(&model, &e); // batches of 64 and 20: the batch dimension is dynamic
}

#[test]
fn cnn_package_is_selected_by_model_name() {
    let e = entry("cnn");
    assert_eq!(e["model_name"], "cnn");
    let model = load("cnn");
    check_outputs(&model, &e);
    // Inductor compiled the CNN for batches of 16 to 1024 (around its example's 64), and the
    // model says so.
    let err = model.f_run(&[Tensor::zeros(&[3, 1, 28, 28])]).unwrap_err();
    assert!(
        err.message()
            .contains("dim value is too small at 0, expected it to be >= 16"),
        "{err}"
    );
    // The package holds no model called "model".
    let err = aoti::load_package(package(&e)).unwrap_err();
    assert!(err.message().contains("model"), "{err}");
    assert_eq!(err.op(), "aoti::load_package");
}

#[test]
fn metadata_and_constants() {
    let model = load("mlp");
    let meta = model.metadata().unwrap();
    assert_eq!(meta.get("AOTI_DEVICE_KEY").map(String::as_str), Some("cpu"));
    // Compiled for any x86-64 with AVX2, not for the generating machine alone.
    assert_eq!(meta.get("AOTI_CPU_ISA").map(String::as_str), Some("AVX2"));
    let mut names = model.constant_names().unwrap();
    names.sort();
    assert_eq!(names, ["0.bias", "0.weight", "2.bias", "2.weight"]);
    assert_eq!(
        std::env::var("AOTI_RUNTIME_CHECK_INPUTS").as_deref(),
        Ok("1")
    );
}

#[test]
fn wrong_inputs_are_errors() {
    let model = load("mlp");
    let e = entry("mlp");
    let x = tensor(&e["inputs"][0]);
    let msg = |r: libtorch::Result<Vec<Tensor>>| r.unwrap_err().message().to_owned();

    let m = msg(model.f_run(&[]));
    assert!(
        m.contains("expected inputs vector size to be 1, but got 0"),
        "{m}"
    );
    let m = msg(model.f_run(&[x.clone(), x.clone()]));
    assert!(
        m.contains("expected inputs vector size to be 1, but got 2"),
        "{m}"
    );
    // The model's own checks, with its message (which its runtime writes to stderr only).
    let m = msg(model.f_run(&[x.to_dtype(Kind::Double)]));
    assert!(m.contains("input_handles[0]: unmatched dtype"), "{m}");
    let m = msg(model.f_run(&[x.narrow(1, 0, 63)]));
    assert!(
        m.contains("unmatched dim value at 1, expected: 64, but got: 63"),
        "{m}"
    );
    let m = msg(model.f_run(&[Tensor::zeros(&[1025, 64])]));
    assert!(
        m.contains("dim value is too large at 0, expected to be <= 1024"),
        "{m}"
    );
    let m = msg(model.f_run(&[Tensor::default()]));
    assert!(m.contains("undefined"), "{m}");
    let m = msg(model.f_run(&[x.to(Device::Meta)]));
    assert!(m.contains("unmatched device type"), "{m}");
    let sparse = x.to_sparse();
    let m = msg(model.f_run(&[sparse]));
    assert!(m.contains("layout"), "{m}");

    // A non-contiguous view is copied to a dense tensor first, and computes the same.
    let wide = Tensor::cat_with(&[x.clone(), x.clone()], 1);
    let strided = wide.narrow(1, 0, 64);
    assert!(!strided.is_contiguous());
    let got = model.run(&[strided]);
    assert_close(&got[0], &tensor(&e["eager_outputs"][0]), "strided input");
}

#[test]
fn bad_packages_are_errors() {
    let err = aoti::load_package("/nonexistent/model.pt2").unwrap_err();
    assert!(!err.message().is_empty());
    let garbage =
        std::env::temp_dir().join(format!("ltrs-aoti-{}-garbage.pt2", std::process::id()));
    std::fs::write(&garbage, b"not a package").unwrap();
    assert!(aoti::load_package(&garbage).is_err());
    std::fs::remove_file(&garbage).unwrap();
    // A TorchScript file is not a package either.
    let ts = common::fixture("jit/counter.pt");
    assert!(aoti::load_package(ts).is_err());
    let zero = LoadOptions {
        num_runners: 0,
        ..LoadOptions::model("model")
    };
    let err = aoti::load_package_with(package(&entry("mlp")), &zero).unwrap_err();
    assert!(err.message().contains("num_runners"), "{err}");
}

#[test]
fn runs_from_several_threads() {
    let e = entry("cnn");
    let options = LoadOptions {
        num_runners: 2,
        ..LoadOptions::model("cnn")
    };
    let model = Arc::new(aoti::load_package_with(package(&e), &options).unwrap());
    let x = tensor(&e["inputs"][0]);
    let want = tensor(&e["eager_outputs"][0]);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (model, x) = (model.clone(), x.clone());
            std::thread::spawn(move || {
                (0..10)
                    .map(|_| model.run(std::slice::from_ref(&x)))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for t in threads {
        for out in t.join().unwrap() {
            assert_close(&out[0], &want, "concurrent run");
        }
    }
}

#[test]
fn loading_twice_and_dropping() {
    let e = entry("mlp");
    for _ in 0..3 {
        let a = aoti::load_package(package(&e)).unwrap();
        let b = aoti::load_package(package(&e)).unwrap();
        check_outputs(&a, &e);
        drop(a);
        check_outputs(&b, &e);
    }
}
