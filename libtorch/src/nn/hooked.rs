//! Forward and backward hooks on a module (`register_forward_pre_hook`,
//! `register_forward_hook`, `register_full_backward_pre_hook`, `register_full_backward_hook`):
//! a module wrapped in [`Hooked`] runs its hooks around every forward pass and its backward.
use super::backward_hook::BackwardHooks;
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
    backward: BackwardHooks,
    next: u64,
}

impl<M: Module> Hooked<M> {
    /// `module` without hooks yet.
    pub fn new(module: M) -> Hooked<M> {
        Hooked {
            module,
            pre: Vec::new(),
            post: Vec::new(),
            backward: BackwardHooks::default(),
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

    /// `hook(grad_input, grad_output)` when the gradients with respect to the module's input
    /// and output have been computed (`register_full_backward_hook`); `Some(g)` replaces the
    /// gradient that flows on to the input. `grad_input` is `None` when the input does not
    /// require grad (the hook then runs as soon as `grad_output` is known, and must return
    /// `None`: anything else fails the backward pass, as in PyTorch). Unlike PyTorch the hook
    /// does not get the module: it runs during backward, when the module may have moved; capture
    /// what it needs. As in PyTorch, the forward pass must not modify its input or output in
    /// place while a backward hook is registered.
    ///
    /// ```
    /// use libtorch::nn::{Hooked, Linear, Module};
    /// use libtorch::Tensor;
    /// use std::sync::{Arc, Mutex};
    /// let mut fc = Hooked::new(Linear::new(3, 2));
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = seen.clone();
    /// fc.register_full_backward_hook(move |grad_input, grad_output| {
    ///     log.lock().unwrap().push((grad_input.map(|g| g.size()), grad_output.size()));
    ///     Ok(None)
    /// });
    /// let x = Tensor::ones(&[4, 3]).set_requires_grad(true);
    /// fc.forward(&x).sum().backward();
    /// assert_eq!(*seen.lock().unwrap(), [(Some(vec![4, 3]), vec![4, 2])]);
    /// ```
    pub fn register_full_backward_hook<H>(&mut self, hook: H) -> HookId
    where
        H: Fn(Option<&Tensor>, &Tensor) -> Result<Option<Tensor>> + Send + Sync + 'static,
    {
        let id = self.id();
        self.backward.full.push((id, std::sync::Arc::new(hook)));
        id
    }

    /// `hook(grad_output)` when the gradient with respect to the module's output has been
    /// computed, before it flows into the module (`register_full_backward_pre_hook`); `Some(g)`
    /// replaces it.
    pub fn register_full_backward_pre_hook<H>(&mut self, hook: H) -> HookId
    where
        H: Fn(&Tensor) -> Result<Option<Tensor>> + Send + Sync + 'static,
    {
        let id = self.id();
        self.backward.pre.push((id, std::sync::Arc::new(hook)));
        id
    }

    /// Removes a hook (`handle.remove()`); whether it was registered here. A removed backward
    /// hook still runs for forward passes made before its removal.
    pub fn remove_hook(&mut self, id: HookId) -> bool {
        let n = self.pre.len() + self.post.len();
        self.pre.retain(|(i, _)| *i != id);
        self.post.retain(|(i, _)| *i != id);
        self.backward.remove(id) || self.pre.len() + self.post.len() != n
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
        let (x, backward) = self.backward.setup_input(&x)?;
        let mut y = self.module.f_forward(&x)?;
        for (_, h) in &self.post {
            if let Some(new) = h(&self.module, &x, &y)? {
                y = new;
            }
        }
        match backward {
            Some(pending) => pending.setup_output(y),
            None => Ok(y),
        }
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
