//! Module backward hooks (`register_full_backward_hook`, `register_full_backward_pre_hook`) on
//! a Linear layer with hand-set weights: the gradients the hooks see and what replacing them
//! does, computed by hand (grad_input = grad_output @ W, W.grad = grad_output^T @ x).
use libtorch::nn::{Hooked, Linear, Module};
use libtorch::{no_grad, Error, Tensor};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

fn t(data: &[f32], shape: &[i64]) -> Tensor {
    Tensor::from_data(data, shape).unwrap()
}

fn v2(t: &Tensor) -> Vec<Vec<f32>> {
    t.to_vec2::<f32>().unwrap()
}

/// Linear(3, 2) with W = [[1, 2, 3], [4, 5, 6]], b = [0.5, -0.5].
fn layer() -> Hooked<Linear> {
    let mut fc = Linear::new(3, 2);
    fc.weight = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]).set_requires_grad(true);
    fc.bias = Some(t(&[0.5, -0.5], &[2]).set_requires_grad(true));
    Hooked::new(fc)
}

/// x = [[1, 0, -1], [2, 1, 0]]; the loss sum(y * c) makes grad_output = c = [[1, 2], [3, 4]].
fn inputs(requires_grad: bool) -> (Tensor, Tensor) {
    (
        t(&[1., 0., -1., 2., 1., 0.], &[2, 3]).set_requires_grad(requires_grad),
        t(&[1., 2., 3., 4.], &[2, 2]),
    )
}

const GRAD_INPUT: [[f32; 3]; 2] = [[9., 12., 15.], [19., 26., 33.]]; // c @ W
const GRAD_W: [[f32; 3]; 2] = [[7., 3., -1.], [10., 4., -2.]]; // c^T @ x

type Seen = Arc<Mutex<Vec<(Option<Vec<Vec<f32>>>, Vec<Vec<f32>>)>>>;

fn recorder(fc: &mut Hooked<Linear>) -> (Seen, libtorch::nn::HookId) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let id = fc.register_full_backward_hook(move |gi, go| {
        log.lock().unwrap().push((gi.map(v2), v2(go)));
        Ok(None)
    });
    (seen, id)
}

#[test]
fn full_backward_hook_sees_grad_input_and_grad_output() {
    let mut fc = layer();
    let (seen, _) = recorder(&mut fc);
    let (x, c) = inputs(true);
    let y = fc.forward(&x);
    // The forward value is the plain layer's.
    assert_eq!(v2(&y), [[-1.5, -2.5], [4.5, 12.5]]);
    (&y * &c).sum().backward();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "once per backward");
    assert_eq!(seen[0].0.as_ref().unwrap(), &GRAD_INPUT);
    assert_eq!(seen[0].1, [[1., 2.], [3., 4.]]);
    // Observing changes nothing.
    assert_eq!(v2(&x.grad()), GRAD_INPUT);
    assert_eq!(v2(&fc.module.weight.grad()), GRAD_W);
}

#[test]
fn full_backward_hooks_replace_grad_input_in_order() {
    let mut fc = layer();
    let order = Arc::new(Mutex::new(Vec::new()));
    let o1 = order.clone();
    fc.register_full_backward_hook(move |gi, _go| {
        o1.lock().unwrap().push(1);
        Ok(Some(gi.unwrap() * 10.0))
    });
    let o2 = order.clone();
    fc.register_full_backward_hook(move |gi, _go| {
        o2.lock().unwrap().push(2);
        // The second hook sees the first one's replacement.
        assert_eq!(gi.unwrap().to_vec2::<f32>().unwrap()[0][0], 90.0);
        Ok(Some(gi.unwrap() + 1.0))
    });
    let (x, c) = inputs(true);
    (&fc.forward(&x) * &c).sum().backward();
    assert_eq!(*order.lock().unwrap(), [1, 2]);
    let want: Vec<Vec<f32>> = GRAD_INPUT
        .iter()
        .map(|r| r.iter().map(|g| g * 10.0 + 1.0).collect())
        .collect();
    assert_eq!(v2(&x.grad()), want);
    // The parameters' gradients do not pass through the input: unchanged.
    assert_eq!(v2(&fc.module.weight.grad()), GRAD_W);
}

#[test]
fn backward_pre_hook_replaces_grad_output() {
    let mut fc = layer();
    let pre_seen = Arc::new(Mutex::new(Vec::new()));
    let log = pre_seen.clone();
    fc.register_full_backward_pre_hook(move |go| {
        log.lock().unwrap().push(v2(go));
        Ok(Some(go * 2.0))
    });
    let (seen, _) = recorder(&mut fc);
    let (x, c) = inputs(true);
    (&fc.forward(&x) * &c).sum().backward();
    assert_eq!(
        *pre_seen.lock().unwrap(),
        [vec![vec![1., 2.], vec![3., 4.]]]
    );
    let doubled = |m: [[f32; 3]; 2]| -> Vec<Vec<f32>> {
        m.iter()
            .map(|r| r.iter().map(|g| g * 2.0).collect())
            .collect()
    };
    // Everything downstream of the output sees 2c.
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].1, [[2., 4.], [6., 8.]]);
    assert_eq!(seen[0].0.as_ref().unwrap(), &doubled(GRAD_INPUT));
    assert_eq!(v2(&x.grad()), doubled(GRAD_INPUT));
    assert_eq!(v2(&fc.module.weight.grad()), doubled(GRAD_W));
    assert_eq!(
        fc.module
            .bias
            .as_ref()
            .unwrap()
            .grad()
            .to_vec::<f32>()
            .unwrap(),
        [8., 12.]
    );
}

#[test]
fn input_without_grad_gives_none_and_refuses_a_replacement() {
    let mut fc = layer();
    let (seen, id) = recorder(&mut fc);
    let (x, c) = inputs(false);
    (&fc.forward(&x) * &c).sum().backward();
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].0, None);
        assert_eq!(seen[0].1, [[1., 2.], [3., 4.]]);
    }
    assert_eq!(v2(&fc.module.weight.grad()), GRAD_W);
    assert!(fc.remove_hook(id));
    fc.register_full_backward_hook(|_gi, go| Ok(Some(go.shallow_clone())));
    let e = (&fc.forward(&x) * &c)
        .sum()
        .backward_with(None, false, false)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("Backward hook for Modules where no input requires gradient"),
        "{e}"
    );
}

#[test]
fn removed_hooks_and_no_grad_forwards_run_nothing() {
    let mut fc = layer();
    let calls = Arc::new(AtomicUsize::new(0));
    let c1 = calls.clone();
    let full = fc.register_full_backward_hook(move |_, _| {
        c1.fetch_add(1, Ordering::SeqCst);
        Ok(None)
    });
    let c2 = calls.clone();
    let pre = fc.register_full_backward_pre_hook(move |_| {
        c2.fetch_add(1, Ordering::SeqCst);
        Ok(None)
    });
    let (x, c) = inputs(true);
    // Under no_grad nothing is hooked, and the output is the plain one.
    let y = no_grad(|| fc.forward(&x));
    assert!(!y.requires_grad());
    (&fc.forward(&x) * &c).sum().backward();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(fc.remove_hook(full));
    assert!(fc.remove_hook(pre));
    assert!(!fc.remove_hook(pre));
    (&fc.forward(&x) * &c).sum().backward();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn hook_errors_and_panics_fail_the_backward_pass() {
    let mut fc = layer();
    fc.register_full_backward_hook(|_, _| {
        Err(Error::InvalidArgument {
            op: "my_hook",
            message: "refused".into(),
        })
    });
    let (x, c) = inputs(true);
    let e = (&fc.forward(&x) * &c)
        .sum()
        .backward_with(None, false, false)
        .unwrap_err();
    assert!(e.to_string().contains("refused"), "{e}");

    let mut fc = layer();
    fc.register_full_backward_pre_hook(|_| panic!("boom"));
    let e = (&fc.forward(&x) * &c)
        .sum()
        .backward_with(None, false, false)
        .unwrap_err();
    assert!(matches!(e, Error::CallbackPanic { .. }), "{e}");
}

#[test]
fn forward_hooks_and_backward_hooks_together() {
    // Forward pre-hook scales the input by 2: grad_input is with respect to the scaled input
    // (the module's own input), as in PyTorch where the backward hook wraps the args after
    // the forward pre-hooks ran.
    let mut fc = layer();
    fc.register_forward_pre_hook(|_m, x| Ok(Some(x * 2.0)));
    let (seen, _) = recorder(&mut fc);
    let (x, c) = inputs(true);
    (&fc.forward(&x) * &c).sum().backward();
    assert_eq!(seen.lock().unwrap()[0].0.as_ref().unwrap(), &GRAD_INPUT);
    let twice: Vec<Vec<f32>> = GRAD_INPUT
        .iter()
        .map(|r| r.iter().map(|g| g * 2.0).collect())
        .collect();
    assert_eq!(v2(&x.grad()), twice);
}
