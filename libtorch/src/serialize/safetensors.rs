//! safetensors files, Hugging Face's format for named tensors (read and write), named like
//! Python's `safetensors.torch`: [`load_file`], [`load`], [`save_file`], [`save`], plus
//! [`load_file_mmap`], a zero-copy read of a memory-mapped file, and the `__metadata__` string
//! map ([`save_with_metadata`], [`load_metadata`]).
//!
//! ```
//! use libtorch::serialize::safetensors;
//! use libtorch::{Kind, Tensor};
//! let w = Tensor::from_data(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
//! let steps = Tensor::from_slice(&[7i64]);
//! let path = std::env::temp_dir().join(format!("ltrs-doc-st-{}.safetensors", std::process::id()));
//! safetensors::save_file([("w", &w), ("steps", &steps)], &path)?;
//!
//! let loaded = safetensors::load_file(&path)?;
//! // In the order of the data in the file (writers sort by dtype alignment, then name).
//! let names: Vec<&str> = loaded.iter().map(|(n, _)| n.as_str()).collect();
//! assert_eq!(names, ["steps", "w"]);
//! assert_eq!(loaded[0].1.kind(), Kind::Int64);
//! assert_eq!(loaded[1].1.to_vec::<f32>()?, w.to_vec::<f32>()?);
//! # std::fs::remove_file(&path).unwrap();
//! # Ok::<(), libtorch::Error>(())
//! ```
//!
//! The format stores each tensor's dtype, shape and row-major little-endian bytes after a JSON
//! header; parsing and validation are the `safetensors` crate's (by the format's authors).
//! Every dtype both sides have is supported: `F64`, `F32`, `F16`, `BF16`, `I64`, `I32`, `I16`,
//! `I8`, `U64`, `U32`, `U16`, `U8`, `BOOL`, `C64` (complex64), the float8 kinds `F8_E4M3`
//! (float8_e4m3fn), `F8_E5M2`, `F8_E4M3FNUZ`, `F8_E5M2FNUZ`, `F8_E8M0` (float8_e8m0fnu), and
//! `F4` (stored as `float4_e2m1fn_x2`, two values a byte: the file's last dimension is twice the
//! tensor's, as Python writes it). The format has no complex128, complex32, quantized or
//! sub-byte integer dtype, and libtorch none for `F6_E2M3`/`F6_E3M2`: those are errors naming
//! the tensor.
//!
//! Reading a corrupt or crafted file gives an [`Error::Data`] naming the
//! file (or `<bytes>`) and, where there is one, the tensor: sizes and offsets are checked
//! against the bytes present before anything is allocated.
mod backing;

use crate::error::{Error, Result};
use crate::serialize::named::pairs;
use crate::serialize::NamedTensor;
use crate::{Kind, Layout, Tensor};
use ::safetensors::tensor::{Dtype, Metadata, SafeTensors, View};
use backing::Backing;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

const LOAD: &str = "safetensors::load";
const SAVE: &str = "safetensors::save";

/// The libtorch kind of a safetensors dtype, and whether it is `F4` (two values a byte).
fn kind_of(dtype: Dtype) -> Option<Kind> {
    Some(match dtype {
        Dtype::BOOL => Kind::Bool,
        Dtype::U8 => Kind::Uint8,
        Dtype::I8 => Kind::Int8,
        Dtype::U16 => Kind::Uint16,
        Dtype::I16 => Kind::Int16,
        Dtype::U32 => Kind::Uint32,
        Dtype::I32 => Kind::Int,
        Dtype::U64 => Kind::Uint64,
        Dtype::I64 => Kind::Int64,
        Dtype::F16 => Kind::Half,
        Dtype::BF16 => Kind::BFloat16,
        Dtype::F32 => Kind::Float,
        Dtype::F64 => Kind::Double,
        Dtype::C64 => Kind::ComplexFloat,
        Dtype::F8_E4M3 => Kind::Float8e4m3fn,
        Dtype::F8_E5M2 => Kind::Float8e5m2,
        Dtype::F8_E4M3FNUZ => Kind::Float8e4m3fnuz,
        Dtype::F8_E5M2FNUZ => Kind::Float8e5m2fnuz,
        Dtype::F8_E8M0 => Kind::Float8e8m0fnu,
        Dtype::F4 => Kind::Float4e2m1fnX2,
        _ => return None,
    })
}

/// The safetensors dtype of a libtorch kind.
fn dtype_of(kind: Kind) -> Option<Dtype> {
    Some(match kind {
        Kind::Bool => Dtype::BOOL,
        Kind::Uint8 => Dtype::U8,
        Kind::Int8 => Dtype::I8,
        Kind::Uint16 => Dtype::U16,
        Kind::Int16 => Dtype::I16,
        Kind::Uint32 => Dtype::U32,
        Kind::Int => Dtype::I32,
        Kind::Uint64 => Dtype::U64,
        Kind::Int64 => Dtype::I64,
        Kind::Half => Dtype::F16,
        Kind::BFloat16 => Dtype::BF16,
        Kind::Float => Dtype::F32,
        Kind::Double => Dtype::F64,
        Kind::ComplexFloat => Dtype::C64,
        Kind::Float8e4m3fn => Dtype::F8_E4M3,
        Kind::Float8e5m2 => Dtype::F8_E5M2,
        Kind::Float8e4m3fnuz => Dtype::F8_E4M3FNUZ,
        Kind::Float8e5m2fnuz => Dtype::F8_E5M2FNUZ,
        Kind::Float8e8m0fnu => Dtype::F8_E8M0,
        Kind::Float4e2m1fnX2 => Dtype::F4,
        _ => return None,
    })
}

fn path_name(path: &Path) -> String {
    path.display().to_string()
}

/// Where tensors come from: bytes to copy, or a backing the tensors may view in place.
enum Source<'a> {
    Copy(&'a [u8]),
    View(Arc<Backing>),
}

/// The tensors of a safetensors buffer, in the order of their data, and its metadata.
fn read(source: Source<'_>, what: &str) -> Result<(Vec<(String, Tensor)>, Metadata)> {
    let bytes = match &source {
        Source::Copy(b) => *b,
        // SAFETY: no tensor has been made from this backing yet; the slice is dropped before
        // this function returns them.
        Source::View(b) => unsafe { b.bytes() },
    };
    let bad = |cause: String| Error::data(LOAD, format!("{what}: {cause}"));
    let (n, meta) = SafeTensors::read_metadata(bytes)
        .map_err(|e| bad(format!("not a valid safetensors file: {e}")))?;
    // `read_metadata` checked that the header's `n` bytes and every tensor's range are inside
    // the buffer, that the ranges tile the data exactly, and that each range's size is its
    // shape times its dtype's size (without overflow).
    let start = 8 + n;
    let mut out = Vec::new();
    let names = meta.offset_keys();
    out.try_reserve_exact(names.len())
        .map_err(|_| bad(format!("cannot allocate a list of {} tensors", names.len())))?;
    for name in names {
        let info = meta
            .info(&name)
            .ok_or_else(|| bad(format!("tensor `{name}` is listed without its entry")))?;
        let bad = |cause: String| bad(format!("tensor `{name}`: {cause}"));
        let kind = kind_of(info.dtype).ok_or_else(|| {
            bad(format!(
                "dtype {} has no libtorch kind (supported: BOOL, U8-U64, I8-I64, F16, BF16, F32, \
                 F64, C64, F8_E4M3, F8_E5M2, F8_E4M3FNUZ, F8_E5M2FNUZ, F8_E8M0, F4)",
                info.dtype
            ))
        })?;
        let mut shape = info
            .shape
            .iter()
            .map(|&d| i64::try_from(d))
            .collect::<std::result::Result<Vec<i64>, _>>()
            .map_err(|_| bad(format!("shape {:?} does not fit in i64", info.shape)))?;
        if info.dtype == Dtype::F4 {
            // Two 4-bit values a byte: torch.float4_e2m1fn_x2's last dimension is half the
            // file's (safetensors counts values, libtorch counts bytes).
            match shape.last_mut() {
                Some(last) if *last % 2 == 0 => *last /= 2,
                _ => {
                    return Err(bad(format!(
                        "F4 tensor of shape {:?}: float4_e2m1fn_x2 needs an even last dimension",
                        info.shape
                    )))
                }
            }
        }
        let (s, e) = info.data_offsets;
        let range = start + s..start + e;
        let from_copy = |bytes: &[u8]| {
            Tensor::from_bytes(&bytes[range.clone()], &shape, kind)
                .map_err(|e| bad(e.message().to_string()))
        };
        let tensor = match &source {
            Source::Copy(bytes) => from_copy(bytes)?,
            Source::View(backing) => {
                match backing::view(backing, range.clone(), &shape, kind)
                    .map_err(|e| bad(e.message().to_string()))?
                {
                    Some(t) => t,
                    // Misaligned for the dtype, or empty: a copy.
                    None => from_copy(bytes)?,
                }
            }
        };
        out.push((name, tensor));
    }
    Ok((out, meta))
}

fn metadata_map(meta: &Metadata) -> BTreeMap<String, String> {
    meta.metadata()
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Reads a whole file into an 8-byte-aligned buffer that its tensors then view.
fn read_file(path: &Path) -> Result<Arc<Backing>> {
    use std::io::Read;
    let fail = |e: std::io::Error| Error::data(LOAD, format!("{}: {e}", path_name(path)));
    let mut file = std::fs::File::open(path).map_err(fail)?;
    let len = file.metadata().map_err(fail)?.len();
    let len = usize::try_from(len).map_err(|_| {
        Error::data(
            LOAD,
            format!("{}: {len} bytes do not fit in memory", path_name(path)),
        )
    })?;
    let backing = Backing::heap(len, |buf| file.read_exact(buf)).map_err(fail)?;
    Ok(Arc::new(backing))
}

/// The tensors of a safetensors file, in the order of their data in the file (Python's
/// `safetensors.torch.load_file(path)`, on the CPU).
///
/// The file is read once, into one buffer that its tensors view (no second copy; a tensor whose
/// data is not aligned for its dtype gets its own copy): the buffer is freed when the last of
/// them is. Writes through a tensor change that buffer only, never the file.
pub fn load_file(path: impl AsRef<Path>) -> Result<Vec<(String, Tensor)>> {
    let path = path.as_ref();
    Ok(read(Source::View(read_file(path)?), &path_name(path))?.0)
}

/// The tensors of a safetensors file held in memory, each copied out, in the order of their data
/// (Python's `safetensors.torch.load(data)`).
pub fn load(bytes: &[u8]) -> Result<Vec<(String, Tensor)>> {
    Ok(read(Source::Copy(bytes), "<bytes>")?.0)
}

/// The tensors of a safetensors file, viewing a private memory mapping of it without copying
/// (what Python's `safe_open` does): loading takes no time and no memory until the data is
/// touched, and the operating system shares unmodified pages between processes mapping the same
/// file. The mapping lives as long as any of the tensors (or a view of one) does.
///
/// The mapping is copy-on-write: writes through a tensor change this process's copy of the
/// page, never the file. A tensor whose data is not aligned for its dtype in the file (which
/// Python's writer never produces) gets its own copy, as does an empty one.
///
/// # Safety
///
/// While any of the returned tensors (or views of them) lives, the file must not be truncated
/// or modified, by this process or another: the tensors read the file's pages directly, so a
/// shortened file makes reading them raise `SIGBUS`, and a modified one may change their values
/// under them (memmap2's contract for a mapping, which this is). Replacing the file by a new
/// one (writing another file and renaming it over this path, as [`save_file`] and Python's
/// `save_file` do) is fine: the mapping keeps the old one.
///
/// ```
/// use libtorch::serialize::safetensors;
/// use libtorch::Tensor;
/// let path = std::env::temp_dir().join(format!("ltrs-doc-mmap-{}.safetensors", std::process::id()));
/// safetensors::save_file([("w", &Tensor::from_slice(&[1.0f32, 2.0]))], &path)?;
/// // SAFETY: nothing truncates or modifies the file while the tensors live.
/// let tensors = unsafe { safetensors::load_file_mmap(&path)? };
/// assert_eq!(tensors[0].1.to_vec::<f32>()?, [1.0, 2.0]);
/// drop(tensors);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), libtorch::Error>(())
/// ```
pub unsafe fn load_file_mmap(path: impl AsRef<Path>) -> Result<Vec<(String, Tensor)>> {
    let path = path.as_ref();
    let fail = |e: std::io::Error| Error::data(LOAD, format!("{}: {e}", path_name(path)));
    let file = std::fs::File::open(path).map_err(fail)?;
    // SAFETY: the caller keeps the file unchanged while the mapping (kept by the tensors) lives.
    let backing = unsafe { Backing::map(&file) }.map_err(fail)?;
    Ok(read(Source::View(Arc::new(backing)), &path_name(path))?.0)
}

/// The `__metadata__` string map of a safetensors file held in memory (empty when it has none),
/// after checking the whole file as [`load`] does. Python: `safe_open(...).metadata()`.
pub fn load_metadata(bytes: &[u8]) -> Result<BTreeMap<String, String>> {
    let (_, meta) = SafeTensors::read_metadata(bytes)
        .map_err(|e| Error::data(LOAD, format!("<bytes>: not a valid safetensors file: {e}")))?;
    Ok(metadata_map(&meta))
}

/// The `__metadata__` string map of a safetensors file (empty when it has none). It reads the
/// whole file (the header's tensor entries are checked against the data).
pub fn load_file_metadata(path: impl AsRef<Path>) -> Result<BTreeMap<String, String>> {
    let path = path.as_ref();
    let backing = read_file(path)?;
    // SAFETY: no tensor is made from this backing.
    let bytes = unsafe { backing.bytes() };
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| {
        Error::data(
            LOAD,
            format!("{}: not a valid safetensors file: {e}", path_name(path)),
        )
    })?;
    Ok(metadata_map(&meta))
}

/// One tensor to write: checked before writing starts, its bytes made when the writer asks.
struct Entry<'a, 'f> {
    tensor: &'a Tensor,
    dtype: Dtype,
    shape: Vec<usize>,
    nbytes: usize,
    /// The first failure to produce bytes (a device error, out of memory), reported after.
    failure: &'f RefCell<Option<Error>>,
}

impl View for Entry<'_, '_> {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        match self.tensor.to_bytes() {
            Ok(b) if b.len() == self.nbytes => Cow::Owned(b),
            Ok(b) => {
                self.failure.borrow_mut().get_or_insert(Error::invalid(
                    SAVE,
                    format!("{} bytes where {} were expected", b.len(), self.nbytes),
                ));
                Cow::Owned(Vec::new())
            }
            Err(e) => {
                self.failure.borrow_mut().get_or_insert(e);
                Cow::Owned(Vec::new())
            }
        }
    }
    fn data_len(&self) -> usize {
        self.nbytes
    }
}

/// Checks `tensors` and describes each for the writer.
fn entries<'a, 'f>(
    tensors: impl IntoIterator<Item = (&'a str, &'a Tensor)>,
    failure: &'f RefCell<Option<Error>>,
) -> Result<Vec<(&'a str, Entry<'a, 'f>)>> {
    let mut out: Vec<(&str, Entry<'_, '_>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (name, t) in tensors {
        let bad = |m: String| Error::invalid(SAVE, format!("tensor `{name}`: {m}"));
        if name == "__metadata__" {
            return Err(bad("the name is the format's metadata key".into()));
        }
        if !seen.insert(name) {
            return Err(bad("the name appears twice".into()));
        }
        if !t.defined() {
            return Err(bad("undefined tensor".into()));
        }
        let kind = t.f_kind()?;
        let layout = t.layout_or_strided();
        if layout != Layout::Strided {
            return Err(bad(format!(
                "a {layout:?} tensor: safetensors stores dense tensors only (convert with to_dense)"
            )));
        }
        let size = t.f_size().map_err(|e| bad(e.message().to_string()))?;
        let dtype = dtype_of(kind).ok_or_else(|| {
            bad(format!(
                "safetensors has no dtype for {kind}{}",
                if kind.is_complex() {
                    " (complex64 is the only complex dtype)"
                } else {
                    ""
                }
            ))
        })?;
        let mut shape: Vec<usize> = size.iter().map(|&d| d as usize).collect();
        if dtype == Dtype::F4 {
            // The file counts 4-bit values: two per float4_e2m1fn_x2 element.
            match shape.last_mut() {
                Some(last) => *last *= 2,
                None => return Err(bad("a 0-dim float4_e2m1fn_x2 tensor has no F4 shape".into())),
            }
        }
        let nbytes = size
            .iter()
            .try_fold(kind.elt_size_in_bytes(), |acc, &d| {
                acc.checked_mul(usize::try_from(d).ok()?)
            })
            .ok_or_else(|| bad("its size in bytes overflows".into()))?;
        out.push((
            name,
            Entry {
                tensor: t,
                dtype,
                shape,
                nbytes,
                failure,
            },
        ));
    }
    Ok(out)
}

fn metadata_arg<K: AsRef<str>, V: AsRef<str>>(
    metadata: impl IntoIterator<Item = (K, V)>,
) -> Option<HashMap<String, String>> {
    let m: HashMap<String, String> = metadata
        .into_iter()
        .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
        .collect();
    (!m.is_empty()).then_some(m)
}

fn save_impl<'a>(
    tensors: impl IntoIterator<Item = (&'a str, &'a Tensor)>,
    metadata: Option<HashMap<String, String>>,
) -> Result<Vec<u8>> {
    let failure = RefCell::new(None);
    let list = entries(tensors, &failure)?;
    let bytes = ::safetensors::serialize(list, metadata)
        .map_err(|e| Error::invalid(SAVE, e.to_string()))?;
    match failure.take() {
        Some(e) => Err(e),
        None => Ok(bytes),
    }
}

fn save_file_impl<'a>(
    tensors: impl IntoIterator<Item = (&'a str, &'a Tensor)>,
    metadata: Option<HashMap<String, String>>,
    path: &Path,
) -> Result<()> {
    let failure = RefCell::new(None);
    let list = entries(tensors, &failure)?;
    // Written under another name and renamed: a failure leaves an existing file as it was, and
    // a file that tensors map (`load_file_mmap`) is replaced, never truncated under them.
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::invalid(SAVE, format!("{}: not a file path", path_name(path))))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let written = ::safetensors::serialize_to_file(list, metadata, &tmp)
        .map_err(|e| Error::invalid(SAVE, format!("{}: {e}", path_name(path))));
    let result = written.and_then(|()| match failure.take() {
        Some(e) => Err(e),
        None => std::fs::rename(&tmp, path)
            .map_err(|e| Error::invalid(SAVE, format!("{}: {e}", path_name(path)))),
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A safetensors file holding `tensors` (name, tensor), as bytes (Python's
/// `safetensors.torch.save(tensors)`). Tensors on any device, of any strides, are written as
/// their row-major CPU bytes; the file orders them as Python's writer does (by dtype alignment,
/// then name). An error names the first tensor that cannot be written: a dtype the format lacks
/// (complex128, complex32, quantized), a sparse or other non-dense layout, an undefined tensor,
/// or a name used twice.
pub fn save(tensors: impl IntoIterator<Item = impl NamedTensor>) -> Result<Vec<u8>> {
    let items: Vec<_> = tensors.into_iter().collect();
    save_impl(pairs(&items), None)
}

/// [`save`] with a `__metadata__` string map (Python's `save(tensors, metadata=...)`), read
/// back by [`load_metadata`]. An empty map writes none. The keys' order in the file is the
/// writer's hash map's, which varies from run to run (as with Python's writer, the same code):
/// files with two or more keys are equal as safetensors, not byte for byte.
///
/// ```
/// use libtorch::serialize::safetensors;
/// use libtorch::Tensor;
/// let bytes = safetensors::save_with_metadata(
///     [("w", &Tensor::from_slice(&[1.0f32]))],
///     [("format", "pt")],
/// )?;
/// assert_eq!(safetensors::load_metadata(&bytes)?["format"], "pt");
/// # Ok::<(), libtorch::Error>(())
/// ```
pub fn save_with_metadata<K: AsRef<str>, V: AsRef<str>>(
    tensors: impl IntoIterator<Item = impl NamedTensor>,
    metadata: impl IntoIterator<Item = (K, V)>,
) -> Result<Vec<u8>> {
    let items: Vec<_> = tensors.into_iter().collect();
    save_impl(pairs(&items), metadata_arg(metadata))
}

/// Writes `tensors` (name, tensor) to a safetensors file at `path` (Python's
/// `safetensors.torch.save_file(tensors, path)`); see [`save`]. The file is written under a
/// temporary name in the same folder and renamed over `path`, so a failure leaves an existing
/// file untouched.
pub fn save_file(
    tensors: impl IntoIterator<Item = impl NamedTensor>,
    path: impl AsRef<Path>,
) -> Result<()> {
    let items: Vec<_> = tensors.into_iter().collect();
    save_file_impl(pairs(&items), None, path.as_ref())
}

/// [`save_file`] with a `__metadata__` string map, read back by [`load_file_metadata`].
pub fn save_file_with_metadata<K: AsRef<str>, V: AsRef<str>>(
    tensors: impl IntoIterator<Item = impl NamedTensor>,
    metadata: impl IntoIterator<Item = (K, V)>,
    path: impl AsRef<Path>,
) -> Result<()> {
    let items: Vec<_> = tensors.into_iter().collect();
    save_file_impl(pairs(&items), metadata_arg(metadata), path.as_ref())
}
