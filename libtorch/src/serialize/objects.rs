//! The objects an unpickled checkpoint is made of, before its tensors exist: an arena of Python
//! values that refer to each other by index (a pickle can share one list between two places,
//! and fill it after sharing), the globals PyTorch's weights-only loader allows, and what
//! calling one of them with arguments makes. Nothing here runs code from the file: a "call" is
//! a match on an allowlisted name that builds a description (a tensor to rebuild, a device, ...).
use crate::{Device, Error, Kind, Layout, QScheme, Result};
use std::collections::HashMap;

/// An index into the arena.
pub(crate) type Ref = usize;

/// One Python object.
#[derive(Debug)]
pub(crate) enum Obj {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Complex(f64, f64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<Ref>),
    Tuple(Vec<Ref>),
    Set(Vec<Ref>),
    Dict(Dict),
    Global(Global),
    Device(Device),
    Dtype(Kind),
    QScheme(QScheme),
    Layout(Layout),
    /// A `persistent_load`ed storage (`('storage', type, key, location, numel)`).
    Storage(StorageRef),
    /// A tensor to rebuild once the storages are at hand.
    Tensor(Box<TensorSpec>),
}

/// A dict, `OrderedDict` or `Counter`: entries in insertion order, with an index of the
/// hashable keys so a repeated key replaces the earlier value as in Python.
#[derive(Debug, Default)]
pub(crate) struct Dict {
    pub entries: Vec<(Ref, Ref)>,
    index: HashMap<Key, usize>,
}

/// A hashable key as Python compares it: `1`, `1.0` and `True` are the same key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    None,
    Int(i64),
    Float(u64),
    Complex(u64, u64),
    Str(String),
    Bytes(Vec<u8>),
    Tuple(Vec<Key>),
    /// Identity-hashed objects (tensors, storages, globals, devices).
    Id(Ref),
}

/// The globals of PyTorch's weights-only allowlist (`_get_allowed_globals`), plus the pure list
/// builders of libtorch's own pickler (`torch.jit._pickle`), which files written by earlier
/// versions of this crate contain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Global {
    OrderedDict,
    Counter,
    Parameter,
    TensorClass,
    Size,
    Device,
    CodecsEncode,
    Bytearray,
    Set,
    Complex,
    GetLayout,
    RebuildTensor,
    RebuildTensorV2,
    RebuildTensorV3,
    RebuildQTensor,
    RebuildParameter,
    RebuildParameterWithState,
    RebuildSparse,
    RebuildMetaNoStorage,
    RebuildFromTypeV2,
    /// `torch.FloatStorage` etc. (`None`: `torch.UntypedStorage`, bytes).
    StorageType(Option<Kind>),
    /// `torch.jit._pickle.restore_type_tag(value, type_str)`: the value.
    RestoreTypeTag,
    /// `torch.jit._pickle.build_intlist(list)` and its siblings: the list.
    BuildList,
    /// Allowed by PyTorch, but not something this loader can build (nested tensors, tensor
    /// subclasses, numpy-backed device tensors).
    Unsupported(&'static str),
}

/// A storage as `persistent_load` receives it.
#[derive(Debug, Clone)]
pub(crate) struct StorageRef {
    /// The record key (`data/<key>` in a zip file; a number in the legacy format).
    pub key: String,
    /// The element type (`Uint8` for an untyped storage).
    pub kind: Kind,
    /// Where it was saved from: `"cpu"`, `"cuda:0"`, ...
    pub location: String,
    /// Elements of `kind` (bytes for an untyped storage).
    pub numel: u64,
    /// Legacy format only: a view of the root storage, `(view key, offset, numel)` in elements.
    pub view: Option<(String, u64, u64)>,
}

/// How to rebuild one tensor.
#[derive(Debug)]
pub(crate) enum TensorSpec {
    /// `_rebuild_tensor_v2` and friends: a strided view of a storage.
    Strided(Strided),
    /// `_rebuild_qtensor`: a quantized tensor over an integer storage.
    Quantized { base: Strided, params: QParams },
    /// `_rebuild_sparse_tensor` with `torch.sparse_coo`.
    SparseCoo {
        indices: Ref,
        values: Ref,
        size: Vec<i64>,
        coalesced: Option<bool>,
    },
    /// `_rebuild_sparse_tensor` with a compressed layout (CSR, CSC, BSR, BSC).
    SparseCompressed {
        layout: Layout,
        compressed: Ref,
        plain: Ref,
        values: Ref,
        size: Vec<i64>,
    },
    /// `_rebuild_meta_tensor_no_storage`: shape and dtype only, on the meta device.
    Meta {
        kind: Kind,
        size: Vec<i64>,
        stride: Vec<i64>,
        requires_grad: bool,
    },
    /// `nn.Parameter(t, requires_grad)` and `_rebuild_parameter`: `t` with `requires_grad` set.
    WithGrad { inner: Ref, requires_grad: bool },
}

#[derive(Debug)]
pub(crate) struct Strided {
    pub storage: StorageRef,
    /// The tensor's dtype (an untyped storage's tensor says it separately).
    pub kind: Kind,
    pub offset: i64,
    pub size: Vec<i64>,
    pub stride: Vec<i64>,
    pub requires_grad: bool,
    /// `_rebuild_tensor_v2`'s metadata: the conjugate and negative bits.
    pub conj: bool,
    pub neg: bool,
}

#[derive(Debug)]
pub(crate) enum QParams {
    PerTensor {
        scale: f64,
        zero_point: i64,
    },
    PerChannel {
        scales: Ref,
        zero_points: Ref,
        axis: i64,
    },
}

/// The arena, and the operations the pickle machine performs on its objects.
#[derive(Debug, Default)]
pub(crate) struct Arena {
    pub objs: Vec<Obj>,
}

fn bad(message: impl Into<String>) -> Error {
    Error::data("load", message)
}

impl Arena {
    pub fn push(&mut self, o: Obj) -> Ref {
        self.objs.push(o);
        self.objs.len() - 1
    }

    pub fn get(&self, r: Ref) -> &Obj {
        &self.objs[r]
    }

    /// A short Python-like name of an object's type, for messages.
    pub fn type_name(&self, r: Ref) -> &'static str {
        match &self.objs[r] {
            Obj::None => "None",
            Obj::Bool(_) => "bool",
            Obj::Int(_) => "int",
            Obj::Float(_) => "float",
            Obj::Complex(..) => "complex",
            Obj::Str(_) => "str",
            Obj::Bytes(_) => "bytes",
            Obj::List(_) => "list",
            Obj::Tuple(_) => "tuple",
            Obj::Set(_) => "set",
            Obj::Dict(_) => "dict",
            Obj::Global(_) => "global",
            Obj::Device(_) => "device",
            Obj::Dtype(_) => "dtype",
            Obj::QScheme(_) => "qscheme",
            Obj::Layout(_) => "layout",
            Obj::Storage(_) => "storage",
            Obj::Tensor(_) => "Tensor",
        }
    }

    /// The hashable key of `r`, as Python would hash it; unhashable objects are an error.
    fn key(&self, r: Ref, depth: usize) -> Result<Key> {
        if depth > 100 {
            return Err(bad("a dict key nests tuples more than 100 deep"));
        }
        Ok(match &self.objs[r] {
            Obj::None => Key::None,
            Obj::Bool(b) => Key::Int(*b as i64),
            Obj::Int(i) => Key::Int(*i),
            Obj::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 9.0e18 {
                    Key::Int(*f as i64)
                } else {
                    // -0.0 == 0.0 is handled by the integral case above.
                    Key::Float(f.to_bits())
                }
            }
            Obj::Complex(re, im) => {
                if *im == 0.0 {
                    return self.key_of_float(*re);
                }
                Key::Complex(re.to_bits(), im.to_bits())
            }
            Obj::Str(s) => Key::Str(s.clone()),
            Obj::Bytes(b) => Key::Bytes(b.clone()),
            Obj::Tuple(items) => Key::Tuple(
                items
                    .iter()
                    .map(|&i| self.key(i, depth + 1))
                    .collect::<Result<_>>()?,
            ),
            Obj::List(_) | Obj::Set(_) | Obj::Dict(_) => {
                return Err(bad(format!(
                    "a dict key is a {}, which is unhashable",
                    self.type_name(r)
                )))
            }
            _ => Key::Id(r),
        })
    }

    fn key_of_float(&self, f: f64) -> Result<Key> {
        Ok(if f.fract() == 0.0 && f.abs() < 9.0e18 {
            Key::Int(f as i64)
        } else {
            Key::Float(f.to_bits())
        })
    }

    /// `d[k] = v` on the dict at `d`.
    pub fn set_item(&mut self, d: Ref, k: Ref, v: Ref) -> Result<()> {
        let key = self.key(k, 0)?;
        match &mut self.objs[d] {
            Obj::Dict(dict) => {
                match dict.index.get(&key) {
                    Some(&i) => dict.entries[i].1 = v,
                    None => {
                        dict.index.insert(key, dict.entries.len());
                        dict.entries.push((k, v));
                    }
                }
                Ok(())
            }
            _ => Err(bad(format!(
                "SETITEM on a {}: only dict, OrderedDict and Counter take items",
                self.type_name(d)
            ))),
        }
    }

    fn int(&self, r: Ref, what: &str) -> Result<i64> {
        match self.objs[r] {
            Obj::Int(i) => Ok(i),
            Obj::Bool(b) => Ok(b as i64),
            _ => Err(bad(format!(
                "{what} is a {}, not an int",
                self.type_name(r)
            ))),
        }
    }

    fn float(&self, r: Ref, what: &str) -> Result<f64> {
        match self.objs[r] {
            Obj::Float(f) => Ok(f),
            Obj::Int(i) => Ok(i as f64),
            Obj::Bool(b) => Ok(b as i64 as f64),
            _ => Err(bad(format!(
                "{what} is a {}, not a float",
                self.type_name(r)
            ))),
        }
    }

    fn bool(&self, r: Ref, what: &str) -> Result<bool> {
        match self.objs[r] {
            Obj::Bool(b) => Ok(b),
            Obj::Int(i) => Ok(i != 0),
            _ => Err(bad(format!(
                "{what} is a {}, not a bool",
                self.type_name(r)
            ))),
        }
    }

    fn str(&self, r: Ref, what: &str) -> Result<&str> {
        match &self.objs[r] {
            Obj::Str(s) => Ok(s),
            Obj::Bytes(b) => std::str::from_utf8(b)
                .map_err(|_| bad(format!("{what} is bytes that are not ASCII"))),
            _ => Err(bad(format!("{what} is a {}, not a str", self.type_name(r)))),
        }
    }

    /// The items of a tuple or list.
    pub fn items(&self, r: Ref, what: &str) -> Result<&[Ref]> {
        match &self.objs[r] {
            Obj::Tuple(v) | Obj::List(v) => Ok(v),
            _ => Err(bad(format!(
                "{what} is a {}, not a tuple",
                self.type_name(r)
            ))),
        }
    }

    fn ints(&self, r: Ref, what: &str) -> Result<Vec<i64>> {
        self.items(r, what)?
            .iter()
            .map(|&i| self.int(i, what))
            .collect()
    }

    fn tensor_ref(&self, r: Ref, what: &str) -> Result<Ref> {
        match &self.objs[r] {
            Obj::Tensor(_) => Ok(r),
            _ => Err(bad(format!(
                "{what} is a {}, not a tensor",
                self.type_name(r)
            ))),
        }
    }

    /// Builds the dict an `OrderedDict(...)`/`Counter(...)` call makes from its argument tuple.
    fn dict_from(&mut self, args: &[Ref], name: &str) -> Result<Ref> {
        let d = self.push(Obj::Dict(Dict::default()));
        match args {
            [] => {}
            [src] => {
                let pairs: Vec<(Ref, Ref)> = match &self.objs[*src] {
                    Obj::Dict(other) => other.entries.clone(),
                    Obj::List(items) | Obj::Tuple(items) => {
                        let items = items.clone();
                        let mut pairs = Vec::with_capacity(items.len());
                        for i in items {
                            match self.items(i, &format!("an item of {name}(...)"))? {
                                [k, v] => pairs.push((*k, *v)),
                                _ => {
                                    return Err(bad(format!(
                                        "{name}(...) takes (key, value) pairs"
                                    )))
                                }
                            }
                        }
                        pairs
                    }
                    _ => return Err(bad(format!("{name}(...) of a {}", self.type_name(*src)))),
                };
                for (k, v) in pairs {
                    self.set_item(d, k, v)?;
                }
            }
            _ => return Err(bad(format!("{name}(...) with {} arguments", args.len()))),
        }
        Ok(d)
    }

    /// What calling the allowlisted `f` with the argument tuple `args` makes (pickle's REDUCE):
    /// a new object, or for the identity-like functions the argument itself.
    pub fn call(&mut self, f: Global, args: Ref) -> Result<Ref> {
        let argv = self.items(args, "the arguments of a call")?.to_vec();
        match (f, argv.as_slice()) {
            (Global::OrderedDict, _) => self.dict_from(&argv, "OrderedDict"),
            (Global::Counter, _) => self.dict_from(&argv, "Counter"),
            (Global::RestoreTypeTag, [value] | [value, _]) => Ok(*value),
            (Global::RebuildFromTypeV2, [func, new_type, inner_args, _state]) => {
                let func = match self.objs[*func] {
                    Obj::Global(g) => g,
                    _ => return Err(bad("_rebuild_from_type_v2's function is not a global")),
                };
                match self.objs[*new_type] {
                    Obj::Global(Global::TensorClass | Global::Parameter) => {}
                    _ => {
                        return Err(bad(
                            "a tensor subclass other than Tensor and Parameter is not supported",
                        ))
                    }
                }
                let inner = self.call(func, *inner_args)?;
                if !matches!(self.objs[inner], Obj::Tensor(_)) {
                    return Err(bad("_rebuild_from_type_v2 did not rebuild a tensor"));
                }
                // The state holds Python attributes set on the tensor object: nothing a
                // libtorch tensor can keep.
                Ok(inner)
            }
            (Global::RestoreTypeTag | Global::RebuildFromTypeV2, _) => {
                Err(bad(format!("{f:?} called with {} arguments", argv.len())))
            }
            _ => {
                let o = self.make(f, argv)?;
                Ok(self.push(o))
            }
        }
    }

    /// The new object a call of `f` makes.
    fn make(&mut self, f: Global, args: Vec<Ref>) -> Result<Obj> {
        let want = |n: std::ops::RangeInclusive<usize>, name: &str| -> Result<()> {
            if n.contains(&args.len()) {
                Ok(())
            } else {
                Err(bad(format!(
                    "{name} called with {} arguments, expected {}..={}",
                    args.len(),
                    n.start(),
                    n.end()
                )))
            }
        };
        match f {
            Global::Set => {
                want(0..=1, "set")?;
                match args.first() {
                    None => Ok(Obj::Set(Vec::new())),
                    Some(&a) => Ok(Obj::Set(self.items(a, "set(...)'s argument")?.to_vec())),
                }
            }
            Global::Bytearray => {
                want(0..=2, "bytearray")?;
                match args.as_slice() {
                    [] => Ok(Obj::Bytes(Vec::new())),
                    [b] => match &self.objs[*b] {
                        Obj::Bytes(b) => Ok(Obj::Bytes(b.clone())),
                        _ => Err(bad("bytearray(...) of something other than bytes")),
                    },
                    [s, enc] => self.encode(*s, *enc),
                    _ => unreachable!(),
                }
            }
            Global::CodecsEncode => {
                want(1..=2, "_codecs.encode")?;
                match args.as_slice() {
                    [s] => self.encode_with(*s, "utf-8"),
                    [s, enc] => self.encode(*s, *enc),
                    _ => unreachable!(),
                }
            }
            Global::Complex => {
                want(0..=2, "complex")?;
                let re = match args.first() {
                    Some(&r) => self.float(r, "complex's real part")?,
                    None => 0.0,
                };
                let im = match args.get(1) {
                    Some(&r) => self.float(r, "complex's imaginary part")?,
                    None => 0.0,
                };
                Ok(Obj::Complex(re, im))
            }
            Global::Size => {
                want(0..=1, "torch.Size")?;
                let dims = match args.first() {
                    Some(&a) => self.items(a, "torch.Size's argument")?.to_vec(),
                    None => Vec::new(),
                };
                for &d in &dims {
                    self.int(d, "a torch.Size dimension")?;
                }
                Ok(Obj::Tuple(dims))
            }
            Global::Device => {
                want(1..=2, "torch.device")?;
                let text = match &self.objs[args[0]] {
                    Obj::Int(i) => format!("cuda:{i}"),
                    _ => self.str(args[0], "torch.device's type")?.to_owned(),
                };
                let text = match args.get(1) {
                    Some(&i) if !matches!(self.objs[i], Obj::None) => {
                        format!("{text}:{}", self.int(i, "torch.device's index")?)
                    }
                    _ => text,
                };
                Ok(Obj::Device(parse_device(&text)?))
            }
            Global::GetLayout => {
                want(1..=1, "_get_layout")?;
                let name = self.str(args[0], "a layout name")?;
                Ok(Obj::Layout(layout_by_name(name)?))
            }
            Global::BuildList => {
                want(1..=1, "build_list")?;
                Ok(Obj::List(self.items(args[0], "a list")?.to_vec()))
            }
            Global::RebuildTensor => {
                want(4..=4, "_rebuild_tensor")?;
                let s = self.strided(&args[..4], None, false, None)?;
                Ok(Obj::Tensor(Box::new(TensorSpec::Strided(s))))
            }
            Global::RebuildTensorV2 => {
                want(6..=7, "_rebuild_tensor_v2")?;
                let grad = self.bool(args[4], "requires_grad")?;
                let s = self.strided(&args[..4], None, grad, args.get(6).copied())?;
                Ok(Obj::Tensor(Box::new(TensorSpec::Strided(s))))
            }
            Global::RebuildTensorV3 => {
                want(7..=8, "_rebuild_tensor_v3")?;
                let grad = self.bool(args[4], "requires_grad")?;
                let kind = match self.objs[args[6]] {
                    Obj::Dtype(k) => k,
                    _ => return Err(bad("_rebuild_tensor_v3's dtype is not a dtype")),
                };
                let s = self.strided(&args[..4], Some(kind), grad, args.get(7).copied())?;
                Ok(Obj::Tensor(Box::new(TensorSpec::Strided(s))))
            }
            Global::RebuildQTensor => {
                want(7..=7, "_rebuild_qtensor")?;
                let grad = self.bool(args[5], "requires_grad")?;
                let base = self.strided(&args[..4], None, grad, None)?;
                let params = self.qparams(args[4])?;
                Ok(Obj::Tensor(Box::new(TensorSpec::Quantized {
                    base,
                    params,
                })))
            }
            Global::RebuildParameter | Global::RebuildParameterWithState => {
                want(3..=4, "_rebuild_parameter")?;
                let inner = self.tensor_ref(args[0], "a parameter's data")?;
                let requires_grad = self.bool(args[1], "requires_grad")?;
                Ok(Obj::Tensor(Box::new(TensorSpec::WithGrad {
                    inner,
                    requires_grad,
                })))
            }
            Global::Parameter => {
                want(0..=2, "Parameter")?;
                let Some(&data) = args.first() else {
                    return Err(bad("Parameter() without data is not supported"));
                };
                let inner = self.tensor_ref(data, "a parameter's data")?;
                let requires_grad = match args.get(1) {
                    Some(&g) => self.bool(g, "requires_grad")?,
                    None => true,
                };
                Ok(Obj::Tensor(Box::new(TensorSpec::WithGrad {
                    inner,
                    requires_grad,
                })))
            }
            Global::RebuildSparse => {
                want(2..=2, "_rebuild_sparse_tensor")?;
                let layout = match self.objs[args[0]] {
                    Obj::Layout(l) => l,
                    _ => return Err(bad("_rebuild_sparse_tensor's layout is not a layout")),
                };
                let data = self.items(args[1], "a sparse tensor's data")?.to_vec();
                let spec = match (layout, data.as_slice()) {
                    (Layout::Sparse, [i, v, size, rest @ ..]) if rest.len() <= 1 => {
                        TensorSpec::SparseCoo {
                            indices: self.tensor_ref(*i, "sparse indices")?,
                            values: self.tensor_ref(*v, "sparse values")?,
                            size: self.ints(*size, "a sparse tensor's size")?,
                            coalesced: match rest.first() {
                                Some(&c) if !matches!(self.objs[c], Obj::None) => {
                                    Some(self.bool(c, "is_coalesced")?)
                                }
                                _ => None,
                            },
                        }
                    }
                    (
                        Layout::SparseCsr
                        | Layout::SparseCsc
                        | Layout::SparseBsr
                        | Layout::SparseBsc,
                        [c, p, v, size],
                    ) => TensorSpec::SparseCompressed {
                        layout,
                        compressed: self.tensor_ref(*c, "compressed indices")?,
                        plain: self.tensor_ref(*p, "plain indices")?,
                        values: self.tensor_ref(*v, "sparse values")?,
                        size: self.ints(*size, "a sparse tensor's size")?,
                    },
                    _ => {
                        return Err(bad(format!(
                            "a {layout:?} sparse tensor with {} data fields",
                            data.len()
                        )))
                    }
                };
                Ok(Obj::Tensor(Box::new(spec)))
            }
            Global::RebuildMetaNoStorage => {
                want(4..=4, "_rebuild_meta_tensor_no_storage")?;
                let kind = match self.objs[args[0]] {
                    Obj::Dtype(k) => k,
                    _ => return Err(bad("a meta tensor's dtype is not a dtype")),
                };
                Ok(Obj::Tensor(Box::new(TensorSpec::Meta {
                    kind,
                    size: self.ints(args[1], "a meta tensor's size")?,
                    stride: self.ints(args[2], "a meta tensor's stride")?,
                    requires_grad: self.bool(args[3], "requires_grad")?,
                })))
            }
            Global::OrderedDict
            | Global::Counter
            | Global::RestoreTypeTag
            | Global::RebuildFromTypeV2 => Err(bad(format!("{f:?} cannot be made here"))),
            Global::StorageType(_) | Global::TensorClass => Err(bad(
                "calling a storage or tensor class is not supported by the weights-only format",
            )),
            Global::Unsupported(name) => Err(bad(format!(
                "{name} is allowed by PyTorch's weights-only loader but not supported here"
            ))),
        }
    }

    /// `cls.__new__(cls, *args)` (pickle's NEWOBJ) for the classes PyTorch allows.
    pub fn new_object(&mut self, cls: Global, args: Ref) -> Result<Ref> {
        match cls {
            Global::OrderedDict | Global::Counter => Ok(self.push(Obj::Dict(Dict::default()))),
            Global::Set => Ok(self.push(Obj::Set(Vec::new()))),
            Global::Parameter | Global::Size | Global::Complex | Global::Bytearray => {
                self.call(cls, args)
            }
            _ => Err(bad(format!(
                "creating an object of {cls:?} is not supported by the weights-only format"
            ))),
        }
    }

    fn encode(&self, s: Ref, enc: Ref) -> Result<Obj> {
        let enc = self.str(enc, "an encoding name")?.to_owned();
        self.encode_with(s, &enc)
    }

    /// `_codecs.encode(s, encoding)`: how protocol 2 pickles `bytes` (as a latin-1 str).
    fn encode_with(&self, s: Ref, enc: &str) -> Result<Obj> {
        let text = match &self.objs[s] {
            Obj::Str(t) => t,
            Obj::Bytes(b) => return Ok(Obj::Bytes(b.clone())),
            _ => return Err(bad("_codecs.encode of something other than a str")),
        };
        let norm = enc.to_ascii_lowercase().replace('_', "-");
        match norm.as_str() {
            "latin1" | "latin-1" | "iso-8859-1" | "iso8859-1" | "l1" => text
                .chars()
                .map(|c| {
                    u8::try_from(u32::from(c))
                        .map_err(|_| bad("a latin-1 string holds a character past U+00FF"))
                })
                .collect::<Result<Vec<u8>>>()
                .map(Obj::Bytes),
            "ascii" | "us-ascii" => {
                if text.is_ascii() {
                    Ok(Obj::Bytes(text.as_bytes().to_vec()))
                } else {
                    Err(bad("an ASCII string holds a non-ASCII character"))
                }
            }
            "utf-8" | "utf8" => Ok(Obj::Bytes(text.as_bytes().to_vec())),
            _ => Err(bad(format!(
                "_codecs.encode with the unsupported encoding `{enc}`"
            ))),
        }
    }

    /// The storage, offset, size and stride arguments shared by the tensor rebuild functions.
    fn strided(
        &self,
        args: &[Ref],
        dtype: Option<Kind>,
        requires_grad: bool,
        metadata: Option<Ref>,
    ) -> Result<Strided> {
        let storage = match &self.objs[args[0]] {
            Obj::Storage(s) => s.clone(),
            _ => {
                return Err(bad(format!(
                    "a tensor's storage is a {}, not a persistent storage",
                    self.type_name(args[0])
                )))
            }
        };
        let kind = dtype.unwrap_or(storage.kind);
        let (mut conj, mut neg) = (false, false);
        if let Some(m) = metadata {
            match &self.objs[m] {
                Obj::None => {}
                Obj::Dict(d) => {
                    for &(k, v) in &d.entries {
                        match self.str(k, "a tensor metadata key")? {
                            "conj" => conj = self.bool(v, "the conj flag")?,
                            "neg" => neg = self.bool(v, "the neg flag")?,
                            other => return Err(bad(format!("unknown tensor metadata `{other}`"))),
                        }
                    }
                }
                _ => return Err(bad("a tensor's metadata is not a dict")),
            }
        }
        Ok(Strided {
            storage,
            kind,
            offset: self.int(args[1], "a storage offset")?,
            size: self.ints(args[2], "a tensor's size")?,
            stride: self.ints(args[3], "a tensor's stride")?,
            requires_grad,
            conj,
            neg,
        })
    }

    fn qparams(&self, r: Ref) -> Result<QParams> {
        let items = self.items(r, "quantizer parameters")?;
        let scheme = match items.first().map(|&q| &self.objs[q]) {
            Some(Obj::QScheme(q)) => *q,
            _ => return Err(bad("quantizer parameters do not start with a qscheme")),
        };
        match (scheme, items) {
            (QScheme::PerTensorAffine, [_, scale, zp]) => Ok(QParams::PerTensor {
                scale: self.float(*scale, "a quantizer scale")?,
                zero_point: self.int(*zp, "a quantizer zero point")?,
            }),
            (
                QScheme::PerChannelAffine | QScheme::PerChannelAffineFloatQParams,
                [_, s, z, axis],
            ) => Ok(QParams::PerChannel {
                scales: self.tensor_ref(*s, "per-channel scales")?,
                zero_points: self.tensor_ref(*z, "per-channel zero points")?,
                axis: self.int(*axis, "a quantization axis")?,
            }),
            _ => Err(bad(format!(
                "quantizer parameters of {scheme:?} with {} fields are not supported",
                items.len()
            ))),
        }
    }

    /// The storage a `persistent_load` id describes: `('storage', type, key, location, numel)`,
    /// or in the legacy format `(..., numel, view_metadata)`.
    pub fn storage_ref(&self, pid: Ref) -> Result<StorageRef> {
        let items = self.items(pid, "a persistent id")?;
        let (Some(&tag), true) = (items.first(), items.len() == 5 || items.len() == 6) else {
            return Err(bad(format!(
                "a persistent id with {} fields, expected 5 (or 6 in the legacy format)",
                items.len()
            )));
        };
        if self.str(tag, "a persistent id's tag")? != "storage" {
            return Err(bad("only storages can be persistent ids"));
        }
        let kind = match self.objs[items[1]] {
            Obj::Global(Global::StorageType(k)) => k,
            _ => return Err(bad("a persistent id's storage type is not a storage class")),
        };
        let numel = self.int(items[4], "a storage's size")?;
        let numel =
            u64::try_from(numel).map_err(|_| bad(format!("a storage of {numel} elements")))?;
        let key = match &self.objs[items[2]] {
            Obj::Int(i) => i.to_string(),
            _ => self.str(items[2], "a storage key")?.to_owned(),
        };
        let view = match items.get(5).map(|&v| (v, &self.objs[v])) {
            None | Some((_, Obj::None)) => None,
            Some((v, _)) => match self.items(v, "a storage view")? {
                [k, off, n] => {
                    let vk = match &self.objs[*k] {
                        Obj::Int(i) => i.to_string(),
                        _ => self.str(*k, "a storage view key")?.to_owned(),
                    };
                    let off = u64::try_from(self.int(*off, "a view offset")?)
                        .map_err(|_| bad("a negative storage view offset"))?;
                    let n = u64::try_from(self.int(*n, "a view size")?)
                        .map_err(|_| bad("a negative storage view size"))?;
                    Some((vk, off, n))
                }
                _ => return Err(bad("a storage view is not (key, offset, size)")),
            },
        };
        Ok(StorageRef {
            key,
            kind: kind.unwrap_or(Kind::Uint8),
            location: self.str(items[3], "a storage location")?.to_owned(),
            numel,
            view,
        })
    }
}

/// A device from its `torch.device` text: `cpu`, `cuda`, `cuda:1`, `meta`, `mps`.
pub(crate) fn parse_device(text: &str) -> Result<Device> {
    let (kind, index) = match text.split_once(':') {
        Some((k, i)) => (
            k,
            Some(
                i.parse::<usize>()
                    .map_err(|_| bad(format!("bad device `{text}`")))?,
            ),
        ),
        None => (text, None),
    };
    match (kind, index) {
        ("cpu", _) => Ok(Device::Cpu),
        ("cuda", i) => {
            let i = i.unwrap_or(0);
            if i > i16::MAX as usize {
                return Err(bad(format!("bad device `{text}`")));
            }
            Ok(Device::Cuda(i))
        }
        ("meta", _) => Ok(Device::Meta),
        ("mps", _) => Ok(Device::Mps),
        _ => Err(bad(format!("the device `{text}` is not supported"))),
    }
}

fn layout_by_name(name: &str) -> Result<Layout> {
    Ok(match name.strip_prefix("torch.").unwrap_or(name) {
        "strided" => Layout::Strided,
        "sparse_coo" => Layout::Sparse,
        "sparse_csr" => Layout::SparseCsr,
        "sparse_csc" => Layout::SparseCsc,
        "sparse_bsr" => Layout::SparseBsr,
        "sparse_bsc" => Layout::SparseBsc,
        "_mkldnn" => Layout::Mkldnn,
        "jagged" => Layout::Jagged,
        _ => return Err(bad(format!("unknown layout `{name}`"))),
    })
}
