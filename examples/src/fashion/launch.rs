//! Running as several local ranks without Python: `--nproc N` re-runs this program N times
//! with the environment torchrun gives its workers, and gathers their exit codes.
use std::ffi::OsString;
use std::process::{Child, Command, ExitStatus};
use std::time::Duration;

/// The variables torchrun sets that say a process is one rank of a group.
pub const TORCHRUN_VARS: [&str; 6] = [
    "RANK",
    "WORLD_SIZE",
    "LOCAL_RANK",
    "LOCAL_WORLD_SIZE",
    "MASTER_ADDR",
    "MASTER_PORT",
];

/// This process's rank and the world size, from torchrun's `RANK` and `WORLD_SIZE` (rank 0 of
/// 1 when they are unset); an error when they are set but not valid.
pub fn rank_and_world() -> Result<(usize, usize), String> {
    let var = |name: &str| -> Result<Option<usize>, String> {
        match std::env::var(name) {
            Ok(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| format!("{name}={v:?} is not a non-negative integer")),
            Err(_) => Ok(None),
        }
    };
    match (var("RANK")?, var("WORLD_SIZE")?) {
        (None, None) => Ok((0, 1)),
        (Some(r), Some(w)) if r < w => Ok((r, w)),
        (Some(r), Some(w)) => Err(format!("RANK={r} is not below WORLD_SIZE={w}")),
        _ => Err("RANK and WORLD_SIZE must be set together (torchrun sets both)".into()),
    }
}

/// `args` without `--nproc N` / `--nproc=N`.
pub fn without_nproc(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut skip_next = false;
    for a in args {
        if skip_next {
            skip_next = false;
        } else if a == "--nproc" {
            skip_next = true;
        } else if !a.to_string_lossy().starts_with("--nproc=") {
            out.push(a);
        }
    }
    out
}

/// A port free on 127.0.0.1 right now (the OS's pick).
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}

/// Runs this program's arguments (less `--nproc`) as `nproc` local ranks: rank r gets `RANK=r`,
/// `LOCAL_RANK=r`, `WORLD_SIZE=LOCAL_WORLD_SIZE=nproc`, `MASTER_ADDR=127.0.0.1` and a free
/// `MASTER_PORT`, as `torchrun --standalone --nproc-per-node nproc` would give them. Waits for
/// all; when one fails, the others are killed (as torchrun does). Ok(true) when every rank
/// exited with status 0; each failure is reported on stderr with its rank. `extra` arguments
/// are appended to every rank's.
pub fn spawn_local(nproc: usize, extra: &[OsString]) -> Result<bool, String> {
    if nproc == 0 {
        return Err("--nproc must be at least 1".into());
    }
    if std::env::var_os("RANK").is_some() {
        return Err(
            "--nproc starts the ranks itself: do not combine it with torchrun (RANK is set)".into(),
        );
    }
    let exe = std::env::current_exe().map_err(|e| format!("this program's path: {e}"))?;
    let mut args = without_nproc(std::env::args_os().skip(1));
    args.extend_from_slice(extra);
    let port = free_port()?.to_string();
    let mut children: Vec<(usize, Child)> = Vec::new();
    for rank in 0..nproc {
        let child = Command::new(&exe)
            .args(&args)
            .env("RANK", rank.to_string())
            .env("LOCAL_RANK", rank.to_string())
            .env("GROUP_RANK", "0")
            .env("WORLD_SIZE", nproc.to_string())
            .env("LOCAL_WORLD_SIZE", nproc.to_string())
            .env("MASTER_ADDR", "127.0.0.1")
            .env("MASTER_PORT", &port)
            .env_remove("TORCHELASTIC_USE_AGENT_STORE")
            .spawn();
        match child {
            Ok(c) => children.push((rank, c)),
            Err(e) => {
                kill_all(&mut children);
                return Err(format!("starting rank {rank} ({}): {e}", exe.display()));
            }
        }
    }
    let mut status: Vec<Option<ExitStatus>> = vec![None; nproc];
    let mut failed = false;
    while status.iter().any(Option::is_none) {
        for (rank, child) in children.iter_mut() {
            if status[*rank].is_none() {
                if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
                    failed |= !s.success();
                    status[*rank] = Some(s);
                }
            }
        }
        if failed {
            // A failed rank leaves the others waiting on it until the group's timeout.
            kill_all(&mut children);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for (rank, s) in status.iter().enumerate() {
        match s {
            Some(s) if s.success() => {}
            Some(s) => eprintln!("rank {rank} of {nproc} failed: {s}"),
            None => unreachable!("every status was collected"),
        }
    }
    Ok(!failed)
}

fn kill_all(children: &mut [(usize, Child)]) {
    for (_, child) in children.iter_mut() {
        if let Ok(None) = child.try_wait() {
            let _ = child.kill();
        }
    }
}
