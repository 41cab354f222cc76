//! Forward hooks on a module (`register_forward_pre_hook`, `register_forward_hook`): a module
//! wrapped in [`Hooked`] runs its hooks around every forward pass.
use super::module::{Module, Slot};
use crate::{Result, Tensor};

type PreHook<M> = Box<dyn Fn(&M, &Tensor) -> Result<Option<Tensor>> + Send + Sync>;
type PostHook<M> = Box<dyn Fn(&M, &Tensor, &Tensor) -> Result<Option<Tensor>> + Send + Sync>;

/// The id of a registered module hook, for [`Hooked::remove_hook`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HookId(u64);

/// `module` with forward hooks: pre-hooks see (and may replace) the input, hooks see the input
/// and the output (and may replace the output), each in registration order, as PyTorch's
/// `register_forward_pre_hook(hook)` / `register_forward_hook(hook)`. Parameters, buffers and
/// their names are the wrapped module's.
///
/// ```
/// use libtorch::nn::{Hooked, Linear, Module};
/// use libtorch::Tensor;
/// use std::sync::{Arc, Mutex};
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let log = seen.clone();
/// let mut fc = Hooked::new(Linear::new(3, 2));
/// fc.register_forward_hook(move |_m, _x, y| {
///     log.lock().unwrap().push(y.size());
///     Ok(None) // keep the output
/// });
/// fc.forward(&Tensor::from_data(&[1.0f32; 6], &[2, 3]).unwrap());
/// assert_eq!(*seen.lock().unwrap(), [vec![2, 2]]);
/// assert_eq!(fc.named_parameters()[0].0, "weight");
/// ```
pub struct Hooked<M: Module> {
    /// The wrapped module.
    pub module: M,
    pre: Vec<(HookId, PreHook<M>)>,
    post: Vec<(HookId, PostHook<M>)>,
    next: u64,
}

impl<M: Module> Hooked<M> {
    /// `module` without hooks yet.
    pub fn new(module: M) -> Hooked<M> {
        Hooked {
            module,
            pre: Vec::new(),
            post: Vec::new(),
            next: 0,
        }
    }

    fn id(&mut self) -> HookId {
        self.next += 1;
        HookId(self.next)
    }

    /// `hook(module, input)` before each forward pass; `Some(x)` replaces the input.
    pub fn register_forward_pre_hook<H>(&mut self, hook: H) -> HookId
    where
        H: Fn(&M, &Tensor) -> Result<Option<Tensor>> + Send + Sync + 'static,
    {
        let id = self.id();
        self.pre.push((id, Box::new(hook)));
        id
    }

    /// `hook(module, input, output)` after each forward pass; `Some(y)` replaces the output.
    pub fn register_forward_hook<H>(&mut self, hook: H) -> HookId
    where
        H: Fn(&M, &Tensor, &Tensor) -> Result<Option<Tensor>> + Send + Sync + 'static,
    {
        let id = self.id();
        self.post.push((id, Box::new(hook)));
        id
    }

    /// Removes a hook (`handle.remove()`); whether it was registered here.
    pub fn remove_hook(&mut self, id: HookId) -> bool {
        let n = self.pre.len() + self.post.len();
        self.pre.retain(|(i, _)| *i != id);
        self.post.retain(|(i, _)| *i != id);
        self.pre.len() + self.post.len() != n
    }

    /// The wrapped module, without its hooks.
    pub fn into_inner(self) -> M {
        self.module
    }
}

impl<M: Module> Module for Hooked<M> {
    fn f_forward(&self, xs: &Tensor) -> Result<Tensor> {
        let mut x = xs.shallow_clone();
        for (_, h) in &self.pre {
            if let Some(new) = h(&self.module, &x)? {
                x = new;
            }
        }
        let mut y = self.module.f_forward(&x)?;
        for (_, h) in &self.post {
            if let Some(new) = h(&self.module, &x, &y)? {
                y = new;
            }
        }
        Ok(y)
    }
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        self.module.visit(f)
    }
    fn set_training(&mut self, training: bool) {
        self.module.set_training(training)
    }
    fn is_training(&self) -> bool {
        self.module.is_training()
    }
}
