//! The crash lists (`spec/fuzz-crashers.txt`, `spec/cuda-fuzz-crashers.txt`) and the checks the
//! quick fuzz tests make with them.
//!
//! An entry lists one crash that libtorch itself still has: the op, how it ends (the signal,
//! or `hang`), the `fuzz-ops` draw that reproduces it, and why:
//!
//! ```text
//! upsample_bilinear2d  SIGSEGV  seed=23 forms="quantized per tensor" form-share=0.5  # why
//! ```
//!
//! The draw's settings are `seed` (required), `calls` (calls per op, default 40), `form-share`
//! (default 0), `forms` (comma-separated [`super::gen::FORMS`] names, default all) and
//! `cuda-share` (default 0). The per-op generator is seeded by the seed and the op's index, so
//! `fuzz-ops --op KEY` with those settings replays exactly the calls that crashed.
//!
//! The checks ([`check_run`], [`check_entries`]): a run may crash only where an entry lists that
//! very crash (same op, same draw, same signal); every entry must still crash as listed when
//! replayed alone, so an entry that no longer crashes, or crashes another way, fails too.
use super::gen::form_index;
use super::{Draw, OPS};
use std::fmt;
use std::path::Path;
use std::process::{Command, ExitStatus};

/// How an op's calls ended in a `fuzz-ops` child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Every call returned (`Ok` or `Err`).
    Ran,
    /// The child died of this signal (`SIGSEGV`, `SIGFPE`, `SIGABRT`, ...).
    Signal(String),
    /// The child exited with this status while running the op.
    Exit(i32),
    /// The child stopped making progress.
    Hang,
    /// The op was not reached.
    NotRun,
}

impl Fate {
    /// How a child that died while running an op ended.
    pub fn of_status(status: ExitStatus) -> Fate {
        use std::os::unix::process::ExitStatusExt;
        match (status.signal(), status.code()) {
            (Some(sig), _) => Fate::Signal(signal_name(sig)),
            (None, Some(code)) => Fate::Exit(code),
            (None, None) => Fate::Exit(-1),
        }
    }

    /// The `fate` column of a `fuzz-ops --report` file, as [`Fate`]'s `Display` writes it.
    pub fn parse_report(s: &str) -> Result<Fate, String> {
        let bad = || format!("unknown fate {s:?} in a fuzz-ops report");
        Ok(match s {
            "ran" => Fate::Ran,
            "not run" => Fate::NotRun,
            _ if s.starts_with("hung") => Fate::Hang,
            _ => {
                let inner = s
                    .strip_prefix("crashed (")
                    .and_then(|r| r.strip_suffix(')'))
                    .ok_or_else(bad)?;
                match inner.strip_prefix("exit ") {
                    Some(code) => Fate::Exit(code.parse().map_err(|_| bad())?),
                    None if inner.starts_with("SIG") => Fate::Signal(inner.to_string()),
                    None => return Err(bad()),
                }
            }
        })
    }

    /// A crash list's second column: a signal name or `hang`.
    pub fn parse_listed(s: &str) -> Result<Fate, String> {
        match s {
            "hang" => Ok(Fate::Hang),
            _ if s.starts_with("SIG")
                && s.len() > 3
                && s[3..].bytes().all(|b| b.is_ascii_uppercase()) =>
            {
                Ok(Fate::Signal(s.to_string()))
            }
            _ => Err(format!(
                "{s:?} is not a fate: a signal name (SIGSEGV, SIGFPE, SIGABRT, ...) or `hang`"
            )),
        }
    }

    /// Whether the op crashed or hung.
    pub fn is_crash(&self) -> bool {
        !matches!(self, Fate::Ran | Fate::NotRun)
    }
}

impl fmt::Display for Fate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fate::Ran => f.write_str("ran"),
            Fate::Signal(s) => write!(f, "crashed ({s})"),
            Fate::Exit(c) => write!(f, "crashed (exit {c})"),
            Fate::Hang => f.write_str("hung"),
            Fate::NotRun => f.write_str("not run"),
        }
    }
}

/// The name of a signal number (`SIG<n>` for the rare ones).
pub fn signal_name(sig: i32) -> String {
    let name = match sig {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGFPE => "SIGFPE",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGSYS => "SIGSYS",
        _ => return format!("SIG{sig}"),
    };
    name.to_string()
}

/// How `fuzz-ops` draws: the settings an entry replays and a run is made with.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub seed: u64,
    pub calls: u64,
    pub form_share: f64,
    /// [`super::gen::FORMS`] names; empty for all.
    pub forms: Vec<String>,
    pub cuda_share: f64,
}

impl Settings {
    /// `fuzz-ops` arguments for these settings.
    pub fn args(&self) -> Vec<String> {
        let mut a = vec![
            "--seed".into(),
            self.seed.to_string(),
            "--calls-per-op".into(),
            self.calls.to_string(),
            "--form-share".into(),
            self.form_share.to_string(),
            "--cuda-share".into(),
            self.cuda_share.to_string(),
        ];
        if !self.forms.is_empty() {
            a.push("--forms".into());
            a.push(self.forms.join(","));
        }
        a
    }

    /// The draw these settings make (form names resolved).
    pub fn draw(&self) -> Result<Draw, String> {
        Ok(Draw {
            cuda_share: self.cuda_share,
            form_share: self.form_share,
            forms: self
                .forms
                .iter()
                .map(|f| form_index(f))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl fmt::Display for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seed={} calls={}", self.seed, self.calls)?;
        if self.form_share != 0.0 {
            write!(f, " form-share={}", self.form_share)?;
        }
        if !self.forms.is_empty() {
            write!(f, " forms=\"{}\"", self.forms.join(","))?;
        }
        if self.cuda_share != 0.0 {
            write!(f, " cuda-share={}", self.cuda_share)?;
        }
        Ok(())
    }
}

/// One entry of a crash list.
#[derive(Clone, Debug, PartialEq)]
pub struct KnownCrash {
    /// The declaration key (`upsample_bilinear2d`, `range.out`).
    pub key: String,
    /// How it crashes: never [`Fate::Ran`].
    pub fate: Fate,
    /// The draw that reproduces it.
    pub settings: Settings,
    /// Why (the text after `#`).
    pub reason: String,
    /// Its line in the file (from 1).
    pub line: usize,
}

impl fmt::Display for KnownCrash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fate = match &self.fate {
            Fate::Signal(s) => s.as_str(),
            _ => "hang",
        };
        write!(f, "{} {fate} {}", self.key, self.settings)
    }
}

/// The list of CPU crashes the quick fuzz test allows (`spec/fuzz-crashers.txt`).
pub const CPU_LIST: (&str, &str) = (
    "spec/fuzz-crashers.txt",
    include_str!("../../../../spec/fuzz-crashers.txt"),
);
/// The list of CUDA crashes the CUDA quick fuzz test allows (`spec/cuda-fuzz-crashers.txt`).
pub const CUDA_LIST: (&str, &str) = (
    "spec/cuda-fuzz-crashers.txt",
    include_str!("../../../../spec/cuda-fuzz-crashers.txt"),
);

/// Splits a line's fields on blanks, keeping double-quoted text (`forms="a b"`) together, up to
/// the `#` that starts the reason.
fn fields(line: &str) -> (Vec<String>, Option<&str>) {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted => {
                if !cur.is_empty() {
                    out.push(cur);
                }
                return (out, Some(line[i + 1..].trim()));
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    (out, None)
}

/// Parses a crash list (see the module's docs); `name` is its path, for messages. Every entry
/// must name a bound op, a fate, a seed and a reason, and appear once.
pub fn parse_list(name: &str, text: &str) -> Result<Vec<KnownCrash>, String> {
    let mut entries: Vec<KnownCrash> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let at = |m: String| format!("{name}:{line}: {m}");
        let (f, reason) = fields(raw);
        if f.is_empty() {
            continue;
        }
        let [key, fate, opts @ ..] = &f[..] else {
            return Err(at(format!(
                "an entry needs an op, a fate and seed=N, got {raw:?}"
            )));
        };
        if !OPS.iter().any(|(k, _)| k == key) {
            return Err(at(format!("{key} is not a bound op")));
        }
        let fate = Fate::parse_listed(fate).map_err(at)?;
        let reason = reason
            .filter(|r| !r.is_empty())
            .ok_or_else(|| at(format!("{key}: the reason is missing (after `#`)")))?;
        let mut s = Settings {
            seed: u64::MAX,
            calls: 40,
            form_share: 0.0,
            forms: Vec::new(),
            cuda_share: 0.0,
        };
        let mut seeded = false;
        for o in opts {
            let (k, v) = o
                .split_once('=')
                .ok_or_else(|| at(format!("{o:?} is not name=value")))?;
            let num = |what: &str| at(format!("{k}={v}: not {what}"));
            match k {
                "seed" => {
                    s.seed = v.parse().map_err(|_| num("a seed"))?;
                    seeded = true;
                }
                "calls" => s.calls = v.parse().map_err(|_| num("a count"))?,
                "form-share" => s.form_share = v.parse().map_err(|_| num("a share"))?,
                "cuda-share" => s.cuda_share = v.parse().map_err(|_| num("a share"))?,
                "forms" => s.forms = v.split(',').map(str::to_string).collect(),
                _ => {
                    return Err(at(format!(
                        "unknown setting {k:?} (seed, calls, form-share, forms, cuda-share)"
                    )))
                }
            }
        }
        if !seeded {
            return Err(at(format!("{key}: seed=N is missing")));
        }
        s.draw().map_err(at)?;
        let e = KnownCrash {
            key: key.clone(),
            fate,
            settings: s,
            reason: reason.to_string(),
            line,
        };
        if let Some(d) = entries
            .iter()
            .find(|d| d.key == e.key && d.settings == e.settings)
        {
            return Err(at(format!("{e} repeats line {}", d.line)));
        }
        entries.push(e);
    }
    Ok(entries)
}

/// One row of a `fuzz-ops --report` file.
#[derive(Clone, Debug)]
pub struct Row {
    pub key: String,
    pub ok: u64,
    pub err: u64,
    pub panic: u64,
    pub fate: Fate,
}

/// Parses a `fuzz-ops --report` file (a header, then key, ok, err, panic, fate).
pub fn parse_report(text: &str) -> Result<Vec<Row>, String> {
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let [key, ok, err, panic, fate] = f[..] else {
                return Err(format!("bad report line {line:?}"));
            };
            let n = |s: &str| s.parse::<u64>().map_err(|e| format!("{line:?}: {e}"));
            Ok(Row {
                key: key.to_string(),
                ok: n(ok)?,
                err: n(err)?,
                panic: n(panic)?,
                fate: Fate::parse_report(fate)?,
            })
        })
        .collect()
}

/// Runs `fuzz-ops` (the binary at `bin`) with `settings` and `extra` arguments, returning its
/// report's rows.
pub fn run(bin: &Path, settings: &Settings, extra: &[&str]) -> Vec<Row> {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let report = std::env::temp_dir().join(format!("ltrs-fuzz-{}-{n}.tsv", std::process::id()));
    let status = Command::new(bin)
        .args(settings.args())
        .args(extra)
        .arg("--report")
        .arg(&report)
        // libtorch warns about many odd arguments; the counts are what matters here.
        .env("TORCH_CPP_LOG_LEVEL", "ERROR")
        .status()
        .unwrap_or_else(|e| panic!("run {}: {e}", bin.display()));
    let text = std::fs::read_to_string(&report)
        .unwrap_or_else(|e| panic!("fuzz-ops ({status}) wrote no report: {e}"));
    let _ = std::fs::remove_file(&report);
    parse_report(&text).unwrap()
}

/// Runs op `key` alone with `settings`: how it ends, replayed in a fresh process.
pub fn replay(bin: &Path, key: &str, settings: &Settings, hang_secs: u64) -> Fate {
    let rows = run(
        bin,
        settings,
        &["--op", key, "--hang-secs", &hang_secs.to_string()],
    );
    match &rows[..] {
        [row] if row.key == key => row.fate.clone(),
        _ => panic!("fuzz-ops --op {key} reported {rows:?}"),
    }
}

/// What a run's report shows against a crash list: `(problems, allowed crashes)`. A crash is
/// allowed only where `list` names that op with `settings` (the run's own) and the same fate;
/// every other crash, and every panic of ours, is a problem. Each crash is replayed alone, so
/// the message tells a crash of the op's own from one that memory corrupted by an earlier op
/// caused.
pub fn check_run(
    bin: &Path,
    list_name: &str,
    list: &[KnownCrash],
    settings: &Settings,
    rows: &[Row],
    hang_secs: u64,
) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let mut allowed = Vec::new();
    for r in rows {
        if r.panic > 0 {
            problems.push(format!("{}: {} panics of ours", r.key, r.panic));
        }
        if !r.fate.is_crash() {
            if r.fate == Fate::NotRun {
                problems.push(format!("{}: not run", r.key));
            }
            continue;
        }
        let listed: Vec<&KnownCrash> = list.iter().filter(|e| e.key == r.key).collect();
        if listed
            .iter()
            .any(|e| e.settings == *settings && e.fate == r.fate)
        {
            allowed.push(format!("{}: {} (listed)", r.key, r.fate));
            continue;
        }
        let alone = replay(bin, &r.key, settings, hang_secs);
        let alone = if alone == r.fate {
            format!("alone it {alone} too")
        } else {
            format!(
                "alone it {alone}: memory corrupted by an earlier op may have ended it here \
                 (examples/tools/scripts/fuzz-memcheck.sh {} finds the writer)",
                settings.seed
            )
        };
        let how = if listed.is_empty() {
            format!("not listed in {list_name}")
        } else {
            let l: Vec<String> = listed
                .iter()
                .map(|e| format!("`{e}` (line {})", e.line))
                .collect();
            format!(
                "{list_name} lists this op only as {}: a new crash",
                l.join(", ")
            )
        };
        problems.push(format!(
            "{}: {} with {settings}; {how}; {alone}",
            r.key, r.fate
        ));
    }
    (problems, allowed)
}

/// Replays every entry of `list` alone: each must still end as listed. Returns the problems
/// (an entry that no longer crashes, or crashes another way) and what each replay did.
pub fn check_entries(
    bin: &Path,
    list_name: &str,
    list: &[KnownCrash],
    hang_secs: u64,
) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for e in list {
        let got = replay(bin, &e.key, &e.settings, hang_secs);
        let entry = format!("{list_name}:{} `{e}`", e.line);
        seen.push(format!("{entry}: {got}"));
        if got == e.fate {
            continue;
        }
        problems.push(if got.is_crash() {
            format!(
                "{entry}: now {got}, not {} as listed: update the entry",
                e.fate
            )
        } else {
            format!("{entry}: no longer crashes ({got}): remove the entry, or give it a draw that still crashes")
        });
    }
    (problems, seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_parse_with_quoted_forms_and_defaults() {
        let text = "# comment\n\n\
            upsample_bilinear2d  SIGSEGV  seed=23 forms=\"quantized per tensor\" form-share=0.5  # why # not split\n\
            range.out hang seed=5 calls=4 cuda-share=0.5 # slow\n";
        let l = parse_list("x.txt", text).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].key, "upsample_bilinear2d");
        assert_eq!(l[0].fate, Fate::Signal("SIGSEGV".into()));
        assert_eq!(
            l[0].settings,
            Settings {
                seed: 23,
                calls: 40,
                form_share: 0.5,
                forms: vec!["quantized per tensor".into()],
                cuda_share: 0.0
            }
        );
        assert_eq!(l[0].reason, "why # not split");
        assert_eq!(l[0].line, 3);
        assert_eq!(
            l[0].to_string(),
            "upsample_bilinear2d SIGSEGV seed=23 calls=40 form-share=0.5 forms=\"quantized per tensor\""
        );
        assert_eq!(l[1].fate, Fate::Hang);
        assert_eq!((l[1].settings.calls, l[1].settings.cuda_share), (4, 0.5));
    }

    #[test]
    fn malformed_entries_are_refused_naming_the_line() {
        let bad = [
            ("upsample_bilinear2d SIGSEGV seed=1\n", "reason is missing"),
            ("upsample_bilinear2d seed=1 # r\n", "is not a fate"),
            ("upsample_bilinear2d crash seed=1 # r\n", "is not a fate"),
            ("upsample_bilinear2d SIGSEGV # r\n", "seed=N is missing"),
            ("no_such_op SIGSEGV seed=1 # r\n", "not a bound op"),
            ("upsample_bilinear2d SIGSEGV seed=x # r\n", "not a seed"),
            (
                "upsample_bilinear2d SIGSEGV seed=1 color=red # r\n",
                "unknown setting",
            ),
            (
                "upsample_bilinear2d SIGSEGV seed=1 forms=pink # r\n",
                "unknown form",
            ),
            (
                "upsample_bilinear2d SIGSEGV seed=1 # r\nupsample_bilinear2d SIGFPE seed=1 # r\n",
                "repeats line 1",
            ),
        ];
        for (text, want) in bad {
            let e = parse_list("x.txt", text).unwrap_err();
            assert!(e.contains(want) && e.starts_with("x.txt:"), "{text:?}: {e}");
        }
    }

    #[test]
    fn report_fates_round_trip() {
        for f in [
            Fate::Ran,
            Fate::NotRun,
            Fate::Hang,
            Fate::Exit(101),
            Fate::Signal("SIGSEGV".into()),
        ] {
            assert_eq!(Fate::parse_report(&f.to_string()).unwrap(), f);
        }
        assert_eq!(
            Fate::parse_report("hung (no progress for 60 s)").unwrap(),
            Fate::Hang
        );
        assert!(Fate::parse_report("crashed (signal: 11)").is_err());
        assert_eq!(signal_name(11), "SIGSEGV");
        assert_eq!(signal_name(8), "SIGFPE");
        assert_eq!(signal_name(6), "SIGABRT");
    }

    #[test]
    fn the_spec_lists_parse() {
        for (name, text) in [CPU_LIST, CUDA_LIST] {
            let l = parse_list(name, text).unwrap();
            // CPU entries replay on the CPU, CUDA entries on the GPU.
            let cuda = name.contains("cuda");
            for e in &l {
                assert_eq!(e.settings.cuda_share > 0.0, cuda, "{name}:{}: {e}", e.line);
            }
        }
    }
}
