//! The binding's cost against raw C++ libtorch, in one process: every workload runs through our
//! safe API and through the same libtorch calls compiled from C++ (`examples/cpp/`), alternating,
//! after a warm-up; the table shows each side's median time per iteration and their ratio.
//!
//! ```sh
//! cargo run --release --bin bench                        # every workload, wall time
//! cargo run --release --bin bench -- --filter step       # the training steps only
//! cargo run --release --bin bench -- --instructions --filter add   # callgrind counts
//! ```
use clap::{Parser, ValueEnum};
use examples::bench::callgrind::{self, CallgrindOptions};
use examples::bench::report::{in_unit, print_table, Row};
use examples::bench::timing::{measure, TimingOptions};
use examples::bench::workloads::{self, Workload};
use examples::bench::{ffi, BenchResult, Side};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

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
    /// Internal (used by --instructions): run this one workload once and exit.
    #[arg(long, hide = true, requires_all = ["side", "iters"])]
    only: Option<String>,
    /// Internal: the side --only runs.
    #[arg(long, hide = true)]
    side: Option<SideArg>,
    /// Internal: the iterations --only runs.
    #[arg(long, hide = true)]
    iters: Option<u64>,
}

#[derive(Clone, Copy, ValueEnum)]
enum SideArg {
    Cpp,
    Ours,
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
    if let (Some(name), Some(side), Some(iters)) = (&args.only, args.side, args.iters) {
        let w = all
            .iter()
            .find(|w| w.name == name)
            .ok_or_else(|| format!("no workload named {name:?}"))?;
        let side = match side {
            SideArg::Cpp => Side::Cpp,
            SideArg::Ours => Side::Ours,
        };
        libtorch::manual_seed(args.seed);
        let mut case = (w.setup)()?;
        case.reset()?;
        ffi::callgrind_start();
        let result = case.run(side, iters);
        ffi::callgrind_stop();
        return result;
    }
    let chosen: Vec<&Workload> = all
        .iter()
        .filter(|w| args.filter.as_ref().is_none_or(|f| w.name.contains(f.as_str())))
        .collect();
    if chosen.is_empty() {
        let names: Vec<_> = all.iter().map(|w| w.name).collect();
        return Err(format!("--filter matches none of {}", names.join(", ")).into());
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
    callgrind::check_valgrind(&args.valgrind)?;
    let opts = CallgrindOptions {
        valgrind: args.valgrind.clone(),
        threads: args.threads,
        keep: args.keep_callgrind.clone(),
    };
    println!(
        "instructions per iteration under callgrind, {} thread(s)",
        args.threads
    );
    let mut rows = Vec::new();
    for w in chosen {
        eprintln!(
            "{}: 4 valgrind runs ({} and {} iterations per side)...",
            w.name, w.callgrind_iters.0, w.callgrind_iters.1
        );
        let base = callgrind::instructions_per_iter(w, Side::Cpp, &opts)?;
        let ours = callgrind::instructions_per_iter(w, Side::Ours, &opts)?;
        let row = Row {
            label: label(w),
            unit: "instr/op".to_string(),
            base,
            ours,
            note: String::new(),
            budget: w.instr_budget,
        };
        eprintln!("{}: {base:.0} vs {ours:.0} instructions", w.name);
        rows.push(row);
    }
    print_table(&rows, "C++ / memcpy");
    Ok(())
}
