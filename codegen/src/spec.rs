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
    /// crash on (instead of raising an error) for some arguments. Keyed like `renames`.
    #[serde(default, with = "serde_yaml_ng::with::singleton_map_recursive")]
    pub guards: BTreeMap<String, Vec<GuardSpec>>,
}

/// One argument check of `guards:` in spec/rules.yaml, written as a one-key map, e.g.
/// `- list_len: {arg: padding, len: 2}`. Arguments are named as in the schema. Each predicate
/// only rejects calls that crash libtorch 2.11 or that it rejects itself.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum GuardSpec {
    /// An int list or tensor list has exactly `len` elements. With `expand_singleton`, a
    /// one-element int list is first repeated to `len` elements, as PyTorch's Python argument
    /// parser does for `int[N]` (and as the schema's own single-number defaults need).
    ListLen {
        arg: String,
        len: usize,
        #[serde(default)]
        expand_singleton: bool,
    },
    /// Each listed int list or tensor list has at least one element.
    Nonempty(Vec<String>),
    /// The listed tensor lists have the same length.
    SameLen(Vec<String>),
    /// Each listed tensor is defined.
    Defined(Vec<String>),
    /// Every tensor of each listed tensor list is defined.
    AllDefined(Vec<String>),
    /// Each listed tensor, when defined, is on the CPU (for kernels only the CPU has, which read
    /// the data through host pointers whatever the device).
    OnCpu(Vec<String>),
    /// Every defined tensor of the listed tensor lists is on one device.
    SameDevice(Vec<String>),
    /// Per index `i`, the `i`-th tensor of each of `lists` that is as long as the tensor list
    /// `lead` is defined with `lead[i]`'s sizes (for kernels that walk them all by
    /// `lead[i].numel()`); with `strides`, also with `lead[i]`'s strides, non-overlapping and
    /// dense (for kernels that walk them through raw data pointers).
    PerIndexLayout {
        lead: String,
        lists: Vec<String>,
        #[serde(default)]
        strides: bool,
    },
    /// The tensor is defined and its dimension count is one of `dims`.
    DimIn { arg: String, dims: Vec<usize> },
    /// The tensor is defined and has at least `min` dimensions.
    MinDim { arg: String, min: usize },
    /// The listed tensors have one dtype.
    SameDtype(Vec<String>),
    /// The listed tensors have one shape.
    SameShape(Vec<String>),
    /// The two tensors have as many dimensions, of equal sizes except the last `n`.
    SameSizesExceptLast { args: Vec<String>, n: usize },
    /// The two tensors both have the dimensions `dims`, of equal sizes.
    SameSizeAt { args: Vec<String>, dims: Vec<usize> },
    /// Each listed int (or every element of each listed int list) is > 0.
    Positive(Vec<String>),
    /// `0 <= arg <= bound`, where the bound is `dim_of`'s dimension count or `len_of`'s length
    /// (exactly one of the two).
    InRangeInclusive {
        arg: String,
        #[serde(default)]
        dim_of: Option<String>,
        #[serde(default)]
        len_of: Option<String>,
    },
    /// Each listed optional tensor, when given, has as many elements as `of` has at `dim`.
    /// With `required_if: flag` (a bool argument) it must also be given when the flag is true,
    /// and is not checked when it is false; `required_unless: flag` is the converse.
    NumelMatchesSize {
        args: Vec<String>,
        of: String,
        dim: usize,
        #[serde(default)]
        required_if: Option<String>,
        #[serde(default)]
        required_unless: Option<String>,
        /// Must always be given (when `of` has elements).
        #[serde(default)]
        required: bool,
    },
    /// An int list of dimensions of tensor `of`: each in `0..of.dim()` (not wrapped), none
    /// repeated.
    DistinctDims { arg: String, of: String },
    /// Two int arguments bounding an inclusive range of tensor `of`'s dimensions satisfy
    /// `0 <= start <= end + 1 <= of.dim()`, unwrapped (for kernels that index with them raw).
    RawDimRange {
        start: String,
        end: String,
        of: String,
    },
    /// The tensor has a dimension `dim`, of nonzero size.
    DimSizePositive { arg: String, dim: usize },
    /// The bool argument `flag` is true unless the tensor `tensor` has no elements.
    TrueUnlessEmpty { flag: String, tensor: String },
    /// `arg.chunk(chunks, dim)` makes exactly `chunks` pieces (kernels index them unchecked).
    ChunkCount {
        arg: String,
        dim: usize,
        chunks: usize,
    },
    /// No NaN or infinity in each (floating or complex) tensor.
    AllFinite(Vec<String>),
    /// Each tensor holds square matrices (at least 2-D, the last two sizes equal).
    SquareMatrix(Vec<String>),
    /// Every value of an integer tensor is in `0..below` (`0..=below` with `inclusive`), where
    /// `below` is an int argument; with `when: flag`, only checked when that bool is true.
    ValuesInRange {
        arg: String,
        below: String,
        #[serde(default)]
        inclusive: bool,
        #[serde(default)]
        when: Option<String>,
    },
    /// `arg.as_strided(size, stride)` is a valid view of `arg`'s storage.
    AsStridedValid {
        arg: String,
        size: String,
        stride: String,
    },
    /// An op-specific check too particular for a predicate of its own:
    /// `guards::CHECK(op, args...)`, given the listed arguments in order.
    Custom { check: String, args: Vec<String> },
    /// Op-specific (weight norm): when the int `dim` is 0 or `v.dim() - 1`, `v.size(dim)` is
    /// nonzero and each `per_slice` tensor has that many elements.
    WeightNormDim {
        v: String,
        dim: String,
        per_slice: Vec<String>,
    },
    /// Op-specific (`_fft_c2r`): the input's size along the last of `dim` is `last_dim_size / 2
    /// + 1` or `last_dim_size`.
    C2rLastDimSize {
        input: String,
        dim: String,
        last_dim_size: String,
    },
    /// Op-specific (`_slow_conv2d_backward`): the weight, a 2-D `[out, in * kh * kw]` matrix or
    /// a 4-D `[out, in, kh, kw]` tensor (other ranks are left to ATen), has
    /// `input.size(1) * kernel_size[0] * kernel_size[1]` columns, as every valid weight has.
    Conv2dWeightColumns {
        weight: String,
        input: String,
        kernel_size: String,
    },
    /// Op-specific (`_dyn_quant_matmul_4bit`): ATen's own block-size condition
    /// `block_size == in_features || (block_size % 32 == 0 && in_features % block_size == 0)`,
    /// evaluated without its division by zero.
    DynQuantBlockSize {
        block_size: String,
        in_features: String,
    },
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
    fn guards_parse_as_one_key_maps() {
        let text = "guards:\n  f.out:\n  - list_len: {arg: padding, len: 2}\n  \
                    - list_len: {arg: stride, len: 3, expand_singleton: true}\n  \
                    - same_dtype: [a, b]\n  - in_range_inclusive: {arg: i, len_of: order}\n";
        let r: Rules = serde_yaml_ng::from_str(text).unwrap();
        let g = &r.guards["f.out"];
        assert_eq!(
            g[0],
            GuardSpec::ListLen {
                arg: "padding".into(),
                len: 2,
                expand_singleton: false
            }
        );
        assert!(matches!(
            g[1],
            GuardSpec::ListLen {
                expand_singleton: true,
                ..
            }
        ));
        assert_eq!(g[2], GuardSpec::SameDtype(vec!["a".into(), "b".into()]));
        assert!(
            matches!(&g[3], GuardSpec::InRangeInclusive { len_of: Some(l), dim_of: None, .. } if l == "order")
        );
        // A misspelt predicate or field is an error, not ignored.
        assert!(serde_yaml_ng::from_str::<Rules>(
            "guards:\n  f:\n  - list_lenn: {arg: p, len: 2}\n"
        )
        .is_err());
        assert!(serde_yaml_ng::from_str::<Rules>(
            "guards:\n  f:\n  - list_len: {arg: p, len: 2, x: 1}\n"
        )
        .is_err());
    }
}
