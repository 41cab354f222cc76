//! Guards of the pool family (libtorch/src/guards/).

use crate::common::{close, ints, longs, ones, rejected, t, vals};
use libtorch::{Error, Kind, Tensor};

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
