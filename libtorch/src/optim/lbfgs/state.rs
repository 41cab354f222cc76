//! LBFGS's state dict in torch.optim's layout: one param group, and the whole state on the
//! first parameter (`func_evals`, `n_iter`, `d`, `t`, `old_dirs`, `old_stps`, `ro`, `H_diag`,
//! `prev_flat_grad`, `prev_loss`, `al`), scalars as Python holds them (floats, or 0-dim
//! float32 tensors).
use super::num::Num;
use super::{Lbfgs, LineSearch, State};
use crate::optim::param_group as pg;
use crate::{Error, IValue, Result, Tensor};

const OP: &str = "load_state_dict";

fn bad(m: impl Into<String>) -> Error {
    Error::invalid(OP, m)
}

fn num_value(n: Num) -> IValue {
    match n {
        Num::F(v) => IValue::Double(v),
        Num::T(v) => IValue::Tensor(Tensor::scalar(v)),
    }
}

fn num_of(key: &str, v: &IValue) -> Result<Num> {
    match v {
        IValue::Double(d) => Ok(Num::F(*d)),
        IValue::Int(i) => Ok(Num::F(*i as f64)),
        IValue::Tensor(t) if t.numel() == 1 => Ok(Num::T(t.item_as::<f32>()?)),
        other => Err(bad(format!(
            "LBFGS state `{key}` is a {}, not a number",
            other.type_name()
        ))),
    }
}

fn tensor_of(key: &str, v: &IValue) -> Result<Tensor> {
    v.as_tensor()
        .map(crate::nn::ops::deep_clone)
        .transpose()?
        .ok_or_else(|| bad(format!("LBFGS state `{key}` is not a tensor")))
}

fn list<'a>(key: &str, v: &'a IValue) -> Result<&'a [IValue]> {
    v.as_slice()
        .ok_or_else(|| bad(format!("LBFGS state `{key}` is not a list")))
}

fn copy(t: &Tensor) -> Result<IValue> {
    Ok(IValue::Tensor(crate::nn::ops::deep_clone(t)?))
}

impl Lbfgs {
    pub(super) fn group(&self) -> Vec<(&'static str, IValue)> {
        let o = &self.o;
        let mut g = vec![
            ("lr", IValue::Double(o.lr)),
            ("max_iter", IValue::Int(o.max_iter)),
            ("max_eval", IValue::Int(o.max_eval_or_default())),
            ("tolerance_grad", IValue::Double(o.tolerance_grad)),
            ("tolerance_change", IValue::Double(o.tolerance_change)),
            ("history_size", IValue::Int(o.history_size as i64)),
            (
                "line_search_fn",
                match o.line_search_fn {
                    None => IValue::None,
                    Some(LineSearch::StrongWolfe) => IValue::String("strong_wolfe".into()),
                },
            ),
        ];
        if let Some(lr) = self.initial_lr {
            g.push(("initial_lr", IValue::Double(lr)));
        }
        g
    }

    pub(super) fn state_entries(&self) -> Result<Vec<(String, IValue)>> {
        let s = &self.state;
        let mut e: Vec<(String, IValue)> = vec![
            ("func_evals".into(), IValue::Int(s.func_evals)),
            ("n_iter".into(), IValue::Int(s.n_iter)),
        ];
        let Some(d) = &s.d else {
            return Ok(e);
        };
        let tensors = |v: &[Tensor]| -> Result<IValue> {
            Ok(IValue::List(v.iter().map(copy).collect::<Result<_>>()?))
        };
        e.push(("d".into(), copy(d)?));
        e.push(("t".into(), num_value(s.t.unwrap_or(Num::F(0.0)))));
        e.push(("old_dirs".into(), tensors(&s.old_dirs)?));
        e.push(("old_stps".into(), tensors(&s.old_stps)?));
        e.push((
            "ro".into(),
            IValue::List(s.ro.iter().map(|&n| num_value(n)).collect()),
        ));
        e.push((
            "H_diag".into(),
            match s.h_diag {
                Some(Num::F(1.0)) => IValue::Int(1),
                Some(n) => num_value(n),
                None => IValue::None,
            },
        ));
        if let Some(p) = &s.prev_flat_grad {
            e.push(("prev_flat_grad".into(), copy(p)?));
        }
        e.push((
            "prev_loss".into(),
            s.prev_loss.map_or(IValue::None, IValue::Double),
        ));
        if let Some(al) = &s.al {
            e.push((
                "al".into(),
                IValue::List(
                    al.iter()
                        .map(|a| a.map_or(IValue::None, num_value))
                        .collect(),
                ),
            ));
        }
        Ok(e)
    }

    /// Reads a saved group and state; nothing changes on an error.
    pub(super) fn load(&mut self, sd: &IValue) -> Result<()> {
        let groups = sd
            .get("param_groups")
            .and_then(IValue::as_slice)
            .ok_or_else(|| bad("the state dict has no `param_groups` list"))?;
        let [g] = groups else {
            return Err(bad(format!(
                "LBFGS has one parameter group, the state dict {}",
                groups.len()
            )));
        };
        let n = g
            .get("params")
            .and_then(IValue::as_slice)
            .map_or(0, <[IValue]>::len);
        if n != self.params.len() {
            return Err(bad(format!(
                "param group 0 has {n} parameters in the state dict, {} in the optimizer",
                self.params.len()
            )));
        }
        let mut o = self.o;
        o.lr = pg::float(g, "lr", o.lr)?;
        let int = |key: &str, cur: i64| -> Result<i64> {
            match g.get(key) {
                None => Ok(cur),
                Some(v) => v
                    .as_int()
                    .ok_or_else(|| bad(format!("param group `{key}` is not an int"))),
            }
        };
        o.max_iter = int("max_iter", o.max_iter)?;
        o.max_eval = Some(int("max_eval", o.max_eval_or_default())?);
        o.tolerance_grad = pg::float(g, "tolerance_grad", o.tolerance_grad)?;
        o.tolerance_change = pg::float(g, "tolerance_change", o.tolerance_change)?;
        let h = int("history_size", o.history_size as i64)?;
        o.history_size = usize::try_from(h).map_err(|_| bad("a negative history_size"))?;
        o.line_search_fn = match g.get("line_search_fn") {
            None => o.line_search_fn,
            Some(IValue::None) => None,
            Some(v) if v.as_str() == Some("strong_wolfe") => Some(LineSearch::StrongWolfe),
            Some(_) => return Err(bad("only 'strong_wolfe' is supported")),
        };
        o.validate()?;
        let initial_lr = match g.get("initial_lr") {
            None => None,
            Some(_) => Some(pg::float(g, "initial_lr", 0.0)?),
        };
        let mut s = State::default();
        let entries = match sd.get("state").and_then(IValue::as_dict) {
            None | Some([]) => &[][..],
            Some(e) => e,
        };
        for (id, st) in entries {
            if id.as_int() != Some(0) {
                return Err(bad(format!(
                    "LBFGS keeps its state on parameter 0, the state dict on {id:?}"
                )));
            }
            for (k, v) in st
                .as_dict()
                .ok_or_else(|| bad("the state of parameter 0 is not a dict"))?
            {
                let key = k.as_str().unwrap_or("");
                match key {
                    "func_evals" => s.func_evals = num_of(key, v)?.value() as i64,
                    "n_iter" => s.n_iter = num_of(key, v)?.value() as i64,
                    "d" => s.d = Some(tensor_of(key, v)?),
                    "t" => s.t = Some(num_of(key, v)?),
                    "old_dirs" => {
                        s.old_dirs = list(key, v)?
                            .iter()
                            .map(|t| tensor_of(key, t))
                            .collect::<Result<_>>()?
                    }
                    "old_stps" => {
                        s.old_stps = list(key, v)?
                            .iter()
                            .map(|t| tensor_of(key, t))
                            .collect::<Result<_>>()?
                    }
                    "ro" => {
                        s.ro = list(key, v)?
                            .iter()
                            .map(|t| num_of(key, t))
                            .collect::<Result<_>>()?
                    }
                    "H_diag" => s.h_diag = Some(num_of(key, v)?),
                    "prev_flat_grad" => s.prev_flat_grad = Some(tensor_of(key, v)?),
                    "prev_loss" => {
                        s.prev_loss = match v {
                            IValue::None => None,
                            v => Some(num_of(key, v)?.value()),
                        }
                    }
                    "al" => {
                        s.al = Some(
                            list(key, v)?
                                .iter()
                                .map(|a| match a {
                                    IValue::None => Ok(None),
                                    a => num_of(key, a).map(Some),
                                })
                                .collect::<Result<_>>()?,
                        )
                    }
                    other => return Err(bad(format!("unknown LBFGS state `{other}`"))),
                }
            }
        }
        if s.old_dirs.len() != s.old_stps.len() || s.old_dirs.len() != s.ro.len() {
            return Err(bad("LBFGS's old_dirs, old_stps and ro differ in length"));
        }
        self.o = o;
        self.state = s;
        self.initial_lr = initial_lr;
        Ok(())
    }
}
