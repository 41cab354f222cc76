//! The child-process launcher of the distributed tests: the test binary re-runs itself, one
//! process per rank, with `LTRS_DIST_CASE` naming the case and `RANK`, `WORLD_SIZE`,
//! `MASTER_ADDR`, `MASTER_PORT` set as torchrun sets them. Children still running at the
//! deadline are killed, so a dead peer fails a case instead of hanging the run. Only 127.0.0.1.
#![allow(dead_code)]
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const LOOPBACK: &str = "127.0.0.1";

/// What a child prints last when its case passed.
pub const DONE: &str = "LTRS_DIST_CASE_DONE";

/// A port nothing listens on right now (the OS's pick for a bound-then-closed socket).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind((LOOPBACK, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `case` (in the test named `test`) as ranks `ranks` of a group of `world` processes;
/// returns each rank's success and output. Should another process take the picked port in
/// between, the run is repeated on another port (at most 3 runs).
pub fn spawn_ranks(
    test: &str,
    case: &str,
    world: usize,
    ranks: &[usize],
    deadline: Duration,
) -> Vec<(bool, String)> {
    let mut results = Vec::new();
    for _ in 0..3 {
        results = spawn_ranks_once(test, case, world, ranks, deadline, free_port());
        if !results
            .iter()
            .any(|(_, out)| out.contains("Address already in use"))
        {
            break;
        }
    }
    results
}

fn spawn_ranks_once(
    test: &str,
    case: &str,
    world: usize,
    ranks: &[usize],
    deadline: Duration,
    port: u16,
) -> Vec<(bool, String)> {
    let exe = std::env::current_exe().unwrap();
    let mut children: Vec<_> = ranks
        .iter()
        .map(|&rank| {
            Command::new(&exe)
                .args(["--exact", test, "--nocapture", "--test-threads", "1"])
                .env("LTRS_DIST_CASE", case)
                .env("RANK", rank.to_string())
                .env("WORLD_SIZE", world.to_string())
                .env("MASTER_ADDR", LOOPBACK)
                .env("MASTER_PORT", port.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let start = Instant::now();
    let mut status = vec![None; children.len()];
    while status.iter().any(Option::is_none) && start.elapsed() < deadline {
        for (i, child) in children.iter_mut().enumerate() {
            if status[i].is_none() {
                status[i] = child.try_wait().unwrap();
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    children
        .into_iter()
        .zip(status)
        .zip(ranks)
        .map(|((mut child, st), rank)| {
            if st.is_none() {
                let _ = child.kill();
            }
            let out = child.wait_with_output().unwrap();
            let text = format!(
                "rank {rank}: {}\n{}{}",
                match st {
                    None => "killed at the deadline".to_owned(),
                    Some(s) => s.to_string(),
                },
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let ok = st.is_some_and(|s| s.success()) && text.contains(DONE);
            (ok, text)
        })
        .collect()
}

/// Runs the named commands at once (stdout and stderr captured), killing those still running
/// at `deadline`; each one's success (exit 0 and [`DONE`] printed) and output.
pub fn run_commands(commands: Vec<(&str, Command)>, deadline: Duration) -> Vec<(bool, String)> {
    let mut children: Vec<_> = commands
        .into_iter()
        .map(|(name, mut c)| {
            let child = c
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("starting {name}: {e}"));
            (name.to_owned(), child)
        })
        .collect();
    let start = Instant::now();
    let mut status = vec![None; children.len()];
    while status.iter().any(Option::is_none) && start.elapsed() < deadline {
        for (i, (_, child)) in children.iter_mut().enumerate() {
            if status[i].is_none() {
                status[i] = child.try_wait().unwrap();
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    children
        .into_iter()
        .zip(status)
        .map(|((name, mut child), st)| {
            if st.is_none() {
                let _ = child.kill();
            }
            let out = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let ok = st.is_some_and(|s| s.success()) && stdout.contains(DONE);
            let text = format!(
                "{name}: {}\n{stdout}{}",
                st.map_or("killed at the deadline".to_owned(), |s| s.to_string()),
                String::from_utf8_lossy(&out.stderr)
            );
            (ok, text)
        })
        .collect()
}

/// In a child: runs the case `LTRS_DIST_CASE` names through `run`, prints [`DONE`] and returns
/// true; in the parent: false.
pub fn run_child_case(run: impl FnOnce(&str)) -> bool {
    let Ok(case) = std::env::var("LTRS_DIST_CASE") else {
        return false;
    };
    run(&case);
    println!("{DONE}");
    true
}

/// Fails with every failed rank's output.
pub fn assert_all_ok(results: &[(bool, String)]) {
    let failed: Vec<&str> = results
        .iter()
        .filter(|(ok, _)| !ok)
        .map(|(_, t)| t.as_str())
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
