//! Waiting for the rank processes a distributed benchmark started.
use std::process::{Child, Output};
use std::time::{Duration, Instant};

/// Waits for every rank, killing them all if any is still running after `limit`, and returns
/// their stdout in rank order; a rank that failed is an error with its status and stderr.
pub fn wait_for_ranks(mut children: Vec<Child>, limit: Duration) -> Result<Vec<String>, String> {
    let start = Instant::now();
    while children
        .iter_mut()
        .any(|c| matches!(c.try_wait(), Ok(None)))
    {
        if start.elapsed() > limit {
            for c in &mut children {
                let _ = c.kill();
            }
            return Err(format!(
                "a rank did not finish within {} s",
                limit.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut stdouts = Vec::new();
    for (rank, c) in children.into_iter().enumerate() {
        let out: Output = c.wait_with_output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "rank {rank} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        stdouts.push(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    Ok(stdouts)
}
