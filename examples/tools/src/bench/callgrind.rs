//! `--instructions`: instructions per iteration, counted by valgrind's callgrind, which is
//! deterministic where wall time is not.
//!
//! The benchmark re-runs itself once under `valgrind --tool=callgrind --instr-atstart=no` as a
//! child (`--callgrind-child`): process start-up and libtorch's loading run uninstrumented. For
//! every workload and side the child runs a warm-up, then two counted loops of `n1` and `n2`
//! iterations, each between client requests that switch instrumentation on, zero the counters
//! and dump them to a file named after the loop. Instructions per iteration are
//! `(I(n2) - I(n1)) / (n2 - n1)`, which cancels the constant cost of entering a loop.
use super::workloads::Workload;
use super::{ffi, BenchResult, Side};
use std::collections::HashMap;
use std::ffi::CString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where valgrind is and what to pass on to the child run.
#[derive(Clone, Debug)]
pub struct CallgrindOptions {
    /// The valgrind executable.
    pub valgrind: PathBuf,
    /// Arguments for the child besides `--callgrind-child` (threads, seed, filter).
    pub child_args: Vec<String>,
    /// Keep callgrind's output files here (for `callgrind_annotate`) instead of deleting them.
    pub keep: Option<PathBuf>,
}

/// The dump name of one counted loop.
fn dump_name(w: &Workload, side: Side, iters: u64) -> String {
    format!("bench {} {} {iters}", w.name, side.as_str())
}

/// The child's work: every workload in `chosen`, both sides, a warm-up and two counted loops.
pub fn child(chosen: &[&Workload], seed: u64) -> BenchResult<()> {
    for w in chosen {
        libtorch::manual_seed(seed);
        let mut case = (w.setup)()?;
        let (n1, n2) = w.callgrind_iters;
        for side in [Side::Cpp, Side::Ours] {
            case.reset()?;
            case.run(side, n1)?;
            for iters in [n1, n2] {
                case.reset()?;
                ffi::callgrind_start();
                ffi::callgrind_zero();
                let result = case.run(side, iters);
                ffi::callgrind_dump(&CString::new(dump_name(w, side, iters))?);
                ffi::callgrind_stop();
                result?;
            }
        }
    }
    Ok(())
}

/// Instructions per iteration of every workload in `chosen`: `(baseline, ours)` by name.
pub fn count(
    chosen: &[&Workload],
    opts: &CallgrindOptions,
) -> BenchResult<HashMap<&'static str, (f64, f64)>> {
    if !ffi::callgrind_requests() {
        return Err(
            "--instructions needs valgrind's client requests, but the C++ baseline was \
                    built without <valgrind/callgrind.h>: install valgrind (its package ships the \
                    header) and rebuild"
                .into(),
        );
    }
    let dir = match &opts.keep {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("bench-callgrind-{}", std::process::id())),
    };
    fs::create_dir_all(&dir)?;
    let out_file = dir.join("callgrind.out");
    let exe = std::env::current_exe()?;
    let output = Command::new(&opts.valgrind)
        .args(["--tool=callgrind", "-q", "--instr-atstart=no"])
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(&exe)
        .arg("--callgrind-child")
        .args(&opts.child_args)
        .stdout(Stdio::null())
        .output()
        .map_err(|e| {
            format!(
                "--instructions needs valgrind, and running `{}` failed: {e}. Install valgrind \
                 or pass --valgrind PATH.",
                opts.valgrind.display()
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "the valgrind run of `{} --callgrind-child` failed ({}):\n{}",
            exe.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let mut totals = HashMap::new();
    for entry in fs::read_dir(&dir)? {
        let path = entry?.path();
        let text = fs::read_to_string(&path)?;
        if let (Some(trigger), Some(total)) = (parse_trigger(&text), parse_total(&text)) {
            totals.insert(trigger.to_string(), total);
        }
    }
    if opts.keep.is_none() {
        let _ = fs::remove_dir_all(&dir);
    }
    let mut result = HashMap::new();
    for w in chosen {
        let per_iter = |side| -> BenchResult<f64> {
            let (n1, n2) = w.callgrind_iters;
            let get = |n| {
                totals
                    .get(&dump_name(w, side, n))
                    .copied()
                    .ok_or_else(|| format!("no callgrind dump for `{}`", dump_name(w, side, n)))
            };
            Ok((get(n2)? as f64 - get(n1)? as f64) / (n2 - n1) as f64)
        };
        result.insert(w.name, (per_iter(Side::Cpp)?, per_iter(Side::Ours)?));
    }
    Ok(result)
}

/// Where `--keep-callgrind` left the dump of one counted loop is found by its trigger line;
/// this prints how to annotate them.
pub fn annotate_hint(dir: &Path) -> String {
    format!(
        "callgrind dumps kept in {}; `grep -l 'Trigger.*NAME SIDE' {0}/*` finds one loop's file, \
         then `callgrind_annotate --inclusive=yes FILE`",
        dir.display()
    )
}

/// The client-request name in a dump's `desc: Trigger: Client Request: NAME` line.
fn parse_trigger(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|l| l.strip_prefix("desc: Trigger: Client Request: "))
        .map(str::trim)
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
    use super::{parse_total, parse_trigger};

    #[test]
    fn reads_the_trigger_and_summary_lines() {
        let out = "version: 1\ncmd: x\ndesc: Trigger: Client Request: bench add ours 1000\n\
                   events: Ir\nfn=main\n3 5\nsummary: 123456\ntotals: 99\n";
        assert_eq!(parse_trigger(out), Some("bench add ours 1000"));
        assert_eq!(parse_total(out), Some(123456));
        assert_eq!(parse_total("events: Ir\ntotals: 42 7\n"), Some(42));
        assert_eq!(parse_total("events: Ir\n"), None);
        assert_eq!(parse_trigger("desc: Trigger: Program termination\n"), None);
    }
}
