//! Mutations: the generic ones (truncation at a region's edge, byte flips, interesting integers
//! written over a field, chunks inserted, deleted or spliced from another seed) and, per format,
//! the structural ones of [`text`](super::text), [`zipmut`](super::zipmut) and
//! [`pickle`](super::pickle).
use super::{pickle, text, zipmut, Format, Rng, SeedFile, INTERESTING};

/// The offsets where a file's regions start and end (headers, data, records): truncations and
/// field edits aim at them.
pub fn regions(format: Format, b: &[u8]) -> Vec<usize> {
    let mut v = vec![0, b.len()];
    match format {
        Format::Safetensors => {
            if b.len() >= 8 {
                let n = u64::from_le_bytes(b[..8].try_into().unwrap());
                v.push(8);
                if let Some(end) = usize::try_from(n).ok().and_then(|n| n.checked_add(8)) {
                    if end <= b.len() {
                        v.push(end);
                        v.extend(text::numbers(&b[8..end]).iter().map(|r| r.start + 8));
                    }
                }
            }
        }
        Format::Npy => v.extend(npy_regions(b, 0)),
        Format::Npz | Format::Pt => {
            let z = zipmut::scan(b);
            v.extend(z.boundaries());
            for e in &z.locals {
                v.extend(npy_regions(b, e.data_start));
            }
        }
    }
    v.retain(|&o| o <= b.len());
    v.sort_unstable();
    v.dedup();
    v
}

/// The regions of an .npy header at `at`: magic, version, length, header text, data.
fn npy_regions(b: &[u8], at: usize) -> Vec<usize> {
    if b.get(at..at + 6) != Some(b"\x93NUMPY") {
        return vec![];
    }
    let mut v = vec![at, at + 6, at + 8];
    let (before, len) = match b.get(at + 6) {
        Some(1) => (
            10,
            b.get(at + 8..at + 10)
                .map(|x| u16::from_le_bytes([x[0], x[1]]) as usize),
        ),
        Some(_) => (
            12,
            b.get(at + 8..at + 12)
                .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as usize),
        ),
        None => return v,
    };
    v.push(at + before);
    if let Some(len) = len {
        v.push(at + before + len);
    }
    v
}

/// Cuts the file at a region's edge (give or take a few bytes) or anywhere.
fn truncate(format: Format, b: &mut Vec<u8>, rng: &mut Rng) {
    let r = regions(format, b);
    let at = if rng.chance(0.7) {
        let edge = *rng.pick(&r) as i64 + rng.below(9) as i64 - 4;
        edge.clamp(0, b.len() as i64) as usize
    } else {
        rng.below(b.len() + 1)
    };
    b.truncate(at);
}

/// Flips bits or overwrites 1-8 bytes, near a region's edge or anywhere.
fn flip(format: Format, b: &mut [u8], rng: &mut Rng) {
    if b.is_empty() {
        return;
    }
    let r = regions(format, b);
    for _ in 0..1 + rng.below(8) {
        let at = if rng.chance(0.6) {
            (*rng.pick(&r) + rng.below(16)).min(b.len() - 1)
        } else {
            rng.below(b.len())
        };
        if rng.chance(0.5) {
            b[at] ^= 1 << rng.below(8);
        } else {
            b[at] = rng.next_u64() as u8;
        }
    }
}

/// Writes an interesting integer (1, 2, 4 or 8 bytes, little-endian) over a field.
fn integer(format: Format, b: &mut [u8], rng: &mut Rng) {
    let width = *rng.pick(&[1usize, 2, 4, 8]);
    if b.len() < width {
        return;
    }
    let r = regions(format, b);
    let at = if rng.chance(0.7) {
        (*rng.pick(&r) + rng.below(32)).min(b.len() - width)
    } else {
        rng.below(b.len() - width + 1)
    };
    let mut v = *rng.pick(&INTERESTING);
    if rng.chance(0.2) {
        v = v.wrapping_add(rng.below(5) as u64).wrapping_sub(2);
    }
    b[at..at + width].copy_from_slice(&v.to_le_bytes()[..width]);
}

/// Inserts, deletes, duplicates or splices (from another seed) a chunk.
fn chunk(b: &mut Vec<u8>, corpus: &[SeedFile], rng: &mut Rng) {
    let at = rng.below(b.len() + 1);
    let max = if rng.chance(0.8) { 16 } else { 4096 };
    let len = 1 + rng.below(max);
    match rng.below(4) {
        0 => {
            let end = (at + len).min(b.len());
            b.drain(at..end);
        }
        1 => {
            let junk: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            b.splice(at..at, junk);
        }
        2 => {
            let end = (at + len).min(b.len());
            let copy = b[at..end].to_vec();
            let to = rng.below(b.len() + 1);
            b.splice(to..to, copy);
        }
        _ => {
            let other = &rng.pick(corpus).bytes;
            let from = rng.below(other.len() + 1);
            let end = (from + len).min(other.len());
            let end_here = (at + len).min(b.len());
            b.splice(at..end_here, other[from..end].iter().copied());
        }
    }
}

/// One to three mutations of `base`, chosen for `format`.
pub fn mutate(format: Format, base: &[u8], corpus: &[SeedFile], rng: &mut Rng) -> Vec<u8> {
    let mut b = base.to_vec();
    let rounds = 1 + usize::from(rng.chance(0.35)) + usize::from(rng.chance(0.15));
    for _ in 0..rounds {
        // Structural mutations get most of the draws; generic ones the rest.
        let k = rng.below(10);
        match k {
            0 => truncate(format, &mut b, rng),
            1 => flip(format, &mut b, rng),
            2 => integer(format, &mut b, rng),
            3 => chunk(&mut b, corpus, rng),
            _ => match format {
                Format::Safetensors => text::safetensors(&mut b, rng),
                Format::Npy => text::npy(&mut b, rng),
                Format::Npz => zipmut::mutate(&mut b, rng, text::npy),
                Format::Pt => pickle::mutate_pt(&mut b, rng),
            },
        }
    }
    b
}
