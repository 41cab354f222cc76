//! Gradient checkpointing (`torch.utils.checkpoint.checkpoint(function, *args,
//! use_reentrant=True)`): the forward pass keeps no intermediate activations, and the backward
//! pass runs `function` again to recompute them, trading compute for memory. The default CPU
//! generator's state is saved and restored around the recomputation (`preserve_rng_state=True`),
//! so dropout draws the same mask twice.
use crate::autograd::{self, Ctx, Function};
use crate::error::check;
use crate::{Error, Result, Tensor};
use libtorch_sys as sys;
use std::sync::Mutex;

/// The state of libtorch's default CPU generator (`torch.get_rng_state()`), a uint8 tensor.
pub fn get_rng_state() -> Result<Tensor> {
    let mut out = std::ptr::null_mut();
    // SAFETY: `out` is a valid out-pointer; on success it holds an owned handle, taken once.
    unsafe {
        check(
            sys::hooks::ltrs_cpu_rng_get_state(&mut out),
            "get_rng_state",
        )?;
        Ok(Tensor::from_raw(out))
    }
}

/// Restores a state [`get_rng_state`] returned (`torch.set_rng_state(state)`); an error for a
/// tensor that is not such a state.
pub fn set_rng_state(state: &Tensor) -> Result<()> {
    // SAFETY: `state` is a live handle; the shim catches every C++ exception.
    unsafe {
        check(
            sys::hooks::ltrs_cpu_rng_set_state(state.as_raw()),
            "set_rng_state",
        )
    }
}

struct Checkpoint<F> {
    /// Behind a mutex so that `function` need only be `Send` (autograd may run backward on
    /// another thread); forward and backward never run it at the same time.
    function: Mutex<F>,
    rng_state: Option<Tensor>,
}

impl<F> Checkpoint<F> {
    fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>>
    where
        F: Fn(&[Tensor]) -> Result<Vec<Tensor>>,
    {
        let f = self.function.lock().unwrap_or_else(|p| p.into_inner());
        f(inputs)
    }
}

impl<F> Function for Checkpoint<F>
where
    F: Fn(&[Tensor]) -> Result<Vec<Tensor>> + Send + 'static,
{
    fn forward(&mut self, ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        self.rng_state = Some(get_rng_state()?);
        let refs: Vec<&Tensor> = inputs.iter().collect();
        ctx.save_for_backward(&refs)?;
        self.run(inputs)
    }

    fn backward(&self, ctx: &mut Ctx, grad_outputs: &[Tensor]) -> Result<Vec<Tensor>> {
        let saved = ctx.saved_tensors()?;
        let mut inputs = Vec::with_capacity(saved.len());
        for (i, t) in saved.iter().enumerate() {
            let d = t.f_detach()?;
            inputs.push(if ctx.needs_input_grad(i)? {
                d.f_set_requires_grad(true)?
            } else {
                d
            });
        }
        // Recompute with the forward pass's random numbers, then give the generator back.
        let current = get_rng_state()?;
        if let Some(s) = &self.rng_state {
            set_rng_state(s)?;
        }
        let outputs = crate::enable_grad(|| self.run(&inputs));
        set_rng_state(&current)?;
        let outputs = outputs?;
        let (mut os, mut gs) = (Vec::new(), Vec::new());
        for (o, g) in outputs.iter().zip(grad_outputs) {
            if o.requires_grad() && g.defined() {
                os.push(o);
                gs.push(Some(g));
            }
        }
        if os.is_empty() {
            return Err(Error::invalid(
                "checkpoint",
                "none of output has requires_grad=True, this checkpoint() is not necessary",
            ));
        }
        autograd::backward(&os, &gs, None, false)?;
        Ok(inputs
            .iter()
            .map(|t| {
                if t.requires_grad() {
                    t.grad()
                } else {
                    Tensor::default()
                }
            })
            .collect())
    }
}

/// Runs `function(inputs)` without keeping its activations, and runs it again during
/// backward to compute the gradients (`checkpoint(function, *inputs, use_reentrant=True)`):
/// the outputs are those of `function`. Parameters `function` uses (captured tensors) get
/// their gradients during that backward pass; share a module with the closure through an
/// `Arc` (or `Arc<Mutex<_>>` for a container such as `Sequential`, which is not `Sync`). As
/// PyTorch's reentrant variant, at least one
/// input must require grad for anything to be recorded, and `function` must be deterministic
/// apart from the CPU generator (whose state is restored).
///
/// ```
/// use libtorch::nn::{Linear, Module};
/// use libtorch::utils::checkpoint::checkpoint;
/// use libtorch::Tensor;
/// use std::sync::Arc;
/// let fc = Arc::new(Linear::new(3, 2));
/// let x = Tensor::from_data(&[0.5f32; 6], &[2, 3]).unwrap().set_requires_grad(true);
/// let f = fc.clone();
/// let y = &checkpoint(move |xs| Ok(vec![f.forward(&xs[0]).tanh()]), &[&x]).unwrap()[0];
/// y.sum().backward();
/// assert_eq!(x.grad().size(), [2, 3]);
/// assert!(fc.weight.grad().defined()); // parameters get their gradients too
/// ```
pub fn checkpoint<F>(function: F, inputs: &[&Tensor]) -> Result<Vec<Tensor>>
where
    F: Fn(&[Tensor]) -> Result<Vec<Tensor>> + Send + 'static,
{
    crate::nn::functional::named(
        autograd::apply(
            Checkpoint {
                function: Mutex::new(function),
                rng_state: None,
            },
            inputs,
        ),
        "checkpoint",
    )
}
