//! hasktorch's two serving examples (`examples/model-serving` 01 and 02): `GET /compute2x/{x}`
//! and `GET /inference/{a}/{b}/{c}`, answering the same JSON, `[{"msg": ..., "result": [x]}]`.
use libtorch::nn::{functional as F, Linear, Module};
use libtorch::optim::{Optimizer, Sgd};
use libtorch::{Device, Kind, Tensor};
use std::path::Path;

/// hasktorch's 02 example's ground truth: `y = x · [42, 64, 96] + 3.14`.
pub const TRUE_WEIGHT: [f32; 3] = [42.0, 64.0, 96.0];
/// The ground truth's bias (hasktorch's `3.14`, not π).
#[allow(clippy::approx_constant)]
pub const TRUE_BIAS: f32 = 3.14;

/// The body of one answer: hasktorch's `Result { msg :: String, result :: [Float] }`.
#[derive(serde::Serialize, Debug)]
pub struct Answer {
    pub msg: String,
    pub result: Vec<f32>,
}

/// `compute2x`: `2.0 * x` computed on a tensor, with hasktorch's message.
pub fn compute2x(x: f32) -> libtorch::Result<Vec<Answer>> {
    let y = (Tensor::from_slice(&[x]) * 2.0).to_vec::<f32>()?[0];
    Ok(vec![Answer {
        msg: format!(
            "f(x) = 2.0 * x is {} for x = {}",
            haskell_show(y),
            haskell_show(x)
        ),
        result: vec![y],
    }])
}

/// `inference`: the regression model on `[a, b, c]`.
pub fn inference(model: &Linear, x: [f32; 3]) -> libtorch::Result<Vec<Answer>> {
    let y = libtorch::no_grad(|| model.f_forward(&Tensor::from_slice(&x)))?;
    Ok(vec![Answer {
        msg: "infer".into(),
        result: y.to_vec::<f32>()?,
    }])
}

/// hasktorch's 02 example's training, as it does it: a `Linear(3, 1)` fitted by plain gradient
/// descent (lr 5e-3) on 2000 fresh batches of 4 standard-normal inputs, seed 31415.
pub fn train_regression() -> libtorch::Result<Linear> {
    libtorch::manual_seed(31415);
    let w = Tensor::from_data(&TRUE_WEIGHT, &[1, 3])?;
    let b = Tensor::from_slice(&[TRUE_BIAS]);
    let model = Linear::new(3, 1);
    let mut opt = Sgd::new(model.parameters(), 5e-3);
    for _ in 0..2000 {
        let x = Tensor::f_randn_opts(&[4, 3], (Kind::Float, Device::Cpu))?;
        let y = F::f_linear_with(&x, &w, Some(&b))?;
        let loss = F::f_mse_loss(&model.f_forward(&x)?, &y)?;
        opt.zero_grad();
        loss.backward_with(None, false, false)?;
        opt.step()?;
    }
    Ok(model)
}

/// A `Linear(3, 1)` state_dict saved with `serialize::save_module`.
pub fn load_regression(path: &Path) -> libtorch::Result<Linear> {
    let model = Linear::new(3, 1);
    libtorch::serialize::load_module(&model, path)?;
    Ok(model)
}

/// A float as Haskell's `show` writes it: the shortest digits that read back, in fixed
/// notation with at least one decimal for `0.1 <= |x| < 10^7`, else as `d.ddde-2`.
pub fn haskell_show(x: f32) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let a = x.abs();
    if (0.1..1e7).contains(&a) {
        let s = format!("{x}");
        if s.contains('.') {
            s
        } else {
            s + ".0"
        }
    } else {
        // Rust's `{:e}` gives the same shortest digits: `1e-2`, `1.2345e7`.
        let s = format!("{x:e}");
        let (mant, exp) = s.split_once('e').expect("exponent form");
        if mant.contains('.') {
            format!("{mant}e{exp}")
        } else {
            format!("{mant}.0e{exp}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_floats_as_haskell() {
        // Values from GHCi: `show (6.2 :: Float)` and so on.
        assert_eq!(haskell_show(6.2), "6.2");
        assert_eq!(haskell_show(2.0), "2.0");
        assert_eq!(haskell_show(-3.5), "-3.5");
        assert_eq!(haskell_show(0.05), "5.0e-2");
        assert_eq!(haskell_show(1.2345e7), "1.2345e7");
        assert_eq!(haskell_show(0.1), "0.1");
        assert_eq!(haskell_show(0.0), "0.0");
    }

    #[test]
    fn compute2x_answers_as_hasktorch() {
        let a = compute2x(3.1).unwrap();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"[{"msg":"f(x) = 2.0 * x is 6.2 for x = 3.1","result":[6.2]}]"#
        );
    }
}
