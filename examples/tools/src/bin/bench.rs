//! The binding's cost against raw C++ libtorch, in one process: every workload runs through our
//! safe API and through the same libtorch calls compiled from C++ (`examples/tools/cpp/`), alternating,
//! after a warm-up; the table shows each side's median time per iteration and their ratio.
//!
//! ```sh
//! cargo run --release --bin bench                        # every workload, wall time
//! cargo run --release --bin bench -- --filter step       # the training steps only
//! cargo run --release --bin bench -- --instructions --filter add   # callgrind counts
//! ```
//!
//! Wall time differs by up to 2x between processes on a shared machine, which is why both sides
//! run in the same process; `--instructions` counts instructions per iteration under valgrind's
//! callgrind instead, which is deterministic.
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tools::bench::callgrind::{self, CallgrindOptions};
use tools::bench::report::{in_unit, print_table, Row};
use tools::bench::timing::{measure, TimingOptions};
use tools::bench::workloads::{self, Workload};
use tools::bench::{ffi, BenchResult};

#[derive(Parser)]
#[command(about = "The binding's cost against the same libtorch calls made from C++")]
struct Args {
    /// libtorch's intra-op threads (at::set_num_threads).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Only the workloads whose name contains this (e.g. `add`, `step`, `copy`).
    #[arg(long)]
    filter: Option<String>,
    /// Timed repetitions per side; the table shows the medians.
    #[arg(long, default_value_t = 7)]
    reps: usize,
    /// Milliseconds one repetition should take.
    #[arg(long, default_value_t = 150)]
    rep_ms: u64,
    /// Count instructions per iteration under valgrind's callgrind instead of timing.
    #[arg(long)]
    instructions: bool,
    /// The valgrind executable for --instructions.
    #[arg(long, default_value = "valgrind")]
    valgrind: PathBuf,
    /// Keep callgrind's output files in this directory (for callgrind_annotate).
    #[arg(long)]
    keep_callgrind: Option<PathBuf>,
    /// Seed of libtorch's generator (the workloads' data).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Internal: the valgrind child of --instructions.
    #[arg(long, hide = true)]
    callgrind_child: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> BenchResult<()> {
    if args.threads == 0 {
        return Err("--threads must be at least 1".into());
    }
    libtorch::threads::set_num_threads(args.threads)?;
    ffi::set_num_threads(args.threads);
    let all = workloads::all();
    let chosen: Vec<&Workload> = all
        .iter()
        .filter(|w| {
            args.filter
                .as_ref()
                .is_none_or(|f| w.name.contains(f.as_str()))
        })
        .collect();
    if chosen.is_empty() {
        let names: Vec<_> = all.iter().map(|w| w.name).collect();
        return Err(format!("--filter matches none of {}", names.join(", ")).into());
    }
    if args.callgrind_child {
        return callgrind::child(&chosen, args.seed);
    }
    if args.instructions {
        instructions_table(args, &chosen)
    } else {
        wall_table(args, &chosen)
    }
}

fn label(w: &Workload) -> String {
    format!("{} {} (vs {})", w.group, w.name, w.baseline)
}

fn wall_table(args: &Args, chosen: &[&Workload]) -> BenchResult<()> {
    let opts = TimingOptions {
        reps: args.reps,
        rep_time: Duration::from_millis(args.rep_ms),
    };
    println!(
        "wall time, {} thread(s), median of {} alternating repetitions of ~{} ms per side",
        args.threads, args.reps, args.rep_ms
    );
    let mut rows = Vec::new();
    for w in chosen {
        libtorch::manual_seed(args.seed);
        let mut case = (w.setup)()?;
        let t = measure(case.as_mut(), opts)?;
        let row = Row {
            label: label(w),
            unit: w.unit.label().to_string(),
            base: in_unit(t.cpp, w.unit),
            ours: in_unit(t.ours, w.unit),
            note: format!(
                "{:.1}%, {:.1}% ({} iters)",
                100.0 * t.cpp_spread,
                100.0 * t.ours_spread,
                t.iters
            ),
            budget: w.wall_budget,
        };
        eprintln!(
            "{}: {:.3} vs {:.3} {} (ratio {:.3})",
            w.name,
            row.base,
            row.ours,
            row.unit,
            row.ratio()
        );
        rows.push(row);
    }
    print_table(&rows, "C++ / memcpy");
    Ok(())
}

fn instructions_table(args: &Args, chosen: &[&Workload]) -> BenchResult<()> {
    let mut child_args = vec![
        format!("--threads={}", args.threads),
        format!("--seed={}", args.seed),
    ];
    if let Some(f) = &args.filter {
        child_args.push(format!("--filter={f}"));
    }
    let opts = CallgrindOptions {
        valgrind: args.valgrind.clone(),
        child_args,
        keep: args.keep_callgrind.clone(),
    };
    eprintln!(
        "one valgrind run for {} workload(s); start-up alone takes minutes...",
        chosen.len()
    );
    let counts = callgrind::count(chosen, &opts)?;
    println!(
        "instructions per iteration under callgrind, {} thread(s)",
        args.threads
    );
    let rows: Vec<Row> = chosen
        .iter()
        .map(|w| {
            let (base, ours) = counts[&w.name];
            Row {
                label: label(w),
                unit: "instr/op".to_string(),
                base,
                ours,
                note: format!("{} vs {} iters", w.callgrind_iters.0, w.callgrind_iters.1),
                budget: w.instr_budget,
            }
        })
        .collect();
    print_table(&rows, "C++ / memcpy");
    if let Some(dir) = &args.keep_callgrind {
        eprintln!("{}", callgrind::annotate_hint(dir));
    }
    Ok(())
}
