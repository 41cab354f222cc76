//! Layers: output shapes, values against references computed here from PyTorch's definitions,
//! parameter names, and train/eval behaviour.
use libtorch::nn::dispatch::{call, Arg};
use libtorch::nn::*;
use libtorch::{Device, Kind, Tensor};

/// libtorch's default generator is global and `cargo test` runs this file's tests on parallel
/// threads: a test that seeds it and compares what it draws (or a layer's initial weights)
/// must not interleave with another test drawing from it. Every test here holds this lock.
fn global_rng() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn t(data: &[f32], shape: &[i64]) -> Tensor {
    Tensor::from_data(data, shape).unwrap()
}

/// Overwrites a parameter's values (as `with torch.no_grad(): p.copy_(src)`).
fn set(p: &Tensor, data: &[f32]) {
    let src = t(data, &p.size());
    libtorch::no_grad(|| call("aten::copy_", &[Arg::T(p), Arg::T(&src)]).unwrap());
}

fn v(x: &Tensor) -> Vec<f32> {
    x.to_vec::<f32>().unwrap()
}

fn close(a: &[f32], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len(), "lengths {a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        assert!((*x as f64 - y).abs() <= tol, "{a:?} vs {b:?}");
    }
}

fn rand(shape: &[i64]) -> Tensor {
    Tensor::randn_opts(shape, (Kind::Float, Device::Cpu))
}

fn names(m: &dyn Module) -> Vec<String> {
    m.named_parameters().into_iter().map(|(n, _)| n).collect()
}

#[test]
fn linear_values_by_hand() {
    let _rng = global_rng();
    let fc = Linear::new(3, 2);
    set(&fc.weight, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    set(fc.bias.as_ref().unwrap(), &[0.5, -1.0]);
    let y = fc.forward(&t(&[1.0, 0.0, -1.0, 2.0, 1.0, 0.0], &[2, 3]));
    assert_eq!(y.size(), [2, 2]);
    // [1-3+0.5, 4-6-1], [2+2+0.5, 8+5-1]
    close(&v(&y), &[-1.5, -3.0, 4.5, 12.0], 1e-6);
}

#[test]
fn linear_default_init_is_pytorchs() {
    let _rng = global_rng();
    libtorch::manual_seed(1);
    let fc = Linear::new(16, 64);
    let bound = 1.0 / 4.0; // kaiming_uniform(a=√5) on fan_in 16: 1/√16; bias U(±1/√16)
    let w = v(&fc.weight);
    assert!(w.iter().all(|x| x.abs() <= bound));
    // Spread over the whole interval, not a constant.
    assert!(w.iter().cloned().fold(f32::MIN, f32::max) > 0.8 * bound);
    assert!(w.iter().cloned().fold(f32::MAX, f32::min) < -0.8 * bound);
    assert!(v(fc.bias.as_ref().unwrap())
        .iter()
        .all(|x| x.abs() <= bound));
    assert!(fc.weight.requires_grad());
    // Seeded: the same weights again.
    libtorch::manual_seed(1);
    assert_eq!(v(&Linear::new(16, 64).weight), w);
    assert!(Linear::with_bias(3, 2, false).bias.is_none());
}

#[test]
fn conv2d_values_by_hand() {
    let _rng = global_rng();
    let conv = Conv2d::new(1, 1, 2, ConvConfig::default());
    set(&conv.weight, &[1.0, 2.0, 3.0, 4.0]);
    set(conv.bias.as_ref().unwrap(), &[1.0]);
    let x: Vec<f32> = (1..=9).map(|k| k as f32).collect();
    let y = conv.forward(&t(&x, &[1, 1, 3, 3]));
    assert_eq!(y.size(), [1, 1, 2, 2]);
    // Cross-correlation: y[i][j] = Σ w[a][b] x[i+a][j+b] + 1.
    let mut expect = vec![];
    for i in 0..2 {
        for j in 0..2 {
            let mut s = 1.0;
            for a in 0..2 {
                for b in 0..2 {
                    s += [1.0, 2.0, 3.0, 4.0][a * 2 + b] * x[(i + a) * 3 + j + b] as f64;
                }
            }
            expect.push(s);
        }
    }
    assert_eq!(expect, [38.0, 48.0, 68.0, 78.0]);
    close(&v(&y), &expect, 1e-5);
}

#[test]
fn conv_shapes() {
    let _rng = global_rng();
    let x1 = rand(&[2, 4, 10]);
    assert_eq!(
        Conv1d::new(4, 6, 3, ConvConfig::default())
            .forward(&x1)
            .size(),
        [2, 6, 8]
    );
    let x2 = rand(&[2, 4, 9, 9]);
    let c = Conv2d::new(4, 8, 3, ConvConfig::default().stride(2).padding(1));
    assert_eq!(c.weight.size(), [8, 4, 3, 3]);
    assert_eq!(c.forward(&x2).size(), [2, 8, 5, 5]);
    let g = Conv2d::new(4, 8, 3, ConvConfig::default().groups(2).bias(false));
    assert_eq!(g.weight.size(), [8, 2, 3, 3]);
    assert!(g.bias.is_none());
    let x3 = rand(&[1, 2, 5, 5, 5]);
    assert_eq!(
        Conv3d::new(2, 3, 3, ConvConfig::default())
            .forward(&x3)
            .size(),
        [1, 3, 3, 3, 3]
    );
    // Transposed: out = (in - 1)·stride - 2·pad + dilation·(k - 1) + output_padding + 1.
    let ct = ConvTranspose2d::new(4, 3, 3, ConvConfig::default().stride(2).output_padding(1));
    assert_eq!(ct.weight.size(), [4, 3, 3, 3]);
    assert_eq!(ct.forward(&x2).size(), [2, 3, 20, 20]);
    let ct1 = ConvTranspose1d::new(4, 2, 2, ConvConfig::default().stride(2));
    assert_eq!(ct1.forward(&x1).size(), [2, 2, 20]);
    // Conv init: bounds from fan_in = in/groups · k².
    let b = 1.0 / ((4 * 9) as f32).sqrt();
    assert!(v(&c.weight).iter().all(|x| x.abs() <= b));
}

#[test]
fn pooling_values_and_shapes() {
    let _rng = global_rng();
    let x: Vec<f32> = (0..16).map(|k| k as f32).collect();
    let x = t(&x, &[1, 1, 4, 4]);
    close(
        &v(&MaxPool2d::new(2).forward(&x)),
        &[5.0, 7.0, 13.0, 15.0],
        0.0,
    );
    close(
        &v(&AvgPool2d::new(2).forward(&x)),
        &[2.5, 4.5, 10.5, 12.5],
        1e-6,
    );
    let a = AdaptiveAvgPool2d {
        output_size: (1, 1),
    }
    .forward(&x);
    assert_eq!(a.size(), [1, 1, 1, 1]);
    close(&v(&a), &[7.5], 1e-6);
    let s = t(&[1.0, 3.0, 2.0, 0.0], &[1, 1, 4]);
    close(&v(&MaxPool1d { kernel: 2 }.forward(&s)), &[3.0, 2.0], 0.0);
    close(&v(&AvgPool1d { kernel: 2 }.forward(&s)), &[2.0, 1.0], 0.0);
}

#[test]
fn layer_norm_values_by_hand() {
    let _rng = global_rng();
    let ln = LayerNorm::new(&[3]);
    set(&ln.weight, &[1.0, 2.0, 0.5]);
    set(&ln.bias, &[0.0, 1.0, -1.0]);
    let x = [1.0f32, 2.0, 6.0, -1.0, 0.0, 1.0];
    let y = ln.forward(&t(&x, &[2, 3]));
    let mut expect = vec![];
    for row in x.chunks(3) {
        let m = row.iter().map(|&a| a as f64).sum::<f64>() / 3.0;
        let var = row.iter().map(|&a| (a as f64 - m).powi(2)).sum::<f64>() / 3.0; // biased
        for (k, &a) in row.iter().enumerate() {
            let n = (a as f64 - m) / (var + 1e-5).sqrt();
            expect.push(n * [1.0, 2.0, 0.5][k] + [0.0, 1.0, -1.0][k]);
        }
    }
    close(&v(&y), &expect, 1e-5);
    assert_eq!(names(&ln), ["weight", "bias"]);
}

#[test]
fn group_norm_and_batch_norm_shapes() {
    let _rng = global_rng();
    let x = rand(&[2, 4, 3, 3]);
    let gn = GroupNorm::new(2, 4);
    let y = gn.forward(&x);
    assert_eq!(y.size(), [2, 4, 3, 3]);
    // Each (sample, group) is normalised: mean ≈ 0.
    let yv = v(&y);
    for chunk in yv.chunks(18) {
        assert!(chunk.iter().sum::<f32>().abs() / 18.0 < 1e-5);
    }
    assert_eq!(BatchNorm2d::new(4).forward(&x).size(), [2, 4, 3, 3]);
    assert_eq!(BatchNorm1d::new(4).forward(&rand(&[5, 4])).size(), [5, 4]);
}

#[test]
fn batch_norm_running_stats_train_vs_eval() {
    let _rng = global_rng();
    let mut bn = BatchNorm1d::new(2);
    let x = [1.0f32, 10.0, 3.0, 20.0, 5.0, 30.0];
    let xt = t(&x, &[3, 2]);
    let y = bn.forward(&xt);
    // Training: normalised with the batch mean and biased variance.
    let col = |c: usize| -> Vec<f64> { (0..3).map(|r| x[r * 2 + c] as f64).collect() };
    let mut expect = vec![0.0; 6];
    let mut run_mean = vec![];
    let mut run_var = vec![];
    for c in 0..2 {
        let xs = col(c);
        let m = xs.iter().sum::<f64>() / 3.0;
        let var_b = xs.iter().map(|a| (a - m).powi(2)).sum::<f64>() / 3.0;
        let var_u = xs.iter().map(|a| (a - m).powi(2)).sum::<f64>() / 2.0;
        for r in 0..3 {
            expect[r * 2 + c] = (xs[r] - m) / (var_b + 1e-5).sqrt();
        }
        run_mean.push(0.9 * 0.0 + 0.1 * m);
        run_var.push(0.9 * 1.0 + 0.1 * var_u);
    }
    close(&v(&y), &expect, 1e-4);
    close(&v(&bn.running_mean), &run_mean, 1e-5);
    close(&v(&bn.running_var), &run_var, 1e-4);
    assert_eq!(bn.num_batches_tracked.int64_value(), 1);
    // Eval: the running statistics, which do not change.
    bn.eval();
    assert!(!bn.is_training());
    let y = bn.forward(&xt);
    let mut expect = vec![0.0; 6];
    for r in 0..3 {
        for c in 0..2 {
            expect[r * 2 + c] = (x[r * 2 + c] as f64 - run_mean[c]) / (run_var[c] + 1e-5).sqrt();
        }
    }
    close(&v(&y), &expect, 1e-4);
    close(&v(&bn.running_mean), &run_mean, 1e-5);
    assert_eq!(bn.num_batches_tracked.int64_value(), 1);
    let bufs: Vec<String> = bn.named_buffers().into_iter().map(|(n, _)| n).collect();
    assert_eq!(bufs, ["running_mean", "running_var", "num_batches_tracked"]);
}

#[test]
fn dropout_train_vs_eval() {
    let _rng = global_rng();
    libtorch::manual_seed(0);
    let mut d = Dropout::new(0.5);
    let x = t(&[1.0; 1000], &[1000]);
    let y = v(&d.forward(&x));
    // Training: each element dropped (0) or scaled by 1/(1-p) = 2.
    assert!(y.iter().all(|&a| a == 0.0 || a == 2.0));
    let zeros = y.iter().filter(|&&a| a == 0.0).count();
    assert!((400..600).contains(&zeros), "{zeros} zeros");
    d.eval();
    assert_eq!(v(&d.forward(&x)), vec![1.0; 1000]);
}

#[test]
fn embedding_lookup() {
    let _rng = global_rng();
    libtorch::manual_seed(0);
    let e = Embedding::new(10, 3);
    let w = v(&e.weight);
    let idx = Tensor::from_data(&[2i64, 0, 2, 9], &[2, 2]).unwrap();
    let y = e.forward(&idx);
    assert_eq!(y.size(), [2, 2, 3]);
    let y = v(&y);
    assert_eq!(&y[0..3], &w[6..9]);
    assert_eq!(&y[3..6], &w[0..3]);
    assert_eq!(&y[9..12], &w[27..30]);
    // N(0, 1): sample std not far from 1 over 30 draws.
    let big = Embedding::new(1000, 10);
    let bw = v(&big.weight);
    let mean = bw.iter().sum::<f32>() / bw.len() as f32;
    let var = bw.iter().map(|a| (a - mean).powi(2)).sum::<f32>() / bw.len() as f32;
    assert!(
        mean.abs() < 0.05 && (var - 1.0).abs() < 0.05,
        "{mean} {var}"
    );
    let p = Embedding::with_padding_idx(5, 2, 1);
    assert_eq!(&v(&p.weight)[2..4], &[0.0, 0.0]);
}

#[test]
fn bilinear_values() {
    let _rng = global_rng();
    let b = Bilinear::new(2, 3, 1);
    set(&b.weight, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    set(b.bias.as_ref().unwrap(), &[0.5]);
    let y = b
        .forward2(&t(&[1.0, 2.0], &[1, 2]), &t(&[1.0, 0.0, -1.0], &[1, 3]))
        .unwrap();
    // x1ᵀ W x2 + b = 1·(1 - 3) + 2·(4 - 6) + 0.5
    close(&v(&y), &[-5.5], 1e-6);
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[test]
fn lstm_values_against_reference() {
    let _rng = global_rng();
    libtorch::manual_seed(3);
    let (inp, hid) = (2usize, 3usize);
    let lstm = Rnn::lstm(
        inp as i64,
        hid as i64,
        RnnConfig::default().batch_first(true),
    );
    let p = |n: &str| -> Vec<f64> {
        v(lstm.parameter(n).unwrap())
            .into_iter()
            .map(f64::from)
            .collect()
    };
    let (wih, whh, bih, bhh) = (
        p("weight_ih_l0"),
        p("weight_hh_l0"),
        p("bias_ih_l0"),
        p("bias_hh_l0"),
    );
    // Init bound 1/√H.
    assert!(wih.iter().all(|x| x.abs() <= 1.0 / (hid as f64).sqrt()));
    let xs = [0.5f32, -1.0, 0.25, 2.0, -0.75, 0.1];
    let (y, (hn, cn)) = lstm.forward_lstm(&t(&xs, &[1, 3, 2]), None).unwrap();
    assert_eq!(y.size(), [1, 3, 3]);
    assert_eq!(hn.size(), [1, 1, 3]);
    // PyTorch's LSTM: gates = W_ih x + b_ih + W_hh h + b_hh split as i, f, g, o.
    let mut h = vec![0.0; hid];
    let mut c = vec![0.0; hid];
    let mut outs = vec![];
    for step in 0..3 {
        let x = &xs[step * inp..(step + 1) * inp];
        let mut gates = vec![0.0; 4 * hid];
        for (r, gate) in gates.iter_mut().enumerate() {
            let mut s = bih[r] + bhh[r];
            for k in 0..inp {
                s += wih[r * inp + k] * x[k] as f64;
            }
            for k in 0..hid {
                s += whh[r * hid + k] * h[k];
            }
            *gate = s;
        }
        for j in 0..hid {
            let i = sigmoid(gates[j]);
            let f = sigmoid(gates[hid + j]);
            let g = gates[2 * hid + j].tanh();
            let o = sigmoid(gates[3 * hid + j]);
            c[j] = f * c[j] + i * g;
            h[j] = o * c[j].tanh();
        }
        outs.extend_from_slice(&h);
    }
    close(&v(&y), &outs, 1e-5);
    close(&v(&hn), &h, 1e-5);
    close(&v(&cn), &c, 1e-5);
}

#[test]
fn rnn_gru_shapes_and_names() {
    let _rng = global_rng();
    let cfg = RnnConfig::default().num_layers(2).bidirectional(true);
    let gru = Rnn::gru(3, 4, cfg);
    let x = rand(&[5, 2, 3]); // [L, N, in]
    let (y, h) = gru.forward_hidden(&x, None).unwrap();
    assert_eq!(y.size(), [5, 2, 8]);
    assert_eq!(h.size(), [4, 2, 4]);
    assert_eq!(gru.parameter("weight_ih_l1").unwrap().size(), [12, 8]);
    assert_eq!(
        names(&gru)[..8],
        [
            "weight_ih_l0",
            "weight_hh_l0",
            "bias_ih_l0",
            "bias_hh_l0",
            "weight_ih_l0_reverse",
            "weight_hh_l0_reverse",
            "bias_ih_l0_reverse",
            "bias_hh_l0_reverse"
        ]
    );
    let rnn = Rnn::new(3, 4, RnnConfig::default().batch_first(true));
    assert_eq!(rnn.forward(&rand(&[2, 5, 3])).size(), [2, 5, 4]);
    let relu = Rnn::with_mode(RnnMode::Relu, 3, 4, RnnConfig::default());
    assert!(v(&relu.forward(&x)).iter().all(|&a| a >= 0.0));
    assert!(gru.forward_lstm(&x, None).is_err());
}

#[test]
fn multihead_attention_against_reference() {
    let _rng = global_rng();
    libtorch::manual_seed(5);
    let (e, heads, l, n) = (4usize, 2usize, 3usize, 1usize);
    let mha = MultiheadAttention::new(e as i64, heads as i64, true);
    assert_eq!(
        names(&mha),
        [
            "in_proj_weight",
            "in_proj_bias",
            "out_proj.weight",
            "out_proj.bias"
        ]
    );
    // Give the biases values too, so they are checked.
    let ib: Vec<f32> = (0..3 * e).map(|k| 0.05 * k as f32).collect();
    set(&mha.in_proj_bias, &ib);
    set(mha.out_proj.bias.as_ref().unwrap(), &[0.1, -0.2, 0.3, 0.0]);
    let w: Vec<f64> = v(&mha.in_proj_weight).into_iter().map(f64::from).collect();
    let ow: Vec<f64> = v(&mha.out_proj.weight).into_iter().map(f64::from).collect();
    let ob = [0.1, -0.2, 0.3, 0.0];
    let xs: Vec<f32> = (0..n * l * e)
        .map(|k| ((k * 7 % 5) as f32 - 2.0) * 0.3)
        .collect();
    let (y, attn) = mha
        .forward_qkv(
            &t(&xs, &[1, 3, 4]),
            &t(&xs, &[1, 3, 4]),
            &t(&xs, &[1, 3, 4]),
            None,
        )
        .unwrap();
    assert_eq!(y.size(), [1, 3, 4]);
    assert_eq!(attn.size(), [1, 3, 3]);
    // Reference: q/k/v = x W_{q,k,v}ᵀ + b; per head softmax(q kᵀ/√d) v; concat; out_proj.
    let proj = |part: usize, row: usize| -> Vec<f64> {
        (0..e)
            .map(|o| {
                let r = part * e + o;
                ib[r] as f64
                    + (0..e)
                        .map(|k| w[r * e + k] * xs[row * e + k] as f64)
                        .sum::<f64>()
            })
            .collect()
    };
    let q: Vec<Vec<f64>> = (0..l).map(|r| proj(0, r)).collect();
    let k: Vec<Vec<f64>> = (0..l).map(|r| proj(1, r)).collect();
    let vv: Vec<Vec<f64>> = (0..l).map(|r| proj(2, r)).collect();
    let d = e / heads;
    let mut concat = vec![vec![0.0; e]; l];
    let mut avg = vec![vec![0.0; l]; l];
    for hh in 0..heads {
        for i in 0..l {
            let s: Vec<f64> = (0..l)
                .map(|j| {
                    (0..d)
                        .map(|c| q[i][hh * d + c] * k[j][hh * d + c])
                        .sum::<f64>()
                        / (d as f64).sqrt()
                })
                .collect();
            let mx = s.iter().cloned().fold(f64::MIN, f64::max);
            let z: f64 = s.iter().map(|a| (a - mx).exp()).sum();
            let a: Vec<f64> = s.iter().map(|x| (x - mx).exp() / z).collect();
            for j in 0..l {
                avg[i][j] += a[j] / heads as f64;
                for c in 0..d {
                    concat[i][hh * d + c] += a[j] * vv[j][hh * d + c];
                }
            }
        }
    }
    let mut expect = vec![];
    for row in &concat {
        for o in 0..e {
            expect.push(ob[o] + (0..e).map(|c| ow[o * e + c] * row[c]).sum::<f64>());
        }
    }
    close(&v(&y), &expect, 1e-5);
    close(&v(&attn), &avg.concat(), 1e-5);
    // Sequence-first layout gives the same numbers transposed (N = 1: same memory order).
    let mut mha2 = MultiheadAttention::new(4, 2, false);
    mha2.load_state_dict(&mha.state_dict()).unwrap();
    mha2.eval();
    let (y2, _) = mha2
        .forward_qkv(
            &t(&xs, &[3, 1, 4]),
            &t(&xs, &[3, 1, 4]),
            &t(&xs, &[3, 1, 4]),
            None,
        )
        .unwrap();
    close(&v(&y2), &expect, 1e-5);
}

#[test]
fn activations_values() {
    let _rng = global_rng();
    let x = t(&[-2.0, -0.5, 0.0, 1.5], &[4]);
    let xs = [-2.0f64, -0.5, 0.0, 1.5];
    let map = |f: &dyn Fn(f64) -> f64| -> Vec<f64> { xs.iter().map(|&a| f(a)).collect() };
    close(&v(&ReLU.forward(&x)), &map(&|a| a.max(0.0)), 0.0);
    close(&v(&Tanh.forward(&x)), &map(&|a| a.tanh()), 1e-6);
    close(&v(&Sigmoid.forward(&x)), &map(&sigmoid), 1e-6);
    close(&v(&SiLU.forward(&x)), &map(&|a| a * sigmoid(a)), 1e-6);
    close(
        &v(&LeakyReLU::default().forward(&x)),
        &map(&|a| if a > 0.0 { a } else { 0.01 * a }),
        1e-7,
    );
    close(
        &v(&ReLU6.forward(&t(&[-1.0, 3.0, 7.0], &[3]))),
        &[0.0, 3.0, 6.0],
        0.0,
    );
    // GELU (exact): x Φ(x); Φ(-0.5) = 0.30853753872598688, Φ(1.5) = 0.9331927987311419,
    // Φ(-2) = 0.022750131948179195.
    close(
        &v(&GELU::default().forward(&x)),
        &[
            -2.0 * 0.022750131948179195,
            -0.5 * 0.308_537_538_725_986_9,
            0.0,
            1.5 * 0.9331927987311419,
        ],
        1e-6,
    );
    let sm = v(&Softmax { dim: 0 }.forward(&x));
    let z: f64 = xs.iter().map(|a| a.exp()).sum();
    close(&sm, &map(&|a| a.exp() / z), 1e-6);
    close(
        &v(&LogSoftmax { dim: 0 }.forward(&x)),
        &map(&|a| a - z.ln()),
        1e-6,
    );
    let f = Flatten::default().forward(&rand(&[2, 3, 4]));
    assert_eq!(f.size(), [2, 12]);
}

#[test]
fn sequential_names_train_eval_freeze_and_kinds() {
    let _rng = global_rng();
    let mut net = Sequential::new()
        .add(Linear::new(2, 3))
        .add(ReLU)
        .add(Dropout::new(0.5))
        .add(BatchNorm1d::new(3))
        .add_fn(libtorch::nn::functional::f_tanh);
    assert_eq!(net.len(), 5);
    assert_eq!(names(&net), ["0.weight", "0.bias", "3.weight", "3.bias"]);
    let sd: Vec<String> = net.state_dict().into_keys().collect();
    assert_eq!(
        sd,
        [
            "0.weight",
            "0.bias",
            "3.weight",
            "3.bias",
            "3.running_mean",
            "3.running_var",
            "3.num_batches_tracked"
        ]
    );
    assert_eq!(net.num_parameters(), 6 + 3 + 3 + 3);
    net.eval();
    assert!(!net.is_training() && !net.get(2).unwrap().is_training());
    // In eval mode dropout passes its input through and batch norm uses its running
    // statistics (mean 0, variance 1 when fresh, γ = 1, β = 0): y = tanh(relu(Wx + b) / √(1 + ε)),
    // computed here in f64.
    let (w, b) = ([[1.0, -1.0], [0.5, 2.0], [-1.0, 0.0]], [0.1, 0.2, 0.3]);
    let p = net.parameters();
    set(&p[0], &[1.0, -1.0, 0.5, 2.0, -1.0, 0.0]);
    set(&p[1], &[0.1, 0.2, 0.3]);
    let xs = [1.0f32, 2.0, 3.0, -1.0, -0.5, 0.25, 0.0, 0.0];
    let want: Vec<f64> = xs
        .chunks(2)
        .flat_map(|r| {
            (0..3).map(move |j| {
                let h = w[j][0] * r[0] as f64 + w[j][1] * r[1] as f64 + b[j];
                (h.max(0.0) / (1.0f64 + 1e-5).sqrt()).tanh()
            })
        })
        .collect();
    let x = t(&xs, &[4, 2]);
    close(&v(&net.forward(&x)), &want, 1e-6);
    // And again: eval draws nothing.
    close(&v(&net.forward(&x)), &want, 1e-6);
    net.freeze(true);
    assert!(net.parameters().iter().all(|p| !p.requires_grad()));
    net.freeze(false);
    assert!(net.parameters().iter().all(|p| p.requires_grad()));
    // to_kind converts in place, unless something outside the module holds a parameter (it
    // could be reading it on another thread): then nothing changes.
    let params = net.parameters();
    let e = net.to_kind(Kind::Double).unwrap_err();
    assert!(
        e.message()
            .contains("`0.weight` is also held outside the module"),
        "{e}"
    );
    assert!(net.parameters().iter().all(|p| p.kind() == Kind::Float));
    drop((params, p));
    net.to_kind(Kind::Double).unwrap();
    assert!(net.parameters().iter().all(|p| p.kind() == Kind::Double));
    assert_eq!(
        net.forward(&t(&[1.0, 2.0], &[1, 2]).to_opts((Kind::Double, Device::Cpu)))
            .kind(),
        Kind::Double
    );
    // Integer buffers keep their kind.
    assert_eq!(
        net.state_dict()["3.num_batches_tracked"].kind(),
        Kind::Int64
    );
}

#[test]
fn load_state_dict_checks_names_and_shapes() {
    let _rng = global_rng();
    let a = Linear::new(3, 2);
    let b = Linear::new(3, 2);
    b.load_state_dict(&a.state_dict()).unwrap();
    assert_eq!(v(&b.weight), v(&a.weight));
    let mut sd = a.state_dict();
    sd.remove("bias");
    let e = b.load_state_dict(&sd).unwrap_err();
    assert!(e.to_string().contains("bias"), "{e}");
    let c = Linear::new(4, 2);
    assert!(c.load_state_dict(&a.state_dict()).is_err());
}

#[test]
fn linear_gradients_flow() {
    let _rng = global_rng();
    let fc = Linear::new(2, 1);
    set(&fc.weight, &[1.0, -1.0]);
    set(fc.bias.as_ref().unwrap(), &[0.0]);
    let x = t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let y = fc.forward(&x); // [-1, -1]
    let loss = functional::mse_loss_with(&y, &t(&[0.0, 0.0], &[2, 1]), Reduction::Sum, None);
    loss.backward();
    // d/dW Σ (W x)² = Σ 2 (W x) x = 2·(-1)·[1,2] + 2·(-1)·[3,4]
    close(&v(&fc.weight.grad()), &[-8.0, -12.0], 1e-6);
    close(&v(&fc.bias.as_ref().unwrap().grad()), &[-4.0], 1e-6);
}
