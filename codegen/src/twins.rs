//! Step 2b: a tensor or a number, where PyTorch takes either.
//!
//! Many operators come as twin overloads that differ only in one argument being a `Tensor` in
//! one (`add.Tensor`, `gt.Tensor`, `pow.Tensor_Tensor`) and a `Scalar` in the other
//! (`add.Scalar`, `gt.Scalar`, `pow.Tensor_Scalar`). Python's argument parser picks the overload
//! from the value, so a PyTorch user writes `x.add(1)`, `x.gt(y)`, `x.pow(2)`. Here the tensor
//! twin's argument becomes `impl TensorOrNumber`: a tensor runs the tensor overload as before, a
//! number calls the scalar twin (with its own guards). The merged function takes the
//! operator's plain name (`pow`, not `pow_tensor_tensor`; `where`, written `r#where`) when no
//! other declaration holds it; where the scalar twin held it (`clamp_min`), the scalar twin
//! moves to `NAME_scalar`, and the plain name, now taking either, still accepts every call it
//! accepted.
//!
//! Twins are matched on everything but that one argument: the same operator, argument names,
//! kinds and defaults, and returns. Neither `self` nor a first argument is ever the merged one (a
//! number `self` makes an associated function, `Tensor::pow_scalar(2, &x)`, not a method; the
//! factories' first arguments, `linspace(start, ...)`, stay as declared). `out=` overloads are
//! merged but keep their schema names.
//!
//! The same holds for optional arguments: `clamp.Tensor(Tensor? min, Tensor? max)` and
//! `clamp(Scalar? min, Scalar? max)` merge into `clamp(min, max)`, each bound a tensor, a number
//! or None (`impl OptionalTensorOrNumber`); numbers (or no bound) run the `Scalar?` twin, a
//! tensor and a number together are an `Err`, as Python refuses the mix. Those arguments are
//! taken by the plain form too (`x.clamp(-1, 1)`, `x.clamp(0, None)`), as PyTorch takes them
//! positionally, though each may be None. A renamed tensor twin keeps its schema name hidden.

use crate::kinds::ArgKind;
use crate::model::{NumberTwin, Op};
use crate::naming::{is_rust_keyword, may_be_raw, rust_name};
use std::collections::{BTreeMap, BTreeSet};

/// Merges every twin pair in `ops`; `renamed` holds the keys whose names spec/rules.yaml fixes
/// (those keep their names), `wrapped` the scalar twins Python never calls (a number then goes
/// to the tensor twin as a wrapped-number tensor). A `wrapped` key naming no scalar twin is an
/// error.
pub fn merge(
    ops: &mut [Op],
    renamed: &BTreeSet<String>,
    wrapped: &BTreeMap<String, String>,
) -> Result<(), String> {
    let mut by_operator: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, op) in ops.iter().enumerate() {
        by_operator.entry(operator(op)).or_default().push(i);
    }
    let mut pairs = Vec::new();
    for family in by_operator.values() {
        let mut used = BTreeSet::new();
        for &t in family {
            for &s in family {
                if used.contains(&t) || used.contains(&s) || t == s {
                    continue;
                }
                if let Some(twin) = twin_positions(&ops[t], &ops[s]) {
                    used.insert(t);
                    used.insert(s);
                    pairs.push((t, twin, s));
                }
            }
        }
    }
    let mut names: BTreeSet<String> = ops.iter().map(|o| o.rust_name.clone()).collect();
    for &(t, _, s) in &pairs {
        let plain = rust_name(operator(&ops[t]), "", false);
        // `out=` overloads keep their schema names (`pow_tensor_tensor_out`): the plain name
        // belongs to the functional form.
        let writes_out = ops[t].args.iter().any(|a| a.output);
        if writes_out
            || ops[t].rust_name == plain
            || renamed.contains(&ops[t].key)
            || renamed.contains(&ops[s].key)
            || is_rust_keyword(&plain) && !may_be_raw(&plain)
        {
            continue;
        }
        if ops[s].rust_name == plain {
            let moved = rust_name(operator(&ops[s]), "Scalar", true);
            if names.contains(&moved) {
                continue;
            }
            names.insert(moved.clone());
            ops[s].rust_name = moved;
        } else if names.contains(&plain) {
            continue;
        }
        names.remove(&ops[t].rust_name);
        names.insert(plain.clone());
        // The schema-derived name stays callable, hidden (as plain_names.rs keeps it).
        let old = std::mem::replace(&mut ops[t].rust_name, plain);
        ops[t].schema_alias.get_or_insert(old);
    }
    let mut unused: BTreeSet<&String> = wrapped.keys().collect();
    for (t, twin, s) in pairs {
        let (path, positions) = match twin {
            Twin::Number(k) if unused.remove(&ops[s].key) => (NumberTwin::Wrapped, vec![k]),
            Twin::Number(k) => (NumberTwin::Call(ops[s].full_fn_name()), vec![k]),
            Twin::Optional(ks) => (NumberTwin::Optional(ops[s].full_fn_name()), ks),
        };
        for k in positions {
            ops[t].args[k].number_twin = Some(path.clone());
        }
    }
    match unused.first() {
        Some(key) => Err(format!(
            "spec/rules.yaml numbers_as_tensors: `{key}` is no Scalar twin of a tensor overload"
        )),
        None => Ok(()),
    }
}

/// `add` of `add.Tensor`, `add_` of `add_.Scalar`.
fn operator(op: &Op) -> &str {
    op.key.split('.').next().unwrap_or(&op.key)
}

/// Where a tensor overload `t` takes numbers in its twin `s`.
enum Twin {
    /// One `Tensor` argument that is a `Scalar` in `s`.
    Number(usize),
    /// `Tensor?` arguments that are `Scalar?` in `s`, with the same defaults (`clamp.Tensor`'s
    /// `min` and `max`): Python takes all tensors or all numbers there.
    Optional(Vec<usize>),
}

/// The argument positions where `t` takes a tensor and `s` a number, everything else equal: one
/// `Tensor`/`Scalar` position, or any number of `Tensor?`/`Scalar?` ones.
fn twin_positions(t: &Op, s: &Op) -> Option<Twin> {
    if t.args.len() != s.args.len() || t.returns != s.returns || t.is_method != s.is_method {
        return None;
    }
    let mut number = None;
    let mut optional = Vec::new();
    for (k, (a, b)) in t.args.iter().zip(&s.args).enumerate() {
        if a.name == b.name && a.kind == b.kind && a.default == b.default && a.output == b.output {
            continue;
        }
        let eligible = !a.output && k > 0 && a.name != "self" && b.name != "self";
        let plain = a.kind
            == (ArgKind::Tensor {
                mutable: false,
                cpp_lvalue: false,
            })
            && b.kind == ArgKind::Scalar
            && a.default.is_none()
            && b.default.is_none();
        let opt = a.kind == ArgKind::OptTensor
            && b.kind == ArgKind::OptScalar
            && a.name == b.name
            && a.default == b.default;
        if eligible && plain && number.is_none() {
            number = Some(k);
        } else if eligible && opt {
            optional.push(k);
        } else {
            return None;
        }
    }
    match (number, optional.is_empty()) {
        (Some(k), true) => Some(Twin::Number(k)),
        (None, false) => Some(Twin::Optional(optional)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::NumberTwin;
    use crate::model::{build, Op};
    use crate::spec::{load_declarations, load_rules};
    use std::path::Path;

    fn model() -> Vec<Op> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let decls = load_declarations(&root.join("spec/Declarations.yaml")).unwrap();
        let rules = load_rules(&root.join("spec/rules.yaml")).unwrap();
        build(&decls, &rules).unwrap().ops
    }

    fn find<'a>(ops: &'a [Op], key: &str) -> &'a Op {
        ops.iter().find(|o| o.key == key).unwrap()
    }

    fn twin(op: &Op, arg: &str) -> Option<String> {
        match op
            .args
            .iter()
            .find(|a| a.name == arg)?
            .number_twin
            .clone()?
        {
            NumberTwin::Call(f) | NumberTwin::Optional(f) => Some(f),
            NumberTwin::Wrapped => Some("wrapped".into()),
        }
    }

    #[test]
    fn twins_merge_under_pytorch_names() {
        let ops = model();
        // Python never calls add.Scalar: a number goes to add.Tensor, wrapped.
        let add = find(&ops, "add.Tensor");
        assert_eq!(add.rust_name, "add");
        assert_eq!(twin(add, "other").as_deref(), Some("wrapped"));
        let gt = find(&ops, "gt.Tensor");
        assert_eq!(twin(gt, "other").as_deref(), Some("f_gt_scalar"));
        // No plain `pow` existed: the tensor twin takes it.
        let pow = find(&ops, "pow.Tensor_Tensor");
        assert_eq!(pow.rust_name, "pow");
        assert_eq!(
            twin(pow, "exponent").as_deref(),
            Some("f_pow_tensor_scalar")
        );
        // The scalar twin held the plain name: it moves aside, the merged form takes it.
        assert_eq!(find(&ops, "clamp_min.Tensor").rust_name, "clamp_min");
        assert_eq!(find(&ops, "clamp_min").rust_name, "clamp_min_scalar");
        assert_eq!(find(&ops, "clamp_min_").rust_name, "clamp_min_scalar_");
        // A keyword plain name is written raw (`Tensor::r#where`); the schema name stays hidden.
        let w = find(&ops, "where.self");
        assert_eq!(w.rust_name, "where");
        assert_eq!(w.schema_alias.as_deref(), Some("where_self"));
        // Different argument names at the merged position are fine (`src` / `value`).
        let scatter = find(&ops, "scatter.src");
        assert_eq!(scatter.rust_name, "scatter");
        assert_eq!(twin(scatter, "src").as_deref(), Some("f_scatter_value"));
        // `out=` forms merge but keep their schema names.
        let out = find(&ops, "pow.Tensor_Tensor_out");
        assert_eq!(out.rust_name, "pow_tensor_tensor_out");
        assert!(twin(out, "exponent").is_some());
    }

    #[test]
    fn self_and_first_arguments_are_never_merged() {
        let ops = model();
        // `pow.Scalar(Scalar self, Tensor exponent)` differs from `pow.Tensor_Tensor` in `self`.
        assert!(find(&ops, "pow.Scalar")
            .args
            .iter()
            .all(|a| a.number_twin.is_none()));
        let start = &find(&ops, "linspace.Tensor_Tensor").args[0];
        assert_eq!(start.name, "start");
        assert!(start.number_twin.is_none());
    }

    #[test]
    fn optional_tensors_take_numbers_or_none() {
        let ops = model();
        // `clamp.Tensor(Tensor? min, Tensor? max)` / `clamp(Scalar? min, Scalar? max)`.
        let clamp = find(&ops, "clamp.Tensor");
        assert_eq!(clamp.rust_name, "clamp");
        assert_eq!(clamp.schema_alias.as_deref(), Some("clamp_tensor"));
        for arg in ["min", "max"] {
            assert_eq!(twin(clamp, arg).as_deref(), Some("f_clamp_scalar_with"));
        }
        assert_eq!(find(&ops, "clamp").rust_name, "clamp_scalar");
        assert_eq!(find(&ops, "clamp_.Tensor").rust_name, "clamp_");
        assert_eq!(find(&ops, "clip.Tensor").rust_name, "clip");
        // The plain forms take both bounds, though each may be None.
        assert!(clamp.args.iter().skip(1).all(Op::required));
    }
}
