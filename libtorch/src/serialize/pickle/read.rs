//! The pickle machine: opcodes in, arena objects out.
//!
//! It runs the opcodes of PyTorch's weights-only unpickler (and the few extra ones that
//! protocols 0, 3 and 4 use for the same values), against the allowlist in
//! [`crate::serialize::objects`]. Every length is checked against the bytes present before
//! anything is allocated, the memo is a map (an index of 2^32 costs nothing), and there is no
//! recursion here: nesting depth only matters later, when the arena becomes a value tree.
use super::opcodes::*;
use crate::serialize::objects::{Arena, Global, Obj, Ref};
use crate::{Error, Kind, QScheme, Result};
use std::collections::HashMap;

fn bad(message: impl Into<String>) -> Error {
    Error::data("load", message)
}

/// What a `persistent_load` id becomes (a storage, for torch's formats).
pub(crate) type PersistentLoad<'a> = &'a mut dyn FnMut(&mut Arena, Ref) -> Result<Ref>;

/// A cursor over one pickle's bytes.
struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| {
                bad(format!(
                    "the pickle ends early: {n} bytes wanted at offset {}, {} left",
                    self.pos,
                    self.data.len() - self.pos
                ))
            })?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().unwrap()))
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn len_u64(&mut self) -> Result<usize> {
        usize::try_from(self.u64()?).map_err(|_| bad("a length past the address space"))
    }
    /// A protocol-0 text line, without its newline.
    fn line(&mut self) -> Result<&'a str> {
        let rest = &self.data[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| bad("a text opcode's line has no end"))?;
        let line = std::str::from_utf8(&rest[..n]).map_err(|_| bad("a text line is not UTF-8"))?;
        self.pos += n + 1;
        Ok(line)
    }
}

/// The machine's state: the value stack, the stacks saved by MARK, the memo.
struct Machine<'p> {
    arena: Arena,
    stack: Vec<Ref>,
    marks: Vec<Vec<Ref>>,
    memo: HashMap<u64, Ref>,
    persistent: PersistentLoad<'p>,
}

impl Machine<'_> {
    fn push(&mut self, o: Obj) {
        let r = self.arena.push(o);
        self.stack.push(r);
    }
    fn pop(&mut self) -> Result<Ref> {
        self.stack
            .pop()
            .ok_or_else(|| bad("the pickle pops an empty stack"))
    }
    fn top(&self) -> Result<Ref> {
        self.stack
            .last()
            .copied()
            .ok_or_else(|| bad("the pickle reads an empty stack"))
    }
    fn pop_mark(&mut self) -> Result<Vec<Ref>> {
        let outer = self
            .marks
            .pop()
            .ok_or_else(|| bad("the pickle closes a MARK it never opened"))?;
        Ok(std::mem::replace(&mut self.stack, outer))
    }
    fn memo_get(&self, i: u64) -> Result<Ref> {
        self.memo.get(&i).copied().ok_or_else(|| {
            bad(format!(
                "the pickle reads memo entry {i}, which was never set"
            ))
        })
    }
    fn memo_put(&mut self, i: u64) -> Result<()> {
        let top = self.top()?;
        self.memo.insert(i, top);
        Ok(())
    }
    fn tuple(&mut self, n: usize) -> Result<()> {
        if self.stack.len() < n {
            return Err(bad("a TUPLE opcode takes more items than the stack holds"));
        }
        let items = self.stack.split_off(self.stack.len() - n);
        self.push(Obj::Tuple(items));
        Ok(())
    }
    fn append(&mut self, list: Ref, items: Vec<Ref>) -> Result<()> {
        match &mut self.arena.objs[list] {
            Obj::List(v) => {
                v.extend(items);
                Ok(())
            }
            _ => Err(bad(format!(
                "APPEND to a {}: only lists can be appended to",
                self.arena.type_name(list)
            ))),
        }
    }
    fn set_items(&mut self, dict: Ref, items: Vec<Ref>) -> Result<()> {
        if items.len() % 2 != 0 {
            return Err(bad("SETITEMS with an odd number of items"));
        }
        for kv in items.chunks(2) {
            self.arena.set_item(dict, kv[0], kv[1])?;
        }
        Ok(())
    }
    fn global(&mut self, module: &str, name: &str) -> Result<()> {
        let o = resolve_global(module, name)?;
        self.push(o);
        Ok(())
    }
}

/// Runs one pickle from the start of `data`: the arena, the root object, and how many bytes
/// the pickle took (the legacy format writes several pickles back to back).
pub(crate) fn unpickle(data: &[u8], persistent: PersistentLoad) -> Result<(Arena, Ref, usize)> {
    let mut m = Machine {
        arena: Arena::default(),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        persistent,
    };
    let mut input = Input { data, pos: 0 };
    loop {
        let at = input.pos;
        let op = input
            .u8()
            .map_err(|_| bad("the pickle ends without a STOP opcode"))?;
        step(&mut m, &mut input, op).map_err(|e| match e {
            Error::Data { op: o, message } => Error::Data {
                op: o,
                message: format!("{message} (pickle opcode 0x{op:02x} at byte {at})"),
            },
            other => other,
        })?;
        if op == STOP {
            let root = m.pop()?;
            return Ok((m.arena, root, input.pos));
        }
    }
}

fn step(m: &mut Machine, input: &mut Input, op: u8) -> Result<()> {
    match op {
        PROTO => {
            let v = input.u8()?;
            if v > 5 {
                return Err(bad(format!("pickle protocol {v} is unknown")));
            }
        }
        FRAME => {
            input.u64()?;
        }
        STOP => {}
        MARK => {
            let outer = std::mem::take(&mut m.stack);
            m.marks.push(outer);
        }
        POP => {
            m.pop()?;
        }
        POP_MARK => {
            m.pop_mark()?;
        }
        DUP => {
            let t = m.top()?;
            m.stack.push(t);
        }
        NONE => m.push(Obj::None),
        NEWTRUE => m.push(Obj::Bool(true)),
        NEWFALSE => m.push(Obj::Bool(false)),
        BININT => m.push(Obj::Int(input.u32()? as i32 as i64)),
        BININT1 => m.push(Obj::Int(input.u8()? as i64)),
        BININT2 => m.push(Obj::Int(input.u16()? as i64)),
        LONG1 => {
            let n = input.u8()? as usize;
            let bytes = input.take(n)?;
            m.push(Obj::Int(long_from_le(bytes)?));
        }
        LONG4 => {
            let n = input.u32()? as usize;
            let bytes = input.take(n)?;
            m.push(Obj::Int(long_from_le(bytes)?));
        }
        INT => {
            let line = input.line()?;
            let o = match line {
                "00" => Obj::Bool(false),
                "01" => Obj::Bool(true),
                _ => Obj::Int(
                    line.parse()
                        .map_err(|_| bad(format!("INT operand `{line}` is not a 64-bit int")))?,
                ),
            };
            m.push(o);
        }
        LONG => {
            let line = input.line()?;
            let digits = line.strip_suffix('L').unwrap_or(line);
            let v = digits
                .parse()
                .map_err(|_| bad(format!("LONG operand `{line}` is not a 64-bit int")))?;
            m.push(Obj::Int(v));
        }
        BINFLOAT => {
            let b: [u8; 8] = input.take(8)?.try_into().unwrap();
            m.push(Obj::Float(f64::from_be_bytes(b)));
        }
        FLOAT => {
            let line = input.line()?;
            let v = line
                .parse()
                .map_err(|_| bad(format!("FLOAT operand `{line}` is not a float")))?;
            m.push(Obj::Float(v));
        }
        BINUNICODE => {
            let n = input.u32()? as usize;
            m.push(Obj::Str(utf8(input.take(n)?)?));
        }
        SHORT_BINUNICODE => {
            let n = input.u8()? as usize;
            m.push(Obj::Str(utf8(input.take(n)?)?));
        }
        BINUNICODE8 => {
            let n = input.len_u64()?;
            m.push(Obj::Str(utf8(input.take(n)?)?));
        }
        UNICODE => {
            // Protocol 0's raw-unicode-escape: ASCII in practice; anything else is refused.
            let line = input.line()?;
            if line.contains('\\') {
                return Err(bad("escaped UNICODE operands are not supported"));
            }
            m.push(Obj::Str(line.to_owned()));
        }
        // Python 2 `str`: `torch.load` reads them as bytes in its default `encoding`; PyTorch's
        // own keys (`'storage'`, locations) are ASCII and are decoded where they are used.
        SHORT_BINSTRING => {
            let n = input.u8()? as usize;
            m.push(Obj::Bytes(input.take(n)?.to_vec()));
        }
        BINSTRING => {
            let n = input.u32()? as i32;
            let n = usize::try_from(n).map_err(|_| bad("a negative BINSTRING length"))?;
            m.push(Obj::Bytes(input.take(n)?.to_vec()));
        }
        STRING => {
            let line = input.line()?;
            let inner = line
                .strip_prefix('\'')
                .and_then(|l| l.strip_suffix('\''))
                .or_else(|| line.strip_prefix('"').and_then(|l| l.strip_suffix('"')))
                .ok_or_else(|| bad("a STRING operand is not quoted"))?;
            if inner.contains('\\') {
                return Err(bad("escaped STRING operands are not supported"));
            }
            m.push(Obj::Bytes(inner.as_bytes().to_vec()));
        }
        BINBYTES => {
            let n = input.u32()? as usize;
            m.push(Obj::Bytes(input.take(n)?.to_vec()));
        }
        SHORT_BINBYTES => {
            let n = input.u8()? as usize;
            m.push(Obj::Bytes(input.take(n)?.to_vec()));
        }
        BINBYTES8 => {
            let n = input.len_u64()?;
            m.push(Obj::Bytes(input.take(n)?.to_vec()));
        }
        EMPTY_LIST => m.push(Obj::List(Vec::new())),
        EMPTY_TUPLE => m.push(Obj::Tuple(Vec::new())),
        EMPTY_DICT => m.push(Obj::Dict(Default::default())),
        EMPTY_SET => m.push(Obj::Set(Vec::new())),
        LIST => {
            let items = m.pop_mark()?;
            m.push(Obj::List(items));
        }
        DICT => {
            let items = m.pop_mark()?;
            m.push(Obj::Dict(Default::default()));
            let d = m.top()?;
            m.set_items(d, items)?;
        }
        FROZENSET => {
            let items = m.pop_mark()?;
            m.push(Obj::Set(items));
        }
        TUPLE => {
            let items = m.pop_mark()?;
            m.push(Obj::Tuple(items));
        }
        TUPLE1 => m.tuple(1)?,
        TUPLE2 => m.tuple(2)?,
        TUPLE3 => m.tuple(3)?,
        APPEND => {
            let item = m.pop()?;
            let list = m.top()?;
            m.append(list, vec![item])?;
        }
        APPENDS => {
            let items = m.pop_mark()?;
            let list = m.top()?;
            m.append(list, items)?;
        }
        ADDITEMS => {
            let items = m.pop_mark()?;
            let set = m.top()?;
            match &mut m.arena.objs[set] {
                Obj::Set(v) => v.extend(items),
                _ => return Err(bad("ADDITEMS to something other than a set")),
            }
        }
        SETITEM => {
            let v = m.pop()?;
            let k = m.pop()?;
            let d = m.top()?;
            m.arena.set_item(d, k, v)?;
        }
        SETITEMS => {
            let items = m.pop_mark()?;
            let d = m.top()?;
            m.set_items(d, items)?;
        }
        BINPUT => {
            let i = input.u8()? as u64;
            m.memo_put(i)?;
        }
        LONG_BINPUT => {
            let i = input.u32()? as u64;
            m.memo_put(i)?;
        }
        PUT => {
            let line = input.line()?;
            let i = line
                .parse()
                .map_err(|_| bad("a PUT index is not a number"))?;
            m.memo_put(i)?;
        }
        MEMOIZE => {
            let i = m.memo.len() as u64;
            m.memo_put(i)?;
        }
        BINGET => {
            let r = m.memo_get(input.u8()? as u64)?;
            m.stack.push(r);
        }
        LONG_BINGET => {
            let r = m.memo_get(input.u32()? as u64)?;
            m.stack.push(r);
        }
        GET => {
            let line = input.line()?;
            let i = line
                .parse()
                .map_err(|_| bad("a GET index is not a number"))?;
            let r = m.memo_get(i)?;
            m.stack.push(r);
        }
        GLOBAL => {
            let module = input.line()?;
            let name = input.line()?;
            m.global(module, name)?;
        }
        STACK_GLOBAL => {
            let name = m.pop()?;
            let module = m.pop()?;
            let (module, name) = match (m.arena.get(module), m.arena.get(name)) {
                (Obj::Str(a), Obj::Str(b)) => (a.clone(), b.clone()),
                _ => return Err(bad("STACK_GLOBAL of something other than two strings")),
            };
            m.global(&module, &name)?;
        }
        REDUCE => {
            let args = m.pop()?;
            let f = m.pop()?;
            let g = match m.arena.get(f) {
                Obj::Global(g) => *g,
                _ => {
                    return Err(bad(format!(
                        "REDUCE calls a {}, which is not an allowed global",
                        m.arena.type_name(f)
                    )))
                }
            };
            let r = m.arena.call(g, args)?;
            m.stack.push(r);
        }
        NEWOBJ => {
            let args = m.pop()?;
            let cls = m.pop()?;
            let g = match m.arena.get(cls) {
                Obj::Global(g) => *g,
                _ => return Err(bad("NEWOBJ of something other than an allowed class")),
            };
            let r = m.arena.new_object(g, args)?;
            m.stack.push(r);
        }
        BUILD => {
            let _state = m.pop()?;
            let inst = m.top()?;
            match m.arena.get(inst) {
                // `OrderedDict.__dict__.update(state)`: a state_dict's `_metadata` (module
                // versions), which a tensor map has no place for.
                Obj::Dict(_) => {}
                _ => {
                    return Err(bad(format!(
                        "BUILD of a {}: only an OrderedDict's attributes can be set",
                        m.arena.type_name(inst)
                    )))
                }
            }
        }
        BINPERSID => {
            let pid = m.pop()?;
            let r = (m.persistent)(&mut m.arena, pid)?;
            m.stack.push(r);
        }
        _ => {
            return Err(bad(format!(
                "unsupported pickle opcode 0x{op:02x} (not one PyTorch's weights-only loader runs)"
            )))
        }
    }
    Ok(())
}

fn utf8(b: &[u8]) -> Result<String> {
    String::from_utf8(b.to_vec()).map_err(|_| bad("a pickled string is not valid UTF-8"))
}

/// Python's `decode_long`: little-endian two's complement of any length, which must fit i64.
fn long_from_le(bytes: &[u8]) -> Result<i64> {
    if bytes.is_empty() {
        return Ok(0);
    }
    let negative = bytes[bytes.len() - 1] & 0x80 != 0;
    let fill = if negative { 0xff } else { 0 };
    // Bytes past the eighth must only repeat the sign.
    let (low, high) = bytes.split_at(bytes.len().min(8));
    if high.iter().any(|&b| b != fill) {
        return Err(bad(format!(
            "an integer of {} bytes does not fit in 64 bits",
            bytes.len()
        )));
    }
    let mut buf = [fill; 8];
    buf[..low.len()].copy_from_slice(low);
    let v = i64::from_le_bytes(buf);
    if (v < 0) != negative {
        return Err(bad("an integer does not fit in 64 bits"));
    }
    Ok(v)
}

/// `GLOBAL module name`, against PyTorch's weights-only allowlist (with Python 2's module names
/// mapped as `pickle`'s `fix_imports` does).
fn resolve_global(module: &str, name: &str) -> Result<Obj> {
    let module = match module {
        "__builtin__" => "builtins",
        "torch.tensor" => "torch._tensor",
        m => m,
    };
    let g = |g: Global| Ok(Obj::Global(g));
    match (module, name) {
        ("collections", "OrderedDict") => g(Global::OrderedDict),
        ("collections", "Counter") => g(Global::Counter),
        ("torch.nn.parameter", "Parameter") => g(Global::Parameter),
        ("torch.serialization", "_get_layout") => g(Global::GetLayout),
        ("torch", "Size") => g(Global::Size),
        ("torch", "Tensor") | ("torch._tensor", "Tensor") => g(Global::TensorClass),
        ("torch", "device") => g(Global::Device),
        ("_codecs", "encode") => g(Global::CodecsEncode),
        ("builtins", "bytearray") => g(Global::Bytearray),
        ("builtins", "set") => g(Global::Set),
        ("builtins", "complex") => g(Global::Complex),
        ("torch._utils", f) => match f {
            "_rebuild_tensor" => g(Global::RebuildTensor),
            "_rebuild_tensor_v2" => g(Global::RebuildTensorV2),
            "_rebuild_tensor_v3" => g(Global::RebuildTensorV3),
            "_rebuild_qtensor" => g(Global::RebuildQTensor),
            "_rebuild_parameter" => g(Global::RebuildParameter),
            "_rebuild_parameter_with_state" => g(Global::RebuildParameterWithState),
            "_rebuild_sparse_tensor" => g(Global::RebuildSparse),
            "_rebuild_meta_tensor_no_storage" => g(Global::RebuildMetaNoStorage),
            "_rebuild_nested_tensor" => g(Global::Unsupported("a nested tensor")),
            "_rebuild_wrapper_subclass" => g(Global::Unsupported("a tensor subclass")),
            "_rebuild_device_tensor_from_numpy" => {
                g(Global::Unsupported("a device tensor saved through numpy"))
            }
            "_rebuild_device_tensor_from_cpu_tensor" => {
                g(Global::Unsupported("a device tensor saved through the CPU"))
            }
            _ => not_allowed(module, name),
        },
        ("torch._tensor", "_rebuild_from_type_v2") => g(Global::RebuildFromTypeV2),
        ("torch.jit._pickle", "restore_type_tag") => g(Global::RestoreTypeTag),
        (
            "torch.jit._pickle",
            "build_intlist" | "build_tensorlist" | "build_doublelist" | "build_boollist",
        ) => g(Global::BuildList),
        ("torch.storage", "UntypedStorage") | ("torch", "UntypedStorage") => {
            g(Global::StorageType(None))
        }
        ("torch", n) | ("torch.cuda", n) if n.ends_with("Storage") => {
            match storage_kind(&n[..n.len() - "Storage".len()]) {
                Some(k) => g(Global::StorageType(Some(k))),
                None => not_allowed(module, name),
            }
        }
        ("torch", n) | ("torch.cuda", n) if n.ends_with("Tensor") && tensor_class(n) => {
            g(Global::TensorClass)
        }
        ("torch", n) => {
            if let Some(q) = qscheme_by_name(n) {
                return Ok(Obj::QScheme(q));
            }
            match n.parse::<Kind>() {
                Ok(k) if Kind::all().iter().any(|a| a.name() == n) => Ok(Obj::Dtype(k)),
                _ => not_allowed(module, name),
            }
        }
        _ => not_allowed(module, name),
    }
}

fn not_allowed(module: &str, name: &str) -> Result<Obj> {
    Err(bad(format!(
        "unsupported global {module}.{name}: not one of the globals PyTorch's weights-only \
         loader allows (the file may hold arbitrary Python objects; this loader never runs code)"
    )))
}

/// The element type of a legacy storage class (`FloatStorage` → float32).
fn storage_kind(prefix: &str) -> Option<Kind> {
    Some(match prefix {
        "Double" => Kind::Double,
        "Float" => Kind::Float,
        "Half" => Kind::Half,
        "Long" => Kind::Int64,
        "Int" => Kind::Int,
        "Short" => Kind::Int16,
        "Char" => Kind::Int8,
        "Byte" => Kind::Uint8,
        "Bool" => Kind::Bool,
        "BFloat16" => Kind::BFloat16,
        "ComplexDouble" => Kind::ComplexDouble,
        "ComplexFloat" => Kind::ComplexFloat,
        "QInt8" => Kind::QInt8,
        "QInt32" => Kind::QInt32,
        "QUInt8" => Kind::QUInt8,
        "QUInt4x2" => Kind::QUInt4x2,
        "QUInt2x4" => Kind::QUInt2x4,
        _ => return None,
    })
}

/// `torch.FloatTensor` and the other legacy tensor classes (`torch._tensor_classes`).
fn tensor_class(name: &str) -> bool {
    let prefix = &name[..name.len() - "Tensor".len()];
    storage_kind(prefix).is_some() && !prefix.starts_with('Q')
}

fn qscheme_by_name(n: &str) -> Option<QScheme> {
    Some(match n {
        "per_tensor_affine" => QScheme::PerTensorAffine,
        "per_tensor_symmetric" => QScheme::PerTensorSymmetric,
        "per_channel_affine" => QScheme::PerChannelAffine,
        "per_channel_symmetric" => QScheme::PerChannelSymmetric,
        "per_channel_affine_float_qparams" => QScheme::PerChannelAffineFloatQParams,
        _ => return None,
    })
}
