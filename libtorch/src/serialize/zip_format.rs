//! Reading `torch.save`'s zip format (PyTorch ≥ 1.6): `<archive>/data.pkl` (the pickled object),
//! `<archive>/byteorder`, and one record `<archive>/data/<key>` per storage.
//!
//! The archive is parsed by the `zip` crate, in safe Rust: a crafted file meets no C parser.
//! Storage records are read straight into the tensor that will hold them, after checking that
//! the record holds exactly the bytes the pickle claims (so a claim of a terabyte in a small
//! file allocates nothing); CRCs are checked.
use super::objects::{Arena, Obj, Ref};
use super::pickle::read::unpickle;
use super::rebuild::{nbytes, Rebuilder, StorageSource};
use super::value::Converter;
use crate::{Device, Error, IValue, Kind, Result, Tensor};
use std::io::{Read, Seek, SeekFrom};
use zip::{CompressionMethod, ZipArchive};

/// The largest `data.pkl` read (the pickle holds the object's structure, not tensor data).
const MAX_PICKLE: u64 = 1 << 30;

fn bad(message: impl Into<String>) -> Error {
    Error::data("load", message)
}

/// An open checkpoint archive.
pub(crate) struct ZipCheckpoint<R: Read + Seek> {
    archive: ZipArchive<R>,
    /// `archive/`: the folder every record sits in (named after the saved file).
    prefix: String,
    total_len: u64,
    big_endian: bool,
}

impl<R: Read + Seek> ZipCheckpoint<R> {
    pub fn open(mut reader: R) -> Result<Self> {
        let total_len = reader
            .seek(SeekFrom::End(0))
            .and_then(|n| reader.seek(SeekFrom::Start(0)).map(|_| n))
            .map_err(|e| bad(format!("cannot read the file: {e}")))?;
        let archive =
            ZipArchive::new(reader).map_err(|e| bad(format!("not a valid zip archive: {e}")))?;
        // As PyTorch's reader: the first record's folder is the archive's name.
        let first = archive
            .name_for_index(0)
            .ok_or_else(|| bad("the zip archive is empty"))?;
        let prefix = match first.find('/') {
            Some(i) => first[..=i].to_owned(),
            None => {
                return Err(bad(
                    "the archive's records are not in a folder (not a torch.save file)",
                ))
            }
        };
        let mut z = ZipCheckpoint {
            archive,
            prefix,
            total_len,
            big_endian: false,
        };
        if z.has_record("constants.pkl") {
            return Err(bad(
                "this is a TorchScript archive (torch.jit.save), not a torch.save file: load it \
                 with libtorch::jit::load",
            ));
        }
        if z.has_record("byteorder") {
            z.big_endian = match z.record("byteorder", 16)?.as_slice() {
                b"little" => false,
                b"big" => true,
                other => {
                    return Err(bad(format!(
                        "unknown byte order `{}`",
                        String::from_utf8_lossy(other)
                    )))
                }
            };
        }
        Ok(z)
    }

    fn full_name(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    pub fn has_record(&self, name: &str) -> bool {
        self.archive.index_for_name(&self.full_name(name)).is_some()
    }

    /// A whole record of at most `limit` bytes.
    pub fn record(&mut self, name: &str, limit: u64) -> Result<Vec<u8>> {
        let full = self.full_name(name);
        let mut f = self
            .archive
            .by_name(&full)
            .map_err(|e| bad(format!("record `{full}`: {e}")))?;
        let size = f.size();
        if size > limit {
            return Err(bad(format!(
                "record `{full}` declares {size} bytes, more than the {limit} allowed"
            )));
        }
        read_limited(&mut f, size).map_err(|e| bad(format!("record `{full}`: {e}")))
    }
}

/// Reads a zip entry that declares `size` bytes, growing the buffer only as bytes arrive (a
/// false size claim costs nothing), and to its end, so the zip reader checks its CRC.
fn read_limited(r: &mut impl Read, size: u64) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = r.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        if out.len() as u64 + n as u64 > size {
            return Err(std::io::Error::other("more bytes than the entry declares"));
        }
        out.try_reserve(n)
            .map_err(|_| std::io::Error::other("out of memory"))?;
        out.extend_from_slice(&chunk[..n]);
    }
    if out.len() as u64 != size {
        return Err(std::io::Error::other(format!(
            "{} bytes where the entry declares {size}",
            out.len()
        )));
    }
    Ok(out)
}

impl<R: Read + Seek> StorageSource for ZipCheckpoint<R> {
    fn read(&mut self, key: &str, kind: Kind, numel: u64) -> Result<Tensor> {
        let want = nbytes(kind, numel)?;
        let full = self.full_name(&format!("data/{key}"));
        let total = self.total_len;
        let big_endian = self.big_endian;
        let mut f = self
            .archive
            .by_name(&full)
            .map_err(|e| bad(format!("storage record `{full}`: {e}")))?;
        if f.size() != want {
            return Err(bad(format!(
                "storage record `{full}` holds {} bytes; the pickle describes {numel} elements \
                 of {kind} ({want} bytes)",
                f.size()
            )));
        }
        let fill = |buf: &mut [u8]| -> Result<()> {
            if big_endian {
                swap_bytes(buf, kind);
            }
            Ok(())
        };
        match f.compression() {
            CompressionMethod::Stored => {
                let fits = f
                    .data_start()
                    .checked_add(want)
                    .is_some_and(|end| end <= total);
                if f.compressed_size() != want || !fits {
                    return Err(bad(format!(
                        "storage record `{full}` claims {want} bytes that the file does not hold"
                    )));
                }
                super::bytes::tensor_from_reader(want, kind, |buf| {
                    f.read_exact(buf)
                        .and_then(|_| {
                            // Reading to the end makes the zip reader check the CRC.
                            let mut extra = [0u8; 1];
                            match f.read(&mut extra)? {
                                0 => Ok(()),
                                _ => Err(std::io::Error::other("trailing bytes")),
                            }
                        })
                        .map_err(|e| bad(format!("storage record `{full}`: {e}")))?;
                    fill(buf)
                })
            }
            _ => {
                // Compressed storages are not what torch.save writes; read them into memory
                // first, so a false size claim allocates only what really decompresses.
                let mut bytes = read_limited(&mut f, want)
                    .map_err(|e| bad(format!("storage record `{full}`: {e}")))?;
                fill(&mut bytes)?;
                super::bytes::tensor_from_reader(want, kind, |buf| {
                    buf.copy_from_slice(&bytes);
                    Ok(())
                })
            }
        }
    }
}

/// Reverses each element's bytes (each half of a complex number separately), as
/// `storage.byteswap(dtype)` does for a big-endian file.
pub(crate) fn swap_bytes(buf: &mut [u8], kind: Kind) {
    let width = if kind.is_complex() {
        kind.elt_size_in_bytes() / 2
    } else {
        kind.elt_size_in_bytes()
    };
    if width > 1 {
        for chunk in buf.chunks_exact_mut(width) {
            chunk.reverse();
        }
    }
}

/// Loads a whole zip checkpoint as a value tree.
pub(crate) fn load<R: Read + Seek>(reader: R, map_location: Option<Device>) -> Result<IValue> {
    let mut z = ZipCheckpoint::open(reader)?;
    let pickle = z.record("data.pkl", MAX_PICKLE)?;
    let mut persistent = |arena: &mut Arena, pid: Ref| -> Result<Ref> {
        let s = arena.storage_ref(pid)?;
        if s.view.is_some() {
            return Err(bad("a storage view in a zip checkpoint"));
        }
        Ok(arena.push(Obj::Storage(s)))
    };
    let (arena, root, _) = unpickle(&pickle, &mut persistent)?;
    let mut rebuilder = Rebuilder::new(&mut z, map_location);
    let mut tensor = |r: Ref| rebuilder.tensor(&arena, r);
    Converter::new(&arena, &mut tensor).value(root, 0)
}
