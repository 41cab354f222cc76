//! `nn::init`: bounds, moments and structure of each initialiser.
use libtorch::nn::init::{self, FanMode, Nonlinearity};
use libtorch::Tensor;

/// libtorch's default generator is global and `cargo test` runs this file's tests on parallel
/// threads: a test that seeds it and compares what it draws (or a layer's initial weights)
/// must not interleave with another test drawing from it. Every test here holds this lock.
fn global_rng() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn zeros(shape: &[i64]) -> Tensor {
    let n: i64 = shape.iter().product();
    Tensor::from_data(&vec![0.0f32; n as usize], shape).unwrap()
}

fn stats(t: &Tensor) -> (f64, f64, f64) {
    let v: Vec<f64> = t
        .to_vec::<f32>()
        .unwrap()
        .into_iter()
        .map(f64::from)
        .collect();
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|a| (a - m).powi(2)).sum::<f64>() / v.len() as f64;
    let mx = v.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    (m, var.sqrt(), mx)
}

#[test]
fn gains_and_fans() {
    let _rng = global_rng();
    assert_eq!(init::calculate_gain(Nonlinearity::Tanh), 5.0 / 3.0);
    assert_eq!(init::calculate_gain(Nonlinearity::Relu), 2f64.sqrt());
    assert!(
        (init::calculate_gain(Nonlinearity::LeakyRelu(5f64.sqrt())) - (1.0f64 / 3.0).sqrt()).abs()
            < 1e-12
    );
    assert_eq!(
        init::calculate_fan_in_and_fan_out(&zeros(&[8, 4, 3, 3])).unwrap(),
        (36, 72)
    );
    assert!(init::calculate_fan_in_and_fan_out(&zeros(&[8])).is_err());
}

#[test]
fn constant_uniform_normal() {
    let _rng = global_rng();
    libtorch::manual_seed(0);
    let t = zeros(&[100, 100]);
    init::constant_(&t, 0.25).unwrap();
    assert!(t.to_vec::<f32>().unwrap().iter().all(|&a| a == 0.25));
    init::ones_(&t).unwrap();
    assert!(t.to_vec::<f32>().unwrap().iter().all(|&a| a == 1.0));
    init::zeros_(&t).unwrap();
    assert!(t.to_vec::<f32>().unwrap().iter().all(|&a| a == 0.0));
    init::uniform_(&t, -2.0, 2.0).unwrap();
    let (m, sd, mx) = stats(&t);
    // U(-2, 2): mean 0, std 4/√12.
    assert!(m.abs() < 0.05 && (sd - 4.0 / 12f64.sqrt()).abs() < 0.02 && mx <= 2.0);
    init::normal_(&t, 1.0, 0.5).unwrap();
    let (m, sd, _) = stats(&t);
    assert!((m - 1.0).abs() < 0.02 && (sd - 0.5).abs() < 0.02);
}

#[test]
fn xavier_and_kaiming() {
    let _rng = global_rng();
    libtorch::manual_seed(0);
    let t = zeros(&[200, 300]);
    init::xavier_uniform_(&t, 1.0).unwrap();
    let a = (6.0f64 / 500.0).sqrt();
    let (_, sd, mx) = stats(&t);
    assert!(mx <= a && (sd - a / 3f64.sqrt()).abs() < 0.002);
    init::xavier_normal_(&t, 2.0).unwrap();
    let (_, sd, _) = stats(&t);
    assert!((sd - 2.0 * (2.0f64 / 500.0).sqrt()).abs() < 0.003);
    init::kaiming_uniform_(&t, 0.0, FanMode::FanIn, Nonlinearity::Relu).unwrap();
    let b = 2f64.sqrt() * (3.0f64 / 300.0).sqrt();
    let (_, _, mx) = stats(&t);
    assert!(mx <= b && mx > 0.95 * b);
    init::kaiming_normal_(&t, 0.0, FanMode::FanOut, Nonlinearity::Relu).unwrap();
    let (_, sd, _) = stats(&t);
    assert!((sd - (2.0f64 / 200.0).sqrt()).abs() < 0.003);
}

#[test]
fn orthogonal_rows_are_orthonormal() {
    let _rng = global_rng();
    libtorch::manual_seed(0);
    let t = zeros(&[3, 5]);
    init::orthogonal_(&t, 1.0).unwrap();
    let v: Vec<f64> = t
        .to_vec::<f32>()
        .unwrap()
        .into_iter()
        .map(f64::from)
        .collect();
    for i in 0..3 {
        for j in 0..3 {
            let dot: f64 = (0..5).map(|k| v[i * 5 + k] * v[j * 5 + k]).sum();
            let want = if i == j { 1.0 } else { 0.0 };
            assert!((dot - want).abs() < 1e-5, "row {i}·row {j} = {dot}");
        }
    }
}

#[test]
fn multihead_attention_draws_in_pytorchs_order() {
    // torch 2.11.0: torch.manual_seed(0); m = nn.MultiheadAttention(4, 2);
    // m.in_proj_weight.view(torch.int32).flatten()[:4], m.out_proj.weight likewise.
    // PyTorch builds (and initialises) out_proj before drawing in_proj_weight.
    let _g = global_rng();
    libtorch::manual_seed(0);
    let m = libtorch::nn::MultiheadAttention::new(4, 2, false);
    let bits = |t: &Tensor| -> Vec<i32> {
        let v = t.flatten().to_vec::<f32>().unwrap();
        v[..4].iter().map(|x| x.to_bits() as i32).collect()
    };
    assert_eq!(
        bits(&m.in_proj_weight),
        [1046725417, 1057107327, -1107227378, 1055563560]
    );
    assert_eq!(
        bits(&m.out_proj.weight),
        [-1149938688, 1049187422, -1093487850, -1094949248]
    );
    assert_eq!(m.in_proj_bias.to_vec::<f32>().unwrap(), [0.0; 12]);
}
