//! The long fuzz run: every generated op called with random arguments, each op isolated so a
//! crash or hang inside libtorch is recorded against that op and the run goes on.
//!
//! ```sh
//! cargo run --release --bin fuzz-ops -- --calls-per-op 40 --seed 1 --report fuzz.tsv
//! ```
//!
//! The parent re-runs this binary as a child that walks the ops in order, printing `B i`
//! before op i and `E i ok err panic` after it. When the child dies or stops printing for
//! `--hang-secs`, the op it last began is the culprit; the parent starts a new child after it.
use clap::Parser;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tools::fuzz::crashes::Fate;
use tools::fuzz::{fuzz_op, gen::form_index, Draw, OPS};

#[derive(Parser)]
#[command(about = "Fuzz every generated op with random arguments")]
struct Args {
    /// Calls per op.
    #[arg(long, default_value_t = 40)]
    calls_per_op: u64,
    /// Seed of the argument generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only ops whose key contains this text.
    #[arg(long)]
    only: Option<String>,
    /// Only the op with exactly this declaration key (repeatable); `--only` matches substrings.
    #[arg(long)]
    op: Vec<String>,
    /// Seconds without progress after which an op counts as hung.
    #[arg(long, default_value_t = 60)]
    hang_secs: u64,
    /// Write per-op counts here (tab-separated: key, ok, err, panic, fate). The fate is `ran`,
    /// `crashed (SIGSEGV)` (any signal's name), `crashed (exit N)`, `hung (...)` or `not run`.
    #[arg(long)]
    report: Option<std::path::PathBuf>,
    /// Share of the drawn tensors put on CUDA device 0 (0 to 1; needs a CUDA build and a GPU).
    #[arg(long, default_value_t = 0.0)]
    cuda_share: f64,
    /// Share of the drawn tensors given another form (0 to 1): sparse (COO, CSR, CSC, BSR,
    /// BSC), quantized, nested, MKL-DNN, or an expanded, offset, conjugate, negative or
    /// channels-last view. 0 draws exactly the arguments of earlier runs of a seed.
    #[arg(long, default_value_t = 0.0)]
    form_share: f64,
    /// Only these forms, comma-separated, for `--form-share` (all when not given), as named in
    /// the trace: "nested", "MKL-DNN", "CSR", "quantized per tensor", ...
    #[arg(long, value_delimiter = ',')]
    forms: Vec<String>,
    /// Cap on the child's data memory in GiB (0: none): a valid but huge call (an arange of
    /// 6e9 elements) then fails to allocate, an `Err`, instead of drawing the machine into the
    /// OOM killer. Without `--cuda-share` only (the CUDA driver maps large private regions).
    #[arg(long, default_value_t = 8)]
    mem_limit_gb: u64,
    /// Print each op's index and declaration key (tab-separated) and exit.
    #[arg(long)]
    list: bool,
    /// Internal: run as the child, from this op index.
    #[arg(long, hide = true)]
    child_from: Option<usize>,
}

fn selected(args: &Args) -> Vec<usize> {
    (0..OPS.len())
        .filter(|&i| args.only.as_deref().is_none_or(|s| OPS[i].0.contains(s)))
        .filter(|&i| args.op.is_empty() || args.op.iter().any(|k| k == OPS[i].0))
        .collect()
}

/// Caps the process's data segment (which on Linux includes private anonymous mappings, where
/// large allocations live) at `gib` GiB.
fn limit_memory(gib: u64) {
    let bytes = gib.saturating_mul(1 << 30) as libc::rlim_t;
    let lim = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: bytes,
    };
    // SAFETY: `lim` is a valid rlimit read by the call; RLIMIT_DATA only lowers this process's
    // own limit.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_DATA, &lim) };
    assert_eq!(rc, 0, "setrlimit(RLIMIT_DATA, {gib} GiB)");
}

fn child(args: &Args, draw: &Draw, from: usize) {
    if args.mem_limit_gb > 0 && args.cuda_share == 0.0 {
        limit_memory(args.mem_limit_gb);
    }
    // The per-op generator is seeded by (seed, op index): results do not depend on `from`.
    libtorch::threads::set_num_threads(1).expect("one intra-op thread");
    // Some ops write files named by their string arguments (`from_file(shared=true)` creates
    // one): keep them out of the caller's directory.
    let scratch = std::env::temp_dir().join(format!("ltrs-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("a scratch directory");
    std::env::set_current_dir(&scratch).expect("enter the scratch directory");
    let out = std::io::stdout();
    for i in selected(args).into_iter().filter(|&i| i >= from) {
        writeln!(out.lock(), "B {i}").unwrap();
        let (c, panics) = fuzz_op(i, args.calls_per_op, args.seed, draw);
        for p in panics.iter().take(1) {
            eprintln!("panic in {}: {p}", OPS[i].0);
        }
        writeln!(out.lock(), "E {i} {} {} {}", c.ok, c.err, c.panic).unwrap();
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

#[derive(Clone)]
struct Row {
    ok: u64,
    err: u64,
    panic: u64,
    fate: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.list {
        for (i, op) in OPS.iter().enumerate() {
            println!("{i}\t{}", op.0);
        }
        return ExitCode::SUCCESS;
    }
    if let Some(k) = args.op.iter().find(|k| !OPS.iter().any(|(o, _)| o == k)) {
        eprintln!("fuzz-ops: --op {k}: no bound op has this declaration key (see --list)");
        return ExitCode::from(2);
    }
    let forms: Result<Vec<usize>, String> = args.forms.iter().map(|f| form_index(f)).collect();
    let draw = match forms {
        Ok(forms) => Draw {
            cuda_share: args.cuda_share,
            form_share: args.form_share,
            forms,
        },
        Err(e) => {
            eprintln!("fuzz-ops: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(from) = args.child_from {
        child(&args, &draw, from);
        return ExitCode::SUCCESS;
    }
    let me = std::env::current_exe().expect("the path of this binary");
    let ops = selected(&args);
    let mut rows: Vec<Option<Row>> = vec![None; OPS.len()];
    let start = Instant::now();
    let mut from = 0usize;
    loop {
        let mut cmd = Command::new(&me);
        cmd.arg("--calls-per-op")
            .arg(args.calls_per_op.to_string())
            .arg("--seed")
            .arg(args.seed.to_string())
            .arg("--cuda-share")
            .arg(args.cuda_share.to_string())
            .arg("--form-share")
            .arg(args.form_share.to_string())
            .arg("--mem-limit-gb")
            .arg(args.mem_limit_gb.to_string())
            .arg("--child-from")
            .arg(from.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(o) = &args.only {
            cmd.arg("--only").arg(o);
        }
        for k in &args.op {
            cmd.arg("--op").arg(k);
        }
        if !args.forms.is_empty() {
            cmd.arg("--forms").arg(args.forms.join(","));
        }
        let mut proc = cmd.spawn().expect("start the fuzz child");
        let stdout = proc.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut current: Option<usize> = None;
        let mut fate = None;
        loop {
            match rx.recv_timeout(Duration::from_secs(args.hang_secs)) {
                Ok(Ok(line)) => {
                    let f: Vec<&str> = line.split_whitespace().collect();
                    match f.as_slice() {
                        ["B", i] => current = i.parse().ok(),
                        ["E", i, ok, err, panic] => {
                            let i: usize = i.parse().unwrap();
                            rows[i] = Some(Row {
                                ok: ok.parse().unwrap(),
                                err: err.parse().unwrap(),
                                panic: panic.parse().unwrap(),
                                fate: "ran".into(),
                            });
                            current = None;
                        }
                        _ => eprintln!("fuzz child said: {line}"),
                    }
                }
                Ok(Err(_)) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = proc.wait().expect("wait for the fuzz child");
                    if current.is_some() {
                        fate = Some(Fate::of_status(status).to_string());
                    }
                    break;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = proc.kill();
                    let _ = proc.wait();
                    fate = Some(format!("hung (no progress for {} s)", args.hang_secs));
                    break;
                }
            }
        }
        match (current, fate) {
            (Some(i), Some(fate)) => {
                eprintln!("{}: {fate}", OPS[i].0);
                rows[i] = Some(Row {
                    ok: 0,
                    err: 0,
                    panic: 0,
                    fate,
                });
                from = i + 1;
            }
            _ => break,
        }
    }

    let (mut ok, mut err, mut panic) = (0u64, 0u64, 0u64);
    let mut bad = Vec::new();
    let mut report = String::from("key\tok\terr\tpanic\tfate\n");
    for &i in &ops {
        let r = rows[i].clone().unwrap_or(Row {
            ok: 0,
            err: 0,
            panic: 0,
            fate: "not run".into(),
        });
        ok += r.ok;
        err += r.err;
        panic += r.panic;
        if r.fate != "ran" || r.panic > 0 {
            bad.push(format!("{}: {} (panics {})", OPS[i].0, r.fate, r.panic));
        }
        report.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            OPS[i].0, r.ok, r.err, r.panic, r.fate
        ));
    }
    if let Some(path) = &args.report {
        std::fs::write(path, report).expect("write the report");
    }
    println!(
        "fuzzed {} ops, {} calls: {ok} Ok, {err} Err, {panic} panics; {} ops crashed, hung or panicked; {:.0} s",
        ops.len(),
        ok + err + panic,
        bad.len(),
        start.elapsed().as_secs_f64()
    );
    for b in &bad {
        println!("  {b}");
    }
    if bad.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
