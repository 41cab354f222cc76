//! Step 3c: the safe API, `libtorch/src/generated/ops_NN.rs`: `impl Tensor` blocks.
//!
//! Per op: `f_NAME_with` (every argument; the one function that calls the shim, after the op's
//! argument guards), `f_NAME` (required arguments, defaults applied), and the panicking
//! `NAME_with` / `NAME`. Without defaulted arguments only `f_NAME` and `NAME` exist. See
//! codegen/README.md.

use crate::defaults::DefaultValue;
use crate::emit_ffi::ident;
use crate::guards::{args_read, Call, Expr};
use crate::kinds::{ArgKind, Ret};
use crate::model::{Arg, NumberTwin, Op, Ownership};
use crate::naming::fn_ident;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// Replaced by a `// SAFETY:` comment after formatting (token streams carry no comments).
const SAFETY_MARKER: &str = "safety_comment!();";
const SAFETY: &str = "// SAFETY: every handle passed is borrowed from a live Rust value (Tensor, Generator, Storage) and every list or string view points into a local or argument that outlives the call; the out-pointers point to initialized locals. The shim catches every C++ exception, and on success each owned result it wrote is taken over exactly once below.";

/// The Rust parameter type of an argument; `generic` names the type parameter of a `Tensor[]`.
fn rust_type(kind: ArgKind, generic: &proc_macro2::Ident) -> TokenStream {
    use ArgKind::*;
    match kind {
        Tensor { mutable: false, .. } => quote!(&Tensor),
        Tensor { mutable: true, .. } => quote!(&mut Tensor),
        OptTensor => quote!(Option<&Tensor>),
        TensorList { mutable: false } | ITensorList => quote!(&[#generic]),
        TensorList { mutable: true } => quote!(&mut [Tensor]),
        OptTensorList => quote!(impl OptionalTensorList),
        Scalar => quote!(impl Into<Scalar>),
        OptScalar => quote!(impl OptionalScalar),
        ScalarList => quote!(&[Scalar]),
        Int { .. } => quote!(i64),
        OptInt { .. } => quote!(impl Into<Option<i64>>),
        IntList { .. } => quote!(impl IntList),
        OptIntList { .. } => quote!(impl OptionalIntList),
        Float => quote!(f64),
        OptFloat => quote!(impl Into<Option<f64>>),
        OptFloatList => quote!(Option<&[f64]>),
        Bool => quote!(bool),
        OptBool => quote!(impl Into<Option<bool>>),
        BoolArray(n) => {
            let n = Literal::usize_unsuffixed(n);
            quote!([bool; #n])
        }
        Str | Dimname => quote!(&str),
        OptStr => quote!(impl OptionalStr),
        ScalarType => quote!(Kind),
        OptScalarType => quote!(impl Into<Option<Kind>>),
        Layout => quote!(Layout),
        OptLayout => quote!(impl Into<Option<Layout>>),
        MemoryFormat => quote!(MemoryFormat),
        OptMemoryFormat => quote!(impl Into<Option<MemoryFormat>>),
        Device => quote!(Device),
        OptDevice => quote!(impl Into<Option<Device>>),
        DeviceIndex => quote!(i8),
        OptGenerator => quote!(Option<&Generator>),
        DimnameList => quote!(&[&str]),
        OptDimnameList => quote!(Option<&[&str]>),
        Storage => quote!(&Storage),
        Stream => quote!(Stream),
    }
}

/// The statement turning a parameter that takes plain values or an `Option`
/// (libtorch/src/arguments.rs) into the one type the guards and the FFI conversion read, e.g.
/// `let dim: Option<&[i64]> = OptionalIntList::optional_int_list(&dim);`. The shadowed value
/// lives on, so the borrowed forms may point into it.
fn normalize(kind: ArgKind, n: &TokenStream) -> Option<TokenStream> {
    use ArgKind::*;
    let into = |t: TokenStream| Some(quote!(let #n: Option<#t> = #n.into();));
    match kind {
        OptInt { .. } => into(quote!(i64)),
        OptFloat => into(quote!(f64)),
        OptBool => into(quote!(bool)),
        OptScalarType => into(quote!(Kind)),
        OptLayout => into(quote!(Layout)),
        OptMemoryFormat => into(quote!(MemoryFormat)),
        OptDevice => into(quote!(Device)),
        IntList { .. } => Some(quote!(let #n: &[i64] = IntList::int_list(&#n);)),
        OptIntList { .. } => {
            Some(quote!(let #n: Option<&[i64]> = OptionalIntList::optional_int_list(&#n);))
        }
        OptScalar => Some(quote!(let #n: Option<Scalar> = OptionalScalar::optional_scalar(#n);)),
        OptStr => Some(quote!(let #n: Option<&str> = OptionalStr::optional_str(&#n);)),
        OptTensorList => Some(quote! {
            let #n = OptionalTensorList::optional_tensor_list(&#n);
            let #n: &[Option<&Tensor>] = &#n;
        }),
        _ => None,
    }
}

/// Whether an optional kind's parameter takes the plain value too (so a `Some(v)` default is
/// passed as `v`).
fn takes_plain_values(kind: ArgKind) -> bool {
    normalize(kind, &quote!(x)).is_some() && kind.is_optional()
}

/// A default as passed to a parameter of `kind`: `Some(v)` as `v` where the parameter takes
/// plain values (`Some(&[1])` would not coerce to the one `Option` it takes).
fn default_arg(kind: ArgKind, d: &DefaultValue) -> TokenStream {
    match d {
        DefaultValue::Some(inner) if takes_plain_values(kind) => default_expr(inner),
        _ => default_expr(d),
    }
}

/// Statements preparing argument `n` (the safe value) for the FFI, and the FFI expression.
fn to_ffi(kind: ArgKind, n: &TokenStream, c: &proc_macro2::Ident) -> (TokenStream, TokenStream) {
    use ArgKind::*;
    let plain = |e: TokenStream| (quote!(let #c = #e;), quote!(#c));
    match kind {
        Tensor { .. } | Storage => plain(quote!(#n.as_raw())),
        OptTensor | OptGenerator => plain(quote!(#n.map_or(std::ptr::null_mut(), |v| v.as_raw()))),
        TensorList { mutable: false } | ITensorList => (
            quote!(let #c: Vec<ltrs_tensor> = #n.iter().map(|t| t.borrow().as_raw()).collect();),
            quote!(ltrs_tensor_list::new(&#c)),
        ),
        TensorList { mutable: true } => (
            quote!(let #c: Vec<ltrs_tensor> = #n.iter().map(|t| t.as_raw()).collect();),
            quote!(ltrs_tensor_list::new(&#c)),
        ),
        OptTensorList => (
            quote!(let #c: Vec<ltrs_tensor> = #n.iter().map(|t| t.map_or(std::ptr::null_mut(), |t| t.as_raw())).collect();),
            quote!(ltrs_tensor_list::new(&#c)),
        ),
        Scalar => plain(quote!(Into::<Scalar>::into(#n).to_ffi())),
        OptScalar => plain(quote!(#n.map_or(ltrs_scalar::NONE, |s| s.to_ffi()))),
        ScalarList => (
            quote!(let #c: Vec<ltrs_scalar> = #n.iter().map(|s| s.to_ffi()).collect();),
            quote!(ltrs_scalar_list::new(&#c)),
        ),
        Int { .. } | Float | Bool | DeviceIndex => plain(quote!(#n)),
        OptInt { .. } => plain(quote!(support::opt_int(#n))),
        IntList { .. } => plain(quote!(ltrs_int_list::new(#n))),
        OptIntList { .. } => plain(quote!(#n.map_or(ltrs_int_list::NONE, ltrs_int_list::new))),
        OptFloat => plain(quote!(support::opt_float(#n))),
        OptFloatList => plain(quote!(#n.map_or(ltrs_float_list::NONE, ltrs_float_list::new))),
        OptBool => plain(quote!(support::opt_bool(#n))),
        BoolArray(_) => plain(quote!(#n.as_ptr())),
        Str | Dimname => plain(quote!(ltrs_str::from_str(#n))),
        OptStr => plain(quote!(#n.map_or(ltrs_str::NONE, ltrs_str::from_str))),
        ScalarType | Layout | MemoryFormat | Device | Stream => plain(quote!(#n.to_ffi())),
        OptScalarType | OptLayout | OptMemoryFormat => plain(quote!(#n.map_or(-1, |v| v.to_ffi()))),
        OptDevice => plain(quote!(#n.map_or(support::NO_DEVICE, |v| v.to_ffi()))),
        DimnameList => (
            quote!(let #c: Vec<ltrs_str> = #n.iter().map(|s| ltrs_str::from_str(s)).collect();),
            quote!(ltrs_str_list::new(&#c)),
        ),
        OptDimnameList => (
            quote!(let #c: Option<Vec<ltrs_str>> = #n.map(|l| l.iter().map(|s| ltrs_str::from_str(s)).collect());),
            quote!(#c.as_deref().map_or(ltrs_str_list::NONE, ltrs_str_list::new)),
        ),
    }
}

/// The Rust expression of a default value.
pub fn default_expr(d: &DefaultValue) -> TokenStream {
    match d {
        DefaultValue::None => quote!(None),
        DefaultValue::Some(inner) => {
            let e = default_expr(inner);
            quote!(Some(#e))
        }
        DefaultValue::Bool(b) => quote!(#b),
        DefaultValue::Int(i) => {
            let l = Literal::i64_unsuffixed(*i);
            quote!(#l)
        }
        DefaultValue::Float(f) => {
            let l = Literal::f64_unsuffixed(*f);
            quote!(#l)
        }
        DefaultValue::ScalarInt(i) => {
            let l = Literal::i64_suffixed(*i);
            quote!(#l)
        }
        DefaultValue::ScalarFloat(f) => {
            let l = Literal::f64_suffixed(*f);
            quote!(#l)
        }
        DefaultValue::IntList(v) => {
            let l = v.iter().map(|i| Literal::i64_unsuffixed(*i));
            quote!(&[#(#l),*])
        }
        DefaultValue::Str(s) => quote!(#s),
        DefaultValue::ScalarType(c) => quote!(Kind::from_ffi(#c)),
        DefaultValue::MemoryFormat(c) => quote!(MemoryFormat::from_ffi(#c)),
    }
}

/// A default as the docs show it.
pub fn default_doc(d: &DefaultValue) -> String {
    match d {
        DefaultValue::None => "None".into(),
        DefaultValue::Some(inner) => format!("Some({})", default_doc(inner)),
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Int(i) | DefaultValue::ScalarInt(i) => i.to_string(),
        DefaultValue::Float(f) | DefaultValue::ScalarFloat(f) => format!("{f:?}"),
        DefaultValue::IntList(v) => format!("&{v:?}"),
        DefaultValue::Str(s) => format!("{s:?}"),
        DefaultValue::ScalarType(c) => format!("Kind::from_ffi({c})"),
        DefaultValue::MemoryFormat(c) => format!("MemoryFormat::from_ffi({c})"),
    }
}

fn ret_type(r: Ret) -> TokenStream {
    match r {
        Ret::Tensor => quote!(Tensor),
        Ret::SelfRef => quote!(&mut Tensor),
        Ret::TensorVec => quote!(Vec<Tensor>),
        Ret::Bool | Ret::SymBool => quote!(bool),
        Ret::Int | Ret::SymInt => quote!(i64),
        Ret::Float => quote!(f64),
        Ret::ScalarType => quote!(Kind),
        Ret::Scalar => quote!(Scalar),
        Ret::QScheme => quote!(QScheme),
    }
}

/// Which arguments a form takes.
#[derive(Clone, Copy, PartialEq)]
enum Form {
    /// Every argument.
    All,
    /// Only those without a default.
    Required,
}

struct Sig {
    generics: Vec<TokenStream>,
    receiver: Option<TokenStream>,
    params: Vec<TokenStream>,
    /// The argument names, for forwarding.
    names: Vec<TokenStream>,
}

fn params(op: &Op, form: Form) -> Sig {
    let mut sig = Sig {
        generics: vec![],
        receiver: None,
        params: vec![],
        names: vec![],
    };
    for (i, a) in op.args.iter().enumerate() {
        if i == 0 && op.is_method {
            sig.receiver = Some(if op.self_mut() {
                quote!(&mut self)
            } else {
                quote!(&self)
            });
            continue;
        }
        if form == Form::Required && !Op::required(a) {
            continue;
        }
        let generic = format_ident!("T{}", i);
        if matches!(
            a.kind,
            ArgKind::TensorList { mutable: false } | ArgKind::ITensorList
        ) {
            sig.generics
                .push(quote!(#generic: std::borrow::Borrow<Tensor>));
        }
        let n = ident(&a.name);
        let t = match a.number_twin {
            Some(NumberTwin::Optional(_)) => quote!(impl OptionalTensorOrNumber),
            Some(_) => quote!(impl TensorOrNumber),
            None => rust_type(a.kind, &generic),
        };
        sig.params.push(quote!(#n: #t));
        sig.names.push(quote!(#n));
    }
    sig
}

fn result_type(op: &Op) -> TokenStream {
    match op.returns.as_slice() {
        [] => quote!(()),
        [r] => ret_type(*r),
        rs => {
            let ts = rs.iter().map(|r| ret_type(*r));
            quote!((#(#ts),*))
        }
    }
}

fn arg_name(op: &Op, i: usize, a: &Arg) -> TokenStream {
    if i == 0 && op.is_method {
        quote!(self)
    } else {
        let n = ident(&a.name);
        quote!(#n)
    }
}

/// The statements checking an op's guards (spec/rules.yaml), in order: each a call of a
/// function in `libtorch/src/guards/` with the operator's name first, returning early with its
/// error. A rebinding guard (`x = f(...)`) holds the result and rebinds `x` to it, which the later
/// guards and the call then see.
fn guard_stmts(op: &Op, key: &str) -> Vec<TokenStream> {
    op.guards
        .iter()
        .map(|guard| {
            let path = call_path(&guard.call);
            let args = guard.call.args.iter().map(|e| guard_expr(op, e));
            let call = quote!(#path(#key, #(#args),*)?);
            match guard.rebinds {
                None => quote!(#call;),
                Some(i) => {
                    let held = format_ident!("{}_guarded", op.args[i].name);
                    let name = arg_name(op, i, &op.args[i]);
                    quote! {
                        let #held = #call;
                        let #name = &*#held;
                    }
                }
            }
        })
        .collect()
}

/// `crate::guards::module::function`.
fn call_path(call: &Call) -> TokenStream {
    let segments = call.path.iter().map(|s| format_ident!("{s}"));
    quote!(crate::guards #(::#segments)*)
}

/// One argument of a guard call. A `Scalar` argument is lent (converted up front by
/// `scalars_for_guards`), a written one lent as shared.
fn guard_expr(op: &Op, e: &Expr) -> TokenStream {
    // A written (`&mut`) argument is lent as shared: guards only read.
    let value = |i: usize| {
        let n = arg_name(op, i, &op.args[i]);
        match op.args[i].kind {
            ArgKind::Scalar => quote!(&#n),
            ArgKind::Tensor { mutable: true, .. } | ArgKind::TensorList { mutable: true } => {
                quote!(&*#n)
            }
            _ => n,
        }
    };
    match e {
        Expr::Arg(i) => value(*i),
        Expr::Named(i) => {
            let (name, v) = (op.args[*i].name.as_str(), value(*i));
            quote!((#name, #v))
        }
        Expr::Not(i) => {
            let v = value(*i);
            quote!(!#v)
        }
        Expr::Int(n) => {
            let lit = Literal::i64_unsuffixed(n.abs());
            if *n < 0 {
                quote!(-#lit)
            } else {
                quote!(#lit)
            }
        }
        Expr::Bool(b) => quote!(#b),
        Expr::Array(v) => {
            let v = v.iter().map(|e| guard_expr(op, e));
            quote!([#(#v),*])
        }
        Expr::Tuple(v) => {
            let v = v.iter().map(|e| guard_expr(op, e));
            quote!((#(#v),*))
        }
        Expr::Call(c) => {
            let path = call_path(c);
            let args = c.args.iter().map(|e| guard_expr(op, e));
            quote!(#path(#(#args),*))
        }
    }
}

/// `let x: Scalar = x.into();` for each `impl Into<Scalar>` argument a guard reads, so the
/// guard can borrow the value before the call converts it.
fn scalars_for_guards(op: &Op) -> Vec<TokenStream> {
    let mut used: Vec<usize> = op
        .guards
        .iter()
        .flat_map(args_read)
        .filter(|&i| op.args[i].kind == ArgKind::Scalar)
        .collect();
    used.sort_unstable();
    used.dedup();
    used.into_iter()
        .map(|i| {
            let n = arg_name(op, i, &op.args[i]);
            quote!(let #n: Scalar = #n.into();)
        })
        .collect()
}

/// The ownership checks of the arguments an op writes to (libtorch/src/guards/exclusive.rs):
/// `out=` arguments and a `self` whose metadata changes must be exclusively owned; any other
/// written argument must be, unless it is strided (then only its elements change).
fn ownership_stmts(op: &Op, key: &str) -> Vec<TokenStream> {
    let g = quote!(crate::guards::exclusive);
    op.args
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let ownership = if a.output {
                Ownership::TensorAndStorage
            } else if i == 0 {
                op.self_ownership
            } else {
                Ownership::UnlessStrided
            };
            let check = match (a.kind, ownership) {
                (ArgKind::Tensor { mutable: true, .. }, o) => match o {
                    Ownership::UnlessStrided => "exclusive_unless_strided",
                    Ownership::Tensor => "exclusive",
                    Ownership::TensorAndStorage => "exclusive_with_storage",
                },
                (ArgKind::TensorList { mutable: true }, o) => match o {
                    Ownership::UnlessStrided => "all_exclusive_unless_strided",
                    // A list `self` is never listed exclusive (none changes metadata in place).
                    Ownership::Tensor | Ownership::TensorAndStorage => "all_exclusive_with_storage",
                },
                _ => return None,
            };
            let (check, n, e) = (format_ident!("{check}"), &a.name, arg_name(op, i, a));
            Some(quote!(#g::#check(#key, #n, #e)?;))
        })
        .collect()
}

/// For an argument that takes a tensor or a number (codegen/src/twins.rs): a number calls the
/// overload taking a number, with every other argument as given; a tensor goes on as `&Tensor`.
/// The optional ones (`clamp`'s `min` and `max`) are split together: all numbers or None call
/// the `Scalar?` overload, all tensors or None go on as `Option<&Tensor>`.
fn number_twin_stmts(op: &Op, key: &str) -> Vec<TokenStream> {
    let mut out: Vec<TokenStream> = op
        .args
        .iter()
        .enumerate()
        .filter_map(|(k, a)| {
            let n = ident(&a.name);
            let twin = match a.number_twin.as_ref()? {
                NumberTwin::Call(f) => format_ident!("{}", f),
                NumberTwin::Optional(_) => return None,
                NumberTwin::Wrapped => {
                    let held = format_ident!("{}_wrapped", a.name);
                    return Some(quote! {
                        let #held;
                        let #n: &Tensor = match #n.operand() {
                            crate::Operand::Tensor(t) => t,
                            crate::Operand::Number(number) => {
                                #held = crate::operand::wrapped_number(number)?;
                                &#held
                            }
                        };
                    });
                }
            };
            let args = op.args.iter().enumerate().map(|(i, b)| {
                if i == k {
                    quote!(number)
                } else {
                    arg_name(op, i, b)
                }
            });
            Some(quote! {
                let #n: &Tensor = match #n.operand() {
                    crate::Operand::Tensor(t) => t,
                    crate::Operand::Number(number) => return Self::#twin(#(#args),*),
                };
            })
        })
        .collect();
    let optional: Vec<(usize, &String)> = op
        .args
        .iter()
        .enumerate()
        .filter_map(|(k, a)| match &a.number_twin {
            Some(NumberTwin::Optional(f)) => Some((k, f)),
            _ => None,
        })
        .collect();
    if let Some(&(_, f)) = optional.first() {
        let twin = format_ident!("{}", f);
        let names: Vec<_> = optional
            .iter()
            .map(|&(k, _)| ident(&op.args[k].name))
            .collect();
        let labels = optional.iter().map(|&(k, _)| op.args[k].name.as_str());
        let args = op.args.iter().enumerate().map(|(i, b)| arg_name(op, i, b));
        out.push(quote! {
            let [#(#names),*] = match crate::operand::optional_operands(
                #key,
                [#((#labels, #names.optional_operand())),*],
            )? {
                crate::operand::OptionalOperands::Numbers([#(#names),*]) => {
                    return Self::#twin(#(#args),*)
                }
                crate::operand::OptionalOperands::Tensors(tensors) => tensors,
            };
        });
    }
    out
}

/// The `f_` form taking every argument: the only one calling the shim.
fn full_body(op: &Op) -> TokenStream {
    let key = format!("aten::{}", op.key);
    let mut guards: Vec<TokenStream> = op
        .args
        .iter()
        .enumerate()
        .filter_map(|(i, a)| normalize(a.kind, &arg_name(op, i, a)))
        .collect();
    guards.extend(number_twin_stmts(op, &key));
    guards.extend(ownership_stmts(op, &key));
    guards.extend(scalars_for_guards(op));
    guards.extend(guard_stmts(op, &key));
    let mut prep = Vec::new();
    let mut ffi_args = Vec::new();
    for (i, a) in op.args.iter().enumerate() {
        let n = arg_name(op, i, a);
        let c = format_ident!("c_{}", a.name);
        let (stmt, expr) = to_ffi(a.kind, &n, &c);
        prep.push(stmt);
        ffi_args.push(expr);
    }
    let mut outs_decl = Vec::new();
    let mut outs = Vec::new();
    let mut results = Vec::new();
    for (i, r) in op.returns.iter().enumerate() {
        let o = format_ident!("out{}", i);
        let init = match r {
            Ret::SelfRef => {
                results.push(quote!(self));
                continue;
            }
            Ret::Tensor => quote!(std::ptr::null_mut()),
            Ret::TensorVec => quote!(ltrs_tensor_vec {
                data: std::ptr::null_mut(),
                len: 0
            }),
            Ret::Bool | Ret::SymBool => quote!(false),
            Ret::Int | Ret::SymInt => quote!(0i64),
            Ret::Float => quote!(0f64),
            Ret::ScalarType | Ret::QScheme => quote!(0i32),
            Ret::Scalar => quote!(ltrs_scalar::NONE),
        };
        outs_decl.push(quote!(let mut #o = #init;));
        outs.push(quote!(&mut #o));
        results.push(match r {
            Ret::Tensor => quote!(Tensor::from_raw(#o)),
            Ret::TensorVec => quote!(support::tensor_vec(#o)),
            Ret::ScalarType => quote!(Kind::from_ffi_result(#o, #key)?),
            Ret::QScheme => quote!(QScheme::from_ffi(#o)),
            Ret::Scalar => quote!(Scalar::from_ffi(#o)),
            _ => quote!(#o),
        });
    }
    let result = match results.as_slice() {
        [] => quote!(()),
        [r] => r.clone(),
        rs => quote!((#(#rs),*)),
    };
    let c_fn = format_ident!("{}", op.c_name());
    quote! {
        #(#guards)*
        #(#prep)*
        #(#outs_decl)*
        safety_comment!();
        unsafe {
            crate::error::check(ops::#c_fn(#(#outs,)* #(#ffi_args),*), #key)?;
            Ok(#result)
        }
    }
}

fn docs(op: &Op, form: Form) -> Vec<TokenStream> {
    let mut lines = vec![format!(" `{}`", op.schema)];
    if let Some(only) = op.versions.doc() {
        lines.push(String::new());
        lines.push(format!(" {only}"));
    }
    let receiver = usize::from(op.is_method);
    let defaulted: Vec<&Arg> = op
        .args
        .iter()
        .skip(receiver)
        .filter(|a| a.default.is_some() && (form == Form::All || !Op::required(a)))
        .collect();
    let nullable: Vec<String> = op
        .args
        .iter()
        .skip(receiver)
        .filter(|a| a.kind.is_optional() && (form == Form::All || Op::required(a)))
        .map(|a| format!("`{}`", a.name))
        .collect();
    if !defaulted.is_empty() {
        lines.push(String::new());
        let list: Vec<String> = defaulted
            .iter()
            .map(|a| {
                format!(
                    "`{} = {}`",
                    a.name,
                    default_doc(a.default.as_ref().unwrap())
                )
            })
            .collect();
        lines.push(match form {
            Form::Required => format!(" Defaults applied: {}.", list.join(", ")),
            Form::All => format!(
                " Takes every argument; the schema's defaults are {}.",
                list.join(", ")
            ),
        });
    }
    if !nullable.is_empty() {
        lines.push(String::new());
        lines.push(format!(" May be None: {}.", nullable.join(", ")));
    }
    for a in op.args.iter() {
        let line = match &a.number_twin {
            None => continue,
            Some(NumberTwin::Call(f)) => format!(
                " `{}` is a tensor or a number, as in PyTorch (a number calls [`Tensor::{f}`]).",
                a.name
            ),
            Some(NumberTwin::Optional(f)) => format!(
                " `{}` is a tensor, a number or None, as in PyTorch (numbers call \
                 [`Tensor::{f}`]; a tensor and a number together are an error).",
                a.name
            ),
            Some(NumberTwin::Wrapped) => format!(
                " `{}` is a tensor or a number, as in PyTorch (a number is passed as a 0-dim \
                 wrapped-number tensor, as Python passes it).",
                a.name
            ),
        };
        lines.push(String::new());
        lines.push(line);
    }
    lines.iter().map(|l| quote!(#[doc = #l])).collect()
}

fn op_fns(op: &Op) -> TokenStream {
    let name = &op.rust_name;
    let ret = result_type(op);
    // The panicking forms return nothing at all for `()` (clippy::unused_unit).
    let panic_ret = if op.returns.is_empty() {
        quote!()
    } else {
        quote!(-> #ret)
    };
    let full_name = format_ident!("{}", op.full_fn_name());
    let panic_full = fn_ident(&op.full_fn_name()[2..]);
    let all = params(op, Form::All);
    let req = params(op, Form::Required);
    let recv_comma = all.receiver.as_ref().map(|r| quote!(#r,));
    let call_prefix = if op.is_method {
        quote!(self.)
    } else {
        quote!(Self::)
    };
    // One function: its docs, hidden or not, its signature and body.
    let function = |docs: &[TokenStream], f: &proc_macro2::Ident, sig: &Sig, ret, body| {
        let (g, p) = (&sig.generics, &sig.params);
        quote! {
            #(#docs)*
            #[track_caller]
            pub fn #f<#(#g),*>(#recv_comma #(#p),*) #ret { #body }
        }
    };
    let result = quote!(-> Result<#ret>);
    let forward = |target: &proc_macro2::Ident, sig: &Sig| {
        let names = &sig.names;
        quote!(#call_prefix #target(#(#names),*))
    };
    // The required-only form calls the full one with the defaults.
    let defaults_filled = {
        let forwarded = op
            .args
            .iter()
            .skip(usize::from(op.is_method))
            .map(|a| match &a.default {
                Some(d) if !Op::required(a) => default_arg(a.kind, d),
                _ => {
                    let n = ident(&a.name);
                    quote!(#n)
                }
            });
        quote!(#call_prefix #full_name(#(#forwarded),*))
    };
    let hidden = [quote!(#[doc(hidden)])];
    let unwrap = |call: TokenStream| quote!(crate::error::unwrap(#call));
    let mut out = Vec::new();
    // `track_caller` on the fallible forms too: an error records its caller's location.
    let d = docs(op, Form::All);
    out.push(function(
        &d,
        &full_name,
        &all,
        result.clone(),
        full_body(op),
    ));
    let call = unwrap(forward(&full_name, &all));
    out.push(function(&d, &panic_full, &all, panic_ret.clone(), call));
    if op.has_defaults() && !op.with_only {
        let d = docs(op, Form::Required);
        let (f_name, plain) = (format_ident!("f_{}", name), fn_ident(name));
        out.push(function(
            &d,
            &f_name,
            &req,
            result.clone(),
            defaults_filled.clone(),
        ));
        let call = unwrap(forward(&f_name, &req));
        out.push(function(&d, &plain, &req, panic_ret.clone(), call));
    }
    // The schema-derived name an op had before it took PyTorch's name: its forms as they were,
    // forwarding, out of the docs' way.
    if let Some(old) = &op.schema_alias {
        let (f, p) = if op.has_defaults() {
            (format_ident!("f_{old}_with"), format_ident!("{old}_with"))
        } else {
            (format_ident!("f_{old}"), fn_ident(old))
        };
        out.push(function(
            &hidden,
            &f,
            &all,
            result.clone(),
            forward(&full_name, &all),
        ));
        let call = unwrap(forward(&full_name, &all));
        out.push(function(&hidden, &p, &all, panic_ret.clone(), call));
        if op.has_defaults() {
            let f = format_ident!("f_{old}");
            out.push(function(
                &hidden,
                &f,
                &req,
                result.clone(),
                defaults_filled.clone(),
            ));
            out.push(function(
                &hidden,
                &fn_ident(old),
                &req,
                panic_ret.clone(),
                unwrap(defaults_filled.clone()),
            ));
        }
    }
    // Every form exists exactly in the versions the op does (codegen/src/versions.rs).
    let gate = op.versions.cfg_attr();
    let gated = out.iter().map(|item| quote!(#gate #item));
    quote!(#(#gated)*)
}

/// One shard's `impl Tensor` block, `libtorch/src/generated/ops_NN.rs`.
pub fn file(ops: &[&Op]) -> String {
    let fns = ops.iter().map(|op| op_fns(op));
    let tokens = quote! {
        #![allow(
            non_snake_case,
            clippy::too_many_arguments,
            clippy::should_implement_trait,
            clippy::type_complexity,
            clippy::wrong_self_convention,
            clippy::new_ret_no_self,
            clippy::len_without_is_empty,
            clippy::needless_question_mark,
            clippy::needless_borrows_for_generic_args,
            unused_imports
        )]
        use crate::ffi_support as support;
        use crate::{Device, Generator, IntList, Kind, Layout, MemoryFormat, OptionalIntList, OptionalScalar, OptionalStr, OptionalTensorList, OptionalTensorOrNumber, QScheme, Result, Scalar, Storage, Stream, Tensor, TensorOrNumber};
        use libtorch_sys::abi::*;
        use libtorch_sys::ops;

        impl Tensor {
            #(#fns)*
        }
    };
    let file: syn::File = match syn::parse2(tokens) {
        Ok(f) => f,
        Err(e) => panic!("generated safe code does not parse: {e}"),
    };
    let text = prettyplease::unparse(&file);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    out.push_str(crate::emit_cpp::HEADER);
    for line in text.lines() {
        match line.strip_suffix(SAFETY_MARKER) {
            Some(indent) if indent.trim().is_empty() => {
                out.push_str(indent);
                out.push_str(SAFETY);
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// `mod.rs`, naming the generated files.
pub fn mod_file(names: &[String]) -> String {
    let mut s = String::from(crate::emit_cpp::HEADER);
    s.push_str("//! The generated part of the safe API: one `impl Tensor` block per file, for every\n//! bound ATen operator overload. Conventions: codegen/README.md.\n\n");
    // The generated files are formatted by prettyplease, not rustfmt: `#[rustfmt::skip]` on
    // each declaration keeps `cargo fmt` from rewriting them (an inner attribute is unstable).
    for n in names {
        s.push_str(&format!("#[rustfmt::skip]\nmod {n};\n"));
    }
    s
}
