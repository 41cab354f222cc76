//! Argument checks for the operators that libtorch 2.11 crashes on (a segfault, SIGFPE or hang
//! inside ATen) instead of raising an error, for some arguments.
//!
//! The generated `f_..._with` functions call these before the FFI call, as listed per operator
//! in the `guards:` section of `spec/rules.yaml`. A failed check is an
//! [`Error::InvalidArgument`] naming the operator, the argument and what was wrong. Each check
//! only rejects arguments libtorch would crash on or reject anyway (spec/rules.yaml lists the
//! few stated exceptions).
//!
//! # Writing a guard
//!
//! A guard is a function here, `pub(crate) fn NAME(op: &'static str, ...) -> Result<()>`, whose
//! doc tells the crash it prevents, and one line in spec/rules.yaml under the operator's key,
//! written as the call it becomes less `op`, which codegen passes first:
//!
//! ```text
//! max_pool2d_with_indices_backward:
//!   - pool::pool2d_indices(self, indices)   // guards::pool::pool2d_indices(op, self, indices)?
//!   - args::same_shape([@grad_output, @indices])
//! ```
//!
//! In a guard line,
//! - `x` passes the operator's argument `x` as the generated method has it (`&Tensor`,
//!   `&[i64]`, `i64`, `Option<&Tensor>`, `&Scalar` for a `Scalar`, ...);
//! - `@x` passes the pair `("x", x)`, for functions whose error message names the argument;
//! - `!x` passes the negation of the bool argument `x`;
//! - integers, `true`, `false`, arrays `[a, b]`, tuples `(a, b)` and nested calls
//!   (`args::len(@grads)`, called without `op`) are written as in Rust;
//! - `x = f(...)` rebinds the argument `x` to what `f` returns (dereferenced), for the later
//!   guards and the operator call: `stride = args::expand_singleton(@stride, 3)`.
//!
//! Codegen checks that every name is an argument of the operator's schema; rustc checks the
//! rest when it compiles the generated call. The guards run in the order listed, after the
//! ownership checks of [`exclusive`] (which codegen adds to every operator that writes).
//!
//! The modules group the guards by operator family; [`args`] holds the shared checks (list
//! lengths, dimension counts, matching shapes, ...).
use crate::{Device, Error, Kind, Layout, Result, Tensor};

pub(crate) mod activation;
pub(crate) mod args;
pub(crate) mod attention;
pub(crate) mod conv;
pub(crate) mod copy;
pub(crate) mod ctc;
pub(crate) mod distance;
pub(crate) mod division;
pub(crate) mod exclusive;
pub(crate) mod factories;
pub(crate) mod fft;
pub(crate) mod linalg;
pub(crate) mod lookups;
pub(crate) mod loss;
pub(crate) mod nested;
pub(crate) mod norm;
pub(crate) mod onednn;
pub(crate) mod optim;
pub(crate) mod pad;
pub(crate) mod polynomials;
pub(crate) mod pool;
pub(crate) mod quant;
pub(crate) mod reduce;
pub(crate) mod repeat;
pub(crate) mod rnn;
pub(crate) mod segment;
pub(crate) mod shape;
pub(crate) mod softmax;
pub(crate) mod sparse;
pub(crate) mod upsample;

fn fail(op: &'static str, what: String) -> Error {
    Error::invalid(op, format!("{what} (libtorch 2.11 would crash)"))
}

fn must_be_defined(op: &'static str, name: &str, t: &Tensor) -> Result<()> {
    if t.defined() {
        Ok(())
    } else {
        Err(fail(op, format!("{name} must be a defined tensor")))
    }
}

/// An optional tensor argument that was given and is defined (ATen treats an undefined one as
/// absent).
fn given(t: Option<&Tensor>) -> Option<&Tensor> {
    t.filter(|t| t.defined())
}

/// `t` is a nested tensor: defined, strided, and without one shape (the only such tensors).
fn is_nested(t: &Tensor) -> bool {
    t.defined() && t.f_size().is_err()
}

/// `layout` is one of the sparse compressed layouts (CSR, CSC, BSR, BSC).
fn sparse_compressed(layout: Layout) -> bool {
    matches!(
        layout,
        Layout::SparseCsr | Layout::SparseCsc | Layout::SparseBsr | Layout::SparseBsc
    )
}

fn sizes(op: &'static str, name: &str, t: &Tensor) -> Result<Vec<i64>> {
    must_be_defined(op, name, t)?;
    t.f_size()
}

/// `s[dim]`, the size at `dim` of the tensor `name` whose sizes are `s`, or the error that it has
/// too few dimensions.
fn size_at(op: &'static str, name: &str, s: &[i64], dim: usize) -> Result<i64> {
    s.get(dim).copied().ok_or_else(|| {
        fail(
            op,
            format!(
                "{name} must have at least {} dimensions, got {}",
                dim + 1,
                s.len()
            ),
        )
    })
}

/// `t` is defined and has exactly `count` elements.
fn numel_is(op: &'static str, name: &str, t: &Tensor, count: i64) -> Result<()> {
    must_be_defined(op, name, t)?;
    if t.numel() as i64 == count {
        Ok(())
    } else {
        Err(fail(
            op,
            format!("{name} must have {count} elements, got {}", t.numel()),
        ))
    }
}

/// `t` is defined and on a device with kernels of its own (CUDA, MPS, ...): not the CPU, and not
/// meta, which has no data. For checks of crashes that only those kernels have.
fn on_device_kernels(t: &Tensor) -> bool {
    t.defined() && !matches!(t.device(), Device::Cpu | Device::Meta)
}

/// c10's `is_non_overlapping_and_dense`: the dimensions of two or more elements, in the order
/// of their strides, are laid out one after another from stride 1. Kernels take fast paths
/// that walk raw memory on this test, so a check of such a path must decide it as c10 does
/// (a tensor without elements is not always dense here).
pub(crate) fn non_overlapping_and_dense(sizes: &[i64], strides: &[i64]) -> bool {
    let mut wide: Vec<(i64, i64)> = sizes
        .iter()
        .zip(strides)
        .filter(|(&size, _)| size >= 2)
        .map(|(&size, &stride)| (stride, size))
        .collect();
    wide.sort_unstable();
    let mut required = 1i64;
    for (stride, size) in wide {
        if stride != required {
            return false;
        }
        required = required.wrapping_mul(size);
    }
    true
}

/// The dimension count of `t`, as the bound of [`in_range_inclusive`].
pub(crate) fn dim_of(op: &'static str, name: &str, t: &Tensor) -> Result<usize> {
    must_be_defined(op, name, t)?;
    t.f_dim()
}

/// The elements of an integer tensor, as `i64`, row-major; `None` for other dtypes (the kernels
/// that index with tensor values reject those themselves).
fn int_values(op: &'static str, name: &str, t: &Tensor) -> Result<Option<Vec<i64>>> {
    use Kind::*;
    must_be_defined(op, name, t)?;
    let integral = matches!(
        t.f_kind()?,
        Uint8 | Int8 | Int16 | Int | Int64 | Uint16 | Uint32 | Uint64
    );
    if !integral {
        return Ok(None);
    }
    t.to_vec::<i64>().map(Some)
}

/// Every value of the integer tensor `t` is in `0..bound`, where `bound` is described by `what`.
pub(crate) fn ints_below(
    op: &'static str,
    name: &str,
    t: &Tensor,
    bound: i64,
    what: &str,
) -> Result<()> {
    let Some(values) = int_values(op, name, t)? else {
        return Ok(()); // libtorch requires integer indices
    };
    match values.iter().find(|v| !(0..bound).contains(*v)) {
        Some(v) => Err(fail(
            op,
            format!("{name} values must be in 0..{bound} ({what}), got {v}"),
        )),
        None => Ok(()),
    }
}
