//! `Sequential`: modules applied one after another, named `0`, `1`, ...
use super::activation::Func;
use super::module::{visit_child, Module, Slot};
use crate::{Result, Tensor};

/// Runs its children in order (`torch.nn.Sequential`); parameters are named `0.weight`, ...
///
/// ```
/// use libtorch::nn::{Linear, Module, Sequential, Tanh};
/// use libtorch::Tensor;
/// let net = Sequential::new().add(Linear::new(2, 3)).add(Tanh).add(Linear::new(3, 1));
/// let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
/// let y = net.forward(&Tensor::from_data(&[1.0f32, 2.0], &[1, 2]).unwrap());
/// assert_eq!(y.size(), [1, 1]);
/// ```
pub struct Sequential {
    layers: Vec<Box<dyn Module + Send>>,
    training: bool,
}

impl Default for Sequential {
    fn default() -> Self {
        Sequential::new()
    }
}

impl Sequential {
    /// An empty container (identity), in training mode.
    pub fn new() -> Sequential {
        Sequential {
            layers: Vec::new(),
            training: true,
        }
    }

    /// Appends a module.
    #[allow(clippy::should_implement_trait)]
    pub fn add<M: Module + Send + 'static>(mut self, m: M) -> Sequential {
        self.layers.push(Box::new(m));
        self
    }

    /// Appends a parameterless step given as a closure.
    pub fn add_fn<G>(self, f: G) -> Sequential
    where
        G: Fn(&Tensor) -> Result<Tensor> + Send + 'static,
    {
        self.add(Func(f))
    }

    /// The number of children.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether there are no children.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The `k`-th child.
    pub fn get(&self, k: usize) -> Option<&(dyn Module + Send)> {
        self.layers.get(k).map(|b| b.as_ref())
    }
}

impl Module for Sequential {
    fn f_forward(&self, xs: &Tensor) -> Result<Tensor> {
        let mut x = xs.clone();
        for l in &self.layers {
            x = l.f_forward(&x)?;
        }
        Ok(x)
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        for (k, l) in self.layers.iter().enumerate() {
            visit_child(&k.to_string(), l.as_ref(), f);
        }
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
        for l in &mut self.layers {
            l.set_training(training);
        }
    }
    fn is_training(&self) -> bool {
        self.training
    }
}
