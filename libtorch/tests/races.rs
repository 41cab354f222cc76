//! Every operation that changes a tensor's metadata, storage or gradient in place, raced
//! against readers of the same tensor on other threads, for a bounded time (issue #25's
//! "Four threads calling resize_ while four others call size()/sum()"). Metadata changes are
//! refused while other handles exist, and gradient reads and writes are serialised, so none of
//! this may crash; each race runs in a child process so a crash fails its race by name.
use libtorch::Tensor;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long each race runs.
const RACE: Duration = Duration::from_millis(400);

type Mutate = fn(&mut Tensor) -> bool;

/// (name, what a writer does to its own handle; true if it succeeded).
const RACES: &[(&str, Mutate)] = &[
    // Shapes of other sizes and ranks (past 5 dimensions c10 keeps sizes on the heap), and a
    // storage that must grow: every call changes what readers read.
    ("resize_", |t| {
        t.f_resize_(&[64, 64]).is_ok()
            && t.f_resize_(&[2, 3, 4, 5, 6, 7]).is_ok()
            && t.f_resize_(&[100_000]).is_ok()
    }),
    ("set_", |t| t.f_set_().is_ok()),
    ("set_data", |t| {
        t.f_set_data(&Tensor::zeros(&[3])).is_ok()
            && t.f_set_data(&Tensor::zeros(&[2, 3, 4, 5, 6, 7])).is_ok()
    }),
    ("as_strided_", |t| t.f_as_strided_(&[2], &[1]).is_ok()),
    ("transpose_", |t| t.f_transpose_(0, 1).is_ok()),
    ("squeeze_", |t| t.f_squeeze_().is_ok()),
    ("unsqueeze_", |t| {
        t.f_unsqueeze_(0).is_ok() && t.f_unsqueeze_(0).is_ok() && t.f_squeeze_().is_ok()
    }),
    ("detach_", |t| t.f_detach_().is_ok()),
    ("set_grad", |t| {
        let g = Tensor::ones(&[8, 8]);
        t.f_set_grad(Some(&g)).is_ok() && t.f_set_grad(None).is_ok()
    }),
    ("zero_grad", |t| t.f_zero_grad().is_ok()),
];

fn race(mutate: Mutate) {
    let t = Tensor::zeros(&[8, 8]).set_requires_grad(true);
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for _ in 0..4 {
        let (mut h, halt) = (t.shallow_clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            while !halt.load(Ordering::Relaxed) {
                mutate(&mut h);
            }
        }));
        let (h, halt) = (t.shallow_clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            while !halt.load(Ordering::Relaxed) {
                let _ = h.f_size();
                let _ = h.f_sum();
                let _ = h
                    .f_grad()
                    .map(|g| g.defined() && g.sum().double_value() >= 0.0);
            }
        }));
    }
    std::thread::sleep(RACE);
    stop.store(true, Ordering::Relaxed);
    for th in threads {
        th.join().unwrap();
    }
}

#[test]
fn metadata_changes_raced_with_readers_do_not_crash() {
    if let Ok(name) = std::env::var("LTRS_RACE") {
        let (_, mutate) = RACES
            .iter()
            .find(|(n, _)| *n == name)
            .expect("a known race");
        race(*mutate);
        println!("LTRS_RACE_DONE");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut failures = Vec::new();
    for (name, _) in RACES {
        let start = Instant::now();
        let out = Command::new(&exe)
            .args([
                "--exact",
                "metadata_changes_raced_with_readers_do_not_crash",
            ])
            .args(["--nocapture", "--test-threads", "1"])
            .env("LTRS_RACE", name)
            .output()
            .unwrap();
        let done = String::from_utf8_lossy(&out.stdout).contains("LTRS_RACE_DONE");
        if !(out.status.success() && done) || start.elapsed() > Duration::from_secs(60) {
            failures.push(format!(
                "{name}: {} after {:?}\n{}",
                out.status,
                start.elapsed(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The other side of the rule: a tensor nobody else holds may change freely, and the change is
/// what PyTorch does.
#[test]
fn an_unshared_tensor_changes_in_place() {
    let mut t = Tensor::zeros(&[2, 3]);
    t.f_resize_(&[3, 4]).unwrap();
    assert_eq!(t.size(), [3, 4]);
    t.f_transpose_(0, 1).unwrap();
    assert_eq!(t.size(), [4, 3]);
    t.f_unsqueeze_(0).unwrap();
    assert_eq!(t.size(), [1, 4, 3]);
    t.f_set_data(&Tensor::ones(&[5])).unwrap();
    assert_eq!(t.to_vec::<f32>().unwrap(), [1.0; 5]);
    // A second handle makes it shared; dropping it makes it exclusive again.
    let other = t.shallow_clone();
    assert!(t.f_resize_(&[7]).is_err());
    drop(other);
    t.f_resize_(&[7]).unwrap();
}
