//! DistributedDataParallel's static_graph and c10d's built-in communication hooks on 2 Gloo
//! ranks over loopback (child processes, see distributed_support): FP16_COMPRESS gives the
//! float16-rounded average of the ranks' gradients, ALLREDUCE the float32 one, and a static
//! graph trains as the single process on the whole batch does.
mod distributed_support;

use distributed_support::{assert_all_ok, run_child_case, spawn_ranks, LOOPBACK};
use libtorch::distributed::{
    self as dist, BuiltinCommHookType, DdpOptions, DistributedDataParallel, GlooDevice,
};
use libtorch::nn::{visit_child, Linear, Module, Slot};
use libtorch::optim::{Optimizer, Sgd};
use libtorch::{manual_seed, Kind, Result, Tensor};
use std::time::Duration;

const LOCAL: i64 = 4;
const WORLD: usize = 2;

/// fc2(tanh(fc1(x))), with an optional layer the forward never uses.
struct Net {
    fc1: Linear,
    fc2: Linear,
    extra: Option<Linear>,
}

impl Net {
    fn seeded(seed: u64, with_extra: bool) -> Net {
        manual_seed(seed);
        Net {
            fc1: Linear::new(5, 8),
            fc2: Linear::new(8, 3),
            extra: with_extra.then(|| Linear::new(3, 3)),
        }
    }
}

impl Module for Net {
    fn f_forward(&self, xs: &Tensor) -> Result<Tensor> {
        self.fc2.f_forward(&self.fc1.f_forward(xs)?.tanh())
    }

    fn visit(&self, f: &mut dyn FnMut(&str, Slot, &Tensor)) {
        visit_child("fc1", &self.fc1, f);
        visit_child("fc2", &self.fc2, f);
        if let Some(e) = &self.extra {
            visit_child("extra", e, f);
        }
    }
}

fn init() -> usize {
    dist::init_process_group(
        "gloo",
        dist::InitOptions::default()
            .timeout(Duration::from_secs(30))
            .device(GlooDevice::Hostname(LOOPBACK.into())),
    )
    .unwrap();
    assert_eq!(dist::get_world_size().unwrap(), WORLD);
    dist::get_rank().unwrap()
}

/// The global batch of `seed` (the same on every rank) and rank `r`'s rows of it.
fn batch(seed: u64, r: usize) -> (Tensor, Tensor, Tensor, Tensor) {
    manual_seed(seed);
    let (x, y) = (Tensor::randn(&[8, 5]), Tensor::randn(&[8, 3]));
    let at = r as i64 * LOCAL;
    let (xl, yl) = (x.narrow(0, at, LOCAL), y.narrow(0, at, LOCAL));
    (x, y, xl, yl)
}

fn grads(m: &dyn Module) -> Vec<Tensor> {
    m.named_parameters()
        .into_iter()
        .filter(|(n, _)| !n.contains("extra"))
        .map(|(_, p)| p.grad())
        .collect()
}

/// The gradients one process computes for rank `r`'s share of the batch of `seed`.
fn local_grads(seed: u64, r: usize) -> Vec<Tensor> {
    let net = Net::seeded(100, false);
    let (_, _, xl, yl) = batch(seed, r);
    net.forward(&xl).mse_loss(&yl).backward();
    grads(&net)
}

fn bits(t: &Tensor) -> Vec<u32> {
    t.to_vec::<f32>()
        .unwrap()
        .iter()
        .map(|v| v.to_bits())
        .collect()
}

/// One backward under `hook`; every rank checks the reduced gradients against both ranks'
/// local gradients, computed here.
fn comm_hook(hook: BuiltinCommHookType) {
    let rank = init();
    let mut ddp = DistributedDataParallel::new(
        Net::seeded(100, false),
        DdpOptions::default().bucket_cap_mb(0.0002),
    )
    .unwrap();
    ddp.register_builtin_comm_hook(hook).unwrap();
    // c10d allows one hook per model.
    let again = ddp
        .register_builtin_comm_hook(hook)
        .unwrap_err()
        .to_string();
    assert!(again.contains("can only be called once"), "{again}");

    for step in 0..2 {
        for p in ddp.parameters() {
            let mut g = p.grad();
            if g.defined() {
                let _ = g.zero_();
            }
        }
        let (_, _, xl, yl) = batch(7 + step, rank);
        ddp.forward(&xl).mse_loss(&yl).backward();
        let (g0, g1) = (local_grads(7 + step, 0), local_grads(7 + step, 1));
        let mut rounded_somewhere = false;
        for ((got, a), b) in grads(ddp.module()).iter().zip(&g0).zip(&g1) {
            let f32_mean = (a + b) / 2.0;
            let want = match hook {
                // sum in float32, then / world size
                BuiltinCommHookType::Allreduce => f32_mean.shallow_clone(),
                // each rank's bucket in float16, / world size in float16, summed in float16
                BuiltinCommHookType::Fp16Compress => {
                    let h = |t: &Tensor| t.to_dtype(Kind::Half) / 2.0;
                    (h(a) + h(b)).to_dtype(Kind::Float)
                }
            };
            assert_eq!(bits(got), bits(&want), "step {step}");
            rounded_somewhere |= bits(&want) != bits(&f32_mean);
        }
        if hook == BuiltinCommHookType::Fp16Compress {
            assert!(rounded_somewhere, "float16 rounding shows somewhere");
        }
    }
    drop(ddp);
    dist::destroy_process_group().unwrap();
}

#[test]
fn ddp_builtin_comm_hooks_reduce_as_c10d_defines_them() {
    if run_child_case(|case| {
        comm_hook(if case == "fp16" {
            BuiltinCommHookType::Fp16Compress
        } else {
            BuiltinCommHookType::Allreduce
        })
    }) {
        return;
    }
    for case in ["fp16", "allreduce"] {
        let results = spawn_ranks(
            "ddp_builtin_comm_hooks_reduce_as_c10d_defines_them",
            case,
            WORLD,
            &[0, 1],
            Duration::from_secs(60),
        );
        assert_all_ok(&results);
    }
}

/// 5 SGD steps with static_graph (and a layer the forward never uses, which a static graph
/// finds by itself) against the plain net on the whole batch; the unused layer keeps no
/// gradient, as in PyTorch.
fn static_graph() {
    let rank = init();
    let ddp = DistributedDataParallel::new(
        Net::seeded(100 + rank as u64, true),
        DdpOptions::default()
            .static_graph(true)
            .bucket_cap_mb(0.0002),
    )
    .unwrap();
    let reference = Net::seeded(100, true);
    let mut opt = Sgd::new(ddp.parameters(), 0.1);
    let mut ref_opt = Sgd::new(reference.parameters(), 0.1);
    for step in 0..5 {
        let (x, y, xl, yl) = batch(7 + step, rank);
        opt.zero_grad();
        ddp.forward(&xl).mse_loss(&yl).backward();
        ref_opt.zero_grad();
        reference.forward(&x).mse_loss(&y).backward();
        for (a, b) in grads(ddp.module()).iter().zip(grads(&reference)) {
            let d = (a - &b).abs().max().double_value();
            assert!(d <= 1e-6, "step {step}: gradients differ by {d}");
        }
        let extra = ddp.module().extra.as_ref().unwrap();
        assert!(extra.parameters().iter().all(|p| !p.grad().defined()));
        opt.step().unwrap();
        ref_opt.step().unwrap();
    }
    for ((n, a), (_, b)) in ddp
        .module()
        .named_parameters()
        .iter()
        .zip(reference.named_parameters())
    {
        let d = (a - &b).abs().max().double_value();
        assert!(d <= 1e-6, "{n} differs by {d} after 5 steps");
    }
    drop(ddp);
    dist::destroy_process_group().unwrap();
}

#[test]
fn ddp_static_graph_trains_as_one_process_on_the_whole_batch() {
    if run_child_case(|_| static_graph()) {
        return;
    }
    let results = spawn_ranks(
        "ddp_static_graph_trains_as_one_process_on_the_whole_batch",
        "static",
        WORLD,
        &[0, 1],
        Duration::from_secs(60),
    );
    assert_all_ok(&results);
}
