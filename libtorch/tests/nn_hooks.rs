//! Tensor gradient hooks, module forward hooks and gradient checkpointing: values computed by
//! hand or by the same computation without the hook/checkpoint, bit for bit.
use libtorch::nn::{Dropout, Hooked, Linear, Module, Sequential, Tanh};
use libtorch::utils::checkpoint::{checkpoint, get_rng_state, set_rng_state};
use libtorch::{Error, Kind, Tensor};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

fn refuse(op: &'static str, message: &str) -> Error {
    Error::InvalidArgument {
        op,
        message: message.to_owned(),
    }
}

/// Tests that seed or draw from the global generator hold this lock.
fn global_rng() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

fn v(t: &Tensor) -> Vec<f32> {
    t.to_vec::<f32>().unwrap()
}

#[test]
fn tensor_hooks_see_and_replace_gradients() {
    let x = Tensor::from_slice(&[1.0f32, -2.0, 3.0]).set_requires_grad(true);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let observe = x
        .register_hook(move |g| {
            log.lock().unwrap().push(g.to_vec::<f32>().unwrap());
            Ok(None)
        })
        .unwrap();
    let double = x.register_hook(|g| Ok(Some(g * 2.0))).unwrap();
    (&x * &x).sum().backward();
    // The first hook saw 2x; the second doubled it.
    assert_eq!(*seen.lock().unwrap(), [vec![2.0, -4.0, 6.0]]);
    assert_eq!(v(&x.grad()), [4.0, -8.0, 12.0]);
    double.remove().unwrap();
    observe.remove().unwrap();
    let mut x2 = x.shallow_clone();
    x2.zero_grad();
    (&x * &x).sum().backward();
    assert_eq!(v(&x.grad()), [2.0, -4.0, 6.0]);
    assert_eq!(seen.lock().unwrap().len(), 1);

    // A hook on an intermediate tensor changes what flows to the leaves.
    let a = Tensor::from_slice(&[1.0f32, 2.0]).set_requires_grad(true);
    let h = &a * 3.0;
    let _keep = h.register_hook(|g| Ok(Some(g.zeros_like() + 1.0))).unwrap();
    (&h * &h).sum().backward();
    assert_eq!(v(&a.grad()), [3.0, 3.0]); // d(sum h²)/dh replaced by 1, times dh/da = 3
}

#[test]
fn tensor_hook_errors_fail_the_backward_pass() {
    let plain = Tensor::from_slice(&[1.0f32]);
    assert!(plain.register_hook(|_| Ok(None)).is_err());
    let x = Tensor::from_slice(&[1.0f32]).set_requires_grad(true);
    let _h = x
        .register_hook(|_| Err(refuse("my_hook", "refused")))
        .unwrap();
    let e = (&x * 2.0)
        .sum()
        .backward_with(None, false, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("refused"), "{e}");
    let y = Tensor::from_slice(&[1.0f32]).set_requires_grad(true);
    let _p = y.register_hook(|_| panic!("boom")).unwrap();
    let e = (&y * 2.0)
        .sum()
        .backward_with(None, false, false)
        .unwrap_err();
    assert!(matches!(e, Error::CallbackPanic { .. }), "{e}");
    assert!(e.to_string().contains("boom"));
}

#[test]
fn tensor_hook_closure_is_dropped_with_its_tensor() {
    struct Flag(Arc<AtomicUsize>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicUsize::new(0));
    {
        let x = Tensor::from_slice(&[1.0f32]).set_requires_grad(true);
        let flag = Flag(dropped.clone());
        let h = x
            .register_hook(move |_| {
                let _ = &flag;
                Ok(None)
            })
            .unwrap();
        h.remove().unwrap();
    }
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

#[test]
fn module_forward_hooks_run_in_order() {
    let _rng = global_rng();
    let mut fc = Hooked::new(Linear::new(2, 2));
    let x = Tensor::from_data(&[1.0f32, 2.0], &[1, 2]).unwrap();
    let plain = fc.forward(&x);
    let pre = fc.register_forward_pre_hook(|_m, x| Ok(Some(x * 2.0)));
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let post = fc.register_forward_hook(move |m, input, out| {
        c.fetch_add(1, Ordering::SeqCst);
        // The hook sees the input after the pre-hook.
        assert_eq!(input.to_vec::<f32>().unwrap(), [2.0, 4.0]);
        Ok(Some(out - m.bias.as_ref().unwrap()))
    });
    let y = fc.forward(&x);
    let want = fc.module.forward(&(&x * 2.0)) - fc.module.bias.as_ref().unwrap();
    assert_eq!(v(&y), v(&want));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(fc.remove_hook(pre));
    assert!(fc.remove_hook(post));
    assert!(!fc.remove_hook(post));
    assert_eq!(v(&fc.forward(&x)), v(&plain));
    // Errors from hooks are the forward pass's.
    fc.register_forward_pre_hook(|_m, _x| Err(refuse("hook", "no input today")));
    assert!(fc.f_forward(&x).is_err());
    assert_eq!(fc.named_parameters().len(), 2);
}

#[test]
fn checkpoint_gives_the_same_outputs_and_gradients() {
    let _rng = global_rng();
    libtorch::manual_seed(7);
    let net = Arc::new(Mutex::new(
        Sequential::new()
            .add(Linear::new(4, 8))
            .add(Tanh)
            .add(Dropout::new(0.5))
            .add(Linear::new(8, 3)),
    ));
    let x = Tensor::from_data(
        &(0..8).map(|i| (i as f32 * 0.37).sin()).collect::<Vec<_>>(),
        &[2, 4],
    )
    .unwrap()
    .set_requires_grad(true);
    let params = net.lock().unwrap().parameters();

    // Plain run: outputs and gradients from a fixed generator state.
    let state = get_rng_state().unwrap();
    assert_eq!(state.kind(), Kind::Uint8);
    let y_plain = net.lock().unwrap().forward(&x);
    y_plain.square().sum().backward();
    let want_x = x.grad().detach().deep_clone();
    let want_p: Vec<Tensor> = params
        .iter()
        .map(|p| p.grad().detach().deep_clone())
        .collect();
    let mut xs = x.shallow_clone();
    xs.zero_grad();
    for p in &params {
        p.shallow_clone().zero_grad();
    }

    // Checkpointed run from the same state; the generator moves on between forward and
    // backward, and the recomputation still draws the same dropout mask.
    set_rng_state(&state).unwrap();
    let n = net.clone();
    let y = checkpoint(move |xs| Ok(vec![n.lock().unwrap().forward(&xs[0])]), &[&x]).unwrap();
    assert_eq!(y[0].to_bytes().unwrap(), y_plain.to_bytes().unwrap());
    let _advance = Tensor::randn(&[10]);
    y[0].square().sum().backward();
    assert_eq!(x.grad().to_bytes().unwrap(), want_x.to_bytes().unwrap());
    for (p, w) in params.iter().zip(&want_p) {
        assert_eq!(p.grad().to_bytes().unwrap(), w.to_bytes().unwrap());
    }
    assert!(set_rng_state(&Tensor::from_slice(&[1.0f32])).is_err());
}

#[test]
fn checkpoint_errors_are_reported() {
    let x = Tensor::from_slice(&[1.0f32]).set_requires_grad(true);
    let e = checkpoint(|_| Err(refuse("f", "bad")), &[&x]).unwrap_err();
    assert!(e.to_string().contains("bad"), "{e}");
    // An output that does not depend on the inputs' graph.
    let y = checkpoint(|_| Ok(vec![Tensor::from_slice(&[2.0f32])]), &[&x]).unwrap();
    assert!(y[0].sum().backward_with(None, false, false).is_err());
}
