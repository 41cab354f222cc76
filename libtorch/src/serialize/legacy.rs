//! Reading the legacy format (PyTorch < 1.6, and `torch.save(..., _use_new_zipfile_serialization
//! =False)`): pickles back to back — a magic number, the protocol version, system info, the
//! object (with storages as persistent ids), the list of storage keys — then for each key its
//! element count (8 bytes, little-endian) and raw bytes. The older tar-based format (< 0.4) is
//! refused, as `torch.load(weights_only=True)` refuses it.
use super::objects::{Arena, Obj, Ref};
use super::pickle::read::unpickle;
use super::rebuild::{nbytes, Rebuilder, StorageSource};
use super::value::Converter;
use crate::{Device, Error, IValue, Kind, Result, Tensor};
use std::collections::HashMap;

/// `pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2)`: the format's magic number.
const MAGIC: [u8; 15] = [
    0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, b'.',
];
const PROTOCOL_VERSION: i64 = 1001;

fn bad(message: impl Into<String>) -> Error {
    Error::data("load", message)
}

/// Whether `bytes` start like a legacy-format file.
pub(crate) fn is_legacy(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// Whether `bytes` are a tar archive (the format before PyTorch 0.4).
pub(crate) fn is_tar(bytes: &[u8]) -> bool {
    bytes.len() > 262 && &bytes[257..262] == b"ustar"
}

/// Runs a pickle that must not refer to storages.
fn plain_pickle(bytes: &[u8]) -> Result<(Arena, Ref, usize)> {
    let mut none =
        |_: &mut Arena, _: Ref| -> Result<Ref> { Err(bad("a storage where none is expected")) };
    unpickle(bytes, &mut none)
}

/// The storages' bytes, located after the pickles.
struct LegacyStorages<'a> {
    /// Key → (element count written in the file, its bytes).
    records: HashMap<String, (u64, &'a [u8])>,
}

impl StorageSource for LegacyStorages<'_> {
    fn read(&mut self, key: &str, kind: Kind, numel: u64) -> Result<Tensor> {
        let &(count, bytes) = self
            .records
            .get(key)
            .ok_or_else(|| bad(format!("storage `{key}` is not in the file")))?;
        if count != numel {
            return Err(bad(format!(
                "storage `{key}` holds {count} elements; the pickle describes {numel}"
            )));
        }
        let want = nbytes(kind, numel)?;
        if bytes.len() as u64 != want {
            return Err(bad(format!(
                "storage `{key}` holds {} bytes, {want} expected",
                bytes.len()
            )));
        }
        super::bytes::tensor_from_reader(want, kind, |buf| {
            buf.copy_from_slice(bytes);
            Ok(())
        })
    }
}

/// Loads a legacy-format file held in memory.
pub(crate) fn load(bytes: &[u8], map_location: Option<Device>) -> Result<IValue> {
    let mut pos = MAGIC.len();
    let (arena, root, n) = plain_pickle(&bytes[pos..])?;
    if !matches!(arena.get(root), Obj::Int(PROTOCOL_VERSION)) {
        return Err(bad("unknown legacy protocol version"));
    }
    pos += n;
    // System info (endianness, type sizes): like Python's loader, the data is read as
    // little-endian whatever it says.
    let (_, _, n) = plain_pickle(&bytes[pos..])?;
    pos += n;

    // The object; storages are described by the persistent ids, read after.
    let mut declared: HashMap<String, Kind> = HashMap::new();
    let mut persistent = |arena: &mut Arena, pid: Ref| -> Result<Ref> {
        let s = arena.storage_ref(pid)?;
        match declared.insert(s.key.clone(), s.kind) {
            Some(k) if k != s.kind => {
                return Err(bad(format!(
                    "storage `{}` is declared as two dtypes",
                    s.key
                )))
            }
            _ => {}
        }
        Ok(arena.push(Obj::Storage(s)))
    };
    let (arena, root, n) = unpickle(&bytes[pos..], &mut persistent)?;
    pos += n;

    let (keys_arena, keys_root, n) = plain_pickle(&bytes[pos..])?;
    pos += n;
    let keys: Vec<String> = keys_arena
        .items(keys_root, "the list of storage keys")?
        .iter()
        .map(|&k| match keys_arena.get(k) {
            Obj::Str(s) => Ok(s.clone()),
            Obj::Int(i) => Ok(i.to_string()),
            Obj::Bytes(b) => Ok(String::from_utf8_lossy(b).into_owned()),
            _ => Err(bad("a storage key is not a string")),
        })
        .collect::<Result<_>>()?;

    let mut records = HashMap::new();
    for key in keys {
        let kind = *declared
            .get(&key)
            .ok_or_else(|| bad(format!("storage `{key}` is listed but never used")))?;
        let header = bytes
            .get(pos..pos + 8)
            .ok_or_else(|| bad(format!("the file ends before storage `{key}`")))?;
        let count = u64::from_le_bytes(header.try_into().unwrap());
        pos += 8;
        let want = nbytes(super::rebuild::repr_kind(kind)?, count)?;
        let end = usize::try_from(want)
            .ok()
            .and_then(|w| pos.checked_add(w))
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| {
                bad(format!(
                    "storage `{key}` claims {count} elements, more than the file holds"
                ))
            })?;
        if records
            .insert(key.clone(), (count, &bytes[pos..end]))
            .is_some()
        {
            return Err(bad(format!("storage `{key}` is listed twice")));
        }
        pos = end;
    }
    let mut source = LegacyStorages { records };
    let mut rebuilder = Rebuilder::new(&mut source, map_location);
    let mut tensor = |r: Ref| rebuilder.tensor(&arena, r);
    Converter::new(&arena, &mut tensor).value(root, 0)
}
