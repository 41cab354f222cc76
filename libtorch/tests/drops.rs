//! `Drop` never panics, whatever state a handle is in: undefined, moved out through the raw
//! handle and back, the last owner of a graph (also of a failed backward), dropped during a panic,
//! on another thread, or after the tensor it came from.
use libtorch::autograd::{self, Ctx, Function};
use libtorch::{is_grad_enabled, no_grad, Generator, Kind, NoGradGuard, Result, Storage, Tensor};

fn leaf(v: &[f64]) -> Tensor {
    Tensor::from_slice(v).set_requires_grad(true)
}

#[test]
fn undefined_and_raw_round_tripped_handles_drop() {
    drop(Tensor::default());
    let t = Tensor::from_slice(&[1i64, 2]);
    let u = t.shallow_clone();
    // SAFETY: `into_raw` gives up the one reference `from_raw` takes back.
    let back = unsafe { Tensor::from_raw(t.into_raw()) };
    drop(back);
    assert_eq!(
        u.to_vec::<i64>().unwrap(),
        [1, 2],
        "the other handle is intact"
    );
    // SAFETY: an undefined handle's raw value is null, which `from_raw` accepts.
    drop(unsafe { Tensor::from_raw(Tensor::default().into_raw()) });
}

#[test]
fn graphs_drop_in_any_order_also_after_a_failed_backward() {
    // Leaf first, then the output that still holds the graph.
    let x = leaf(&[2.0]);
    let y = &(&x * &x) * 3.0f64;
    drop(x);
    assert_eq!(y.double_value(), 12.0);
    drop(y);

    // A graph whose backward failed (non-scalar output without a gradient), then dropped.
    let x = leaf(&[1.0, 2.0]);
    let y = &x * 2.0f64;
    assert!(y.backward_with(None, false, false).is_err());
    drop(y);
    drop(x);

    // A graph freed by backward, then a second backward fails, then everything drops.
    let x = leaf(&[3.0]);
    let y = &x * &x;
    y.backward();
    assert!(y.backward_with(None, false, false).is_err());
    assert_eq!(x.grad().double_value(), 6.0);
    drop(x);
    drop(y);
}

struct Identity;

impl Function for Identity {
    fn forward(&mut self, ctx: &mut Ctx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        let out = &inputs[0] * 1.0f64;
        // Saving an output: the node refers to its own output, a cycle autograd must break.
        ctx.save_for_backward(&[&out])?;
        Ok(vec![out])
    }
    fn backward(&self, _ctx: &mut Ctx, grads: &[Tensor]) -> Result<Vec<Tensor>> {
        Ok(vec![grads[0].shallow_clone()])
    }
}

#[test]
fn custom_function_graphs_drop_without_backward() {
    for _ in 0..100 {
        let x = leaf(&[1.0]);
        let y = autograd::apply(Identity, &[&x]).unwrap();
        drop(x);
        drop(y);
    }
}

#[test]
fn handles_drop_while_unwinding_from_a_panic() {
    let r = std::panic::catch_unwind(|| {
        let x = leaf(&[1.0]);
        let _y = &x * 2.0f64;
        let _guard = NoGradGuard::new();
        let _g = Generator::cpu(7).unwrap();
        let _s = Storage::of(&x).unwrap();
        let _e = x.f_matmul(&Tensor::from_slice(&[1.0f64, 2.0]));
        panic!("unwinding over live handles");
    });
    assert!(r.is_err());
    assert!(
        is_grad_enabled(),
        "the guard restored grad mode while unwinding"
    );
}

#[test]
fn handles_drop_on_another_thread() {
    let x = leaf(&[1.0, 2.0]);
    let y = &x * &x;
    let s = Storage::of(&x).unwrap();
    let g = Generator::cpu(1).unwrap();
    std::thread::spawn(move || {
        drop(y);
        drop(s);
        drop(g);
    })
    .join()
    .unwrap();
    assert_eq!(x.to_vec::<f64>().unwrap(), [1.0, 2.0]);
}

#[test]
fn storage_outlives_its_tensor() {
    let t = Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
    let s = Storage::of(&t).unwrap();
    drop(t);
    assert_eq!(s.nbytes().unwrap(), 12);
    drop(s);
}

#[test]
fn tensor_view_drops_after_its_handle_was_swapped_out() {
    let mut buf = [1.0f64, 2.0];
    let taken;
    {
        let mut v = Tensor::from_blob_mut(&mut buf, &[2]).unwrap();
        // Swap the view's handle for an undefined one: the view's drop must still release the
        // borrowed memory safely (the escaped handle gets a copy).
        taken = std::mem::take(&mut *v);
        assert!(!v.defined());
    }
    buf[0] = -1.0;
    assert_eq!(buf, [-1.0, 2.0]);
    assert_eq!(taken.to_vec::<f64>().unwrap(), [1.0, 2.0]);
    // A view with a live graph on it (grad recorded through the borrowed memory).
    let mut buf = [3.0f64];
    let y;
    let x;
    {
        let v = Tensor::from_blob_mut(&mut buf, &[1]).unwrap();
        x = v.shallow_clone().set_requires_grad(true);
        y = &x * &x;
    }
    buf[0] = 100.0;
    assert_eq!(buf, [100.0]);
    y.backward();
    assert_eq!(
        x.grad().double_value(),
        6.0,
        "the graph kept its own copy of 3.0"
    );
    assert_eq!(no_grad(|| y.double_value()), 9.0);
}

#[test]
fn an_out_kernel_that_rebinds_its_out_leaves_the_callers_tensor_alive() {
    // The quantized std.out ends with `result = at::quantize_per_tensor(...)`: it rebinds its
    // out argument instead of writing into it. The shim's own reference absorbs that (it used
    // to drop the caller's and free the tensor under `out`, found by the fuzz under memcheck);
    // `out` keeps its value and the returned tensor holds the result.
    let q = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0])
        .f_quantize_per_tensor(0.25, 0, Kind::QInt8)
        .unwrap();
    let mut out = Tensor::from_slice(&[7.0f32]);
    let std = q.f_std_correction_out_with(0, 1, false, &mut out).unwrap();
    assert_eq!(out.to_vec::<f32>().unwrap(), [7.0]);
    // The sample standard deviation of 1..=4 is 1.29, quantized at 0.25 to 1.25.
    assert_eq!(
        std.f_dequantize_self().unwrap().to_vec::<f32>().unwrap(),
        [1.25]
    );
}
