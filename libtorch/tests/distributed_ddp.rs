//! DistributedDataParallel on 2 Gloo ranks over loopback (child processes, see
//! distributed_support): training equals single-process training on the concatenated batch,
//! `no_sync` accumulates locally, unused parameters are handled or reported, mismatched models
//! fail at construction, c10d's built-in communication hooks reduce as c10d defines them
//! (FP16_COMPRESS the float16-rounded average, ALLREDUCE the float32 one), and a static graph
//! trains as the single process on the whole batch does.
mod distributed_support;

use distributed_support::{assert_all_ok, run_child_case, spawn_ranks, LOOPBACK};
use libtorch::distributed::{
    self as dist, BuiltinCommHookType, DdpOptions, DistributedDataParallel, GlooDevice,
};
use libtorch::nn::{visit_child, Linear, Module, Slot};
use libtorch::optim::{Optimizer, Sgd};
use libtorch::{manual_seed, Kind, Result, Tensor};
use std::time::Duration;

/// Rows of this rank's share of the global batch.
const LOCAL: i64 = 4;
const WORLD: usize = 2;

/// fc2(tanh(fc1(x))), with an optional layer the forward never uses.
struct Net {
    fc1: Linear,
    fc2: Linear,
    extra: Option<Linear>,
}

impl Net {
    /// The net made right after `manual_seed(seed)`.
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

/// A global batch of 2 * LOCAL rows (the same on every rank) and this rank's rows of it.
fn batch(seed: u64, rank: usize) -> (Tensor, Tensor, Tensor, Tensor) {
    manual_seed(seed);
    let (x, y) = (Tensor::randn(&[8, 5]), Tensor::randn(&[8, 3]));
    let r = rank as i64 * LOCAL;
    let (xl, yl) = (x.narrow(0, r, LOCAL), y.narrow(0, r, LOCAL));
    (x, y, xl, yl)
}

fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a - b).abs().max().double_value()
}

/// Every pair of same-position tensors of `a` and `b` within `tol`; names in the message.
fn assert_close(a: &[(String, Tensor)], b: &[(String, Tensor)], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for ((na, ta), (nb, tb)) in a.iter().zip(b) {
        let d = max_diff(ta, tb);
        assert!(d <= tol, "{what}: {na} vs {nb} differ by {d}");
    }
}

fn grads(m: &dyn Module) -> Vec<(String, Tensor)> {
    m.named_parameters()
        .into_iter()
        .filter(|(n, _)| !n.contains("extra"))
        .map(|(n, p)| (n, p.grad()))
        .collect()
}

fn grad_values(m: &dyn Module) -> Vec<Tensor> {
    grads(m).into_iter().map(|(_, g)| g).collect()
}

/// 5 SGD steps of DDP on 2 ranks (each its half of the batch, different inits before DDP's
/// broadcast, buckets small enough to split the parameters) against 5 steps of the plain net on
/// the whole batch; gradients copied out of the buckets or (`as_views`) views of them.
fn equals_single(as_views: bool) {
    let rank = init();
    let ddp = DistributedDataParallel::new(
        Net::seeded(100 + rank as u64, false),
        DdpOptions::default()
            .bucket_cap_mb(0.0002)
            .gradient_as_bucket_view(as_views),
    )
    .unwrap();
    let reference = Net::seeded(100, false);
    let start = reference.named_parameters();
    // The construction broadcast rank 0's parameters.
    assert_close(
        &ddp.module().named_parameters(),
        &start,
        0.0,
        "after construction",
    );
    let start: Vec<_> = start
        .into_iter()
        .map(|(n, t)| (n, t.deep_clone()))
        .collect();
    let mut opt = Sgd::new(ddp.parameters(), 0.1);
    let mut ref_opt = Sgd::new(reference.parameters(), 0.1);
    for step in 0..5 {
        let (x, y, xl, yl) = batch(7 + step, rank);
        opt.zero_grad();
        ddp.forward(&xl).mse_loss(&yl).backward();
        ref_opt.zero_grad();
        reference.forward(&x).mse_loss(&y).backward();
        assert_close(&grads(ddp.module()), &grads(&reference), 1e-6, "gradients");
        opt.step().unwrap();
        ref_opt.step().unwrap();
    }
    assert_close(
        &ddp.module().named_parameters(),
        &reference.named_parameters(),
        1e-6,
        "after 5 steps",
    );
    // The steps did move the parameters.
    let moved = ddp.module().named_parameters()[0].1.detach();
    assert!(max_diff(&moved, &start[0].1) > 1e-3);
    // The wrapper names tensors as PyTorch's DDP does.
    assert_eq!(ddp.named_parameters()[0].0, "module.fc1.weight");
    drop(ddp);
    dist::destroy_process_group().unwrap();
}

#[test]
fn ddp_on_2_ranks_equals_one_process_on_the_whole_batch() {
    if run_child_case(|case| equals_single(case == "views")) {
        return;
    }
    for case in ["copies", "views"] {
        let results = spawn_ranks(
            "ddp_on_2_ranks_equals_one_process_on_the_whole_batch",
            case,
            WORLD,
            &[0, 1],
            Duration::from_secs(60),
        );
        assert_all_ok(&results);
    }
}

/// Under no_sync a backward leaves each rank its local gradient; the next synchronized backward
/// reduces the accumulated sum.
fn no_sync() {
    let rank = init();
    let ddp = DistributedDataParallel::new(Net::seeded(100, false), DdpOptions::default()).unwrap();
    let (x1, y1, x1l, y1l) = batch(7, rank);
    let (x2, y2, x2l, y2l) = batch(8, rank);
    {
        let _guard = ddp.no_sync();
        ddp.forward(&x1l).mse_loss(&y1l).backward();
    }
    let local = Net::seeded(100, false);
    local.forward(&x1l).mse_loss(&y1l).backward();
    assert_close(
        &grads(ddp.module()),
        &grads(&local),
        1e-6,
        "local gradients",
    );
    ddp.forward(&x2l).mse_loss(&y2l).backward();
    let reference = Net::seeded(100, false);
    (reference.forward(&x1).mse_loss(&y1) + reference.forward(&x2).mse_loss(&y2)).backward();
    assert_close(
        &grads(ddp.module()),
        &grads(&reference),
        1e-6,
        "accumulated gradients",
    );
    drop(ddp);
    dist::destroy_process_group().unwrap();
}

#[test]
fn ddp_no_sync_accumulates_then_reduces_the_sum() {
    if run_child_case(|_| no_sync()) {
        return;
    }
    let results = spawn_ranks(
        "ddp_no_sync_accumulates_then_reduces_the_sum",
        "no_sync",
        WORLD,
        &[0, 1],
        Duration::from_secs(60),
    );
    assert_all_ok(&results);
}

/// With find_unused_parameters a layer the forward skips keeps no gradient and the others are
/// reduced; without it the next forward fails with PyTorch's error, and the process still shuts
/// down cleanly.
fn unused(find: bool) {
    let rank = init();
    let ddp = DistributedDataParallel::new(
        Net::seeded(100, true),
        DdpOptions::default().find_unused_parameters(find),
    )
    .unwrap();
    let reference = Net::seeded(100, true);
    for step in 0..2 {
        let (x, y, xl, yl) = batch(7 + step, rank);
        let out = ddp.f_forward(&xl);
        if !find && step == 1 {
            let err = out.expect_err("a forward after an incomplete reduction fails");
            assert!(
                err.to_string()
                    .contains("Expected to have finished reduction in the prior iteration"),
                "{err}"
            );
            break;
        }
        out.unwrap().mse_loss(&yl).backward();
        if find {
            reference.forward(&x).mse_loss(&y).backward();
            assert_close(&grads(ddp.module()), &grads(&reference), 1e-6, "gradients");
            let extra = ddp.module().extra.as_ref().unwrap();
            assert!(extra.parameters().iter().all(|p| !p.grad().defined()));
            for p in ddp.parameters().iter().chain(&reference.parameters()) {
                let mut g = p.grad();
                if g.defined() {
                    let _ = g.zero_();
                }
            }
        }
    }
    drop(ddp);
    dist::destroy_process_group().unwrap();
}

#[test]
fn ddp_unused_parameters_found_or_reported() {
    if run_child_case(|case| unused(case == "find")) {
        return;
    }
    for case in ["find", "no_find"] {
        let results = spawn_ranks(
            "ddp_unused_parameters_found_or_reported",
            case,
            WORLD,
            &[0, 1],
            Duration::from_secs(60),
        );
        assert_all_ok(&results);
    }
}

/// Ranks whose models differ in a shape fail at construction, on every rank, within the
/// timeout.
fn mismatch() {
    let rank = init();
    let out = if rank == 0 { 2 } else { 3 };
    let err = DistributedDataParallel::new(Linear::new(4, out), DdpOptions::default())
        .err()
        .expect("different shapes fail");
    let msg = err.to_string();
    assert!(msg.starts_with("DistributedDataParallel"), "{msg}");
    // c10d's check names the rank whose shapes differ from rank 0's; rank 0 learns it from the
    // group (the other rank leaves it instead of joining the broadcast).
    if rank == 1 {
        assert!(
            msg.contains("params[0] in this process with sizes [3, 4] appears not to match"),
            "{msg}"
        );
    }
    dist::destroy_process_group().unwrap();
}

#[test]
fn ddp_of_different_models_fails_at_construction() {
    if run_child_case(|_| mismatch()) {
        return;
    }
    let results = spawn_ranks(
        "ddp_of_different_models_fails_at_construction",
        "mismatch",
        WORLD,
        &[0, 1],
        Duration::from_secs(60),
    );
    assert_all_ok(&results);
}

/// The Python rank (0) of `a_rust_and_a_python_ddp_rank_train_together`: torch's own
/// DistributedDataParallel on the same net, seeds and batches as `equals_single`, checked
/// against its own single-process run.
const PYTHON_DDP_RANK: &str = r#"
import torch, torch.distributed as dist
from datetime import timedelta
from torch.nn.parallel import DistributedDataParallel as DDP
dist.init_process_group("gloo", timeout=timedelta(seconds=30))
rank = dist.get_rank()
def net(seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
ddp = DDP(net(100 + rank), bucket_cap_mb=0.0002)
reference = net(100)
opt = torch.optim.SGD(ddp.parameters(), lr=0.1)
ref_opt = torch.optim.SGD(reference.parameters(), lr=0.1)
for step in range(5):
    torch.manual_seed(7 + step)
    x, y = torch.randn(8, 5), torch.randn(8, 3)
    xl, yl = x[4 * rank:4 * rank + 4], y[4 * rank:4 * rank + 4]
    opt.zero_grad()
    torch.nn.functional.mse_loss(ddp(xl), yl).backward()
    opt.step()
    ref_opt.zero_grad()
    torch.nn.functional.mse_loss(reference(x), y).backward()
    ref_opt.step()
for a, b in zip(ddp.module.parameters(), reference.parameters()):
    d = (a - b).abs().max().item()
    assert d <= 1e-6, d
dist.barrier()
dist.destroy_process_group()
print("LTRS_DIST_CASE_DONE")
"#;

/// The Rust rank (1) of the same group: this crate's DistributedDataParallel. Its reference
/// starts from `manual_seed(100)` too, so it also checks that the nets' initial values are
/// PyTorch's (DDP gives both ranks the Python rank's).
fn ddp_with_python() {
    let rank = init();
    assert_eq!(rank, 1);
    let ddp = DistributedDataParallel::new(
        Net::seeded(100 + rank as u64, false),
        DdpOptions::default().bucket_cap_mb(0.0002),
    )
    .unwrap();
    let reference = Net::seeded(100, false);
    let mut opt = Sgd::new(ddp.parameters(), 0.1);
    let mut ref_opt = Sgd::new(reference.parameters(), 0.1);
    for step in 0..5 {
        let (x, y, xl, yl) = batch(7 + step, rank);
        opt.zero_grad();
        ddp.forward(&xl).mse_loss(&yl).backward();
        opt.step().unwrap();
        ref_opt.zero_grad();
        reference.forward(&x).mse_loss(&y).backward();
        ref_opt.step().unwrap();
    }
    assert_close(
        &ddp.module().named_parameters(),
        &reference.named_parameters(),
        1e-6,
        "after 5 steps with a Python rank",
    );
    dist::barrier().unwrap();
    drop(ddp);
    dist::destroy_process_group().unwrap();
}

/// Rank 0 is Python's torch DistributedDataParallel (the Python of `LTRS_TORCH_PYTHON`, torch
/// 2.11.0), rank 1 this crate's: one Gloo group on loopback, 5 steps that must equal each
/// side's single-process run. Run by examples/scripts/python-interop-check.sh.
#[test]
#[ignore = "needs LTRS_TORCH_PYTHON=/path/to/python with torch 2.11.0"]
fn a_rust_and_a_python_ddp_rank_train_together() {
    if run_child_case(|_| ddp_with_python()) {
        return;
    }
    let python = std::env::var("LTRS_TORCH_PYTHON")
        .expect("LTRS_TORCH_PYTHON names a Python with torch 2.11.0");
    let port = distributed_support::free_port().to_string();
    let env = |c: &mut std::process::Command, rank: usize| {
        c.env("RANK", rank.to_string())
            .env("WORLD_SIZE", "2")
            .env("MASTER_ADDR", LOOPBACK)
            .env("MASTER_PORT", &port)
            .env("GLOO_SOCKET_IFNAME", "lo");
    };
    let mut py = std::process::Command::new(python);
    py.args(["-c", PYTHON_DDP_RANK]);
    env(&mut py, 0);
    let mut rs = std::process::Command::new(std::env::current_exe().unwrap());
    rs.args([
        "--exact",
        "a_rust_and_a_python_ddp_rank_train_together",
        "--nocapture",
        "--include-ignored",
        "--test-threads",
        "1",
    ])
    .env("LTRS_DIST_CASE", "with_python");
    env(&mut rs, 1);
    let results = distributed_support::run_commands(
        vec![("python rank 0", py), ("rust rank 1", rs)],
        Duration::from_secs(90),
    );
    assert_all_ok(&results);
}

/// Rank 1 leaves after DDP's construction; rank 0's backward (whose bucket all-reduce has no
/// peer) fails with an error within the group's timeout, and the process still shuts down
/// cleanly.
fn peer_dies() {
    let timeout = Duration::from_secs(10);
    dist::init_process_group(
        "gloo",
        dist::InitOptions::default()
            .timeout(timeout)
            .device(GlooDevice::Hostname(LOOPBACK.into())),
    )
    .unwrap();
    let rank = dist::get_rank().unwrap();
    let ddp = DistributedDataParallel::new(Net::seeded(100, false), DdpOptions::default()).unwrap();
    dist::barrier().unwrap();
    if rank == 1 {
        println!("{}", distributed_support::DONE);
        std::process::exit(0);
    }
    std::thread::sleep(Duration::from_millis(200));
    let start = std::time::Instant::now();
    let (_, _, xl, yl) = batch(7, rank);
    let err = ddp
        .f_forward(&xl)
        .and_then(|out| out.mse_loss(&yl).backward_with(None, false, false))
        .expect_err("a reduction without its peer fails");
    assert!(
        start.elapsed() < timeout + Duration::from_secs(5),
        "failed only after {:?}",
        start.elapsed()
    );
    // Gloo's own report of the lost peer, from the bucket's all-reduce, as the error of
    // backward.
    let msg = err.to_string();
    assert!(
        msg.starts_with("backward") && msg.contains("127.0.0.1"),
        "{msg}"
    );
    drop(ddp);
    dist::destroy_process_group().unwrap();
}

#[test]
fn ddp_backward_fails_not_hangs_when_a_peer_dies() {
    if run_child_case(|_| peer_dies()) {
        return;
    }
    let results = spawn_ranks(
        "ddp_backward_fails_not_hangs_when_a_peer_dies",
        "peer_dies",
        WORLD,
        &[0, 1],
        Duration::from_secs(60),
    );
    assert_all_ok(&results);
}

/// Buffers follow rank 0: at construction, and before each forward after a synchronized one
/// (`broadcast_buffers`, BatchNorm's running statistics).
fn buffers() {
    let rank = init();
    let mut bn = libtorch::nn::BatchNorm::new(3);
    // Every rank's running mean starts different from every other's.
    bn.running_mean.fill_(rank as f64 + 1.0);
    let mut ddp = DistributedDataParallel::new(bn, DdpOptions::default()).unwrap();
    assert_eq!(ddp.module().running_mean.to_vec::<f32>().unwrap(), [1.0; 3]);
    // A rank's statistics drift (its own training batch); the next forward restores rank 0's
    // before it runs, which eval mode then leaves as they are.
    ddp.module_mut()
        .running_mean
        .fill_(10.0 * (rank as f64 + 1.0));
    ddp.eval();
    let x = Tensor::ones(&[4, 3]);
    let _ = libtorch::no_grad(|| ddp.forward(&x));
    assert_eq!(
        ddp.module().running_mean.to_vec::<f32>().unwrap(),
        [10.0; 3]
    );
    drop(ddp);
    dist::destroy_process_group().unwrap();
}

#[test]
fn ddp_broadcasts_rank_0s_buffers() {
    if run_child_case(|_| buffers()) {
        return;
    }
    let results = spawn_ranks(
        "ddp_broadcasts_rank_0s_buffers",
        "buffers",
        WORLD,
        &[0, 1],
        Duration::from_secs(60),
    );
    assert_all_ok(&results);
}

/// The gradients one process computes for rank `r`'s share of the batch of `seed`.
fn local_grad_values(seed: u64, r: usize) -> Vec<Tensor> {
    let net = Net::seeded(100, false);
    let (_, _, xl, yl) = batch(seed, r);
    net.forward(&xl).mse_loss(&yl).backward();
    grad_values(&net)
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
        let (g0, g1) = (
            local_grad_values(7 + step, 0),
            local_grad_values(7 + step, 1),
        );
        let mut rounded_somewhere = false;
        for ((got, a), b) in grad_values(ddp.module()).iter().zip(&g0).zip(&g1) {
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
        for (a, b) in grad_values(ddp.module())
            .iter()
            .zip(grad_values(&reference))
        {
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
