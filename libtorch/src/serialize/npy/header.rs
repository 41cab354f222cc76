//! The `.npy` header: the magic string, the version, and a Python dict literal such as
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
//!
//! The dict is parsed here rather than by `npyz`, whose reader is not fit for untrusted files:
//! its Python-literal grammar (`py_literal`, a pest parser) backtracks exponentially on nested
//! brackets (20 levels, a 100-byte file, take 45 s), it multiplies the shape without an
//! overflow check (a panic in debug builds), and it allocates the declared header length before
//! reading it. What NumPy writes is a small subset of Python literals (a dict of strings,
//! booleans, integers and tuples; lists of tuples for structured dtypes), parsed below with a
//! depth limit and NumPy's own size limit. The dtype strings (`'<f4'`) are parsed by `npyz`.
use npyz::{Endianness, TypeChar, TypeStr};

/// `np.load`'s default `max_header_size`: NumPy refuses longer headers unless told to trust the
/// file, and writes nothing near it for the dtypes we read.
pub(super) const MAX_HEADER_LEN: usize = 10_000;
/// Deeper nesting than any header NumPy writes for a plain dtype (structured ones are refused).
const MAX_DEPTH: usize = 16;

/// A parsed header.
#[derive(Debug)]
pub(super) struct Header {
    /// The element type, its size in bytes, and whether the file stores it big-endian.
    pub descr: Descr,
    pub fortran_order: bool,
    pub shape: Vec<u64>,
}

/// A plain dtype string's meaning.
#[derive(Debug, Clone, Copy)]
pub(super) struct Descr {
    pub kind: crate::Kind,
    pub big_endian: bool,
}

/// Where the header text is: the length of the part before it, and its own length, from the
/// first bytes of a file (at least [`PREFIX_MAX`] of them, or all there are).
pub(super) fn prefix(first: &[u8]) -> Result<(usize, usize), String> {
    if first.len() < 8 || &first[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (no \\x93NUMPY magic string)".into());
    }
    let (major, minor) = (first[6], first[7]);
    let (before, len) = match (major, minor) {
        (1, 0) => match first.get(8..10) {
            Some(b) => (10, u16::from_le_bytes([b[0], b[1]]) as usize),
            None => return Err("truncated in the header length".into()),
        },
        (2, 0) | (3, 0) => match first.get(8..12) {
            Some(b) => (12, u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize),
            None => return Err("truncated in the header length".into()),
        },
        _ => return Err(format!("unsupported .npy format version {major}.{minor}")),
    };
    if len > MAX_HEADER_LEN {
        return Err(format!(
            "the header claims {len} bytes, more than NumPy's limit of {MAX_HEADER_LEN}"
        ));
    }
    Ok((before, len))
}

/// How many bytes [`prefix`] needs at most.
pub(super) const PREFIX_MAX: usize = 12;

/// A value of the Python literal subset NumPy's headers use.
enum Value {
    Dict(Vec<(Value, Value)>),
    Seq(Vec<Value>),
    Str(Vec<u8>),
    Int(i128),
    Bool(bool),
    None,
}

impl Value {
    /// What the value is, for messages.
    fn what(&self) -> &'static str {
        match self {
            Value::Dict(_) => "a dict",
            Value::Seq(_) => "a tuple or list",
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Bool(_) => "a bool",
            Value::None => "None",
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("bad header dict at byte {}: {what}", self.at))
    }

    fn skip_space(&mut self) {
        while self.at < self.s.len() && matches!(self.s[self.at], b' ' | b'\t' | b'\n' | b'\r') {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.s.get(self.at).copied()
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.at += 1;
            Ok(())
        } else {
            self.err(&format!("expected `{}`", c as char))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return self.err(&format!("nested deeper than {MAX_DEPTH} levels"));
        }
        match self.peek() {
            Some(b'{') => {
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    if self.peek() == Some(b'}') {
                        self.at += 1;
                        return Ok(Value::Dict(items));
                    }
                    let k = self.value(depth + 1)?;
                    self.expect(b':')?;
                    let v = self.value(depth + 1)?;
                    items.push((k, v));
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {}
                        _ => return self.err("expected `,` or `}`"),
                    }
                }
            }
            Some(open @ (b'(' | b'[')) => {
                let close = if open == b'(' { b')' } else { b']' };
                self.at += 1;
                let mut items = Vec::new();
                let mut trailing_comma = false;
                loop {
                    if self.peek() == Some(close) {
                        self.at += 1;
                        // `(3)` is the integer 3 in Python, `(3,)` a tuple.
                        if open == b'(' && items.len() == 1 && !trailing_comma {
                            return Ok(items.pop().unwrap_or(Value::None));
                        }
                        return Ok(Value::Seq(items));
                    }
                    items.push(self.value(depth + 1)?);
                    trailing_comma = false;
                    match self.peek() {
                        Some(b',') => {
                            self.at += 1;
                            trailing_comma = true;
                        }
                        Some(c) if c == close => {}
                        _ => return self.err(&format!("expected `,` or `{}`", close as char)),
                    }
                }
            }
            Some(q @ (b'\'' | b'"')) => {
                self.at += 1;
                let mut out = Vec::new();
                loop {
                    match self.s.get(self.at) {
                        None => return self.err("unterminated string"),
                        Some(&c) if c == q => {
                            self.at += 1;
                            return Ok(Value::Str(out));
                        }
                        Some(b'\\') => {
                            // Escapes only matter for field names of structured dtypes, which
                            // are refused: keep the escaped character.
                            match self.s.get(self.at + 1) {
                                Some(&c) => out.push(c),
                                None => return self.err("unterminated string"),
                            }
                            self.at += 2;
                        }
                        Some(b'\n') => return self.err("newline in a string"),
                        Some(&c) => {
                            out.push(c);
                            self.at += 1;
                        }
                    }
                }
            }
            Some(c) if c.is_ascii_digit() || c == b'-' || c == b'+' => {
                let start = self.at;
                self.at += 1;
                while self.s.get(self.at).is_some_and(|c| c.is_ascii_digit()) {
                    self.at += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.at]).unwrap_or("");
                let v: i128 = match text.parse() {
                    Ok(v) => v,
                    Err(_) => return self.err(&format!("bad integer `{text}`")),
                };
                // Python 2's long suffix, in headers NumPy wrote under Python 2.
                if self.s.get(self.at) == Some(&b'L') {
                    self.at += 1;
                }
                Ok(Value::Int(v))
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.at;
                while self
                    .s
                    .get(self.at)
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    self.at += 1;
                }
                match &self.s[start..self.at] {
                    b"True" => Ok(Value::Bool(true)),
                    b"False" => Ok(Value::Bool(false)),
                    b"None" => Ok(Value::None),
                    w => self.err(&format!("unexpected `{}`", String::from_utf8_lossy(w))),
                }
            }
            Some(c) => self.err(&format!("unexpected `{}`", c.escape_ascii())),
            None => self.err("unexpected end"),
        }
    }
}

/// The meaning of a dtype string (`'<f4'`, `'|b1'`, `'>c16'`).
fn descr(text: &[u8]) -> Result<Descr, String> {
    let text =
        std::str::from_utf8(text).map_err(|_| "the dtype string is not UTF-8".to_string())?;
    let ts: TypeStr = text
        .parse()
        .map_err(|e| format!("invalid dtype string '{}': {e}", text.escape_default()))?;
    use crate::Kind::*;
    let size = ts.size_field();
    let kind = match (ts.type_char(), size) {
        (TypeChar::Bool, 1) => Bool,
        (TypeChar::Int, 1) => Int8,
        (TypeChar::Int, 2) => Int16,
        (TypeChar::Int, 4) => Int,
        (TypeChar::Int, 8) => Int64,
        (TypeChar::Uint, 1) => Uint8,
        (TypeChar::Uint, 2) => Uint16,
        (TypeChar::Uint, 4) => Uint32,
        (TypeChar::Uint, 8) => Uint64,
        (TypeChar::Float, 2) => Half,
        (TypeChar::Float, 4) => Float,
        (TypeChar::Float, 8) => Double,
        (TypeChar::Complex, 8) => ComplexFloat,
        (TypeChar::Complex, 16) => ComplexDouble,
        (TypeChar::Object, _) => {
            return Err(
                "dtype '|O' (Python objects) is stored with pickle, which is never read here"
                    .into(),
            )
        }
        _ => {
            return Err(format!(
            "dtype '{}' has no libtorch kind (supported: bool, int8-64, uint8-64, float16/32/64, \
                 complex64/128)",
            text.escape_default()
        ))
        }
    };
    let big_endian = match ts.endianness() {
        Endianness::Big => true,
        Endianness::Little => false,
        Endianness::Irrelevant if size == 1 => false,
        Endianness::Irrelevant => {
            return Err(format!(
                "dtype '{}' of {size} bytes has no byte order",
                text.escape_default()
            ))
        }
    };
    Ok(Descr { kind, big_endian })
}

/// Parses and checks the header dict (the text after the prefix, `len` bytes).
pub(super) fn parse(text: &[u8]) -> Result<Header, String> {
    let mut p = Parser { s: text, at: 0 };
    let v = p.value(0)?;
    if p.peek().is_some() {
        return p.err("text after the dict");
    }
    let Value::Dict(items) = v else {
        return Err("the header is not a dict".into());
    };
    let (mut d, mut f, mut s) = (None, None, None);
    for (k, v) in items {
        let Value::Str(k) = k else {
            return Err("a header key is not a string".into());
        };
        let slot = match k.as_slice() {
            b"descr" => &mut d,
            b"fortran_order" => &mut f,
            b"shape" => &mut s,
            other => {
                return Err(format!(
                    "unexpected header key '{}' (NumPy writes descr, fortran_order and shape)",
                    other.escape_ascii()
                ))
            }
        };
        if slot.replace(v).is_some() {
            return Err(format!("header key '{}' appears twice", k.escape_ascii()));
        }
    }
    let missing = |k: &str| format!("the header has no '{k}'");
    let descr = match d.ok_or_else(|| missing("descr"))? {
        Value::Str(s) => descr(&s)?,
        Value::Seq(_) => {
            return Err("structured dtypes (records with named fields) are not supported".into())
        }
        other => return Err(format!("'descr' is {}, not a dtype string", other.what())),
    };
    let fortran_order = match f.ok_or_else(|| missing("fortran_order"))? {
        Value::Bool(b) => b,
        other => {
            return Err(format!(
                "'fortran_order' is {}, not True or False",
                other.what()
            ))
        }
    };
    let shape = match s.ok_or_else(|| missing("shape"))? {
        Value::Seq(dims) => dims
            .iter()
            .map(|d| match d {
                Value::Int(n) => u64::try_from(*n)
                    .ok()
                    .filter(|&n| n <= i64::MAX as u64)
                    .ok_or_else(|| format!("shape dimension {n} is out of range")),
                other => Err(format!(
                    "a shape dimension is {}, not an integer",
                    other.what()
                )),
            })
            .collect::<Result<Vec<u64>, String>>()?,
        other => return Err(format!("'shape' is {}, not a tuple", other.what())),
    };
    Ok(Header {
        descr,
        fortran_order,
        shape,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_numpy_writes() {
        let h = parse(b"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }   \n").unwrap();
        assert_eq!(h.shape, [2, 3]);
        assert!(!h.fortran_order && !h.descr.big_endian);
        assert_eq!(h.descr.kind, crate::Kind::Float);
        let h = parse(b"{'descr': '>c16', 'fortran_order': True, 'shape': (5,), }").unwrap();
        assert_eq!(h.shape, [5]);
        assert!(h.fortran_order && h.descr.big_endian);
        assert!(parse(b"{'descr':'|b1','fortran_order':False,'shape':()}")
            .unwrap()
            .shape
            .is_empty());
        assert_eq!(
            parse(b"{'shape': (3L, 4L), 'descr': '<i8', 'fortran_order': False}")
                .unwrap()
                .shape,
            [3, 4]
        );
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let bad = |t: &str, want: &str| {
            let e = parse(t.as_bytes()).unwrap_err();
            assert!(e.contains(want), "{t}: {e}");
        };
        bad(
            "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }",
            "pickle",
        );
        bad(
            "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,), }",
            "structured",
        );
        bad(
            "{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }",
            "no libtorch kind",
        );
        bad(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }",
            "out of range",
        );
        bad(
            "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }",
            "not True or False",
        );
        bad(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
            "unexpected header key",
        );
        bad(
            "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
            "twice",
        );
        bad("{'descr': '<f4', 'fortran_order': False}", "no 'shape'");
        bad(
            &format!(
                "{{'shape': {}{}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
            "nested deeper",
        );
        bad("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999999999999999999999,)}", "bad integer");
        bad("{'descr': '<f4'", "expected `,` or `}`");
    }
}
