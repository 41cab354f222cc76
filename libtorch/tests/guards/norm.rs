//! Guards of the norm family (libtorch/src/guards/).

use crate::common::{close, ones, rejected, t, vals};
use libtorch::{Error, Tensor};

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
