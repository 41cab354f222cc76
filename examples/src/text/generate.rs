//! Sampling text from the model.
use super::model::TextLm;
use libtorch::{Kind, NoGradGuard, Tensor};

/// Continues `prompt` (token ids, at least one) by `n` tokens sampled one at a time from the
/// model's next-token distribution `softmax(logits / temperature)` with libtorch's generator
/// (seed it with `libtorch::manual_seed` for a repeatable sample), carrying the LSTM's state;
/// stops early after `stop` when given. Returns the new tokens only.
pub fn sample(
    model: &TextLm,
    prompt: &[i64],
    n: usize,
    temperature: f64,
    stop: Option<i64>,
) -> Result<Vec<i64>, String> {
    if prompt.is_empty() {
        return Err("sample: the prompt has no tokens".into());
    }
    if !(temperature > 0.0 && temperature.is_finite()) {
        return Err(format!(
            "sample: temperature {temperature} must be a positive number"
        ));
    }
    sample_unchecked(model, prompt, n, temperature, stop).map_err(|e| e.to_string())
}

fn sample_unchecked(
    model: &TextLm,
    prompt: &[i64],
    n: usize,
    temperature: f64,
    stop: Option<i64>,
) -> libtorch::Result<Vec<i64>> {
    let _g = NoGradGuard::new();
    let x = Tensor::from_data(prompt, &[1, prompt.len() as i64])?;
    let (mut logits, mut state) = model.forward_with_state(&x, None)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let last = logits.f_select(1, -1)?.f_div(temperature)?;
        let probs = last.f_softmax_with(-1, Some(Kind::Float))?;
        let next = probs.f_multinomial(1)?; // [1, 1]
        let id = next.int64_value();
        out.push(id);
        if Some(id) == stop {
            break;
        }
        (logits, state) = model.forward_with_state(&next, Some(&state))?;
    }
    Ok(out)
}
