//! Argument and return kinds: every schema type the generator binds, from the C++ type
//! Declarations.yaml gives and the schema's annotations. A type not listed here makes the
//! declaration a skip, with that reason.

use crate::schema::SchemaArg;
use crate::spec::Argument;

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
    /// Whether the kind is an optional schema type (`Tensor?`, `int?`, ...): None is a value.
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

pub fn arg_kind(a: &Argument, s: &SchemaArg) -> Result<ArgKind, String> {
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

pub fn ret_kind(t: &str) -> Option<Ret> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::parse_schema_arg;

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

    #[test]
    fn returns() {
        assert_eq!(ret_kind("at::Tensor &"), Some(Ret::Tensor));
        assert_eq!(ret_kind("::std::vector<at::Tensor>"), Some(Ret::TensorVec));
        assert_eq!(ret_kind("c10::SymInt"), Some(Ret::SymInt));
        assert_eq!(ret_kind("at::QScheme"), Some(Ret::QScheme));
        assert_eq!(ret_kind("void*"), None);
    }
}
