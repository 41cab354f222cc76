//! Optimizers and schedulers against PyTorch 2.11's own numbers (tests/fixtures/optim/, made by
//! tests/fixtures/gen/fixtures_optim.py): 50-step parameter trajectories and learning-rate
//! sequences, compared bit for bit; optimizer and scheduler states written by Python, loaded
//! and continued.
mod common;

use libtorch::optim::*;
use libtorch::serialize;
use libtorch::{IValue, Tensor};
use serde_json::Value;

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
    let m = manifest();
    let steps = m["steps"].as_u64().unwrap() as usize;
    let all = m["optimizers"].as_object().unwrap();
    assert!(all.len() >= 19);
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
