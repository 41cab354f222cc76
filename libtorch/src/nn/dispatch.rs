//! An escape hatch: calling an operator by its schema name through the c10 dispatcher (boxed),
//! for operators the generated API does not have, such as custom operators registered with
//! `TORCH_LIBRARY` in a library loaded into the process.
//!
//! **Prefer the generated methods** ([`Tensor::f_linear_with`], `x.f_softmax_int(1)`, ...)
//! for every ATen operator: `nn`, `nn::functional`, `nn::init`, `optim` and the factories use
//! only them. This path skips their argument checks (the `guards` that refuse arguments
//! libtorch 2.11 crashes on instead of raising an error, e.g. a `max_pool1d` kernel of
//! `i64::MAX`, which `Tensor::f_max_pool1d_with` refuses and which segfaults here), costs an
//! operator lookup by name and the boxing of every argument, and types nothing at compile time.
//! What it does check: the operator exists, it gets no more arguments than its schema has, every
//! argument not given has a default, and libtorch's own checks as for any call; an argument of
//! the wrong type is an error from libtorch's boxed calling convention. Autograd records the call
//! as for any other.
//!
//! ```
//! use libtorch::nn::dispatch::{call1, has_op, Arg};
//! use libtorch::Tensor;
//! let a = Tensor::from_slice(&[1.0f32, 2.0]);
//! let b = Tensor::from_slice(&[10.0f32, 20.0]);
//! // aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1)
//! let c = call1("aten::add.Tensor", &[Arg::T(&a), Arg::T(&b), Arg::F(0.5)]).unwrap();
//! assert_eq!(c.to_vec::<f32>().unwrap(), [6.0, 12.0]);
//! // The same through the generated method, with its checks:
//! assert_eq!(a.f_add_with(&b, 0.5).unwrap().to_vec::<f32>().unwrap(), [6.0, 12.0]);
//! assert!(!has_op("myops::not_loaded"));
//! ```
use crate::error::{check, Error, Result};
use crate::Tensor;
use libtorch_sys as sys;
use libtorch_sys::dispatch as d;
use std::ffi::CString;

/// One argument of a boxed call.
#[derive(Clone, Copy)]
pub enum Arg<'a> {
    /// A tensor (an undefined one is passed as None).
    T(&'a Tensor),
    /// An optional tensor.
    OptT(Option<&'a Tensor>),
    /// An `int` (also accepted where the schema says `Scalar`, `ScalarType` or `SymInt`).
    I(i64),
    /// A `float` (also accepted where the schema says `Scalar`).
    F(f64),
    /// A `bool`.
    B(bool),
    /// An `int[]` / `SymInt[]`.
    Ints(&'a [i64]),
    /// A `float[]`.
    Floats(&'a [f64]),
    /// A `Tensor[]`.
    Ts(&'a [Tensor]),
    /// A `str`.
    Str(&'a str),
    /// A `Device`.
    Dev(crate::Device),
    /// None, for any optional argument.
    None,
    /// The schema's default for this position.
    Default,
}

fn split(name: &str) -> Result<(CString, CString)> {
    let (n, o) = match name.split_once('.') {
        Some((n, o)) => (n, o),
        None => (name, ""),
    };
    let bad = |_| Error::invalid("dispatch", format!("operator name `{name}` contains NUL"));
    Ok((CString::new(n).map_err(bad)?, CString::new(o).map_err(bad)?))
}

/// Calls `name` (`"aten::op"` or `"aten::op.overload"`) with `args`; returns every tensor it
/// returned (tensor lists and tuples flattened, in order; non-tensor results dropped).
///
/// Skips the generated methods' argument checks: see the [module documentation](self).
#[track_caller]
pub fn call(name: &str, args: &[Arg]) -> Result<Vec<Tensor>> {
    let (n, o) = split(name)?;
    // Tensor lists need arrays of raw handles that outlive the call.
    let lists: Vec<Vec<sys::ltrs_tensor>> = args
        .iter()
        .map(|a| match a {
            Arg::Ts(ts) => ts.iter().map(|t| t.as_raw()).collect(),
            _ => Vec::new(),
        })
        .collect();
    let raw: Vec<d::ltrs_ivalue> = args
        .iter()
        .zip(&lists)
        .map(|(a, list)| {
            let mut v = d::ltrs_ivalue::tagged(d::LTRS_IV_NONE);
            match *a {
                Arg::T(t) | Arg::OptT(Some(t)) => {
                    v.tag = d::LTRS_IV_TENSOR;
                    v.t = t.as_raw();
                }
                Arg::OptT(None) | Arg::None => {}
                Arg::I(i) => {
                    v.tag = d::LTRS_IV_INT;
                    v.i = i;
                }
                Arg::F(f) => {
                    v.tag = d::LTRS_IV_DOUBLE;
                    v.f = f;
                }
                Arg::B(b) => {
                    v.tag = d::LTRS_IV_BOOL;
                    v.i = b as i64;
                }
                Arg::Ints(s) => {
                    v.tag = d::LTRS_IV_INT_LIST;
                    v.ints = s.as_ptr();
                    v.len = s.len() as i64;
                }
                Arg::Floats(s) => {
                    v.tag = d::LTRS_IV_DOUBLE_LIST;
                    v.doubles = s.as_ptr();
                    v.len = s.len() as i64;
                }
                Arg::Ts(_) => {
                    v.tag = d::LTRS_IV_TENSOR_LIST;
                    v.tensors = list.as_ptr();
                    v.len = list.len() as i64;
                }
                Arg::Str(s) => {
                    v.tag = d::LTRS_IV_STRING;
                    v.str_ = s.as_ptr().cast();
                    v.len = s.len() as i64;
                }
                Arg::Dev(dev) => {
                    let f = dev.to_ffi();
                    v.tag = d::LTRS_IV_DEVICE;
                    v.i = f.type_ as i64;
                    v.len = f.index as i64;
                }
                Arg::Default => v.tag = d::LTRS_IV_DEFAULT,
            }
            v
        })
        .collect();
    let mut out = sys::ltrs_tensor_vec {
        data: std::ptr::null_mut(),
        len: 0,
    };
    // SAFETY: `n`/`o` are NUL-terminated; `raw` holds `raw.len()` arguments whose pointers
    // (tensor handles, slices, the handle arrays in `lists`) are all borrowed from values that
    // live until after the call; the shim copies what it keeps. On success `out` owns its
    // elements and its malloc'ed array.
    unsafe {
        check(
            d::ltrs_dispatch_call(
                n.as_ptr(),
                o.as_ptr(),
                raw.as_ptr(),
                raw.len() as i64,
                &mut out,
            ),
            "dispatch",
        )
        .map_err(|e| rename(e, name))?;
        let mut result = Vec::with_capacity(out.len as usize);
        for k in 0..out.len as usize {
            result.push(Tensor::from_raw(*out.data.add(k)));
        }
        sys::ltrs_tensor_vec_free(out);
        Ok(result)
    }
}

fn rename(e: Error, name: &str) -> Error {
    match e {
        Error::Torch {
            message,
            full_message,
            location,
            ..
        } => Error::Torch {
            op: "dispatch",
            message: format!("{name}: {message}"),
            full_message,
            location,
        },
        other => other,
    }
}

/// [`call`] for an operator returning one tensor (the first one when it returns several).
pub fn call1(name: &str, args: &[Arg]) -> Result<Tensor> {
    let mut v = call(name, args)?;
    if v.is_empty() {
        return Err(Error::invalid(
            "dispatch",
            format!("{name} returned no tensor"),
        ));
    }
    Ok(v.swap_remove(0))
}

/// Whether `name` (`"aten::op.overload"`) is a registered operator.
#[track_caller]
pub fn has_op(name: &str) -> bool {
    let Ok((n, o)) = split(name) else {
        return false;
    };
    let mut b = false;
    // SAFETY: NUL-terminated strings and a valid out-pointer.
    let r = unsafe {
        check(
            d::ltrs_dispatch_has_op(n.as_ptr(), o.as_ptr(), &mut b),
            "has_op",
        )
    };
    r.is_ok() && b
}
