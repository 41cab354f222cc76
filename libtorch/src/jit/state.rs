//! A [`ScriptModule`]'s state: parameters and buffers, training mode, device, saving; and its
//! [`nn::Module`](crate::nn::Module) implementation.
use super::convert::from_value;
use super::module::{path_str, ScriptModule};
use super::value::Value;
use crate::error::{check, unwrap, Error, Result};
use crate::nn::{Module, Slot};
use crate::{Device, IValue, Tensor};
use libtorch_sys::jit as j;
use std::path::Path;

impl ScriptModule {
    /// Every parameter and buffer with its dotted name, in `state_dict()` order: per module
    /// its parameters, its buffers, then each child's.
    #[track_caller]
    fn f_tensors(&self) -> Result<Vec<(String, Tensor, Slot)>> {
        let op = "ScriptModule::named_tensors";
        let mut out = std::ptr::null_mut();
        let list = {
            let _turn = self.turn();
            // SAFETY: the module is live for `&self`; on success `out` is an owned list of
            // (str, Tensor, bool) tuples.
            unsafe {
                check(j::ltrs_script_module_tensors(self.raw(), &mut out), op)?;
                Value::take(out, op)?
            }
        };
        let bad = || Error::invalid(op, "unexpected entry in the module's tensor list");
        Vec::<IValue>::try_from(from_value(&list, op)?)?
            .into_iter()
            .map(|entry| match entry {
                IValue::Tuple(v) => match <[IValue; 3]>::try_from(v) {
                    Ok([IValue::String(n), IValue::Tensor(t), IValue::Bool(p)]) => {
                        Ok((n, t, if p { Slot::Parameter } else { Slot::Buffer }))
                    }
                    _ => Err(bad()),
                },
                _ => Err(bad()),
            })
            .collect()
    }

    fn named(&self, slot: Slot) -> Vec<(String, Tensor)> {
        unwrap(self.f_tensors())
            .into_iter()
            .filter(|(_, _, s)| *s == slot)
            .map(|(n, t, _)| (n, t))
            .collect()
    }

    /// `(name, parameter)` pairs (`named_parameters()`), children's with dotted names
    /// (`fc.weight`). The tensors are the module's own: writing to them in place (an
    /// optimizer's step) changes the module.
    pub fn named_parameters(&self) -> Vec<(String, Tensor)> {
        self.named(Slot::Parameter)
    }

    /// `(name, buffer)` pairs (`named_buffers()`), e.g. BatchNorm's `bn.running_mean`.
    pub fn named_buffers(&self) -> Vec<(String, Tensor)> {
        self.named(Slot::Buffer)
    }

    /// Switches training mode here and in every child (`module.train(on)`): Dropout and
    /// BatchNorm behave differently in each. A traced model keeps the mode it was traced in,
    /// whatever this flag says.
    #[track_caller]
    pub fn f_set_training(&mut self, on: bool) -> Result<()> {
        // SAFETY: `&mut self` excludes every other use of the module during the call.
        unsafe {
            check(
                j::ltrs_script_module_train(self.raw_mut(), on),
                "ScriptModule::train",
            )
        }
    }

    /// Training mode (`module.train()`).
    #[track_caller]
    pub fn train(&mut self) {
        unwrap(self.f_set_training(true))
    }

    /// Evaluation mode (`module.eval()`).
    #[track_caller]
    pub fn eval(&mut self) {
        unwrap(self.f_set_training(false))
    }

    /// Whether the module is in training mode (`module.training`).
    pub fn is_training(&self) -> bool {
        let mut out = true;
        let _turn = self.turn();
        // SAFETY: the module is live for `&self`; the shim only reads the `training` attribute.
        let r = unsafe {
            check(
                j::ltrs_script_module_is_training(self.raw(), &mut out),
                "ScriptModule::is_training",
            )
        };
        unwrap(r);
        out
    }

    /// Moves every parameter and buffer to `device`, in place (`module.to(device)`). An error,
    /// changing nothing, if one of them is also held outside the module (an optimizer, a
    /// clone): changing it in place could race with that holder on another thread (see the
    /// soundness rules in [`Tensor`]'s docs); move the module before handing its tensors out.
    #[track_caller]
    pub fn f_to(&mut self, device: Device) -> Result<()> {
        // Each registered slot holds one reference, and `held` one more per slot.
        let held = self.f_tensors()?;
        let mut slots: std::collections::HashMap<usize, (String, i64, Tensor)> =
            std::collections::HashMap::new();
        for (name, t, _) in &held {
            slots
                .entry(t.as_raw() as usize)
                .or_insert_with(|| (name.clone(), 0, t.clone()))
                .1 += 1;
        }
        for (name, k, t) in slots.values() {
            let (mut refs, mut storage) = (0i64, 0i64);
            // SAFETY: `t` is a live handle; the shim only reads two atomic counts.
            unsafe { libtorch_sys::ltrs_tensor_use_counts(t.as_raw(), &mut refs, &mut storage) };
            // The module's `k` slots, `held`'s `k` handles and the map's own one.
            let outside = refs - 2 * k - 1;
            if outside > 0 {
                return Err(crate::Error::invalid(
                    "ScriptModule::to",
                    format!(
                        "`{name}` is also held outside the module ({outside} other handle(s)), \
                         which could be reading it on another thread while it moves; move the \
                         module before creating its optimizer"
                    ),
                ));
            }
        }
        drop(slots);
        drop(held);
        // SAFETY: `&mut self` excludes every other use of the module during the call, and no
        // tensor it moves is held outside it (checked above).
        unsafe {
            check(
                j::ltrs_script_module_to(self.raw_mut(), device.to_ffi()),
                "ScriptModule::to",
            )
        }
    }

    /// [`f_to`](ScriptModule::f_to), panicking on error.
    #[track_caller]
    pub fn to(&mut self, device: Device) {
        unwrap(self.f_to(device))
    }

    /// Writes the module, code and tensors, to `path` (`module.save(path)`); Python and
    /// [`jit::load`](super::load) read it back.
    #[track_caller]
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let op = "ScriptModule::save";
        let p = path_str(path.as_ref(), op)?;
        let _turn = self.turn();
        // SAFETY: the module is live for `&self`; `p` is valid for its length.
        unsafe {
            check(
                j::ltrs_script_module_save(self.raw(), p.as_ptr().cast(), p.len() as i64),
                op,
            )
        }
    }

    /// The bytes [`save`](ScriptModule::save) would write.
    #[track_caller]
    pub fn save_to_bytes(&self) -> Result<Vec<u8>> {
        let op = "ScriptModule::save_to_bytes";
        let (mut data, mut len) = (std::ptr::null_mut(), 0i64);
        let _turn = self.turn();
        // SAFETY: on success `data` is a malloc'ed buffer of `len` bytes, copied then freed once.
        unsafe {
            check(
                j::ltrs_script_module_save_bytes(self.raw(), &mut data, &mut len),
                op,
            )?;
            let v = std::slice::from_raw_parts(data.cast::<u8>(), len as usize).to_vec();
            j::ltrs_jit_free(data.cast());
            Ok(v)
        }
    }
}

/// `forward` on one tensor, and the parameters and buffers by name: optimizers, `state_dict`,
/// [`serialize::save_module`](crate::serialize::save_module) and
/// [`serialize::load_module`](crate::serialize::load_module) work on a loaded model.
impl Module for ScriptModule {
    fn f_forward(&self, xs: &Tensor) -> Result<Tensor> {
        self.f_forward_ts(std::slice::from_ref(xs))
    }

    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        for (name, t, slot) in unwrap(self.f_tensors()) {
            f(&name, slot, &t);
        }
    }

    fn set_training(&mut self, training: bool) {
        unwrap(self.f_set_training(training))
    }

    fn is_training(&self) -> bool {
        ScriptModule::is_training(self)
    }
}
