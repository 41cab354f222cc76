//! Losses against values computed here from torch.nn.functional's definitions.
use libtorch::nn::functional as F;
use libtorch::nn::Reduction;
use libtorch::Tensor;

fn t(data: &[f32], shape: &[i64]) -> Tensor {
    Tensor::from_data(data, shape).unwrap()
}

fn s(x: Tensor) -> f64 {
    x.double_value()
}

fn near(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-5, "{a} vs {b}");
}

const X: [f32; 4] = [0.5, -1.0, 2.0, 0.0];
const Y: [f32; 4] = [1.0, 1.0, 0.0, 0.25];

fn each(f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    X.iter()
        .zip(&Y)
        .map(|(&a, &b)| f(a as f64, b as f64))
        .collect()
}

#[test]
fn regression_losses() {
    let (x, y) = (t(&X, &[4]), t(&Y, &[4]));
    let sq = each(|a, b| (a - b).powi(2));
    near(
        s(F::mse_loss_with(&x, &y, Reduction::Mean, None)),
        sq.iter().sum::<f64>() / 4.0,
    );
    near(
        s(F::mse_loss_with(&x, &y, Reduction::Sum, None)),
        sq.iter().sum(),
    );
    let none = F::mse_loss_with(&x, &y, Reduction::None, None);
    assert_eq!(none.size(), [4]);
    let ab = each(|a, b| (a - b).abs());
    near(s(F::l1_loss(&x, &y)), ab.iter().sum::<f64>() / 4.0);
    // smooth L1 with beta 1: 0.5 d² / beta if |d| < beta, else |d| - 0.5 beta.
    let beta = 1.0;
    let sl = each(|a, b| {
        let d = (a - b).abs();
        if d < beta {
            0.5 * d * d / beta
        } else {
            d - 0.5 * beta
        }
    });
    near(
        s(F::smooth_l1_loss_with(&x, &y, Reduction::Mean, beta)),
        sl.iter().sum::<f64>() / 4.0,
    );
}

fn log_softmax(row: &[f64]) -> Vec<f64> {
    let m = row.iter().cloned().fold(f64::MIN, f64::max);
    let z: f64 = row.iter().map(|a| (a - m).exp()).sum::<f64>().ln() + m;
    row.iter().map(|a| a - z).collect()
}

const LOGITS: [f32; 6] = [1.0, 2.0, 0.5, -1.0, 0.0, 3.0];

#[test]
fn cross_entropy_and_nll() {
    let logits = t(&LOGITS, &[2, 3]);
    let target = Tensor::from_data(&[1i64, 2], &[2]).unwrap();
    let rows: Vec<Vec<f64>> = LOGITS
        .chunks(3)
        .map(|r| log_softmax(&r.iter().map(|&a| a as f64).collect::<Vec<_>>()))
        .collect();
    let ce = -(rows[0][1] + rows[1][2]) / 2.0;
    near(
        s(F::cross_entropy_with(
            &logits,
            &target,
            None,
            -100,
            Reduction::Mean,
            0.0,
        )),
        ce,
    );
    // Ignored index: only the first sample counts.
    let tgt_ign = Tensor::from_data(&[1i64, -100], &[2]).unwrap();
    near(
        s(F::cross_entropy_with(
            &logits,
            &tgt_ign,
            None,
            -100,
            Reduction::Mean,
            0.0,
        )),
        -rows[0][1],
    );
    // Class weights: weighted mean Σ w_y l / Σ w_y.
    let w = t(&[1.0, 2.0, 3.0], &[3]);
    near(
        s(F::cross_entropy_with(
            &logits,
            &target,
            Some(&w),
            -100,
            Reduction::Mean,
            0.0,
        )),
        -(2.0 * rows[0][1] + 3.0 * rows[1][2]) / 5.0,
    );
    // Label smoothing ε: (1-ε)·CE + ε·mean over classes of -log p.
    let eps = 0.1;
    let smooth: f64 = [(0, 1), (1, 2)]
        .iter()
        .map(|&(r, c)| (1.0 - eps) * -rows[r][c] + eps * -rows[r].iter().sum::<f64>() / 3.0)
        .sum::<f64>()
        / 2.0;
    near(
        s(F::cross_entropy_with(
            &logits,
            &target,
            None,
            -100,
            Reduction::Mean,
            eps,
        )),
        smooth,
    );
    // Probabilities as targets: -Σ p log q, averaged over the batch.
    let probs = [0.2f32, 0.5, 0.3, 0.0, 0.1, 0.9];
    let pt = t(&probs, &[2, 3]);
    let expect: f64 = (0..2)
        .map(|r| {
            -(0..3)
                .map(|c| probs[r * 3 + c] as f64 * rows[r][c])
                .sum::<f64>()
        })
        .sum::<f64>()
        / 2.0;
    near(
        s(F::cross_entropy_with(
            &logits,
            &pt,
            None,
            -100,
            Reduction::Mean,
            0.0,
        )),
        expect,
    );
    // NLL on log-probabilities equals CE on logits.
    let lp = F::log_softmax(&logits, 1);
    near(
        s(F::nll_loss_with(&lp, &target, None, -100, Reduction::Mean)),
        ce,
    );
    near(
        s(F::nll_loss_with(&lp, &target, None, -100, Reduction::Sum)),
        2.0 * ce,
    );
}

#[test]
fn binary_losses() {
    let p = [0.9f32, 0.2, 0.6];
    let y = [1.0f32, 0.0, 0.0];
    let bce: f64 = p
        .iter()
        .zip(&y)
        .map(|(&p, &y)| -(y as f64 * (p as f64).ln() + (1.0 - y as f64) * (1.0 - p as f64).ln()))
        .sum::<f64>()
        / 3.0;
    near(s(F::binary_cross_entropy(&t(&p, &[3]), &t(&y, &[3]))), bce);
    let z = [2.0f32, -1.0, 0.3];
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    let pos_w = [1.0, 1.0, 1.0];
    let bcel = |pw: &[f64]| -> f64 {
        z.iter()
            .zip(&y)
            .zip(pw)
            .map(|((&z, &y), &pw)| {
                let (z, y) = (z as f64, y as f64);
                -(pw * y * sig(z).ln() + (1.0 - y) * (1.0 - sig(z)).ln())
            })
            .sum::<f64>()
            / 3.0
    };
    near(
        s(F::binary_cross_entropy_with_logits_with(
            &t(&z, &[3]),
            &t(&y, &[3]),
            None,
            Reduction::Mean,
            None,
        )),
        bcel(&pos_w),
    );
    let pw = t(&[3.0, 3.0, 3.0], &[3]);
    near(
        s(F::binary_cross_entropy_with_logits_with(
            &t(&z, &[3]),
            &t(&y, &[3]),
            None,
            Reduction::Mean,
            Some(&pw),
        )),
        bcel(&[3.0, 3.0, 3.0]),
    );
}

#[test]
fn kl_divergence() {
    let logq = [
        (0.2f64).ln(),
        (0.3f64).ln(),
        (0.5f64).ln(),
        (0.6f64).ln(),
        (0.3f64).ln(),
        (0.1f64).ln(),
    ];
    let p = [0.1f64, 0.4, 0.5, 0.3, 0.3, 0.4];
    let pointwise: Vec<f64> = logq
        .iter()
        .zip(&p)
        .map(|(lq, p)| p * (p.ln() - lq))
        .collect();
    let input = Tensor::from_data(&logq, &[2, 3]).unwrap();
    let target = Tensor::from_data(&p, &[2, 3]).unwrap();
    near(
        s(F::kl_div_with(&input, &target, Reduction::Sum, false)),
        pointwise.iter().sum(),
    );
    near(
        s(F::kl_div_with(&input, &target, Reduction::Mean, false)),
        pointwise.iter().sum::<f64>() / 6.0,
    );
    near(
        s(F::kl_div_batchmean(&input, &target)),
        pointwise.iter().sum::<f64>() / 2.0,
    );
    let logp = Tensor::from_data(&p.map(f64::ln), &[2, 3]).unwrap();
    near(
        s(F::kl_div_with(&input, &logp, Reduction::Sum, true)),
        pointwise.iter().sum(),
    );
}
