//! Guards of the losses family (libtorch/src/guards/).

use crate::common::{close, ints, longs, ones, rejected, t, vals};
use libtorch::{Kind, Tensor};

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
