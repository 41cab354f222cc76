//! Scheduler state dicts: PyTorch's attribute names and Python's types, read and written.
use super::{bad, Core};
use crate::{IValue, Result};

const OP: &str = "load_state_dict";

pub(crate) fn floats(v: &[f64]) -> IValue {
    IValue::List(v.iter().map(|&x| IValue::Double(x)).collect())
}

/// The attributes every `LRScheduler` has, in PyTorch's order.
pub(crate) fn core_entries(c: &Core) -> Vec<(&'static str, IValue)> {
    vec![
        ("base_lrs", floats(&c.base_lrs)),
        ("last_epoch", IValue::Int(c.last_epoch)),
        ("_step_count", IValue::Int(c.step_count)),
        ("_is_initial", IValue::Bool(false)),
        ("_get_lr_called_within_step", IValue::Bool(false)),
        ("_last_lr", floats(&c.last_lr)),
    ]
}

/// Takes those attributes from `st` into `c`; the lists must keep their lengths.
pub(crate) fn load_core(c: &mut Core, st: &IValue) -> Result<()> {
    let n = c.base_lrs.len();
    if let Some(v) = opt_float_list(st, "base_lrs", n)? {
        c.base_lrs = v;
    }
    if let Some(v) = opt_float_list(st, "_last_lr", n)? {
        c.last_lr = v;
    }
    if let Some(e) = opt_int(st, "last_epoch")? {
        c.last_epoch = e;
    }
    if let Some(e) = opt_int(st, "_step_count")? {
        c.step_count = e;
    }
    Ok(())
}

fn not_a(key: &str, what: &str, v: &IValue) -> crate::Error {
    bad(
        OP,
        format!("scheduler state `{key}` is a {}, not {what}", v.type_name()),
    )
}

pub(crate) fn opt_int(st: &IValue, key: &str) -> Result<Option<i64>> {
    match st.get(key) {
        None => Ok(None),
        Some(v @ IValue::Int(_)) => Ok(v.as_int()),
        // Python writes `T_cur` as a float after a fractional epoch.
        Some(IValue::Double(d)) if d.fract() == 0.0 && d.abs() < 9.0e15 => Ok(Some(*d as i64)),
        Some(v) => Err(not_a(key, "an int", v)),
    }
}

pub(crate) fn opt_float(st: &IValue, key: &str) -> Result<Option<f64>> {
    match st.get(key) {
        None => Ok(None),
        Some(v @ (IValue::Int(_) | IValue::Double(_))) => Ok(v.as_double()),
        Some(v) => Err(not_a(key, "a number", v)),
    }
}

pub(crate) fn opt_bool(st: &IValue, key: &str) -> Result<Option<bool>> {
    match st.get(key) {
        None => Ok(None),
        Some(IValue::Bool(b)) => Ok(Some(*b)),
        Some(v) => Err(not_a(key, "a bool", v)),
    }
}

pub(crate) fn opt_str<'a>(st: &'a IValue, key: &str) -> Result<Option<&'a str>> {
    match st.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .map(Some)
            .ok_or_else(|| not_a(key, "a string", v)),
    }
}

/// A list of `n` numbers.
pub(crate) fn opt_float_list(st: &IValue, key: &str, n: usize) -> Result<Option<Vec<f64>>> {
    match st.get(key) {
        None => Ok(None),
        Some(v) => {
            let items = v.as_slice().ok_or_else(|| not_a(key, "a list", v))?;
            if items.len() != n {
                return Err(bad(
                    OP,
                    format!(
                        "scheduler state `{key}` has {} values, the scheduler {n} groups",
                        items.len()
                    ),
                ));
            }
            items
                .iter()
                .map(|x| {
                    x.as_double()
                        .ok_or_else(|| not_a(key, "a list of numbers", v))
                })
                .collect::<Result<Vec<f64>>>()
                .map(Some)
        }
    }
}

/// Sets `*slot` from `key` where the state has it.
pub(crate) fn take_float(st: &IValue, key: &str, slot: &mut f64) -> Result<()> {
    if let Some(v) = opt_float(st, key)? {
        *slot = v;
    }
    Ok(())
}

pub(crate) fn take_int(st: &IValue, key: &str, slot: &mut i64) -> Result<()> {
    if let Some(v) = opt_int(st, key)? {
        *slot = v;
    }
    Ok(())
}
