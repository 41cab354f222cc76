//! Mutations of zip archives (`.npz`, and `torch.save`'s format): the fields of the local
//! headers, central directory records and end-of-directory record (sizes, offsets, counts,
//! name and extra lengths, methods, CRCs), records duplicated or removed, entries renamed,
//! dropped or duplicated, and an entry's content mutated by the inner format's mutator (the
//! archive rebuilt around it, so the edit reaches the inner parser past the CRC check).
use super::{Rng, INTERESTING};
use std::io::{Read, Write};

/// A local file header.
pub struct Local {
    pub at: usize,
    pub data_start: usize,
}

/// A scan of an archive's records by their signatures.
#[derive(Default)]
pub struct Zip {
    pub locals: Vec<Local>,
    pub centrals: Vec<usize>,
    pub eocd: Option<usize>,
    pub eocd64: Option<usize>,
    pub locator64: Option<usize>,
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}

/// Finds the records (signatures can also occur inside data: a scan, not a parse).
pub fn scan(b: &[u8]) -> Zip {
    let mut z = Zip::default();
    for i in 0..b.len().saturating_sub(3) {
        match &b[i..i + 4] {
            b"PK\x03\x04" => {
                let data_start = match (u16_at(b, i + 26), u16_at(b, i + 28)) {
                    (Some(n), Some(e)) => i + 30 + n + e,
                    _ => i + 30,
                };
                z.locals.push(Local { at: i, data_start });
            }
            b"PK\x01\x02" => z.centrals.push(i),
            b"PK\x05\x06" => z.eocd = Some(i),
            b"PK\x06\x06" => z.eocd64 = Some(i),
            b"PK\x06\x07" => z.locator64 = Some(i),
            _ => {}
        }
    }
    z
}

impl Zip {
    /// Every record start and local data start.
    pub fn boundaries(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .locals
            .iter()
            .flat_map(|l| [l.at, l.data_start])
            .collect();
        v.extend(&self.centrals);
        v.extend(self.eocd);
        v.extend(self.eocd64);
        v.extend(self.locator64);
        v
    }
}

/// (offset in the record, width) of the fields worth editing.
const LOCAL_FIELDS: &[(usize, usize)] = &[
    (4, 2),
    (6, 2),
    (8, 2),
    (14, 4),
    (18, 4),
    (22, 4),
    (26, 2),
    (28, 2),
];
const CENTRAL_FIELDS: &[(usize, usize)] = &[
    (6, 2),
    (8, 2),
    (10, 2),
    (16, 4),
    (20, 4),
    (24, 4),
    (28, 2),
    (30, 2),
    (32, 2),
    (34, 2),
    (42, 4),
];
const EOCD_FIELDS: &[(usize, usize)] =
    &[(4, 2), (6, 2), (8, 2), (10, 2), (12, 4), (16, 4), (20, 2)];
const EOCD64_FIELDS: &[(usize, usize)] = &[(4, 8), (24, 8), (32, 8), (40, 8), (48, 8)];
const LOCATOR64_FIELDS: &[(usize, usize)] = &[(4, 4), (8, 8), (16, 4)];

fn set(b: &mut [u8], at: usize, width: usize, v: u64) {
    if let Some(s) = b.get_mut(at..at + width) {
        s.copy_from_slice(&v.to_le_bytes()[..width]);
    }
}

fn get(b: &[u8], at: usize, width: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(s) = b.get(at..at + width) {
        w[..width].copy_from_slice(s);
    }
    u64::from_le_bytes(w)
}

/// Edits one field of one record.
fn field(b: &mut [u8], z: &Zip, rng: &mut Rng) {
    let mut targets: Vec<(usize, &[(usize, usize)])> = Vec::new();
    targets.extend(z.locals.iter().map(|l| (l.at, LOCAL_FIELDS)));
    targets.extend(z.centrals.iter().map(|&c| (c, CENTRAL_FIELDS)));
    targets.extend(z.eocd.map(|e| (e, EOCD_FIELDS)));
    targets.extend(z.eocd64.map(|e| (e, EOCD64_FIELDS)));
    targets.extend(z.locator64.map(|e| (e, LOCATOR64_FIELDS)));
    if targets.is_empty() {
        return;
    }
    let (at, fields) = *rng.pick(&targets);
    let (off, width) = *rng.pick(fields);
    let old = get(b, at + off, width);
    let v = match rng.below(3) {
        0 => old.wrapping_add(1 + rng.below(64) as u64),
        1 => old.wrapping_sub(1 + rng.below(64) as u64),
        _ => *rng.pick(&INTERESTING),
    };
    set(b, at + off, width, v);
}

/// The length of the central record at `at`.
fn central_len(b: &[u8], at: usize) -> Option<usize> {
    Some(46 + u16_at(b, at + 28)? + u16_at(b, at + 30)? + u16_at(b, at + 32)?)
}

/// Duplicates or removes a central directory record, keeping the end record's counts in step.
fn record(b: &mut Vec<u8>, z: &Zip, rng: &mut Rng) {
    let (Some(eocd), false) = (z.eocd, z.centrals.is_empty()) else {
        return;
    };
    let c = *rng.pick(&z.centrals);
    let Some(len) = central_len(b, c).filter(|&l| c + l <= eocd) else {
        return;
    };
    let (count, size) = (get(b, eocd + 10, 2), get(b, eocd + 12, 4));
    if rng.chance(0.5) {
        let copy = b[c..c + len].to_vec();
        b.splice(c + len..c + len, copy);
        let e = eocd + len;
        set(b, e + 8, 2, count + 1);
        set(b, e + 10, 2, count + 1);
        set(b, e + 12, 4, size + len as u64);
    } else {
        b.drain(c..c + len);
        let e = eocd - len;
        set(b, e + 8, 2, count.saturating_sub(1));
        set(b, e + 10, 2, count.saturating_sub(1));
        set(b, e + 12, 4, size.saturating_sub(len as u64));
    }
}

/// An archive's entries: name, uncompressed content, deflated or not.
pub type Entries = Vec<(String, Vec<u8>, bool)>;

/// Reads every entry, or `None` for an archive the zip crate cannot read whole.
pub fn entries(b: &[u8]) -> Option<Entries> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(b)).ok()?;
    let mut v = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).ok()?;
        if f.size() > 64 << 20 {
            return None;
        }
        let mut data = Vec::new();
        f.read_to_end(&mut data).ok()?;
        v.push((
            f.name().to_string(),
            data,
            f.compression() != zip::CompressionMethod::Stored,
        ));
    }
    Some(v)
}

/// Writes entries as an archive.
pub fn rebuild(entries: &Entries) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data, deflated) in entries {
        let method = if *deflated {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        // Duplicate names are refused by the writer: such an entry is dropped.
        if zip.start_file(name.as_str(), opts).is_ok() {
            zip.write_all(data).expect("write to memory");
        }
    }
    zip.finish()
        .expect("finish an archive in memory")
        .into_inner()
}

/// One mutation of an archive; `inner` mutates an entry's content.
pub fn mutate(b: &mut Vec<u8>, rng: &mut Rng, inner: impl FnOnce(&mut Vec<u8>, &mut Rng)) {
    let z = scan(b);
    let k = rng.below(10);
    match k {
        0..=2 => field(b, &z, rng),
        3 => record(b, &z, rng),
        _ => {
            let Some(mut es) = entries(b) else {
                return field(b, &z, rng);
            };
            if es.is_empty() {
                return;
            }
            let k = rng.below(es.len());
            match rng.below(8) {
                0 => {
                    es.remove(k);
                }
                1 => {
                    let mut e = es[k].clone();
                    e.0.push_str(if rng.chance(0.5) { "x" } else { "" });
                    es.push(e);
                }
                2 => {
                    let j = rng.below(es.len());
                    es.swap(k, j);
                }
                3 => {
                    es[k].0 = rng
                        .pick(&["", "a", "a.npy", "../x.npy", "archive/data.pkl", "x/"])
                        .to_string()
                }
                _ => inner(&mut es[k].1, rng),
            }
            *b = rebuild(&es);
        }
    }
}
