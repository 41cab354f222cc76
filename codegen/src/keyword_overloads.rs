//! Step 2a: overloads Python picks by an argument the user passes.
//!
//! Rust has no overloading, so each overload is a function of its own, by default named after
//! its schema overload (`sum.dim_IntList` -> `sum_dim_intlist`), which no PyTorch user guesses.
//! Where PyTorch picks the overload by an argument the call passes (`x.sum(dim=1)`,
//! `torch.arange(1, 10, 2)`, `x.div(y, rounding_mode="floor")`), spec/rules.yaml
//! `keyword_overloads` names it the way the call reads, one of three ways:
//!
//! - `!keyword ARG`: the operator's name and that argument's (`sum.dim_IntList: !keyword dim` ->
//!   `sum_dim`, as `mean_dim`, `max_dim` already are; in-place keeps its `_` last);
//! - `plain`: the operator's plain name, for the overload a call without keywords means
//!   (`norm.Scalar` -> `norm`);
//! - `!with_of KEY`: the `_with` form of overload `KEY` of the same operator, which this one
//!   extends by optional arguments (`div.Tensor_mode: !with_of div.Tensor` -> `div_with(&y,
//!   "floor")` next to `div(&y)`). When `KEY` has a `_with` form of its own, this overload must
//!   extend it by defaulted arguments only (`arange.start_step` adds `step=1` to
//!   `arange.start`): it then takes `KEY`'s name outright (its plain form is `KEY`'s, with the
//!   added defaults) and `KEY`, which it covers, is not bound.
//!
//! The schema-derived name stays callable, hidden from the docs (`schema_alias`), so code
//! written against it keeps compiling. A key naming no bound declaration, an argument the
//! declaration lacks, a `with_of` that it does not extend, or a name another overload holds is a
//! codegen error.

use crate::model::Op;
use crate::naming::rust_name;
use crate::spec::KeywordOverload;
use std::collections::{BTreeMap, BTreeSet};

pub fn apply(
    ops: &mut Vec<Op>,
    skipped: &mut Vec<(String, String)>,
    table: &BTreeMap<String, KeywordOverload>,
    renamed: &BTreeSet<String>,
) -> Result<(), String> {
    let index = |ops: &[Op], key: &str| -> Result<usize, String> {
        ops.iter()
            .position(|o| o.key == key)
            .ok_or_else(|| format!("`{key}` names no bound declaration"))
    };
    let mut covered = Vec::new();
    for (key, rule) in table {
        let i = index(ops, key)?;
        if renamed.contains(key) {
            return Err(format!(
                "`{key}` is also in `renames`; name it in one place"
            ));
        }
        let (operator, _) = key.split_once('.').unwrap_or((key, ""));
        let name = match rule {
            KeywordOverload::Plain => rust_name(operator, "", false),
            KeywordOverload::Keyword(arg) => {
                if !ops[i].args.iter().any(|a| &a.name == arg) {
                    return Err(format!("`{key}` has no argument `{arg}`"));
                }
                keyword_name(operator, arg)
            }
            KeywordOverload::WithOf(base) => {
                let b = index(ops, base)?;
                if base.split('.').next() != Some(operator) {
                    return Err(format!(
                        "`{key}`: `{base}` is an overload of another operator"
                    ));
                }
                let added = extension(&ops[b], &ops[i]).ok_or_else(|| {
                    format!(
                        "`{key}` does not extend `{base}` (the same arguments and returns, \
                         plus optional ones)"
                    )
                })?;
                let name = ops[b].rust_name.clone();
                if ops[b].has_defaults() {
                    // `base` has a `_with` form already: this overload takes its name outright.
                    if !added.iter().all(|&k| ops[i].args[k].default.is_some()) {
                        return Err(format!(
                            "`{key}` adds arguments without defaults to `{base}`, which has a \
                             `_with` form already"
                        ));
                    }
                    if !ops[b].guards.is_empty() {
                        return Err(format!(
                            "`{base}` is covered by `{key}` and no longer bound: move its \
                             guards to `{key}`"
                        ));
                    }
                    covered.push((base.clone(), key.clone()));
                } else {
                    ops[i].with_only = true;
                }
                name
            }
        };
        let holder = ops.iter().find(|o| {
            o.rust_name == name
                && !o.with_only
                && !covered.iter().any(|(c, _)| *c == o.key)
                && !matches!(rule, KeywordOverload::WithOf(b) if *b == o.key)
        });
        if let Some(other) = holder {
            return Err(format!("`{key}`: `{name}` is held by `{}`", other.key));
        }
        let op = &mut ops[i];
        op.schema_alias = Some(std::mem::replace(&mut op.rust_name, name));
    }
    for (base, by) in covered {
        let b = index(ops, &base)?;
        ops.remove(b);
        skipped.push((
            base,
            format!("covered by `{by}` (its `_with` form): spec/rules.yaml keyword_overloads"),
        ));
    }
    Ok(())
}

/// `sum` + `dim` -> `sum_dim`; `squeeze_` + `dim` -> `squeeze_dim_`.
fn keyword_name(operator: &str, arg: &str) -> String {
    let plain = rust_name(operator, "", false);
    match plain.strip_suffix('_') {
        Some(stem) => format!("{stem}_{arg}_"),
        None => format!("{plain}_{arg}"),
    }
}

/// The positions of `extended`'s arguments that `base` lacks, when `extended` is `base` plus
/// optional (nullable or defaulted) arguments: the same receiver, returns and, in order, the
/// same arguments otherwise.
fn extension(base: &Op, extended: &Op) -> Option<Vec<usize>> {
    if base.is_method != extended.is_method || base.returns != extended.returns {
        return None;
    }
    let mut added = Vec::new();
    let mut b = base.args.iter().peekable();
    for (k, a) in extended.args.iter().enumerate() {
        match b.peek() {
            Some(x) if x.name == a.name && x.kind == a.kind && x.default == a.default => {
                b.next();
            }
            _ if a.default.is_some() || a.kind.is_optional() => added.push(k),
            _ => return None,
        }
    }
    (b.peek().is_none() && !added.is_empty()).then_some(added)
}

#[cfg(test)]
mod tests {
    use super::keyword_name;
    use crate::model::{build, Model, Op};
    use crate::spec::{load_declarations, load_rules, KeywordOverload, Rules};
    use std::path::Path;

    fn model(edit: impl FnOnce(&mut Rules)) -> Result<Model, String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let decls = load_declarations(&root.join("spec/Declarations.yaml")).unwrap();
        let mut rules = load_rules(&root.join("spec/rules.yaml")).unwrap();
        edit(&mut rules);
        build(&decls, &rules)
    }

    #[test]
    fn keyword_chosen_overloads_take_the_keyword_name() {
        let m = model(|_| {}).unwrap();
        let named = |key: &str| -> (String, Option<String>, bool) {
            let op: &Op = m.ops.iter().find(|o| o.key == key).unwrap();
            (op.rust_name.clone(), op.schema_alias.clone(), op.with_only)
        };
        for (key, name, alias) in [
            ("sum.dim_IntList", "sum_dim", "sum_dim_intlist"),
            ("prod.dim_int", "prod_dim", "prod_dim_int"),
            ("norm.ScalarOpt_dim", "norm_dim", "norm_scalaropt_dim"),
            ("norm.Scalar", "norm", "norm_scalar"),
            ("arange.start_step", "arange_start", "arange_start_step"),
        ] {
            assert_eq!(
                named(key),
                (name.into(), Some(alias.into()), false),
                "{key}"
            );
        }
        // An extension of an overload without a `_with` form becomes that form.
        assert_eq!(
            named("div.Tensor_mode"),
            ("div".into(), Some("div_tensor_mode".into()), true)
        );
        assert_eq!(
            named("div_.Tensor_mode"),
            ("div_".into(), Some("div_tensor_mode_".into()), true)
        );
        assert_eq!(named("div.Tensor"), ("div".into(), None, false));
        // One that has a `_with` form is covered by its extension and no longer bound.
        assert!(m.ops.iter().all(|o| o.key != "arange.start"));
        assert!(m.skipped.iter().any(|(k, _)| k == "arange.start"));
        // Names that already read as the call stay.
        assert_eq!(named("squeeze.dim"), ("squeeze_dim".into(), None, false));
        assert_eq!(named("randint.low"), ("randint_low".into(), None, false));
        assert_eq!(named("mean.dim"), ("mean_dim".into(), None, false));
        assert_eq!(keyword_name("squeeze_", "dim"), "squeeze_dim_");
    }

    #[test]
    fn bad_keyword_overloads_are_errors() {
        let with = |key: &str, rule: KeywordOverload| {
            model(|r| {
                r.keyword_overloads.insert(key.into(), rule);
            })
            .err()
            .unwrap_or_default()
        };
        let e = with("sum.no_such", KeywordOverload::Plain);
        assert!(
            e.contains("`sum.no_such` names no bound declaration"),
            "{e}"
        );
        let e = with("max.dim", KeywordOverload::Keyword("axis".into()));
        assert!(e.contains("`max.dim` has no argument `axis`"), "{e}");
        let e = with("max.dim", KeywordOverload::WithOf("sum".into()));
        assert!(e.contains("another operator"), "{e}");
        let e = with("max.dim", KeywordOverload::WithOf("max".into()));
        assert!(e.contains("does not extend"), "{e}");
        let e = with("mean.dim", KeywordOverload::Plain);
        assert!(e.contains("`mean` is held by `mean`"), "{e}");
    }
}
