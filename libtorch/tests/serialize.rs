//! state_dict files: round trips, the `torch.save` container format, and errors.
mod common;

use common::describe::describe;
use libtorch::nn::{BatchNorm1d, Linear, Module, Sequential, Tanh};
use libtorch::serialize::{self, LoadModule};
use libtorch::{Device, IValue, Kind, Tensor};
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
    let view = a.narrow(0, 1, 1);
    let b = Tensor::from_slice(&[3i64]);
    let bytes = serialize::save_to_bytes([("w", &a), ("v", &view), ("b", &b)]).unwrap();
    // torch.save's layout: these records, in this order, in a folder (`archive` for bytes, as
    // Python names it for a BytesIO), each storage once, data 64-byte aligned.
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
    let names: Vec<String> = (0..z.len())
        .map(|i| z.by_index(i).unwrap().name().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "archive/data.pkl",
            "archive/.format_version",
            "archive/.storage_alignment",
            "archive/byteorder",
            "archive/data/0",
            "archive/data/1",
            "archive/version",
            "archive/.data/serialization_id",
        ]
    );
    for i in 0..z.len() {
        let f = z.by_index(i).unwrap();
        if f.name().contains("/data/") {
            assert_eq!(
                f.data_start() % 64,
                0,
                "{} is not 64-byte aligned",
                f.name()
            );
        }
    }
    let mut pkl = Vec::new();
    std::io::Read::read_to_end(&mut z.by_name("archive/data.pkl").unwrap(), &mut pkl).unwrap();
    // A state dict is an OrderedDict, rebuilt by `_rebuild_tensor_v2` (both on PyTorch's
    // weights-only allowlist; libtorch's own `restore_type_tag` is not).
    let text = String::from_utf8_lossy(&pkl);
    assert!(text.contains("collections\nOrderedDict"), "{text}");
    assert!(text.contains("torch._utils\n_rebuild_tensor_v2"), "{text}");
    assert!(!text.contains("restore_type_tag"), "{text}");
    let back = serialize::load_from_bytes(&bytes).unwrap();
    assert_eq!(back[0].0, "w");
    assert_eq!(back[0].1.to_vec::<f32>().unwrap(), [1.0, 2.0]);
    assert_eq!(back[1].1.to_vec::<f32>().unwrap(), [2.0]);
}

/// Every PyTorch-written fixture, loaded then saved by us and loaded again, is described as
/// Python described the original: every dtype, quantized, sparse, conjugate and negative views,
/// parameters, nested values, shared storages.
#[test]
fn every_fixture_round_trips() {
    let manifest = common::manifest("pt");
    for (name, want) in manifest.as_object().unwrap() {
        if !name.ends_with(".pt") {
            continue;
        }
        let v = serialize::load_value(common::fixture(&format!("pt/{name}"))).unwrap();
        let bytes = serialize::save_value_to_bytes(&v).unwrap_or_else(|e| panic!("{name}: {e}"));
        let back = serialize::load_value_from_bytes(&bytes).unwrap();
        assert_eq!(describe(&back), *want, "{name} after a round trip");
        let path = tmp(name);
        serialize::save_value(&v, &path).unwrap();
        assert_eq!(
            describe(&serialize::load_value(&path).unwrap()),
            *want,
            "{name} via a file"
        );
        std::fs::remove_file(&path).unwrap();
    }
}

/// Values written from Rust come back as written.
#[test]
fn values_round_trip() {
    let t = Tensor::from_data(&[1.0f64, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
    let v = IValue::Dict(vec![
        (IValue::from("none"), IValue::None),
        (
            IValue::from("ints"),
            IValue::from(vec![
                IValue::from(0),
                IValue::from(255),
                IValue::from(256),
                IValue::from(65536),
                IValue::from(-1),
                IValue::from(i64::MAX),
                IValue::from(i64::MIN),
                IValue::from(1i64 << 31),
                IValue::from(-(1i64 << 31) - 1),
            ]),
        ),
        (IValue::from("float"), IValue::from(-0.0f64)),
        (IValue::from("nan"), IValue::from(f64::NAN)),
        (
            IValue::from("complex"),
            IValue::Complex(libtorch::Complex::new(1.5, -2.0)),
        ),
        (IValue::from("text"), IValue::from("ünïcödé ✓")),
        (IValue::from("bytes"), IValue::Bytes((0..=255).collect())),
        (
            IValue::from("tuple"),
            IValue::from((1, "a", true, IValue::None)),
        ),
        (IValue::Int(7), IValue::from("int key")),
        (IValue::from((1, "x")), IValue::from("tuple key")),
        (IValue::from("device"), IValue::Device(Device::Cuda(1))),
        (IValue::from("dtype"), IValue::Kind(Kind::BFloat16)),
        (IValue::from("t"), IValue::from(&t)),
        (IValue::from("t again"), IValue::from(&t)),
        (IValue::from("row"), IValue::from(t.narrow(0, 1, 1))),
        (
            IValue::from("long list"),
            IValue::List((0..2500).map(IValue::from).collect()),
        ),
    ]);
    let back =
        serialize::load_value_from_bytes(&serialize::save_value_to_bytes(&v).unwrap()).unwrap();
    assert_eq!(describe(&back), describe(&v));
    let ts = back.named_tensors();
    assert!(
        ts[0].1.is_same(&ts[1].1),
        "one tensor in two places loads as one tensor"
    );
}

#[test]
fn bad_values_are_refused_when_saving() {
    let undefined = IValue::dict([("x", IValue::Tensor(Tensor::default()))]);
    assert!(serialize::save_value_to_bytes(&undefined).is_err());
    let list_key = IValue::Dict(vec![(IValue::List(vec![]), IValue::None)]);
    let e = serialize::save_value_to_bytes(&list_key).unwrap_err();
    assert!(e.message().contains("cannot hash"), "{e}");
    let mut deep = IValue::None;
    for _ in 0..2000 {
        deep = IValue::List(vec![deep]);
    }
    let e = serialize::save_value_to_bytes(&deep).unwrap_err();
    assert!(e.message().contains("levels deep"), "{e}");
    // Drop the deep value without recursing 2000 frames deep on a test thread's stack.
    let mut cur = deep;
    while let IValue::List(mut v) = cur {
        cur = v.pop().unwrap_or(IValue::None);
    }
    // Two dtypes over one storage: torch.save refuses it too.
    let a = Tensor::from_slice(&[1.0f32, 2.0]);
    let b = a.view_dtype(Kind::Int);
    assert!(serialize::save_to_bytes([("a", &a), ("b", &b)]).is_err());
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
    let empty = libtorch::nn::StateDict::new();
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
        let err = serialize::load(SAVED_ON_CUDA).unwrap_err();
        assert!(err.message().contains("no CUDA device"), "{err}");
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

/// `strict(false)` reports names instead of failing; `strip_prefix` removes DDP's `module.`.
#[test]
fn lenient_and_prefixed_module_loads() {
    let src = Linear::new(3, 2);
    let extra = Tensor::from_slice(&[1.0f32]);
    let path = tmp("ddp.pt");
    serialize::save(
        [
            ("module.weight", &src.weight),
            ("module.bias", src.bias.as_ref().unwrap()),
            ("module.extra", &extra),
        ],
        &path,
    )
    .unwrap();
    let dst = Linear::new(3, 2);
    assert!(serialize::load_module(&dst, &path).is_err());
    let strict = LoadModule::default().strip_prefix("module.");
    let e = serialize::load_module_with(&dst, &path, &strict).unwrap_err();
    assert!(e.message().contains("unexpected keys [\"extra\"]"), "{e}");
    let keys = serialize::load_module_with(&dst, &path, &strict.clone().strict(false)).unwrap();
    assert_eq!(keys.unexpected_keys, ["extra"]);
    assert!(keys.missing_keys.is_empty());
    assert_eq!(
        dst.weight.to_vec::<f32>().unwrap(),
        src.weight.to_vec::<f32>().unwrap()
    );
    // Without the prefix nothing matches: all missing, all unexpected, nothing copied.
    let other = Linear::new(3, 2);
    let before = other.weight.to_vec::<f32>().unwrap();
    let keys =
        serialize::load_module_with(&other, &path, &LoadModule::default().strict(false)).unwrap();
    assert_eq!(keys.missing_keys, ["weight", "bias"]);
    assert_eq!(keys.unexpected_keys.len(), 3);
    assert_eq!(other.weight.to_vec::<f32>().unwrap(), before);
    // A shape mismatch is an error even when lenient, as in PyTorch.
    let wrong = Linear::new(4, 2);
    assert!(serialize::load_module_with(&wrong, &path, &strict.strict(false)).is_err());
    std::fs::remove_file(&path).unwrap();
}

/// A pickle built by hand, opcode by opcode.
fn pickle(parts: &[&[u8]]) -> Vec<u8> {
    let mut v = b"\x80\x02".to_vec();
    for p in parts {
        v.extend_from_slice(p);
    }
    v.push(b'.');
    v
}

/// A torch.save-style archive with these records.
fn archive(records: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in records {
        w.start_file(format!("archive/{name}"), opts).unwrap();
        std::io::Write::write_all(&mut w, data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// `_rebuild_tensor_v2` of a float storage `key` holding `numel` elements, viewed with one
/// dimension of `size` and `stride`.
fn tensor_pickle(numel: u8, size: u8, stride: u8) -> Vec<u8> {
    pickle(&[
        b"ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\n",
        b"X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK",
        &[numel],
        b"tQK\x00K",
        &[size],
        b"\x85K",
        &[stride],
        b"\x85\x89)tR",
    ])
}

#[track_caller]
fn refused(bytes: &[u8], why: &str) {
    let e = serialize::load_value_from_bytes(bytes).unwrap_err();
    assert!(e.message().contains(why), "expected `{why}`, got: {e}");
}

/// Crafted and corrupt files are errors that say what is wrong; none crashes, reads past a
/// buffer or allocates what the file only claims.
#[test]
fn crafted_files_are_refused() {
    let floats = [0u8; 8]; // two float32 zeros
    let ok = archive(&[("data.pkl", &tensor_pickle(2, 2, 1)), ("data/0", &floats)]);
    assert_eq!(
        serialize::load_value_from_bytes(&ok)
            .unwrap()
            .as_tensor()
            .unwrap()
            .size(),
        [2]
    );
    // A view past its storage (the old loader returned it, and reading it read past memory).
    let past = archive(&[("data.pkl", &tensor_pickle(2, 5, 1)), ("data/0", &floats)]);
    refused(&past, "reads 5 elements of a storage of 2");
    let strided = archive(&[("data.pkl", &tensor_pickle(2, 2, 9)), ("data/0", &floats)]);
    refused(&strided, "reads 10 elements");
    // A storage claimed larger than its record, and a record missing.
    let short = archive(&[("data.pkl", &tensor_pickle(200, 2, 1)), ("data/0", &floats)]);
    refused(&short, "holds 8 bytes; the pickle describes 200 elements");
    let missing = archive(&[("data.pkl", &tensor_pickle(2, 2, 1))]);
    refused(&missing, "data/0");
    // Globals outside PyTorch's weights-only allowlist: never imported, never called.
    let evil = pickle(&[b"cos\nsystem\nX\x02\x00\x00\x00ls\x85R"]);
    refused(
        &archive(&[("data.pkl", &evil)]),
        "unsupported global os.system",
    );
    // A million nested lists: no stack overflow.
    let mut deep = b"\x80\x02".to_vec();
    deep.extend(std::iter::repeat_n(b']', 1_000_000));
    deep.extend(std::iter::repeat_n(b'a', 999_999));
    deep.push(b'.');
    refused(&archive(&[("data.pkl", &deep)]), "levels deep");
    // A list that contains itself.
    refused(
        &archive(&[("data.pkl", &pickle(&[b"]q\x00h\x00a"]))]),
        "cycle",
    );
    // Sharing that doubles 64 times: refused, not expanded.
    let mut laughs = b"\x80\x02]q\x00".to_vec();
    for i in 0..64u8 {
        laughs.extend_from_slice(&[b'h', i, b'h', i, 0x86, b'q', i + 1]);
    }
    laughs.push(b'.');
    refused(&archive(&[("data.pkl", &laughs)]), "too many values");
    // A string longer than the pickle, an unknown opcode, an unset memo entry, no STOP.
    refused(
        &archive(&[("data.pkl", b"\x80\x02X\xff\xff\xff\xff.")]),
        "ends early",
    );
    refused(
        &archive(&[("data.pkl", b"\x80\x02\xff.")]),
        "unsupported pickle opcode",
    );
    refused(&archive(&[("data.pkl", b"\x80\x02h\x05.")]), "never set");
    refused(&archive(&[("data.pkl", b"\x80\x02N")]), "without a STOP");
    // A bool storage holding a byte other than 0 or 1 (an invalid Rust bool if read out).
    let bools = pickle(&[
        b"ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nBoolStorage\n",
        b"X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQK\x00K\x02\x85K\x01\x85\x89)tR",
    ]);
    refused(
        &archive(&[("data.pkl", &bools), ("data/0", &[1, 7])]),
        "not 0 or 1",
    );
    // Truncations of a real file, at every length: errors, never a crash.
    let real = serialize::save_to_bytes([("w", &Tensor::from_slice(&[1.0f32, 2.0]))]).unwrap();
    for n in 0..real.len() {
        assert!(
            serialize::load_value_from_bytes(&real[..n]).is_err(),
            "truncated at {n}"
        );
    }
    // Not a checkpoint at all; a TorchScript-like archive.
    refused(b"hello", "not a torch.save file");
    refused(&archive(&[("constants.pkl", b"")]), "TorchScript");
}

/// The globals a pickle names (`GLOBAL module\nname\n`), walking the opcodes this crate writes.
fn globals_in(pkl: &[u8]) -> Vec<String> {
    let (mut i, mut out) = (0, Vec::new());
    let line = |i: &mut usize| {
        let end = *i + pkl[*i..].iter().position(|&b| b == b'\n').unwrap();
        let s = String::from_utf8(pkl[*i..end].to_vec()).unwrap();
        *i = end + 1;
        s
    };
    while i < pkl.len() {
        let op = pkl[i];
        i += 1;
        match op {
            b'c' => {
                let m = line(&mut i);
                let n = line(&mut i);
                out.push(format!("{m}.{n}"));
            }
            0x80 | b'K' | b'q' | b'h' => i += 1,
            b'M' => i += 2,
            b'J' | b'r' | b'j' => i += 4,
            b'G' => i += 8,
            0x8a => i += 1 + pkl[i] as usize,
            b'X' => i += 4 + u32::from_le_bytes(pkl[i..i + 4].try_into().unwrap()) as usize,
            b'('
            | b')'
            | b'.'
            | b']'
            | b'}'
            | b'a'
            | b'e'
            | b's'
            | b'u'
            | b't'
            | b'R'
            | b'Q'
            | b'N'
            | 0x85..=0x89 => {}
            other => panic!(
                "opcode 0x{other:02x} at {} is not one this crate writes",
                i - 1
            ),
        }
    }
    out
}

/// Every global the writer names is on PyTorch 2.11's weights-only allowlist
/// (`torch/_weights_only_unpickler.py`, `_get_allowed_globals`, with Python 2's `__builtin__`
/// mapped to `builtins` as it does), so plain `torch.load` reads every file we write. Our
/// reader is a little more lenient than that list, so round trips alone would not show it.
#[test]
fn written_globals_are_on_pytorchs_allowlist() {
    let allowed = |g: &str| -> bool {
        let dtype = |n: &str| Kind::all().iter().any(|k| k.name() == n);
        match g.rsplit_once('.').unwrap() {
            ("collections", "OrderedDict") | ("_codecs", "encode") => true,
            ("__builtin__", "complex" | "set" | "bytearray") => true,
            ("torch", "Size" | "device") => true,
            ("torch", n) if n.ends_with("Storage") => [
                "Double",
                "Float",
                "Half",
                "Long",
                "Int",
                "Short",
                "Char",
                "Byte",
                "Bool",
                "BFloat16",
                "ComplexDouble",
                "ComplexFloat",
                "QInt8",
                "QInt32",
                "QUInt8",
                "QUInt4x2",
                "QUInt2x4",
            ]
            .contains(&&n[..n.len() - 7]),
            ("torch", n) if n.starts_with("per_") => true,
            ("torch", n) => dtype(n),
            ("torch.storage", "UntypedStorage") => true,
            ("torch.serialization", "_get_layout") => true,
            ("torch._utils", f) => [
                "_rebuild_tensor_v2",
                "_rebuild_tensor_v3",
                "_rebuild_qtensor",
                "_rebuild_sparse_tensor",
                "_rebuild_meta_tensor_no_storage",
                "_rebuild_parameter",
            ]
            .contains(&f),
            _ => false,
        }
    };
    let manifest = common::manifest("pt");
    let mut seen = std::collections::BTreeSet::new();
    for name in manifest
        .as_object()
        .unwrap()
        .keys()
        .filter(|n| n.ends_with(".pt"))
    {
        let v = serialize::load_value(common::fixture(&format!("pt/{name}"))).unwrap();
        let bytes = serialize::save_value_to_bytes(&v).unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut pkl = Vec::new();
        std::io::Read::read_to_end(&mut z.by_name("archive/data.pkl").unwrap(), &mut pkl).unwrap();
        for g in globals_in(&pkl) {
            assert!(
                allowed(&g),
                "{name}: we write {g}, which torch.load refuses"
            );
            seen.insert(g);
        }
    }
    // The walk did see the unusual ones.
    for g in [
        "torch.storage.UntypedStorage",
        "torch._utils._rebuild_qtensor",
        "__builtin__.complex",
    ] {
        assert!(seen.contains(g), "{g} never written: {seen:?}");
    }
}
