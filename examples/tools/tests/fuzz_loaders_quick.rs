//! The quick loader fuzz: a few thousand mutated files of each format (`pt`, `safetensors`,
//! `npy`, `npz`) through the `fuzz-loaders` binary, which loads them in child processes. Fails
//! on any crash, timeout or panic (the binary saves the input of each in its crash folder).
//! `LTRS_FUZZ_SEED` picks another seed; the long run is the binary itself, e.g.
//! `cargo run --release --bin fuzz-loaders -- --count 100000 --seed 1`.
use std::process::Command;

#[test]
fn mutated_files_load_or_fail_cleanly() {
    let seed = std::env::var("LTRS_FUZZ_SEED").unwrap_or_else(|_| "7".into());
    let crashes =
        std::env::temp_dir().join(format!("ltrs-fuzz-loaders-quick-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_fuzz-loaders"))
        .args(["--count", "2000", "--batch", "1000", "--seed", &seed])
        .arg("--crash-dir")
        .arg(&crashes)
        .env("TORCH_CPP_LOG_LEVEL", "ERROR")
        .output()
        .expect("run fuzz-loaders");
    let stdout = String::from_utf8_lossy(&out.stdout);
    print!("{stdout}");
    assert!(
        out.status.success(),
        "fuzz-loaders found failures (inputs in {}):\n{stdout}\n{}",
        crashes.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    for format in ["pt", "safetensors", "npy", "npz"] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{format}:")))
            .unwrap_or_else(|| panic!("no counts for {format}"));
        assert!(
            line.contains("2000 files") && line.contains(" 0 crashes, 0 timeouts, 0 panics"),
            "{line}"
        );
        // The mutations must leave some files loadable, or they only test the first check.
        let ok: u64 = line
            .split(" Ok,")
            .next()
            .and_then(|s| s.rsplit(' ').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        assert!(
            ok >= 100,
            "{format}: only {ok} of 2000 mutated files loaded"
        );
    }
}
