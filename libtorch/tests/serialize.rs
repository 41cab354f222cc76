//! state_dict files: round trips, the `torch.save` container format, and errors.
use libtorch::nn::{BatchNorm1d, Linear, Module, Sequential, Tanh};
use libtorch::serialize;
use libtorch::{Device, Kind, Tensor};
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

const SAVED_ON_CUDA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/saved-on-cuda.pt"
);

/// A file Python wrote from GPU tensors (see tests/fixtures/README.md) loads onto the CPU with
/// a map location, with its values and dtypes, as `torch.load(f, map_location='cpu')`.
#[test]
fn a_checkpoint_saved_on_a_gpu_loads_on_the_cpu() {
    let got: BTreeMap<String, Tensor> = serialize::load_on(SAVED_ON_CUDA, Device::Cpu)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(got.len(), 3);
    let w = &got["w"];
    assert_eq!(w.device(), Device::Cpu);
    assert_eq!(w.size(), [2, 3]);
    assert_eq!(w.to_vec::<f32>().unwrap(), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(got["steps"].kind(), Kind::Int64);
    assert_eq!(got["steps"].to_vec::<i64>().unwrap(), [7]);
    assert_eq!(got["h"].kind(), Kind::Half);
    assert_eq!(got["h"].to_vec::<f32>().unwrap(), [0.5, -2.0]);
    // The same from bytes.
    let bytes = std::fs::read(SAVED_ON_CUDA).unwrap();
    let again = serialize::load_from_bytes_on(&bytes, Device::Cpu).unwrap();
    assert!(again.iter().all(|(_, t)| t.device() == Device::Cpu));
    // Without a map location the tensors go back to cuda:0, which needs a GPU, as in PyTorch.
    if !libtorch::cuda::is_available() {
        // A CPU-only build has no CUDA kernels; a CUDA build on a machine without a GPU finds
        // no driver.
        let err = serialize::load(SAVED_ON_CUDA).unwrap_err();
        let msg = err.message();
        assert!(
            msg.contains("from the 'CUDA' backend") || msg.contains("NVIDIA driver"),
            "{err}"
        );
    } else {
        let on_gpu = serialize::load(SAVED_ON_CUDA).unwrap();
        assert!(on_gpu.iter().all(|(_, t)| t.device() == Device::Cuda(0)));
    }
}

/// `load_module` reads a GPU-saved state dict into a CPU module (the module's device decides):
/// weights trained on a GPU evaluate on a machine without one.
#[test]
fn load_module_maps_onto_the_modules_device() {
    struct Holder {
        w: Tensor,
        steps: Tensor,
        h: Tensor,
    }
    impl Module for Holder {
        fn f_forward(&self, x: &Tensor) -> libtorch::Result<Tensor> {
            Ok(x.shallow_clone())
        }
        fn visit(&self, f: &mut dyn FnMut(&str, libtorch::nn::Slot, &Tensor)) {
            f("w", libtorch::nn::Slot::Parameter, &self.w);
            f("steps", libtorch::nn::Slot::Buffer, &self.steps);
            f("h", libtorch::nn::Slot::Buffer, &self.h);
        }
    }
    let m = Holder {
        w: Tensor::zeros_opts(&[2, 3], (Kind::Float, Device::Cpu)),
        steps: Tensor::zeros_opts(&[1], (Kind::Int64, Device::Cpu)),
        h: Tensor::zeros_opts(&[2], (Kind::Half, Device::Cpu)),
    };
    serialize::load_module(&m, SAVED_ON_CUDA).unwrap();
    assert_eq!(m.w.to_vec::<f32>().unwrap(), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(m.steps.to_vec::<i64>().unwrap(), [7]);
    assert_eq!(m.h.to_vec::<f32>().unwrap(), [0.5, -2.0]);
    assert!([&m.w, &m.steps, &m.h]
        .iter()
        .all(|t| t.device() == Device::Cpu));
}
