//! The argument guards of spec/rules.yaml, resolved against each op's schema arguments.

use crate::defaults::DefaultValue;
use crate::kinds::ArgKind;
use crate::model::Op;
use crate::schema::parse_schema;
use crate::spec::GuardSpec;

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
pub fn guards_of(op: &Op, specs: &[GuardSpec]) -> Result<Vec<Guard>, String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{build, op_of};
    use crate::spec::{Argument, Declaration, Rules};
    use serde_yaml_ng::Value;

    fn v(s: &str) -> Value {
        Value::String(s.into())
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
}
