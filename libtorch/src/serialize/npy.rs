//! NumPy's `.npy` and `.npz` files (read and write), named like NumPy's functions: [`load`] and
//! [`save`] (`np.load` / `np.save` of one array), [`load_npz`], [`save_npz`] and
//! [`save_npz_compressed`] (`np.load` of an archive, `np.savez`, `np.savez_compressed`), and
//! their in-memory forms.
//!
//! ```
//! use libtorch::serialize::npy;
//! use libtorch::Tensor;
//! let t = Tensor::from_data(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
//! let dir = std::env::temp_dir();
//! let path = dir.join(format!("ltrs-doc-{}.npy", std::process::id()));
//! npy::save(&path, &t)?; // np.load(path) in Python gives the same float32 array
//! assert_eq!(npy::load(&path)?.to_vec::<f32>()?, t.to_vec::<f32>()?);
//!
//! let archive = dir.join(format!("ltrs-doc-{}.npz", std::process::id()));
//! let labels = Tensor::from_slice(&[3i64, 1, 4]);
//! npy::save_npz_compressed(&archive, [("weights", &t), ("labels", &labels)])?;
//! let arrays = npy::load_npz(&archive)?; // in the archive's order, like `np.load(path).files`
//! assert_eq!(arrays[1].0, "labels");
//! # std::fs::remove_file(&path).unwrap();
//! # std::fs::remove_file(&archive).unwrap();
//! # Ok::<(), libtorch::Error>(())
//! ```
//!
//! Every numeric dtype NumPy and libtorch share is read and written: bool, int8 to int64,
//! uint8 to uint64, float16, float32, float64, complex64 and complex128. Files in either byte
//! order load (big-endian ones, `'>f4'`, are byte-swapped on reading); a Fortran-order file
//! loads as a tensor with column-major strides, as `torch.from_numpy(np.load(path))` gives, and
//! such a tensor is saved in Fortran order again, as `np.save` does. Object arrays (`'|O'`,
//! stored with pickle, which is never read here), structured dtypes, strings and dates are
//! refused with an error; so are bfloat16, float8 and complex32 tensors on saving, which have
//! no NumPy dtype (convert them first, e.g. `t.to_dtype(Kind::Float)`).
//!
//! A corrupt or crafted file gives an [`Error::Data`] naming the file (or
//! `<bytes>`) and, in an archive, the entry: header sizes, shapes and data sizes are checked
//! against the bytes present before anything is allocated.
mod header;
mod npz;

pub use npz::{
    load_npz, load_npz_from_bytes, save_npz, save_npz_compressed, save_npz_compressed_to_bytes,
    save_npz_to_bytes,
};

use crate::error::{Error, Result};
use crate::{Kind, Layout, Tensor};
use header::{Descr, Header};
use std::path::Path;

const LOAD: &str = "npy::load";
const SAVE: &str = "npy::save";

/// NumPy's dtype string for a kind, or why there is none.
fn descr_of(kind: Kind) -> std::result::Result<&'static str, String> {
    use Kind::*;
    Ok(match kind {
        Bool => "|b1",
        Uint8 => "|u1",
        Int8 => "|i1",
        Int16 => "<i2",
        Int => "<i4",
        Int64 => "<i8",
        Uint16 => "<u2",
        Uint32 => "<u4",
        Uint64 => "<u8",
        Half => "<f2",
        Float => "<f4",
        Double => "<f8",
        ComplexFloat => "<c8",
        ComplexDouble => "<c16",
        BFloat16 | Float8e5m2 | Float8e4m3fn | Float8e5m2fnuz | Float8e4m3fnuz | Float8e8m0fnu
        | Float4e2m1fnX2 => {
            return Err(format!(
                "NumPy has no {} dtype: convert the tensor first (to_dtype(Kind::Float) keeps its \
                 values)",
                kind.name()
            ))
        }
        ComplexHalf => return Err(
            "NumPy has no complex32 dtype: convert the tensor first (to_dtype(Kind::ComplexFloat))"
                .into(),
        ),
        QInt8 | QUInt8 | QInt32 | QUInt4x2 | QUInt2x4 => {
            return Err(format!(
                "NumPy has no quantized dtype ({kind}): save int_repr() or dequantize() instead"
            ))
        }
        _ => return Err(format!("NumPy has no dtype for {kind}")),
    })
}

/// The number of data bytes a header describes, checked for overflow.
fn data_len(h: &Header) -> std::result::Result<usize, String> {
    let elt = h.descr.kind.elt_size_in_bytes() as u64;
    h.shape
        .iter()
        .try_fold(elt, |acc, &d| acc.checked_mul(d))
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n <= isize::MAX as usize)
        .ok_or_else(|| format!("shape {:?} is too large to hold in memory", h.shape))
}

/// The tensor a header and its data bytes (exactly [`data_len`] of them) describe.
fn tensor(h: &Header, data: &[u8]) -> std::result::Result<Tensor, String> {
    let Descr { kind, big_endian } = h.descr;
    // Fortran order: the bytes are the transpose's, row-major.
    let mut shape: Vec<i64> = h.shape.iter().map(|&d| d as i64).collect();
    if h.fortran_order {
        shape.reverse();
    }
    let swapped;
    let bytes = if big_endian && kind.elt_size_in_bytes() > 1 {
        // Complex numbers swap each part on its own.
        let word = if kind.is_complex() {
            kind.elt_size_in_bytes() / 2
        } else {
            kind.elt_size_in_bytes()
        };
        let mut v = Vec::new();
        v.try_reserve_exact(data.len())
            .map_err(|_| format!("cannot allocate {} bytes", data.len()))?;
        v.extend_from_slice(data);
        for w in v.chunks_exact_mut(word) {
            w.reverse();
        }
        swapped = v;
        &swapped[..]
    } else {
        data
    };
    let t = Tensor::from_bytes(bytes, &shape, kind).map_err(|e| e.message().to_string())?;
    if h.fortran_order && shape.len() > 1 {
        let dims: Vec<i64> = (0..shape.len() as i64).rev().collect();
        return t.f_permute(&dims).map_err(|e| e.message().to_string());
    }
    Ok(t)
}

/// Reads one `.npy` array from `bytes`; `what` names it in errors. Bytes after the array are
/// ignored, as NumPy does.
fn from_bytes(bytes: &[u8], what: &str) -> Result<Tensor> {
    let bad = |m: String| Error::data(LOAD, format!("{what}: {m}"));
    let (before, len) =
        header::prefix(&bytes[..bytes.len().min(header::PREFIX_MAX)]).map_err(bad)?;
    let text = bytes
        .get(before..before + len)
        .ok_or_else(|| bad(format!("truncated in the {len}-byte header")))?;
    let h = header::parse(text).map_err(bad)?;
    let n = data_len(&h).map_err(bad)?;
    let data = bytes[before + len..].get(..n).ok_or_else(|| {
        bad(format!(
            "truncated: shape {:?} of {} needs {n} data bytes, {} are present",
            h.shape,
            h.descr.kind,
            bytes.len() - before - len
        ))
    })?;
    tensor(&h, data).map_err(bad)
}

/// The `.npy` bytes of `t`, or why it cannot be saved.
fn to_npy(t: &Tensor) -> std::result::Result<Vec<u8>, String> {
    use npyz::WriterBuilder;
    if !t.defined() {
        return Err("undefined tensor".into());
    }
    let kind = t.f_kind().map_err(|e| e.message().to_string())?;
    let descr = descr_of(kind)?;
    let layout = t.layout_or_strided();
    if layout != Layout::Strided {
        return Err(format!(
            "a {layout:?} tensor: .npy stores dense arrays only (convert with to_dense)"
        ));
    }
    let size = t.f_size().map_err(|e| e.message().to_string())?;
    let shape: Vec<u64> = size.iter().map(|&d| d as u64).collect();
    // np.save writes an array that is Fortran-contiguous but not C-contiguous in Fortran order.
    let rev: Vec<i64> = (0..size.len() as i64).rev().collect();
    let fortran = size.len() > 1 && !t.is_contiguous() && {
        let tr = t.f_permute(&rev).map_err(|e| e.message().to_string())?;
        tr.is_contiguous()
    };
    let data = if fortran {
        t.f_permute(&rev).and_then(|tr| tr.to_bytes())
    } else {
        t.to_bytes()
    }
    .map_err(|e| e.message().to_string())?;
    let dtype = npyz::DType::Plain(descr.parse().map_err(|e| format!("{e}"))?);
    let order = if fortran {
        npyz::Order::Fortran
    } else {
        npyz::Order::C
    };
    let mut out = Vec::new();
    out.try_reserve_exact(data.len() + 128)
        .map_err(|_| format!("cannot allocate {} bytes", data.len()))?;
    npyz::WriteOptions::new_header_only()
        .dtype(dtype)
        .shape(&shape)
        .order(order)
        .writer(&mut out)
        .write_header_only()
        .map_err(|e| e.to_string())?;
    out.extend_from_slice(&data);
    Ok(out)
}

/// Reads the array of a `.npy` file (`np.load(path)`), as a CPU tensor of the file's dtype and
/// shape (see the module docs for byte order and Fortran order).
pub fn load(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    let what = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::data(LOAD, format!("{what}: {e}")))?;
    from_bytes(&bytes, &what)
}

/// Reads a `.npy` file held in memory (`np.load(io.BytesIO(bytes))`).
pub fn load_from_bytes(bytes: &[u8]) -> Result<Tensor> {
    from_bytes(bytes, "<bytes>")
}

/// Writes `tensor` to a `.npy` file (`np.save(path, array)`; unlike NumPy, no `.npy` is
/// appended to the path). Any device and strides: the values are written, row-major (or in
/// Fortran order for a column-major tensor). An error for a dtype NumPy lacks (bfloat16, the
/// float8 kinds, complex32, quantized), a sparse tensor or an undefined one.
pub fn save(path: impl AsRef<Path>, tensor: &Tensor) -> Result<()> {
    let path = path.as_ref();
    let bytes = save_to_bytes(tensor)?;
    std::fs::write(path, bytes)
        .map_err(|e| Error::invalid(SAVE, format!("{}: {e}", path.display())))
}

/// The bytes [`save`] writes.
pub fn save_to_bytes(tensor: &Tensor) -> Result<Vec<u8>> {
    to_npy(tensor).map_err(|m| Error::invalid(SAVE, m))
}
