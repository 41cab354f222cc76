//! Rust names: from an overload's `operator_name` and `overload_name` to its Rust base name, the
//! ATen header declaring it, and the collision checks between generated names.

use crate::model::Op;
use std::collections::BTreeMap;

/// `add`+`Tensor` -> `add` (when no plain `add` exists), `add`+`Scalar` -> `add_scalar`,
/// `add_`+`Scalar` -> `add_scalar_`, `__iand__`+`Tensor` -> `iand`, `sum`+`dim_IntList` ->
/// `sum_dim_intlist`. Lowercase throughout.
pub fn rust_name(operator: &str, overload: &str, has_plain: bool) -> String {
    let (stem, inplace) = if let Some(inner) = operator
        .strip_prefix("__")
        .and_then(|s| s.strip_suffix("__"))
    {
        (inner, false)
    } else if let Some(stem) = operator.strip_suffix('_') {
        (stem, true)
    } else {
        (operator, false)
    };
    let mut name = stem.to_lowercase();
    if !(overload.is_empty() || overload == "Tensor" && !has_plain) {
        name.push('_');
        name.push_str(&overload.to_lowercase());
    }
    if inplace {
        name.push('_');
    }
    name
}

/// The header `ATen/ops/<name>_ops.h` declaring an operator's `_ops` structs: torchgen's root
/// name (no in-place underscore, no dunder, no `_functional` suffix).
pub fn header_of(operator: &str) -> String {
    const AUGMENTED: [&str; 5] = ["and", "or", "xor", "lshift", "rshift"];
    if let Some(inner) = operator
        .strip_prefix("__")
        .and_then(|s| s.strip_suffix("__"))
    {
        return match inner.strip_prefix('i') {
            Some(base) if AUGMENTED.contains(&base) => base.to_owned(),
            _ => inner.to_owned(),
        };
    }
    let base = operator.strip_suffix('_').unwrap_or(operator);
    base.strip_suffix("_functional").unwrap_or(base).to_owned()
}

/// A function's identifier: a keyword that may be raw is written so (`where` -> `r#where`, for
/// `torch.where`); see [`may_be_raw`].
pub fn fn_ident(name: &str) -> proc_macro2::Ident {
    if is_rust_keyword(name) {
        proc_macro2::Ident::new_raw(name, proc_macro2::Span::call_site())
    } else {
        proc_macro2::Ident::new(name, proc_macro2::Span::call_site())
    }
}

/// Whether a name that is a keyword can be a raw identifier (`r#where`); `self`, `Self`,
/// `super` and `crate` cannot.
pub fn may_be_raw(s: &str) -> bool {
    !matches!(s, "self" | "Self" | "super" | "crate" | "_")
}

pub fn is_rust_keyword(s: &str) -> bool {
    const KW: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe",
        "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
        "gen",
    ];
    KW.contains(&s)
}

/// Every Rust function name an op produces: `NAME`, `f_NAME`, and with defaults `NAME_with`,
/// `f_NAME_with` (only those two for a `with_only` op); the same for its hidden schema alias,
/// under the forms the op had before it was renamed.
pub fn fn_names(op: &Op) -> Vec<String> {
    let mut v = Vec::new();
    let n = &op.rust_name;
    if !op.with_only {
        v.push(n.clone());
        v.push(format!("f_{n}"));
    }
    if op.has_with() {
        v.push(format!("{n}_with"));
        v.push(format!("f_{n}_with"));
    }
    if let Some(n) = &op.schema_alias {
        v.push(n.clone());
        v.push(format!("f_{n}"));
        if op.has_defaults() {
            v.push(format!("{n}_with"));
            v.push(format!("f_{n}_with"));
        }
    }
    v
}

pub fn check_collisions(ops: &[Op]) -> Result<(), String> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut errors = Vec::new();
    for op in ops {
        for n in fn_names(op) {
            if let Some(other) = seen.insert(n.clone(), &op.key) {
                errors.push(format!("`{n}` from both `{other}` and `{}`", op.key));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "generated name collisions (add renames to spec/rules.yaml):\n  {}",
            errors.join("\n  ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming() {
        assert_eq!(rust_name("add", "Tensor", false), "add");
        assert_eq!(rust_name("add", "Scalar", false), "add_scalar");
        assert_eq!(rust_name("add", "out", false), "add_out");
        assert_eq!(rust_name("add_", "Tensor", false), "add_");
        assert_eq!(rust_name("add_", "Scalar", false), "add_scalar_");
        assert_eq!(rust_name("sum", "dim_IntList", true), "sum_dim_intlist");
        assert_eq!(rust_name("pow", "Tensor", true), "pow_tensor");
        assert_eq!(rust_name("__and__", "Scalar", false), "and_scalar");
        assert_eq!(rust_name("_cast_Byte", "", false), "_cast_byte");
        assert!(is_rust_keyword("where"));
    }

    #[test]
    fn headers() {
        assert_eq!(header_of("add_"), "add");
        assert_eq!(header_of("__iand__"), "and");
        assert_eq!(header_of("__and__"), "and");
        assert_eq!(header_of("__getitem__"), "getitem");
        assert_eq!(header_of("normal_functional"), "normal");
        assert_eq!(header_of("_foreach_add_"), "_foreach_add");
    }
}
