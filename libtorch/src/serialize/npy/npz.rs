//! `.npz` archives: a zip file with one `NAME.npy` entry per array, stored (`np.savez`) or
//! deflated (`np.savez_compressed`). The zip container is read and written by the `zip` crate.
use super::{data_len, header, tensor, to_npy, LOAD, SAVE};
use crate::error::{Error, Result};
use crate::serialize::named::pairs;
use crate::serialize::NamedTensor;
use crate::Tensor;
use std::io::{Read, Seek, Write};
use std::path::Path;
use zip::CompressionMethod;

/// Deflate expands at most about 1032 to 1: an entry that claims more than this many bytes
/// per compressed byte is a lie, refused before reading it.
const MAX_RATIO: u64 = 1100;

/// Reads every array of an archive of `total` bytes, in the archive's order.
fn read_archive<R: Read + Seek>(
    reader: R,
    total: u64,
    what: &str,
) -> Result<Vec<(String, Tensor)>> {
    let bad = |m: String| Error::data(LOAD, format!("{what}: {m}"));
    let mut zip = zip::ZipArchive::new(reader)
        .map_err(|e| bad(format!("not a valid .npz (zip) archive: {e}")))?;
    let mut out: Vec<(String, Tensor)> = Vec::new();
    out.try_reserve_exact(zip.len())
        .map_err(|_| bad(format!("cannot allocate a list of {} arrays", zip.len())))?;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| bad(format!("entry {i}: {e}")))?;
        let full = entry.name().to_owned();
        let bad = |m: String| bad(format!("entry `{full}`: {m}"));
        let Some(name) = full.strip_suffix(".npy") else {
            return Err(bad(
                "not a .npy array (NumPy's archives hold only those)".into()
            ));
        };
        let declared = entry.size();
        let compressed = entry.compressed_size();
        if compressed > total {
            return Err(bad(format!(
                "claims {compressed} compressed bytes, the archive has {total}"
            )));
        }
        if declared > compressed.saturating_mul(MAX_RATIO).saturating_add(4096) {
            return Err(bad(format!(
                "claims {declared} bytes from {compressed} compressed ones, more than deflate \
                 can expand"
            )));
        }
        let t = read_entry(&mut entry, declared).map_err(bad)?;
        out.push((name.to_owned(), t));
    }
    Ok(out)
}

/// Reads one `.npy` entry of `declared` bytes: the header first, then exactly the data it
/// describes (allocated only once it is known to fit in `declared`), then the rest of the entry,
/// so that the zip reader checks its CRC.
fn read_entry(entry: &mut impl Read, declared: u64) -> std::result::Result<Tensor, String> {
    let io = |e: std::io::Error| format!("{e}");
    let mut first = [0u8; header::PREFIX_MAX];
    let got = read_up_to(entry, &mut first).map_err(io)?;
    let (before, len) = header::prefix(&first[..got])?;
    let mut text = vec![0u8; len]; // at most header::MAX_HEADER_LEN, checked by `prefix`
    let already = got - before.min(got);
    let take = already.min(len);
    text[..take].copy_from_slice(&first[before..before + take]);
    entry
        .read_exact(&mut text[take..])
        .map_err(|e| format!("truncated in the {len}-byte header ({e})"))?;
    let h = header::parse(&text)?;
    let n = data_len(&h)?;
    let need = (before + len) as u64 + n as u64;
    if need > declared {
        return Err(format!(
            "shape {:?} of {} needs {need} bytes, the entry holds {declared}",
            h.shape, h.descr.kind
        ));
    }
    let mut data = Vec::new();
    data.try_reserve_exact(n)
        .map_err(|_| format!("cannot allocate {n} bytes"))?;
    // Bytes of the prefix read past the header belong to the data.
    let spill = &first[(before + len).min(got)..got];
    data.extend_from_slice(&spill[..spill.len().min(n)]);
    let rest = n - data.len();
    entry.take(rest as u64).read_to_end(&mut data).map_err(io)?;
    if data.len() != n {
        return Err(format!(
            "truncated: shape {:?} of {} needs {n} data bytes, {} are present",
            h.shape,
            h.descr.kind,
            data.len()
        ));
    }
    // The rest of the entry (NumPy writes none): reading to its end checks the CRC.
    std::io::copy(entry, &mut std::io::sink()).map_err(io)?;
    tensor(&h, &data)
}

/// Reads into `buf` until it is full or the reader ends; returns the count.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Writes the arrays into a zip archive.
fn write_archive<'a, W: Write + Seek>(
    writer: W,
    arrays: impl IntoIterator<Item = (&'a str, &'a Tensor)>,
    method: CompressionMethod,
) -> std::result::Result<W, String> {
    let mut zip = zip::ZipWriter::new(writer);
    let mut seen = std::collections::HashSet::new();
    for (name, t) in arrays {
        if !seen.insert(name) {
            return Err(format!("array `{name}`: the name appears twice"));
        }
        let bytes = to_npy(t).map_err(|m| format!("array `{name}`: {m}"))?;
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .large_file(bytes.len() as u64 >= u32::MAX as u64);
        zip.start_file(format!("{name}.npy"), options)
            .map_err(|e| format!("array `{name}`: {e}"))?;
        zip.write_all(&bytes)
            .map_err(|e| format!("array `{name}`: {e}"))?;
    }
    zip.finish().map_err(|e| e.to_string())
}

fn save_file<'a>(
    path: &Path,
    arrays: impl IntoIterator<Item = (&'a str, &'a Tensor)>,
    method: CompressionMethod,
) -> Result<()> {
    let what = path.display().to_string();
    let fail = |m: String| Error::invalid(SAVE, format!("{what}: {m}"));
    let file = std::fs::File::create(path).map_err(|e| fail(e.to_string()))?;
    let written = write_archive(std::io::BufWriter::new(file), arrays, method)
        .and_then(|mut w| w.flush().map_err(|e| e.to_string()));
    if let Err(m) = written {
        let _ = std::fs::remove_file(path);
        return Err(fail(m));
    }
    Ok(())
}

fn save_bytes<'a>(
    arrays: impl IntoIterator<Item = (&'a str, &'a Tensor)>,
    method: CompressionMethod,
) -> Result<Vec<u8>> {
    write_archive(std::io::Cursor::new(Vec::new()), arrays, method)
        .map(|c| c.into_inner())
        .map_err(|m| Error::invalid(SAVE, m))
}

/// Reads every array of a `.npz` archive (`np.load(path)` of an archive), in the archive's order
/// (NumPy's `.files`), named without the `.npy` suffix. Entries that are not `.npy` arrays are
/// an error. Of two entries with one name, the zip reader keeps the last (at the first's place),
/// the one NumPy's `z[name]` reads.
pub fn load_npz(path: impl AsRef<Path>) -> Result<Vec<(String, Tensor)>> {
    let path = path.as_ref();
    let what = path.display().to_string();
    let fail = |e: std::io::Error| Error::data(LOAD, format!("{what}: {e}"));
    let file = std::fs::File::open(path).map_err(fail)?;
    let total = file.metadata().map_err(fail)?.len();
    read_archive(std::io::BufReader::new(file), total, &what)
}

/// [`load_npz`] of an archive held in memory.
pub fn load_npz_from_bytes(bytes: &[u8]) -> Result<Vec<(String, Tensor)>> {
    read_archive(std::io::Cursor::new(bytes), bytes.len() as u64, "<bytes>")
}

/// Writes `arrays` (name, tensor) to an uncompressed `.npz` archive at `path` (`np.savez(path,
/// **arrays)`), each as `NAME.npy`; see [`save`](super::save) for what a tensor may be.
pub fn save_npz(
    path: impl AsRef<Path>,
    arrays: impl IntoIterator<Item = impl NamedTensor>,
) -> Result<()> {
    let items: Vec<_> = arrays.into_iter().collect();
    save_file(path.as_ref(), pairs(&items), CompressionMethod::Stored)
}

/// [`save_npz`] with every entry deflated (`np.savez_compressed`).
pub fn save_npz_compressed(
    path: impl AsRef<Path>,
    arrays: impl IntoIterator<Item = impl NamedTensor>,
) -> Result<()> {
    let items: Vec<_> = arrays.into_iter().collect();
    save_file(path.as_ref(), pairs(&items), CompressionMethod::Deflated)
}

/// The bytes [`save_npz`] writes.
pub fn save_npz_to_bytes(arrays: impl IntoIterator<Item = impl NamedTensor>) -> Result<Vec<u8>> {
    let items: Vec<_> = arrays.into_iter().collect();
    save_bytes(pairs(&items), CompressionMethod::Stored)
}

/// The bytes [`save_npz_compressed`] writes.
pub fn save_npz_compressed_to_bytes(
    arrays: impl IntoIterator<Item = impl NamedTensor>,
) -> Result<Vec<u8>> {
    let items: Vec<_> = arrays.into_iter().collect();
    save_bytes(pairs(&items), CompressionMethod::Deflated)
}
