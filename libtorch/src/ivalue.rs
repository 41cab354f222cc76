//! `IValue`: a PyTorch value that is not only a tensor — what a checkpoint holds beside its
//! tensors (`{"model": sd, "epoch": 3, "config": {...}}`), and what a TorchScript method takes
//! and returns.
use crate::{Device, Error, Kind, Result, Tensor};
use num_complex::Complex;

/// One PyTorch value, as a typed tree.
///
/// The variants are the values a `torch.load(weights_only=True)` checkpoint and a TorchScript
/// signature can hold. Python's `dict` and `collections.OrderedDict` are both [`IValue::Dict`]
/// (entries in file order); `list` and `set` are [`IValue::List`]; `torch.Size` is a
/// [`IValue::Tuple`] of ints.
///
/// ```
/// use libtorch::{IValue, Tensor};
/// let ckpt = IValue::dict([
///     ("epoch", IValue::from(3)),
///     ("weight", IValue::from(Tensor::from_slice(&[1.0f32, 2.0]))),
/// ]);
/// assert_eq!(ckpt.get("epoch").and_then(IValue::as_int), Some(3));
/// assert_eq!(ckpt.get("weight").unwrap().as_tensor().unwrap().size(), [2]);
/// ```
#[derive(Clone, Debug)]
pub enum IValue {
    /// Python's `None`.
    None,
    /// `bool`.
    Bool(bool),
    /// `int` (64 bits, as in TorchScript).
    Int(i64),
    /// `float`.
    Double(f64),
    /// `complex`.
    Complex(Complex<f64>),
    /// `str`.
    String(String),
    /// `bytes` (and `bytearray`).
    Bytes(Vec<u8>),
    /// A tensor (a `torch.nn.Parameter` too).
    Tensor(Tensor),
    /// `list` (and `set`).
    List(Vec<IValue>),
    /// `tuple` (and `torch.Size`).
    Tuple(Vec<IValue>),
    /// `dict` and `OrderedDict`, in insertion order.
    Dict(Vec<(IValue, IValue)>),
    /// `torch.device`.
    Device(Device),
    /// `torch.dtype`.
    Kind(Kind),
}

impl IValue {
    /// A dict with string keys, in the given order.
    pub fn dict<K: Into<String>>(entries: impl IntoIterator<Item = (K, IValue)>) -> IValue {
        IValue::Dict(
            entries
                .into_iter()
                .map(|(k, v)| (IValue::String(k.into()), v))
                .collect(),
        )
    }

    /// A dict of tensors with string keys (a `state_dict`), in the given order.
    pub fn tensor_dict<'a, K: Into<String>>(
        entries: impl IntoIterator<Item = (K, &'a Tensor)>,
    ) -> IValue {
        IValue::dict(
            entries
                .into_iter()
                .map(|(k, t)| (k, IValue::Tensor(t.clone()))),
        )
    }

    /// The Python type name of this value (`"int"`, `"Tensor"`, `"dict"`, ...), for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            IValue::None => "None",
            IValue::Bool(_) => "bool",
            IValue::Int(_) => "int",
            IValue::Double(_) => "float",
            IValue::Complex(_) => "complex",
            IValue::String(_) => "str",
            IValue::Bytes(_) => "bytes",
            IValue::Tensor(_) => "Tensor",
            IValue::List(_) => "list",
            IValue::Tuple(_) => "tuple",
            IValue::Dict(_) => "dict",
            IValue::Device(_) => "device",
            IValue::Kind(_) => "dtype",
        }
    }

    /// Whether this is `None`.
    pub fn is_none(&self) -> bool {
        matches!(self, IValue::None)
    }

    /// The tensor, if this is one.
    pub fn as_tensor(&self) -> Option<&Tensor> {
        match self {
            IValue::Tensor(t) => Some(t),
            _ => None,
        }
    }

    /// The integer, if this is an `int` (or a `bool`, as in Python).
    pub fn as_int(&self) -> Option<i64> {
        match *self {
            IValue::Int(i) => Some(i),
            IValue::Bool(b) => Some(b as i64),
            _ => None,
        }
    }

    /// The number as f64, if this is a `float`, an `int` or a `bool`.
    pub fn as_double(&self) -> Option<f64> {
        match *self {
            IValue::Double(d) => Some(d),
            IValue::Int(i) => Some(i as f64),
            IValue::Bool(b) => Some(b as i64 as f64),
            _ => None,
        }
    }

    /// The boolean, if this is a `bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            IValue::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The string, if this is a `str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            IValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The elements, if this is a list or a tuple.
    pub fn as_slice(&self) -> Option<&[IValue]> {
        match self {
            IValue::List(v) | IValue::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// The entries, if this is a dict.
    pub fn as_dict(&self) -> Option<&[(IValue, IValue)]> {
        match self {
            IValue::Dict(v) => Some(v),
            _ => None,
        }
    }

    /// The value under the string key `key`, if this is a dict that has it (`d[key]`).
    pub fn get(&self, key: &str) -> Option<&IValue> {
        self.as_dict()?
            .iter()
            .rev() // a repeated key: the last one wins, as in Python
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The entries of a dict of string keys and tensor values (a `state_dict`), in order; an
    /// error naming the first entry that is not a (str, Tensor) pair.
    pub fn to_tensor_map(&self) -> Result<Vec<(String, Tensor)>> {
        let entries = self.as_dict().ok_or_else(|| {
            Error::invalid(
                "to_tensor_map",
                format!("expected a dict of tensors, found a {}", self.type_name()),
            )
        })?;
        entries
            .iter()
            .map(|(k, v)| match (k, v) {
                (IValue::String(k), IValue::Tensor(t)) => Ok((k.clone(), t.clone())),
                (IValue::String(k), v) => Err(Error::invalid(
                    "to_tensor_map",
                    format!("the value of `{k}` is a {}, not a tensor", v.type_name()),
                )),
                (k, _) => Err(Error::invalid(
                    "to_tensor_map",
                    format!("a key is a {}, not a str", k.type_name()),
                )),
            })
            .collect()
    }

    /// Every tensor in the tree with its path (`model.fc.weight`, `optimizer.state.0.exp_avg`,
    /// `layers.1`), depth first in order.
    pub fn named_tensors(&self) -> Vec<(String, Tensor)> {
        fn walk(v: &IValue, path: &str, out: &mut Vec<(String, Tensor)>) {
            let join = |k: &str| {
                if path.is_empty() {
                    k.to_owned()
                } else {
                    format!("{path}.{k}")
                }
            };
            match v {
                IValue::Tensor(t) => out.push((path.to_owned(), t.clone())),
                IValue::List(xs) | IValue::Tuple(xs) => {
                    for (i, x) in xs.iter().enumerate() {
                        walk(x, &join(&i.to_string()), out);
                    }
                }
                IValue::Dict(entries) => {
                    for (k, x) in entries {
                        let key = match k {
                            IValue::String(s) => s.clone(),
                            IValue::Int(i) => i.to_string(),
                            other => format!("<{}>", other.type_name()),
                        };
                        walk(x, &join(&key), out);
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(self, "", &mut out);
        out
    }
}

macro_rules! from_impls {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl From<$t> for IValue {
            fn from($v: $t) -> IValue {
                $e
            }
        })*
    };
}

from_impls! {
    bool => |v| IValue::Bool(v),
    i64 => |v| IValue::Int(v),
    i32 => |v| IValue::Int(v.into()),
    f64 => |v| IValue::Double(v),
    f32 => |v| IValue::Double(v.into()),
    Complex<f64> => |v| IValue::Complex(v),
    &str => |v| IValue::String(v.to_owned()),
    String => |v| IValue::String(v),
    Tensor => |v| IValue::Tensor(v),
    &Tensor => |v| IValue::Tensor(v.clone()),
    Device => |v| IValue::Device(v),
    Kind => |v| IValue::Kind(v),
    Vec<IValue> => |v| IValue::List(v),
    () => |_v| IValue::None,
}

impl<T: Into<IValue>> From<Option<T>> for IValue {
    fn from(v: Option<T>) -> IValue {
        v.map_or(IValue::None, Into::into)
    }
}

/// Tuples of up to four values become [`IValue::Tuple`].
macro_rules! tuple_impls {
    ($(($($n:ident),+)),*) => {
        $(impl<$($n: Into<IValue>),+> From<($($n,)+)> for IValue {
            #[allow(non_snake_case)]
            fn from(($($n,)+): ($($n,)+)) -> IValue {
                IValue::Tuple(vec![$($n.into()),+])
            }
        })*
    };
}
tuple_impls!((A), (A, B), (A, B, C), (A, B, C, D));

fn mismatch(want: &str, got: &IValue) -> Error {
    Error::invalid(
        "IValue",
        format!("expected a {want}, found a {}", got.type_name()),
    )
}

impl TryFrom<IValue> for Tensor {
    type Error = Error;
    fn try_from(v: IValue) -> Result<Tensor> {
        match v {
            IValue::Tensor(t) => Ok(t),
            other => Err(mismatch("Tensor", &other)),
        }
    }
}

impl TryFrom<IValue> for i64 {
    type Error = Error;
    fn try_from(v: IValue) -> Result<i64> {
        v.as_int().ok_or_else(|| mismatch("int", &v))
    }
}

impl TryFrom<IValue> for f64 {
    type Error = Error;
    fn try_from(v: IValue) -> Result<f64> {
        v.as_double().ok_or_else(|| mismatch("float", &v))
    }
}

impl TryFrom<IValue> for bool {
    type Error = Error;
    fn try_from(v: IValue) -> Result<bool> {
        v.as_bool().ok_or_else(|| mismatch("bool", &v))
    }
}

impl TryFrom<IValue> for String {
    type Error = Error;
    fn try_from(v: IValue) -> Result<String> {
        match v {
            IValue::String(s) => Ok(s),
            other => Err(mismatch("str", &other)),
        }
    }
}

impl TryFrom<IValue> for Vec<IValue> {
    type Error = Error;
    fn try_from(v: IValue) -> Result<Vec<IValue>> {
        match v {
            IValue::List(xs) | IValue::Tuple(xs) => Ok(xs),
            other => Err(mismatch("list or tuple", &other)),
        }
    }
}

impl TryFrom<IValue> for Vec<Tensor> {
    type Error = Error;
    fn try_from(v: IValue) -> Result<Vec<Tensor>> {
        Vec::<IValue>::try_from(v)?
            .into_iter()
            .map(Tensor::try_from)
            .collect()
    }
}
