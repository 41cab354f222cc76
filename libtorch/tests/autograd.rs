//! Autograd: backward, grad (also second order), grad mode, custom functions. Anomaly mode, which
//! is process-wide, has its own test binary (`anomaly.rs`).
use libtorch::autograd::{self, Ctx, Function};
use libtorch::{no_grad, NoGradGuard, Result, Tensor};

fn leaf(v: &[f64]) -> Tensor {
    Tensor::from_slice(v).set_requires_grad(true)
}

#[test]
fn backward_accumulates_into_leaves() {
    // y = sum(x² + 3x): dy/dx = 2x + 3.
    let x = leaf(&[1.0, -2.0, 0.5]);
    let y = &(&x * &x) + &(&x * 3.0f64);
    let y = &y.i(0) + &(&y.i(1) + &y.i(2)); // a scalar without a generated `sum`
    y.backward();
    assert_eq!(x.grad().to_vec::<f64>().unwrap(), [5.0, -1.0, 4.0]);
    // A second pass on a fresh graph accumulates: 2 * (2x + 3).
    let y = &(&x * &x) + &(&x * 3.0f64);
    y.backward_with(Some(&Tensor::from_slice(&[1.0f64, 1.0, 1.0])), false, false)
        .unwrap();
    assert_eq!(x.grad().to_vec::<f64>().unwrap(), [10.0, -2.0, 8.0]);
    let mut x = x;
    x.zero_grad();
    assert_eq!(x.grad().to_vec::<f64>().unwrap(), [0.0, 0.0, 0.0]);
}

#[test]
fn grad_of_grad() {
    // d/dx x³ = 3x² = 12 at 2; d²/dx² x³ = 6x = 12 at 2; at 3: 27 and 18.
    for (x0, d1, d2) in [(2.0, 12.0, 12.0), (3.0, 27.0, 18.0)] {
        let x = leaf(&[x0]);
        let y = &(&x * &x) * &x;
        let g = autograd::grad(&[&y], &[&x], &[], true, true, false).unwrap();
        assert_eq!(g[0].double_value(), d1);
        assert!(
            g[0].requires_grad(),
            "create_graph makes the gradient differentiable"
        );
        let g2 = autograd::grad(&[&g[0]], &[&x], &[], false, false, false).unwrap();
        assert_eq!(g2[0].double_value(), d2);
        // grad() returns rather than accumulates.
        assert!(!x.grad().defined());
    }
}

#[test]
fn grad_allow_unused() {
    let x = leaf(&[1.0]);
    let z = leaf(&[1.0]);
    let y = &x * 2.0f64;
    let err = autograd::grad(&[&y], &[&x, &z], &[], true, false, false).unwrap_err();
    assert!(
        err.to_string().contains("not have been used in the graph"),
        "{err}"
    );
    let g = autograd::grad(&[&y], &[&x, &z], &[], false, false, true).unwrap();
    assert_eq!(g[0].double_value(), 2.0);
    assert!(!g[1].defined());
}

#[test]
fn backward_twice_without_retain_graph_is_an_error() {
    let x = leaf(&[2.0]);
    let y = &(&x * &x) * &x;
    y.backward_with(None, true, false).unwrap();
    y.backward_with(None, false, false).unwrap();
    assert_eq!(x.grad().double_value(), 24.0);
    let err = y.backward_with(None, false, false).unwrap_err();
    assert!(
        err.to_string()
            .contains("backward through the graph a second time"),
        "{err}"
    );
}

#[test]
fn backward_of_non_scalar_needs_a_gradient() {
    let x = leaf(&[1.0, 2.0]);
    let y = &x * 2.0f64;
    let err = y.backward_with(None, false, false).unwrap_err();
    assert!(
        err.to_string()
            .contains("grad can be implicitly created only for scalar outputs"),
        "{err}"
    );
}

#[test]
fn no_grad_and_guards() {
    let x = leaf(&[1.0]);
    assert!(libtorch::is_grad_enabled());
    let y = no_grad(|| &x * 2.0f64);
    assert!(!y.requires_grad());
    assert!(libtorch::is_grad_enabled());
    {
        let _g = NoGradGuard::new();
        assert!(!libtorch::is_grad_enabled());
        assert!(!(&x + 1.0f64).requires_grad());
        let z = libtorch::enable_grad(|| &x + 1.0f64);
        assert!(z.requires_grad());
        assert!(!libtorch::is_grad_enabled());
    }
    assert!(libtorch::is_grad_enabled());
    assert!((&x * 2.0f64).requires_grad());
    assert_eq!(
        (&x * 2.0f64).grad_fn_name().as_deref(),
        Some("MulBackward0")
    );
    assert_eq!(x.grad_fn_name(), None);
    // Grad mode is per thread: another thread starts with it on.
    let _g = NoGradGuard::new();
    let other = std::thread::spawn(libtorch::is_grad_enabled)
        .join()
        .unwrap();
    assert!(other);
    assert!(!libtorch::is_grad_enabled());
}

#[test]
fn no_grad_restores_after_panic() {
    let r = std::panic::catch_unwind(|| no_grad(|| panic!("inside no_grad")));
    assert!(r.is_err());
    assert!(libtorch::is_grad_enabled());
}

#[test]
fn set_requires_grad_errors() {
    let i = Tensor::from_slice(&[1i64, 2]);
    let err = i.f_set_requires_grad(true).unwrap_err();
    assert!(err.to_string().contains("floating point"), "{err}");
    let x = leaf(&[1.0]);
    let y = &x * 2.0f64;
    let err = y.f_set_requires_grad(false).unwrap_err();
    assert!(
        err.to_string()
            .contains("only change requires_grad flags of leaf variables"),
        "{err}"
    );
}

/// y = x², with a backward that returns 10·x·g instead of 2·x·g, so the test can tell that
/// autograd used it.
struct MarkedSquare;

impl Function for MarkedSquare {
    fn forward(&mut self, ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        assert!(!libtorch::is_grad_enabled(), "forward runs without grad");
        ctx.save_for_backward(&[&inputs[0]])?;
        Ok(vec![&inputs[0] * &inputs[0]])
    }
    fn backward(&self, ctx: &mut Ctx, grads: &[Tensor]) -> Result<Vec<Tensor>> {
        assert!(ctx.needs_input_grad(0)?);
        let x = &ctx.saved_tensors()?[0];
        Ok(vec![&(x * 10.0f64) * &grads[0]])
    }
}

#[test]
fn custom_function_backward_is_used() {
    let x = leaf(&[1.5, -2.0]);
    let y = autograd::apply(MarkedSquare, &[&x]).unwrap();
    assert_eq!(y.len(), 1);
    assert_eq!(y[0].to_vec::<f64>().unwrap(), [2.25, 4.0]);
    assert!(y[0].requires_grad());
    let g = Tensor::from_slice(&[1.0f64, 0.5]);
    y[0].backward_with(Some(&g), false, false).unwrap();
    // 10 · x · g
    assert_eq!(x.grad().to_vec::<f64>().unwrap(), [15.0, -10.0]);
}

/// Two inputs, two outputs: (a·b, a+b); backward (g1·b + g2, g1·a + g2).
struct MulAdd;

impl Function for MulAdd {
    fn forward(&mut self, ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        ctx.save_for_backward(&[&inputs[0], &inputs[1]])?;
        Ok(vec![&inputs[0] * &inputs[1], &inputs[0] + &inputs[1]])
    }
    fn backward(&self, ctx: &mut Ctx, grads: &[Tensor]) -> Result<Vec<Tensor>> {
        let s = ctx.saved_tensors()?;
        Ok(vec![
            &(&grads[0] * &s[1]) + &grads[1],
            &(&grads[0] * &s[0]) + &grads[1],
        ])
    }
}

#[test]
fn custom_function_with_two_inputs_and_outputs() {
    let a = leaf(&[3.0]);
    let b = leaf(&[4.0]);
    let out = autograd::apply(MulAdd, &[&a, &b]).unwrap();
    assert_eq!(out[0].double_value(), 12.0);
    assert_eq!(out[1].double_value(), 7.0);
    // L = 2·(a·b) + 5·(a+b): dL/da = 2b + 5 = 13, dL/db = 2a + 5 = 11.
    let l = &(&out[0] * 2.0f64) + &(&out[1] * 5.0f64);
    l.backward();
    assert_eq!(a.grad().double_value(), 13.0);
    assert_eq!(b.grad().double_value(), 11.0);
}

struct PanicsInBackward;

impl Function for PanicsInBackward {
    fn forward(&mut self, _ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![&inputs[0] * 1.0f64])
    }
    fn backward(&self, _ctx: &mut Ctx, _grads: &[Tensor]) -> Result<Vec<Tensor>> {
        panic!("deliberate panic in backward")
    }
}

#[test]
fn panic_in_custom_backward_becomes_an_error() {
    let x = leaf(&[1.0]);
    let y = autograd::apply(PanicsInBackward, &[&x]).unwrap();
    let err = y[0].backward_with(None, false, false).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("panicked"), "{msg}");
    assert!(msg.contains("deliberate panic in backward"), "{msg}");
    // The process (and libtorch) carry on.
    let z = &x * 3.0f64;
    z.backward();
    assert_eq!(x.grad().double_value(), 3.0);
}

struct WrongGradCount;

impl Function for WrongGradCount {
    fn forward(&mut self, _ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![&inputs[0] * 2.0f64])
    }
    fn backward(&self, _ctx: &mut Ctx, grads: &[Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![grads[0].shallow_clone(), grads[0].shallow_clone()])
    }
}

#[test]
fn custom_backward_with_wrong_gradient_count_is_an_error() {
    let x = leaf(&[1.0]);
    let y = autograd::apply(WrongGradCount, &[&x]).unwrap();
    let err = y[0].backward_with(None, false, false).unwrap_err();
    assert!(
        err.to_string()
            .contains("2 gradients for a function of 1 inputs"),
        "{err}"
    );
}

struct ForwardFails;

impl Function for ForwardFails {
    fn forward(&mut self, _ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        // A libtorch error inside the forward: an index out of range.
        Ok(vec![inputs[0].f_i(5)?])
    }
    fn backward(&self, _ctx: &mut Ctx, grads: &[Tensor]) -> Result<Vec<Tensor>> {
        Ok(grads.to_vec())
    }
}

#[test]
fn error_in_custom_forward_is_returned() {
    let x = leaf(&[1.0, 2.0]);
    let err = autograd::apply(ForwardFails, &[&x]).unwrap_err();
    assert!(
        err.to_string().contains("index 5 is out of bounds"),
        "{err}"
    );
}

#[test]
fn custom_function_object_is_dropped_with_the_graph() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    impl Function for Counted {
        fn forward(&mut self, _ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
            Ok(vec![&inputs[0] * 2.0f64])
        }
        fn backward(&self, _ctx: &mut Ctx, grads: &[Tensor]) -> Result<Vec<Tensor>> {
            Ok(vec![&grads[0] * 2.0f64])
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let x = leaf(&[1.0]);
    let y = autograd::apply(Counted(drops.clone()), &[&x]).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 0, "alive while the graph is");
    drop(y);
    assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped with the graph");
}

#[test]
fn detach_cuts_the_graph_and_shares_the_data() {
    // z = detach(x * x) * x: dz/dx = x * x = 4 at x = 2, not 3 x^2 = 12.
    let x = leaf(&[2.0]);
    let y = &x * &x;
    let d = y.detach();
    assert!(y.requires_grad() && !d.requires_grad());
    assert_eq!(d.grad_fn_name(), None);
    (&d * &x).sum().backward();
    assert_eq!(x.grad().double_value(), 4.0);
    // The detached tensor is a view of the same data: writing it shows through y.
    let mut d = d;
    no_grad(|| {
        d.fill_scalar_(7.0);
    });
    assert_eq!(y.double_value(), 7.0);
    // zero_grad's fallible form.
    let mut x = x;
    x.f_zero_grad().unwrap();
    assert_eq!(x.grad().double_value(), 0.0);
    assert!(Tensor::default().f_zero_grad().is_err());
}
