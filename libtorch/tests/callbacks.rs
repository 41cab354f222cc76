//! Panics never cross FFI: a panic (or an error) inside Rust code that libtorch calls back — a
//! custom autograd function's forward or backward — comes back as an `Err`, the process and
//! libtorch carry on, and every callback's state is dropped exactly once.
use libtorch::autograd::{self, Ctx, Function};
use libtorch::{is_grad_enabled, Error, Result, Tensor};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn leaf(v: &[f64]) -> Tensor {
    Tensor::from_slice(v).set_requires_grad(true)
}

fn ones(n: usize) -> Tensor {
    Tensor::from_slice(&vec![1.0f64; n])
}

/// Which callback panics, and how.
#[derive(Clone, Copy)]
enum Panic {
    Forward,
    Backward,
    BackwardNonString,
}

struct Panicky(Panic);

impl Function for Panicky {
    fn forward(&mut self, _ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        if let Panic::Forward = self.0 {
            panic!("forward panic {}", 7);
        }
        Ok(vec![&inputs[0] * 2.0f64])
    }
    fn backward(&self, _ctx: &mut Ctx, _grads: &[Tensor]) -> Result<Vec<Tensor>> {
        match self.0 {
            Panic::BackwardNonString => std::panic::panic_any(42u32),
            _ => panic!("backward panic"),
        }
    }
}

fn callback_panic(err: Error) -> (&'static str, String) {
    match err {
        Error::CallbackPanic { op, message } => (op, message),
        other => panic!("expected CallbackPanic, got {other:?}"),
    }
}

#[test]
fn panic_in_custom_forward_is_a_callback_panic_error() {
    let x = leaf(&[1.0]);
    let err = autograd::apply(Panicky(Panic::Forward), &[&x]).unwrap_err();
    let (op, message) = callback_panic(err);
    assert_eq!(op, "custom function");
    assert_eq!(message, "forward panic 7");
    // libtorch ran the forward with grad mode off; its C++ guard restored it while unwinding.
    assert!(is_grad_enabled());
    let y = &x * 4.0f64;
    y.backward();
    assert_eq!(x.grad().double_value(), 4.0);
}

#[test]
fn panic_in_custom_backward_is_a_callback_panic_error() {
    let x = leaf(&[1.0, 2.0]);
    let y = autograd::apply(Panicky(Panic::Backward), &[&x]).unwrap();
    assert_eq!(y[0].to_vec::<f64>().unwrap(), [2.0, 4.0]);
    let err = y[0].backward_with(Some(&ones(2)), true, false).unwrap_err();
    assert_eq!(
        callback_panic(err),
        ("backward", "backward panic".to_owned())
    );
    // Through autograd::grad too, on the retained graph.
    let err = autograd::grad(&[&y[0]], &[&x], &[&ones(2)], false, false, false).unwrap_err();
    assert_eq!(callback_panic(err), ("grad", "backward panic".to_owned()));
    assert!(!x.grad().defined(), "a failed backward accumulates nothing");
}

#[test]
fn panic_with_a_non_string_payload_is_reported() {
    let x = leaf(&[1.0]);
    let y = autograd::apply(Panicky(Panic::BackwardNonString), &[&x]).unwrap();
    let err = y[0].backward_with(None, false, false).unwrap_err();
    let (_, message) = callback_panic(err);
    assert_eq!(message, "a panic with a non-string payload");
}

struct Fails;

impl Function for Fails {
    fn forward(&mut self, _ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![&inputs[0] * 1.0f64])
    }
    fn backward(&self, _ctx: &mut Ctx, grads: &[Tensor]) -> Result<Vec<Tensor>> {
        // A libtorch error inside the callback: a shape mismatch.
        Ok(vec![grads[0].f_matmul(&ones(3))?])
    }
}

#[test]
fn an_error_returned_by_a_callback_is_a_torch_error_not_a_panic() {
    let x = leaf(&[1.0, 2.0]);
    let y = autograd::apply(Fails, &[&x]).unwrap();
    let err = y[0]
        .backward_with(Some(&ones(2)), false, false)
        .unwrap_err();
    assert!(matches!(err, Error::Torch { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("custom function backward"), "{msg}");
    assert!(msg.contains("matmul"), "{msg}");
}

/// Counts its drops; optionally panics in `Drop`.
struct DropProbe {
    drops: Arc<AtomicUsize>,
    panic_on_drop: bool,
}

impl Drop for DropProbe {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.panic_on_drop {
            panic!("panic in Drop of a callback's state");
        }
    }
}

/// Doubles its input; holds a probe only to observe when libtorch drops it.
struct Doubles(#[allow(dead_code)] DropProbe);

impl Function for Doubles {
    fn forward(&mut self, _ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![&inputs[0] * 2.0f64])
    }
    fn backward(&self, _ctx: &mut Ctx, grads: &[Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![&grads[0] * 2.0f64])
    }
}

#[test]
fn a_function_is_dropped_once_with_its_graph_even_if_its_drop_panics() {
    for panic_on_drop in [false, true] {
        let drops = Arc::new(AtomicUsize::new(0));
        let probe = DropProbe {
            drops: drops.clone(),
            panic_on_drop,
        };
        let x = leaf(&[3.0]);
        let y = autograd::apply(Doubles(probe), &[&x]).unwrap();
        y[0].backward();
        assert_eq!(x.grad().double_value(), 2.0);
        assert_eq!(drops.load(Ordering::SeqCst), 0, "the graph node holds it");
        drop(y); // the last reference to the node: the function is dropped (from C++)
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }
    // Also when apply fails before any node exists (an undefined input).
    let drops = Arc::new(AtomicUsize::new(0));
    let probe = DropProbe {
        drops: drops.clone(),
        panic_on_drop: true,
    };
    let err = autograd::apply(Doubles(probe), &[&Tensor::default()]).unwrap_err();
    assert!(err.to_string().contains("undefined"), "{err}");
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}
