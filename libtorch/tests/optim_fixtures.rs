//! Optimizers and schedulers against PyTorch 2.11's own numbers (tests/fixtures/optim/, made by
//! tests/fixtures/gen/fixtures_optim.py): 50-step parameter trajectories and learning-rate
//! sequences, compared bit for bit; optimizer and scheduler states written by Python, loaded
//! and continued.
mod common;

use libtorch::optim::scheduler::{AnnealStrategy, CyclicLrOptions, CyclicMode, OneCycleLrOptions};
use libtorch::optim::*;
use libtorch::serialize;
use libtorch::{IValue, Tensor};
use serde_json::Value;
use std::sync::Arc;

/// The tests of this file run on parallel threads, while Python made the fixtures one step at a
/// time: every test holds this lock, so no two run libtorch's (MKL's, OpenMP's) thread pools at
/// once, where a shared pool could split a matrix product another way and round it differently.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn manifest() -> Value {
    common::manifest("optim")
}

/// The problem's parameters (`w` 3x4, `b` 3) and data.
fn problem(m: &Value) -> (Vec<Tensor>, Tensor, Tensor) {
    let p = &m["problem"];
    let w = common::tensor(&p["w"]).set_requires_grad(true);
    let b = common::tensor(&p["b"]).set_requires_grad(true);
    (vec![w, b], common::tensor(&p["x"]), common::tensor(&p["y"]))
}

/// `sum((tanh(W x + b) - y)²)`, with the operations Python's fixture uses.
fn loss(params: &[Tensor], x: &Tensor, y: &Tensor) -> Tensor {
    let (w, b) = (&params[0], &params[1]);
    (w.matmul(x) + b.unsqueeze(1)).tanh().sub(y).square().sum()
}

/// The Rust twin of each configuration in fixtures_optim.py's OPTIMIZERS.
fn make(name: &str, p: Vec<Tensor>) -> Box<dyn Optimizer> {
    match name {
        "nadam" => Box::new(NAdam::new(p, 0.01)),
        "nadam_wd" => Box::new(NAdam::with_options(
            p,
            NAdamOptions::new(0.01)
                .betas(0.8, 0.99)
                .weight_decay(0.1)
                .momentum_decay(0.01),
        )),
        "nadam_decoupled_maximize" => Box::new(NAdam::with_options(
            p,
            NAdamOptions::new(0.01)
                .weight_decay(0.1)
                .decoupled_weight_decay(true)
                .maximize(true),
        )),
        "radam" => Box::new(RAdam::new(p, 0.01)),
        "radam_wd" => Box::new(RAdam::with_options(
            p,
            RAdamOptions::new(0.01).betas(0.8, 0.99).weight_decay(0.1),
        )),
        "radam_decoupled" => Box::new(RAdam::with_options(
            p,
            RAdamOptions::new(0.01)
                .weight_decay(0.1)
                .decoupled_weight_decay(true),
        )),
        "adamax" => Box::new(Adamax::new(p, 0.01)),
        "adamax_wd_maximize" => Box::new(Adamax::with_options(
            p,
            AdamaxOptions::new(0.01)
                .betas(0.8, 0.99)
                .eps(1e-3)
                .weight_decay(0.1)
                .maximize(true),
        )),
        "adadelta" => Box::new(Adadelta::with_options(p, AdadeltaOptions::default())),
        "adadelta_wd" => Box::new(Adadelta::with_options(
            p,
            AdadeltaOptions::new(0.5)
                .rho(0.8)
                .eps(1e-4)
                .weight_decay(0.1),
        )),
        "sgd" => Box::new(Sgd::new(p, 0.05)),
        "sgd_momentum" => Box::new(Sgd::with_options(
            p,
            SgdOptions::new(0.05)
                .momentum(0.9)
                .dampening(0.1)
                .weight_decay(0.01),
        )),
        "sgd_nesterov" => Box::new(Sgd::with_options(
            p,
            SgdOptions::new(0.05).momentum(0.9).nesterov(true),
        )),
        "adam" => Box::new(Adam::new(p, 0.01)),
        "adam_amsgrad" => Box::new(Adam::with_options(
            p,
            AdamOptions::new(0.01).weight_decay(0.1).amsgrad(true),
        )),
        "adamw" => Box::new(AdamW::new(p, 0.01)),
        "rmsprop" => Box::new(RmsProp::new(p, 0.01)),
        "rmsprop_centered" => Box::new(RmsProp::with_options(
            p,
            RmsPropOptions::new(0.01)
                .alpha(0.9)
                .momentum(0.5)
                .centered(true)
                .weight_decay(0.1),
        )),
        "adagrad" => Box::new(Adagrad::with_options(
            p,
            AdagradOptions::new(0.1)
                .lr_decay(0.01)
                .initial_accumulator_value(0.1),
        )),
        "sgd_momentum_foreach" => Box::new(Sgd::with_options(
            p,
            SgdOptions::new(0.05)
                .momentum(0.9)
                .dampening(0.1)
                .weight_decay(0.01)
                .foreach(true),
        )),
        "sgd_nesterov_foreach" => Box::new(Sgd::with_options(
            p,
            SgdOptions::new(0.05)
                .momentum(0.9)
                .nesterov(true)
                .foreach(true),
        )),
        "adam_foreach" => Box::new(Adam::with_options(p, AdamOptions::new(0.01).foreach(true))),
        "adam_amsgrad_foreach" => Box::new(Adam::with_options(
            p,
            AdamOptions::new(0.01)
                .weight_decay(0.1)
                .amsgrad(true)
                .foreach(true),
        )),
        "adamw_foreach" => {
            let mut o = AdamWOptions::new(0.01);
            o.0 = o.0.foreach(true);
            Box::new(AdamW::with_options(p, o))
        }
        "sgd_momentum_fused" => Box::new(Sgd::with_options(
            p,
            SgdOptions::new(0.05)
                .momentum(0.9)
                .dampening(0.1)
                .weight_decay(0.01)
                .fused(true),
        )),
        "sgd_nesterov_fused" => Box::new(Sgd::with_options(
            p,
            SgdOptions::new(0.05)
                .momentum(0.9)
                .nesterov(true)
                .fused(true),
        )),
        "adam_fused" => Box::new(Adam::with_options(p, AdamOptions::new(0.01).fused(true))),
        "adam_amsgrad_fused" => Box::new(Adam::with_options(
            p,
            AdamOptions::new(0.01)
                .weight_decay(0.1)
                .amsgrad(true)
                .fused(true),
        )),
        "adamw_fused" => {
            let mut o = AdamWOptions::new(0.01);
            o.0 = o.0.fused(true);
            Box::new(AdamW::with_options(p, o))
        }
        other => panic!("no Rust twin for the fixture optimizer {other}"),
    }
}

/// Every parameter's bits, flattened and concatenated as the fixture rows are.
fn bits(params: &[Tensor]) -> Vec<u32> {
    params
        .iter()
        .flat_map(|p| p.detach().to_vec::<f32>().unwrap())
        .map(f32::to_bits)
        .collect()
}

/// The fixture's trajectory: one row of parameter bits per step.
fn rows(v: &Value) -> Vec<Vec<u32>> {
    let t = common::tensor(v);
    t.to_vec2::<f32>()
        .unwrap()
        .into_iter()
        .map(|r| r.into_iter().map(f32::to_bits).collect())
        .collect()
}

fn step(opt: &mut dyn Optimizer, params: &[Tensor], x: &Tensor, y: &Tensor) {
    opt.zero_grad();
    loss(params, x, y).backward();
    opt.step().unwrap();
}

/// Every optimizer, new and old, makes PyTorch's 50 steps bit for bit.
#[test]
fn optimizers_follow_pytorch_trajectories_bit_for_bit() {
    let _serial = one_at_a_time();
    let m = manifest();
    let steps = m["steps"].as_u64().unwrap() as usize;
    let all = m["optimizers"].as_object().unwrap();
    assert!(all.len() >= 29);
    for (name, traj) in all {
        let want = rows(traj);
        assert_eq!(want.len(), steps);
        let (params, x, y) = problem(&m);
        let mut opt = make(name, params.clone());
        for (t, row) in want.iter().enumerate() {
            step(opt.as_mut(), &params, &x, &y);
            assert_eq!(
                &bits(&params),
                row,
                "{name}: parameters differ from PyTorch's after step {}",
                t + 1
            );
        }
    }
}

/// Compares two optimizer state dicts: the same parameter ids, entry names and bits.
fn same_state(name: &str, ours: &IValue, python: &IValue) {
    let (a, b) = (
        ours.get("state").unwrap().as_dict().unwrap(),
        python.get("state").unwrap().as_dict().unwrap(),
    );
    assert_eq!(a.len(), b.len(), "{name}: number of parameter states");
    for ((ia, sa), (ib, sb)) in a.iter().zip(b) {
        assert_eq!(ia.as_int(), ib.as_int(), "{name}: parameter ids");
        let (sa, sb) = (sa.as_dict().unwrap(), sb.as_dict().unwrap());
        let mut keys_a: Vec<&str> = sa.iter().map(|(k, _)| k.as_str().unwrap()).collect();
        let mut keys_b: Vec<&str> = sb.iter().map(|(k, _)| k.as_str().unwrap()).collect();
        keys_a.sort();
        keys_b.sort();
        assert_eq!(keys_a, keys_b, "{name}: state entries");
        for (k, va) in sa {
            let key = k.as_str().unwrap();
            let vb = &sb
                .iter()
                .find(|(kb, _)| kb.as_str() == Some(key))
                .unwrap()
                .1;
            common::assert_bit_identical(
                va.as_tensor().unwrap(),
                vb.as_tensor().unwrap(),
                &format!("{name}: state `{key}` of parameter {ia:?}"),
            );
        }
    }
    let (ga, gb) = (
        &ours.get("param_groups").unwrap().as_slice().unwrap()[0],
        &python.get("param_groups").unwrap().as_slice().unwrap()[0],
    );
    for (k, v) in gb.as_dict().unwrap() {
        let key = k.as_str().unwrap();
        if key == "foreach" {
            continue; // Python's fixture asked for foreach=False explicitly.
        }
        let mine = ga
            .get(key)
            .unwrap_or_else(|| panic!("{name}: our param group lacks `{key}`"));
        match (mine, v) {
            (IValue::Double(_) | IValue::Int(_), IValue::Double(_) | IValue::Int(_)) => {
                assert_eq!(mine.as_double(), v.as_double(), "{name}: `{key}`")
            }
            _ => assert_eq!(format!("{mine:?}"), format!("{v:?}"), "{name}: `{key}`"),
        }
    }
}

/// After 25 steps our state dict holds what Python's does, bit for bit; Python's state loads
/// into a fresh optimizer (made with other hyper-parameters: the saved ones win) that then
/// makes the remaining 25 steps as PyTorch did; so does our own state, saved and loaded back.
#[test]
fn python_states_load_and_continue_bit_for_bit() {
    let _serial = one_at_a_time();
    let m = manifest();
    for name in ["nadam_wd", "radam", "adamax_wd_maximize", "adadelta_wd"] {
        let want = rows(&m["optimizers"][name]);
        let python =
            serialize::load_value(common::fixture(&format!("optim/{name}_state25.pt"))).unwrap();
        let (params, x, y) = problem(&m);
        let mut opt = make(name, params.clone());
        for _ in 0..25 {
            step(opt.as_mut(), &params, &x, &y);
        }
        let ours = opt.state_dict().unwrap();
        same_state(name, &ours, &python);
        let ours =
            serialize::load_value_from_bytes(&serialize::save_value_to_bytes(&ours).unwrap())
                .unwrap();
        for state in [&python, &ours] {
            let row = &want[24];
            let w = Tensor::from_slice(
                &row[..12]
                    .iter()
                    .map(|&b| f32::from_bits(b))
                    .collect::<Vec<_>>(),
            )
            .reshape(&[3, 4])
            .set_requires_grad(true);
            let b = Tensor::from_slice(
                &row[12..]
                    .iter()
                    .map(|&b| f32::from_bits(b))
                    .collect::<Vec<_>>(),
            )
            .set_requires_grad(true);
            let params = vec![w, b];
            let other: Box<dyn Optimizer> = match name {
                "nadam_wd" => Box::new(NAdam::new(params.clone(), 1.0)),
                "radam" => Box::new(RAdam::new(params.clone(), 1.0)),
                "adamax_wd_maximize" => Box::new(Adamax::new(params.clone(), 1.0)),
                _ => Box::new(Adadelta::new(params.clone(), 1.0)),
            };
            let mut opt = other;
            opt.load_state_dict(state)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            for (t, row) in want.iter().enumerate().skip(25) {
                step(opt.as_mut(), &params, &x, &y);
                assert_eq!(
                    &bits(&params),
                    row,
                    "{name}: after loading, step {} differs from PyTorch's",
                    t + 1
                );
            }
        }
    }
}

/// PyTorch's scheduler fixture optimizer: SGD with two groups (lr 0.1 and 0.05), momentum 0.9.
fn groups() -> Sgd {
    let a = Tensor::zeros(&[2]).set_requires_grad(true);
    let b = Tensor::zeros(&[3]).set_requires_grad(true);
    let mut opt = Sgd::with_options(vec![a], SgdOptions::new(0.1).momentum(0.9));
    opt.add_param_group(vec![b], SgdOptions::new(0.05).momentum(0.9));
    opt
}

/// The Rust twin of each configuration in fixtures_optim.py's SCHEDULERS.
fn make_scheduler(name: &str, o: &mut Sgd) -> Box<dyn LrScheduler> {
    match name {
        "step" => Box::new(StepLr::new(o, 3, 0.5)),
        "multistep" => Box::new(MultiStepLr::new(o, &[3, 7, 7, 12], 0.3)),
        "exponential" => Box::new(ExponentialLr::new(o, 0.9)),
        "lambda" => Box::new(LambdaLr::new(o, |e| 0.95f64.powf(e as f64))),
        "constant" => Box::new(ConstantLr::new(o, 0.25, 4)),
        "constant_default" => Box::new(ConstantLr::new(o, 1.0 / 3.0, 5)),
        "multiplicative" => Box::new(MultiplicativeLr::new(o, |e| 0.9 + 0.01 * e as f64)),
        "lambda_per_group" => Box::new(
            LambdaLr::f_per_group(
                o,
                vec![
                    Arc::new(|e| 0.95f64.powf(e as f64)),
                    Arc::new(|e| 1.0 / (e + 1) as f64),
                ],
            )
            .unwrap(),
        ),
        "polynomial" => Box::new(PolynomialLr::new(o, 8, 2.0)),
        "polynomial_default" => Box::new(PolynomialLr::new(o, 5, 1.0)),
        "cosine" => Box::new(CosineAnnealingLr::new(o, 10, 0.001)),
        "linear" => Box::new(LinearLr::new(o, 0.25, 3)),
        "linear_down" => Box::new(LinearLr::with_options(o, 1.0, 0.1, 6)),
        "onecycle" => Box::new(OneCycleLr::new(o, 1.0, 20)),
        "onecycle_linear_three_phase" => Box::new(OneCycleLr::with_options(
            o,
            &[1.0, 0.5],
            20,
            OneCycleLrOptions::default()
                .pct_start(0.25)
                .anneal_strategy(AnnealStrategy::Linear)
                .three_phase(true)
                .momentum_range(0.8, 0.95)
                .div_factor(10.0)
                .final_div_factor(100.0),
        )),
        "cyclic" => Box::new(CyclicLr::with_options(
            o,
            &[0.01],
            &[0.1],
            CyclicLrOptions::default().step_size_up(4),
        )),
        "cyclic_triangular2" => Box::new(CyclicLr::with_options(
            o,
            &[0.01, 0.02],
            &[0.1, 0.3],
            CyclicLrOptions::default()
                .step_size_up(4)
                .step_size_down(6)
                .mode(CyclicMode::Triangular2)
                .momentum_range(0.7, 0.95),
        )),
        "cyclic_exp_range" => Box::new(CyclicLr::with_options(
            o,
            &[0.01],
            &[0.1],
            CyclicLrOptions::default()
                .step_size_up(3)
                .mode(CyclicMode::ExpRange)
                .gamma(0.9)
                .cycle_momentum(false),
        )),
        "warm_restarts" => Box::new(CosineAnnealingWarmRestarts::new(o, 5, 1, 0.001)),
        "warm_restarts_mult" => Box::new(CosineAnnealingWarmRestarts::new(o, 3, 2, 0.0)),
        "sequential" => {
            let a = LinearLr::new(o, 0.1, 4);
            let b = ExponentialLr::new(o, 0.9);
            Box::new(SequentialLr::new(o, vec![Box::new(a), Box::new(b)], &[5]))
        }
        "sequential_three" => {
            let a = LinearLr::new(o, 0.5, 3);
            let b = CosineAnnealingLr::new(o, 6, 0.0);
            let c = StepLr::new(o, 2, 0.5);
            Box::new(SequentialLr::new(
                o,
                vec![Box::new(a), Box::new(b), Box::new(c)],
                &[3, 9],
            ))
        }
        "chained" => {
            let a = ExponentialLr::new(o, 0.9);
            let b = StepLr::new(o, 3, 0.5);
            Box::new(ChainedScheduler::new(vec![Box::new(a), Box::new(b)], o))
        }
        "chained_warmup" => {
            let a = LinearLr::new(o, 0.5, 4);
            let b = ExponentialLr::new(o, 0.95);
            Box::new(ChainedScheduler::new(vec![Box::new(a), Box::new(b)], o))
        }
        other => panic!("no Rust twin for the fixture scheduler {other}"),
    }
}

fn f64_rows(v: &Value) -> Vec<Vec<u64>> {
    common::tensor(v)
        .to_vec2::<f64>()
        .unwrap()
        .into_iter()
        .map(|r| r.into_iter().map(f64::to_bits).collect())
        .collect()
}

fn lr_bits(o: &Sgd) -> Vec<u64> {
    o.learning_rates().into_iter().map(f64::to_bits).collect()
}

fn momentum_bits(o: &Sgd) -> Vec<u64> {
    (0..2)
        .map(|g| o.group_momentum(g).unwrap().to_bits())
        .collect()
}

/// Every schedule sets PyTorch's rates (and, where it cycles them, momenta) bit for bit, from
/// construction through every phase.
#[test]
fn schedulers_follow_pytorch_bit_for_bit() {
    let _serial = one_at_a_time();
    let m = manifest();
    let all = m["schedulers"].as_object().unwrap();
    assert!(all.len() >= 21);
    for (name, case) in all {
        let want = f64_rows(&case["lrs"]);
        let momenta = case.get("momenta").map(f64_rows);
        let mut o = groups();
        let mut s = make_scheduler(name, &mut o);
        for (t, row) in want.iter().enumerate() {
            if t > 0 {
                s.step(&mut o)
                    .unwrap_or_else(|e| panic!("{name} step {t}: {e}"));
            }
            assert_eq!(&lr_bits(&o), row, "{name}: rates after {t} steps differ");
            assert_eq!(s.last_lr(), o.learning_rates(), "{name}: last_lr");
            if let Some(mo) = &momenta {
                assert_eq!(
                    &momentum_bits(&o),
                    &mo[t],
                    "{name}: momenta after {t} steps"
                );
            }
        }
    }
}

fn make_plateau(name: &str, o: &Sgd) -> ReduceLrOnPlateau {
    use libtorch::optim::scheduler::{PlateauMode, ReduceLrOnPlateauOptions, ThresholdMode};
    let d = ReduceLrOnPlateauOptions::default();
    match name {
        "plateau" => ReduceLrOnPlateau::with_options(
            o,
            d.factor(0.5)
                .patience(2)
                .threshold(0.01, ThresholdMode::Rel)
                .cooldown(1)
                .min_lr(0.01),
        ),
        "plateau_max_abs" => ReduceLrOnPlateau::with_options(
            o,
            d.mode(PlateauMode::Max)
                .factor(0.3)
                .patience(1)
                .threshold(0.02, ThresholdMode::Abs)
                .min_lrs(vec![0.005, 0.0]),
        ),
        "plateau_default" => ReduceLrOnPlateau::new(o),
        other => panic!("no Rust twin for {other}"),
    }
}

/// ReduceLROnPlateau cuts at PyTorch's epochs to PyTorch's rates; its state dict round-trips
/// mid-way.
#[test]
fn reduce_lr_on_plateau_follows_pytorch() {
    let _serial = one_at_a_time();
    let m = manifest();
    let metrics: Vec<f64> = m["plateau_metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (name, case) in m["plateaus"].as_object().unwrap() {
        let want = f64_rows(&case["lrs"]);
        let mut o = groups();
        let mut s = make_plateau(name, &o);
        assert_eq!(lr_bits(&o), want[0]);
        for (t, &metric) in metrics.iter().enumerate() {
            if t == 12 {
                // Continue from a saved copy of the state, through torch.save's format.
                let sd = serialize::load_value_from_bytes(
                    &serialize::save_value_to_bytes(&s.state_dict()).unwrap(),
                )
                .unwrap();
                s = ReduceLrOnPlateau::new(&o);
                s.load_state_dict(&sd).unwrap();
            }
            s.step(&mut o, metric).unwrap();
            assert_eq!(lr_bits(&o), want[t + 1], "{name}: after metric {t}");
        }
    }
}

/// A CyclicLR state saved by PyTorch after 7 steps loads into a scheduler made with other
/// arguments, which then continues as PyTorch did; our own state, saved in torch.save's format
/// and loaded into a third scheduler, continues the same way.
#[test]
fn scheduler_states_load_and_continue() {
    let _serial = one_at_a_time();
    let m = manifest();
    let want = f64_rows(&m["cyclic_after_state7"]);
    let python = serialize::load_value(common::fixture("optim/cyclic_state7.pt")).unwrap();
    let mut o = groups();
    let mut s = CyclicLr::new(&mut o, 0.5, 1.0);
    s.load_state_dict(&python).unwrap();
    assert_eq!(s.last_epoch(), 7);
    let mut o2 = groups();
    let mut s2 = CyclicLr::new(&mut o2, 0.5, 1.0);
    let ours =
        serialize::load_value_from_bytes(&serialize::save_value_to_bytes(&s.state_dict()).unwrap())
            .unwrap();
    s2.load_state_dict(&ours).unwrap();
    for row in &want {
        s.step(&mut o).unwrap();
        s2.step(&mut o2).unwrap();
        assert_eq!(&lr_bits(&o), row);
        assert_eq!(&lr_bits(&o2), row);
    }
    // Composite schedules round-trip their children.
    let mut o = groups();
    let a = LinearLr::new(&mut o, 0.1, 4);
    let b = ExponentialLr::new(&mut o, 0.9);
    let mut s = SequentialLr::new(&mut o, vec![Box::new(a), Box::new(b)], &[5]);
    for _ in 0..7 {
        s.step(&mut o).unwrap();
    }
    let sd = s.state_dict();
    let mut o2 = groups();
    let a = LinearLr::new(&mut o2, 0.1, 4);
    let b = ExponentialLr::new(&mut o2, 0.9);
    let mut s2 = SequentialLr::new(&mut o2, vec![Box::new(a), Box::new(b)], &[5]);
    s2.load_state_dict(&sd).unwrap();
    o2.set_group_lr(0, o.learning_rates()[0]).unwrap();
    o2.set_group_lr(1, o.learning_rates()[1]).unwrap();
    for _ in 0..5 {
        s.step(&mut o).unwrap();
        s2.step(&mut o2).unwrap();
        assert_eq!(lr_bits(&o), lr_bits(&o2));
    }
    assert_eq!(s2.last_epoch(), 12);
}

fn make_lbfgs(name: &str, p: Vec<Tensor>) -> Lbfgs {
    let d = LbfgsOptions::default();
    Lbfgs::new(
        p,
        match name {
            "lbfgs" => d,
            "lbfgs_lr_history" => LbfgsOptions::new(0.5).max_iter(7).history_size(3),
            "lbfgs_strong_wolfe" => d.line_search_fn(Some(LineSearch::StrongWolfe)),
            "lbfgs_strong_wolfe_small" => LbfgsOptions::new(0.8)
                .max_iter(5)
                .max_eval(9)
                .history_size(2)
                .line_search_fn(Some(LineSearch::StrongWolfe)),
            other => panic!("no Rust twin for {other}"),
        },
    )
}

/// LBFGS, with and without the strong-Wolfe line search, makes PyTorch's steps bit for bit
/// (parameters and the returned loss after every step, and the same number of iterations and
/// evaluations); its state dict, saved and loaded mid-way, continues the same way.
#[test]
fn lbfgs_follows_pytorch_bit_for_bit() {
    let _serial = one_at_a_time();
    let m = manifest();
    let all = m["lbfgs"].as_object().unwrap();
    assert_eq!(all.len(), 4);
    for (name, case) in all {
        let want = rows(&case["params"]);
        let losses: Vec<u32> = common::tensor(&case["losses"])
            .to_vec::<f32>()
            .unwrap()
            .into_iter()
            .map(f32::to_bits)
            .collect();
        let (params, x, y) = problem(&m);
        let mut opt = make_lbfgs(name, params.clone());
        for (t, row) in want.iter().enumerate() {
            if t == 3 {
                let sd = serialize::load_value_from_bytes(
                    &serialize::save_value_to_bytes(&opt.state_dict().unwrap()).unwrap(),
                )
                .unwrap();
                opt = Lbfgs::new(params.clone(), LbfgsOptions::new(9.0));
                opt.load_state_dict(&sd).unwrap();
            }
            let loss = opt
                .step_with_closure(|| {
                    opt_zero(&params);
                    let l = loss(&params, &x, &y);
                    l.backward();
                    Ok(l)
                })
                .unwrap();
            assert_eq!(
                loss.to_vec::<f32>().unwrap()[0].to_bits(),
                losses[t],
                "{name}: loss of step {}",
                t + 1
            );
            assert_eq!(
                &bits(&params),
                row,
                "{name}: parameters after step {}",
                t + 1
            );
        }
        let (n_iter, func_evals) = opt.counts();
        assert_eq!(n_iter, case["n_iter"].as_i64().unwrap(), "{name}: n_iter");
        assert_eq!(
            func_evals,
            case["func_evals"].as_i64().unwrap(),
            "{name}: func_evals"
        );
        assert!(opt.step().is_err());
    }
}

fn opt_zero(params: &[Tensor]) {
    for p in params {
        p.clone().f_set_grad(None).unwrap();
    }
}
