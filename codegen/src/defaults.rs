//! The schema's C++ defaults (`false`, `::std::nullopt`, `at::kLong`, `{-2,-1}`, `"linear"`)
//! as typed values. A default not understood here makes the declaration a skip, never a guess.

use crate::kinds::ArgKind;
use serde_yaml_ng::Value;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Value {
        Value::String(s.into())
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
}
