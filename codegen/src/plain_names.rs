//! Step 2c: PyTorch's plain name for the one overload people mean.
//!
//! An operator without an unnamed overload gets its overload's name as a suffix
//! (`select.int` -> `select_int`), which no PyTorch user guesses. Where exactly one overload of
//! an operator is a candidate — not an `out=` form, and not a named-tensor form taking
//! `Dimname`s (`select.Dimname`), which Python reaches by passing a string — that overload
//! takes the plain name: `select`, `transpose`, `softmax`, `flatten`, `unbind`,
//! `scatter_reduce`. Its schema name stays callable, hidden from the docs, so code written
//! against it keeps compiling. A name spec/rules.yaml fixes (`renames`) is kept.

use crate::kinds::ArgKind;
use crate::model::Op;
use crate::naming::rust_name;
use std::collections::{BTreeMap, BTreeSet};

pub fn assign(ops: &mut [Op], renamed: &BTreeSet<String>) {
    let mut names: BTreeSet<String> = ops.iter().map(|o| o.rust_name.clone()).collect();
    let mut families: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, op) in ops.iter().enumerate() {
        let operator = op.key.split('.').next().unwrap_or(&op.key).to_owned();
        families.entry(operator).or_default().push(i);
    }
    for (operator, members) in families {
        let plain = rust_name(&operator, "", false);
        if names.contains(&plain) {
            continue;
        }
        let candidates: Vec<usize> = members
            .into_iter()
            .filter(|&i| {
                ops[i].args.iter().all(|a| {
                    !a.output
                        && !matches!(
                            a.kind,
                            ArgKind::Dimname | ArgKind::DimnameList | ArgKind::OptDimnameList
                        )
                })
            })
            .collect();
        let [only] = candidates[..] else { continue };
        if renamed.contains(&ops[only].key) {
            continue;
        }
        let op = &mut ops[only];
        names.insert(plain.clone());
        op.schema_alias = Some(std::mem::replace(&mut op.rust_name, plain));
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{build, Op};
    use crate::spec::{load_declarations, load_rules};
    use std::path::Path;

    #[test]
    fn the_one_overload_people_mean_takes_the_plain_name() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let decls = load_declarations(&root.join("spec/Declarations.yaml")).unwrap();
        let rules = load_rules(&root.join("spec/rules.yaml")).unwrap();
        let ops = build(&decls, &rules).unwrap().ops;
        let named = |key: &str| -> (String, Option<String>) {
            let op: &Op = ops.iter().find(|o| o.key == key).unwrap();
            (op.rust_name.clone(), op.schema_alias.clone())
        };
        for (key, plain, alias) in [
            ("select.int", "select", "select_int"),
            ("transpose.int", "transpose", "transpose_int"),
            ("softmax.int", "softmax", "softmax_int"),
            ("flatten.using_ints", "flatten", "flatten_using_ints"),
            ("unbind.int", "unbind", "unbind_int"),
        ] {
            assert_eq!(named(key), (plain.into(), Some(alias.into())), "{key}");
        }
        // The named-tensor and out= forms keep their schema names.
        assert_eq!(named("select.Dimname"), ("select_dimname".into(), None));
        assert_eq!(named("softmax.int_out"), ("softmax_int_out".into(), None));
        // A plain overload exists: nothing moves.
        assert_eq!(named("max.dim"), ("max_dim".into(), None));
    }
}
