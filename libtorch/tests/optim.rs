//! Optimizers against PyTorch's documented update rules, computed here in f64, on the loss
//! Σ θ² (gradient 2θ); schedulers against their closed forms; clipping; optimizer state.
use libtorch::nn::functional as F;
use libtorch::nn::Reduction;
use libtorch::optim::*;
use libtorch::{IValue, Tensor};

const START: [f32; 2] = [1.0, -2.0];

fn param() -> Tensor {
    Tensor::from_slice(&START).set_requires_grad(true)
}

fn loss_backward(p: &Tensor) {
    let zero = Tensor::from_slice(&[0.0f32, 0.0]);
    F::mse_loss_with(p, &zero, Reduction::Sum, None).backward();
}

/// Runs `steps` optimizer steps and the reference update `r(θ, g, t)` side by side.
fn check(
    opt: &mut dyn Optimizer,
    p: &Tensor,
    steps: usize,
    mut r: impl FnMut(&mut [f64; 2], [f64; 2], usize),
) {
    let mut theta = START.map(f64::from);
    for step in 1..=steps {
        opt.zero_grad();
        loss_backward(p);
        opt.step().unwrap();
        let g = theta.map(|x| 2.0 * x);
        r(&mut theta, g, step);
        let got = p.to_vec::<f32>().unwrap();
        for k in 0..2 {
            assert!(
                (got[k] as f64 - theta[k]).abs() < 1e-5,
                "step {step}: {got:?} vs {theta:?}"
            );
        }
    }
}

#[test]
fn sgd_plain() {
    let p = param();
    let mut opt = Sgd::new(vec![p.clone()], 0.1);
    check(&mut opt, &p, 3, |th, g, _| {
        for k in 0..2 {
            th[k] -= 0.1 * g[k];
        }
    });
}

#[test]
fn sgd_momentum_dampening_weight_decay() {
    let p = param();
    let o = SgdOptions::new(0.05)
        .momentum(0.9)
        .dampening(0.1)
        .weight_decay(0.01);
    let mut opt = Sgd::with_options(vec![p.clone()], o);
    let mut buf = [0.0; 2];
    check(&mut opt, &p, 4, |th, g, t| {
        for k in 0..2 {
            let d = g[k] + 0.01 * th[k];
            buf[k] = if t == 1 {
                d
            } else {
                0.9 * buf[k] + (1.0 - 0.1) * d
            };
            th[k] -= 0.05 * buf[k];
        }
    });
}

#[test]
fn sgd_nesterov() {
    let p = param();
    let mut opt = Sgd::with_options(
        vec![p.clone()],
        SgdOptions::new(0.05).momentum(0.9).nesterov(true),
    );
    let mut buf = [0.0; 2];
    check(&mut opt, &p, 4, |th, g, t| {
        for k in 0..2 {
            buf[k] = if t == 1 { g[k] } else { 0.9 * buf[k] + g[k] };
            th[k] -= 0.05 * (g[k] + 0.9 * buf[k]);
        }
    });
    // Nesterov without momentum is rejected when the optimizer is made, as in PyTorch.
    let q = param();
    assert!(Sgd::f_with_options(vec![q.clone()], SgdOptions::new(0.1).nesterov(true)).is_err());
}

fn adam_ref(
    lr: f64,
    wd: f64,
    decoupled: bool,
    amsgrad: bool,
) -> impl FnMut(&mut [f64; 2], [f64; 2], usize) {
    let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
    let mut m = [0.0; 2];
    let mut v = [0.0; 2];
    let mut vmax = [0.0f64; 2];
    move |th, g, t| {
        for k in 0..2 {
            let mut g = g[k];
            if decoupled {
                th[k] *= 1.0 - lr * wd;
            } else {
                g += wd * th[k];
            }
            m[k] = b1 * m[k] + (1.0 - b1) * g;
            v[k] = b2 * v[k] + (1.0 - b2) * g * g;
            let mhat = m[k] / (1.0 - b1.powi(t as i32));
            vmax[k] = vmax[k].max(v[k]);
            let vv = if amsgrad { vmax[k] } else { v[k] };
            let vhat = vv / (1.0 - b2.powi(t as i32));
            th[k] -= lr * mhat / (vhat.sqrt() + eps);
        }
    }
}

#[test]
fn adam_and_amsgrad() {
    let p = param();
    let mut opt = Adam::with_options(vec![p.clone()], AdamOptions::new(0.1).weight_decay(0.1));
    check(&mut opt, &p, 5, adam_ref(0.1, 0.1, false, false));
    let st = opt.param_state(0, 0).unwrap();
    assert_eq!(st.step, 5);
    assert!(st.buffers.contains_key("exp_avg") && st.buffers.contains_key("exp_avg_sq"));
    let p = param();
    let mut opt = Adam::with_options(vec![p.clone()], AdamOptions::new(0.1).amsgrad(true));
    check(&mut opt, &p, 5, adam_ref(0.1, 0.0, false, true));
}

#[test]
fn adamw_decoupled_decay() {
    let p = param();
    let mut opt = AdamW::new(vec![p.clone()], 0.1);
    check(&mut opt, &p, 5, adam_ref(0.1, 0.01, true, false));
}

#[test]
fn rmsprop_plain_and_centered_momentum() {
    let p = param();
    let mut opt = RmsProp::new(vec![p.clone()], 0.01);
    let mut sq = [0.0; 2];
    check(&mut opt, &p, 4, |th, g, _| {
        for k in 0..2 {
            sq[k] = 0.99 * sq[k] + 0.01 * g[k] * g[k];
            th[k] -= 0.01 * g[k] / (sq[k].sqrt() + 1e-8);
        }
    });
    let p = param();
    let o = RmsPropOptions::new(0.01)
        .alpha(0.9)
        .centered(true)
        .momentum(0.5)
        .weight_decay(0.1);
    let mut opt = RmsProp::with_options(vec![p.clone()], o);
    let (mut sq, mut ga, mut buf) = ([0.0; 2], [0.0; 2], [0.0; 2]);
    check(&mut opt, &p, 4, |th, g, _| {
        for k in 0..2 {
            let g = g[k] + 0.1 * th[k];
            sq[k] = 0.9 * sq[k] + 0.1 * g * g;
            ga[k] = 0.9 * ga[k] + 0.1 * g;
            let avg = (sq[k] - ga[k] * ga[k]).sqrt() + 1e-8;
            buf[k] = 0.5 * buf[k] + g / avg;
            th[k] -= 0.01 * buf[k];
        }
    });
}

#[test]
fn adagrad_with_lr_decay() {
    let p = param();
    let o = AdagradOptions::new(0.5)
        .lr_decay(0.1)
        .initial_accumulator_value(0.2);
    let mut opt = Adagrad::with_options(vec![p.clone()], o);
    let mut sum = [0.2; 2];
    check(&mut opt, &p, 4, |th, g, t| {
        let clr = 0.5 / (1.0 + (t - 1) as f64 * 0.1);
        for k in 0..2 {
            sum[k] += g[k] * g[k];
            th[k] -= clr * g[k] / (sum[k].sqrt() + 1e-10);
        }
    });
}

#[test]
fn param_groups_have_their_own_rates_and_skip_params_without_grad() {
    let a = param();
    let b = param();
    let untouched = param();
    let mut opt = Sgd::new(vec![a.clone()], 0.1);
    opt.add_param_group(vec![b.clone(), untouched.clone()], SgdOptions::new(0.2));
    assert_eq!(opt.learning_rates(), [0.1, 0.2]);
    loss_backward(&a);
    loss_backward(&b);
    opt.step().unwrap();
    assert_eq!(a.to_vec::<f32>().unwrap(), [0.8, -1.6]);
    assert_eq!(b.to_vec::<f32>().unwrap(), [0.6, -1.2]);
    assert_eq!(untouched.to_vec::<f32>().unwrap(), START);
    opt.zero_grad();
    assert!(!a.grad().defined());
}

#[test]
fn optimizer_state_dict_round_trip() {
    let p = param();
    let mut opt = Adam::new(vec![p.clone()], 0.1);
    for _ in 0..3 {
        opt.zero_grad();
        loss_backward(&p);
        opt.step().unwrap();
    }
    // torch.optim's layout: per-parameter state by index, and the param groups.
    let sd = opt.state_dict().unwrap();
    let st = &sd.get("state").unwrap().as_dict().unwrap()[0];
    assert_eq!(st.0.as_int(), Some(0));
    let names: Vec<&str> =
        st.1.as_dict()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str().unwrap())
            .collect();
    assert_eq!(names, ["step", "exp_avg", "exp_avg_sq"]);
    assert_eq!(
        st.1.get("step")
            .unwrap()
            .as_tensor()
            .unwrap()
            .double_value(),
        3.0
    );
    let group = &sd.get("param_groups").unwrap().as_slice().unwrap()[0];
    assert_eq!(group.get("lr").and_then(IValue::as_double), Some(0.1));
    assert_eq!(group.get("params").unwrap().as_slice().unwrap().len(), 1);
    // A fresh optimizer with the loaded state continues exactly like the original.
    let q = Tensor::from_slice(&p.to_vec::<f32>().unwrap()).set_requires_grad(true);
    let mut opt2 = Adam::new(vec![q.clone()], 0.5);
    opt2.load_state_dict(&sd).unwrap();
    assert_eq!(opt2.learning_rates(), [0.1]);
    opt.zero_grad();
    loss_backward(&p);
    opt.step().unwrap();
    opt2.zero_grad();
    loss_backward(&q);
    opt2.step().unwrap();
    assert_eq!(p.to_vec::<f32>().unwrap(), q.to_vec::<f32>().unwrap());
    // State for a parameter the optimizer does not have, or a group of another size.
    let mut bad = sd.clone();
    if let IValue::Dict(entries) = &mut bad {
        if let IValue::Dict(state) = &mut entries[0].1 {
            state[0].0 = IValue::Int(3);
        }
    }
    let e = opt2.load_state_dict(&bad).unwrap_err();
    assert!(e.message().contains("unknown parameter id"), "{e}");
    let mut three = Adam::new(vec![param(), param(), param()], 0.1);
    let e = three.load_state_dict(&sd).unwrap_err();
    assert!(
        e.message()
            .contains("has 1 parameters in the state dict, 3 in the optimizer"),
        "{e}"
    );
}

#[test]
fn clipping() {
    let p = param(); // grad 2θ = [2, -4], norm √20
    loss_backward(&p);
    let total = clip_grad_norm_(std::slice::from_ref(&p), 1.0, 2.0).unwrap();
    assert!((total - 20f64.sqrt()).abs() < 1e-5);
    let g = p.grad().to_vec::<f32>().unwrap();
    let c = 1.0 / (20f64.sqrt() + 1e-6);
    assert!((g[0] as f64 - 2.0 * c).abs() < 1e-6 && (g[1] as f64 + 4.0 * c).abs() < 1e-6);
    // Under the limit: unchanged.
    let q = param();
    loss_backward(&q);
    clip_grad_norm_(std::slice::from_ref(&q), 100.0, 2.0).unwrap();
    assert_eq!(q.grad().to_vec::<f32>().unwrap(), [2.0, -4.0]);
    let total = clip_grad_norm_(std::slice::from_ref(&q), 100.0, f64::INFINITY).unwrap();
    assert!((total - 4.0).abs() < 1e-6);
    clip_grad_value_(std::slice::from_ref(&q), 3.0).unwrap();
    assert_eq!(q.grad().to_vec::<f32>().unwrap(), [2.0, -3.0]);
}

fn lrs(opt: &mut dyn Optimizer, sched: &mut dyn LrScheduler, n: usize) -> Vec<f64> {
    let mut v = vec![];
    for _ in 0..n {
        v.push(opt.learning_rates()[0]);
        sched.step(opt).unwrap();
    }
    v
}

fn close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-9, "{a:?} vs {b:?}");
    }
}

#[test]
fn schedulers() {
    use std::f64::consts::PI;
    let mut opt = Sgd::new(vec![param()], 0.1);
    let mut s = StepLr::new(&mut opt, 3, 0.1);
    close(
        &lrs(&mut opt, &mut s, 7),
        &[0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001],
    );

    let mut opt = Sgd::new(vec![param()], 1.0);
    let mut s = CosineAnnealingLr::new(&mut opt, 4, 0.1);
    let expect: Vec<f64> = (0..5)
        .map(|t| 0.1 + 0.9 * (1.0 + (PI * t as f64 / 4.0).cos()) / 2.0)
        .collect();
    close(&lrs(&mut opt, &mut s, 5), &expect);

    let mut opt = Sgd::new(vec![param()], 0.5);
    let mut s = LinearWarmup::new(&mut opt, 0.25, 3);
    close(&lrs(&mut opt, &mut s, 5), &[0.125, 0.25, 0.375, 0.5, 0.5]);

    // OneCycle, 10 steps, max 1: up over steps 0..=2 (pct_start·10 - 1 = 2) from 1/25, then
    // down to 1/25/1e4 at step 9.
    let mut opt = Sgd::new(vec![param()], 0.3);
    let mut s = OneCycleLr::new(&mut opt, 1.0, 10);
    let anneal = |a: f64, b: f64, pct: f64| b + (a - b) / 2.0 * ((PI * pct).cos() + 1.0);
    let (lo, min) = (1.0 / 25.0, 1.0 / 25.0 / 1e4);
    let expect: Vec<f64> = (0..10)
        .map(|t| {
            let t = t as f64;
            if t <= 2.0 {
                anneal(lo, 1.0, t / 2.0)
            } else {
                anneal(1.0, min, (t - 2.0) / 7.0)
            }
        })
        .collect();
    let got = lrs(&mut opt, &mut s, 10);
    close(&got, &expect);
    assert!(
        (got[0] - 0.04).abs() < 1e-12
            && (got[2] - 1.0).abs() < 1e-12
            && (got[9] - 4e-6).abs() < 1e-12
    );
}

/// The arguments `torch.optim` and its schedulers refuse are refused here too, with its
/// messages, and nothing changes.
#[test]
fn optimizer_and_scheduler_arguments_are_checked() {
    let msg = |r: libtorch::Result<()>| r.unwrap_err().message().to_owned();
    let p = || vec![param()];
    let e = msg(Sgd::f_with_options(p(), SgdOptions::new(-0.1)).map(|_| ()));
    assert_eq!(e, "Invalid learning rate: -0.1");
    assert!(Sgd::f_with_options(p(), SgdOptions::new(f64::NAN)).is_err());
    let e = msg(Sgd::f_with_options(p(), SgdOptions::new(0.1).momentum(-1.0)).map(|_| ()));
    assert_eq!(e, "Invalid momentum value: -1");
    let e = msg(Sgd::f_with_options(p(), SgdOptions::new(0.1).nesterov(true)).map(|_| ()));
    assert!(e.contains("Nesterov momentum requires a momentum"), "{e}");
    let e = msg(Adam::f_with_options(p(), AdamOptions::new(0.1).betas(1.0, 0.999)).map(|_| ()));
    assert_eq!(e, "Invalid beta parameter at index 0: 1");
    let e = msg(Adam::f_with_options(p(), AdamOptions::new(0.1).eps(-1e-8)).map(|_| ()));
    assert_eq!(e, "Invalid epsilon value: -0.00000001");
    // A valid optimizer refuses a bad rate or group and keeps its rates.
    let mut opt = Sgd::new(p(), 0.1);
    assert!(opt.set_group_lr(0, f64::NAN).is_err());
    let e = msg(opt.set_group_lr(1, 0.2));
    assert_eq!(e, "group 1 of an optimizer with 1 groups");
    assert_eq!(opt.learning_rates(), [0.1]);
    // A hyper-parameter made invalid behind its back stops the next step.
    opt.param_groups_mut()[0].options.lr = -1.0;
    assert!(opt.step().is_err());
    // Schedulers.
    let mut opt = Sgd::new(p(), 0.1);
    assert!(StepLr::f_new(&mut opt, 0, 0.5).is_err());
    assert!(CosineAnnealingLr::f_new(&mut opt, 0, 0.0).is_err());
    assert!(LinearWarmup::f_new(&mut opt, f64::NAN, 3).is_err());
    assert!(LinearWarmup::f_new(&mut opt, 0.0, 3).is_err());
    assert!(OneCycleLr::f_with_options(
        &mut opt,
        &[1.0],
        10,
        scheduler::OneCycleLrOptions::default().pct_start(1.5)
    )
    .is_err());
    let mut s = OneCycleLr::new(&mut opt, 1.0, 10);
    for _ in 0..10 {
        s.step(&mut opt).unwrap();
    }
    let before = opt.learning_rates();
    let e = msg(s.step(&mut opt));
    assert_eq!(
        e,
        "Tried to step 11 times. The specified number of total steps is 10"
    );
    assert_eq!(opt.learning_rates(), before);
}

/// The newer optimizers and schedulers refuse what PyTorch refuses, with its messages, and
/// change nothing when they do.
#[test]
fn newer_optimizer_and_scheduler_arguments_are_checked() {
    use libtorch::optim::scheduler::*;
    let msg = |r: libtorch::Result<()>| r.unwrap_err().message().to_owned();
    let p = || vec![param()];
    let e = msg(NAdam::f_with_options(p(), NAdamOptions::new(-1.0)).map(drop));
    assert_eq!(e, "Invalid learning rate: -1");
    let e = msg(NAdam::f_with_options(p(), NAdamOptions::default().betas(0.9, 1.0)).map(drop));
    assert_eq!(e, "Invalid beta parameter at index 1: 1");
    let e = msg(NAdam::f_with_options(p(), NAdamOptions::default().momentum_decay(-0.5)).map(drop));
    assert_eq!(e, "Invalid momentum_decay value: -0.5");
    let e = msg(RAdam::f_with_options(p(), RAdamOptions::default().weight_decay(-1.0)).map(drop));
    assert_eq!(e, "Invalid weight_decay value: -1");
    let e = msg(Adamax::f_with_options(p(), AdamaxOptions::default().eps(-1.0)).map(drop));
    assert_eq!(e, "Invalid epsilon value: -1");
    let e = msg(Adadelta::f_with_options(p(), AdadeltaOptions::default().rho(1.5)).map(drop));
    assert_eq!(e, "Invalid rho value: 1.5");
    assert!(Adadelta::f_with_options(p(), AdadeltaOptions::default().rho(1.0)).is_ok());
    let both = AdamOptions::new(0.1).foreach(true).fused(true);
    let e = msg(Adam::f_with_options(p(), both).map(drop));
    assert_eq!(e, "`fused` and `foreach` cannot be `True` together.");
    let both = SgdOptions::new(0.1).foreach(true).fused(true);
    assert!(Sgd::f_with_options(p(), both).is_err());
    // PyTorch's defaults.
    assert_eq!(NAdamOptions::default().lr, 2e-3);
    assert_eq!(NAdamOptions::default().momentum_decay, 4e-3);
    assert_eq!(RAdamOptions::default().lr, 1e-3);
    assert_eq!(AdamaxOptions::default().lr, 2e-3);
    assert_eq!(
        (
            AdadeltaOptions::default().lr,
            AdadeltaOptions::default().rho
        ),
        (1.0, 0.9)
    );

    let mut opt = Sgd::new(p(), 0.1);
    let one: LrLambda = std::sync::Arc::new(|_| 1.0);
    let two = vec![one.clone(), one];
    let e = msg(LambdaLr::f_per_group(&mut opt, two.clone()).map(drop));
    assert_eq!(e, "Expected 1 lr_lambdas, but got 2");
    let e = MultiplicativeLr::f_per_group(&mut opt, two).unwrap_err();
    assert_eq!(
        e.to_string(),
        "MultiplicativeLR: Expected 1 lr_lambdas, but got 2"
    );
    // The functions cannot be printed; the schedule still can.
    let s = MultiplicativeLr::new(&mut opt, |_| 0.5);
    assert!(format!("{s:?}").contains("[1 lr_lambda fn(epoch) -> f64]"));
    let e = msg(LinearLr::f_with_options(&mut opt, 0.5, 1.5, 4).map(drop));
    assert!(e.starts_with("Ending multiplicative factor expected to be between 0 and 1"));
    let e = msg(CosineAnnealingWarmRestarts::f_new(&mut opt, 0, 1, 0.0).map(drop));
    assert_eq!(e, "Expected positive integer T_0, but got 0");
    let e = msg(CosineAnnealingWarmRestarts::f_new(&mut opt, 3, 0, 0.0).map(drop));
    assert_eq!(e, "Expected integer T_mult >= 1, but got 0");
    let e = msg(OneCycleLr::f_with_options(&mut opt, &[1.0], 0, Default::default()).map(drop));
    assert_eq!(e, "Expected positive integer total_steps, but got 0");
    // pct_start · total_steps = 1: PyTorch divides by zero in the first phase.
    let o = OneCycleLrOptions::default().pct_start(0.1);
    let e = msg(OneCycleLr::f_with_options(&mut opt, &[1.0], 10, o).map(drop));
    assert!(e.starts_with("float division by zero"), "{e}");
    let e =
        msg(CyclicLr::f_with_options(&mut opt, &[0.1, 0.2], &[1.0], Default::default()).map(drop));
    assert_eq!(
        e,
        "base_lr must have the same length as optimizer.param_groups. base_lr has 2 values, \
         param_groups has 1."
    );
    let e = msg(ReduceLrOnPlateau::f_with_options(
        &opt,
        ReduceLrOnPlateauOptions::default().factor(1.0),
    )
    .map(drop));
    assert_eq!(e, "Factor should be < 1.0.");
    let e = msg(ReduceLrOnPlateau::f_with_options(
        &opt,
        ReduceLrOnPlateauOptions::default().min_lrs(vec![0.0, 0.0]),
    )
    .map(drop));
    assert_eq!(e, "expected 1 min_lrs, got 2");
    let e = msg(ChainedScheduler::f_new(vec![], &opt).map(drop));
    assert!(e.starts_with("ChainedScheduler expects at least one scheduler"));
    let e = msg(SequentialLr::f_new(&mut opt, vec![], &[]).map(drop));
    assert!(e.starts_with("SequentialLR expects at least one scheduler"));
    let one: Box<dyn LrScheduler> = Box::new(ExponentialLr::new(&mut opt, 0.5));
    let e = msg(SequentialLr::f_new(&mut opt, vec![one], &[3]).map(drop));
    assert!(e.starts_with("Sequential Schedulers expects number of schedulers"));
    assert_eq!(opt.learning_rates(), [0.1]);

    // Cycling the momentum needs one: Adagrad has none, Adam's is β1.
    let mut ada = Adagrad::new(p(), 0.1);
    let e = msg(CyclicLr::f_with_options(&mut ada, &[0.01], &[0.1], Default::default()).map(drop));
    assert_eq!(
        e,
        "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
    );
    let no_momentum = CyclicLrOptions::default().cycle_momentum(false);
    assert!(CyclicLr::f_with_options(&mut ada, &[0.01], &[0.1], no_momentum).is_ok());
    let mut adam = Adam::new(p(), 0.1);
    let mut s = CyclicLr::with_options(
        &mut adam,
        &[0.01],
        &[0.1],
        CyclicLrOptions::default().step_size_up(2),
    );
    assert_eq!(adam.param_groups()[0].options.betas, (0.9, 0.999));
    s.step(&mut adam).unwrap();
    assert!((adam.param_groups()[0].options.betas.0 - 0.85).abs() < 1e-12);
    assert!((adam.learning_rates()[0] - 0.055).abs() < 1e-12);
    assert_eq!(
        s.state_dict().get("use_beta1").and_then(IValue::as_bool),
        Some(true)
    );
}
