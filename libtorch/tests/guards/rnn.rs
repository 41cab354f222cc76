//! Guards of the rnn family (libtorch/src/guards/).

use crate::common::{close, longs, ones, rejected, t, vals};
use libtorch::Tensor;

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
