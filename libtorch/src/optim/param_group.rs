//! Hyper-parameters as `torch.optim` writes them in a state dict's `param_groups` entries, read
//! and written with the types PyTorch uses (`lr` a float, `betas` a tuple, `nesterov` a bool).
use crate::{Error, IValue, Result};

fn bad(message: impl Into<String>) -> Error {
    Error::invalid("load_state_dict", message)
}

/// A number PyTorch wrote in a param group (an int where a float is expected is fine, as in
/// Python).
pub(crate) fn float(group: &IValue, key: &str, current: f64) -> Result<f64> {
    match group.get(key) {
        None => Ok(current),
        Some(v) => match v {
            IValue::Double(_) | IValue::Int(_) => Ok(v.as_double().unwrap()),
            // A tensor learning rate (`lr=torch.tensor(0.01)`): its value.
            IValue::Tensor(t) if t.numel() == 1 => t.item_as::<f64>(),
            other => Err(bad(format!(
                "param group `{key}` is a {}, not a number",
                other.type_name()
            ))),
        },
    }
}

pub(crate) fn boolean(group: &IValue, key: &str, current: bool) -> Result<bool> {
    match group.get(key) {
        None => Ok(current),
        Some(IValue::Bool(b)) => Ok(*b),
        Some(other) => Err(bad(format!(
            "param group `{key}` is a {}, not a bool",
            other.type_name()
        ))),
    }
}

/// A pair of numbers (`betas`).
pub(crate) fn pair(group: &IValue, key: &str, current: (f64, f64)) -> Result<(f64, f64)> {
    match group.get(key) {
        None => Ok(current),
        Some(v) => match v.as_slice() {
            Some([a, b]) => match (a.as_double(), b.as_double()) {
                (Some(a), Some(b)) => Ok((a, b)),
                _ => Err(bad(format!(
                    "param group `{key}` does not hold two numbers"
                ))),
            },
            _ => Err(bad(format!("param group `{key}` is not a pair"))),
        },
    }
}

/// Refuses a group whose flag asks for what this optimizer does not do (`maximize=True`).
pub(crate) fn unsupported_flag(group: &IValue, key: &str, optimizer: &str) -> Result<()> {
    if boolean(group, key, false)? {
        return Err(bad(format!(
            "the state dict's {optimizer} uses `{key}=True`, which this {optimizer} does not support"
        )));
    }
    Ok(())
}

/// `(name, value)` pairs of a param group, in PyTorch's order, numbers as floats.
pub(crate) fn entries(pairs: &[(&'static str, f64)]) -> Vec<(&'static str, IValue)> {
    pairs.iter().map(|&(k, v)| (k, IValue::Double(v))).collect()
}

/// `foreach`: `None` (PyTorch's default) or a bool.
pub(crate) fn optional_bool(v: Option<bool>) -> IValue {
    v.map_or(IValue::None, IValue::Bool)
}

pub(crate) fn optional_boolean(
    group: &IValue,
    key: &str,
    current: Option<bool>,
) -> Result<Option<bool>> {
    match group.get(key) {
        None => Ok(current),
        Some(IValue::None) => Ok(None),
        Some(_) => boolean(group, key, false).map(Some),
    }
}
