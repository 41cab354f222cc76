//! Step 2: the model, where every decision is taken; the emitters only translate it and never
//! look at the YAML again.
//!
//! For each declaration: bind it or skip it (with a reason), then, each by its own module, name
//! it (`naming`), classify every argument and return (`kinds`), turn each C++ default into a
//! typed value (`defaults`) and resolve its guards (`guards`). Across ops: name the overloads
//! Python picks by keyword (`keyword_overloads`), merge tensor-or-number twins (`twins`), give
//! plain names (`plain_names`), check collisions and assign shards (`shards`).

use crate::defaults::{default_value, DefaultValue};
use crate::guards::{guards_of, Guard};
use crate::kinds::{arg_kind, ret_kind, ArgKind, Ret};
use crate::naming::{check_collisions, header_of, is_rust_keyword, rust_name};
use crate::schema::parse_schema;
use crate::spec::{Declaration, Rules};
use crate::versions::VersionSet;
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
    /// The op's forms are the `_with` forms of `rust_name`, whose plain forms belong to the
    /// overload it extends (step 2a, codegen/src/keyword_overloads.rs: `div.Tensor_mode` is
    /// `div_with`): it has no `NAME` / `f_NAME` of its own.
    pub with_only: bool,
    /// First schema argument is `Tensor self`: a method, else an associated function.
    pub is_method: bool,
    pub args: Vec<Arg>,
    pub returns: Vec<Ret>,
    /// Argument checks run before the call (spec/rules.yaml `guards`), list lengths first.
    pub guards: Vec<Guard>,
    /// What `self` must not share: its metadata changes in place (spec/rules.yaml `exclusive`),
    /// or its storage may be reallocated too (`exclusive_with_storage`).
    pub self_ownership: Ownership,
    /// The shard (`ops_NN`) holding its shim, FFI declaration and safe methods (shards.rs).
    pub shard: usize,
    /// The PyTorch versions whose declarations hold this overload with this schema: every
    /// emitted item is gated to them (versions.rs).
    pub versions: VersionSet,
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
    /// Whether the op has `NAME_with` forms (every argument) besides the plain ones.
    pub fn has_with(&self) -> bool {
        self.with_only || self.has_defaults()
    }
    /// The `f_` function taking every argument, the one that calls the shim: `f_NAME_with`, or
    /// `f_NAME` when the op has no `_with` form.
    pub fn full_fn_name(&self) -> String {
        if self.has_with() {
            format!("f_{}_with", self.rust_name)
        } else {
            format!("f_{}", self.rust_name)
        }
    }
    /// Whether the plain forms (`NAME`, `f_NAME`) take argument `a` (no default, or an optional
    /// tensor-or-number operand, which they take even though it may be None).
    pub fn required(a: &Arg) -> bool {
        a.default.is_none() || matches!(a.number_twin, Some(NumberTwin::Optional(_)))
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
    /// A `Tensor?` whose twin overload takes a `Scalar?` there (`clamp.Tensor` / `clamp`): the
    /// argument takes a tensor, a number or None; when no argument of the op marked so holds a
    /// tensor, this `f_` function of the `Scalar?` overload runs.
    Optional(String),
}

/// The whole model: what is bound, and what is skipped and why.
pub struct Model {
    pub ops: Vec<Op>,
    pub skipped: Vec<(String, String)>,
    pub total: usize,
}

/// Builds the model of the oldest version's declarations alone (the codegen tests use it): rules
/// for other versions' ops are not checked.
#[cfg_attr(not(test), allow(dead_code))]
pub fn build(decls: &[Declaration], rules: &Rules) -> Result<Model, String> {
    let oldest: Vec<(&Declaration, VersionSet)> =
        decls.iter().map(|d| (d, VersionSet::only(0))).collect();
    build_union(&oldest, rules, decls.len(), false)
}

/// Builds the model over every supported version's declarations (oldest first, as
/// [`crate::versions::SPECS`]): one op per distinct (overload, schema), carrying the versions
/// that have it. Ops come in the oldest version's declaration order, then each newer version's
/// additions in its order. `total` counts the distinct overloads.
pub fn build_versions(versions: &[Vec<Declaration>], rules: &Rules) -> Result<Model, String> {
    let mut union: Vec<(&Declaration, VersionSet)> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (v, decls) in versions.iter().enumerate() {
        for d in decls {
            let identity = identity_of(d);
            match index.get(&identity) {
                Some(&i) => union[i].1 = union[i].1.union(VersionSet::only(v)),
                None => {
                    index.insert(identity, union.len());
                    union.push((d, VersionSet::only(v)));
                }
            }
        }
    }
    let total = union.len();
    build_union(&union, rules, total, true)
}

/// What makes two versions' declarations of an overload the same op: its schema and every field
/// the model reads.
fn identity_of(d: &Declaration) -> String {
    let mut s = format!("{}\n{}", key_of(d), d.schema_string);
    for a in &d.schema_order_arguments {
        s.push_str(&format!(
            "\n{} {} {:?} {}",
            a.name, a.cpp_type, a.default, a.output
        ));
    }
    for r in &d.returns {
        s.push_str(&format!("\n-> {}", r.cpp_type));
    }
    s
}

/// The entry of a rules map for an op: `KEY@2.MINOR` (the variant of KEY in that version, for
/// overloads whose schema changed between versions) before plain `KEY`. Returns the entry's key
/// and value.
fn rule<'r, T>(
    map: &'r BTreeMap<String, T>,
    key: &str,
    versions: VersionSet,
) -> Option<(String, &'r T)> {
    for (i, (minor, _)) in crate::versions::SPECS.iter().enumerate() {
        if versions.contains(i) {
            let k = format!("{key}@2.{minor}");
            if let Some(v) = map.get(&k) {
                return Some((k, v));
            }
        }
    }
    map.get(key).map(|v| (key.to_owned(), v))
}

/// Builds the model from declarations tagged with their versions. Name collisions within one
/// version, and rules naming no declaration of any version, are errors.
fn build_union(
    decls: &[(&Declaration, VersionSet)],
    rules: &Rules,
    total: usize,
    every_version: bool,
) -> Result<Model, String> {
    let mut ops = Vec::new();
    let mut skipped = Vec::new();
    let mut used_rules = BTreeSet::new();
    let has_plain_overload: BTreeSet<&str> = decls
        .iter()
        .filter(|(d, _)| d.overload_name.is_empty())
        .map(|(d, _)| d.operator_name.as_str())
        .collect();
    for &(d, versions) in decls {
        let key = key_of(d);
        if let Some((k, reason)) = rule(&rules.skips, &key, versions) {
            used_rules.insert(k);
            skipped.push((key, format!("spec/rules.yaml: {reason}")));
            continue;
        }
        let rename = rule(&rules.renames, &key, versions).map(|(k, v)| {
            used_rules.insert(k);
            v
        });
        let guards = rule(&rules.guards, &key, versions);
        match op_of(
            d,
            rename,
            has_plain_overload.contains(d.operator_name.as_str()),
        ) {
            Ok(mut op) => {
                op.versions = versions;
                for (map, ownership) in [
                    (&rules.exclusive, Ownership::Tensor),
                    (&rules.exclusive_with_storage, Ownership::TensorAndStorage),
                ] {
                    if let Some((k, _)) = rule(map, &key, versions) {
                        used_rules.insert(k);
                        if !op.self_mut() || op.self_ownership != Ownership::UnlessStrided {
                            return Err(format!(
                                "spec/rules.yaml: `{key}` is listed as exclusive twice, or has \
                                 no mutable self"
                            ));
                        }
                        op.self_ownership = ownership;
                    }
                }
                if let Some((k, specs)) = guards {
                    op.guards = guards_of(&op, specs)
                        .map_err(|e| format!("spec/rules.yaml: guards of `{k}`: {e}"))?;
                    used_rules.insert(k);
                }
                ops.push(op)
            }
            Err(reason) => {
                if let Some((k, _)) = guards {
                    return Err(format!(
                        "spec/rules.yaml guards `{k}`, which is not bound: {reason}"
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
        if every_version && !used_rules.contains(key) {
            return Err(format!(
                "spec/rules.yaml names `{key}`, which is no declaration of any supported version"
            ));
        }
    }
    let renamed: BTreeSet<String> = rules.renames.keys().cloned().collect();
    crate::keyword_overloads::apply(&mut ops, &mut skipped, &rules.keyword_overloads, &renamed)
        .map_err(|e| format!("spec/rules.yaml keyword_overloads: {e}"))?;
    crate::twins::merge(&mut ops, &renamed, &rules.numbers_as_tensors)?;
    crate::plain_names::assign(&mut ops, &renamed);
    check_versions(&ops, every_version)?;
    crate::shards::assign(&mut ops);
    Ok(Model {
        ops,
        skipped,
        total,
    })
}

/// Per version: no two ops give the same Rust name, and a tensor-or-number argument's number
/// overload exists wherever the op does.
fn check_versions(ops: &[Op], every_version: bool) -> Result<(), String> {
    let mut f_names: BTreeMap<String, VersionSet> = BTreeMap::new();
    for op in ops {
        let f = if op.has_defaults() {
            format!("f_{}_with", op.rust_name)
        } else {
            format!("f_{}", op.rust_name)
        };
        let e = f_names.entry(f).or_insert(VersionSet(0));
        *e = e.union(op.versions);
    }
    for op in ops.iter().filter(|_| every_version) {
        for a in &op.args {
            if let Some(NumberTwin::Call(f)) = &a.number_twin {
                let have = f_names.get(f).copied().unwrap_or(VersionSet(0));
                if !have.covers(op.versions) {
                    return Err(format!(
                        "`{}` takes a number through `{f}`, which some of its versions lack",
                        op.key
                    ));
                }
            }
        }
    }
    for (i, _) in crate::versions::SPECS.iter().enumerate() {
        let of_version: Vec<Op> = ops
            .iter()
            .filter(|op| op.versions.contains(i))
            .cloned()
            .collect();
        check_collisions(&of_version)?;
    }
    Ok(())
}

pub fn key_of(d: &Declaration) -> String {
    if d.overload_name.is_empty() {
        d.operator_name.clone()
    } else {
        format!("{}.{}", d.operator_name, d.overload_name)
    }
}

pub(crate) fn op_of(
    d: &Declaration,
    rename: Option<&String>,
    has_plain: bool,
) -> Result<Op, String> {
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
        with_only: false,
        shard: 0,
        versions: VersionSet::all(),
    })
}
