//! An unpickled arena becomes an [`IValue`] tree.
//!
//! A pickle is a graph: one list can sit in two places, and a crafted file can make a cycle or
//! a chain of doubly-shared lists that expands exponentially when copied into a tree. The walk
//! is bounded in depth ([`MAX_DEPTH`]) and in the number of values it makes, and refuses
//! cycles; a tensor shared by two places stays one tensor.
use super::objects::{Arena, Obj, Ref};
use crate::{Complex, Error, IValue, Result, Tensor};

/// How deeply containers may nest in a saved or loaded value. Real checkpoints nest a few
/// levels; the bound keeps the recursive walks within a 2 MiB thread stack in debug builds.
pub(crate) const MAX_DEPTH: usize = 256;

fn bad(message: impl Into<String>) -> Error {
    Error::data("load", message)
}

/// Turns arena objects into values; `tensor` rebuilds (once, then shares) the tensor an
/// arena object describes.
pub(crate) struct Converter<'a> {
    arena: &'a Arena,
    tensor: &'a mut dyn FnMut(Ref) -> Result<Tensor>,
    on_path: Vec<bool>,
    budget: usize,
}

impl<'a> Converter<'a> {
    pub fn new(arena: &'a Arena, tensor: &'a mut dyn FnMut(Ref) -> Result<Tensor>) -> Self {
        Converter {
            arena,
            tensor,
            on_path: vec![false; arena.objs.len()],
            // Sharing may copy each object a few times over; an exponential blowup is refused.
            budget: arena.objs.len().saturating_mul(8).max(1 << 20),
        }
    }

    pub fn value(&mut self, r: Ref, depth: usize) -> Result<IValue> {
        if depth > MAX_DEPTH {
            return Err(bad(format!(
                "values nest more than {MAX_DEPTH} levels deep"
            )));
        }
        if self.budget == 0 {
            return Err(bad(
                "shared references expand into too many values (a crafted file?)",
            ));
        }
        self.budget -= 1;
        if self.on_path[r] {
            return Err(bad("the pickle holds a reference cycle"));
        }
        let arena = self.arena;
        let list = |me: &mut Self, items: &[Ref]| -> Result<Vec<IValue>> {
            me.on_path[r] = true;
            let v = items
                .iter()
                .map(|&i| me.value(i, depth + 1))
                .collect::<Result<Vec<_>>>();
            me.on_path[r] = false;
            v
        };
        Ok(match arena.get(r) {
            Obj::None => IValue::None,
            Obj::Bool(b) => IValue::Bool(*b),
            Obj::Int(i) => IValue::Int(*i),
            Obj::Float(f) => IValue::Double(*f),
            Obj::Complex(re, im) => IValue::Complex(Complex::new(*re, *im)),
            Obj::Str(s) => IValue::String(s.clone()),
            Obj::Bytes(b) => IValue::Bytes(b.clone()),
            Obj::List(items) | Obj::Set(items) => IValue::List(list(self, items)?),
            Obj::Tuple(items) => IValue::Tuple(list(self, items)?),
            Obj::Dict(d) => {
                self.on_path[r] = true;
                let entries = d
                    .entries
                    .iter()
                    .map(|&(k, v)| Ok((self.value(k, depth + 1)?, self.value(v, depth + 1)?)))
                    .collect::<Result<Vec<_>>>();
                self.on_path[r] = false;
                IValue::Dict(entries?)
            }
            Obj::Device(d) => IValue::Device(*d),
            Obj::Dtype(k) => IValue::Kind(*k),
            Obj::Tensor(_) => IValue::Tensor((self.tensor)(r)?),
            Obj::Global(g) => {
                return Err(bad(format!(
                    "the file holds the global {g:?} itself, not a value"
                )))
            }
            Obj::QScheme(_) | Obj::Layout(_) | Obj::Storage(_) => {
                return Err(bad(format!(
                    "the file holds a bare {} (only tensors may refer to one)",
                    arena.type_name(r)
                )))
            }
        })
    }
}
