//! `vision::transforms` against torchvision 0.26 (tests/fixtures/vision/, from
//! fixtures_vision.py): resize, normalize and dtype conversion bit for bit; the random crop and
//! flip making the same draws as torchvision after the same seed; and image files through
//! `vision::io`.
mod common;

use common::{assert_bit_identical, tensor};
use libtorch::nn::{Module, Sequential};
use libtorch::vision::io::{self, ImageReadMode};
use libtorch::vision::transforms::functional::{self as TF, InterpolationMode, PaddingMode};
use libtorch::vision::transforms::*;
use libtorch::{Kind, Tensor};
use serde_json::Value;

fn manifest() -> Value {
    common::manifest("vision")["transforms"].clone()
}

fn seq(v: &Value) -> Vec<Tensor> {
    v.as_array().unwrap().iter().map(tensor).collect()
}

#[test]
fn resize_matches_torchvision() {
    let m = manifest();
    let img = tensor(&m["img"]);
    let bl = InterpolationMode::Bilinear;
    let cases: [(&str, Tensor); 5] = [
        (
            "resize_down_aa",
            TF::resize(&img, &[8, 11], bl, None, true).unwrap(),
        ),
        (
            "resize_down_noaa",
            TF::resize(&img, &[8, 11], bl, None, false).unwrap(),
        ),
        ("resize_up", Resize::new(&[40, 50]).forward(&img)),
        ("resize_short_10", Resize::new(&[10]).forward(&img)),
        (
            "resize_short_10_max_12",
            Resize::new(&[10]).max_size(12).forward(&img),
        ),
    ];
    for (name, got) in &cases {
        assert_bit_identical(got, &tensor(&m[*name]), name);
    }
    assert_eq!(cases[3].1.size(), [3, 10, 13]);
    let u8img = tensor(&m["img_u8"]);
    let got = Resize::new(&[9, 7]).forward(&u8img);
    assert_bit_identical(&got, &tensor(&m["resize_u8"]), "uint8");
    let batch = Tensor::stack(&[img.shallow_clone(), img.flip(&[-1])]);
    assert_bit_identical(
        &Resize::new(&[8, 11]).forward(&batch),
        &tensor(&m["batch_resize"]),
        "batch",
    );
    // already the right size: the same tensor back
    assert_eq!(Resize::new(&[17, 23]).forward(&img).size(), [3, 17, 23]);
}

#[test]
fn normalize_and_dtype_match_torchvision() {
    let m = manifest();
    let img = tensor(&m["img"]);
    let got = Normalize::imagenet().forward(&img);
    assert_bit_identical(&got, &tensor(&m["normalize"]), "normalize");
    let got = ConvertImageDtype(Kind::Float).forward(&tensor(&m["img_u8"]));
    assert_bit_identical(&got, &tensor(&m["to_dtype_u8"]), "uint8 -> float");
}

#[test]
fn random_crop_and_flip_draw_as_torchvision() {
    let m = manifest();
    let small = tensor(&m["img"]).narrow(1, 0, 10).narrow(2, 0, 12);
    let check = |t: &dyn Module, seed: u64, key: &str| {
        libtorch::manual_seed(seed);
        for (k, want) in seq(&m[key]).iter().enumerate() {
            assert_bit_identical(&t.forward(&small), want, &format!("{key}[{k}]"));
        }
    };
    check(&RandomCrop::new(&[8]).padding(&[2]), 7, "random_crop_pad2");
    check(
        &RandomCrop::new(&[6, 14]).pad_if_needed(true).fill(0.5),
        7,
        "random_crop_pad_if_needed",
    );
    check(
        &RandomCrop::new(&[9])
            .padding(&[1, 2, 3, 4])
            .padding_mode(PaddingMode::Reflect),
        7,
        "random_crop_reflect",
    );
    check(
        &RandomCrop::new(&[9])
            .padding(&[3])
            .padding_mode(PaddingMode::Edge),
        7,
        "random_crop_edge",
    );
    check(&RandomHorizontalFlip::default(), 11, "random_flip");
    let flips = seq(&m["random_flip"]);
    let flipped = flips.iter().filter(|t| t.equal(&small.flip(&[-1]))).count();
    assert!(flipped > 0 && flipped < flips.len(), "both outcomes occur");
    let pipe = Sequential::new()
        .add(RandomCrop::new(&[8]).padding(&[2]))
        .add(RandomHorizontalFlip::new(0.5))
        .add(Normalize::imagenet());
    check(&pipe, 3, "pipeline");
}

#[test]
fn pad_modes_and_crop_edges() {
    let x = Tensor::from_data(&[1.0f32, 2.0, 3.0], &[1, 1, 3]).unwrap();
    let v = |t: Tensor| t.to_vec::<f32>().unwrap();
    assert_eq!(
        v(TF::pad(&x, &[2, 0], 0.0, PaddingMode::Symmetric).unwrap()),
        [2.0, 1.0, 1.0, 2.0, 3.0, 3.0, 2.0]
    );
    assert_eq!(
        v(TF::pad(&x, &[1, 0], 0.0, PaddingMode::Edge).unwrap()),
        [1.0, 1.0, 2.0, 3.0, 3.0]
    );
    assert_eq!(
        v(TF::pad(&x, &[1, 0], 9.0, PaddingMode::Constant).unwrap()),
        [9.0, 1.0, 2.0, 3.0, 9.0]
    );
    // a crop reaching outside the image is zero-padded
    assert_eq!(
        v(TF::crop(&x, 0, -1, 1, 5).unwrap()),
        [0.0, 1.0, 2.0, 3.0, 0.0]
    );
    assert_eq!(v(TF::hflip(&x).unwrap()), [3.0, 2.0, 1.0]);
    // errors, named after the call
    let e = TF::pad(&x, &[1, 2, 3], 0.0, PaddingMode::Constant).unwrap_err();
    assert!(e.message().contains("1, 2, or 4 element"), "{e}");
    let e = TF::normalize(&x.to_dtype(Kind::Int64), &[0.0], &[1.0]).unwrap_err();
    assert!(e.message().contains("float tensor"), "{e}");
    let e = TF::normalize(&x, &[0.0], &[0.0]).unwrap_err();
    assert!(e.message().contains("std evaluated to zero"), "{e}");
    let e = TF::normalize(&Tensor::zeros(&[3, 2, 2]), &[0.0, 1.0], &[1.0]).unwrap_err();
    assert!(e.message().contains("2 values for 3 channels"), "{e}");
    let e = RandomCrop::new(&[5]).f_forward(&x).unwrap_err();
    assert!(e.message().contains("larger than input image size"), "{e}");
    let e = TF::resize(
        &Tensor::zeros(&[4, 4]),
        &[2, 2],
        InterpolationMode::Bilinear,
        None,
        true,
    )
    .unwrap_err();
    assert_eq!(e.op(), "resize");
    let e = TF::resize(&x, &[2, 2, 2], InterpolationMode::Bilinear, None, true).unwrap_err();
    assert!(e.message().contains("1 or 2 element"), "{e}");
    assert!(TF::resize(&x, &[2], InterpolationMode::Bilinear, Some(2), true).is_err());
}

#[test]
fn image_files_round_trip() {
    let dir = std::env::temp_dir().join(format!("ltrs-vision-io-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // a 3x5x7 RGB image with known pixels
    let pix: Vec<u8> = (0..3 * 5 * 7).map(|i| (i * 37 % 256) as u8).collect();
    let img = Tensor::from_data(&pix, &[3, 5, 7]).unwrap();
    let p = dir.join("a.png");
    io::write_png(&img, &p).unwrap();
    let back = io::read_image(&p, ImageReadMode::Unchanged).unwrap();
    assert_bit_identical(&back, &img, "png round trip");
    let f = io::load_image(&p).unwrap();
    assert_eq!(f.kind(), Kind::Float);
    let diff = f
        .sub(&img.to_dtype(Kind::Float).div(255.0))
        .abs()
        .max()
        .double_value();
    assert!(diff < 1e-7, "{diff}");
    // gray: ITU-R 601 luma of the RGB pixels, one channel
    let g = io::read_image(&p, ImageReadMode::Gray).unwrap();
    assert_eq!(g.size(), [1, 5, 7]);
    let rgba = io::read_image(&p, ImageReadMode::RgbAlpha).unwrap();
    assert_eq!(rgba.size(), [4, 5, 7]);
    assert_eq!(rgba.select(0, 3).min().int64_value(), 255);

    // JPEG: a flat colour survives lossy compression within a few levels
    let mut jpg = Vec::new();
    let flat: Vec<u8> = (0..16 * 16).flat_map(|_| [200u8, 100, 30]).collect();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpg, 95)
        .encode(&flat, 16, 16, image::ColorType::Rgb8)
        .unwrap();
    std::fs::write(dir.join("b.jpg"), &jpg).unwrap();
    let j = io::read_image(dir.join("b.jpg"), ImageReadMode::Unchanged).unwrap();
    assert_eq!(j.size(), [3, 16, 16]);
    let mean: Vec<f64> = (0..3)
        .map(|c| j.select(0, c).to_dtype(Kind::Double).mean().double_value())
        .collect();
    for (m, want) in mean.iter().zip([200.0, 100.0, 30.0]) {
        assert!((m - want).abs() < 3.0, "{mean:?}");
    }

    // not an image
    std::fs::write(dir.join("c.png"), b"not a png").unwrap();
    let e = io::read_image(dir.join("c.png"), ImageReadMode::Rgb).unwrap_err();
    assert!(e.message().contains("c.png"), "{e}");
    assert!(io::read_image(dir.join("missing.png"), ImageReadMode::Rgb).is_err());
    assert!(
        io::encode_png(&Tensor::zeros(&[3, 2, 2])).is_err(),
        "float images are refused"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
