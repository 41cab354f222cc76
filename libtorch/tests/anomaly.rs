//! Anomaly mode (`torch.autograd.set_detect_anomaly`). It is process-wide, so these tests have
//! their own binary (any other autograd test's backward would run checked while one of these has
//! it on), and inside it each holds [`anomaly_mode`], which also switches it off again when the
//! test ends, even by a panic.
use libtorch::autograd;
use libtorch::Tensor;
use std::sync::{Mutex, MutexGuard};

/// Held while a test reads or sets anomaly mode; restores it to off when dropped.
struct AnomalyMode(#[allow(dead_code)] MutexGuard<'static, ()>);

impl Drop for AnomalyMode {
    fn drop(&mut self) {
        autograd::set_detect_anomaly(false);
    }
}

fn anomaly_mode() -> AnomalyMode {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    assert!(
        !autograd::is_anomaly_enabled(),
        "anomaly mode is off by default and after every test"
    );
    AnomalyMode(guard)
}

fn leaf(v: &[f64]) -> Tensor {
    Tensor::from_slice(v).set_requires_grad(true)
}

#[test]
fn anomaly_mode_toggles_for_the_whole_process() {
    let _mode = anomaly_mode();
    autograd::set_detect_anomaly(true);
    assert!(autograd::is_anomaly_enabled());
    // Process-wide, unlike grad mode: another thread sees it.
    assert!(std::thread::spawn(autograd::is_anomaly_enabled)
        .join()
        .unwrap());
    autograd::set_detect_anomaly(false);
    assert!(!autograd::is_anomaly_enabled());
    assert!(!std::thread::spawn(autograd::is_anomaly_enabled)
        .join()
        .unwrap());
}

#[test]
fn anomaly_mode_names_the_backward_that_made_nan() {
    let _mode = anomaly_mode();
    // d/dx sqrt(x) = 1 / (2 sqrt(x)) is NaN at x = -1. Without anomaly mode the NaN is simply
    // accumulated; with it, backward fails naming the node, as PyTorch's detect_anomaly does.
    let x = leaf(&[-1.0]);
    x.sqrt().sum().backward();
    assert!(x.grad().double_value().is_nan());
    autograd::set_detect_anomaly(true);
    let x = leaf(&[-1.0]);
    let err = x
        .sqrt()
        .sum()
        .backward_with(None, false, false)
        .unwrap_err();
    let msg = err.to_string();
    assert_eq!(
        msg.lines().next().unwrap(),
        "backward: Function 'SqrtBackward0' returned nan values in its 0th output.",
        "{msg}"
    );
    // Finite gradients still flow with it on: d/dx sqrt(x) at 4 is 1/4.
    let y = leaf(&[4.0]);
    y.sqrt().sum().backward();
    assert_eq!(y.grad().double_value(), 0.25);
}
