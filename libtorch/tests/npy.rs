//! NumPy `.npy`/`.npz` files: the fixtures written by NumPy load bit-identically (every dtype,
//! big-endian, Fortran order, header versions 1-3, archives plain and compressed), Rust → file
//! → Rust round trips are bit-identical for every dtype, Fortran order survives, tensors NumPy
//! cannot hold are refused, and bad files are errors with the right message.
mod common;

use common::{assert_bit_identical, fixture, manifest, tensor};
use libtorch::serialize::npy;
use libtorch::{Kind, Tensor};
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ltrs-npy-{}-{name}", std::process::id()))
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

/// Every dtype NumPy and libtorch share.
const KINDS: [Kind; 14] = [
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
    Kind::Float,
    Kind::Double,
    Kind::ComplexFloat,
    Kind::ComplexDouble,
];

fn is_column_major(t: &Tensor) -> bool {
    let rev: Vec<i64> = (0..t.dim() as i64).rev().collect();
    t.permute(&rev).is_contiguous()
}

#[test]
fn every_npy_fixture_loads_bit_identically() {
    let m = manifest("arrays");
    let files = m["npy"].as_object().unwrap();
    assert!(
        files.len() >= 30,
        "the manifest lists {} .npy files",
        files.len()
    );
    for (file, want) in files {
        let path = fixture(&format!("arrays/{file}"));
        let want = tensor(want);
        let got = npy::load(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_bit_identical(&got, &want, file);
        let from_bytes = npy::load_from_bytes(&std::fs::read(&path).unwrap()).unwrap();
        assert_bit_identical(&from_bytes, &want, &format!("{file} (bytes)"));
        if file.starts_with("fortran") {
            assert!(
                !got.is_contiguous() && is_column_major(&got),
                "{file}: column-major strides"
            );
        }
    }
}

#[test]
fn every_npz_fixture_loads_bit_identically_in_archive_order() {
    let m = manifest("arrays");
    let files = m["npz"].as_object().unwrap();
    assert_eq!(files.len(), 3);
    for (file, want) in files {
        let path = fixture(&format!("arrays/{file}"));
        let want = want.as_array().unwrap();
        for (how, got) in [
            ("file", npy::load_npz(&path)),
            (
                "bytes",
                npy::load_npz_from_bytes(&std::fs::read(&path).unwrap()),
            ),
        ] {
            let got = got.unwrap_or_else(|e| panic!("{file} ({how}): {e}"));
            let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
            let want_names: Vec<&str> = want.iter().map(|e| e[0].as_str().unwrap()).collect();
            assert_eq!(names, want_names, "{file} ({how})");
            for ((name, t), w) in got.iter().zip(want) {
                assert_bit_identical(t, &tensor(&w[1]), &format!("{file}/{name} ({how})"));
            }
        }
    }
}

#[test]
fn every_dtype_round_trips_bit_identically() {
    for (i, &kind) in KINDS.iter().enumerate() {
        for shape in [&[3, 4][..], &[], &[0, 5], &[2, 1, 3]] {
            let t = some_tensor(kind, shape, i as u64);
            let bytes = npy::save_to_bytes(&t).unwrap();
            let back = npy::load_from_bytes(&bytes).unwrap();
            assert_bit_identical(&back, &t, &format!("{kind} {shape:?}"));
            // Data starts aligned, as NumPy's writer aligns it.
            let header_end = bytes.len() - t.numel() * kind.elt_size_in_bytes();
            assert_eq!(header_end % 16, 0, "{kind}: header of {header_end} bytes");
        }
    }
    let t = some_tensor(Kind::ComplexDouble, &[5, 2], 9);
    let path = tmp("c128.npy");
    npy::save(&path, &t).unwrap();
    assert_bit_identical(&npy::load(&path).unwrap(), &t, "file");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn fortran_order_survives_and_views_are_saved_as_their_values() {
    let base = some_tensor(Kind::Float, &[4, 6], 1);
    // A column-major tensor is written in Fortran order, as np.save writes an F-contiguous array.
    let f = base.t();
    let bytes = npy::save_to_bytes(&f).unwrap();
    let head = String::from_utf8_lossy(&bytes[..100]).into_owned();
    assert!(
        head.contains("'fortran_order': True") && head.contains("'shape': (6, 4"),
        "{head}"
    );
    let back = npy::load_from_bytes(&bytes).unwrap();
    assert_bit_identical(&back, &f.contiguous(), "transposed");
    assert!(is_column_major(&back) && !back.is_contiguous());
    // Other strided views are written row-major.
    for (name, v) in [
        ("stepped", base.slice_with(1, Some(1), Some(6), 2)),
        ("expanded", base.narrow(0, 0, 1).expand(&[3, 6])),
        ("neg", base._neg_view()),
        ("conj", some_tensor(Kind::ComplexFloat, &[3], 2).conj()),
    ] {
        let bytes = npy::save_to_bytes(&v).unwrap();
        assert!(String::from_utf8_lossy(&bytes[..80]).contains("'fortran_order': False"));
        assert_bit_identical(
            &npy::load_from_bytes(&bytes).unwrap(),
            &v.contiguous(),
            name,
        );
    }
}

#[test]
fn npz_round_trips_plain_and_compressed() {
    let arrays: Vec<(String, Tensor)> = KINDS
        .iter()
        .enumerate()
        .map(|(i, &k)| (k.name().to_string(), some_tensor(k, &[2, 3], i as u64)))
        .chain([(
            "fortran".to_string(),
            some_tensor(Kind::Double, &[3, 2], 1).t(),
        )])
        .collect();
    let named = || arrays.iter().map(|(n, t)| (n.as_str(), t));
    let plain = npy::save_npz_to_bytes(named()).unwrap();
    let packed = npy::save_npz_compressed_to_bytes(named()).unwrap();
    assert!(packed.len() < plain.len());
    let path = tmp("rt.npz");
    for (how, bytes) in [("plain", &plain), ("compressed", &packed)] {
        let back = npy::load_npz_from_bytes(bytes).unwrap();
        assert_eq!(back.len(), arrays.len());
        for ((n, got), (wn, want)) in back.iter().zip(&arrays) {
            assert_eq!(n, wn, "{how}: order");
            assert_bit_identical(got, &want.contiguous(), &format!("{how} {n}"));
        }
    }
    npy::save_npz(&path, named()).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        plain,
        "save_npz writes save_npz_to_bytes"
    );
    npy::save_npz_compressed(&path, named()).unwrap();
    assert_eq!(npy::load_npz(&path).unwrap().len(), arrays.len());
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn tensors_numpy_cannot_hold_are_refused() {
    let f = some_tensor(Kind::Float, &[2], 0);
    let cases: Vec<(Tensor, &str)> = vec![
        (
            some_tensor(Kind::BFloat16, &[2], 0),
            "NumPy has no bfloat16 dtype",
        ),
        (
            some_tensor(Kind::Float8e4m3fn, &[2], 0),
            "NumPy has no float8_e4m3fn dtype",
        ),
        (
            some_tensor(Kind::ComplexHalf, &[2], 0),
            "NumPy has no complex32",
        ),
        (f.quantize_per_tensor(0.1, 0, Kind::QUInt8), "quantized"),
        (f.to_sparse(), "dense arrays only"),
        (Tensor::default(), "undefined tensor"),
    ];
    for (t, want) in &cases {
        let err = npy::save_to_bytes(t).unwrap_err();
        assert!(err.to_string().contains(want), "{err}");
        let err = npy::save_npz_to_bytes([("ok", &f), ("bad", t)]).unwrap_err();
        assert!(
            err.to_string().contains("array `bad`") && err.to_string().contains(want),
            "{err}"
        );
    }
    let dup = npy::save_npz_to_bytes([("x", &f), ("x", &f)]).unwrap_err();
    assert!(dup.to_string().contains("appears twice"), "{dup}");
    // A failed save_npz leaves no half-written archive.
    let path = tmp("failed.npz");
    assert!(npy::save_npz(&path, [("ok", &f), ("bad", &cases[0].0)]).is_err());
    assert!(!path.exists());
}

/// An .npy file with header dict `dict` (padded as NumPy pads) and `data`.
fn handmade(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut h = dict.as_bytes().to_vec();
    while (h.len() + 11) % 64 != 0 {
        h.push(b' ');
    }
    h.push(b'\n');
    let mut v = b"\x93NUMPY\x01\x00".to_vec();
    v.extend((h.len() as u16).to_le_bytes());
    v.extend(h);
    v.extend(data);
    v
}

#[track_caller]
fn assert_bad(bytes: &[u8], want: &str) {
    let err = npy::load_from_bytes(bytes).unwrap_err();
    assert!(
        matches!(err, libtorch::Error::Data { .. })
            && err.to_string().contains("<bytes>")
            && err.to_string().contains(want),
        "{err} (wanted {want:?})"
    );
}

#[test]
fn bad_npy_files_are_errors_naming_the_cause() {
    let f4 =
        |shape: &str| format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
    let good = handmade(&f4("(2,)"), &[0; 8]);
    npy::load_from_bytes(&good).unwrap();
    // Truncation in every region: magic, version, header length, header, data.
    assert_bad(&good[..3], "no \\x93NUMPY magic");
    assert_bad(&good[..7], "no \\x93NUMPY magic");
    assert_bad(&good[..9], "truncated in the header length");
    assert_bad(&good[..40], "truncated in the 118-byte header");
    assert_bad(&good[..good.len() - 1], "needs 8 data bytes, 7 are present");
    assert_bad(&[], "magic");
    // Flipped bytes: magic, version, header length.
    let mut m = good.clone();
    m[1] = b'X';
    assert_bad(&m, "magic");
    let mut v = good.clone();
    v[6] = 4;
    assert_bad(&v, "unsupported .npy format version 4.0");
    let mut l = good.clone();
    l[6] = 2; // version 2 reads a 4-byte length: two header bytes join it
    assert_bad(&l, "more than NumPy's limit");
    let mut big = good.clone();
    big[8..10].copy_from_slice(&60_000u16.to_le_bytes());
    assert_bad(&big, "more than NumPy's limit");
    let mut v2 = b"\x93NUMPY\x02\x00".to_vec();
    v2.extend(u32::MAX.to_le_bytes());
    assert_bad(&v2, "more than NumPy's limit");
    // Sizes: past the bytes present, overflowing, negative.
    assert_bad(
        &handmade(&f4("(1000000000000,)"), &[0; 8]),
        "needs 4000000000000 data bytes",
    );
    assert_bad(
        &handmade(&f4("(4294967296, 4294967296, 16)"), &[]),
        "too large",
    );
    assert_bad(&handmade(&f4("(-1,)"), &[]), "out of range");
    assert_bad(&handmade(&f4("(2.5,)"), &[]), "expected `,` or `)`");
    // Deep nesting, and malformed dicts.
    let deep = f4(&format!("{}2{}", "(".repeat(50_000), ",)".repeat(50_000)));
    let mut long = b"\x93NUMPY\x02\x00".to_vec();
    long.extend((deep.len() as u32).to_le_bytes());
    long.extend(deep.as_bytes());
    assert_bad(&long, "more than NumPy's limit");
    let nested = f4(&format!("{}2{}", "(".repeat(40), ",)".repeat(40)));
    assert_bad(&handmade(&nested, &[]), "nested deeper than 16 levels");
    assert_bad(
        &handmade("{'descr': '<f4', 'fortran_order': False}", &[]),
        "no 'shape'",
    );
    assert_bad(&handmade("['descr']", &[]), "not a dict");
    assert_bad(
        &handmade(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 0}",
            &[0; 8],
        ),
        "unexpected header key 'x'",
    );
    assert_bad(
        &handmade(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)",
            &[0; 8],
        ),
        "bad header dict",
    );
    // Dtypes: pickle, structured, strings, unknown, without byte order; bools that are not 0/1.
    let dt = |d: &str| {
        handmade(
            &format!("{{'descr': {d}, 'fortran_order': False, 'shape': (2,), }}"),
            &[0; 16],
        )
    };
    assert_bad(&dt("'|O'"), "pickle, which is never read here");
    assert_bad(&dt("[('a', '<i4'), ('b', '<f4')]"), "structured dtypes");
    assert_bad(&dt("'<U2'"), "no libtorch kind");
    assert_bad(&dt("'<M8[ns]'"), "no libtorch kind");
    assert_bad(&dt("'<f16'"), "no libtorch kind");
    assert_bad(&dt("'<x4'"), "invalid dtype string");
    assert_bad(&dt("'|f4'"), "invalid endianness");
    assert_bad(&dt("3"), "not a dtype string");
    let bools = handmade(
        "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
        &[1, 0, 7],
    );
    assert_bad(&bools, "byte 2 of a bool tensor is 7");
    // A missing file names itself.
    let err = npy::load(tmp("missing.npy")).unwrap_err();
    assert!(err.to_string().contains("missing.npy"), "{err}");
}

/// Offsets of a zip signature in `bytes`.
fn find(bytes: &[u8], sig: &[u8; 4]) -> Vec<usize> {
    bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| w == sig)
        .map(|(i, _)| i)
        .collect()
}

#[track_caller]
fn assert_bad_npz(bytes: &[u8], want: &str) {
    let err = npy::load_npz_from_bytes(bytes).unwrap_err();
    assert!(
        matches!(err, libtorch::Error::Data { .. }) && err.to_string().contains(want),
        "{err} (wanted {want:?})"
    );
}

#[test]
fn bad_npz_files_are_errors_naming_the_cause() {
    let a = some_tensor(Kind::Float, &[64], 1);
    let b = some_tensor(Kind::Int64, &[8], 2);
    let plain = npy::save_npz_to_bytes([("a", &a), ("b", &b)]).unwrap();
    let packed = npy::save_npz_compressed_to_bytes([("a", &a), ("b", &b)]).unwrap();
    npy::load_npz_from_bytes(&plain).unwrap();
    // Truncated anywhere: no end of central directory, or entries cut short.
    for cut in [0, 10, plain.len() / 2, plain.len() - 1] {
        assert_bad_npz(&plain[..cut], "not a valid .npz (zip) archive");
    }
    assert_bad_npz(b"PK\x05\x06 not really", "not a valid .npz");
    // A flipped data byte fails the CRC check, stored or deflated.
    let mut flip = plain.clone();
    flip[200] ^= 0x40;
    assert_bad_npz(&flip, "entry `a.npy`");
    let mut flip = packed.clone();
    flip[100] ^= 0x01;
    assert!(npy::load_npz_from_bytes(&flip).is_err());
    // Sizes in the central directory: compressed past the archive, uncompressed beyond deflate.
    let cd = find(&plain, b"PK\x01\x02")[0];
    let mut past = plain.clone();
    past[cd + 20..cd + 24].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(npy::load_npz_from_bytes(&past).is_err());
    let cd = find(&packed, b"PK\x01\x02")[0];
    let mut bomb = packed.clone();
    bomb[cd + 24..cd + 28].copy_from_slice(&0xF000_0000u32.to_le_bytes());
    assert!(npy::load_npz_from_bytes(&bomb).is_err());
    // A header that asks for more data than the entry holds.
    let small = Tensor::from_slice(&[1.0f32, 2.0]);
    let mut lie = npy::save_npz_to_bytes([("s", &small)]).unwrap();
    let at = lie.windows(5).position(|w| w == b"(2, )").unwrap();
    lie[at + 1] = b'9';
    assert_bad_npz(&lie, "needs");
    // Entries that are not .npy arrays, and two entries of one name.
    let mut other = plain.clone();
    for i in find(&other, b"b.np") {
        other[i + 3] = b'x';
    }
    assert_bad_npz(&other, "entry `b.nxy`: not a .npy array");
    let mut dup = plain.clone();
    for i in find(&dup, b"b.np") {
        dup[i] = b'a';
    }
    // The zip reader keeps the last entry of a name (NumPy's `z[name]` reads the last too).
    let got = npy::load_npz_from_bytes(&dup).unwrap();
    assert_eq!(got.len(), 1);
    assert_bit_identical(&got[0].1, &b, "the last entry named a");
    // A bad array inside names its entry.
    let mut inner = plain.clone();
    let at = find(&inner, b"\x93NUM")[1];
    inner[at + 1] = b'X';
    assert_bad_npz(&inner, "entry `b.npy`: not a .npy file");
}
