//! The single-step API of the multi-layer recurrent layers: stepping through a sequence gives
//! the sequence forward's outputs and final states, for every cell, both layouts, from zero and
//! from given states.
use libtorch::nn::{Module, Rnn, RnnConfig, RnnMode};
use libtorch::{manual_seed, Tensor};
use std::sync::Mutex;

/// Tests that seed the global generator hold this lock.
fn global_rng() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

const L: i64 = 6;
const N: i64 = 3;
const IN: i64 = 4;
const H: i64 = 5;
const LAYERS: i64 = 2;

fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.size(), b.size());
    (a - b).abs().max().double_value()
}

/// The layer, a sequence in its layout, and an initial state (zeros when `from_zero`).
fn setup(mode: RnnMode, batch_first: bool) -> (Rnn, Tensor, Tensor, Tensor) {
    manual_seed(11);
    let rnn = Rnn::with_mode(
        mode,
        IN,
        H,
        RnnConfig::default()
            .num_layers(LAYERS)
            .batch_first(batch_first),
    );
    let shape = if batch_first { [N, L, IN] } else { [L, N, IN] };
    let x = Tensor::randn(&shape);
    let h0 = Tensor::randn(&[LAYERS, N, H]);
    let c0 = Tensor::randn(&[LAYERS, N, H]);
    (rnn, x, h0, c0)
}

/// Not bit for bit: on the CPU, ATen projects the inputs of the whole sequence in one matrix
/// product, whose blocking (and so rounding) depends on the sequence length.
const TOL: f64 = 1e-6;

#[test]
fn stepping_equals_the_sequence_forward() {
    let _rng = global_rng();
    for mode in [RnnMode::Tanh, RnnMode::Relu, RnnMode::Gru, RnnMode::Lstm] {
        for batch_first in [false, true] {
            for from_zero in [true, false] {
                let (rnn, x, h0, c0) = setup(mode, batch_first);
                let time_dim = if batch_first { 1 } else { 0 };
                let what = format!("{mode:?} batch_first={batch_first} from_zero={from_zero}");
                let mut outs = Vec::new();
                if mode == RnnMode::Lstm {
                    let start = (!from_zero).then_some((&h0, &c0));
                    let (y, (h, c)) = rnn.forward_lstm(&x, start).unwrap();
                    let mut state = (!from_zero).then(|| (h0.shallow_clone(), c0.shallow_clone()));
                    for t in 0..L {
                        let s = state.as_ref().map(|(h, c)| (h, c));
                        let (y_t, next) = rnn.step_lstm(&x.select(time_dim, t), s).unwrap();
                        assert_eq!(y_t.size(), [N, H]);
                        outs.push(y_t);
                        state = Some(next);
                    }
                    let (hs, cs) = state.unwrap();
                    assert!(max_diff(&hs, &h) <= TOL, "{what}: h_n");
                    assert!(max_diff(&cs, &c) <= TOL, "{what}: c_n");
                    let stepped = Tensor::stack_with(&outs, time_dim);
                    assert!(max_diff(&stepped, &y) <= TOL, "{what}: outputs");
                } else {
                    let (y, h) = rnn.forward_hidden(&x, (!from_zero).then_some(&h0)).unwrap();
                    let mut state = (!from_zero).then(|| h0.shallow_clone());
                    for t in 0..L {
                        let (y_t, next) = rnn
                            .step_hidden(&x.select(time_dim, t), state.as_ref())
                            .unwrap();
                        outs.push(y_t);
                        state = Some(next);
                    }
                    assert!(max_diff(&state.unwrap(), &h) <= TOL, "{what}: h_n");
                    let stepped = Tensor::stack_with(&outs, time_dim);
                    assert!(max_diff(&stepped, &y) <= TOL, "{what}: outputs");
                }
            }
        }
    }
}

#[test]
fn stepping_gives_the_sequence_gradients() {
    let _rng = global_rng();
    let (rnn, x, _, _) = setup(RnnMode::Gru, false);
    let (y, _) = rnn.forward_hidden(&x, None).unwrap();
    y.sum().backward();
    let want: Vec<Tensor> = rnn
        .parameters()
        .iter()
        .map(|p| p.grad().deep_clone())
        .collect();
    for p in rnn.parameters() {
        let _ = p.grad().zero_();
    }
    let mut h = None;
    let mut total = Tensor::zeros(&[]);
    for t in 0..L {
        let (y_t, next) = rnn.step_hidden(&x.select(0, t), h.as_ref()).unwrap();
        total += y_t.sum();
        h = Some(next);
    }
    total.backward();
    for (p, w) in rnn.parameters().iter().zip(&want) {
        assert!(max_diff(&p.grad(), w) <= 1e-5);
    }
}

#[test]
fn step_refuses_what_it_cannot_do() {
    let _rng = global_rng();
    let x_t = Tensor::ones(&[N, IN]);
    let bi = Rnn::gru(IN, H, RnnConfig::default().bidirectional(true));
    let e = bi.step_hidden(&x_t, None).unwrap_err().to_string();
    assert!(e.contains("bidirectional"), "{e}");
    let gru = Rnn::gru(IN, H, RnnConfig::default());
    assert!(gru.step_lstm(&x_t, None).is_err());
    let e = gru
        .step_hidden(&Tensor::ones(&[1, N, IN]), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("2-D"), "{e}");
    // A state of the wrong shape: the sequence forward's check.
    let bad = Tensor::zeros(&[2, N, H]);
    assert!(gru.step_hidden(&x_t, Some(&bad)).is_err());
    let lstm = Rnn::lstm(IN, H, RnnConfig::default());
    assert!(lstm.step_hidden(&x_t, None).is_err());
    let (y, (h, c)) = lstm.step_lstm(&x_t, None).unwrap();
    assert_eq!(
        (y.size(), h.size(), c.size()),
        (vec![N, H], vec![1, N, H], vec![1, N, H])
    );
}
