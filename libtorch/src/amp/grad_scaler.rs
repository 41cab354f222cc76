//! `GradScaler` (`torch.amp.GradScaler`): loss scaling with PyTorch's growth and backoff, and
//! the skipped step when a gradient is inf or NaN, by libtorch's own `_amp_*` kernels.
use crate::optim::{Algorithm, GenericOptimizer, Optimizer};
use crate::{Device, Error, Kind, Result, Tensor};

/// An optimizer whose gradients a [`GradScaler`] can unscale: it lists its parameters.
pub trait ScaledOptimizer: Optimizer {
    /// Every parameter of every group, in order (`optimizer.param_groups[*]["params"]`).
    fn scaled_params(&self) -> Vec<Tensor>;
}

impl<O: Algorithm> ScaledOptimizer for GenericOptimizer<O> {
    fn scaled_params(&self) -> Vec<Tensor> {
        self.param_groups()
            .iter()
            .flat_map(|g| g.params.iter().map(|p| p.shallow_clone()))
            .collect()
    }
}

/// `GradScaler`'s keyword arguments with PyTorch's defaults: `init_scale=2.**16,
/// growth_factor=2.0, backoff_factor=0.5, growth_interval=2000, enabled=True`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradScalerOptions {
    /// The first scale.
    pub init_scale: f64,
    /// Multiplies the scale after `growth_interval` steps without inf/NaN (> 1).
    pub growth_factor: f64,
    /// Multiplies the scale after a step with inf/NaN (< 1).
    pub backoff_factor: f64,
    /// Steps without inf/NaN before the scale grows.
    pub growth_interval: i64,
    /// Off: `scale` returns its input and `step` just steps.
    pub enabled: bool,
}

impl Default for GradScalerOptions {
    fn default() -> Self {
        GradScalerOptions {
            init_scale: 65536.0,
            growth_factor: 2.0,
            backoff_factor: 0.5,
            growth_interval: 2000,
            enabled: true,
        }
    }
}

impl GradScalerOptions {
    /// Sets `init_scale`.
    pub fn init_scale(mut self, s: f64) -> Self {
        self.init_scale = s;
        self
    }
    /// Sets `growth_factor`.
    pub fn growth_factor(mut self, f: f64) -> Self {
        self.growth_factor = f;
        self
    }
    /// Sets `backoff_factor`.
    pub fn backoff_factor(mut self, f: f64) -> Self {
        self.backoff_factor = f;
        self
    }
    /// Sets `growth_interval`.
    pub fn growth_interval(mut self, n: i64) -> Self {
        self.growth_interval = n;
        self
    }
    /// Sets `enabled`.
    pub fn enabled(mut self, on: bool) -> Self {
        self.enabled = on;
        self
    }
}

/// Where one optimizer is in the iteration (PyTorch's `OptState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Ready,
    Unscaled,
    Stepped,
}

struct OptimizerState {
    key: usize,
    stage: Stage,
    /// One found-inf flag per device the gradients live on.
    found_inf: Vec<(Device, Tensor)>,
}

/// Scales the loss so that low-precision gradients keep their small values, unscales the
/// gradients before the optimizer step, skips the step when any gradient is inf or NaN, and
/// adapts the scale (`torch.amp.GradScaler(device, init_scale, growth_factor, backoff_factor,
/// growth_interval, enabled)`): the same calls in the same order as in PyTorch.
///
/// ```
/// use libtorch::amp::{GradScaler, GradScalerOptions};
/// use libtorch::optim::{Optimizer, Sgd};
/// use libtorch::{Device, Tensor};
/// let w = Tensor::from_slice(&[1.0f32, 2.0]).set_requires_grad(true);
/// let mut opt = Sgd::new(vec![w.shallow_clone()], 0.1);
/// let mut scaler = GradScaler::with_options(Device::Cpu, GradScalerOptions::default().init_scale(1024.0)).unwrap();
/// opt.zero_grad();
/// let loss = (&w * &w).sum();
/// scaler.scale(&loss).unwrap().backward();
/// assert!(scaler.step(&mut opt).unwrap()); // finite gradients: the step ran
/// scaler.update(None).unwrap();
/// assert_eq!(w.to_vec::<f32>().unwrap(), [0.8, 1.6]); // w - 0.1 * 2w, unscaled
/// ```
pub struct GradScaler {
    device: Device,
    options: GradScalerOptions,
    scale: Option<Tensor>,
    growth_tracker: Option<Tensor>,
    states: Vec<OptimizerState>,
}

fn key_of<T: ?Sized>(opt: &T) -> usize {
    opt as *const T as *const () as usize
}

impl GradScaler {
    /// A scaler for `device` with PyTorch's defaults.
    #[track_caller]
    pub fn new(device: Device) -> GradScaler {
        crate::error::unwrap(GradScaler::with_options(
            device,
            GradScalerOptions::default(),
        ))
    }

    /// A scaler with the given options; an error unless `growth_factor > 1` and
    /// `backoff_factor < 1`, as PyTorch. On a CUDA device without CUDA the scaler is disabled,
    /// as PyTorch's (which warns): see [`GradScaler::is_enabled`].
    pub fn with_options(device: Device, options: GradScalerOptions) -> Result<GradScaler> {
        let mut options = options;
        if device.is_cuda() && !crate::cuda::is_available() {
            options.enabled = false;
        }
        if options.enabled {
            if options.growth_factor <= 1.0 {
                return Err(Error::invalid(
                    "GradScaler",
                    "The growth factor must be > 1.0.",
                ));
            }
            if options.backoff_factor >= 1.0 {
                return Err(Error::invalid(
                    "GradScaler",
                    "The backoff factor must be < 1.0.",
                ));
            }
        }
        Ok(GradScaler {
            device,
            options,
            scale: None,
            growth_tracker: None,
            states: Vec::new(),
        })
    }

    /// Whether the scaler is active.
    pub fn is_enabled(&self) -> bool {
        self.options.enabled
    }

    /// The device it was made for.
    pub fn device(&self) -> Device {
        self.device
    }

    /// `outputs * scale` (the scale is made on `outputs`' device the first time); `outputs`
    /// unchanged when disabled.
    pub fn scale(&mut self, outputs: &Tensor) -> Result<Tensor> {
        if !self.options.enabled {
            return Ok(outputs.shallow_clone());
        }
        let device = outputs.f_device()?;
        if self.scale.is_none() {
            self.scale = Some(Tensor::f_full_with(
                &[],
                self.options.init_scale,
                Some(Kind::Float),
                None,
                Some(device),
                None,
            )?);
            self.growth_tracker = Some(Tensor::f_full_with(
                &[],
                0,
                Some(Kind::Int),
                None,
                Some(device),
                None,
            )?);
        }
        let s = self.scale.as_ref().expect("made above");
        outputs.f_mul(&s.f_to(device)?)
    }

    fn scale_and_tracker(&self, op: &'static str) -> Result<(Tensor, Tensor)> {
        match (&self.scale, &self.growth_tracker) {
            (Some(s), Some(g)) => Ok((s.shallow_clone(), g.shallow_clone())),
            _ => Err(Error::invalid(
                op,
                format!(
                    "Attempted {op} but _scale is None.  This may indicate your script did not \
                     use scaler.scale(loss or outputs) earlier in the iteration."
                ),
            )),
        }
    }

    fn state_index(&mut self, key: usize) -> usize {
        match self.states.iter().position(|s| s.key == key) {
            Some(i) => i,
            None => {
                self.states.push(OptimizerState {
                    key,
                    stage: Stage::Ready,
                    found_inf: Vec::new(),
                });
                self.states.len() - 1
            }
        }
    }

    /// Divides `optimizer`'s gradients by the scale in place and records whether any is inf or
    /// NaN (`unscale_`); call it before clipping gradients. An error if called twice before
    /// [`GradScaler::update`], after [`GradScaler::step`], or for float16 gradients.
    pub fn unscale_<O: ScaledOptimizer + ?Sized>(&mut self, optimizer: &O) -> Result<()> {
        if !self.options.enabled {
            return Ok(());
        }
        let (scale, _) = self.scale_and_tracker("unscale_")?;
        let i = self.state_index(key_of(optimizer));
        match self.states[i].stage {
            Stage::Unscaled => {
                return Err(Error::invalid(
                    "unscale_",
                    "unscale_() has already been called on this optimizer since the last \
                     update().",
                ))
            }
            Stage::Stepped => {
                return Err(Error::invalid(
                    "unscale_",
                    "unscale_() is being called after step().",
                ))
            }
            Stage::Ready => {}
        }
        let _no_grad = crate::NoGradGuard::new();
        let inv_scale = scale
            .f_to_dtype(Kind::Double)?
            .f_reciprocal()?
            .f_to_dtype(Kind::Float)?;
        let scale_device = scale.f_device()?;
        let found_inf =
            Tensor::f_full_with(&[], 0.0, Some(Kind::Float), None, Some(scale_device), None)?;
        // Gradients grouped by device and dtype, in parameter order.
        let mut groups: Vec<((Device, Kind), Vec<Tensor>)> = Vec::new();
        for p in optimizer.scaled_params() {
            let g = p.f_grad()?;
            if !g.defined() {
                continue;
            }
            let kind = g.f_kind()?;
            if kind == Kind::Half {
                return Err(Error::invalid(
                    "unscale_",
                    "Attempting to unscale FP16 gradients.",
                ));
            }
            let k = (g.f_device()?, kind);
            match groups.iter_mut().find(|(gk, _)| *gk == k) {
                Some((_, v)) => v.push(g),
                None => groups.push((k, vec![g])),
            }
        }
        let mut per_device: Vec<(Device, Tensor, Tensor)> = Vec::new();
        for ((device, _), mut grads) in groups {
            if !per_device.iter().any(|(d, _, _)| *d == device) {
                let (f, s) = if device == scale_device {
                    (found_inf.shallow_clone(), inv_scale.shallow_clone())
                } else {
                    (found_inf.f_to(device)?, inv_scale.f_to(device)?)
                };
                per_device.push((device, f, s));
            }
            let (_, f, s) = per_device
                .iter()
                .find(|(d, _, _)| *d == device)
                .expect("inserted above");
            let mut f = f.shallow_clone();
            Tensor::f__amp_foreach_non_finite_check_and_unscale_(&mut grads, &mut f, s)?;
        }
        let state = &mut self.states[i];
        state.found_inf = per_device.into_iter().map(|(d, f, _)| (d, f)).collect();
        state.stage = Stage::Unscaled;
        Ok(())
    }

    /// Unscales (unless [`GradScaler::unscale_`] already did) and steps `optimizer` unless a
    /// gradient was inf or NaN (`scaler.step(optimizer)`); returns whether it stepped. An
    /// error if called twice before [`GradScaler::update`].
    pub fn step<O: ScaledOptimizer + ?Sized>(&mut self, optimizer: &mut O) -> Result<bool> {
        if !self.options.enabled {
            optimizer.step()?;
            return Ok(true);
        }
        self.scale_and_tracker("step")?;
        let i = self.state_index(key_of(optimizer));
        match self.states[i].stage {
            Stage::Stepped => {
                return Err(Error::invalid(
                    "step",
                    "step() has already been called since the last update().",
                ))
            }
            Stage::Ready => self.unscale_(&*optimizer)?,
            Stage::Unscaled => {}
        }
        let state = &self.states[i];
        if state.found_inf.is_empty() {
            return Err(Error::invalid(
                "step",
                "No inf checks were recorded for this optimizer.",
            ));
        }
        let mut infs = 0.0;
        for (_, f) in &state.found_inf {
            infs += f.double_value();
        }
        let stepped = infs == 0.0;
        if stepped {
            optimizer.step()?;
        }
        self.states[i].stage = Stage::Stepped;
        Ok(stepped)
    }

    /// Adapts the scale for the next iteration (`update()`): times `backoff_factor` if any
    /// optimizer saw inf/NaN this iteration, times `growth_factor` after `growth_interval`
    /// clean iterations in a row; or sets it to `new_scale`. An error if no optimizer was
    /// unscaled or stepped since the last update.
    pub fn update(&mut self, new_scale: Option<f64>) -> Result<()> {
        if !self.options.enabled {
            return Ok(());
        }
        let (mut scale, mut tracker) = self.scale_and_tracker("update")?;
        let _no_grad = crate::NoGradGuard::new();
        if let Some(s) = new_scale {
            scale.f_fill_scalar_(s)?;
        } else {
            let device = scale.f_device()?;
            let mut combined: Option<Tensor> = None;
            for state in &self.states {
                for (d, f) in &state.found_inf {
                    let f = if *d == device {
                        f.shallow_clone()
                    } else {
                        f.f_to(device)?
                    };
                    combined = Some(match combined {
                        None => f,
                        Some(c) => c.f_add(&f)?,
                    });
                }
            }
            let combined = combined.ok_or_else(|| {
                Error::invalid("update", "No inf checks were recorded prior to update.")
            })?;
            scale.f__amp_update_scale_(
                &mut tracker,
                &combined,
                self.options.growth_factor,
                self.options.backoff_factor,
                self.options.growth_interval,
            )?;
        }
        self.states.clear();
        Ok(())
    }

    /// The current scale (`get_scale()`): `init_scale` before the first [`GradScaler::scale`],
    /// 1 when disabled.
    pub fn get_scale(&self) -> f64 {
        if !self.options.enabled {
            return 1.0;
        }
        match &self.scale {
            Some(s) => s.double_value(),
            None => self.options.init_scale,
        }
    }

    /// The number of consecutive clean iterations counted towards the next growth
    /// (`_growth_tracker` of `state_dict()`).
    pub fn growth_tracker(&self) -> i64 {
        match &self.growth_tracker {
            Some(g) => g.int64_value(),
            None => 0,
        }
    }

    /// The options (`get_growth_factor()`, `get_backoff_factor()`, ...).
    pub fn options(&self) -> GradScalerOptions {
        self.options
    }
}
