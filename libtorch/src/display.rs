//! Printing tensors: [`Display`](std::fmt::Display) follows PyTorch's `repr` (the default print
//! options: 4 decimals, 80 columns, summarised with `...` beyond 1000 elements, showing 3 items
//! at each edge of every dimension), and [`Debug`](std::fmt::Debug) shows the metadata only.
//!
//! ```
//! use libtorch::Tensor;
//! let t = Tensor::from_data(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
//! assert_eq!(t.to_string(), "tensor([[1., 2.],\n        [3., 4.]])");
//! assert_eq!(Tensor::from_slice(&[1i32, 2, 3]).to_string(), "tensor([1, 2, 3], dtype=torch.int32)");
//! assert_eq!(format!("{t:?}"), "Tensor { shape: [2, 2], dtype: float32, device: cpu }");
//! ```
use crate::{Device, Kind, Layout, Tensor};
use std::fmt;

const PRECISION: usize = 4;
const THRESHOLD: usize = 1000;
const EDGE_ITEMS: usize = 3;
const LINE_WIDTH: usize = 80;
/// Printing recurses once per dimension: more than this many are described, not printed.
const MAX_PRINTED_DIMS: usize = 256;

/// The elements, as the Python values `tolist()` would give.
enum Values {
    Float(Vec<f64>),
    Int(Vec<i64>),
    /// uint64, whose values past i64::MAX would print negative as i64.
    UInt(Vec<u64>),
    Bool(Vec<bool>),
}

/// Python's `"{:.4e}".format(v)`: `1.2346e+04`.
fn sci(v: f64) -> String {
    if !v.is_finite() {
        return nonfinite(v);
    }
    let s = format!("{v:.PRECISION$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    format!("{mantissa}e{sign}{digits:0>2}")
}

fn nonfinite(v: f64) -> String {
    if v.is_nan() {
        "nan".to_owned()
    } else if v > 0.0 {
        "inf".to_owned()
    } else {
        "-inf".to_owned()
    }
}

fn fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return nonfinite(v);
    }
    format!("{v:.decimals$}")
}

/// PyTorch's `_Formatter`: picks integer / fixed / scientific notation and the column width from
/// the values that are shown.
struct Formatter {
    floating: bool,
    int_mode: bool,
    sci_mode: bool,
    max_width: usize,
}

impl Formatter {
    fn new(values: &Values, shown: &[usize]) -> Formatter {
        let mut f = Formatter {
            floating: matches!(values, Values::Float(_)),
            int_mode: true,
            sci_mode: false,
            max_width: 1,
        };
        match values {
            Values::Int(v) => {
                for &i in shown {
                    f.max_width = f.max_width.max(v[i].to_string().len());
                }
            }
            Values::UInt(v) => {
                for &i in shown {
                    f.max_width = f.max_width.max(v[i].to_string().len());
                }
            }
            Values::Bool(v) => {
                for &i in shown {
                    f.max_width = f.max_width.max(if v[i] { 4 } else { 5 });
                }
            }
            Values::Float(v) => {
                let vals: Vec<f64> = shown
                    .iter()
                    .map(|&i| v[i])
                    .filter(|x| x.is_finite() && *x != 0.0)
                    .collect();
                if vals.is_empty() {
                    return f;
                }
                let min = vals.iter().fold(f64::INFINITY, |m, x| m.min(x.abs()));
                let max = vals.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                f.int_mode = vals.iter().all(|x| *x == x.ceil());
                let wide = max / min > 1000.0 || max > 1.0e8;
                if f.int_mode {
                    if wide {
                        f.sci_mode = true;
                        for &x in &vals {
                            f.max_width = f.max_width.max(sci(x).len());
                        }
                    } else {
                        for &x in &vals {
                            f.max_width = f.max_width.max(fixed(x, 0).len() + 1);
                        }
                    }
                } else if wide || min < 1.0e-4 {
                    f.sci_mode = true;
                    for &x in &vals {
                        f.max_width = f.max_width.max(sci(x).len());
                    }
                } else {
                    for &x in &vals {
                        f.max_width = f.max_width.max(fixed(x, PRECISION).len());
                    }
                }
            }
        }
        f
    }

    fn format(&self, values: &Values, i: usize) -> String {
        let s = match values {
            Values::Int(v) => v[i].to_string(),
            Values::UInt(v) => v[i].to_string(),
            Values::Bool(v) => (if v[i] { "True" } else { "False" }).to_owned(),
            Values::Float(v) => {
                let x = v[i];
                debug_assert!(self.floating);
                if self.sci_mode {
                    sci(x)
                } else if self.int_mode {
                    let mut s = fixed(x, 0);
                    if x.is_finite() {
                        s.push('.');
                    }
                    s
                } else {
                    fixed(x, PRECISION)
                }
            }
        };
        format!("{s:>width$}", width = self.max_width)
    }
}

/// Where index `i` of a dimension of size `n` is in the summarised values (which keep only the
/// first and last `EDGE_ITEMS` of a long dimension).
fn at(n: usize, i: usize, summarize: bool) -> usize {
    if summarize && n > 2 * EDGE_ITEMS && i >= EDGE_ITEMS {
        i - (n - 2 * EDGE_ITEMS)
    } else {
        i
    }
}

/// The flat indices of the elements shown (all, or the edges of every dimension when
/// summarising), in order.
fn shown_indices(
    shape: &[usize],
    strides: &[usize],
    offset: usize,
    summarize: bool,
    out: &mut Vec<usize>,
) {
    if shape.is_empty() {
        out.push(offset);
        return;
    }
    for i in rows(shape[0], summarize).into_iter().flatten() {
        shown_indices(
            &shape[1..],
            &strides[1..],
            offset + at(shape[0], i, summarize) * strides[0],
            summarize,
            out,
        );
    }
}

/// The indices shown along a dimension of size `n`: `[first, None (the "..."), last]`.
fn rows(n: usize, summarize: bool) -> Vec<Option<usize>> {
    if summarize && n > 2 * EDGE_ITEMS {
        (0..EDGE_ITEMS)
            .map(Some)
            .chain(std::iter::once(None))
            .chain((n - EDGE_ITEMS..n).map(Some))
            .collect()
    } else {
        (0..n).map(Some).collect()
    }
}

struct Printer<'a> {
    values: &'a Values,
    formatter: Formatter,
    /// A complex tensor's imaginary parts and their own formatter (`values` holds the real parts).
    imag: Option<(&'a Values, Formatter)>,
    summarize: bool,
}

impl Printer<'_> {
    /// Element `i`: PyTorch's `_val_formatter`, `a+bj` for complex tensors (the imaginary part
    /// padded to its own width, then left-trimmed, so the sign sits next to it).
    fn element(&self, i: usize) -> String {
        let re = self.formatter.format(self.values, i);
        match &self.imag {
            None => re,
            Some((values, f)) => {
                let im = format!("{}j", f.format(values, i));
                let im = im.trim_start();
                if im.starts_with('+') || im.starts_with('-') {
                    format!("{re}{im}")
                } else {
                    format!("{re}+{im}")
                }
            }
        }
    }

    fn tensor_str(
        &self,
        shape: &[usize],
        strides: &[usize],
        offset: usize,
        indent: usize,
    ) -> String {
        match shape.len() {
            0 => self.element(offset),
            1 => self.vector_str(shape[0], strides[0], offset, indent),
            dim => {
                let slices: Vec<String> = rows(shape[0], self.summarize)
                    .into_iter()
                    .map(|r| match r {
                        Some(i) => self.tensor_str(
                            &shape[1..],
                            &strides[1..],
                            offset + at(shape[0], i, self.summarize) * strides[0],
                            indent + 1,
                        ),
                        None => "...".to_owned(),
                    })
                    .collect();
                let sep = format!(",{}{}", "\n".repeat(dim - 1), " ".repeat(indent + 1));
                format!("[{}]", slices.join(&sep))
            }
        }
    }

    fn vector_str(&self, n: usize, stride: usize, offset: usize, indent: usize) -> String {
        let element_length =
            self.formatter.max_width + 2 + self.imag.as_ref().map_or(0, |(_, f)| f.max_width + 1);
        let per_line = (LINE_WIDTH.saturating_sub(indent) / element_length).max(1);
        let data: Vec<String> = rows(n, self.summarize)
            .into_iter()
            .map(|r| match r {
                Some(i) => self.element(offset + at(n, i, self.summarize) * stride),
                None => " ...".to_owned(),
            })
            .collect();
        let lines: Vec<String> = data.chunks(per_line).map(|c| c.join(", ")).collect();
        format!(
            "[{}]",
            lines.join(&format!(",\n{}", " ".repeat(indent + 1)))
        )
    }
}

/// `t` with every dimension longer than `2 * EDGE_ITEMS` cut to its first and last
/// `EDGE_ITEMS` (what a summarised print shows).
fn summarized(t: &Tensor) -> crate::Result<Tensor> {
    let mut s = t.clone();
    for (d, &n) in t.f_size()?.iter().enumerate() {
        let e = EDGE_ITEMS as i64;
        if n > 2 * e {
            let d = d as i64;
            s = Tensor::f_cat_with(&[s.f_narrow(d, 0, e)?, s.f_narrow(d, n - e, e)?], d)?;
        }
    }
    Ok(s)
}

fn values_of(t: &Tensor) -> crate::Result<Values> {
    let k = t.f_kind()?;
    Ok(if k == Kind::Bool {
        Values::Bool(t.to_vec::<bool>()?)
    } else if k.is_floating_point() {
        Values::Float(t.to_vec::<f64>()?)
    } else {
        if k == Kind::Uint64 {
            Values::UInt(t.to_vec::<u64>()?)
        } else {
            Values::Int(t.to_vec::<i64>()?)
        }
    })
}

/// PyTorch's `_add_suffixes`.
fn add_suffixes(body: String, suffixes: &[String], indent: usize) -> String {
    let mut last_line_len = body.len() - body.rfind('\n').unwrap_or(0) + 1;
    let mut out = body;
    for s in suffixes {
        if last_line_len + s.len() + 2 > LINE_WIDTH {
            out.push_str(&format!(",\n{}{s}", " ".repeat(indent)));
            last_line_len = indent + s.len();
        } else {
            out.push_str(&format!(", {s}"));
            last_line_len += s.len() + 2;
        }
    }
    out.push(')');
    out
}

fn shape_tuple(shape: &[i64]) -> String {
    match shape {
        [d] => format!("({d},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn repr(t: &Tensor) -> crate::Result<String> {
    const PREFIX: &str = "tensor(";
    let indent = PREFIX.len();
    let kind = t.f_kind()?;
    let shape = t.f_size()?;
    let device = t.device();
    let mut suffixes = Vec::new();
    if device != Device::Cpu {
        suffixes.push(format!("device='{device}'"));
    }
    // The default dtype (float32), its complex counterpart, int64 and bool print no dtype.
    let default_dtype = matches!(
        kind,
        Kind::Float | Kind::ComplexFloat | Kind::Int64 | Kind::Bool
    );
    if shape.len() > MAX_PRINTED_DIMS {
        return Err(crate::Error::invalid(
            "Display",
            format!(
                "{} dimensions (at most {MAX_PRINTED_DIMS} are printed)",
                shape.len()
            ),
        ));
    }
    let numel = shape
        .iter()
        .try_fold(1i64, |acc, &d| acc.checked_mul(d))
        .unwrap_or(i64::MAX);
    let body = if device == Device::Meta {
        suffixes.push(format!("size={}", shape_tuple(&shape)));
        if kind != Kind::Float {
            suffixes.push(format!("dtype={kind}"));
        }
        "...".to_owned()
    } else if numel == 0 {
        if shape.len() != 1 {
            suffixes.push(format!("size={}", shape_tuple(&shape)));
        }
        if kind != Kind::Float {
            suffixes.push(format!("dtype={kind}"));
        }
        "[]".to_owned()
    } else {
        if !default_dtype {
            suffixes.push(format!("dtype={kind}"));
        }
        let summarize = numel as u64 > THRESHOLD as u64;
        // Only the elements shown are read (PyTorch's `get_summarized_data`): a huge tensor,
        // or an expanded view of one element, prints without reading it all.
        let shown = if summarize { summarized(t)? } else { t.clone() };
        let (values, imag) = if kind.is_complex() {
            (
                Values::Float(shown.f_real()?.to_vec::<f64>()?),
                Some(Values::Float(shown.f_imag()?.to_vec::<f64>()?)),
            )
        } else {
            (values_of(&shown)?, None)
        };
        let dims: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
        let kept: Vec<usize> = shown.f_size()?.iter().map(|&d| d as usize).collect();
        let mut strides = vec![1usize; dims.len()];
        for i in (0..dims.len().saturating_sub(1)).rev() {
            strides[i] = strides[i + 1] * kept[i + 1];
        }
        let mut shown = Vec::new();
        shown_indices(&dims, &strides, 0, summarize, &mut shown);
        let printer = Printer {
            formatter: Formatter::new(&values, &shown),
            values: &values,
            imag: imag.as_ref().map(|v| (v, Formatter::new(v, &shown))),
            summarize,
        };
        printer.tensor_str(&dims, &strides, 0, indent)
    };
    if t.layout() != Layout::Strided {
        suffixes.push(format!("layout={:?}", t.layout()));
    }
    if let Some(name) = t.grad_fn_name() {
        suffixes.push(format!("grad_fn=<{name}>"));
    } else if t.requires_grad() {
        suffixes.push("requires_grad=True".to_owned());
    }
    Ok(add_suffixes(format!("{PREFIX}{body}"), &suffixes, indent))
}

impl fmt::Display for Tensor {
    /// PyTorch's `repr(t)`, e.g. `tensor([1.5000, 2.0000])`; an undefined tensor prints as
    /// `tensor(undefined)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.defined() {
            return f.write_str("tensor(undefined)");
        }
        match repr(self) {
            Ok(s) => f.write_str(&s),
            Err(e) => write!(f, "tensor(<not printable: {e}>)"),
        }
    }
}

impl fmt::Debug for Tensor {
    /// The metadata: `Tensor { shape: [2, 3], dtype: float32, device: cpu }` (and
    /// `requires_grad: true` when set).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.defined() {
            return f.write_str("Tensor(undefined)");
        }
        // A nested tensor has no single shape; its components' are `_nested_tensor_size`.
        match self.f_size() {
            Ok(shape) => write!(f, "Tensor {{ shape: {shape:?}")?,
            Err(_) => write!(f, "Tensor {{ shape: nested")?,
        }
        write!(
            f,
            ", dtype: {}, device: {}",
            self.kind().name(),
            self.device()
        )?;
        if self.layout() != Layout::Strided {
            write!(f, ", layout: {:?}", self.layout())?;
        }
        if self.requires_grad() {
            f.write_str(", requires_grad: true")?;
        }
        f.write_str(" }")
    }
}
