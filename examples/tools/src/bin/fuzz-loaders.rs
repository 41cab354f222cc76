//! The loader fuzz: mutated real files of each format (`pt`, `safetensors`, `npy`, `npz`),
//! loaded in child processes, so that a crash, abort or hang is counted against the input that
//! caused it (and the input saved) while the run goes on.
//!
//! ```sh
//! cargo run --release --bin fuzz-loaders -- --format npy --seed 1 --count 100000
//! cargo run --release --bin fuzz-loaders -- --format npy --seed 1 --case 4711    # replay one
//! cargo run --release --bin fuzz-loaders -- --format pt --replay crash.bin      # load a file
//! ```
//!
//! The parent writes each format's corpus into a scratch folder and runs children over batches
//! of cases (`--batch`); a child prints `B i` before case `i` and `E i o|e|p` after it (Ok,
//! Err, panic). When a child dies, the case it began is the culprit: the parent runs it again
//! alone, to tell a crash of its own from memory an earlier case of the batch corrupted, saves
//! its input in `--crash-dir`, and goes on after it. A child silent for `--timeout-secs` is
//! killed and its case counted as a timeout. Children cap their data memory (`--mem-limit-gb`),
//! so an unbounded allocation aborts (a crash) instead of waking the OOM killer.
use clap::Parser;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tools::fuzz_loaders::{self as fl, Format, Outcome, SeedFile};

#[derive(Parser)]
#[command(about = "Fuzz the file loaders with mutated real files")]
struct Args {
    /// Formats, comma-separated: pt, safetensors, npy, npz (default: all).
    #[arg(long, value_delimiter = ',')]
    format: Vec<String>,
    /// Cases per format.
    #[arg(long, default_value_t = 10_000)]
    count: u64,
    /// Seed of the mutations.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The first case (with --count: cases from..from+count).
    #[arg(long, default_value_t = 0)]
    from: u64,
    /// Cases per child process.
    #[arg(long, default_value_t = 2000)]
    batch: u64,
    /// Seconds a child may go without finishing a case before it counts as hung.
    #[arg(long, default_value_t = 30)]
    timeout_secs: u64,
    /// Cap on a child's data memory in GiB (0: none).
    #[arg(long, default_value_t = 4)]
    mem_limit_gb: u64,
    /// Where crashing, hanging or panicking inputs are saved.
    #[arg(long, default_value = "fuzz-loaders-crashes")]
    crash_dir: PathBuf,
    /// More .pt seed files (besides libtorch/tests/fixtures/pt).
    #[arg(long)]
    seeds_dir: Option<PathBuf>,
    /// Run only this case, in this process, and print what it did.
    #[arg(long)]
    case: Option<u64>,
    /// With --case: also write the case's input to this file.
    #[arg(long)]
    write: Option<PathBuf>,
    /// Load this file (as --format) in this process and print what it did.
    #[arg(long)]
    replay: Option<PathBuf>,
    /// Run the cases in this process (no isolation) and print how often each error message
    /// (digits dropped) came back: what the mutations reach.
    #[arg(long)]
    errors: bool,
    /// Write each selected format's corpus into DIR/FORMAT and exit.
    #[arg(long)]
    write_corpus: Option<PathBuf>,
    /// Internal: run as a child over cases from..to, with the corpus in this folder.
    #[arg(long, hide = true)]
    child_corpus: Option<PathBuf>,
    /// Internal: the end of a child's cases.
    #[arg(long, hide = true)]
    to: Option<u64>,
}

/// Caps this process's data segment (which on Linux holds large allocations) at `gib` GiB.
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

fn scratch_file() -> PathBuf {
    std::env::temp_dir().join(format!("ltrs-fuzz-loaders-{}.bin", std::process::id()))
}

/// The input of a case; a panic of the mutator (ours, or the zip crate's while it rebuilds an
/// archive) is reported, not counted against the loaders.
fn input(format: Format, seed: u64, case: u64, corpus: &[SeedFile]) -> Result<Vec<u8>, String> {
    std::panic::catch_unwind(|| fl::case_input(format, seed, case, corpus)).map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

fn child(format: Format, args: &Args, dir: &Path) {
    if args.mem_limit_gb > 0 {
        limit_memory(args.mem_limit_gb);
    }
    libtorch::threads::set_num_threads(1).expect("one intra-op thread");
    // Panics are counted from their payload; the default hook's message would flood stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let corpus = fl::read_corpus(dir).expect("read the corpus");
    let scratch = scratch_file();
    let out = std::io::stdout();
    for i in args.from..args.to.unwrap_or(args.from + args.count) {
        writeln!(out.lock(), "B {i}").unwrap();
        let bytes = match input(format, args.seed, i, &corpus) {
            Ok(b) => b,
            Err(m) => {
                eprintln!("case {i}: the mutator panicked: {m}");
                writeln!(out.lock(), "M {i}").unwrap();
                continue;
            }
        };
        let tag = match fl::load(format, &bytes, i, &scratch) {
            Outcome::Ok => "o",
            Outcome::Err(_) => "e",
            Outcome::Panic(m) => {
                eprintln!("case {i}: panic: {m}");
                "p"
            }
        };
        writeln!(out.lock(), "E {i} {tag}").unwrap();
    }
    let _ = std::fs::remove_file(&scratch);
    writeln!(out.lock(), "D").unwrap();
}

#[derive(Default)]
struct Counts {
    ok: u64,
    err: u64,
    panics: u64,
    crashes: u64,
    timeouts: u64,
    mutator: u64,
}

/// How a child's run ended.
enum End {
    Done,
    Crashed { case: u64, status: String },
    Hung { case: u64 },
}

/// What every child of one format's run shares.
struct Runner<'a> {
    me: &'a Path,
    format: Format,
    args: &'a Args,
    /// The corpus folder.
    dir: &'a Path,
}

/// Runs cases `from..to` in one child, adding to `counts` and `failures`.
fn run_child(
    r: &Runner<'_>,
    from: u64,
    to: u64,
    counts: &mut Counts,
    failures: &mut Vec<(u64, String)>,
) -> End {
    let Runner {
        me,
        format,
        args,
        dir,
    } = *r;
    let mut cmd = Command::new(me);
    cmd.args(["--format", format.name()])
        .args(["--seed", &args.seed.to_string()])
        .args(["--from", &from.to_string(), "--to", &to.to_string()])
        .args(["--mem-limit-gb", &args.mem_limit_gb.to_string()])
        .arg("--child-corpus")
        .arg(dir)
        .env("TORCH_CPP_LOG_LEVEL", "ERROR")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut proc = cmd.spawn().expect("start a fuzz child");
    let stdout = proc.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut current = None;
    loop {
        match rx.recv_timeout(Duration::from_secs(args.timeout_secs)) {
            Ok(Ok(line)) => {
                let f: Vec<&str> = line.split_whitespace().collect();
                match f.as_slice() {
                    ["B", i] => current = i.parse().ok(),
                    ["E", i, tag] => {
                        match *tag {
                            "o" => counts.ok += 1,
                            "e" => counts.err += 1,
                            _ => {
                                counts.panics += 1;
                                failures.push((i.parse().unwrap(), "panic".into()));
                            }
                        }
                        current = None;
                    }
                    ["M", _] => {
                        counts.mutator += 1;
                        current = None;
                    }
                    ["D"] => {
                        let _ = proc.wait();
                        return End::Done;
                    }
                    _ => eprintln!("fuzz child said: {line}"),
                }
            }
            Ok(Err(_)) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = proc.wait().expect("wait for the fuzz child");
                return match current {
                    Some(case) => End::Crashed {
                        case,
                        status: status.to_string(),
                    },
                    None => panic!("a fuzz child died between cases ({status})"),
                };
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = proc.kill();
                let _ = proc.wait();
                return match current {
                    Some(case) => End::Hung { case },
                    None => panic!("a fuzz child hung between cases"),
                };
            }
        }
    }
}

/// Runs `count` cases of `format` from `args.from`; returns the counts and the failures.
fn run_format(
    me: &Path,
    format: Format,
    args: &Args,
    run_dir: &Path,
) -> (Counts, Vec<(u64, String)>) {
    let corpus = fl::corpus(format, args.seeds_dir.as_deref());
    let dir = run_dir.join(format.name());
    fl::write_corpus(&dir, &corpus).expect("write the corpus");
    let runner = Runner {
        me,
        format,
        args,
        dir: &dir,
    };
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    let end = args.from + args.count;
    let mut next = args.from;
    while next < end {
        let to = (next + args.batch).min(end);
        match run_child(&runner, next, to, &mut counts, &mut failures) {
            End::Done => next = to,
            End::Crashed { case, status } => {
                // Again alone: a crash of its own, or memory an earlier case corrupted?
                let mut scratch = Counts::default();
                let alone = matches!(
                    run_child(&runner, case, case + 1, &mut scratch, &mut Vec::new()),
                    End::Crashed { .. }
                );
                let why = if alone {
                    format!("crash ({status})")
                } else {
                    format!(
                        "crash ({status}) in a batch from case {next}, not reproduced alone \
                         (an earlier case of the batch may have corrupted memory)"
                    )
                };
                counts.crashes += 1;
                failures.push((case, why));
                next = case + 1;
            }
            End::Hung { case } => {
                counts.timeouts += 1;
                failures.push((case, format!("no progress for {} s", args.timeout_secs)));
                next = case + 1;
            }
        }
    }
    // The failing inputs, for `--replay`.
    if !failures.is_empty() {
        std::fs::create_dir_all(&args.crash_dir).expect("create the crash dir");
        for (case, why) in &failures {
            let name = format!("{}-seed{}-case{case}", format.name(), args.seed);
            if let Ok(bytes) = input(format, args.seed, *case, &corpus) {
                let _ = std::fs::write(args.crash_dir.join(format!("{name}.bin")), bytes);
            }
            let _ = std::fs::write(args.crash_dir.join(format!("{name}.txt")), why);
        }
    }
    (counts, failures)
}

fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Ok => "Ok".into(),
        Outcome::Err(e) => format!("Err: {e}"),
        Outcome::Panic(m) => format!("PANIC: {m}"),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let formats: Result<Vec<Format>, String> = if args.format.is_empty() {
        Ok(Format::ALL.to_vec())
    } else {
        args.format.iter().map(|f| Format::parse(f)).collect()
    };
    let formats = match formats {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fuzz-loaders: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = &args.child_corpus {
        child(formats[0], &args, dir);
        return ExitCode::SUCCESS;
    }
    if let Some(dir) = &args.write_corpus {
        for &f in &formats {
            fl::write_corpus(
                &dir.join(f.name()),
                &fl::corpus(f, args.seeds_dir.as_deref()),
            )
            .expect("write the corpus");
        }
        return ExitCode::SUCCESS;
    }
    let scratch = scratch_file();
    if let Some(path) = &args.replay {
        let bytes = std::fs::read(path).expect("read the file to replay");
        println!("{}", describe(&fl::load(formats[0], &bytes, 0, &scratch)));
        return ExitCode::SUCCESS;
    }
    if let Some(case) = args.case {
        let corpus = fl::corpus(formats[0], args.seeds_dir.as_deref());
        let bytes = fl::case_input(formats[0], args.seed, case, &corpus);
        if let Some(w) = &args.write {
            std::fs::write(w, &bytes).expect("write the input");
        }
        println!(
            "{} bytes: {}",
            bytes.len(),
            describe(&fl::load(formats[0], &bytes, case, &scratch))
        );
        let _ = std::fs::remove_file(&scratch);
        return ExitCode::SUCCESS;
    }

    if args.errors {
        for &f in &formats {
            let corpus = fl::corpus(f, args.seeds_dir.as_deref());
            let mut seen: std::collections::BTreeMap<String, u64> = Default::default();
            for case in args.from..args.from + args.count {
                let bytes = fl::case_input(f, args.seed, case, &corpus);
                let key = match fl::load(f, &bytes, case, &scratch) {
                    Outcome::Ok => "Ok".to_string(),
                    o => describe(&o).replace(|c: char| c.is_ascii_digit(), ""),
                };
                *seen.entry(key.chars().take(110).collect()).or_default() += 1;
            }
            let mut v: Vec<_> = seen.into_iter().collect();
            v.sort_by_key(|e| std::cmp::Reverse(e.1));
            println!("{}: {} distinct outcomes", f.name(), v.len());
            for (k, n) in v {
                println!("{n:7} {k}");
            }
        }
        let _ = std::fs::remove_file(&scratch);
        return ExitCode::SUCCESS;
    }

    let me = std::env::current_exe().expect("the path of this binary");
    let run_dir =
        std::env::temp_dir().join(format!("ltrs-fuzz-loaders-run-{}", std::process::id()));
    let mut bad = 0;
    for &format in &formats {
        let start = Instant::now();
        let (c, failures) = run_format(&me, format, &args, &run_dir);
        println!(
            "{}: {} files (seed {}, cases {}..{}): {} Ok, {} Err, {} crashes, {} timeouts, {} panics{}; {:.0} s",
            format.name(),
            c.ok + c.err + c.panics + c.crashes + c.timeouts,
            args.seed,
            args.from,
            args.from + args.count,
            c.ok,
            c.err,
            c.crashes,
            c.timeouts,
            c.panics,
            if c.mutator > 0 {
                format!(" ({} inputs not made: the mutator panicked)", c.mutator)
            } else {
                String::new()
            },
            start.elapsed().as_secs_f64()
        );
        for (case, why) in &failures {
            println!(
                "  case {case}: {why} (saved in {})",
                args.crash_dir.display()
            );
        }
        bad += failures.len() + c.mutator as usize;
    }
    let _ = std::fs::remove_dir_all(&run_dir);
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
