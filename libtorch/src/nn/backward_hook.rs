//! Module backward hooks (`register_full_backward_hook`, `register_full_backward_pre_hook`),
//! as PyTorch's `torch.utils.hooks.BackwardHook` sets them up: the module's input and output
//! pass through an identity node each, whose gradient hooks see the gradient with respect to
//! the output (first) and to the input (then), so a hook gets both.
use super::hooked::HookId;
use crate::{Error, Result, Tensor};
use std::sync::{Arc, Mutex};

/// A full backward hook: `(grad_input, grad_output)`, `Some` replaces `grad_input`.
pub(super) type FullHook =
    Arc<dyn Fn(Option<&Tensor>, &Tensor) -> Result<Option<Tensor>> + Send + Sync>;
/// A backward pre-hook: `grad_output`, `Some` replaces it.
pub(super) type PreHook = Arc<dyn Fn(&Tensor) -> Result<Option<Tensor>> + Send + Sync>;

/// The backward hooks of one module, in registration order.
#[derive(Default)]
pub(super) struct BackwardHooks {
    pub(super) full: Vec<(HookId, FullHook)>,
    pub(super) pre: Vec<(HookId, PreHook)>,
}

/// What the two gradient hooks of one forward call share (`BackwardHook`'s fields).
struct Call {
    full: Vec<FullHook>,
    pre: Vec<PreHook>,
    input_hooked: bool,
    grad_output: Mutex<Option<Tensor>>,
}

/// One forward call's setup: [`BackwardHooks::setup_input`] before the module runs,
/// [`Pending::setup_output`] after.
pub(super) struct Pending(Arc<Call>);

impl BackwardHooks {
    pub(super) fn is_empty(&self) -> bool {
        self.full.is_empty() && self.pre.is_empty()
    }

    pub(super) fn remove(&mut self, id: HookId) -> bool {
        let n = self.full.len() + self.pre.len();
        self.full.retain(|(i, _)| *i != id);
        self.pre.retain(|(i, _)| *i != id);
        self.full.len() + self.pre.len() != n
    }

    /// `BackwardHook.setup_input_hook`: the input the module should see (an identity view of
    /// `x` whose gradient runs the full hooks when `x` requires grad and grad mode is on, else
    /// `x` itself) and the state for [`Pending::setup_output`]; `None` without hooks.
    pub(super) fn setup_input(&self, x: &Tensor) -> Result<(Tensor, Option<Pending>)> {
        if self.is_empty() {
            return Ok((x.shallow_clone(), None));
        }
        let input_hooked = x.requires_grad() && crate::is_grad_enabled();
        let call = Arc::new(Call {
            full: self.full.iter().map(|(_, h)| h.clone()).collect(),
            pre: self.pre.iter().map(|(_, h)| h.clone()).collect(),
            input_hooked,
            grad_output: Mutex::new(None),
        });
        if !input_hooked {
            return Ok((x.shallow_clone(), Some(Pending(call))));
        }
        let x_in = x.f_view_as(x)?;
        let state = call.clone();
        // The handle is not kept: the hook lives as long as this call's graph.
        let _handle = x_in.register_hook(move |grad_input| {
            let Some(grad_output) = state
                .grad_output
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
            else {
                // The gradient reached the input without passing through the output (a
                // double backward): PyTorch runs no hook then.
                return Ok(None);
            };
            let mut current: Option<Tensor> = None;
            for hook in &state.full {
                let seen = current.as_ref().unwrap_or(grad_input);
                if let Some(new) = hook(Some(seen), &grad_output)? {
                    current = Some(new);
                }
            }
            Ok(current)
        })?;
        Ok((x_in, Some(Pending(call))))
    }
}

impl Pending {
    /// `BackwardHook.setup_output_hook`: the output the caller should see (an identity view of
    /// `y` whose gradient runs the pre-hooks, and the full hooks when the input was not hooked),
    /// or `y` itself when it does not require grad or grad mode is off.
    pub(super) fn setup_output(self, y: Tensor) -> Result<Tensor> {
        if !(y.requires_grad() && crate::is_grad_enabled()) {
            return Ok(y);
        }
        let y_out = y.f_view_as(&y)?;
        let call = self.0;
        let _handle = y_out.register_hook(move |grad| {
            let mut current: Option<Tensor> = None;
            for hook in &call.pre {
                let seen = current.as_ref().unwrap_or(grad);
                if let Some(new) = hook(seen)? {
                    current = Some(new);
                }
            }
            let grad_output = current.as_ref().unwrap_or(grad);
            if call.input_hooked {
                *call.grad_output.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(grad_output.shallow_clone());
            } else {
                // No input requires grad: the full hooks run now, with no grad_input.
                for hook in &call.full {
                    if hook(None, grad_output)?.is_some() {
                        return Err(Error::invalid(
                            "register_full_backward_hook",
                            "Backward hook for Modules where no input requires gradient should \
                             always return None or None for all gradients.",
                        ));
                    }
                }
            }
            Ok(current)
        })?;
        Ok(y_out)
    }
}
