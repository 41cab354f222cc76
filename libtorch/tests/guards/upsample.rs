//! Guards of the upsample family (libtorch/src/guards/).

use crate::common::{close, ones, rejected, t, vals};
use libtorch::{Kind, Tensor};

#[test]
fn antialiased_upsampling_rejects_scales_that_start_windows_past_the_input() {
    // Width 4 -> 2 with the triangle filter stretched by 2: output 0 weighs inputs 1, 2, 3 by
    // 0.75, 0.75, 0.25 (normalized by 1.75): 3 / 1.75; output 1 mirrors it: 5 - 3 / 1.75.
    let x = t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 1, 4]);
    let y = x.f__upsample_bilinear2d_aa(&[1, 2], false).unwrap();
    close(&vals(&y), &[3.0 / 1.75, 5.0 - 3.0 / 1.75]);
    let op = "aten::_upsample_bilinear2d_aa";
    // Seed 17: scales_w = 1e-8 means a scale of 1e8, and output 1's window starts at 5e7.
    let x = ones(&[3, 3, 4, 5]);
    let m = rejected(
        x.f__upsample_bilinear2d_aa_with(&[1, 2], false, None, Some(1e-8)),
        op,
        "scales_w",
    );
    assert!(m.contains("input index 50000000"), "{m}");
    // A small disagreement reads neighbouring memory: width 2 -> 4 at scale 0.5 (2 -> 1 is
    // meant) starts output 2's window at input index 3.
    rejected(
        ones(&[1, 1, 1, 2]).f__upsample_bilinear2d_aa_with(&[1, 4], false, None, Some(0.5)),
        op,
        "scales_w",
    );
    // A dimension whose size does not change is not resampled, whatever its scale.
    let same = t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 1, 4]);
    let y = same
        .f__upsample_bilinear2d_aa_with(&[1, 4], false, None, Some(1e-8))
        .unwrap();
    assert_eq!(vals(&y), [1.0, 2.0, 3.0, 4.0]);
    // A scale that agrees with the sizes (5 * 0.4 = 2) is fine.
    assert!(x
        .f__upsample_bilinear2d_aa_with(&[1, 2], false, None, Some(0.4))
        .is_ok());
    rejected(
        x.f__upsample_bicubic2d_aa_with(&[3, 2], false, Some(1e-8), None),
        "aten::_upsample_bicubic2d_aa",
        "scales_h",
    );
}

#[test]
fn upsampling_refuses_scales_that_overflow_the_source_index() {
    // Seed 794: uint8 [3, 1, 3, 3] -> [1, 1] with scales_h = 2.2e-308: 1 / scale is infinite in
    // float, 0 * inf is NaN, and its int64 conversion reads before the input.
    let x = ones(&[3, 1, 3, 3]).to_dtype(Kind::Uint8);
    let tiny = Some(2.2250738585072014e-308);
    let m = rejected(
        x.f_upsample_nearest2d_with(&[1, 1], tiny, Some(-1.0)),
        "aten::upsample_nearest2d",
        "scales_h",
    );
    assert!(m.contains("output index 0 of 1"), "{m}");
    // 1e-19 is finite in float, but output 1 maps to 1e19 >= 2^63.
    rejected(
        x.f_upsample_nearest2d_with(&[2, 2], None, Some(1e-19)),
        "aten::upsample_nearest2d",
        "scales_w",
    );
    rejected(
        Tensor::f__upsample_nearest_exact1d_backward_with(
            &ones(&[1, 1, 2]),
            &[2],
            &[1, 1, 4],
            tiny,
        ),
        "aten::_upsample_nearest_exact1d_backward",
        "scales",
    );
    rejected(
        ones(&[1, 1, 4, 4, 4]).f_upsample_trilinear3d_with(
            &[2, 2, 2],
            false,
            None,
            None,
            Some(1e-300),
        ),
        "aten::upsample_trilinear3d",
        "scales_w",
    );
    // Scales the kernel does not use pass: an output as large as the input (nearest), and
    // align_corners (the linear modes).
    let same = x.f_upsample_nearest2d_with(&[3, 3], tiny, tiny).unwrap();
    assert_eq!(same.to_vec::<u8>().unwrap(), vec![1u8; 27]);
    let v = t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 4]);
    close(
        &vals(&v.f_upsample_linear1d_with(&[2], true, tiny).unwrap()),
        &[1.0, 4.0],
    );
    // A scale of 0.5 (r = 2) picks floor(2 i) = [1, 3] for nearest, floor(2 (i + 0.5)) = [2, 4]
    // for nearest-exact, and interpolates at 2 (i + 0.5) - 0.5 = [0.5, 2.5] -> [1.5, 3.5].
    close(
        &vals(&v.f_upsample_nearest1d_with(&[2], Some(0.5)).unwrap()),
        &[1.0, 3.0],
    );
    close(
        &vals(&v.f__upsample_nearest_exact1d_with(&[2], Some(0.5)).unwrap()),
        &[2.0, 4.0],
    );
    close(
        &vals(&v.f_upsample_linear1d_with(&[2], false, Some(0.5)).unwrap()),
        &[1.5, 3.5],
    );
}

#[test]
fn quantized_bilinear_refuses_sources_past_the_input() {
    // Fuzz seed 23: a quantized [3, 1, 2, 5] self to [2, 1] with scales_w = 1e-8 reads column
    // 5e7 (the quantized kernel never clamps its source index), in either memory format.
    let q = |x: &Tensor| x.quantize_per_tensor(0.5, 0, Kind::QInt8);
    let x = q(&ones(&[3, 1, 2, 5]));
    let m = rejected(
        x.f_upsample_bilinear2d_with(&[2, 1], false, None, 1e-8),
        "aten::upsample_bilinear2d",
        "scales_w",
    );
    assert!(m.contains("output index 0 of 1"), "{m}");
    let nhwc = q(&ones(&[3, 1, 2, 5]).contiguous_with(libtorch::MemoryFormat::ChannelsLast));
    rejected(
        nhwc.f_upsample_bilinear2d_with(&[4, 5], false, 1e-3, None),
        "aten::upsample_bilinear2d",
        "scales_h",
    );
    // Valid calls pass with the float kernel's values: [1, 2, 3, 4] to width 2, by the sizes or
    // by a scale of 0.5 (r = 2), samples at 2 (i + 0.5) - 0.5 = [0.5, 2.5] -> [1.5, 3.5];
    // align_corners samples at [0, 3] whatever the scale; equal sizes copy.
    let v = q(&t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 1, 4]));
    let deq = |r: Tensor| vals(&r.dequantize());
    close(
        &deq(v.upsample_bilinear2d_with(&[1, 2], false, None, None)),
        &[1.5, 3.5],
    );
    close(
        &deq(v.upsample_bilinear2d_with(&[1, 2], false, None, 0.5)),
        &[1.5, 3.5],
    );
    close(
        &deq(v.upsample_bilinear2d_with(&[1, 2], true, None, 1e-8)),
        &[1.0, 4.0],
    );
    // Equal sizes: the contiguous kernel copies, ignoring the scales; the channels-last one
    // (which a single-channel tensor also takes) reads with them, so they are checked there.
    let two = q(&t(&[1.0, 2.0, 3.0, 4.0], &[1, 2, 1, 2]));
    close(
        &deq(two.upsample_bilinear2d_with(&[1, 2], false, 1e-8, 1e-8)),
        &[1.0, 2.0, 3.0, 4.0],
    );
    rejected(
        v.f_upsample_bilinear2d_with(&[1, 4], false, 1e-8, 1e-8),
        "aten::upsample_bilinear2d",
        "scales_h",
    );
}
