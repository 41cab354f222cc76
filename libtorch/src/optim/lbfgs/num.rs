//! The scalars of torch.optim's LBFGS as Python holds them: some are Python floats (double),
//! others 0-dim float32 tensors (dot products, and whatever they touch). Arithmetic follows
//! Python and PyTorch: float with float in double; anything with a tensor in float32, the
//! Python float first rounded to float32 (PyTorch's CPU scalar), and `float / tensor` as
//! `tensor.reciprocal() * float`; comparisons with a tensor in float32. Reproducing which is
//! which keeps the line search's decisions, and so the trajectory, bit-identical.
use crate::{Result, Tensor};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    /// A Python float (or int).
    F(f64),
    /// A 0-dim float32 tensor.
    T(f32),
}

use Num::{F, T};

impl Num {
    pub fn value(self) -> f64 {
        match self {
            F(v) => v,
            T(v) => v as f64,
        }
    }

    /// The value of a 0-dim tensor (a dot product, a norm).
    pub fn of(t: &Tensor) -> Result<Num> {
        Ok(T(t.item_as::<f32>()?))
    }

    fn f32(self) -> f32 {
        match self {
            F(v) => v as f32,
            T(v) => v,
        }
    }

    pub fn add(self, o: Num) -> Num {
        match (self, o) {
            (F(a), F(b)) => F(a + b),
            _ => T(self.f32() + o.f32()),
        }
    }

    pub fn sub(self, o: Num) -> Num {
        match (self, o) {
            (F(a), F(b)) => F(a - b),
            _ => T(self.f32() - o.f32()),
        }
    }

    pub fn mul(self, o: Num) -> Num {
        match (self, o) {
            (F(a), F(b)) => F(a * b),
            _ => T(self.f32() * o.f32()),
        }
    }

    pub fn div(self, o: Num) -> Num {
        match (self, o) {
            (F(a), F(b)) => F(a / b),
            // Tensor.__rtruediv__: reciprocal, then the product.
            (F(a), T(b)) => T((1.0f32 / b) * a as f32),
            _ => T(self.f32() / o.f32()),
        }
    }

    pub fn neg(self) -> Num {
        match self {
            F(a) => F(-a),
            T(a) => T(-a),
        }
    }

    pub fn abs(self) -> Num {
        match self {
            F(a) => F(a.abs()),
            T(a) => T(a.abs()),
        }
    }

    /// `x ** 2` (PyTorch's pow by 2 is `x * x`; Python's correctly rounded pow agrees).
    pub fn square(self) -> Num {
        self.mul(self)
    }

    /// `tensor.sqrt()` (only ever taken of a tensor).
    pub fn sqrt(self) -> Num {
        match self {
            F(a) => F(a.sqrt()),
            T(a) => T(a.sqrt()),
        }
    }

    pub fn lt(self, o: Num) -> bool {
        match (self, o) {
            (F(a), F(b)) => a < b,
            _ => self.f32() < o.f32(),
        }
    }

    pub fn le(self, o: Num) -> bool {
        match (self, o) {
            (F(a), F(b)) => a <= b,
            _ => self.f32() <= o.f32(),
        }
    }

    pub fn gt(self, o: Num) -> bool {
        o.lt(self)
    }

    pub fn ge(self, o: Num) -> bool {
        o.le(self)
    }
}

/// Python's `max(a, b)`: `b` only if it is larger.
pub(crate) fn max(a: Num, b: Num) -> Num {
    if b.gt(a) {
        b
    } else {
        a
    }
}

/// Python's `min(a, b)`: `b` only if it is smaller.
pub(crate) fn min(a: Num, b: Num) -> Num {
    if b.lt(a) {
        b
    } else {
        a
    }
}

pub(crate) fn f(v: f64) -> Num {
    F(v)
}
