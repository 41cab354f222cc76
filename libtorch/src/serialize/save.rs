//! Writing what `torch.save` writes: the value pickled with protocol 2, tensors as
//! `torch._utils._rebuild_tensor_v2` calls over persistent storages, each storage once (so views
//! and tied weights stay shared in Python), in PyTorch's own zip container.
use super::pickle::opcodes::{APPENDS, EMPTY_DICT, EMPTY_LIST, MARK, REDUCE, SETITEMS, TUPLE};
use super::pickle::write::Pickler;
use super::value::MAX_DEPTH;
use crate::error::check;
use crate::{Device, Error, IValue, Kind, Layout, QScheme, Result, Storage, Tensor};
use libtorch_sys as sys;
use libtorch_sys::serialize as ffi;
use std::collections::HashMap;
use std::path::Path;

fn bad(message: impl Into<String>) -> Error {
    Error::invalid("save", message)
}

/// How Python's pickler batches list and dict items.
const BATCH: usize = 1000;

/// The storages met so far: each written once, under keys "0", "1", ... in order.
#[derive(Default)]
struct Storages {
    /// StorageImpl address → (key, kind). The `Storage` handles below keep every address alive
    /// (and so unique) until the save ends.
    keys: HashMap<usize, (usize, Kind)>,
    written: Vec<(Storage, Tensor)>,
}

/// Pickles values; remembers the storages to write and the tensors already pickled.
struct ValueWriter {
    p: Pickler,
    storages: Storages,
    /// TensorImpl address → memo index, so one tensor in two places loads as one tensor. The
    /// tensors are kept alive (and their addresses unique) in `keep`.
    memo: HashMap<usize, u32>,
    keep: Vec<Tensor>,
}

impl ValueWriter {
    fn value(&mut self, v: &IValue, depth: usize, ordered: bool) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(bad(format!(
                "the value nests more than {MAX_DEPTH} levels deep"
            )));
        }
        match v {
            IValue::None => self.p.none(),
            IValue::Bool(b) => self.p.bool(*b),
            IValue::Int(i) => self.p.int(*i),
            IValue::Double(f) => self.p.float(*f),
            IValue::Complex(c) => {
                self.p.global("__builtin__", "complex");
                self.p.float(c.re);
                self.p.float(c.im);
                self.p.tuple_of(2);
                self.p.op(REDUCE);
            }
            IValue::String(s) => self.p.str(s),
            IValue::Bytes(b) => self.p.bytes(b),
            IValue::Tensor(t) => self.tensor(t)?,
            IValue::List(items) => {
                self.p.op(EMPTY_LIST);
                for chunk in items.chunks(BATCH) {
                    self.p.op(MARK);
                    for x in chunk {
                        self.value(x, depth + 1, false)?;
                    }
                    self.p.op(APPENDS);
                }
            }
            IValue::Tuple(items) => {
                if Pickler::tuple_needs_mark(items.len()) {
                    self.p.op(MARK);
                }
                for x in items {
                    self.value(x, depth + 1, false)?;
                }
                self.p.tuple_of(items.len());
            }
            IValue::Dict(entries) => {
                if ordered {
                    self.ordered_dict_start();
                } else {
                    self.p.op(EMPTY_DICT);
                }
                for chunk in entries.chunks(BATCH) {
                    self.p.op(MARK);
                    for (k, x) in chunk {
                        if matches!(k, IValue::List(_) | IValue::Dict(_)) {
                            return Err(bad(format!(
                                "a dict key is a {}, which Python cannot hash",
                                k.type_name()
                            )));
                        }
                        self.value(k, depth + 1, false)?;
                        self.value(x, depth + 1, false)?;
                    }
                    self.p.op(SETITEMS);
                }
            }
            IValue::Device(d) => self.device(*d)?,
            IValue::Kind(k) => self.p.global("torch", k.name()),
        }
        Ok(())
    }

    /// `collections.OrderedDict()`, which items are then set on (a state_dict's type).
    fn ordered_dict_start(&mut self) {
        self.p.global("collections", "OrderedDict");
        self.p.tuple_of(0);
        self.p.op(REDUCE);
    }

    fn device(&mut self, d: Device) -> Result<()> {
        self.p.global("torch", "device");
        match d {
            Device::Cpu => {
                self.p.str("cpu");
                self.p.tuple_of(1);
            }
            Device::Cuda(i) => {
                self.p.str("cuda");
                self.p.int(i as i64);
                self.p.tuple_of(2);
            }
            Device::Meta => {
                self.p.str("meta");
                self.p.tuple_of(1);
            }
            Device::Mps => {
                self.p.str("mps");
                self.p.tuple_of(1);
            }
            Device::Other(..) => return Err(bad(format!("the device {d} cannot be saved"))),
        }
        self.p.op(REDUCE);
        Ok(())
    }

    fn tensor(&mut self, t: &Tensor) -> Result<()> {
        if !t.defined() {
            return Err(bad("an undefined tensor cannot be saved"));
        }
        let id = t.as_raw() as usize;
        if let Some(&m) = self.memo.get(&id) {
            self.p.memo_get(m);
            return Ok(());
        }
        match t.layout() {
            Layout::Strided => {
                if t.device() == Device::Meta {
                    self.meta_tensor(t)?
                } else {
                    self.strided_tensor(t)?
                }
            }
            Layout::Sparse => self.sparse_tensor(t, "torch.sparse_coo")?,
            l @ (Layout::SparseCsr | Layout::SparseCsc | Layout::SparseBsr | Layout::SparseBsc) => {
                let name = match l {
                    Layout::SparseCsr => "torch.sparse_csr",
                    Layout::SparseCsc => "torch.sparse_csc",
                    Layout::SparseBsr => "torch.sparse_bsr",
                    _ => "torch.sparse_bsc",
                };
                self.sparse_tensor(t, name)?
            }
            other => {
                return Err(bad(format!(
                    "a {other:?} tensor cannot be saved (convert it to a strided or sparse one)"
                )))
            }
        }
        let m = self.p.memoize();
        self.memo.insert(id, m);
        self.keep.push(t.clone());
        Ok(())
    }

    /// `(size tuple, stride tuple)`.
    fn shape(&mut self, size: &[i64], stride: &[i64]) {
        for dims in [size, stride] {
            if Pickler::tuple_needs_mark(dims.len()) {
                self.p.op(MARK);
            }
            for &d in dims {
                self.p.int(d);
            }
            self.p.tuple_of(dims.len());
        }
    }

    fn empty_hooks(&mut self) {
        self.ordered_dict_start();
    }

    fn strided_tensor(&mut self, t: &Tensor) -> Result<()> {
        // A conjugate or negative view shares bytes that mean something else: save its values.
        let t = if t.f_is_conj()? || t.f_is_neg()? {
            t.f_resolve_conj()?.f_resolve_neg()?
        } else {
            t.clone()
        };
        let kind = t.f_kind()?;
        let requires_grad = t.requires_grad();
        let (size, stride, offset) = (t.f_size()?, t.f_stride()?, t.f_storage_offset()?);
        // The arguments every rebuild function starts with, and the one(s) after each's own.
        let rebuild = if kind.is_quantized() {
            "_rebuild_qtensor"
        } else if legacy_storage_name(kind).is_some() {
            "_rebuild_tensor_v2"
        } else {
            // Dtypes newer than the legacy storage classes: bytes plus the dtype.
            "_rebuild_tensor_v3"
        };
        self.p.global("torch._utils", rebuild);
        self.p.op(MARK);
        self.storage_pid(&t, kind)?;
        self.p.int(offset);
        self.shape(&size, &stride);
        if kind.is_quantized() {
            self.qparams(&t)?;
        }
        self.p.bool(requires_grad);
        self.empty_hooks();
        if rebuild == "_rebuild_tensor_v3" {
            self.p.global("torch", kind.name());
        }
        self.p.op(TUPLE); // the arguments since the MARK
        self.p.op(REDUCE);
        Ok(())
    }

    fn qparams(&mut self, t: &Tensor) -> Result<()> {
        match t.f_qscheme()? {
            QScheme::PerTensorAffine => {
                self.p.global("torch", "per_tensor_affine");
                self.p.float(t.f_q_scale()?);
                self.p.int(t.f_q_zero_point()?);
                self.p.tuple_of(3);
            }
            q @ (QScheme::PerChannelAffine | QScheme::PerChannelAffineFloatQParams) => {
                let name = if q == QScheme::PerChannelAffine {
                    "per_channel_affine"
                } else {
                    "per_channel_affine_float_qparams"
                };
                self.p.op(MARK);
                self.p.global("torch", name);
                self.tensor(&t.f_q_per_channel_scales()?)?;
                self.tensor(&t.f_q_per_channel_zero_points()?)?;
                self.p.int(t.f_q_per_channel_axis()?);
                self.p.tuple_of(4);
            }
            q => return Err(bad(format!("quantized tensors with {q:?} cannot be saved"))),
        }
        Ok(())
    }

    /// `('storage', storage_type, key, location, numel)` as a persistent id.
    fn storage_pid(&mut self, t: &Tensor, kind: Kind) -> Result<()> {
        let storage = Storage::of(t)?;
        let addr = storage.as_raw() as usize;
        let nbytes = storage.nbytes()?;
        let elt = kind.elt_size_in_bytes();
        if elt == 0 || nbytes % elt != 0 {
            return Err(bad(format!(
                "a storage of {nbytes} bytes is no whole number of {kind} elements"
            )));
        }
        let key = match self.storages.keys.get(&addr) {
            Some(&(key, k)) if k == kind => key,
            Some(&(_, k)) => {
                return Err(bad(format!(
                    "one storage is viewed as both {k} and {kind}, which torch.save cannot \
                     write either"
                )))
            }
            None => {
                let key = self.storages.written.len();
                self.storages.keys.insert(addr, (key, kind));
                self.storages.written.push((storage, t.clone()));
                key
            }
        };
        let location = match t.device() {
            Device::Cpu => "cpu".to_owned(),
            Device::Cuda(i) => format!("cuda:{i}"),
            Device::Mps => "mps".to_owned(),
            d => return Err(bad(format!("tensors on {d} cannot be saved"))),
        };
        self.p.op(MARK);
        self.p.str("storage");
        let numel = match legacy_storage_name(kind) {
            Some(name) => {
                self.p.global("torch", name);
                nbytes / elt
            }
            None => {
                self.p.global("torch.storage", "UntypedStorage");
                nbytes
            }
        };
        self.p.str(&key.to_string());
        self.p.str(&location);
        self.p.int(numel as i64);
        self.p.tuple_of(5);
        self.p.op(super::pickle::opcodes::BINPERSID);
        Ok(())
    }

    fn sparse_tensor(&mut self, t: &Tensor, layout: &str) -> Result<()> {
        self.p.global("torch._utils", "_rebuild_sparse_tensor");
        self.p.global("torch.serialization", "_get_layout");
        self.p.str(layout);
        self.p.tuple_of(1);
        self.p.op(REDUCE);
        let size = t.f_size()?;
        let parts = match t.layout() {
            Layout::Sparse => vec![t.f__indices()?, t.f__values()?],
            Layout::SparseCsr | Layout::SparseBsr => {
                vec![t.f_crow_indices()?, t.f_col_indices()?, t.f_values()?]
            }
            _ => vec![t.f_ccol_indices()?, t.f_row_indices()?, t.f_values()?],
        };
        let n = parts.len() + 1 + usize::from(t.layout() == Layout::Sparse);
        if Pickler::tuple_needs_mark(n) {
            self.p.op(MARK);
        }
        for part in &parts {
            self.tensor(part)?;
        }
        self.size_object(&size);
        if t.layout() == Layout::Sparse {
            self.p.bool(t.f_is_coalesced()?);
        }
        self.p.tuple_of(n);
        self.p.tuple_of(2);
        self.p.op(REDUCE);
        Ok(())
    }

    /// `torch.Size(dims)`.
    fn size_object(&mut self, dims: &[i64]) {
        self.p.global("torch", "Size");
        if Pickler::tuple_needs_mark(dims.len()) {
            self.p.op(MARK);
        }
        for &d in dims {
            self.p.int(d);
        }
        self.p.tuple_of(dims.len());
        self.p.tuple_of(1);
        self.p.op(REDUCE);
    }

    fn meta_tensor(&mut self, t: &Tensor) -> Result<()> {
        self.p
            .global("torch._utils", "_rebuild_meta_tensor_no_storage");
        self.p.op(MARK);
        self.p.global("torch", t.f_kind()?.name());
        let (size, stride) = (t.f_size()?, t.f_stride()?);
        self.shape(&size, &stride);
        self.p.bool(t.requires_grad());
        self.p.tuple_of(4);
        self.p.op(REDUCE);
        Ok(())
    }
}

/// The storage class `torch.save` names for `kind` (`torch.storage._dtype_to_storage_type_map`);
/// `None` for the newer dtypes, saved as untyped bytes with `_rebuild_tensor_v3`.
fn legacy_storage_name(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Double => "DoubleStorage",
        Kind::Float => "FloatStorage",
        Kind::Half => "HalfStorage",
        Kind::Int64 => "LongStorage",
        Kind::Int => "IntStorage",
        Kind::Int16 => "ShortStorage",
        Kind::Int8 => "CharStorage",
        Kind::Uint8 => "ByteStorage",
        Kind::Bool => "BoolStorage",
        Kind::BFloat16 => "BFloat16Storage",
        Kind::ComplexDouble => "ComplexDoubleStorage",
        Kind::ComplexFloat => "ComplexFloatStorage",
        Kind::QInt8 => "QInt8Storage",
        Kind::QInt32 => "QInt32Storage",
        Kind::QUInt8 => "QUInt8Storage",
        Kind::QUInt4x2 => "QUInt4x2Storage",
        Kind::QUInt2x4 => "QUInt2x4Storage",
        _ => return None,
    })
}

/// An archive being written, freed on drop.
struct ZipWriter(*mut ffi::ltrs_zip_writer);

impl Drop for ZipWriter {
    fn drop(&mut self) {
        // SAFETY: the pointer came from an open call, is freed once, here.
        unsafe { ffi::ltrs_zip_writer_free(self.0) }
    }
}

impl ZipWriter {
    fn record(&mut self, name: &str, data: &[u8]) -> Result<()> {
        // SAFETY: the writer is live; `name` and `data` are valid for their lengths during the
        // call, which copies them into the archive.
        unsafe {
            check(
                ffi::ltrs_zip_writer_write_record(
                    self.0,
                    sys::ltrs_str::from_str(name),
                    data.as_ptr().cast(),
                    data.len() as i64,
                ),
                "save",
            )
        }
    }

    fn storage(&mut self, name: &str, t: &Tensor) -> Result<()> {
        // SAFETY: the writer and `t` are live; `name` is valid during the call, which copies
        // the storage's bytes into the archive before returning.
        unsafe {
            check(
                ffi::ltrs_zip_writer_write_storage(
                    self.0,
                    sys::ltrs_str::from_str(name),
                    t.as_raw(),
                ),
                "save",
            )
        }
    }
}

/// Where the archive goes.
pub(crate) enum Target<'a> {
    File(&'a Path),
    Bytes,
}

/// Writes `value` as `torch.save(value, target)` does; with `ordered`, a top-level dict is
/// written as an `OrderedDict` (what `module.state_dict()` is in Python). Returns the bytes for
/// [`Target::Bytes`].
pub(crate) fn save(value: &IValue, target: Target, ordered: bool) -> Result<Option<Vec<u8>>> {
    let mut w = ValueWriter {
        p: Pickler::new(),
        storages: Storages::default(),
        memo: HashMap::new(),
        keep: Vec::new(),
    };
    w.value(value, 0, ordered)?;
    let pickle = std::mem::take(&mut w.p).finish();

    let mut raw = std::ptr::null_mut();
    match target {
        Target::File(path) => {
            let p = path
                .to_str()
                .ok_or_else(|| bad(format!("the path {path:?} is not UTF-8")))?;
            // SAFETY: `p` is valid for its length during the call; on success `raw` owns a
            // writer, freed by `ZipWriter`'s drop.
            unsafe {
                check(
                    ffi::ltrs_zip_writer_open_file(p.as_ptr().cast(), p.len() as i64, &mut raw),
                    "save",
                )?
            }
        }
        // SAFETY: on success `raw` owns a writer, freed by `ZipWriter`'s drop.
        Target::Bytes => unsafe { check(ffi::ltrs_zip_writer_open_buffer(&mut raw), "save")? },
    }
    let mut zip = ZipWriter(raw);
    // The records and their order are torch.save's (torch/serialization.py, `_save`).
    zip.record("data.pkl", &pickle)?;
    zip.record(".format_version", b"1")?;
    zip.record(".storage_alignment", b"64")?;
    zip.record("byteorder", b"little")?;
    for (key, (_, t)) in w.storages.written.iter().enumerate() {
        zip.storage(&format!("data/{key}"), t)?;
    }
    let mut data = std::ptr::null_mut();
    let mut len = 0i64;
    // SAFETY: the writer is live; on success `data` is NULL (file) or a malloc'ed buffer of
    // `len` bytes that we copy and free exactly once.
    unsafe {
        check(
            ffi::ltrs_zip_writer_finish(zip.0, &mut data, &mut len),
            "save",
        )?;
        if data.is_null() {
            return Ok(None);
        }
        let v = std::slice::from_raw_parts(data as *const u8, len as usize).to_vec();
        ffi::ltrs_serialize_bytes_free(data);
        Ok(Some(v))
    }
}
