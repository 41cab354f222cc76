//! The IDX file format of MNIST-style datasets, raw or gzip-compressed.
//!
//! An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions),
//! one big-endian `u32` size per dimension, then the elements in row-major order, big-endian.
//! The reader checks every part of that against the bytes actually present: a wrong magic, an
//! unknown type code, a size of zero dimensions, a truncated file or trailing bytes is an
//! [`Error::Data`] naming the file and what is wrong. Nothing is allocated
//! from a declared size before the data is known to be there (raw files: their length is
//! checked first; gzip files: the data is read incrementally, never past the declared size).
//!
//! ```
//! use libtorch::data::idx;
//! use libtorch::Kind;
//! // Two 1×2 u8 images: magic 0,0,0x08,3, then sizes 2,1,2, then 4 bytes.
//! let bytes = [0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4];
//! let file = idx::parse(&bytes[..], "example").unwrap();
//! assert_eq!(file.dims, [2, 1, 2]);
//! let t = file.to_tensor().unwrap();
//! assert_eq!(t.kind(), Kind::Uint8);
//! assert_eq!(t.to_vec::<u8>().unwrap(), [1, 2, 3, 4]);
//! ```
use crate::error::{Error, Result};
use crate::{Element, Tensor};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

const OP: &str = "idx::read";

/// Element type of an IDX file (the magic number's third byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdxType {
    /// `0x08`: unsigned byte.
    U8,
    /// `0x09`: signed byte.
    I8,
    /// `0x0B`: 16-bit big-endian integer.
    I16,
    /// `0x0C`: 32-bit big-endian integer.
    I32,
    /// `0x0D`: 32-bit big-endian float.
    F32,
    /// `0x0E`: 64-bit big-endian float.
    F64,
}

impl IdxType {
    /// The type with IDX code `code`, if there is one.
    pub fn from_code(code: u8) -> Option<IdxType> {
        Some(match code {
            0x08 => IdxType::U8,
            0x09 => IdxType::I8,
            0x0B => IdxType::I16,
            0x0C => IdxType::I32,
            0x0D => IdxType::F32,
            0x0E => IdxType::F64,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            IdxType::U8 | IdxType::I8 => 1,
            IdxType::I16 => 2,
            IdxType::I32 | IdxType::F32 => 4,
            IdxType::F64 => 8,
        }
    }
}

/// A parsed IDX file: its element type, dimensions and raw (big-endian) element bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxFile {
    /// Element type.
    pub kind: IdxType,
    /// Size of each dimension, outermost first.
    pub dims: Vec<usize>,
    /// The elements, row-major, as stored in the file (big-endian).
    pub data: Vec<u8>,
}

impl IdxFile {
    /// The elements as a tensor of shape `dims`, converted from big-endian to native values:
    /// `Uint8`, `Int8`, `Int16`, `Int`, `Float` or `Double`.
    pub fn to_tensor(&self) -> Result<Tensor> {
        let shape: Vec<i64> = self.dims.iter().map(|&d| d as i64).collect();
        match self.kind {
            IdxType::U8 => Tensor::from_data(&self.data, &shape),
            IdxType::I8 => be::<i8, 1>(&self.data, &shape, i8::from_be_bytes),
            IdxType::I16 => be::<i16, 2>(&self.data, &shape, i16::from_be_bytes),
            IdxType::I32 => be::<i32, 4>(&self.data, &shape, i32::from_be_bytes),
            IdxType::F32 => be::<f32, 4>(&self.data, &shape, f32::from_be_bytes),
            IdxType::F64 => be::<f64, 8>(&self.data, &shape, f64::from_be_bytes),
        }
    }
}

fn be<T: Element, const N: usize>(
    data: &[u8],
    shape: &[i64],
    conv: fn([u8; N]) -> T,
) -> Result<Tensor> {
    let v: Vec<T> = data
        .chunks_exact(N)
        .map(|c| conv(c.try_into().expect("chunks_exact gives N bytes")))
        .collect();
    Tensor::from_data(&v, shape)
}

/// Reads the IDX file at `path`, raw or gzip-compressed (recognised by its first two bytes,
/// whatever the file name).
pub fn read(path: impl AsRef<Path>) -> Result<IdxFile> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let io = |e: std::io::Error| Error::data(OP, format!("{name}: {e}"));
    let mut file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut head = [0u8; 2];
    let n = read_full(&mut file, &mut head).map_err(io)?;
    let start = std::io::Cursor::new(head[..n].to_vec());
    if n == 2 && head == [0x1f, 0x8b] {
        let gz = flate2::read::GzDecoder::new(BufReader::new(start.chain(file)));
        parse_stream(gz, None, &name)
    } else {
        parse_stream(start.chain(BufReader::new(file)), Some(len), &name)
    }
}

/// Reads the IDX file at `path` into a tensor (see [`IdxFile::to_tensor`]).
pub fn load(path: impl AsRef<Path>) -> Result<Tensor> {
    read(path)?.to_tensor()
}

/// Parses an IDX file held in memory (raw or gzip-compressed); `name` labels errors.
pub fn parse(bytes: &[u8], name: &str) -> Result<IdxFile> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        parse_stream(flate2::read::GzDecoder::new(bytes), None, name)
    } else {
        parse_stream(bytes, Some(bytes.len() as u64), name)
    }
}

/// Fills `buf` as far as the reader allows; returns how many bytes were read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
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

/// Parses an IDX stream. `total` is the stream's exact length when known (raw files), checked
/// against the header before any allocation; otherwise (gzip) the data is read incrementally
/// and its length checked afterwards.
fn parse_stream(mut r: impl Read, total: Option<u64>, name: &str) -> Result<IdxFile> {
    let err = |m: String| Error::data(OP, format!("{name}: {m}"));
    let io = |e: std::io::Error| {
        err(format!(
            "cannot read the data (corrupted or truncated?): {e}"
        ))
    };
    let mut magic = [0u8; 4];
    let n = read_full(&mut r, &mut magic).map_err(io)?;
    if n < 4 {
        return Err(err(format!(
            "truncated: {n} bytes, shorter than the 4-byte IDX magic number"
        )));
    }
    if magic[0] != 0 || magic[1] != 0 {
        return Err(err(format!(
            "not an IDX file: magic number {:02x} {:02x} {:02x} {:02x} does not start with two \
             zero bytes",
            magic[0], magic[1], magic[2], magic[3]
        )));
    }
    let kind = IdxType::from_code(magic[2])
        .ok_or_else(|| err(format!("unknown IDX element type code 0x{:02x}", magic[2])))?;
    let ndims = magic[3] as usize;
    if ndims == 0 {
        return Err(err("the header declares zero dimensions".into()));
    }
    let mut sizes = vec![0u8; 4 * ndims];
    let n = read_full(&mut r, &mut sizes).map_err(io)?;
    if n < sizes.len() {
        return Err(err(format!(
            "truncated header: {ndims} dimensions need {} size bytes, the file has {n}",
            sizes.len()
        )));
    }
    let dims: Vec<usize> = sizes
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let header = 4 + 4 * ndims as u64;
    let payload = dims
        .iter()
        .try_fold(kind.size() as u64, |acc, &d| acc.checked_mul(d as u64))
        .filter(|&p| p <= isize::MAX as u64 - header)
        .ok_or_else(|| err(format!("dimensions {dims:?} overflow the addressable size")))?;
    if let Some(total) = total {
        let have = total.saturating_sub(header);
        if have != payload {
            let what = if have < payload {
                "truncated"
            } else {
                "trailing bytes"
            };
            return Err(err(format!(
                "{what}: dimensions {dims:?} of {kind:?} declare {payload} data bytes, the \
                 file has {have}"
            )));
        }
    }
    // Grow with the data actually read (never more than declared + 1 byte to detect excess),
    // so a corrupted size cannot make us allocate gigabytes up front.
    let mut data = Vec::with_capacity(payload.min(1 << 20) as usize);
    r.take(payload + 1).read_to_end(&mut data).map_err(io)?;
    let got = data.len() as u64;
    if got < payload {
        return Err(err(format!(
            "truncated: dimensions {dims:?} of {kind:?} declare {payload} data bytes, the file \
             has {got}"
        )));
    }
    if got > payload {
        return Err(err(format!(
            "trailing bytes: dimensions {dims:?} of {kind:?} declare {payload} data bytes, the \
             file has more"
        )));
    }
    Ok(IdxFile { kind, dims, data })
}
