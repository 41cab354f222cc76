//! `--instructions`: instructions per iteration, counted by valgrind's callgrind, which is
//! deterministic where wall time is not. The benchmark re-runs itself under valgrind as
//! `bench --only NAME --side SIDE --iters N` for two values of N; the difference of the two
//! totals divided by the difference of N cancels process start-up, libtorch's loading and
//! every one-time cost. Where the C++ baseline was built with valgrind's `callgrind.h`, the
//! child also switches instrumentation on only around its loop, which makes the runs faster.
use super::workloads::Workload;
use super::{ffi, BenchResult, Side};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where valgrind is and what to pass on to the child runs.
#[derive(Clone, Debug)]
pub struct CallgrindOptions {
    /// The valgrind executable.
    pub valgrind: PathBuf,
    /// Intra-op threads in the child.
    pub threads: usize,
    /// Keep the callgrind output files here (for `callgrind_annotate`) instead of deleting them.
    pub keep: Option<PathBuf>,
}

/// Checks that valgrind runs, with an actionable message when it does not.
pub fn check_valgrind(valgrind: &Path) -> BenchResult<()> {
    let out = Command::new(valgrind).arg("--version").output().map_err(|e| {
        format!(
            "--instructions needs valgrind, and `{} --version` failed: {e}. Install valgrind \
             (e.g. `apt-get install valgrind`) or pass --valgrind PATH.",
            valgrind.display()
        )
    })?;
    if !out.status.success() {
        return Err(format!("`{} --version` exited with {}", valgrind.display(), out.status).into());
    }
    Ok(())
}

/// Instructions per iteration of `w` on `side`.
pub fn instructions_per_iter(
    w: &Workload,
    side: Side,
    opts: &CallgrindOptions,
) -> BenchResult<f64> {
    let (n1, n2) = w.callgrind_iters;
    let i1 = total_instructions(w, side, n1, opts)?;
    let i2 = total_instructions(w, side, n2, opts)?;
    Ok((i2 as f64 - i1 as f64) / (n2 - n1) as f64)
}

/// Runs this executable under callgrind for `iters` iterations and returns its total `Ir`.
fn total_instructions(
    w: &Workload,
    side: Side,
    iters: u64,
    opts: &CallgrindOptions,
) -> BenchResult<u64> {
    let dir = match &opts.keep {
        Some(d) => {
            fs::create_dir_all(d)?;
            d.clone()
        }
        None => std::env::temp_dir(),
    };
    let file = dir.join(format!(
        "callgrind.{}.{}.{iters}.{}.out",
        w.name,
        side.as_str(),
        std::process::id()
    ));
    let exe = std::env::current_exe()?;
    let mut valgrind = Command::new(&opts.valgrind);
    valgrind.arg("--tool=callgrind").arg("-q");
    if ffi::callgrind_requests() {
        // The child switches instrumentation on around its loop only: start-up runs uncounted
        // and several times faster.
        valgrind.arg("--instr-atstart=no");
    }
    let output = valgrind
        .arg(format!("--callgrind-out-file={}", file.display()))
        .arg(&exe)
        .args(["--only", w.name, "--side", side.as_str()])
        .args(["--iters", &iters.to_string()])
        .args(["--threads", &opts.threads.to_string()])
        .stdout(Stdio::null())
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "valgrind run of `{} --only {} --side {} --iters {iters}` failed ({}):\n{}",
            exe.display(),
            w.name,
            side.as_str(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let text = fs::read_to_string(&file)
        .map_err(|e| format!("reading callgrind's output {}: {e}", file.display()))?;
    if opts.keep.is_none() {
        let _ = fs::remove_file(&file);
    }
    parse_total(&text).ok_or_else(|| {
        format!(
            "no `summary:` or `totals:` line in callgrind's output {}",
            file.display()
        )
        .into()
    })
}

/// The first event count (`Ir`) of a callgrind output's `summary:` (else `totals:`) line.
fn parse_total(text: &str) -> Option<u64> {
    let find = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    };
    find("summary:").or_else(|| find("totals:"))
}

#[cfg(test)]
mod tests {
    use super::parse_total;

    #[test]
    fn reads_the_summary_line() {
        let out = "version: 1\ncmd: x\nevents: Ir\nfn=main\n3 5\nsummary: 123456\ntotals: 99\n";
        assert_eq!(parse_total(out), Some(123456));
        assert_eq!(parse_total("events: Ir\ntotals: 42 7\n"), Some(42));
        assert_eq!(parse_total("events: Ir\n"), None);
    }
}
