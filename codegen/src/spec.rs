//! Step 1: the inputs, parsed into typed structs and nothing more.
//!
//! `spec/Declarations.yaml` (written by torchgen, never edited) and `spec/rules.yaml` (our
//! renames, skips and argument guards, each with a reason). No decisions are taken here; see
//! `model.rs`.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One entry of Declarations.yaml: one ATen operator overload.
#[derive(Debug, Deserialize)]
pub struct Declaration {
    pub operator_name: String,
    pub overload_name: String,
    pub schema_string: String,
    /// The arguments in schema order: the order of `at::_ops::<op>::call`.
    pub schema_order_arguments: Vec<Argument>,
    pub returns: Vec<Return>,
}

#[derive(Debug, Deserialize)]
pub struct Argument {
    pub name: String,
    /// The C++ type of the (non-SymInt) C++ signature, e.g. `const at::Tensor &`.
    #[serde(rename = "type")]
    pub cpp_type: String,
    /// The C++ default expression, when the schema has one (`false`, `::std::nullopt`, `{}`, `1`...).
    #[serde(default)]
    pub default: Option<serde_yaml_ng::Value>,
    /// An `out=` argument (the result is written into it, resized to the result's shape).
    #[serde(default)]
    pub output: bool,
}

#[derive(Debug, Deserialize)]
pub struct Return {
    #[serde(rename = "type")]
    pub cpp_type: String,
}

/// spec/rules.yaml: data that adjusts the generated API.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Rust base name overrides, keyed by `operator_name` or `operator_name.overload_name`.
    #[serde(default)]
    pub renames: BTreeMap<String, String>,
    /// Declarations not bound, keyed like `renames`, each with its reason.
    #[serde(default)]
    pub skips: BTreeMap<String, String>,
    /// Operators that change `self`'s sizes, strides or storage in place, keyed like `renames`,
    /// each with what it changes: the safe API runs them only on an exclusively owned `self`.
    #[serde(default)]
    pub exclusive: BTreeMap<String, String>,
    /// The operators of `exclusive` that may also reallocate `self`'s storage: `self`'s storage
    /// must not be shared either.
    #[serde(default)]
    pub exclusive_with_storage: BTreeMap<String, String>,
    /// `Scalar` overloads Python never calls, keyed like `renames`, each with its reason: a
    /// number reaches the tensor twin as a wrapped-number tensor instead (codegen/src/twins.rs).
    #[serde(default)]
    pub numbers_as_tensors: BTreeMap<String, String>,
    /// Argument checks run in the safe API before calling an operator that libtorch 2.11 would
    /// crash on (instead of raising an error) for some arguments, keyed like `renames`: each a
    /// call of a function in `libtorch/src/guards/`, resolved by `guards.rs`.
    #[serde(default)]
    pub guards: BTreeMap<String, Vec<String>>,
    /// Overloads PyTorch picks by an argument the user passes, keyed like `renames`, each with
    /// the Rust name it takes (codegen/src/keyword_overloads.rs).
    #[serde(default)]
    pub keyword_overloads: BTreeMap<String, KeywordOverload>,
}

/// The Rust name of an overload Python picks by the arguments passed (spec/rules.yaml
/// `keyword_overloads`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum KeywordOverload {
    /// The operator's plain name: the overload a call without keywords means (`x.norm()` is
    /// `norm.Scalar`). YAML: `plain`.
    Plain,
    /// The operator's name and this argument's, which picks the overload (`x.sum(dim=1)` is
    /// `sum.dim_IntList`: `sum_dim`). YAML: `!keyword dim`.
    Keyword(String),
    /// The `_with` form of that overload of the same operator, which this one extends by
    /// optional arguments (`x.div(y, rounding_mode="floor")` is `div.Tensor_mode`: `div_with`).
    /// YAML: `!with_of div.Tensor`.
    WithOf(String),
}

pub fn load_declarations(path: &Path) -> Result<Vec<Declaration>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_yaml_ng::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn load_rules(path: &Path) -> Result<Rules, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    repeated_key(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_yaml_ng::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A key given twice in one section of the rules file. The YAML parser keeps the last one, so a
/// second entry for an op would silently replace the first (a guard would vanish).
fn repeated_key(text: &str) -> Result<(), String> {
    let mut seen = std::collections::BTreeMap::new();
    let mut section = "";
    for (i, line) in text.lines().enumerate() {
        if let Some(name) = line
            .strip_suffix(':')
            .filter(|l| !l.starts_with([' ', '#']))
        {
            section = name;
            continue;
        }
        let Some(rest) = line.strip_prefix("  ") else {
            continue;
        };
        if rest.starts_with([' ', '#', '-']) {
            continue;
        }
        let Some((key, _)) = rest.split_once(':') else {
            continue;
        };
        if let Some(first) = seen.insert((section.to_string(), key.to_string()), i + 1) {
            return Err(format!(
                "{section}: `{key}` is given twice (lines {first} and {}); merge the entries",
                i + 1
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_key_given_twice_is_an_error() {
        let text = "guards:\n  copy:\n    - defined: [self]\n  abs:\n  copy:\n    - defined: [x]\n";
        let e = repeated_key(text).unwrap_err();
        assert!(e.contains("`copy` is given twice (lines 2 and 5)"), "{e}");
        // The same key in two sections is fine.
        assert!(repeated_key("renames:\n  copy: a\nskips:\n  copy: b\n").is_ok());
    }

    #[test]
    fn yaml_1_1_trap_names_stay_strings() {
        let text = "- name: n\n  operator_name: y\n  overload_name: N\n  schema_string: s\n  \
                    schema_order_arguments:\n  - name: n\n    type: int64_t\n    default: 'n'\n  \
                    - name: off\n    type: bool\n    default: false\n  returns: []\n";
        let d: Vec<Declaration> = serde_yaml_ng::from_str(text).unwrap();
        assert_eq!(d[0].operator_name, "y");
        assert_eq!(d[0].overload_name, "N");
        assert_eq!(d[0].schema_order_arguments[1].name, "off");
        assert_eq!(
            d[0].schema_order_arguments[1].default,
            Some(serde_yaml_ng::Value::Bool(false))
        );
    }

    #[test]
    fn keyword_overloads_parse_as_typed_values() {
        let text = "keyword_overloads:\n  norm.Scalar: plain\n  sum.dim_IntList: !keyword dim\n  \
                    div.Tensor_mode: !with_of div.Tensor\n";
        let r: Rules = serde_yaml_ng::from_str(text).unwrap();
        assert_eq!(r.keyword_overloads["norm.Scalar"], KeywordOverload::Plain);
        assert_eq!(
            r.keyword_overloads["sum.dim_IntList"],
            KeywordOverload::Keyword("dim".into())
        );
        assert_eq!(
            r.keyword_overloads["div.Tensor_mode"],
            KeywordOverload::WithOf("div.Tensor".into())
        );
        assert!(serde_yaml_ng::from_str::<Rules>("keyword_overloads:\n  a: !name b\n").is_err());
    }

    #[test]
    fn guards_parse_as_call_strings() {
        let text = "guards:\n  f.out:\n  - args::list_len(@padding, 2)\n  \
                    - stride = args::expand_singleton(@stride, 3)\n";
        let r: Rules = serde_yaml_ng::from_str(text).unwrap();
        assert_eq!(
            r.guards["f.out"],
            [
                "args::list_len(@padding, 2)",
                "stride = args::expand_singleton(@stride, 3)"
            ]
        );
    }
}
