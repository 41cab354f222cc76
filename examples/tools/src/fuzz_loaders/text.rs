//! Mutations of the text headers: the JSON of a safetensors file and the Python dict of an
//! `.npy` file. They edit the numbers (shapes, offsets), the dtype strings, the keys and
//! entries (duplicated, removed, reordered), nest brackets deeply, and then usually fix the
//! declared header length so the edit reaches the parser rather than the length check.
use super::{Rng, INTERESTING};
use std::ops::Range;

/// The byte ranges of decimal integer tokens (outside strings).
pub fn numbers(s: &[u8]) -> Vec<Range<usize>> {
    let mut v = Vec::new();
    let mut i = 0;
    let mut quote = None;
    while i < s.len() {
        let c = s[i];
        match quote {
            Some(_) if c == b'\\' => i += 1,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c.is_ascii_digit() => {
                let start = i;
                while i + 1 < s.len() && s[i + 1].is_ascii_digit() {
                    i += 1;
                }
                v.push(start..i + 1);
            }
            None => {}
        }
        i += 1;
    }
    v
}

/// The byte ranges of string tokens, quotes included.
fn strings(s: &[u8]) -> Vec<Range<usize>> {
    let mut v = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'"' || s[i] == b'\'' {
            let q = s[i];
            let start = i;
            i += 1;
            while i < s.len() && s[i] != q {
                if s[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            v.push(start..(i + 1).min(s.len()));
        }
        i += 1;
    }
    v
}

/// The ranges of the members (`key: value`) of the outermost `{...}`, without the commas.
fn members(s: &[u8]) -> Vec<Range<usize>> {
    let mut v = Vec::new();
    let Some(open) = s.iter().position(|&c| c == b'{') else {
        return v;
    };
    let mut depth = 0usize;
    let mut quote = None;
    let mut start = open + 1;
    let mut i = open;
    while i < s.len() {
        let c = s[i];
        match quote {
            Some(_) if c == b'\\' => i += 1,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'"' | b'\'' => quote = Some(c),
                b'{' | b'[' | b'(' => depth += 1,
                b'}' | b']' | b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        if s[start..i].iter().any(|c| !c.is_ascii_whitespace()) {
                            v.push(start..i);
                        }
                        return v;
                    }
                }
                b',' if depth == 1 => {
                    v.push(start..i);
                    start = i + 1;
                }
                _ => {}
            },
        }
        i += 1;
    }
    v
}

/// A decimal number for a numeric field: interesting, near the old one, or negative.
fn new_number(old: &[u8], rng: &mut Rng) -> String {
    let old: Option<u64> = std::str::from_utf8(old).ok().and_then(|s| s.parse().ok());
    match rng.below(6) {
        0 => format!("{}", old.unwrap_or(0).wrapping_add(1 + rng.below(8) as u64)),
        1 => format!(
            "{}",
            old.unwrap_or(1).saturating_sub(1 + rng.below(8) as u64)
        ),
        2 => format!("-{}", rng.pick(&INTERESTING)),
        3 => format!("{}{}", rng.pick(&INTERESTING), "0".repeat(rng.below(30))),
        _ => format!("{}", rng.pick(&INTERESTING)),
    }
}

/// `k` levels of brackets around `inner`.
fn nest(open: &str, close: &str, inner: &str, k: usize) -> String {
    let mut s = String::with_capacity(k * (open.len() + close.len()) + inner.len());
    s.push_str(&open.repeat(k));
    s.push_str(inner);
    s.push_str(&close.repeat(k));
    s
}

const DEPTHS: [usize; 7] = [2, 17, 64, 129, 1000, 100_000, 1_000_000];

/// One edit of a header text (shared by both formats): numbers, strings, nesting, members.
fn edit(h: &mut Vec<u8>, strings_to: &[&str], open: &str, close: &str, rng: &mut Rng) {
    let nums = numbers(h);
    let strs = strings(h);
    let mems = members(h);
    match rng.below(8) {
        0 | 1 if !nums.is_empty() => {
            let r = rng.pick(&nums).clone();
            let n = new_number(&h[r.clone()], rng);
            h.splice(r, n.bytes());
        }
        2 if nums.len() >= 2 => {
            let a = rng.pick(&nums).clone();
            let b = rng.pick(&nums).clone();
            if a.end <= b.start {
                let (ta, tb) = (h[a.clone()].to_vec(), h[b.clone()].to_vec());
                h.splice(b, ta);
                h.splice(a, tb);
            }
        }
        3 if !strs.is_empty() => {
            let r = rng.pick(&strs).clone();
            let s = rng.pick(strings_to).to_string();
            h.splice(r, s.bytes());
        }
        4 => {
            // Deep nesting where a number (or any value) was.
            let k = *rng.pick(&DEPTHS);
            let at = if nums.is_empty() {
                rng.below(h.len() + 1)..rng.below(h.len() + 1)
            } else {
                rng.pick(&nums).clone()
            };
            let at = at.start.min(at.end)..at.end.max(at.start);
            let inner = String::from_utf8_lossy(&h[at.clone()]).into_owned();
            let (o, c) = if rng.chance(0.5) {
                (open, close)
            } else {
                ("{\"a\":", "}")
            };
            let nested = nest(o, c, &inner, k);
            h.splice(at, nested.bytes());
        }
        5 if !mems.is_empty() => {
            // Duplicate a member.
            let r = rng.pick(&mems).clone();
            let mut copy = h[r.clone()].to_vec();
            copy.push(b',');
            h.splice(r.start..r.start, copy);
        }
        6 if !mems.is_empty() => {
            // Remove a member (and a neighbouring comma).
            let r = rng.pick(&mems).clone();
            let end = if h.get(r.end) == Some(&b',') {
                r.end + 1
            } else {
                r.end
            };
            h.drain(r.start..end);
        }
        _ if mems.len() >= 2 => {
            // Swap two members.
            let a = rng.pick(&mems).clone();
            let b = rng.pick(&mems).clone();
            if a.end <= b.start {
                let (ta, tb) = (h[a.clone()].to_vec(), h[b.clone()].to_vec());
                h.splice(b, ta);
                h.splice(a, tb);
            }
        }
        _ => {
            let at = rng.below(h.len() + 1);
            let s = rng.pick(strings_to).to_string();
            h.splice(at..at, s.bytes());
        }
    }
}

const ST_STRINGS: &[&str] = &[
    "\"F32\"",
    "\"F64\"",
    "\"F16\"",
    "\"BF16\"",
    "\"I64\"",
    "\"I32\"",
    "\"I16\"",
    "\"I8\"",
    "\"U8\"",
    "\"U16\"",
    "\"U32\"",
    "\"U64\"",
    "\"BOOL\"",
    "\"C64\"",
    "\"F8_E4M3\"",
    "\"F8_E5M2\"",
    "\"F8_E8M0\"",
    "\"F8_E4M3FNUZ\"",
    "\"F8_E5M2FNUZ\"",
    "\"F4\"",
    "\"F6_E2M3\"",
    "\"F6_E3M2\"",
    "\"X9\"",
    "\"\"",
    "\"dtype\"",
    "\"shape\"",
    "\"data_offsets\"",
    "\"__metadata__\"",
    "null",
    "[]",
    "{}",
    "1e400",
    "-0",
    "true",
    "\"\\ud800\"",
    "\"\\u0000\"",
];

/// A mutation of a safetensors file's header.
pub fn safetensors(b: &mut Vec<u8>, rng: &mut Rng) {
    if b.len() < 8 {
        return;
    }
    let n = u64::from_le_bytes(b[..8].try_into().unwrap());
    let end = usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_add(8))
        .filter(|&e| e <= b.len());
    let Some(end) = end else {
        let rest = (b.len() - 8) as u64;
        b[..8].copy_from_slice(&rest.to_le_bytes());
        return;
    };
    if rng.chance(0.1) {
        // The length field alone.
        let v = if rng.chance(0.5) {
            *rng.pick(&INTERESTING)
        } else {
            n.wrapping_add(rng.below(17) as u64).wrapping_sub(8)
        };
        b[..8].copy_from_slice(&v.to_le_bytes());
        return;
    }
    let mut h = b[8..end].to_vec();
    edit(&mut h, ST_STRINGS, "[", "]", rng);
    let keep_len = rng.chance(0.1);
    let new_len = if keep_len { n } else { h.len() as u64 };
    let mut out = new_len.to_le_bytes().to_vec();
    out.extend(&h);
    out.extend(&b[end..]);
    *b = out;
}

const NPY_STRINGS: &[&str] = &[
    "'<f4'",
    "'>f4'",
    "'<f8'",
    "'>f8'",
    "'<f2'",
    "'|b1'",
    "'<c8'",
    "'>c16'",
    "'<i8'",
    "'>i2'",
    "'|u1'",
    "'|i1'",
    "'<u8'",
    "'|O'",
    "'<U3'",
    "'|S4'",
    "'<M8[ns]'",
    "'<m8'",
    "'|V8'",
    "'<f16'",
    "'<x4'",
    "'|f4'",
    "'f4'",
    "''",
    "'<f99999999999999999999'",
    "[('a', '<i4'), ('b', '>f8')]",
    "[('a', '<i4', (2, 3))]",
    "'descr'",
    "'shape'",
    "'fortran_order'",
    "True",
    "False",
    "None",
    "0",
    "()",
    "(1,)",
    "{}",
    "'\\x00'",
];

/// Splits an .npy file at 0 into (version, header text, rest), if it has the magic string.
fn split_npy(b: &[u8]) -> Option<(u8, usize, usize)> {
    if b.get(..6)? != b"\x93NUMPY" {
        return None;
    }
    let major = *b.get(6)?;
    let (before, len): (usize, usize) = if major == 1 {
        (
            10,
            u16::from_le_bytes(b.get(8..10)?.try_into().ok()?) as usize,
        )
    } else {
        (
            12,
            u32::from_le_bytes(b.get(8..12)?.try_into().ok()?) as usize,
        )
    };
    let end = before.checked_add(len).filter(|&e| e <= b.len())?;
    Some((major, before, end))
}

/// A mutation of an .npy file's prefix or header dict.
pub fn npy(b: &mut Vec<u8>, rng: &mut Rng) {
    let Some((major, before, end)) = split_npy(b) else {
        return;
    };
    match rng.below(10) {
        0 => {
            b[6] = *rng.pick(&[0u8, 1, 2, 3, 4, 255]);
            if rng.chance(0.5) {
                b[7] = rng.next_u64() as u8;
            }
        }
        1 => {
            let v = rng.pick(&INTERESTING).to_le_bytes();
            let w = before - 8;
            b[8..before].copy_from_slice(&v[..w]);
        }
        _ => {
            let mut h = b[before..end].to_vec();
            if rng.chance(0.15) {
                // The fortran flag, flipped or replaced.
                let s = String::from_utf8_lossy(&h).into_owned();
                let s = if s.contains("True") {
                    let to: &&str = rng.pick(&["False", "1", "None", "'True'"]);
                    s.replacen("True", to, 1)
                } else {
                    let to: &&str = rng.pick(&["True", "0", "None", "Falsey"]);
                    s.replacen("False", to, 1)
                };
                h = s.into_bytes();
            } else {
                edit(&mut h, NPY_STRINGS, "(", ",)", rng);
            }
            if rng.chance(0.05) {
                // Past NumPy's 10,000-byte limit.
                h.extend(std::iter::repeat_n(b' ', 10_000 + rng.below(100)));
            }
            let keep = rng.chance(0.1);
            let mut out = b[..6].to_vec();
            if keep {
                out.extend(&b[6..before]);
            } else if major == 1 && h.len() <= u16::MAX as usize {
                out.extend([1, 0]);
                out.extend((h.len() as u16).to_le_bytes());
            } else {
                out.extend([if major == 1 { 2 } else { major }, 0]);
                out.extend((h.len() as u32).to_le_bytes());
            }
            out.extend(&h);
            out.extend(&b[end..]);
            *b = out;
        }
    }
}
