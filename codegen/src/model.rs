//! Step 2: every decision, in one place.
//!
//! For each declaration: bind it or skip it (with a reason), name it, classify every argument
//! and return into a kind, and turn each C++ default into a typed value, and resolve the
//! argument guards of spec/rules.yaml against the arguments. The emitters only translate this
//! model; they never look at the YAML again.

use crate::spec::{Argument, Declaration, GuardSpec, Rules};
use serde_yaml_ng::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One bound operator overload.
#[derive(Debug, Clone)]
pub struct Op {
    /// `aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor`
    pub schema: String,
    /// `add.Tensor` (or `add` without an overload): how errors and rules name it.
    pub key: String,
    /// `add_Tensor`: the `at::_ops::` struct and the suffix of the C symbol.
    pub op_struct: String,
    /// `add`: the `ATen/ops/<header>_ops.h` that declares the struct.
    pub header: String,
    /// The Rust base name, e.g. `add`, `add_scalar`, `add_`.
    pub rust_name: String,
    /// The schema-derived name the op had before it took PyTorch's plain name (step 2c,
    /// codegen/src/plain_names.rs): still callable, hidden from the docs.
    pub schema_alias: Option<String>,
    /// First schema argument is `Tensor self`: a method, else an associated function.
    pub is_method: bool,
    pub args: Vec<Arg>,
    pub returns: Vec<Ret>,
    /// Argument checks run before the call (spec/rules.yaml `guards`), list lengths first.
    pub guards: Vec<Guard>,
    /// What `self` must not share: its metadata changes in place (spec/rules.yaml `exclusive`),
    /// or its storage may be reallocated too (`exclusive_with_storage`).
    pub self_ownership: Ownership,
}

/// What an argument an op writes to must not share with other handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// Nothing, when strided (its elements change, not its metadata); else its tensor.
    UnlessStrided,
    /// Its tensor: no other handle or view's base.
    Tensor,
    /// Its tensor and its storage: no other tensor over the same memory.
    TensorAndStorage,
}

impl Op {
    pub fn c_name(&self) -> String {
        format!("ltrs_{}", self.op_struct)
    }
    pub fn has_defaults(&self) -> bool {
        self.args.iter().any(|a| a.default.is_some())
    }
    /// Whether the method receiver is `&mut self`.
    pub fn self_mut(&self) -> bool {
        self.is_method && matches!(self.args[0].kind, ArgKind::Tensor { mutable: true, .. })
    }
}

#[derive(Debug, Clone)]
pub struct Arg {
    /// The schema name, e.g. `self`, `out`, `dim`.
    pub name: String,
    pub kind: ArgKind,
    pub default: Option<DefaultValue>,
    /// An `out=` argument, which ATen resizes to the result's shape.
    pub output: bool,
    /// A `Tensor` argument that takes a number too (step 2b, codegen/src/twins.rs).
    pub number_twin: Option<NumberTwin>,
}

/// What a number passed for a tensor-or-number argument runs.
#[derive(Debug, Clone, PartialEq)]
pub enum NumberTwin {
    /// The `f_` function of the overload that takes the number.
    Call(String),
    /// This same overload, with the number as a wrapped-number tensor (as Python does for the
    /// `Scalar` overloads it has no binding for: spec/rules.yaml `numbers_as_tensors`).
    Wrapped,
}

/// Every argument type the generator binds. `sym`: the schema says SymInt (the C++ call takes
/// `c10::SymInt` / `c10::SymIntArrayRef`); the Rust and C sides still see plain `i64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// `Tensor`; `mutable` when annotated `(a!)`; `cpp_lvalue` when C++ takes `at::Tensor &`.
    Tensor {
        mutable: bool,
        cpp_lvalue: bool,
    },
    OptTensor,
    TensorList {
        mutable: bool,
    },
    /// `Tensor[]` taken as `const at::ITensorListRef &`.
    ITensorList,
    /// `Tensor?[]` (`c10::List<std::optional<Tensor>>`).
    OptTensorList,
    Scalar,
    OptScalar,
    ScalarList,
    Int {
        sym: bool,
    },
    OptInt {
        sym: bool,
    },
    IntList {
        sym: bool,
    },
    OptIntList {
        sym: bool,
    },
    Float,
    OptFloat,
    OptFloatList,
    Bool,
    OptBool,
    BoolArray(usize),
    Str,
    OptStr,
    ScalarType,
    OptScalarType,
    Layout,
    OptLayout,
    MemoryFormat,
    OptMemoryFormat,
    Device,
    OptDevice,
    DeviceIndex,
    OptGenerator,
    Dimname,
    DimnameList,
    OptDimnameList,
    Storage,
    Stream,
}

impl ArgKind {
    /// The kind whose values an optional kind wraps (for `Some(default)`).
    pub fn is_optional(self) -> bool {
        use ArgKind::*;
        matches!(
            self,
            OptTensor
                | OptScalar
                | OptInt { .. }
                | OptIntList { .. }
                | OptFloat
                | OptFloatList
                | OptBool
                | OptStr
                | OptScalarType
                | OptLayout
                | OptMemoryFormat
                | OptDevice
                | OptGenerator
                | OptDimnameList
        )
    }
}

/// One returned value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ret {
    /// A new owning handle (also for returns aliasing an argument other than a mutated self).
    Tensor,
    /// The in-place method's own `self` (`Tensor(a!)` aliasing `Tensor(a!) self`): the Rust
    /// method returns `&mut self`, the C shim returns nothing for it.
    SelfRef,
    TensorVec,
    Bool,
    Int,
    /// `SymInt`, guarded to a concrete `int64_t`.
    SymInt,
    /// `SymBool`, guarded to a concrete `bool`.
    SymBool,
    Float,
    ScalarType,
    Scalar,
    QScheme,
}

/// A C++ default, as a typed value.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// `::std::nullopt` or `{}` for an optional.
    None,
    Some(Box<DefaultValue>),
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A `Scalar` default written as an integer.
    ScalarInt(i64),
    /// A `Scalar` default written as a float.
    ScalarFloat(f64),
    IntList(Vec<i64>),
    Str(String),
    /// A `c10::ScalarType` code (e.g. `at::kLong` = 4).
    ScalarType(i32),
    /// A `c10::MemoryFormat` code (e.g. `Contiguous` = 0).
    MemoryFormat(i32),
}

/// One argument check, its arguments resolved to indices into `Op::args` (kinds checked).
#[derive(Debug, Clone, PartialEq)]
pub enum Guard {
    /// An `IntList` (expandable from one element when `expand_singleton`), `TensorList`,
    /// `ITensorList` or `DimnameList` has exactly `len` elements.
    ListLen {
        arg: usize,
        len: usize,
        expand_singleton: bool,
    },
    /// An `IntList`, `TensorList` or `ITensorList` is not empty.
    Nonempty(usize),
    /// Tensor lists of one length.
    SameLen(Vec<usize>),
    /// A `Tensor` is defined.
    Defined(usize),
    /// Every element of a tensor list is defined.
    AllDefined(usize),
    /// A `Tensor`, when defined, is on the CPU.
    OnCpu(usize),
    /// The defined tensors of these tensor lists are on one device.
    SameDevice(Vec<usize>),
    /// Each list's `i`-th tensor has the sizes (and with `strides`, the dense layout) of
    /// `lead[i]`, for the lists as long as `lead`.
    PerIndexLayout {
        lead: usize,
        lists: Vec<usize>,
        strides: bool,
    },
    DimIn {
        arg: usize,
        dims: Vec<usize>,
    },
    MinDim {
        arg: usize,
        min: usize,
    },
    SameDtype(Vec<usize>),
    SameShape(Vec<usize>),
    SameSizesExceptLast {
        a: usize,
        b: usize,
        n: usize,
    },
    SameSizeAt {
        a: usize,
        b: usize,
        dims: Vec<usize>,
    },
    /// An `Int` or every element of an `IntList` is > 0.
    Positive(usize),
    InRangeInclusive {
        arg: usize,
        bound: Bound,
    },
    /// An optional tensor, when given, has `of.size(dim)` elements; `required` says when it must
    /// be given.
    NumelMatchesSize {
        arg: usize,
        of: usize,
        dim: usize,
        required: Required,
    },
    DistinctDims {
        arg: usize,
        of: usize,
    },
    RawDimRange {
        start: usize,
        end: usize,
        of: usize,
    },
    DimSizePositive {
        arg: usize,
        dim: usize,
    },
    TrueUnlessEmpty {
        flag: usize,
        tensor: usize,
    },
    ChunkCount {
        arg: usize,
        dim: usize,
        chunks: usize,
    },
    SquareMatrix(usize),
    AllFinite(usize),
    ValuesInRange {
        arg: usize,
        below: usize,
        inclusive: bool,
        when: Option<usize>,
    },
    AsStridedValid {
        arg: usize,
        size: usize,
        stride: usize,
    },
    /// `guards::check(op, args...)`.
    Custom {
        check: String,
        args: Vec<CustomArg>,
    },
    WeightNormDim {
        v: usize,
        dim: usize,
        per_slice: Vec<usize>,
    },
    C2rLastDimSize {
        input: usize,
        dim: usize,
        last_dim_size: usize,
    },
    Conv2dWeightColumns {
        weight: usize,
        input: usize,
        kernel_size: usize,
    },
    DynQuantBlockSize {
        block_size: usize,
        in_features: usize,
    },
}

/// When `numel_matches_size` requires its tensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Required {
    /// Never: checked only when given.
    No,
    /// Always.
    Always,
    /// When the bool argument `flag` equals `value`; not checked at all otherwise.
    When { flag: usize, value: bool },
}

/// One argument of a custom check: an op argument, or a tuple `(a, b)` or array `[a, b]` of them
/// (which keeps a check of many arguments readable).
#[derive(Debug, Clone, PartialEq)]
pub enum CustomArg {
    One(usize),
    Tuple(Vec<usize>),
    Array(Vec<usize>),
}

/// The upper bound of `in_range_inclusive`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// A tensor's dimension count.
    DimOf(usize),
    /// A list's length.
    LenOf(usize),
}

/// The whole model: what is bound, and what is skipped and why.
pub struct Model {
    pub ops: Vec<Op>,
    pub skipped: Vec<(String, String)>,
    pub total: usize,
}

/// Builds the model. Name collisions and rules naming unknown declarations are errors.
pub fn build(decls: &[Declaration], rules: &Rules) -> Result<Model, String> {
    let mut ops = Vec::new();
    let mut skipped = Vec::new();
    let mut used_rules = BTreeSet::new();
    let has_plain_overload: BTreeSet<&str> = decls
        .iter()
        .filter(|d| d.overload_name.is_empty())
        .map(|d| d.operator_name.as_str())
        .collect();
    for d in decls {
        let key = key_of(d);
        if let Some(reason) = rules.skips.get(&key) {
            used_rules.insert(key.clone());
            skipped.push((key, format!("spec/rules.yaml: {reason}")));
            continue;
        }
        let rename = rules.renames.get(&key);
        if rename.is_some() {
            used_rules.insert(key.clone());
        }
        let guards = rules.guards.get(&key);
        match op_of(
            d,
            rename,
            has_plain_overload.contains(d.operator_name.as_str()),
        ) {
            Ok(mut op) => {
                for (rule, ownership) in [
                    (&rules.exclusive, Ownership::Tensor),
                    (&rules.exclusive_with_storage, Ownership::TensorAndStorage),
                ] {
                    if rule.contains_key(&key) {
                        used_rules.insert(key.clone());
                        if !op.self_mut() || op.self_ownership != Ownership::UnlessStrided {
                            return Err(format!(
                                "spec/rules.yaml: `{key}` is listed as exclusive twice, or has \
                                 no mutable self"
                            ));
                        }
                        op.self_ownership = ownership;
                    }
                }
                if let Some(specs) = guards {
                    used_rules.insert(key.clone());
                    op.guards = guards_of(&op, specs)
                        .map_err(|e| format!("spec/rules.yaml: guards of `{key}`: {e}"))?;
                }
                ops.push(op)
            }
            Err(reason) => {
                if guards.is_some() {
                    return Err(format!(
                        "spec/rules.yaml guards `{key}`, which is not bound: {reason}"
                    ));
                }
                skipped.push((key, reason))
            }
        }
    }
    for key in rules
        .skips
        .keys()
        .chain(rules.renames.keys())
        .chain(rules.exclusive.keys())
        .chain(rules.exclusive_with_storage.keys())
        .chain(rules.guards.keys())
    {
        if !used_rules.contains(key) {
            return Err(format!(
                "spec/rules.yaml names `{key}`, which is no declaration"
            ));
        }
    }
    let renamed: BTreeSet<String> = rules.renames.keys().cloned().collect();
    crate::twins::merge(&mut ops, &renamed, &rules.numbers_as_tensors)?;
    crate::plain_names::assign(&mut ops, &renamed);
    check_collisions(&ops)?;
    Ok(Model {
        ops,
        skipped,
        total: decls.len(),
    })
}

pub fn key_of(d: &Declaration) -> String {
    if d.overload_name.is_empty() {
        d.operator_name.clone()
    } else {
        format!("{}.{}", d.operator_name, d.overload_name)
    }
}

fn op_of(d: &Declaration, rename: Option<&String>, has_plain: bool) -> Result<Op, String> {
    let schema = parse_schema(&d.schema_string)?;
    if schema.args.len() != d.schema_order_arguments.len() {
        return Err(format!(
            "schema has {} arguments, schema_order_arguments {}",
            schema.args.len(),
            d.schema_order_arguments.len()
        ));
    }
    if schema.returns.len() != d.returns.len() {
        return Err("schema returns disagree with `returns`".into());
    }
    let mut args = Vec::new();
    for (a, s) in d.schema_order_arguments.iter().zip(&schema.args) {
        if a.name != s.name {
            return Err(format!(
                "argument `{}` is `{}` in the schema",
                a.name, s.name
            ));
        }
        let kind = arg_kind(a, s)?;
        let default = match &a.default {
            None => None,
            Some(v) => Some(
                default_value(kind, v)
                    .ok_or_else(|| format!("argument `{}`: unsupported default {v:?}", a.name))?,
            ),
        };
        args.push(Arg {
            name: a.name.clone(),
            kind,
            default,
            output: a.output,
            number_twin: None,
        });
    }
    let is_method = args
        .first()
        .is_some_and(|a| a.name == "self" && matches!(a.kind, ArgKind::Tensor { .. }));
    let self_alias = if is_method {
        schema.args[0].alias.clone()
    } else {
        None
    };
    let self_mut = is_method && matches!(args[0].kind, ArgKind::Tensor { mutable: true, .. });
    let mut returns = Vec::new();
    for (r, s) in d.returns.iter().zip(&schema.returns) {
        let ret = ret_kind(&r.cpp_type)
            .ok_or_else(|| format!("unsupported return type `{}`", r.cpp_type))?;
        let aliases_self = self_mut && s.mutable && s.alias.is_some() && s.alias == self_alias;
        returns.push(
            if ret == Ret::Tensor && aliases_self && d.returns.len() == 1 {
                Ret::SelfRef
            } else {
                ret
            },
        );
    }
    let key = key_of(d);
    let rust_name = match rename {
        Some(n) => n.clone(),
        None => rust_name(&d.operator_name, &d.overload_name, has_plain),
    };
    if is_rust_keyword(&rust_name) {
        return Err(format!(
            "the Rust name `{rust_name}` is a keyword: add a rename for `{key}` to spec/rules.yaml"
        ));
    }
    let op_struct = if d.overload_name.is_empty() {
        d.operator_name.clone()
    } else {
        format!("{}_{}", d.operator_name, d.overload_name)
    };
    Ok(Op {
        schema: d.schema_string.clone(),
        key,
        op_struct,
        header: header_of(&d.operator_name),
        rust_name,
        is_method,
        args,
        returns,
        guards: Vec::new(),
        self_ownership: Ownership::UnlessStrided,
        schema_alias: None,
    })
}

// ---- argument guards: spec/rules.yaml `guards`, resolved and checked against the op ----

/// What a guard predicate accepts as an argument.
#[derive(Clone, Copy)]
enum Accepts {
    Tensor,
    TensorList,
    IntList,
    Int,
    IntOrIntList,
    Bool,
    /// Anything with a length: int, tensor, dimname or scalar lists.
    List,
    /// A Tensor or a tensor list (checked element by element).
    TensorOrList,
    /// Any argument (a custom check's signature is checked by rustc).
    Any,
    /// A Tensor or a Tensor?.
    AnyTensor,
}

impl Accepts {
    fn allows(self, k: ArgKind) -> bool {
        use ArgKind as K;
        let tensor_list = matches!(k, K::TensorList { .. } | K::ITensorList);
        let int_list = matches!(k, K::IntList { .. });
        let int = matches!(k, K::Int { .. });
        match self {
            Accepts::Tensor => matches!(k, K::Tensor { .. }),
            Accepts::TensorList => tensor_list,
            Accepts::IntList => int_list,
            Accepts::Int => int,
            Accepts::IntOrIntList => int || int_list,
            Accepts::Bool => k == K::Bool,
            Accepts::List => tensor_list || int_list || k == K::DimnameList || k == K::ScalarList,
            Accepts::TensorOrList => tensor_list || matches!(k, K::Tensor { .. }),
            Accepts::Any => true,
            Accepts::AnyTensor => k == K::OptTensor || matches!(k, K::Tensor { .. }),
        }
    }
    fn describe(self) -> &'static str {
        match self {
            Accepts::Tensor => "a Tensor",
            Accepts::TensorList => "a Tensor[]",
            Accepts::IntList => "an int[]",
            Accepts::Int => "an int",
            Accepts::IntOrIntList => "an int or int[]",
            Accepts::Bool => "a bool",
            Accepts::List => "an int[], Tensor[], Dimname[] or Scalar[]",
            Accepts::TensorOrList => "a Tensor or Tensor[]",
            Accepts::Any => "anything",
            Accepts::AnyTensor => "a Tensor or Tensor?",
        }
    }
}

/// Resolves one op's guards: every argument named must exist and be of a kind the predicate
/// takes; a list length must agree with the schema's `[N]` and must accept the schema's own
/// default. List-length checks come first (an expanded list is what later checks see).
fn guards_of(op: &Op, specs: &[GuardSpec]) -> Result<Vec<Guard>, String> {
    let schema = parse_schema(&op.schema)?;
    let arg = |name: &str, accepts: Accepts| -> Result<usize, String> {
        let i = op
            .args
            .iter()
            .position(|a| a.name == name)
            .ok_or_else(|| format!("no argument `{name}`"))?;
        if !accepts.allows(op.args[i].kind) {
            return Err(format!(
                "argument `{name}` is {:?}, not {}",
                op.args[i].kind,
                accepts.describe()
            ));
        }
        Ok(i)
    };
    let args = |names: &[String], accepts: Accepts| -> Result<Vec<usize>, String> {
        names.iter().map(|n| arg(n, accepts)).collect()
    };
    let pair = |names: &[String]| -> Result<(usize, usize), String> {
        match args(names, Accepts::Tensor)?[..] {
            [a, b] => Ok((a, b)),
            _ => Err(format!("needs exactly two tensors, got {names:?}")),
        }
    };
    let at_least_two = |names: &[String], accepts: Accepts| -> Result<Vec<usize>, String> {
        if names.len() < 2 {
            return Err(format!("needs at least two arguments, got {names:?}"));
        }
        args(names, accepts)
    };
    let mut first = Vec::new();
    let mut rest = Vec::new();
    for spec in specs {
        match spec {
            GuardSpec::ListLen {
                arg: name,
                len,
                expand_singleton,
            } => {
                let accepts = if *expand_singleton {
                    Accepts::IntList
                } else {
                    Accepts::List
                };
                let i = arg(name, accepts)?;
                let declared = schema.args[i]
                    .base
                    .split_once('[')
                    .and_then(|(_, r)| r.strip_suffix(']'))
                    .and_then(|n| n.parse::<usize>().ok());
                if declared.is_some_and(|n| n != *len) {
                    return Err(format!(
                        "`{name}` is declared `{}`, not of length {len}",
                        schema.args[i].base
                    ));
                }
                if let Some(DefaultValue::IntList(d)) = &op.args[i].default {
                    let accepted = d.len() == *len || (*expand_singleton && d.len() == 1);
                    if !accepted {
                        return Err(format!(
                            "`{name}`'s schema default {d:?} would be rejected (expand_singleton?)"
                        ));
                    }
                }
                first.push(Guard::ListLen {
                    arg: i,
                    len: *len,
                    expand_singleton: *expand_singleton,
                });
            }
            GuardSpec::Nonempty(names) => {
                for n in names {
                    let i = arg(n, Accepts::List)?;
                    if op.args[i].kind == ArgKind::DimnameList {
                        return Err(format!("nonempty takes int or tensor lists, `{n}` is not"));
                    }
                    rest.push(Guard::Nonempty(i));
                }
            }
            GuardSpec::SameLen(names) => {
                rest.push(Guard::SameLen(at_least_two(names, Accepts::List)?))
            }
            GuardSpec::Defined(names) => rest.extend(
                args(names, Accepts::Tensor)?
                    .into_iter()
                    .map(Guard::Defined),
            ),
            GuardSpec::AllDefined(names) => rest.extend(
                args(names, Accepts::TensorList)?
                    .into_iter()
                    .map(Guard::AllDefined),
            ),
            GuardSpec::OnCpu(names) => {
                rest.extend(args(names, Accepts::Tensor)?.into_iter().map(Guard::OnCpu))
            }
            GuardSpec::SameDevice(names) => {
                rest.push(Guard::SameDevice(args(names, Accepts::TensorList)?))
            }
            GuardSpec::PerIndexLayout {
                lead,
                lists,
                strides,
            } => {
                if lists.is_empty() {
                    return Err("per_index_layout needs at least one list".into());
                }
                rest.push(Guard::PerIndexLayout {
                    lead: arg(lead, Accepts::TensorList)?,
                    lists: args(lists, Accepts::TensorList)?,
                    strides: *strides,
                })
            }
            GuardSpec::DimIn { arg: n, dims } => rest.push(Guard::DimIn {
                arg: arg(n, Accepts::Tensor)?,
                dims: nonempty_dims(dims)?,
            }),
            GuardSpec::MinDim { arg: n, min } => rest.push(Guard::MinDim {
                arg: arg(n, Accepts::TensorOrList)?,
                min: *min,
            }),
            GuardSpec::SameDtype(names) => {
                rest.push(Guard::SameDtype(at_least_two(names, Accepts::Tensor)?))
            }
            GuardSpec::SameShape(names) => {
                rest.push(Guard::SameShape(at_least_two(names, Accepts::Tensor)?))
            }
            GuardSpec::SameSizesExceptLast { args: names, n } => {
                let (a, b) = pair(names)?;
                rest.push(Guard::SameSizesExceptLast { a, b, n: *n });
            }
            GuardSpec::SameSizeAt { args: names, dims } => {
                let (a, b) = pair(names)?;
                rest.push(Guard::SameSizeAt {
                    a,
                    b,
                    dims: nonempty_dims(dims)?,
                });
            }
            GuardSpec::Positive(names) => rest.extend(
                args(names, Accepts::IntOrIntList)?
                    .into_iter()
                    .map(Guard::Positive),
            ),
            GuardSpec::InRangeInclusive {
                arg: n,
                dim_of,
                len_of,
            } => {
                let bound = match (dim_of, len_of) {
                    (Some(t), None) => Bound::DimOf(arg(t, Accepts::Tensor)?),
                    (None, Some(l)) => Bound::LenOf(arg(l, Accepts::List)?),
                    _ => return Err("in_range_inclusive needs one of dim_of, len_of".into()),
                };
                rest.push(Guard::InRangeInclusive {
                    arg: arg(n, Accepts::Int)?,
                    bound,
                });
            }
            GuardSpec::NumelMatchesSize {
                args: names,
                of,
                dim,
                required_if,
                required_unless,
                required: always,
            } => {
                let of = arg(of, Accepts::Tensor)?;
                let required = match (required_if, required_unless, always) {
                    (None, None, false) => Required::No,
                    (None, None, true) => Required::Always,
                    (Some(f), None, false) => Required::When {
                        flag: arg(f, Accepts::Bool)?,
                        value: true,
                    },
                    (None, Some(f), false) => Required::When {
                        flag: arg(f, Accepts::Bool)?,
                        value: false,
                    },
                    _ => {
                        return Err(
                            "give at most one of required, required_if, required_unless".into()
                        )
                    }
                };
                for i in args(names, Accepts::AnyTensor)? {
                    rest.push(Guard::NumelMatchesSize {
                        arg: i,
                        of,
                        dim: *dim,
                        required,
                    });
                }
            }
            GuardSpec::DistinctDims { arg: n, of } => rest.push(Guard::DistinctDims {
                arg: arg(n, Accepts::IntList)?,
                of: arg(of, Accepts::Tensor)?,
            }),
            GuardSpec::RawDimRange { start, end, of } => rest.push(Guard::RawDimRange {
                start: arg(start, Accepts::Int)?,
                end: arg(end, Accepts::Int)?,
                of: arg(of, Accepts::Tensor)?,
            }),
            GuardSpec::DimSizePositive { arg: n, dim } => rest.push(Guard::DimSizePositive {
                arg: arg(n, Accepts::Tensor)?,
                dim: *dim,
            }),
            GuardSpec::TrueUnlessEmpty { flag, tensor } => rest.push(Guard::TrueUnlessEmpty {
                flag: arg(flag, Accepts::Bool)?,
                tensor: arg(tensor, Accepts::Tensor)?,
            }),
            GuardSpec::ChunkCount {
                arg: n,
                dim,
                chunks,
            } => rest.push(Guard::ChunkCount {
                arg: arg(n, Accepts::Tensor)?,
                dim: *dim,
                chunks: *chunks,
            }),
            GuardSpec::AllFinite(names) => rest.extend(
                args(names, Accepts::Tensor)?
                    .into_iter()
                    .map(Guard::AllFinite),
            ),
            GuardSpec::SquareMatrix(names) => rest.extend(
                args(names, Accepts::Tensor)?
                    .into_iter()
                    .map(Guard::SquareMatrix),
            ),
            GuardSpec::ValuesInRange {
                arg: n,
                below,
                inclusive,
                when,
            } => rest.push(Guard::ValuesInRange {
                arg: arg(n, Accepts::Tensor)?,
                below: arg(below, Accepts::Int)?,
                inclusive: *inclusive,
                when: when.as_deref().map(|f| arg(f, Accepts::Bool)).transpose()?,
            }),
            GuardSpec::AsStridedValid {
                arg: n,
                size,
                stride,
            } => rest.push(Guard::AsStridedValid {
                arg: arg(n, Accepts::Tensor)?,
                size: arg(size, Accepts::IntList)?,
                stride: arg(stride, Accepts::IntList)?,
            }),
            GuardSpec::Custom { check, args: names } => {
                let is_ident = !check.is_empty()
                    && check
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                if !is_ident {
                    return Err(format!("custom check `{check}` is not a snake_case name"));
                }
                let custom_arg = |spec: &String| -> Result<CustomArg, String> {
                    let group = |inner: &str| -> Result<Vec<usize>, String> {
                        inner
                            .split(',')
                            .map(|n| arg(n.trim(), Accepts::Any))
                            .collect()
                    };
                    if let Some(inner) = spec.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
                        Ok(CustomArg::Tuple(group(inner)?))
                    } else if let Some(inner) =
                        spec.strip_prefix('[').and_then(|r| r.strip_suffix(']'))
                    {
                        Ok(CustomArg::Array(group(inner)?))
                    } else {
                        Ok(CustomArg::One(arg(spec, Accepts::Any)?))
                    }
                };
                rest.push(Guard::Custom {
                    check: check.clone(),
                    args: names.iter().map(custom_arg).collect::<Result<_, _>>()?,
                });
            }
            GuardSpec::WeightNormDim { v, dim, per_slice } => rest.push(Guard::WeightNormDim {
                v: arg(v, Accepts::Tensor)?,
                dim: arg(dim, Accepts::Int)?,
                per_slice: args(per_slice, Accepts::Tensor)?,
            }),
            GuardSpec::C2rLastDimSize {
                input,
                dim,
                last_dim_size,
            } => rest.push(Guard::C2rLastDimSize {
                input: arg(input, Accepts::Tensor)?,
                dim: arg(dim, Accepts::IntList)?,
                last_dim_size: arg(last_dim_size, Accepts::Int)?,
            }),
            GuardSpec::Conv2dWeightColumns {
                weight,
                input,
                kernel_size,
            } => rest.push(Guard::Conv2dWeightColumns {
                weight: arg(weight, Accepts::Tensor)?,
                input: arg(input, Accepts::Tensor)?,
                kernel_size: arg(kernel_size, Accepts::IntList)?,
            }),
            GuardSpec::DynQuantBlockSize {
                block_size,
                in_features,
            } => rest.push(Guard::DynQuantBlockSize {
                block_size: arg(block_size, Accepts::Int)?,
                in_features: arg(in_features, Accepts::Int)?,
            }),
        }
    }
    if specs.is_empty() {
        return Err("no guards listed".into());
    }
    first.extend(rest);
    Ok(first)
}

fn nonempty_dims(dims: &[usize]) -> Result<Vec<usize>, String> {
    if dims.is_empty() {
        return Err("`dims` is empty".into());
    }
    Ok(dims.to_vec())
}

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
/// `f_NAME_with`.
pub fn fn_names(op: &Op) -> Vec<String> {
    let mut v = Vec::new();
    for n in std::iter::once(&op.rust_name).chain(&op.schema_alias) {
        v.push(n.clone());
        v.push(format!("f_{n}"));
        if op.has_defaults() {
            v.push(format!("{n}_with"));
            v.push(format!("f_{n}_with"));
        }
    }
    v
}

fn check_collisions(ops: &[Op]) -> Result<(), String> {
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

// ---- argument and return classification ----

fn arg_kind(a: &Argument, s: &SchemaArg) -> Result<ArgKind, String> {
    use ArgKind::*;
    let sym = s.base.starts_with("SymInt");
    let t = a.cpp_type.as_str();
    let kind = match t {
        "const at::Tensor &" | "at::Tensor &" => Tensor {
            mutable: s.mutable,
            cpp_lvalue: t == "at::Tensor &",
        },
        "const ::std::optional<at::Tensor> &" => OptTensor,
        "at::TensorList" => TensorList { mutable: s.mutable },
        "const at::ITensorListRef &" => ITensorList,
        "const c10::List<::std::optional<at::Tensor>> &" => OptTensorList,
        "const at::Scalar &" => Scalar,
        "const ::std::optional<at::Scalar> &" => OptScalar,
        "at::ArrayRef<at::Scalar>" => ScalarList,
        "int64_t" => Int { sym },
        "::std::optional<int64_t>" => OptInt { sym },
        "at::IntArrayRef" => IntList { sym },
        "at::OptionalIntArrayRef" => OptIntList { sym },
        "double" => Float,
        "::std::optional<double>" => OptFloat,
        "::std::optional<at::ArrayRef<double>>" => OptFloatList,
        "bool" => Bool,
        "::std::optional<bool>" => OptBool,
        "c10::string_view" => Str,
        "::std::optional<c10::string_view>" => OptStr,
        "at::ScalarType" => ScalarType,
        "::std::optional<at::ScalarType>" => OptScalarType,
        "at::Layout" => Layout,
        "::std::optional<at::Layout>" => OptLayout,
        "at::MemoryFormat" => MemoryFormat,
        "::std::optional<at::MemoryFormat>" => OptMemoryFormat,
        "at::Device" => Device,
        "::std::optional<at::Device>" => OptDevice,
        "at::DeviceIndex" => DeviceIndex,
        "::std::optional<at::Generator>" => OptGenerator,
        "at::Dimname" => Dimname,
        "at::DimnameList" => DimnameList,
        "::std::optional<at::DimnameList>" => OptDimnameList,
        "at::Storage" => Storage,
        "at::Stream" => Stream,
        _ => {
            let n = t
                .strip_prefix("::std::array<bool,")
                .and_then(|r| r.strip_suffix('>'))
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("argument `{}`: unsupported type `{t}`", a.name))?;
            BoolArray(n)
        }
    };
    // A mutable annotation anywhere else would be silently dropped: refuse it.
    if s.mutable && !matches!(kind, Tensor { .. } | TensorList { .. }) {
        return Err(format!(
            "argument `{}`: mutable `{t}` is not supported",
            a.name
        ));
    }
    Ok(kind)
}

fn ret_kind(t: &str) -> Option<Ret> {
    Some(match t {
        "at::Tensor" | "at::Tensor &" | "const at::Tensor &" => Ret::Tensor,
        "::std::vector<at::Tensor>" => Ret::TensorVec,
        "bool" => Ret::Bool,
        "int64_t" => Ret::Int,
        "c10::SymInt" => Ret::SymInt,
        "c10::SymBool" => Ret::SymBool,
        "double" => Ret::Float,
        "at::ScalarType" => Ret::ScalarType,
        "at::Scalar" => Ret::Scalar,
        "at::QScheme" => Ret::QScheme,
        _ => return None,
    })
}

// ---- defaults ----

fn default_text(v: &Value) -> Option<String> {
    Some(match v {
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    })
}

/// The typed default of an argument of `kind` whose C++ default is `v`; None if not understood.
pub fn default_value(kind: ArgKind, v: &Value) -> Option<DefaultValue> {
    use ArgKind::*;
    let text = default_text(v)?;
    let text = text.trim();
    if kind.is_optional() {
        if text == "::std::nullopt" || text == "{}" || text == "None" {
            return Some(DefaultValue::None);
        }
        let inner = match kind {
            OptScalar => Scalar,
            OptInt { sym } => Int { sym },
            OptIntList { sym } => IntList { sym },
            OptFloat => Float,
            OptBool => Bool,
            OptStr => Str,
            OptScalarType => ScalarType,
            OptMemoryFormat => MemoryFormat,
            _ => return None,
        };
        return Some(DefaultValue::Some(Box::new(default_value(inner, v)?)));
    }
    Some(match kind {
        Bool => match text {
            "false" | "False" => DefaultValue::Bool(false),
            "true" | "True" => DefaultValue::Bool(true),
            _ => return None,
        },
        Int { .. } => DefaultValue::Int(match text {
            "at::Reduction::None" => 0,
            "at::Reduction::Mean" => 1,
            "at::Reduction::Sum" => 2,
            _ => text.parse().ok()?,
        }),
        Float => DefaultValue::Float(text.parse().ok()?),
        Scalar => match text.parse::<i64>() {
            Ok(i) => DefaultValue::ScalarInt(i),
            Err(_) => DefaultValue::ScalarFloat(text.parse().ok()?),
        },
        IntList { .. } => {
            let inner = text.strip_prefix('{').and_then(|t| t.strip_suffix('}'));
            match inner {
                Some(list) if list.trim().is_empty() => DefaultValue::IntList(vec![]),
                Some(list) => DefaultValue::IntList(
                    list.split(',')
                        .map(|x| x.trim().parse().ok())
                        .collect::<Option<_>>()?,
                ),
                // A single number `n` is the list `[n]` (torchgen's `int[1] dim=0`).
                None => DefaultValue::IntList(vec![text.parse().ok()?]),
            }
        }
        Str => DefaultValue::Str(unquote_cpp(text)?),
        ScalarType => DefaultValue::ScalarType(scalar_type_code(text)?),
        MemoryFormat => DefaultValue::MemoryFormat(match text {
            "c10::MemoryFormat::Contiguous" | "at::MemoryFormat::Contiguous" => 0,
            "c10::MemoryFormat::Preserve" | "at::MemoryFormat::Preserve" => 1,
            "c10::MemoryFormat::ChannelsLast" | "at::MemoryFormat::ChannelsLast" => 2,
            "c10::MemoryFormat::ChannelsLast3d" | "at::MemoryFormat::ChannelsLast3d" => 3,
            _ => return None,
        }),
        _ => return None,
    })
}

fn scalar_type_code(text: &str) -> Option<i32> {
    let name = text
        .strip_prefix("at::")
        .or_else(|| text.strip_prefix("c10::"))?;
    const CODES: &[(&str, i32)] = &[
        ("kByte", 0),
        ("kChar", 1),
        ("kShort", 2),
        ("kInt", 3),
        ("kLong", 4),
        ("kHalf", 5),
        ("kFloat", 6),
        ("kDouble", 7),
        ("kComplexHalf", 8),
        ("kComplexFloat", 9),
        ("kComplexDouble", 10),
        ("kBool", 11),
        ("kBFloat16", 15),
    ];
    CODES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// A C++ string literal's value (`"linear"` -> `linear`, escapes `\"` `\\` `\'` resolved).
fn unquote_cpp(text: &str) -> Option<String> {
    let body = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                c @ ('"' | '\'' | '\\') => out.push(c),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

// ---- the schema string: only what Declarations.yaml does not say (SymInt, annotations) ----

#[derive(Debug, Clone, PartialEq)]
pub struct SchemaArg {
    /// The type without annotation, e.g. `SymInt[]`, `Tensor?`.
    pub base: String,
    pub name: String,
    /// The alias set letter, e.g. `a` for `Tensor(a!)`.
    pub alias: Option<String>,
    pub mutable: bool,
}

#[derive(Debug)]
pub struct Schema {
    pub args: Vec<SchemaArg>,
    pub returns: Vec<SchemaArg>,
}

/// Splits at top-level commas (outside brackets, parentheses and string literals).
fn split_top(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start, mut in_str, mut escaped) = (0i32, 0usize, false, false);
    for (i, c) in s.char_indices() {
        if in_str {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = s[start..].trim();
    if !last.is_empty() {
        parts.push(last);
    }
    parts
}

/// `Tensor(a!) self=...` / `Tensor(a)` -> its parts.
fn parse_schema_arg(s: &str) -> SchemaArg {
    let s = s.split_once('=').map_or(s, |(l, _)| l).trim();
    // The type ends at the first space outside parentheses.
    let mut depth = 0;
    let mut split = s.len();
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ' ' if depth == 0 => {
                split = i;
                break;
            }
            _ => {}
        }
    }
    let (ty, name) = (&s[..split], s[split..].trim());
    let (base, alias, mutable) = match (ty.find('('), ty.find(')')) {
        (Some(open), Some(close)) => {
            let ann = &ty[open + 1..close];
            let letter = ann
                .split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .unwrap_or("");
            (
                format!("{}{}", &ty[..open], &ty[close + 1..]),
                Some(letter.to_owned()).filter(|l| !l.is_empty()),
                ann.contains('!'),
            )
        }
        _ => (ty.to_owned(), None, false),
    };
    SchemaArg {
        base,
        name: name.to_owned(),
        alias,
        mutable,
    }
}

pub fn parse_schema(schema: &str) -> Result<Schema, String> {
    let bad = || format!("cannot parse schema `{schema}`");
    let open = schema.find('(').ok_or_else(bad)?;
    let mut depth = 0;
    let mut close = None;
    for (i, c) in schema[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close.ok_or_else(bad)?;
    let args = split_top(&schema[open + 1..close])
        .into_iter()
        .filter(|a| *a != "*")
        .map(parse_schema_arg)
        .collect();
    let rets = schema[close + 1..]
        .trim()
        .strip_prefix("->")
        .ok_or_else(bad)?
        .trim();
    let returns = match rets.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => split_top(inner).into_iter().map(parse_schema_arg).collect(),
        None => vec![parse_schema_arg(rets)],
    };
    Ok(Schema { args, returns })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Value {
        Value::String(s.into())
    }

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

    #[test]
    fn schema_parsing() {
        let s = parse_schema(
            "aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)",
        )
        .unwrap();
        assert_eq!(s.args.len(), 3);
        assert_eq!(s.args[0].base, "Tensor");
        assert!(s.args[0].mutable);
        assert_eq!(s.args[0].alias.as_deref(), Some("a"));
        assert_eq!(s.returns[0].alias.as_deref(), Some("a"));
        let s = parse_schema(
            "aten::f(Tensor self, SymInt[1]? d=None, int[2] k=[-2,-1], str s=\"a,b\") -> (Tensor values, Tensor indices)",
        )
        .unwrap();
        assert_eq!(s.args.len(), 4);
        assert_eq!(s.args[1].base, "SymInt[1]?");
        assert_eq!(s.args[3].name, "s");
        assert_eq!(s.returns.len(), 2);
        assert_eq!(s.returns[1].name, "indices");
        let s = parse_schema("aten::g(Tensor(a -> *) self) -> Tensor(a)[]").unwrap();
        assert_eq!(s.args[0].name, "self");
        assert!(!s.args[0].mutable);
        let s = parse_schema("aten::h(Tensor(a!)[] self) -> ()").unwrap();
        assert!(s.args[0].mutable);
        assert_eq!(s.returns.len(), 0);
    }

    #[test]
    fn defaults() {
        use ArgKind::*;
        assert_eq!(
            default_value(Bool, &Value::Bool(true)),
            Some(DefaultValue::Bool(true))
        );
        assert_eq!(
            default_value(Int { sym: false }, &v("at::Reduction::Mean")),
            Some(DefaultValue::Int(1))
        );
        assert_eq!(
            default_value(Int { sym: false }, &v("-100")),
            Some(DefaultValue::Int(-100))
        );
        assert_eq!(
            default_value(Float, &v("1e-05")),
            Some(DefaultValue::Float(1e-5))
        );
        assert_eq!(
            default_value(Scalar, &v("1")),
            Some(DefaultValue::ScalarInt(1))
        );
        assert_eq!(
            default_value(Scalar, &v("0.125")),
            Some(DefaultValue::ScalarFloat(0.125))
        );
        assert_eq!(
            default_value(IntList { sym: true }, &v("{-2,-1}")),
            Some(DefaultValue::IntList(vec![-2, -1]))
        );
        assert_eq!(
            default_value(IntList { sym: false }, &v("1")),
            Some(DefaultValue::IntList(vec![1]))
        );
        assert_eq!(
            default_value(IntList { sym: false }, &v("{}")),
            Some(DefaultValue::IntList(vec![]))
        );
        assert_eq!(
            default_value(Str, &v("\"linear\"")),
            Some(DefaultValue::Str("linear".into()))
        );
        assert_eq!(
            default_value(Str, &v(r#""\"'\\""#)),
            Some(DefaultValue::Str("\"'\\".into()))
        );
        assert_eq!(default_value(OptTensor, &v("{}")), Some(DefaultValue::None));
        assert_eq!(
            default_value(OptInt { sym: false }, &v("::std::nullopt")),
            Some(DefaultValue::None)
        );
        assert_eq!(
            default_value(OptBool, &v("False")),
            Some(DefaultValue::Some(Box::new(DefaultValue::Bool(false))))
        );
        assert_eq!(
            default_value(OptScalarType, &v("at::kLong")),
            Some(DefaultValue::Some(Box::new(DefaultValue::ScalarType(4))))
        );
        assert_eq!(
            default_value(OptMemoryFormat, &v("c10::MemoryFormat::Contiguous")),
            Some(DefaultValue::Some(Box::new(DefaultValue::MemoryFormat(0))))
        );
        assert_eq!(default_value(Int { sym: false }, &v("at::Unknown")), None);
    }

    fn arg(name: &str, ty: &str) -> Argument {
        Argument {
            name: name.into(),
            cpp_type: ty.into(),
            default: None,
            output: false,
        }
    }

    #[test]
    fn argument_kinds() {
        use ArgKind::*;
        let cases: &[(&str, &str, ArgKind)] = &[
            (
                "Tensor",
                "const at::Tensor &",
                Tensor {
                    mutable: false,
                    cpp_lvalue: false,
                },
            ),
            (
                "Tensor(a!)",
                "at::Tensor &",
                Tensor {
                    mutable: true,
                    cpp_lvalue: true,
                },
            ),
            (
                "Tensor(a!)",
                "const at::Tensor &",
                Tensor {
                    mutable: true,
                    cpp_lvalue: false,
                },
            ),
            ("Tensor?", "const ::std::optional<at::Tensor> &", OptTensor),
            ("Tensor[]", "at::TensorList", TensorList { mutable: false }),
            (
                "Tensor(a!)[]",
                "at::TensorList",
                TensorList { mutable: true },
            ),
            ("Tensor[]", "const at::ITensorListRef &", ITensorList),
            (
                "Tensor?[]",
                "const c10::List<::std::optional<at::Tensor>> &",
                OptTensorList,
            ),
            ("Scalar", "const at::Scalar &", Scalar),
            ("Scalar?", "const ::std::optional<at::Scalar> &", OptScalar),
            ("Scalar[]", "at::ArrayRef<at::Scalar>", ScalarList),
            ("int", "int64_t", Int { sym: false }),
            ("SymInt", "int64_t", Int { sym: true }),
            ("SymInt?", "::std::optional<int64_t>", OptInt { sym: true }),
            ("int[]", "at::IntArrayRef", IntList { sym: false }),
            ("SymInt[]", "at::IntArrayRef", IntList { sym: true }),
            (
                "SymInt[1]?",
                "at::OptionalIntArrayRef",
                OptIntList { sym: true },
            ),
            ("float", "double", Float),
            ("float?", "::std::optional<double>", OptFloat),
            (
                "float[]?",
                "::std::optional<at::ArrayRef<double>>",
                OptFloatList,
            ),
            ("bool", "bool", Bool),
            ("bool?", "::std::optional<bool>", OptBool),
            ("bool[3]", "::std::array<bool,3>", BoolArray(3)),
            ("str", "c10::string_view", Str),
            ("str?", "::std::optional<c10::string_view>", OptStr),
            ("ScalarType", "at::ScalarType", ScalarType),
            (
                "ScalarType?",
                "::std::optional<at::ScalarType>",
                OptScalarType,
            ),
            ("Layout?", "::std::optional<at::Layout>", OptLayout),
            ("MemoryFormat", "at::MemoryFormat", MemoryFormat),
            ("Device", "at::Device", Device),
            ("Device?", "::std::optional<at::Device>", OptDevice),
            ("DeviceIndex", "at::DeviceIndex", DeviceIndex),
            ("Generator?", "::std::optional<at::Generator>", OptGenerator),
            ("Dimname", "at::Dimname", Dimname),
            ("Dimname[]", "at::DimnameList", DimnameList),
            (
                "Dimname[]?",
                "::std::optional<at::DimnameList>",
                OptDimnameList,
            ),
            ("Storage", "at::Storage", Storage),
            ("Stream", "at::Stream", Stream),
        ];
        for (schema_ty, cpp, want) in cases {
            let s = parse_schema_arg(&format!("{schema_ty} x"));
            assert_eq!(
                arg_kind(&arg("x", cpp), &s).unwrap(),
                *want,
                "{schema_ty} / {cpp}"
            );
        }
        let s = parse_schema_arg("Foo x");
        assert!(arg_kind(&arg("x", "at::Foo"), &s).is_err());
    }

    fn decl(schema: &str, args: &[(&str, &str, Option<&str>)]) -> Declaration {
        Declaration {
            operator_name: "f".into(),
            overload_name: String::new(),
            schema_string: schema.into(),
            schema_order_arguments: args
                .iter()
                .map(|(n, t, d)| Argument {
                    name: (*n).into(),
                    cpp_type: (*t).into(),
                    default: d.map(v),
                    output: false,
                })
                .collect(),
            returns: vec![crate::spec::Return {
                cpp_type: "at::Tensor".into(),
            }],
        }
    }

    fn conv() -> Op {
        let d = decl(
            "aten::f(Tensor self, SymInt[3] kernel_size, SymInt[3] stride=1, int i) -> Tensor",
            &[
                ("self", "const at::Tensor &", None),
                ("kernel_size", "at::IntArrayRef", None),
                ("stride", "at::IntArrayRef", Some("1")),
                ("i", "int64_t", None),
            ],
        );
        op_of(&d, None, true).unwrap()
    }

    fn list_len(arg: &str, len: usize, expand_singleton: bool) -> GuardSpec {
        GuardSpec::ListLen {
            arg: arg.into(),
            len,
            expand_singleton,
        }
    }

    #[test]
    fn guards_resolve_and_order_list_lengths_first() {
        let op = conv();
        let g = guards_of(
            &op,
            &[
                GuardSpec::Positive(vec!["stride".into(), "i".into()]),
                list_len("stride", 3, true),
                GuardSpec::DimIn {
                    arg: "self".into(),
                    dims: vec![5],
                },
            ],
        )
        .unwrap();
        assert_eq!(
            g,
            [
                Guard::ListLen {
                    arg: 2,
                    len: 3,
                    expand_singleton: true
                },
                Guard::Positive(2),
                Guard::Positive(3),
                Guard::DimIn {
                    arg: 0,
                    dims: vec![5]
                },
            ]
        );
    }

    #[test]
    fn guards_reject_bad_names_kinds_and_lengths() {
        let op = conv();
        let err = |spec: GuardSpec| guards_of(&op, &[spec]).unwrap_err();
        assert!(err(GuardSpec::Defined(vec!["nope".into()])).contains("no argument `nope`"));
        assert!(err(GuardSpec::Defined(vec!["i".into()])).contains("not a Tensor"));
        assert!(err(GuardSpec::Positive(vec!["self".into()])).contains("not an int"));
        // The schema says SymInt[3].
        assert!(err(list_len("kernel_size", 2, false)).contains("declared `SymInt[3]`"));
        // The default `stride=1` is `&[1]`: a strict length check would reject the default call.
        assert!(err(list_len("stride", 3, false)).contains("default"));
        assert!(err(GuardSpec::SameShape(vec!["self".into()])).contains("at least two"));
        assert!(err(GuardSpec::InRangeInclusive {
            arg: "i".into(),
            dim_of: None,
            len_of: None
        })
        .contains("one of"));
    }

    #[test]
    fn a_guard_naming_no_declaration_is_an_error() {
        let d = decl(
            "aten::f(Tensor self) -> Tensor",
            &[("self", "const at::Tensor &", None)],
        );
        let mut rules = Rules::default();
        rules
            .guards
            .insert("g".into(), vec![GuardSpec::Defined(vec!["self".into()])]);
        let e = build(&[d], &rules).err().unwrap();
        assert!(e.contains("names `g`, which is no declaration"), "{e}");
    }

    #[test]
    fn returns() {
        assert_eq!(ret_kind("at::Tensor &"), Some(Ret::Tensor));
        assert_eq!(ret_kind("::std::vector<at::Tensor>"), Some(Ret::TensorVec));
        assert_eq!(ret_kind("c10::SymInt"), Some(Ret::SymInt));
        assert_eq!(ret_kind("at::QScheme"), Some(Ret::QScheme));
        assert_eq!(ret_kind("void*"), None);
    }
}
