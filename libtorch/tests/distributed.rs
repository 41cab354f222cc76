//! torch.distributed on Gloo over loopback: stores in one process, and process groups of 2 and 4
//! processes (this test binary re-run by distributed_support/, with `LTRS_DIST_CASE` naming the
//! case and `RANK`, `WORLD_SIZE`, `MASTER_ADDR`, `MASTER_PORT` set as torchrun sets them). Every
//! child is bounded by the group's timeout and killed by the parent at a deadline, so a dead peer
//! fails a case instead of hanging the run. Only 127.0.0.1 is used.
use libtorch::distributed::{
    self as dist, FileStore, GlooDevice, GlooOptions, HashStore, InitOptions, PrefixStore,
    ReduceOp, TCPStore,
};
use libtorch::Tensor;
use std::process::Command;
use std::time::{Duration, Instant};

mod distributed_support;
use distributed_support::{assert_all_ok, free_port, run_commands, spawn_ranks, LOOPBACK};

/// In a child: runs the case named by LTRS_DIST_CASE and returns true; in the parent: false.
fn run_child_case() -> bool {
    distributed_support::run_child_case(|case| match case {
        "collectives" => collectives(),
        "subgroups" => subgroups(),
        "peer_dies" => peer_dies(),
        "never_joins" => never_joins(),
        "shape_mismatch" => shape_mismatch(),
        "with_python" => with_python(),
        other => panic!("unknown case {other}"),
    })
}

fn init(timeout: Duration) {
    dist::init_process_group(
        "gloo",
        InitOptions::default()
            .timeout(timeout)
            .device(GlooDevice::Hostname(LOOPBACK.into())),
    )
    .unwrap();
}

fn floats(values: &[f32]) -> Tensor {
    Tensor::from_slice(values)
}

fn values(t: &Tensor) -> Vec<f32> {
    t.to_vec::<f32>().unwrap()
}

/// Every collective against hand-computed values. Rank r holds values made from r, so the
/// expected results are sums and products over 0..world.
fn collectives() {
    init(Duration::from_secs(30));
    let rank = dist::get_rank().unwrap();
    let world = dist::get_world_size().unwrap();
    assert_eq!(dist::get_backend().unwrap(), "gloo");
    let again = dist::init_process_group("gloo", InitOptions::default()).unwrap_err();
    assert!(again.message().contains("already initialized"), "{again}");
    let (r, w) = (rank as f32, world as f32);
    let tri = w * (w + 1.0) / 2.0; // 1 + 2 + ... + w

    // all_reduce: rank r holds [r+1, 2(r+1)].
    let mine = || floats(&[r + 1.0, 2.0 * (r + 1.0)]);
    let mut t = mine();
    dist::all_reduce(&mut t, ReduceOp::Sum).unwrap();
    assert_eq!(values(&t), [tri, 2.0 * tri]);
    let mut t = mine();
    dist::all_reduce(&mut t, ReduceOp::Avg).unwrap();
    assert_eq!(values(&t), [tri / w, 2.0 * tri / w]);
    let mut t = mine();
    dist::all_reduce(&mut t, ReduceOp::Min).unwrap();
    assert_eq!(values(&t), [1.0, 2.0]);
    let mut t = mine();
    dist::all_reduce(&mut t, ReduceOp::Max).unwrap();
    assert_eq!(values(&t), [w, 2.0 * w]);
    let mut t = mine();
    dist::all_reduce(&mut t, ReduceOp::Product).unwrap();
    let factorial: f32 = (1..=world).map(|k| k as f32).product();
    assert_eq!(values(&t), [factorial, factorial * 2f32.powi(world as i32)]);
    // Integers too, and an AVG on them is refused before anything is sent.
    let mut t = Tensor::from_slice(&[rank as i64 * 3]);
    dist::all_reduce(&mut t, ReduceOp::Sum).unwrap();
    assert_eq!(
        t.to_vec::<i64>().unwrap(),
        [3 * (world as i64 - 1) * world as i64 / 2]
    );
    let err = dist::all_reduce(&mut t, ReduceOp::Avg).unwrap_err();
    assert!(err.message().contains("floating-point"), "{err}");

    // The async form: a Work to wait on.
    let mut t = mine();
    let work = dist::all_reduce_async(&mut t, ReduceOp::Sum).unwrap();
    work.wait().unwrap();
    assert_eq!(values(&t), [tri, 2.0 * tri]);
    let mut t = mine();
    let work = dist::all_reduce_async(&mut t, ReduceOp::Avg).unwrap();
    let start = Instant::now();
    while !work.is_completed().unwrap() {
        assert!(start.elapsed() < Duration::from_secs(20), "never completed");
        std::thread::sleep(Duration::from_millis(1));
    }
    work.wait_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(values(&t), [tri / w, 2.0 * tri / w]);
    // A Work dropped unwaited still runs (it holds its tensors); Gloo's barrier waits for the
    // work queued before it.
    let mut t = mine();
    drop(dist::all_reduce_async(&mut t, ReduceOp::Sum).unwrap());
    dist::barrier().unwrap();
    assert_eq!(values(&t), [tri, 2.0 * tri]);

    // broadcast from the last rank.
    let mut t = floats(&[r, -r]);
    dist::broadcast(&mut t, world - 1).unwrap();
    assert_eq!(values(&t), [w - 1.0, 1.0 - w]);

    // reduce to rank 0.
    let mut t = mine();
    dist::reduce(&mut t, 0, ReduceOp::Sum).unwrap();
    if rank == 0 {
        assert_eq!(values(&t), [tri, 2.0 * tri]);
    }

    // all_gather: slot k gets rank k's [10k, 10k+1].
    let input = floats(&[10.0 * r, 10.0 * r + 1.0]);
    let mut outs: Vec<Tensor> = (0..world).map(|_| Tensor::zeros(&[2])).collect();
    dist::all_gather(&mut outs, &input).unwrap();
    for (k, o) in outs.iter().enumerate() {
        assert_eq!(values(o), [10.0 * k as f32, 10.0 * k as f32 + 1.0]);
    }
    let mut flat = Tensor::zeros(&[2 * world as i64]);
    dist::all_gather_into_tensor(&mut flat, &input).unwrap();
    let want: Vec<f32> = (0..world)
        .flat_map(|k| [10.0 * k as f32, 10.0 * k as f32 + 1.0])
        .collect();
    assert_eq!(values(&flat), want);

    // gather to the last rank.
    let dst = world - 1;
    if rank == dst {
        let mut list: Vec<Tensor> = (0..world).map(|_| Tensor::zeros(&[2])).collect();
        dist::gather(&input, Some(&mut list), dst).unwrap();
        for (k, o) in list.iter().enumerate() {
            assert_eq!(values(o), [10.0 * k as f32, 10.0 * k as f32 + 1.0]);
        }
    } else {
        dist::gather(&input, None, dst).unwrap();
    }

    // scatter from rank 0: rank k gets [100 + k].
    let mut t = Tensor::zeros(&[1]);
    if rank == 0 {
        let list: Vec<Tensor> = (0..world).map(|k| floats(&[100.0 + k as f32])).collect();
        dist::scatter(&mut t, Some(&list), 0).unwrap();
    } else {
        dist::scatter(&mut t, None, 0).unwrap();
    }
    assert_eq!(values(&t), [100.0 + r]);

    // reduce_scatter: rank k's input j is [k*w + j]; output on rank r = sum_k (k*w + r).
    let expect = w * (w - 1.0) / 2.0 * w + w * r;
    let inputs: Vec<Tensor> = (0..world).map(|j| floats(&[r * w + j as f32])).collect();
    let mut out = Tensor::zeros(&[1]);
    dist::reduce_scatter(&mut out, &inputs, ReduceOp::Sum).unwrap();
    assert_eq!(values(&out), [expect]);
    let flat_in = Tensor::from_slice(&(0..world).map(|j| r * w + j as f32).collect::<Vec<_>>());
    let mut out = Tensor::zeros(&[1]);
    dist::reduce_scatter_tensor(&mut out, &flat_in, ReduceOp::Sum).unwrap();
    assert_eq!(values(&out), [expect]);
    let mut out = Tensor::zeros(&[1]);
    dist::reduce_scatter_tensor(&mut out, &flat_in, ReduceOp::Avg).unwrap();
    assert_eq!(values(&out), [expect / w]);

    // all_to_all_single, even: rank r sends [100r + j] to rank j, receives [100j + r] from j.
    let input = Tensor::from_slice(&(0..world).map(|j| 100.0 * r + j as f32).collect::<Vec<_>>());
    let mut out = Tensor::zeros(&[world as i64]);
    dist::all_to_all_single(&mut out, &input, None, None).unwrap();
    let want: Vec<f32> = (0..world).map(|j| 100.0 * j as f32 + r).collect();
    assert_eq!(values(&out), want);
    // Uneven: rank r sends j+1 copies of (10r + j) to rank j, so it receives r+1 values from
    // every rank.
    let in_splits: Vec<i64> = (0..world as i64).map(|j| j + 1).collect();
    let input: Vec<f32> = (0..world)
        .flat_map(|j| std::iter::repeat_n(10.0 * r + j as f32, j + 1))
        .collect();
    let out_splits = vec![rank as i64 + 1; world];
    let mut out = Tensor::zeros(&[(world * (rank + 1)) as i64]);
    dist::all_to_all_single(
        &mut out,
        &Tensor::from_slice(&input),
        Some(&out_splits),
        Some(&in_splits),
    )
    .unwrap();
    let want: Vec<f32> = (0..world)
        .flat_map(|j| std::iter::repeat_n(10.0 * j as f32 + r, rank + 1))
        .collect();
    assert_eq!(values(&out), want);

    // send/recv around the ring: each rank sends [r, r*r] to the next.
    let next = (rank + 1) % world;
    let prev = (rank + world - 1) % world;
    let send = floats(&[r, r * r]);
    let sent = dist::isend(&send, next, 7).unwrap();
    let mut got = Tensor::zeros(&[2]);
    assert_eq!(dist::recv(&mut got, prev, 7).unwrap(), prev);
    sent.wait().unwrap();
    let p = prev as f32;
    assert_eq!(values(&got), [p, p * p]);
    let mut got = Tensor::zeros(&[2]);
    let recv = dist::irecv(&mut got, prev, 8).unwrap();
    dist::send(&send, next, 8).unwrap();
    recv.wait().unwrap();
    assert_eq!(values(&got), [p, p * p]);

    // Explicit errors, no hang: a rank out of range, a GPU-less device mismatch.
    let err = dist::broadcast(&mut mine(), world).unwrap_err();
    assert!(err.message().contains("not in the group"), "{err}");

    dist::barrier().unwrap();
    dist::barrier_async().unwrap().wait().unwrap();
    dist::destroy_process_group().unwrap();
    assert!(!dist::is_initialized());
    assert!(dist::all_reduce(&mut mine(), ReduceOp::Sum).is_err());
}

#[test]
fn every_collective_on_2_and_4_ranks() {
    if run_child_case() {
        return;
    }
    for world in [2, 4] {
        let ranks: Vec<usize> = (0..world).collect();
        let results = spawn_ranks(
            "every_collective_on_2_and_4_ranks",
            "collectives",
            world,
            &ranks,
            Duration::from_secs(120),
        );
        assert_all_ok(&results);
    }
}

/// On 4 ranks: the even ranks and the odd ranks (listed out of order) each form a subgroup,
/// then every rank one more; sums, ranks and sizes are each group's own, and a non-member gets
/// `None`. Rank r contributes r + 1.
fn subgroups() {
    init(Duration::from_secs(30));
    let rank = dist::get_rank().unwrap();
    let r = rank as f32;
    // Refused on every rank alike (so the group names stay in step), before any rendezvous.
    let e = dist::new_group(&[0, 4]).unwrap_err();
    assert!(
        e.message()
            .contains("rank 4 is not in the default group of world_size 4"),
        "{e}"
    );
    let e = dist::new_group(&[1, 1]).unwrap_err();
    assert!(e.message().contains("rank 1 is listed twice"), "{e}");

    let even = dist::new_group(&[0, 2]).unwrap();
    let odd = dist::new_group_with(&[3, 1], Some(Duration::from_secs(20))).unwrap();
    let all = dist::new_group(&[])
        .unwrap()
        .expect("every rank is in new_group([])");
    let (mine, other) = if rank % 2 == 0 {
        (even, odd)
    } else {
        (odd, even)
    };
    assert!(
        other.is_none(),
        "rank {rank} is not in the other parity's group"
    );
    let mine = mine.expect("a member gets its group");
    assert_eq!((mine.rank(), mine.size()), (rank / 2, 2));
    let mut t = floats(&[r + 1.0]);
    mine.all_reduce(&mut t, ReduceOp::Sum).unwrap();
    // Even ranks 0, 2 hold 1, 3; odd ranks 1, 3 hold 2, 4.
    let want = if rank % 2 == 0 { 4.0 } else { 6.0 };
    assert_eq!(values(&t), [want]);
    let mut b = floats(&[r]);
    mine.broadcast(&mut b, 1).unwrap(); // group rank 1: global 2 or 3
    assert_eq!(values(&b), [if rank % 2 == 0 { 2.0 } else { 3.0 }]);
    assert_eq!((all.rank(), all.size()), (rank, 4));
    let mut t = floats(&[r + 1.0]);
    all.all_reduce(&mut t, ReduceOp::Sum).unwrap();
    assert_eq!(values(&t), [10.0]);
    // The default group is unaffected.
    let mut t = floats(&[1.0]);
    dist::all_reduce(&mut t, ReduceOp::Sum).unwrap();
    assert_eq!(values(&t), [4.0]);
    dist::destroy_process_group().unwrap();
    assert!(dist::new_group(&[0]).is_err());
}

#[test]
fn subgroups_of_4_ranks() {
    if run_child_case() {
        return;
    }
    let ranks: Vec<usize> = (0..4).collect();
    let results = spawn_ranks(
        "subgroups_of_4_ranks",
        "subgroups",
        4,
        &ranks,
        Duration::from_secs(120),
    );
    assert_all_ok(&results);
}

/// Rank 1 exits right after joining; rank 0's all_reduce must fail within the group's timeout.
fn peer_dies() {
    let timeout = Duration::from_secs(10);
    init(timeout);
    dist::barrier().unwrap();
    if dist::get_rank().unwrap() == 1 {
        println!("LTRS_DIST_CASE_DONE");
        std::process::exit(0);
    }
    // Let the peer go.
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    let mut t = floats(&[1.0]);
    let err = dist::all_reduce(&mut t, ReduceOp::Sum).unwrap_err();
    let took = start.elapsed();
    println!("all_reduce with a dead peer failed after {took:?}: {err}");
    assert!(took < timeout + Duration::from_secs(5), "took {took:?}");
    // After the error the process shuts down cleanly.
    dist::destroy_process_group().unwrap();
}

#[test]
fn a_dead_peer_makes_collectives_fail_not_hang() {
    if run_child_case() {
        return;
    }
    let results = spawn_ranks(
        "a_dead_peer_makes_collectives_fail_not_hang",
        "peer_dies",
        2,
        &[0, 1],
        Duration::from_secs(60),
    );
    assert_all_ok(&results);
}

/// Only rank 0 of 2 starts: init_process_group must fail within its timeout.
fn never_joins() {
    let timeout = Duration::from_secs(3);
    let start = Instant::now();
    let err = dist::init_process_group(
        "gloo",
        InitOptions::default()
            .timeout(timeout)
            .device(GlooDevice::Hostname(LOOPBACK.into())),
    )
    .unwrap_err();
    let took = start.elapsed();
    println!("init without the peer failed after {took:?}: {err}");
    assert!(took < timeout + Duration::from_secs(5), "took {took:?}");
    assert!(err.to_string().to_lowercase().contains("time"), "{err}");
    assert!(!dist::is_initialized());
}

#[test]
fn a_rank_that_never_joins_makes_init_fail_not_hang() {
    if run_child_case() {
        return;
    }
    let results = spawn_ranks(
        "a_rank_that_never_joins_makes_init_fail_not_hang",
        "never_joins",
        2,
        &[0],
        Duration::from_secs(60),
    );
    assert_all_ok(&results);
}

/// With collective checks on, ranks that all_reduce tensors of different shapes, or of
/// different dtypes, or call different collectives, get an error on every rank, within the
/// timeout; the group stays usable afterwards.
fn shape_mismatch() {
    let timeout = Duration::from_secs(10);
    dist::init_process_group(
        "gloo",
        InitOptions::default()
            .timeout(timeout)
            .device(GlooDevice::Hostname(LOOPBACK.into()))
            .check_collectives(true),
    )
    .unwrap();
    let rank = dist::get_rank().unwrap();
    let bounded = |what: &str, r: libtorch::Result<()>, start: Instant| {
        let err = r.unwrap_err();
        let took = start.elapsed();
        println!("{what} failed after {took:?}: {err}");
        assert!(took < timeout + Duration::from_secs(5), "took {took:?}");
    };
    let mut t = Tensor::zeros(&[2 + rank as i64]);
    let start = Instant::now();
    bounded("shapes", dist::all_reduce(&mut t, ReduceOp::Sum), start);
    let mut t = if rank == 0 {
        Tensor::zeros(&[2])
    } else {
        Tensor::from_slice(&[0i64, 0])
    };
    let start = Instant::now();
    bounded("dtypes", dist::all_reduce(&mut t, ReduceOp::Sum), start);
    let mut t = Tensor::zeros(&[2]);
    let start = Instant::now();
    let r = if rank == 0 {
        dist::all_reduce(&mut t, ReduceOp::Sum)
    } else {
        dist::broadcast(&mut t, 0)
    };
    bounded("different collectives", r, start);
    // Matching calls still work.
    let mut t = Tensor::from_slice(&[rank as f32 + 1.0]);
    dist::all_reduce(&mut t, ReduceOp::Sum).unwrap();
    assert_eq!(values(&t), [3.0]);
    dist::destroy_process_group().unwrap();
}

#[test]
fn mismatched_shapes_fail_not_hang() {
    if run_child_case() {
        return;
    }
    let results = spawn_ranks(
        "mismatched_shapes_fail_not_hang",
        "shape_mismatch",
        2,
        &[0, 1],
        Duration::from_secs(60),
    );
    assert_all_ok(&results);
}

#[test]
fn stores_set_get_add_wait_delete() {
    if run_child_case() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("ltrs-filestore-{}", std::process::id()));
    let _ = std::fs::remove_file(&dir);
    let file = FileStore::new(dir.to_str().unwrap(), Some(1)).unwrap();
    for store in [HashStore::new().unwrap(), file] {
        store.set("a", b"hello").unwrap();
        assert_eq!(store.get("a").unwrap(), b"hello");
        assert_eq!(store.add("n", 5).unwrap(), 5);
        assert_eq!(store.add("n", -2).unwrap(), 3);
        assert!(store.check(&["a", "n"]).unwrap());
        assert!(!store.check(&["missing"]).unwrap());
        assert_eq!(store.compare_set("a", b"hello", b"bye").unwrap(), b"bye");
        assert_eq!(store.compare_set("a", b"nope", b"x").unwrap(), b"bye");
        store.wait(&["a"]).unwrap();
        let start = Instant::now();
        let err = store
            .wait_timeout(&["never"], Duration::from_millis(200))
            .unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(err.message().to_lowercase().contains("time"), "{err}");
        store.set_timeout(Duration::from_millis(200)).unwrap();
        assert_eq!(store.timeout().unwrap(), Duration::from_millis(200));
        assert!(store.get("never").is_err());

        let prefixed = PrefixStore::new("job", &store).unwrap();
        prefixed.set("a", b"inner").unwrap();
        assert_eq!(prefixed.get("a").unwrap(), b"inner");
        assert_eq!(store.get("job/a").unwrap(), b"inner");
        assert_eq!(store.get("a").unwrap(), b"bye");
    }
    let hash = HashStore::new().unwrap();
    hash.set("k", [1u8, 2]).unwrap();
    assert_eq!(hash.num_keys().unwrap(), 1);
    assert!(hash.delete_key("k").unwrap());
    assert!(!hash.delete_key("k").unwrap());
    assert_eq!(hash.num_keys().unwrap(), 0);
    let _ = std::fs::remove_file(&dir);
}

#[test]
fn tcp_store_master_and_clients_on_loopback() {
    if run_child_case() {
        return;
    }
    let timeout = Duration::from_secs(10);
    let master = TCPStore::new(LOOPBACK, 0, None, true, timeout).unwrap();
    let port = master.port().unwrap();
    assert_ne!(port, 0);
    let clients: Vec<_> = (0..3)
        .map(|i| {
            std::thread::spawn(move || {
                let c = TCPStore::new(LOOPBACK, port, None, false, timeout).unwrap();
                c.set(&format!("from/{i}"), [i as u8]).unwrap();
                c.add("count", 1).unwrap();
                c.wait(&["go"]).unwrap();
                c.get("go").unwrap()
            })
        })
        .collect();
    master
        .wait_timeout(&["from/0", "from/1", "from/2"], timeout)
        .unwrap();
    master.set("go", b"now").unwrap();
    for c in clients {
        assert_eq!(c.join().unwrap(), b"now");
    }
    assert_eq!(master.add("count", 0).unwrap(), 3);
    assert_eq!(master.get("from/2").unwrap(), [2]);
    assert!(master.delete_key("go").unwrap());
}

#[test]
fn tcp_store_that_refuses_names_host_and_port() {
    if run_child_case() {
        return;
    }
    let port = free_port();
    let start = Instant::now();
    let err = match TCPStore::new(LOOPBACK, port, None, false, Duration::from_secs(2)) {
        Err(e) => e,
        Ok(_) => panic!("connected to a port nothing listens on"),
    };
    assert!(start.elapsed() < Duration::from_secs(20));
    let text = err.to_string();
    assert!(text.contains(&format!("{LOOPBACK}:{port}")), "{text}");
}

#[test]
fn init_process_group_reports_missing_environment() {
    if run_child_case() {
        return;
    }
    // Explicit rank and world size, but no MASTER_ADDR in a test process: a clear error.
    if std::env::var_os("MASTER_ADDR").is_some() {
        return;
    }
    let err =
        dist::init_process_group("gloo", InitOptions::default().rank(0).world_size(1)).unwrap_err();
    assert!(err.message().contains("MASTER_ADDR"), "{err}");
    let err = dist::init_process_group("nccl", InitOptions::default()).unwrap_err();
    assert!(err.message().contains("only \"gloo\""), "{err}");
    assert!(dist::get_rank().is_err());
}

#[test]
fn single_rank_group_from_a_store() {
    if run_child_case() {
        return;
    }
    let store = HashStore::new().unwrap();
    let options =
        GlooOptions::new(Duration::from_secs(10)).device(GlooDevice::Hostname(LOOPBACK.into()));
    let group = dist::ProcessGroup::new_gloo(&store, 0, 1, &options).unwrap();
    assert_eq!((group.rank(), group.size()), (0, 1));
    let mut t = floats(&[1.5, -2.0]);
    group.all_reduce(&mut t, ReduceOp::Avg).unwrap();
    assert_eq!(values(&t), [1.5, -2.0]);
    group.barrier().unwrap();
    // What Gloo cannot take safely is refused before anything starts: a sparse tensor, an
    // undefined one.
    let mut sparse = floats(&[0.0, 3.0]).to_sparse();
    let err = group.all_reduce(&mut sparse, ReduceOp::Sum).unwrap_err();
    assert!(err.message().contains("dense"), "{err}");
    let err = group
        .all_reduce(&mut Tensor::default(), ReduceOp::Sum)
        .unwrap_err();
    assert!(err.message().contains("undefined"), "{err}");
    // A rank outside the group is refused.
    assert!(dist::ProcessGroup::new_gloo(&store, 1, 1, &options).is_err());
}

/// The Python rank of `a_rust_and_a_python_rank_form_one_group`: torch.distributed's own
/// init_process_group and collectives, checked against the same hand-computed values.
const PYTHON_RANK: &str = r#"
import torch, torch.distributed as dist
from datetime import timedelta
dist.init_process_group("gloo", timeout=timedelta(seconds=30))
r, w = dist.get_rank(), dist.get_world_size()
t = torch.tensor([r + 1.0, 10.0 * (r + 1)])
dist.all_reduce(t)
assert t.tolist() == [3.0, 30.0], t
b = torch.tensor([float(r), -float(r)])
dist.broadcast(b, src=1)
assert b.tolist() == [1.0, -1.0], b
outs = [torch.zeros(2) for _ in range(w)]
dist.all_gather(outs, torch.tensor([float(r), 100.0 + r]))
assert [o.tolist() for o in outs] == [[0.0, 100.0], [1.0, 101.0]], outs
got = torch.zeros(1)
dist.recv(got, src=1, tag=3)
assert got.tolist() == [42.0], got
dist.barrier()
dist.destroy_process_group()
print("LTRS_DIST_CASE_DONE")
"#;

/// The Rust rank (1) of the same group.
fn with_python() {
    dist::init_process_group(
        "gloo",
        InitOptions::default().timeout(Duration::from_secs(30)),
    )
    .unwrap();
    let (r, w) = (dist::get_rank().unwrap(), dist::get_world_size().unwrap());
    assert_eq!((r, w), (1, 2));
    let mut t = floats(&[2.0, 20.0]);
    dist::all_reduce(&mut t, ReduceOp::Sum).unwrap();
    assert_eq!(values(&t), [3.0, 30.0]);
    let mut b = floats(&[1.0, -1.0]);
    dist::broadcast(&mut b, 1).unwrap();
    assert_eq!(values(&b), [1.0, -1.0]);
    let mut outs = vec![Tensor::zeros(&[2]), Tensor::zeros(&[2])];
    dist::all_gather(&mut outs, &floats(&[1.0, 101.0])).unwrap();
    assert_eq!(values(&outs[0]), [0.0, 100.0]);
    assert_eq!(values(&outs[1]), [1.0, 101.0]);
    dist::send(&floats(&[42.0]), 0, 3).unwrap();
    dist::barrier().unwrap();
    dist::destroy_process_group().unwrap();
}

/// Rank 0 is Python's torch.distributed (the Python of `LTRS_TORCH_PYTHON`, with torch 2.11.0),
/// rank 1 is this crate: one Gloo group, on loopback (`GLOO_SOCKET_IFNAME=lo`).
#[test]
#[ignore = "needs LTRS_TORCH_PYTHON=/path/to/python with torch 2.11.0"]
fn a_rust_and_a_python_rank_form_one_group() {
    if run_child_case() {
        return;
    }
    let python = std::env::var("LTRS_TORCH_PYTHON")
        .expect("LTRS_TORCH_PYTHON names a Python with torch 2.11.0");
    let port = free_port();
    let env = |c: &mut Command, rank: usize| {
        c.env("RANK", rank.to_string())
            .env("WORLD_SIZE", "2")
            .env("MASTER_ADDR", LOOPBACK)
            .env("MASTER_PORT", port.to_string())
            .env("GLOO_SOCKET_IFNAME", "lo");
    };
    let mut py = Command::new(python);
    py.args(["-c", PYTHON_RANK]);
    env(&mut py, 0);
    let mut rs = Command::new(std::env::current_exe().unwrap());
    rs.args([
        "--exact",
        "a_rust_and_a_python_rank_form_one_group",
        "--nocapture",
        "--include-ignored",
        "--test-threads",
        "1",
    ])
    .env("LTRS_DIST_CASE", "with_python");
    env(&mut rs, 1);
    let results = run_commands(
        vec![("python rank 0", py), ("rust rank 1", rs)],
        Duration::from_secs(90),
    );
    assert_all_ok(&results);
}
