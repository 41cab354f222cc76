//! AOTInductor against eager: the same small MLP and CNN (the test fixtures' `.pt2` packages
//! and their weights), one forward pass each, through the compiled package and through this
//! crate's `nn` modules, alternating in one process; the table shows the medians and the
//! compiled/eager ratio (below 1: the compiled model is faster).
//!
//! ```sh
//! cargo run --release --bin aoti-bench                 # batch 64, 1 thread
//! cargo run --release --bin aoti-bench -- --batch 16 --threads 2
//! ```
use clap::Parser;
use std::process::ExitCode;
use std::time::Duration;
use tools::bench::aoti::{self, AotiCase};
use tools::bench::report::{in_unit, print_table, Row};
use tools::bench::timing::{measure, TimingOptions};
use tools::bench::{BenchResult, Unit};

#[derive(Parser)]
#[command(about = "AOTInductor packages against the eager forward of the same weights")]
struct Args {
    /// Examples per forward pass, within both packages' batch ranges (Inductor compiled the
    /// MLP for 2..=1024, the CNN for 16..=1024).
    #[arg(long, default_value_t = 64)]
    batch: i64,
    /// libtorch's intra-op threads (both sides).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Timed repetitions per side; the table shows the medians.
    #[arg(long, default_value_t = 7)]
    reps: usize,
    /// Milliseconds one repetition should take.
    #[arg(long, default_value_t = 150)]
    rep_ms: u64,
    /// Seed of the input batch.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> BenchResult<()> {
    if args.threads == 0 || !(16..=1024).contains(&args.batch) {
        return Err("--threads must be at least 1 and --batch within 16..=1024".into());
    }
    libtorch::threads::set_num_threads(args.threads)?;
    let opts = TimingOptions {
        reps: args.reps,
        rep_time: Duration::from_millis(args.rep_ms),
    };
    println!(
        "forward pass, batch {}, {} thread(s), median of {} alternating repetitions of ~{} ms",
        args.batch, args.threads, args.reps, args.rep_ms
    );
    let dir = aoti::fixtures_dir();
    let mut rows = Vec::new();
    for w in aoti::all() {
        libtorch::manual_seed(args.seed);
        let mut case = AotiCase::new(&w, &dir, args.batch)?;
        let t = measure(&mut case, opts)?;
        let row = Row {
            label: format!("{} (AOTI vs eager)", w.name),
            unit: Unit::Us.label().to_string(),
            base: in_unit(t.cpp, Unit::Us),
            ours: in_unit(t.ours, Unit::Us),
            note: format!(
                "{:.1}%, {:.1}% ({} iters)",
                100.0 * t.cpp_spread,
                100.0 * t.ours_spread,
                t.iters
            ),
            budget: None,
        };
        eprintln!(
            "{}: eager {:.2} µs, compiled {:.2} µs, ratio {:.3}",
            w.name,
            row.base,
            row.ours,
            row.ratio()
        );
        rows.push(row);
    }
    print_table(&rows, "eager");
    Ok(())
}
