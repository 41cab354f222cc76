//! `ModuleList` and `ModuleDict`: children held by index or by name, with PyTorch's
//! parameter names (`0.weight`, `encoder.bias`); they have no forward pass of their own.
use super::module::{visit_child, Module, Slot};
use crate::{Error, Result, Tensor};

type Child = Box<dyn Module + Send>;

/// A list of modules (`nn.ModuleList`): its children's parameters are named `0.weight`,
/// `1.bias`, ...; the user calls the children.
///
/// ```
/// use libtorch::nn::{Linear, Module, ModuleList};
/// use libtorch::Tensor;
/// let layers = ModuleList::new().push(Linear::new(2, 3)).push(Linear::new(3, 1));
/// let mut x = Tensor::from_data(&[1.0f32, 2.0], &[1, 2]).unwrap();
/// for layer in layers.iter() {
///     x = layer.forward(&x);
/// }
/// assert_eq!(x.size(), [1, 1]);
/// assert_eq!(layers.named_parameters()[2].0, "1.weight");
/// ```
pub struct ModuleList {
    items: Vec<Child>,
    training: bool,
}

impl Default for ModuleList {
    fn default() -> Self {
        ModuleList::new()
    }
}

impl ModuleList {
    /// An empty list, in training mode.
    pub fn new() -> ModuleList {
        ModuleList {
            items: Vec::new(),
            training: true,
        }
    }

    /// Appends a module (`append`), builder style.
    #[allow(clippy::should_implement_trait)]
    pub fn push<M: Module + Send + 'static>(mut self, m: M) -> ModuleList {
        self.append(m);
        self
    }

    /// Appends a module (`append`).
    pub fn append<M: Module + Send + 'static>(&mut self, m: M) {
        self.items.push(Box::new(m));
    }

    /// Inserts a module before `index` (`insert`); an error if `index > len`.
    pub fn insert<M: Module + Send + 'static>(&mut self, index: usize, m: M) -> Result<()> {
        if index > self.items.len() {
            return Err(Error::invalid(
                "ModuleList.insert",
                format!(
                    "index {index} is out of range for {} modules",
                    self.items.len()
                ),
            ));
        }
        self.items.insert(index, Box::new(m));
        Ok(())
    }

    /// The number of modules.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The `k`-th module.
    pub fn get(&self, k: usize) -> Option<&(dyn Module + Send)> {
        self.items.get(k).map(|b| b.as_ref())
    }

    /// The `k`-th module, mutably.
    pub fn get_mut(&mut self, k: usize) -> Option<&mut (dyn Module + Send + 'static)> {
        self.items.get_mut(k).map(|b| b.as_mut())
    }

    /// The modules in order.
    pub fn iter(&self) -> impl Iterator<Item = &(dyn Module + Send)> {
        self.items
            .iter()
            .map(|b| b.as_ref() as &(dyn Module + Send))
    }
}

impl Module for ModuleList {
    /// A `ModuleList` has no forward pass (PyTorch raises `NotImplementedError`): an error.
    fn f_forward(&self, _xs: &Tensor) -> Result<Tensor> {
        Err(Error::invalid(
            "ModuleList",
            "a ModuleList has no forward pass: call its modules",
        ))
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        for (k, m) in self.items.iter().enumerate() {
            visit_child(&k.to_string(), m.as_ref(), f);
        }
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
        for m in &mut self.items {
            m.set_training(training);
        }
    }
    fn is_training(&self) -> bool {
        self.training
    }
}

/// Modules by name, in insertion order (`nn.ModuleDict`): parameters are named
/// `<key>.weight`; inserting an existing key replaces the module in its place.
///
/// ```
/// use libtorch::nn::{Linear, Module, ModuleDict, ReLU};
/// let d = ModuleDict::new().with("enc", Linear::new(3, 4)).with("act", ReLU);
/// assert_eq!(d.keys().collect::<Vec<_>>(), ["enc", "act"]);
/// assert_eq!(d.named_parameters()[0].0, "enc.weight");
/// ```
pub struct ModuleDict {
    items: Vec<(String, Child)>,
    training: bool,
}

impl Default for ModuleDict {
    fn default() -> Self {
        ModuleDict::new()
    }
}

impl ModuleDict {
    /// An empty dictionary, in training mode.
    pub fn new() -> ModuleDict {
        ModuleDict {
            items: Vec::new(),
            training: true,
        }
    }

    /// Inserts `m` under `key`, builder style; panics on a key PyTorch refuses (see
    /// [`ModuleDict::insert`]).
    #[track_caller]
    pub fn with<M: Module + Send + 'static>(mut self, key: &str, m: M) -> ModuleDict {
        crate::error::unwrap(self.insert(key, m));
        self
    }

    /// `dict[key] = m`: replaces the module under `key` in its place, or appends it. An error
    /// for a key PyTorch refuses as a module name (empty, or containing `.`).
    pub fn insert<M: Module + Send + 'static>(&mut self, key: &str, m: M) -> Result<()> {
        if key.is_empty() || key.contains('.') {
            return Err(Error::invalid(
                "ModuleDict",
                format!("module name can't be empty or contain \".\", got: {key:?}"),
            ));
        }
        match self.items.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = Box::new(m),
            None => self.items.push((key.to_owned(), Box::new(m))),
        }
        Ok(())
    }

    /// Removes and returns the module under `key` (`pop`).
    pub fn remove(&mut self, key: &str) -> Option<Box<dyn Module + Send>> {
        let i = self.items.iter().position(|(k, _)| k == key)?;
        Some(self.items.remove(i).1)
    }

    /// The module under `key`.
    pub fn get(&self, key: &str) -> Option<&(dyn Module + Send)> {
        self.items
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, m)| m.as_ref())
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The keys, in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|(k, _)| k.as_str())
    }

    /// `(key, module)` pairs, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &(dyn Module + Send))> {
        self.items
            .iter()
            .map(|(k, m)| (k.as_str(), m.as_ref() as &(dyn Module + Send)))
    }

    /// The number of modules.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl Module for ModuleDict {
    /// A `ModuleDict` has no forward pass (PyTorch raises `NotImplementedError`): an error.
    fn f_forward(&self, _xs: &Tensor) -> Result<Tensor> {
        Err(Error::invalid(
            "ModuleDict",
            "a ModuleDict has no forward pass: call its modules",
        ))
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        for (k, m) in &self.items {
            visit_child(k, m.as_ref(), f);
        }
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
        for (_, m) in &mut self.items {
            m.set_training(training);
        }
    }
    fn is_training(&self) -> bool {
        self.training
    }
}
