//! safetensors files: the fixtures written by Python's `safetensors.torch.save_file` load
//! bit-identically (copy, shared-buffer and memory-mapped reads), Rust → file → Rust round trips
//! are bit-identical for every dtype and for strided views, the mapping is shared and outlives
//! the first handle, metadata round-trips, and bad files are errors with the right message.
mod common;

use common::{assert_bit_identical, fixture, manifest, tensor};
use libtorch::serialize::safetensors;
use libtorch::{Kind, Tensor};
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ltrs-st-{}-{name}", std::process::id()))
}

/// Deterministic bytes for a tensor of `kind` (bools 0/1).
fn some_tensor(kind: Kind, shape: &[i64], seed: u64) -> Tensor {
    let n: i64 = shape.iter().product();
    let len = n as usize * kind.elt_size_in_bytes();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            let b = (x >> 33) as u8;
            if kind == Kind::Bool {
                b & 1
            } else {
                b
            }
        })
        .collect();
    Tensor::from_bytes(&bytes, shape, kind).unwrap()
}

/// Every kind safetensors and libtorch share.
const KINDS: [Kind; 20] = [
    Kind::Bool,
    Kind::Uint8,
    Kind::Int8,
    Kind::Uint16,
    Kind::Int16,
    Kind::Uint32,
    Kind::Int,
    Kind::Uint64,
    Kind::Int64,
    Kind::Half,
    Kind::BFloat16,
    Kind::Float,
    Kind::Double,
    Kind::ComplexFloat,
    Kind::Float8e4m3fn,
    Kind::Float8e5m2,
    Kind::Float8e4m3fnuz,
    Kind::Float8e5m2fnuz,
    Kind::Float8e8m0fnu,
    Kind::Float4e2m1fnX2,
];

type Loader = fn(&std::path::Path) -> libtorch::Result<Vec<(String, Tensor)>>;

fn loaders() -> [(&'static str, Loader); 3] {
    [
        ("load_file", |p| safetensors::load_file(p)),
        ("load", |p| safetensors::load(&std::fs::read(p).unwrap())),
        // SAFETY: the fixtures are not modified while the tensors live.
        ("load_file_mmap", |p| unsafe {
            safetensors::load_file_mmap(p)
        }),
    ]
}

#[test]
fn every_fixture_loads_bit_identically_in_pythons_order() {
    let m = manifest("arrays");
    let files = m["safetensors"].as_object().unwrap();
    assert!(files.len() >= 4, "the manifest lists {} files", files.len());
    for (file, want) in files {
        let path = fixture(&format!("arrays/{file}"));
        let want_tensors = want["tensors"].as_array().unwrap();
        for (how, load) in loaders() {
            let got = load(&path).unwrap_or_else(|e| panic!("{file} ({how}): {e}"));
            let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
            let want_names: Vec<&str> = want_tensors
                .iter()
                .map(|e| e[0].as_str().unwrap())
                .collect();
            assert_eq!(names, want_names, "{file} ({how}): names or order");
            for ((name, t), w) in got.iter().zip(want_tensors) {
                assert_bit_identical(t, &tensor(&w[1]), &format!("{file}/{name} ({how})"));
            }
        }
        let meta = safetensors::load_file_metadata(&path).unwrap();
        let want_meta: std::collections::BTreeMap<String, String> = want["metadata"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(meta, want_meta, "{file}: metadata");
    }
}

#[test]
fn every_dtype_round_trips_bit_identically() {
    let tensors: Vec<(String, Tensor)> = KINDS
        .iter()
        .enumerate()
        .flat_map(|(i, &k)| {
            [
                (k.name().to_string(), some_tensor(k, &[3, 4], i as u64)),
                (
                    format!("{}_0d", k.name()),
                    some_tensor(k, &[], 100 + i as u64),
                ),
                (format!("{}_empty", k.name()), some_tensor(k, &[2, 0, 3], 0)),
            ]
        })
        // float4_e2m1fn_x2 has no 0-dim form in the format (its last dimension doubles).
        .filter(|(n, _)| n != "float4_e2m1fn_x2_0d")
        .collect();
    let named = || tensors.iter().map(|(n, t)| (n.as_str(), t));
    let bytes = safetensors::save(named()).unwrap();
    let path = tmp("every-dtype.safetensors");
    safetensors::save_file(named(), &path).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "save and save_file agree"
    );
    for (how, back) in [
        ("load", safetensors::load(&bytes).unwrap()),
        ("load_file", safetensors::load_file(&path).unwrap()),
        // SAFETY: the file is not modified while the tensors live.
        ("load_file_mmap", unsafe {
            safetensors::load_file_mmap(&path).unwrap()
        }),
    ] {
        assert_eq!(back.len(), tensors.len(), "{how}");
        for (name, want) in &tensors {
            let got = &back.iter().find(|(n, _)| n == name).unwrap().1;
            assert_bit_identical(got, want, &format!("{name} ({how})"));
        }
    }
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn strided_views_are_saved_as_their_values() {
    let base = some_tensor(Kind::Float, &[4, 6], 1);
    let c = some_tensor(Kind::ComplexFloat, &[3], 2);
    let views = [
        ("transposed", base.t()),
        ("stepped", base.slice_with(1, Some(1), Some(6), 2)),
        ("narrowed", base.narrow(0, 1, 2)),
        ("expanded", base.narrow(0, 0, 1).expand(&[5, 6])),
        ("conj", c.conj()),
        ("neg", base._neg_view()),
        ("base", base.shallow_clone()),
    ];
    let bytes = safetensors::save(views.iter().map(|(n, t)| (*n, t))).unwrap();
    let back = safetensors::load(&bytes).unwrap();
    for (name, view) in &views {
        let got = &back.iter().find(|(n, _)| n == name).unwrap().1;
        assert_bit_identical(got, &view.contiguous(), name);
        assert!(got.is_contiguous(), "{name}");
    }
    // The conjugate's imaginary parts really are negated.
    let conj = &back.iter().find(|(n, _)| n == "conj").unwrap().1;
    let (a, b) = (
        conj.to_vec::<libtorch::Complex<f32>>().unwrap(),
        c.to_vec::<libtorch::Complex<f32>>().unwrap(),
    );
    assert!(a
        .iter()
        .zip(&b)
        .all(|(x, y)| x.re.to_bits() == y.re.to_bits() && x.im == -y.im));
}

#[test]
fn metadata_round_trips() {
    let w = some_tensor(Kind::Float, &[2], 3);
    let meta = [
        ("format", "pt"),
        ("note", "ünïcode \"quoted\""),
        ("empty", ""),
    ];
    let bytes = safetensors::save_with_metadata([("w", &w)], meta).unwrap();
    let got = safetensors::load_metadata(&bytes).unwrap();
    let want: std::collections::BTreeMap<String, String> = meta
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(got, want);
    let path = tmp("meta.safetensors");
    let hm: std::collections::HashMap<String, String> = want.clone().into_iter().collect();
    safetensors::save_file_with_metadata([("w", &w)], &hm, &path).unwrap();
    assert_eq!(safetensors::load_file_metadata(&path).unwrap(), want);
    std::fs::remove_file(&path).unwrap();
    // No metadata reads back as an empty map.
    let plain = safetensors::save([("w", &w)]).unwrap();
    assert!(safetensors::load_metadata(&plain).unwrap().is_empty());
}

fn data_ptr(t: &Tensor) -> usize {
    let mut p = std::ptr::null_mut();
    // SAFETY: `t` is a live handle and `p` a valid out-pointer.
    let err = unsafe { libtorch_sys::ltrs_tensor_data_ptr(t.as_raw(), &mut p) };
    assert!(err.is_null());
    p as usize
}

/// The address ranges at which `path` is mapped in this process.
fn mappings_of(path: &std::path::Path) -> Vec<(usize, usize)> {
    let canon = std::fs::canonicalize(path).unwrap();
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .filter(|l| l.ends_with(canon.to_str().unwrap()))
        .map(|l| {
            let range = l.split_whitespace().next().unwrap();
            let (a, b) = range.split_once('-').unwrap();
            (
                usize::from_str_radix(a, 16).unwrap(),
                usize::from_str_radix(b, 16).unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_mmap_read_shares_the_mapping_and_outlives_the_first_handle() {
    let a = some_tensor(Kind::Float, &[1024, 4], 5);
    let b = some_tensor(Kind::Int64, &[300], 6);
    let path = tmp("mmap.safetensors");
    safetensors::save_file([("a", &a), ("b", &b)], &path).unwrap();
    let on_disk = std::fs::read(&path).unwrap();
    assert!(mappings_of(&path).is_empty());

    // SAFETY: the file is not modified while the tensors live (it is only read and removed).
    let mut loaded = unsafe { safetensors::load_file_mmap(&path).unwrap() };
    let maps = mappings_of(&path);
    assert!(!maps.is_empty(), "the file is mapped");
    for (name, t) in &loaded {
        let p = data_ptr(t);
        assert!(
            maps.iter().any(|&(lo, hi)| lo <= p && p < hi),
            "{name} views the mapping (no copy)"
        );
    }
    // Both tensors sit where the file puts their data: one mapping, not two copies.
    let header = u64::from_le_bytes(on_disk[..8].try_into().unwrap()) as usize;
    let base = maps.iter().map(|m| m.0).min().unwrap();
    let (_, b_loaded) = loaded.iter().find(|(n, _)| n == "b").unwrap();
    let b_offset = on_disk[8 + header..]
        .windows(16)
        .position(|w| w == &b.to_bytes().unwrap()[..16])
        .unwrap();
    assert_eq!(data_ptr(b_loaded) - base, 8 + header + b_offset);

    // Keep only a view of `a`; drop every handle the loader returned.
    let at = loaded.iter().position(|(n, _)| n == "a").unwrap();
    let (_, a_loaded) = loaded.remove(at);
    let view = a_loaded.narrow(0, 10, 5);
    drop(a_loaded);
    drop(loaded);
    assert!(!mappings_of(&path).is_empty(), "the view keeps the mapping");
    assert_bit_identical(
        &view,
        &a.narrow(0, 10, 5).contiguous(),
        "a view after the handles",
    );

    // Writes through the tensor stay private: the file is unchanged.
    let mut w = view.shallow_clone();
    w.fill_(&Tensor::scalar(0.0f32));
    assert_eq!(view.to_vec::<f32>().unwrap(), vec![0.0; 20]);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        on_disk,
        "the file is untouched"
    );
    drop(w);
    drop(view);
    assert!(
        mappings_of(&path).is_empty(),
        "the last tensor unmapped the file"
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn load_file_tensors_share_one_buffer_that_lives_while_any_does() {
    let a = some_tensor(Kind::Double, &[64], 7);
    let b = some_tensor(Kind::Int16, &[64], 8);
    let path = tmp("shared.safetensors");
    safetensors::save_file([("a", &a), ("b", &b)], &path).unwrap();
    let mut loaded = safetensors::load_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let (_, b_loaded) = loaded.pop().unwrap();
    let (_, a_loaded) = loaded.pop().unwrap();
    // `a` (F64) comes first and is 512 bytes long; `b` follows in the same buffer.
    assert_eq!(data_ptr(&b_loaded) - data_ptr(&a_loaded), 512);
    drop(a_loaded);
    assert_bit_identical(&b_loaded, &b, "b after a was dropped");
}

/// A safetensors file written by hand: `header` JSON (padded to 8 bytes) and `data`.
fn handmade(header: &str, data: &[u8]) -> Vec<u8> {
    let mut h = header.as_bytes().to_vec();
    while h.len() % 8 != 0 {
        h.push(b' ');
    }
    let mut v = (h.len() as u64).to_le_bytes().to_vec();
    v.extend(h);
    v.extend(data);
    v
}

#[test]
fn misaligned_data_is_copied_not_viewed() {
    // One byte of U8, then an F32 at data offset 1: not 4-byte aligned in the mapping.
    let f: Vec<u8> = [1.5f32, -2.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let mut data = vec![7u8];
    data.extend(&f);
    let file = handmade(
        r#"{"u":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"f":{"dtype":"F32","shape":[2],"data_offsets":[1,9]}}"#,
        &data,
    );
    let path = tmp("misaligned.safetensors");
    std::fs::write(&path, &file).unwrap();
    // SAFETY: the file is not modified while the tensors live.
    let got = unsafe { safetensors::load_file_mmap(&path).unwrap() };
    assert_eq!(got[0].0, "u");
    assert_eq!(got[1].1.to_vec::<f32>().unwrap(), [1.5, -2.0]);
    assert_eq!(data_ptr(&got[1].1) % 4, 0, "the copy is aligned");
    let maps = mappings_of(&path);
    let p = data_ptr(&got[1].1);
    assert!(
        !maps.iter().any(|&(lo, hi)| lo <= p && p < hi),
        "a copy, not the mapping"
    );
    drop(got);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn tensors_the_format_cannot_hold_are_refused_by_name() {
    let ok = some_tensor(Kind::Float, &[2], 0);
    let cases: Vec<(Tensor, &str)> = vec![
        (
            some_tensor(Kind::ComplexDouble, &[2], 0),
            "no dtype for torch.complex128",
        ),
        (
            some_tensor(Kind::ComplexHalf, &[2], 0),
            "no dtype for torch.complex32",
        ),
        (
            ok.quantize_per_tensor(0.1, 0, Kind::QInt8),
            "no dtype for torch.qint8",
        ),
        (ok.to_sparse(), "dense tensors only"),
        (Tensor::default(), "undefined tensor"),
        (
            some_tensor(Kind::Uint8, &[], 0).view_dtype(Kind::Float4e2m1fnX2),
            "0-dim float4_e2m1fn_x2",
        ),
    ];
    for (t, want) in &cases {
        let err = safetensors::save([("ok", &ok), ("bad", t)]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("tensor `bad`") && msg.contains(want), "{msg}");
    }
    let dup = safetensors::save([("x", &ok), ("x", &ok)]).unwrap_err();
    assert!(dup.to_string().contains("appears twice"), "{dup}");
    let meta = safetensors::save([("__metadata__", &ok)]).unwrap_err();
    assert!(meta.to_string().contains("metadata key"), "{meta}");
}

#[test]
fn a_failed_save_file_leaves_the_old_file() {
    let path = tmp("keep.safetensors");
    std::fs::write(&path, b"old").unwrap();
    let bad = some_tensor(Kind::ComplexDouble, &[2], 0);
    assert!(safetensors::save_file([("bad", &bad)], &path).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    std::fs::remove_file(&path).unwrap();
}

/// Asserts that `bytes` fails to load (copy and file forms) with a message containing `want`.
#[track_caller]
fn assert_bad(bytes: &[u8], want: &str) {
    let err = safetensors::load(bytes).unwrap_err();
    assert!(
        matches!(err, libtorch::Error::Data { .. }) && err.to_string().contains(want),
        "load: {err} (wanted {want:?})"
    );
    assert!(err.to_string().contains("<bytes>"), "{err}");
    let path = tmp(&format!("bad-{}.safetensors", want.len()));
    std::fs::write(&path, bytes).unwrap();
    for (how, load) in loaders() {
        let err = load(&path).unwrap_err();
        assert!(
            err.to_string().contains(want),
            "{how}: {err} (wanted {want:?})"
        );
        if how != "load" {
            assert!(
                err.to_string().contains(path.to_str().unwrap()),
                "{how} names the file: {err}"
            );
        }
    }
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn bad_files_are_errors_naming_the_cause() {
    let good = handmade(
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        &[0u8; 8],
    );
    safetensors::load(&good).unwrap();
    // Truncation: inside the length, inside the header, inside the data.
    assert_bad(&good[..5], "header too small");
    assert_bad(&good[..20], "invalid header length");
    assert_bad(&good[..good.len() - 1], "incomplete metadata");
    assert_bad(&[], "header too small");
    // A huge declared header length, and one past the bytes present.
    let mut huge = good.clone();
    huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_bad(&huge, "header too large");
    let mut past = good.clone();
    past[..8].copy_from_slice(&4096u64.to_le_bytes());
    assert_bad(&past, "invalid header length");
    // Byte flips in the header.
    let mut flipped = good.clone();
    flipped[8] = b'[';
    assert_bad(&flipped, "invalid JSON");
    let mut utf = good.clone();
    utf[12] = 0xff;
    assert_bad(&utf, "invalid UTF-8");
    // Offsets past the data, overlapping, not starting at 0; sizes that disagree with shapes.
    let bad_header = |h: &str, data: &[u8], want: &str| assert_bad(&handmade(h, data), want);
    bad_header(
        r#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#,
        &[0; 8],
        "incomplete metadata",
    );
    bad_header(
        r#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}"#,
        &[0; 8],
        "invalid shape, data type, or offset",
    );
    bad_header(
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
        &[0; 12],
        "invalid offset",
    );
    bad_header(
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
        &[0; 12],
        "invalid offset",
    );
    // A shape whose size overflows, and a huge one the bytes cannot hold.
    bad_header(
        r#"{"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}}"#,
        &[0; 8],
        "overflow",
    );
    bad_header(
        r#"{"a":{"dtype":"F32","shape":[1000000000000],"data_offsets":[0,4000000000000]}}"#,
        &[0; 8],
        "incomplete metadata",
    );
    // Unknown dtypes, dtypes libtorch lacks, a bool that is not 0/1, an odd F4 row.
    bad_header(
        r#"{"a":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}}"#,
        &[0; 8],
        "invalid JSON",
    );
    bad_header(
        r#"{"a":{"dtype":"F6_E2M3","shape":[4],"data_offsets":[0,3]}}"#,
        &[0; 3],
        "tensor `a`: dtype F6_E2M3 has no libtorch kind",
    );
    bad_header(
        r#"{"a":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}"#,
        &[0, 1, 2],
        "tensor `a`: byte 2 of a bool tensor is 2",
    );
    bad_header(
        r#"{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#,
        &[0; 2],
        "byte boundary",
    );
    bad_header(
        r#"{"a":{"dtype":"F4","shape":[2,3],"data_offsets":[0,3]}}"#,
        &[0; 3],
        "needs an even last dimension",
    );
    // Deep nesting in the header, and a wrong type where a field should be.
    let deep = format!(
        r#"{{"__metadata__":{{"x":{}{}}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    bad_header(&deep, &[], "invalid JSON");
    bad_header(
        r#"{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}"#,
        &[0; 8],
        "invalid JSON",
    );
    bad_header(r#"{"__metadata__":{"x":1}}"#, &[], "invalid JSON");
    // A missing file.
    let err = safetensors::load_file(tmp("does-not-exist")).unwrap_err();
    assert!(err.to_string().contains("does-not-exist"), "{err}");
}

#[test]
#[ignore = "needs a GPU: cargo test --features cuda -p libtorch --test safetensors -- --ignored"]
fn cuda_tensors_are_saved_through_the_cpu() {
    assert!(libtorch::cuda::is_available(), "no CUDA device");
    let cpu = some_tensor(Kind::BFloat16, &[3, 5], 4);
    let gpu = cpu.to(libtorch::Device::Cuda(0));
    let strided = gpu.t();
    let bytes = safetensors::save([("g", &gpu), ("t", &strided)]).unwrap();
    let back = safetensors::load(&bytes).unwrap();
    assert_bit_identical(&back[0].1, &cpu, "cuda");
    assert_bit_identical(&back[1].1, &cpu.t().contiguous(), "cuda, transposed");
    let f = some_tensor(Kind::Float, &[4, 2], 5);
    let npy_bytes =
        libtorch::serialize::npy::save_to_bytes(&f.to(libtorch::Device::Cuda(0))).unwrap();
    assert_bit_identical(
        &libtorch::serialize::npy::load_from_bytes(&npy_bytes).unwrap(),
        &f,
        "npy",
    );
}
