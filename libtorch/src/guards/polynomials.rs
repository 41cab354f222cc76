//! Checks for the orthogonal-polynomial ops (`special_*_polynomial_*`), whose kernels
//! (ATen/native/Math.h) evaluate degree `n` with an n-step recurrence wherever they have no
//! closed form, stopping early only once the value overflows to NaN. With a degree like 2^40
//! that is an endless loop (seed 5 found it); the checks estimate the steps per element and
//! refuse calls over a budget.
//!
//! The recurrence runs for Legendre with |x| < 1, Laguerre with x > 0, shifted Chebyshev where
//! `2x - 1` rounds to ±1, and Chebyshev just outside [-1, 1].

use super::fail;
use crate::{Kind, Result, Scalar, Tensor};

/// More recurrence steps than this in one call (about ten seconds of work) are refused.
const STEP_BUDGET: f64 = (1u64 << 32) as f64;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Family {
    /// `chebyshev_polynomial_{t,u,v,w}`: closed forms for |x| < 1 and |x| = 1.
    Chebyshev,
    /// `shifted_chebyshev_polynomial_{t,u,v,w}`: Chebyshev in `2x - 1`, exact cases x = 0, 1.
    Shifted,
    /// `legendre_polynomial_p`: closed form only for |x| = 1; bounded for |x| < 1.
    Legendre,
    /// `laguerre_polynomial_l`: closed form only for x = 0; bounded for 0 < x <~ ln(MAX).
    Laguerre,
}

impl Family {
    fn of(op: &str) -> Option<Family> {
        if op.contains("shifted_chebyshev") {
            Some(Family::Shifted)
        } else if op.contains("chebyshev") {
            Some(Family::Chebyshev)
        } else if op.contains("legendre") {
            Some(Family::Legendre)
        } else if op.contains("laguerre") {
            Some(Family::Laguerre)
        } else {
            None
        }
    }

    /// About how many steps the recurrence takes for `x` and degree `n`, computed in float
    /// (`single`) or double, where the largest finite value is `e^ln_max`. Growing values
    /// overflow after about `ln_max / acosh(|y|)` steps (Chebyshev and Legendre in `y`) or
    /// `ln_max^2 / (4|x|)` (Laguerre at negative x), and the step after an overflow makes NaN.
    fn steps(self, x: f64, n: i64, single: bool) -> f64 {
        let r = |v: f64| if single { v as f32 as f64 } else { v };
        let ln_max = if single {
            (f32::MAX as f64).ln()
        } else {
            f64::MAX.ln()
        };
        let x = r(x);
        if n < 0 || x.is_nan() {
            return 0.0;
        }
        let n = n as f64;
        let grows = |y: f64| {
            let y = y.abs();
            if y.is_infinite() {
                3.0
            } else {
                n.min(ln_max / y.acosh() + 3.0)
            }
        };
        match self {
            Family::Chebyshev | Family::Shifted => {
                let exact = if self == Family::Shifted {
                    x == 1.0 || x == 0.0
                } else {
                    x.abs() == 1.0
                };
                let y = if self == Family::Shifted {
                    r(r(x + x) - 1.0)
                } else {
                    x
                };
                if exact || y.is_nan() || y.abs() < 1.0 {
                    0.0
                } else if y.abs() == 1.0 {
                    n // 2x - 1 rounded to +-1: the values grow only linearly
                } else {
                    grows(y)
                }
            }
            Family::Legendre => match x.abs() {
                1.0 => 0.0,
                a if a < 1.0 => n,
                _ => grows(x),
            },
            Family::Laguerre => {
                if x == 0.0 {
                    0.0
                } else if x.is_infinite() {
                    3.0
                } else if x > 0.0 {
                    // |L_n(x)| <= e^(x/2) never overflows below about ln_max; beyond, the
                    // terms x^k / k! do within about 2x steps.
                    if x > ln_max + 0.5 * (2.0 * std::f64::consts::PI * ln_max).ln() + 5.0 {
                        n.min(2.0 * x + 3.0)
                    } else {
                        n
                    }
                } else {
                    n.min(ln_max * ln_max / (4.0 * -x) + 3.0)
                }
            }
        }
    }
}

/// A degree as the kernel sees it: converted to the computation's float type, then cast to
/// `int64_t`, which on x86-64 gives `i64::MIN` for NaN and out-of-range values (so `n =
/// i64::MAX`, which rounds up to 2^63, counts as negative and returns 0 at once).
fn kernel_degree(n: f64, single: bool) -> i64 {
    let v = if single { n as f32 as f64 } else { n };
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if v.is_nan() || !(-LIMIT..LIMIT).contains(&v) {
        i64::MIN
    } else {
        v as i64
    }
}

fn scalar_value(s: &Scalar) -> f64 {
    match *s {
        Scalar::Int(i) => i as f64,
        Scalar::Float(f) => f,
        Scalar::Bool(b) => b as i64 as f64,
        Scalar::Complex(re, _) => re,
    }
}

/// The values of a tensor as f64 (complex ones by their real part, which the kernels reject).
fn values(t: &Tensor) -> Result<Vec<f64>> {
    if t.f_kind()?.is_complex() {
        return Ok(Vec::new());
    }
    t.to_vec::<f64>()
}

/// The check on broadcast `(x, n)` pairs; `n_bound` is the largest degree, to skip reading
/// values when even every element at that degree stays within the budget.
fn degree_budget(
    op: &'static str,
    pairs: impl Fn() -> Result<Vec<(f64, f64)>>,
    (n_bound, count): (f64, usize),
    single: bool,
) -> Result<()> {
    let Some(family) = Family::of(op) else {
        return Ok(());
    };
    if n_bound * count as f64 <= STEP_BUDGET {
        return Ok(());
    }
    let mut total = 0.0;
    for (x, n) in pairs()? {
        let n = kernel_degree(n, single);
        total += family.steps(x, n, single);
        if total > STEP_BUDGET {
            return Err(fail(
                op,
                format!(
                    "degree n = {n} at x = {x} needs an n-step recurrence with no closed form \
                     there, an endless loop; calls of over 2^32 recurrence steps are refused"
                ),
            ));
        }
    }
    Ok(())
}

fn is_double(t: &Tensor) -> bool {
    t.defined() && t.kind() == Kind::Double
}

/// `special_*_polynomial_*.n_scalar(x, n)`.
pub(crate) fn polynomial_degree_n_scalar(op: &'static str, x: &Tensor, n: &Scalar) -> Result<()> {
    if !x.defined() {
        return Ok(());
    }
    let n = scalar_value(n);
    let single = !is_double(x);
    let pairs = || Ok(values(x)?.into_iter().map(|x| (x, n)).collect());
    degree_budget(op, pairs, (n.abs(), x.numel()), single)
}

/// `special_*_polynomial_*.x_scalar(x, n)`.
pub(crate) fn polynomial_degree_x_scalar(op: &'static str, x: &Scalar, n: &Tensor) -> Result<()> {
    if !n.defined() {
        return Ok(());
    }
    let x = scalar_value(x);
    let single = !is_double(n);
    let ns = values(n)?;
    let bound = ns.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let pairs = || Ok(ns.iter().map(|&n| (x, n)).collect());
    degree_budget(op, pairs, (bound, ns.len()), single)
}

/// `special_*_polynomial_*(x, n)` with both tensors, paired by broadcasting.
pub(crate) fn polynomial_degree(op: &'static str, x: &Tensor, n: &Tensor) -> Result<()> {
    if !x.defined() || !n.defined() {
        return Ok(());
    }
    let single = !(is_double(x) || is_double(n));
    let ns = values(n)?;
    let bound = ns.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let pairs = || {
        let Ok(b) = Tensor::f_broadcast_tensors(&[x, n]) else {
            return Ok(Vec::new()); // libtorch reports shapes that do not broadcast
        };
        Ok(values(&b[0])?.into_iter().zip(values(&b[1])?).collect())
    };
    degree_budget(op, pairs, (bound, x.numel().max(ns.len())), single)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_follow_the_kernels_branches() {
        let big = 1i64 << 40;
        // Closed forms: no loop.
        assert_eq!(Family::Chebyshev.steps(0.5, big, false), 0.0);
        assert_eq!(Family::Chebyshev.steps(-1.0, big, false), 0.0);
        assert_eq!(Family::Shifted.steps(0.0, big, true), 0.0);
        assert_eq!(Family::Legendre.steps(1.0, big, false), 0.0);
        assert_eq!(Family::Laguerre.steps(0.0, big, false), 0.0);
        assert_eq!(Family::Laguerre.steps(f64::NAN, big, false), 0.0);
        // Full-length loops: 2 * 1e-8 - 1 rounds to -1 in float; Legendre inside (-1, 1);
        // Laguerre at small positive x.
        assert_eq!(Family::Shifted.steps(1e-8, big, true), big as f64);
        assert_eq!(Family::Legendre.steps(0.5, big, false), big as f64);
        assert_eq!(Family::Laguerre.steps(2.0, big, true), big as f64);
        // Overflow stops the loop: U_k(2) grows as (2 + sqrt 3)^k, overflowing double after
        // about 709.8 / acosh(2) = 538.9 steps.
        let s = Family::Chebyshev.steps(2.0, big, false);
        assert!((s - (f64::MAX.ln() / 2f64.acosh() + 3.0)).abs() < 1e-9 && s < 545.0);
        assert_eq!(Family::Chebyshev.steps(f64::INFINITY, big, false), 3.0);
        assert!(Family::Laguerre.steps(1e30, big, false) < 1e31);
        // A negative degree returns 0 at once.
        assert_eq!(Family::Legendre.steps(0.5, -1, false), 0.0);
    }

    #[test]
    fn degrees_convert_as_on_x86() {
        assert_eq!(kernel_degree(i64::MAX as f64, false), i64::MIN);
        assert_eq!(kernel_degree(f64::NAN, true), i64::MIN);
        assert_eq!(kernel_degree((1i64 << 40) as f64, true), 1 << 40);
        assert_eq!(kernel_degree(7.9, false), 7);
    }
}
