//! Guards of the factories family (libtorch/src/guards/).

use crate::common::{close, fused_sgd, longs, ones, rejected, t, vals};
use libtorch::{Error, Kind, Tensor};

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
        Tensor::f_arange_start_with(0, i64::MIN, -1, None, None, None, None),
        "aten::arange.start_step",
        "end - start",
    );
    let a = Tensor::f_arange_start_with(0, 5, 2, None, None, None, None).unwrap();
    assert_eq!(a.to_vec::<i64>().unwrap(), [0, 2, 4]);
    let mut out = longs(&[], &[0]);
    rejected(
        Tensor::f_range_out_with(0, 5, 0.25, &mut out),
        "aten::range.out",
        "step",
    );
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
        Tensor::f_arange_start_with(0, n, 1, Kind::BFloat16, None, None, None),
        "aten::arange.start_step",
        "elements",
    );
    rejected(
        Tensor::f_arange_out(n, &mut out),
        "aten::arange.out",
        "elements",
    );
    // Counts up to 2^24 are exact.
    let r = Tensor::f_arange_start_with(0, 2, 0.5, Kind::BFloat16, None, None, None).unwrap();
    assert_eq!(
        r.to_dtype(Kind::Float).to_vec::<f32>().unwrap(),
        [0.0, 0.5, 1.0, 1.5]
    );
}
