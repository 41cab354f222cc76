//! The argument guards of spec/rules.yaml (libtorch/src/guards/): each guarded op, called
//! through the safe API with arguments that crash libtorch 2.11 itself, returns an
//! `Error::InvalidArgument` naming the argument; valid calls still run and give the right values.

use libtorch::{Error, Kind, Result, Scalar, Tensor};

/// `r` is the guard's error: InvalidArgument, for `op`, naming `arg`.
#[track_caller]
fn rejected<T>(r: Result<T>, op: &str, arg: &str) -> String {
    match r {
        Err(Error::InvalidArgument { op: o, message }) => {
            assert_eq!(o, op);
            assert!(
                message.contains(arg) && message.ends_with("(libtorch 2.11 would crash)"),
                "{message}"
            );
            message
        }
        Err(e) => panic!("expected the guard's InvalidArgument naming `{arg}`, got {e:?}"),
        Ok(_) => panic!("expected the guard's InvalidArgument naming `{arg}`, got Ok"),
    }
}

fn t(v: &[f32], shape: &[i64]) -> Tensor {
    Tensor::from_data(v, shape).unwrap()
}

fn ones(shape: &[i64]) -> Tensor {
    Tensor::ones(shape)
}

fn vals(t: &Tensor) -> Vec<f32> {
    t.to_vec::<f32>().unwrap()
}

#[test]
fn reflection_pad1d_backward_rejects_empty_padding_and_other_batch() {
    let x = ones(&[2, 3, 5]);
    let m = rejected(
        Tensor::f_reflection_pad1d_backward(&ones(&[2, 3, 5]), &x, &[]),
        "aten::reflection_pad1d_backward",
        "padding",
    );
    assert_eq!(
        m,
        "padding must have 2 elements, got 0 (libtorch 2.11 would crash)"
    );
    // grad_output's batch differs from self's: the kernel would read past grad_output's end.
    rejected(
        Tensor::f_reflection_pad1d_backward(&ones(&[1, 3, 7]), &x, &[1, 1]),
        "aten::reflection_pad1d_backward",
        "grad_output",
    );
    rejected(
        Tensor::f_reflection_pad1d_backward(&ones(&[7]), &ones(&[5]), &[1, 1]),
        "aten::reflection_pad1d_backward",
        "self",
    );
    let mut out = Tensor::zeros(&[0]);
    rejected(
        Tensor::f_reflection_pad1d_backward_grad_input(&ones(&[2, 3, 5]), &x, &[1], &mut out),
        "aten::reflection_pad1d_backward.grad_input",
        "padding",
    );
}

#[test]
fn reflection_pad1d_backward_valid_call_sums_reflected_gradients() {
    // Width 4 padded by (1, 2): out = [x1, x0, x1, x2, x3, x2, x1].
    let x = t(&[0.0; 8], &[1, 2, 4]);
    let g = ones(&[1, 2, 7]);
    let gi = Tensor::f_reflection_pad1d_backward(&g, &x, &[1, 2]).unwrap();
    assert_eq!(gi.size(), [1, 2, 4]);
    assert_eq!(vals(&gi), [1.0, 3.0, 2.0, 1.0, 1.0, 3.0, 2.0, 1.0]);
    let mut out = Tensor::zeros(&[0]);
    Tensor::f_reflection_pad1d_backward_grad_input(&g, &x, &[1, 2], &mut out).unwrap();
    assert_eq!(vals(&out), vals(&gi));
}

#[test]
fn reflection_pad2d_backward_rejects_short_padding_and_other_channels() {
    let x = ones(&[1, 2, 3, 3]);
    rejected(
        Tensor::f_reflection_pad2d_backward(&ones(&[1, 2, 5, 5]), &x, &[1, 1, 1]),
        "aten::reflection_pad2d_backward",
        "padding",
    );
    rejected(
        Tensor::f_reflection_pad2d_backward(&ones(&[1, 3, 5, 5]), &x, &[1, 1, 1, 1]),
        "aten::reflection_pad2d_backward",
        "grad_output",
    );
    let gi = Tensor::f_reflection_pad2d_backward(&ones(&[1, 2, 5, 5]), &x, &[1, 1, 1, 1]).unwrap();
    assert_eq!(gi.size(), [1, 2, 3, 3]);
    // Every one of the 25 output gradients lands on one input element.
    assert_eq!(gi.sum().to_vec::<f32>().unwrap(), [50.0]);
}

#[test]
fn reflection_pad3d_rejects_empty_padding_and_pads_valid_input() {
    let x = ones(&[1, 1, 2, 2, 2]);
    rejected(
        x.f_reflection_pad3d(&[]),
        "aten::reflection_pad3d",
        "padding",
    );
    let y = x.f_reflection_pad3d(&[1, 1, 1, 1, 1, 1]).unwrap();
    assert_eq!(y.size(), [1, 1, 4, 4, 4]);
    assert_eq!(vals(&y), vec![1.0; 64]);
}

#[test]
fn slow_conv3d_rejects_empty_lists() {
    let x = ones(&[1, 1, 3, 3, 3]);
    let w = ones(&[1, 1, 2, 2, 2]);
    let m = rejected(x.f_slow_conv3d(&w, &[]), "aten::slow_conv3d", "kernel_size");
    assert_eq!(
        m,
        "kernel_size must have 3 elements (or 1), got 0 (libtorch 2.11 would crash)"
    );
    rejected(
        x.f_slow_conv3d_with(&w, &[2, 2, 2], None, &[], &[0, 0, 0]),
        "aten::slow_conv3d",
        "stride",
    );
    rejected(
        x.f_slow_conv3d_forward(&w, &[2, 2, 2], None, &[1, 1, 1], &[0, 0]),
        "aten::slow_conv3d_forward",
        "padding",
    );
    let mut out = Tensor::zeros(&[0]);
    rejected(
        x.f_slow_conv3d_out(&w, &[], &mut out),
        "aten::slow_conv3d.out",
        "kernel_size",
    );
}

#[test]
fn slow_conv3d_valid_calls_including_the_schema_defaults() {
    // A 2x2x2 box filter of ones over a 3x3x3 cube of ones: 8 everywhere, 2x2x2 out.
    let x = ones(&[1, 1, 3, 3, 3]);
    let w = ones(&[1, 1, 2, 2, 2]);
    // f_slow_conv3d applies the schema's defaults stride=1, padding=0 (one-element lists).
    let y = x.f_slow_conv3d(&w, &[2, 2, 2]).unwrap();
    assert_eq!(y.size(), [1, 1, 2, 2, 2]);
    assert_eq!(vals(&y), vec![8.0; 8]);
    // A one-element kernel_size is repeated, as in Python.
    assert_eq!(vals(&x.f_slow_conv3d(&w, &[2]).unwrap()), vec![8.0; 8]);
    let y = x
        .f_slow_conv3d_forward(&w, &[2, 2, 2], None, &[1, 1, 1], &[1, 1, 1])
        .unwrap();
    assert_eq!(y.size(), [1, 1, 4, 4, 4]);
    // A corner of the padded output sees one input element.
    assert_eq!(vals(&y)[0], 1.0);
}

#[test]
fn nnpack_spatial_convolution_rejects_bad_ranks_and_stride() {
    let w = ones(&[1, 1, 2, 2]);
    rejected(
        Tensor::f__nnpack_spatial_convolution(&Tensor::scalar_tensor(1.0), &w, None, &[0, 0]),
        "aten::_nnpack_spatial_convolution",
        "input",
    );
    rejected(
        Tensor::f__nnpack_spatial_convolution_with(
            &ones(&[1, 1, 3, 3]),
            &w,
            None,
            &[0, 0],
            &[0, 1],
        ),
        "aten::_nnpack_spatial_convolution",
        "stride",
    );
    rejected(
        Tensor::f__nnpack_spatial_convolution(&ones(&[1, 1, 3, 3]), &w, None, &[]),
        "aten::_nnpack_spatial_convolution",
        "padding",
    );
}

#[test]
fn nnpack_spatial_convolution_valid_call_passes_the_guard() {
    // x = 0..9 as [1, 1, 3, 3], w = [[1, 2], [3, 4]]: conv2d gives [[27, 37], [57, 67]]
    // (0·1 + 1·2 + 3·3 + 4·4 = 27, ...).
    let x = t(
        &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        &[1, 1, 3, 3],
    );
    let w = t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2]);
    match Tensor::f__nnpack_spatial_convolution(&x, &w, None, &[0, 0]) {
        Ok(y) => {
            assert_eq!(y.size(), [1, 1, 2, 2]);
            assert_eq!(vals(&y), [27.0, 37.0, 57.0, 67.0]);
        }
        // NNPACK refuses to run on some x86 CPUs (this 2-core VM's among them; PyTorch 2.11's
        // Python build says the same there): then the call must fail in NNPACK itself, not in
        // the guard.
        Err(Error::Torch { message, .. }) => assert_eq!(
            message.lines().next().unwrap(),
            "NNPACK SpatialConvolution_updateOutput failed"
        ),
        Err(e) => panic!("a valid call must reach NNPACK: {e:?}"),
    }
}

#[test]
fn slow_conv2d_backward_rejects_empty_lists_batch_and_weight_mismatch() {
    let op = "aten::_slow_conv2d_backward.output_mask";
    let x = ones(&[2, 1, 3, 3]);
    let w = ones(&[1, 1, 2, 2]);
    let g = ones(&[2, 1, 2, 2]);
    let mask = [true, true, true];
    rejected(
        Tensor::f__slow_conv2d_backward_output_mask(&g, &x, &w, &[], &[1, 1], &[0, 0], mask),
        op,
        "kernel_size",
    );
    rejected(
        Tensor::f__slow_conv2d_backward_output_mask(
            &ones(&[1, 1, 2, 2]),
            &x,
            &w,
            &[2, 2],
            &[1, 1],
            &[0, 0],
            mask,
        ),
        op,
        "grad_output",
    );
    // A 3x3 weight with kernel_size 2x2: more columns than the per-frame buffer holds.
    rejected(
        Tensor::f__slow_conv2d_backward_output_mask(
            &g,
            &x,
            &ones(&[1, 1, 3, 3]),
            &[2, 2],
            &[1, 1],
            &[0, 0],
            mask,
        ),
        op,
        "weight",
    );
}

#[test]
fn slow_conv2d_backward_valid_call_gives_pytorchs_gradients() {
    // Values from PyTorch 2.11: torch.ops.aten._slow_conv2d_backward(g, x, w, [2, 2], [1, 1],
    // [0, 0], [True, True, True]) with x = arange(18) as [2, 1, 3, 3], w = [[1, 2], [3, 4]],
    // g = 1..=8 as [2, 1, 2, 2].
    let x = Tensor::arange(18)
        .to_dtype(Kind::Float)
        .reshape(&[2, 1, 3, 3]);
    let w = t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2]);
    let g = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], &[2, 1, 2, 2]);
    let (gi, gw, gb) = Tensor::f__slow_conv2d_backward_output_mask(
        &g,
        &x,
        &w,
        &[2, 2],
        &[1, 1],
        &[0, 0],
        [true, true, true],
    )
    .unwrap();
    assert_eq!(gi.size(), [2, 1, 3, 3]);
    assert_eq!(
        vals(&gi),
        [
            1.0, 4.0, 4.0, 6.0, 20.0, 16.0, 9.0, 24.0,
            16.0, // g[0] = [[1, 2], [3, 4]]: 1·1, 1·2 + 2·1, ...
            5.0, 16.0, 12.0, 22.0, 60.0, 40.0, 21.0, 52.0, 32.0
        ]
    );
    assert_eq!(vals(&gw), [320.0, 356.0, 428.0, 464.0]);
    assert_eq!(vals(&gb), [36.0]); // Σ g
}

#[test]
fn slow_conv2d_backward_valid_call() {
    let x = ones(&[1, 1, 3, 3]);
    let w = ones(&[1, 1, 2, 2]);
    let g = ones(&[1, 1, 2, 2]);
    let (gi, gw, gb) = Tensor::f__slow_conv2d_backward_output_mask(
        &g,
        &x,
        &w,
        &[2, 2],
        &[1, 1],
        &[0, 0],
        [true, true, true],
    )
    .unwrap();
    // Each input element receives one gradient per 2x2 window covering it.
    assert_eq!(vals(&gi), [1.0, 2.0, 1.0, 2.0, 4.0, 2.0, 1.0, 2.0, 1.0]);
    assert_eq!(vals(&gw), [4.0; 4]);
    assert_eq!(vals(&gb), [4.0]);
    // The weight may also come as the 2-D [out, in * kh * kw] matrix.
    let (gi2, _, _) = Tensor::f__slow_conv2d_backward_output_mask(
        &g,
        &x,
        &ones(&[1, 4]),
        &[2, 2],
        &[1, 1],
        &[0, 0],
        [true, false, false],
    )
    .unwrap();
    assert_eq!(vals(&gi2), vals(&gi));
}

#[test]
fn fractional_max_pool2d_backward_rejects_empty_output_size_and_other_shapes() {
    let op = "aten::fractional_max_pool2d_backward";
    let x = ones(&[1, 1, 4, 4]);
    let g = ones(&[1, 1, 2, 2]);
    let idx = Tensor::zeros(&[1, 1, 2, 2]).to_dtype(Kind::Int64);
    rejected(
        Tensor::f_fractional_max_pool2d_backward(&g, &x, &[2, 2], &[], &idx),
        op,
        "output_size",
    );
    rejected(
        Tensor::f_fractional_max_pool2d_backward(&ones(&[2, 1, 2, 2]), &x, &[2, 2], &[2, 2], &idx),
        op,
        "grad_output",
    );
    rejected(
        Tensor::f_fractional_max_pool2d_backward(
            &g,
            &x,
            &[2, 2],
            &[2, 2],
            &Tensor::zeros(&[1, 1, 1, 2]).to_dtype(Kind::Int64),
        ),
        op,
        "indices",
    );
}

#[test]
fn fractional_max_pool2d_backward_valid_call_scatters_to_the_indices() {
    // Each output gradient goes to the input element its index names (flat in the 4×4 plane).
    let x = Tensor::zeros(&[1, 1, 4, 4]);
    let g = t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2]);
    let idx = Tensor::from_data(&[0i64, 3, 12, 15], &[1, 1, 2, 2]).unwrap();
    let gi = Tensor::f_fractional_max_pool2d_backward(&g, &x, &[2, 2], &[2, 2], &idx).unwrap();
    assert_eq!(gi.size(), [1, 1, 4, 4]);
    let mut want = [0.0f32; 16];
    (want[0], want[3], want[12], want[15]) = (1.0, 2.0, 3.0, 4.0);
    assert_eq!(vals(&gi), want);
}

#[test]
fn fractional_max_pool2d_backward_valid_call_routes_gradients_to_the_maxima() {
    let x = Tensor::arange(16i64)
        .to_dtype(Kind::Float)
        .reshape(&[1, 1, 4, 4]);
    let samples = Tensor::from_data(&[0.5f32, 0.5], &[1, 1, 2]).unwrap();
    let (y, idx) = x
        .f_fractional_max_pool2d(&[2, 2], &[2, 2], &samples)
        .unwrap();
    // Increasing values: each 2x2 pool's maximum is its bottom-right element.
    assert_eq!(vals(&y), [5.0, 7.0, 13.0, 15.0]);
    let gi =
        Tensor::f_fractional_max_pool2d_backward(&ones(&[1, 1, 2, 2]), &x, &[2, 2], &[2, 2], &idx)
            .unwrap();
    assert_eq!(gi.size(), [1, 1, 4, 4]);
    let mut want = vec![0.0f32; 16];
    for i in [5, 7, 13, 15] {
        want[i] = 1.0;
    }
    assert_eq!(vals(&gi), want);
}

#[test]
fn align_tensors_rejects_an_empty_list() {
    let none: [Tensor; 0] = [];
    let m = rejected(
        Tensor::f_align_tensors(&none),
        "aten::align_tensors",
        "tensors",
    );
    assert_eq!(m, "tensors must not be empty (libtorch 2.11 would crash)");
    rejected(
        Tensor::f_align_tensors(&[ones(&[2]), Tensor::default()]),
        "aten::align_tensors",
        "tensors[1]",
    );
}

#[test]
fn align_to_ellipsis_idx_rejects_out_of_range_indices() {
    let x = ones(&[2, 3]);
    for bad in [-1, 2, i64::MAX] {
        rejected(
            x.f_align_to_ellipsis_idx(&["N"], bad),
            "aten::align_to.ellipsis_idx",
            "ellipsis_idx",
        );
    }
}

#[test]
fn align_to_ellipsis_idx_valid_calls_permute_by_name() {
    // PyTorch: x.refine_names('A', 'B').align_to('...', 'A') is x.T with names ('B', 'A');
    // align_to('A', '...') keeps x.
    let x = Tensor::arange(6).to_dtype(Kind::Float).reshape(&[2, 3]);
    let named = x.f_refine_names(&["A", "B"]).unwrap();
    let y = named.f_align_to_ellipsis_idx(&["A"], 0).unwrap();
    assert_eq!(y.size(), [3, 2]);
    assert_eq!(vals(&y), [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    let y = named.f_align_to_ellipsis_idx(&["A"], 1).unwrap();
    assert_eq!(y.size(), [2, 3]);
    assert_eq!(vals(&y), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    // (A, B, C).align_to('C', '...', 'A') is (C, B, A): PyTorch's first values 0, 12, 4, 16.
    let x3 = Tensor::arange(24).to_dtype(Kind::Float).reshape(&[2, 3, 4]);
    let y = x3
        .f_refine_names(&["A", "B", "C"])
        .unwrap()
        .f_align_to_ellipsis_idx(&["C", "A"], 1)
        .unwrap();
    assert_eq!(y.size(), [4, 3, 2]);
    assert_eq!(vals(&y)[..8], [0.0, 12.0, 4.0, 16.0, 8.0, 20.0, 1.0, 13.0]);
}

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
fn foreach_copy_rejects_unequal_lists_and_undefined_tensors_and_copies_valid_ones() {
    let a = [Tensor::zeros(&[2]), Tensor::zeros(&[2])];
    let src = [t(&[1.0, 2.0], &[2]), t(&[3.0, 4.0], &[2])];
    let mut out = [Tensor::zeros(&[2]), Tensor::zeros(&[2])];
    let m = rejected(
        Tensor::f__foreach_copy_out(&a, &src[..1], &mut out),
        "aten::_foreach_copy.out",
        "src",
    );
    assert_eq!(
        m,
        "src must have as many elements as self (2), got 1 (libtorch 2.11 would crash)"
    );
    let mut holey = [Tensor::zeros(&[2]), Tensor::default()];
    rejected(
        Tensor::f__foreach_copy_out(&a, &src, &mut holey),
        "aten::_foreach_copy.out",
        "out[1]",
    );
    rejected(
        Tensor::f__foreach_copy(&a[..1], &src),
        "aten::_foreach_copy",
        "src",
    );
    // Valid: the result is self with src's values copied in.
    let r = Tensor::f__foreach_copy(&a, &src).unwrap();
    assert_eq!(vals(&r[0]), [1.0, 2.0]);
    assert_eq!(vals(&r[1]), [3.0, 4.0]);
    Tensor::f__foreach_copy_out(&a, &src, &mut out).unwrap();
    assert_eq!(vals(&out[1]), [3.0, 4.0]);
}

#[test]
fn new_zeros_with_same_feature_meta_checks_the_batch_dim_count() {
    let op = "aten::_new_zeros_with_same_feature_meta";
    let a = ones(&[2, 3]);
    let b = ones(&[4]);
    for bad in [-1, 3, i64::MIN] {
        rejected(
            a.f__new_zeros_with_same_feature_meta_with(&b, bad),
            op,
            "self_num_batch_dims",
        );
    }
    rejected(
        a.f__new_zeros_with_same_feature_meta(&Tensor::default()),
        op,
        "other",
    );
    // Valid: self's first dim as batch, other's shape as the feature shape.
    let z = a.f__new_zeros_with_same_feature_meta_with(&b, 1).unwrap();
    assert_eq!(z.size(), [2, 4]);
    assert_eq!(vals(&z), [0.0; 8]);
    assert_eq!(
        a.f__new_zeros_with_same_feature_meta(&b).unwrap().size(),
        [4]
    );
}

#[test]
fn fft_r2c_rejects_empty_out_of_range_and_repeated_dims() {
    let x = t(&[1.0, 2.0, 3.0, 4.0], &[4]);
    rejected(x.f__fft_r2c(&[], 0, true), "aten::_fft_r2c", "dim");
    rejected(x.f__fft_r2c(&[1], 0, true), "aten::_fft_r2c", "dim");
    rejected(x.f__fft_r2c(&[-1], 0, true), "aten::_fft_r2c", "dim");
    let x2 = ones(&[2, 2]);
    let m = rejected(x2.f__fft_r2c(&[0, 0], 0, true), "aten::_fft_r2c", "dim");
    assert!(m.contains("repeats dimension 0"), "{m}");
    // Valid: rfft([1, 2, 3, 4]) = [10, -2+2i, -2].
    let y = x.f__fft_r2c(&[0], 0, true).unwrap();
    assert_eq!(y.kind(), Kind::ComplexFloat);
    assert_eq!(vals(&y.view_as_real()), [10.0, 0.0, -2.0, 2.0, -2.0, 0.0]);
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
fn batch_norm_impl_index_backward_rejects_crashing_shapes() {
    let op = "aten::_batch_norm_impl_index_backward";
    let reserve = Tensor::zeros(&[0]);
    let c = ones(&[2]);
    let call = |input: &Tensor, grad: &Tensor, save: Option<&Tensor>, train: bool| {
        Tensor::f__batch_norm_impl_index_backward(
            0,
            input,
            grad,
            Some(&c),
            Some(&c),
            Some(&c),
            save,
            save,
            train,
            1e-5,
            [true, true, true],
            &reserve,
        )
    };
    // An empty 1-D input: ATen writes dims[0] of an empty vector.
    rejected(call(&ones(&[0]), &ones(&[0]), None, false), op, "input");
    rejected(
        call(&ones(&[3, 2]), &ones(&[1, 2]), None, false),
        op,
        "grad_output",
    );
    rejected(
        call(&ones(&[3, 2]), &ones(&[3, 2]), None, true),
        op,
        "save_mean",
    );
    rejected(
        call(&ones(&[3, 2]), &ones(&[3, 2]), Some(&ones(&[5])), true),
        op,
        "save_mean",
    );
}

#[test]
fn batch_norm_impl_index_backward_valid_call_in_eval_mode() {
    // Eval mode (running statistics): grad_input = g·γ/√(var+ε), grad_weight =
    // Σ g·(x − mean)/√(var+ε), grad_bias = Σ g, per channel. With γ = [2, 3], mean = [1, 2],
    // var = [4, 1]: by hand, as PyTorch 2.11 gives.
    let x = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 7.0], &[3, 2]);
    let g = t(&[1.0, 0.0, 0.0, 1.0, 2.0, 3.0], &[3, 2]);
    let (gamma, mean, var) = (
        t(&[2.0, 3.0], &[2]),
        t(&[1.0, 2.0], &[2]),
        t(&[4.0, 1.0], &[2]),
    );
    let (gi, gw, gb) = Tensor::f__batch_norm_impl_index_backward(
        0,
        &x,
        &g,
        Some(&gamma),
        Some(&mean),
        Some(&var),
        None,
        None,
        false,
        1e-5,
        [true, true, true],
        &Tensor::zeros(&[0]),
    )
    .unwrap();
    let close = |got: Vec<f32>, want: &[f32]| {
        assert_eq!(got.len(), want.len());
        for (a, b) in got.iter().zip(want) {
            assert!((a - b).abs() < 1e-4, "{got:?} vs {want:?}");
        }
    };
    close(vals(&gi), &[1.0, 0.0, 0.0, 3.0, 2.0, 9.0]);
    close(vals(&gw), &[4.0, 17.0]);
    close(vals(&gb), &[3.0, 4.0]);
}

#[test]
fn batch_norm_impl_index_backward_valid_eval_and_empty_calls() {
    // Eval mode, running_mean 0, running_var 1, weight 1, eps 0: grad_input = grad_output,
    // grad_weight = sum(grad * x) per channel, grad_bias = sum(grad) per channel. The forward
    // returns empty saved statistics in eval mode; they are passed as such.
    let x = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let g = ones(&[2, 2]);
    let empty = Tensor::zeros(&[0]);
    let (gi, gw, gb) = Tensor::f__batch_norm_impl_index_backward(
        0,
        &x,
        &g,
        Some(&ones(&[2])),
        Some(&Tensor::zeros(&[2])),
        Some(&ones(&[2])),
        Some(&empty),
        Some(&empty),
        false,
        0.0,
        [true, true, true],
        &empty,
    )
    .unwrap();
    assert_eq!(vals(&gi), [1.0; 4]);
    assert_eq!(vals(&gw), [4.0, 6.0]);
    assert_eq!(vals(&gb), [2.0, 2.0]);
    // An empty batch needs no statistics (the forward checks none either).
    let (_, gw, gb) = Tensor::f__batch_norm_impl_index_backward(
        0,
        &Tensor::zeros(&[0, 3]),
        &Tensor::zeros(&[0, 3]),
        None,
        None,
        None,
        None,
        None,
        false,
        1e-5,
        [false, true, true],
        &empty,
    )
    .unwrap();
    assert_eq!(vals(&gw), [0.0; 3]);
    assert_eq!(vals(&gb), [0.0; 3]);
}

#[test]
fn private_stack_rejects_an_empty_list_and_still_stacks() {
    let none: [Tensor; 0] = [];
    let m = rejected(Tensor::f__stack(&none), "aten::_stack", "tensors");
    assert_eq!(m, "tensors must not be empty (libtorch 2.11 would crash)");
    let mut out = Tensor::zeros(&[0]);
    rejected(
        Tensor::f__stack_out_with(&none, 0, &mut out),
        "aten::_stack.out",
        "tensors",
    );
    // torch.stack([[1, 2], [3, 4]], dim=1) = [[1, 3], [2, 4]]
    let (a, b) = (t(&[1.0, 2.0], &[2]), t(&[3.0, 4.0], &[2]));
    let s = Tensor::f__stack_with(&[&a, &b], 1).unwrap();
    assert_eq!(s.size(), [2, 2]);
    assert_eq!(vals(&s), [1.0, 3.0, 2.0, 4.0]);
    Tensor::f__stack_out(&[&a, &b], &mut out).unwrap();
    assert_eq!(out.size(), [2, 2]);
    assert_eq!(vals(&out), [1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn foreach_lerp_inplace_scalar_list_rejects_lists_of_other_lengths() {
    let mut xs = [t(&[0.0, 2.0], &[2]), t(&[4.0], &[1])];
    let ends = [t(&[2.0, 4.0], &[2]), t(&[8.0], &[1])];
    let half = [Scalar::from(0.5), Scalar::from(0.25)];
    let m = rejected(
        Tensor::f__foreach_lerp_scalarlist_(&mut xs, &ends[..1], &half),
        "aten::_foreach_lerp_.ScalarList",
        "tensors1",
    );
    assert_eq!(
        m,
        "tensors1 must have as many elements as self (2), got 1 (libtorch 2.11 would crash)"
    );
    rejected(
        Tensor::f__foreach_lerp_scalarlist_(&mut xs, &ends, &half[..1]),
        "aten::_foreach_lerp_.ScalarList",
        "weight",
    );
    // lerp(start, end, w) = start + w * (end - start), per list element
    Tensor::f__foreach_lerp_scalarlist_(&mut xs, &ends, &half).unwrap();
    assert_eq!(vals(&xs[0]), [1.0, 3.0]);
    assert_eq!(vals(&xs[1]), [5.0]);
}

fn close(got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-4, "{got:?} vs {want:?}");
    }
}

#[test]
fn flatten_named_out_dim_rejects_ranges_it_would_erase_wrongly_and_still_flattens() {
    let x = ones(&[2, 3, 4]);
    let m = rejected(
        x.f_flatten_named_out_dim(2, 0, "c"),
        "aten::flatten.named_out_dim",
        "start_dim",
    );
    assert_eq!(
        m,
        "start_dim (2) and end_dim (0) must satisfy 0 <= start_dim <= end_dim + 1 <= 3 (self's \
         dimension count; negative dimensions are not wrapped here) (libtorch 2.11 would crash)"
    );
    // Negative (unwrapped), past the end, and any range of a 0-dim tensor's empty name list.
    for (s, e) in [(-1, 2), (0, 3), (-3, -1)] {
        rejected(
            x.f_flatten_named_out_dim(s, e, "c"),
            "aten::flatten.named_out_dim",
            "end_dim",
        );
    }
    let scalar = Tensor::from_data(&[1.0f32], &[]).unwrap();
    for (s, e) in [(0, 0), (0, -1)] {
        rejected(
            scalar.f_flatten_named_out_dim(s, e, "c"),
            "aten::flatten.named_out_dim",
            "self",
        );
    }
    let y = x.f_flatten_named_out_dim(1, 2, "c").unwrap();
    assert_eq!(y.size(), [2, 12]);
    assert_eq!(vals(&y), [1.0; 24]);
}

#[test]
fn copy_rejects_an_undefined_self_and_still_copies() {
    let src = t(&[1.0, 2.0], &[2]);
    let m = rejected(Tensor::default().f_copy(&src), "aten::copy", "self");
    assert_eq!(
        m,
        "self must be a defined tensor (libtorch 2.11 would crash)"
    );
    let mut out = Tensor::zeros(&[0]);
    rejected(
        Tensor::default().f_copy_out(&src, &mut out),
        "aten::copy.out",
        "self",
    );
    // A CSR src sends a COO self to the compressed kernel.
    let coo = ones(&[2, 3]).f_to_sparse().unwrap();
    rejected(
        coo.f_copy(&ones(&[2, 3]).f_to_sparse_csr().unwrap()),
        "aten::copy",
        "src",
    );
    // copy(self, src): self's shape and dtype, src's values; self is not written.
    let dst = Tensor::zeros(&[2]);
    assert_eq!(vals(&dst.f_copy(&src).unwrap()), [1.0, 2.0]);
    assert_eq!(vals(&dst), [0.0, 0.0]);
}

#[test]
fn weight_norm_rejects_empty_slices_and_per_slice_tensors_of_other_sizes() {
    // v * g / ||v|| row by row (dim 0): rows [3, 4] and [0, 5] have norms 5 and 5.
    let v = t(&[3.0, 4.0, 0.0, 5.0], &[2, 2]);
    let g = t(&[10.0, 2.0], &[2, 1]);
    assert_eq!(
        vals(&Tensor::f__weight_norm(&v, &g).unwrap()),
        [6.0, 8.0, 0.0, 2.0]
    );
    let m = rejected(
        Tensor::f__weight_norm(&v, &t(&[1.0], &[1, 1])),
        "aten::_weight_norm",
        "g",
    );
    assert_eq!(
        m,
        "g must have 2 elements (v's size at dimension 0), got 1 (libtorch 2.11 would crash)"
    );
    // The last dim: columns [3, 0] and [4, 5] have norms 3 and sqrt(41).
    rejected(
        Tensor::f__weight_norm_with(&v, &t(&[1.0, 1.0, 1.0], &[1, 3]), 1),
        "aten::_weight_norm",
        "g",
    );
    let (zv, zg) = (Tensor::zeros(&[0, 3]), Tensor::zeros(&[0, 1]));
    rejected(
        Tensor::f__weight_norm_interface(&zv, &zg),
        "aten::_weight_norm_interface",
        "v",
    );
    let (w, norms) = Tensor::f__weight_norm_interface(&v, &g).unwrap();
    assert_eq!(vals(&norms), [5.0, 5.0]);
    let gw = ones(&[2, 2]);
    rejected(
        Tensor::f__weight_norm_interface_backward(&gw, &zv, &zg, &zg, 0),
        "aten::_weight_norm_interface_backward",
        "saved_v",
    );
    rejected(
        Tensor::f__weight_norm_interface_backward(&ones(&[1, 2]), &v, &g, &norms, 0),
        "aten::_weight_norm_interface_backward",
        "saved_v",
    );
    rejected(
        Tensor::f__weight_norm_interface_backward(
            &gw,
            &v,
            &g,
            &norms.f_narrow(0, 0, 1).unwrap(),
            0,
        ),
        "aten::_weight_norm_interface_backward",
        "saved_norms",
    );
    let (_, grad_g) = Tensor::f__weight_norm_interface_backward(&gw, &v, &g, &norms, 0).unwrap();
    // d(sum w)/dg_i = sum_j v_ij / ||v_i||: (3 + 4) / 5 and (0 + 5) / 5.
    close(&vals(&grad_g), &[1.4, 1.0]);
    assert_eq!(w.size(), [2, 2]);
}

#[test]
fn private_logcumsumexp_out_rejects_an_out_of_another_dtype() {
    let x = Tensor::zeros(&[3]);
    let mut int_out = Tensor::zeros(&[3]).f_to_dtype(Kind::Int).unwrap();
    let m = rejected(
        x.f__logcumsumexp_out(0, &mut int_out),
        "aten::_logcumsumexp.out",
        "out",
    );
    assert!(m.starts_with("out must have self's dtype"), "{m}");
    // log(cumsum(exp([0, 0, 0]))) = [0, ln 2, ln 3]
    let mut out = Tensor::zeros(&[0]);
    x.f__logcumsumexp_out(0, &mut out).unwrap();
    close(&vals(&out), &[0.0, 2f32.ln(), 3f32.ln()]);
}

#[test]
fn private_chunk_cat_rejects_0_dim_tensors_and_still_concatenates_chunks() {
    let scalar = Tensor::from_data(&[1.0f32], &[]).unwrap();
    let m = rejected(
        Tensor::f__chunk_cat(&[&scalar], 0, 1),
        "aten::_chunk_cat",
        "tensors[0]",
    );
    assert_eq!(
        m,
        "tensors[0] must have at least 1 dimensions, got 0 (libtorch 2.11 would crash)"
    );
    // Each tensor is cut into 2 chunks along dim 0; the chunks are concatenated chunk by chunk.
    let (a, b) = (t(&[1.0, 2.0, 3.0, 4.0], &[4]), t(&[5.0, 6.0], &[2]));
    let c = Tensor::f__chunk_cat(&[&a, &b], 0, 2).unwrap();
    assert_eq!(c.size(), [2, 3]);
    assert_eq!(vals(&c), [1.0, 2.0, 5.0, 3.0, 4.0, 6.0]);
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
fn batch_norm_without_stats_rejects_inference_and_short_weights_and_still_normalizes() {
    let x = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let op = "aten::_native_batch_norm_legit.no_stats";
    let m = rejected(
        Tensor::f__native_batch_norm_legit_no_stats(&x, None, None, false, 0.1, 1e-5),
        op,
        "training",
    );
    assert_eq!(
        m,
        "training must be true when input has elements (libtorch 2.11 would crash)"
    );
    rejected(
        Tensor::f__native_batch_norm_legit_no_stats(&x, Some(&ones(&[1])), None, true, 0.1, 1e-5),
        op,
        "weight",
    );
    // Per channel: means [2, 3], biased variances [1, 1], so the output is [[-1, -1], [1, 1]].
    let (y, mean, _) =
        Tensor::f__native_batch_norm_legit_no_stats(&x, None, None, true, 0.1, 0.0).unwrap();
    close(&vals(&y), &[-1.0, -1.0, 1.0, 1.0]);
    close(&vals(&mean), &[2.0, 3.0]);
}

#[test]
fn rnn_cell_backwards_reject_gates_that_do_not_split_into_their_chunks() {
    let g = ones(&[1, 1]);
    let lstm = "aten::_thnn_differentiable_lstm_cell_backward";
    let m = rejected(
        Tensor::f__thnn_differentiable_lstm_cell_backward(
            Some(&g),
            None,
            &ones(&[1, 5]),
            &ones(&[1, 5]),
            None,
            None,
            &g,
            &g,
        ),
        lstm,
        "input_gates",
    );
    assert_eq!(
        m,
        "input_gates's size at dimension 1 (5) must split into 4 chunks, it makes 3 \
         (libtorch 2.11 would crash)"
    );
    rejected(
        Tensor::f__thnn_differentiable_lstm_cell_backward(
            Some(&g),
            None,
            &ones(&[1, 4]),
            &ones(&[1, 8]),
            None,
            None,
            &g,
            &g,
        ),
        lstm,
        "hidden_gates",
    );
    // Zero gates: i = f = o = sigmoid(0) = 1/2, candidate c = tanh(0) = 0, and cx = cy = 0.
    // With grad_hy = 1: the output gate's gradient is tanh(cy) * o(1 - o) = 0; the cell's is
    // o * (1 - tanh(cy)^2) = 1/2, which reaches the candidate as 1/2 * i * (1 - c^2) = 1/4, the
    // input and forget gates as 0 (times c and cx), and cx as 1/2 * f = 1/4.
    let z = Tensor::zeros(&[1, 1]);
    let (gates, _, gcx, _, _) = Tensor::f__thnn_differentiable_lstm_cell_backward(
        Some(&ones(&[1, 1])),
        None,
        &Tensor::zeros(&[1, 4]),
        &Tensor::zeros(&[1, 4]),
        None,
        None,
        &z,
        &z,
    )
    .unwrap();
    close(&vals(&gates), &[0.0, 0.0, 0.25, 0.0]);
    close(&vals(&gcx), &[0.25]);
    let gru = "aten::_thnn_differentiable_gru_cell_backward";
    rejected(
        Tensor::f__thnn_differentiable_gru_cell_backward(
            &g,
            &ones(&[1, 4]),
            &ones(&[1, 3]),
            &g,
            None,
            None,
        ),
        gru,
        "input_gates",
    );
    rejected(
        Tensor::f__thnn_differentiable_gru_cell_backward(
            &g,
            &ones(&[1, 3]),
            &ones(&[1, 2]),
            &g,
            None,
            None,
        ),
        gru,
        "hidden_gates",
    );
    Tensor::f__thnn_differentiable_gru_cell_backward(
        &g,
        &ones(&[1, 3]),
        &ones(&[1, 3]),
        &g,
        None,
        None,
    )
    .unwrap();
}

#[test]
fn private_fft_c2r_rejects_raw_dims_out_of_range_and_inconsistent_sizes() {
    let spectrum = t(&[1.0, 0.0, 0.0], &[3])
        .f_to_dtype(Kind::ComplexFloat)
        .unwrap();
    let op = "aten::_fft_c2r";
    rejected(spectrum.f__fft_c2r(&[-1], 2, 4), op, "dim");
    rejected(spectrum.f__fft_c2r(&[], 2, 4), op, "dim");
    let m = rejected(spectrum.f__fft_c2r(&[0], 2, 2), op, "last_dim_size");
    assert_eq!(
        m,
        "self's size along the last dimension in dim (3) must be last_dim_size / 2 + 1 (2) or \
         last_dim_size (2) (libtorch 2.11 would crash)"
    );
    // irfft([1, 0, 0], n=4) normalized by 1/n (normalization 2): a constant 1/4.
    let x = spectrum.f__fft_c2r(&[0], 2, 4).unwrap();
    close(&vals(&x), &[0.25; 4]);
}

#[test]
fn an_empty_string_argument_is_an_error_not_a_crash() {
    // linalg_eigh reads UPLO[0] before checking the length; an empty string must be readable.
    let a = t(&[2.0, 1.0, 1.0, 2.0], &[2, 2]);
    match a.f_linalg_eigh_with("") {
        Err(Error::Torch { message, .. }) => assert!(message.contains("UPLO"), "{message}"),
        other => panic!("expected libtorch's UPLO error, got {other:?}"),
    }
    let (w, _) = a.f_linalg_eigh_with("U").unwrap();
    close(&vals(&w), &[1.0, 3.0]);
}

fn longs(v: &[i64], shape: &[i64]) -> Tensor {
    Tensor::from_data(v, shape).unwrap()
}

#[test]
fn ctc_loss_backward_rejects_inconsistent_lengths_blank_and_targets() {
    // T = 2 steps, N = 1, C = 2 classes (blank 0), uniform probabilities, target "1": the
    // alignments 11, 01 and 10 have probability 1/4 each, so p = 3/4; class 1 occupies each step
    // in 2 of 3 of them, so the gradient is 1/2 - 2/3 = -1/6 for it and 1/2 - 1/3 = 1/6 for blank.
    let lp = Tensor::f_full(&[2, 1, 2], 0.5f64.ln()).unwrap();
    let targets = longs(&[1], &[1]);
    let (nll, alpha) = Tensor::f__ctc_loss(&lp, &targets, &[2], &[1]).unwrap();
    close(&vals(&nll), &[-(0.75f32.ln())]);
    let g = ones(&[1]);
    let op = "aten::_ctc_loss_backward";
    let grad =
        Tensor::f__ctc_loss_backward(&g, &lp, &targets, &[2], &[1], &nll, &alpha, 0).unwrap();
    let s = 1.0 / 6.0;
    close(&vals(&grad), &[s, -s, s, -s]);
    let m = rejected(
        Tensor::f__ctc_loss_backward(&g, &lp, &targets, &[3], &[1], &nll, &alpha, 0),
        op,
        "input_lengths",
    );
    assert_eq!(
        m,
        "input_lengths must be in 0..=2, got 3 (libtorch 2.11 would crash)"
    );
    rejected(
        Tensor::f__ctc_loss_backward(&g, &lp, &targets, &[2], &[], &nll, &alpha, 0),
        op,
        "target_lengths",
    );
    rejected(
        Tensor::f__ctc_loss_backward(&g, &lp, &targets, &[2], &[1], &nll, &alpha, 2),
        op,
        "blank",
    );
    rejected(
        Tensor::f__ctc_loss_backward(&g, &lp, &longs(&[5], &[1]), &[2], &[1], &nll, &alpha, 0),
        op,
        "target",
    );
    rejected(
        Tensor::f__ctc_loss_backward(
            &g,
            &lp,
            &targets,
            &[2],
            &[1],
            &nll,
            &alpha.f_narrow(2, 0, 2).unwrap(),
            0,
        ),
        op,
        "log_alpha",
    );
    rejected(
        Tensor::f__ctc_loss_backward_tensor(
            &g,
            &lp,
            &targets,
            &longs(&[7], &[1]),
            &longs(&[1], &[1]),
            &nll,
            &alpha,
            0,
        ),
        "aten::_ctc_loss_backward.Tensor",
        "input_lengths",
    );
}

#[test]
fn mkldnn_rnn_layer_accepts_only_an_lstm_with_matching_shapes() {
    // One LSTM step of hidden size 1 with zero weights: every gate is sigmoid(0) = 1/2 and the
    // candidate tanh(0) = 0, so c' = c / 2 and h' = tanh(c') / 2; from c = 1 over two steps.
    let (t, n, i, h) = (2, 1, 2, 1);
    let x = Tensor::zeros(&[t, n, i]);
    let (w0, w1, b) = (
        Tensor::zeros(&[4 * h, i]),
        Tensor::zeros(&[4 * h, h]),
        Tensor::zeros(&[4 * h]),
    );
    let (hx, cx) = (Tensor::zeros(&[1, n, h]), ones(&[1, n, h]));
    let run = |w0: &Tensor, mode: i64, train: bool| {
        Tensor::f_mkldnn_rnn_layer(
            &x,
            w0,
            &w1,
            &b,
            &b,
            &hx,
            &cx,
            false,
            &[],
            mode,
            h,
            1,
            true,
            false,
            false,
            train,
        )
    };
    let (out, hy, cy, _) = run(&w0, 2, false).unwrap();
    let h1 = 0.5 * 0.5f32.tanh();
    close(&vals(&out), &[h1, 0.5 * 0.25f32.tanh()]);
    close(&vals(&hy), &[0.5 * 0.25f32.tanh()]);
    close(&vals(&cy), &[0.25]);
    let op = "aten::mkldnn_rnn_layer";
    let m = rejected(run(&w0, 3, false), op, "mode");
    assert_eq!(
        m,
        "mode must be 2 (LSTM, the only primitive this layer builds), got 3 (libtorch 2.11 would crash)"
    );
    // Three gates' rows where the LSTM reads four: oneDNN would read past the weight.
    rejected(run(&Tensor::zeros(&[3 * h, i]), 2, false), op, "weight0");

    let (out, hy, cy, ws) = run(&w0, 2, true).unwrap();
    let back = |ws: &Tensor| {
        Tensor::f_mkldnn_rnn_layer_backward(
            &x,
            &w0,
            &w1,
            &b,
            &b,
            &hx,
            &cx,
            &out,
            &hy,
            &cy,
            Some(&ones(&[t, n, h])),
            None,
            None,
            false,
            2,
            h,
            1,
            true,
            true,
            false,
            &[],
            false,
            ws,
        )
    };
    let (gx, gw0, gw1, ..) = back(&ws).unwrap();
    assert_eq!(
        (gx.size(), gw0.size(), gw1.size()),
        (x.size(), w0.size(), w1.size())
    );
    let short = ws.f_narrow(0, 0, ws.size()[0] / 2).unwrap();
    rejected(back(&short), "aten::mkldnn_rnn_layer_backward", "workspace");
}

#[test]
fn private_helpers_with_unchecked_indices_reject_out_of_range_values() {
    // COO rows [0, 0, 1, 2] of a 3-row matrix: row pointers [0, 2, 3, 4].
    let rows = longs(&[0, 0, 1, 2], &[4]);
    let crow = rows.f__convert_indices_from_coo_to_csr(3).unwrap();
    assert_eq!(crow.to_vec::<i64>().unwrap(), [0, 2, 3, 4]);
    let m = rejected(
        longs(&[0, 5], &[2]).f__convert_indices_from_coo_to_csr(3),
        "aten::_convert_indices_from_coo_to_csr",
        "self",
    );
    assert_eq!(
        m,
        "every value of self must be in 0..=size (0..=3), got 5 (libtorch 2.11 would crash)"
    );
    // Two lookups of rows 0 and 1: each row's gradient is its grad_output row (counts of 1).
    let go = ones(&[2, 3]);
    let gw = Tensor::f_embedding_dense_backward(&go, &longs(&[0, 1], &[2]), 2, -1, true).unwrap();
    assert_eq!(vals(&gw), [1.0; 6]);
    let bad = longs(&[0, 5], &[2]);
    rejected(
        Tensor::f_embedding_dense_backward(&go, &bad, 2, -1, true),
        "aten::embedding_dense_backward",
        "indices",
    );
    rejected(
        Tensor::f_embedding_backward(&go, &bad, 2, -1, true, false),
        "aten::embedding_backward",
        "indices",
    );
    // Without scale_grad_by_freq, ATen skips out-of-range indices itself.
    let gw = Tensor::f_embedding_dense_backward(&go, &bad, 2, -1, false).unwrap();
    assert_eq!(vals(&gw), [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
}

#[test]
fn private_shape_trusting_helpers_reject_shapes_they_would_overrun() {
    let x = Tensor::from_data(&[0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0], &[6]).unwrap();
    let v = x.f__reshape_alias_copy(&[2, 3], &[3, 1]).unwrap();
    assert_eq!(
        (v.size(), vals(&v)),
        (vec![2, 3], vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    );
    let m = rejected(
        x.f__reshape_alias_copy(&[4, 4], &[4, 1]),
        "aten::_reshape_alias_copy",
        "stride",
    );
    assert!(
        m.starts_with("size [4, 4] and stride [4, 1] must make a valid view of self: "),
        "{m}"
    );
    // A = L L^T with L = diag(2, 3): solving A x = [4, 9] gives x = [1, 1].
    let l = t(&[2.0, 0.0, 0.0, 3.0], &[2, 2]);
    let b = t(&[4.0, 9.0], &[2, 1]);
    close(
        &vals(&b.f__cholesky_solve_helper(&l, false).unwrap()),
        &[1.0, 1.0],
    );
    let op = "aten::_cholesky_solve_helper";
    rejected(b.f__cholesky_solve_helper(&ones(&[2, 3]), false), op, "A");
    rejected(ones(&[3, 1]).f__cholesky_solve_helper(&l, false), op, "A");
    // out_dim is the raw insert position of the new batch dimension (expanded, so at the front).
    let y = ones(&[2, 3]);
    assert_eq!(y.f__remove_batch_dim(1, 4, 0).unwrap().size(), [4, 2, 3]);
    for d in [-1, 3] {
        rejected(
            y.f__remove_batch_dim(1, 4, d),
            "aten::_remove_batch_dim",
            "out_dim",
        );
    }
    // cummax of [1, 3, 2]: values [1, 3, 3] at [0, 1, 1].
    let s = t(&[1.0, 3.0, 2.0], &[3]);
    let (mut values, mut indices) = (Tensor::zeros(&[3]), longs(&[0, 0, 0], &[3]));
    s.f__cummax_helper(&mut values, &mut indices, 0).unwrap();
    assert_eq!(
        (vals(&values), indices.to_vec::<i64>().unwrap()),
        (vec![1.0, 3.0, 3.0], vec![0, 1, 1])
    );
    let mut short = Tensor::zeros(&[1]);
    rejected(
        s.f__cummax_helper(&mut short, &mut indices, 0),
        "aten::_cummax_helper",
        "values",
    );
}

#[test]
fn fractional_max_pool3d_backward_rejects_short_output_size_and_other_shapes() {
    // One 2x2x2 plane pooled to 1x1x1 with the maximum at flat index 7: its gradient lands there.
    let x = ones(&[1, 2, 2, 2]);
    let (go, idx) = (ones(&[1, 1, 1, 1]), longs(&[7], &[1, 1, 1, 1]));
    let op = "aten::fractional_max_pool3d_backward";
    let gi =
        Tensor::f_fractional_max_pool3d_backward(&go, &x, &[2, 2, 2], &[1, 1, 1], &idx).unwrap();
    assert_eq!(vals(&gi), [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
    rejected(
        Tensor::f_fractional_max_pool3d_backward(&go, &x, &[2, 2, 2], &[], &idx),
        op,
        "output_size",
    );
    rejected(
        Tensor::f_fractional_max_pool3d_backward(
            &go,
            &x,
            &[2, 2, 2],
            &[1, 1, 1],
            &longs(&[7], &[1]),
        ),
        op,
        "indices",
    );
    rejected(
        Tensor::f_fractional_max_pool3d_backward(
            &ones(&[3, 1, 1, 1]),
            &x,
            &[2, 2, 2],
            &[1, 1, 1],
            &idx,
        ),
        op,
        "grad_output",
    );
}

#[test]
fn batch_norm_backward_and_no_update_reject_missing_statistics_and_zero_channels() {
    let x = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    // Inference with running mean [1, 2] and variance [4, 1]: (x - mean) / sqrt(var).
    let (rm, rv) = (t(&[1.0, 2.0], &[2]), t(&[4.0, 1.0], &[2]));
    let (y, ..) =
        Tensor::f__batch_norm_no_update(&x, None, None, Some(&rm), Some(&rv), 0.1, 0.0).unwrap();
    close(&vals(&y), &[0.0, 0.0, 1.0, 2.0]);
    let m = rejected(
        Tensor::f__batch_norm_no_update(&x, None, None, None, Some(&rv), 0.1, 0.0),
        "aten::_batch_norm_no_update",
        "running_mean",
    );
    assert_eq!(
        m,
        "running_mean must be given here (libtorch 2.11 would crash)"
    );
    // Training statistics mean [2, 3] and inverse std [1, 1]; a constant upstream gradient has no
    // component along the normalized input, so grad_input = 0, grad_weight = 0, grad_bias = N.
    let (sm, si) = (t(&[2.0, 3.0], &[2]), ones(&[2]));
    let (gi, gw, gb) = Tensor::f_native_batch_norm_backward(
        &ones(&[2, 2]),
        &x,
        None,
        None,
        None,
        Some(&sm),
        Some(&si),
        true,
        0.0,
        [true, true, true],
    )
    .unwrap();
    close(&vals(&gi), &[0.0; 4]);
    close(&vals(&gw), &[0.0, 0.0]);
    close(&vals(&gb), &[2.0, 2.0]);
    let op = "aten::native_batch_norm_backward";
    let empty = Tensor::zeros(&[2, 0]);
    rejected(
        Tensor::f_native_batch_norm_backward(
            &empty,
            &empty,
            None,
            None,
            None,
            None,
            None,
            true,
            0.0,
            [true, true, true],
        ),
        op,
        "input",
    );
    rejected(
        Tensor::f_native_batch_norm_backward(
            &ones(&[2, 2]),
            &x,
            None,
            None,
            None,
            None,
            Some(&si),
            true,
            0.0,
            [true, true, true],
        ),
        op,
        "save_mean",
    );
}

#[test]
fn foreach_addcmul_inplace_scalar_list_rejects_lists_of_other_lengths() {
    let mut xs = [t(&[1.0], &[1]), t(&[1.0], &[1])];
    let (a, b) = (
        [t(&[2.0], &[1]), t(&[4.0], &[1])],
        [t(&[3.0], &[1]), t(&[5.0], &[1])],
    );
    rejected(
        Tensor::f__foreach_addcmul_scalarlist_(
            &mut xs,
            &a[..1],
            &b,
            &[Scalar::from(0.5), Scalar::from(1.0)],
        ),
        "aten::_foreach_addcmul_.ScalarList",
        "tensor1",
    );
    // x + s * a * b: 1 + 0.5 * 2 * 3 = 4 and 1 + 1 * 4 * 5 = 21.
    Tensor::f__foreach_addcmul_scalarlist_(
        &mut xs,
        &a,
        &b,
        &[Scalar::from(0.5), Scalar::from(1.0)],
    )
    .unwrap();
    assert_eq!((vals(&xs[0]), vals(&xs[1])), (vec![4.0], vec![21.0]));
}

#[test]
fn an_undefined_result_type_is_an_error_not_a_panic() {
    let u = Tensor::default();
    match Tensor::f_result_type(&u, &u) {
        Err(e) => assert!(
            e.to_string().contains("ScalarType") || e.to_string().contains("undefined"),
            "{e}"
        ),
        Ok(k) => panic!("result_type of two undefined tensors gave {k:?}"),
    }
    assert_eq!(
        Tensor::f_result_type(&ones(&[1]), &longs(&[1], &[1])).unwrap(),
        Kind::Float
    );
}

#[test]
fn linalg_eigvals_rejects_non_finite_input_and_still_solves() {
    let op = "aten::linalg_eigvals";
    let m = rejected(
        t(&[1.0, f32::NAN, 0.0, 2.0], &[2, 2]).f_linalg_eigvals(),
        op,
        "self",
    );
    assert_eq!(
        m,
        "self must not contain NaN or infinity (libtorch 2.11 would crash)"
    );
    rejected(
        t(&[f32::INFINITY, 0.0, 0.0, 2.0], &[2, 2]).f_linalg_eigvals(),
        op,
        "self",
    );
    // A triangular matrix's eigenvalues are its diagonal.
    let w = t(&[1.0, 5.0, 0.0, 2.0], &[2, 2])
        .f_linalg_eigvals()
        .unwrap();
    let mut re = vals(&w.f_real().unwrap());
    re.sort_by(|a, b| a.partial_cmp(b).unwrap());
    close(&re, &[1.0, 2.0]);
}

#[test]
fn lu_unpack_rejects_pivots_of_another_shape_and_still_unpacks() {
    let a = t(&[4.0, 3.0, 6.0, 3.0], &[2, 2]);
    let (lu, piv) = Tensor::f_linalg_lu_factor(&a).unwrap();
    let (p, l, u) = Tensor::f_lu_unpack(&lu, &piv).unwrap();
    // P L U reassembles A.
    let plu = p.f_matmul(&l).unwrap().f_matmul(&u).unwrap();
    close(&vals(&plu), &[4.0, 3.0, 6.0, 3.0]);
    let m = rejected(
        Tensor::f_lu_unpack(&lu, &piv.f_narrow(0, 0, 1).unwrap()),
        "aten::lu_unpack",
        "LU_pivots",
    );
    assert_eq!(
        m,
        "LU_pivots must have shape [2] (LU_data's batch and min(m, n)), got [1] (libtorch 2.11 would crash)"
    );
}

#[test]
fn integer_range_and_arange_reject_steps_that_divide_by_zero_or_overflow() {
    let r = Tensor::f_range_step_with(0, 4, 2, Some(Kind::Int64), None, None, None).unwrap();
    assert_eq!(r.to_vec::<i64>().unwrap(), [0, 2, 4]);
    let m = rejected(
        Tensor::f_range_step_with(0, 5, 0.5, Some(Kind::Int), None, None, None),
        "aten::range.step",
        "step",
    );
    assert_eq!(
        m,
        "step (Float(0.5)) must not truncate to 0 for an integer result (libtorch 2.11 would crash)"
    );
    // A float result divides in floating point: 0, 0.5, ..., 2.
    let f = Tensor::f_range_step_with(0, 2, 0.5, None, None, None, None).unwrap();
    assert_eq!(vals(&f), [0.0, 0.5, 1.0, 1.5, 2.0]);
    rejected(
        Tensor::f_arange_start_step_with(0, i64::MIN, -1, None, None, None, None),
        "aten::arange.start_step",
        "end - start",
    );
    let a = Tensor::f_arange_start_step_with(0, 5, 2, None, None, None, None).unwrap();
    assert_eq!(a.to_vec::<i64>().unwrap(), [0, 2, 4]);
    let mut out = longs(&[], &[0]);
    rejected(
        Tensor::f_range_out_with(0, 5, 0.25, &mut out),
        "aten::range.out",
        "step",
    );
}

#[test]
fn sequence_and_sparse_helpers_reject_malformed_index_data() {
    // CSR rows [0, 2, 3]: row 0 holds two entries, row 1 one.
    let coo = Tensor::f__convert_indices_from_csr_to_coo(
        &longs(&[0, 2, 3], &[3]),
        &longs(&[0, 1, 1], &[3]),
    )
    .unwrap();
    assert_eq!(coo.to_vec::<i64>().unwrap(), [0, 0, 1, 0, 1, 1]);
    rejected(
        Tensor::f__convert_indices_from_csr_to_coo(
            &longs(&[0, 3, 1], &[3]),
            &longs(&[0, 1, 1], &[3]),
        ),
        "aten::_convert_indices_from_csr_to_coo",
        "crow_indices",
    );
    // Packed [a1, b1, a2] with batch sizes [2, 1]: padded time-major [[a1, b1], [a2, 0]].
    let data = t(&[1.0, 2.0, 3.0], &[3, 1]);
    let (padded, lengths) =
        Tensor::f__pad_packed_sequence(&data, &longs(&[2, 1], &[2]), false, 0.0, -1).unwrap();
    assert_eq!(
        (vals(&padded), lengths.to_vec::<i64>().unwrap()),
        (vec![1.0, 2.0, 3.0, 0.0], vec![2, 1])
    );
    let m = rejected(
        Tensor::f__pad_packed_sequence(&data, &longs(&[1, 2], &[2]), false, 0.0, -1),
        "aten::_pad_packed_sequence",
        "batch_sizes",
    );
    assert_eq!(
        m,
        "batch_sizes must be nonempty, not negative and non-increasing, got [1, 2] (libtorch 2.11 would crash)"
    );
    // Nested sizes [[2, 3], [1, 4]]: the second tensor starts after 6 elements.
    let (_, offsets) =
        Tensor::f__nested_compute_contiguous_strides_offsets(&longs(&[2, 3, 1, 4], &[2, 2]))
            .unwrap();
    assert_eq!(offsets.to_vec::<i64>().unwrap(), [0, 6]);
    rejected(
        Tensor::f__nested_compute_contiguous_strides_offsets(&longs(&[], &[2, 3, 0])),
        "aten::_nested_compute_contiguous_strides_offsets",
        "nested_size",
    );
}

#[test]
fn unfold_backward_rejects_gradients_of_another_shape_and_sums_windows() {
    // unfold([4], 0, size 2, step 1) has 3 windows; each element is in up to two of them.
    let g = Tensor::f_unfold_backward(&ones(&[3, 2]), &[4], 0, 2, 1).unwrap();
    assert_eq!(vals(&g), [1.0, 2.0, 2.0, 1.0]);
    let op = "aten::unfold_backward";
    let m = rejected(
        Tensor::f_unfold_backward(&ones(&[2, 2]), &[4], 0, 2, 1),
        op,
        "grad_in",
    );
    assert_eq!(
        m,
        "grad_in must have the unfolded shape [3, 2], got [2, 2] (libtorch 2.11 would crash)"
    );
    rejected(
        Tensor::f_unfold_backward(&ones(&[3, 2]), &[4], 0, 2, 0),
        op,
        "step",
    );
}

#[test]
fn fused_lstm_rejects_parameters_and_states_of_the_wrong_shapes() {
    // Input [T=1, N=1, I=2], hidden 1, one layer with biases: all-zero weights give
    // c = f * c0 + i * tanh(0) = c0 / 2 and h = tanh(c) / 2.
    let x = Tensor::zeros(&[1, 1, 2]);
    let (h0, c0) = (Tensor::zeros(&[1, 1, 1]), ones(&[1, 1, 1]));
    let params = [
        Tensor::zeros(&[4, 2]),
        Tensor::zeros(&[4, 1]),
        Tensor::zeros(&[4]),
        Tensor::zeros(&[4]),
    ];
    let (out, hy, cy) =
        Tensor::f_lstm_input(&x, &[&h0, &c0], &params, true, 1, 0.0, false, false, false).unwrap();
    close(&vals(&cy), &[0.5]);
    close(&vals(&hy), &[0.5 * 0.5f32.tanh()]);
    assert_eq!(out.size(), [1, 1, 1]);
    let op = "aten::lstm.input";
    rejected(
        Tensor::f_lstm_input(&x, &[&h0], &params, true, 1, 0.0, false, false, false),
        op,
        "hx",
    );
    let short = [
        Tensor::zeros(&[3, 2]),
        Tensor::zeros(&[4, 1]),
        Tensor::zeros(&[4]),
        Tensor::zeros(&[4]),
    ];
    let m = rejected(
        Tensor::f_lstm_input(&x, &[&h0, &c0], &short, true, 1, 0.0, false, false, false),
        op,
        "params",
    );
    assert_eq!(
        m,
        "params[0] must have shape [4, 2], got [3, 2] (libtorch 2.11 would crash)"
    );
    rejected(
        Tensor::f_lstm_input(&x, &[&h0, &c0], &params, true, 2, 0.0, false, false, false),
        op,
        "hx",
    );
    // The packed form: one sequence of one step (batch_sizes [1]) gives the same step.
    let data = Tensor::zeros(&[1, 2]);
    let packed = |bs: &Tensor, c0: &Tensor| {
        Tensor::f_lstm_data(&data, bs, &[&h0, c0], &params, true, 1, 0.0, false, false)
    };
    let (_, hy, cy) = packed(&longs(&[1], &[1]), &c0).unwrap();
    close(&vals(&cy), &[0.5]);
    close(&vals(&hy), &[0.5 * 0.5f32.tanh()]);
    // Seed 8: float batch sizes skipped the state checks, and a c0 with fewer layers than h0
    // was indexed per layer.
    let m = rejected(
        packed(&t(&[1.0], &[1]), &ones(&[0, 1, 1])),
        "aten::lstm.data",
        "batch_sizes",
    );
    assert!(m.contains("int64"), "{m}");
    rejected(
        packed(&longs(&[1], &[1]), &ones(&[0, 1, 1])),
        "aten::lstm.data",
        "hx",
    );
}

#[test]
fn other_private_helpers_reject_what_they_would_overrun() {
    let z = Tensor::zeros(&[2, 2])
        .f_to_dtype(Kind::ComplexFloat)
        .unwrap();
    rejected(z.f__fft_c2c(&[0, 0], 0, true), "aten::_fft_c2c", "dim");
    rejected(
        Tensor::zeros(&[3, 2, 0]).f__pdist_forward(),
        "aten::_pdist_forward",
        "self",
    );
    // Distances between rows [0, 0], [3, 4], [0, 4]: 5, 4, 3.
    let d = t(&[0.0, 0.0, 3.0, 4.0, 0.0, 4.0], &[3, 2])
        .f__pdist_forward()
        .unwrap();
    close(&vals(&d), &[5.0, 4.0, 3.0]);
    rejected(
        Tensor::f_embedding_bag(
            &ones(&[3, 2]),
            &longs(&[0, 1], &[1, 2]),
            &longs(&[], &[1, 0]),
        ),
        "aten::embedding_bag",
        "offsets",
    );
    rejected(
        Tensor::f_fbgemm_pack_gemm_matrix_fp16(&Tensor::zeros(&[2, 2, 0])),
        "aten::fbgemm_pack_gemm_matrix_fp16",
        "input",
    );
    let mut state = longs(&[0; 10], &[1, 10]);
    rejected(
        state.f__sobol_engine_initialize_state_(1),
        "aten::_sobol_engine_initialize_state_",
        "self",
    );
    let mut state = longs(&[0; 30], &[1, 30]);
    state.f__sobol_engine_initialize_state_(1).unwrap();
    // The first dimension's direction numbers are 1 shifted to each of the 30 bits.
    assert_eq!(
        state.to_vec::<i64>().unwrap()[..3],
        [1 << 29, 1 << 28, 1 << 27]
    );
    let q = ones(&[1, 2, 1, 1]);
    rejected(
        Tensor::f__scaled_dot_product_attention_math_with(
            &q,
            &Tensor::zeros(&[1, 0, 1, 1]),
            &q,
            None,
            0.0,
            false,
            None,
            None,
            true,
        ),
        "aten::_scaled_dot_product_attention_math",
        "key",
    );
    let r = Tensor::zeros(&[2]);
    rejected(r.f_random_from(i64::MAX, None), "aten::random.from", "from");
    let ints = longs(&[0, 0], &[2]).f_random_from(i64::MAX, None).unwrap();
    assert_eq!(ints.to_vec::<i64>().unwrap(), [i64::MAX, i64::MAX]);
}

#[test]
fn private_stack_pdist_backward_and_sobol_draw_reject_what_they_would_overrun() {
    let (a, b) = (t(&[1.0, 2.0], &[2]), t(&[3.0], &[1]));
    let op = "aten::_stack";
    let m = rejected(Tensor::f__stack(&[&a, &b]), op, "tensors[1]");
    assert_eq!(
        m,
        "tensors[1] must have tensors[0]'s shape [2], got [1] (libtorch 2.11 would crash)"
    );
    // The private op takes dim as given: -1 is not wrapped.
    rejected(Tensor::f__stack_with(&[&a, &a], -1), op, "dim");
    // pdist of rows [0, 0], [3, 4] is 5; d/dx of |x - y| with a unit gradient is (x - y) / 5.
    let x = t(&[0.0, 0.0, 3.0, 4.0], &[2, 2]);
    let d = x.f__pdist_forward().unwrap();
    let g = Tensor::f__pdist_backward(&ones(&[1]), &x, 2.0, &d).unwrap();
    close(&vals(&g), &[-0.6, -0.8, 0.6, 0.8]);
    rejected(
        Tensor::f__pdist_backward(&ones(&[2]), &x, 2.0, &d),
        "aten::_pdist_backward",
        "grad",
    );
    // Draws past 2^30 would read the state's column 30 of 30.
    let mut state = longs(&[0; 30], &[1, 30]);
    state.f__sobol_engine_initialize_state_(1).unwrap();
    let quasi = longs(&[0], &[1]);
    let (draw, _) =
        Tensor::f__sobol_engine_draw(&quasi, 1, &state, 1, 0, Some(Kind::Float)).unwrap();
    assert_eq!(vals(&draw), [0.5]);
    rejected(
        Tensor::f__sobol_engine_draw(&quasi, 2, &state, 1, (1 << 30) - 1, Some(Kind::Float)),
        "aten::_sobol_engine_draw",
        "num_generated",
    );
}

#[test]
fn matrix_power_rejects_the_one_exponent_whose_negation_overflows() {
    // [[1, 1], [0, 1]]^n = [[1, n], [0, 1]]; its inverse power has -n.
    let a = t(&[1.0, 1.0, 0.0, 1.0], &[2, 2]);
    assert_eq!(
        vals(&a.f_linalg_matrix_power(5).unwrap()),
        [1.0, 5.0, 0.0, 1.0]
    );
    assert_eq!(
        vals(&a.f_linalg_matrix_power(-3).unwrap()),
        [1.0, -3.0, 0.0, 1.0]
    );
    rejected(
        a.f_linalg_matrix_power(i64::MIN),
        "aten::linalg_matrix_power",
        "n",
    );
    rejected(a.f_matrix_power(i64::MIN), "aten::matrix_power", "n");
}

#[test]
fn convolution_double_backward_checks_ranks_before_indexing_them() {
    // A 1-D convolution: input [1, 2, 3], kernel [1, 1]. With ggI = [1, 0, 0] and gO = [1, 1]:
    // ggO = conv(ggI, w) = [1, 0], and gW[k] = sum_t ggI[t + k] gO[t] = [1, 0].
    let x = t(&[1.0, 2.0, 3.0], &[1, 1, 3]);
    let w = t(&[1.0, 1.0], &[1, 1, 2]);
    let go = ones(&[1, 1, 2]);
    let ggi = t(&[1.0, 0.0, 0.0], &[1, 1, 3]);
    let call = |ggb: Option<&Tensor>, go: &Tensor, groups| {
        Tensor::f__convolution_double_backward(
            Some(&ggi),
            None,
            ggb,
            go,
            &w,
            &x,
            &[1],
            &[0],
            &[1],
            false,
            &[0],
            groups,
            [true, true, true],
        )
    };
    let (ggo, gi, gw) = call(None, &go, 1).unwrap();
    assert_eq!(vals(&ggo), [1.0, 0.0]);
    assert_eq!(vals(&gw), [1.0, 0.0]);
    assert!(!gi.defined()); // no ggW: no input gradient
    let op = "aten::_convolution_double_backward";
    // Seed 12: a 0-dim gO with a bias gradient wrote new_size[1] of an empty vector.
    rejected(
        call(Some(&ones(&[3, 1])), &Tensor::scalar(1.0f32), 1),
        op,
        "gO",
    );
    rejected(call(Some(&ones(&[1, 1])), &go, 1), op, "ggb");
    rejected(call(None, &go, 0), op, "groups");
}

#[test]
fn differentiable_cell_backwards_chunk_the_broadcast_sum_of_gates_and_biases() {
    // One GRU step with zero gates and hx = 1: r = z = 1/2, n = tanh(0) = 0, and with a unit
    // gradient d(z pre) = (hx - n) z (1 - z) = 1/4, d(n pre) = (1 - z)(1 - n^2) = 1/2,
    // d(r pre) = d(n pre) * (hidden n gate = 0) = 0; the hidden n gate's gradient is
    // d(n pre) * r = 1/4, and hx's direct gradient is z = 1/2.
    let zeros = Tensor::zeros(&[1, 3]);
    let (gi, gh, ghx, _, _) = Tensor::f__thnn_differentiable_gru_cell_backward(
        &ones(&[1, 1]),
        &zeros,
        &zeros,
        &ones(&[1, 1]),
        None,
        None,
    )
    .unwrap();
    close(&vals(&gi), &[0.0, 0.25, 0.5]);
    close(&vals(&gh), &[0.0, 0.25, 0.25]);
    close(&vals(&ghx), &[0.5]);
    // Seed 18: empty gates [3, 0] plus a [5, 4, 3, 0] bias sum to [5, 4, 3, 0], whose size 4
    // splits into 2 chunks of 3.
    let (e, bias) = (Tensor::zeros(&[3, 0]), Tensor::zeros(&[5, 4, 3, 0]));
    let op = "aten::_thnn_differentiable_gru_cell_backward";
    let m = rejected(
        Tensor::f__thnn_differentiable_gru_cell_backward(
            &ones(&[1]),
            &e,
            &ones(&[1, 3, 5]),
            &ones(&[3]),
            Some(&bias),
            None,
        ),
        op,
        "input_gates + input_bias",
    );
    assert!(m.contains("[5, 4, 3, 0]") && m.contains("makes 2"), "{m}");
    // LSTM sums both gates and biases and splits the sum into 4: a size of 6 makes 3 of 2.
    rejected(
        Tensor::f__thnn_differentiable_lstm_cell_backward(
            Some(&ones(&[3, 0])),
            None,
            &e,
            &e,
            Some(&Tensor::zeros(&[5, 6, 3, 0])),
            None,
            &e,
            &e,
        ),
        "aten::_thnn_differentiable_lstm_cell_backward",
        "gates",
    );
}

#[test]
fn private_stack_rejects_a_first_tensor_its_serial_kernel_would_misread() {
    // [[0, 1, 2], [3, 4, 5]] transposed is [[0, 3], [1, 4], [2, 5]]; stacking it alone at dim 1
    // gives [3, 1, 2] with the same values in row-major order.
    let a = t(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3]);
    let at = a.f_transpose_int(0, 1).unwrap();
    let op = "aten::_stack";
    let m = rejected(Tensor::f__stack_with(&[&at], 1), op, "tensors[0]");
    assert!(m.contains("strides [1, 3]"), "{m}");
    let s = Tensor::f__stack_with(&[&at.f_contiguous().unwrap()], 1).unwrap();
    assert_eq!(s.size(), [3, 1, 2]);
    assert_eq!(vals(&s), [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    // Integer tensors take the general path, which handles any strides.
    let li = at.f_to_dtype(Kind::Int64).unwrap();
    let s = Tensor::f__stack_with(&[&li], 1).unwrap();
    assert_eq!(s.to_vec::<i64>().unwrap(), [0, 3, 1, 4, 2, 5]);
    // Several tensors: the kernel itself falls back unless all share contiguous strides.
    let s = Tensor::f__stack_with(&[&at, &at], 0).unwrap();
    assert_eq!(
        vals(&s),
        [0.0, 3.0, 1.0, 4.0, 2.0, 5.0, 0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    );
    let mut out = Tensor::zeros(&[0]);
    rejected(
        Tensor::f__stack_out_with(&[&at], 1, &mut out),
        "aten::_stack.out",
        "tensors[0]",
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
fn polynomials_reject_degrees_whose_recurrence_never_ends() {
    let x = t(&[0.5], &[1]);
    // P_2(0.5) = (3 x^2 - 1) / 2 = -0.125; T_n(0.5) = cos(n pi / 3) has a closed form at any n.
    let p2 = Tensor::f_special_legendre_polynomial_p_n_scalar(&x, 2).unwrap();
    close(&vals(&p2), &[-0.125]);
    let tn = Tensor::f_special_chebyshev_polynomial_t_n_scalar(&x, 3i64 << 40).unwrap();
    assert!(vals(&tn)[0].abs() <= 1.0);
    // i64::MAX rounds to 2^63 in floating point, which the kernel's cast makes negative: 0.
    let p = Tensor::f_special_legendre_polynomial_p_n_scalar(&x, i64::MAX).unwrap();
    assert_eq!(vals(&p), [0.0]);
    rejected(
        Tensor::f_special_legendre_polynomial_p_n_scalar(&x, 1i64 << 40),
        "aten::special_legendre_polynomial_p.n_scalar",
        "n",
    );
    // Seed 5: in float, 2 * 1e-8 - 1 rounds to -1, where the shifted U has no closed form.
    let tiny = t(&[1e-8], &[1]);
    rejected(
        Tensor::f_special_shifted_chebyshev_polynomial_u_n_scalar(&tiny, 1i64 << 40),
        "aten::special_shifted_chebyshev_polynomial_u.n_scalar",
        "n",
    );
    let n = Tensor::from_data(&[(1i64 << 40) as f32], &[1]).unwrap();
    rejected(
        Tensor::f_special_laguerre_polynomial_l(&t(&[2.0], &[1]), &n),
        "aten::special_laguerre_polynomial_l",
        "n",
    );
    // U_n(2) overflows to infinity within about 540 steps and stops there.
    let two = t(&[2.0], &[1]);
    let u = Tensor::f_special_chebyshev_polynomial_u_n_scalar(&two, 1i64 << 40).unwrap();
    assert!(!vals(&u)[0].is_finite());
}

#[test]
fn mkldnn_zeros_reject_dtypes_the_float_fill_would_overflow() {
    use libtorch::Layout;
    // A float oneDNN tensor of zeros reads back as zeros.
    let z =
        Tensor::f_zeros_with(&[2, 3], Some(Kind::Float), Some(Layout::Mkldnn), None, None).unwrap();
    assert_eq!(z.layout(), Layout::Mkldnn);
    assert_eq!(vals(&z.f_to_dense().unwrap()), [0.0; 6]);
    // Seed 38: int8 with the Mkldnn layout; the fill writes 4 bytes per element.
    let m = rejected(
        Tensor::f_zeros_with(
            &[4, 2, 4, 1],
            Some(Kind::Int8),
            Some(Layout::Mkldnn),
            None,
            None,
        ),
        "aten::zeros",
        "dtype",
    );
    assert!(m.contains("Int8"), "{m}");
    rejected(
        ones(&[2]).f_new_zeros_with(&[2], Some(Kind::BFloat16), Some(Layout::Mkldnn), None, None),
        "aten::new_zeros",
        "dtype",
    );
    // Strided int8 zeros are fine.
    let z = Tensor::f_zeros_with(&[2], Some(Kind::Int8), None, None, None).unwrap();
    assert_eq!(z.to_vec::<i64>().unwrap(), [0, 0]);
}

#[test]
fn binomial_rejects_counts_whose_sampling_never_ends() {
    // prob 0 draws nothing and prob 1 draws every trial, whatever the generator.
    let count = t(&[10.0, 10.0], &[2]);
    let b = Tensor::f_binomial(&count, &t(&[0.0, 1.0], &[2])).unwrap();
    assert_eq!(vals(&b), [0.0, 10.0]);
    // Seed 42: a NaN count with prob 1/2 never exceeds the inversion's running sum.
    rejected(
        Tensor::f_binomial(&t(&[f32::NAN, 3.0], &[2]), &t(&[0.5], &[1])),
        "aten::binomial",
        "count",
    );
    rejected(
        Tensor::f_binomial(&t(&[f32::INFINITY], &[1]), &t(&[0.25], &[1])),
        "aten::binomial",
        "count",
    );
    // A NaN count where prob is 0 or 1 returns at once.
    let b = Tensor::f_binomial(&t(&[f32::NAN], &[1]), &t(&[0.0], &[1])).unwrap();
    assert_eq!(vals(&b), [0.0]);
}

#[test]
fn sobol_fast_forward_and_packed_rnns_reject_what_they_would_overrun() {
    // One dimension: the first direction number is 2^29, so skipping one point from 0 leaves
    // quasi = 0 ^ 2^29.
    let mut state = longs(&[0; 30], &[1, 30]);
    state.f__sobol_engine_initialize_state_(1).unwrap();
    let mut quasi = longs(&[0], &[1]);
    quasi.f__sobol_engine_ff_(1, &state, 1, 0).unwrap();
    assert_eq!(quasi.to_vec::<i64>().unwrap(), [1 << 29]);
    // Seed 24: an empty state.
    rejected(
        longs(&[0; 16], &[4, 4]).f__sobol_engine_ff_(1, &longs(&[], &[0, 3]), 1, 64),
        "aten::_sobol_engine_ff_",
        "sobolstate",
    );
    // A packed GRU step with zero weights: z = 1/2 and n = tanh(0) = 0, so h = h0 / 2.
    let params = [Tensor::zeros(&[3, 2]), Tensor::zeros(&[3, 1])];
    let h0 = ones(&[1, 1, 1]);
    let gru = |data: &Tensor, bs: &Tensor| {
        Tensor::f_gru_data(data, bs, &h0, &params, false, 1, 0.0, false, false)
    };
    let (_, h) = gru(&Tensor::zeros(&[1, 2]), &longs(&[1], &[1])).unwrap();
    close(&vals(&h), &[0.5]);
    // Seed 22: an undefined data with empty batch sizes.
    let op = "aten::gru.data";
    rejected(
        gru(&Tensor::default(), &longs(&[], &[0])),
        op,
        "batch_sizes",
    );
    rejected(gru(&Tensor::zeros(&[2, 2]), &longs(&[1], &[1])), op, "data");
}

#[test]
fn batch_norms_reject_running_statistics_they_would_read_past() {
    // Evaluation with running mean 1 and variance 4 (eps 0): (x - 1) / 2.
    let x = t(&[1.0, 3.0], &[2, 1]);
    let (mean, var) = (t(&[1.0], &[1]), t(&[4.0], &[1]));
    let (y, _, _) =
        Tensor::f_native_batch_norm(&x, None, None, Some(&mean), Some(&var), false, 0.1, 0.0)
            .unwrap();
    assert_eq!(vals(&y), [0.0, 1.0]);
    // Seed 115: evaluation without running statistics read them through a null pointer.
    let op = "aten::native_batch_norm";
    rejected(
        Tensor::f_native_batch_norm(&x, None, None, None, None, false, 0.1, 0.0),
        op,
        "running_mean",
    );
    rejected(
        Tensor::f_native_batch_norm(&x, None, Some(&ones(&[2])), None, None, true, 0.1, 0.0),
        op,
        "bias",
    );
    // The batch's per-channel mean of [1, 3] is 2.
    let (m, _) = Tensor::f_batch_norm_update_stats(&x, Some(&mean), Some(&var), 0.1).unwrap();
    assert_eq!(vals(&m), [2.0]);
    // Seed 62: statistics with no element for the one channel.
    rejected(
        Tensor::f_batch_norm_update_stats(&x, Some(&Tensor::zeros(&[0])), None, 0.1),
        "aten::batch_norm_update_stats",
        "running_mean",
    );
}

#[test]
fn pooling_and_padding_backwards_reject_gradients_of_another_batch() {
    // Averaging 2x2 to 1x1 spreads a gradient of 4 as 1 to each input.
    let g =
        Tensor::f__adaptive_avg_pool2d_backward(&t(&[4.0], &[1, 1, 1, 1]), &ones(&[1, 1, 2, 2]))
            .unwrap();
    assert_eq!(vals(&g), [1.0; 4]);
    rejected(
        Tensor::f__adaptive_avg_pool2d_backward(&ones(&[2, 1, 1, 1]), &ones(&[1, 1, 2, 2])),
        "aten::_adaptive_avg_pool2d_backward",
        "grad_output",
    );
    // Seed 66: a batch of 0 against self's 1.
    rejected(
        Tensor::f__adaptive_avg_pool3d_backward(&ones(&[0, 4, 3, 2]), &ones(&[1, 3, 3, 2])),
        "aten::_adaptive_avg_pool3d_backward",
        "grad_output",
    );
    // [a, b] padded by 1 each side is [a, a, b, b]: unit gradients sum to 2 per input.
    let self_ = ones(&[1, 1, 2]);
    let g = Tensor::f_replication_pad1d_backward(&ones(&[1, 1, 4]), &self_, &[1, 1]).unwrap();
    assert_eq!(vals(&g), [2.0, 2.0]);
    rejected(
        Tensor::f_replication_pad1d_backward(&ones(&[3, 1, 4]), &self_, &[1, 1]),
        "aten::replication_pad1d_backward",
        "grad_output",
    );
}

#[test]
fn repeat_interleave_rejects_an_output_size_other_than_the_repeats_total() {
    let r = longs(&[1, 2], &[2]);
    let y = Tensor::f_repeat_interleave_with(&r, Some(3)).unwrap();
    assert_eq!(y.to_vec::<i64>().unwrap(), [0, 1, 1]);
    let op = "aten::repeat_interleave.Tensor";
    // Seed 42: repeats [1, -1] into 0 elements.
    rejected(
        Tensor::f_repeat_interleave_with(&longs(&[1, -1], &[2]), Some(0)),
        op,
        "repeats",
    );
    let m = rejected(
        Tensor::f_repeat_interleave_with(&r, Some(2)),
        op,
        "output_size",
    );
    assert!(m.contains("(3)"), "{m}");
    // One repeat applies to every element: [5, 6] twice each is 4 elements.
    let x = t(&[5.0, 6.0], &[2]);
    let y = x
        .f_repeat_interleave_self_int_with(2, None, Some(4))
        .unwrap();
    assert_eq!(vals(&y), [5.0, 5.0, 6.0, 6.0]);
    rejected(
        x.f_repeat_interleave_self_int_with(2, Some(0), Some(3)),
        "aten::repeat_interleave.self_int",
        "output_size",
    );
    rejected(
        x.f_repeat_interleave_self_tensor_with(&longs(&[3], &[1]), Some(0), Some(5)),
        "aten::repeat_interleave.self_Tensor",
        "output_size",
    );
}

#[test]
fn smooth_l1_backward_and_pdist_backward_reject_divisions_and_walks_they_cannot_finish() {
    // |x - y| = 0.25 < beta = 0.5: the gradient is (x - y) / beta = 0.5 (sum reduction).
    let g = Tensor::f_smooth_l1_loss_backward(
        &Tensor::scalar(1.0f32),
        &t(&[0.25], &[1]),
        &t(&[0.0], &[1]),
        2,
        0.5,
    )
    .unwrap();
    assert_eq!(vals(&g), [0.5]);
    // beta 0 is the L1 gradient: sign(x - y) = [-1, 1] (no reduction).
    let g = Tensor::f_smooth_l1_loss_backward(
        &ones(&[2]),
        &t(&[1.0, 3.0], &[2]),
        &t(&[2.0, 2.0], &[2]),
        0,
        0.0,
    )
    .unwrap();
    assert_eq!(vals(&g), [-1.0, 1.0]);
    // Seed 133: integer tensors, where beta 0.5 becomes 0.
    let i = longs(&[0, 1, 2], &[3]);
    rejected(
        Tensor::f_smooth_l1_loss_backward(&longs(&[1], &[]), &i, &i, 2, 0.5),
        "aten::smooth_l1_loss_backward",
        "beta",
    );
    // Seed 1003: integer inputs with beta 0 into a float grad_input (the result is cast into it).
    let mut out = Tensor::zeros(&[3]).f_to_dtype(Kind::Double).unwrap();
    rejected(
        Tensor::f_smooth_l1_loss_backward_grad_input(&i, &i, &longs(&[1], &[]), 0, 0.0, &mut out),
        "aten::smooth_l1_loss_backward.grad_input",
        "beta",
    );
    // Seed 171: no rows but a column.
    rejected(
        Tensor::f__pdist_backward(
            &Tensor::zeros(&[0]),
            &Tensor::zeros(&[0, 1]),
            2.0,
            &Tensor::zeros(&[0]),
        ),
        "aten::_pdist_backward",
        "self",
    );
}

#[test]
fn log_softmax_backward_rejects_outputs_it_would_read_or_divide_past() {
    // Log-probabilities 0 (probability 1 each): grad - exp(output) * sum(grad) = [1, 2] - 3.
    let g = Tensor::f__log_softmax_backward_data(
        &t(&[1.0, 2.0], &[2]),
        &Tensor::zeros(&[2]),
        0,
        Kind::Float,
    )
    .unwrap();
    assert_eq!(vals(&g), [-2.0, -1.0]);
    // Seed 45: an empty grad_output against a 4-element output, along a middle dimension.
    rejected(
        Tensor::f__log_softmax_backward_data(
            &Tensor::zeros(&[3, 4, 3, 0]),
            &ones(&[4]),
            2,
            Kind::Int16,
        ),
        "aten::_log_softmax_backward_data",
        "output",
    );
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
fn segment_reduce_rejects_offsets_outside_the_data() {
    // Rows [1, 2, 3] and [4, 5, 6] cut at [0, 1, 3] and [0, 2, 3]: sums [1, 5] and [9, 6].
    let data = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let offsets = longs(&[0, 1, 3, 0, 2, 3], &[2, 3]);
    let call = |o: &Tensor| {
        Tensor::f_segment_reduce_with(&data, "sum", None, None, Some(o), 1, false, None)
    };
    assert_eq!(vals(&call(&offsets).unwrap()), [1.0, 5.0, 9.0, 6.0]);
    let op = "aten::segment_reduce";
    rejected(call(&longs(&[0, 1, 4, 0, 2, 3], &[2, 3])), op, "offsets");
    // Seed 27: an empty offsets tensor for two rows of data.
    rejected(call(&longs(&[], &[0, 5])), op, "offsets");
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
fn adaptive_pools_attention_and_sobol_draws_reject_what_they_would_loop_or_divide_on() {
    let x = t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2]);
    let (y, _) = x.f_adaptive_max_pool2d(&[1, 1]).unwrap();
    assert_eq!(vals(&y), [4.0]);
    // Seed 243: no columns but 2^50 rows to loop over.
    rejected(
        x.f_adaptive_max_pool2d(&[1 << 50, 0]),
        "aten::adaptive_max_pool2d",
        "output_size",
    );
    // One query, key and value of 1: attention returns the value.
    let one = ones(&[1, 1, 1, 1]);
    let a =
        Tensor::f_scaled_dot_product_attention_with(&one, &one, &one, None, 0.0, false, None, true)
            .unwrap();
    assert_eq!(vals(&a), [1.0]);
    // Seed 243: grouped-query attention with keys of no heads (query heads modulo 0).
    let no_heads = Tensor::zeros(&[0, 0, 0, 1]);
    rejected(
        Tensor::f_scaled_dot_product_attention_with(
            &Tensor::zeros(&[0, 3, 1]),
            &no_heads,
            &Tensor::zeros(&[4, 0, 3]),
            None,
            0.0,
            false,
            None,
            true,
        ),
        "aten::scaled_dot_product_attention",
        "key",
    );
    // Seed 218: a 4-D Sobol state.
    let quasi = longs(&[0, 0], &[2, 1]);
    rejected(
        Tensor::f__sobol_engine_draw(
            &quasi,
            4,
            &longs(&[], &[1, 0, 4, 3]),
            1,
            0,
            Some(Kind::Float),
        ),
        "aten::_sobol_engine_draw",
        "sobolstate",
    );
}

#[test]
fn cdist_backward_and_compressed_constructors_check_the_sizes_they_index() {
    // |[0, 0] - [3, 4]| = 5; its gradient for x1 is (x1 - x2) / 5.
    let (x1, x2) = (t(&[0.0, 0.0], &[1, 2]), t(&[3.0, 4.0], &[1, 2]));
    let d = Tensor::f__cdist_forward(&x1, &x2, 2.0, None).unwrap();
    assert_eq!(vals(&d), [5.0]);
    let g = Tensor::f__cdist_backward(&ones(&[1, 1]), &x1, &x2, 2.0, &d).unwrap();
    close(&vals(&g), &[-0.6, -0.8]);
    let op = "aten::_cdist_backward";
    // Seed 296: an empty grad, and x2 with another column count.
    rejected(
        Tensor::f__cdist_backward(&ones(&[1, 1]), &x1, &ones(&[1, 3]), 2.0, &d),
        op,
        "x2",
    );
    rejected(
        Tensor::f__cdist_backward(&Tensor::zeros(&[0, 0, 3]), &x1, &x2, 2.0, &d),
        op,
        "grad",
    );
    // A CSR shell of size [2, 3] with room for 2 values.
    let csr = Tensor::f__sparse_compressed_tensor_with_dims_with(
        2,
        0,
        &[2, 3],
        &[],
        Kind::Int64,
        Some(Kind::Float),
        Some(libtorch::Layout::SparseCsr),
        None,
        None,
    )
    .unwrap();
    assert_eq!(csr.size(), [2, 3]);
    // Seed 273: no sizes at all.
    rejected(
        Tensor::f__sparse_compressed_tensor_with_dims_with(
            4,
            -2,
            &[],
            &[],
            Kind::Uint8,
            Some(Kind::Int8),
            Some(libtorch::Layout::SparseCsr),
            None,
            None,
        ),
        "aten::_sparse_compressed_tensor_with_dims",
        "size",
    );
}

#[test]
fn masked_softmax_rejects_an_empty_softmax_dimension() {
    // Unmasked [0, ln 3]: softmax [1/4, 3/4]. (mask_type 2 takes a mask of the input's shape;
    // true masks an element out.)
    let x = t(&[0.0, 3f32.ln()], &[1, 2]);
    let keep = Tensor::from_data(&[false, false], &[1, 2]).unwrap();
    let y = Tensor::f__masked_softmax_with(&x, &keep, Some(1), Some(2)).unwrap();
    close(&vals(&y), &[0.25, 0.75]);
    // Seed 143: a [3, 0] input, empty along its last (default) dimension.
    let e = Tensor::zeros(&[3, 0]);
    rejected(
        Tensor::f__masked_softmax_with(
            &e,
            &Tensor::from_data::<bool>(&[], &[3, 0]).unwrap(),
            None,
            Some(0),
        ),
        "aten::_masked_softmax",
        "self",
    );
}

#[test]
fn embedding_bag_rejects_an_unknown_mode() {
    // Rows [1, 0, 4, 3] and [2, 5, 0, 1]; bags {0} and {1, 1}.
    let w = t(&[1.0, 0.0, 4.0, 3.0, 2.0, 5.0, 0.0, 1.0], &[2, 4]);
    let idx = longs(&[0, 1, 1], &[3]);
    let off = longs(&[0, 1], &[2]);
    let bag = |mode| {
        Tensor::f__embedding_bag_forward_only_with(
            &w, &idx, &off, false, mode, false, None, false, -1,
        )
    };
    close(
        &vals(&bag(0).unwrap().0),
        &[1.0, 0.0, 4.0, 3.0, 4.0, 10.0, 0.0, 2.0],
    );
    close(
        &vals(&bag(1).unwrap().0),
        &[1.0, 0.0, 4.0, 3.0, 2.0, 5.0, 0.0, 1.0],
    );
    let (out, _, _, argmax) = bag(2).unwrap();
    close(&vals(&out), &[1.0, 0.0, 4.0, 3.0, 2.0, 5.0, 0.0, 1.0]);
    assert_eq!(argmax.to_vec::<i64>().unwrap(), [0, 0, 0, 0, 1, 1, 1, 1]);
    // Seed 142: mode -1 overflowed max_indices (a [bags] buffer written as [bags, 4]).
    for mode in [-1, 3] {
        let m = rejected(bag(mode), "aten::_embedding_bag_forward_only", "mode");
        assert!(m.contains(&format!("got {mode}")), "{m}");
    }
    rejected(
        Tensor::f_embedding_bag_with(&w, &idx, &off, false, 7, false, None, false),
        "aten::embedding_bag",
        "mode",
    );
}

#[test]
fn unsafe_masked_index_rejects_more_indices_than_dimensions() {
    // self = [[0, 1, 2], [3, 4, 5]]; row index [1, 5] where the mask is [true, false]: row 1,
    // then the fill (the out-of-range 5 is never read).
    let x = t(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3]);
    let mask = Tensor::from_data(&[true, false], &[2, 1]).unwrap();
    let rows = longs(&[1, 5], &[2]);
    let y = x
        .f__unsafe_masked_index(&mask, &[Some(&rows)], -1.0)
        .unwrap();
    close(&vals(&y), &[3.0, 4.0, 5.0, -1.0, -1.0, -1.0]);
    // Seed 142: three indices for a 2-D self.
    let m = rejected(
        x.f__unsafe_masked_index(&mask, &[Some(&rows), None, None], -1.0),
        "aten::_unsafe_masked_index",
        "indices",
    );
    assert!(m.contains("self (2), got 3"), "{m}");
    rejected(
        x.f__unsafe_masked_index_put_accumulate(&mask, &[None, None, Some(&rows)], &x),
        "aten::_unsafe_masked_index_put_accumulate",
        "indices",
    );
}

#[test]
fn compute_linear_combination_rejects_mismatched_shapes_and_dtypes() {
    // out[i] = sum_j c[i, j] * input[j]: [1, 2] + [3, 4] = [4, 6] and 2 [1, 2] - [3, 4] = [-1, 0].
    let input = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let c = t(&[1.0, 1.0, 2.0, -1.0], &[2, 2]);
    let y = Tensor::f__compute_linear_combination(&input, &c).unwrap();
    close(&vals(&y), &[4.0, 6.0, -1.0, 0.0]);
    // A complex input takes real coefficients: (1 + i) * 2 = 2 + 2i.
    let z = Tensor::from_data(&[1f32, 1.0], &[1, 2])
        .unwrap()
        .f_view_as_complex()
        .unwrap();
    let y = Tensor::f__compute_linear_combination(&z, &t(&[2.0], &[1, 1])).unwrap();
    close(&vals(&y.f_view_as_real().unwrap()), &[2.0, 2.0]);
    let op = "aten::_compute_linear_combination";
    // Seed 142: three coefficients per row for two input rows, and int32 coefficients.
    rejected(
        Tensor::f__compute_linear_combination(&input, &ones(&[2, 3])),
        op,
        "coefficients.size(1)",
    );
    let ints = Tensor::from_data(&[1i32, 1, 2, -1], &[2, 2]).unwrap();
    let m = rejected(
        Tensor::f__compute_linear_combination(&input, &ints),
        op,
        "coefficients",
    );
    assert!(m.contains("dtype float32"), "{m}");
    rejected(
        Tensor::f__compute_linear_combination(&z, &z),
        op,
        "coefficients",
    );
    rejected(
        Tensor::f__compute_linear_combination(&t(&[1.0], &[]), &c),
        op,
        "input",
    );
    let mut out = Tensor::zeros(&[2, 2]).f_to_dtype(Kind::Double).unwrap();
    rejected(
        Tensor::f__compute_linear_combination_out(&input, &c, &mut out),
        "aten::_compute_linear_combination.out",
        "out",
    );
}

#[test]
fn powsum_rejects_a_bfloat16_result_of_a_complex_input() {
    // sum |x|^1 over [3 + 4i, 0]: 5; into bfloat16 from a real input: |-2| + 3 = 5.
    let z = t(&[3.0, 4.0, 0.0, 0.0], &[2, 2])
        .f_view_as_complex()
        .unwrap();
    let s = z
        .f_linalg__powsum_with(1, None, false, Some(Kind::Half))
        .unwrap();
    assert_eq!(s.kind(), Kind::Half);
    close(&vals(&s.f_to_dtype(Kind::Float).unwrap()), &[5.0]);
    let r = t(&[-2.0, 3.0], &[2]);
    let s = r
        .f_linalg__powsum_with(1, None, false, Some(Kind::BFloat16))
        .unwrap();
    close(&vals(&s.f_to_dtype(Kind::Float).unwrap()), &[5.0]);
    // Seed 1: a complex input into bfloat16 wrote 4-byte floats past each 2-byte element.
    let m = rejected(
        z.f_linalg__powsum_with(1, None, false, Some(Kind::BFloat16)),
        "aten::linalg__powsum",
        "dtype",
    );
    assert!(m.contains("complex128") || m.contains("complex64"), "{m}");
    rejected(
        Tensor::f__foreach_powsum_scalar_with(&[&r, &z], 1, Some(Kind::BFloat16)),
        "aten::_foreach_powsum.Scalar",
        "dtype",
    );
}

fn meta(shape: &[i64]) -> Tensor {
    ones(shape).f_to(libtorch::Device::Meta).unwrap()
}

#[test]
fn cpu_only_kernels_reject_tensors_on_other_devices() {
    // The CUDA fuzz crashed these with CUDA inputs; a meta tensor is refused the same way.
    let m = rejected(
        Tensor::f_fbgemm_pack_gemm_matrix_fp16(&meta(&[2, 2])),
        "aten::fbgemm_pack_gemm_matrix_fp16",
        "input",
    );
    assert!(m.contains("must be on the CPU"), "{m}");
    rejected(
        Tensor::f__rowwise_prune(&ones(&[2, 2]), &meta(&[2]), Kind::Int),
        "aten::_rowwise_prune",
        "mask",
    );
    // On the CPU: rows [1, 2] kept, [3, 4] pruned; compressed indices [0, -1].
    let mask = Tensor::from_data(&[true, false], &[2]).unwrap();
    let (kept, idx) =
        Tensor::f__rowwise_prune(&t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]), &mask, Kind::Int).unwrap();
    close(&vals(&kept), &[1.0, 2.0]);
    assert_eq!(idx.to_vec::<i32>().unwrap(), [0, -1]);
}

/// One fused SGD step without momentum or weight decay, at lr 0.1.
fn fused_sgd(params: &mut [Tensor], grads: &mut [Tensor]) -> Result<()> {
    fused_sgd_scaled(params, grads, None)
}

/// [`fused_sgd`] with the gradients divided by `grad_scale`.
fn fused_sgd_scaled(
    params: &mut [Tensor],
    grads: &mut [Tensor],
    grad_scale: Option<&Tensor>,
) -> Result<()> {
    Tensor::f__fused_sgd__with(
        params,
        grads,
        &mut [],
        0.0,
        0.0,
        0.1,
        0.0,
        false,
        false,
        false,
        grad_scale,
        None,
    )
}

#[test]
fn fused_optimizers_reject_lists_spread_over_devices() {
    // SGD without momentum: p - lr * g = [1, 2] - 0.1 * [0.5, 0.5] = [0.95, 1.95].
    let mut params = vec![t(&[1.0, 2.0], &[2])];
    let mut grads = vec![t(&[0.5, 0.5], &[2])];
    fused_sgd(&mut params, &mut grads).unwrap();
    close(&vals(&params[0]), &[0.95, 1.95]);
    // Seeds 1-5 of the CUDA fuzz: a gradient on another device than the parameters.
    let mut grads = vec![meta(&[2])];
    let m = rejected(
        fused_sgd(&mut params, &mut grads),
        "aten::_fused_sgd_",
        "grads[0]",
    );
    assert!(m.contains("but self[0] is on Cpu"), "{m}");
    close(&vals(&params[0]), &[0.95, 1.95]);
}

/// `n` one-element tensors holding `v`.
fn filled(n: usize, v: f32) -> Vec<Tensor> {
    (0..n).map(|_| t(&[v], &[1])).collect()
}

#[test]
fn fused_optimizers_need_one_state_per_parameter() {
    // The CUDA fuzz (session 12, all 24 overloads): the CUDA kernels index every list at each
    // parameter's position without comparing lengths. The CPU kernels reject these themselves;
    // the guard names the list on every device.
    let adam = |grads: usize, steps: usize, max: usize, amsgrad: bool| {
        Tensor::f__fused_adam_(
            &mut filled(2, 1.0),
            &mut filled(grads, 0.5),
            &mut filled(2, 0.0),
            &mut filled(2, 0.0),
            &mut filled(max, 0.0),
            &filled(steps, 0.0),
            0.1,
            0.9,
            0.999,
            0.0,
            1e-8,
            amsgrad,
            false,
        )
    };
    let m = rejected(adam(1, 2, 0, false), "aten::_fused_adam_", "grads");
    assert_eq!(
        m,
        "grads must have as many elements as self (2), got 1 (libtorch 2.11 would crash)"
    );
    rejected(adam(2, 1, 0, false), "aten::_fused_adam_", "state_steps");
    rejected(adam(2, 2, 0, true), "aten::_fused_adam_", "max_exp_avg_sqs");
    let sgd_momentum = |buffers: usize| {
        Tensor::f__fused_sgd_(
            &mut filled(2, 1.0),
            &mut filled(2, 0.5),
            &mut filled(buffers, 0.0),
            0.0,
            0.9,
            0.1,
            0.0,
            false,
            false,
            true,
        )
    };
    rejected(sgd_momentum(1), "aten::_fused_sgd_", "momentum_buffer_list");
    // A first momentum step takes the gradient as the buffer: p - lr * g = 1 - 0.1 * 0.5.
    let mut params = filled(2, 1.0);
    let mut buffers = filled(2, 0.0);
    Tensor::f__fused_sgd_(
        &mut params,
        &mut filled(2, 0.5),
        &mut buffers,
        0.0,
        0.9,
        0.1,
        0.0,
        false,
        false,
        true,
    )
    .unwrap();
    close(&vals(&params[1]), &[0.95]);
    close(&vals(&buffers[1]), &[0.5]);
    let adagrad = |params: &mut [Tensor], steps: usize| {
        Tensor::f__fused_adagrad_(
            params,
            &mut filled(2, 0.5),
            &mut filled(2, 0.0),
            &mut filled(steps, 0.0),
            0.1,
            0.0,
            0.0,
            1e-10,
            false,
        )
    };
    rejected(
        adagrad(&mut filled(2, 1.0), 1),
        "aten::_fused_adagrad_",
        "state_steps",
    );
    // Step 1: sum = 0.5² = 0.25, p - lr * g / sqrt(sum) = 1 - 0.1 * 0.5 / 0.5 = 0.9.
    let mut params = filled(2, 1.0);
    adagrad(&mut params, 2).unwrap();
    close(&vals(&params[0]), &[0.9]);
    // A grad_scale on another device than the parameters reaches the kernel as a pointer of
    // the wrong device.
    let m = rejected(
        fused_sgd_scaled(&mut filled(1, 1.0), &mut filled(1, 0.5), Some(&meta(&[]))),
        "aten::_fused_sgd_",
        "grad_scale",
    );
    assert!(
        m.contains("grad_scale is on Meta but the parameters (self[0]) are on Cpu"),
        "{m}"
    );
}

#[test]
fn split_with_sizes_copy_out_splits_empty_tensors_on_the_cpu() {
    // The guard refuses only CUDA's fast path for an empty self (SIGFPE there; see
    // tests/cuda.rs); the CPU splits it.
    let mut none: Vec<Tensor> = Vec::new();
    Tensor::zeros(&[0, 3])
        .f_split_with_sizes_copy_out(&[], &mut none)
        .unwrap();
    let mut two = vec![Tensor::zeros(&[0, 3]), Tensor::zeros(&[0, 3])];
    Tensor::zeros(&[0, 3])
        .f_split_with_sizes_copy_out_with(&[2, 1], 1, &mut two)
        .unwrap();
    assert_eq!(two[0].size(), [0, 2]);
    assert_eq!(two[1].size(), [0, 1]);
    let mut parts = vec![Tensor::zeros(&[1]), Tensor::zeros(&[3])];
    t(&[1.0, 2.0, 3.0, 4.0], &[4])
        .f_split_with_sizes_copy_out(&[1, 3], &mut parts)
        .unwrap();
    close(&vals(&parts[0]), &[1.0]);
    close(&vals(&parts[1]), &[2.0, 3.0, 4.0]);
}

#[test]
fn cuda_launch_helpers_reject_what_they_divide_by() {
    rejected(
        Tensor::f_batch_norm_stats(&Tensor::zeros(&[5, 0]), 1e-5),
        "aten::batch_norm_stats",
        "input",
    );
    rejected(
        ones(&[2, 3]).f_native_channel_shuffle(0),
        "aten::native_channel_shuffle",
        "groups",
    );
    // Channels [0, 1, 2, 3] in 2 groups of 2, interleaved: [0, 2, 1, 3].
    let x = t(&[0.0, 1.0, 2.0, 3.0], &[1, 4, 1]);
    close(
        &vals(&x.f_native_channel_shuffle(2).unwrap()),
        &[0.0, 2.0, 1.0, 3.0],
    );
    rejected(
        Tensor::f__sparse_semi_structured_linear(&t(&[1.0], &[]), &ones(&[2, 2]), &ones(&[2, 2])),
        "aten::_sparse_semi_structured_linear",
        "input",
    );
}

#[test]
fn cudnn_entry_points_reject_what_convolution_would() {
    let op = "aten::cudnn_convolution";
    let x = ones(&[1, 2, 3, 3]);
    let w = ones(&[4, 2, 2, 2]);
    let conv = |x: &Tensor, w: &Tensor, pad: &[i64], dil: &[i64], groups| {
        Tensor::f_cudnn_convolution(x, w, pad, &[1, 1], dil, groups, false, false, false)
    };
    // Valid arguments pass the guard and reach libtorch, which has no cuDNN kernel for CPU
    // tensors (the GPU's valid calls are in tests/cuda.rs).
    let no_cpu_kernel = |r: Result<Tensor>, op: &str| match r {
        Err(Error::Torch {
            message,
            full_message,
            ..
        }) => {
            // The dispatcher's list of backends, in one sentence; its own text kept whole.
            assert_eq!(message, format!("`{op}` cannot run on CPU tensors"));
            assert!(
                full_message.starts_with(&format!(
                    "Could not run '{op}' with arguments from the 'CPU' backend"
                )),
                "{full_message}"
            )
        }
        other => panic!("a valid CPU call should reach libtorch's dispatcher: {other:?}"),
    };
    no_cpu_kernel(conv(&x, &w, &[0, 0], &[1, 1], 1), op);
    no_cpu_kernel(
        Tensor::f_cudnn_convolution_transpose(
            &x,
            &ones(&[2, 4, 2, 2]),
            &[0, 0],
            &[0, 0],
            &[1, 1],
            &[1, 1],
            1,
            false,
            false,
            false,
        ),
        "aten::cudnn_convolution_transpose",
    );
    // The CUDA fuzz's crashes: a 0-D self, an empty dilation, no channels, groups 0.
    rejected(conv(&t(&[1.0], &[]), &w, &[0, 0], &[1, 1], 1), op, "self");
    rejected(conv(&x, &w, &[0, 0], &[], 1), op, "dilation");
    rejected(
        conv(
            &ones(&[3, 0, 4, 3]),
            &Tensor::zeros(&[5, 0, 5, 1]),
            &[0, 0],
            &[1, 1],
            1,
        ),
        op,
        "weight",
    );
    rejected(conv(&x, &w, &[0, 0], &[1, 1], 0), op, "groups");
    rejected(conv(&x, &w, &[0, 0], &[1, 0], 1), op, "dilation");
    rejected(
        Tensor::f_cudnn_convolution_transpose(
            &x,
            &w,
            &[0],
            &[0, 0],
            &[1, 1],
            &[1, 1],
            1,
            false,
            false,
            false,
        ),
        "aten::cudnn_convolution_transpose",
        "padding",
    );
}

#[test]
fn cuda_fuzz_crashers_with_host_reads_and_empty_lists_are_rejected() {
    // _reshape_from_tensor reads the target shape on the host.
    let x = t(&[1.0, 2.0, 3.0], &[1, 3]);
    let y = x.f__reshape_from_tensor(&longs(&[3, 1], &[2])).unwrap();
    assert_eq!(y.size(), [3, 1]);
    rejected(
        x.f__reshape_from_tensor(&longs(&[3, 1], &[2]).f_to(libtorch::Device::Meta).unwrap()),
        "aten::_reshape_from_tensor",
        "shape",
    );
    rejected(
        Tensor::f__jagged_to_padded_dense_forward::<Tensor>(&ones(&[1, 0]), &[], &[]),
        "aten::_jagged_to_padded_dense_forward",
        "offsets",
    );
    rejected(
        Tensor::f__cudnn_rnn_flatten_weight(&[ones(&[])], 0, 3, 3, 2, 0, 1, true, true),
        "aten::_cudnn_rnn_flatten_weight",
        "weight_stride0",
    );
    // A fused step with an empty parameter list but a gradient (the CUDA kernel read params[0]).
    let mut grads = vec![ones(&[2])];
    rejected(fused_sgd(&mut [], &mut grads), "aten::_fused_sgd_", "self");
}

#[test]
fn matrix_exp_checks_norms_only_off_the_cpu() {
    // exp([[0, 1], [0, 0]]) = I + A for this nilpotent A: [[1, 1], [0, 1]].
    let a = t(&[0.0, 1.0, 0.0, 0.0], &[2, 2]);
    close(&vals(&a.f_matrix_exp().unwrap()), &[1.0, 1.0, 0.0, 1.0]);
    // On the CPU an infinite entry is not refused (the CPU kernel returns); the CUDA kernel
    // would square 2^63 times, which this check prevents there (no GPU here to show it).
    let inf = t(&[f32::INFINITY, 0.0, 0.0, 1.0], &[2, 2]);
    assert!(inf.f_matrix_exp().is_ok());
    // Meta tensors are not checked either: libtorch's own error (no meta kernel) comes back.
    let err = meta(&[2, 2]).f_matrix_exp().unwrap_err();
    assert!(matches!(err, Error::Torch { .. }), "{err:?}");
}

#[test]
fn range_without_step_and_nested_from_padded_refuse_device_tensors_read_on_the_host() {
    // range(0, 3) is inclusive: [0, 1, 2, 3].
    let mut out = Tensor::zeros(&[0]);
    Tensor::f_range_out_(0, 3, &mut out).unwrap();
    close(&vals(&out), &[0.0, 1.0, 2.0, 3.0]);
    // The CUDA fuzz's crash: the CPU kernel wrote through another device's pointer.
    let mut m = meta(&[3]);
    rejected(
        Tensor::f_range_out_(0, 3, &mut m),
        "aten::range.out_",
        "out",
    );
    rejected(
        Tensor::f__nested_from_padded_with(&ones(&[1, 2, 2]), &meta(&[1, 2]), false),
        "aten::_nested_from_padded",
        "cpu_nested_shape_example",
    );
    // On the CPU, batch norm over no channels is left to libtorch (which refuses it in training
    // mode itself); the device check only applies off the CPU.
    let x = Tensor::zeros(&[2, 0, 3]);
    let r = Tensor::f_native_batch_norm(&x, None, None, None, None, true, 0.1, 1e-5);
    assert!(matches!(r, Err(Error::Torch { .. })), "{:?}", r.err());
}

#[test]
fn batch_norm_with_update_rejects_statistics_and_affine_of_other_sizes() {
    // Channels [1, 3] and [2, 4]: means 2 and 3, biased variance 1, so with eps 0 the output is
    // [[-1, -1], [1, 1]]; the running mean moves 0.1 of the way to [2, 3] and the running
    // variance 0.1 of the way to the unbiased variance 2.
    let x = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let (w, b) = (ones(&[2]), Tensor::zeros(&[2]));
    let (mut mean, mut var) = (Tensor::zeros(&[2]), ones(&[2]));
    let (y, _, _, _) =
        Tensor::f__batch_norm_with_update(&x, Some(&w), Some(&b), &mut mean, &mut var, 0.1, 0.0)
            .unwrap();
    close(&vals(&y), &[-1.0, -1.0, 1.0, 1.0]);
    close(&vals(&mean), &[0.2, 0.3]);
    close(&vals(&var), &[1.1, 1.1]);
    // Seed 361: 0-element running statistics and weight for 3 channels.
    let op = "aten::_batch_norm_with_update";
    let x3 = ones(&[3, 3]);
    let (mut m0, mut v0) = (Tensor::zeros(&[0]), Tensor::zeros(&[0]));
    rejected(
        Tensor::f__batch_norm_with_update(&x3, None, None, &mut m0, &mut v0, 0.5, 2.0),
        op,
        "running_mean",
    );
    let (mut m3, mut v3) = (Tensor::zeros(&[3]), ones(&[3]));
    rejected(
        Tensor::f__batch_norm_with_update(
            &x3,
            Some(&Tensor::zeros(&[0, 1, 3, 3])),
            None,
            &mut m3,
            &mut v3,
            0.5,
            2.0,
        ),
        op,
        "weight",
    );
}

#[test]
fn seeds_at_400_calls_per_op_batch_norm_legit_and_pool_backward() {
    // _native_batch_norm_legit_functional in evaluation mode with running mean [1, 3] and
    // variance [1, 4], eps 0: channel values [2, 5] -> [(2-1)/1, (5-3)/2] = [1, 1].
    let x = t(&[2.0, 5.0], &[1, 2]);
    let (mean, var) = (t(&[1.0, 3.0], &[2]), t(&[1.0, 4.0], &[2]));
    let (y, ..) =
        Tensor::f__native_batch_norm_legit_functional(&x, None, None, &mean, &var, false, 0.1, 0.0)
            .unwrap();
    close(&vals(&y), &[1.0, 1.0]);
    // Seed 1020: a 4-channel input with a 6-element weight and 3- and 0-element statistics.
    let op = "aten::_native_batch_norm_legit_functional";
    let x4 = ones(&[1, 4]);
    rejected(
        Tensor::f__native_batch_norm_legit_functional(
            &x4,
            Some(&ones(&[3, 2])),
            None,
            &ones(&[4]),
            &ones(&[4]),
            true,
            2.0,
            -1.0,
        ),
        op,
        "weight",
    );
    rejected(
        Tensor::f__native_batch_norm_legit_functional(
            &x4,
            None,
            None,
            &ones(&[3]),
            &ones(&[0]),
            true,
            2.0,
            -1.0,
        ),
        op,
        "running_mean",
    );
    // Seed 1023: a self with a zero-size spatial dimension under a nonempty gradient.
    rejected(
        Tensor::f__adaptive_avg_pool2d_backward(&ones(&[3, 3, 3]), &Tensor::zeros(&[3, 5, 0])),
        "aten::_adaptive_avg_pool2d_backward",
        "self",
    );
    // Seed 1111: training updates running statistics of another size than the channels.
    let stats = |n| Some(Tensor::zeros(&[n]));
    rejected(
        Tensor::f_native_batch_norm(
            &ones(&[5, 4]),
            None,
            None,
            stats(3).as_ref(),
            stats(4).as_ref(),
            true,
            0.1,
            1e-5,
        ),
        "aten::native_batch_norm",
        "running_mean",
    );
    // With matching ones, momentum 0.5 moves the mean of a constant-1 batch halfway from 0.
    let (rm, rv) = (Tensor::zeros(&[4]), Tensor::zeros(&[4]));
    Tensor::f_native_batch_norm(
        &ones(&[5, 4]),
        None,
        None,
        Some(&rm),
        Some(&rv),
        true,
        0.5,
        1e-5,
    )
    .unwrap();
    close(&vals(&rm), &[0.5; 4]);
    // Seed 1131: the batch-norm backwards divide by an empty batch.
    let (z5, o5) = (Tensor::zeros(&[5]), ones(&[5]));
    let bn_back = |x: &Tensor| {
        Tensor::f_batch_norm_backward(
            x,
            x,
            &o5,
            Some(&z5),
            Some(&o5),
            Some(&z5),
            Some(&o5),
            true,
            1e-5,
            [true, true, true],
            &Tensor::zeros(&[0]),
        )
    };
    rejected(
        bn_back(&Tensor::zeros(&[0, 5])),
        "aten::batch_norm_backward",
        "input",
    );
    // A zero gradient through any batch gives zero gradients; with elements it runs.
    let (gi, gw, gb) = bn_back(&Tensor::zeros(&[2, 5])).unwrap();
    close(&vals(&gi), &[0.0; 10]);
    close(&vals(&gw), &[0.0; 5]);
    close(&vals(&gb), &[0.0; 5]);
    // Seed 997 (40 calls per op): the public out form, with a gradient without channels under a
    // 3-channel self.
    let op = "aten::adaptive_avg_pool3d_backward.grad_input";
    let mut gi = Tensor::zeros(&[4, 0]);
    rejected(
        Tensor::f_adaptive_avg_pool3d_backward_grad_input(
            &Tensor::zeros(&[0, 4, 1, 3]),
            &ones(&[3, 1, 3, 5]),
            &mut gi,
        ),
        op,
        "grad_output",
    );
    // Pooling a 2x2x2 volume to one value spreads its gradient 8 evenly: 1 per element.
    Tensor::f_adaptive_avg_pool3d_backward_grad_input(
        &t(&[8.0], &[1, 1, 1, 1]),
        &ones(&[1, 2, 2, 2]),
        &mut gi,
    )
    .unwrap();
    close(&vals(&gi), &[1.0; 8]);
}

/// One fused SGD step with momentum 0.9 (first step: the buffer takes the gradient), at lr 0.1.
fn fused_sgd_momentum(
    params: &mut [Tensor],
    grads: &mut [Tensor],
    bufs: &mut [Tensor],
    grad_scale: Option<&Tensor>,
    found_inf: Option<&Tensor>,
) -> Result<()> {
    Tensor::f__fused_sgd__with(
        params, grads, bufs, 0.0, 0.9, 0.1, 0.0, false, false, true, grad_scale, found_inf,
    )
}

#[test]
fn fused_optimizers_walk_only_lists_laid_out_like_the_parameters() {
    let op = "aten::_fused_sgd_";
    // Seed 1042 at 400 calls per op: a 0-D gradient and a 1-element momentum buffer for a
    // [3, 5] parameter were walked for 15 elements each (heap corruption).
    let mut params = vec![ones(&[3, 5])];
    let mut grads = vec![t(&[0.5], &[])];
    let mut bufs = vec![Tensor::zeros(&[1])];
    let m = rejected(
        fused_sgd_momentum(&mut params, &mut grads, &mut bufs, None, None),
        op,
        "grads[0]",
    );
    assert!(m.contains("sizes of self[0] ([3, 5]), got []"), "{m}");
    let mut grads = vec![ones(&[3, 5])];
    rejected(
        fused_sgd_momentum(&mut params, &mut grads, &mut bufs, None, None),
        op,
        "momentum_buffer_list[0]",
    );
    // An expanded gradient has the sizes but one element in memory; a transposed one would be
    // walked in another order than the parameter.
    let mut grads = vec![t(&[0.5], &[1]).expand(&[3, 5])];
    let mut bufs = vec![Tensor::zeros(&[3, 5])];
    let m = rejected(
        fused_sgd_momentum(&mut params, &mut grads, &mut bufs, None, None),
        op,
        "grads[0]",
    );
    assert!(m.contains("strides of self[0] ([5, 1]), got [0, 0]"), "{m}");
    let mut params_t = vec![ones(&[5, 3]).transpose_int(0, 1)];
    rejected(
        fused_sgd_momentum(&mut params_t, &mut [ones(&[3, 5])], &mut bufs, None, None),
        op,
        "grads[0]",
    );
    close(&vals(&params[0]), &[1.0; 15]);

    // Valid steps. found_inf = 1 skips the step; grad_scale 2 halves the gradient, which is
    // written back unscaled: buf = g / 2 = 0.25, p = 1 - 0.1 * 0.25 = 0.975.
    let (mut p, mut g, mut b) = (
        vec![ones(&[2])],
        vec![t(&[0.5, 0.5], &[2])],
        vec![Tensor::zeros(&[2])],
    );
    let skip = t(&[1.0], &[1]);
    fused_sgd_momentum(&mut p, &mut g, &mut b, None, Some(&skip)).unwrap();
    close(&vals(&p[0]), &[1.0, 1.0]);
    let scale = t(&[2.0], &[]);
    fused_sgd_momentum(&mut p, &mut g, &mut b, Some(&scale), Some(&t(&[0.0], &[1]))).unwrap();
    close(&vals(&p[0]), &[0.975, 0.975]);
    close(&vals(&g[0]), &[0.25, 0.25]);
    close(&vals(&b[0]), &[0.25, 0.25]);
    // The functional form clones every list (dense) first, so an expanded gradient is fine:
    // p = [1, 2] - 0.1 * 0.5 = [0.95, 1.95], with the inputs untouched.
    let g = [t(&[0.5], &[1]).expand(&[2])];
    let p = [t(&[1.0, 2.0], &[2])];
    let (p2, _, _) = Tensor::f__fused_sgd(
        &p,
        &g,
        &[] as &[Tensor],
        0.0,
        0.0,
        0.1,
        0.0,
        false,
        false,
        false,
    )
    .unwrap();
    close(&vals(&p2[0]), &[0.95, 1.95]);
    close(&vals(&p[0]), &[1.0, 2.0]);
    let bad = [t(&[0.5], &[1])];
    rejected(
        Tensor::f__fused_sgd(
            &p,
            &bad,
            &[] as &[Tensor],
            0.0,
            0.0,
            0.1,
            0.0,
            false,
            false,
            false,
        ),
        "aten::_fused_sgd",
        "grads[0]",
    );

    // Adam's first step moves each parameter by lr against the gradient's sign:
    // m = 0.1 g, v = 0.001 g^2, m / (1 - 0.9) / (sqrt(v / (1 - 0.999)) + eps) = sign(g).
    let mut p = vec![t(&[1.0, 1.0], &[2])];
    let mut g = vec![t(&[0.5, -2.0], &[2])];
    let (mut m1, mut v1) = (vec![Tensor::zeros(&[2])], vec![Tensor::zeros(&[2])]);
    let steps = vec![t(&[1.0], &[])];
    Tensor::f__fused_adam_(
        &mut p,
        &mut g,
        &mut m1,
        &mut v1,
        &mut [],
        &steps,
        0.1,
        0.9,
        0.999,
        0.0,
        1e-8,
        false,
        false,
    )
    .unwrap();
    close(&vals(&p[0]), &[0.9, 1.1]);
    close(&vals(&m1[0]), &[0.05, -0.2]);
    let mut v_short = vec![Tensor::zeros(&[1])];
    rejected(
        Tensor::f__fused_adam_(
            &mut p,
            &mut g,
            &mut m1,
            &mut v_short,
            &mut [],
            &steps,
            0.1,
            0.9,
            0.999,
            0.0,
            1e-8,
            false,
            false,
        ),
        "aten::_fused_adam_",
        "exp_avg_sqs[0]",
    );
    let mut sums = vec![Tensor::zeros(&[3])];
    rejected(
        Tensor::f__fused_adagrad_(
            &mut p,
            &mut g,
            &mut sums,
            &mut [t(&[1.0], &[])],
            0.1,
            0.0,
            0.0,
            1e-10,
            false,
        ),
        "aten::_fused_adagrad_",
        "state_sums[0]",
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
fn segment_reduce_backward_checks_its_segments_and_gradient_shapes() {
    let op = "aten::_segment_reduce_backward";
    let i64s = |v: &[i64], s: &[i64]| Tensor::from_data(v, s).unwrap();
    let back = |grad: &Tensor, out: &Tensor, data: &Tensor, reduce, lengths: &Tensor, axis| {
        Tensor::f__segment_reduce_backward_with(
            grad,
            out,
            data,
            reduce,
            Some(lengths),
            None,
            axis,
            None,
        )
    };
    // Seed 1045 at 400 calls per op: lengths of shape [2, 3] for a [3, 1] data along axis -1.
    let m = rejected(
        back(
            &ones(&[3]),
            &ones(&[3, 1]),
            &ones(&[3, 1]),
            "sum",
            &i64s(&[3, 1, 4, 4, 0, 4], &[2, 3]),
            -1,
        ),
        op,
        "lengths",
    );
    assert!(m.contains("data's sizes before axis 1 ([3])"), "{m}");
    // Lengths are summed into offsets unchecked: a negative one walks backwards.
    let data = t(&[1.0, 2.0, 3.0, 4.0], &[4]);
    rejected(
        back(
            &ones(&[2]),
            &ones(&[2]),
            &data,
            "sum",
            &i64s(&[5, -1], &[2]),
            0,
        ),
        op,
        "lengths",
    );
    // grad and output are read per segment.
    let lengths = i64s(&[2, 2], &[2]);
    rejected(
        back(&ones(&[3]), &ones(&[2]), &data, "sum", &lengths, 0),
        op,
        "grad",
    );
    rejected(
        back(&ones(&[2]), &ones(&[]), &data, "sum", &lengths, 0),
        op,
        "output",
    );
    // Segments [1, 2] and [3, 4]: sum spreads each segment's gradient over it, mean divides it by
    // the segment's length.
    let (sums, grad) = (t(&[3.0, 7.0], &[2]), t(&[1.0, 10.0], &[2]));
    close(
        &vals(&back(&grad, &sums, &data, "sum", &lengths, 0).unwrap()),
        &[1.0, 1.0, 10.0, 10.0],
    );
    let means = t(&[1.5, 3.5], &[2]);
    close(
        &vals(&back(&grad, &means, &data, "mean", &lengths, 0).unwrap()),
        &[0.5, 0.5, 5.0, 5.0],
    );
}

/// Integer tensor of the given values and shape.
fn ints(v: &[i64], shape: &[i64]) -> Tensor {
    Tensor::from_data(v, shape).unwrap()
}

#[test]
fn losses_refuse_targets_outside_the_classes() {
    // CTC: one frame, classes {blank, 1} with probabilities [0.25, 0.75]. A target of 1e9 was
    // read 4 GB past log_probs (a SIGSEGV); one equal to C is past the end too.
    let lp = t(&[0.25f32.ln(), 0.75f32.ln()], &[1, 1, 2]);
    for bad in [1_000_000_000, 2] {
        let m = rejected(
            Tensor::f__ctc_loss(&lp, &ints(&[bad], &[1, 1]), &[1], &[1]),
            "aten::_ctc_loss",
            "target",
        );
        assert!(
            m.contains(&format!("in 0..2 (log_probs' classes), got {bad}")),
            "{m}"
        );
    }
    rejected(
        Tensor::f_ctc_loss(&lp, &ints(&[7], &[1]), &ints(&[1], &[1]), &ints(&[1], &[1])),
        "aten::ctc_loss.Tensor",
        "target",
    );
    // The only alignment of target [1] over one frame emits class 1: -ln 0.75.
    let (nll, _) = Tensor::f__ctc_loss(&lp, &ints(&[1], &[1, 1]), &[1], &[1]).unwrap();
    close(&vals(&nll), &[-(0.75f32.ln())]);

    // NLL backward without reduction writes grad_input[i][target[i]] unchecked.
    let x = Tensor::zeros(&[2, 3]);
    let back = |target: &Tensor, reduction, ignore| {
        Tensor::f_nll_loss_backward(
            &t(&[1.0, 2.0], &[2]),
            &x,
            target,
            None,
            reduction,
            ignore,
            &t(&[1.0], &[]),
        )
    };
    let m = rejected(
        back(&ints(&[2, 3], &[2]), 0, -100),
        "aten::nll_loss_backward",
        "target",
    );
    assert!(
        m.contains("in 0..3 (self's classes) or ignore_index (-100), got 3"),
        "{m}"
    );
    rejected(
        Tensor::f_nll_loss2d_backward(
            &ones(&[1, 1, 1]),
            &Tensor::zeros(&[1, 1, 1, 1]),
            &ints(&[1], &[1, 1, 1]),
            None,
            0,
            -100,
            &t(&[1.0], &[]),
        ),
        "aten::nll_loss2d_backward",
        "target",
    );
    // d/dx of -x[i][t_i] * g_i: -g_i at the target, nothing for an ignored one (even when it is
    // out of range).
    close(
        &vals(&back(&ints(&[2, 0], &[2]), 0, -100).unwrap()),
        &[0.0, 0.0, -1.0, -2.0, 0.0, 0.0],
    );
    close(
        &vals(&back(&ints(&[9, 1], &[2]), 0, 9).unwrap()),
        &[0.0, 0.0, 0.0, 0.0, -2.0, 0.0],
    );

    // The masked softmax backward walks output with grad_output's shape.
    let mask = Tensor::zeros(&[1, 2]).to_dtype(Kind::Bool);
    rejected(
        Tensor::f__masked_softmax_backward_with(
            &ones(&[1, 2]),
            &t(&[0.5], &[1, 1]),
            &mask,
            Some(1),
        ),
        "aten::_masked_softmax_backward",
        "output",
    );
    // y * (g - sum(g y)) with y = [0.5, 0.5], g = [1, 0]: [0.25, -0.25].
    let g = Tensor::f__masked_softmax_backward_with(
        &t(&[1.0, 0.0], &[1, 2]),
        &t(&[0.5, 0.5], &[1, 2]),
        &mask,
        Some(1),
    );
    close(&vals(&g.unwrap()), &[0.25, -0.25]);
}

#[test]
fn pooling_and_padding_refuse_sizes_that_wrap() {
    let x = t(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 4]);
    // Kernel and stride 2^63 - 1 on a width of 4: div_rtn's 32-bit remainder made the output
    // size 1 and the window read far past the input.
    let pool = |k: i64, s: i64, d: i64, ceil| x.f_max_pool1d_with(&[k], &[s], &[0], &[d], ceil);
    let m = rejected(
        pool(i64::MAX, i64::MAX, 1, false),
        "aten::max_pool1d",
        "kernel_size",
    );
    assert!(m.contains("fit in a 32-bit int"), "{m}");
    // Each parameter fits, but (1 - 2^30 (2^30 - 1)) / 1 does not.
    let m = rejected(
        pool(1 << 30, 1, 1 << 30, false),
        "aten::max_pool1d",
        "output size",
    );
    assert!(m.contains("outside a 32-bit int"), "{m}");
    close(&vals(&pool(2, 2, 1, false).unwrap()), &[2.0, 4.0]);
    // A kernel of 4 over a width of 2 in ceil mode: one window, libtorch's own result.
    close(
        &vals(
            &t(&[5.0, 6.0], &[1, 1, 2])
                .f_max_pool1d_with(&[4], &[4], &[0], &[1], true)
                .unwrap(),
        ),
        &[6.0],
    );

    // Replication padding: sizes that wrap in int64 (PyTorch issue 169741), and an empty output
    // whose other padded size is 2^50 (seed 1081: a hang).
    let cube = ones(&[1, 1, 2, 2, 2]);
    let m = rejected(
        cube.f_replication_pad3d(&[i64::MAX, i64::MAX, 0, 0, 0, 0]),
        "aten::replication_pad3d",
        "padding",
    );
    assert!(m.contains("overflows int64"), "{m}");
    let x4 = ones(&[3, 3, 3, 2]);
    let huge = [0, -2, 1 << 50, -2];
    rejected(
        x4.f_replication_pad2d(&huge),
        "aten::replication_pad2d",
        "no elements",
    );
    rejected(x4.f__pad_enum(&huge, 1), "aten::_pad_enum", "no elements");
    rejected(
        x4.f_pad_with(&huge, "replicate", None),
        "aten::pad",
        "no elements",
    );
    // Other modes reject the pad themselves; replicate (2, 1) repeats the edges.
    assert!(matches!(x4.f__pad_enum(&huge, 0), Err(Error::Torch { .. })));
    let p = t(&[1.0, 2.0, 3.0], &[1, 3])
        .f_replication_pad1d(&[2, 1])
        .unwrap();
    close(&vals(&p), &[1.0, 1.0, 1.0, 2.0, 3.0, 3.0]);
}

#[test]
fn embedding_bag_needs_a_bag_for_its_indices() {
    let w = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]);
    let idx = ints(&[0, 2], &[2]);
    let bag = |w: &Tensor, offsets: &Tensor, mode, last| {
        Tensor::f_embedding_bag_with(w, &idx, offsets, false, mode, false, None, last)
    };
    // PyTorch issue 175370: float64 sum without offsets (a SIGSEGV); max with only the end offset.
    let m = rejected(
        bag(&w.to_dtype(Kind::Double), &ints(&[], &[0]), 0, false),
        "aten::embedding_bag",
        "offsets",
    );
    assert!(m.contains("an offset for 2 indices, got 0"), "{m}");
    rejected(
        bag(&w, &ints(&[0], &[1]), 2, true),
        "aten::embedding_bag",
        "offsets",
    );
    // One bag of rows 0 and 2: sum [6, 8], max [5, 6]; with include_last_offset [0, 2] too.
    close(
        &vals(&bag(&w, &ints(&[0], &[1]), 0, false).unwrap().0),
        &[6.0, 8.0],
    );
    close(
        &vals(&bag(&w, &ints(&[0, 2], &[2]), 2, true).unwrap().0),
        &[5.0, 6.0],
    );
}

#[test]
fn ldl_solve_takes_only_lapack_pivots() {
    let a = t(&[4.0, 1.0, 1.0, 3.0], &[2, 2]);
    let b = t(&[1.0, 2.0], &[2, 1]);
    let piv = |v: &[i32]| Tensor::from_data(v, &[2]).unwrap();
    // PyTorch issue 91590: zeros (a SIGSEGV), 100 (an abort), and an unpaired 2x2 pivot.
    for bad in [[0, 0], [100, 1], [-2, 1]] {
        rejected(
            Tensor::f_linalg_ldl_solve(&a, &piv(&bad), &b),
            "aten::linalg_ldl_solve",
            "pivots",
        );
    }
    // A x = b for A = [[4, 1], [1, 3]], b = [1, 2]: x = [1/11, 7/11].
    let (ld, pivots) = a.f_linalg_ldl_factor().unwrap();
    let x = Tensor::f_linalg_ldl_solve(&ld, &pivots, &b).unwrap();
    close(&vals(&x), &[1.0 / 11.0, 7.0 / 11.0]);
}

#[test]
fn cpu_flash_attention_refuses_what_it_divides_by() {
    let z = |s: &[i64]| Tensor::zeros(s);
    let q = t(&[1.0, 0.0], &[1, 1, 1, 2]);
    // Key heads 0 (sdpa picks the flash kernel), query length 0, key length 0: SIGFPEs.
    rejected(
        Tensor::f_scaled_dot_product_attention(
            &z(&[1, 0, 2, 4]),
            &z(&[1, 0, 2, 4]),
            &z(&[1, 0, 2, 4]),
        ),
        "aten::scaled_dot_product_attention",
        "key",
    );
    let flash = "aten::_scaled_dot_product_flash_attention_for_cpu";
    rejected(
        Tensor::f__scaled_dot_product_flash_attention_for_cpu(&z(&[1, 1, 0, 2]), &q, &q),
        flash,
        "query",
    );
    rejected(
        Tensor::f__scaled_dot_product_flash_attention_for_cpu(
            &q,
            &z(&[1, 1, 0, 2]),
            &z(&[1, 1, 0, 2]),
        ),
        flash,
        "key",
    );
    // The backward reads logsumexp and the gradient with the forward's shapes.
    let back = "aten::_scaled_dot_product_flash_attention_for_cpu_backward";
    let (q4, lse) = (ones(&[1, 1, 4, 2]), Tensor::zeros(&[1, 1, 4]));
    let fb = |g: &Tensor, lse: &Tensor| {
        Tensor::f__scaled_dot_product_flash_attention_for_cpu_backward(
            g, &q4, &q4, &q4, &q4, lse, 0.0, false,
        )
    };
    rejected(fb(&q4, &Tensor::zeros(&[1, 1, 1])), back, "logsumexp");
    rejected(fb(&ones(&[1, 1, 1, 2]), &lse), back, "grad_out");
    // A zero upstream gradient has zero gradients.
    let (gq, _, _) = fb(&Tensor::zeros(&[1, 1, 4, 2]), &lse).unwrap();
    close(&vals(&gq), &[0.0; 8]);
    // One key: the softmax weight is 1 and the output is its value.
    let v = t(&[3.0, 4.0], &[1, 1, 1, 2]);
    close(
        &vals(&Tensor::f_scaled_dot_product_attention(&q, &q, &v).unwrap()),
        &[3.0, 4.0],
    );
    let (out, _) = Tensor::f__scaled_dot_product_flash_attention_for_cpu(&q, &q, &v).unwrap();
    close(&vals(&out), &[3.0, 4.0]);
}

#[test]
fn sparse_constructors_with_a_size_validate_their_indices() {
    // PyTorch issue 182662: an index outside the size, written through by to_dense.
    let vals2 = t(&[3.0, 4.0], &[2]);
    let m = rejected(
        Tensor::f__sparse_coo_tensor_unsafe(&ints(&[5, -3], &[1, 2]), &vals2, &[2]),
        "aten::_sparse_coo_tensor_unsafe",
        "invalid sparse COO arguments",
    );
    assert!(m.contains("negative"), "{m}");
    rejected(
        Tensor::f_sparse_coo_tensor_indices_size(&ints(&[0, 2], &[1, 2]), &vals2, &[2]),
        "aten::sparse_coo_tensor.indices_size",
        "invalid sparse COO arguments",
    );
    let dims = Tensor::f__sparse_coo_tensor_with_dims_and_tensors_with(
        1,
        0,
        &[2],
        &ints(&[5, -9], &[1, 2]),
        &vals2,
        None,
        Some(libtorch::Layout::Sparse),
        None,
        None,
        None,
    );
    rejected(
        dims,
        "aten::_sparse_coo_tensor_with_dims_and_tensors",
        "invalid sparse COO arguments",
    );
    // crow_indices [0, 9, 2] for 2 values: to_dense walked row 0 through 9 of them.
    rejected(
        Tensor::f__sparse_csr_tensor_unsafe(
            &ints(&[0, 9, 2], &[3]),
            &ints(&[0, 1], &[2]),
            &vals2,
            &[2, 2],
        ),
        "aten::_sparse_csr_tensor_unsafe",
        "invalid sparse compressed arguments",
    );
    let coo =
        Tensor::f_sparse_coo_tensor_indices_size(&ints(&[0, 1], &[1, 2]), &vals2, &[3]).unwrap();
    close(&vals(&coo.to_dense()), &[3.0, 4.0, 0.0]);
    let csr = Tensor::f__sparse_csr_tensor_unsafe(
        &ints(&[0, 1, 2], &[3]),
        &ints(&[1, 0], &[2]),
        &vals2,
        &[2, 2],
    )
    .unwrap();
    close(&vals(&csr.to_dense()), &[0.0, 3.0, 4.0, 0.0]);
}

#[test]
fn half_precision_aranges_need_a_count_exact_in_float() {
    // Seed 1042 at 400 calls per op: arange(1, 64, 1e-8) into bfloat16 is 6.3e9 elements, a
    // count the fill loop rounds up in float and writes past.
    let mut out = Tensor::zeros(&[3]).to_dtype(Kind::BFloat16);
    let m = rejected(
        Tensor::f_arange_start_out_with(true, 64, 1e-8, &mut out),
        "aten::arange.start_out",
        "6300000000 elements",
    );
    assert!(m.contains("counted as 6300000256"), "{m}");
    // 2^24 + 1 rounds down (the last element would be left unset).
    let n = (1i64 << 24) + 1;
    rejected(
        Tensor::f_arange_with(n, Some(Kind::Half), None, None, None),
        "aten::arange",
        "16777217 elements",
    );
    rejected(
        Tensor::f_arange_start_with(0, n, Some(Kind::BFloat16), None, None, None),
        "aten::arange.start",
        "elements",
    );
    rejected(
        Tensor::f_arange_out(n, &mut out),
        "aten::arange.out",
        "elements",
    );
    // Counts up to 2^24 are exact.
    let r = Tensor::f_arange_start_step_with(0, 2, 0.5, Some(Kind::BFloat16), None, None, None)
        .unwrap();
    assert_eq!(
        r.to_dtype(Kind::Float).to_vec::<f32>().unwrap(),
        [0.0, 0.5, 1.0, 1.5]
    );
}

#[test]
fn embedding_bag_backwards_check_indices_and_bags() {
    let grad = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let (bag_size, none) = (ints(&[2, 1], &[2]), ints(&[], &[0]));
    let dense = |indices: &Tensor, offset2bag: &Tensor, bag_size: &Tensor| {
        Tensor::f__embedding_bag_dense_backward(
            &grad, indices, offset2bag, bag_size, &none, 3, false, 0, None,
        )
    };
    let op = "aten::_embedding_bag_dense_backward";
    // An index past the 3 weight rows, a bag past grad's 2 rows: SIGSEGVs.
    let m = rejected(
        dense(
            &ints(&[0, 1, 100000], &[3]),
            &ints(&[0, 0, 1], &[3]),
            &bag_size,
        ),
        op,
        "indices",
    );
    assert!(m.contains("in 0..3 (num_weights), got 100000"), "{m}");
    rejected(
        dense(&ints(&[0, 1, 2], &[3]), &ints(&[0, 5, 1], &[3]), &bag_size),
        op,
        "offset2bag",
    );
    rejected(
        dense(&ints(&[0, 1, 2], &[3]), &ints(&[0, 1], &[2]), &bag_size),
        op,
        "offset2bag",
    );
    rejected(
        dense(
            &ints(&[0, 1, 2], &[3]),
            &ints(&[0, 0, 1], &[3]),
            &ints(&[2], &[1]),
        ),
        op,
        "bag_size",
    );
    let psw = "aten::_embedding_bag_per_sample_weights_backward";
    let offsets = ints(&[0, 2], &[2]);
    rejected(
        Tensor::f__embedding_bag_per_sample_weights_backward(
            &grad,
            &ones(&[3, 3]),
            &ints(&[0, 1, 7], &[3]),
            &offsets,
            &ints(&[0, 0, 1], &[3]),
            0,
        ),
        psw,
        "indices",
    );
    // Bags [0, 1] and [2] in sum mode: rows 0 and 1 get bag 0's gradient, row 2 bag 1's.
    let gw = dense(&ints(&[0, 1, 2], &[3]), &ints(&[0, 0, 1], &[3]), &bag_size).unwrap();
    close(&vals(&gw), &[1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    // Per-sample weight gradients are grad[bag] . weight[index]: 1+2+3 for rows of ones, 4+5+6.
    let g = Tensor::f__embedding_bag_per_sample_weights_backward(
        &grad,
        &ones(&[3, 3]),
        &ints(&[0, 1, 2], &[3]),
        &offsets,
        &ints(&[0, 0, 1], &[3]),
        0,
    );
    close(&vals(&g.unwrap()), &[6.0, 6.0, 15.0]);
}

#[test]
fn norm_and_sampler_backwards_check_what_the_forward_saved() {
    // Layer norm over rows [1, 3] and [2, 6]: both normalize to [-1, 1] (up to eps).
    let x = t(&[1.0, 3.0, 2.0, 6.0], &[2, 2]);
    let (_, mean, rstd) = Tensor::f_native_layer_norm(&x, &[2], None, None, 1e-5).unwrap();
    let w = ones(&[2]);
    let back = |g: &Tensor, mean: &Tensor, rstd: &Tensor| {
        Tensor::f_native_layer_norm_backward(
            g,
            &x,
            &[2],
            mean,
            rstd,
            Some(&w),
            Some(&w),
            [true, true, true],
        )
    };
    let op = "aten::native_layer_norm_backward";
    // Statistics for one row of two: read past under valgrind.
    rejected(back(&ones(&[2, 2]), &t(&[2.0], &[1]), &rstd), op, "mean");
    rejected(back(&ones(&[2, 2]), &mean, &t(&[1.0], &[1])), op, "rstd");
    rejected(back(&ones(&[1, 2]), &mean, &rstd), op, "grad_out");
    // A constant upstream gradient gives no input gradient; the weight's is the sum of the
    // normalized rows, [-2, 2], and the bias's the row count, [2, 2].
    let (gi, gw, gb) = back(&ones(&[2, 2]), &mean, &rstd).unwrap();
    close(&vals(&gi), &[0.0; 4]);
    close(&vals(&gw), &[-2.0, 2.0]);
    close(&vals(&gb), &[2.0, 2.0]);

    // A grid point at the centre of a 2x2 image samples each pixel with weight 1/4.
    let (img, grid) = (ones(&[1, 1, 2, 2]), Tensor::zeros(&[1, 1, 1, 2]));
    let sampler =
        |g: &Tensor| Tensor::f_grid_sampler_2d_backward(g, &img, &grid, 0, 0, false, [true, true]);
    rejected(
        sampler(&ones(&[1, 1, 2, 2])),
        "aten::grid_sampler_2d_backward",
        "grad_output",
    );
    let (gi, _) = sampler(&ones(&[1, 1, 1, 1])).unwrap();
    close(&vals(&gi), &[0.25; 4]);
}

#[test]
fn max_pool_backwards_scatter_only_to_indices_in_the_plane() {
    let x = t(&[1.0, 5.0, 2.0, 3.0], &[1, 1, 2, 2]);
    let g = t(&[7.0], &[1, 1, 1, 1]);
    let idx = |v: i64| ints(&[v], &[1, 1, 1, 1]);
    let mp2 = |i: &Tensor| {
        Tensor::f_max_pool2d_with_indices_backward(
            &g,
            &x,
            &[2, 2],
            &[2, 2],
            &[0, 0],
            &[1, 1],
            false,
            i,
        )
    };
    // An index of 10^6 (or -1) in a 2x2 plane: a SIGSEGV in every max-pool backward.
    let m = rejected(
        mp2(&idx(1_000_000)),
        "aten::max_pool2d_with_indices_backward",
        "indices",
    );
    assert!(m.contains("in 0..4"), "{m}");
    rejected(
        mp2(&idx(-1)),
        "aten::max_pool2d_with_indices_backward",
        "indices",
    );
    rejected(
        Tensor::f_adaptive_max_pool2d_backward(&g, &x, &idx(4)),
        "aten::adaptive_max_pool2d_backward",
        "indices",
    );
    let x3 = x.reshape(&[1, 1, 1, 2, 2]);
    let (g3, i3) = (g.reshape(&[1, 1, 1, 1, 1]), ints(&[9], &[1, 1, 1, 1, 1]));
    rejected(
        Tensor::f_max_pool3d_with_indices_backward(
            &g3,
            &x3,
            &[1, 2, 2],
            &[1, 2, 2],
            &[0, 0, 0],
            &[1, 1, 1],
            false,
            &i3,
        ),
        "aten::max_pool3d_with_indices_backward",
        "indices",
    );
    rejected(
        Tensor::f_adaptive_max_pool3d_backward(&g3, &x3, &i3),
        "aten::adaptive_max_pool3d_backward",
        "indices",
    );
    // The maximum 5 is at flat index 1: the gradient goes there.
    close(&vals(&mp2(&idx(1)).unwrap()), &[0.0, 7.0, 0.0, 0.0]);
    close(
        &vals(&Tensor::f_adaptive_max_pool2d_backward(&g, &x, &idx(1)).unwrap()),
        &[0.0, 7.0, 0.0, 0.0],
    );
}

#[test]
fn compressed_constructors_without_a_size_validate_against_the_size_they_infer() {
    // PyTorch issues 190046-7: crow_indices [0, 9, 2] for two values, a SIGSEGV in to_dense.
    let vals2 = t(&[3.0, 4.0], &[2]);
    rejected(
        Tensor::f_sparse_csr_tensor_crow_col_value(
            &ints(&[0, 9, 2], &[3]),
            &ints(&[0, 1], &[2]),
            &vals2,
        ),
        "aten::sparse_csr_tensor.crow_col_value",
        "invalid sparse compressed arguments",
    );
    // The inferred size is ATen's: each layout's parts, taken apart and put back together, give
    // the same dense matrix (with batch and block dimensions).
    let dense = t(
        &[0.0, 3.0, 0.0, 0.0, 4.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 7.0],
        &[2, 2, 3],
    );
    let csr = dense.f_to_sparse_csr().unwrap();
    let back = Tensor::f_sparse_csr_tensor_crow_col_value(
        &csr.crow_indices(),
        &csr.col_indices(),
        &csr.values(),
    )
    .unwrap();
    close(&vals(&back.to_dense()), &vals(&dense));
    let m = t(
        &[
            1.0, 2.0, 0.0, 0.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0, 5.0, 6.0, 0.0, 0.0, 7.0, 8.0,
        ],
        &[4, 4],
    );
    let bsr = m.f_to_sparse_bsr(&[2, 2]).unwrap();
    let back = Tensor::f_sparse_bsr_tensor_crow_col_value(
        &bsr.crow_indices(),
        &bsr.col_indices(),
        &bsr.values(),
    )
    .unwrap();
    close(&vals(&back.to_dense()), &vals(&m));
    let csc = m.f_to_sparse_csc().unwrap();
    let back = Tensor::f_sparse_csc_tensor_ccol_row_value(
        &csc.ccol_indices(),
        &csc.row_indices(),
        &csc.values(),
    )
    .unwrap();
    close(&vals(&back.to_dense()), &vals(&m));
}

#[test]
fn rrelu_with_noise_out_needs_self_shape_in_training() {
    // Seed 1179 at 400 calls per op: a 0-D self into a [0, 1] out, written unresized.
    let x = t(&[-2.0, 3.0], &[2]);
    let mut noise = Tensor::zeros(&[2]);
    let mut out = Tensor::zeros(&[0, 1]);
    rejected(
        x.f_rrelu_with_noise_out_with(&mut noise, 0.5, 0.5, true, None, &mut out),
        "aten::rrelu_with_noise.out",
        "out",
    );
    // With lower = upper = 0.5 the slope is 0.5: [-1, 3], and the noise records it (1 for
    // positive inputs).
    let mut out = Tensor::zeros(&[2]);
    x.f_rrelu_with_noise_out_with(&mut noise, 0.5, 0.5, true, None, &mut out)
        .unwrap();
    close(&vals(&out), &[-1.0, 3.0]);
    close(&vals(&noise), &[0.5, 1.0]);
}

#[test]
fn native_group_norm_refuses_sizes_whose_product_wraps_to_the_input_size() {
    // Seed 1253 at 400 calls per op: an empty input with C = i64::MIN and HxW = -1, whose
    // product wraps to 0; and 4 elements read as 4 rows of 2^62 + 1.
    let empty = Tensor::zeros(&[2, 3, 0]);
    rejected(
        Tensor::f_native_group_norm(&empty, None, None, 2, i64::MIN, -1, 2, 1e-5),
        "aten::native_group_norm",
        "HxW",
    );
    let four = Tensor::zeros(&[4, 1, 1]);
    let (mut y, mut m, mut r) = (
        Tensor::zeros(&[0]),
        Tensor::zeros(&[0]),
        Tensor::zeros(&[0]),
    );
    rejected(
        Tensor::f_native_group_norm_out(
            &four,
            None,
            None,
            4,
            (1 << 62) + 1,
            1,
            1,
            1e-5,
            &mut y,
            &mut m,
            &mut r,
        ),
        "aten::native_group_norm.out",
        "HxW",
    );
    // A plain mismatch is libtorch's own error.
    match Tensor::f_native_group_norm(&four, None, None, 2, 4, 1, 2, 1e-5) {
        Err(Error::Torch { message, .. }) => assert!(message.contains("N * C * HxW"), "{message}"),
        other => panic!("expected libtorch's size check, got {other:?}"),
    }
    // Two groups of two: [1, 3] and [5, 7] each have variance 1, so with eps = 0 they
    // normalize to [-1, 1]; the weight scales channel 1 by 2 and the bias shifts it by 10.
    let x = t(&[1.0, 3.0, 5.0, 7.0], &[1, 2, 2]);
    let (w, b) = (t(&[1.0, 2.0], &[2]), t(&[0.0, 10.0], &[2]));
    let (y, mean, rstd) =
        Tensor::f_native_group_norm(&x, Some(&w), Some(&b), 1, 2, 2, 2, 0.0).unwrap();
    close(&vals(&y), &[-1.0, 1.0, 8.0, 12.0]);
    close(&vals(&mean), &[2.0, 6.0]);
    close(&vals(&rstd), &[1.0, 1.0]);
}

#[test]
fn nested_view_from_buffer_needs_a_stride_per_size_and_an_offset_per_row() {
    // Seed 1255 at 400 calls per op: three rows of five sizes with three strides each (read
    // past), and offsets of shape [3, 0] (dereferenced empty).
    let buffer = Tensor::from_slice(&[0.0f32, 1.0, 2.0, 3.0, 4.0]);
    let sizes = Tensor::from_slice(&[2i64, 3]).reshape(&[2, 1]);
    let strides = Tensor::from_slice(&[1i64, 1]).reshape(&[2, 1]);
    let offsets = Tensor::from_slice(&[0i64, 2]);
    let empty_rows = Tensor::zeros(&[2, 0]).to_dtype(Kind::Int64);
    rejected(
        buffer.f__nested_view_from_buffer(&sizes, &empty_rows, &offsets),
        "aten::_nested_view_from_buffer",
        "nested_strides",
    );
    rejected(
        buffer.f__nested_view_from_buffer_copy(&sizes, &strides, &empty_rows),
        "aten::_nested_view_from_buffer_copy",
        "offsets",
    );
    let mut out = Tensor::zeros(&[1, 3]);
    rejected(
        buffer.f__nested_view_from_buffer_copy_out(&sizes, &strides, &empty_rows, &mut out),
        "aten::_nested_view_from_buffer_copy.out",
        "offsets",
    );
    // Rows [0, 1] and [2, 3, 4] of the buffer, padded with -1.
    for nested in [
        buffer
            .f__nested_view_from_buffer(&sizes, &strides, &offsets)
            .unwrap(),
        buffer
            .f__nested_view_from_buffer_copy(&sizes, &strides, &offsets)
            .unwrap(),
    ] {
        let padded = nested.f_to_padded_tensor_with(-1.0, None).unwrap();
        assert_eq!(padded.size(), [2, 3]);
        close(&vals(&padded), &[0.0, 1.0, -1.0, 2.0, 3.0, 4.0]);
    }
}

fn onednn(t: &Tensor, kind: Kind) -> Tensor {
    t.to_dtype(kind).f_to_mkldnn().unwrap()
}

#[test]
fn onednn_zero_fill_of_narrow_dtypes_is_refused_where_it_overflows() {
    // Found with `fuzz-ops --form-share`: oneDNN's zero_ writes 4-byte floats whatever the
    // dtype, so a bfloat16 or half tensor's buffer overflows (heap corruption).
    let mut bf16 = onednn(&ones(&[2, 4, 3]), Kind::BFloat16);
    rejected(bf16.f_zero_(), "aten::zero_", "self");
    let mut list = [onednn(&ones(&[2, 3]), Kind::BFloat16)];
    rejected(
        Tensor::f__foreach_zero_(&mut list),
        "aten::_foreach_zero_",
        "self[0]",
    );
    // diag and slice_backward make zeros of their input's dtype and layout.
    rejected(
        onednn(&ones(&[4]), Kind::Half).f_diag(),
        "aten::diag",
        "self",
    );
    let u8 = ones(&[1]).to_dtype(Kind::Uint8).f_to_mkldnn().unwrap();
    rejected(
        Tensor::f_slice_backward(&u8, &[4, 3], 1, 2, -1, 4),
        "aten::slice_backward",
        "grad_output",
    );
    // float32 is the dtype the fill is written for.
    let mut f32 = onednn(&ones(&[2, 3]), Kind::Float);
    f32.f_zero_().unwrap();
    close(&vals(&f32.to_dense()), &[0.0; 6]);
}

#[test]
fn copy_refuses_sparse_compressed_and_onednn_arguments() {
    // Found with `fuzz-ops --form-share`: the functional copy clones self and writes through
    // strides a CSR or oneDNN tensor does not have (SIGSEGV even for a src of its own kind).
    let csr = ones(&[5, 3]).f_to_sparse_csr().unwrap();
    rejected(csr.f_copy(&csr), "aten::copy", "self");
    let mk = onednn(&ones(&[2, 3]), Kind::Float);
    let mut out = Tensor::zeros(&[2, 3]);
    rejected(
        mk.f_copy_out(&ones(&[2, 3]), &mut out),
        "aten::copy.out",
        "self",
    );
    // A dense self takes src broadcast to its shape; the in-place copy_ of CSR into CSR works.
    let y = Tensor::zeros(&[2, 2])
        .f_copy(&t(&[1.0, 2.0], &[2]))
        .unwrap();
    close(&vals(&y), &[1.0, 2.0, 1.0, 2.0]);
    // (copy_ between CSR tensors needs the same number of specified elements.)
    let mut target = t(&[0.0, 1.0, 1.0, 0.0], &[2, 2]).f_to_sparse_csr().unwrap();
    let src = t(&[0.0, 3.0, 4.0, 0.0], &[2, 2]).f_to_sparse_csr().unwrap();
    target.f_copy_(&src).unwrap();
    close(&vals(&target.to_dense()), &[0.0, 3.0, 4.0, 0.0]);
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
fn index_copy_and_sparse_mm_refuse_onednn_arguments() {
    // Found with `fuzz-ops --form-share`: index_copy_ reads a oneDNN index or source as strided
    // memory (SIGSEGV); _sparse_mm divides by a zero size of a oneDNN argument (SIGFPE).
    let mut x = Tensor::zeros(&[3, 2]);
    let index = Tensor::from_slice(&[2i64, 0]);
    rejected(
        x.f_index_copy_(0, &onednn(&ones(&[2]), Kind::Float), &ones(&[2, 2])),
        "aten::index_copy_",
        "index",
    );
    rejected(
        x.f_index_copy_(0, &index, &onednn(&ones(&[2, 2]), Kind::Float)),
        "aten::index_copy_",
        "source",
    );
    rejected(
        Tensor::f__sparse_mm(&onednn(&ones(&[4, 3]), Kind::Float), &ones(&[3, 0])),
        "aten::_sparse_mm",
        "sparse",
    );
    rejected(
        Tensor::f__sparse_mm(&ones(&[0, 3]), &onednn(&ones(&[3, 0]), Kind::Float)),
        "aten::_sparse_mm",
        "dense",
    );
    // Rows 2 and 0 receive the source's rows.
    x.f_index_copy_(0, &index, &t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]))
        .unwrap();
    close(&vals(&x), &[3.0, 4.0, 0.0, 0.0, 1.0, 2.0]);
    // diag(1, 2) as COO times a column of ones.
    let sparse = t(&[1.0, 0.0, 0.0, 2.0], &[2, 2]).f_to_sparse().unwrap();
    let y = Tensor::f__sparse_mm(&sparse, &ones(&[2, 1])).unwrap();
    close(&vals(&y), &[1.0, 2.0]);
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
fn onednn_weight_reorder_needs_positive_strides() {
    // Found with `fuzz-ops --form-share`: the reorder divides by each stride (SIGFPE).
    let w = onednn(
        &t(
            &(0..48).map(|v| v as f32).collect::<Vec<_>>(),
            &[4, 3, 2, 2],
        ),
        Kind::Float,
    );
    rejected(
        w.f_mkldnn_reorder_conv2d_weight_with(&[0], &[0], &[1], 1, None),
        "aten::mkldnn_reorder_conv2d_weight",
        "stride",
    );
    // The reorder changes the memory layout only: the values read back unchanged.
    let r = w
        .f_mkldnn_reorder_conv2d_weight_with(&[0], &[1], &[1], 1, None)
        .unwrap();
    assert_eq!(r.size(), [4, 3, 2, 2]);
    close(
        &vals(&r.to_dense()),
        &(0..48).map(|v| v as f32).collect::<Vec<_>>(),
    );
}

#[test]
fn empty_onednn_tensors_are_not_transposed() {
    // Found with `fuzz-ops --form-share`: oneDNN's transpose of [3, 0] divides by zero
    // (SIGFPE), through t, mT, mH, adjoint, transpose and batch-first recurrent layers.
    let empty = onednn(&Tensor::zeros(&[3, 0]), Kind::Float);
    rejected(empty.f_transpose_int(0, 1), "aten::transpose.int", "self");
    rejected(
        empty.f__mkldnn_transpose(1, 0),
        "aten::_mkldnn_transpose",
        "self",
    );
    rejected(empty.f_t(), "aten::t", "self");
    rejected(empty.f_mh(), "aten::mH", "self");
    rejected(
        Tensor::f_gru_input(
            &empty,
            &ones(&[2]),
            &[] as &[Tensor],
            false,
            1,
            0.0,
            false,
            false,
            true,
        ),
        "aten::gru.input",
        "input",
    );
    // A transpose of a dimension with itself is no transpose; a tensor with elements is fine.
    assert_eq!(empty.f_transpose_int(-1, 1).unwrap().size(), [3, 0]);
    let m = onednn(&t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]), Kind::Float);
    close(&vals(&m.f_t().unwrap().to_dense()), &[1.0, 3.0, 2.0, 4.0]);
}

#[test]
fn foreach_copy_refuses_a_sparse_compressed_or_onednn_self() {
    // Found with `fuzz-ops --form-share`: the functional form copies through a clone of each
    // self[i], which for a oneDNN tensor reads memory it does not have (SIGSEGV).
    let mk = onednn(&ones(&[2, 3]), Kind::Float);
    rejected(
        Tensor::f__foreach_copy(&[ones(&[1]), mk], &[ones(&[1]), ones(&[2, 3])]),
        "aten::_foreach_copy",
        "self[1]",
    );
    let csr = ones(&[1, 4]).f_to_sparse_csr().unwrap();
    rejected(
        Tensor::f__foreach_copy(&[csr], &[ones(&[1, 4])]),
        "aten::_foreach_copy",
        "self[0]",
    );
    let coo = ones(&[1, 2]).f_to_sparse().unwrap();
    rejected(
        Tensor::f__foreach_copy(&[coo], &[ones(&[1, 2]).f_to_sparse_csr().unwrap()]),
        "aten::_foreach_copy",
        "src[0]",
    );
    let copied = Tensor::f__foreach_copy(&[Tensor::zeros(&[2])], &[t(&[5.0, 6.0], &[2])]).unwrap();
    close(&vals(&copied[0]), &[5.0, 6.0]);
}

#[test]
fn group_norm_with_a_sparse_weight_needs_a_channel_dimension() {
    // Found with `fuzz-ops --form-share`: a sparse weight sends native_group_norm to its
    // composite fallback, which writes C at index 1 of a 0-D or 1-D input's shape (SIGSEGV).
    let sparse_w = ones(&[5]).f_to_sparse().unwrap();
    rejected(
        Tensor::f_native_group_norm(&ones(&[1]), Some(&sparse_w), None, 1, 0, 3, 1, 1.0),
        "aten::native_group_norm",
        "input",
    );
    // The fallback batch-normalizes the input viewed as [1, N * group, -1]: without elements
    // the CPU kernel refuses it, the CUDA one divides by its zero channels (SIGFPE, the CUDA
    // fuzz with a CSC bias), so an empty input is refused on this route.
    let csc_bias = t(&[2.0, 0.0, 4.0, 1.0, 3.0, 4.0], &[2, 3])
        .f_to_sparse_csc()
        .unwrap();
    let m = rejected(
        Tensor::f_native_group_norm(
            &Tensor::zeros(&[1, 0, 1]),
            None,
            Some(&csc_bias),
            0,
            -2,
            0,
            4,
            -1.0,
        ),
        "aten::native_group_norm",
        "input",
    );
    assert!(m.contains("got sizes [1, 0, 1]"), "{m}");
    // With a channel dimension the fallback runs its own checks and reports them.
    let r = Tensor::f_native_group_norm(&ones(&[2, 4, 3]), Some(&sparse_w), None, 2, 4, 3, 2, 1e-5);
    assert!(matches!(r, Err(Error::Torch { .. })), "{r:?}");
}

#[test]
fn onednn_prelu_needs_weight_elements() {
    // Found with `fuzz-ops --form-share`: oneDNN's PReLU reads weight.size(0) values of a
    // weight without elements (SIGSEGV for [1, 3, 3, 0]).
    let x = onednn(&t(&[-2.0, 3.0], &[1, 2]), Kind::Float);
    rejected(
        x.f__prelu_kernel(&Tensor::zeros(&[1, 3, 3, 0])),
        "aten::_prelu_kernel",
        "weight",
    );
    // One shared slope of 0.25: -2 becomes -0.5, 3 stays.
    let y = x.f__prelu_kernel(&t(&[0.25], &[1])).unwrap();
    close(&vals(&y.to_dense()), &[-0.5, 3.0]);
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

fn nested(parts: &[&[f32]]) -> Tensor {
    let parts: Vec<Tensor> = parts.iter().map(|p| t(p, &[p.len() as i64])).collect();
    Tensor::f__nested_tensor_from_tensor_list(&parts).unwrap()
}

#[test]
fn nested_select_needs_a_non_negative_dim() {
    // Found with `fuzz-ops --form-share`: select on a nested tensor does not wrap a negative
    // dim and reads component sizes before their start (SIGSEGV for select(-1, 1)).
    let n = nested(&[&[10.0, 11.0, 12.0], &[20.0, 21.0]]);
    rejected(n.f_select_int(-1, 1), "aten::select.int", "dim");
    rejected(
        Tensor::f__nested_select_backward(&ones(&[2]), &n, -1, 1),
        "aten::_nested_select_backward",
        "dim",
    );
    // Element 1 of each component, and an index past a component is libtorch's own error.
    close(&vals(&n.f_select_int(1, 1).unwrap()), &[11.0, 21.0]);
    assert!(matches!(n.f_select_int(1, 2), Err(Error::Torch { .. })));
}

#[test]
fn layout_conversion_backwards_need_the_input() {
    // Found with `fuzz-ops --form-share`: with a nested grad and an undefined input,
    // to_dense_backward and to_mkldnn_backward divide by the missing input's size (SIGFPE).
    let grad = nested(&[&[1.0, 2.0], &[3.0]]);
    rejected(
        Tensor::f_to_dense_backward(&grad, &Tensor::default()),
        "aten::to_dense_backward",
        "input",
    );
    rejected(
        Tensor::f_to_mkldnn_backward(&grad, &Tensor::default()),
        "aten::to_mkldnn_backward",
        "input",
    );
    // The backward of to_dense for a dense input is the gradient itself.
    let g = t(&[1.0, 2.0], &[2]);
    close(
        &vals(&Tensor::f_to_dense_backward(&g, &ones(&[2])).unwrap()),
        &[1.0, 2.0],
    );
}

#[test]
fn onednn_matrix_products_refuse_mixed_layouts_that_crash() {
    // Found with `fuzz-ops --form-share`: a oneDNN weight without elements under a dense input
    // (linear), and a oneDNN self times a sparse matrix (mm), divide by zero (SIGFPE).
    let w = onednn(&Tensor::zeros(&[3, 0]), Kind::Float);
    rejected(
        Tensor::f_linear(&Tensor::zeros(&[2, 0]), &w),
        "aten::linear",
        "weight",
    );
    let empty = onednn(&Tensor::zeros(&[4, 0]), Kind::Float);
    let sparse = Tensor::zeros(&[0, 3]).f_to_sparse().unwrap();
    rejected(empty.f_mm(&sparse), "aten::mm", "self");
    rejected(empty.f_matmul(&sparse), "aten::matmul", "self");
    // oneDNN's own linear: [1, 2] times the rows [1, 1] and [2, 0].
    let x = onednn(&t(&[1.0, 2.0], &[1, 2]), Kind::Float);
    let w = onednn(&t(&[1.0, 1.0, 2.0, 0.0], &[2, 2]), Kind::Float);
    close(
        &vals(&Tensor::f_linear(&x, &w).unwrap().to_dense()),
        &[3.0, 2.0],
    );
}

#[test]
fn in_place_scatters_refuse_a_onednn_src() {
    // Found with `fuzz-ops --form-share`: the in-place scatters read a oneDNN src as strided
    // memory (SIGSEGV, even for an empty index).
    let mut x = Tensor::zeros(&[3, 4]);
    let index = Tensor::from_slice(&[0i64, 1, 2]).reshape(&[3, 1]);
    rejected(
        x.f_scatter_add_(1, &index, &onednn(&ones(&[3, 1]), Kind::Float)),
        "aten::scatter_add_",
        "src",
    );
    rejected(
        Tensor::f_cummaxmin_backward(
            &onednn(&ones(&[3, 4]), Kind::Float),
            &ones(&[3, 4]),
            &Tensor::zeros(&[3, 4]).to_dtype(Kind::Int64),
            1,
        ),
        "aten::cummaxmin_backward",
        "grad",
    );
    // Row r gets 1 added at column r.
    x.f_scatter_add_(1, &index, &ones(&[3, 1])).unwrap();
    let mut want = [0.0; 12];
    for r in 0..3 {
        want[r * 4 + r] = 1.0;
    }
    close(&vals(&x), &want);
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
fn coo_to_csr_reads_a_contiguous_self() {
    // Found with `fuzz-ops --form-share`: the conversion walks self's memory, so an expanded
    // [2] view of one row index reads a second past the storage and writes at it (SIGSEGV).
    let expanded = Tensor::from_slice(&[0i64]).expand(&[2]);
    rejected(
        expanded.f__convert_indices_from_coo_to_csr_with(1, true),
        "aten::_convert_indices_from_coo_to_csr",
        "self",
    );
    // Rows [0, 0, 2] of a 3-row matrix: row pointers [0, 2, 2, 3].
    let rows = Tensor::from_slice(&[0i64, 0, 2]);
    let crow = rows.f__convert_indices_from_coo_to_csr(3).unwrap();
    assert_eq!(crow.to_vec::<i64>().unwrap(), [0, 2, 2, 3]);
}

#[test]
fn onednn_linear_needs_a_weight_with_dimensions() {
    // Found with `fuzz-ops --form-share`: oneDNN's linear reads the output size from a 0-D
    // weight (SIGSEGV).
    let x = onednn(&t(&[1.0, 2.0], &[1, 2]), Kind::Float);
    rejected(
        x.f_mkldnn_linear(&Tensor::from_slice(&[0.5f32]).reshape(&[])),
        "aten::mkldnn_linear",
        "weight",
    );
    let empty = onednn(&Tensor::zeros(&[3, 0]), Kind::Float);
    rejected(
        empty.f_mkldnn_linear(&ones(&[1, 4, 3])),
        "aten::mkldnn_linear",
        "weight",
    );
    let y = x
        .f_mkldnn_linear(&t(&[1.0, 1.0, 2.0, 0.0], &[2, 2]))
        .unwrap();
    close(&vals(&y.to_dense()), &[3.0, 2.0]);
}

#[test]
fn median_along_an_expanded_dim_is_refused() {
    // Found by the form fuzz under memcheck: median and nanmedian read a dim of stride 0 with
    // stride 1, past the storage: [2].expand([5]).median(0) returned 0.
    let e = t(&[2.0], &[1]).expand(&[5]);
    rejected(e.f_median_dim(0), "aten::median.dim", "self");
    rejected(e.f_nanmedian_dim(-1), "aten::nanmedian.dim", "self");
    // Expanded along another dim is fine, and so is the contiguous copy.
    let rows = t(&[1.0, 5.0, 3.0], &[3, 1]).expand(&[3, 4]);
    let (v, _) = rows.f_median_dim(0).unwrap();
    close(&vals(&v), &[3.0; 4]);
    let (v, _) = e.contiguous().f_median_dim(0).unwrap();
    close(&vals(&v), &[2.0]);
}

#[test]
fn sparse_broadcast_needs_positive_sizes() {
    // Found with `fuzz-ops --form-share`: broadcasting a sparse tensor to a shape with a zero
    // divides by it (SIGFPE).
    let coo = t(&[4.0], &[1]).f_to_sparse().unwrap();
    rejected(
        coo.f__sparse_broadcast_to(&[2, 3, 0]),
        "aten::_sparse_broadcast_to",
        "size",
    );
    let b = coo.f__sparse_broadcast_to(&[2, 3]).unwrap();
    close(&vals(&b.to_dense()), &[4.0; 6]);
}

#[test]
fn weight_norm_of_an_empty_onednn_v_is_refused() {
    // Found with `fuzz-ops --form-share`: along dim 1 the composite path transposes v, and
    // oneDNN's transpose of an empty tensor divides by zero (SIGFPE).
    let v = onednn(&Tensor::zeros(&[4, 0, 4, 4]), Kind::Float);
    rejected(
        Tensor::f__weight_norm_with(&v, &ones(&[1, 0, 1, 1]), 1),
        "aten::_weight_norm",
        "v",
    );
    // v = [[3, 4]] with g = 10 along dim 0: 10 * v / 5.
    let w = Tensor::f__weight_norm(&t(&[3.0, 4.0], &[1, 2]), &t(&[10.0], &[1, 1])).unwrap();
    close(&vals(&w), &[6.0, 8.0]);
}

#[test]
fn sparse_addends_are_not_added_into_offset_views() {
    // Found by the form fuzz under memcheck: ATen adds a sparse COO tensor into a dense view
    // at twice the view's storage offset, a wrong value and a write past the storage.
    let base = t(&[9.0, 9.0, 1.0, 1.0, 2.0, 2.0], &[6]);
    let mut view = base.narrow(0, 2, 4).view(&[2, 2]);
    assert_eq!(view.f_storage_offset().unwrap(), 2);
    let sparse = t(&[1.0, 0.0, 0.0, 5.0], &[2, 2]).f_to_sparse().unwrap();
    rejected(view.f_add_(&sparse), "aten::add_.Tensor", "self");
    rejected(view.f_sub_(&sparse), "aten::sub_.Tensor", "self");
    rejected(view.f_mul_(&sparse), "aten::mul_.Tensor", "self");
    // (An out= view is refused before that: out= may resize, and the view shares storage.)
    let e = t(&[1.0, 1.0, 2.0, 2.0], &[2, 2])
        .f_add_out(&sparse, &mut view)
        .unwrap_err();
    assert!(e.message().contains("`out` is a view"), "{e}");
    let mut list = [ones(&[2, 2]), view.shallow_clone()];
    rejected(
        Tensor::f__foreach_mul_(&mut list, &sparse),
        "aten::_foreach_mul_.Tensor",
        "self[1]",
    );
    close(&vals(&base), &[9.0, 9.0, 1.0, 1.0, 2.0, 2.0]);
    // The functional add, a tensor of its own, and a hybrid addend are right.
    close(&vals(&view.f_add(&sparse).unwrap()), &[2.0, 1.0, 2.0, 7.0]);
    let mut own = view.deep_clone();
    own.f_add_(&sparse).unwrap();
    close(&vals(&own), &[2.0, 1.0, 2.0, 7.0]);
    let hybrid = t(&[1.0, 0.0, 0.0, 5.0], &[2, 2])
        .f_to_sparse_sparse_dim(1)
        .unwrap();
    view.f_add_(&hybrid).unwrap();
    close(&vals(&base), &[9.0, 9.0, 2.0, 1.0, 2.0, 7.0]);
}

#[test]
fn nested_metadata_is_read_contiguously() {
    // Found by the form fuzz under memcheck: nested_size is read in memory order, so an
    // expanded [2, 3] (one row of storage) is read past its end.
    let expanded = Tensor::from_slice(&[1i64, 2, 3])
        .reshape(&[1, 3])
        .expand(&[2, 3]);
    rejected(
        Tensor::f__nested_compute_contiguous_strides_offsets(&expanded),
        "aten::_nested_compute_contiguous_strides_offsets",
        "nested_size",
    );
    // Two [1, 2, 3] components: row-major strides [6, 3, 1], offsets 0 and 6.
    let sizes = expanded.contiguous();
    let (strides, offsets) = Tensor::f__nested_compute_contiguous_strides_offsets(&sizes).unwrap();
    assert_eq!(strides.to_vec::<i64>().unwrap(), [6, 3, 1, 6, 3, 1]);
    assert_eq!(offsets.to_vec::<i64>().unwrap(), [0, 6]);
}

#[test]
fn norm_except_dim_of_an_empty_onednn_v_is_refused() {
    // Found with `fuzz-ops --form-share`: it transposes v, which oneDNN cannot do for an empty
    // tensor (SIGFPE).
    let v = onednn(&Tensor::zeros(&[2, 0, 4, 5]), Kind::Float);
    rejected(
        Tensor::f_norm_except_dim_with(&v, 1, 1),
        "aten::norm_except_dim",
        "v",
    );
    // The 2-norm of each row of [[3, 4], [6, 8]].
    let n = Tensor::f_norm_except_dim_with(&t(&[3.0, 4.0, 6.0, 8.0], &[2, 2]), 2, 0).unwrap();
    close(&vals(&n), &[5.0, 10.0]);
}

#[test]
fn batch_norm_with_update_needs_onednn_channels() {
    // Found with `fuzz-ops --form-share` (seed 378): on a oneDNN input without channels the
    // kernel divides by the channel count (SIGFPE).
    let x = onednn(&Tensor::zeros(&[1, 0, 3, 1]), Kind::Float);
    let (w, b) = (ones(&[0]), Tensor::zeros(&[0]));
    rejected(
        Tensor::f__batch_norm_with_update_functional(&x, Some(&w), Some(&b), &b, &w, 0.1, 1e-5),
        "aten::_batch_norm_with_update_functional",
        "input",
    );
    // Two channels of [0, 2, 4] (variance 8/3) and [1, 1, 1]: normalized to about
    // [-1.22, 0, 1.22] and [0, 0, 0] with eps = 1e-5.
    let x = onednn(
        &t(&[0.0, 2.0, 4.0, 1.0, 1.0, 1.0], &[1, 2, 3, 1]),
        Kind::Float,
    );
    let (w, b) = (ones(&[2]), Tensor::zeros(&[2]));
    let out =
        Tensor::f__batch_norm_with_update_functional(&x, Some(&w), Some(&b), &b, &w, 0.1, 1e-5)
            .unwrap();
    close(
        &vals(&out.0.to_dense()),
        &[-1.2247449, 0.0, 1.2247449, 0.0, 0.0, 0.0],
    );
}

#[test]
fn linalg_matmul_of_a_onednn_self_by_a_sparse_matrix_is_refused() {
    // The CUDA build's form fuzz (seed 74), reproduced on the CPU: a oneDNN [2, 3, 2, 0] self
    // times a hybrid COO [3, 0] matrix divides by the zero size (SIGFPE), as `matmul` does.
    let self_ = onednn(&Tensor::zeros(&[2, 3, 2, 0]), Kind::Float);
    let sparse = Tensor::zeros(&[3, 0]).f_to_sparse_sparse_dim(1).unwrap();
    rejected(
        self_.f_linalg_matmul(&sparse),
        "aten::linalg_matmul",
        "self",
    );
    // [[1, 2], [3, 4]] @ [1, 1] = [3, 7].
    let m = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    close(
        &vals(&m.f_linalg_matmul(&t(&[1.0, 1.0], &[2])).unwrap()),
        &[3.0, 7.0],
    );
}

#[test]
fn attention_with_an_empty_onednn_key_is_refused() {
    // Form fuzz seed 373 and the CUDA build's seeds 111 and 130, reproduced on the CPU: the math
    // path transposes the key, and oneDNN divides by zero transposing an empty tensor.
    let key = onednn(&Tensor::zeros(&[4, 0]), Kind::Float);
    let q = ones(&[3, 2]);
    rejected(
        Tensor::f__scaled_dot_product_attention_math(&q, &key, &ones(&[4, 2])),
        "aten::_scaled_dot_product_attention_math",
        "key",
    );
    rejected(
        Tensor::f_scaled_dot_product_attention(&q, &key, &ones(&[4, 2])),
        "aten::scaled_dot_product_attention",
        "key",
    );
    // One key: every query attends to it with weight 1 and reads its value.
    let (out, weights) =
        Tensor::f__scaled_dot_product_attention_math(&q, &ones(&[1, 2]), &t(&[5.0, 6.0], &[1, 2]))
            .unwrap();
    close(&vals(&out), &[5.0, 6.0, 5.0, 6.0, 5.0, 6.0]);
    close(&vals(&weights), &[1.0, 1.0, 1.0]);
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
fn weight_norm_differentiable_backward_needs_saved_g() {
    // Form fuzz seed 390: saved_norms is converted to saved_g's dtype; an undefined saved_g has
    // none, and a nested saved_norms divides by the zero element size (SIGFPE).
    let v = t(&[3.0, 4.0], &[1, 2]);
    let nested = Tensor::f__nested_tensor_from_tensor_list(&[&v, &v]).unwrap();
    rejected(
        Tensor::f__weight_norm_differentiable_backward(
            &Tensor::zeros(&[3, 0]),
            &nested,
            &Tensor::default(),
            &nested,
            0,
        ),
        "aten::_weight_norm_differentiable_backward",
        "saved_g",
    );
    // w = g * v / |v| with v = [3, 4], g = 5: for grad_w = [1, 0], the sum over the row is
    // grad_w . v = 3, grad_g = 3 / |v| = 0.6, grad_v = (g / |v|) (grad_w - v * 3 / |v|^2)
    // = [1 - 0.36, -0.48].
    let (grad_v, grad_g) = Tensor::f__weight_norm_differentiable_backward(
        &t(&[1.0, 0.0], &[1, 2]),
        &v,
        &t(&[5.0], &[1, 1]),
        &t(&[5.0], &[1, 1]),
        0,
    )
    .unwrap();
    close(&vals(&grad_v), &[0.64, -0.48]);
    close(&vals(&grad_g), &[0.6]);
}

#[test]
fn trapezoid_of_a_nested_tensor_needs_a_non_negative_dim() {
    // Memcheck with forms (seed 3): trapezoid selects y's first and last entries along dim, and
    // a nested tensor's select does not wrap the default dim -1 (invalid writes).
    let a = t(&[2.0, 4.0, 4.0, 1.0, 5.0, 6.0], &[2, 3]);
    let nested = Tensor::f__nested_tensor_from_tensor_list(&[&a, &a.narrow(0, 0, 1)]).unwrap();
    let m = rejected(
        Tensor::f_trapezoid_dx_with(&nested, 2, -1),
        "aten::trapezoid.dx",
        "dim -1",
    );
    assert!(m.contains("nested"), "{m}");
    rejected(
        Tensor::f_cumulative_trapezoid_x_with(&nested, &ones(&[3]), -1),
        "aten::cumulative_trapezoid.x",
        "dim -1",
    );
    // Rows [2, 4, 4] and [1, 5, 6] with spacing 2: 2 * ((2 + 4) / 2 + (4 + 4) / 2) = 14 and
    // 2 * (3 + 5.5) = 17.
    close(
        &vals(&Tensor::f_trapezoid_dx_with(&a, 2, -1).unwrap()),
        &[14.0, 17.0],
    );
}

#[test]
fn nested_sum_backward_needs_one_gradient_per_row() {
    // Nested-only form fuzz, seeds 2 and 13: the kernel spreads each gradient element over a row
    // of self's last dimension, trusting both sizes, and wrote past its buffer.
    let nested = |parts: &[&Tensor]| Tensor::f__nested_tensor_from_tensor_list(parts).unwrap();
    let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let self_ = nested(&[&a, &a.narrow(0, 0, 1)]);
    let m = rejected(
        Tensor::f__nested_sum_backward(&nested(&[&ones(&[3]), &ones(&[1])]), &self_, Some(&[-1])),
        "aten::_nested_sum_backward",
        "grad",
    );
    assert!(m.contains("component 0"), "{m}");
    // The gradient of a sum over the last dimension: each row gets its row's gradient.
    let grad = nested(&[&t(&[1.0, 2.0], &[2]), &t(&[3.0], &[1])]);
    let back = Tensor::f__nested_sum_backward(&grad, &self_, Some(&[-1])).unwrap();
    let parts = back.f_unbind_int().unwrap();
    close(&vals(&parts[0]), &[1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    close(&vals(&parts[1]), &[3.0, 3.0, 3.0]);
}

#[test]
fn onednn_training_batch_norm_needs_a_full_weight_even_for_an_empty_input() {
    // oneDNN-only form fuzz, seeds 1, 7 and 15: in training, oneDNN reads a weight of
    // input.size(1) elements even for an empty input, where libtorch skips its per-channel
    // checks (SIGFPE for a 0-element weight under a [1, 3, 0, 3] input).
    let empty = onednn(&Tensor::zeros(&[1, 3, 0, 3]), Kind::Float);
    let (mean, var) = (Tensor::zeros(&[3]), ones(&[3]));
    let short = Tensor::zeros(&[0]);
    let bias = Tensor::zeros(&[3]);
    let m = rejected(
        Tensor::f_native_batch_norm(
            &empty,
            Some(&short),
            Some(&bias),
            Some(&mean),
            Some(&var),
            true,
            0.1,
            1e-5,
        ),
        "aten::native_batch_norm",
        "weight",
    );
    assert!(m.contains("weight must have 3 elements"), "{m}");
    rejected(
        Tensor::f__batch_norm_with_update_functional(
            &empty,
            Some(&short),
            Some(&bias),
            &mean,
            &var,
            0.1,
            1e-5,
        ),
        "aten::_batch_norm_with_update_functional",
        "weight",
    );
    // MKL-DNN seed 16: training a oneDNN input without channels with running statistics.
    let no_channels = onednn(&Tensor::zeros(&[3, 0, 3, 5]), Kind::Float);
    let none = Tensor::zeros(&[0]);
    let m = rejected(
        Tensor::f_native_batch_norm(
            &no_channels,
            Some(&none),
            Some(&none),
            Some(&none),
            Some(&none),
            true,
            1.0,
            2.0,
        ),
        "aten::native_batch_norm",
        "input",
    );
    assert!(m.contains("without channels"), "{m}");
    // Inference reads no weight for an empty input: libtorch runs it, and so do we.
    let (out, _, _) = Tensor::f_native_batch_norm(
        &empty,
        Some(&short),
        Some(&bias),
        Some(&mean),
        Some(&var),
        false,
        0.1,
        1e-5,
    )
    .unwrap();
    assert_eq!(out.size(), [1, 3, 0, 3]);
    // Training on [1, 3]: mean 2, biased variance 1, so (x - 2) / 1 = [-1, 1].
    let x = onednn(&t(&[1.0, 3.0], &[1, 1, 2, 1]), Kind::Float);
    let (y, _, _) = Tensor::f_native_batch_norm(
        &x,
        Some(&ones(&[1])),
        Some(&Tensor::zeros(&[1])),
        Some(&Tensor::zeros(&[1])),
        Some(&ones(&[1])),
        true,
        0.1,
        0.0,
    )
    .unwrap();
    close(&vals(&y.to_dense()), &[-1.0, 1.0]);
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

#[test]
fn triangular_solve_out_with_a_sparse_a_needs_the_functional_checks_and_a_sized_x() {
    // CSR-only form fuzz, seeds 1 and 6: the sparse kernel of the out form checks nothing and
    // does not resize X; a 2 x 4 A made invalid writes, and a mis-shaped X came back empty.
    let csr = |v: &[f32], s: &[i64]| t(v, s).f_to_sparse_csr().unwrap();
    let lower = csr(&[1.0, 0.0, 2.0, 1.0], &[2, 2]);
    let b = t(&[1.0, 4.0], &[2, 1]);
    let op = "aten::triangular_solve.X";
    let solve = |b: &Tensor, a: &Tensor, x: &mut Tensor| {
        b.f_triangular_solve_x_with(a, false, false, true, x, &mut Tensor::zeros(&[0]))
    };
    rejected(
        solve(
            &ones(&[4, 1]),
            &csr(&[0.0; 8], &[2, 4]),
            &mut Tensor::zeros(&[4, 1]),
        ),
        op,
        "A",
    );
    rejected(
        solve(&ones(&[3, 5, 2, 3]), &lower, &mut Tensor::zeros(&[2])),
        op,
        "X",
    );
    rejected(
        solve(&ones(&[4, 1]), &lower, &mut Tensor::zeros(&[4, 1])),
        op,
        "self",
    );
    let m = rejected(solve(&b, &lower, &mut Tensor::zeros(&[0])), op, "X");
    assert!(m.contains("shape [2, 1]"), "{m}");
    // Lower triangular [[1, 0], [2, 1]] x = [1, 4]: x = [1, 2].
    let mut x = Tensor::zeros(&[2, 1]);
    b.f_triangular_solve_x_with(
        &lower,
        false,
        false,
        false,
        &mut x,
        &mut Tensor::zeros(&[0]),
    )
    .unwrap();
    close(&vals(&x), &[1.0, 2.0]);
}
