//! `StateDict`: a module's tensors by name, in registration order (PyTorch's `OrderedDict`).
use crate::Tensor;
use indexmap::IndexMap;

/// Named tensors in insertion order, as `module.state_dict()` returns them in PyTorch (an
/// `OrderedDict`): a module's parameters and buffers in the order it registered them
/// (`fc1.weight`, `fc1.bias`, `fc2.weight`, ...), which is also the order files are written in.
///
/// Lookups by name are constant time; [`StateDict::remove`] keeps the order of the rest.
///
/// ```
/// use libtorch::nn::{Linear, Module, Sequential, StateDict, Tanh};
/// let net = Sequential::new().add(Linear::new(2, 3)).add(Tanh).add(Linear::new(3, 1));
/// let sd = net.state_dict();
/// assert_eq!(sd.keys().collect::<Vec<_>>(), ["0.weight", "0.bias", "2.weight", "2.bias"]);
/// assert_eq!(sd["2.weight"].size(), [1, 3]);
/// // Any (name, tensor) pairs collect into one, e.g. what `serialize::load` returns.
/// let copy: StateDict = sd.iter().map(|(k, v)| (k.clone(), v.deep_clone())).collect();
/// net.load_state_dict(&copy).unwrap();
/// ```
#[derive(Clone, Debug, Default)]
pub struct StateDict {
    entries: IndexMap<String, Tensor>,
}

impl StateDict {
    /// An empty state.
    pub fn new() -> StateDict {
        StateDict::default()
    }

    /// The number of tensors.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no tensors.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The tensor named `name`.
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.entries.get(name)
    }

    /// Whether a tensor is named `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// Adds `tensor` under `name` (at the end), or replaces the tensor of that name in its
    /// place; returns the replaced tensor.
    pub fn insert(&mut self, name: impl Into<String>, tensor: Tensor) -> Option<Tensor> {
        self.entries.insert(name.into(), tensor)
    }

    /// Removes and returns the tensor named `name`, keeping the others' order.
    pub fn remove(&mut self, name: &str) -> Option<Tensor> {
        self.entries.shift_remove(name)
    }

    /// The names, in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &String> + '_ {
        self.entries.keys()
    }

    /// The names, in order, consuming the state.
    pub fn into_keys(self) -> impl ExactSizeIterator<Item = String> {
        self.entries.into_keys()
    }

    /// The tensors, in order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Tensor> + '_ {
        self.entries.values()
    }

    /// `(name, tensor)` pairs, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&String, &Tensor)> + '_ {
        self.entries.iter()
    }
}

impl std::ops::Index<&str> for StateDict {
    type Output = Tensor;

    /// The tensor named `name`; panics, naming it, when there is none.
    #[track_caller]
    fn index(&self, name: &str) -> &Tensor {
        match self.entries.get(name) {
            Some(t) => t,
            None => panic!("state_dict: no tensor named `{name}`"),
        }
    }
}

impl<K: Into<String>> FromIterator<(K, Tensor)> for StateDict {
    fn from_iter<I: IntoIterator<Item = (K, Tensor)>>(iter: I) -> StateDict {
        let mut sd = StateDict::new();
        sd.extend(iter);
        sd
    }
}

impl<K: Into<String>> Extend<(K, Tensor)> for StateDict {
    fn extend<I: IntoIterator<Item = (K, Tensor)>>(&mut self, iter: I) {
        for (k, t) in iter {
            self.entries.insert(k.into(), t);
        }
    }
}

impl IntoIterator for StateDict {
    type Item = (String, Tensor);
    type IntoIter = indexmap::map::IntoIter<String, Tensor>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a StateDict {
    type Item = (&'a String, &'a Tensor);
    type IntoIter = indexmap::map::Iter<'a, String, Tensor>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}
