//! Helpers shared by the tests that compare against fixtures written by PyTorch
//! (`tests/fixtures/gen/make_fixtures.py`).
#![allow(dead_code)]
use libtorch::{Kind, Tensor};
use std::path::PathBuf;

/// The path of a committed fixture, `tests/fixtures/<rel>`; panics naming the regeneration
/// command when it is missing (a missing fixture is a failure, never a skip).
pub fn fixture(rel: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    assert!(
        p.exists(),
        "fixture {} is missing: regenerate with libtorch/tests/fixtures/gen/make_fixtures.py",
        p.display()
    );
    p
}

/// A part's `manifest.json`.
pub fn manifest(part: &str) -> serde_json::Value {
    let p = fixture(&format!("{part}/manifest.json"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A tensor as the manifest stores it (`{"dtype", "shape", "hex"}`).
pub fn tensor(v: &serde_json::Value) -> Tensor {
    let kind: Kind = v["dtype"].as_str().expect("dtype").parse().unwrap();
    let shape: Vec<i64> = v["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_i64().unwrap())
        .collect();
    let hex = v["hex"].as_str().expect("hex");
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    Tensor::from_bytes(&bytes, &shape, kind).unwrap()
}

/// Asserts that `got` has `want`'s kind, shape and bytes (bit-identical values).
#[track_caller]
pub fn assert_bit_identical(got: &Tensor, want: &Tensor, what: &str) {
    assert_eq!(got.kind(), want.kind(), "{what}: dtype");
    assert_eq!(got.size(), want.size(), "{what}: shape");
    assert_eq!(
        got.to_bytes().unwrap(),
        want.to_bytes().unwrap(),
        "{what}: values differ (fixtures hold what PyTorch computed on the CPU named in \
         tests/fixtures/README.md; matrix and convolution kernels differ by instruction set, so \
         on another kind of CPU regenerate them there with tests/fixtures/gen/make_fixtures.py)"
    );
}
pub mod describe;
