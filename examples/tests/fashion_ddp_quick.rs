//! `fashion-mnist --nproc 2` in CI: two local ranks train the MLP with DistributedDataParallel
//! for one epoch on the first 2,000 training images; only rank 0 reports, far above chance.
//! And a run whose ranks fail makes the launcher fail, naming each rank.
//!
//! Needs the data as examples/tests/fashion_quick.rs does (found or fetched; only
//! `LTRS_SKIP_FASHION_MNIST=1` skips instead of failing where it can never be had).
use examples::fashion::locate;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs the example with `args`, killed after `deadline`.
fn run(args: &[&str], deadline: Duration) -> (Option<bool>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fashion-mnist"))
        .args(args)
        .env_remove("RANK")
        .env_remove("WORLD_SIZE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut finished = None;
    while finished.is_none() && start.elapsed() < deadline {
        finished = child.try_wait().unwrap();
        std::thread::sleep(Duration::from_millis(50));
    }
    if finished.is_none() {
        let _ = child.kill();
    }
    let Output { stdout, stderr, .. } = child.wait_with_output().unwrap();
    (
        finished.map(|s| s.success()),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

#[test]
fn nproc_2_trains_with_ddp_and_fails_when_ranks_fail() {
    if std::env::var("LTRS_SKIP_FASHION_MNIST").is_ok_and(|v| v == "1") {
        eprintln!("SKIPPED on request (LTRS_SKIP_FASHION_MNIST=1): the --nproc 2 quick run");
        return;
    }
    let dir = locate::data_dir(None).unwrap_or_else(|e| {
        panic!(
            "Fashion-MNIST is not available here: {e}. Install Debian's dataset-fashion-mnist, \
             or let deps/get-fashion-mnist.sh fetch it; LTRS_SKIP_FASHION_MNIST=1 skips"
        )
    });
    let out_dir = std::env::temp_dir().join(format!("fashion-ddp-{}", std::process::id()));
    let (dir_s, out_s) = (dir.to_str().unwrap(), out_dir.to_str().unwrap());
    let (ok, stdout, stderr) = run(
        &[
            "--nproc",
            "2",
            "--data-dir",
            dir_s,
            "--train-subset",
            "2000",
            "--epochs",
            "1",
            "--threads",
            "1",
            "--workers",
            "0",
            "--target-accuracy",
            "0.5",
            "--out-dir",
            out_s,
        ],
        Duration::from_secs(180),
    );
    let _ = std::fs::remove_dir_all(&out_dir);
    assert_eq!(ok, Some(true), "{stdout}\n{stderr}");
    // Only rank 0 prints: one header, one epoch line, one verdict.
    assert_eq!(
        stdout
            .matches("2 ranks (DistributedDataParallel, Gloo)")
            .count(),
        1,
        "{stdout}"
    );
    assert_eq!(stdout.matches("epoch 1/1:").count(), 1, "{stdout}");
    let verdict: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("test accuracy"))
        .collect();
    assert_eq!(verdict.len(), 1, "{stdout}");
    let pct: f64 = verdict[0]
        .trim_start_matches("test accuracy ")
        .split('%')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(pct >= 50.0, "{stdout}");

    // Every rank fails (no data there): the launcher fails and names them.
    let (ok, stdout, stderr) = run(
        &["--nproc", "2", "--data-dir", "/nonexistent/fashion-mnist"],
        Duration::from_secs(60),
    );
    assert_eq!(ok, Some(false), "{stdout}\n{stderr}");
    assert!(stderr.contains("rank 0 of 2 failed"), "{stderr}");
    assert!(stderr.contains("rank 1 of 2 failed"), "{stderr}");
}
