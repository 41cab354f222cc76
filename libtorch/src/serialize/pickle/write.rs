//! Writing protocol 2, the opcodes `torch.save` emits: what PyTorch's weights-only loader
//! reads back.
use super::opcodes::*;

/// A pickle being written.
#[derive(Default)]
pub(crate) struct Pickler {
    pub out: Vec<u8>,
    next_memo: u32,
}

impl Pickler {
    /// A pickle with its protocol header.
    pub fn new() -> Pickler {
        let mut p = Pickler::default();
        p.out.extend_from_slice(&[PROTO, 2]);
        p
    }

    /// Ends the pickle and returns its bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.push(STOP);
        self.out
    }

    pub fn op(&mut self, op: u8) {
        self.out.push(op);
    }

    pub fn none(&mut self) {
        self.out.push(NONE);
    }

    pub fn bool(&mut self, b: bool) {
        self.out.push(if b { NEWTRUE } else { NEWFALSE });
    }

    /// The shortest encoding, as CPython's pickler picks it.
    pub fn int(&mut self, v: i64) {
        if (0..=0xff).contains(&v) {
            self.out.extend_from_slice(&[BININT1, v as u8]);
        } else if (0..=0xffff).contains(&v) {
            self.out.push(BININT2);
            self.out.extend_from_slice(&(v as u16).to_le_bytes());
        } else if i32::try_from(v).is_ok() {
            self.out.push(BININT);
            self.out.extend_from_slice(&(v as i32).to_le_bytes());
        } else {
            // LONG1: little-endian two's complement, as few bytes as keep the sign.
            let bytes = v.to_le_bytes();
            let mut n = 8;
            while n > 1 {
                let (last, prev) = (bytes[n - 1], bytes[n - 2]);
                let redundant =
                    (last == 0 && prev & 0x80 == 0) || (last == 0xff && prev & 0x80 != 0);
                if !redundant {
                    break;
                }
                n -= 1;
            }
            self.out.extend_from_slice(&[LONG1, n as u8]);
            self.out.extend_from_slice(&bytes[..n]);
        }
    }

    pub fn float(&mut self, v: f64) {
        self.out.push(BINFLOAT);
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    pub fn str(&mut self, s: &str) {
        self.out.push(BINUNICODE);
        self.out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.out.extend_from_slice(s.as_bytes());
    }

    /// `GLOBAL module name`.
    pub fn global(&mut self, module: &str, name: &str) {
        self.out.push(GLOBAL);
        self.out.extend_from_slice(module.as_bytes());
        self.out.push(b'\n');
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'\n');
    }

    /// Closes a tuple of `n` items pushed since a MARK (or without one for 0–3 items).
    pub fn tuple_of(&mut self, n: usize) {
        match n {
            0 => self.out.push(EMPTY_TUPLE),
            1 => self.out.push(TUPLE1),
            2 => self.out.push(TUPLE2),
            3 => self.out.push(TUPLE3),
            _ => self.out.push(TUPLE),
        }
    }

    /// Whether a tuple of `n` items needs a MARK before its items.
    pub fn tuple_needs_mark(n: usize) -> bool {
        n > 3
    }

    /// `bytes`, as protocol 2 writes them: `_codecs.encode(latin-1 str, 'latin1')`.
    pub fn bytes(&mut self, b: &[u8]) {
        self.global("_codecs", "encode");
        let latin1: String = b.iter().map(|&c| char::from(c)).collect();
        self.str(&latin1);
        self.str("latin1");
        self.out.push(TUPLE2);
        self.out.push(REDUCE);
    }

    /// Saves the top of the stack in the memo; returns its index.
    pub fn memoize(&mut self) -> u32 {
        let i = self.next_memo;
        self.next_memo += 1;
        if i <= 0xff {
            self.out.extend_from_slice(&[BINPUT, i as u8]);
        } else {
            self.out.push(LONG_BINPUT);
            self.out.extend_from_slice(&i.to_le_bytes());
        }
        i
    }

    /// Pushes memo entry `i` again.
    pub fn memo_get(&mut self, i: u32) {
        if i <= 0xff {
            self.out.extend_from_slice(&[BINGET, i as u8]);
        } else {
            self.out.push(LONG_BINGET);
            self.out.extend_from_slice(&i.to_le_bytes());
        }
    }
}
