//! Step 1: the inputs, parsed into typed structs and nothing more.
//!
//! `spec/Declarations.yaml` (written by torchgen, never edited) and `spec/rules.yaml` (our
//! renames and skips, each with a reason). No decisions are taken here; see `model.rs`.

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
}

pub fn load_declarations(path: &Path) -> Result<Vec<Declaration>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_yaml_ng::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn load_rules(path: &Path) -> Result<Rules, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_yaml_ng::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
