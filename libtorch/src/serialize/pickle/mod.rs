//! Python's pickle, restricted to what `torch.save` writes and `torch.load(weights_only=True)`
//! reads. Written here rather than taken from libtorch: libtorch's C++ unpickler turns an
//! `OrderedDict` (every `state_dict`) into None, has no allowlist of globals, and is not bounded
//! against crafted files; its pickler tags dicts with `torch.jit._pickle.restore_type_tag`,
//! which PyTorch's weights-only loader refuses.
//!
//! - [`read`] runs the opcodes PyTorch's weights-only unpickler runs
//!   (`torch/_weights_only_unpickler.py`), building an arena of objects; nothing is ever
//!   called or imported, and globals outside PyTorch's allowlist are an error.
//! - [`write`] writes protocol 2, as `torch.save` does.
pub(crate) mod opcodes;
pub(crate) mod read;
pub(crate) mod write;
