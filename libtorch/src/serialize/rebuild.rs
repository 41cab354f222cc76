//! Tensors from their unpickled descriptions: storages read once and shared, views checked
//! against the bytes their storage really has, then placed on a device.
//!
//! Every size, stride and offset comes from the file. They are checked here before any view is
//! made — a view past its storage would read (and let safe code write) memory the tensor does
//! not own — and bool storages are checked to hold only 0 and 1.
use super::objects::{Arena, Obj, QParams, Ref, StorageRef, Strided, TensorSpec};
use crate::{Device, Error, Kind, Layout, Result, Tensor};
use std::collections::HashMap;

/// The most dimensions a loaded tensor may have (PyTorch has no fixed limit; no real tensor
/// comes near, and kernels recurse over dimensions).
const MAX_DIMS: usize = 1024;
/// How deeply tensors may be built from tensors (a parameter of a parameter of ...).
const MAX_NESTING: usize = 64;

fn bad(message: impl Into<String>) -> Error {
    Error::data("load", message)
}

/// Where the bytes of storages come from.
pub(crate) trait StorageSource {
    /// The storage `key`: a 1-D CPU tensor of `kind` with `numel` elements, in native byte
    /// order, holding the file's bytes. Implementations check that the file holds exactly
    /// that many bytes before allocating anything.
    fn read(&mut self, key: &str, kind: Kind, numel: u64) -> Result<Tensor>;
}

/// The byte width of `numel` elements of `kind`, or an error when it overflows.
pub(crate) fn nbytes(kind: Kind, numel: u64) -> Result<u64> {
    numel
        .checked_mul(kind.elt_size_in_bytes() as u64)
        .ok_or_else(|| bad(format!("a storage of {numel} {kind} elements overflows")))
}

/// The kind whose bytes a storage of `kind` holds: a quantized storage holds integers.
pub(crate) fn repr_kind(kind: Kind) -> Result<Kind> {
    Ok(match kind {
        Kind::QInt8 => Kind::Int8,
        Kind::QUInt8 => Kind::Uint8,
        Kind::QInt32 => Kind::Int,
        k if k.has_plain_storage() => k,
        k => return Err(bad(format!("storages of {k} are not supported"))),
    })
}

/// Rebuilds tensors for one load, sharing storages between the tensors that view them.
pub(crate) struct Rebuilder<'s> {
    source: &'s mut dyn StorageSource,
    map_location: Option<Device>,
    /// Storage key → (the storage's kind, the storage as a tensor on its device).
    storages: HashMap<String, (Kind, Tensor)>,
    tensors: HashMap<Ref, Tensor>,
}

impl<'s> Rebuilder<'s> {
    pub fn new(source: &'s mut dyn StorageSource, map_location: Option<Device>) -> Self {
        Rebuilder {
            source,
            map_location,
            storages: HashMap::new(),
            tensors: HashMap::new(),
        }
    }

    /// The tensor the arena object `r` describes (built once; later calls share it).
    pub fn tensor(&mut self, arena: &Arena, r: Ref) -> Result<Tensor> {
        self.tensor_at(arena, r, 0)
    }

    fn tensor_at(&mut self, arena: &Arena, r: Ref, depth: usize) -> Result<Tensor> {
        if let Some(t) = self.tensors.get(&r) {
            return Ok(t.clone());
        }
        if depth > MAX_NESTING {
            return Err(bad("tensors are built from tensors too deeply"));
        }
        let Obj::Tensor(spec) = arena.get(r) else {
            return Err(bad(format!(
                "expected a tensor, found a {}",
                arena.type_name(r)
            )));
        };
        let t = match spec.as_ref() {
            TensorSpec::Strided(s) => self.strided(s)?,
            TensorSpec::Quantized { base, params } => self.quantized(arena, base, params, depth)?,
            TensorSpec::WithGrad {
                inner,
                requires_grad,
            } => {
                // `nn.Parameter(data)` is a new tensor sharing `data`'s storage.
                let inner = self.tensor_at(arena, *inner, depth + 1)?;
                inner.f_detach()?.f_set_requires_grad(*requires_grad)?
            }
            TensorSpec::SparseCoo {
                indices,
                values,
                size,
                coalesced,
            } => {
                let i = self.tensor_at(arena, *indices, depth + 1)?;
                let v = self.tensor_at(arena, *values, depth + 1)?;
                check_dims(size)?;
                // Python builds it unchecked, then validates every loaded sparse tensor.
                Tensor::f__validate_sparse_coo_tensor_args_with(&i, &v, size, *coalesced, None)?;
                Tensor::f_sparse_coo_tensor_indices_size_with(
                    &i, &v, size, None, None, None, None, *coalesced,
                )?
            }
            TensorSpec::SparseCompressed {
                layout,
                compressed,
                plain,
                values,
                size,
            } => {
                let c = self.tensor_at(arena, *compressed, depth + 1)?;
                let p = self.tensor_at(arena, *plain, depth + 1)?;
                let v = self.tensor_at(arena, *values, depth + 1)?;
                check_dims(size)?;
                Tensor::f__validate_sparse_compressed_tensor_args_with(
                    &c, &p, &v, size, *layout, None,
                )?;
                Tensor::f_sparse_compressed_tensor_comp_plain_value_size_with(
                    &c,
                    &p,
                    &v,
                    size,
                    None,
                    Some(*layout),
                    None,
                    None,
                )?
            }
            TensorSpec::Meta {
                kind,
                size,
                stride,
                requires_grad,
            } => {
                check_view(size, stride, 0, None)?;
                let t = Tensor::f_empty_strided_with(
                    size,
                    stride,
                    Some(*kind),
                    Some(Layout::Strided),
                    Some(Device::Meta),
                    None,
                )?;
                t.f_set_requires_grad(*requires_grad)?
            }
        };
        self.tensors.insert(r, t.clone());
        Ok(t)
    }

    /// The device a storage saved at `location` goes to.
    fn device_for(&self, location: &str) -> Result<Device> {
        if let Some(d) = self.map_location {
            return Ok(d);
        }
        let d = super::objects::parse_device(location)?;
        if d.is_cuda() && !crate::cuda::is_available() {
            return Err(bad(format!(
                "the file holds tensors saved on {location}, and this machine has no CUDA \
                 device: load them with a device (`load_on(path, Device::Cpu)`, Python's \
                 `map_location`)"
            )));
        }
        Ok(d)
    }

    /// Storage `s` as a 1-D tensor of `s.kind`'s bytes on its device, read once.
    fn storage(&mut self, s: &StorageRef) -> Result<Tensor> {
        let key = match &s.view {
            Some((view_key, ..)) => view_key.clone(),
            None => s.key.clone(),
        };
        if let Some((kind, t)) = self.storages.get(&key) {
            if *kind != s.kind {
                return Err(bad(format!(
                    "storage `{key}` is used as both {kind} and {}",
                    s.kind
                )));
            }
            return Ok(t.clone());
        }
        let repr = repr_kind(s.kind)?;
        let t = match &s.view {
            None => {
                let t = self.source.read(&s.key, repr, s.numel)?;
                t.f_to(self.device_for(&s.location)?)?
            }
            // The legacy format's storage views: a slice of the root storage.
            Some((_, offset, numel)) => {
                let root = StorageRef {
                    view: None,
                    ..s.clone()
                };
                let root = self.storage(&root)?;
                let len = root.numel() as u64;
                match offset.checked_add(*numel) {
                    Some(end) if end <= len => {}
                    _ => {
                        return Err(bad(format!(
                            "a storage view [{offset}, +{numel}) past its root storage of {len}"
                        )))
                    }
                }
                root.f_narrow(0, *offset as i64, *numel as i64)?
            }
        };
        self.storages.insert(key, (s.kind, t.clone()));
        Ok(t)
    }

    /// A strided view of a storage, checked to lie inside it, in the tensor's dtype.
    fn strided(&mut self, s: &Strided) -> Result<Tensor> {
        let storage = self.storage(&s.storage)?;
        let base = self.in_kind(storage, s.storage.kind, s.kind)?;
        let t = view(&base, s)?;
        let t = if s.conj { t.f_conj()? } else { t };
        let t = if s.neg { t.f__neg_view()? } else { t };
        if s.requires_grad {
            t.f_set_requires_grad(true)
        } else {
            Ok(t)
        }
    }

    /// The storage's elements seen as `kind`: the same kind, or an untyped (byte) storage
    /// reinterpreted as `_rebuild_tensor_v3` asks.
    fn in_kind(&self, storage: Tensor, storage_kind: Kind, kind: Kind) -> Result<Tensor> {
        if storage_kind == kind {
            return Ok(storage);
        }
        if storage_kind != Kind::Uint8 || !kind.has_plain_storage() {
            return Err(bad(format!(
                "a {kind} tensor over a storage of {storage_kind}"
            )));
        }
        let nbytes = storage.numel();
        if nbytes % kind.elt_size_in_bytes() != 0 {
            return Err(bad(format!(
                "a storage of {nbytes} bytes is no whole number of {kind} elements"
            )));
        }
        if kind == Kind::Bool {
            let bytes = storage.to_bytes()?;
            if bytes.iter().any(|&b| b > 1) {
                return Err(bad(
                    "a bool tensor's storage holds bytes other than 0 and 1",
                ));
            }
        }
        storage.f_view_dtype(kind)
    }

    fn quantized(
        &mut self,
        arena: &Arena,
        base: &Strided,
        params: &QParams,
        depth: usize,
    ) -> Result<Tensor> {
        let storage = self.storage(&base.storage)?;
        if base.kind != base.storage.kind {
            return Err(bad(format!(
                "a quantized {} tensor over a storage of {}",
                base.kind, base.storage.kind
            )));
        }
        let ints = view(&storage, base)?.f_contiguous()?;
        let q = match params {
            QParams::PerTensor { scale, zero_point } => {
                if !(scale.is_finite() && *scale > 0.0) {
                    return Err(bad(format!("a quantizer scale of {scale}")));
                }
                ints.f__make_per_tensor_quantized_tensor(*scale, *zero_point)?
            }
            QParams::PerChannel {
                scales,
                zero_points,
                axis,
                ..
            } => {
                let s = self.tensor_at(arena, *scales, depth + 1)?;
                let z = self.tensor_at(arena, *zero_points, depth + 1)?;
                let dim = ints.dim() as i64;
                if !(0..dim).contains(axis) {
                    return Err(bad(format!(
                        "a quantization axis {axis} of a {dim}-dimensional tensor"
                    )));
                }
                let channels = ints.size()[*axis as usize];
                if s.dim() != 1
                    || z.dim() != 1
                    || s.size()[0] != channels
                    || z.size()[0] != channels
                {
                    return Err(bad(format!(
                        "per-channel scales {:?} and zero points {:?} for {channels} channels",
                        s.size(),
                        z.size()
                    )));
                }
                ints.f__make_per_channel_quantized_tensor(&s, &z, *axis)?
            }
        };
        if base.requires_grad {
            return Err(bad("a quantized tensor cannot require gradients"));
        }
        Ok(q)
    }
}

fn check_dims(size: &[i64]) -> Result<()> {
    if size.len() > MAX_DIMS {
        return Err(bad(format!(
            "a tensor of {} dimensions (at most {MAX_DIMS} are supported)",
            size.len()
        )));
    }
    if let Some(d) = size.iter().find(|&&d| d < 0) {
        return Err(bad(format!("a negative size {d} in {size:?}")));
    }
    Ok(())
}

/// Checks that a view of `size`, `stride` and `offset` reads only elements `0..available` of
/// its storage (all of them when `available` is `None`: a tensor without storage).
fn check_view(size: &[i64], stride: &[i64], offset: i64, available: Option<u64>) -> Result<()> {
    check_dims(size)?;
    if stride.len() != size.len() {
        return Err(bad(format!(
            "a tensor of size {size:?} with stride {stride:?}"
        )));
    }
    if let Some(s) = stride.iter().find(|&&s| s < 0) {
        return Err(bad(format!("a negative stride {s} in {stride:?}")));
    }
    let offset = u64::try_from(offset).map_err(|_| bad(format!("a storage offset of {offset}")))?;
    let empty = size.contains(&0);
    // One past the last element read, in elements of the tensor's kind.
    let mut end = Some(offset);
    if !empty {
        for (&n, &s) in size.iter().zip(stride) {
            end = end.and_then(|e| e.checked_add((n as u64 - 1).checked_mul(s as u64)?));
        }
        end = end.and_then(|e| e.checked_add(1));
    }
    let end = end.ok_or_else(|| {
        bad(format!(
            "a view of size {size:?} and stride {stride:?} overflows"
        ))
    })?;
    if let Some(available) = available {
        if end > available {
            return Err(bad(format!(
                "a tensor of size {size:?}, stride {stride:?} and offset {offset} reads {end} \
                 elements of a storage of {available}"
            )));
        }
    }
    Ok(())
}

/// `base[offset:]` viewed with `s`'s size and stride, after checking it stays inside `base`
/// (a 1-D contiguous storage tensor, itself possibly a slice of a larger storage).
fn view(base: &Tensor, s: &Strided) -> Result<Tensor> {
    check_view(&s.size, &s.stride, s.offset, Some(base.numel() as u64))?;
    let start = base.f_storage_offset()? + s.offset;
    base.f_as_strided_with(&s.size, &s.stride, Some(start))
}
