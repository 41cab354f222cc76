//! The argument guards of spec/rules.yaml (libtorch/src/guards.rs): each guarded op, called
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
