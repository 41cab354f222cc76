//! Mutations of the pickles inside `torch.save` files: integer operands (ints, memo indices,
//! the protocol), length prefixes, opcodes swapped, deleted or duplicated, and whole pickles
//! replaced by deep nesting (a million nested lists, tuples or dicts) or a list that contains
//! itself. The archive (or the legacy format's stream of pickles) is rebuilt around the edit.
use super::{zipmut, Rng, INTERESTING};
use std::ops::Range;

/// What an opcode's argument is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    /// A little-endian integer of this width (values, memo indices, the protocol).
    Int(usize),
    /// A little-endian length of this width, followed by that many bytes.
    Len(usize),
    /// Newline-terminated text lines.
    Lines(usize),
}

fn arg_of(op: u8) -> Option<Arg> {
    Some(match op {
        b'(' | b'.' | b'0' | b'1' | b'2' | b'N' | 0x88 | 0x89 | b'a' | b'e' | b'b' | b'd'
        | b'}' | b']' | b')' | b'l' | b't' | 0x85 | 0x86 | 0x87 | b'R' | 0x81 | b's' | b'u'
        | b'Q' | 0x8f | 0x90 | 0x91 | 0x93 | 0x94 => Arg::None,
        0x80 | b'K' | b'h' | b'q' => Arg::Int(1),
        b'M' => Arg::Int(2),
        b'J' | b'j' | b'r' => Arg::Int(4),
        b'G' | 0x95 => Arg::Int(8),
        0x8a | b'U' | 0x8c | b'C' => Arg::Len(1),
        0x8b | b'T' | b'X' | b'B' => Arg::Len(4),
        0x8d | 0x8e => Arg::Len(8),
        b'c' => Arg::Lines(2),
        b'I' | b'L' | b'F' | b'S' | b'V' | b'p' | b'g' | b'P' => Arg::Lines(1),
        _ => return None,
    })
}

/// Every opcode the walker knows (for swaps).
const OPCODES: &[u8] = b"(.012Na eb d}]) ltRsuQKhqMJjrGUCTXBcILFSVpgP\x80\x81\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x93\x94\x95";

/// One opcode: where it is, its argument's kind and bytes.
struct Op {
    at: usize,
    arg: Arg,
    arg_bytes: Range<usize>,
}

/// Walks the opcodes of the pickles in `b` (one after another, as the legacy format stores
/// them) until an unknown opcode or the end.
fn walk(b: &[u8]) -> Vec<Op> {
    let mut v = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let Some(arg) = arg_of(b[i]) else { break };
        let start = i + 1;
        let end = match arg {
            Arg::None => start,
            Arg::Int(w) => start + w,
            Arg::Len(w) => {
                let mut n = [0u8; 8];
                let Some(s) = b.get(start..start + w) else {
                    break;
                };
                n[..w].copy_from_slice(s);
                match usize::try_from(u64::from_le_bytes(n))
                    .ok()
                    .and_then(|n| n.checked_add(start + w))
                {
                    Some(e) => e,
                    None => break,
                }
            }
            Arg::Lines(k) => {
                let mut e = start;
                for _ in 0..k {
                    match b[e.min(b.len())..].iter().position(|&c| c == b'\n') {
                        Some(p) => e += p + 1,
                        None => return v,
                    }
                }
                e
            }
        };
        if end > b.len() {
            break;
        }
        v.push(Op {
            at: i,
            arg,
            arg_bytes: start..end,
        });
        i = end;
    }
    v
}

const DEPTHS: [usize; 5] = [100, 1000, 10_000, 100_000, 1_000_000];

/// A pickle (protocol 2) whose value nests `n` deep, or a list containing itself.
fn deep(rng: &mut Rng) -> Vec<u8> {
    let n = *rng.pick(&DEPTHS);
    let mut p = vec![0x80, 2];
    match rng.below(5) {
        0 => {
            // [[[...]]] by APPEND: n empty lists, each appended to the one below.
            p.extend(std::iter::repeat_n(b']', n));
            p.extend(std::iter::repeat_n(b'a', n - 1));
        }
        1 => {
            // [[[...]]] by MARK and LIST.
            p.extend(std::iter::repeat_n(b'(', n));
            p.push(b']');
            p.extend(std::iter::repeat_n(b'l', n));
        }
        2 => {
            // ((((),),),) by TUPLE1.
            p.push(b')');
            p.extend(std::iter::repeat_n(0x85u8, n));
        }
        3 => {
            // {1: {1: {...}}} by MARK and DICT.
            for _ in 0..n {
                p.extend(b"(K\x01");
            }
            p.push(b'}');
            p.extend(std::iter::repeat_n(b'd', n));
        }
        _ => {
            // l = []; l.append(l)
            p.extend(b"]q\x00h\x00a");
        }
    }
    p.push(b'.');
    p
}

/// One mutation of a pickle (or of the legacy format's stream of pickles).
pub fn mutate(b: &mut Vec<u8>, rng: &mut Rng) {
    let ops = walk(b);
    if ops.is_empty() || rng.chance(0.08) {
        *b = deep(rng);
        return;
    }
    match rng.below(6) {
        0 | 1 => {
            let ints: Vec<&Op> = ops
                .iter()
                .filter(|o| matches!(o.arg, Arg::Int(_)))
                .collect();
            if let Some(o) = (!ints.is_empty()).then(|| *rng.pick(&ints)) {
                let v = rng.pick(&INTERESTING).to_le_bytes();
                let r = o.arg_bytes.clone();
                let w = r.len();
                b[r].copy_from_slice(&v[..w]);
            }
        }
        2 => {
            let lens: Vec<&Op> = ops
                .iter()
                .filter(|o| matches!(o.arg, Arg::Len(_)))
                .collect();
            if let Some(o) = (!lens.is_empty()).then(|| *rng.pick(&lens)) {
                let Arg::Len(w) = o.arg else { return };
                let v = rng.pick(&INTERESTING).to_le_bytes();
                b[o.at + 1..o.at + 1 + w].copy_from_slice(&v[..w]);
            }
        }
        3 => {
            let o = rng.pick(&ops);
            b[o.at] = if rng.chance(0.9) {
                *rng.pick(OPCODES)
            } else {
                rng.next_u64() as u8
            };
        }
        4 => {
            let o = rng.pick(&ops);
            b.drain(o.at..o.arg_bytes.end);
        }
        _ => {
            let o = rng.pick(&ops);
            let copy = b[o.at..o.arg_bytes.end].to_vec();
            b.splice(o.at..o.at, copy);
        }
    }
}

/// One mutation of a `.pt` file: of its archive (structure, or an entry's content: the pickle
/// mostly), or of the legacy format's stream.
pub fn mutate_pt(b: &mut Vec<u8>, rng: &mut Rng) {
    if !b.starts_with(b"PK") {
        return mutate(b, rng);
    }
    if rng.chance(0.5) {
        // The pickle itself, the archive rebuilt around it.
        if let Some(mut es) = zipmut::entries(b) {
            if let Some(k) = es.iter().position(|e| e.0.ends_with(".pkl")) {
                mutate(&mut es[k].1, rng);
                *b = zipmut::rebuild(&es);
                return;
            }
        }
    }
    zipmut::mutate(b, rng, |data, rng| {
        if data.first() == Some(&0x80) {
            mutate(data, rng)
        } else if !data.is_empty() {
            // A storage or a small record (version, byteorder): truncate or flip.
            if rng.chance(0.5) {
                let n = rng.below(data.len());
                data.truncate(n);
            } else {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
        }
    });
}
