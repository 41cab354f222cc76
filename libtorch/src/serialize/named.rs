//! What the save functions take: any collection of (name, tensor) pairs a user already holds.
use crate::Tensor;
use std::borrow::Borrow;

/// One (name, tensor) pair for the save functions ([`save`](super::save),
/// [`safetensors::save_file`](super::safetensors::save_file),
/// [`npy::save_npz`](super::npy::save_npz), ...): `("w", &w)`, `(String, Tensor)`, the
/// `(&String, &Tensor)` a map yields, or a reference to a pair of a `Vec<(String, Tensor)>`.
/// So what a loader returns, or what `Module::state_dict` returns, is saved as it is:
///
/// ```
/// use libtorch::serialize::{self, safetensors};
/// use libtorch::Tensor;
/// let w = Tensor::from_slice(&[1.0f32, 2.0]);
/// let bytes = safetensors::save([("w", &w)])?;                 // literal pairs
/// let loaded: Vec<(String, Tensor)> = safetensors::load(&bytes)?;
/// let again = serialize::save_to_bytes(&loaded)?;               // what a loader returned
/// let map: std::collections::BTreeMap<String, Tensor> = loaded.into_iter().collect();
/// let from_map = serialize::save_to_bytes(&map)?;               // a map, as state_dict gives
/// assert_eq!(again, from_map);
/// # Ok::<(), libtorch::Error>(())
/// ```
pub trait NamedTensor {
    /// The name the tensor is saved under.
    fn name(&self) -> &str;
    /// The tensor.
    fn tensor(&self) -> &Tensor;
}

impl<K: AsRef<str>, T: Borrow<Tensor>> NamedTensor for (K, T) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }
    fn tensor(&self) -> &Tensor {
        self.1.borrow()
    }
}

impl<N: NamedTensor + ?Sized> NamedTensor for &N {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn tensor(&self) -> &Tensor {
        (**self).tensor()
    }
}

/// The pairs as borrowed (name, tensor), for the writers.
pub(crate) fn pairs<N: NamedTensor>(items: &[N]) -> impl Iterator<Item = (&str, &Tensor)> {
    items.iter().map(|e| (e.name(), e.tensor()))
}
