//! How `#[derive(Module)]` walks a struct's fields: each field's type says whether it is a
//! parameter, a child module, a list or option of those, or configuration to skip.
use super::module::{visit_child, Module, Slot};
use crate::{Device, Error, Kind, Result, Tensor};

/// A field of a `#[derive(Module)]` struct, walked by the derived [`Module::visit`] and
/// [`Module::set_training`]. Implemented for `Tensor` (a parameter), every [`Module`] (a child),
/// `Option` and `Vec` of those, and the configuration types a layer keeps (numbers, `bool`,
/// `String`, [`Kind`], [`Device`]), which hold no tensors. Implement it for a container of your
/// own to use it as a field.
pub trait ModuleField {
    /// Calls `f` for every tensor under `name` (`name` itself, or `name.child`).
    fn visit_field(&self, name: &str, f: &mut dyn FnMut(&str, Slot, &Tensor));

    /// Passes the training mode on to the modules inside.
    fn set_training_field(&mut self, _training: bool) {}

    /// `Some(false)` when a module inside is in eval mode, `Some(true)` when those inside are
    /// in training mode, `None` when there is no module inside.
    fn is_training_field(&self) -> Option<bool> {
        None
    }
}

/// A field marked `#[module(buffer)]`: a `Tensor` or `Option<Tensor>` registered as a buffer
/// (`register_buffer`), saved in `state_dict()` but not trained.
pub trait BufferField {
    /// Calls `f` with the buffer, when there is one.
    fn visit_buffer(&self, name: &str, f: &mut dyn FnMut(&str, Slot, &Tensor));
}

impl ModuleField for Tensor {
    fn visit_field(&self, name: &str, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        f(name, Slot::Parameter, self)
    }
}

impl BufferField for Tensor {
    fn visit_buffer(&self, name: &str, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        f(name, Slot::Buffer, self)
    }
}

impl BufferField for Option<Tensor> {
    fn visit_buffer(&self, name: &str, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        if let Some(t) = self {
            f(name, Slot::Buffer, t)
        }
    }
}

impl<M: Module> ModuleField for M {
    fn visit_field(&self, name: &str, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        visit_child(name, self, f)
    }
    fn set_training_field(&mut self, training: bool) {
        self.set_training(training)
    }
    fn is_training_field(&self) -> Option<bool> {
        Some(self.is_training())
    }
}

impl<T: ModuleField> ModuleField for Option<T> {
    fn visit_field(&self, name: &str, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        if let Some(x) = self {
            x.visit_field(name, f)
        }
    }
    fn set_training_field(&mut self, training: bool) {
        if let Some(x) = self {
            x.set_training_field(training)
        }
    }
    fn is_training_field(&self) -> Option<bool> {
        self.as_ref().and_then(|x| x.is_training_field())
    }
}

/// A list of children named `name.0`, `name.1`, ... (`nn.ModuleList`, `nn.ParameterList`).
impl<T: ModuleField> ModuleField for Vec<T> {
    fn visit_field(&self, name: &str, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        for (i, x) in self.iter().enumerate() {
            x.visit_field(&format!("{name}.{i}"), f)
        }
    }
    fn set_training_field(&mut self, training: bool) {
        for x in self {
            x.set_training_field(training)
        }
    }
    fn is_training_field(&self) -> Option<bool> {
        self.iter()
            .filter_map(|x| x.is_training_field())
            .reduce(|a, b| a && b)
    }
}

macro_rules! configuration {
    ($($t:ty),*) => {$(
        impl ModuleField for $t {
            fn visit_field(&self, _: &str, _: &mut dyn FnMut(&str, Slot, &Tensor)) {}
        }
    )*};
}
configuration!(
    i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64, bool, char, String, Kind, Device
);

/// The forward pass of a `#[module(no_forward)]` struct (used by the derive).
#[doc(hidden)]
pub fn no_forward(module: &'static str) -> Result<Tensor> {
    Err(Error::invalid(
        "forward",
        format!("{module} has no forward pass (#[module(no_forward)]): call its own methods"),
    ))
}
