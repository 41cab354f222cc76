//! state_dict files: round trips, the `torch.save` container format, and errors.
use libtorch::nn::{BatchNorm1d, Linear, Module, Sequential, Tanh};
use libtorch::serialize;
use libtorch::{Kind, Tensor};
use std::collections::BTreeMap;

fn tmp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ltrs-test-{}-{name}", std::process::id()))
}

#[test]
fn round_trip_keeps_names_values_and_dtypes() {
    let a = Tensor::from_data(&[1.5f32, -2.0, 3.25, 4.0], &[2, 2]).unwrap();
    let b = Tensor::from_slice(&[7i64, -9]);
    let c = Tensor::from_slice(&[0.1f64]);
    let path = tmp("rt.pt");
    serialize::save([("a", &a), ("layer.b", &b), ("c", &c)], &path).unwrap();
    let loaded = serialize::load(&path).unwrap();
    let names: Vec<&str> = loaded.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["a", "layer.b", "c"]);
    assert_eq!(loaded[0].1.size(), [2, 2]);
    assert_eq!(loaded[0].1.to_vec::<f32>().unwrap(), [1.5, -2.0, 3.25, 4.0]);
    assert_eq!(loaded[1].1.kind(), Kind::Int64);
    assert_eq!(loaded[1].1.to_vec::<i64>().unwrap(), [7, -9]);
    assert_eq!(loaded[2].1.kind(), Kind::Double);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn file_is_a_torch_save_zip_archive() {
    let a = Tensor::from_slice(&[1.0f32, 2.0]);
    let bytes = serialize::save_to_bytes([("w", &a)]).unwrap();
    // torch.save's format: a zip archive ("PK\x03\x04") with `<archive>/data.pkl` (the pickled
    // dict), `<archive>/data/0` (the storage) and a version record.
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("data.pkl"), "no data.pkl entry");
    assert!(text.contains("/data/0"), "no storage entry");
    assert!(text.contains("version"), "no version record");
    let back = serialize::load_from_bytes(&bytes).unwrap();
    assert_eq!(back[0].0, "w");
    assert_eq!(back[0].1.to_vec::<f32>().unwrap(), [1.0, 2.0]);
}

#[test]
fn module_state_dict_round_trip() {
    let net = Sequential::new()
        .add(Linear::new(3, 4))
        .add(Tanh)
        .add(BatchNorm1d::new(4));
    let path = tmp("net.pt");
    serialize::save_module(&net, &path).unwrap();
    let other = Sequential::new()
        .add(Linear::new(3, 4))
        .add(Tanh)
        .add(BatchNorm1d::new(4));
    serialize::load_module(&other, &path).unwrap();
    let (sa, sb) = (net.state_dict(), other.state_dict());
    assert_eq!(sa.keys().collect::<Vec<_>>(), sb.keys().collect::<Vec<_>>());
    for (k, v) in &sa {
        assert_eq!(v.kind(), sb[k].kind(), "{k}");
        assert_eq!(
            v.to_vec::<f64>().unwrap(),
            sb[k].to_vec::<f64>().unwrap(),
            "{k}"
        );
    }
    // The loaded module's parameters are still trainable leaves.
    assert!(other.parameters().iter().all(|p| p.requires_grad()));
    // A module with different names refuses the file.
    let wrong = Linear::new(3, 4);
    assert!(serialize::load_module(&wrong, &path).is_err());
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn errors_are_reported() {
    assert!(serialize::load(tmp("does-not-exist.pt")).is_err());
    let path = tmp("garbage.pt");
    std::fs::write(&path, b"not a zip file").unwrap();
    assert!(serialize::load(&path).is_err());
    std::fs::remove_file(&path).unwrap();
    assert!(serialize::save([("x", &Tensor::default())], tmp("undef.pt")).is_err());
    let empty: BTreeMap<String, Tensor> = BTreeMap::new();
    assert!(Linear::new(1, 1).load_state_dict(&empty).is_err());
}
