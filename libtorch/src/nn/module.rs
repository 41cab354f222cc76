//! The `Module` trait: forward, train/eval, named parameters and buffers.
use super::ops;
use super::StateDict;
use crate::error::unwrap;
use crate::{Device, Error, Kind, Result, Tensor};

/// What a tensor registered in a module is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// A trainable parameter (`nn.Parameter`).
    Parameter,
    /// Persistent state that is not trained (`register_buffer`), e.g. BatchNorm's running mean.
    Buffer,
}

/// A layer or a network: a forward function plus named tensors.
///
/// A struct of layers, parameters and buffers gets the whole trait from `#[derive(Module)]`: its
/// fields, in declaration order, are its children and tensors under their field names (PyTorch's
/// registration order), and its inherent `f_forward` is the forward pass.
///
/// ```
/// use libtorch::nn::{functional as F, Linear, Module};
/// use libtorch::{Result, Tensor};
///
/// #[derive(Module)]
/// struct Net {
///     fc1: Linear,
///     fc2: Linear,
///     scale: Tensor,              // a parameter
///     #[module(buffer)]
///     steps: Tensor,              // a buffer: saved, not trained
///     hidden: i64,                // configuration: no tensors
/// }
///
/// impl Net {
///     fn f_forward(&self, xs: &Tensor) -> Result<Tensor> {
///         let h = F::f_relu(&self.fc1.f_forward(xs)?)?;
///         self.fc2.f_forward(&h)?.f_mul(&self.scale)
///     }
/// }
///
/// let net = Net {
///     fc1: Linear::new(4, 8),
///     fc2: Linear::new(8, 2),
///     scale: Tensor::ones(&[1]).set_requires_grad(true),
///     steps: Tensor::zeros_opts(&[1], (libtorch::Kind::Int64, libtorch::Device::Cpu)),
///     hidden: 8,
/// };
/// let names: Vec<String> = net.state_dict().into_keys().collect();
/// assert_eq!(names, ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "scale", "steps"]);
/// assert_eq!(net.parameters().len(), 5);
/// assert_eq!(net.forward(&Tensor::ones(&[3, 4])).size(), [3, 2]);
/// ```
///
/// Forgetting the inherent `f_forward` is a compile error (not a forward pass that calls
/// itself); a struct without one says so with `#[module(no_forward)]`.
///
/// ```compile_fail
/// use libtorch::nn::{Linear, Module};
/// #[derive(Module)]
/// struct NoForward {
///     fc: Linear,
/// }
/// ```
///
/// By hand, implementors write [`Module::f_forward`] and [`Module::visit`] (and
/// [`Module::set_training`] when they behave differently in training); everything else is
/// provided.
///
/// ```
/// use libtorch::nn::{Linear, Module};
/// use libtorch::Tensor;
/// let fc = Linear::new(3, 2);
/// let names: Vec<String> = fc.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["weight", "bias"]);
/// let y = fc.forward(&Tensor::from_data(&[1.0f32; 6], &[2, 3]).unwrap());
/// assert_eq!(y.size(), [2, 2]);
/// ```
pub trait Module {
    /// The forward pass, or the error libtorch raised.
    fn f_forward(&self, xs: &Tensor) -> Result<Tensor>;

    /// Calls `f(name, slot, tensor)` for every tensor of this module and its children, with
    /// PyTorch's dotted names (`fc1.weight`), parameters and buffers in registration order.
    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor));

    /// Switches training mode (Dropout, BatchNorm) here and in every child.
    fn set_training(&mut self, _training: bool) {}

    /// Whether the module is in training mode (modules without modes: always true).
    fn is_training(&self) -> bool {
        true
    }

    /// The forward pass; panics with libtorch's message on error.
    #[track_caller]
    fn forward(&self, xs: &Tensor) -> Tensor {
        unwrap(self.f_forward(xs))
    }

    /// Training mode (`module.train()`).
    fn train(&mut self) {
        self.set_training(true)
    }

    /// Evaluation mode (`module.eval()`).
    fn eval(&mut self) {
        self.set_training(false)
    }

    /// `(name, parameter)` pairs, in registration order (`named_parameters()`).
    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let mut v = Vec::new();
        self.visit(&mut |n, s, t| {
            if s == Slot::Parameter {
                v.push((n.to_owned(), t.clone()))
            }
        });
        v
    }

    /// Handles to every parameter (shared with the module: an optimizer updates them in place).
    fn parameters(&self) -> Vec<Tensor> {
        self.named_parameters()
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    /// `(name, buffer)` pairs (`named_buffers()`).
    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        let mut v = Vec::new();
        self.visit(&mut |n, s, t| {
            if s == Slot::Buffer {
                v.push((n.to_owned(), t.clone()))
            }
        });
        v
    }

    /// The number of parameter elements.
    fn num_parameters(&self) -> usize {
        self.parameters().iter().map(|t| t.numel()).sum()
    }

    /// Parameters and buffers by name, detached from autograd (`state_dict()`), in
    /// registration order as PyTorch's; the tensors share storage with the module.
    fn state_dict(&self) -> StateDict {
        let mut m = StateDict::new();
        self.visit(&mut |n, _, t| {
            m.insert(n.to_owned(), unwrap(ops::detach(t)));
        });
        m
    }

    /// Copies values from `state` into the module's tensors (`load_state_dict(strict=True)`):
    /// an error if a name is missing or unexpected, or a shape differs.
    fn load_state_dict(&self, state: &StateDict) -> Result<()> {
        self.load_state_dict_with(state, true).map(|_| ())
    }

    /// `load_state_dict(state, strict)`: copies the values whose names match; with `strict`,
    /// any missing or unexpected name is an error, otherwise they are returned. A shape that
    /// differs is an error either way, as in PyTorch.
    fn load_state_dict_with(&self, state: &StateDict, strict: bool) -> Result<IncompatibleKeys> {
        let mut mine = Vec::new();
        self.visit(&mut |n, _, t| mine.push((n.to_owned(), t.clone())));
        let keys = IncompatibleKeys {
            missing_keys: mine
                .iter()
                .filter(|(n, _)| !state.contains_key(n))
                .map(|(n, _)| n.clone())
                .collect(),
            unexpected_keys: state
                .keys()
                .filter(|k| !mine.iter().any(|(n, _)| n == *k))
                .cloned()
                .collect(),
        };
        if strict && !keys.is_empty() {
            return Err(Error::invalid(
                "load_state_dict",
                format!(
                    "missing keys {:?}, unexpected keys {:?}",
                    keys.missing_keys, keys.unexpected_keys
                ),
            ));
        }
        for (n, t) in &mine {
            let Some(src) = state.get(n) else { continue };
            let (got, want) = (src.f_size()?, t.f_size()?);
            if got != want {
                return Err(Error::invalid(
                    "load_state_dict",
                    format!("`{n}`: shape {got:?} in the state, {want:?} in the module"),
                ));
            }
        }
        let _g = crate::NoGradGuard::new();
        for (n, t) in &mine {
            if let Some(src) = state.get(n) {
                ops::copy_(t, src)?;
            }
        }
        Ok(keys)
    }

    /// Moves every parameter and buffer to `device`, in place (PyTorch's `module.to(device)`):
    /// the module's own handles see the move, tied weights stay tied.
    ///
    /// An error, changing nothing, if a parameter or buffer is also held outside the module (an
    /// optimizer, a clone, a view, an autograd graph): changing a tensor in place while another
    /// handle may be reading it on another thread is not safe. Move the module before creating
    /// its optimizer, as PyTorch's documentation advises.
    fn to_device(&mut self, device: Device) -> Result<()> {
        convert_in_place(self, "to_device", &mut |t| {
            (t.device() != device).then(|| t.f_to(device))
        })
    }

    /// Converts every floating-point parameter and buffer to `kind`, in place
    /// (`module.to(dtype)`); the same rules as [`Module::to_device`].
    fn to_kind(&mut self, kind: Kind) -> Result<()> {
        convert_in_place(self, "to_kind", &mut |t| {
            (t.kind().is_floating_point() && t.kind() != kind).then(|| ops::to_kind(t, kind))
        })
    }

    /// Stops (or restarts, with `false`) gradient tracking for every parameter
    /// (`requires_grad_(False)` on each).
    fn freeze(&self, frozen: bool) {
        self.visit(&mut |_, s, t| {
            if s == Slot::Parameter {
                unwrap(ops::requires_grad_(t, !frozen));
            }
        });
    }
}

/// Replaces each distinct tensor of `m` by `f`'s conversion of it (`t.data = f(t)`), after
/// checking that the module's own handles are the only ones (see [`Module::to_device`]).
fn convert_in_place<M: Module + ?Sized>(
    m: &mut M,
    op: &'static str,
    f: &mut dyn FnMut(&Tensor) -> Option<Result<Tensor>>,
) -> Result<()> {
    // Every tensor the module holds, once, with how many of its handles the module holds.
    let mut held: Vec<(String, Tensor, i64)> = Vec::new();
    let mut index: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    m.visit(&mut |n, _, t| {
        if !t.defined() {
            return;
        }
        match index.get(&(t.as_raw() as usize)) {
            Some(&i) => held[i].2 += 1,
            None => {
                index.insert(t.as_raw() as usize, held.len());
                held.push((n.to_owned(), t.clone(), 1));
            }
        }
    });
    // All checks first, so a refusal leaves everything as it was.
    for (name, t, in_module) in &held {
        let (mut refs, mut storage) = (0i64, 0i64);
        // SAFETY: `t` is a live handle; the shim only reads two atomic counts.
        unsafe { libtorch_sys::ltrs_tensor_use_counts(t.as_raw(), &mut refs, &mut storage) };
        let outside = refs - in_module - 1; // less the module's handles and ours in `held`
        if outside > 0 {
            return Err(Error::invalid(
                op,
                format!(
                    "`{name}` is also held outside the module ({outside} other handle(s): an \
                     optimizer, a clone, a view or an autograd graph), which could be reading it \
                     on another thread while it changes; convert the module before creating \
                     its optimizer (as PyTorch advises), or drop the other handles"
                ),
            ));
        }
    }
    for (_, t, _) in &held {
        if let Some(new) = f(t) {
            let new = new?;
            // SAFETY: both handles are live. Every strong reference to `t`'s tensor is one of
            // the module's own handles or ours (counted above), and `m` is borrowed mutably, so
            // no other code can read the tensor while `set_data` changes it.
            unsafe {
                crate::error::check(
                    libtorch_sys::ops::ltrs_set_data(t.as_raw(), new.as_raw()),
                    op,
                )?;
            }
        }
    }
    Ok(())
}

/// The names [`Module::load_state_dict_with`] could not match (PyTorch's `_IncompatibleKeys`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IncompatibleKeys {
    /// The module's names that the state did not have.
    pub missing_keys: Vec<String>,
    /// The state's names that the module does not have.
    pub unexpected_keys: Vec<String>,
}

impl IncompatibleKeys {
    /// Whether every name matched.
    pub fn is_empty(&self) -> bool {
        self.missing_keys.is_empty() && self.unexpected_keys.is_empty()
    }
}

/// Removes `prefix` from the names that start with it (PyTorch's
/// `torch.nn.modules.utils.consume_prefix_in_state_dict_if_present`): the `module.` that
/// `DistributedDataParallel` and `DataParallel` put before every name.
///
/// ```
/// use libtorch::nn::consume_prefix_in_state_dict_if_present;
/// use libtorch::Tensor;
/// use libtorch::nn::StateDict;
/// let mut sd = StateDict::new();
/// sd.insert("module.fc.weight", Tensor::from_slice(&[1.0f32]));
/// sd.insert("module.fc.bias", Tensor::from_slice(&[0.0f32]));
/// consume_prefix_in_state_dict_if_present(&mut sd, "module.");
/// assert_eq!(sd.keys().collect::<Vec<_>>(), ["fc.weight", "fc.bias"]);
/// ```
pub fn consume_prefix_in_state_dict_if_present(state: &mut StateDict, prefix: &str) {
    // Rebuilt rather than renamed in place, so the order is kept.
    *state = std::mem::take(state)
        .into_iter()
        .map(|(k, t)| match k.strip_prefix(prefix) {
            Some(rest) => (rest.to_owned(), t),
            None => (k, t),
        })
        .collect();
}

/// Visits a child's tensors under `prefix.` (helper for container modules).
pub fn visit_child(prefix: &str, child: &dyn Module, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
    child.visit(&mut |n, s, t| f(&format!("{prefix}.{n}"), s, t));
}

/// A new parameter: `t` marked as requiring grad.
pub(crate) fn param(t: Tensor) -> Tensor {
    unwrap(ops::requires_grad_(&t, true));
    t
}
