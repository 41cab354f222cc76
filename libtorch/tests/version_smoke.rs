//! A smoke test of the generated API that holds on every supported PyTorch (2.11–2.15): a few
//! hundred generated methods called on small tensors, each result checked against values that do
//! not depend on the version (Rust's own `f64` math, or hand-computed). CI runs it against each
//! version's libtorch (`LIBTORCH=... cargo test -p libtorch --test version_smoke`).

use libtorch::{Kind, Tensor};
use std::cell::Cell;

thread_local! {
    static CHECKS: Cell<usize> = const { Cell::new(0) };
}

fn t(v: &[f64]) -> Tensor {
    Tensor::from_slice(v)
}

fn values(x: &Tensor) -> Vec<f64> {
    x.to_dtype(Kind::Double).to_vec::<f64>().unwrap()
}

/// `got` holds `want`, elementwise within 1e-12 relative (NaN only where NaN is wanted).
fn check(what: &str, got: &Tensor, want: &[f64]) {
    let got = values(got);
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        let ok = if w.is_nan() {
            g.is_nan()
        } else {
            (g - w).abs() <= 1e-12 * w.abs().max(1.0)
        };
        assert!(ok, "{what}: got {got:?}, want {want:?}");
    }
    CHECKS.with(|c| c.set(c.get() + 1));
}

/// Each unary op three ways: the functional form, the in-place `NAME_` and `NAME_out`.
macro_rules! unary {
    ($x:expr; $($name:ident $inplace:ident $out:ident => $f:expr;)*) => {$({
        let x: &Tensor = $x;
        let f: fn(f64) -> f64 = $f;
        let want: Vec<f64> = values(x).into_iter().map(f).collect();
        check(stringify!($name), &x.$name(), &want);
        let mut y = x.deep_clone();
        y.$inplace();
        check(stringify!($inplace), &y, &want);
        let mut out = x.zeros_like();
        let r = x.$out(&mut out);
        check(stringify!($out), &out, &want);
        check(stringify!($out), &r, &want);
    })*};
}

#[test]
fn unary_ops() {
    // Inside (0, 1): every op below is defined there.
    let x = t(&[0.125, 0.25, 0.5, 0.75, 0.875]);
    unary! { &x;
        abs abs_ abs_out => f64::abs;
        absolute absolute_ absolute_out => f64::abs;
        neg neg_ neg_out => |v| -v;
        negative negative_ negative_out => |v| -v;
        exp exp_ exp_out => f64::exp;
        exp2 exp2_ exp2_out => f64::exp2;
        expm1 expm1_ expm1_out => f64::exp_m1;
        log log_ log_out => f64::ln;
        log1p log1p_ log1p_out => f64::ln_1p;
        log2 log2_ log2_out => f64::log2;
        log10 log10_ log10_out => f64::log10;
        sin sin_ sin_out => f64::sin;
        cos cos_ cos_out => f64::cos;
        tan tan_ tan_out => f64::tan;
        asin asin_ asin_out => f64::asin;
        arcsin arcsin_ arcsin_out => f64::asin;
        acos acos_ acos_out => f64::acos;
        arccos arccos_ arccos_out => f64::acos;
        atan atan_ atan_out => f64::atan;
        arctan arctan_ arctan_out => f64::atan;
        sinh sinh_ sinh_out => f64::sinh;
        cosh cosh_ cosh_out => f64::cosh;
        tanh tanh_ tanh_out => f64::tanh;
        asinh asinh_ asinh_out => f64::asinh;
        arcsinh arcsinh_ arcsinh_out => f64::asinh;
        atanh atanh_ atanh_out => f64::atanh;
        arctanh arctanh_ arctanh_out => f64::atanh;
        sqrt sqrt_ sqrt_out => f64::sqrt;
        rsqrt rsqrt_ rsqrt_out => |v| 1.0 / v.sqrt();
        reciprocal reciprocal_ reciprocal_out => |v| 1.0 / v;
        sigmoid sigmoid_ sigmoid_out => |v| 1.0 / (1.0 + (-v).exp());
        logit logit_ logit_out => |v| (v / (1.0 - v)).ln();
        square square_ square_out => |v| v * v;
        deg2rad deg2rad_ deg2rad_out => f64::to_radians;
        rad2deg rad2deg_ rad2deg_out => f64::to_degrees;
        relu relu_ relu_out => |v| v.max(0.0);
    }
    // Rounding and signs, on values with both signs and fractions.
    let y = t(&[-2.5, -1.25, -0.5, 0.0, 0.75, 1.5, 3.25]);
    unary! { &y;
        ceil ceil_ ceil_out => f64::ceil;
        floor floor_ floor_out => f64::floor;
        // Ties to even, as PyTorch rounds.
        round round_ round_out => f64::round_ties_even;
        trunc trunc_ trunc_out => f64::trunc;
        fix fix_ fix_out => f64::trunc;
        frac frac_ frac_out => f64::fract;
        sign sign_ sign_out => |v| if v == 0.0 { 0.0 } else { v.signum() };
        sgn sgn_ sgn_out => |v| if v == 0.0 { 0.0 } else { v.signum() };
    }
    let z = t(&[1.0, 1.5, 2.0, 4.0]);
    unary! { &z;
        acosh acosh_ acosh_out => f64::acosh;
        arccosh arccosh_ arccosh_out => f64::acosh;
    }
}

/// Each binary op three ways, on tensor operands.
macro_rules! binary {
    ($a:expr, $b:expr; $($name:ident $inplace:ident $out:ident => $f:expr;)*) => {$({
        let (a, b): (&Tensor, &Tensor) = ($a, $b);
        let f: fn(f64, f64) -> f64 = $f;
        let want: Vec<f64> = values(a).into_iter().zip(values(b)).map(|(x, y)| f(x, y)).collect();
        check(stringify!($name), &a.$name(b), &want);
        let mut y = a.deep_clone();
        y.$inplace(b);
        check(stringify!($inplace), &y, &want);
        let mut out = a.zeros_like();
        a.$out(b, &mut out);
        check(stringify!($out), &out, &want);
    })*};
}

/// Binary ops without an in-place form: the functional form and `NAME_out`.
macro_rules! binary2 {
    ($a:expr, $b:expr; $($name:ident $out:ident => $f:expr;)*) => {$({
        let (a, b): (&Tensor, &Tensor) = ($a, $b);
        let f: fn(f64, f64) -> f64 = $f;
        let want: Vec<f64> = values(a).into_iter().zip(values(b)).map(|(x, y)| f(x, y)).collect();
        check(stringify!($name), &a.$name(b), &want);
        let mut out = a.zeros_like();
        a.$out(b, &mut out);
        check(stringify!($out), &out, &want);
    })*};
}

#[test]
fn binary_ops() {
    let a = t(&[-3.0, -1.5, 0.5, 2.0, 7.0]);
    let b = t(&[2.0, -0.5, 4.0, 0.25, -3.0]);
    binary! { &a, &b;
        add add_ add_out => |x, y| x + y;
        sub sub_ sub_out => |x, y| x - y;
        subtract subtract_ subtract_out => |x, y| x - y;
        mul mul_ mul_out => |x, y| x * y;
        multiply multiply_ multiply_out => |x, y| x * y;
        div div_ div_out => |x, y| x / y;
        divide divide_ divide_out => |x, y| x / y;
        true_divide true_divide_ true_divide_out => |x, y| x / y;
        atan2 atan2_ atan2_out => f64::atan2;
        arctan2 arctan2_ arctan2_out => f64::atan2;
        hypot hypot_ hypot_out => f64::hypot;
        copysign copysign_ copysign_out => f64::copysign;
    }
    binary2! { &a, &b;
        maximum maximum_out => f64::max;
        minimum minimum_out => f64::min;
        fmax fmax_out => f64::max;
        fmin fmin_out => f64::min;
    }
    // Scalars, through the tensor-or-number arguments.
    check("add(2)", &a.add(2), &[-1.0, 0.5, 2.5, 4.0, 9.0]);
    check("mul(0.5)", &a.mul(0.5), &[-1.5, -0.75, 0.25, 1.0, 3.5]);
    check("pow(2)", &a.pow(2), &[9.0, 2.25, 0.25, 4.0, 49.0]);
    check("fmod(2)", &a.fmod(2), &[-1.0, -1.5, 0.5, 0.0, 1.0]);
    check("remainder(2)", &a.remainder(2), &[1.0, 0.5, 0.5, 0.0, 1.0]);
    check("clamp_min(0)", &a.clamp_min(0), &[0.0, 0.0, 0.5, 2.0, 7.0]);
    check(
        "clamp_max(1)",
        &a.clamp_max(1),
        &[-3.0, -1.5, 0.5, 1.0, 1.0],
    );
    check("lerp", &a.lerp(&b, 0.5), &[-0.5, -1.0, 2.25, 1.125, 2.0]);
    check(
        "gt",
        &a.gt(0.0).to_dtype(Kind::Double),
        &[0., 0., 1., 1., 1.],
    );
    check(
        "le",
        &a.le(&b).to_dtype(Kind::Double),
        &[1., 1., 1., 0., 0.],
    );
    check(
        "eq",
        &a.eq(2.0).to_dtype(Kind::Double),
        &[0., 0., 0., 1., 0.],
    );
    check("ne", &a.ne(&a).to_dtype(Kind::Double), &[0.; 5]);
    check(
        "where_self",
        &Tensor::where_self(&a.gt(0.0), &a, &b),
        &[2.0, -0.5, 0.5, 2.0, 7.0],
    );
}

#[test]
fn reductions_and_scans() {
    let x = t(&[3.0, -1.0, 4.0, 1.0, -5.0, 9.0]);
    check("sum", &x.sum(), &[11.0]);
    check("mean", &x.mean(), &[11.0 / 6.0]);
    check("prod", &x.prod(), &[540.0]);
    check("max", &x.max(), &[9.0]);
    check("min", &x.min(), &[-5.0]);
    check("amax", &x.amax(), &[9.0]);
    check("amin", &x.amin(), &[-5.0]);
    check("argmax", &x.argmax(), &[5.0]);
    check("argmin", &x.argmin(), &[4.0]);
    check("cumsum", &x.cumsum(0), &[3.0, 2.0, 6.0, 7.0, 2.0, 11.0]);
    check(
        "cumprod",
        &x.cumprod(0),
        &[3.0, -3.0, -12.0, -12.0, 60.0, 540.0],
    );
    let (values_sorted, indices) = x.sort();
    check("sort", &values_sorted, &[-5.0, -1.0, 1.0, 3.0, 4.0, 9.0]);
    check("sort indices", &indices, &[4.0, 1.0, 3.0, 0.0, 2.0, 5.0]);
    let (top, top_i) = x.topk(2);
    check("topk", &top, &[9.0, 4.0]);
    check("topk indices", &top_i, &[5.0, 2.0]);
    let m = x.reshape(&[2, 3]);
    check("sum_dim", &m.sum_dim(1), &[6.0, 5.0]);
    check(
        "linalg_vector_norm",
        &t(&[3.0, 4.0]).linalg_vector_norm(),
        &[5.0],
    );
    check(
        "dot",
        &t(&[1.0, 2.0, 3.0]).dot(&t(&[4.0, 5.0, 6.0])),
        &[32.0],
    );
    check("var", &t(&[1.0, 2.0, 3.0, 4.0]).var(), &[5.0 / 3.0]);
    check("std", &t(&[2.0, 4.0]).std(), &[2f64.sqrt()]);
    check("logsumexp", &t(&[0.0, 0.0]).logsumexp(&[0]), &[2f64.ln()]);
    check("softmax", &t(&[0.0, 0.0]).softmax(0), &[0.5, 0.5]);
    check(
        "log_softmax",
        &t(&[0.0, 0.0]).log_softmax(0),
        &[-(2f64.ln()); 2],
    );
    check("all", &t(&[1.0, 2.0]).all().to_dtype(Kind::Double), &[1.0]);
    check("any", &t(&[0.0, 0.0]).any().to_dtype(Kind::Double), &[0.0]);
    check("count_nonzero", &x.count_nonzero(), &[6.0]);
}

#[test]
fn shapes_and_indexing() {
    let x = Tensor::arange(6).to_dtype(Kind::Double);
    check("arange", &x, &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    let m = x.reshape(&[2, 3]);
    assert_eq!(m.size(), [2, 3]);
    check(
        "transpose",
        &m.transpose(0, 1),
        &[0.0, 3.0, 1.0, 4.0, 2.0, 5.0],
    );
    check("t", &m.t(), &[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    check(
        "permute",
        &m.permute(&[1, 0]),
        &[0.0, 3.0, 1.0, 4.0, 2.0, 5.0],
    );
    check("flatten", &m.flatten(), &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    check("view", &m.view(&[3, 2]).select(0, 1), &[2.0, 3.0]);
    check("narrow", &m.narrow(1, 1, 2), &[1.0, 2.0, 4.0, 5.0]);
    check("select", &m.select(1, 2), &[2.0, 5.0]);
    check("flip", &x.flip(&[0]), &[5.0, 4.0, 3.0, 2.0, 1.0, 0.0]);
    check("roll", &x.roll(&[2]), &[4.0, 5.0, 0.0, 1.0, 2.0, 3.0]);
    check(
        "unsqueeze",
        &x.unsqueeze(0).squeeze(),
        &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
    );
    check(
        "repeat",
        &t(&[1.0, 2.0]).repeat(&[2]),
        &[1.0, 2.0, 1.0, 2.0],
    );
    check("expand", &t(&[7.0]).expand(&[3]), &[7.0, 7.0, 7.0]);
    check(
        "cat",
        &Tensor::cat(&[t(&[1.0]), t(&[2.0, 3.0])]),
        &[1.0, 2.0, 3.0],
    );
    check(
        "stack",
        &Tensor::stack(&[t(&[1.0, 2.0]), t(&[3.0, 4.0])]),
        &[1.0, 2.0, 3.0, 4.0],
    );
    let idx = Tensor::from_slice(&[2i64, 0]);
    check("index_select", &x.index_select(0, &idx), &[2.0, 0.0]);
    check("gather", &x.gather(0, &idx), &[2.0, 0.0]);
    check("take", &x.take(&idx), &[2.0, 0.0]);
    check(
        "masked_fill",
        &x.masked_fill(&x.lt(2.0), -1.0),
        &[-1.0, -1.0, 2.0, 3.0, 4.0, 5.0],
    );
    check(
        "tril",
        &m.reshape(&[2, 3]).tril(),
        &[0.0, 0.0, 0.0, 3.0, 4.0, 0.0],
    );
    check("triu", &m.triu(), &[0.0, 1.0, 2.0, 0.0, 4.0, 5.0]);
    check(
        "diag",
        &Tensor::eye(2).to_dtype(Kind::Double).diag(),
        &[1.0, 1.0],
    );
    check("chunk", &x.chunk(2)[1], &[3.0, 4.0, 5.0]);
    check("unbind", &m.unbind()[0], &[0.0, 1.0, 2.0]);
    check("split", &x.split(4)[1], &[4.0, 5.0]);
    check("clone", &x.deep_clone(), &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
}

#[test]
fn creation_and_linear_algebra() {
    check("zeros", &Tensor::zeros(&[3]), &[0.0; 3]);
    check("ones", &Tensor::ones(&[2]), &[1.0; 2]);
    check("full", &Tensor::full(&[2], 2.5), &[2.5, 2.5]);
    check("eye", &Tensor::eye(2), &[1.0, 0.0, 0.0, 1.0]);
    check(
        "linspace",
        &Tensor::linspace(0.0, 1.0, 5),
        &[0.0, 0.25, 0.5, 0.75, 1.0],
    );
    check("ones_like", &t(&[4.0, 5.0]).ones_like(), &[1.0, 1.0]);
    check("zeros_like", &t(&[4.0, 5.0]).zeros_like(), &[0.0, 0.0]);
    let a = t(&[1.0, 2.0, 3.0, 4.0]).reshape(&[2, 2]);
    let b = t(&[5.0, 6.0, 7.0, 8.0]).reshape(&[2, 2]);
    check("mm", &a.mm(&b), &[19.0, 22.0, 43.0, 50.0]);
    check("matmul", &a.matmul(&b), &[19.0, 22.0, 43.0, 50.0]);
    check(
        "bmm",
        &a.unsqueeze(0).bmm(&b.unsqueeze(0)),
        &[19.0, 22.0, 43.0, 50.0],
    );
    check("addmm", &a.addmm(&a, &b), &[20.0, 24.0, 46.0, 54.0]);
    check("mv", &a.mv(&t(&[1.0, 1.0])), &[3.0, 7.0]);
    check(
        "outer",
        &t(&[1.0, 2.0]).outer(&t(&[3.0, 4.0])),
        &[3.0, 4.0, 6.0, 8.0],
    );
    check(
        "kron",
        &t(&[1.0, 2.0]).kron(&t(&[1.0, 10.0])),
        &[1.0, 10.0, 2.0, 20.0],
    );
    check("trace", &a.trace(), &[5.0]);
    check("det", &a.det(), &[-2.0]);
    check("inverse", &a.inverse(), &[-2.0, 1.0, 1.5, -0.5]);
}

#[test]
fn a_few_hundred_generated_methods_ran() {
    // Each test above counts its own checks on its own thread; this one reruns them all here.
    unary_ops();
    binary_ops();
    reductions_and_scans();
    shapes_and_indexing();
    creation_and_linear_algebra();
    let n = CHECKS.with(Cell::get);
    assert!(n >= 250, "only {n} checks");
}
