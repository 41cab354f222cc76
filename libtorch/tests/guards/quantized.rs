//! Guards of the quantized family (libtorch/src/guards/).

use crate::common::{close, longs, ones, rejected, t, vals};
use libtorch::{Error, Kind, Tensor};

#[test]
fn quantized_lstm_cell_rejects_a_short_hx() {
    let z = ones(&[1]);
    let r = Tensor::f_quantized_lstm_cell(
        &z,
        &[&z],
        &z,
        &z,
        &z,
        &z,
        &z,
        &z,
        &z,
        &z,
        1.0,
        1.0,
        0i64,
        0i64,
    );
    let m = rejected(r, "aten::quantized_lstm_cell", "hx");
    assert_eq!(
        m,
        "hx must have 2 elements, got 1 (libtorch 2.11 would crash)"
    );
}

#[test]
fn dyn_quant_matmul_4bit_rejects_a_zero_block_size() {
    let op = "aten::_dyn_quant_matmul_4bit";
    let x = ones(&[1, 64]);
    let w = Tensor::zeros(&[64]).to_dtype(Kind::Uint8);
    rejected(
        Tensor::f__dyn_quant_matmul_4bit(&x, &w, 0, 64, 1),
        op,
        "block_size",
    );
    // ATen's own check lets block_size == in_features == 0 through; its kernel divides by it.
    rejected(
        Tensor::f__dyn_quant_matmul_4bit(&x, &w, 0, 0, 0),
        op,
        "block_size",
    );
    rejected(
        Tensor::f__dyn_quant_matmul_4bit(&x, &w, 16, 64, 1),
        op,
        "block_size",
    );
}

#[test]
fn dyn_quant_matmul_4bit_valid_call_multiplies_by_the_packed_weights() {
    // Int4 weights as torch.ops.aten._dyn_quant_pack_4bit_weight takes them (PyTorch's own
    // tests, channel-wise: block_size = in_features = 32): values w in -8..=7 stored as w + 8,
    // two per byte (the even column in the low nibble), one float32 scale per output row.
    const K: usize = 32;
    let w: [[i32; K]; 2] = [
        std::array::from_fn(|i| (i % 16) as i32 - 8),
        std::array::from_fn(|i| 7 - (i % 15) as i32),
    ];
    let scales = [1.0f32, 0.5];
    let bytes: Vec<u8> = w
        .iter()
        .flat_map(|row| {
            row.chunks(2)
                .map(|p| ((p[1] + 8) << 4 | (p[0] + 8)) as u8)
                .collect::<Vec<_>>()
        })
        .collect();
    let nibbles = Tensor::from_data(&bytes, &[2, K as i64 / 2]).unwrap();
    let packed = Tensor::f__dyn_quant_pack_4bit_weight(
        &nibbles,
        &t(&scales, &[2, 1]),
        None,
        K as i64,
        K as i64,
        2,
    )
    .unwrap();
    let xs: [f32; K] = std::array::from_fn(|i| (i % 5) as f32 - 2.0);
    let y =
        Tensor::f__dyn_quant_matmul_4bit(&t(&xs, &[1, K as i64]), &packed, K as i64, K as i64, 2)
            .unwrap();
    assert_eq!(y.size(), [1, 2]);
    // The dense product x · (w · scale)ᵀ is [9, -40]; the kernel quantizes x to 8 bits per row
    // on the fly (a step of 4/255 here), so it comes within 0.1 (PyTorch 2.11: 8.988, -40.063).
    let dense: Vec<f32> = (0..2)
        .map(|n| (0..K).map(|k| xs[k] * w[n][k] as f32 * scales[n]).sum())
        .collect();
    assert_eq!(dense, [9.0, -40.0]);
    for (got, want) in vals(&y).iter().zip(&dense) {
        assert!((got - want).abs() < 0.1, "{got} vs {want}");
    }
}

#[test]
fn transform_bias_rescale_qkv_rejects_zero_heads_empty_features_and_a_bad_bias() {
    let qkv = t(&[1.0, 2.0, 3.0], &[1, 1, 3]);
    let bias = Tensor::zeros(&[3]);
    let op = "aten::_transform_bias_rescale_qkv";
    rejected(
        Tensor::f__transform_bias_rescale_qkv(&qkv, &bias, 0),
        op,
        "num_heads",
    );
    rejected(
        Tensor::f__transform_bias_rescale_qkv(&Tensor::zeros(&[1, 1, 0]), &Tensor::zeros(&[0]), 1),
        op,
        "qkv",
    );
    rejected(
        Tensor::f__transform_bias_rescale_qkv(&qkv, &Tensor::zeros(&[2]), 1),
        op,
        "qkv_bias",
    );
    rejected(
        Tensor::f__transform_bias_rescale_qkv(&qkv, &bias.f_to_dtype(Kind::Double).unwrap(), 1),
        op,
        "qkv_bias",
    );
    // Seed 131: an empty batch, whose result splits into one piece where three are read.
    rejected(
        Tensor::f__transform_bias_rescale_qkv(&Tensor::zeros(&[0, 0, 3]), &bias, 1),
        op,
        "qkv",
    );
    // Seed 431: a 4-D qkv without elements, walked as [2, 3, 3] through a null buffer.
    let m = rejected(
        Tensor::f__transform_bias_rescale_qkv(
            &Tensor::zeros(&[2, 3, 3, 0]),
            &Tensor::zeros(&[]),
            1,
        ),
        op,
        "qkv",
    );
    assert!(m.contains("dimensions"), "{m}");
    // One head of width 1: q is scaled by 1 / sqrt(1), k and v pass through; shapes [B, H, T, D/H].
    let (q, k, v) =
        Tensor::f__transform_bias_rescale_qkv(&qkv, &t(&[1.0, 1.0, 1.0], &[3]), 1).unwrap();
    assert_eq!(q.size(), [1, 1, 1, 1]);
    assert_eq!(
        (vals(&q), vals(&k), vals(&v)),
        (vec![2.0], vec![3.0], vec![4.0])
    );
}

#[test]
fn choose_qparams_optimized_rejects_searches_that_never_end() {
    // 0, 1, 2, 3 are exact at 8 bits over [0, 3] (steps of 3/255): any narrower range clips
    // and loses, so the search keeps the full range.
    let x = t(&[0.0, 1.0, 2.0, 3.0], &[4]);
    let (a, b) = Tensor::f_choose_qparams_optimized(&x, 4, 200, 0.16, 8).unwrap();
    let mut r = [vals(&a)[0], vals(&b)[0]];
    r.sort_by(f32::total_cmp);
    assert_eq!(r, [0.0, 3.0]);
    let op = "aten::choose_qparams_optimized";
    // Seed 13: a negative bin count moves the bounds outward forever.
    rejected(
        Tensor::f_choose_qparams_optimized(&x, 4, -2, 1.0, 8),
        op,
        "n_bins",
    );
    // 2^40 bins: a step of 3 / 2^40 cannot move a bound near 3 in float.
    rejected(
        Tensor::f_choose_qparams_optimized(&x, 4, 1 << 40, 0.5, 8),
        op,
        "n_bins",
    );
    // Seed 148: an infinite value with ratio 2 sends the bounds past each other for good.
    let inf = t(&[1.0, f32::INFINITY, -1.0], &[3]);
    rejected(
        Tensor::f_choose_qparams_optimized(&inf, 2, i64::MIN, 2.0, 4),
        op,
        "ratio",
    );
    // Values one float apart: no step of 1 / 4 of that range moves a bound.
    let close_by = t(&[1.0, 1.0 + f32::EPSILON], &[2]);
    rejected(
        Tensor::f_choose_qparams_optimized(&close_by, 2, 4, 0.5, 8),
        op,
        "n_bins",
    );

    // Nothing to search for a constant input, whatever the bins.
    assert!(Tensor::f_choose_qparams_optimized(&ones(&[4]), 4, -2, 1.0, 8).is_ok());
}

#[test]
fn fused_observer_rejects_axes_and_statistics_it_would_write_past() {
    // Per tensor, averaging 1/2: running min -2 -> -1 and max 2 -> 3, so scale (3 + 1) / 4 = 1
    // and zero point 1; x = 0 maps to 1 (kept), x = 4 to 5, clamped to 4: (4 - 1) * 1 = 3.
    let x = t(&[0.0, 4.0], &[2]);
    let on = longs(&[1], &[1]);
    let (mut lo, mut hi) = (t(&[-2.0], &[1]), t(&[2.0], &[1]));
    let (mut scale, mut zp) = (t(&[0.1], &[1]), Tensor::from_data(&[0i32], &[1]).unwrap());
    let (y, mask) = Tensor::f__fused_moving_avg_obs_fq_helper(
        &x, &on, &on, &mut lo, &mut hi, &mut scale, &mut zp, 0.5, 0, 4, 0,
    )
    .unwrap();
    assert_eq!(vals(&y), [0.0, 3.0]);
    assert_eq!(mask.to_vec::<bool>().unwrap(), [true, false]);
    assert_eq!(
        (vals(&lo), vals(&hi), vals(&scale)),
        (vec![-1.0], vec![3.0], vec![1.0])
    );
    let op = "aten::_fused_moving_avg_obs_fq_helper";
    // Seed 35: per row with a negative axis into a stack array.
    let m = rejected(
        Tensor::f__fused_moving_avg_obs_fq_helper_with(
            &x,
            &on,
            &on,
            &mut lo,
            &mut hi,
            &mut scale,
            &mut zp,
            0.5,
            0,
            4,
            -(1 << 50),
            true,
            false,
        ),
        op,
        "ch_axis",
    );
    assert!(m.contains("1-D"), "{m}");
    // Seed 192: the same with a complex observer flag, which libtorch reads by its real part.
    let flag = Tensor::from_data(&[1.0f64], &[])
        .unwrap()
        .f_to_dtype(Kind::ComplexDouble)
        .unwrap();
    rejected(
        Tensor::f__fused_moving_avg_obs_fq_helper_with(
            &x, &flag, &on, &mut lo, &mut hi, &mut scale, &mut zp, 0.5, 0, 4, -1, true, false,
        ),
        op,
        "ch_axis",
    );
    // Per tensor with empty statistics, which the observer writes at index 0.
    let (mut e1, mut e2) = (Tensor::zeros(&[0]), Tensor::zeros(&[0]));
    rejected(
        Tensor::f__fused_moving_avg_obs_fq_helper(
            &x, &on, &on, &mut e1, &mut e2, &mut scale, &mut zp, 0.5, 0, 4, 0,
        ),
        op,
        "running_min",
    );
    // Seed 1009 (400 calls per op): an undefined self, through the out= form.
    let (mut o0, mut o1) = (Tensor::zeros(&[0]), Tensor::zeros(&[0]));
    rejected(
        Tensor::default().f__fused_moving_avg_obs_fq_helper_out(
            &on, &on, &mut lo, &mut hi, &mut scale, &mut zp, 0.5, 0, 4, 0, &mut o0, &mut o1,
        ),
        "aten::_fused_moving_avg_obs_fq_helper.out",
        "self",
    );
}

#[test]
fn dyn_quant_matmul_rejects_inputs_and_weights_of_other_layouts() {
    // K = 2, N = 2, one block per row: weight bytes 0x3A, 0x9F (low nibbles 10 and 15, minus 8:
    // 2 and 7), scales 0.5 and 0.25, bias 0.25 and -1. The input row [255, 0] quantizes
    // exactly, so the outputs are 255 * 2 * 0.5 + 0.25 and 255 * 7 * 0.25 - 1.
    let inp = t(&[255.0, 0.0], &[1, 2]);
    let pw = t(&[58.0, 159.0, 0.5, 0.25, 0.25, -1.0], &[6]);
    let y = Tensor::f__dyn_quant_matmul_4bit(&inp, &pw, 2, 2, 2).unwrap();
    assert_eq!(vals(&y), [255.25, 445.25]);
    // Seed 39: an empty input for in_features 1 (read through a null pointer).
    rejected(
        Tensor::f__dyn_quant_matmul_4bit(
            &Tensor::zeros(&[2, 0]),
            &Tensor::zeros(&[5]).f_to_dtype(Kind::Double).unwrap(),
            1,
            1,
            2,
        ),
        "aten::_dyn_quant_matmul_4bit",
        "inp",
    );
}

#[test]
fn view_copy_dtype_and_neg_view_copy_refuse_a_quantized_self() {
    // Found with `fuzz-ops --form-share`: view_copy.dtype reads a quantized tensor's storage
    // (SIGSEGV) and _neg_view_copy recurses until the stack overflows.
    let q = ones(&[2, 4])
        .f_quantize_per_tensor(0.25, 1, Kind::QUInt8)
        .unwrap();
    rejected(
        q.f_view_copy_dtype(Kind::Int8),
        "aten::view_copy.dtype",
        "self",
    );
    rejected(q.f__neg_view_copy(), "aten::_neg_view_copy", "self");
    let mut out = Tensor::zeros(&[2, 4]);
    rejected(
        q.f__neg_view_copy_out(&mut out),
        "aten::_neg_view_copy.out",
        "self",
    );
    // 200 as uint8 is -56 as int8; the negative view's copy holds the negated values.
    let bytes = Tensor::from_slice(&[200u8, 7]);
    let signed = bytes.f_view_copy_dtype(Kind::Int8).unwrap();
    assert_eq!(signed.to_vec::<i8>().unwrap(), [-56, 7]);
    close(
        &vals(&t(&[1.0, -2.0], &[2]).f__neg_view_copy().unwrap()),
        &[-1.0, 2.0],
    );
}

#[test]
fn cat_into_a_quantized_out_needs_a_tensor() {
    // Found with `fuzz-ops --form-share`: with a quantized out, cat.out reads the first tensor
    // of an empty list (SIGSEGV); libtorch rejects the empty list into any other out.
    let scales = Tensor::full(&[3], 0.25);
    let zero_points = Tensor::zeros(&[3]).to_dtype(Kind::Int64);
    let mut q = Tensor::zeros(&[3, 0])
        .f_quantize_per_channel(&scales, &zero_points, 0, Kind::QInt32)
        .unwrap();
    rejected(
        Tensor::f_cat_out_with::<Tensor>(&[], 1, &mut q),
        "aten::cat.out",
        "tensors",
    );
    let mut out = Tensor::zeros(&[0]);
    Tensor::f_cat_out(&[t(&[1.0], &[1]), t(&[2.0, 3.0], &[2])], &mut out).unwrap();
    close(&vals(&out), &[1.0, 2.0, 3.0]);
}

#[test]
fn quantized_adaptive_average_pools_need_an_output_size_per_dimension() {
    // Found with `fuzz-ops --form-share`: the quantized kernels read output_size[1] (and [2])
    // of a one-element list (SIGSEGV in 3-D); the others reject it.
    let q = ones(&[3, 3, 3, 3])
        .f_quantize_per_tensor(0.25, 0, Kind::QInt8)
        .unwrap();
    rejected(
        q.f__adaptive_avg_pool3d(&[4]),
        "aten::_adaptive_avg_pool3d",
        "output_size",
    );
    let q2 = ones(&[1, 4, 4])
        .f_quantize_per_tensor(0.25, 0, Kind::QInt8)
        .unwrap();
    rejected(
        q2.f__adaptive_avg_pool2d(&[2]),
        "aten::_adaptive_avg_pool2d",
        "output_size",
    );
    let mut out = ones(&[1])
        .f_quantize_per_tensor(0.25, 0, Kind::QInt8)
        .unwrap();
    rejected(
        q.f_adaptive_avg_pool3d_out(&[], &mut out),
        "aten::adaptive_avg_pool3d.out",
        "output_size",
    );
    // Averaging ones gives ones, quantized at scale 0.25.
    let pooled = q2.f__adaptive_avg_pool2d(&[2, 2]).unwrap();
    assert_eq!(pooled.size(), [1, 2, 2]);
    close(&vals(&pooled.f_dequantize_self().unwrap()), &[1.0; 4]);
}

#[test]
fn quantized_reflection_pads_need_a_full_padding() {
    // Found with `fuzz-ops --form-share`: the quantized reflection_pad1d.out reads padding[0]
    // and [1] of an empty list (SIGSEGV); every other kernel checks the length.
    let q = ones(&[1, 3, 4])
        .f_quantize_per_tensor(0.25, 0, Kind::QInt8)
        .unwrap();
    let mut out = ones(&[1])
        .f_quantize_per_tensor(0.25, 0, Kind::QInt8)
        .unwrap();
    rejected(
        q.f_reflection_pad1d_out(&[], &mut out),
        "aten::reflection_pad1d.out",
        "padding",
    );
    // [1, 2, 3] reflected by one on each side.
    let padded = t(&[1.0, 2.0, 3.0], &[1, 3])
        .f_reflection_pad1d(&[1, 1])
        .unwrap();
    close(&vals(&padded), &[2.0, 1.0, 2.0, 3.0, 2.0]);
}

#[test]
fn nested_tensors_are_not_converted_to_quantized_dtypes() {
    // The CUDA build's form fuzz (seed 107), reproduced on the CPU: the nested _to_copy to a
    // quantized dtype with memory_format Contiguous copies into a buffer without a quantizer
    // (SIGSEGV reading its qscheme).
    use libtorch::MemoryFormat;
    let a = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let nested = Tensor::f__nested_tensor_from_tensor_list(&[&a, &a.narrow(0, 0, 1)]).unwrap();
    let contiguous = Some(MemoryFormat::Contiguous);
    let m = rejected(
        nested.f_to_dtype_layout_with(
            Some(Kind::QInt32),
            None,
            None,
            None,
            false,
            true,
            contiguous,
        ),
        "aten::to.dtype_layout",
        "self",
    );
    assert!(m.contains("cannot be converted to qint32"), "{m}");
    rejected(
        nested.f__to_copy_with(Some(Kind::QUInt8), None, None, None, false, contiguous),
        "aten::_to_copy",
        "self",
    );
    rejected(
        nested.f_to_dtype_with(Kind::QInt8, false, true, contiguous),
        "aten::to.dtype",
        "self",
    );
    // The `_like` factories make the same buffer (seed 551: ones_like); what empty_like returned
    // crashed at its first fill_.
    let q = Some(Kind::QInt8);
    rejected(
        nested.f_ones_like_with(q, None, None, None, contiguous),
        "aten::ones_like",
        "self",
    );
    rejected(
        nested.f_zeros_like_with(q, None, None, None, contiguous),
        "aten::zeros_like",
        "self",
    );
    rejected(
        nested.f_empty_like_with(q, None, None, None, contiguous),
        "aten::empty_like",
        "self",
    );
    let like = nested
        .f_ones_like_with(Some(Kind::Int), None, None, None, contiguous)
        .unwrap();
    let second = like.f_unbind_int().unwrap().remove(1);
    assert_eq!(second.to_vec::<i32>().unwrap(), [1, 1]);
    // To a plain dtype the conversion runs: the components keep their values.
    let ints = nested
        .f_to_dtype_layout_with(Some(Kind::Int), None, None, None, false, true, contiguous)
        .unwrap();
    let first = ints.f_unbind_int().unwrap().remove(0);
    assert_eq!(first.to_vec::<i32>().unwrap(), [1, 2, 3, 4]);
    // A dense tensor still gets libtorch's own error for that conversion.
    let r = ones(&[2]).f_to_dtype_layout_with(
        Some(Kind::QInt32),
        None,
        None,
        None,
        false,
        true,
        contiguous,
    );
    assert!(matches!(r, Err(Error::Torch { .. })), "{r:?}");
}

#[test]
fn a_quantized_tensor_is_set_only_to_a_view_inside_its_storage() {
    // Quantized-only form fuzz, seed 2: the quantized set_ keeps a view past its storage. Read
    // back, a [2] view at offset 3 of a 4-element storage gave [4, 0]; the .out form crashed.
    let q = |v: &[f32]| {
        t(v, &[v.len() as i64])
            .f_quantize_per_tensor(0.25, 0, Kind::QInt8)
            .unwrap()
    };
    let source = q(&[1.0, 2.0, 3.0, 4.0]);
    let storage = libtorch::Storage::of(&source).unwrap();
    let mut self_ = q(&[1.0, 2.0]);
    let m = rejected(
        self_.f_set_source_storage_storage_offset__with(&storage, 3, &[2], &[1]),
        "aten::set_.source_Storage_storage_offset",
        "storage offset 3",
    );
    assert!(m.contains("past the storage's 4 elements"), "{m}");
    rejected(
        self_.f_set_source_storage_storage_offset_out_with(&storage, 4, &[], &[], &mut q(&[])),
        "aten::set.source_Storage_storage_offset_out",
        "storage offset 4",
    );
    rejected(
        self_.f_set_source_tensor_storage_offset__with(&source, 0, &[5], &[1]),
        "aten::set_.source_Tensor_storage_offset",
        "sizes [5]",
    );
    // Inside the storage: elements 1 and 2, [2, 3].
    self_
        .f_set_source_storage_storage_offset__with(&storage, 1, &[2], &[1])
        .unwrap();
    close(&vals(&self_.f_dequantize_self().unwrap()), &[2.0, 3.0]);
}

#[test]
fn quantized_reflection_pad1d_out_needs_a_checked_input_and_a_sized_out() {
    // Quantized-only form fuzz, seeds 7 and 12: the quantized out form walks out's existing
    // shape without checking the input. An empty input crashed; a [1, 2] out returned [2, 1]
    // for a [1, 7] result, and a [2, 9] out read past the input.
    let q = |v: &[f32], s: &[i64]| {
        t(v, s)
            .f_quantize_per_tensor(0.25, 1, Kind::QUInt8)
            .unwrap()
    };
    let x = q(&[1.0, 2.0, 3.0, 4.0], &[1, 4]);
    let op = "aten::reflection_pad1d.out";
    rejected(
        q(&[], &[3, 0]).f_reflection_pad1d_out(&[7, 2], &mut q(&[0.0; 9], &[1, 3, 3])),
        op,
        "non-zero sizes",
    );
    rejected(
        x.f_reflection_pad1d_out(&[4, 0], &mut q(&[0.0; 8], &[1, 8])),
        op,
        "padding",
    );
    let m = rejected(
        x.f_reflection_pad1d_out(&[1, 2], &mut q(&[0.0; 2], &[1, 2])),
        op,
        "out",
    );
    assert!(m.contains("padded shape [1, 7]"), "{m}");
    // With out of the padded shape: 1 2 3 4 reflected by 1 on the left and 2 on the right.
    let mut out = q(&[0.0; 7], &[1, 7]);
    x.f_reflection_pad1d_out(&[1, 2], &mut out).unwrap();
    close(
        &vals(&out.f_dequantize_self().unwrap()),
        &[2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0],
    );
    // A dense out is resized by libtorch as usual.
    let mut dense = Tensor::zeros(&[0]);
    t(&[1.0, 2.0, 3.0, 4.0], &[1, 4])
        .f_reflection_pad1d_out(&[1, 2], &mut dense)
        .unwrap();
    assert_eq!(dense.size(), [1, 7]);
}
