//! `vision::ops` against torchvision 0.26's own results (tests/fixtures/vision/, made by
//! tests/fixtures/gen/fixtures_vision.py): box conversions, areas, IoU and GIoU, clipping and
//! filtering bit for bit; NMS indices exactly; roi_align to float rounding.
mod common;

use common::{assert_bit_identical, tensor};
use libtorch::vision::ops::*;
use libtorch::{Kind, Tensor};
use serde_json::Value;

fn boxes() -> Value {
    common::manifest("vision")["boxes"].clone()
}

#[test]
fn box_convert_matches_torchvision() {
    let m = boxes();
    let b1 = tensor(&m["boxes1"]);
    for a in ["xyxy", "xywh", "cxcywh"] {
        for b in ["xyxy", "xywh", "cxcywh"] {
            let got = box_convert(&b1, a, b).unwrap();
            assert_bit_identical(
                &got,
                &tensor(&m[format!("convert_{a}_{b}")]),
                &format!("{a}->{b}"),
            );
        }
    }
    // integer boxes: the centre is a true division, so the result is float as in torchvision
    let got = box_convert(&b1.to_dtype(Kind::Int64), "xyxy", "cxcywh").unwrap();
    assert_bit_identical(
        &got,
        &tensor(&m["convert_int_xyxy_cxcywh"]),
        "int xyxy->cxcywh",
    );
}

#[test]
fn area_iou_giou_match_torchvision() {
    let m = boxes();
    let (b1, b2) = (tensor(&m["boxes1"]), tensor(&m["boxes2"]));
    for f in ["xyxy", "xywh", "cxcywh"] {
        assert_bit_identical(
            &box_area_with(&b1, f).unwrap(),
            &tensor(&m[format!("area_{f}")]),
            f,
        );
        assert_bit_identical(
            &box_iou_with(&b1, &b2, f).unwrap(),
            &tensor(&m[format!("iou_{f}")]),
            f,
        );
    }
    assert_bit_identical(
        &box_area(&b1).unwrap(),
        &tensor(&m["area_xyxy"]),
        "default fmt",
    );
    assert_bit_identical(
        &box_iou(&b1, &b2).unwrap(),
        &tensor(&m["iou_xyxy"]),
        "default fmt",
    );
    // upcasts: int16 -> int32, float16 -> float32
    let a = box_area(&b1.to_dtype(Kind::Int16)).unwrap();
    assert_eq!(a.kind(), Kind::Int);
    assert_bit_identical(&a, &tensor(&m["area_int"]), "int16 area");
    assert_bit_identical(
        &box_area(&b1.to_dtype(Kind::Half)).unwrap(),
        &tensor(&m["area_f16"]),
        "f16 area",
    );
    assert_bit_identical(
        &generalized_box_iou(&b1, &b2).unwrap(),
        &tensor(&m["giou"]),
        "giou",
    );
    let iou64 = box_iou(&tensor(&m["boxes1_f64"]), &b2.to_dtype(Kind::Double)).unwrap();
    assert_bit_identical(&iou64, &tensor(&m["iou_f64"]), "f64 iou");
    let batch = Tensor::stack(&[b1.narrow(0, 0, 5), b2.shallow_clone()]);
    assert_bit_identical(
        &box_iou(&batch, &batch).unwrap(),
        &tensor(&m["iou_batched"]),
        "batched",
    );
}

#[test]
fn clip_and_remove_small_match_torchvision() {
    let m = boxes();
    let b1 = tensor(&m["boxes1"]);
    let shifted = b1.sub(20.0);
    assert_bit_identical(
        &clip_boxes_to_image(&shifted, (50, 60)).unwrap(),
        &tensor(&m["clip"]),
        "clip",
    );
    let clipped = clip_boxes_to_image(&shifted.to_dtype(Kind::Int64), (50, 60)).unwrap();
    assert_bit_identical(&clipped, &tensor(&m["clip_int"]), "clip int");
    assert_bit_identical(
        &remove_small_boxes(&b1, 15.0).unwrap(),
        &tensor(&m["remove_small"]),
        "small",
    );
}

#[test]
fn nms_and_batched_nms_keep_torchvisions_indices() {
    let m = boxes();
    let (b, s, c) = (
        tensor(&m["nms_boxes"]),
        tensor(&m["nms_scores"]),
        tensor(&m["nms_idxs"]),
    );
    for th in ["0.3", "0.5", "0.7"] {
        let t: f64 = th.parse().unwrap();
        let keep = nms(&b, &s, t).unwrap();
        assert_bit_identical(
            &keep,
            &tensor(&m[format!("nms_{th}")]),
            &format!("nms {th}"),
        );
        assert!(
            keep.size()[0] > 6 && keep.size()[0] < 200,
            "{th}: a real suppression"
        );
        let keep = batched_nms(&b, &s, &c, t).unwrap();
        assert_bit_identical(
            &keep,
            &tensor(&m[format!("batched_nms_{th}")]),
            &format!("batched {th}"),
        );
    }
    let keep = nms(&b.to_dtype(Kind::Double), &s.to_dtype(Kind::Double), 0.5).unwrap();
    assert_bit_identical(&keep, &tensor(&m["nms_f64_0.5"]), "f64 nms");
    // over 4000 coordinates: one nms per category, as torchvision
    let (bb, bs, bc) = (
        tensor(&m["big_boxes"]),
        tensor(&m["big_scores"]),
        tensor(&m["big_idxs"]),
    );
    assert!(bb.numel() > 4000);
    let keep = batched_nms(&bb, &bs, &bc, 0.5).unwrap();
    assert_bit_identical(&keep, &tensor(&m["big_batched_nms_0.5"]), "big batched");
    // empty input
    let e = Tensor::zeros(&[0, 4]);
    assert_eq!(nms(&e, &Tensor::zeros(&[0]), 0.5).unwrap().size(), [0]);
    let ei = Tensor::zeros_opts(&[0], (Kind::Int64, libtorch::Device::Cpu));
    assert_eq!(
        batched_nms(&e, &Tensor::zeros(&[0]), &ei, 0.5)
            .unwrap()
            .size(),
        [0]
    );
}

#[test]
fn roi_align_matches_torchvision() {
    let m = boxes();
    let (x, rois) = (tensor(&m["roi_input"]), tensor(&m["roi_boxes"]));
    for case in m["roi_cases"].as_array().unwrap() {
        let os = case["output_size"].as_array().unwrap();
        let size = (os[0].as_i64().unwrap(), os[1].as_i64().unwrap());
        let scale = case["spatial_scale"].as_f64().unwrap();
        let ratio = case["sampling_ratio"].as_i64().unwrap();
        let aligned = case["aligned"].as_bool().unwrap();
        let got = roi_align(&x, &rois, size, scale, ratio, aligned).unwrap();
        let want = tensor(&case["out"]);
        assert_eq!(got.size(), want.size());
        let diff = got.sub(&want).abs().max().double_value();
        assert!(diff < 2e-6, "{case}: max difference {diff}");
        assert!(want.abs().max().double_value() > 0.1);
    }
    let xd = x.to_dtype(Kind::Double);
    let got = roi_align(&xd, &rois.to_dtype(Kind::Double), (3, 4), 0.5, -1, true).unwrap();
    let diff = got.sub(&tensor(&m["roi_f64"])).abs().max().double_value();
    assert!(diff < 1e-12, "f64: {diff}");
    // gradients flow to the input
    let xg = x.deep_clone().set_requires_grad(true);
    roi_align(&xg, &rois, (3, 4), 1.0, 2, false)
        .unwrap()
        .sum()
        .backward();
    assert!(xg.grad().abs().sum().double_value() > 0.0);
}

#[test]
fn bad_shapes_and_formats_are_errors() {
    let b = Tensor::zeros(&[3, 4]);
    let bad = Tensor::zeros(&[3, 5]);
    let e = box_convert(&bad, "xyxy", "xywh").unwrap_err();
    assert_eq!(e.op(), "box_convert");
    assert!(e.message().contains("[3, 5]"), "{e}");
    let e = box_convert(&b, "xyxy", "yxyx").unwrap_err();
    assert!(e.message().contains("yxyx"), "{e}");
    assert!(box_convert(&b, "xywhr", "xyxy")
        .unwrap_err()
        .message()
        .contains("rotated"));
    assert_eq!(box_iou(&b, &bad).unwrap_err().op(), "box_iou");
    assert_eq!(
        box_iou(&Tensor::zeros(&[4]), &b).unwrap_err().op(),
        "box_iou"
    );
    assert_eq!(box_area_with(&b, "abc").unwrap_err().op(), "box_area");
    assert_eq!(
        generalized_box_iou(&bad, &b).unwrap_err().op(),
        "generalized_box_iou"
    );
    assert_eq!(
        clip_boxes_to_image(&bad, (1, 1)).unwrap_err().op(),
        "clip_boxes_to_image"
    );
    assert_eq!(
        remove_small_boxes(&bad, 1.0).unwrap_err().op(),
        "remove_small_boxes"
    );
    let s = Tensor::zeros(&[3]);
    let e = nms(&bad, &s, 0.5).unwrap_err();
    assert!(e.message().contains("4 elements in dimension 1"), "{e}");
    let e = nms(&b, &Tensor::zeros(&[2]), 0.5).unwrap_err();
    assert!(e.message().contains("got 3 and 2"), "{e}");
    let e = nms(&b, &s.to_dtype(Kind::Double), 0.5).unwrap_err();
    assert!(e.message().contains("same type"), "{e}");
    let e = nms(&b.to_dtype(Kind::Int64), &s.to_dtype(Kind::Int64), 0.5).unwrap_err();
    assert!(e.message().contains("float32 or float64"), "{e}");
    let e = batched_nms(&b, &s, &Tensor::zeros(&[3]), 0.5).unwrap_err();
    assert_eq!(e.op(), "batched_nms");
    let x = Tensor::zeros(&[1, 2, 4, 4]);
    assert!(roi_align(&x, &b, (2, 2), 1.0, -1, false)
        .unwrap_err()
        .message()
        .contains("[K, 5]"));
    let r = Tensor::from_data(&[3.0f32, 0.0, 0.0, 1.0, 1.0], &[1, 5]).unwrap();
    let e = roi_align(&x, &r, (2, 2), 1.0, -1, false).unwrap_err();
    assert!(e.message().contains("batch index 3"), "{e}");
    let r = Tensor::from_data(&[0.0f32, 0.0, 0.0, 1.0, 1.0], &[1, 5]).unwrap();
    assert!(roi_align(&x, &r, (0, 2), 1.0, -1, false).is_err());
    assert!(roi_align(&Tensor::zeros(&[2, 4, 4]), &r, (2, 2), 1.0, -1, false).is_err());
    let huge = Tensor::from_data(&[0.0f32, 0.0, 0.0, 1e30, f32::INFINITY], &[1, 5]).unwrap();
    let e = roi_align(&x, &huge, (2, 2), 1.0, -1, false).unwrap_err();
    assert!(e.message().contains("sampling grid"), "{e}");
}
